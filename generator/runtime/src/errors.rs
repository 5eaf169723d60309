//! Error types shared by every operation.
//!
//! The generated `Error` enum wraps these: a declared error response ([`ApiError`]), a status the
//! operation does not declare ([`UnexpectedStatus`]), a failure to talk to the server
//! ([`TransportError`]), a response body that did not decode ([`DecodeError`]) and a request
//! rejected before anything was sent ([`InvalidRequest`]).

use std::error::Error as StdError;
use std::fmt;
use std::sync::Arc;

use bytes::Bytes;
use reqwest::header::HeaderMap;
use reqwest::StatusCode;

/// Response headers that may carry a server-assigned request id, in the order they are looked
/// up by [`ResponseMeta::request_id`].
pub const REQUEST_ID_HEADERS: &[&str] =
    &["x-request-id", "request-id", "x-amzn-requestid", "x-correlation-id", "x-trace-id", "cf-ray"];

/// Longest piece of a response body quoted in an error message, in characters.
const BODY_EXCERPT_CHARS: usize = 200;

/// Status, headers and attempt count of an HTTP response.
///
/// Cheap to clone: the data is shared behind an [`Arc`].
#[derive(Clone)]
pub struct ResponseMeta {
    inner: Arc<MetaInner>,
}

struct MetaInner {
    status: StatusCode,
    headers: HeaderMap,
    attempts: u32,
}

impl ResponseMeta {
    /// Creates the metadata of a response received after `attempts` attempts.
    pub fn new(status: StatusCode, headers: HeaderMap, attempts: u32) -> Self {
        ResponseMeta { inner: Arc::new(MetaInner { status, headers, attempts }) }
    }

    /// HTTP status code.
    pub fn status(&self) -> StatusCode {
        self.inner.status
    }

    /// Response headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.inner.headers
    }

    /// Request id assigned by the server or a proxy: the value of the first of the
    /// headers `x-request-id`, `request-id`, `x-amzn-requestid`, `x-correlation-id`, `x-trace-id`
    /// and `cf-ray` present in the response (and valid text).
    pub fn request_id(&self) -> Option<&str> {
        REQUEST_ID_HEADERS.iter().find_map(|name| {
            self.inner.headers.get(*name).and_then(|v| v.to_str().ok()).map(str::trim).filter(|v| !v.is_empty())
        })
    }

    /// How many attempts the call took (1 when the first attempt got this response).
    pub fn attempts(&self) -> u32 {
        self.inner.attempts
    }
}

impl fmt::Debug for ResponseMeta {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResponseMeta")
            .field("status", &self.inner.status)
            .field("request_id", &self.request_id())
            .field("attempts", &self.inner.attempts)
            .field("headers", &self.inner.headers)
            .finish()
    }
}

/// Writes `HTTP 400 Bad Request`, then `: <message>` when there is one, then
/// ` (request id abc)` when known.
fn write_status(f: &mut fmt::Formatter<'_>, meta: &ResponseMeta, message: Option<&str>) -> fmt::Result {
    let status = meta.status();
    write!(f, "HTTP {}", status.as_u16())?;
    if let Some(reason) = status.canonical_reason() {
        write!(f, " {reason}")?;
    }
    if let Some(message) = message {
        write!(f, ": {message}")?;
    }
    if let Some(id) = meta.request_id() {
        write!(f, " (request id {id})")?;
    }
    Ok(())
}

/// The message a server put in an error body, on one line and at most [`BODY_EXCERPT_CHARS`]
/// characters long.
///
/// JSON bodies are searched for the common shapes, in this order: `{"error": {"message": ..}}`,
/// `{"error": ".."}`, `{"message": ..}`, `{"detail": ..}` (RFC 9457 problem details; its
/// `title` when there is no `detail`), `{"error_description": ..}`, and the first of
/// `{"errors": [{"message": ..}]}` or `{"errors": [".."]}`. A JSON body of another shape has no
/// message (its fields are the typed body's to show); a text body is its own message; an HTML
/// page is not one.
pub fn server_message(body: &[u8]) -> Option<String> {
    fn text(value: &serde_json::Value) -> Option<&str> {
        value.as_str().map(str::trim).filter(|s| !s.is_empty())
    }
    fn find(v: &serde_json::Value) -> Option<&str> {
        let error = v.get("error");
        error
            .and_then(|e| e.get("message").and_then(text).or_else(|| e.get("detail").and_then(text)))
            .or_else(|| error.and_then(text))
            .or_else(|| v.get("message").and_then(text))
            .or_else(|| v.get("detail").and_then(text))
            .or_else(|| v.get("title").and_then(text))
            .or_else(|| v.get("error_description").and_then(text))
            .or_else(|| {
                let first = v.get("errors")?.as_array()?.first()?;
                first.get("message").and_then(text).or_else(|| text(first))
            })
    }
    let trimmed = body.trim_ascii();
    if trimmed.is_empty() {
        return None;
    }
    if matches!(trimmed.first(), Some(b'{' | b'[')) {
        if let Ok(value) = serde_json::from_slice::<serde_json::Value>(trimmed) {
            return find(&value).map(|m| body_excerpt(m.as_bytes()));
        }
    }
    if trimmed.first() == Some(&b'<') {
        return None;
    }
    Some(body_excerpt(trimmed))
}

