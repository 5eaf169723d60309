//! Contract tests: the generated `flexprice` SDK against Stoplight Prism.
//!
//! `cargo xtask test` (see `xtask/src/contract.rs` and `tests/contract/README.md`) starts two
//! Prism mock servers of `spec/flexprice-events.yaml` and runs this file with
//!
//! - `PRISM_URL`: Prism answering with the spec's examples;
//! - `PRISM_DYNAMIC_URL`: Prism answering with data generated from the schemas (`--dynamic`).
//!
//! Prism validates every request against the spec; started with `--errors`, it answers a
//! request that breaks the spec with an error status and an `sl-violations` header listing what
//! is wrong. Every call here asserts there is no such header, and that the SDK decoded the body.
//! The static tests also compare the decoded body, serialized again, with the JSON Prism sent,
//! so a response field that the models miss or misname fails the test instead of being dropped.
//!
//! Every test is `#[ignore]`d, so a plain `cargo test` on a machine without Node.js lists them
//! as ignored rather than passed; `cargo xtask contract` (and `cargo xtask test`) runs them
//! with `--ignored` and fails unless all of them ran and passed. Run with `--ignored` but
//! without those variables, a test fails and says how to run it.

use std::collections::BTreeMap;
use std::fmt::Debug;
use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use flexprice::models::{
    AggregationType, BulkIngestEventRequest, ErrorResponse, GetEventsRequest, GetEventsResponse,
    GetHuggingFaceBillingDataResponse, GetMonitoringDataResponse, GetUsageAnalyticsRequest, GetUsageAnalyticsResponse,
    GetUsageByMeterRequest, GetUsageRequest, GetUsageResponse, IngestEventRequest, WindowSize,
};
use flexprice::operations::GetEventsMonitoringParams;
use flexprice::{Call, Client, Error, RetryConfig};
use reqwest::header::HeaderMap;
use reqwest::Method;
use sdk_e2e_tests::ts;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

/// The response header in which Prism lists the violations of a request.
const VIOLATIONS: &str = "sl-violations";

// ---------------------------------------------------------------------------------------------
// servers and clients

/// The URL in `var`; panics, saying how to run the test, when it is not set.
fn server(var: &str) -> String {
    match std::env::var(var) {
        Ok(url) if !url.trim().is_empty() => url,
        _ => panic!(
            "{var} is not set: the contract tests run against Prism mock servers; run them with \
             `cargo xtask contract` (or `cargo xtask test`), which starts Prism and sets \
             PRISM_URL and PRISM_DYNAMIC_URL"
        ),
    }
}

fn builder(url: &str) -> flexprice::ClientBuilder {
    // Prism never fails by chance: a retry would only hide a problem (and slow down the
    // tests of error statuses).
    Client::builder().server_url(url).api_key("test-key").retry(RetryConfig::none())
}

fn client(url: &str) -> Client {
    builder(url).build().expect("the client builds")
}

// ---------------------------------------------------------------------------------------------
// requests: the values of the spec's examples

fn ingest_event(event_id: &str, timestamp: &str, request_size: &str, status: &str) -> IngestEventRequest {
    IngestEventRequest::new("api_request", "cus_acme_42")
        .with_event_id(event_id)
        .with_timestamp(ts(timestamp))
        .with_source("api")
        .with_properties([("request_size", request_size), ("response_status", status), ("region", "eu-west-1")])
}

fn event_request() -> IngestEventRequest {
    ingest_event("evt_01JGM3C8ZP6R8W3N5T7V9X1B2D", "2026-01-02T10:15:30Z", "100", "200")
}

fn bulk_request() -> BulkIngestEventRequest {
    BulkIngestEventRequest::new([
        event_request(),
        ingest_event("evt_01JGM3C9A1K2M3N4P5Q6R7S8T9", "2026-01-02T10:15:31Z", "250", "201"),
    ])
}

