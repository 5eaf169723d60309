//! The `sdk.call` span, seen by an application that installs a subscriber: a call's events
//! carry it with the operation's name. (Without a subscriber that wants the span, the SDK does
//! not enter it at every poll; this checks it is still there when one does.)

use std::io;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use flexprice::models::IngestEventRequest;
use flexprice::{Client, RetryConfig};
use sdk_e2e_tests::{Action, FaultServer};

#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl io::Write for Buffer {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn a_retry_warning_is_inside_the_calls_span() {
    let buffer = Buffer::default();
    let writer = buffer.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .with_max_level(tracing_subscriber::filter::LevelFilter::INFO)
        .finish();
    // This test binary has this one test: the subscriber is the process's.
    tracing_subscriber::util::SubscriberInitExt::try_init(subscriber).expect("no other global subscriber");

    let server = FaultServer::sequence([Action::status(503)], Action::accepted()).await.unwrap();
    let retry =
        RetryConfig::default().initial_interval(Duration::from_millis(5)).max_interval(Duration::from_millis(20));
    let client = Client::builder().server_url(server.url()).api_key("sk_test").retry(retry).build().unwrap();
    let response = tokio::time::timeout(
        Duration::from_secs(20),
        client.events().post_events(IngestEventRequest::new("api_request", "cus_1")).send_with_response(),
    )
    .await
    .expect("the call ends")
    .expect("the call succeeds after one retry");
    assert_eq!(response.meta().attempts(), 2);

    let text = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
    let line =
        text.lines().find(|l| l.contains("retrying request")).unwrap_or_else(|| panic!("no retry warning in {text:?}"));
    assert!(line.contains("sdk.call{"), "the warning is not inside the sdk.call span: {line}");
    assert!(line.contains("post_events"), "the span does not name the operation: {line}");
}
