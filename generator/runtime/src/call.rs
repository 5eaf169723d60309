//! The request builder every operation method returns ([`Call`]): per-call settings, and the
//! future that validates, sends (through the exchange) and decodes.

use std::future::{Future, IntoFuture};
use std::marker::PhantomData;
use std::pin::Pin;
use std::time::Duration;

use futures_util::FutureExt as _;
use reqwest::header::{HeaderName, HeaderValue};

use super::config::ClientCore;
use super::errors::{DecodeError, InvalidRequest, TransportError, Violation};
use super::exchange::CallOptions;
use super::request::{is_sensitive_header, OperationSpec, PreparedRequest};
use super::response::{ErrorFromResponse, RawResponse, Response};
use super::retry::RetryConfig;

/// A request ready to be sent: returned by every operation method.
///
/// Await it (or call [`send`](Self::send)) to send it; change it first with the per-call
/// settings [`timeout`](Self::timeout), [`retry`](Self::retry), [`no_retry`](Self::no_retry)
/// and [`header`](Self::header).
//@ if pagination
/// A call of an operation that pages (`P` is then the crate's `Paged` type) can also walk
/// every page with `pages()` or every item with `items()`.
//@ end
#[must_use = "a Call does nothing until it is awaited or sent"]
pub struct Call<T, E, P = ()> {
    pub(super) parts: Parts,
    pub(super) decode: fn(&RawResponse) -> Result<T, DecodeError>,
    /// How the operation pages; `()` when it does not.
    pub(super) pager: P,
    _error: PhantomData<fn() -> E>,
}

/// What a call holds apart from its types: built by one function for every operation, so the
/// generic [`Call::new`], instantiated once per response type, only moves it.
pub(super) struct Parts {
    pub(super) core: ClientCore,
    pub(super) spec: &'static OperationSpec,
    pub(super) request: Result<PreparedRequest, InvalidRequest>,
    pub(super) options: CallOptions,
    pub(super) problems: Vec<Violation>,
}

impl Parts {
    fn new(core: &ClientCore, spec: &'static OperationSpec, request: Result<PreparedRequest, InvalidRequest>) -> Self {
        Parts { core: core.clone(), spec, request, options: CallOptions::default(), problems: Vec::new() }
    }
}

impl<T, E, P> std::fmt::Debug for Call<T, E, P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Call")
            .field("operation", &self.parts.spec.name)
            .field("request", &self.parts.request)
            .field("options", &self.parts.options)
            .finish()
    }
}

pub(super) enum Failure {
    Invalid(InvalidRequest),
    Transport(TransportError),
}

/// The request of a call as it will be sent, or every problem found in it: the builder's and
/// the per-call settings' (an invalid header). Checked before the call's future exists, so the
/// future holds only what is sent.
pub(super) fn checked(
    request: Result<PreparedRequest, InvalidRequest>,
    problems: Vec<Violation>,
) -> Result<PreparedRequest, InvalidRequest> {
    match request.and_then(PreparedRequest::check) {
        Ok(request) if problems.is_empty() => Ok(request),
        Ok(_) => Err(InvalidRequest::new(problems)),
        Err(e) => {
            let mut all = e.into_violations();
            all.extend(problems);
            Err(InvalidRequest::new(all))
        }
    }
}

/// The HTTP work of a call whose request was `checked`, shared by all operations (not
/// generic). It owns what it uses, so the caller's future does not keep a second copy of the call
/// beside it: the future of a `post_events` call shrank from 3,456 to 2,120 bytes, and it is
/// moved into its box on every call.
pub(super) async fn run(
    core: ClientCore,
    spec: &'static OperationSpec,
    request: Result<PreparedRequest, InvalidRequest>,
    options: CallOptions,
) -> Result<RawResponse, Failure> {
    let request = request.map_err(Failure::Invalid)?;
    core.execute(spec, &request, &options).await.map_err(Failure::Transport)
}

impl<T, E> Call<T, E> {
    /// A call of the operation `spec` with `request`; a successful response is decoded with
    /// `decode`. An `Err` request fails with that error, sending nothing. Called by the
    /// generated operations; not part of the crate's API.
    #[doc(hidden)]
    pub fn new(
        core: &ClientCore,
        spec: &'static OperationSpec,
        request: Result<PreparedRequest, InvalidRequest>,
        decode: fn(&RawResponse) -> Result<T, DecodeError>,
    ) -> Self {
        Call { parts: Parts::new(core, spec, request), decode, pager: (), _error: PhantomData }
    }

    /// A call that pages: its pages are fetched as `pager` says. Called by the generated
    /// operations; not part of the crate's API.
    #[doc(hidden)]
    pub fn paged<P>(self, pager: P) -> Call<T, E, P> {
        let Call { parts, decode, pager: (), _error } = self;
        Call { parts, decode, pager, _error }
    }
}

