//! SDK-overhead benchmark: the generated `flexprice` SDK against a hand-written `reqwest` +
//! `serde_json` baseline that sends the same bytes, both talking to a minimal hyper HTTP/1.1
//! server on 127.0.0.1 that runs in a child process (pinned to another CPU than the client).
//!
//! ```text
//! sdk_bench all [--smoke]      run everything, print `key=value` lines (read by `cargo xtask bench`)
//! sdk_bench server             serve on an ephemeral port, print `port=N`, exit when stdin closes
//! sdk_bench calls ...          client process: sequential, concurrent and query calls (SDK and baseline)
//! sdk_bench bulk sdk|base ...  client process: one bulk ingest of N events (its own process, for peak RSS)
//! sdk_bench ingestor mem|spool  client process: N events through the background ingestor, without
//!                               or with its durable spool: enqueue cost and end-to-end events/s
//! ```
//!
//! Both sides build their events the same way and both give every event a fresh UUID v7 id
//! inside the timed section: the SDK fills in `event_id` itself (the events are passed without
//! one), the baseline sets it by hand. The server counts the body and header bytes it receives
//! per request, so the report shows that both sides send the same bytes.

use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use bytes::Bytes;
use flexprice::models::{GetEventsRequest, GetEventsResponse, IngestEventRequest};
use futures_util::stream::{self, StreamExt, TryStreamExt};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use sdk_e2e_tests::ts;
use serde::Serialize;

type BoxError = Box<dyn std::error::Error + Send + Sync>;
type Res<T> = Result<T, BoxError>;

const API_KEY: &str = "bench-api-key-0123456789";
/// The `User-Agent` the SDK sends by default; the baseline sends the same.
const USER_AGENT: &str = concat!("flexprice/", "0.1.0", " (rust)");
/// Events in the prepared response of `POST /events/query`.
const QUERY_EVENTS: usize = 1000;
const OK_BODY: &[u8] = br#"{"message":"ok"}"#;

// ---------------------------------------------------------------------------------------------
// process-level measurements: CPU time, peak RSS, CPU pinning

#[repr(C)]
struct Timeval {
    tv_sec: std::os::raw::c_long,
    tv_usec: std::os::raw::c_long,
}

#[repr(C)]
struct Rusage {
    ru_utime: Timeval,
    ru_stime: Timeval,
    rest: [std::os::raw::c_long; 14],
}

extern "C" {
    fn getrusage(who: std::os::raw::c_int, usage: *mut Rusage) -> std::os::raw::c_int;
    fn sched_getaffinity(pid: i32, size: usize, mask: *mut u64) -> std::os::raw::c_int;
    fn sched_setaffinity(pid: i32, size: usize, mask: *const u64) -> std::os::raw::c_int;
}

/// User + system CPU time of this process so far, in seconds (`getrusage(RUSAGE_SELF)`).
fn cpu_seconds() -> f64 {
    let mut usage = Rusage {
        ru_utime: Timeval { tv_sec: 0, tv_usec: 0 },
        ru_stime: Timeval { tv_sec: 0, tv_usec: 0 },
        rest: [0; 14],
    };
    // SAFETY: `usage` is a valid, writable `struct rusage` (same layout on Linux).
    let rc = unsafe { getrusage(0, &mut usage) };
    assert_eq!(rc, 0, "getrusage failed");
    let tv = |t: &Timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    tv(&usage.ru_utime) + tv(&usage.ru_stime)
}

/// Peak resident set size of this process in KiB (`VmHWM` of /proc/self/status).
fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// The CPUs this process may run on.
fn allowed_cpus() -> Vec<usize> {
    let mut mask = [0u64; 16];
    // SAFETY: the mask buffer is valid for `size_of_val(&mask)` bytes.
    let rc = unsafe { sched_getaffinity(0, std::mem::size_of_val(&mask), mask.as_mut_ptr()) };
    if rc != 0 {
        return Vec::new();
    }
    (0..1024).filter(|cpu| mask[cpu / 64] & (1 << (cpu % 64)) != 0).collect()
}