/// Whether a later attempt may succeed where a response with this status failed: 408, 429,
/// 500, 502, 503 and 504.
pub fn is_retryable_status(status: StatusCode) -> bool {
    super::defaults::RETRYABLE_STATUSES.contains(&status.as_u16())
}

/// The first [`BODY_EXCERPT_CHARS`] characters of a body, on one line.
fn body_excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let mut out: String =
        text.trim().chars().take(BODY_EXCERPT_CHARS).map(|c| if c.is_control() { ' ' } else { c }).collect();
    if text.trim().chars().nth(BODY_EXCERPT_CHARS).is_some() {
        out.push('…');
    }
    out
}

/// An error response the operation declares: its status, headers and body, decoded into `T`
/// when it matches.
///
/// The status decides the variant of the crate's `Error`: a declared status whose body is not
/// the declared type (a proxy's HTML page, a plain-text message) is still this error, with
/// [`body`](Self::body) `None`, [`body_error`](Self::body_error) saying why, and the server's
/// text in [`message`](Self::message) and `Display`.
#[derive(Clone)]
pub struct ApiError<T> {
    meta: ResponseMeta,
    body: Result<T, DecodeError>,
    raw: Bytes,
}

impl<T> ApiError<T> {
    /// Creates an API error from the response metadata, the body's decoding and the raw body
    /// (for tests of code that handles errors, too).
    pub fn new(meta: ResponseMeta, body: Result<T, DecodeError>, raw: Bytes) -> Self {
        ApiError { meta, body, raw }
    }

    /// HTTP status code.
    pub fn status(&self) -> StatusCode {
        self.meta.status()
    }

    /// Response headers.
    pub fn headers(&self) -> &HeaderMap {
        self.meta.headers()
    }

    /// Request id assigned by the server, if the response carries one.
    pub fn request_id(&self) -> Option<&str> {
        self.meta.request_id()
    }

    /// Status, headers and attempt count.
    pub fn meta(&self) -> &ResponseMeta {
        &self.meta
    }

    /// The decoded error body; `None` when the body is not the declared type (see
    /// [`body_error`](Self::body_error) and [`raw_body`](Self::raw_body)).
    pub fn body(&self) -> Option<&T> {
        self.body.as_ref().ok()
    }

    /// Consumes the error and returns the decoded body, if the body decoded.
    pub fn into_body(self) -> Option<T> {
        self.body.ok()
    }

    /// Why the body did not decode into the declared type, if it did not.
    pub fn body_error(&self) -> Option<&DecodeError> {
        self.body.as_ref().err()
    }

    /// The body exactly as received.
    pub fn raw_body(&self) -> &[u8] {
        &self.raw
    }

    /// The server's message in the body, if it has one: a field such as `error.message`, `message`
    /// or `detail`, or a text body.
    pub fn message(&self) -> Option<String> {
        server_message(&self.raw)
    }
}

impl<T: fmt::Debug> fmt::Debug for ApiError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = f.debug_struct("ApiError");
        out.field("meta", &self.meta);
        match &self.body {
            Ok(body) => out.field("body", body),
            Err(e) => out.field("body_error", &e.message()).field("raw_body", &body_excerpt(&self.raw)),
        };
        out.finish()
    }
}

impl<T> fmt::Display for ApiError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A body that is not the declared type shows its start when it has no message, as an
        // undeclared status does: the reason is never lost.
        let shown =
            self.message().or_else(|| self.body.is_err().then(|| body_excerpt(&self.raw)).filter(|e| !e.is_empty()));
        write_status(f, &self.meta, shown.as_deref())
    }
}

