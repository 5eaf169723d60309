//! End-to-end tests of the generated `flexprice` SDK against an in-process `wiremock` server.
//!
//! Every operation of `client.events()` is called with the request values of the spec's examples,
//! and the test checks what reached the server (method, exact path and query, `x-api-key`,
//! `user-agent`, `content-type`, the exact JSON body) and how the example response was decoded.
//! Then the error mapping: declared statuses become typed variants, undeclared ones
//! `UnexpectedStatus`, unreadable bodies `Decode`, constraint violations `InvalidRequest` (with
//! nothing sent) and a slow server a `Transport` timeout.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use flexprice::error::Violation;
use flexprice::models::{
    AggregationType, AlertCondition, BulkIngestEventRequest, ErrorDetail, ErrorResponse, EventCountPoint, FeatureType,
    GetEventsRequest, GetUsageAnalyticsRequest, GetUsageByMeterRequest, GetUsageRequest, IngestEventRequest,
    ResetUsage, Status, UsageResult, WindowSize,
};
use flexprice::operations::GetEventsMonitoringParams;
use flexprice::{Client, Error, RetryConfig};
use sdk_e2e_tests::ts;
use serde_json::{json, Value};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const API_KEY: &str = "test-key";

// ---------------------------------------------------------------------------------------------
// helpers
// ---------------------------------------------------------------------------------------------

/// A client of `server` with the test key and no retries.
fn client(server: &MockServer) -> Client {
    Client::builder()
        .server_url(server.uri())
        .api_key(API_KEY)
        .retry(RetryConfig::none())
        .build()
        .expect("the client builds")
}

/// Mounts a mock answering `verb path` with `response`, expected to be hit exactly once.
async fn mount(server: &MockServer, verb: &str, route: &str, response: ResponseTemplate) {
    Mock::given(method(verb)).and(path(route)).respond_with(response).expect(1).mount(server).await;
}

/// Every request the server received.
async fn received(server: &MockServer) -> Vec<Request> {
    server.received_requests().await.expect("request recording is enabled")
}

/// The one request the server received.
async fn single_request(server: &MockServer) -> Request {
    let mut requests = received(server).await;
    assert_eq!(requests.len(), 1, "expected exactly one request, got {}", requests.len());
    requests.remove(0)
}

/// The value of header `name` of a received request, as text.
fn header<'r>(request: &'r Request, name: &str) -> Option<&'r str> {
    request.headers.get(name).map(|v| v.to_str().expect("header value is text"))
}

/// Method, exact path (no query), credential and user agent of a received request.
fn assert_request_line(request: &Request, verb: &str, route: &str) {
    assert_eq!(request.method.as_str(), verb, "HTTP method");
    assert_eq!(request.url.path(), route, "request path");
    assert_eq!(header(request, "x-api-key"), Some(API_KEY), "x-api-key header");
    let agent = header(request, "user-agent").expect("a user-agent header is sent");
    assert!(agent.starts_with("flexprice/"), "user-agent should name the crate, got {agent:?}");
}

/// A JSON request: no query string, `content-type: application/json`, and exactly `expected`
/// as body. Returns the body for further checks.
fn assert_json_request(request: &Request, route: &str, expected: &Value) -> Value {
    assert_request_line(request, "POST", route);
    assert_eq!(request.url.query(), None, "query string");
    assert_eq!(header(request, "content-type"), Some("application/json"), "content-type header");
    let body: Value = serde_json::from_slice(&request.body).expect("the request body is JSON");
    assert_eq!(&body, expected, "request body");
    body
}

/// A request without a body: nothing sent and no content type announced.
fn assert_no_body(request: &Request) {
    assert!(request.body.is_empty(), "no body expected, got {:?}", String::from_utf8_lossy(&request.body));
    assert_eq!(header(request, "content-type"), None, "content-type of a request without body");
}

/// Asserts `id` is a hyphenated UUID of version 7 and RFC 4122 variant.
fn assert_uuid_v7(id: &str) {
    let bytes = id.as_bytes();
    assert_eq!(bytes.len(), 36, "UUID length of {id:?}");
    for (i, b) in bytes.iter().enumerate() {
        if [8, 13, 18, 23].contains(&i) {
            assert_eq!(*b, b'-', "hyphen at {i} in {id:?}");
        } else {
            assert!(b.is_ascii_hexdigit() && !b.is_ascii_uppercase(), "lowercase hex digit at {i} in {id:?}");
        }
    }
    assert_eq!(bytes[14], b'7', "UUID version 7 in {id:?}");
    assert!(matches!(bytes[19], b'8' | b'9' | b'a' | b'b'), "RFC 4122 variant in {id:?}");
}

/// Removes `event_id` from a JSON event and returns it, asserting it is a UUID v7.
fn take_generated_event_id(event: &mut Value) -> String {
    let id = event.as_object_mut().expect("the event is an object").remove("event_id").expect("event_id is filled in");
    let id = id.as_str().expect("event_id is a string").to_owned();
    assert_uuid_v7(&id);
    id
}

/// The spec's example event (`POST /events`).
fn example_event() -> IngestEventRequest {
    IngestEventRequest::new("api_request", "cus_acme_42")
        .with_event_id("evt_01JGM3C8ZP6R8W3N5T7V9X1B2D")
        .with_timestamp(ts("2026-01-02T10:15:30Z"))
        .with_source("api")
        .with_properties([("request_size", "100"), ("response_status", "200"), ("region", "eu-west-1")])
}

fn example_event_json() -> Value {
    json!({
        "event_id": "evt_01JGM3C8ZP6R8W3N5T7V9X1B2D",
        "event_name": "api_request",
        "external_customer_id": "cus_acme_42",
        "timestamp": "2026-01-02T10:15:30Z",
        "source": "api",
        "properties": {"request_size": "100", "response_status": "200", "region": "eu-west-1"}
    })
}

fn accepted_json() -> Value {
    json!({"message": "Event accepted for processing"})
}

fn accepted_map() -> BTreeMap<String, String> {
    BTreeMap::from([("message".to_owned(), "Event accepted for processing".to_owned())])
}

fn error_json(message: &str, internal: &str) -> Value {
    json!({"success": false, "error": {"message": message, "internal_error": internal}})
}

