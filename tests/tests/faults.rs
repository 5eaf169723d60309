//! Network fault tests of the generated FlexPrice SDK against the fault-injecting server of
//! `sdk_e2e_tests::fault_server`.
//!
//! Every test asserts the exact number of attempts (as the SDK reports it and as the server
//! counted requests), the error variant, and for the ingest endpoints that every event id was
//! accepted exactly once (an id counts as accepted only when the server wrote a complete 202).
//! Retry intervals are a few milliseconds and every test runs under a time limit, so a hang
//! fails instead of blocking CI.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::{Debug, Write as _};
use std::future::Future;
use std::io;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use flexprice::error::{TransportError, TransportErrorKind, UnexpectedStatus};
use flexprice::models::{GetEventsRequest, GetEventsResponse, IngestEventRequest};
use flexprice::{BulkOptions, Client, ClientBuilder, Error, RetryConfig};
use sdk_e2e_tests::{Action, FaultServer, Outcome, Reply, Request};

// ---------------------------------------------------------------------------------------------
// helpers

/// Time limit of every test.
const TEST_LIMIT: Duration = Duration::from_secs(20);

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// Runs a test body under [`TEST_LIMIT`].
async fn bounded<T>(test: impl Future<Output = T>) -> T {
    tokio::time::timeout(TEST_LIMIT, test).await.expect("the test did not finish within its time limit")
}

/// Backoff of 5 ms growing to at most 50 ms; 4 attempts (the default) within 10 s.
fn fast_retry() -> RetryConfig {
    RetryConfig::default().initial_interval(ms(5)).max_interval(ms(50)).max_elapsed_time(Duration::from_secs(10))
}

fn builder(server: &FaultServer, retry: RetryConfig) -> ClientBuilder {
    Client::builder()
        .server_url(server.url())
        .api_key("sk_test_faults")
        .retry(retry)
        .timeout(Duration::from_secs(5))
        .connect_timeout(Duration::from_secs(2))
}

fn sdk_client(server: &FaultServer, retry: RetryConfig) -> Client {
    builder(server, retry).build().expect("client")
}

fn event(i: usize) -> IngestEventRequest {
    IngestEventRequest::new("api_request", format!("cus_{i}")).with_properties([("seq", i.to_string())])
}

/// How many attempts the SDK says a failed call made.
fn attempts(error: &Error) -> u32 {
    match error {
        Error::Transport(e) => e.attempts(),
        other => other.meta().map_or(0, |m| m.attempts()),
    }
}

fn expect_transport<T: Debug>(result: Result<T, Error>) -> TransportError {
    match result {
        Err(Error::Transport(e)) => e,
        other => panic!("expected Error::Transport, got {other:?}"),
    }
}

fn expect_unexpected<T: Debug>(result: Result<T, Error>) -> UnexpectedStatus {
    match result {
        Err(Error::UnexpectedStatus(e)) => e,
        other => panic!("expected Error::UnexpectedStatus, got {other:?}"),
    }
}

fn expect_decode<T: Debug>(result: Result<T, Error>) -> flexprice::error::DecodeError {
    match result {
        Err(Error::Decode(e)) => e,
        other => panic!("expected Error::Decode, got {other:?}"),
    }
}

fn variant(error: &Error) -> &'static str {
    match error {
        Error::BadRequest(_) => "BadRequest",
        Error::NotFound(_) => "NotFound",
        Error::InternalServerError(_) => "InternalServerError",
        Error::UnexpectedStatus(_) => "UnexpectedStatus",
        Error::Transport(_) => "Transport",
        Error::Decode(_) => "Decode",
        Error::InvalidRequest(_) => "InvalidRequest",
        _ => "other",
    }
}

/// The event id of a `POST /events` request.
fn single_id(request: &Request) -> String {
    let ids = request.event_ids();
    assert_eq!(ids.len(), 1, "{request:?}");
    ids[0].clone().expect("the SDK sent an event without event_id")
}

fn assert_uuid_v7(id: &str) {
    let bytes = id.as_bytes();
    assert_eq!(bytes.len(), 36, "{id}");
    assert_eq!(bytes[14], b'7', "not a UUID v7: {id}");
    assert!([8, 13, 18, 23].iter().all(|&i| bytes[i] == b'-'), "{id}");
    assert!(id.bytes().filter(|&b| b != b'-').all(|b| b.is_ascii_hexdigit()), "{id}");
}

/// The server accepted exactly these ids, each exactly once, and nothing without an id.
fn assert_accepted_exactly_once(server: &FaultServer, ids: &[&str]) {
    let expected: BTreeMap<String, usize> = ids.iter().map(|id| ((*id).to_owned(), 1)).collect();
    assert_eq!(server.accepted(), expected);
    assert_eq!(server.accepted_without_id(), 0);
}

fn outcomes(server: &FaultServer) -> Vec<Outcome> {
    server.outcomes().into_iter().map(|o| o.expect("settled() was awaited")).collect()
}

/// A `POST /events/query` response with `n` events.
fn events_body(n: usize) -> serde_json::Value {
    let events: Vec<serde_json::Value> = (0..n)
        .map(|i| serde_json::json!({ "id": format!("evt_{i}"), "event_name": "api_request", "external_customer_id": "cus_1" }))
        .collect();
    serde_json::json!({ "events": events, "has_more": false, "total_count": n })
}

/// A `POST /events/query` response of at least `min_bytes` bytes; returns it and its event count.
fn big_events_body(min_bytes: usize) -> (Bytes, usize) {
    let mut body = String::with_capacity(min_bytes + 1024);
    body.push_str("{\"events\":[");
    let mut n = 0;
    while body.len() < min_bytes {
        if n > 0 {
            body.push(',');
        }
        write!(
            body,
            "{{\"id\":\"evt_{n:08}\",\"event_name\":\"api_request\",\"external_customer_id\":\"cus_{n:08}\",\
             \"source\":\"api\",\"timestamp\":\"2026-01-02T10:15:30Z\",\
             \"properties\":{{\"request_size\":\"100\",\"region\":\"eu-west-1\"}}}}"
        )
        .unwrap();
        n += 1;
    }
    write!(body, "],\"has_more\":false,\"total_count\":{n}}}").unwrap();
    (Bytes::from(body), n)
}

