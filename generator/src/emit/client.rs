//! `src/lib.rs`, `src/client.rs` and `src/error.rs`.

use proc_macro2::TokenStream;
use quote::quote;

use super::defaults;
use super::guide::model::DocPart;
use super::layout::str_lit;
use super::render::{and_list, doc, duration, ident, prose, rust_module, Header};
use super::types::{self, Models};
use crate::fileset::FileSet;
use crate::ir::*;

pub(crate) fn emit(api: &Api, header: &Header, files: &mut FileSet) -> Result<(), String> {
    files.insert("src/lib.rs", lib_rs(api, header));
    files.insert(
        "src/client.rs",
        rust_module(header, "The client, its builder and the servers of the API.", client(api))?,
    );
    files.insert("src/error.rs", rust_module(header, "The error type of every operation.", error(api))?);
    Ok(())
}

fn lib_rs(api: &Api, header: &Header) -> String {
    // The crate guide, the same model the README is rendered from.
    let mut out = String::new();
    out.push_str(&header.rust());
    out.push('\n');
    for part in super::guide::guide(api).rustdoc_parts() {
        match part {
            DocPart::Always(docs) => {
                for line in docs.lines() {
                    if line.is_empty() {
                        out.push_str("//!\n");
                    } else {
                        out.push_str(&format!("//! {line}\n"));
                    }
                }
            }
            // A section about a feature's items: linked when it is on, as code when it is off
            // (in rustfmt's layout of an attribute longer than a line).
            DocPart::Feature { feature, on, off } => {
                for (cfg, docs) in [
                    (format!("feature = {}", str_lit(feature)), on),
                    (format!("not(feature = {})", str_lit(feature)), off),
                ] {
                    let docs = docs.strip_suffix('\n').unwrap_or(&docs);
                    out.push_str(&format!("#![cfg_attr(\n    {cfg},\n    doc = {}\n)]\n", str_lit(docs)));
                }
            }
        }
    }
    out.push_str("\n#![deny(missing_docs)]\n#![forbid(unsafe_code)]\n");
    // The shape of generated code follows the spec: an operation with many parameters, a deeply
    // nested schema or list-like prose in a description is the spec's, not a style choice.
    out.push_str("#![allow(clippy::too_many_arguments, clippy::type_complexity, clippy::large_enum_variant)]\n");
    // The `Error` enum holds the spec's declared error bodies by value, as large as the spec makes them.
    out.push_str("#![allow(clippy::result_large_err)]\n");
    out.push_str("#![allow(clippy::doc_lazy_continuation, clippy::doc_overindented_list_items)]\n\n");
    for m in ["client", "error", "models", "operations"] {
        out.push_str(&format!("#[rustfmt::skip]\npub mod {m};\n"));
    }
    // The runtime is private: its layout can change without breaking users, who reach what they
    // need through the re-exports below. A crate need not use every helper of the parts it got.
    out.push_str("#[rustfmt::skip]\n#[allow(dead_code)]\nmod runtime;\n\n");
    let server = if api.servers.is_empty() { "" } else { ", Server" };
    // In the order rustfmt sorts them.
    if api
        .operations
        .iter()
        .any(|op| op.response == TypeRef::Bytes || op.body.as_ref().is_some_and(|b| b.ty == TypeRef::Bytes))
    {
        out.push_str("/// The byte buffer of the binary bodies sent and received (`Bytes`).\npub use bytes;\n");
    }
    if api.uses_chrono() {
        out.push_str("/// The date and time library of the models' time fields (`DateTime<Utc>`, `NaiveDate`).\npub use chrono;\n");
    }
    out.push_str(&format!("pub use client::{{Client, ClientBuilder{server}}};\n"));
    out.push_str("pub use error::Error;\n");
    out.push_str("/// The HTTP client crate this SDK is built on, to name the exact version its types come from.\npub use reqwest;\n");
    if !api.bulk.is_empty() {
        out.push_str("pub use runtime::bulk::{BulkOptions, BulkReport, FailedBatch};\n");
    }
    out.push_str("pub use runtime::call::Call;\n");
    out.push_str("pub use runtime::hooks::ResponseInfo;\n");
    out.push_str(&super::ingestor::reexports(api));
    if api.uses_files() {
        out.push_str("pub use runtime::multipart::FilePart;\n");
    }
    if !api.pagination.is_empty() {
        out.push_str("pub use runtime::paginate::{Items, Paged, Pages};\n");
    }
    out.push_str("pub use runtime::response::Response;\n");
    out.push_str("pub use runtime::retry::RetryConfig;\n");
    out.push_str(
        "/// The JSON library the models are read and written with, and the type of their free-form values\n\
         /// (`serde_json::Value`).\npub use serde_json;\n",
    );
    out.push_str(&doctests(api));
    out
}

