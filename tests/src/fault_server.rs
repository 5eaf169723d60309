//! A fault-injecting HTTP/1.1 server for the network tests of the generated SDK.
//!
//! The server listens on `127.0.0.1` (port 0, so tests never collide), records every request
//! (method, target, headers, body, arrival time) and answers each one as a *policy* says: a
//! normal response, or a misbehaviour below HTTP that a mock server cannot express (a reset
//! before or in the middle of the response, a body shorter than its `Content-Length`, a body
//! that stops coming, silence,
//! a close without an answer, raw bytes).
//!
//! It is written on a plain [`TcpListener`] rather than on hyper: every fault needs control of
//! the exact bytes written and of how the socket is closed (`FIN` or `RST`), which hyper hides.
//! The HTTP/1.1 it speaks is the small part a client needs: request line, headers, a
//! `Content-Length` or chunked request body, keep-alive, and responses framed by
//! `Content-Length`, chunked encoding or connection close.
//!
//! For the ingest endpoints (`POST /events` and `POST /events/bulk`) it keeps a map
//! `event_id -> times accepted`. An event counts as accepted only when the server wrote a whole
//! `202` response for its request: a request answered with a reset, a truncated body, silence or
//! another status accepted nothing. That is the model of a server that commits an event exactly
//! when it answers 202, and lets a test assert "every event id accepted exactly once".
//!
//! Dropping the [`FaultServer`] stops it: the accept task is aborted, and with it every
//! connection task (they live in a [`JoinSet`] owned by the accept task), so no task outlives
//! the server. At most [`MAX_CONNECTIONS`] connections are served at once.

use std::collections::BTreeMap;
use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use bytes::{Buf, Bytes, BytesMut};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{oneshot, Notify};
use tokio::task::{JoinHandle, JoinSet};

/// Most connections served at once; further clients wait in the listen backlog.
pub const MAX_CONNECTIONS: usize = 256;
/// Largest request head (request line and headers) accepted.
const MAX_HEAD_BYTES: usize = 64 * 1024;
/// Largest request body accepted.
const MAX_BODY_BYTES: usize = 64 * 1024 * 1024;
/// Size of the chunks of a chunked response body.
const CHUNK_BYTES: usize = 64 * 1024;
/// How long [`Action::ResetMidResponse`] waits between the partial response and the reset, so
/// that the client has read the head before the connection breaks.
const RESET_PAUSE: Duration = Duration::from_millis(10);

/// A request as the server received it.
#[derive(Clone, Debug)]
pub struct Request {
    /// 0-based number of the request among all requests the server received, in order of
    /// arrival (the request is counted once its body has been read completely).
    pub index: usize,
    /// 0-based number of the connection it came on.
    pub connection: usize,
    /// The method, e.g. `POST`.
    pub method: String,
    /// The request target: path and query, e.g. `/events?x=1`.
    pub target: String,
    /// The headers, names in lowercase, in the order received.
    pub headers: Vec<(String, String)>,
    /// The body (decoded if it was sent chunked).
    pub body: Bytes,
    /// When the request had been read completely.
    pub received_at: Instant,
}

impl Request {
    /// The path, without the query.
    pub fn path(&self) -> &str {
        self.target.split_once('?').map_or(self.target.as_str(), |(path, _)| path)
    }

    /// The first value of the header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The body parsed as JSON, if it is JSON.
    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }

    /// Whether the body contains `needle` (as bytes).
    pub fn body_contains(&self, needle: &str) -> bool {
        let needle = needle.as_bytes();
        !needle.is_empty() && self.body.windows(needle.len()).any(|w| w == needle)
    }

    /// Whether this is a request to an ingest endpoint: `POST .../events` or `POST .../events/bulk`.
    pub fn is_ingest(&self) -> bool {
        self.method == "POST" && (self.path().ends_with("/events") || self.path().ends_with("/events/bulk"))
    }

    /// The `event_id` of every event of an ingest request, in order (`None` for an event
    /// without one); empty for other requests or a body that is not JSON.
    ///
    /// `POST /events` carries one event (the body); `POST /events/bulk` carries `events`.
    pub fn event_ids(&self) -> Vec<Option<String>> {
        if !self.is_ingest() {
            return Vec::new();
        }
        let Some(body) = self.json() else {
            return Vec::new();
        };
        let id_of = |event: &serde_json::Value| event.get("event_id").and_then(|v| v.as_str()).map(str::to_owned);
        if self.path().ends_with("/events/bulk") {
            body.get("events")
                .and_then(|e| e.as_array())
                .map(|events| events.iter().map(id_of).collect())
                .unwrap_or_default()
        } else {
            vec![id_of(&body)]
        }
    }
}