fn analytics_request() -> GetUsageAnalyticsRequest {
    GetUsageAnalyticsRequest::new("cus_acme_42")
        .with_start_time(ts("2026-01-01T00:00:00Z"))
        .with_end_time(ts("2026-01-03T00:00:00Z"))
        .with_window_size(WindowSize::Day)
        .with_feature_ids(["feat_01JGKZ0API0CALLS00000000"])
        .with_sources(["api"])
        .with_group_by(["feature_id", "properties.region"])
        .with_expand(["feature", "meter"])
        .with_property_filters([("region", vec!["eu-west-1".to_owned(), "us-east-1".to_owned()])])
}

fn monitoring_params() -> GetEventsMonitoringParams {
    GetEventsMonitoringParams::new().with_window_size("HOUR")
}

fn query_request() -> GetEventsRequest {
    GetEventsRequest::new()
        .with_external_customer_id("cus_acme_42")
        .with_event_name("api_request")
        .with_source("api")
        .with_start_time(ts("2026-01-01T00:00:00Z"))
        .with_end_time(ts("2026-01-02T00:00:00Z"))
        .with_property_filters([("region", vec!["eu-west-1".to_owned()])])
        .with_page_size(50)
        .with_offset(0)
        .with_sort("timestamp")
        .with_order("desc")
}

fn usage_request() -> GetUsageRequest {
    GetUsageRequest::new(AggregationType::Sum, "api_request")
        .with_property_name("request_size")
        .with_external_customer_id("cus_acme_42")
        .with_start_time(ts("2026-01-01T00:00:00Z"))
        .with_end_time(ts("2026-01-03T00:00:00Z"))
        .with_window_size(WindowSize::Day)
        .with_filters([("region", vec!["eu-west-1".to_owned()])])
}

fn usage_meter_request() -> GetUsageByMeterRequest {
    GetUsageByMeterRequest::new("mtr_01JGKZ0METER0API0000000000")
        .with_external_customer_id("cus_acme_42")
        .with_start_time(ts("2025-10-05T00:00:00Z"))
        .with_end_time(ts("2026-01-05T00:00:00Z"))
        .with_window_size(WindowSize::Month)
        .with_billing_anchor(ts("2025-10-05T00:00:00Z"))
        .with_filters([("region", vec!["eu-west-1".to_owned()])])
}

// ---------------------------------------------------------------------------------------------
// checks

/// The violations Prism reported in `headers`, if any.
fn violations(headers: &HeaderMap) -> Option<String> {
    let all: Vec<String> =
        headers.get_all(VIOLATIONS).iter().map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned()).collect();
    (!all.is_empty()).then(|| all.join(", "))
}

fn assert_no_violations(op: &str, headers: &HeaderMap) {
    if let Some(v) = violations(headers) {
        panic!("{op}: Prism says the request breaks the spec: {v}");
    }
}

/// An error, with Prism's violations first when it reported some.
fn describe(err: &Error) -> String {
    match err.meta().and_then(|m| violations(m.headers())) {
        Some(v) => format!("Prism says the request breaks the spec: {v} (SDK error: {err})"),
        None => format!("{err} ({err:?})"),
    }
}

/// Sends `call`, expecting Prism to accept the request and answer `status` with a body the
/// SDK decodes.
async fn accepted<T: Debug, P>(op: &str, call: Call<T, Error, P>, status: u16) -> T {
    match call.send_with_response().await {
        Ok(response) => {
            assert_no_violations(op, response.headers());
            assert_eq!(response.status().as_u16(), status, "{op}: status");
            response.into_body()
        }
        Err(err) => panic!("{op}: {}", describe(&err)),
    }
}

