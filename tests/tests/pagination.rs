//! `post_events_query` pages by `iter_last_key` (declared in `spec/generator.toml`): its call
//! streams pages with `.pages()` and events with `.items()`. These tests run the SDK against a
//! `wiremock` server whose answer depends on the cursor in the request body.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use flexprice::models::GetEventsRequest;
use flexprice::{Client, Error, RetryConfig};
use serde_json::{json, Value};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

/// A client of `server` whose retries wait a millisecond.
fn client(server: &MockServer) -> Client {
    Client::builder()
        .server_url(server.uri())
        .api_key("test-key")
        .retry(RetryConfig::default().initial_interval(Duration::from_millis(1)).max_interval(Duration::from_millis(2)))
        .build()
        .expect("the client builds")
}

/// A page of events with these ids.
fn page(ids: &[&str], last_key: Option<&str>, has_more: bool) -> ResponseTemplate {
    let events: Vec<Value> =
        ids.iter().map(|id| json!({"id": id, "event_name": "api_request", "external_customer_id": "cus_1"})).collect();
    let mut body = json!({"events": events, "has_more": has_more});
    if let Some(key) = last_key {
        body["iter_last_key"] = json!(key);
    }
    ResponseTemplate::new(200).set_body_json(body)
}

/// The cursor a request asked for (`None` for the first page).
fn cursor(request: &Request) -> Option<String> {
    let body: Value = serde_json::from_slice(&request.body).expect("the body is JSON");
    body.get("iter_last_key").and_then(Value::as_str).map(str::to_owned)
}

/// Serves `/events/query` with `answer(cursor, nth request)`.
async fn serve(answer: impl Fn(Option<String>, usize) -> ResponseTemplate + Send + Sync + 'static) -> MockServer {
    let server = MockServer::start().await;
    let calls = Arc::new(AtomicUsize::new(0));
    Mock::given(method("POST"))
        .and(path("/events/query"))
        .respond_with(move |request: &Request| answer(cursor(request), calls.fetch_add(1, Ordering::SeqCst)))
        .mount(&server)
        .await;
    server
}

fn three_pages(cursor: Option<String>) -> ResponseTemplate {
    match cursor.as_deref() {
        None => page(&["e1", "e2"], Some("k1"), true),
        Some("k1") => page(&["e3"], Some("k2"), true),
        Some("k2") => page(&["e4"], Some("k3"), false),
        Some(other) => {
            ResponseTemplate::new(400).set_body_json(json!({"error": {"message": format!("bad cursor {other}")}}))
        }
    }
}

fn query() -> GetEventsRequest {
    GetEventsRequest::new().with_external_customer_id("cus_1").with_page_size(2)
}

async fn ids(mut items: flexprice::Items<flexprice::models::Event, Error>) -> (Vec<String>, Option<Error>) {
    let mut ids = Vec::new();
    loop {
        match items.try_next().await {
            Ok(Some(event)) => ids.push(event.id.unwrap_or_default()),
            Ok(None) => return (ids, None),
            Err(e) => {
                // The stream ends after an error.
                assert!(matches!(items.try_next().await, Ok(None)), "the stream goes on after an error");
                return (ids, Some(e));
            }
        }
    }
}

#[tokio::test]
async fn items_walk_three_pages_in_order_keeping_the_filters() {
    let server = serve(|cursor, _| three_pages(cursor)).await;

    let items = client(&server).events().post_events_query(query()).items();
    assert!(server.received_requests().await.unwrap().is_empty(), "nothing is sent before the stream is polled");
    let (ids, error) = ids(items).await;

    assert_eq!(ids, ["e1", "e2", "e3", "e4"]);
    assert!(error.is_none(), "{error:?}");
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.iter().map(cursor).collect::<Vec<_>>(), [None, Some("k1".into()), Some("k2".into())]);
    for request in &requests {
        let body: Value = serde_json::from_slice(&request.body).unwrap();
        assert_eq!(body["external_customer_id"], "cus_1", "every page keeps the query's filters");
        assert_eq!(body["page_size"], 2);
    }
}