fn query() -> GetEventsRequest {
    GetEventsRequest::new().with_external_customer_id("cus_1").with_page_size(100)
}

/// Captures the SDK's WARN events (the "retrying request" lines with `delay_ms` and
/// `from_retry_after`) on the current thread while the returned guard lives. Tests using it
/// run on the current-thread runtime, so the SDK's events are emitted on this thread.
///
/// One global subscriber (installed once) writes each event to the capture of the thread that
/// emitted it: per-test scoped subscribers raced with parallel tests over the callsites'
/// cached interest, and a retry line was sometimes lost.
#[derive(Clone, Default)]
struct Logs(Arc<Mutex<Vec<u8>>>);

thread_local! {
    static CAPTURE: std::cell::RefCell<Option<Arc<Mutex<Vec<u8>>>>> = const { std::cell::RefCell::new(None) };
}

/// Writes to the capture of the current thread, if it has one.
struct ThreadWriter;

impl io::Write for ThreadWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        CAPTURE.with(|c| {
            if let Some(sink) = &*c.borrow() {
                sink.lock().unwrap().extend_from_slice(buf);
            }
        });
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Ends the capture of the current thread when dropped.
struct CaptureGuard;

impl Drop for CaptureGuard {
    fn drop(&mut self) {
        CAPTURE.with(|c| c.borrow_mut().take());
    }
}

impl Logs {
    fn capture() -> (Logs, impl Sized) {
        static INSTALL: std::sync::Once = std::sync::Once::new();
        INSTALL.call_once(|| {
            use tracing_subscriber::util::SubscriberInitExt as _;
            tracing_subscriber::fmt()
                .with_writer(|| ThreadWriter)
                .with_ansi(false)
                .with_max_level(tracing_subscriber::filter::LevelFilter::WARN)
                .finish()
                .try_init()
                .expect("no other global subscriber in this test binary");
        });
        let logs = Logs::default();
        CAPTURE.with(|c| *c.borrow_mut() = Some(Arc::clone(&logs.0)));
        (logs, CaptureGuard)
    }

    /// The "retrying request" lines.
    fn retries(&self) -> Vec<String> {
        let text = String::from_utf8(self.0.lock().unwrap().clone()).unwrap();
        text.lines().filter(|l| l.contains("retrying request")).map(str::to_owned).collect()
    }
}

// ---------------------------------------------------------------------------------------------
// 1. 503 then 202

#[tokio::test]
async fn unavailable_then_accepted_is_retried_with_the_same_event_id() {
    bounded(async {
        let server = FaultServer::sequence([Action::error(503, "overloaded")], Action::accepted()).await.unwrap();
        let client = sdk_client(&server, fast_retry());
        let response = client.events().post_events(event(1)).send_with_response().await.unwrap();
        assert_eq!(response.status().as_u16(), 202);
        assert_eq!(response.meta().attempts(), 2);
        assert_eq!(response.body().get("message").map(String::as_str), Some("Event accepted for processing"));

        server.settled().await;
        assert_eq!(outcomes(&server), [Outcome::Answered(503), Outcome::Answered(202)]);
        let requests = server.requests();
        let id = single_id(&requests[0]);
        assert_uuid_v7(&id);
        assert_eq!(single_id(&requests[1]), id, "the retry carried another event_id");
        assert_eq!(requests[0].body, requests[1].body, "the retry sent another body");
        assert_eq!(requests[1].header("x-api-key"), Some("sk_test_faults"));
        assert_accepted_exactly_once(&server, &[&id]);
    })
    .await;
}

#[tokio::test]
async fn an_event_id_given_by_the_caller_is_kept_across_retries() {
    bounded(async {
        let server =
            FaultServer::sequence([Action::status(503), Action::status(503)], Action::accepted()).await.unwrap();
        let client = sdk_client(&server, fast_retry());
        let response =
            client.events().post_events(event(1).with_event_id("evt_caller_1")).send_with_response().await.unwrap();
        assert_eq!(response.meta().attempts(), 3);
        server.settled().await;
        let ids: Vec<String> = server.requests().iter().map(single_id).collect();
        assert_eq!(ids, ["evt_caller_1"; 3]);
        assert_accepted_exactly_once(&server, &["evt_caller_1"]);
    })
    .await;
}

// ---------------------------------------------------------------------------------------------
// 2. Retry-After

/// 429 with `Retry-After: <value>`, then 202, with `max_interval` 100 ms: returns the time
/// between the two requests as the server saw them, and the SDK's retry log line.
async fn retry_after_round_trip(value: String) -> (Duration, Duration, String) {
    let (logs, _guard) = Logs::capture();
    let server = FaultServer::sequence(
        [Action::reply(Reply::new(429).header("retry-after", value).body("slow down"))],
        Action::accepted(),
    )
    .await
    .unwrap();
    let client = sdk_client(&server, fast_retry().max_interval(ms(100)));
    let started = Instant::now();
    let response = client.events().post_events(event(1)).send_with_response().await.unwrap();
    let elapsed = started.elapsed();
    assert_eq!(response.meta().attempts(), 2);
    server.settled().await;
    assert_eq!(outcomes(&server), [Outcome::Answered(429), Outcome::Answered(202)]);
    let requests = server.requests();
    let id = single_id(&requests[0]);
    assert_eq!(single_id(&requests[1]), id);
    assert_accepted_exactly_once(&server, &[&id]);
    let gap = requests[1].received_at - requests[0].received_at;
    let retries = logs.retries();
    assert_eq!(retries.len(), 1, "{retries:?}");
    (gap, elapsed, retries[0].clone())
}