fn error_response(message: &str, internal: &str) -> ErrorResponse {
    ErrorResponse::new()
        .with_success(false)
        .with_error(ErrorDetail::new().with_message(message).with_internal_error(internal))
}

fn example_usage_request() -> GetUsageRequest {
    GetUsageRequest::new(AggregationType::Sum, "api_request")
        .with_property_name("request_size")
        .with_external_customer_id("cus_acme_42")
        .with_start_time(ts("2026-01-01T00:00:00Z"))
        .with_end_time(ts("2026-01-03T00:00:00Z"))
        .with_window_size(WindowSize::Day)
        .with_filters([("region", vec!["eu-west-1".to_owned()])])
}

fn example_meter_request() -> GetUsageByMeterRequest {
    GetUsageByMeterRequest::new("mtr_01JGKZ0METER0API0000000000")
        .with_external_customer_id("cus_acme_42")
        .with_start_time(ts("2025-10-05T00:00:00Z"))
        .with_end_time(ts("2026-01-05T00:00:00Z"))
        .with_window_size(WindowSize::Month)
        .with_billing_anchor(ts("2025-10-05T00:00:00Z"))
        .with_filters([("region", vec!["eu-west-1".to_owned()])])
}

// ---------------------------------------------------------------------------------------------
// POST /events
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn post_events_sends_the_event_and_keeps_an_explicit_event_id() {
    let server = MockServer::start().await;
    mount(&server, "POST", "/events", ResponseTemplate::new(202).set_body_json(accepted_json())).await;

    let accepted = client(&server).events().post_events(example_event()).await.expect("202 is a success");

    assert_eq!(accepted, accepted_map());
    let request = single_request(&server).await;
    assert_json_request(&request, "/events", &example_event_json());
}

#[tokio::test]
async fn post_events_fills_in_a_missing_event_id() {
    let server = MockServer::start().await;
    mount(&server, "POST", "/events", ResponseTemplate::new(202).set_body_json(accepted_json())).await;

    let event = IngestEventRequest::new("api_request", "cus_acme_42")
        .with_customer_id("cust_01JGKZ3ACME00000000000000")
        .with_properties([("request_size", "100")]);
    let accepted = client(&server).events().post_events(event).await.expect("202 is a success");
    assert_eq!(accepted.get("message").map(String::as_str), Some("Event accepted for processing"));

    let request = single_request(&server).await;
    assert_request_line(&request, "POST", "/events");
    assert_eq!(header(&request, "content-type"), Some("application/json"));
    let mut body: Value = serde_json::from_slice(&request.body).expect("JSON body");
    take_generated_event_id(&mut body);
    assert_eq!(
        body,
        json!({
            "event_name": "api_request",
            "external_customer_id": "cus_acme_42",
            "customer_id": "cust_01JGKZ3ACME00000000000000",
            "properties": {"request_size": "100"}
        })
    );
}