impl<T: fmt::Debug> StdError for ApiError<T> {}

/// A response whose status the operation does not declare.
#[derive(Clone)]
pub struct UnexpectedStatus {
    meta: ResponseMeta,
    body: Bytes,
}

impl UnexpectedStatus {
    /// Creates the error from the response metadata and the raw body.
    pub fn new(meta: ResponseMeta, body: Bytes) -> Self {
        UnexpectedStatus { meta, body }
    }

    /// HTTP status code.
    pub fn status(&self) -> StatusCode {
        self.meta.status()
    }

    /// Response headers.
    pub fn headers(&self) -> &HeaderMap {
        self.meta.headers()
    }

    /// Request id assigned by the server, if the response carries one.
    pub fn request_id(&self) -> Option<&str> {
        self.meta.request_id()
    }

    /// Status, headers and attempt count.
    pub fn meta(&self) -> &ResponseMeta {
        &self.meta
    }

    /// The body exactly as received.
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// The body as text (invalid UTF-8 replaced by U+FFFD).
    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The server's message in the body, if it has one: a field such as `error.message`, `message`
    /// or `detail`, or a text body.
    pub fn message(&self) -> Option<String> {
        server_message(&self.body)
    }
}

impl fmt::Debug for UnexpectedStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnexpectedStatus").field("meta", &self.meta).field("body", &body_excerpt(&self.body)).finish()
    }
}

impl fmt::Display for UnexpectedStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("unexpected ")?;
        // The server's message, or else the start of whatever the body is (an HTML error
        // page from a proxy, say), so the reason is never lost.
        let shown = self.message().or_else(|| Some(body_excerpt(&self.body)).filter(|e| !e.is_empty()));
        write_status(f, &self.meta, shown.as_deref())
    }
}

impl StdError for UnexpectedStatus {}

/// What kind of failure a [`TransportError`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TransportErrorKind {
    /// Could not connect (DNS, refused, TLS handshake).
    Connect,
    /// The attempt took longer than its timeout.
    Timeout,
    /// The connection broke while sending the request or reading the response.
    Io,
    /// The response body is larger than the configured limit.
    BodyTooLarge,
    /// The request could not be built (invalid URL or header).
    Request,
    /// Anything else.
    Other,
}

impl TransportErrorKind {
    /// Short lowercase description, e.g. `"connect"`.
    pub fn as_str(self) -> &'static str {
        match self {
            TransportErrorKind::Connect => "connect",
            TransportErrorKind::Timeout => "timeout",
            TransportErrorKind::Io => "io",
            TransportErrorKind::BodyTooLarge => "body too large",
            TransportErrorKind::Request => "request",
            TransportErrorKind::Other => "other",
        }
    }
}

impl fmt::Display for TransportErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

type BoxError = Box<dyn StdError + Send + Sync + 'static>;

/// The server could not be reached, or the exchange broke before a full response arrived.
pub struct TransportError {
    kind: TransportErrorKind,
    message: String,
    attempts: u32,
    source: Option<BoxError>,
}

impl TransportError {
    /// Creates an error of `kind` with a message (which must not contain secrets).
    pub fn new(kind: TransportErrorKind, message: impl Into<String>) -> Self {
        TransportError { kind, message: message.into(), attempts: 1, source: None }
    }

    /// Attaches the underlying error.
    pub fn with_source(mut self, source: impl Into<BoxError>) -> Self {
        self.source = Some(source.into());
        self
    }

    /// Sets how many attempts were made.
    pub fn with_attempts(mut self, attempts: u32) -> Self {
        self.attempts = attempts;
        self
    }