/// `cargo test --doc` compiles the Rust snippets of the Markdown files through these items,
/// which exist only while doctests are collected.
fn doctests(api: &Api) -> String {
    type Item = (String, String, Option<&'static str>);
    let mut groups: Vec<(&str, Vec<Item>)> = Vec::new();
    for (group, name, path, feature) in super::docs::doctest_items(api) {
        match groups.iter_mut().find(|(g, _)| *g == group) {
            Some((_, items)) => items.push((name, path, feature)),
            None => groups.push((group, vec![(name, path, feature)])),
        }
    }
    let mut out = String::from(
        "\n/// The Markdown docs of the crate, so that `cargo test --doc` compiles (and runs) their Rust snippets.\n#[cfg(doctest)]\nmod markdown_docs {\n",
    );
    for (group, items) in groups {
        out.push_str(&format!("    mod {group} {{\n"));
        for (name, path, feature) in items {
            if let Some(feature) = feature {
                out.push_str(&format!("        #[cfg(feature = \"{feature}\")]\n"));
            }
            out.push_str(&format!("        #[doc = include_str!(\"../{path}\")]\n        struct {name};\n"));
        }
        out.push_str("    }\n");
    }
    out.push_str("}\n");
    out
}

fn server_enum(api: &Api) -> TokenStream {
    if api.servers.is_empty() {
        return quote!();
    }
    let variants = api.servers.iter().enumerate().map(|(i, s)| {
        let id = ident(&s.rust_name);
        let d = doc(&format!(
            "{}`{}`{}",
            s.description.as_deref().map(|d| format!("{}: ", prose(d))).unwrap_or_default(),
            s.url,
            if i == 0 { " (the default)" } else { "" }
        ));
        let default = (i == 0).then(|| quote!(#[default]));
        quote!(#d #default #id,)
    });
    let urls = api.servers.iter().map(|s| {
        let id = ident(&s.rust_name);
        let url = &s.url;
        quote!(Self::#id => #url,)
    });
    let all = api.servers.iter().map(|s| {
        let id = ident(&s.rust_name);
        quote!(Self::#id)
    });
    quote! {
        /// The servers the API description lists. Pick one with [`ClientBuilder::server`], or
        /// give any URL with [`ClientBuilder::server_url`].
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
        #[non_exhaustive]
        pub enum Server {
            #(#variants)*
        }

        impl Server {
            /// Every server, in the order of the spec.
            pub const ALL: &'static [Server] = &[#(#all),*];

            /// The server's URL as the spec gives it (a relative one, such as `/v1`, is joined to
            /// the URL given to [`ClientBuilder::server_url`]).
            pub fn url(self) -> &'static str {
                match self {
                    #(#urls)*
                }
            }
        }
    }
}

fn client(api: &Api) -> TokenStream {
    let krate = &api.package.name;
    let version_const = quote!(env!("CARGO_PKG_VERSION"));
    let accessors = api.tags.iter().map(|t| {
        let m = ident(&t.module);
        let n = ident(&t.rust_name);
        let d = doc(&format!(
            "The operations tagged `{}`{}",
            t.name,
            t.description.as_deref().map(|d| format!(": {}", prose(d))).unwrap_or_else(|| ".".into())
        ));
        quote! {
            #d
            pub fn #m(&self) -> crate::operations::#n<'_> {
                crate::operations::#n::new(&self.core)
            }
        }
    });
    let auth_setters = api.security.iter().map(|s| {
        let setter = ident(&s.setter);
        let name = &s.name;
        let kind = match &s.kind {
            SecurityKind::ApiKeyHeader(h) => quote!(AuthKind::ApiKeyHeader(#h)),
            SecurityKind::ApiKeyQuery(q) => quote!(AuthKind::ApiKeyQuery(#q)),
            SecurityKind::ApiKeyCookie(c) => quote!(AuthKind::ApiKeyCookie(#c)),
            SecurityKind::Bearer => quote!(AuthKind::Bearer),
            SecurityKind::Basic => quote!(AuthKind::Basic),
        };
        let how = match &s.kind {
            SecurityKind::ApiKeyHeader(h) => format!("in the `{h}` header"),
            SecurityKind::ApiKeyQuery(q) => format!("in the `{q}` query parameter"),
            SecurityKind::ApiKeyCookie(c) => format!("in the `{c}` cookie"),
            SecurityKind::Bearer => "as `Authorization: Bearer <token>`".into(),
            SecurityKind::Basic => "as `Authorization: Basic` (give `user:password`)".into(),
        };
        let d = doc(&format!(
            "Sets the credential of security scheme `{}`, sent {} on every operation that uses it.{}\n\nThe value is kept out of `Debug` output, errors and traces.",
            s.name,
            prose(&how),
            s.description.as_deref().map(|d| format!(" {}", prose(d))).unwrap_or_default()
        ));
        quote! {
            #d
            #[must_use]
            pub fn #setter(mut self, secret: impl Into<String>) -> Self {
                self.inner = self.inner.credential(AuthScheme { name: #name, kind: #kind }, secret);
                self
            }
        }
    });
    let env_key_reads = api.security.iter().map(|s| {
        let setter = ident(&s.setter);
        let var = format!("{}_{}", api.package.env_prefix, s.env_suffix);
        quote! {
            if let Ok(value) = std::env::var(#var) {
                builder = builder.#setter(value);
            }
        }
    });
    let env_vars_doc = api
        .security
        .iter()
        .map(|s| format!("- `{}_{}`: the credential for `{}`, if set.\n", api.package.env_prefix, s.env_suffix, s.name))
        .collect::<String>();
    let url_var = format!("{}_SERVER_URL", api.package.env_prefix);
    // Without servers in the spec there is no default to fall back on.
    let (url_doc, fails_doc) = if api.servers.is_empty() {
        ("the server URL (required: the API names no server)", "Fails when it is missing or a value is invalid.")
    } else {
        ("the server URL, if set; else the default server", "Fails only when a value is invalid.")
    };
    let from_env_doc = doc(&format!(
        "Builds a client from environment variables:\n\n{env_vars_doc}- `{url_var}`: {url_doc}.\n\nEverything else keeps its default. {fails_doc}"
    ));
    let has_servers = !api.servers.is_empty();
    let server_field = if has_servers { quote!(server: Server,) } else { quote!() };
    let server_init = if has_servers { quote!(server: Server::default(),) } else { quote!() };
    let server_setter = has_servers.then(|| {
        quote! {
            /// Sends requests to one of the spec's servers (the first is the default).
            #[must_use]
            pub fn server(mut self, server: Server) -> Self {
                self.server = server;
                self
            }
        }
    });
    let default_url = if has_servers { quote!(Some(self.server.url())) } else { quote!(None::<&str>) };
    let server_enum = server_enum(api);
    let builder_doc = doc(&format!(
        "Configures a [`Client`]. Defaults: {}, the retry policy of [`RetryConfig::default`], a {} timeout per attempt and a {} connect timeout.",
        api.servers.first().map(|s| format!("the server `{}`", s.url)).unwrap_or_else(|| "no server (give one with `server_url`)".into()),
        duration(defaults::TIMEOUT),
        duration(defaults::CONNECT_TIMEOUT),
    ));
    let client_doc = doc(&format!(
        "The client of the {}: cheap to clone (clones share one connection pool) and safe to use from many tasks at once.\n\nBuild one with [`Client::builder`] or [`Client::from_env`].",
        prose(&api.title)
    ));
    let auth_import = (!api.security.is_empty()).then(|| {
        quote!(
            use crate::runtime::config::{AuthKind, AuthScheme};
        )
    });
    quote! {
        use std::time::Duration;

        #auth_import
        use crate::runtime::config::{ClientCore, CoreBuilder};
        use crate::runtime::hooks::ResponseInfo;
        use crate::runtime::retry::RetryConfig;
        use crate::Error;

        #server_enum

        #client_doc
        #[derive(Debug, Clone)]
        pub struct Client {
            core: ClientCore,
        }

        impl Client {
            /// Starts configuring a client.
            pub fn builder() -> ClientBuilder {
                ClientBuilder::new()
            }

            #from_env_doc
            pub fn from_env() -> Result<Self, Error> {
                let mut builder = Self::builder();
                #(#env_key_reads)*
                if let Ok(url) = std::env::var(#url_var) {
                    builder = builder.server_url(url);
                }
                builder.build()
            }

            /// The base URL requests go to.
            pub fn base_url(&self) -> &str {
                self.core.base_url()
            }

            /// The retry policy calls use unless they set their own.
            pub fn retry_config(&self) -> &RetryConfig {
                self.core.retry_config()
            }

            #(#accessors)*
        }

        #builder_doc
        #[derive(Debug)]
        pub struct ClientBuilder {
            inner: CoreBuilder,
            #server_field
            server_url: Option<String>,
        }

        impl Default for ClientBuilder {
            fn default() -> Self {
                Self::new()
            }
        }

        impl ClientBuilder {
            /// A builder with every default.
            pub fn new() -> Self {
                Self {
                    inner: CoreBuilder::new(#krate, #version_const),
                    #server_init
                    server_url: None,
                }
            }

            #server_setter

            /// Sends requests to this base URL (for example a local mock server). When the spec's
            /// server URL is relative (such as `/v1`), it is appended to this URL.
            #[must_use]
            pub fn server_url(mut self, url: impl Into<String>) -> Self {
                self.server_url = Some(url.into());
                self
            }

            #(#auth_setters)*

            /// Sets the retry policy of every call (a call can override it with [`Call::retry`](crate::Call::retry)).
            #[must_use]
            pub fn retry(mut self, retry: RetryConfig) -> Self {
                self.inner = self.inner.retry(retry);
                self
            }

            /// Sets the time limit of each attempt, from sending to the end of the body.
            #[must_use]
            pub fn timeout(mut self, timeout: Duration) -> Self {
                self.inner = self.inner.timeout(timeout);
                self
            }

            /// Sets the time limit for opening a connection.
            #[must_use]
            pub fn connect_timeout(mut self, timeout: Duration) -> Self {
                self.inner = self.inner.connect_timeout(timeout);
                self
            }

            /// Uses this `reqwest::Client` (its connection pool, proxy and TLS settings).
            #[must_use]
            pub fn http_client(mut self, client: reqwest::Client) -> Self {
                self.inner = self.inner.http_client(client);
                self
            }

            /// Replaces the `User-Agent` header.
            #[must_use]
            pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
                self.inner = self.inner.user_agent(user_agent);
                self
            }

            /// Sets the largest response body accepted; a larger one fails with a transport error.
            #[must_use]
            pub fn max_response_bytes(mut self, limit: usize) -> Self {
                self.inner = self.inner.max_response_bytes(limit);
                self
            }

            /// Adds a header sent with every request.
            #[must_use]
            pub fn default_header(mut self, name: &'static str, value: impl Into<String>) -> Self {
                self.inner = self.inner.default_header(name, value);
                self
            }

            /// Runs `hook` before every attempt of every call, with the request about to be sent.
            #[must_use]
            pub fn on_request(mut self, hook: impl Fn(&mut reqwest::Request) + Send + Sync + 'static) -> Self {
                self.inner = self.inner.on_request(hook);
                self
            }

            /// Runs `hook` after every attempt of every call, with its outcome and latency.
            #[must_use]
            pub fn on_response(mut self, hook: impl Fn(&ResponseInfo) + Send + Sync + 'static) -> Self {
                self.inner = self.inner.on_response(hook);
                self
            }

            /// Builds the client.
            ///
            /// # Errors
            ///
            /// [`Error::Build`] when the server URL or a header value is invalid, or the HTTP
            /// client cannot be created.
            pub fn build(self) -> Result<Client, Error> {
                let base = crate::runtime::config::join_base_url(self.server_url.as_deref(), #default_url)?;
                let core = self.inner.base_url(base).build()?;
                Ok(Client { core })
            }
        }
    }
}

fn error(api: &Api) -> TokenStream {
    let variants = api.errors.iter().map(|e| {
        let id = ident(&e.rust_name);
        let body = types::tokens(&api.types, &e.body, Models::Crate);
        let statuses = match e.status {
            ErrorStatus::Code(c) => format!("Status {c} {}", e.rust_name),
            other => super::render::status_phrase(other),
        };
        let d = doc(&format!(
            "{statuses}, declared by {}. Holds the status, the headers and the body, decoded ({}) when it is that type.",
            e.operations.iter().map(|&o| format!("`{}`", api.operations[o].rust_name)).collect::<Vec<_>>().join(", "),
            types::rustdoc(&api.types, &e.body)
        ));
        quote!(#d #id(ApiError<#body>),)
    });
    let display = api.errors.iter().map(|e| {
        let id = ident(&e.rust_name);
        quote!(Self::#id(e) => write!(f, "API error: {e}"),)
    });
    let source = api.errors.iter().map(|e| {
        let id = ident(&e.rust_name);
        quote!(Self::#id(e) => std::error::Error::source(e),)
    });
    let message = api.errors.iter().map(|e| {
        let id = ident(&e.rust_name);
        quote!(Self::#id(e) => e.message(),)
    });
    let status = api.errors.iter().map(|e| {
        let id = ident(&e.rust_name);
        quote!(Self::#id(e) => Some(e.meta()),)
    });
    let decode_arms = api.errors.iter().map(|e| {
        let id = ident(&e.rust_name);
        let n = e.status.marker();
        let body = types::tokens(&api.types, &e.body, Models::Crate);
        let decode = match &e.body {
            TypeRef::Unit => quote!(Ok::<(), DecodeError>(())),
            TypeRef::String => quote!(Ok::<String, DecodeError>(String::from_utf8_lossy(raw.body()).into_owned())),
            _ => quote!(raw.json::<#body>()),
        };
        quote! {
            #n => Self::#id(ApiError::new(raw.meta().clone(), #decode, raw.body().clone())),
        }
    });
    let api_error_import = (!api.errors.is_empty()).then(|| {
        quote!(
            pub use crate::runtime::errors::ApiError;
        )
    });
    let from_response = if api.errors.is_empty() {
        quote! {
            fn from_response(raw: RawResponse, _declared: &[u16]) -> Self {
                Self::UnexpectedStatus(UnexpectedStatus::new(raw.meta().clone(), raw.body().clone()))
            }
        }
    } else {
        quote! {
            fn from_response(raw: RawResponse, declared: &[u16]) -> Self {
                let status = raw.status().as_u16();
                // What the operation declares for the status: its code, else its class (`4` for
                // `4XX`), else `default` (`0`).
                let Some(&status) = [status, status / 100, 0].iter().find(|m| declared.contains(m)) else {
                    return Self::UnexpectedStatus(UnexpectedStatus::new(raw.meta().clone(), raw.body().clone()));
                };
                match status {
                    #(#decode_arms)*
                    _ => Self::UnexpectedStatus(UnexpectedStatus::new(raw.meta().clone(), raw.body().clone())),
                }
            }
        }
    };
    let is_retryable_doc = doc(&format!(
        "Whether trying the same call again later may succeed: a connection failure, a\ntimeout or a broken connection, or the statuses {}.\nThe call's own retries have already been spent when it returns this error.",
        and_list(defaults::RETRYABLE_STATUSES)
    ));
    quote! {
        use crate::runtime::response::{ErrorFromResponse, RawResponse};

        #api_error_import
        pub use crate::runtime::errors::{
            BuildError, DecodeError, InvalidRequest, ResponseMeta, TransportError, TransportErrorKind, UnexpectedStatus, Violation,
        };

        /// Everything a call can fail with.
        ///
        /// Declared error responses are typed variants holding the decoded body; any other
        /// status is [`Error::UnexpectedStatus`] with the raw body. Every variant that comes
        /// from a response gives its status and headers through [`Error::meta`].
        #[derive(Debug)]
        #[non_exhaustive]
        pub enum Error {
            #(#variants)*
            /// A status the operation does not declare, with headers and the raw body.
            UnexpectedStatus(UnexpectedStatus),
            /// The server could not be reached, the connection broke, or an attempt timed out (after retries).
            Transport(TransportError),
            /// A success response's body did not decode into its type; the raw body is kept.
            Decode(DecodeError),
            /// The request broke a constraint of the spec and was not sent.
            InvalidRequest(InvalidRequest),
            /// The client could not be built (invalid URL or header, HTTP client failure).
            Build(BuildError),
        }

        impl Error {
            /// Status, headers and request id of the response this error came from, if any.
            pub fn meta(&self) -> Option<&ResponseMeta> {
                match self {
                    #(#status)*
                    Self::UnexpectedStatus(e) => Some(e.meta()),
                    Self::Decode(e) => e.meta(),
                    _ => None,
                }
            }

            /// The HTTP status of the response this error came from, if any.
            pub fn status(&self) -> Option<reqwest::StatusCode> {
                self.meta().map(ResponseMeta::status)
            }

            /// The server's request id, if the response carried one.
            pub fn request_id(&self) -> Option<&str> {
                self.meta().and_then(ResponseMeta::request_id)
            }

            /// The message the server gave in the error body, if any: a field such as
            /// `error.message`, `message` or `detail`, or a plain-text body. `Display` shows it too.
            pub fn message(&self) -> Option<String> {
                match self {
                    #(#message)*
                    Self::UnexpectedStatus(e) => e.message(),
                    _ => None,
                }
            }

            #is_retryable_doc
            pub fn is_retryable(&self) -> bool {
                match self {
                    Self::Transport(e) => !matches!(e.kind(), TransportErrorKind::BodyTooLarge | TransportErrorKind::Request),
                    _ => self.status().is_some_and(crate::runtime::errors::is_retryable_status),
                }
            }

            /// Whether an attempt ran out of time (the last one, after retries).
            pub fn is_timeout(&self) -> bool {
                matches!(self, Self::Transport(e) if e.is_timeout())
            }

            /// Whether the server answered with a 4xx status: the request needs changing.
            pub fn is_client_error(&self) -> bool {
                self.status().is_some_and(|s| s.is_client_error())
            }

            /// Whether the server answered with a 5xx status.
            pub fn is_server_error(&self) -> bool {
                self.status().is_some_and(|s| s.is_server_error())
            }
        }

        impl std::fmt::Display for Error {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                match self {
                    #(#display)*
                    Self::UnexpectedStatus(e) => write!(f, "{e}"),
                    Self::Transport(e) => write!(f, "transport error: {e}"),
                    Self::Decode(e) => write!(f, "decode error: {e}"),
                    Self::InvalidRequest(e) => write!(f, "invalid request: {e}"),
                    Self::Build(e) => write!(f, "cannot build the client: {e}"),
                }
            }
        }

        impl std::error::Error for Error {
            fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
                match self {
                    #(#source)*
                    Self::UnexpectedStatus(e) => std::error::Error::source(e),
                    Self::Transport(e) => std::error::Error::source(e),
                    Self::Decode(e) => std::error::Error::source(e),
                    Self::InvalidRequest(e) => std::error::Error::source(e),
                    Self::Build(e) => std::error::Error::source(e),
                }
            }
        }

        impl From<TransportError> for Error {
            fn from(e: TransportError) -> Self {
                Self::Transport(e)
            }
        }

        impl From<DecodeError> for Error {
            fn from(e: DecodeError) -> Self {
                Self::Decode(e)
            }
        }

        impl From<InvalidRequest> for Error {
            fn from(e: InvalidRequest) -> Self {
                Self::InvalidRequest(e)
            }
        }

        impl From<BuildError> for Error {
            fn from(e: BuildError) -> Self {
                Self::Build(e)
            }
        }

        impl ErrorFromResponse for Error {
            #from_response
        }
    }
}