// ---------------------------------------------------------------------------------------------
// POST /events/analytics (spec content type */*)
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn post_events_analytics_sends_json_and_decodes_the_report() {
    let server = MockServer::start().await;
    let feature = json!({
        "id": "feat_01JGKZ0API0CALLS00000000",
        "name": "API calls",
        "lookup_key": "api_calls",
        "description": "Requests made to the public API",
        "type": "metered",
        "meter_id": "mtr_01JGKZ0METER0API0000000000",
        "unit_singular": "call",
        "unit_plural": "calls",
        "metadata": {"team": "platform"},
        "alert_settings": {
            "alert_enabled": true,
            "warning": {"threshold": 8000, "condition": "above"},
            "critical": {"threshold": 10000, "condition": "above"}
        },
        "status": "published",
        "tenant_id": "tenant_01JGKYZ8T3",
        "environment_id": "env_01JGKYZ9PROD",
        "created_at": "2025-11-20T09:05:00Z",
        "created_by": "user_01JGKYZB5M",
        "updated_at": "2025-12-01T12:00:00Z",
        "updated_by": "user_01JGKYZB5M"
    });
    let meter = json!({
        "id": "mtr_01JGKZ0METER0API0000000000",
        "name": "API requests",
        "event_name": "api_request",
        "aggregation": {"type": "COUNT"},
        "filters": [{"key": "region", "values": ["eu-west-1", "us-east-1"]}],
        "reset_usage": "BILLING_PERIOD",
        "status": "published",
        "tenant_id": "tenant_01JGKYZ8T3",
        "environment_id": "env_01JGKYZ9PROD",
        "created_at": "2025-11-20T09:00:00Z",
        "created_by": "user_01JGKYZB5M",
        "updated_at": "2025-11-20T09:00:00Z",
        "updated_by": "user_01JGKYZB5M"
    });
    let response = json!({
        "currency": "usd",
        "total_cost": "12.40",
        "items": [{
            "feature_id": "feat_01JGKZ0API0CALLS00000000",
            "name": "API calls",
            "event_name": "api_request",
            "meter_id": "mtr_01JGKZ0METER0API0000000000",
            "price_id": "price_01JGKZ1USAGE0API000000000",
            "subscription_id": "subs_01JGKZ2ACME00000000000000",
            "sub_line_item_id": "subs_li_01JGKZ2ACME0API00000000",
            "plan_id": "plan_01JGKZ0GROWTH000000000000",
            "aggregation_type": "COUNT",
            "unit": "call",
            "unit_plural": "calls",
            "sources": ["api"],
            "properties": {"region": "eu-west-1"},
            "window_size": "DAY",
            "event_count": 1240,
            "total_usage": "1240",
            "total_cost": "12.40",
            "currency": "usd",
            "points": [
                {"timestamp": "2026-01-01T00:00:00Z", "event_count": 700, "usage": "700", "cost": "7.00"},
                {"timestamp": "2026-01-02T00:00:00Z", "event_count": 540, "usage": "540", "cost": "5.40"}
            ],
            "feature": feature,
            "meter": meter
        }]
    });
    mount(&server, "POST", "/events/analytics", ResponseTemplate::new(200).set_body_json(response)).await;

    let request = GetUsageAnalyticsRequest::new("cus_acme_42")
        .with_start_time(ts("2026-01-01T00:00:00Z"))
        .with_end_time(ts("2026-01-03T00:00:00Z"))
        .with_window_size(WindowSize::Day)
        .with_feature_ids(["feat_01JGKZ0API0CALLS00000000".to_owned()])
        .with_sources(["api".to_owned()])
        .with_group_by(["feature_id".to_owned(), "properties.region".to_owned()])
        .with_expand(["feature".to_owned(), "meter".to_owned()])
        .with_property_filters([("region", vec!["eu-west-1".to_owned(), "us-east-1".to_owned()])]);
    let report = client(&server).events().post_events_analytics(request).await.expect("200 is a success");

    let sent = single_request(&server).await;
    assert_json_request(
        &sent,
        "/events/analytics",
        &json!({
            "external_customer_id": "cus_acme_42",
            "start_time": "2026-01-01T00:00:00Z",
            "end_time": "2026-01-03T00:00:00Z",
            "window_size": "DAY",
            "feature_ids": ["feat_01JGKZ0API0CALLS00000000"],
            "sources": ["api"],
            "group_by": ["feature_id", "properties.region"],
            "expand": ["feature", "meter"],
            "property_filters": {"region": ["eu-west-1", "us-east-1"]}
        }),
    );

    assert_eq!(report.currency.as_deref(), Some("usd"));
    assert_eq!(report.total_cost.as_deref(), Some("12.40"));
    let items = report.items.as_deref().expect("items");
    assert_eq!(items.len(), 1);
    let item = &items[0];
    assert_eq!(item.feature_id.as_deref(), Some("feat_01JGKZ0API0CALLS00000000"));
    assert_eq!(item.sub_line_item_id.as_deref(), Some("subs_li_01JGKZ2ACME0API00000000"));
    assert_eq!(item.aggregation_type, Some(AggregationType::Count));
    assert_eq!(item.window_size, Some(WindowSize::Day));
    assert_eq!(item.event_count, Some(1240));
    assert_eq!(item.total_usage.as_deref(), Some("1240"));
    assert_eq!(item.sources.as_deref(), Some(&["api".to_owned()][..]));
    assert_eq!(item.properties.as_ref().and_then(|p| p.get("region")).map(String::as_str), Some("eu-west-1"));
    let points = item.points.as_deref().expect("points");
    assert_eq!(points.len(), 2);
    assert_eq!(points[1].timestamp, Some(ts("2026-01-02T00:00:00Z")));
    assert_eq!(points[1].event_count, Some(540));
    assert_eq!(points[1].usage.as_deref(), Some("540"));
    assert_eq!(points[1].cost.as_deref(), Some("5.40"));

    let feature = item.feature.as_ref().expect("expanded feature");
    assert_eq!(feature.lookup_key.as_deref(), Some("api_calls"));
    assert_eq!(feature.type_, Some(FeatureType::Metered));
    assert_eq!(feature.status, Some(Status::Published));
    assert_eq!(feature.metadata.as_ref().and_then(|m| m.get("team")).map(String::as_str), Some("platform"));
    let alerts = feature.alert_settings.as_ref().expect("alert settings");
    assert_eq!(alerts.alert_enabled, Some(true));
    let warning = alerts.warning.as_ref().expect("warning threshold");
    assert_eq!(warning.threshold, Some(8000.0));
    assert_eq!(warning.condition, Some(AlertCondition::Above));
    assert_eq!(alerts.critical.as_ref().and_then(|c| c.threshold), Some(10000.0));
    assert_eq!(alerts.info, None);

    let meter = item.meter.as_ref().expect("expanded meter");
    assert_eq!(meter.name.as_deref(), Some("API requests"));
    assert_eq!(meter.aggregation.as_ref().and_then(|a| a.type_.clone()), Some(AggregationType::Count));
    let filters = meter.filters.as_deref().expect("meter filters");
    assert_eq!(filters.len(), 1);
    assert_eq!(filters[0].key.as_deref(), Some("region"));
    assert_eq!(filters[0].values.as_deref(), Some(&["eu-west-1".to_owned(), "us-east-1".to_owned()][..]));
    assert_eq!(meter.reset_usage, Some(ResetUsage::BillingPeriod));
}

// ---------------------------------------------------------------------------------------------
// POST /events/bulk
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn post_events_bulk_sends_all_events_and_fills_in_only_missing_event_ids() {
    let server = MockServer::start().await;
    mount(&server, "POST", "/events/bulk", ResponseTemplate::new(202).set_body_json(accepted_json())).await;

    let second = IngestEventRequest::new("api_request", "cus_acme_42")
        .with_timestamp(ts("2026-01-02T10:15:31Z"))
        .with_source("api")
        .with_properties([("request_size", "250"), ("response_status", "201"), ("region", "eu-west-1")]);
    let third = IngestEventRequest::new("storage_gb", "cus_acme_42").with_timestamp(ts("2026-01-02T10:15:32Z"));
    let body = BulkIngestEventRequest::new([example_event(), second, third]);
    let accepted = client(&server).events().post_events_bulk(body).await.expect("202 is a success");
    assert_eq!(accepted, accepted_map());

    let request = single_request(&server).await;
    assert_request_line(&request, "POST", "/events/bulk");
    assert_eq!(request.url.query(), None);
    assert_eq!(header(&request, "content-type"), Some("application/json"));
    let mut sent: Value = serde_json::from_slice(&request.body).expect("JSON body");
    let events = sent["events"].as_array_mut().expect("events array");
    assert_eq!(events.len(), 3);
    let second_id = take_generated_event_id(&mut events[1]);
    let third_id = take_generated_event_id(&mut events[2]);
    assert_ne!(second_id, third_id, "every event gets its own id");
    assert_eq!(
        sent,
        json!({"events": [
            example_event_json(),
            {
                "event_name": "api_request",
                "external_customer_id": "cus_acme_42",
                "timestamp": "2026-01-02T10:15:31Z",
                "source": "api",
                "properties": {"request_size": "250", "response_status": "201", "region": "eu-west-1"}
            },
            {"event_name": "storage_gb", "external_customer_id": "cus_acme_42", "timestamp": "2026-01-02T10:15:32Z"}
        ]})
    );
}