/// Asks Prism for the declared error `status` (`Prefer: code=...`) and checks the SDK returns
/// the matching typed error with the decoded body.
async fn declared_error<T: Debug, P>(op: &str, call: Call<T, Error, P>, status: u16) {
    let err = match call.header("Prefer", format!("code={status}")).send_with_response().await {
        Ok(response) => panic!("{op}: asked for {status}, got {} {:?}", response.status(), response.body()),
        Err(err) => err,
    };
    let api = match (&err, status) {
        (Error::BadRequest(e), 400) | (Error::NotFound(e), 404) | (Error::InternalServerError(e), 500) => e,
        _ => panic!("{op}: asked for {status}, got {}", describe(&err)),
    };
    assert_eq!(api.status().as_u16(), status, "{op}");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(status), "{op}");
    assert_no_violations(op, api.headers());
    let body: &ErrorResponse =
        api.body().unwrap_or_else(|| panic!("{op} {status}: the body is not an ErrorResponse: {:?}", api.body_error()));
    assert_eq!(body.success, Some(false), "{op} {status}: {body:?}");
    let detail = body.error.as_ref().unwrap_or_else(|| panic!("{op} {status}: no `error` in {body:?}"));
    assert!(detail.message.as_deref().is_some_and(|m| !m.is_empty()), "{op} {status}: {body:?}");
    assert!(detail.internal_error.as_deref().is_some_and(|m| !m.is_empty()), "{op} {status}: {body:?}");
    if status == 500 {
        assert_eq!(detail.message.as_deref(), Some("an unexpected error occurred, please retry"), "{op}");
    }
    if status == 404 {
        assert_eq!(detail.message.as_deref(), Some("meter not found"), "{op}");
    }
    let raw: Value = serde_json::from_slice(api.raw_body()).expect("the error body is JSON");
    assert_round_trip(&format!("{op} {status}"), &raw, body);
}

/// `decoded`, serialized again, must equal `raw` (numbers compared by value): a field the
/// model misses or misnames would otherwise be dropped without a trace.
fn assert_round_trip<T: Serialize + Debug>(what: &str, raw: &Value, decoded: &T) {
    let again = serde_json::to_value(decoded).expect("the model serializes");
    let mut differences = Vec::new();
    compare_json("", raw, &again, &mut differences);
    assert!(
        differences.is_empty(),
        "{what}: the decoded body differs from what Prism sent:\n  {}\nsent: {raw}\ndecoded: {decoded:?}",
        differences.join("\n  ")
    );
}

fn compare_json(path: &str, sent: &Value, again: &Value, out: &mut Vec<String>) {
    match (sent, again) {
        (Value::Object(a), Value::Object(b)) => {
            for (key, value) in a {
                let here = format!("{path}/{key}");
                match b.get(key) {
                    Some(other) => compare_json(&here, value, other, out),
                    // an optional field sent as null comes back absent
                    None if value.is_null() => {}
                    None => out.push(format!("{here}: sent {value}, lost by the model")),
                }
            }
            for key in b.keys().filter(|k| !a.contains_key(*k)) {
                out.push(format!("{path}/{key}: not sent, but present after decoding"));
            }
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                compare_json(&format!("{path}/{i}"), x, y, out);
            }
        }
        (Value::Number(a), Value::Number(b)) if a.as_f64() == b.as_f64() => {}
        // Time fields are `DateTime<Utc>`: the same instant may come back written another way
        // (`.0Z` as `Z`, an offset as UTC).
        (Value::String(a), Value::String(b)) if same_instant(a, b) => {}
        (a, b) if a == b => {}
        (a, b) => out.push(format!("{path}: sent {a}, decoded as {b}")),
    }
}

/// Whether two RFC 3339 texts name the same instant.
fn same_instant(a: &str, b: &str) -> bool {
    use flexprice::chrono::DateTime;
    matches!((DateTime::parse_from_rfc3339(a), DateTime::parse_from_rfc3339(b)), (Ok(x), Ok(y)) if x == y)
}

