//! Configuration of a client: credentials and how each is sent, base URLs, timeouts, hooks,
//! default headers, and the [`ClientCore`] they build (shared by every operation).

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue, AUTHORIZATION, USER_AGENT};
use url::Url;

use super::defaults;
use super::errors::BuildError;
use super::hooks::{Hooks, ResponseInfo};
use super::request::is_sensitive_header;
use super::retry::RetryConfig;
/// Default largest response body accepted: 64 MiB.
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 64 * 1024 * 1024;
/// Most redirects followed by the client built by the SDK (same origin only).
const MAX_REDIRECTS: usize = 10;

/// A secret (API key, token, password). Its `Debug` and `Display` print `***`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    pub fn new(secret: impl Into<String>) -> Self {
        Secret(secret.into())
    }

    /// The secret itself. Never log it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl From<String> for Secret {
    fn from(secret: String) -> Self {
        Secret(secret)
    }
}

impl From<&str> for Secret {
    fn from(secret: &str) -> Self {
        Secret(secret.to_owned())
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// A security scheme of the API, as declared in its description.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AuthScheme {
    /// Name of the scheme, as used in [`OperationSpec::security`].
    pub name: &'static str,
    /// How the credential is sent.
    pub kind: AuthKind,
}

/// How a credential is sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuthKind {
    /// An API key in the named header.
    ApiKeyHeader(&'static str),
    /// An API key in the named query parameter.
    ApiKeyQuery(&'static str),
    //@ if auth_cookie
    /// An API key in the named cookie.
    ApiKeyCookie(&'static str),
    //@ end
    /// `Authorization: Bearer <secret>`.
    Bearer,
    //@ if auth_basic
    /// `Authorization: Basic ...`; the secret is `user:password` (a secret without `:` is a
    /// user name with an empty password).
    Basic,
    //@ end
}

/// Builds a [`ClientCore`].
pub struct CoreBuilder {
    crate_name: &'static str,
    crate_version: &'static str,
    base_url: Option<String>,
    credentials: Vec<(AuthScheme, Secret)>,
    retry: RetryConfig,
    timeout: Duration,
    connect_timeout: Duration,
    http_client: Option<reqwest::Client>,
    user_agent: Option<String>,
    max_response_bytes: usize,
    hooks: Hooks,
    default_headers: Vec<(String, String)>,
}

impl CoreBuilder {
    /// A builder for the SDK crate `crate_name` at version `crate_version` (used in the
    /// default `User-Agent`).
    pub fn new(crate_name: &'static str, crate_version: &'static str) -> Self {
        CoreBuilder {
            crate_name,
            crate_version,
            base_url: None,
            credentials: Vec::new(),
            retry: RetryConfig::default(),
            timeout: defaults::TIMEOUT,
            connect_timeout: defaults::CONNECT_TIMEOUT,
            http_client: None,
            user_agent: None,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            hooks: Hooks::default(),
            default_headers: Vec::new(),
        }
    }

    /// Sets the base URL, e.g. `https://api.example.com/v1`; operation paths are appended to it.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// Sets the credential of a security scheme (replacing one set before for the same scheme).
    pub fn credential(mut self, scheme: AuthScheme, secret: impl Into<String>) -> Self {
        let secret = Secret::new(secret);
        match self.credentials.iter_mut().find(|(s, _)| s.name == scheme.name) {
            Some(slot) => *slot = (scheme, secret),
            None => self.credentials.push((scheme, secret)),
        }
        self
    }

    /// Sets the retry configuration (default: [`RetryConfig::default`]).
    pub fn retry(mut self, retry: RetryConfig) -> Self {
        self.retry = retry;
        self
    }

    /// Sets the total time of one attempt, body included (default 60 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Sets the time allowed to connect (default 10 s). Not applied to a client given with
    /// [`http_client`](Self::http_client), which keeps its own.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Uses this `reqwest` client (its TLS, proxy, pool and redirect settings). The timeout,
    /// retries, headers and size limit of this builder still apply to every request.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http_client = Some(client);
        self
    }

    /// Sets the `User-Agent` (default `"<crate>/<version> (rust)"`).
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = Some(user_agent.into());
        self
    }

    /// Sets the largest response body accepted (default 64 MiB); a larger one fails with
    /// [`TransportErrorKind::BodyTooLarge`] without being read further.
    pub fn max_response_bytes(mut self, max: usize) -> Self {
        self.max_response_bytes = max;
        self
    }

    /// Adds a hook called with the request before every attempt.
    pub fn on_request<F>(mut self, hook: F) -> Self
    where
        F: Fn(&mut reqwest::Request) + Send + Sync + 'static,
    {
        self.hooks.add_request_hook(hook);
        self
    }

    /// Adds a hook called after every attempt.
    pub fn on_response<F>(mut self, hook: F) -> Self
    where
        F: Fn(&ResponseInfo) + Send + Sync + 'static,
    {
        self.hooks.add_response_hook(hook);
        self
    }

    /// Adds a header sent with every request.
    pub fn default_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.default_headers.push((name.into(), value.into()));
        self
    }