    /// Classifies a `reqwest` error. The URL is removed from it, since it may carry an API key
    /// in its query.
    pub fn from_reqwest(err: reqwest::Error) -> Self {
        let err = err.without_url();
        let kind = if err.is_timeout() {
            TransportErrorKind::Timeout
        } else if err.is_connect() {
            TransportErrorKind::Connect
        } else if err.is_builder() {
            TransportErrorKind::Request
        } else if err.is_body() || err.is_decode() || err.is_request() {
            TransportErrorKind::Io
        } else {
            TransportErrorKind::Other
        };
        let what = match kind {
            TransportErrorKind::Timeout => "request timed out",
            TransportErrorKind::Connect => "could not connect",
            TransportErrorKind::Request => "could not build request",
            TransportErrorKind::Io => "connection failed",
            _ => "HTTP error",
        };
        // The innermost cause is the informative part ("Connection refused (os error 111)").
        let mut root: &(dyn StdError + 'static) = &err;
        while let Some(next) = root.source() {
            root = next;
        }
        let message =
            if std::ptr::addr_eq(root, &err) { format!("{what}: {err}") } else { format!("{what}: {err}: {root}") };
        TransportError::new(kind, message).with_source(err)
    }

    /// What kind of failure this is.
    pub fn kind(&self) -> TransportErrorKind {
        self.kind
    }

    /// The message, without the attempt count.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// How many attempts were made before giving up.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// Whether the attempt timed out.
    pub fn is_timeout(&self) -> bool {
        self.kind == TransportErrorKind::Timeout
    }

    /// Whether the connection could not be established.
    pub fn is_connect(&self) -> bool {
        self.kind == TransportErrorKind::Connect
    }
}

impl fmt::Debug for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TransportError")
            .field("kind", &self.kind)
            .field("message", &self.message)
            .field("attempts", &self.attempts)
            .finish()
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if self.attempts > 1 {
            write!(f, " (after {} attempts)", self.attempts)?;
        }
        Ok(())
    }
}

impl StdError for TransportError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.source.as_deref().map(|e| e as &(dyn StdError + 'static))
    }
}

/// A response body that could not be decoded into the expected type.
#[derive(Clone)]
pub struct DecodeError {
    meta: Option<ResponseMeta>,
    raw: Bytes,
    message: String,
}

impl DecodeError {
    /// Creates a decode error for the response `meta` (if there was one) and its raw body.
    pub fn new(meta: Option<ResponseMeta>, raw: Bytes, message: impl Into<String>) -> Self {
        DecodeError { meta, raw, message: message.into() }
    }

    /// A JSON body that did not decode into `type_name`. The message says whether the body is
    /// not JSON, ends early, or is JSON of another shape, and then where: the path of the value
    /// (`events[0].timestamp`) and serde's line and column.
    pub fn json(meta: Option<ResponseMeta>, raw: Bytes, type_name: &'static str, err: &serde_json::Error) -> Self {
        let ty = short_type_name(type_name);
        let what = match err.classify() {
            serde_json::error::Category::Syntax => "the body is not valid JSON".to_owned(),
            serde_json::error::Category::Eof => "the body ends before its JSON does".to_owned(),
            _ => format!("the body is not a `{ty}`"),
        };
        // serde's position is just past the value it could not read; at the end of the body
        // when the body ended early.
        let at = if err.is_eof() { raw.len() } else { byte_offset(&raw, err.line(), err.column()) };
        let path = json_path_at(&raw, at);
        let at = if path.is_empty() { String::new() } else { format!(" at `{path}`") };
        // chrono's words for a date or time it could not parse say nothing of the format.
        let err_text = err.to_string();
        let hint = if CHRONO_PARSE_ERRORS.iter().any(|m| err_text.starts_with(m)) {
            " (dates and times are RFC 3339 text: `2026-01-02T15:04:05Z` for a date-time, `2026-01-02` for a date)"
        } else {
            ""
        };
        let message = format!("{what}{at}: {err_text}{hint}");
        DecodeError::new(meta, raw, message)
    }

    /// Metadata of the response, if the body came from one.
    pub fn meta(&self) -> Option<&ResponseMeta> {
        self.meta.as_ref()
    }

    /// HTTP status of the response, if the body came from one.
    pub fn status(&self) -> Option<StatusCode> {
        self.meta.as_ref().map(ResponseMeta::status)
    }

    /// The body exactly as received.
    pub fn raw_body(&self) -> &[u8] {
        &self.raw
    }

    /// What went wrong.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Debug for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DecodeError")
            .field("meta", &self.meta)
            .field("message", &self.message)
            .field("body", &body_excerpt(&self.raw))
            .finish()
    }
}

/// How chrono's parse errors begin (its `ParseErrorKind`s), as serde passes them on.
const CHRONO_PARSE_ERRORS: [&str; 7] = [
    "input is out of range",
    "no possible date and time matching input",
    "input is not enough for unique date and time",
    "input contains invalid characters",
    "premature end of input",
    "trailing input",
    "bad or unsupported format string",
];