/// Pins this process (the calling thread and every thread started later) to the `index`-th
/// allowed CPU, when there are at least two: the client gets the first, the server the second.
fn pin(index: usize) -> Option<usize> {
    let cpus = allowed_cpus();
    if cpus.len() < 2 {
        return None;
    }
    let cpu = cpus[index % cpus.len()];
    let mut mask = [0u64; 16];
    mask[cpu / 64] |= 1 << (cpu % 64);
    // SAFETY: the mask buffer is valid for `size_of_val(&mask)` bytes.
    let rc = unsafe { sched_setaffinity(0, std::mem::size_of_val(&mask), mask.as_ptr()) };
    (rc == 0).then_some(cpu)
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a tokio runtime")
}

fn median(values: &mut [f64]) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    if values.len() % 2 == 1 {
        values[mid]
    } else {
        (values[mid - 1] + values[mid]) / 2.0
    }
}

// ---------------------------------------------------------------------------------------------
// the server

struct ServerState {
    requests: AtomicU64,
    body_bytes: AtomicU64,
    header_bytes: AtomicU64,
    header_names: Mutex<String>,
    query_body: Bytes,
}

/// The prepared body of `POST /events/query`: one page of `QUERY_EVENTS` events.
fn query_body() -> Bytes {
    let events: Vec<serde_json::Value> = (0..QUERY_EVENTS)
        .map(|i| {
            serde_json::json!({
                "customer_id": format!("cus_{:06}", i % 97),
                "environment_id": "env_01HV7QX0N9PRODUCTION",
                "event_name": "api_request",
                "external_customer_id": "customer456",
                "id": format!("0190f5d2-7c1e-7000-8000-{i:012x}"),
                "properties": {"request_size": "100", "response_status": "200", "region": "us-east-1"},
                "source": "api",
                "timestamp": "2024-03-20T15:04:05Z"
            })
        })
        .collect();
    let page = serde_json::json!({
        "events": events,
        "has_more": true,
        "iter_first_key": "0190f5d2-7c1e-7000-8000-000000000000",
        "iter_last_key": format!("0190f5d2-7c1e-7000-8000-{:012x}", QUERY_EVENTS - 1),
        "offset": 0,
        "total_count": 250_000
    });
    Bytes::from(serde_json::to_vec(&page).expect("json"))
}

async fn handle(req: Request<Incoming>, state: Arc<ServerState>) -> Result<Response<Full<Bytes>>, hyper::Error> {
    if req.uri().path() == "/__stats" {
        let names = std::mem::take(&mut *state.header_names.lock().expect("lock"));
        let text = format!(
            "requests={} body_bytes={} header_bytes={} header_names={names}",
            state.requests.swap(0, Ordering::SeqCst),
            state.body_bytes.swap(0, Ordering::SeqCst),
            state.header_bytes.swap(0, Ordering::SeqCst),
        );
        return Ok(Response::new(Full::new(Bytes::from(text))));
    }
    let header_bytes: usize = req.headers().iter().map(|(n, v)| n.as_str().len() + v.len() + 4).sum();
    {
        let mut names = state.header_names.lock().expect("lock");
        if names.is_empty() {
            let list: Vec<&str> = req.headers().keys().map(|n| n.as_str()).collect();
            *names = list.join(",");
        }
    }
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let body = req.into_body().collect().await?.to_bytes();
    state.requests.fetch_add(1, Ordering::Relaxed);
    state.body_bytes.fetch_add(body.len() as u64, Ordering::Relaxed);
    state.header_bytes.fetch_add(header_bytes as u64, Ordering::Relaxed);
    let (status, body) = match (method, path.as_str()) {
        (Method::POST, "/events" | "/events/bulk") => (StatusCode::ACCEPTED, Bytes::from_static(OK_BODY)),
        (Method::POST, "/events/query") => (StatusCode::OK, state.query_body.clone()),
        _ => (StatusCode::NOT_FOUND, Bytes::from_static(br#"{"error":{"message":"not found"}}"#)),
    };
    let mut response = Response::new(Full::new(body));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(hyper::header::CONTENT_TYPE, hyper::header::HeaderValue::from_static("application/json"));
    Ok(response)
}

fn server() -> Res<()> {
    let cpu = pin(1);
    // Exit when the parent closes our stdin (or dies).
    std::thread::spawn(|| {
        let mut sink = Vec::new();
        let _ = std::io::stdin().read_to_end(&mut sink);
        std::process::exit(0);
    });
    let state = Arc::new(ServerState {
        requests: AtomicU64::new(0),
        body_bytes: AtomicU64::new(0),
        header_bytes: AtomicU64::new(0),
        header_names: Mutex::new(String::new()),
        query_body: query_body(),
    });
    runtime().block_on(async move {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let port = listener.local_addr()?.port();
        println!("port={port} cpu={}", cpu.map_or("any".to_owned(), |c| c.to_string()));
        std::io::stdout().flush()?;
        loop {
            let (stream, _) = listener.accept().await?;
            stream.set_nodelay(true)?;
            let state = Arc::clone(&state);
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |req| handle(req, Arc::clone(&state)));
                let _ =
                    hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
            });
        }
    })
}