#[tokio::test]
async fn retry_after_in_seconds_is_honoured_but_capped_by_max_interval() {
    bounded(async {
        // the server asks for 1 s; max_interval is 100 ms
        let (gap, elapsed, line) = retry_after_round_trip("1".to_owned()).await;
        assert!(line.contains("reason=HTTP 429 delay_ms=100 from_retry_after=true"), "{line}");
        assert!(gap >= ms(100), "the retry came after {gap:?}, before Retry-After (capped) had passed");
        assert!(gap < ms(700), "the retry waited {gap:?}: Retry-After was not capped by max_interval");
        assert!(elapsed < ms(900), "{elapsed:?}");
    })
    .await;
}

#[tokio::test]
async fn retry_after_as_an_http_date_is_honoured_but_capped_by_max_interval() {
    bounded(async {
        // 30 s from now; without the date the wait would be the 5 ms backoff
        let date = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(30));
        let (gap, elapsed, line) = retry_after_round_trip(date).await;
        assert!(line.contains("delay_ms=100 from_retry_after=true"), "{line}");
        assert!(gap >= ms(100), "{gap:?}");
        assert!(gap < ms(700), "{gap:?}");
        assert!(elapsed < ms(900), "{elapsed:?}");

        // a date in the past means "now"
        let date = httpdate::fmt_http_date(SystemTime::now() - Duration::from_secs(60));
        let (_, _, line) = retry_after_round_trip(date).await;
        assert!(line.contains("delay_ms=0 from_retry_after=true"), "{line}");

        // an unparsable value falls back to the backoff (at most 5 ms for the first retry)
        let (_, _, line) = retry_after_round_trip("soon".to_owned()).await;
        assert!(line.contains("from_retry_after=false"), "{line}");
    })
    .await;
}

#[tokio::test]
async fn a_retry_after_beyond_max_elapsed_time_returns_the_429_at_once() {
    bounded(async {
        let server = FaultServer::sequence(
            [Action::reply(Reply::new(429).header("retry-after", "1").body("slow down"))],
            Action::accepted(),
        )
        .await
        .unwrap();
        // the wait (1 s, capped to 100 ms) would end after the 50 ms budget
        let client = sdk_client(&server, fast_retry().max_interval(ms(100)).max_elapsed_time(ms(50)));
        let started = Instant::now();
        let error = expect_unexpected(client.events().post_events(event(1)).await);
        assert_eq!(error.status().as_u16(), 429);
        assert_eq!(error.meta().attempts(), 1);
        assert_eq!(error.body_text(), "slow down");
        assert!(started.elapsed() < ms(100), "it waited before giving up: {:?}", started.elapsed());
        server.settled().await;
        assert_eq!(server.request_count(), 1);
        assert_accepted_exactly_once(&server, &[]);
    })
    .await;
}

// ---------------------------------------------------------------------------------------------
// 3. connection reset

#[tokio::test]
async fn a_reset_connection_is_retried_when_connection_errors_are_retried() {
    bounded(async {
        for (fault, outcome) in
            [(Action::reset_mid_response(202), Outcome::ResetMidResponse(202)), (Action::reset(), Outcome::Reset)]
        {
            let server = FaultServer::sequence([fault.clone()], Action::accepted()).await.unwrap();
            let client = sdk_client(&server, fast_retry());
            let response = client.events().post_events(event(1)).send_with_response().await.unwrap();
            assert_eq!(response.meta().attempts(), 2, "{fault:?}");
            server.settled().await;
            assert_eq!(outcomes(&server), [outcome, Outcome::Answered(202)]);
            let requests = server.requests();
            let id = single_id(&requests[0]);
            assert_eq!(single_id(&requests[1]), id);
            assert_accepted_exactly_once(&server, &[&id]);
            assert_eq!(server.connections(), 2, "the broken connection was reused");

            // without connection retries: one attempt, a transport error
            let server = FaultServer::always(fault.clone()).await.unwrap();
            let client = sdk_client(&server, fast_retry().retry_connection_errors(false));
            let error = expect_transport(client.events().post_events(event(2)).await);
            assert_eq!(error.kind(), TransportErrorKind::Io, "{fault:?}: {error}");
            assert_eq!(error.attempts(), 1);
            server.settled().await;
            assert_eq!(outcomes(&server), [outcome]);
            assert_accepted_exactly_once(&server, &[]);
        }
    })
    .await;
}

// ---------------------------------------------------------------------------------------------
// 4. timeouts

#[tokio::test]
async fn a_response_slower_than_the_timeout_is_retried_then_fails_with_a_timeout() {
    bounded(async {
        let server = FaultServer::always(Action::delay(ms(400), Action::accepted())).await.unwrap();
        let client = builder(&server, fast_retry().max_attempts(3)).timeout(ms(60)).build().unwrap();
        let started = Instant::now();
        let error = expect_transport(client.events().post_events(event(1)).await);
        assert!(error.is_timeout(), "{error}");
        assert_eq!(error.attempts(), 3);
        assert!(started.elapsed() < Duration::from_secs(2), "{:?}", started.elapsed());
        server.settled().await;
        // the server saw each attempt go away before it answered: nothing was accepted
        assert_eq!(outcomes(&server), [Outcome::ClientGone; 3]);
        let ids: BTreeSet<String> = server.requests().iter().map(single_id).collect();
        assert_eq!(ids.len(), 1, "the attempts carried different event ids: {ids:?}");
        assert_accepted_exactly_once(&server, &[]);
    })
    .await;
}