/// A type's name without its module paths: `BTreeMap<String, String>`, not
/// `alloc::collections::btree::map::BTreeMap<alloc::string::String, ..>`.
fn short_type_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    // Where the path being read starts in `out`.
    let mut path_start = 0;
    let mut chars = name.chars().peekable();
    while let Some(c) = chars.next() {
        if c == ':' && chars.peek() == Some(&':') {
            chars.next();
            out.truncate(path_start);
        } else {
            out.push(c);
            if !(c.is_alphanumeric() || c == '_') {
                path_start = out.len();
            }
        }
    }
    out
}

/// The byte offset of serde_json's 1-based `line` and `column` in `body`.
fn byte_offset(body: &[u8], line: usize, column: usize) -> usize {
    let line_start = body
        .iter()
        .enumerate()
        .filter(|(_, b)| **b == b'\n')
        .nth(line.saturating_sub(2))
        .map_or(0, |(at, _)| if line > 1 { at + 1 } else { 0 });
    (line_start + column.saturating_sub(1)).min(body.len())
}

/// The path (`events[0].timestamp`) of the JSON value being read just before byte `at` of
/// `body`: the keys and indexes of the objects and arrays open there. Empty at the top level.
fn json_path_at(body: &[u8], at: usize) -> String {
    enum Open {
        Object(Option<String>),
        Array(usize),
    }
    let mut open: Vec<Open> = Vec::new();
    let mut i = 0;
    while i < at.min(body.len()) {
        match body[i] {
            b'{' => open.push(Open::Object(None)),
            b'[' => open.push(Open::Array(0)),
            b'}' | b']' => {
                open.pop();
            }
            b',' => match open.last_mut() {
                Some(Open::Array(n)) => *n += 1,
                Some(Open::Object(key)) => *key = None,
                None => {}
            },
            b'"' => {
                let start = i + 1;
                let mut end = start;
                let mut escaped = false;
                while end < body.len() && (escaped || body[end] != b'"') {
                    escaped = !escaped && body[end] == b'\\';
                    end += 1;
                }
                // A string followed by `:` in an object is the key of the value that follows.
                if let Some(Open::Object(key @ None)) = open.last_mut() {
                    let next = body[(end + 1).min(body.len())..].iter().find(|b| !b.is_ascii_whitespace());
                    if next == Some(&b':') {
                        *key = Some(String::from_utf8_lossy(&body[start..end]).into_owned());
                    }
                }
                i = end;
            }
            _ => {}
        }
        i += 1;
    }
    let mut path = String::new();
    for level in &open {
        match level {
            Open::Object(Some(key)) => {
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(key);
            }
            Open::Object(None) => {}
            Open::Array(n) => path.push_str(&format!("[{n}]")),
        }
    }
    path
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(meta) = &self.meta {
            write_status(f, meta, None)?;
            // The server did what was asked: only its answer could not be read.
            f.write_str(if meta.status().is_success() { ": the request succeeded, but " } else { ": " })?;
        }
        f.write_str(&self.message)
    }
}

impl StdError for DecodeError {}

/// One reason a request was rejected before sending.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    /// Where in the request, e.g. `entries[3].name` (empty for the request as a whole).
    pub path: String,
    /// What is wrong, e.g. `must not be empty`.
    pub message: String,
}

impl Violation {
    /// Creates a violation at `path`.
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        Violation { path: path.into(), message: message.into() }
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

/// The request was rejected before anything was sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvalidRequest {
    violations: Vec<Violation>,
}

impl InvalidRequest {
    /// Creates the error from its violations.
    pub fn new(violations: Vec<Violation>) -> Self {
        InvalidRequest { violations }
    }

    /// An error with a single violation.
    pub fn single(path: impl Into<String>, message: impl Into<String>) -> Self {
        InvalidRequest::new(vec![Violation::new(path, message)])
    }

    /// Every violation found, in the order they were found.
    pub fn violations(&self) -> &[Violation] {
        &self.violations
    }

    /// Consumes the error and returns its violations.
    pub fn into_violations(self) -> Vec<Violation> {
        self.violations
    }
}

impl fmt::Display for InvalidRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.violations.is_empty() {
            return f.write_str("invalid request");
        }
        for (i, v) in self.violations.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{v}")?;
        }
        Ok(())
    }
}

impl StdError for InvalidRequest {}