/// Server counters since the last read (reading resets them).
#[derive(Debug, Default, Clone)]
struct Stats {
    requests: u64,
    body_bytes: u64,
    header_bytes: u64,
    header_names: String,
}

fn fetch_stats(port: u16) -> Res<Stats> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.write_all(b"GET /__stats HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n\r\n")?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    let body = response.split("\r\n\r\n").nth(1).ok_or("no body in the stats response")?;
    let mut stats = Stats::default();
    for pair in body.split_whitespace() {
        match pair.split_once('=') {
            Some(("requests", v)) => stats.requests = v.parse()?,
            Some(("body_bytes", v)) => stats.body_bytes = v.parse()?,
            Some(("header_bytes", v)) => stats.header_bytes = v.parse()?,
            Some(("header_names", v)) => stats.header_names = v.to_owned(),
            _ => {}
        }
    }
    Ok(stats)
}

// ---------------------------------------------------------------------------------------------
// what both sides send

/// The ingest event of the SDK side, without an id (the SDK fills in a UUID v7).
fn sdk_event() -> IngestEventRequest {
    // An application holds its timestamps as values already (`Utc::now()`, a stored one): the
    // text is parsed once, not per call, as the baseline does not parse its string either.
    static TIMESTAMP: std::sync::LazyLock<flexprice::chrono::DateTime<flexprice::chrono::Utc>> =
        std::sync::LazyLock::new(|| ts("2024-03-20T15:04:05Z"));
    IngestEventRequest::new("api_request", "customer456")
        .with_properties([("request_size", "100"), ("status", "200")])
        .with_source("api")
        .with_timestamp(*TIMESTAMP)
}

/// The hand-written baseline's event type: the same fields in the same order.
#[derive(Serialize)]
struct BaseEvent {
    #[serde(skip_serializing_if = "Option::is_none")]
    event_id: Option<String>,
    event_name: String,
    external_customer_id: String,
    properties: BTreeMap<String, String>,
    source: String,
    timestamp: String,
}

fn base_event() -> BaseEvent {
    BaseEvent {
        event_id: None,
        event_name: "api_request".to_owned(),
        external_customer_id: "customer456".to_owned(),
        properties: [("request_size", "100"), ("status", "200")]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect(),
        source: "api".to_owned(),
        timestamp: "2024-03-20T15:04:05Z".to_owned(),
    }
}

fn new_id() -> String {
    uuid::Uuid::now_v7().hyphenated().to_string()
}

#[derive(Serialize)]
struct BaseBulk<'a> {
    events: &'a [BaseEvent],
}

#[derive(Serialize)]
struct BaseQuery {
    external_customer_id: &'static str,
    page_size: i64,
}

fn sdk_query() -> GetEventsRequest {
    GetEventsRequest::new().with_external_customer_id("customer456").with_page_size(QUERY_EVENTS as i64)
}

/// Fails unless the SDK and the baseline serialize the same bytes for the same event.
fn check_same_bodies() -> Res<usize> {
    let id = new_id();
    let sdk = serde_json::to_vec(&sdk_event().with_event_id(id.clone()))?;
    let mut base = base_event();
    base.event_id = Some(id);
    let base = serde_json::to_vec(&base)?;
    if sdk != base {
        return Err(format!(
            "the baseline does not send the SDK's body:\n sdk:  {}\n base: {}",
            String::from_utf8_lossy(&sdk),
            String::from_utf8_lossy(&base)
        )
        .into());
    }
    if serde_json::to_vec(&sdk_query())?
        != serde_json::to_vec(&BaseQuery { external_customer_id: "customer456", page_size: 1000 })?
    {
        return Err("the baseline does not send the SDK's query body".into());
    }
    Ok(sdk.len())
}