#[tokio::test]
async fn a_per_call_timeout_applies_to_every_attempt_and_a_late_success_counts_once() {
    bounded(async {
        let slow = Action::delay(ms(400), Action::accepted());
        let server =
            FaultServer::sequence([slow.clone(), slow], Action::delay(ms(5), Action::accepted())).await.unwrap();
        // the client's timeout is 5 s; the call's 60 ms
        let client = sdk_client(&server, fast_retry().max_attempts(3));
        let response = client.events().post_events(event(1)).timeout(ms(60)).send_with_response().await.unwrap();
        assert_eq!(response.meta().attempts(), 3);
        server.settled().await;
        assert_eq!(outcomes(&server), [Outcome::ClientGone, Outcome::ClientGone, Outcome::Answered(202)]);
        let requests = server.requests();
        let id = single_id(&requests[0]);
        assert!(requests.iter().all(|r| single_id(r) == id));
        assert_accepted_exactly_once(&server, &[&id]);
    })
    .await;
}

#[tokio::test]
async fn a_body_that_stops_coming_times_out_and_is_retried() {
    bounded(async {
        // the per-attempt timeout covers the body, not only the head
        let full = Reply::json(200, &events_body(3));
        let stall = Action::stall(full.clone(), 20);
        let server = FaultServer::sequence([stall.clone(), stall], Action::reply(full.clone())).await.unwrap();
        let client = builder(&server, fast_retry().max_attempts(3)).timeout(ms(100)).build().unwrap();
        let response = client.events().post_events_query(query()).send_with_response().await.unwrap();
        assert_eq!(response.meta().attempts(), 3);
        assert_eq!(response.body().events.as_ref().map(Vec::len), Some(3));
        server.settled().await;
        assert_eq!(outcomes(&server), [Outcome::Stalled(200), Outcome::Stalled(200), Outcome::Answered(200)]);

        let server = FaultServer::always(Action::stall(full, 20)).await.unwrap();
        let client = builder(&server, fast_retry().max_attempts(2)).timeout(ms(100)).build().unwrap();
        let error = expect_transport(client.events().post_events_query(query()).await);
        assert!(error.is_timeout(), "{error}");
        assert_eq!(error.attempts(), 2);
        assert_eq!(server.request_count(), 2);
    })
    .await;
}

#[tokio::test]
async fn max_elapsed_time_stops_the_retries_of_a_silent_server() {
    bounded(async {
        // every attempt takes its 100 ms timeout and backoffs are at most 50 ms: the second retry
        // starts at about 200 ms, within the budget of 280 ms; a third would start after 300 ms
        let server = FaultServer::always(Action::silence()).await.unwrap();
        let retry = fast_retry().max_attempts(10).max_elapsed_time(ms(280)).max_interval(ms(5));
        let client = builder(&server, retry).timeout(ms(100)).build().unwrap();
        let error = expect_transport(client.events().post_events(event(1)).await);
        assert!(error.is_timeout(), "{error}");
        assert_eq!(error.attempts(), 3);
        server.settled().await;
        assert_eq!(outcomes(&server), [Outcome::ClientGone; 3]);
    })
    .await;
}

// ---------------------------------------------------------------------------------------------
// 5. truncated bodies

#[tokio::test]
async fn a_body_shorter_than_its_content_length_is_a_retried_transport_error() {
    bounded(async {
        let full = Reply::json(200, &events_body(3));
        let cut = Action::truncate(full.clone(), full.body.len() / 2);

        // always cut: the body cannot be read, a connection failure (Io), retried to max_attempts
        let server = FaultServer::always(cut.clone()).await.unwrap();
        let client = sdk_client(&server, fast_retry().max_attempts(3));
        let error = expect_transport(client.events().post_events_query(query()).await);
        assert_eq!(error.kind(), TransportErrorKind::Io, "{error}");
        assert_eq!(error.attempts(), 3);
        server.settled().await;
        assert_eq!(outcomes(&server), [Outcome::Truncated(200); 3]);

        // cut once, then whole: the retry succeeds
        let server = FaultServer::sequence([cut], Action::reply(full)).await.unwrap();
        let client = sdk_client(&server, fast_retry().max_attempts(3));
        let response = client.events().post_events_query(query()).send_with_response().await.unwrap();
        assert_eq!(response.meta().attempts(), 2);
        assert_eq!(response.body().events.as_ref().map(Vec::len), Some(3));
        assert_eq!(server.request_count(), 2);

        // without connection retries a truncated body is not retried either
        let server = FaultServer::always(Action::truncate(Reply::json(200, &events_body(3)), 10)).await.unwrap();
        let client = sdk_client(&server, fast_retry().retry_connection_errors(false));
        let error = expect_transport(client.events().post_events_query(query()).await);
        assert_eq!((error.kind(), error.attempts()), (TransportErrorKind::Io, 1));
        assert_eq!(server.request_count(), 1);
    })
    .await;
}

#[tokio::test]
async fn cut_json_in_a_complete_http_body_is_a_decode_error_and_not_retried() {
    bounded(async {
        let json = events_body(3).to_string();
        let half = Bytes::from(json[..json.len() / 2].to_owned());
        for reply in [
            // Content-Length matches the cut JSON
            Reply::new(200).header("content-type", "application/json").body(half.clone()),
            // the body ends when the server closes the connection: complete as far as HTTP goes
            Reply::new(200).header("content-type", "application/json").body(half.clone()).close_delimited(),
        ] {
            let framing = reply.framing;
            let server = FaultServer::always(Action::reply(reply)).await.unwrap();
            let client = sdk_client(&server, fast_retry());
            let error = expect_decode(client.events().post_events_query(query()).await);
            assert_eq!(error.raw_body(), half.as_ref(), "{framing:?}");
            assert_eq!(error.status().map(|s| s.as_u16()), Some(200));
            assert_eq!(error.meta().unwrap().attempts(), 1);
            assert!(error.message().contains("EOF while parsing"), "{error}");
            assert_eq!(server.request_count(), 1, "{framing:?}");
        }
    })
    .await;
}