// ---------------------------------------------------------------------------------------------
// POST /events/huggingface-inference (no body)
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn post_events_huggingface_inference_sends_no_body_and_decodes_costs() {
    let server = MockServer::start().await;
    let response = json!({"requests": [
        {"requestId": "req_7f3a9c21", "costNanoUsd": "1250000"},
        {"requestId": "req_7f3a9c22", "costNanoUsd": "980000"}
    ]});
    mount(&server, "POST", "/events/huggingface-inference", ResponseTemplate::new(200).set_body_json(response)).await;

    let costs = client(&server).events().post_events_huggingface_inference().await.expect("200 is a success");

    let request = single_request(&server).await;
    assert_request_line(&request, "POST", "/events/huggingface-inference");
    assert_eq!(request.url.query(), None);
    assert_no_body(&request);

    let requests = costs.requests.expect("requests");
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].request_id.as_deref(), Some("req_7f3a9c21"));
    assert_eq!(requests[0].cost_nano_usd.as_deref(), Some("1250000"));
    assert_eq!(requests[1].request_id.as_deref(), Some("req_7f3a9c22"));
    assert_eq!(requests[1].cost_nano_usd.as_deref(), Some("980000"));
}

// ---------------------------------------------------------------------------------------------
// GET /events/monitoring
// ---------------------------------------------------------------------------------------------

fn monitoring_json() -> Value {
    json!({
        "total_count": 48210,
        "consumption_lag": 12,
        "post_processing_lag": 340,
        "points": [
            {"timestamp": "2026-01-02T08:00:00Z", "event_count": 2010},
            {"timestamp": "2026-01-02T09:00:00Z", "event_count": 2275}
        ]
    })
}

#[tokio::test]
async fn get_events_monitoring_without_window_size_sends_no_query() {
    let server = MockServer::start().await;
    mount(&server, "GET", "/events/monitoring", ResponseTemplate::new(200).set_body_json(monitoring_json())).await;

    let data = client(&server)
        .events()
        .get_events_monitoring(GetEventsMonitoringParams::new())
        .await
        .expect("200 is a success");

    let request = single_request(&server).await;
    assert_request_line(&request, "GET", "/events/monitoring");
    assert_eq!(request.url.query(), None, "no query parameter when window_size is None");
    assert_no_body(&request);

    assert_eq!(data.total_count, Some(48210));
    assert_eq!(data.consumption_lag, Some(12));
    assert_eq!(data.post_processing_lag, Some(340));
    assert_eq!(
        data.points,
        Some(vec![
            EventCountPoint::new().with_timestamp(ts("2026-01-02T08:00:00Z")).with_event_count(2010),
            EventCountPoint::new().with_timestamp(ts("2026-01-02T09:00:00Z")).with_event_count(2275),
        ])
    );
}

#[tokio::test]
async fn get_events_monitoring_with_window_size_sends_it_as_query_parameter() {
    let server = MockServer::start().await;
    mount(&server, "GET", "/events/monitoring", ResponseTemplate::new(200).set_body_json(monitoring_json())).await;

    let params = GetEventsMonitoringParams::new().with_window_size("HOUR");
    let data = client(&server).events().get_events_monitoring(params).await.expect("200 is a success");

    let request = single_request(&server).await;
    assert_request_line(&request, "GET", "/events/monitoring");
    assert_eq!(request.url.query(), Some("window_size=HOUR"));
    assert_no_body(&request);
    assert_eq!(data.total_count, Some(48210));
    assert_eq!(data.points.map(|p| p.len()), Some(2));
}

// ---------------------------------------------------------------------------------------------
// POST /events/query (spec content type */*)
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn post_events_query_sends_json_and_decodes_the_page() {
    let server = MockServer::start().await;
    let response = json!({
        "events": [{
            "id": "evt_01JGM3C8ZP6R8W3N5T7V9X1B2D",
            "event_name": "api_request",
            "external_customer_id": "cus_acme_42",
            "customer_id": "cust_01JGKZ3ACME00000000000000",
            "timestamp": "2026-01-01T23:59:12Z",
            "source": "api",
            "properties": {"request_size": "100", "response_status": "200", "region": "eu-west-1"},
            "environment_id": "env_01JGKYZ9PROD"
        }],
        "has_more": true,
        "iter_first_key": "1735775952000::evt_01JGM3C8ZP6R8W3N5T7V9X1B2D",
        "iter_last_key": "1735775952000::evt_01JGM3C8ZP6R8W3N5T7V9X1B2D",
        "offset": 0,
        "total_count": 1240
    });
    mount(&server, "POST", "/events/query", ResponseTemplate::new(200).set_body_json(response)).await;

    let query = GetEventsRequest::new()
        .with_external_customer_id("cus_acme_42")
        .with_event_name("api_request")
        .with_source("api")
        .with_start_time(ts("2026-01-01T00:00:00Z"))
        .with_end_time(ts("2026-01-02T00:00:00Z"))
        .with_property_filters([("region", vec!["eu-west-1".to_owned()])])
        .with_page_size(50)
        .with_offset(0)
        .with_sort("timestamp")
        .with_order("desc");
    let page = client(&server).events().post_events_query(query).await.expect("200 is a success");

    let request = single_request(&server).await;
    assert_json_request(
        &request,
        "/events/query",
        &json!({
            "external_customer_id": "cus_acme_42",
            "event_name": "api_request",
            "source": "api",
            "start_time": "2026-01-01T00:00:00Z",
            "end_time": "2026-01-02T00:00:00Z",
            "property_filters": {"region": ["eu-west-1"]},
            "page_size": 50,
            "offset": 0,
            "sort": "timestamp",
            "order": "desc"
        }),
    );

    assert_eq!(page.has_more, Some(true));
    assert_eq!(page.iter_first_key.as_deref(), Some("1735775952000::evt_01JGM3C8ZP6R8W3N5T7V9X1B2D"));
    assert_eq!(page.iter_last_key.as_deref(), Some("1735775952000::evt_01JGM3C8ZP6R8W3N5T7V9X1B2D"));
    assert_eq!(page.offset, Some(0));
    assert_eq!(page.total_count, Some(1240));
    let events = page.events.expect("events");
    assert_eq!(events.len(), 1);
    let event = &events[0];
    assert_eq!(event.id.as_deref(), Some("evt_01JGM3C8ZP6R8W3N5T7V9X1B2D"));
    assert_eq!(event.event_name.as_deref(), Some("api_request"));
    assert_eq!(event.external_customer_id.as_deref(), Some("cus_acme_42"));
    assert_eq!(event.customer_id.as_deref(), Some("cust_01JGKZ3ACME00000000000000"));
    assert_eq!(event.timestamp, Some(ts("2026-01-01T23:59:12Z")));
    assert_eq!(event.source.as_deref(), Some("api"));
    assert_eq!(event.environment_id.as_deref(), Some("env_01JGKYZ9PROD"));
    let properties = event.properties.as_ref().expect("properties");
    assert_eq!(properties.get("region"), Some(&json!("eu-west-1")));
    assert_eq!(properties.get("request_size"), Some(&json!("100")));
    assert_eq!(properties.len(), 3);
}