// ---------------------------------------------------------------------------------------------
// the two clients

fn sdk_client(port: u16) -> Res<flexprice::Client> {
    Ok(flexprice::Client::builder().server_url(format!("http://127.0.0.1:{port}")).api_key(API_KEY).build()?)
}

/// The hand-written client: plain `reqwest`, the same headers, `serde_json` both ways, and the
/// same limits as the SDK's defaults: a timeout per request (a timer per call, as the SDK's) and
/// one for connecting.
#[derive(Clone)]
struct Baseline {
    http: reqwest::Client,
    ingest_url: Arc<str>,
    bulk_url: Arc<str>,
    query_url: Arc<str>,
}

impl Baseline {
    fn new(port: u16) -> Res<Self> {
        Ok(Baseline {
            http: reqwest::Client::builder()
                .timeout(std::time::Duration::from_secs(60))
                .connect_timeout(std::time::Duration::from_secs(10))
                .build()?,
            ingest_url: format!("http://127.0.0.1:{port}/events").into(),
            bulk_url: format!("http://127.0.0.1:{port}/events/bulk").into(),
            query_url: format!("http://127.0.0.1:{port}/events/query").into(),
        })
    }

    async fn post(&self, url: &str, body: Vec<u8>, expect: u16) -> Res<Bytes> {
        let response = self
            .http
            .post(url)
            .header(reqwest::header::USER_AGENT, USER_AGENT)
            .header("x-api-key", API_KEY)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body)
            .send()
            .await?;
        if response.status().as_u16() != expect {
            return Err(format!("unexpected status {}", response.status()).into());
        }
        Ok(response.bytes().await?)
    }

    async fn post_event(&self, mut event: BaseEvent) -> Res<BTreeMap<String, String>> {
        event.event_id = Some(new_id());
        let body = serde_json::to_vec(&event)?;
        let bytes = self.post(&self.ingest_url, body, 202).await?;
        Ok(serde_json::from_slice(&bytes)?)
    }

    async fn query(&self) -> Res<GetEventsResponse> {
        let body =
            serde_json::to_vec(&BaseQuery { external_customer_id: "customer456", page_size: QUERY_EVENTS as i64 })?;
        let bytes = self.post(&self.query_url, body, 200).await?;
        Ok(serde_json::from_slice(&bytes)?)
    }

    async fn bulk(&self, mut events: Vec<BaseEvent>, batch: usize, concurrency: usize) -> Res<usize> {
        for event in &mut events {
            if event.event_id.is_none() {
                event.event_id = Some(new_id());
            }
        }
        let accepted: Vec<usize> = stream::iter(events.chunks(batch))
            .map(|chunk| async move {
                let body = serde_json::to_vec(&BaseBulk { events: chunk })?;
                let bytes = self.post(&self.bulk_url, body, 202).await?;
                let _: BTreeMap<String, String> = serde_json::from_slice(&bytes)?;
                Ok::<usize, BoxError>(chunk.len())
            })
            .buffer_unordered(concurrency)
            .try_collect()
            .await?;
        Ok(accepted.into_iter().sum())
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Side {
    Sdk,
    Base,
}

impl Side {
    fn key(self) -> &'static str {
        match self {
            Side::Sdk => "sdk",
            Side::Base => "base",
        }
    }
}

/// Wall time and process CPU time of a section.
struct Measured {
    seconds: f64,
    cpu: f64,
}

async fn measure<F: std::future::Future<Output = Res<()>>>(f: F) -> Res<Measured> {
    let cpu = cpu_seconds();
    let started = Instant::now();
    f.await?;
    settle_allocator();
    Ok(Measured { seconds: started.elapsed().as_secs_f64(), cpu: cpu_seconds() - cpu })
}

/// Makes glibc do now the work it defers after `free` (merging the small freed chunks), so that
/// a side which frees everything at the end of its section pays for it inside the section, as
/// a side which frees as it goes does. A request of 64 KiB (above the small sizes, below the
/// mmap threshold) triggers that consolidation.
fn settle_allocator() {
    drop(std::hint::black_box(Vec::<u8>::with_capacity(64 * 1024)));
}