// ---------------------------------------------------------------------------------------------
// 6. HTML 502

#[tokio::test]
async fn an_html_502_is_retried_then_returned_as_unexpected_status_with_the_page() {
    bounded(async {
        let server = FaultServer::always(Action::html_502()).await.unwrap();
        let client = sdk_client(&server, fast_retry().max_attempts(3));
        let error = expect_unexpected(client.events().post_events(event(1)).await);
        assert_eq!(error.status().as_u16(), 502);
        assert_eq!(error.meta().attempts(), 3);
        assert_eq!(error.body_text(), sdk_e2e_tests::fault_server::HTML_502);
        assert_eq!(error.headers()["content-type"], "text/html");
        assert!(error.to_string().starts_with("unexpected HTTP 502 Bad Gateway: <html>"), "{error}");
        server.settled().await;
        assert_eq!(outcomes(&server), [Outcome::Answered(502); 3]);
        let ids: BTreeSet<String> = server.requests().iter().map(single_id).collect();
        assert_eq!(ids.len(), 1);
        assert_accepted_exactly_once(&server, &[]);
    })
    .await;
}

// ---------------------------------------------------------------------------------------------
// 7. large bodies

#[tokio::test]
async fn a_20_mb_body_decodes_under_the_default_limit_and_fails_fast_under_a_small_one() {
    bounded(async {
        let (body, count) = big_events_body(20_000_000);
        assert!(body.len() >= 20_000_000);
        let whole = Reply::new(200).header("content-type", "application/json").body(body.clone());

        // default limit (64 MiB): decoded
        let server = FaultServer::always(Action::reply(whole.clone())).await.unwrap();
        let client = sdk_client(&server, fast_retry());
        let response = client.events().post_events_query(query()).send_with_response().await.unwrap();
        assert_eq!(response.meta().attempts(), 1);
        let page: &GetEventsResponse = response.body();
        let events = page.events.as_ref().unwrap();
        assert_eq!(events.len(), count);
        assert_eq!(page.total_count, Some(count as i64));
        assert_eq!(events[count - 1].id.as_deref(), Some(format!("evt_{:08}", count - 1).as_str()));

        // 1 MiB limit: a transport error of kind BodyTooLarge after one attempt, whether the
        // length is announced (rejected before reading) or not (chunked, rejected while reading)
        for reply in [whole.clone(), whole.clone().chunked()] {
            let framing = reply.framing;
            let server = FaultServer::always(Action::reply(reply)).await.unwrap();
            let client = builder(&server, fast_retry()).max_response_bytes(1 << 20).build().unwrap();
            let error = expect_transport(client.events().post_events_query(query()).await);
            assert_eq!(error.kind(), TransportErrorKind::BodyTooLarge, "{framing:?}: {error}");
            assert_eq!(error.attempts(), 1, "{framing:?}");
            assert_eq!(server.request_count(), 1, "{framing:?}");
        }
    })
    .await;
}

// ---------------------------------------------------------------------------------------------
// 8. content types

#[tokio::test]
async fn json_is_decoded_whatever_the_content_type_and_non_json_is_a_decode_error() {
    bounded(async {
        let json = events_body(2).to_string();
        // the runtime decodes the body of a success status as JSON and ignores Content-Type
        for content_type in [Some("text/plain"), Some("text/html; charset=utf-8"), None] {
            let mut reply = Reply::new(200).body(json.clone());
            if let Some(ct) = content_type {
                reply = reply.header("content-type", ct);
            }
            let server = FaultServer::always(Action::reply(reply)).await.unwrap();
            let client = sdk_client(&server, fast_retry());
            let page = client.events().post_events_query(query()).await.unwrap();
            assert_eq!(page.events.map(|e| e.len()), Some(2), "{content_type:?}");
            assert_eq!(server.request_count(), 1);
        }

        // application/json that is not JSON: a decode error keeping the body, not retried
        let server = FaultServer::always(Action::respond(
            200,
            [("content-type", "application/json")],
            "<html><body>Maintenance</body></html>",
        ))
        .await
        .unwrap();
        let client = sdk_client(&server, fast_retry());
        let error = expect_decode(client.events().post_events_query(query()).await);
        assert_eq!(error.raw_body(), b"<html><body>Maintenance</body></html>");
        assert_eq!(error.status().map(|s| s.as_u16()), Some(200));
        assert_eq!(error.meta().unwrap().attempts(), 1);
        assert_eq!(server.request_count(), 1);

        // a declared error status whose body is not an ErrorResponse (a proxy's HTML 400) is
        // still that status's variant, without a decoded body, showing the page
        let server = FaultServer::always(Action::respond(400, [("content-type", "text/html")], "<h1>Bad Request</h1>"))
            .await
            .unwrap();
        let client = sdk_client(&server, fast_retry());
        let error = client.events().post_events(event(1)).await.expect_err("400 is an error");
        assert!(error.to_string().ends_with("HTTP 400 Bad Request: <h1>Bad Request</h1>"), "{error}");
        match error {
            Error::BadRequest(e) => assert!(e.body().is_none() && e.raw_body() == b"<h1>Bad Request</h1>"),
            other => panic!("expected Error::BadRequest, got {other:?}"),
        }
        assert_eq!(server.request_count(), 1);

        // 202 with a plain-text body: the server accepted the event, yet the call fails with
        // Error::Decode (status 202 in its meta); the caller must treat it as accepted.
        let server =
            FaultServer::always(Action::respond(202, [("content-type", "text/plain")], "Accepted")).await.unwrap();
        let client = sdk_client(&server, fast_retry());
        let error = expect_decode(client.events().post_events(event(1)).await);
        assert_eq!(error.status().map(|s| s.as_u16()), Some(202));
        assert_eq!(error.meta().unwrap().attempts(), 1);
        server.settled().await;
        let id = single_id(&server.requests()[0]);
        assert_accepted_exactly_once(&server, &[&id]);
    })
    .await;
}