    /// Builds the client.
    pub fn build(self) -> Result<ClientCore, BuildError> {
        let base_url = normalize_base_url(self.base_url.as_deref().ok_or(BuildError::MissingBaseUrl)?)?;

        let mut headers = HeaderMap::new();
        for (name, value) in &self.default_headers {
            let invalid = || BuildError::InvalidHeader { name: name.clone() };
            let name = HeaderName::from_bytes(name.as_bytes()).map_err(|_| invalid())?;
            let mut value = HeaderValue::from_str(value).map_err(|_| invalid())?;
            value.set_sensitive(is_sensitive_header(&name));
            headers.append(name, value);
        }
        let user_agent = match &self.user_agent {
            Some(ua) => ua.clone(),
            None => format!("{}/{} (rust)", self.crate_name, self.crate_version),
        };
        let user_agent = HeaderValue::from_str(&user_agent)
            .map_err(|_| BuildError::InvalidHeader { name: USER_AGENT.as_str().to_owned() })?;
        headers.insert(USER_AGENT, user_agent);

        let credentials = self
            .credentials
            .iter()
            .map(|(scheme, secret)| Credential::new(*scheme, secret))
            .collect::<Result<Vec<_>, _>>()?;

        let client = match self.http_client {
            Some(client) => client,
            // TLS comes from the crate's features: `rustls` (the default, trusting the
            // operating system's certificate store) or `native-tls`.
            None => reqwest::Client::builder()
                .connect_timeout(self.connect_timeout)
                .redirect(same_origin_redirects())
                .build()
                .map_err(BuildError::Client)?,
        };

        Ok(ClientCore {
            inner: Arc::new(Inner {
                base_url,
                client,
                credentials,
                retry: self.retry,
                timeout: self.timeout,
                max_response_bytes: self.max_response_bytes,
                hooks: self.hooks,
                headers,
            }),
        })
    }
}

impl fmt::Debug for CoreBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let schemes: Vec<&str> = self.credentials.iter().map(|(s, _)| s.name).collect();
        let header_names: Vec<&str> = self.default_headers.iter().map(|(n, _)| n.as_str()).collect();
        f.debug_struct("CoreBuilder")
            .field("crate_name", &self.crate_name)
            .field("crate_version", &self.crate_version)
            .field("base_url", &self.base_url)
            .field("credentials", &schemes)
            .field("retry", &self.retry)
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("custom_http_client", &self.http_client.is_some())
            .field("user_agent", &self.user_agent)
            .field("max_response_bytes", &self.max_response_bytes)
            .field("hooks", &self.hooks)
            .field("default_headers", &header_names)
            .finish()
    }
}

/// Redirects are followed only to the same origin (scheme, host and port), so credentials
/// sent in custom headers never reach another host.
fn same_origin_redirects() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        let same_origin = attempt.previous().first().is_some_and(|first| first.origin() == attempt.url().origin());
        if same_origin && attempt.previous().len() <= MAX_REDIRECTS {
            attempt.follow()
        } else {
            attempt.stop()
        }
    })
}