async fn sequential(side: Side, sdk: &flexprice::Client, base: &Baseline, calls: usize) -> Res<()> {
    for _ in 0..calls {
        match side {
            Side::Sdk => {
                let accepted = sdk.events().post_events(sdk_event()).await?;
                std::hint::black_box(accepted);
            }
            Side::Base => {
                let accepted = base.post_event(base_event()).await?;
                std::hint::black_box(accepted);
            }
        }
    }
    Ok(())
}

async fn concurrent(side: Side, sdk: &flexprice::Client, base: &Baseline, tasks: usize, per_task: usize) -> Res<()> {
    let handles: Vec<tokio::task::JoinHandle<Res<()>>> = (0..tasks)
        .map(|_| {
            let (sdk, base) = (sdk.clone(), base.clone());
            tokio::spawn(async move { sequential(side, &sdk, &base, per_task).await })
        })
        .collect();
    for handle in handles {
        handle.await??;
    }
    Ok(())
}

async fn queries(side: Side, sdk: &flexprice::Client, base: &Baseline, calls: usize) -> Res<()> {
    for _ in 0..calls {
        let page = match side {
            Side::Sdk => sdk.events().post_events_query(sdk_query()).await?,
            Side::Base => base.query().await?,
        };
        let n = page.events.as_ref().map_or(0, Vec::len);
        if n != QUERY_EVENTS {
            return Err(format!("the query returned {n} events").into());
        }
        std::hint::black_box(page);
    }
    Ok(())
}

/// Options of a client process, from `--name value` pairs.
struct Opts(HashMap<String, String>);

impl Opts {
    fn parse(args: &[String]) -> Self {
        let mut map = HashMap::new();
        let mut it = args.iter();
        while let Some(arg) = it.next() {
            if let Some(name) = arg.strip_prefix("--") {
                let value = it.next().cloned().unwrap_or_default();
                map.insert(name.to_owned(), value);
            }
        }
        Opts(map)
    }

    fn num(&self, name: &str) -> usize {
        self.0.get(name).and_then(|v| v.parse().ok()).unwrap_or_else(|| panic!("missing or bad --{name}"))
    }
}

/// Prints the median of every series as `prefix.key=value`.
fn print_medians(results: &mut BTreeMap<String, Vec<f64>>) {
    for (key, values) in results.iter_mut() {
        println!("{key}={}", median(values));
    }
}

/// The client process of the call benchmarks: sequential, 8 concurrent tasks, and the query.
fn calls(opts: &Opts) -> Res<()> {
    let cpu = pin(0);
    eprintln!("client pinned to cpu {}", cpu.map_or("any".to_owned(), |c| c.to_string()));
    let port = opts.num("port") as u16;
    let (rounds, warmup, seq_calls) = (opts.num("rounds"), opts.num("warmup"), opts.num("seq"));
    let (tasks, per_task, query_calls, decode_runs) =
        (opts.num("tasks"), opts.num("per-task"), opts.num("query"), opts.num("decode"));
    // `--only sdk|base`: one side only (to profile it alone)
    let only = opts.0.get("only").cloned();
    let keep = |side: &Side| only.as_deref().is_none_or(|o| o == side.key());
    let body_len = check_same_bodies()?;
    println!("ingest.body_len={body_len}");
    runtime().block_on(async {
        let sdk = sdk_client(port)?;
        let base = Baseline::new(port)?;
        for side in [Side::Sdk, Side::Base].into_iter().filter(keep) {
            sequential(side, &sdk, &base, warmup).await?;
            // opens the connections of the concurrent tasks before anything is timed
            concurrent(side, &sdk, &base, tasks, warmup.div_ceil(tasks)).await?;
            queries(side, &sdk, &base, 1).await?;
        }
        fetch_stats(port)?;
        let mut results: BTreeMap<String, Vec<f64>> = BTreeMap::new();
        let mut record = |key: String, value: f64| results.entry(key).or_default().push(value);
        for round in 0..rounds {
            let order = if round.is_multiple_of(2) { [Side::Sdk, Side::Base] } else { [Side::Base, Side::Sdk] };
            let order: Vec<Side> = order.into_iter().filter(keep).collect();
            for &side in &order {
                let m = measure(sequential(side, &sdk, &base, seq_calls)).await?;
                let stats = fetch_stats(port)?;
                let k = side.key();
                record(format!("seq.{k}.calls_per_s"), seq_calls as f64 / m.seconds);
                record(format!("seq.{k}.cpu_s"), m.cpu);
                record(format!("ingest.{k}.body_bytes"), stats.body_bytes as f64 / stats.requests.max(1) as f64);
                record(format!("ingest.{k}.header_bytes"), stats.header_bytes as f64 / stats.requests.max(1) as f64);
                if round == 0 {
                    println!("ingest.{k}.header_names={}", stats.header_names);
                }
            }
            for &side in &order {
                let m = measure(concurrent(side, &sdk, &base, tasks, per_task)).await?;
                fetch_stats(port)?;
                let k = side.key();
                record(format!("conc.{k}.calls_per_s"), (tasks * per_task) as f64 / m.seconds);
                record(format!("conc.{k}.cpu_s"), m.cpu);
            }
            for &side in &order {
                let m = measure(queries(side, &sdk, &base, query_calls)).await?;
                fetch_stats(port)?;
                let k = side.key();
                let events = (query_calls * QUERY_EVENTS) as f64;
                record(format!("query.{k}.us_per_event"), m.seconds * 1e6 / events);
                record(format!("query.{k}.cpu_us_per_event"), m.cpu * 1e6 / events);
            }
            eprintln!("  round {}/{rounds} done", round + 1);
        }
        // Decoding alone: the query body into the SDK's response type.
        let body = query_body();
        let mut decode = Vec::new();
        for _ in 0..decode_runs {
            let started = Instant::now();
            let page: GetEventsResponse = serde_json::from_slice(&body)?;
            decode.push(started.elapsed().as_secs_f64() * 1e9 / QUERY_EVENTS as f64);
            std::hint::black_box(page);
        }
        results.insert("query.decode_ns_per_event".to_owned(), decode);
        println!("query.body_bytes={}", body.len());
        print_medians(&mut results);
        Ok(())
    })
}