#[tokio::test]
async fn an_off_spec_202_body_still_counts_the_batch_as_accepted() {
    bounded(async {
        // The spec's 202 body is a map of strings. A server answering `{"accepted": 3}` has taken
        // the events all the same: the bulk helper goes by the status, so the batch counts as
        // accepted instead of being reported failed (and perhaps sent again) over its body.
        let server = FaultServer::always(Action::json(202, &serde_json::json!({ "message": "ok", "accepted": 3 })))
            .await
            .unwrap();
        let client = sdk_client(&server, fast_retry());
        let report = client.events().ingest_events((0..3).map(event), BulkOptions::new()).await;
        server.settled().await;
        assert_eq!(report.accepted(), 3);
        assert!(report.failed().is_empty(), "no failed batch: {:?}", report.failed().len());
        assert_eq!(server.request_count(), 1);
        assert_eq!(server.accepted().len(), 3);
        assert!(server.accepted().values().all(|n| *n == 1));
    })
    .await;
}

// ---------------------------------------------------------------------------------------------
// 9. servers that stop answering

#[tokio::test]
async fn a_silent_server_times_out_on_every_attempt() {
    bounded(async {
        let server = FaultServer::always(Action::silence()).await.unwrap();
        let client = builder(&server, fast_retry().max_attempts(3)).timeout(ms(100)).build().unwrap();
        let started = Instant::now();
        let error = expect_transport(client.events().post_events(event(1)).await);
        let elapsed = started.elapsed();
        assert!(error.is_timeout(), "{error}");
        assert_eq!(error.attempts(), 3);
        assert!(elapsed >= ms(300) && elapsed < Duration::from_secs(2), "{elapsed:?}");
        server.settled().await;
        assert_eq!(outcomes(&server), [Outcome::ClientGone; 3]);
        assert_accepted_exactly_once(&server, &[]);
    })
    .await;
}

#[tokio::test]
async fn a_server_that_closes_without_answering_is_a_retried_io_error() {
    bounded(async {
        let server = FaultServer::always(Action::close()).await.unwrap();
        let client = sdk_client(&server, fast_retry().max_attempts(3));
        let error = expect_transport(client.events().post_events(event(1)).await);
        assert_eq!(error.kind(), TransportErrorKind::Io, "{error}");
        assert_eq!(error.attempts(), 3);
        server.settled().await;
        assert_eq!(outcomes(&server), [Outcome::Closed; 3]);
        assert_accepted_exactly_once(&server, &[]);

        // garbage instead of HTTP: the same
        let server = FaultServer::always(Action::raw("SSH-2.0-OpenSSH_9.6\r\n")).await.unwrap();
        let client = sdk_client(&server, fast_retry().max_attempts(3));
        let error = expect_transport(client.events().post_events(event(1)).await);
        assert_eq!((error.kind(), error.attempts()), (TransportErrorKind::Io, 3), "{error}");
        assert_eq!(server.request_count(), 3);
    })
    .await;
}

#[tokio::test]
async fn a_closed_listener_is_a_connect_error_after_max_attempts() {
    bounded(async {
        let mut server = FaultServer::always(Action::accepted()).await.unwrap();
        let client = sdk_client(&server, fast_retry().max_attempts(3));
        // a first call leaves a pooled connection behind
        client.events().post_events(event(1)).await.unwrap();
        server.close_listener().await;
        let started = Instant::now();
        let error = expect_transport(client.events().post_events(event(2)).await);
        assert!(error.is_connect(), "{error}");
        assert_eq!(error.attempts(), 3);
        assert!(started.elapsed() < Duration::from_secs(2), "{:?}", started.elapsed());
        assert_eq!(server.request_count(), 1);
        assert_eq!(server.accepted().len(), 1);
    })
    .await;
}

// ---------------------------------------------------------------------------------------------
// 10. which statuses are retried

#[tokio::test]
async fn bad_request_is_never_retried() {
    bounded(async {
        let server = FaultServer::always(Action::error(400, "event_name is required")).await.unwrap();
        let client = sdk_client(&server, fast_retry().max_attempts(5).retry_500(true));
        let result = client.events().post_events(event(1)).await;
        let Err(Error::BadRequest(error)) = &result else {
            panic!("expected Error::BadRequest, got {result:?}");
        };
        assert_eq!(error.meta().attempts(), 1);
        let message = error.body().and_then(|b| b.error.as_ref()).and_then(|d| d.message.as_deref());
        assert_eq!(message, Some("event_name is required"));
        server.settled().await;
        assert_eq!(outcomes(&server), [Outcome::Answered(400)]);
        assert_accepted_exactly_once(&server, &[]);
    })
    .await;
}

#[tokio::test]
async fn internal_server_error_is_retried_only_with_retry_500() {
    bounded(async {
        // default: not retried
        let server = FaultServer::sequence([Action::error(500, "boom")], Action::accepted()).await.unwrap();
        let client = sdk_client(&server, fast_retry());
        let result = client.events().post_events(event(1)).await;
        let Err(Error::InternalServerError(error)) = &result else {
            panic!("expected Error::InternalServerError, got {result:?}");
        };
        assert_eq!(error.meta().attempts(), 1);
        assert_eq!(server.request_count(), 1);

        // retry_500: retried, then accepted once
        let server =
            FaultServer::sequence([Action::error(500, "boom"), Action::error(500, "boom")], Action::accepted())
                .await
                .unwrap();
        let client = sdk_client(&server, fast_retry().retry_500(true));
        let response = client.events().post_events(event(1)).send_with_response().await.unwrap();
        assert_eq!(response.meta().attempts(), 3);
        server.settled().await;
        let requests = server.requests();
        let id = single_id(&requests[0]);
        assert!(requests.iter().all(|r| single_id(r) == id));
        assert_accepted_exactly_once(&server, &[&id]);

        // retry_500 and always 500: the typed error after max_attempts
        let server = FaultServer::always(Action::error(500, "boom")).await.unwrap();
        let client = sdk_client(&server, fast_retry().retry_500(true).max_attempts(4));
        let error = client.events().post_events(event(1)).await.unwrap_err();
        assert_eq!((variant(&error), attempts(&error)), ("InternalServerError", 4));
        assert_eq!(server.request_count(), 4);
    })
    .await;
}