#[tokio::test]
async fn an_offset_places_the_first_page_only() {
    let server = serve(|cursor, _| three_pages(cursor)).await;

    let (ids, error) = ids(client(&server).events().post_events_query(query().with_offset(10)).items()).await;

    assert_eq!(ids, ["e1", "e2", "e3", "e4"]);
    assert!(error.is_none(), "{error:?}");
    // Later pages start at their cursor: an offset kept beside it would skip ten events again.
    let offsets: Vec<Value> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| serde_json::from_slice::<Value>(&r.body).unwrap()["offset"].clone())
        .collect();
    assert_eq!(offsets, [json!(10), Value::Null, Value::Null]);
}

#[tokio::test]
async fn pages_stream_whole_pages() {
    let server = serve(|cursor, _| three_pages(cursor)).await;

    let mut pages = client(&server).events().post_events_query(query()).pages();
    let mut sizes = Vec::new();
    while let Some(page) = pages.try_next().await.expect("every page arrives") {
        sizes.push(page.events.map_or(0, |e| e.len()));
    }

    assert_eq!(sizes, [2, 1, 1]);
}

#[tokio::test]
async fn a_repeated_cursor_ends_the_stream_instead_of_looping() {
    // Page 2 points back to page 1's cursor while claiming there is more.
    let server = serve(|cursor, _| match cursor.as_deref() {
        None => page(&["e1"], Some("k1"), true),
        _ => page(&["e2"], Some("k1"), true),
    })
    .await;

    let (ids, error) = ids(client(&server).events().post_events_query(query()).items()).await;

    assert_eq!(ids, ["e1", "e2"]);
    assert!(error.is_none(), "{error:?}");
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn an_empty_page_ends_the_stream_even_if_it_claims_more() {
    let server = serve(|cursor, _| match cursor.as_deref() {
        None => page(&["e1"], Some("k1"), true),
        _ => page(&[], Some("k2"), true),
    })
    .await;

    let (ids, _) = ids(client(&server).events().post_events_query(query()).items()).await;

    assert_eq!(ids, ["e1"]);
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn an_error_on_page_two_is_yielded_once_and_ends_the_stream() {
    let server = serve(|cursor, _| match cursor.as_deref() {
        None => page(&["e1", "e2"], Some("k1"), true),
        _ => ResponseTemplate::new(400).set_body_json(json!({"error": {"message": "cursor expired"}})),
    })
    .await;

    let (ids, error) = ids(client(&server).events().post_events_query(query()).items()).await;

    assert_eq!(ids, ["e1", "e2"]);
    let error = error.expect("page 2 fails");
    assert!(matches!(error, Error::BadRequest(_)), "{error:?}");
    assert!(error.to_string().contains("cursor expired"), "{error}");
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn a_503_on_page_two_is_absorbed_by_the_retry_policy() {
    let server = serve(|cursor, nth| match (cursor.as_deref(), nth) {
        (Some("k1"), 1) => ResponseTemplate::new(503),
        (cursor, _) => three_pages(cursor.map(str::to_owned)),
    })
    .await;

    let (ids, error) = ids(client(&server).events().post_events_query(query()).items()).await;

    assert_eq!(ids, ["e1", "e2", "e3", "e4"]);
    assert!(error.is_none(), "{error:?}");
    let cursors: Vec<Option<String>> = server.received_requests().await.unwrap().iter().map(cursor).collect();
    assert_eq!(cursors, [None, Some("k1".into()), Some("k1".into()), Some("k2".into())]);
}

#[tokio::test]
async fn per_call_settings_apply_to_every_page() {
    let server = serve(|cursor, _| three_pages(cursor)).await;

    let items = client(&server).events().post_events_query(query()).header("x-trace", "walk-1").items();
    let (ids, _) = ids(items).await;

    assert_eq!(ids.len(), 4);
    for request in server.received_requests().await.unwrap() {
        assert_eq!(request.headers.get("x-trace").map(|v| v.to_str().unwrap()), Some("walk-1"));
    }
}

#[tokio::test]
async fn awaiting_the_call_still_fetches_one_page() {
    let server = serve(|cursor, _| three_pages(cursor)).await;

    let first = client(&server).events().post_events_query(query()).await.expect("page 1");

    assert_eq!(first.events.map(|e| e.len()), Some(2));
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}