/// Why a client could not be built.
#[derive(Debug)]
#[non_exhaustive]
pub enum BuildError {
    /// No base URL was given.
    MissingBaseUrl,
    /// The base URL is not an absolute `http` or `https` URL without query, fragment or
    /// credentials.
    InvalidBaseUrl {
        /// The URL as given, without its user info, query and fragment (shown as `***`), which
        /// may carry a secret.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A header name or value is invalid.
    InvalidHeader {
        /// The header name.
        name: String,
    },
    /// A credential cannot be sent in a header (it contains control characters, for instance).
    InvalidCredential {
        /// The security scheme of the credential.
        scheme: &'static str,
    },
    /// The HTTP client (TLS) could not be built.
    Client(reqwest::Error),
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BuildError::MissingBaseUrl => f.write_str("no base URL configured"),
            BuildError::InvalidBaseUrl { url, reason } => {
                write!(f, "invalid base URL `{url}`: {reason}")
            }
            BuildError::InvalidHeader { name } => write!(f, "invalid header `{name}`"),
            BuildError::InvalidCredential { scheme } => {
                write!(f, "the credential for security scheme `{scheme}` cannot be sent in an HTTP header")
            }
            BuildError::Client(e) => write!(f, "could not build the HTTP client: {e}"),
        }
    }
}