#[tokio::test]
async fn retryable_and_final_statuses() {
    bounded(async {
        for status in [429, 502, 503, 504] {
            let server = FaultServer::sequence([Action::error(status, "again")], Action::accepted()).await.unwrap();
            let client = sdk_client(&server, fast_retry());
            let response = client.events().post_events(event(1)).send_with_response().await.unwrap();
            assert_eq!(response.meta().attempts(), 2, "{status}");
            server.settled().await;
            let id = single_id(&server.requests()[1]);
            assert_accepted_exactly_once(&server, &[&id]);
        }
        for (status, expected) in [
            (400, "BadRequest"),
            (401, "UnexpectedStatus"),
            (403, "UnexpectedStatus"),
            (404, "UnexpectedStatus"),
            (409, "UnexpectedStatus"),
            (413, "UnexpectedStatus"),
            (422, "UnexpectedStatus"),
            (500, "InternalServerError"),
            (501, "UnexpectedStatus"),
            (505, "UnexpectedStatus"),
        ] {
            let server = FaultServer::sequence([Action::error(status, "no")], Action::accepted()).await.unwrap();
            let client = sdk_client(&server, fast_retry());
            let error = client.events().post_events(event(1)).await.unwrap_err();
            assert_eq!((variant(&error), attempts(&error)), (expected, 1), "{status}: {error}");
            assert_eq!(error.status().map(|s| s.as_u16()), Some(status));
            assert_eq!(server.request_count(), 1, "{status}");
        }
    })
    .await;
}

// ---------------------------------------------------------------------------------------------
// 11. 10,000 events through a flaky server

/// Chosen so that the requests of 10 (and of 9) batches include every kind of fault: the sequence
/// of the first 15 requests is `ok 503 ok ok ok 503 ok ok reset ok 503 ok reset-mid ok ok`.
const SEED: u64 = 0x5EED_0005;
const TOTAL: usize = 10_000;
const BATCH: usize = 1_000;

/// SplitMix64: a deterministic pseudo-random sequence.
fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fault {
    None,
    Unavailable,
    Reset,
    ResetMidResponse,
}

/// The fault of the `n`-th request: about one in three fails, with a 503, a reset before any
/// response, or a reset after the head of a 202.
fn fault_at(n: usize) -> Fault {
    let r = splitmix64(SEED ^ n as u64);
    if !r.is_multiple_of(3) {
        return Fault::None;
    }
    match (r >> 32) % 3 {
        0 => Fault::Unavailable,
        1 => Fault::Reset,
        _ => Fault::ResetMidResponse,
    }
}

fn action_for(fault: Fault) -> Action {
    match fault {
        Fault::None => Action::accepted(),
        Fault::Unavailable => Action::error(503, "overloaded"),
        Fault::Reset => Action::reset(),
        Fault::ResetMidResponse => Action::reset_mid_response(202),
    }
}

fn outcome_of(fault: Fault) -> Outcome {
    match fault {
        Fault::None => Outcome::Answered(202),
        Fault::Unavailable => Outcome::Answered(503),
        Fault::Reset => Outcome::Reset,
        Fault::ResetMidResponse => Outcome::ResetMidResponse(202),
    }
}

/// How many requests of the sequence it takes to get `successes` successes. Every success
/// completes one batch and every failure is retried, so whatever the interleaving of the
/// concurrent batches, the server receives exactly this many requests for `successes` batches.
fn requests_for(successes: usize) -> usize {
    let mut ok = 0;
    (0..)
        .find(|&n| {
            ok += usize::from(fault_at(n) == Fault::None);
            ok == successes
        })
        .unwrap()
        + 1
}