/// Sends a request to Prism without the SDK: status, headers and JSON body.
async fn raw_call(url: &str, method: Method, path: &str, body: Option<Vec<u8>>) -> (u16, HeaderMap, Value) {
    let http = reqwest::Client::new();
    let mut request =
        http.request(method, format!("{}{path}", url.trim_end_matches('/'))).header("x-api-key", "test-key");
    if let Some(body) = body {
        request = request.header("content-type", "application/json").body(body);
    }
    let response = request.send().await.unwrap_or_else(|e| panic!("{path}: Prism does not answer: {e}"));
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let bytes = response.bytes().await.expect("a body");
    let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    (status, headers, json)
}

/// What Prism answers without the SDK to `body` (JSON), checked to be a valid request.
async fn raw_json(url: &str, method: Method, path: &str, body: Option<&impl Serialize>) -> Value {
    let bytes = body.map(|b| serde_json::to_vec(b).expect("the request serializes"));
    let (status, headers, json) = raw_call(url, method, path, bytes).await;
    assert_no_violations(path, &headers);
    assert!((200..300).contains(&status), "{path}: status {status}: {json}");
    json
}

// ---------------------------------------------------------------------------------------------
// static mode: every operation, the spec's examples

#[tokio::test]
#[ignore = "needs the Prism mock servers: run `cargo xtask contract`"]
async fn post_events_is_accepted() {
    let url = server("PRISM_URL");
    let client = client(&url);
    let body = accepted("post_events", client.events().post_events(event_request()), 202).await;
    assert_eq!(body.get("message").map(String::as_str), Some("Event accepted for processing"));

    // an event without the optional fields, and one without an ID (the SDK fills one in)
    let minimal = IngestEventRequest::new("api_request", "cus_acme_42");
    accepted("post_events (minimal)", client.events().post_events(minimal), 202).await;
}

#[tokio::test]
#[ignore = "needs the Prism mock servers: run `cargo xtask contract`"]
async fn post_events_analytics_is_accepted() {
    let url = server("PRISM_URL");
    let client = client(&url);
    let body: GetUsageAnalyticsResponse =
        accepted("post_events_analytics", client.events().post_events_analytics(analytics_request()), 200).await;
    assert_eq!(body.currency.as_deref(), Some("usd"));
    assert_eq!(body.total_cost.as_deref(), Some("12.40"));
    let items = body.items.as_deref().expect("items");
    assert_eq!(items.len(), 1);
    let item = &items[0];
    assert_eq!(item.feature_id.as_deref(), Some("feat_01JGKZ0API0CALLS00000000"));
    assert_eq!(item.aggregation_type, Some(AggregationType::Count));
    assert_eq!(item.window_size, Some(WindowSize::Day));
    assert_eq!(item.event_count, Some(1240));
    assert_eq!(item.points.as_ref().map(Vec::len), Some(2));
    let feature = item.feature.as_ref().expect("expanded feature");
    assert_eq!(feature.name.as_deref(), Some("API calls"));
    let meter = item.meter.as_ref().expect("expanded meter");
    assert_eq!(meter.event_name.as_deref(), Some("api_request"));

    let raw = raw_json(&url, Method::POST, "/events/analytics", Some(&analytics_request())).await;
    assert_round_trip("post_events_analytics", &raw, &body);
}

#[tokio::test]
#[ignore = "needs the Prism mock servers: run `cargo xtask contract`"]
async fn post_events_bulk_is_accepted() {
    let url = server("PRISM_URL");
    let client = client(&url);
    let body = accepted("post_events_bulk", client.events().post_events_bulk(bulk_request()), 202).await;
    assert_eq!(body.get("message").map(String::as_str), Some("Event accepted for processing"));

    // the limits themselves are valid: 1 and 1000 events
    for n in [1, 1000] {
        let events = (0..n).map(|i| IngestEventRequest::new("api_request", format!("cus_{i}")));
        let call = client.events().post_events_bulk(BulkIngestEventRequest::new(events));
        accepted(&format!("post_events_bulk ({n} events)"), call, 202).await;
    }
}