/// How a response body is delimited.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Framing {
    /// A `Content-Length` header (the default).
    ContentLength,
    /// `Transfer-Encoding: chunked`, in chunks of 64 KiB.
    Chunked,
    /// No length: `Connection: close`, and the body ends when the server closes the connection.
    CloseDelimited,
}

/// A complete HTTP response.
#[derive(Clone, Debug)]
pub struct Reply {
    /// The status code.
    pub status: u16,
    /// Headers written as given. The framing headers (`content-length`, `transfer-encoding`,
    /// `connection: close`) are added unless a header of that name is already here, so a test
    /// can also send a lying `content-length`.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Bytes,
    /// How the body is delimited.
    pub framing: Framing,
}

impl Reply {
    /// A response with this status, no headers and an empty body.
    pub fn new(status: u16) -> Self {
        Reply { status, headers: Vec::new(), body: Bytes::new(), framing: Framing::ContentLength }
    }

    /// A response with a JSON body and `content-type: application/json`.
    pub fn json(status: u16, body: &serde_json::Value) -> Self {
        Reply::new(status).header("content-type", "application/json").body(body.to_string())
    }

    /// Adds a header.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Sets the body.
    pub fn body(mut self, body: impl Into<Bytes>) -> Self {
        self.body = body.into();
        self
    }

    /// Sends the body with chunked transfer encoding (no `Content-Length`).
    pub fn chunked(mut self) -> Self {
        self.framing = Framing::Chunked;
        self
    }

    /// Sends the body without length, closing the connection after it.
    pub fn close_delimited(mut self) -> Self {
        self.framing = Framing::CloseDelimited;
        self
    }

    fn has_header(&self, name: &str) -> bool {
        self.headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(name))
    }

    fn closes_connection(&self) -> bool {
        self.framing == Framing::CloseDelimited
            || self.headers.iter().any(|(n, v)| n.eq_ignore_ascii_case("connection") && v.eq_ignore_ascii_case("close"))
    }
}

/// What the server does with a request.
#[derive(Clone, Debug)]
pub enum Action {
    /// Writes a complete response (and keeps the connection open, unless the reply closes it).
    Respond(Reply),
    /// Waits, then does the inner action. If the client closes the connection meanwhile (it
    /// timed out), the server notices and answers nothing: [`Outcome::ClientGone`].
    Delay(Duration, Box<Action>),
    /// Resets the connection (`RST`) without writing a byte of response.
    Reset,
    /// Writes the head of `reply` (with its full `Content-Length`) and the first `body_bytes`
    /// bytes of its body, waits 10 ms so the client reads them, then resets the connection.
    ResetMidResponse {
        /// The response that is started.
        reply: Reply,
        /// How many body bytes are written before the reset.
        body_bytes: usize,
    },
    /// Writes the head of `reply` declaring its full `Content-Length`, then only the first
    /// `body_bytes` bytes of the body, then closes the connection normally (`FIN`).
    Truncate {
        /// The response that is cut short.
        reply: Reply,
        /// How many body bytes are written.
        body_bytes: usize,
    },
    /// Writes the head of `reply` (with its full `Content-Length`) and the first `body_bytes`
    /// bytes of its body, then writes nothing more until the client closes the connection.
    Stall {
        /// The response that is started.
        reply: Reply,
        /// How many body bytes are written before the stall.
        body_bytes: usize,
    },
    /// Never answers; the connection stays open until the client closes it or the server stops.
    Silence,
    /// Closes the connection normally (`FIN`) without answering.
    Close,
    /// Writes these bytes as they are, then closes the connection.
    Raw(Bytes),
}

impl Action {
    /// A complete response.
    pub fn reply(reply: Reply) -> Self {
        Action::Respond(reply)
    }