/// Checks a base URL and returns it without trailing slash.
pub fn normalize_base_url(url: &str) -> Result<String, BuildError> {
    let invalid = |reason: &str| BuildError::InvalidBaseUrl { url: shown_url(url), reason: reason.to_owned() };
    let parsed = Url::parse(url.trim()).map_err(|e| invalid(&e.to_string()))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(invalid("the scheme must be http or https"));
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err(invalid("a host is required"));
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(invalid("credentials in the URL are not supported"));
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(invalid("a query or fragment is not allowed"));
    }
    let mut out = String::from(parsed);
    while out.ends_with('/') {
        out.pop();
    }
    Ok(out)
}

/// A URL as an error message may show it: without user info, query or fragment, each of
/// which may carry a secret (`https://***@h/v1?***`).
fn shown_url(url: &str) -> String {
    let url = url.trim();
    let (url, hidden) = match url.find(['?', '#']) {
        Some(at) => (&url[..at], "?***"),
        None => (url, ""),
    };
    let (scheme, rest) = url.find("://").map_or(("", url), |at| url.split_at(at + 3));
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let authority = authority.rfind('@').map_or(authority, |at| &authority[at..]);
    let user = if authority.starts_with('@') { "***" } else { "" };
    format!("{scheme}{user}{authority}{path}{hidden}")
}

/// The base URL of a generated client: the URL the user gave, else the spec's default server.
///
/// A relative spec server (such as `/v1`) is appended to the URL the user gave, unless that
/// URL already ends with it; without a user URL it is an error, as is having no URL at all.
pub fn join_base_url(given: Option<&str>, spec_default: Option<&str>) -> Result<String, BuildError> {
    let relative = spec_default.filter(|d| d.starts_with('/'));
    match (given, spec_default) {
        (Some(url), _) => {
            let url = normalize_base_url(url)?;
            match relative.map(|r| r.trim_end_matches('/')) {
                Some(rel) if !rel.is_empty() && !url.ends_with(rel) => Ok(format!("{url}{rel}")),
                _ => Ok(url),
            }
        }
        (None, Some(default)) if relative.is_none() => normalize_base_url(default),
        (None, _) => Err(BuildError::MissingBaseUrl),
    }
}

/// Appends an operation path to a normalized base URL: `https://h/v1` + `/x` = `https://h/v1/x`.
pub fn join_url(base: &str, path: &str) -> String {
    let mut out = String::with_capacity(base.len() + path.len() + 1);
    out.push_str(base);
    if !path.is_empty() && !path.starts_with('/') {
        out.push('/');
    }
    out.push_str(path);
    out
}

pub(super) enum Applied {
    Header(HeaderName, HeaderValue),
    //@ if auth_cookie
    Cookie(HeaderValue),
    //@ end
    Query(&'static str, Secret),
}

pub(super) struct Credential {
    pub(super) scheme: &'static str,
    pub(super) applied: Applied,
}

impl Credential {
    fn new(scheme: AuthScheme, secret: &Secret) -> Result<Self, BuildError> {
        let invalid = || BuildError::InvalidCredential { scheme: scheme.name };
        let sensitive = |value: String| {
            HeaderValue::try_from(value)
                .map(|mut v| {
                    v.set_sensitive(true);
                    v
                })
                .map_err(|_| invalid())
        };
        let applied = match scheme.kind {
            AuthKind::ApiKeyHeader(name) => Applied::Header(
                HeaderName::from_bytes(name.as_bytes()).map_err(|_| invalid())?,
                sensitive(secret.expose().to_owned())?,
            ),
            //@ if auth_cookie
            AuthKind::ApiKeyCookie(name) => Applied::Cookie(sensitive(format!("{name}={}", secret.expose()))?),
            //@ end
            //@ if auth_basic
            AuthKind::Basic => {
                let mut pair = secret.expose().to_owned();
                if !pair.contains(':') {
                    pair.push(':');
                }
                Applied::Header(AUTHORIZATION, sensitive(format!("Basic {}", base64(pair.as_bytes())))?)
            }
            //@ end
            AuthKind::ApiKeyQuery(name) => Applied::Query(name, secret.clone()),
            AuthKind::Bearer => Applied::Header(AUTHORIZATION, sensitive(format!("Bearer {}", secret.expose()))?),
        };
        Ok(Credential { scheme: scheme.name, applied })
    }
}

//@ if auth_basic
/// Standard base64 with padding.
fn base64(input: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(input.len().div_ceil(3) * 4);
    for chunk in input.chunks(3) {
        let b = [chunk[0], chunk.get(1).copied().unwrap_or(0), chunk.get(2).copied().unwrap_or(0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i)) as usize & 63]));
            } else {
                out.push('=');
            }
        }
    }
    out
}
//@ end