// ---------------------------------------------------------------------------------------------
// POST /events/usage and /events/usage/meter (spec content type */*)
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn post_events_usage_sends_json_and_decodes_the_aggregate() {
    let server = MockServer::start().await;
    let response = json!({
        "event_name": "api_request",
        "type": "SUM",
        "value": 128400,
        "results": [
            {"window_size": "2026-01-01T00:00:00Z", "value": 70100},
            {"window_size": "2026-01-02T00:00:00Z", "value": 58300}
        ]
    });
    mount(&server, "POST", "/events/usage", ResponseTemplate::new(200).set_body_json(response)).await;

    let usage = client(&server).events().post_events_usage(example_usage_request()).await.expect("200 is a success");

    let request = single_request(&server).await;
    assert_json_request(
        &request,
        "/events/usage",
        &json!({
            "event_name": "api_request",
            "aggregation_type": "SUM",
            "property_name": "request_size",
            "external_customer_id": "cus_acme_42",
            "start_time": "2026-01-01T00:00:00Z",
            "end_time": "2026-01-03T00:00:00Z",
            "window_size": "DAY",
            "filters": {"region": ["eu-west-1"]}
        }),
    );

    assert_eq!(usage.event_name.as_deref(), Some("api_request"));
    assert_eq!(usage.type_, Some(AggregationType::Sum));
    assert_eq!(usage.value, Some(128_400.0));
    assert_eq!(
        usage.results,
        Some(vec![
            UsageResult::new().with_window_size(ts("2026-01-01T00:00:00Z")).with_value(70_100.0),
            UsageResult::new().with_window_size(ts("2026-01-02T00:00:00Z")).with_value(58_300.0),
        ])
    );
}

#[tokio::test]
async fn post_events_usage_meter_sends_json_and_decodes_the_aggregate() {
    let server = MockServer::start().await;
    let response = json!({
        "event_name": "api_request",
        "type": "COUNT",
        "value": 31250,
        "results": [
            {"window_size": "2025-10-05T00:00:00Z", "value": 10120},
            {"window_size": "2025-11-05T00:00:00Z", "value": 9870},
            {"window_size": "2025-12-05T00:00:00Z", "value": 11260}
        ]
    });
    mount(&server, "POST", "/events/usage/meter", ResponseTemplate::new(200).set_body_json(response)).await;

    let usage =
        client(&server).events().post_events_usage_meter(example_meter_request()).await.expect("200 is a success");

    let request = single_request(&server).await;
    assert_json_request(
        &request,
        "/events/usage/meter",
        &json!({
            "meter_id": "mtr_01JGKZ0METER0API0000000000",
            "external_customer_id": "cus_acme_42",
            "start_time": "2025-10-05T00:00:00Z",
            "end_time": "2026-01-05T00:00:00Z",
            "window_size": "MONTH",
            "billing_anchor": "2025-10-05T00:00:00Z",
            "filters": {"region": ["eu-west-1"]}
        }),
    );

    assert_eq!(usage.event_name.as_deref(), Some("api_request"));
    assert_eq!(usage.type_, Some(AggregationType::Count));
    assert_eq!(usage.value, Some(31_250.0));
    assert_eq!(
        usage.results,
        Some(vec![
            UsageResult::new().with_window_size(ts("2025-10-05T00:00:00Z")).with_value(10_120.0),
            UsageResult::new().with_window_size(ts("2025-11-05T00:00:00Z")).with_value(9_870.0),
            UsageResult::new().with_window_size(ts("2025-12-05T00:00:00Z")).with_value(11_260.0),
        ])
    );
}

// ---------------------------------------------------------------------------------------------
// error mapping
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn status_400_with_error_body_is_bad_request() {
    let server = MockServer::start().await;
    let message = "validation failed: external_customer_id is required";
    let internal = "Key: 'IngestEventRequest.ExternalCustomerID' failed on the 'required' tag";
    let body = error_json(message, internal);
    mount(&server, "POST", "/events", ResponseTemplate::new(400).set_body_json(&body)).await;

    let err = client(&server).events().post_events(example_event()).await.expect_err("400 is an error");

    assert_eq!(err.status().map(|s| s.as_u16()), Some(400));
    match err {
        Error::BadRequest(e) => {
            assert_eq!(e.status().as_u16(), 400);
            assert_eq!(e.body(), Some(&error_response(message, internal)));
            assert_eq!(serde_json::from_slice::<Value>(e.raw_body()).expect("raw body is the JSON sent"), body);
        }
        other => panic!("expected Error::BadRequest, got {other:?}"),
    }
}

#[tokio::test]
async fn errors_say_why_with_the_server_message_status_and_request_id() {
    let server = MockServer::start().await;
    let body = json!({"error": {"message": "event_name is required", "internal_error": "tag 'required'"}});
    mount(
        &server,
        "POST",
        "/events",
        ResponseTemplate::new(400).insert_header("x-request-id", "req_42").set_body_json(&body),
    )
    .await;

    let err = client(&server).events().post_events(example_event()).await.expect_err("400 is an error");

    let text = err.to_string();
    assert!(text.contains("event_name is required"), "{text}");
    assert!(text.contains("400") && text.contains("req_42"), "{text}");
    assert_eq!(err.message().as_deref(), Some("event_name is required"));
    assert!(err.is_client_error() && !err.is_server_error() && !err.is_retryable() && !err.is_timeout());
    // `Display` already says all of it, so a reporter that walks `source()` (anyhow's `{:#}`)
    // does not print the reason twice.
    assert!(std::error::Error::source(&err).is_none(), "nothing beneath the server's answer");
}