/// The client process of one bulk ingest (its own process so that its peak RSS is its own).
fn bulk(side: Side, opts: &Opts) -> Res<()> {
    pin(0);
    let port = opts.num("port") as u16;
    let events = opts.num("events");
    runtime().block_on(async {
        let measured = match side {
            Side::Sdk => {
                let sdk = sdk_client(port)?;
                sdk.events().post_events(sdk_event()).await?;
                let items: Vec<IngestEventRequest> = (0..events).map(|_| sdk_event()).collect();
                let mut accepted = 0;
                let m = measure(async {
                    let report = sdk.events().ingest_events(items, flexprice::BulkOptions::new()).await;
                    if let Some(failed) = report.failed().first() {
                        return Err(format!("a batch failed: {}", failed.error()).into());
                    }
                    accepted = report.accepted();
                    Ok(())
                })
                .await?;
                if accepted != events {
                    return Err(format!("{accepted} of {events} events accepted").into());
                }
                m
            }
            Side::Base => {
                let base = Baseline::new(port)?;
                base.post_event(base_event()).await?;
                let items: Vec<BaseEvent> = (0..events).map(|_| base_event()).collect();
                let mut accepted = 0;
                // The SDK's defaults: batches of 1,000 (the spec's maxItems), 4 in flight.
                let m = measure(async {
                    accepted = base.bulk(items, 1000, 4).await?;
                    Ok(())
                })
                .await?;
                if accepted != events {
                    return Err(format!("{accepted} of {events} events accepted").into());
                }
                m
            }
        };
        println!("events_per_s={}", events as f64 / measured.seconds);
        println!("cpu_s={}", measured.cpu);
        println!("rss_mb={}", peak_rss_kib() as f64 / 1024.0);
        Ok(())
    })
}

