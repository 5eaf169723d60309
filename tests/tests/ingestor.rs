//! The background ingestor (`client.events().ingestor(..)`) against the fault-injecting server
//! of `sdk_e2e_tests::fault_server`: every event accepted exactly once while a third of the
//! requests fail, failed batches given back, and a crash (SIGKILL of a child process that
//! spools to disk) that loses no event.
//!
//! An event counts as accepted only when the server wrote a complete 202 for its request, so
//! "each id accepted once" means the SDK never made the server commit an event twice.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use flexprice::models::IngestEventRequest;
use flexprice::{Client, Error, IngestorOptions, RetryConfig, WhenFull};
use sdk_e2e_tests::{Action, FaultServer, Outcome, Request};

/// Time limit of each test.
const TEST_LIMIT: Duration = Duration::from_secs(120);

async fn bounded<T>(test: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(TEST_LIMIT, test).await.expect("the test did not finish within its time limit")
}

fn fast_retry(max_attempts: u32) -> RetryConfig {
    RetryConfig::default()
        .initial_interval(Duration::from_millis(2))
        .max_interval(Duration::from_millis(20))
        .max_attempts(max_attempts)
        .max_elapsed_time(Duration::from_secs(60))
}

fn client(server: &FaultServer, retry: RetryConfig) -> Client {
    Client::builder()
        .server_url(server.url())
        .api_key("sk_test_ingestor")
        .retry(retry)
        .timeout(Duration::from_secs(10))
        .build()
        .expect("client")
}

fn event(seq: usize) -> IngestEventRequest {
    IngestEventRequest::new("api_request", format!("cus_{}", seq % 97)).with_properties([("seq", seq.to_string())])
}

/// SplitMix64: a deterministic pseudo-random sequence.
fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// About one request in three fails: a 503, a reset before any response, or a reset after the
/// head of a 202 (the server accepted nothing, but the client cannot know).
fn flaky(n: usize, seed: u64) -> Action {
    let r = splitmix64(seed ^ n as u64);
    if !r.is_multiple_of(3) {
        return Action::accepted();
    }
    match (r >> 32) % 3 {
        0 => Action::error(503, "overloaded"),
        1 => Action::reset(),
        _ => Action::reset_mid_response(202),
    }
}

/// `(seq, event_id)` of every event the server accepted (in requests answered with a complete 202).
fn accepted_events(server: &FaultServer) -> Vec<(usize, String)> {
    let outcomes = server.outcomes();
    let mut out = Vec::new();
    for request in server.requests() {
        if outcomes[request.index] != Some(Outcome::Answered(202)) {
            continue;
        }
        out.extend(seqs_and_ids(&request));
    }
    out
}