#[tokio::test]
async fn undeclared_503_is_retryable_and_names_the_text_body() {
    let server = MockServer::start().await;
    mount(&server, "POST", "/events", ResponseTemplate::new(503).set_body_string("maintenance until 10:00")).await;

    let err = client(&server).events().post_events(example_event()).no_retry().await.expect_err("503 is an error");

    assert!(err.is_retryable() && err.is_server_error(), "{err:?}");
    assert_eq!(err.message().as_deref(), Some("maintenance until 10:00"));
    assert!(err.to_string().contains("maintenance until 10:00"), "{err}");
}

#[tokio::test]
async fn status_400_on_monitoring_is_bad_request() {
    let server = MockServer::start().await;
    let body = error_json("invalid window_size: FORTNIGHT", "window size FORTNIGHT is not supported");
    mount(&server, "GET", "/events/monitoring", ResponseTemplate::new(400).set_body_json(body)).await;

    let params = GetEventsMonitoringParams::new().with_window_size("FORTNIGHT");
    let err = client(&server).events().get_events_monitoring(params).await.expect_err("400 is an error");

    match err {
        Error::BadRequest(e) => {
            assert_eq!(e.status().as_u16(), 400);
            let detail = e.body().and_then(|b| b.error.as_ref()).expect("error detail");
            assert_eq!(detail.message.as_deref(), Some("invalid window_size: FORTNIGHT"));
        }
        other => panic!("expected Error::BadRequest, got {other:?}"),
    }
    assert_eq!(single_request(&server).await.url.query(), Some("window_size=FORTNIGHT"));
}

#[tokio::test]
async fn status_500_is_internal_server_error_and_not_retried() {
    let server = MockServer::start().await;
    let message = "an unexpected error occurred, please retry";
    let internal = "clickhouse: connection reset by peer";
    mount(&server, "POST", "/events/usage", ResponseTemplate::new(500).set_body_json(error_json(message, internal)))
        .await;

    let err = client(&server).events().post_events_usage(example_usage_request()).await.expect_err("500 is an error");

    match &err {
        Error::InternalServerError(e) => {
            assert_eq!(e.status().as_u16(), 500);
            assert_eq!(e.body(), Some(&error_response(message, internal)));
            assert_eq!(e.meta().attempts(), 1);
        }
        other => panic!("expected Error::InternalServerError, got {other:?}"),
    }
    assert_eq!(received(&server).await.len(), 1, "no retry with RetryConfig::none()");
}

#[tokio::test]
async fn status_500_on_huggingface_inference_is_internal_server_error() {
    let server = MockServer::start().await;
    let body = error_json("an unexpected error occurred, please retry", "clickhouse: connection reset by peer");
    mount(&server, "POST", "/events/huggingface-inference", ResponseTemplate::new(500).set_body_json(body)).await;

    let err = client(&server).events().post_events_huggingface_inference().await.expect_err("500 is an error");

    assert!(matches!(&err, Error::InternalServerError(e) if e.status().as_u16() == 500), "got {err:?}");
}

#[tokio::test]
async fn status_404_on_usage_meter_is_not_found() {
    let server = MockServer::start().await;
    let message = "meter not found";
    let internal = "meter 01JGM2Y7Q4T9 not found";
    mount(
        &server,
        "POST",
        "/events/usage/meter",
        ResponseTemplate::new(404).set_body_json(error_json(message, internal)),
    )
    .await;

    let err = client(&server)
        .events()
        .post_events_usage_meter(GetUsageByMeterRequest::new("01JGM2Y7Q4T9"))
        .await
        .expect_err("404 is an error");

    assert_eq!(err.status().map(|s| s.as_u16()), Some(404));
    match err {
        Error::NotFound(e) => {
            assert_eq!(e.status().as_u16(), 404);
            assert_eq!(e.body(), Some(&error_response(message, internal)));
        }
        other => panic!("expected Error::NotFound, got {other:?}"),
    }
    let request = single_request(&server).await;
    assert_json_request(&request, "/events/usage/meter", &json!({"meter_id": "01JGM2Y7Q4T9"}));
}

#[tokio::test]
async fn status_404_on_an_operation_not_declaring_it_is_unexpected_status() {
    let server = MockServer::start().await;
    let body = r#"{"success":false,"error":{"message":"route not found"}}"#;
    mount(&server, "POST", "/events", ResponseTemplate::new(404).set_body_raw(body, "application/json")).await;

    let err = client(&server).events().post_events(example_event()).await.expect_err("404 is an error");

    assert_eq!(err.status().map(|s| s.as_u16()), Some(404));
    match err {
        Error::UnexpectedStatus(e) => {
            assert_eq!(e.status().as_u16(), 404);
            assert_eq!(e.body(), body.as_bytes());
            assert_eq!(e.body_text(), body);
            assert_eq!(e.headers().get("content-type").map(|v| v.as_bytes()), Some(&b"application/json"[..]));
        }
        other => panic!("expected Error::UnexpectedStatus, got {other:?}"),
    }
}

#[tokio::test]
async fn status_400_on_an_operation_not_declaring_it_is_unexpected_status() {
    // `post_events_huggingface_inference` declares only 500.
    let server = MockServer::start().await;
    let body = error_json("bad request", "no body expected");
    mount(&server, "POST", "/events/huggingface-inference", ResponseTemplate::new(400).set_body_json(&body)).await;

    let err = client(&server).events().post_events_huggingface_inference().await.expect_err("400 is an error");

    match err {
        Error::UnexpectedStatus(e) => {
            assert_eq!(e.status().as_u16(), 400);
            assert_eq!(serde_json::from_slice::<Value>(e.body()).expect("raw JSON body"), body);
        }
        other => panic!("expected Error::UnexpectedStatus, got {other:?}"),
    }
}