/// The client process of the ingestor benchmark: N events through `client.events().ingestor(..)`,
/// in memory only (`mem`) or with the durable spool (`spool`, default fsync policy). Each
/// measurement runs in a process of its own, as the bulk helper's does, so that neither finds
/// the heap the other left behind (`--phase enqueue|e2e`):
///
/// 1. `enqueue`: N events queued with `try_send` into an ingestor whose capacity holds them
///    all and whose batches wait (flush interval of an hour, so the network stays out of the
///    timed loop); then the ingestor is shut down (sending them) outside the timing.
/// 2. `e2e`: N events (built beforehand, as for `ingest_events`) through an ingestor with
///    the default options, from the first `send` until `shutdown` returns with all accepted.
fn ingestor(spool: bool, opts: &Opts) -> Res<()> {
    pin(0);
    let port = opts.num("port") as u16;
    let events = opts.num("events");
    let phase = opts.0.get("phase").map(String::as_str).unwrap_or("e2e");
    let dir = std::env::temp_dir().join(format!("sdk-bench-spool-{}", std::process::id()));
    let options = || {
        let options = flexprice::IngestorOptions::new();
        if spool {
            options.spool(flexprice::SpoolOptions::new(&dir))
        } else {
            options
        }
    };
    let result = runtime().block_on(async {
        let sdk = sdk_client(port)?;
        sdk.events().post_events(sdk_event()).await?;
        let items: Vec<IngestEventRequest> = (0..events).map(|_| sdk_event()).collect();
        match phase {
            "enqueue" => {
                let parked = options().capacity(events).flush_interval(std::time::Duration::from_secs(3600));
                let ingestor = sdk.events().ingestor(parked)?;
                let started = Instant::now();
                for item in items {
                    if let Err(e) = ingestor.try_send(item) {
                        return Err(format!("try_send failed: {e}").into());
                    }
                }
                let enqueue = started.elapsed().as_secs_f64();
                let report = ingestor.shutdown(std::time::Duration::from_secs(120)).await;
                if report.stats().accepted != events as u64 {
                    return Err(format!("{} of {events} events accepted", report.stats().accepted).into());
                }
                println!("enqueue_ns={}", enqueue * 1e9 / events as f64);
            }
            "e2e" => {
                let mut accepted = 0;
                let mut sent_s = 0.0;
                let m = measure(async {
                    let started = Instant::now();
                    let ingestor = sdk.events().ingestor(options())?;
                    for item in items {
                        ingestor.send(item).await.map_err(|e| e.to_string())?;
                    }
                    sent_s = started.elapsed().as_secs_f64();
                    let report = ingestor.shutdown(std::time::Duration::from_secs(120)).await;
                    accepted = report.stats().accepted;
                    Ok(())
                })
                .await?;
                if accepted != events as u64 {
                    return Err(format!("{accepted} of {events} events accepted").into());
                }
                println!("events_per_s={}", events as f64 / m.seconds);
                println!("cpu_s={}", m.cpu);
                // Where the time goes: until the last `send` returned, and the drain after it.
                println!("send_phase_s={sent_s}");
                println!("drain_phase_s={}", m.seconds - sent_s);
                println!("rss_mb={}", peak_rss_kib() as f64 / 1024.0);
            }
            other => return Err(format!("unknown --phase {other} (enqueue or e2e)").into()),
        }
        Ok(())
    });
    let _ = std::fs::remove_dir_all(&dir);
    result
}

// ---------------------------------------------------------------------------------------------
// the orchestrator

struct ServerProcess {
    child: Child,
    port: u16,
}

impl ServerProcess {
    fn start(exe: &std::path::Path) -> Res<Self> {
        let mut child = Command::new(exe)
            .arg("server")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line)?;
        let port = line
            .split_whitespace()
            .find_map(|p| p.strip_prefix("port="))
            .and_then(|p| p.parse().ok())
            .ok_or_else(|| format!("the server did not start: {line:?}"))?;
        eprintln!("server: {}", line.trim());
        Ok(ServerProcess { child, port })
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.wait();
    }
}

/// Runs this binary with `args`; returns its `key=value` output lines.
fn run_child(exe: &std::path::Path, args: &[String]) -> Res<Vec<(String, String)>> {
    let output = Command::new(exe).args(args).stderr(Stdio::inherit()).output()?;
    if !output.status.success() {
        return Err(format!("`sdk_bench {}` failed ({})", args.join(" "), output.status).into());
    }
    Ok(String::from_utf8(output.stdout)?
        .lines()
        .filter_map(|l| l.split_once('=').map(|(k, v)| (k.to_owned(), v.to_owned())))
        .collect())
}