/// The HTTP client shared by every operation. Cheap to clone.
#[derive(Clone)]
pub struct ClientCore {
    pub(super) inner: Arc<Inner>,
}

pub(super) struct Inner {
    pub(super) base_url: String,
    pub(super) client: reqwest::Client,
    pub(super) credentials: Vec<Credential>,
    pub(super) retry: RetryConfig,
    pub(super) timeout: Duration,
    pub(super) max_response_bytes: usize,
    pub(super) hooks: Hooks,
    pub(super) headers: HeaderMap,
}

impl fmt::Debug for ClientCore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &*self.inner;
        let schemes: Vec<&str> = inner.credentials.iter().map(|c| c.scheme).collect();
        f.debug_struct("ClientCore")
            .field("base_url", &inner.base_url)
            .field("credentials", &schemes)
            .field("retry", &inner.retry)
            .field("timeout", &inner.timeout)
            .field("max_response_bytes", &inner.max_response_bytes)
            .field("hooks", &inner.hooks)
            .field("headers", &inner.headers)
            .finish()
    }
}

impl ClientCore {
    /// The base URL, without trailing slash.
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// The client's retry configuration.
    pub fn retry_config(&self) -> &RetryConfig {
        &self.inner.retry
    }

    /// The client's total time per attempt.
    pub fn timeout(&self) -> Duration {
        self.inner.timeout
    }

    /// The largest response body accepted.
    pub fn max_response_bytes(&self) -> usize {
        self.inner.max_response_bytes
    }

    /// The underlying `reqwest` client.
    pub fn http_client(&self) -> &reqwest::Client {
        &self.inner.client
    }
}
#[cfg(test)]
mod tests {

    #[test]
    fn base_url_from_user_or_spec() {
        assert_eq!(join_base_url(None, Some("https://h.io/v1/")).unwrap(), "https://h.io/v1");
        assert_eq!(join_base_url(Some("http://127.0.0.1:9/"), Some("https://h.io/v1")).unwrap(), "http://127.0.0.1:9");
        assert_eq!(join_base_url(Some("http://127.0.0.1:9"), Some("/v1")).unwrap(), "http://127.0.0.1:9/v1");
        assert_eq!(join_base_url(Some("http://127.0.0.1:9/v1"), Some("/v1")).unwrap(), "http://127.0.0.1:9/v1");
        assert!(matches!(join_base_url(None, Some("/v1")), Err(BuildError::MissingBaseUrl)));
        assert!(matches!(join_base_url(None, None), Err(BuildError::MissingBaseUrl)));
        assert!(join_base_url(Some("ftp://x"), None).is_err());
    }
    use super::super::exchange::CallOptions;
    use super::super::request::{OperationSpec, PreparedRequest};
    use super::*;
    use reqwest::Method;

    const KEY: &str = "sk_live_SuperSecret123";

    static HEADER_SCHEME: AuthScheme = AuthScheme { name: "ApiKeyAuth", kind: AuthKind::ApiKeyHeader("x-api-key") };

    static SPEC: OperationSpec = OperationSpec {
        name: "get_thing",
        method: Method::GET,
        path: "/things/{id}",
        success: &[200],
        errors: &[400],
        security: &["Missing", "ApiKeyAuth"],
    };

    fn builder() -> CoreBuilder {
        CoreBuilder::new("my-sdk", "1.2.3").base_url("https://api.example.com/v1/")
    }