#[tokio::test]
async fn undeclared_418_with_text_body_is_unexpected_status_with_headers_and_text() {
    let server = MockServer::start().await;
    let response = ResponseTemplate::new(418)
        .set_body_raw("I'm a teapot: short and stout", "text/plain")
        .insert_header("x-teapot", "earl-grey")
        .insert_header("x-request-id", "req_teapot_1");
    mount(&server, "POST", "/events/query", response).await;

    let err = client(&server)
        .events()
        .post_events_query(GetEventsRequest::new().with_event_name("api_request"))
        .await
        .expect_err("418 is an error");

    assert_eq!(err.status().map(|s| s.as_u16()), Some(418));
    assert_eq!(err.request_id(), Some("req_teapot_1"));
    match err {
        Error::UnexpectedStatus(e) => {
            assert_eq!(e.status().as_u16(), 418);
            assert_eq!(e.body_text(), "I'm a teapot: short and stout");
            assert_eq!(e.headers().get("x-teapot").map(|v| v.as_bytes()), Some(&b"earl-grey"[..]));
            assert_eq!(e.headers().get("content-type").map(|v| v.as_bytes()), Some(&b"text/plain"[..]));
            assert_eq!(e.request_id(), Some("req_teapot_1"));
        }
        other => panic!("expected Error::UnexpectedStatus, got {other:?}"),
    }
    let request = single_request(&server).await;
    assert_json_request(&request, "/events/query", &json!({"event_name": "api_request"}));
}

#[tokio::test]
async fn success_202_with_html_body_is_decode_error_keeping_the_raw_body() {
    let server = MockServer::start().await;
    let html = "<html><body>Accepted</body></html>";
    mount(&server, "POST", "/events", ResponseTemplate::new(202).set_body_raw(html, "text/html")).await;

    let err = client(&server).events().post_events(example_event()).await.expect_err("HTML is not JSON");

    assert_eq!(err.status().map(|s| s.as_u16()), Some(202));
    match err {
        Error::Decode(e) => {
            assert_eq!(e.raw_body(), html.as_bytes());
            assert_eq!(e.status().map(|s| s.as_u16()), Some(202));
            assert!(!e.message().is_empty());
        }
        other => panic!("expected Error::Decode, got {other:?}"),
    }
}

#[tokio::test]
async fn a_timestamp_in_another_format_names_its_path_and_the_format_expected() {
    let server = MockServer::start().await;
    let page = json!({"events": [
        {"id": "evt_1", "timestamp": "2026-01-01T23:59:12Z"},
        {"id": "evt_2", "timestamp": "2026-01-01 23:59:12"}
    ]});
    mount(&server, "POST", "/events/query", ResponseTemplate::new(200).set_body_json(page)).await;

    let err = client(&server).events().post_events_query(GetEventsRequest::new()).await.expect_err("not RFC 3339");

    let Error::Decode(e) = &err else { panic!("expected Error::Decode, got {err:?}") };
    let m = e.message();
    assert!(m.contains("the body is not a `GetEventsResponse` at `events[1].timestamp`: "), "{m}");
    assert!(
        m.ends_with(
            "(dates and times are RFC 3339 text: `2026-01-02T15:04:05Z` for a date-time, `2026-01-02` for a date)"
        ),
        "{m}"
    );
}

#[tokio::test]
async fn success_200_with_html_body_is_decode_error_keeping_the_raw_body() {
    let server = MockServer::start().await;
    let html = "<html><head><title>502 Bad Gateway</title></head></html>";
    mount(&server, "POST", "/events/usage/meter", ResponseTemplate::new(200).set_body_raw(html, "text/html")).await;

    let err =
        client(&server).events().post_events_usage_meter(example_meter_request()).await.expect_err("HTML is not JSON");

    match err {
        Error::Decode(e) => {
            assert_eq!(e.raw_body(), html.as_bytes());
            assert_eq!(e.status().map(|s| s.as_u16()), Some(200));
        }
        other => panic!("expected Error::Decode, got {other:?}"),
    }
}

#[tokio::test]
async fn status_400_with_a_text_body_is_still_bad_request_with_the_text_as_message() {
    let server = MockServer::start().await;
    let body = "upstream said no";
    mount(&server, "POST", "/events/analytics", ResponseTemplate::new(400).set_body_raw(body, "text/plain")).await;

    let err = client(&server)
        .events()
        .post_events_analytics(GetUsageAnalyticsRequest::new("cus_acme_42"))
        .await
        .expect_err("400 is an error");

    assert_eq!(err.status().map(|s| s.as_u16()), Some(400));
    assert_eq!(err.message().as_deref(), Some(body));
    assert_eq!(err.to_string(), "API error: HTTP 400 Bad Request: upstream said no");
    assert!(err.is_client_error() && !err.is_retryable());
    match err {
        Error::BadRequest(e) => {
            assert!(e.body().is_none(), "a text body is not an ErrorResponse");
            assert!(e.body_error().is_some_and(|d| d.status().map(|s| s.as_u16()) == Some(400)));
            assert_eq!(e.raw_body(), body.as_bytes());
        }
        other => panic!("expected Error::BadRequest, got {other:?}"),
    }
}

#[tokio::test]
async fn status_400_with_json_of_the_wrong_shape_is_still_bad_request() {
    let server = MockServer::start().await;
    // `error` must be an object and `success` a boolean.
    let body = r#"{"success":"no","error":"bad"}"#;
    mount(&server, "POST", "/events/bulk", ResponseTemplate::new(400).set_body_raw(body, "application/json")).await;

    let err = client(&server)
        .events()
        .post_events_bulk(BulkIngestEventRequest::new([example_event()]))
        .await
        .expect_err("400 is an error");

    assert_eq!(err.to_string(), "API error: HTTP 400 Bad Request: bad");
    match err {
        Error::BadRequest(e) => {
            assert!(e.body().is_none());
            assert_eq!(e.raw_body(), body.as_bytes());
            assert_eq!(e.status().as_u16(), 400);
        }
        other => panic!("expected Error::BadRequest, got {other:?}"),
    }
}