fn all(smoke: bool) -> Res<()> {
    let exe = std::env::current_exe()?;
    let server = ServerProcess::start(&exe)?;
    let port = server.port.to_string();
    // (rounds, warm-up calls, sequential calls, tasks, calls per task, query calls, decode runs).
    // 8 tasks x 2,500 calls: with 3,000 calls in all a round lasted under 0.1 s, and the
    // concurrent ratio swung between 0.74x and 1.03x from one run to the next.
    let (rounds, warmup, seq, tasks, per_task, query, decode) =
        if smoke { (1, 20, 200, 8, 25, 2, 3) } else { (5, 300, 3000, 8, 2500, 20, 50) };
    let (bulk_rounds, bulk_events) = if smoke { (1, 5_000) } else { (3, 100_000) };
    let args: Vec<String> = [
        "calls",
        "--port",
        &port,
        "--rounds",
        &rounds.to_string(),
        "--warmup",
        &warmup.to_string(),
        "--seq",
        &seq.to_string(),
        "--tasks",
        &tasks.to_string(),
        "--per-task",
        &per_task.to_string(),
        "--query",
        &query.to_string(),
        "--decode",
        &decode.to_string(),
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    eprintln!("calls: {rounds} round(s) of {seq} sequential calls, {tasks}x{per_task} concurrent, {query} queries");
    let mut out = run_child(&exe, &args)?;
    out.push(("seq.calls".into(), seq.to_string()));
    out.push(("conc.tasks".into(), tasks.to_string()));
    out.push(("conc.calls".into(), (tasks * per_task).to_string()));
    out.push(("query.events".into(), QUERY_EVENTS.to_string()));

    eprintln!("bulk: {bulk_rounds} round(s) of {bulk_events} events per side, each in its own process");
    let mut bulk: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    fetch_stats(server.port)?;
    for round in 0..bulk_rounds {
        let order = if round % 2 == 0 { [Side::Sdk, Side::Base] } else { [Side::Base, Side::Sdk] };
        for side in order {
            let args: Vec<String> =
                ["bulk", side.key(), "--port", &port, "--events", &bulk_events.to_string()].map(str::to_owned).into();
            for (k, v) in run_child(&exe, &args)? {
                bulk.entry(format!("bulk.{}.{k}", side.key())).or_default().push(v.parse()?);
            }
            let stats = fetch_stats(server.port)?;
            // Requests and body bytes of the batches (less the one warm-up call to POST /events).
            let k = side.key();
            bulk.entry(format!("bulk.{k}.requests")).or_default().push(stats.requests.saturating_sub(1) as f64);
            bulk.entry(format!("bulk.{k}.body_mb")).or_default().push(stats.body_bytes as f64 / 1e6);
        }
    }
    print_medians(&mut bulk);
    out.push(("bulk.events".into(), bulk_events.to_string()));

    // The ingestor, in the same run as the bulk helper above (its figures are the reference).
    eprintln!("ingestor: {bulk_rounds} round(s) of {bulk_events} events, without and with the spool");
    let mut ing: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    for _ in 0..bulk_rounds {
        for mode in ["mem", "spool"] {
            for phase in ["enqueue", "e2e"] {
                let args: Vec<String> =
                    ["ingestor", mode, "--port", &port, "--events", &bulk_events.to_string(), "--phase", phase]
                        .map(str::to_owned)
                        .into();
                for (k, v) in run_child(&exe, &args)? {
                    ing.entry(format!("ingestor.{mode}.{k}")).or_default().push(v.parse()?);
                }
                fetch_stats(server.port)?;
            }
        }
    }
    print_medians(&mut ing);
    for (k, v) in out {
        println!("{k}={v}");
    }
    drop(server);
    Ok(())
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("all") => all(args.iter().any(|a| a == "--smoke")),
        Some("server") => server(),
        Some("calls") => calls(&Opts::parse(&args[1..])),
        Some("bulk") => match args.get(1).map(String::as_str) {
            Some("sdk") => bulk(Side::Sdk, &Opts::parse(&args[2..])),
            Some("base") => bulk(Side::Base, &Opts::parse(&args[2..])),
            _ => Err("usage: sdk_bench bulk sdk|base --port N --events N".into()),
        },
        Some("ingestor") => match args.get(1).map(String::as_str) {
            Some("mem") => ingestor(false, &Opts::parse(&args[2..])),
            Some("spool") => ingestor(true, &Opts::parse(&args[2..])),
            _ => Err("usage: sdk_bench ingestor mem|spool --port N --events N [--phase enqueue|e2e]".into()),
        },
        _ => {
            Err("usage: sdk_bench all [--smoke] | server | calls ... | bulk sdk|base ... | ingestor mem|spool ..."
                .into())
        }
    };
    if let Err(e) = result {
        eprintln!("sdk_bench: {e}");
        std::process::exit(1);
    }
}