fn seqs_and_ids(request: &Request) -> Vec<(usize, String)> {
    let body = request.json().expect("a JSON body");
    body["events"]
        .as_array()
        .expect("a bulk request")
        .iter()
        .map(|e| {
            let seq = e["properties"]["seq"].as_str().expect("seq").parse().expect("a number");
            (seq, e["event_id"].as_str().expect("an event without event_id").to_owned())
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_hundred_thousand_events_through_a_flaky_server_are_each_accepted_exactly_once() {
    const TOTAL: usize = 100_000;
    const PRODUCERS: usize = 4;
    bounded(async {
        let requests = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&requests);
        let server =
            FaultServer::start(move |_| flaky(counter.fetch_add(1, Ordering::SeqCst), 0x1d6e_57a1)).await.unwrap();
        // 60 attempts: a batch would have to fail 59 times in a row to be given up
        let client = client(&server, fast_retry(60));
        // the default capacity (20,000) is below the total: producers wait for room
        let ingestor = client.events().ingestor(IngestorOptions::new()).unwrap();
        let mut failures = ingestor.failures().unwrap();

        let mut producers = Vec::new();
        for p in 0..PRODUCERS {
            let ingestor = ingestor.clone();
            producers.push(tokio::spawn(async move {
                let mut keys = Vec::new();
                for seq in (p..TOTAL).step_by(PRODUCERS) {
                    let key = ingestor.send(event(seq)).await.expect("send").expect("a key");
                    keys.push((seq, key));
                }
                keys
            }));
        }
        let mut keys: BTreeMap<usize, String> = BTreeMap::new();
        for producer in producers {
            keys.extend(producer.await.unwrap());
        }
        let report = ingestor.shutdown(Duration::from_secs(60)).await;
        server.settled().await;

        // shutdown returned with every event accepted
        assert!(report.is_complete() && report.all_accepted(), "unsent: {}", report.unsent().len());
        let stats = report.stats();
        assert_eq!((stats.enqueued, stats.accepted, stats.failed, stats.pending), (TOTAL as u64, TOTAL as u64, 0, 0));
        assert!(stats.retried > 0, "a third of the requests failed, yet nothing was retried");
        assert!(failures.try_recv().is_none());

        // the server accepted every id once, and only the ids `send` returned
        let accepted = server.accepted();
        assert_eq!(accepted.len(), TOTAL);
        assert!(accepted.values().all(|&n| n == 1), "accepted twice: {:?}", accepted.iter().find(|(_, &n)| n > 1));
        assert_eq!(server.accepted_without_id(), 0);
        let returned: BTreeSet<&String> = keys.values().collect();
        assert_eq!(returned.len(), TOTAL, "send returned a key twice");
        assert!(accepted.keys().all(|id| returned.contains(id)));
        // each event under the key `send` returned for it
        for (seq, id) in accepted_events(&server) {
            assert_eq!(keys[&seq], id, "event {seq} was sent under another key");
        }
        // batches of at most the spec's maxItems; some requests failed
        let outcomes = server.outcomes();
        assert!(server.requests().iter().all(|r| r.event_ids().len() <= 1000));
        let failed = outcomes.iter().filter(|o| **o != Some(Outcome::Answered(202))).count();
        assert!(failed * 5 >= outcomes.len(), "{failed} of {} requests failed", outcomes.len());
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rejected_batch_comes_back_with_its_events_and_shutdown_accounts_for_every_event() {
    const TOTAL: usize = 5_000;
    const POISON: usize = 2_345;
    bounded(async {
        let n = AtomicUsize::new(0);
        let server = FaultServer::start(move |request| {
            if request.body_contains("\"event_name\":\"poison\"") {
                Action::error(400, "event_name poison is not allowed")
            } else {
                flaky(n.fetch_add(1, Ordering::SeqCst), 7)
            }
        })
        .await
        .unwrap();
        // the client's hooks see every attempt of the ingestor's batches
        let attempts = Arc::new(AtomicUsize::new(0));
        let seen = Arc::clone(&attempts);
        let client = Client::builder()
            .server_url(server.url())
            .api_key("sk_test_ingestor")
            .retry(fast_retry(60))
            .on_response(move |info| {
                assert_eq!(info.operation(), "post_events_bulk");
                seen.fetch_add(1, Ordering::SeqCst);
            })
            .build()
            .unwrap();
        let options = IngestorOptions::new().batch_size(500).concurrency(2).capacity(TOTAL).when_full(WhenFull::Reject);
        let ingestor = client.events().ingestor(options).unwrap();
        let mut failures = ingestor.failures().unwrap();
        for seq in 0..TOTAL {
            let mut e = event(seq);
            if seq == POISON {
                e.event_name = "poison".to_owned();
            }
            ingestor.try_send(e).expect("room for every event");
        }
        let failed = failures.recv().await.expect("the rejected batch");
        let Error::BadRequest(error) = failed.error() else { panic!("expected BadRequest, got {:?}", failed.error()) };
        assert_eq!(error.meta().attempts(), 1, "a 400 is not retried");
        let seqs: Vec<usize> =
            failed.items().iter().map(|e| e.properties.as_ref().unwrap()["seq"].parse().unwrap()).collect();
        assert_eq!(seqs, (2_000..2_500).collect::<Vec<_>>());
        assert!(failed.items().iter().all(|e| e.event_id.is_some()), "given back with their keys");

        let report = ingestor.shutdown(Duration::from_secs(60)).await;
        server.settled().await;
        assert!(report.is_complete() && !report.all_accepted(), "drained, with a refused batch");
        let stats = report.stats();
        assert_eq!((stats.accepted, stats.failed, stats.pending), ((TOTAL - 500) as u64, 500, 0));
        assert_eq!(attempts.load(Ordering::SeqCst), server.request_count(), "an attempt the hooks did not see");
        assert!(server.requests().iter().all(|r| r.header("x-api-key") == Some("sk_test_ingestor")));
        let accepted = server.accepted();
        assert_eq!(accepted.len(), TOTAL - 500);
        assert!(accepted.values().all(|&n| n == 1));
        for e in failed.items() {
            assert!(!accepted.contains_key(e.event_id.as_ref().unwrap()));
        }
    })
    .await;
}

/// Runs the child: `send` (killed with SIGKILL after a random number of sends), then
/// `recover`; the server must end up with every event `send` returned for.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_child_killed_mid_send_loses_no_event_and_the_next_process_finishes_the_job() {
    const TOTAL: usize = 20_000;
    let seed = std::env::var("CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).map_or(1, |d| d.as_nanos() as u64));
    // kill after this many lines (sends returned) have been read: anywhere in the run
    let kill_after = 200 + (splitmix64(seed) % (TOTAL as u64 - 400)) as usize;
    let context = format!("CRASH_SEED={seed} (kill after {kill_after} sends)");
    bounded(async {
        let n = AtomicUsize::new(0);
        // a slow, flaky server, so that batches are in flight and retried when the child dies
        let server = FaultServer::start(move |_| {
            Action::delay(Duration::from_millis(3), flaky(n.fetch_add(1, Ordering::SeqCst), seed))
        })
        .await
        .unwrap();
        let spool = tempfile::tempdir().unwrap();
        let exe = env!("CARGO_BIN_EXE_ingest_child");
        let (url, dir) = (server.url(), spool.path().display().to_string());

        let lines = tokio::task::spawn_blocking({
            let (url, dir) = (url.clone(), dir.clone());
            move || {
                let mut child = Command::new(exe)
                    .args(["send", &url, &dir, &TOTAL.to_string()])
                    .stdout(Stdio::piped())
                    .stderr(Stdio::inherit())
                    .spawn()
                    .expect("the child starts");
                let stdout = child.stdout.take().unwrap();
                let mut lines = Vec::new();
                let mut reader = BufReader::new(stdout);
                let mut line = String::new();
                let mut killed = false;
                while reader.read_line(&mut line).unwrap_or(0) > 0 {
                    lines.push(std::mem::take(&mut line));
                    if !killed && lines.len() >= kill_after {
                        child.kill().expect("SIGKILL");
                        killed = true;
                    }
                }
                let status = child.wait().unwrap();
                (lines, status)
            }
        })
        .await
        .unwrap();
        let (lines, status) = lines;
        assert!(!status.success(), "{context}: the child was not killed: {status}");

        // what `send` returned for: `sent SEQ KEY`, in order
        let sent: Vec<(usize, String)> = lines
            .iter()
            .filter_map(|l| l.strip_prefix("sent "))
            .map(|l| {
                let (seq, key) = l.trim().split_once(' ').expect("sent SEQ KEY");
                (seq.parse().unwrap(), key.to_owned())
            })
            .collect();
        assert!(sent.len() >= kill_after, "{context}: read {} lines", sent.len());
        assert!(sent.iter().enumerate().all(|(i, (seq, _))| *seq == i), "{context}: sends out of order");

        let output = tokio::task::spawn_blocking(move || Command::new(exe).args(["recover", &url, &dir]).output())
            .await
            .unwrap()
            .unwrap();
        let text = String::from_utf8_lossy(&output.stdout);
        assert!(output.status.success(), "{context}: recover failed: {text}");
        assert!(text.contains("complete=true") && text.contains("failed=0"), "{context}: {text}");
        let recovered: usize = text
            .split_whitespace()
            .find_map(|w| w.strip_prefix("recovered="))
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("{context}: {text}"));
        let finished = lines.iter().any(|l| l.starts_with("finished"));
        assert!(finished || recovered > 0, "{context}: killed mid-run, yet the spool held nothing");
        server.settled().await;

        // every event `send` returned for is on the server, under its key; each id belongs to
        // one event; nothing else but, at most, the one event whose `send` was cut by the kill
        let mut by_id: BTreeMap<String, usize> = BTreeMap::new();
        for (seq, id) in accepted_events(&server) {
            let previous = by_id.insert(id.clone(), seq);
            assert!(previous.is_none_or(|p| p == seq), "{context}: id {id} carried events {previous:?} and {seq}");
        }
        let mut seqs: BTreeMap<usize, String> = BTreeMap::new();
        for (id, seq) in &by_id {
            assert!(seqs.insert(*seq, id.clone()).is_none(), "{context}: event {seq} accepted under two ids");
        }
        for (seq, key) in &sent {
            assert_eq!(seqs.get(seq), Some(key), "{context}: event {seq} (key {key}) was lost");
        }
        let extra: Vec<usize> = seqs.keys().copied().filter(|seq| *seq >= sent.len()).collect();
        assert!(extra.is_empty() || extra == [sent.len()], "{context}: ids that send never returned: {extra:?}");
        assert_eq!(server.accepted_without_id(), 0);
        // everything was accepted: no segment is left (only the directory's lock file)
        let left: Vec<_> = std::fs::read_dir(spool.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .filter(|name| name != "spool.lock")
            .collect();
        assert!(left.is_empty(), "{context}: left in the spool: {left:?}");
    })
    .await;
}