#[tokio::test]
#[ignore = "needs the Prism mock servers: run `cargo xtask contract`"]
async fn post_events_huggingface_inference_is_accepted() {
    let url = server("PRISM_URL");
    let client = client(&url);
    let body: GetHuggingFaceBillingDataResponse =
        accepted("post_events_huggingface_inference", client.events().post_events_huggingface_inference(), 200).await;
    let requests = body.requests.as_deref().expect("requests");
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].request_id.as_deref(), Some("req_7f3a9c21"));
    assert_eq!(requests[0].cost_nano_usd.as_deref(), Some("1250000"));

    let raw = raw_json(&url, Method::POST, "/events/huggingface-inference", None::<&()>).await;
    assert_round_trip("post_events_huggingface_inference", &raw, &body);
}

#[tokio::test]
#[ignore = "needs the Prism mock servers: run `cargo xtask contract`"]
async fn get_events_monitoring_is_accepted() {
    let url = server("PRISM_URL");
    let client = client(&url);
    let body: GetMonitoringDataResponse =
        accepted("get_events_monitoring", client.events().get_events_monitoring(monitoring_params()), 200).await;
    assert_eq!(body.total_count, Some(48210));
    assert_eq!(body.consumption_lag, Some(12));
    assert_eq!(body.post_processing_lag, Some(340));
    let points = body.points.as_deref().expect("points");
    assert_eq!(points.len(), 2);
    assert_eq!(points[1].event_count, Some(2275));

    // without the optional query parameter
    let call = client.events().get_events_monitoring(GetEventsMonitoringParams::new());
    accepted("get_events_monitoring (no window)", call, 200).await;

    let raw = raw_json(&url, Method::GET, "/events/monitoring?window_size=HOUR", None::<&()>).await;
    assert_round_trip("get_events_monitoring", &raw, &body);
}

#[tokio::test]
#[ignore = "needs the Prism mock servers: run `cargo xtask contract`"]
async fn post_events_query_is_accepted() {
    let url = server("PRISM_URL");
    let client = client(&url);
    let body: GetEventsResponse =
        accepted("post_events_query", client.events().post_events_query(query_request()), 200).await;
    assert_eq!(body.has_more, Some(true));
    assert_eq!(body.total_count, Some(1240));
    assert_eq!(body.iter_last_key.as_deref(), Some("1735775952000::evt_01JGM3C8ZP6R8W3N5T7V9X1B2D"));
    let events = body.events.as_deref().expect("events");
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].id.as_deref(), Some("evt_01JGM3C8ZP6R8W3N5T7V9X1B2D"));
    let properties = events[0].properties.as_ref().expect("properties");
    assert_eq!(properties.get("region"), Some(&Value::from("eu-west-1")));

    // every field is optional: an empty search is valid too
    accepted("post_events_query (empty)", client.events().post_events_query(GetEventsRequest::new()), 200).await;

    let raw = raw_json(&url, Method::POST, "/events/query", Some(&query_request())).await;
    assert_round_trip("post_events_query", &raw, &body);
}

#[tokio::test]
#[ignore = "needs the Prism mock servers: run `cargo xtask contract`"]
async fn post_events_usage_is_accepted() {
    let url = server("PRISM_URL");
    let client = client(&url);
    let body: GetUsageResponse =
        accepted("post_events_usage", client.events().post_events_usage(usage_request()), 200).await;
    assert_eq!(body.event_name.as_deref(), Some("api_request"));
    assert_eq!(body.type_, Some(AggregationType::Sum));
    assert_eq!(body.value, Some(128400.0));
    let results = body.results.as_deref().expect("results");
    assert_eq!(results.len(), 2);
    assert_eq!(results[0].window_size, Some(ts("2026-01-01T00:00:00Z")));
    assert_eq!(results[0].value, Some(70100.0));

    // every aggregation the spec lists is accepted
    for aggregation in AggregationType::KNOWN {
        let request = GetUsageRequest::new(aggregation.clone(), "api_request").with_property_name("request_size");
        accepted(&format!("post_events_usage ({aggregation})"), client.events().post_events_usage(request), 200).await;
    }

    let raw = raw_json(&url, Method::POST, "/events/usage", Some(&usage_request())).await;
    assert_round_trip("post_events_usage", &raw, &body);
}

