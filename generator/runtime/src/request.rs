//! Building a request: the static description of an operation, path and parameter encoding,
//! and the [`PreparedRequest`] (path, query, headers and body, encoded once) that every attempt
//! of a call replays.

use std::borrow::Cow;

use bytes::Bytes;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue, CONTENT_TYPE};
use serde::Serialize;

use super::errors::{InvalidRequest, Violation};

/// The static description of an operation.
#[derive(Debug)]
pub struct OperationSpec {
    /// Name of the operation (its method name), e.g. `create_item`.
    pub name: &'static str,
    /// HTTP method.
    pub method: reqwest::Method,
    /// Path template from the API description, e.g. `/items/{id}` (for tracing).
    pub path: &'static str,
    /// Statuses whose body is decoded as the operation's result.
    pub success: &'static [u16],
    /// Error statuses the operation declares: codes, the class digit for a `4XX` or `5XX`
    /// range (`4`, `5`), and `0` for a `default` response (no real status is below 100).
    pub errors: &'static [u16],
    /// Names of the security schemes of which any one suffices; empty for none.
    pub security: &'static [&'static str],
}

/// Percent-encodes a path parameter: everything outside the unreserved characters
/// (`A-Z a-z 0-9 - . _ ~`) is encoded, and `.` / `..` are encoded too, so that a value can
/// never change the path's structure.
pub fn encode_path_segment(segment: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    if segment == "." || segment == ".." {
        return segment.replace('.', "%2E");
    }
    let mut out = String::with_capacity(segment.len());
    for &b in segment.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 15)]));
        }
    }
    out
}

/// A new idempotency key: a UUID v7 (time-ordered, to the millisecond), hyphenated.
///
/// Its 74 random bits come from the thread's `fastrand` generator (seeded once per thread),
/// not from a `getrandom` system call per key as `Uuid::now_v7` makes: a key must be unique,
/// not unguessable, and that call was the largest part of the ingestor's cost of queueing an
/// event (`cargo xtask bench`).
pub fn new_idempotency_key() -> String {
    let millis = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
    let mut random = [0u8; 10];
    fastrand::fill(&mut random);
    let mut text = [0u8; uuid::fmt::Hyphenated::LENGTH];
    let uuid = uuid::Builder::from_unix_timestamp_millis(millis, &random).into_uuid();
    uuid.hyphenated().encode_lower(&mut text).to_owned()
}

/// Whether a header value should be hidden from `Debug` output and HTTP/2 header compression.
pub fn is_sensitive_header(name: &HeaderName) -> bool {
    const WORDS: [&[u8]; 9] =
        [b"api-key", b"apikey", b"api_key", b"token", b"secret", b"auth", b"password", b"session", b"signature"];
    let n = name.as_str();
    if matches!(n, "authorization" | "proxy-authorization" | "cookie") {
        return true;
    }
    // One pass over the (short) name, comparing only where a word can start: nine
    // `str::contains` calls cost ~2,900 instructions per request (callgrind, `cargo xtask bench`).
    let n = n.as_bytes();
    (0..n.len()).any(|i| {
        matches!(n[i], b'a' | b't' | b's' | b'p')
            && WORDS.iter().any(|word| word[0] == n[i] && n[i..].starts_with(word))
    })
}
/// A request as built by an operation: path, query, headers and encoded body.
///
/// The body is encoded once and replayed unchanged on every attempt. Invalid header values are
/// collected and reported as [`InvalidRequest`] before anything is sent.
#[derive(Clone)]
pub struct PreparedRequest {
    path: String,
    pub(super) query: Vec<(Cow<'static, str>, String)>,
    headers: HeaderMap,
    pub(super) body: Option<Bytes>,
    problems: Vec<Violation>,
}

impl PreparedRequest {
    /// A request for `path` (already substituted and encoded, starting with `/`), relative to
    /// the base URL.
    pub fn new(path: String) -> Self {
        PreparedRequest { path, query: Vec::new(), headers: HeaderMap::new(), body: None, problems: Vec::new() }
    }

    /// Adds a query parameter (repeat it for arrays).
    pub fn query(mut self, name: impl Into<Cow<'static, str>>, value: impl ToString) -> Self {
        self.query.push((name.into(), value.to_string()));
        self
    }