    /// A response with this status, headers and body.
    pub fn respond<K, V>(status: u16, headers: impl IntoIterator<Item = (K, V)>, body: impl Into<Bytes>) -> Self
    where
        K: Into<String>,
        V: Into<String>,
    {
        let mut reply = Reply::new(status).body(body);
        for (name, value) in headers {
            reply = reply.header(name, value);
        }
        Action::Respond(reply)
    }

    /// A response with this status and an empty body.
    pub fn status(status: u16) -> Self {
        Action::Respond(Reply::new(status))
    }

    /// A JSON response.
    pub fn json(status: u16, body: &serde_json::Value) -> Self {
        Action::Respond(Reply::json(status, body))
    }

    /// `202` with the body FlexPrice sends for an accepted event.
    pub fn accepted() -> Self {
        Action::json(202, &serde_json::json!({ "message": "Event accepted for processing" }))
    }

    /// A JSON error in the API's `ErrorResponse` shape.
    pub fn error(status: u16, message: &str) -> Self {
        Action::json(status, &serde_json::json!({ "success": false, "error": { "message": message } }))
    }

    /// `502` with the HTML page a proxy (nginx) sends.
    pub fn html_502() -> Self {
        Action::Respond(Reply::new(502).header("content-type", "text/html").body(HTML_502))
    }

    /// Waits `delay`, then does `then`.
    pub fn delay(delay: Duration, then: Action) -> Self {
        Action::Delay(delay, Box::new(then))
    }

    /// Resets the connection without answering.
    pub fn reset() -> Self {
        Action::Reset
    }

    /// Writes the head of a `status` response announcing a JSON body of some length, no body
    /// byte, then resets the connection.
    pub fn reset_mid_response(status: u16) -> Self {
        let reply = Reply::json(status, &serde_json::json!({ "message": "Event accepted for processing" }));
        Action::ResetMidResponse { reply, body_bytes: 0 }
    }

    /// Writes `reply` with its full `Content-Length` but only `body_bytes` body bytes, then closes.
    pub fn truncate(reply: Reply, body_bytes: usize) -> Self {
        Action::Truncate { reply, body_bytes }
    }

    /// Writes the head of `reply` and `body_bytes` bytes of its body, then stalls.
    pub fn stall(reply: Reply, body_bytes: usize) -> Self {
        Action::Stall { reply, body_bytes }
    }

    /// Never answers.
    pub fn silence() -> Self {
        Action::Silence
    }

    /// Closes the connection without answering.
    pub fn close() -> Self {
        Action::Close
    }

    /// Writes raw bytes and closes.
    pub fn raw(bytes: impl Into<Bytes>) -> Self {
        Action::Raw(bytes.into())
    }
}

/// The page nginx answers with when its upstream fails.
pub const HTML_502: &str = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n\
<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";

/// What the server ended up doing with a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// A complete response with this status was written and flushed.
    Answered(u16),
    /// The connection was reset before any response byte.
    Reset,
    /// The head of a response with this status was written, then the connection was reset.
    ResetMidResponse(u16),
    /// A response with this status was cut short and the connection closed.
    Truncated(u16),
    /// A response with this status was started, then stalled until the client left.
    Stalled(u16),
    /// The connection was closed without a response.
    Closed,
    /// Raw bytes were written and the connection closed.
    RawSent,
    /// The client closed the connection while the server was delaying or silent.
    ClientGone,
    /// Writing the response with this status failed (the client had gone).
    WriteFailed(u16),
    /// The server stopped before the request was finished.
    Aborted,
}

/// Decides the action for each request. Called once per request, in the connection's task.
pub type Policy = dyn Fn(&Request) -> Action + Send + Sync + 'static;