    #[test]
    fn secrets_never_appear_in_debug() {
        let b = builder()
            .credential(HEADER_SCHEME, KEY)
            .credential(AuthScheme { name: "Bearer", kind: AuthKind::Bearer }, KEY)
            .default_header("x-session-token", KEY);
        let shown = format!("{b:?}");
        assert!(!shown.contains(KEY), "{shown}");
        assert!(!shown.contains("SuperSecret"), "{shown}");
        assert!(shown.contains("ApiKeyAuth"));
        let core = b.build().unwrap();
        let shown = format!("{core:?} {core:#?}");
        assert!(!shown.contains("SuperSecret"), "{shown}");
        assert_eq!(format!("{}", Secret::new(KEY)), "***");
        assert_eq!(format!("{:?}", Secret::new(KEY)), "***");

        let (_, headers) =
            core.prepare(&SPEC, &PreparedRequest::new("/things/1".into()), &CallOptions::default()).unwrap();
        assert!(headers["x-api-key"].is_sensitive());
        assert!(headers["x-session-token"].is_sensitive());
        assert!(!format!("{headers:?}").contains("SuperSecret"));
    }

    #[test]
    fn base_url_is_normalized_and_joined() {
        assert_eq!(normalize_base_url("https://h/v1").unwrap(), "https://h/v1");
        assert_eq!(normalize_base_url("https://h/v1/").unwrap(), "https://h/v1");
        assert_eq!(normalize_base_url("https://h").unwrap(), "https://h");
        assert_eq!(normalize_base_url(" http://H:8080/ ").unwrap(), "http://h:8080");
        assert_eq!(join_url("https://h/v1", "/items"), "https://h/v1/items");
        assert_eq!(join_url("https://h/v1", "items"), "https://h/v1/items");
        assert_eq!(join_url("https://h", "/"), "https://h/");
        for bad in ["h/v1", "/v1", "ftp://h/", "https://h/?a=1", "https://h/#x", "https://user:pw@h/", ""] {
            let err = normalize_base_url(bad).unwrap_err();
            assert!(matches!(err, BuildError::InvalidBaseUrl { .. }), "{bad}: {err:?}");
            assert!(!err.to_string().contains("pw"));
        }
        // What may be a secret stays out of the message: user info, query and fragment.
        for (bad, shown) in [
            ("http://127.0.0.1:1/v1#sk-SECRET", "`http://127.0.0.1:1/v1?***`"),
            ("https://h/v1?api_key=sk-SECRET&x=1", "`https://h/v1?***`"),
            ("https://me:sk-SECRET@h/v1", "`https://***@h/v1`"),
            ("sk-SECRET@h/v1?k=1", "`***@h/v1?***`"),
            ("https://[::1/v1?k=sk-SECRET", "`https://[::1/v1?***`"),
            ("ftp://h/@me", "`ftp://h/@me`"),
        ] {
            let message = normalize_base_url(bad).map(|_| String::new()).unwrap_or_else(|e| e.to_string());
            assert!(message.contains(shown) && !message.contains("SECRET"), "{bad}: {message}");
        }
        assert!(matches!(CoreBuilder::new("a", "1").build().unwrap_err(), BuildError::MissingBaseUrl));
        let core = builder().build().unwrap();
        assert_eq!(core.base_url(), "https://api.example.com/v1");
        let (url, _) = core.prepare(&SPEC, &PreparedRequest::new("/things/1".into()), &CallOptions::default()).unwrap();
        assert_eq!(url.as_str(), "https://api.example.com/v1/things/1");
    }