impl std::error::Error for BuildError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            BuildError::Client(e) => Some(e),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn meta(status: u16, headers: &[(&'static str, &'static str)]) -> ResponseMeta {
        let mut map = HeaderMap::new();
        for (k, v) in headers {
            map.append(*k, HeaderValue::from_static(v));
        }
        ResponseMeta::new(StatusCode::from_u16(status).unwrap(), map, 1)
    }

    fn assert_error<E: StdError + Send + Sync + 'static>() {}

    #[test]
    fn all_errors_are_send_sync_static() {
        assert_error::<ApiError<String>>();
        assert_error::<UnexpectedStatus>();
        assert_error::<TransportError>();
        assert_error::<DecodeError>();
        assert_error::<InvalidRequest>();
    }

    #[test]
    fn request_id_uses_first_present_header() {
        assert_eq!(meta(200, &[]).request_id(), None);
        let m = meta(200, &[("cf-ray", "ray1"), ("request-id", "rid")]);
        assert_eq!(m.request_id(), Some("rid"));
        let m = meta(200, &[("x-request-id", "abc"), ("request-id", "rid")]);
        assert_eq!(m.request_id(), Some("abc"));
        let m = meta(200, &[("x-request-id", "  "), ("cf-ray", "ray1")]);
        assert_eq!(m.request_id(), Some("ray1"));
    }

    #[test]
    fn api_error_display_is_status_and_request_id() {
        let e = ApiError::new(
            meta(400, &[("x-request-id", "req-7")]),
            Ok("secret body".to_string()),
            Bytes::from_static(b"{\"message\":\"secret body\"}"),
        );
        assert_eq!(e.to_string(), "HTTP 400 Bad Request: secret body (request id req-7)");
        assert_eq!(e.message().as_deref(), Some("secret body"));
        assert_eq!(e.body().map(String::as_str), Some("secret body"));
        assert!(e.body_error().is_none());
        assert_eq!(e.raw_body(), b"{\"message\":\"secret body\"}");
        assert_eq!(e.status(), StatusCode::BAD_REQUEST);
        let e2 = ApiError::new(meta(404, &[]), Ok(()), Bytes::new());
        assert_eq!(e2.to_string(), "HTTP 404 Not Found");
    }

    #[test]
    fn api_error_whose_body_is_not_the_declared_type_keeps_the_status_and_the_text() {
        let undecoded = |status, body: &'static str| {
            let raw = Bytes::from_static(body.as_bytes());
            let failed = DecodeError::new(Some(meta(status, &[])), raw.clone(), "not the declared type");
            ApiError::<Vec<u8>>::new(meta(status, &[]), Err(failed), raw)
        };
        let text = undecoded(400, "event_name is required");
        assert_eq!(text.to_string(), "HTTP 400 Bad Request: event_name is required");
        assert_eq!(text.message().as_deref(), Some("event_name is required"));
        assert!(text.body().is_none());
        assert_eq!(text.body_error().map(DecodeError::message), Some("not the declared type"));
        let shape = undecoded(400, r#"{"error":"event_name is required"}"#);
        assert_eq!(shape.to_string(), "HTTP 400 Bad Request: event_name is required");
        // An HTML page has no message; its start is shown instead.
        let html = undecoded(500, "<html><body>Internal error</body></html>");
        assert_eq!(html.to_string(), "HTTP 500 Internal Server Error: <html><body>Internal error</body></html>");
        assert!(format!("{html:?}").contains("body_error"), "{html:?}");
        assert!(html.into_body().is_none());
    }

    #[test]
    fn server_messages_come_from_the_common_body_shapes() {
        let m = |body: &str| server_message(body.as_bytes());
        assert_eq!(
            m(r#"{"error":{"message":"event_name is required","internal_error":"x"}}"#).as_deref(),
            Some("event_name is required")
        );
        assert_eq!(m(r#"{"error":"invalid_grant","error_description":"expired"}"#).as_deref(), Some("invalid_grant"));
        assert_eq!(m(r#"{"message":"Not Found","code":404}"#).as_deref(), Some("Not Found"));
        assert_eq!(
            m(r#"{"type":"about:blank","title":"Bad","detail":"start_time is after end_time"}"#).as_deref(),
            Some("start_time is after end_time")
        );
        assert_eq!(m(r#"{"title":"Bad Request"}"#).as_deref(), Some("Bad Request"));
        assert_eq!(m(r#"{"errors":[{"message":"first"},{"message":"second"}]}"#).as_deref(), Some("first"));
        assert_eq!(m(r#"{"errors":["only"]}"#).as_deref(), Some("only"));
        assert_eq!(m(r#"{"error":{"message":"  "},"message":"fallback"}"#).as_deref(), Some("fallback"));
        // Bodies without a message.
        assert_eq!(m(r#"{"code":42}"#), None);
        assert_eq!(m(""), None);
        assert_eq!(m("<html><body>502 Bad Gateway</body></html>"), None);
        // Text is its own message, on one line and bounded.
        assert_eq!(m("rate limited\ntry later").as_deref(), Some("rate limited try later"));
        assert!(m(&"y".repeat(1000)).unwrap().chars().count() <= BODY_EXCERPT_CHARS + 1);
        // The statuses the doc of `is_retryable_status` names, and no others.
        for code in 100..600 {
            let documented = [408, 429, 500, 502, 503, 504].contains(&code);
            assert_eq!(is_retryable_status(StatusCode::from_u16(code).unwrap()), documented, "{code}");
        }
    }

    #[test]
    fn unexpected_status_shows_the_server_message_before_the_body() {
        let e = UnexpectedStatus::new(
            meta(409, &[("x-request-id", "r1")]),
            Bytes::from_static(br#"{"message":"duplicate"}"#),
        );
        assert_eq!(e.to_string(), "unexpected HTTP 409 Conflict: duplicate (request id r1)");
        let e = UnexpectedStatus::new(meta(502, &[]), Bytes::from_static(b"<html>bad gateway</html>"));
        assert_eq!(e.to_string(), "unexpected HTTP 502 Bad Gateway: <html>bad gateway</html>");
    }

    #[test]
    fn unexpected_status_display_truncates_body() {
        let long = "x".repeat(500);
        let e = UnexpectedStatus::new(meta(418, &[]), Bytes::from(long.clone()));
        let shown = e.to_string();
        assert!(shown.starts_with("unexpected HTTP 418 I'm a teapot: xxx"));
        assert!(shown.chars().count() < 260, "{shown}");
        assert_eq!(e.body_text(), long);
        let e = UnexpectedStatus::new(meta(599, &[]), Bytes::from_static(b"oops\nline"));
        assert_eq!(e.to_string(), "unexpected HTTP 599: oops line");
    }

    #[test]
    fn transport_error_display_and_source() {
        let io = std::io::Error::new(std::io::ErrorKind::ConnectionReset, "reset");
        let e =
            TransportError::new(TransportErrorKind::Io, "connection failed: reset").with_source(io).with_attempts(3);
        assert_eq!(e.to_string(), "connection failed: reset (after 3 attempts)");
        assert!(e.source().is_some());
        assert_eq!(e.kind(), TransportErrorKind::Io);
        assert!(!e.is_timeout() && !e.is_connect());
        assert_eq!(e.attempts(), 3);
    }

    #[test]
    fn decode_error_keeps_raw_body_and_serde_position() {
        let raw = Bytes::from_static(b"{\"a\": tru}");
        let err = serde_json::from_slice::<serde_json::Value>(&raw).unwrap_err();
        let e = DecodeError::json(Some(meta(200, &[])), raw.clone(), "my::Type", &err);
        let shown = e.to_string();
        assert!(
            shown.starts_with("HTTP 200 OK: the request succeeded, but the body is not valid JSON at `a`"),
            "{shown}"
        );
        assert!(shown.contains("line 1 column"), "{shown}");
        assert_eq!(e.raw_body(), &raw[..]);
        assert_eq!(e.status(), Some(StatusCode::OK));
    }

    /// Decodes `body` as `T` the way a response is decoded, and gives the error's text.
    fn decode_message<T: serde::de::DeserializeOwned + fmt::Debug>(status: u16, body: &'static str) -> String {
        let raw = Bytes::from_static(body.as_bytes());
        let err = serde_json::from_slice::<T>(&raw).unwrap_err();
        DecodeError::json(Some(meta(status, &[])), raw, std::any::type_name::<T>(), &err).to_string()
    }

    #[test]
    fn decode_errors_name_the_type_shortly_and_the_path_of_the_value() {
        use std::collections::BTreeMap;
        /// Refuses a string without `T`, as a date-time type refuses one it cannot parse.
        #[derive(Debug)]
        struct Stamp;
        impl<'de> serde::Deserialize<'de> for Stamp {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = String::deserialize(d)?;
                text.contains('T').then_some(Stamp).ok_or_else(|| serde::de::Error::custom("premature end of input"))
            }
        }
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)] // read only by Debug
        struct Event {
            timestamp: Stamp,
        }
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct Page {
            events: Vec<Event>,
        }
        let m = decode_message::<BTreeMap<String, String>>(202, r#"{"message":"ok","count":2}"#);
        assert!(
            m.starts_with("HTTP 202 Accepted: the request succeeded, but the body is not a `BTreeMap<String, String>` at `count`: invalid type: integer `2`"),
            "{m}"
        );
        let m = decode_message::<Page>(
            200,
            r#"{"events": [{"timestamp": "2024-03-20T15:04:05Z"}, {"timestamp": "2024-03-20 15:04:05"}]}"#,
        );
        assert!(m.contains("the body is not a `Page` at `events[1].timestamp`: premature end of input"), "{m}");
        assert!(
            m.ends_with(
                "(dates and times are RFC 3339 text: `2026-01-02T15:04:05Z` for a date-time, `2026-01-02` for a date)"
            ),
            "{m}"
        );
        let m = decode_message::<Page>(200, r#"{"events": [{"time\"stamp": 1, "timestamp": "yesterday"}]}"#);
        assert!(m.contains("at `events[0].timestamp`: "), "{m}");
        let m = decode_message::<Page>(200, r#"{"events": [{"timestamp": "2024-03-20T15:04:05Z"}"#);
        assert!(m.contains("the body ends before its JSON does at `events[0]`"), "{m}");
        let m = decode_message::<Page>(200, "Accepted");
        assert!(m.contains("the body is not valid JSON: expected value at line 1 column 1"), "{m}");
        let m = decode_message::<Vec<Option<u8>>>(400, "[1,\n2,\n\"x\"]");
        assert!(m.starts_with("HTTP 400 Bad Request: the body is not a `Vec<Option<u8>>` at `[2]`: "), "{m}");
    }

    #[test]
    fn short_type_names_drop_module_paths() {
        assert_eq!(
            short_type_name("alloc::collections::btree::map::BTreeMap<alloc::string::String, alloc::string::String>"),
            "BTreeMap<String, String>"
        );
        assert_eq!(short_type_name("core::option::Option<flexprice::models::Event>"), "Option<Event>");
        assert_eq!(short_type_name("(u8, [a::B; 2], &c::D)"), "(u8, [B; 2], &D)");
    }

    #[test]
    fn invalid_request_lists_violations() {
        let e = InvalidRequest::new(vec![
            Violation::new("entries", "must contain at most 1000 items (got 1001)"),
            Violation::new("entries[3].name", "must not be empty"),
        ]);
        assert_eq!(
            e.to_string(),
            "entries: must contain at most 1000 items (got 1001); entries[3].name: must not be empty"
        );
        assert_eq!(InvalidRequest::single("", "bad").to_string(), "bad");
        assert_eq!(e.violations().len(), 2);
    }

    #[test]
    fn sizes_stay_small() {
        assert!(std::mem::size_of::<DecodeError>() <= 64);
        assert!(std::mem::size_of::<UnexpectedStatus>() <= 48);
        assert!(std::mem::size_of::<TransportError>() <= 64);
    }
}