#[tokio::test]
#[ignore = "needs the Prism mock servers: run `cargo xtask contract`"]
async fn post_events_usage_meter_is_accepted() {
    let url = server("PRISM_URL");
    let client = client(&url);
    let body: GetUsageResponse =
        accepted("post_events_usage_meter", client.events().post_events_usage_meter(usage_meter_request()), 200).await;
    assert_eq!(body.type_, Some(AggregationType::Count));
    assert_eq!(body.value, Some(31250.0));
    assert_eq!(body.results.as_ref().map(Vec::len), Some(3));

    // every window size the spec lists is accepted
    for window in WindowSize::KNOWN {
        let request = GetUsageByMeterRequest::new("mtr_01JGKZ0METER0API0000000000").with_window_size(window.clone());
        let call = client.events().post_events_usage_meter(request);
        accepted(&format!("post_events_usage_meter ({window})"), call, 200).await;
    }

    let raw = raw_json(&url, Method::POST, "/events/usage/meter", Some(&usage_meter_request())).await;
    assert_round_trip("post_events_usage_meter", &raw, &body);
}

// ---------------------------------------------------------------------------------------------
// declared error statuses

#[tokio::test]
#[ignore = "needs the Prism mock servers: run `cargo xtask contract`"]
async fn declared_error_statuses_are_typed_errors() {
    let url = server("PRISM_URL");
    let client = client(&url);
    let events = client.events();
    let mut checked = 0;
    for status in [400, 500] {
        declared_error("post_events", events.post_events(event_request()), status).await;
        declared_error("post_events_analytics", events.post_events_analytics(analytics_request()), status).await;
        declared_error("post_events_bulk", events.post_events_bulk(bulk_request()), status).await;
        declared_error("get_events_monitoring", events.get_events_monitoring(monitoring_params()), status).await;
        declared_error("post_events_query", events.post_events_query(query_request()), status).await;
        declared_error("post_events_usage", events.post_events_usage(usage_request()), status).await;
        checked += 6;
    }
    // huggingface-inference declares only 500
    declared_error("post_events_huggingface_inference", events.post_events_huggingface_inference(), 500).await;
    checked += 1;
    // usage/meter also declares 404
    for status in [400, 404, 500] {
        declared_error("post_events_usage_meter", events.post_events_usage_meter(usage_meter_request()), status).await;
        checked += 1;
    }
    assert_eq!(checked, 16);
}

// ---------------------------------------------------------------------------------------------
// requests that break the spec never leave the SDK

#[tokio::test]
#[ignore = "needs the Prism mock servers: run `cargo xtask contract`"]
async fn bulk_outside_item_limits_is_rejected_before_sending() {
    let url = server("PRISM_URL");
    let sent = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&sent);
    let client = builder(&url)
        .on_request(move |_| {
            counter.fetch_add(1, Ordering::SeqCst);
        })
        .build()
        .expect("the client builds");

    for n in [0, 1001] {
        let body =
            BulkIngestEventRequest::new((0..n).map(|i| IngestEventRequest::new("api_request", format!("cus_{i}"))));
        match client.events().post_events_bulk(body.clone()).await {
            Err(Error::InvalidRequest(e)) => {
                assert!(e.violations().iter().any(|v| v.path.contains("events")), "{n} events: {e}");
            }
            other => panic!("{n} events: expected Error::InvalidRequest, got {other:?}"),
        }
        // Prism agrees the body breaks the spec: sent without the SDK, it is flagged.
        let (status, headers, _) =
            raw_call(&url, Method::POST, "/events/bulk", Some(serde_json::to_vec(&body).expect("serializes"))).await;
        let flagged = violations(&headers).unwrap_or_else(|| panic!("{n} events: Prism accepted the body ({status})"));
        assert!(flagged.contains("events"), "{n} events: {flagged}");
        assert_eq!(status, 400, "{n} events");
    }
    assert_eq!(sent.load(Ordering::SeqCst), 0, "an invalid request reached the server");

    // the hook does count what is sent
    accepted("post_events_bulk", client.events().post_events_bulk(bulk_request()), 202).await;
    assert_eq!(sent.load(Ordering::SeqCst), 1);
}