    //@ if query_objects
    /// Adds the fields of an object parameter as query parameters of their own (`style: form`,
    /// `explode: true`, the default of a query parameter): `{"k": "v", "n": [1, 2]}` is
    /// `k=v&n=1&n=2`; `null` fields are left out.
    pub fn query_object<T: Serialize + ?Sized>(mut self, value: &T) -> Self {
        if let Ok(serde_json::Value::Object(fields)) = serde_json::to_value(value) {
            for (name, value) in fields {
                self = self.query_each(name, &value);
            }
        }
        self
    }
    //@ end

    //@ if query_lists
    /// Adds a parameter whose value may be a list (a union of a value and a list of them) in
    /// the default query style (`form`, exploded): a list is one pair per item (`tag=a&tag=b`),
    /// anything else one pair; `null` is left out.
    pub fn query_each<T: Serialize + ?Sized>(mut self, name: impl Into<Cow<'static, str>>, value: &T) -> Self {
        let name = name.into();
        match serde_json::to_value(value) {
            Ok(serde_json::Value::Array(items)) => {
                for item in items.iter().filter(|i| !i.is_null()) {
                    self.query.push((name.clone(), param_text(item)));
                }
            }
            Ok(serde_json::Value::Null) | Err(_) => {}
            Ok(other) => self.query.push((name, param_text(&other))),
        }
        self
    }
    //@ end

    /// Adds a query parameter if `value` is `Some`.
    pub fn query_opt(self, name: impl Into<Cow<'static, str>>, value: Option<impl ToString>) -> Self {
        match value {
            Some(value) => self.query(name, value),
            None => self,
        }
    }

    fn set_header(&mut self, name: &str, value: String, append: bool) {
        let parsed = HeaderName::from_bytes(name.as_bytes()).ok().zip(HeaderValue::try_from(value).ok());
        match parsed {
            Some((name, mut value)) => {
                value.set_sensitive(is_sensitive_header(&name));
                if append {
                    self.headers.append(name, value);
                } else {
                    self.headers.insert(name, value);
                }
            }
            None => self
                .problems
                .push(Violation::new(format!("header {name}"), "is not a valid HTTP header (control characters?)")),
        }
    }

    /// Adds a header (several values of one name are all sent).
    pub fn header(mut self, name: &str, value: impl ToString) -> Self {
        self.set_header(name, value.to_string(), true);
        self
    }

    /// Adds a header if `value` is `Some`.
    pub fn header_opt(self, name: &str, value: Option<impl ToString>) -> Self {
        match value {
            Some(value) => self.header(name, value),
            None => self,
        }
    }

    pub(super) fn set_body(mut self, body: Bytes, content_type: &str) -> Self {
        match HeaderValue::from_str(content_type) {
            // `Content-Type` is a standard header and never sensitive: no name parsing or scan.
            Ok(value) => {
                self.headers.insert(CONTENT_TYPE, value);
            }
            Err(_) => self.set_header(CONTENT_TYPE.as_str(), content_type.to_owned(), false),
        }
        self.body = Some(body);
        self
    }

    /// [`set_body`](Self::set_body) with a constant content type: nothing to check or copy
    /// (this runs on every JSON request).
    fn set_body_static(mut self, body: Bytes, content_type: &'static str) -> Self {
        self.headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
        self.body = Some(body);
        self
    }

    /// Serializes `body` as JSON (once) with content type `application/json`.
    pub fn json<B: Serialize + ?Sized>(self, body: &B) -> Result<Self, InvalidRequest> {
        self.json_encoded(serde_json::to_vec(body), None)
    }

    //@ if json_media
    /// Serializes `body` as JSON (once) with the JSON media type the operation declares
    /// (`application/merge-patch+json`, `application/vnd.api+json`, ...).
    pub fn json_as<B: Serialize + ?Sized>(self, body: &B, content_type: &str) -> Result<Self, InvalidRequest> {
        self.json_encoded(serde_json::to_vec(body), Some(content_type))
    }
    //@ end

    /// The part of [`json`](Self::json) that does not depend on the body's type.
    fn json_encoded(
        self,
        encoded: serde_json::Result<Vec<u8>>,
        content_type: Option<&str>,
    ) -> Result<Self, InvalidRequest> {
        match (encoded, content_type) {
            (Ok(bytes), None) => Ok(self.set_body_static(Bytes::from(bytes), "application/json")),
            (Ok(bytes), Some(content_type)) => Ok(self.set_body(Bytes::from(bytes), content_type)),
            (Err(e), _) => Err(InvalidRequest::single("body", format!("could not be serialized as JSON: {e}"))),
        }
    }