    #[test]
    fn credentials_are_applied_per_scheme() {
        let scheme = |name, kind| AuthScheme { name, kind };
        let spec_for = |security: &'static [&'static str]| -> &'static OperationSpec {
            Box::leak(Box::new(OperationSpec {
                name: "op",
                method: Method::POST,
                path: "/p",
                success: &[200],
                errors: &[],
                security,
            }))
        };
        let core = builder()
            .credential(scheme("h", AuthKind::ApiKeyHeader("X-Api-Key")), "k1")
            .credential(scheme("q", AuthKind::ApiKeyQuery("api_key")), "k 2")
            .credential(scheme("c", AuthKind::ApiKeyCookie("sid")), "k3")
            .credential(scheme("b", AuthKind::Bearer), "tok")
            .credential(scheme("basic", AuthKind::Basic), "Aladdin:open sesame")
            .credential(scheme("user", AuthKind::Basic), "user")
            .build()
            .unwrap();
        let req = PreparedRequest::new("/p".into()).query("a", "x&y").header("cookie", "theme=dark");
        let run = |security| core.prepare(spec_for(security), &req, &CallOptions::default()).unwrap();

        let (url, h) = run(&["h"]);
        assert_eq!(h["x-api-key"], "k1");
        assert_eq!(url.query(), Some("a=x%26y"));
        let (url, h) = run(&["q"]);
        assert_eq!(url.query(), Some("a=x%26y&api_key=k+2"));
        assert!(h.get("x-api-key").is_none());
        let (_, h) = run(&["c"]);
        assert_eq!(h["cookie"], "theme=dark; sid=k3");
        let (_, h) = run(&["b"]);
        assert_eq!(h["authorization"], "Bearer tok");
        let (_, h) = run(&["basic"]);
        assert_eq!(h["authorization"], "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
        let (_, h) = run(&["user"]);
        assert_eq!(h["authorization"], format!("Basic {}", base64(b"user:")));
        // first configured scheme wins; unknown ones are skipped
        let (_, h) = run(&["nope", "b", "h"]);
        assert_eq!(h["authorization"], "Bearer tok");
        assert!(h.get("x-api-key").is_none());
        // no security: nothing sent
        let (url, h) = run(&[]);
        assert!(h.get("authorization").is_none() && h.get("x-api-key").is_none());
        assert_eq!(url.query(), Some("a=x%26y"));
    }

    #[test]
    fn headers_layer_in_order() {
        let core = builder()
            .default_header("x-a", "default")
            .default_header("x-b", "default")
            .credential(AuthScheme { name: "b", kind: AuthKind::Bearer }, "tok")
            .build()
            .unwrap();
        let spec: &'static OperationSpec = Box::leak(Box::new(OperationSpec {
            name: "op",
            method: Method::GET,
            path: "/x",
            success: &[200],
            errors: &[],
            security: &["b"],
        }));
        let req = PreparedRequest::new("/x".into()).header("x-b", "operation");
        let mut options = CallOptions::default();
        options.headers.insert(AUTHORIZATION, HeaderValue::from_static("Bearer override"));
        let (_, h) = core.prepare(spec, &req, &options).unwrap();
        assert_eq!(h["x-a"], "default");
        assert_eq!(h["x-b"], "operation");
        assert_eq!(h["user-agent"], "my-sdk/1.2.3 (rust)");
        assert_eq!(h["authorization"], "Bearer override");
        let core = builder().user_agent("custom/1").build().unwrap();
        let (_, h) = core.prepare(spec, &req, &CallOptions::default()).unwrap();
        assert_eq!(h["user-agent"], "custom/1");
    }

    #[test]
    fn build_errors() {
        let err = builder().default_header("bad header", "v").build().unwrap_err();
        assert!(matches!(err, BuildError::InvalidHeader { .. }));
        let err = builder().credential(HEADER_SCHEME, "line\nbreak-secret").build().unwrap_err();
        assert!(matches!(err, BuildError::InvalidCredential { scheme: "ApiKeyAuth" }));
        assert!(!err.to_string().contains("break-secret"));
        assert!(!format!("{err:?}").contains("break-secret"));
        let err = builder().user_agent("bad\u{7f}").build().unwrap_err();
        assert!(matches!(err, BuildError::InvalidHeader { .. }));
    }

    #[test]
    fn base64_vectors() {
        for (input, out) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(input.as_bytes()), out);
        }
        assert_eq!(base64(&[0xff, 0xfe]), "//4=");
    }

    #[test]
    fn sensitive_header_names() {
        for n in ["authorization", "x-api-key", "x-auth-token", "cookie", "x-client-secret"] {
            assert!(is_sensitive_header(&HeaderName::from_static(n)), "{n}");
        }
        for n in ["x-session-id", "x-signature", "password", "x-apikey", "x-api_key", "proxy-authorization", "tokens"] {
            assert!(is_sensitive_header(&HeaderName::from_static(n)), "{n}");
        }
        for n in ["accept", "content-type", "x-request-id", "idempotency-key", "user-agent", "x-api", "a", "t"] {
            assert!(!is_sensitive_header(&HeaderName::from_static(n)), "{n}");
        }
    }
}