impl<T, E, P> Call<T, E, P> {
    /// Sets the total time of each attempt of this call.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.parts.options.timeout = Some(timeout);
        self
    }

    /// Uses this retry configuration for this call.
    pub fn retry(mut self, retry: RetryConfig) -> Self {
        self.parts.options.retry = Some(retry);
        self
    }

    /// Makes a single attempt.
    pub fn no_retry(self) -> Self {
        self.retry(RetryConfig::none())
    }

    /// Sends an extra header with this call (replacing one of the same name). An invalid name
    /// or value makes the call fail with [`InvalidRequest`].
    pub fn header(mut self, name: impl AsRef<str>, value: impl AsRef<str>) -> Self {
        let (name, value) = (name.as_ref(), value.as_ref());
        match (HeaderName::from_bytes(name.as_bytes()), HeaderValue::from_str(value)) {
            (Ok(name), Ok(mut value)) => {
                value.set_sensitive(is_sensitive_header(&name));
                self.parts.options.headers.insert(name, value);
            }
            _ => self
                .parts
                .problems
                .push(Violation::new(format!("header {name}"), "is not a valid HTTP header (control characters?)")),
        }
        self
    }

    /// The name of the operation (its method name), e.g. `post_events`.
    pub fn operation(&self) -> &'static str {
        self.parts.spec.name
    }

    /// Sends the request and returns the decoded result.
    pub fn send(self) -> impl Future<Output = Result<T, E>>
    where
        E: ErrorFromResponse,
    {
        let (exchange, spec, decode) = self.start();
        // `map`, not an `async` block: a block would hold the exchange twice (as captured, and
        // as awaited).
        exchange.map(move |result| respond(result, spec, decode).map(Response::into_body))
    }

    /// Sends the request and returns the decoded result with the response's metadata.
    pub fn send_with_response(self) -> impl Future<Output = Result<Response<T>, E>>
    where
        E: ErrorFromResponse,
    {
        let (exchange, spec, decode) = self.start();
        exchange.map(move |result| respond(result, spec, decode))
    }

    /// The exchange of this call (not yet started) and what decodes its response.
    #[allow(clippy::type_complexity)]
    fn start(
        self,
    ) -> (
        impl Future<Output = Result<RawResponse, Failure>> + Send + 'static,
        &'static OperationSpec,
        fn(&RawResponse) -> Result<T, DecodeError>,
    ) {
        let Call { parts: Parts { core, spec, request, options, problems }, decode, .. } = self;
        (run(core, spec, checked(request, problems), options), spec, decode)
    }
}

/// The result of a call from the result of its exchange.
fn respond<T, E: ErrorFromResponse>(
    exchange: Result<RawResponse, Failure>,
    spec: &'static OperationSpec,
    decode: fn(&RawResponse) -> Result<T, DecodeError>,
) -> Result<Response<T>, E> {
    match exchange {
        Ok(raw) => finish(raw, spec, decode),
        Err(Failure::Invalid(e)) => Err(E::from(e)),
        Err(Failure::Transport(e)) => Err(E::from(e)),
    }
}

pub(super) fn finish<T, E: ErrorFromResponse>(
    raw: RawResponse,
    spec: &'static OperationSpec,
    decode: fn(&RawResponse) -> Result<T, DecodeError>,
) -> Result<Response<T>, E> {
    if !spec.success.contains(&raw.status().as_u16()) {
        return Err(E::from_response(raw, spec.errors));
    }
    match decode(&raw) {
        Ok(body) => Ok(Response::new(raw.meta, body)),
        Err(e) => Err(E::from(e)),
    }
}