#[tokio::test]
async fn status_500_with_an_html_page_is_internal_server_error_showing_the_page() {
    let server = MockServer::start().await;
    let page = "<html><body>upstream failed</body></html>";
    mount(&server, "POST", "/events/query", ResponseTemplate::new(500).set_body_raw(page, "text/html")).await;

    let err = client(&server).events().post_events_query(GetEventsRequest::new()).await.expect_err("500 is an error");

    assert!(err.is_retryable(), "500 is worth trying again later");
    assert!(err.to_string().contains(page), "{err}");
    match err {
        Error::InternalServerError(e) => assert!(e.body().is_none() && e.message().is_none()),
        other => panic!("expected Error::InternalServerError, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// response metadata
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn send_with_response_gives_status_headers_and_request_id() {
    let server = MockServer::start().await;
    let response = ResponseTemplate::new(202)
        .set_body_json(accepted_json())
        .insert_header("x-request-id", "req_01JGM3D0QUEUED")
        .insert_header("x-ratelimit-remaining", "99");
    mount(&server, "POST", "/events/bulk", response).await;

    let response = client(&server)
        .events()
        .post_events_bulk(BulkIngestEventRequest::new([example_event()]))
        .send_with_response()
        .await
        .expect("202 is a success");

    assert_eq!(response.status().as_u16(), 202);
    assert_eq!(response.request_id(), Some("req_01JGM3D0QUEUED"));
    assert_eq!(response.headers().get("x-ratelimit-remaining").map(|v| v.as_bytes()), Some(&b"99"[..]));
    assert_eq!(response.meta().attempts(), 1);
    assert_eq!(response.body(), &accepted_map());
    assert_eq!(response.into_body(), accepted_map());
}

#[tokio::test]
async fn an_error_exposes_status_and_request_id() {
    let server = MockServer::start().await;
    let response = ResponseTemplate::new(400)
        .set_body_json(error_json("invalid sort field: customer", "allowed values: timestamp, event_name"))
        .insert_header("x-request-id", "req_01JGM3D1REJECT");
    mount(&server, "POST", "/events/query", response).await;

    let err = client(&server)
        .events()
        .post_events_query(GetEventsRequest::new().with_sort("customer"))
        .send_with_response()
        .await
        .expect_err("400 is an error");

    assert_eq!(err.status().map(|s| s.as_u16()), Some(400));
    assert_eq!(err.request_id(), Some("req_01JGM3D1REJECT"));
    assert_eq!(err.meta().map(|m| m.attempts()), Some(1));
    match &err {
        Error::BadRequest(e) => {
            assert_eq!(e.request_id(), Some("req_01JGM3D1REJECT"));
            let detail = e.body().and_then(|b| b.error.as_ref()).expect("error detail");
            assert_eq!(detail.internal_error.as_deref(), Some("allowed values: timestamp, event_name"));
        }
        other => panic!("expected Error::BadRequest, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// client-side validation
// ---------------------------------------------------------------------------------------------

/// Calls `post_events_bulk` with `count` events against a server that would accept anything,
/// and returns the violations of the `InvalidRequest` error.
async fn bulk_violations(count: usize) -> Vec<Violation> {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(202).set_body_json(accepted_json()))
        .expect(0)
        .mount(&server)
        .await;

    let events = (0..count).map(|i| IngestEventRequest::new("api_request", format!("cus_{i}")));
    let err = client(&server)
        .events()
        .post_events_bulk(BulkIngestEventRequest::new(events))
        .await
        .expect_err("the request breaks the 1..=1000 items constraint");

    assert!(received(&server).await.is_empty(), "nothing may be sent for an invalid request");
    assert_eq!(err.status(), None, "no response was involved");
    match err {
        Error::InvalidRequest(e) => e.into_violations(),
        other => panic!("expected Error::InvalidRequest, got {other:?}"),
    }
}

#[tokio::test]
async fn bulk_with_no_events_is_rejected_before_sending() {
    let violations = bulk_violations(0).await;
    assert_eq!(violations, vec![Violation::new("events", "must contain at least 1 item (got 0)")]);
}

#[tokio::test]
async fn bulk_with_1001_events_is_rejected_before_sending() {
    let violations = bulk_violations(1001).await;
    assert_eq!(violations, vec![Violation::new("events", "must contain at most 1000 items (got 1001)")]);
}

#[tokio::test]
async fn bulk_with_1000_events_is_sent() {
    let server = MockServer::start().await;
    mount(&server, "POST", "/events/bulk", ResponseTemplate::new(202).set_body_json(accepted_json())).await;

    let events = (0..1000).map(|i| IngestEventRequest::new("api_request", format!("cus_{i}")));
    client(&server)
        .events()
        .post_events_bulk(BulkIngestEventRequest::new(events))
        .await
        .expect("1000 events are within the limit");

    let request = single_request(&server).await;
    let body: Value = serde_json::from_slice(&request.body).expect("JSON body");
    let events = body["events"].as_array().expect("events array");
    assert_eq!(events.len(), 1000);
    assert_eq!(events[999]["external_customer_id"], json!("cus_999"));
}

// ---------------------------------------------------------------------------------------------
// per-call timeout
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn per_call_timeout_fails_with_a_transport_timeout() {
    let server = MockServer::start().await;
    let slow = ResponseTemplate::new(200).set_body_json(monitoring_json()).set_delay(Duration::from_secs(3));
    mount(&server, "GET", "/events/monitoring", slow).await;

    let started = Instant::now();
    let err = client(&server)
        .events()
        .get_events_monitoring(GetEventsMonitoringParams::new())
        .timeout(Duration::from_millis(200))
        .await
        .expect_err("the server is slower than the timeout");
    let elapsed = started.elapsed();

    assert!(elapsed < Duration::from_secs(2), "the call should give up after ~200 ms, took {elapsed:?}");
    assert!(elapsed >= Duration::from_millis(150), "the call gave up too early: {elapsed:?}");
    assert_eq!(err.status(), None);
    match err {
        Error::Transport(e) => {
            assert!(e.is_timeout(), "expected a timeout, got {e:?}");
            assert_eq!(e.attempts(), 1);
        }
        other => panic!("expected Error::Transport, got {other:?}"),
    }
}

#[test]
fn timestamps_take_local_and_offset_times_as_utc() {
    use flexprice::chrono::{DateTime, FixedOffset, Local, Utc};
    let offset: DateTime<FixedOffset> = DateTime::parse_from_rfc3339("2024-03-20T17:04:05+02:00").unwrap();
    let event = IngestEventRequest::new("api_request", "cus_1").with_timestamp(offset);
    assert_eq!(event.timestamp, Some("2024-03-20T15:04:05Z".parse::<DateTime<Utc>>().unwrap()));
    let local = Local::now();
    let event = IngestEventRequest::new("api_request", "cus_1").with_timestamp(local);
    assert_eq!(event.timestamp, Some(local.with_timezone(&Utc)));
}
