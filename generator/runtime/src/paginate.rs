//! Pagination: an operation whose response is one page of a longer list gets, on its [`Call`],
//! `pages()` (a stream of pages) and `items()` (a stream of the items of every page). Copied
//! only into crates whose generator config declares a paginated operation.
//!
//! The next page's request is the first request with the cursor (or offset) replaced, in a
//! query parameter or a field of the JSON body, so every page is sent with the same filters,
//! headers, timeout and retry policy. Each page is an ordinary call: retried as configured.
//! The stream ends after a page that says there is no more (`has_more: false`), an empty
//! page, a page without a next cursor, or a cursor seen before (a server that repeats itself
//! can never make it loop). An error is yielded once and ends the stream.

use std::collections::HashSet;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_util::stream::{self, Stream, StreamExt};

use super::call::{checked, finish, run, Call, Failure};
use super::errors::InvalidRequest;
use super::request::PreparedRequest;
use super::response::ErrorFromResponse;

/// Where a request carries the cursor or offset of the page it asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PagePlace {
    /// A query parameter of this name.
    Query(&'static str),
    /// A top-level field of this name in the JSON request body.
    Body(&'static str),
}

/// How the request for the next page is made.
pub enum PageMode<T> {
    /// The response gives the cursor of the next page; it goes to `place`.
    Cursor {
        /// The next page's cursor in a page, if the page has one.
        next: fn(&T) -> Option<String>,
        /// Where the cursor goes in the next request.
        place: PagePlace,
    },
    /// The next page starts after the items seen so far: `place` holds the number to skip.
    Offset {
        /// Where the offset goes.
        place: PagePlace,
    },
}

/// How an operation pages: the rule for the next request and how to read a page.
pub struct Paged<T, I> {
    mode: PageMode<T>,
    has_more: Option<fn(&T) -> Option<bool>>,
    count: fn(&T) -> usize,
    items: fn(T) -> Vec<I>,
    first_page_only: &'static [PagePlace],
}

impl<T, I> Paged<T, I> {
    /// A pager: `mode` makes the next request, `has_more` (if the response has such a flag)
    /// says whether there is a next page, `count` counts a page's items and `items` takes them.
    pub fn new(
        mode: PageMode<T>,
        has_more: Option<fn(&T) -> Option<bool>>,
        count: fn(&T) -> usize,
        items: fn(T) -> Vec<I>,
    ) -> Self {
        Paged { mode, has_more, count, items, first_page_only: &[] }
    }

    /// Leaves `places` out of the requests for the pages after the first: what places the
    /// first page only (an `offset` beside a cursor, which says where later pages start).
    #[must_use]
    pub fn first_page_only(mut self, places: &'static [PagePlace]) -> Self {
        self.first_page_only = places;
        self
    }
}

impl<T, I> std::fmt::Debug for Paged<T, I> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mode = match &self.mode {
            PageMode::Cursor { place, .. } => format!("cursor in {place:?}"),
            PageMode::Offset { place } => format!("offset in {place:?}"),
        };
        f.debug_struct("Paged").field("mode", &mode).field("has_more", &self.has_more.is_some()).finish()
    }
}

/// The pages of a paginated call, in order: a [`Stream`] of `Result<T, E>`, or call
/// [`try_next`](Self::try_next) in a loop.
#[must_use = "streams do nothing unless polled"]
pub struct Pages<T, E> {
    inner: Pin<Box<dyn Stream<Item = Result<T, E>> + Send>>,
}

impl<T, E> Pages<T, E> {
    /// The next page: `Ok(None)` after the last one. After an error the stream has ended.
    pub async fn try_next(&mut self) -> Result<Option<T>, E> {
        self.inner.next().await.transpose()
    }
}

impl<T, E> Stream for Pages<T, E> {
    type Item = Result<T, E>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.as_mut().poll_next(cx)
    }
}

impl<T, E> std::fmt::Debug for Pages<T, E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Pages")
    }
}