impl<T, E, P> IntoFuture for Call<T, E, P>
where
    T: Send + 'static,
    E: ErrorFromResponse + Send + 'static,
    P: Send + 'static,
{
    type Output = Result<T, E>;
    type IntoFuture = Pin<Box<dyn Future<Output = Result<T, E>> + Send + 'static>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn param_text_of_values() {
        assert_eq!(param_text("a b"), "a b");
        assert_eq!(param_text(&3_i64), "3");
        assert_eq!(param_text(&true), "true");
        assert_eq!(param_text(&Option::<i32>::None), "");
        assert_eq!(param_text(&serde_json::json!({"k": 1})), "{\"k\":1}");
    }

    #[test]
    fn an_object_query_parameter_is_its_fields() {
        let filter = serde_json::json!({"status": "open", "tag": ["a", "b"], "none": null, "n": 2});
        let req = PreparedRequest::new("/q".into()).query("page", 1).query_object(&filter);
        let pairs: Vec<(&str, &str)> = req.query_pairs().iter().map(|(k, v)| (k.as_ref(), v.as_str())).collect();
        assert_eq!(pairs, [("page", "1"), ("n", "2"), ("status", "open"), ("tag", "a"), ("tag", "b")]);
    }

    #[test]
    fn a_value_that_may_be_a_list_is_sent_item_by_item() {
        use super::super::request::{list_text, path_list};
        let one = PreparedRequest::new("/q".into()).query_each("id", &serde_json::json!("a"));
        let many = one.query_each("id", &serde_json::json!(["b", null, 3])).query_each("id", &serde_json::Value::Null);
        let pairs: Vec<(&str, &str)> = many.query_pairs().iter().map(|(k, v)| (k.as_ref(), v.as_str())).collect();
        assert_eq!(pairs, [("id", "a"), ("id", "b"), ("id", "3")]);
        assert_eq!(list_text(&serde_json::json!(["a", 2, true]), ","), "a,2,true");
        assert_eq!(list_text(&serde_json::json!(["a", "b"]), "|"), "a|b");
        assert_eq!(list_text(&serde_json::json!("a,b"), ","), "a,b");
        assert_eq!(path_list(&serde_json::json!(["p1", "a,b/c", 3])), "p1,a%2Cb%2Fc,3");
        assert_eq!(path_list(&serde_json::json!("x/y")), "x%2Fy");
    }

    #[test]
    fn json_bodies_carry_the_declared_json_media_type() {
        let body = serde_json::json!({"email": null});
        let req = PreparedRequest::new("/p".into()).json(&body).unwrap();
        assert_eq!(req.headers()[CONTENT_TYPE], "application/json");
        let req = PreparedRequest::new("/p".into()).json_as(&body, "application/merge-patch+json").unwrap();
        assert_eq!(req.headers()[CONTENT_TYPE], "application/merge-patch+json");
        assert_eq!(req.body().unwrap().as_ref(), br#"{"email":null}"#);
    }

    #[test]
    fn form_json_and_multipart_json_encode_top_level_fields() {
        let body = serde_json::json!({"name": "a b", "n": 3, "skip": null, "tags": ["x"]});
        let req = PreparedRequest::new("/f".into()).form_json(&body).unwrap();
        let text = String::from_utf8(req.body().unwrap().to_vec()).unwrap();
        assert_eq!(text, "n=3&name=a+b&tags=%5B%22x%22%5D");
        let req = PreparedRequest::new("/m".into()).multipart_json(&body, &[]).unwrap();
        let text = String::from_utf8(req.body().unwrap().to_vec()).unwrap();
        assert!(text.contains("name=\"name\"\r\n\r\na b\r\n"), "{text}");
        assert!(!text.contains("skip"));
        assert!(PreparedRequest::new("/f".into()).form_json(&[1, 2]).is_err());
    }
    use super::super::config::{AuthKind, AuthScheme, CoreBuilder};
    use super::super::errors::ResponseMeta;
    use super::super::errors::{TransportErrorKind, UnexpectedStatus};
    use super::super::hooks::ResponseInfo;
    use super::super::request::{encode_path_segment, new_idempotency_key, param_text};
    use super::super::response::{decode_bytes, decode_empty, decode_json, decode_text};
    use super::*;
    use bytes::Bytes;
    use reqwest::header::{HeaderMap, CONTENT_TYPE};
    use reqwest::Method;
    use reqwest::StatusCode;
    use serde::Serialize;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Arc, Mutex};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;

    // ---- a tiny HTTP/1.1 server on 127.0.0.1 ----

    #[derive(Clone)]
    struct Reply {
        status: u16,
        headers: Vec<(&'static str, String)>,
        body: Vec<u8>,
        delay: Duration,
        chunked: bool,
        /// Announce this content length instead of the real one, and hold the connection
        /// open for a while after writing (to show the client stops reading early).
        claimed_len: Option<usize>,
    }

    fn reply(status: u16, body: &str) -> Reply {
        Reply {
            status,
            headers: vec![("content-type", "application/json".into())],
            body: body.as_bytes().to_vec(),
            delay: Duration::ZERO,
            chunked: false,
            claimed_len: None,
        }
    }

    #[derive(Debug, Clone)]
    struct Recorded {
        head: String,
        body: Vec<u8>,
    }

    impl Recorded {
        fn target(&self) -> &str {
            self.head.split(' ').nth(1).unwrap_or("")
        }
        fn header(&self, name: &str) -> Option<String> {
            self.head.lines().skip(1).find_map(|l| {
                let (k, v) = l.split_once(':')?;
                k.eq_ignore_ascii_case(name).then(|| v.trim().to_owned())
            })
        }
    }

    struct Server {
        base: String,
        requests: Arc<Mutex<Vec<Recorded>>>,
        connections: Arc<AtomicUsize>,
    }

    impl Server {
        fn requests(&self) -> Vec<Recorded> {
            self.requests.lock().unwrap().clone()
        }
    }

    /// Answers the n-th request with `replies[n]` (the last one repeats); one request per
    /// connection.
    async fn serve(replies: Vec<Reply>) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}/api", listener.local_addr().unwrap());
        let requests = Arc::new(Mutex::new(Vec::new()));
        let connections = Arc::new(AtomicUsize::new(0));
        let (req_log, conns) = (requests.clone(), connections.clone());
        tokio::spawn(async move {
            let replies = Arc::new(replies);
            loop {
                let Ok((mut socket, _)) = listener.accept().await else {
                    return;
                };
                let n = conns.fetch_add(1, Ordering::SeqCst);
                let (replies, req_log) = (replies.clone(), req_log.clone());
                tokio::spawn(async move {
                    let mut buf = Vec::new();
                    let mut chunk = [0u8; 4096];
                    let head_end = loop {
                        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                            break i + 4;
                        }
                        match socket.read(&mut chunk).await {
                            Ok(0) | Err(_) => return,
                            Ok(k) => buf.extend_from_slice(&chunk[..k]),
                        }
                    };
                    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
                    let len: usize = head
                        .lines()
                        .find_map(|l| {
                            let (k, v) = l.split_once(':')?;
                            k.eq_ignore_ascii_case("content-length").then(|| v.trim().parse().ok())?
                        })
                        .unwrap_or(0);
                    while buf.len() < head_end + len {
                        match socket.read(&mut chunk).await {
                            Ok(0) | Err(_) => return,
                            Ok(k) => buf.extend_from_slice(&chunk[..k]),
                        }
                    }
                    req_log.lock().unwrap().push(Recorded { head, body: buf[head_end..head_end + len].to_vec() });
                    let r = &replies[n.min(replies.len() - 1)];
                    tokio::time::sleep(r.delay).await;
                    let mut out = format!("HTTP/1.1 {} X\r\nconnection: close\r\n", r.status);
                    for (k, v) in &r.headers {
                        out.push_str(&format!("{k}: {v}\r\n"));
                    }
                    let mut out = out.into_bytes();
                    if r.chunked {
                        out.extend_from_slice(b"transfer-encoding: chunked\r\n\r\n");
                        for piece in r.body.chunks(100) {
                            out.extend_from_slice(format!("{:x}\r\n", piece.len()).as_bytes());
                            out.extend_from_slice(piece);
                            out.extend_from_slice(b"\r\n");
                        }
                        out.extend_from_slice(b"0\r\n\r\n");
                    } else {
                        out.extend_from_slice(
                            format!("content-length: {}\r\n\r\n", r.claimed_len.unwrap_or(r.body.len())).as_bytes(),
                        );
                        out.extend_from_slice(&r.body);
                    }
                    let _ = socket.write_all(&out).await;
                    if r.claimed_len.is_some() {
                        tokio::time::sleep(Duration::from_secs(5)).await;
                    }
                    let _ = socket.shutdown().await;
                });
            }
        });
        Server { base, requests, connections }
    }

    // ---- a test error type, as generated code would write it ----

    #[derive(Debug)]
    enum TestError {
        Api { status: u16, attempts: u32, body: Bytes },
        Unexpected(UnexpectedStatus),
        Transport(TransportError),
        Invalid(InvalidRequest),
        Decode(DecodeError),
    }

    impl From<TransportError> for TestError {
        fn from(e: TransportError) -> Self {
            TestError::Transport(e)
        }
    }
    impl From<InvalidRequest> for TestError {
        fn from(e: InvalidRequest) -> Self {
            TestError::Invalid(e)
        }
    }
    impl From<DecodeError> for TestError {
        fn from(e: DecodeError) -> Self {
            TestError::Decode(e)
        }
    }
    impl ErrorFromResponse for TestError {
        fn from_response(response: RawResponse, declared: &[u16]) -> Self {
            let status = response.status().as_u16();
            if declared.contains(&status) {
                TestError::Api { status, attempts: response.meta().attempts(), body: response.body().clone() }
            } else {
                let (meta, body) = response.into_parts();
                TestError::Unexpected(UnexpectedStatus::new(meta, body))
            }
        }
    }

    static KEY_SCHEME: AuthScheme = AuthScheme { name: "ApiKeyAuth", kind: AuthKind::ApiKeyHeader("x-api-key") };

    static CREATE: OperationSpec = OperationSpec {
        name: "create_item",
        method: Method::POST,
        path: "/items/{id}",
        success: &[200, 201],
        errors: &[400, 404, 500],
        security: &["ApiKeyAuth"],
    };

    fn fast_retry() -> RetryConfig {
        RetryConfig::default().initial_interval(Duration::from_millis(1)).max_interval(Duration::from_millis(5))
    }

    fn core(base: &str) -> ClientCore {
        CoreBuilder::new("test-sdk", "0.0.1")
            .base_url(base)
            .credential(KEY_SCHEME, "secret-key-123")
            .retry(fast_retry())
            .build()
            .unwrap()
    }

    fn create(core: &ClientCore, body: &serde_json::Value) -> Call<serde_json::Value, TestError> {
        let request = PreparedRequest::new(format!("/items/{}", encode_path_segment("a b/c")))
            .query("dry_run", true)
            .query_opt("missing", None::<u8>)
            .json(body);
        Call::new(core, &CREATE, request, decode_json)
    }

    #[tokio::test]
    async fn retries_503_then_succeeds_and_replays_the_body() {
        let server = serve(vec![
            reply(503, "{\"message\":\"busy\"}"),
            Reply {
                headers: vec![("content-type", "application/json".into()), ("x-request-id", "req-42".into())],
                ..reply(201, "{\"id\":\"a b/c\"}")
            },
        ])
        .await;
        let attempts = Arc::new(Mutex::new(Vec::new()));
        let seen = attempts.clone();
        let core = CoreBuilder::new("test-sdk", "0.0.1")
            .base_url(&server.base)
            .credential(KEY_SCHEME, "secret-key-123")
            .retry(fast_retry())
            .on_request(|r: &mut reqwest::Request| {
                r.headers_mut().insert("x-hooked", HeaderValue::from_static("1"));
            })
            .on_response(move |info: &ResponseInfo| {
                seen.lock().unwrap().push((info.attempt, info.status.map(|s| s.as_u16())));
            })
            .build()
            .unwrap();
        let response = create(&core, &serde_json::json!({"name": "x"})).send_with_response().await.unwrap();
        assert_eq!(response.status(), StatusCode::CREATED);
        assert_eq!(response.meta().attempts(), 2);
        assert_eq!(response.request_id(), Some("req-42"));
        assert_eq!(response.body()["id"], "a b/c");
        assert_eq!(*attempts.lock().unwrap(), [(1, Some(503)), (2, Some(201))]);

        let requests = server.requests();
        assert_eq!(requests.len(), 2);
        for r in &requests {
            assert!(r.head.starts_with("POST /api/items/a%20b%2Fc?dry_run=true HTTP/1.1"), "{}", r.head);
            assert_eq!(r.body, b"{\"name\":\"x\"}");
            assert_eq!(r.header("content-type").as_deref(), Some("application/json"));
            assert_eq!(r.header("x-api-key").as_deref(), Some("secret-key-123"));
            assert_eq!(r.header("user-agent").as_deref(), Some("test-sdk/0.0.1 (rust)"));
            assert_eq!(r.header("x-hooked").as_deref(), Some("1"));
        }
    }

    #[tokio::test]
    async fn declared_400_is_not_retried() {
        let server = serve(vec![reply(400, "{\"error\":\"bad\"}"), reply(200, "{}")]).await;
        let core = core(&server.base);
        let err = create(&core, &serde_json::json!({})).await.unwrap_err();
        match err {
            TestError::Api { status, attempts, body } => {
                assert_eq!((status, attempts), (400, 1));
                assert_eq!(&body[..], b"{\"error\":\"bad\"}");
            }
            other => panic!("unexpected {other:?}"),
        }
        assert_eq!(server.requests().len(), 1);
    }

    #[tokio::test]
    async fn retryable_status_exhausts_attempts_and_maps_to_error() {
        let server = serve(vec![Reply { headers: vec![("retry-after", "0".into())], ..reply(429, "slow down") }]).await;
        let core = core(&server.base);
        let err = create(&core, &serde_json::json!({})).retry(fast_retry().max_attempts(3)).await.unwrap_err();
        let TestError::Unexpected(e) = err else {
            panic!("unexpected {err:?}");
        };
        assert_eq!(e.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(e.meta().attempts(), 3);
        assert_eq!(e.body_text(), "slow down");
        assert!(e.to_string().contains("429"));
        assert_eq!(server.requests().len(), 3);
    }

    #[tokio::test]
    async fn per_call_timeout_fires() {
        let server = serve(vec![Reply { delay: Duration::from_secs(5), ..reply(200, "{}") }]).await;
        let core = core(&server.base);
        let started = std::time::Instant::now();
        let err =
            create(&core, &serde_json::json!({})).timeout(Duration::from_millis(100)).no_retry().await.unwrap_err();
        let TestError::Transport(e) = err else {
            panic!("unexpected {err:?}");
        };
        assert!(e.is_timeout(), "{e}");
        assert_eq!(e.attempts(), 1);
        assert!(started.elapsed() < Duration::from_secs(2));
    }

    #[tokio::test]
    async fn timeouts_are_retried() {
        let server =
            serve(vec![Reply { delay: Duration::from_secs(5), ..reply(200, "{}") }, reply(200, "{\"ok\":true}")]).await;
        let core = core(&server.base);
        let response = create(&core, &serde_json::json!({}))
            .timeout(Duration::from_millis(100))
            .send_with_response()
            .await
            .unwrap();
        assert_eq!(response.body()["ok"], true);
        assert_eq!(response.meta().attempts(), 2);
    }

    #[tokio::test]
    async fn body_over_limit_is_rejected() {
        for chunked in [false, true] {
            let server = serve(vec![Reply { chunked, ..reply(200, &"x".repeat(5000)) }]).await;
            let core = CoreBuilder::new("t", "1").base_url(&server.base).max_response_bytes(1000).build().unwrap();
            let err = create(&core, &serde_json::json!({})).await.unwrap_err();
            let TestError::Transport(e) = err else {
                panic!("unexpected {err:?}");
            };
            assert_eq!(e.kind(), TransportErrorKind::BodyTooLarge, "chunked={chunked}: {e}");
            // not retried
            assert_eq!(server.requests().len(), 1);

            // at the limit exactly it is accepted (as a decode error here: not JSON)
            let core = CoreBuilder::new("t", "1").base_url(&server.base).max_response_bytes(5000).build().unwrap();
            let err = create(&core, &serde_json::json!({})).await.unwrap_err();
            let TestError::Decode(e) = err else {
                panic!("unexpected {err:?}");
            };
            assert_eq!(e.raw_body().len(), 5000);
        }
    }

    #[tokio::test]
    async fn redirects_are_followed_only_within_the_origin() {
        let other = serve(vec![reply(200, "{}")]).await;
        let server = serve(vec![
            Reply { headers: vec![("location", "/api/moved".into())], ..reply(307, "") },
            Reply { headers: vec![("location", format!("{}/stolen", other.base))], ..reply(307, "") },
        ])
        .await;
        let core = core(&server.base);
        // same origin: followed, and the final 307 (to another origin) is returned as is
        let Err(TestError::Unexpected(e)) = create(&core, &serde_json::json!({})).await else {
            panic!("expected an unexpected status");
        };
        assert_eq!(e.status().as_u16(), 307);
        let requests = server.requests();
        assert_eq!(requests.len(), 2);
        assert_eq!(requests[1].target(), "/api/moved");
        assert_eq!(requests[1].header("x-api-key").as_deref(), Some("secret-key-123"));
        // the other origin never saw the key (nor any request)
        assert_eq!(other.connections.load(Ordering::SeqCst), 0);
    }

    #[tokio::test]
    async fn announced_oversized_body_is_rejected_without_reading_it() {
        // 10 MB announced, 10 bytes sent, then the connection stays open: a client that tried
        // to read the body would wait and time out.
        let server = serve(vec![Reply { claimed_len: Some(10_000_000), ..reply(200, "0123456789") }]).await;
        let core = CoreBuilder::new("t", "1")
            .base_url(&server.base)
            .max_response_bytes(1_000_000)
            .timeout(Duration::from_secs(1))
            .retry(RetryConfig::none())
            .build()
            .unwrap();
        let started = std::time::Instant::now();
        let Err(TestError::Transport(e)) = create(&core, &serde_json::json!({})).await else {
            panic!("expected a transport error");
        };
        assert_eq!(e.kind(), TransportErrorKind::BodyTooLarge, "{e}");
        assert!(started.elapsed() < Duration::from_millis(900));
    }

    #[tokio::test]
    async fn invalid_request_sends_nothing() {
        let server = serve(vec![reply(200, "{}")]).await;
        let core = core(&server.base);
        let call: Call<serde_json::Value, TestError> =
            Call::new(&core, &CREATE, Err(InvalidRequest::single("items", "must not be empty")), decode_json);
        let err = call.header("x-extra", "bad\nvalue").await.unwrap_err();
        let TestError::Invalid(e) = err else {
            panic!("unexpected {err:?}");
        };
        assert_eq!(
            e.to_string(),
            "items: must not be empty; header x-extra: is not a valid HTTP header (control characters?)"
        );

        let bad_header = PreparedRequest::new("/items/1".into()).header("x-h", "a\r\nb");
        let call: Call<(), TestError> = Call::new(&core, &CREATE, Ok(bad_header), decode_empty);
        assert!(matches!(call.await, Err(TestError::Invalid(_))));

        let call: Call<(), TestError> =
            Call::new(&core, &CREATE, Ok(PreparedRequest::new("/items/1".into())), decode_empty);
        let Err(TestError::Invalid(e)) = call.header("bad name", "v").await else {
            panic!("expected an invalid request");
        };
        assert_eq!(e.violations()[0].path, "header bad name");

        tokio::time::sleep(Duration::from_millis(20)).await;
        assert_eq!(server.connections.load(Ordering::SeqCst), 0);
    }

    #[tokio::test]
    async fn connection_errors_are_retried_and_never_leak_the_key() {
        // a port with nothing listening
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        drop(listener);
        static QUERY_SPEC: OperationSpec = OperationSpec {
            name: "list",
            method: Method::GET,
            path: "/items",
            success: &[200],
            errors: &[],
            security: &["q"],
        };
        let core = CoreBuilder::new("t", "1")
            .base_url(format!("http://{addr}"))
            .credential(AuthScheme { name: "q", kind: AuthKind::ApiKeyQuery("api_key") }, "query-secret-999")
            .retry(fast_retry().max_attempts(3))
            .build()
            .unwrap();
        let call: Call<(), TestError> =
            Call::new(&core, &QUERY_SPEC, Ok(PreparedRequest::new("/items".into())), decode_empty);
        let err = call.await.unwrap_err();
        let TestError::Transport(e) = err else {
            panic!("unexpected {err:?}");
        };
        assert!(e.is_connect(), "{e:?}");
        assert!(e.to_string().starts_with("could not connect: "), "{e}");
        assert!(e.to_string().ends_with("(after 3 attempts)"), "{e}");
        assert_eq!(e.attempts(), 3);
        let mut chain = format!("{e} {e:?}");
        let mut source = std::error::Error::source(&e);
        while let Some(s) = source {
            chain.push_str(&format!(" {s} {s:?}"));
            source = s.source();
        }
        assert!(!chain.contains("query-secret-999"), "{chain}");

        // without connection retries: one attempt
        let call: Call<(), TestError> =
            Call::new(&core, &QUERY_SPEC, Ok(PreparedRequest::new("/items".into())), decode_empty)
                .retry(fast_retry().retry_connection_errors(false));
        let Err(TestError::Transport(e)) = call.await else {
            panic!("expected a transport error");
        };
        assert_eq!(e.attempts(), 1);
    }

    #[tokio::test]
    async fn decode_errors_and_unexpected_statuses() {
        let server = serve(vec![reply(200, "{\"id\": nope}"), reply(418, "teapot"), reply(204, "")]).await;
        let core = core(&server.base);
        let Err(TestError::Decode(e)) = create(&core, &serde_json::json!({})).await else {
            panic!("expected a decode error");
        };
        assert_eq!(e.raw_body(), b"{\"id\": nope}");
        assert!(e.to_string().contains("the body is not valid JSON at `id`"), "{e}");
        assert!(e.to_string().contains("line 1 column"), "{e}");

        let Err(TestError::Unexpected(e)) = create(&core, &serde_json::json!({})).await else {
            panic!("expected an unexpected status");
        };
        assert_eq!(e.status().as_u16(), 418);
        assert_eq!(e.body_text(), "teapot");

        // a status outside `success` is never decoded, even a 2xx
        let Err(TestError::Unexpected(e)) = create(&core, &serde_json::json!({})).await else {
            panic!("expected an unexpected status");
        };
        assert_eq!(e.status().as_u16(), 204);
    }

    #[tokio::test]
    async fn per_call_header_and_text_decoders() {
        let server = serve(vec![reply(200, "héllo")]).await;
        let core = core(&server.base);
        static GET: OperationSpec = OperationSpec {
            name: "get_text",
            method: Method::GET,
            path: "/text",
            success: &[200],
            errors: &[],
            security: &[],
        };
        let call: Call<String, TestError> =
            Call::new(&core, &GET, Ok(PreparedRequest::new("/text".into())), decode_text);
        let text = call.header("x-trace", "t-1").send().await.unwrap();
        assert_eq!(text, "héllo");
        let r = &server.requests()[0];
        assert_eq!(r.target(), "/api/text");
        assert_eq!(r.header("x-trace").as_deref(), Some("t-1"));
        // no security on the operation: no key sent
        assert_eq!(r.header("x-api-key"), None);
    }

    /// Records span fields and events as text.
    #[derive(Default)]
    struct Recorder {
        spans: Mutex<Vec<(String, Vec<String>)>>,
        events: Mutex<Vec<String>>,
    }

    struct Fields<'a>(&'a mut Vec<String>);

    impl tracing::field::Visit for Fields<'_> {
        fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
            self.0.push(format!("{}={:?}", field.name(), value));
        }
    }

    impl tracing::Subscriber for Recorder {
        fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
            true
        }
        fn new_span(&self, attrs: &tracing::span::Attributes<'_>) -> tracing::span::Id {
            let mut spans = self.spans.lock().unwrap();
            let mut fields = Vec::new();
            attrs.record(&mut Fields(&mut fields));
            spans.push((attrs.metadata().name().to_owned(), fields));
            tracing::span::Id::from_u64(spans.len() as u64)
        }
        fn record(&self, span: &tracing::span::Id, values: &tracing::span::Record<'_>) {
            let mut spans = self.spans.lock().unwrap();
            let index = usize::try_from(span.into_u64()).unwrap() - 1;
            values.record(&mut Fields(&mut spans[index].1));
        }
        fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
        fn event(&self, event: &tracing::Event<'_>) {
            let mut fields = vec![event.metadata().level().to_string()];
            event.record(&mut Fields(&mut fields));
            self.events.lock().unwrap().push(fields.join(" "));
        }
        fn enter(&self, _: &tracing::span::Id) {}
        fn exit(&self, _: &tracing::span::Id) {}
    }

    #[tokio::test]
    async fn attempts_are_traced_without_secrets() {
        let recorder = Arc::new(Recorder::default());
        let _guard = tracing::subscriber::set_default(recorder.clone());
        // Callsite interest is global: another test registering the same callsites at this
        // moment, with no subscriber in its scope, can leave them cached as uninteresting.
        // Recompute the cache and try again (bounded) until this thread's recorder sees them.
        for _ in 0..5 {
            tracing::callsite::rebuild_interest_cache();
            recorder.spans.lock().unwrap().clear();
            recorder.events.lock().unwrap().clear();
            let server = serve(vec![reply(502, ""), reply(200, "{}")]).await;
            let core = core(&server.base);
            create(&core, &serde_json::json!({})).await.unwrap();
            if recorder.spans.lock().unwrap().iter().any(|(name, _)| name == "sdk.call") {
                break;
            }
        }

        let spans = recorder.spans.lock().unwrap().clone();
        let (_, fields) = spans.iter().find(|(name, _)| name == "sdk.call").expect("no sdk.call span");
        let fields = fields.join(" ");
        for expected in [
            "operation=\"create_item\"",
            "method=POST",
            "path=\"/items/{id}\"",
            "attempt=2",
            "status=200",
            "latency_ms=",
        ] {
            assert!(fields.contains(expected), "{expected} missing from {fields}");
        }
        // Recorded once each: a subscriber that appends recordings shows no pile of attempts.
        for field in ["attempt=", "status=", "latency_ms="] {
            assert_eq!(fields.matches(field).count(), 1, "{field} in {fields}");
        }
        let events = recorder.events.lock().unwrap().join("\n");
        assert!(events.contains("attempt=1 status=502 latency_ms="), "{events}");
        assert!(events.contains("WARN") && events.contains("retrying request"), "{events}");
        assert!(events.contains("reason=HTTP 502"), "{events}");
        assert!(events.contains("delay_ms="), "{events}");
        assert!(!format!("{spans:?} {events}").contains("secret-key-123"));
    }

    #[test]
    fn call_future_is_send_and_outlives_the_client() {
        fn assert_send_static<F: Future + Send + 'static>(_: &F) {}
        let fut = {
            let core = core("http://127.0.0.1:9");
            let call = create(&core, &serde_json::json!({}));
            call.into_future()
        };
        // The client is gone; the call owns what it needs (it can be spawned).
        assert_send_static(&fut);
    }

    #[test]
    fn decoders() {
        let meta = ResponseMeta::new(StatusCode::OK, HeaderMap::new(), 1);
        let raw = RawResponse::new(meta.clone(), Bytes::from_static(b"[1,2]"));
        assert_eq!(raw.json::<Vec<u8>>().unwrap(), [1, 2]);
        let err = decode_json::<Vec<String>>(&raw).unwrap_err();
        assert!(err.message().contains("the body is not a `Vec<String>` at `[0]`"), "{err}");
        assert_eq!(decode_empty(&raw).unwrap(), ());
        assert_eq!(decode_bytes(&raw).unwrap(), Bytes::from_static(b"[1,2]"));
        let bad = RawResponse::new(meta, Bytes::from_static(b"\xff"));
        assert!(decode_text(&bad).is_err());
        assert_eq!(decode_bytes(&bad).unwrap().len(), 1);
    }

    #[test]
    fn path_segments_are_encoded() {
        assert_eq!(encode_path_segment("abc-._~XYZ09"), "abc-._~XYZ09");
        assert_eq!(encode_path_segment("a b/c?d#e%"), "a%20b%2Fc%3Fd%23e%25");
        assert_eq!(encode_path_segment("é"), "%C3%A9");
        assert_eq!(encode_path_segment(".."), "%2E%2E");
        assert_eq!(encode_path_segment("."), "%2E");
        assert_eq!(encode_path_segment("..."), "...");
        assert_eq!(encode_path_segment(""), "");
    }

    #[test]
    fn bodies_are_encoded_once_with_content_type() {
        let r = PreparedRequest::new("/x".into()).form([("a", "1 2"), ("b", "x&y")]);
        assert_eq!(r.body().unwrap().as_ref(), b"a=1+2&b=x%26y");
        assert_eq!(r.headers()[CONTENT_TYPE], "application/x-www-form-urlencoded");
        let r = PreparedRequest::new("/x".into()).text("hi".into());
        assert_eq!(r.headers()[CONTENT_TYPE], "text/plain; charset=utf-8");
        let r = PreparedRequest::new("/x".into()).binary(Bytes::from_static(b"\x00\x01"), "image/png");
        assert_eq!(r.headers()[CONTENT_TYPE], "image/png");
        assert_eq!(r.body().unwrap().as_ref(), b"\x00\x01");
        let r = PreparedRequest::new("/x".into())
            .header("X-Multi", 1)
            .header("x-multi", 2)
            .header_opt("x-none", None::<&str>);
        assert_eq!(r.headers().get_all("x-multi").iter().count(), 2);
        assert!(r.headers().get("x-none").is_none());
        assert!(r.check().is_ok());

        struct Unserializable;
        impl Serialize for Unserializable {
            fn serialize<S: serde::Serializer>(&self, _: S) -> Result<S::Ok, S::Error> {
                Err(serde::ser::Error::custom("nope"))
            }
        }
        let err = PreparedRequest::new("/x".into()).json(&Unserializable).unwrap_err();
        assert_eq!(err.violations()[0].path, "body");
    }

    #[test]
    fn idempotency_keys_are_uuid_v7() {
        let a = new_idempotency_key();
        let b = new_idempotency_key();
        assert_ne!(a, b);
        assert_eq!(a.len(), 36);
        assert_eq!(a.as_bytes()[14], b'7');
        assert_eq!(a.matches('-').count(), 4);
        let parsed = uuid::Uuid::parse_str(&a).unwrap();
        assert_eq!(parsed.get_version_num(), 7);
        assert_eq!(parsed.get_variant(), uuid::Variant::RFC4122);
        let (secs, _) = parsed.get_timestamp().unwrap().to_unix();
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
        assert!(now.abs_diff(secs) <= 1, "the key's time is not now");
        let many: std::collections::HashSet<String> = (0..10_000).map(|_| new_idempotency_key()).collect();
        assert_eq!(many.len(), 10_000);
    }

    #[test]
    fn operation_spec_can_be_a_static() {
        static S: OperationSpec = OperationSpec {
            name: "op",
            method: reqwest::Method::DELETE,
            path: "/x/{id}",
            success: &[204],
            errors: &[],
            security: &[],
        };
        assert_eq!(S.method, Method::DELETE);
    }
}