    /// Encodes `pairs` as `application/x-www-form-urlencoded`.
    pub fn form<K, V>(self, pairs: impl IntoIterator<Item = (K, V)>) -> Self
    where
        K: AsRef<str>,
        V: AsRef<str>,
    {
        let mut serializer = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in pairs {
            serializer.append_pair(k.as_ref(), v.as_ref());
        }
        let encoded = serializer.finish();
        self.set_body_static(Bytes::from(encoded), "application/x-www-form-urlencoded")
    }

    /// Encodes the top-level fields of a serializable object as a form: strings as they
    /// are, other values as JSON text; `null` fields are left out.
    pub fn form_json<B: Serialize + ?Sized>(self, body: &B) -> Result<Self, InvalidRequest> {
        let pairs = object_fields(body)?;
        Ok(self.form(pairs))
    }

    /// Sends `text` as `text/plain; charset=utf-8`.
    pub fn text(self, text: String) -> Self {
        self.set_body_static(Bytes::from(text), "text/plain; charset=utf-8")
    }

    /// Sends raw bytes with the given content type.
    pub fn binary(self, data: Bytes, content_type: &str) -> Self {
        self.set_body(data, content_type)
    }

    /// The path, relative to the base URL.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The query parameters in order.
    pub fn query_pairs(&self) -> &[(Cow<'static, str>, String)] {
        &self.query
    }

    /// The headers set by the operation.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The encoded body, if any.
    pub fn body(&self) -> Option<&Bytes> {
        self.body.as_ref()
    }

    /// `Err` if a header could not be set.
    pub fn check(self) -> Result<Self, InvalidRequest> {
        if self.problems.is_empty() {
            Ok(self)
        } else {
            Err(InvalidRequest::new(self.problems))
        }
    }
}

impl std::fmt::Debug for PreparedRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The body is not shown: it may be large or personal.
        f.debug_struct("PreparedRequest")
            .field("path", &self.path)
            .field("query", &self.query)
            .field("headers", &self.headers)
            .field("body_len", &self.body.as_ref().map(Bytes::len))
            .field("problems", &self.problems)
            .finish()
    }
}

/// The top-level fields of a value that serializes as a JSON object, as text.
pub(super) fn object_fields<B: Serialize + ?Sized>(body: &B) -> Result<Vec<(String, String)>, InvalidRequest> {
    Ok(object_values(body)?
        .into_iter()
        .filter(|(_, v)| !v.is_null())
        .map(|(k, v)| match v {
            serde_json::Value::String(s) => (k, s),
            other => (k, other.to_string()),
        })
        .collect())
}

/// The top-level fields of a serializable object, as JSON values.
pub(super) fn object_values<B: Serialize + ?Sized>(
    body: &B,
) -> Result<serde_json::Map<String, serde_json::Value>, InvalidRequest> {
    let value = serde_json::to_value(body)
        .map_err(|e| InvalidRequest::single("body", format!("could not be serialized: {e}")))?;
    match value {
        serde_json::Value::Object(map) => Ok(map),
        _ => Err(InvalidRequest::single("body", "a form body must be an object")),
    }
}

//@ if query_lists
/// A path parameter that may be a list (`style: simple`): its items, each percent-encoded, joined
/// by commas left as they are (`p1,p2`), so a comma inside an item stays told apart.
pub fn path_list<T: Serialize + ?Sized>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::Array(items)) => {
            items.iter().map(|i| encode_path_segment(&param_text(i))).collect::<Vec<_>>().join(",")
        }
        _ => encode_path_segment(&param_text(value)),
    }
}

/// The text form of a parameter value that may be a list, in a style that does not explode it
/// (`form` with `explode: false`, `simple`, the delimited styles): a list's items joined by
/// `sep` (`a,b`), anything else as [`param_text`] writes it.
pub fn list_text<T: Serialize + ?Sized>(value: &T, sep: &str) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::Array(items)) => items.iter().map(param_text).collect::<Vec<_>>().join(sep),
        _ => param_text(value),
    }
}
//@ end

/// The text form of a parameter value: a string as it is, a number or boolean printed, `null`
/// as nothing, anything else (an object, an array) as JSON text.
pub fn param_text<T: Serialize + ?Sized>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(serde_json::Value::Null) | Err(_) => String::new(),
        Ok(other) => other.to_string(),
    }
}