/// The items of every page of a paginated call, in order, fetched lazily page by page: a
/// [`Stream`] of `Result<I, E>`, or call [`try_next`](Self::try_next) in a loop.
#[must_use = "streams do nothing unless polled"]
pub struct Items<I, E> {
    inner: Pin<Box<dyn Stream<Item = Result<I, E>> + Send>>,
}

impl<I, E> Items<I, E> {
    /// The next item: `Ok(None)` after the last one. After an error the stream has ended.
    pub async fn try_next(&mut self) -> Result<Option<I>, E> {
        self.inner.next().await.transpose()
    }
}

impl<I, E> Stream for Items<I, E> {
    type Item = Result<I, E>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.as_mut().poll_next(cx)
    }
}

impl<I, E> std::fmt::Debug for Items<I, E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Items")
    }
}

impl PreparedRequest {
    /// The value the request carries at `place`, as text (`None` when absent).
    fn value_at(&self, place: PagePlace) -> Option<String> {
        match place {
            PagePlace::Query(name) => self.query.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()),
            PagePlace::Body(name) => {
                let body: serde_json::Value = serde_json::from_slice(self.body.as_deref()?).ok()?;
                match body.get(name)? {
                    serde_json::Value::String(s) => Some(s.clone()),
                    serde_json::Value::Null => None,
                    other => Some(other.to_string()),
                }
            }
        }
    }

    /// The same request without anything at `place`.
    fn without(mut self, place: PagePlace) -> Result<Self, InvalidRequest> {
        match place {
            PagePlace::Query(name) => self.query.retain(|(k, _)| k != name),
            PagePlace::Body(name) => {
                let body = self.body.as_deref().and_then(|b| serde_json::from_slice::<serde_json::Value>(b).ok());
                if let Some(serde_json::Value::Object(mut object)) = body {
                    if object.remove(name).is_some() {
                        self = self.json(&object)?;
                    }
                }
            }
        }
        Ok(self)
    }

    /// The same request with `value` at `place` (replacing what was there).
    fn with_value_at(&self, place: PagePlace, value: serde_json::Value) -> Result<Self, InvalidRequest> {
        let mut next = self.clone();
        match place {
            PagePlace::Query(name) => {
                next.query.retain(|(k, _)| k != name);
                let text = match value {
                    serde_json::Value::String(s) => s,
                    other => other.to_string(),
                };
                next.query.push((name.into(), text));
            }
            PagePlace::Body(name) => {
                let invalid =
                    |why: &str| InvalidRequest::single("body", format!("cannot ask for the next page: {why}"));
                let mut body: serde_json::Value = match next.body.as_deref() {
                    Some(bytes) => serde_json::from_slice(bytes).map_err(|_| invalid("the body is not JSON"))?,
                    None => serde_json::Value::Object(serde_json::Map::new()),
                };
                let object = body.as_object_mut().ok_or_else(|| invalid("the body is not a JSON object"))?;
                object.insert(name.to_owned(), value);
                next = next.json(&body)?;
            }
        }
        Ok(next)
    }
}

/// What the page stream carries from one page to the next.
struct Walk<T, E, I> {
    call: Call<T, E, Paged<T, I>>,
    /// The request of the next page; `None` once the stream has ended.
    next: Option<Result<PreparedRequest, InvalidRequest>>,
    seen: HashSet<String>,
}