#[tokio::test]
#[ignore = "needs the Prism mock servers: run `cargo xtask contract`"]
async fn requests_carry_the_api_key() {
    let url = server("PRISM_URL");
    // Prism enforces the spec's security: without the key it answers 401, which no operation
    // declares. So every accepted call above proves the key was sent.
    let client = Client::builder().server_url(&url).retry(RetryConfig::none()).build().expect("the client builds");
    match client.events().post_events_huggingface_inference().await {
        Err(Error::UnexpectedStatus(e)) => assert_eq!(e.status().as_u16(), 401, "{e}"),
        other => panic!("expected a 401 from Prism without the API key, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// dynamic mode: responses generated from the schemas decode into the models
//
// The dynamic server runs with a fixed seed, and Prism seeds its generator (json-schema-faker)
// again for every response: the rounds below repeat the same bodies, from run to run too.
// That generator can fail on the recursive schemas under the analytics response (xtask gives
// it settings that avoid it, see `FAKER_SETTINGS` in xtask/src/contract.rs); it then answers
// its own 500 `application/problem+json`, which is no answer of the API: such a response is
// asked for again, a bounded number of times, and reported.

/// Calls per operation against the dynamic server.
const DYNAMIC_ROUNDS: usize = 3;
/// Generator failures in a row after which an operation fails.
const MAX_GENERATOR_FAILURES: usize = 10;

/// Whether the response is Prism failing to generate a body, rather than a mocked answer.
fn is_generator_failure(status: u16, headers: &HeaderMap) -> bool {
    status == 500
        && headers
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/problem+json"))
}

/// Generator failures seen per operation, printed at the end of a test.
#[derive(Default)]
struct Retried(BTreeMap<String, usize>);

impl Retried {
    fn count(&mut self, op: &str) {
        *self.0.entry(op.to_owned()).or_default() += 1;
    }

    fn report(&self, test: &str) {
        if !self.0.is_empty() {
            let seen: Vec<String> = self.0.iter().map(|(op, n)| format!("{op}: {n}")).collect();
            let _ = writeln!(std::io::stderr(), "{test}: Prism's generator failed, asked again ({})", seen.join(", "));
        }
    }
}

/// Sends the call made by `make` until Prism generates a response, and checks Prism accepted
/// the request and the SDK decoded the body.
async fn dynamic_call<T: Debug, P>(retried: &mut Retried, op: &str, status: u16, make: impl Fn() -> Call<T, Error, P>) {
    for _ in 0..MAX_GENERATOR_FAILURES {
        match make().send_with_response().await {
            Ok(response) => {
                assert_no_violations(op, response.headers());
                assert_eq!(response.status().as_u16(), status, "{op}: status");
                return;
            }
            Err(Error::InternalServerError(e)) if is_generator_failure(500, e.headers()) => retried.count(op),
            Err(err) => panic!("{op} (dynamic): {}", describe(&err)),
        }
    }
    panic!("{op}: Prism failed to generate a response {MAX_GENERATOR_FAILURES} times in a row (see target/contract/prism-dynamic.log)");
}

#[tokio::test]
#[ignore = "needs the Prism mock servers: run `cargo xtask contract`"]
async fn dynamic_responses_decode() {
    let url = server("PRISM_DYNAMIC_URL");
    let client = client(&url);
    let events = client.events();
    let r = &mut Retried::default();
    for _ in 0..DYNAMIC_ROUNDS {
        dynamic_call(r, "post_events", 202, || events.post_events(event_request())).await;
        dynamic_call(r, "post_events_analytics", 200, || events.post_events_analytics(analytics_request())).await;
        dynamic_call(r, "post_events_bulk", 202, || events.post_events_bulk(bulk_request())).await;
        dynamic_call(r, "post_events_huggingface_inference", 200, || events.post_events_huggingface_inference()).await;
        dynamic_call(r, "get_events_monitoring", 200, || events.get_events_monitoring(monitoring_params())).await;
        dynamic_call(r, "post_events_query", 200, || events.post_events_query(query_request())).await;
        dynamic_call(r, "post_events_usage", 200, || events.post_events_usage(usage_request())).await;
        dynamic_call(r, "post_events_usage_meter", 200, || events.post_events_usage_meter(usage_meter_request())).await;
    }
    r.report("dynamic_responses_decode");
}

/// Generated bodies, fetched without the SDK, decode into the models and lose nothing.
#[tokio::test]
#[ignore = "needs the Prism mock servers: run `cargo xtask contract`"]
async fn dynamic_responses_round_trip() {
    let url = server("PRISM_DYNAMIC_URL");
    let r = &mut Retried::default();
    for _ in 0..DYNAMIC_ROUNDS {
        round_trip::<BTreeMap<String, String>>(r, &url, Method::POST, "/events", Some(json(&event_request()))).await;
        let body = Some(json(&analytics_request()));
        round_trip::<GetUsageAnalyticsResponse>(r, &url, Method::POST, "/events/analytics", body).await;
        let body = Some(json(&bulk_request()));
        round_trip::<BTreeMap<String, String>>(r, &url, Method::POST, "/events/bulk", body).await;
        let path = "/events/huggingface-inference";
        round_trip::<GetHuggingFaceBillingDataResponse>(r, &url, Method::POST, path, None).await;
        let path = "/events/monitoring?window_size=HOUR";
        round_trip::<GetMonitoringDataResponse>(r, &url, Method::GET, path, None).await;
        let body = Some(json(&query_request()));
        round_trip::<GetEventsResponse>(r, &url, Method::POST, "/events/query", body).await;
        let body = Some(json(&usage_request()));
        round_trip::<GetUsageResponse>(r, &url, Method::POST, "/events/usage", body).await;
        let body = Some(json(&usage_meter_request()));
        round_trip::<GetUsageResponse>(r, &url, Method::POST, "/events/usage/meter", body).await;
    }
    r.report("dynamic_responses_round_trip");
}

fn json(body: &impl Serialize) -> Value {
    serde_json::to_value(body).expect("the request serializes")
}

/// Fetches a generated response without the SDK (until Prism generates one), decodes it into
/// `T` and checks nothing was lost.
async fn round_trip<T: DeserializeOwned + Serialize + Debug>(
    retried: &mut Retried,
    url: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) {
    for _ in 0..MAX_GENERATOR_FAILURES {
        let bytes = body.as_ref().map(|b| serde_json::to_vec(b).expect("the request serializes"));
        let (status, headers, raw) = raw_call(url, method.clone(), path, bytes).await;
        if is_generator_failure(status, &headers) {
            retried.count(path);
            continue;
        }
        assert_no_violations(path, &headers);
        assert!((200..300).contains(&status), "{path}: status {status}: {raw}");
        let decoded: T = serde_json::from_value(raw.clone())
            .unwrap_or_else(|e| panic!("{path}: the generated body does not decode into the model: {e}\n{raw}"));
        assert_round_trip(path, &raw, &decoded);
        return;
    }
    panic!("{path}: Prism failed to generate a response {MAX_GENERATOR_FAILURES} times in a row (see target/contract/prism-dynamic.log)");
}