/// The `seq` property of every event of a bulk request, with its event id.
fn seqs_and_ids(request: &Request) -> Vec<(usize, String)> {
    let body = request.json().unwrap();
    body["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let seq = e["properties"]["seq"].as_str().unwrap().parse().unwrap();
            (seq, e["event_id"].as_str().expect("event without event_id").to_owned())
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn ten_thousand_events_through_a_flaky_server_are_each_accepted_exactly_once() {
    bounded(async {
        let expected_requests = requests_for(TOTAL / BATCH);
        let failures = expected_requests - TOTAL / BATCH;
        let faults: Vec<Fault> = (0..expected_requests).map(fault_at).collect();
        for kind in [Fault::Unavailable, Fault::Reset, Fault::ResetMidResponse] {
            assert!(faults.contains(&kind), "the seed injects no {kind:?}");
        }
        assert!(failures * 5 >= expected_requests, "fewer than a fifth of the requests fail: {faults:?}");

        let server = FaultServer::start(|request| action_for(fault_at(request.index))).await.unwrap();
        // enough attempts that no batch can run out: a batch fails at most `failures` times
        let sdk_attempts = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&sdk_attempts);
        let client = builder(&server, fast_retry().max_attempts(u32::try_from(failures).unwrap() + 1))
            .on_response(move |_| {
                counter.fetch_add(1, Ordering::SeqCst);
            })
            .build()
            .unwrap();
        let events: Vec<IngestEventRequest> = (0..TOTAL).map(event).collect();
        let report = client.events().ingest_events(events, BulkOptions::new().concurrency(4)).await;
        server.settled().await;

        assert!(report.is_complete(), "failed batches: {:?}", report.failed());
        assert_eq!(report.accepted(), TOTAL);
        assert_eq!(report.failed_items(), 0);

        // exactly the requests and outcomes the seeded sequence prescribes
        assert_eq!(server.request_count(), expected_requests);
        assert_eq!(sdk_attempts.load(Ordering::SeqCst), expected_requests, "the SDK counted other attempts");
        let expected_outcomes: Vec<Outcome> = faults.iter().map(|&f| outcome_of(f)).collect();
        assert_eq!(outcomes(&server), expected_outcomes);

        // every event accepted exactly once, under one id that the SDK made
        let accepted = server.accepted();
        assert_eq!(accepted.len(), TOTAL);
        assert!(accepted.values().all(|&n| n == 1), "accepted twice: {:?}", accepted.iter().find(|(_, &n)| n > 1));
        assert_eq!(server.accepted_without_id(), 0);
        accepted.keys().for_each(|id| assert_uuid_v7(id));

        let requests = server.requests();
        let mut seq_ids = BTreeMap::new();
        for request in requests.iter().filter(|r| server.outcomes()[r.index] == Some(Outcome::Answered(202))) {
            for (seq, id) in seqs_and_ids(request) {
                assert!(seq_ids.insert(seq, id).is_none(), "event {seq} accepted twice");
            }
        }
        assert_eq!(seq_ids.len(), TOTAL);
        assert_eq!(seq_ids.keys().copied().collect::<Vec<_>>(), (0..TOTAL).collect::<Vec<_>>());

        // retries re-sent the same batch byte for byte: no new id was made for a retry
        let mut attempts_of_batch: BTreeMap<String, Vec<&Bytes>> = BTreeMap::new();
        for request in &requests {
            assert_eq!(request.path(), "/events/bulk");
            assert_eq!(request.event_ids().len(), BATCH, "batches of the spec's maxItems");
            let first = request.event_ids()[0].clone().unwrap();
            attempts_of_batch.entry(first).or_default().push(&request.body);
        }
        assert_eq!(attempts_of_batch.len(), TOTAL / BATCH);
        for bodies in attempts_of_batch.values() {
            assert!(bodies.iter().all(|b| b == &bodies[0]), "a retry changed the batch");
        }
        let ids_seen: BTreeSet<String> = requests.iter().flat_map(|r| r.event_ids()).map(Option::unwrap).collect();
        let ids_accepted: BTreeSet<String> = accepted.keys().cloned().collect();
        assert!(ids_seen == ids_accepted, "ids sent in failed attempts differ from the accepted ones");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_batch_rejected_with_400_is_given_back_whole_and_nothing_is_accepted_twice() {
    bounded(async {
        const MARKER: &str = "\"event_name\":\"poison_event\"";
        const POISONED: usize = 4_321;
        // faults are drawn for the other requests only, so their count is deterministic
        let others = AtomicUsize::new(0);
        let server = FaultServer::start(move |request| {
            if request.body_contains(MARKER) {
                Action::error(400, "event_name poison_event is not allowed")
            } else {
                action_for(fault_at(others.fetch_add(1, Ordering::SeqCst)))
            }
        })
        .await
        .unwrap();
        let good_batches = TOTAL / BATCH - 1;
        let expected_other_requests = requests_for(good_batches);
        let failures = expected_other_requests - good_batches;

        let client = sdk_client(&server, fast_retry().max_attempts(u32::try_from(failures).unwrap() + 1));
        let events: Vec<IngestEventRequest> = (0..TOTAL)
            .map(|i| {
                let mut e = event(i);
                if i == POISONED {
                    e.event_name = "poison_event".to_owned();
                }
                e
            })
            .collect();
        let report = client.events().ingest_events(events, BulkOptions::new().concurrency(3)).await;
        server.settled().await;

        assert_eq!(report.accepted(), TOTAL - BATCH);
        assert_eq!(report.failed_items(), BATCH);
        assert_eq!(report.accepted() + report.failed_items(), TOTAL);
        let [failed] = report.failed() else {
            panic!("expected one failed batch, got {:?}", report.failed().len());
        };
        assert_eq!(failed.index(), POISONED / BATCH);
        let Error::BadRequest(error) = failed.error() else {
            panic!("expected Error::BadRequest, got {:?}", failed.error());
        };
        assert_eq!(error.meta().attempts(), 1, "a 400 was retried");
        assert_eq!(
            error.body().and_then(|b| b.error.as_ref()).and_then(|d| d.message.as_deref()),
            Some("event_name poison_event is not allowed")
        );

        // the failed batch gives back exactly its items, in order, with the ids that were sent
        let items = failed.items();
        let first = POISONED / BATCH * BATCH;
        let customers: Vec<String> = items.iter().map(|e| e.external_customer_id.clone()).collect();
        assert_eq!(customers, (first..first + BATCH).map(|i| format!("cus_{i}")).collect::<Vec<_>>());
        assert_eq!(items[POISONED - first].event_name, "poison_event");
        let requests = server.requests();
        let rejected: Vec<&Request> = requests.iter().filter(|r| r.body_contains(MARKER)).collect();
        assert_eq!(rejected.len(), 1, "the rejected batch was sent more than once");
        let sent_ids: Vec<Option<String>> = rejected[0].event_ids();
        let returned_ids: Vec<Option<String>> = items.iter().map(|e| e.event_id.clone()).collect();
        assert_eq!(returned_ids, sent_ids, "the items given back do not carry the ids that were sent");

        // the server: the deterministic number of requests; 9,000 ids each accepted once, none
        // of the rejected batch
        assert_eq!(server.request_count(), expected_other_requests + 1);
        let accepted = server.accepted();
        assert_eq!(accepted.len(), TOTAL - BATCH);
        assert!(accepted.values().all(|&n| n == 1));
        assert_eq!(server.accepted_without_id(), 0);
        for id in returned_ids {
            assert!(!accepted.contains_key(&id.unwrap()), "an event of the rejected batch was accepted");
        }
    })
    .await;
}