impl<T, E, I> Call<T, E, Paged<T, I>>
where
    T: Send + 'static,
    E: ErrorFromResponse + Send + 'static,
    I: Send + 'static,
{
    /// Every page, fetched lazily: the first when the stream is first polled, each next one
    /// when the previous has been taken. See the module docs for when it ends.
    pub fn pages(mut self) -> Pages<T, E> {
        let first = std::mem::replace(&mut self.parts.request, Err(InvalidRequest::new(Vec::new())));
        let walk = Walk { call: self, next: Some(first), seen: HashSet::new() };
        let inner = stream::unfold(walk, |mut walk| async move {
            let request = walk.next.take()?;
            let sent = request.clone();
            let parts = &mut walk.call.parts;
            let request = checked(request, std::mem::take(&mut parts.problems));
            let result = match run(parts.core.clone(), parts.spec, request, parts.options.clone()).await {
                Ok(raw) => finish::<T, E>(raw, parts.spec, walk.call.decode).map(|r| r.into_body()),
                Err(Failure::Invalid(e)) => Err(E::from(e)),
                Err(Failure::Transport(e)) => Err(E::from(e)),
            };
            let page = match result {
                Ok(page) => page,
                Err(e) => return Some((Err(e), walk)),
            };
            walk.next = match sent {
                Ok(sent) => next_request(&walk.call.pager, &page, &sent, &mut walk.seen),
                Err(_) => None,
            };
            Some((Ok(page), walk))
        });
        Pages { inner: Box::pin(inner) }
    }

    /// Every item of every page, in order, fetching pages as they are needed.
    pub fn items(self) -> Items<I, E> {
        let take = self.pager.items;
        let inner = self.pages().flat_map(move |page| {
            let items: Vec<Result<I, E>> = match page {
                Ok(page) => take(page).into_iter().map(Ok).collect(),
                Err(e) => vec![Err(e)],
            };
            stream::iter(items)
        });
        Items { inner: Box::pin(inner) }
    }
}