/// A fault-injecting HTTP server on `127.0.0.1`; stops when dropped.
pub struct FaultServer {
    addr: SocketAddr,
    state: Arc<State>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

struct State {
    policy: Box<Policy>,
    log: Mutex<Log>,
    settled: Notify,
    connections: AtomicUsize,
}

#[derive(Default)]
struct Log {
    requests: Vec<Request>,
    outcomes: Vec<Option<Outcome>>,
    accepted: BTreeMap<String, usize>,
    accepted_without_id: usize,
    in_flight: usize,
}

impl State {
    fn log(&self) -> MutexGuard<'_, Log> {
        // A panicking policy must not hide the log from the test that reports it.
        self.log.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl FaultServer {
    /// Starts a server whose `policy` decides every answer.
    pub async fn start(policy: impl Fn(&Request) -> Action + Send + Sync + 'static) -> io::Result<Self> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let state = Arc::new(State {
            policy: Box::new(policy),
            log: Mutex::new(Log::default()),
            settled: Notify::new(),
            connections: AtomicUsize::new(0),
        });
        let (stop, stopped) = oneshot::channel();
        let task = tokio::spawn(accept_loop(listener, Arc::clone(&state), stopped));
        Ok(FaultServer { addr, state, stop: Some(stop), task: Some(task) })
    }

    /// Starts a server that answers request `i` with `actions[i]`, and every later request with `then`.
    pub async fn sequence(actions: impl IntoIterator<Item = Action>, then: Action) -> io::Result<Self> {
        let actions: Vec<Action> = actions.into_iter().collect();
        FaultServer::start(move |request| actions.get(request.index).unwrap_or(&then).clone()).await
    }