/// The request for the page after `page` (which `sent` asked for), or `None` when `page` is
/// the last one.
fn next_request<T, I>(
    pager: &Paged<T, I>,
    page: &T,
    sent: &PreparedRequest,
    seen: &mut HashSet<String>,
) -> Option<Result<PreparedRequest, InvalidRequest>> {
    if pager.has_more.and_then(|has_more| has_more(page)) == Some(false) {
        return None;
    }
    let count = (pager.count)(page);
    if count == 0 {
        return None;
    }
    let next = match pager.mode {
        PageMode::Cursor { next, place } => {
            let cursor = next(page).filter(|c| !c.is_empty())?;
            if let Some(current) = sent.value_at(place) {
                seen.insert(current);
            }
            if !seen.insert(cursor.clone()) {
                tracing::warn!(cursor = %cursor, "the server repeated a page cursor; stopping the page stream");
                return None;
            }
            Some(sent.with_value_at(place, serde_json::Value::String(cursor)))
        }
        PageMode::Offset { place } => {
            let current: u64 = sent.value_at(place).and_then(|v| v.parse().ok()).unwrap_or(0);
            let next = current.saturating_add(count as u64);
            Some(sent.with_value_at(place, serde_json::Value::from(next)))
        }
    };
    next.map(|request| {
        request.and_then(|request| {
            pager.first_page_only.iter().try_fold(request, |request, &place| request.without(place))
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Page {
        items: Vec<u32>,
        cursor: Option<String>,
        more: Option<bool>,
    }

    fn cursor_pager(place: PagePlace) -> Paged<Page, u32> {
        Paged::new(
            PageMode::Cursor { next: |p| p.cursor.clone(), place },
            Some(|p| p.more),
            |p| p.items.len(),
            |p| p.items,
        )
    }

    fn page(items: &[u32], cursor: Option<&str>, more: Option<bool>) -> Page {
        Page { items: items.to_vec(), cursor: cursor.map(str::to_owned), more }
    }

    #[test]
    fn later_pages_leave_out_what_places_the_first_page_only() {
        let pager = cursor_pager(PagePlace::Body("after")).first_page_only(&[
            PagePlace::Body("offset"),
            PagePlace::Query("skip"),
            PagePlace::Body("absent"),
        ]);
        let mut sent = PreparedRequest::new("/q".into()).json(&serde_json::json!({"offset": 10, "f": "a"})).unwrap();
        sent.query.push(("skip".into(), "3".into()));
        sent.query.push(("keep".into(), "1".into()));
        let mut seen = HashSet::new();
        let next = next_request(&pager, &page(&[1], Some("k2"), Some(true)), &sent, &mut seen).unwrap().unwrap();
        let body: serde_json::Value = serde_json::from_slice(next.body.as_deref().unwrap()).unwrap();
        assert_eq!(body, serde_json::json!({"after": "k2", "f": "a"}));
        assert_eq!(next.query.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>(), ["keep=1"]);
    }

    #[test]
    fn cursors_go_into_the_body_or_the_query() {
        let sent = PreparedRequest::new("/q".into()).json(&serde_json::json!({"filter": "a", "after": null})).unwrap();
        let mut seen = HashSet::new();
        let next = next_request(
            &cursor_pager(PagePlace::Body("after")),
            &page(&[1], Some("k1"), Some(true)),
            &sent,
            &mut seen,
        )
        .unwrap()
        .unwrap();
        let body: serde_json::Value = serde_json::from_slice(next.body().unwrap()).unwrap();
        assert_eq!(body, serde_json::json!({"filter": "a", "after": "k1"}));

        let sent = PreparedRequest::new("/q".into()).query("after", "k0").query("limit", 2);
        let mut seen = HashSet::new();
        let next =
            next_request(&cursor_pager(PagePlace::Query("after")), &page(&[1], Some("k1"), None), &sent, &mut seen)
                .unwrap()
                .unwrap();
        assert_eq!(
            next.query_pairs().iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>(),
            ["limit=2", "after=k1"]
        );
    }

    #[test]
    fn the_stream_ends_on_no_more_empty_pages_missing_or_repeated_cursors() {
        let pager = cursor_pager(PagePlace::Query("after"));
        let sent = PreparedRequest::new("/q".into());
        let mut seen = HashSet::new();
        assert!(next_request(&pager, &page(&[1], Some("k"), Some(false)), &sent, &mut seen).is_none());
        assert!(next_request(&pager, &page(&[], Some("k"), Some(true)), &sent, &mut seen).is_none());
        assert!(next_request(&pager, &page(&[1], None, Some(true)), &sent, &mut seen).is_none());
        assert!(next_request(&pager, &page(&[1], Some(""), Some(true)), &sent, &mut seen).is_none());
        // The cursor of the request sent counts as seen: a page pointing back to it ends the walk.
        let sent = PreparedRequest::new("/q".into()).query("after", "k7");
        assert!(next_request(&pager, &page(&[1], Some("k7"), Some(true)), &sent, &mut seen).is_none());
        assert!(next_request(&pager, &page(&[1], Some("k8"), Some(true)), &sent, &mut seen).is_some());
        assert!(next_request(&pager, &page(&[1], Some("k8"), Some(true)), &sent, &mut seen).is_none());
    }

    #[test]
    fn offsets_advance_by_the_items_of_each_page() {
        let pager: Paged<Page, u32> =
            Paged::new(PageMode::Offset { place: PagePlace::Body("offset") }, None, |p| p.items.len(), |p| p.items);
        let sent = PreparedRequest::new("/q".into()).json(&serde_json::json!({"page_size": 3})).unwrap();
        let mut seen = HashSet::new();
        let next = next_request(&pager, &page(&[1, 2, 3], None, None), &sent, &mut seen).unwrap().unwrap();
        let body: serde_json::Value = serde_json::from_slice(next.body().unwrap()).unwrap();
        assert_eq!(body, serde_json::json!({"page_size": 3, "offset": 3}));
        let after = next_request(&pager, &page(&[4, 5], None, None), &next, &mut seen).unwrap().unwrap();
        let body: serde_json::Value = serde_json::from_slice(after.body().unwrap()).unwrap();
        assert_eq!(body["offset"], 5);
        assert!(next_request(&pager, &page(&[], None, None), &after, &mut seen).is_none());
    }
}