    /// Starts a server that answers every request with `action`.
    pub async fn always(action: Action) -> io::Result<Self> {
        FaultServer::start(move |_| action.clone()).await
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The base URL of the server, `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Every request received so far, in order.
    pub fn requests(&self) -> Vec<Request> {
        self.state.log().requests.clone()
    }

    /// How many requests were received so far.
    pub fn request_count(&self) -> usize {
        self.state.log().requests.len()
    }

    /// What the server did with each request so far (`None`: not finished yet).
    pub fn outcomes(&self) -> Vec<Option<Outcome>> {
        self.state.log().outcomes.clone()
    }

    /// How many times each event id was accepted (answered with a complete 202).
    pub fn accepted(&self) -> BTreeMap<String, usize> {
        self.state.log().accepted.clone()
    }

    /// How many accepted events had no `event_id`.
    pub fn accepted_without_id(&self) -> usize {
        self.state.log().accepted_without_id
    }

    /// How many connections were accepted so far.
    pub fn connections(&self) -> usize {
        self.state.connections.load(Ordering::SeqCst)
    }

    /// Waits until no request is being handled: every request received has its outcome, and
    /// the bookkeeping of accepted events is complete. Call it before asserting on the log.
    pub async fn settled(&self) {
        loop {
            let notified = self.state.settled.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if self.state.log().in_flight == 0 {
                return;
            }
            notified.await;
        }
    }

    /// Stops listening and closes every connection, keeping the log; new connections are then
    /// refused. Returns once the listener and all connections are closed.
    pub async fn close_listener(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for FaultServer {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

impl std::fmt::Debug for FaultServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FaultServer")
            .field("addr", &self.addr)
            .field("requests", &self.request_count())
            .field("running", &self.task.is_some())
            .finish()
    }
}

async fn accept_loop(listener: TcpListener, state: Arc<State>, mut stop: oneshot::Receiver<()>) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            // a stop request, or the server dropped
            _ = &mut stop => break,
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            accepted = listener.accept(), if connections.len() < MAX_CONNECTIONS => match accepted {
                Ok((stream, _)) => {
                    let id = state.connections.fetch_add(1, Ordering::SeqCst);
                    connections.spawn(serve_connection(stream, id, Arc::clone(&state)));
                }
                // out of file descriptors, for instance: wait a little instead of spinning
                Err(_) => tokio::time::sleep(Duration::from_millis(5)).await,
            },
        }
    }
    drop(listener);
    connections.shutdown().await;
}

/// A request being handled. Finishing it records its outcome; dropping it unfinished (the
/// server stopped) records [`Outcome::Aborted`], so [`FaultServer::settled`] never waits forever.
struct InFlight {
    state: Arc<State>,
    request: Request,
    done: bool,
}

impl InFlight {
    fn begin(state: &Arc<State>, parsed: Parsed, connection: usize) -> Self {
        let mut log = state.log();
        let request = Request {
            index: log.requests.len(),
            connection,
            method: parsed.method,
            target: parsed.target,
            headers: parsed.headers,
            body: parsed.body,
            received_at: Instant::now(),
        };
        log.requests.push(request.clone());
        log.outcomes.push(None);
        log.in_flight += 1;
        drop(log);
        InFlight { state: Arc::clone(state), request, done: false }
    }

    fn finish(mut self, outcome: Outcome) {
        self.record(outcome);
    }

    fn record(&mut self, outcome: Outcome) {
        if self.done {
            return;
        }
        self.done = true;
        let ids = if outcome == Outcome::Answered(202) { self.request.event_ids() } else { Vec::new() };
        let mut log = self.state.log();
        log.outcomes[self.request.index] = Some(outcome);
        for id in ids {
            match id {
                Some(id) => *log.accepted.entry(id).or_insert(0) += 1,
                None => log.accepted_without_id += 1,
            }
        }
        log.in_flight -= 1;
        drop(log);
        self.state.settled.notify_waiters();
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.record(Outcome::Aborted);
    }
}

async fn serve_connection(mut stream: TcpStream, connection: usize, state: Arc<State>) {
    let _ = stream.set_nodelay(true);
    let mut buffer = BytesMut::with_capacity(8 * 1024);
    loop {
        let parsed = match read_request(&mut stream, &mut buffer).await {
            Ok(Some(parsed)) => parsed,
            // the client closed the connection, or sent something that is not HTTP/1.1
            Ok(None) | Err(_) => return,
        };
        let client_closes = parsed.headers.iter().any(|(n, v)| n == "connection" && v.eq_ignore_ascii_case("close"));
        let in_flight = InFlight::begin(&state, parsed, connection);
        let action = (state.policy)(&in_flight.request);
        let (outcome, keep_open) = perform(&mut stream, &mut buffer, action).await;
        in_flight.finish(outcome);
        if !keep_open || client_closes {
            return;
        }
    }
}

/// Does `action`; returns the outcome and whether the connection can serve another request.
async fn perform(stream: &mut TcpStream, buffer: &mut BytesMut, mut action: Action) -> (Outcome, bool) {
    loop {
        return match action {
            Action::Delay(delay, then) => {
                if !client_stays(stream, buffer, Some(delay)).await {
                    return (Outcome::ClientGone, false);
                }
                action = *then;
                continue;
            }
            Action::Respond(reply) => match write_reply(stream, &reply).await {
                Ok(()) => (Outcome::Answered(reply.status), !reply.closes_connection()),
                Err(_) => (Outcome::WriteFailed(reply.status), false),
            },
            Action::Reset => {
                reset(stream);
                (Outcome::Reset, false)
            }
            Action::ResetMidResponse { reply, body_bytes } => {
                let head = encode_head(&reply, Some(reply.body.len()));
                let body = reply.body.slice(..body_bytes.min(reply.body.len()));
                let _ = write_all_parts(stream, &[&head, &body]).await;
                tokio::time::sleep(RESET_PAUSE).await;
                reset(stream);
                (Outcome::ResetMidResponse(reply.status), false)
            }
            Action::Truncate { reply, body_bytes } => {
                let head = encode_head(&reply, Some(reply.body.len()));
                let body = reply.body.slice(..body_bytes.min(reply.body.len()));
                let _ = write_all_parts(stream, &[&head, &body]).await;
                let _ = stream.shutdown().await;
                (Outcome::Truncated(reply.status), false)
            }
            Action::Stall { reply, body_bytes } => {
                let head = encode_head(&reply, Some(reply.body.len()));
                let body = reply.body.slice(..body_bytes.min(reply.body.len()));
                let _ = write_all_parts(stream, &[&head, &body]).await;
                client_stays(stream, buffer, None).await;
                (Outcome::Stalled(reply.status), false)
            }
            Action::Silence => {
                client_stays(stream, buffer, None).await;
                (Outcome::ClientGone, false)
            }
            Action::Close => {
                let _ = stream.shutdown().await;
                (Outcome::Closed, false)
            }
            Action::Raw(bytes) => {
                let _ = write_all_parts(stream, &[&bytes]).await;
                let _ = stream.shutdown().await;
                (Outcome::RawSent, false)
            }
        };
    }
}

/// Waits `limit` (or forever) while watching the connection; returns `false` as soon as the
/// client closes it, `true` if the time passed with the client still there. Bytes the client
/// sends meanwhile are kept in `buffer` for the next request.
async fn client_stays(stream: &mut TcpStream, buffer: &mut BytesMut, limit: Option<Duration>) -> bool {
    let deadline = limit.map(|limit| tokio::time::Instant::now() + limit);
    loop {
        let read = match deadline {
            Some(deadline) => tokio::select! {
                () = tokio::time::sleep_until(deadline) => return true,
                read = stream.read_buf(buffer) => read,
            },
            None => stream.read_buf(buffer).await,
        };
        match read {
            Ok(0) | Err(_) => return false,
            Ok(_) => {}
        }
    }
}

/// Closes the connection with a `RST`: a zero linger time makes the close abortive. The socket
/// itself is closed when the connection's task drops it, right after.
fn reset(stream: &TcpStream) {
    let _ = stream.set_zero_linger();
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        409 => "Conflict",
        413 => "Payload Too Large",
        422 => "Unprocessable Entity",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        505 => "HTTP Version Not Supported",
        _ => "Unknown",
    }
}

/// The status line and headers of `reply`; `content_length` overrides the body's length for
/// [`Framing::ContentLength`].
fn encode_head(reply: &Reply, content_length: Option<usize>) -> Vec<u8> {
    let mut head = format!("HTTP/1.1 {} {}\r\n", reply.status, reason(reply.status));
    for (name, value) in &reply.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    match reply.framing {
        Framing::ContentLength if !reply.has_header("content-length") => {
            let length = content_length.unwrap_or(reply.body.len());
            head.push_str(&format!("content-length: {length}\r\n"));
        }
        Framing::Chunked if !reply.has_header("transfer-encoding") => head.push_str("transfer-encoding: chunked\r\n"),
        Framing::CloseDelimited if !reply.has_header("connection") => head.push_str("connection: close\r\n"),
        _ => {}
    }
    head.push_str("\r\n");
    head.into_bytes()
}

async fn write_all_parts(stream: &mut TcpStream, parts: &[&[u8]]) -> io::Result<()> {
    for part in parts {
        stream.write_all(part).await?;
    }
    stream.flush().await
}

async fn write_reply(stream: &mut TcpStream, reply: &Reply) -> io::Result<()> {
    let head = encode_head(reply, None);
    match reply.framing {
        Framing::ContentLength => write_all_parts(stream, &[&head, &reply.body]).await,
        Framing::CloseDelimited => {
            write_all_parts(stream, &[&head, &reply.body]).await?;
            stream.shutdown().await
        }
        Framing::Chunked => {
            stream.write_all(&head).await?;
            for chunk in reply.body.chunks(CHUNK_BYTES) {
                stream.write_all(format!("{:x}\r\n", chunk.len()).as_bytes()).await?;
                stream.write_all(chunk).await?;
                stream.write_all(b"\r\n").await?;
            }
            stream.write_all(b"0\r\n\r\n").await?;
            stream.flush().await
        }
    }
}

/// A request as parsed, before it is numbered.
struct Parsed {
    method: String,
    target: String,
    headers: Vec<(String, String)>,
    body: Bytes,
}

fn invalid(message: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message.to_owned())
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Reads more bytes into `buffer`; an end of stream is an error (the request is incomplete).
async fn fill(stream: &mut TcpStream, buffer: &mut BytesMut) -> io::Result<()> {
    if stream.read_buf(buffer).await? == 0 {
        return Err(io::ErrorKind::UnexpectedEof.into());
    }
    Ok(())
}

/// Reads one request; `Ok(None)` when the client closed the connection between requests.
async fn read_request(stream: &mut TcpStream, buffer: &mut BytesMut) -> io::Result<Option<Parsed>> {
    let head_end = loop {
        if let Some(end) = find(buffer, b"\r\n\r\n") {
            break end;
        }
        if buffer.len() > MAX_HEAD_BYTES {
            return Err(invalid("request head too large"));
        }
        if stream.read_buf(buffer).await? == 0 {
            return if buffer.is_empty() { Ok(None) } else { Err(io::ErrorKind::UnexpectedEof.into()) };
        }
    };
    let head = buffer.split_to(head_end + 4);
    let head = std::str::from_utf8(&head[..head_end]).map_err(|_| invalid("request head is not UTF-8"))?;
    let mut lines = head.split("\r\n");
    let mut request_line = lines.next().unwrap_or_default().split(' ');
    let (Some(method), Some(target), Some(version)) = (request_line.next(), request_line.next(), request_line.next())
    else {
        return Err(invalid("bad request line"));
    };
    if !version.starts_with("HTTP/1.") {
        return Err(invalid("not HTTP/1.x"));
    }
    let mut headers = Vec::new();
    for line in lines {
        let (name, value) = line.split_once(':').ok_or_else(|| invalid("bad header line"))?;
        headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
    }
    let header = |name: &str| headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str());
    let body = if header("transfer-encoding").is_some_and(|te| te.to_ascii_lowercase().contains("chunked")) {
        read_chunked_body(stream, buffer).await?
    } else {
        let length = match header("content-length") {
            Some(value) => value.parse::<usize>().map_err(|_| invalid("bad content-length"))?,
            None => 0,
        };
        if length > MAX_BODY_BYTES {
            return Err(invalid("request body too large"));
        }
        while buffer.len() < length {
            fill(stream, buffer).await?;
        }
        buffer.split_to(length).freeze()
    };
    Ok(Some(Parsed { method: method.to_owned(), target: target.to_owned(), headers, body }))
}

/// Reads a line ending in CRLF and returns it without the CRLF.
async fn read_line(stream: &mut TcpStream, buffer: &mut BytesMut) -> io::Result<String> {
    loop {
        if let Some(end) = find(buffer, b"\r\n") {
            let line = buffer.split_to(end + 2);
            return String::from_utf8(line[..end].to_vec()).map_err(|_| invalid("chunk line is not UTF-8"));
        }
        if buffer.len() > MAX_HEAD_BYTES {
            return Err(invalid("chunk line too long"));
        }
        fill(stream, buffer).await?;
    }
}

async fn read_chunked_body(stream: &mut TcpStream, buffer: &mut BytesMut) -> io::Result<Bytes> {
    let mut body = BytesMut::new();
    loop {
        let line = read_line(stream, buffer).await?;
        let size = line.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(size, 16).map_err(|_| invalid("bad chunk size"))?;
        if size == 0 {
            // trailers, up to the empty line
            while !read_line(stream, buffer).await?.is_empty() {}
            return Ok(body.freeze());
        }
        if body.len() + size > MAX_BODY_BYTES {
            return Err(invalid("request body too large"));
        }
        while buffer.len() < size + 2 {
            fill(stream, buffer).await?;
        }
        body.extend_from_slice(&buffer[..size]);
        buffer.advance(size + 2);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn exchange(server: &FaultServer, request: &[u8]) -> (Vec<u8>, io::Result<()>) {
        let mut stream = TcpStream::connect(server.addr()).await.unwrap();
        stream.write_all(request).await.unwrap();
        let mut out = Vec::new();
        let result = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut out)).await.unwrap();
        (out, result.map(|_| ()))
    }

    #[tokio::test]
    async fn records_requests_and_counts_accepted_ids_only_on_a_complete_202() {
        let server = FaultServer::sequence(
            [Action::accepted(), Action::status(503), Action::reset_mid_response(202)],
            Action::status(404),
        )
        .await
        .unwrap();
        let body = br#"{"events":[{"event_id":"a"},{"event_id":"b"},{}]}"#;
        let request = |path: &str| {
            let mut r = format!(
                "POST {path} HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            )
            .into_bytes();
            r.extend_from_slice(body);
            r
        };
        let (out, _) = exchange(&server, &request("/events/bulk")).await;
        assert!(out.starts_with(b"HTTP/1.1 202 Accepted\r\n"), "{}", String::from_utf8_lossy(&out));
        let (out, _) = exchange(&server, &request("/events/bulk")).await;
        assert!(out.starts_with(b"HTTP/1.1 503 "));
        let (_, result) = exchange(&server, &request("/events/bulk")).await;
        assert_eq!(result.unwrap_err().kind(), io::ErrorKind::ConnectionReset);
        server.settled().await;
        assert_eq!(
            server.outcomes(),
            [Some(Outcome::Answered(202)), Some(Outcome::Answered(503)), Some(Outcome::ResetMidResponse(202))]
        );
        let accepted: Vec<(String, usize)> = server.accepted().into_iter().collect();
        assert_eq!(accepted, [("a".to_owned(), 1), ("b".to_owned(), 1)]);
        assert_eq!(server.accepted_without_id(), 1);
        let requests = server.requests();
        assert_eq!(requests[2].path(), "/events/bulk");
        assert_eq!(requests[2].header("CONTENT-LENGTH"), Some(body.len().to_string().as_str()));
        assert_eq!(requests[2].body.as_ref(), body);
        assert_eq!(requests[2].connection, 2);
    }

    #[tokio::test]
    async fn keep_alive_chunked_requests_and_truncation() {
        let big = Bytes::from(vec![b'x'; 200_000]);
        let server = FaultServer::sequence(
            [
                Action::reply(Reply::new(200).body(big.clone()).chunked()),
                Action::truncate(Reply::new(200).body("0123456789"), 4),
            ],
            Action::silence(),
        )
        .await
        .unwrap();
        let request =
            b"POST /q?x=1 HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;ext=1\r\nde\r\n0\r\n\r\n\
                        GET /next HTTP/1.1\r\n\r\n";
        let (out, _) = exchange(&server, request).await;
        let text = String::from_utf8_lossy(&out);
        assert!(text.starts_with("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n10000\r\n"), "{}", &text[..80]);
        assert!(text.ends_with("HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\n0123"), "{}", &text[text.len() - 80..]);
        server.settled().await;
        let requests = server.requests();
        assert_eq!(requests.len(), 2);
        assert_eq!(requests[0].body.as_ref(), b"abcde");
        assert_eq!(requests[0].path(), "/q");
        assert_eq!(requests[1].method, "GET");
        assert_eq!(requests[0].connection, requests[1].connection);
        assert_eq!(server.outcomes(), [Some(Outcome::Answered(200)), Some(Outcome::Truncated(200))]);
    }

    #[tokio::test]
    async fn silence_ends_when_the_client_leaves_and_close_listener_refuses_connections() {
        let mut server = FaultServer::always(Action::delay(Duration::from_secs(30), Action::accepted())).await.unwrap();
        let mut stream = TcpStream::connect(server.addr()).await.unwrap();
        stream.write_all(b"POST /events HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}").await.unwrap();
        while server.request_count() == 0 {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        drop(stream);
        tokio::time::timeout(Duration::from_secs(5), server.settled()).await.unwrap();
        assert_eq!(server.outcomes(), [Some(Outcome::ClientGone)]);

        // a connection left silent is closed when the listener closes
        let mut idle = TcpStream::connect(server.addr()).await.unwrap();
        while server.connections() < 2 {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        server.close_listener().await;
        let mut out = Vec::new();
        let read = tokio::time::timeout(Duration::from_secs(5), idle.read_to_end(&mut out)).await.unwrap();
        assert!(read.is_err() || out.is_empty());
        let refused = TcpStream::connect(server.addr()).await.unwrap_err();
        assert_eq!(refused.kind(), io::ErrorKind::ConnectionRefused);
        assert_eq!(server.request_count(), 1);
    }

    #[tokio::test]
    async fn dropping_the_server_closes_its_connections_and_listener() {
        let server = FaultServer::always(Action::silence()).await.unwrap();
        let addr = server.addr();
        let mut stream = TcpStream::connect(addr).await.unwrap();
        stream.write_all(b"GET / HTTP/1.1\r\n\r\n").await.unwrap();
        while server.request_count() == 0 {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        drop(server);
        // the silent connection ends (EOF or reset) instead of hanging
        let mut out = Vec::new();
        let read = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut out)).await.unwrap();
        assert!(read.is_err() || out.is_empty());
        let refused = TcpStream::connect(addr).await.unwrap_err();
        assert_eq!(refused.kind(), io::ErrorKind::ConnectionRefused);
    }
}
