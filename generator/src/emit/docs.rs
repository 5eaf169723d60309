//! Markdown: the crate README, an index (`docs/README.md`), a page per tag with every
//! operation (`docs/sdks/<tag>/README.md`) and a page per model (`docs/models/<model>.md`).
//!
//! Every ```` ```rust ```` block in them is compiled by `cargo test --doc`: the generated
//! `src/lib.rs` includes each file as the docs of a `#[cfg(doctest)]` item (see
//! [`doctest_items`]). Blocks that need a server are `no_run`; the others run. No other fenced
//! or indented block may appear (rustdoc would compile it as Rust too), so spec prose always
//! goes through [`prose`].

use std::collections::{BTreeMap, BTreeSet};

use heck::ToUpperCamelCase;

use super::examples::{self, model_snippet, str_lit, Setup, Use};
use super::types;
use super::{and_list, defaults, duration, json_code, prose, Header};
use crate::fileset::FileSet;
use crate::ir::*;

pub(crate) fn emit(api: &Api, header: &Header, files: &mut FileSet) {
    let refs = References::new(api);
    files.insert("README.md", readme(api, header));
    files.insert("docs/README.md", index(api, header));
    for tag in &api.tags {
        files.insert(tag_page_path(tag), tag_page(api, header, tag));
    }
    for def in &api.types {
        files.insert(model_page_path(def), model_page(api, header, def, &refs));
    }
}

fn tag_page_path(tag: &Tag) -> String {
    format!("docs/sdks/{}/README.md", tag.module)
}

fn model_page_path(def: &TypeDef) -> String {
    format!("docs/models/{}.md", def.module)
}

/// Every Markdown file with Rust snippets, with the name of the `#[cfg(doctest)]` item of
/// `src/lib.rs` that includes it: (group module, item name, path from the crate root).
pub(crate) fn doctest_items(api: &Api) -> Vec<(&'static str, String, String)> {
    let mut out = vec![("crate_docs", "Readme".to_owned(), "README.md".to_owned())];
    for tag in &api.tags {
        out.push(("sdks", tag.rust_name.clone(), tag_page_path(tag)));
    }
    for def in &api.types {
        out.push(("models", def.name.to_upper_camel_case(), model_page_path(def)));
    }
    out
}

// -------------------------------------------------------------------------------------------
// Shared pieces

/// Text for one table cell: one line, pipes escaped.
fn cell(text: &str) -> String {
    let mut out = String::new();
    let mut escaped = false;
    for c in text.chars() {
        match c {
            '\n' => out.push_str("<br>"),
            '|' if !escaped => out.push_str("\\|"),
            _ => out.push(c),
        }
        escaped = c == '\\' && !escaped;
    }
    out
}

/// Inline code in a table cell (pipes escaped even inside it, as GitHub tables need).
fn code_cell(text: &str) -> String {
    let ticks = if text.contains('`') { "``" } else { "`" };
    format!("{ticks}{}{ticks}", text.replace('|', "\\|"))
}

/// A type as inline code, linked to the page of the generated type it names, if any.
/// `to_models` is the path from the current page to `docs/models/`.
fn type_md(api: &Api, t: &TypeRef, to_models: &str) -> String {
    let text = code_cell(&types::short(t));
    match t.named().and_then(|n| api.types.iter().find(|d| d.name == n)) {
        Some(def) => format!("[{text}]({to_models}{}.md)", def.module),
        None => text,
    }
}

fn op_anchor(op: &Operation) -> String {
    anchor(&op.rust_name)
}

/// GitHub's anchor of a heading: lower case, spaces to dashes, other punctuation but `-` and `_`
/// dropped.
fn anchor(heading: &str) -> String {
    heading
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .collect()
}

/// Path from the crate root to an operation's section.
fn op_link_from_root(api: &Api, op: &Operation) -> String {
    format!("{}#{}", tag_page_path(&api.tags[op.tag]), op_anchor(op))
}

fn summary_of(op: &Operation) -> String {
    op.summary
        .as_deref()
        .or(op.description.as_deref())
        .map(|s| prose(s.lines().next().unwrap_or("")))
        .unwrap_or_default()
}

fn yes_no(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}

fn fenced(lang: &str, code: &str) -> String {
    format!("```{lang}\n{}```\n", code)
}

fn location(p: &Param) -> &'static str {
    match p.location {
        ParamLocation::Path => "path",
        ParamLocation::Query => "query",
        ParamLocation::Header => "header",
        ParamLocation::Cookie => "cookie",
    }
}

fn security_how(kind: &SecurityKind) -> String {
    match kind {
        SecurityKind::ApiKeyHeader(h) => format!("`{h}` header"),
        SecurityKind::ApiKeyQuery(q) => format!("`{q}` query parameter"),
        SecurityKind::ApiKeyCookie(c) => format!("`{c}` cookie"),
        SecurityKind::Bearer => "`Authorization: Bearer <token>` header".into(),
        SecurityKind::Basic => "`Authorization: Basic` header (give `user:password`)".into(),
    }
}

/// Where each generated type is used: by operations and by other types.
struct References {
    /// Type name to its users: a link and what the type is there (`request body`, `field `x``).
    by_type: BTreeMap<String, Vec<(String, Vec<String>)>>,
    /// Types that are (part of) a request: worth a "build one" snippet.
    inputs: BTreeSet<String>,
}

impl References {
    fn new(api: &Api) -> Self {
        let mut by_type: BTreeMap<String, Vec<(String, Vec<String>)>> = BTreeMap::new();
        let mut add = |name: Option<&str>, link: &str, what: String| {
            let Some(n) = name else { return };
            let users = by_type.entry(n.to_owned()).or_default();
            match users.iter_mut().find(|(l, _)| l == link) {
                Some((_, whats)) if !whats.contains(&what) => whats.push(what),
                Some(_) => {}
                None => users.push((link.to_owned(), vec![what])),
            }
        };
        let mut inputs = BTreeSet::new();
        for op in &api.operations {
            let link = format!("[`{}`](../sdks/{}/README.md#{})", op.rust_name, api.tags[op.tag].module, op_anchor(op));
            if let Some(b) = &op.body {
                add(b.ty.named(), &link, "request body".into());
                inputs.extend(b.ty.named().map(str::to_owned));
            }
            for p in &op.params {
                add(p.ty.named(), &link, format!("parameter `{}`", p.rust_name));
                inputs.extend(p.ty.named().map(str::to_owned));
            }
            add(op.response.named(), &link, "response".into());
        }
        for e in &api.errors {
            add(e.body.named(), &format!("`Error::{}`", e.rust_name), format!("body of status {}", e.status));
        }
        for def in &api.types {
            let link = format!("[`{}`]({}.md)", def.name, def.module);
            match &def.kind {
                TypeKind::Struct { fields, additional } => {
                    for f in fields {
                        add(f.ty.named(), &link, format!("field `{}`", f.rust_name));
                    }
                    if let Some(a) = additional {
                        add(a.named(), &link, "additional properties".into());
                    }
                }
                TypeKind::Union { variants, .. } => {
                    for v in variants {
                        add(v.ty.named(), &link, format!("variant `{}`", v.rust_name));
                    }
                }
                TypeKind::Alias(t) => add(t.named(), &link, "alias".into()),
                TypeKind::StringEnum { .. } | TypeKind::IntEnum { .. } => {}
            }
        }
        // Everything reachable from a request is an input too.
        let mut queue: Vec<String> = inputs.iter().cloned().collect();
        while let Some(n) = queue.pop() {
            let Some(def) = api.types.iter().find(|t| t.name == n) else { continue };
            let mut next = Vec::new();
            match &def.kind {
                TypeKind::Struct { fields, .. } => next.extend(fields.iter().filter_map(|f| f.ty.named())),
                TypeKind::Union { variants, .. } => next.extend(variants.iter().filter_map(|v| v.ty.named())),
                TypeKind::Alias(t) => next.extend(t.named()),
                _ => {}
            }
            for m in next {
                if inputs.insert(m.to_owned()) {
                    queue.push(m.to_owned());
                }
            }
        }
        Self { by_type, inputs }
    }
}

// -------------------------------------------------------------------------------------------
// Crate README

fn readme(api: &Api, header: &Header) -> String {
    let p = &api.package;
    let krate = &p.name;
    let prefix = &p.env_prefix;
    let qs = examples::quick_start_operation(api);
    let mut out = header.markdown();
    out.push_str(&format!("\n# {krate}\n\n{}\n\n", prose(&p.description)));
    if let Some(d) = &api.description {
        out.push_str(&format!("{}\n\n", prose(d)));
    }
    out.push_str(&format!(
        "Generated by openapi-sdkgen from `{}` ({}, version {}). Reference: [operations and models](docs/README.md); \
         API docs: `cargo doc -p {krate} --open`.\n\n",
        spec_file_name(api),
        prose(&api.title),
        api.api_version
    ));
    let mut toc = vec!["Install", "Quick start"];
    if !api.security.is_empty() {
        toc.push("Authentication");
    }
    toc.extend(["Servers", "Retries", "Timeouts", "Errors"]);
    let keyed = idempotency_fields(api);
    if !keyed.is_empty() {
        toc.push("Idempotency");
    }
    if !api.bulk.is_empty() {
        toc.push("Bulk helpers");
    }
    if api.has_ingestor() {
        toc.push("Background ingestor");
    }
    if !api.pagination.is_empty() {
        toc.push("Pagination");
    }
    toc.extend([
        "Custom HTTP client, proxies and TLS",
        "Logging and tracing",
        "Testing your integration",
        "Operations",
        "Examples",
    ]);
    for t in &toc {
        out.push_str(&format!("- [{t}](#{})\n", anchor(t)));
    }

    // Install: what the config says about where the crate lives.
    let p = &api.package;
    let version = {
        let mut parts = p.version.split('.');
        match (parts.next(), parts.next()) {
            (Some("0"), Some(minor)) => format!("0.{minor}"),
            (Some(major), _) => major.to_owned(),
            _ => p.version.clone(),
        }
    };
    let mut deps = String::from("[dependencies]\n");
    let mut intro = String::from("\n## Install\n\n");
    match (&p.repository, p.publish) {
        (_, true) => {
            intro.push_str("Add the crate and a Tokio runtime (its async methods need one):\n\n");
            deps.push_str(&format!("{krate} = \"{version}\"\n"));
        }
        (Some(repo), false) => {
            intro.push_str("The crate is not on crates.io: depend on it through git (or by path, from a checkout). Its async methods need a Tokio runtime.\n\n");
            deps.push_str(&format!("{krate} = {{ git = \"{repo}\", package = \"{krate}\" }}\n"));
        }
        (None, false) => {
            intro.push_str("The crate is not on crates.io: depend on it by path, from a checkout of the folder it was generated into. Its async methods need a Tokio runtime.\n\n");
            deps.push_str(&format!("{krate} = {{ path = \"../{krate}\" }}\n"));
        }
    }
    deps.push_str("tokio = { version = \"1\", features = [\"macros\", \"rt-multi-thread\"] }\n");
    out.push_str(&intro);
    out.push_str(&fenced("toml", &deps));
    out.push_str(&format!(
        "\nCargo features: `rustls` (default; TLS through rustls, trusting the operating system's certificate store, so a TLS-inspecting corporate proxy whose root certificate is installed there works), `native-tls` (the platform's TLS library instead: `default-features = false, features = [\"native-tls\"]`) and `gzip` (compressed responses). The crate re-exports the `reqwest` it is built on as `{krate}::reqwest`{}.\n",
        if api.uses_chrono() { format!(", and `chrono` (the type of its time fields) as `{krate}::chrono`") } else { String::new() }
    ));

    // Quick start
    out.push_str("\n## Quick start\n\n");
    if let Some(op) = qs {
        out.push_str(&format!(
            "Build a client, then call an operation: `client.{}().{}(..)` returns a request you can adjust, then `.await`.\n\n",
            api.tags[op.tag].module, op.rust_name
        ));
        out.push_str(&fenced("rust,no_run", &examples::program(api, op, Setup::Builder, Use::Print).text(0)));
    }

    // Authentication
    if !api.security.is_empty() {
        out.push_str("\n## Authentication\n\n| Scheme | Sent as | Builder method | Environment variable | Description |\n| --- | --- | --- | --- | --- |\n");
        for s in &api.security {
            out.push_str(&format!(
                "| `{}` | {} | `ClientBuilder::{}` | `{prefix}_{}` | {} |\n",
                s.name,
                security_how(&s.kind),
                s.setter,
                s.env_suffix,
                cell(&s.description.as_deref().map(prose).unwrap_or_default())
            ));
        }
        out.push_str("\nA credential is kept out of `Debug` output, errors and traces.\n\n");
    } else {
        out.push('\n');
    }
    out.push_str(
        "`Client::from_env()` builds a client from the environment, leaving every other setting at its default:\n\n",
    );
    for s in &api.security {
        out.push_str(&format!("- `{prefix}_{}`: the credential of `{}`, if set;\n", s.env_suffix, s.name));
    }
    out.push_str(&format!(
        "- `{prefix}_SERVER_URL`: the server URL, if set; {}.\n\n",
        match api.servers.first() {
            Some(s) if !s.url.starts_with('/') => format!("else `Server::{}` (`{}`)", s.rust_name, s.url),
            _ => "required, as the spec names no absolute server URL".to_owned(),
        }
    ));
    let runs = api.servers.first().is_some_and(|s| !s.url.starts_with('/'));
    out.push_str(&fenced(
        if runs { "rust" } else { "rust,no_run" },
        &format!(
            "use {krate}::Client;\n\nfn main() -> Result<(), {krate}::Error> {{\n    let client = Client::from_env()?;\n    println!(\"requests go to {{}}\", client.base_url());\n    Ok(())\n}}\n"
        ),
    ));

    // Servers
    out.push_str("\n## Servers\n\n");
    if api.servers.is_empty() {
        out.push_str("The spec names no server: give the base URL with `ClientBuilder::server_url`.\n\n");
    } else {
        out.push_str("| Server | URL | Description |\n| --- | --- | --- |\n");
        for (i, s) in api.servers.iter().enumerate() {
            out.push_str(&format!(
                "| `Server::{}`{} | `{}` | {} |\n",
                s.rust_name,
                if i == 0 { " (default)" } else { "" },
                s.url,
                cell(&s.description.as_deref().map(prose).unwrap_or_default())
            ));
        }
        out.push_str(
            "\nPick one with `ClientBuilder::server`, or give any base URL (a proxy, a local mock server) with \
             `ClientBuilder::server_url`",
        );
        if api.servers.iter().any(|s| s.url.starts_with('/')) {
            out.push_str("; a relative server URL of the spec is appended to it");
        }
        out.push_str(".\n\n");
    }
    let absolute = api.servers.iter().rev().find(|s| !s.url.starts_with('/'));
    let mut code = String::new();
    code.push_str(&format!(
        "use {krate}::{};\n\nfn main() -> Result<(), {krate}::Error> {{\n",
        if absolute.is_some() { "{Client, Server}" } else { "Client" }
    ));
    if let Some(s) = absolute {
        code.push_str(&format!(
            "    let client = Client::builder().server(Server::{}).build()?;\n    println!(\"{{}}\", client.base_url());\n\n",
            s.rust_name
        ));
    }
    code.push_str(&format!(
        "    let local = Client::builder().server_url({}).build()?;\n    println!(\"{{}}\", local.base_url());\n    Ok(())\n}}\n",
        str_lit("http://localhost:4010")
    ));
    out.push_str(&fenced("rust", &code));

    // Retries
    out.push_str(&format!(
        "\n## Retries\n\nFailed attempts are retried with exponential backoff and full jitter, by `RetryConfig`:\n\n\
         | Setting | Default | Meaning |\n| --- | --- | --- |\n\
         | `initial_interval` | {} | Upper bound of the first delay |\n\
         | `max_interval` | {} | Upper bound of any delay |\n\
         | `exponent` | {} | Growth of the delay bound per retry |\n\
         | `max_elapsed_time` | {} | No retry starts whose delay would end later than this after the first attempt |\n\
         | `max_attempts` | {} | Attempts in total, the first included |\n\
         | `retry_connection_errors` | `{}` | Retry when the connection cannot be made or breaks |\n\
         | `retry_500` | `{}` | Retry HTTP 500 too |\n\
         | `respect_retry_after` | `{}` | Wait as long as a `Retry-After` header asks (capped by `max_interval`) |\n\n\
         Retried: connection failures (when `retry_connection_errors`), timeouts, and the statuses {} \
         (500 only with `retry_500`). Any other status is an answer, returned at once.\n\n\
         Set the policy of every call on the builder, and override it for one call with `.retry(..)` (or `.no_retry()`) \
         on the request before awaiting it:\n\n",
        duration(defaults::RETRY_INITIAL_INTERVAL),
        duration(defaults::RETRY_MAX_INTERVAL),
        defaults::RETRY_EXPONENT,
        duration(defaults::RETRY_MAX_ELAPSED_TIME),
        defaults::RETRY_MAX_ATTEMPTS,
        defaults::RETRY_CONNECTION_ERRORS,
        defaults::RETRY_500,
        defaults::RESPECT_RETRY_AFTER,
        and_list(defaults::RETRY_STATUSES),
    ));
    out.push_str(&fenced(
        "rust",
        &format!(
            "use std::time::Duration;\n\nuse {krate}::{{Client, RetryConfig}};\n\nfn main() -> Result<(), {krate}::Error> {{\n    let retry = RetryConfig::default().max_attempts(6).max_interval(Duration::from_secs(10)).retry_500(true);\n    let client = Client::builder(){}.retry(retry).build()?;\n    println!(\"{{:?}}\", client.retry_config());\n    Ok(())\n}}\n",
            server_url_for_snippet(api)
        ),
    ));
    if let Some(op) = qs {
        out.push('\n');
        out.push_str(&fenced("rust,no_run", &examples::program(api, op, Setup::FromEnv, Use::PerCall).text(0)));
    }

    // Timeouts
    out.push_str(&format!(
        "\n## Timeouts\n\nEach attempt may take {} by default, from sending the request to the end of the response \
         body; opening a connection, {}. Change them with `ClientBuilder::timeout` and \
         `ClientBuilder::connect_timeout`, and for one call with `.timeout(..)` on the request (as above). An attempt that \
         times out is retried like a broken connection; the last failure is `Error::Transport`.\n\n",
        duration(defaults::TIMEOUT),
        duration(defaults::CONNECT_TIMEOUT),
    ));
    out.push_str(&fenced(
        "rust",
        &format!(
            "use std::time::Duration;\n\nuse {krate}::Client;\n\nfn main() -> Result<(), {krate}::Error> {{\n    let client = Client::builder(){}.timeout(Duration::from_secs(20)).connect_timeout(Duration::from_secs(3)).build()?;\n    println!(\"{{:?}}\", client);\n    Ok(())\n}}\n",
            server_url_for_snippet(api)
        ),
    ));

    // Errors
    out.push_str("\n## Errors\n\nEvery operation fails with one type, `");
    out.push_str(krate);
    out.push_str("::Error`:\n\n| Variant | When | Holds |\n| --- | --- | --- |\n");
    for e in &api.errors {
        out.push_str(&format!(
            "| `Error::{}` | Status {}, declared by {} | `ApiError<{}>`: the decoded body, status, headers, raw body |\n",
            e.rust_name,
            e.status,
            e.operations.iter().map(|o| format!("`{o}`")).collect::<Vec<_>>().join(", "),
            types::short(&e.body)
        ));
    }
    out.push_str(&format!(
        "| `Error::UnexpectedStatus` | A status the operation does not declare | Status, headers, raw body |\n\
         | `Error::Transport` | The server could not be reached, the connection broke or an attempt timed out, after retries | The kind of failure, attempts made |\n\
         | `Error::Decode` | A response body did not match its type | The message, status, raw body |\n\
         | `Error::InvalidRequest` | The request breaks a constraint of the spec (such as `maxItems`) or has an invalid header; nothing was sent | Every violation |\n\
         | `Error::Build` | The client could not be built (invalid URL or header) | The reason |\n\n\
         An error says why: its `Display` gives the status, the server's message (the body's `error.message`, \
         `message` or `detail`, or a text body) and the request id, and `source()` leads to the underlying error \
         for reporters such as `anyhow`. `Error::message()` is the server's message alone; `Error::status()`, \
         `Error::meta()` and `Error::request_id()` give the response details of any variant that has them; \
         `Error::is_retryable()` (connection failures, timeouts, {}: whether trying again \
         later may succeed, a wider set than the automatic retries above), `is_timeout()`, \
         `is_client_error()` and `is_server_error()` classify it.\n\n",
        defaults::RETRYABLE_STATUSES.iter().map(u16::to_string).collect::<Vec<_>>().join(", ")
    ));
    if let Some(op) = qs {
        out.push_str(&fenced("rust,no_run", &examples::program(api, op, Setup::FromEnv, Use::MatchErrors).text(0)));
    }

    // Idempotency
    if !keyed.is_empty() {
        out.push_str("\n## Idempotency\n\nThese fields are idempotency keys (`x-idempotency-key` in the spec):\n\n");
        for (def, f) in &keyed {
            out.push_str(&format!(
                "- `{}::{}` ([`{}`](docs/models/{}.md), wire name `{}`)\n",
                def.name, f.rust_name, def.name, def.module, f.wire_name
            ));
        }
        let ops: Vec<String> = api
            .operations
            .iter()
            .filter(|o| {
                o.body
                    .as_ref()
                    .and_then(|b| b.ty.named())
                    .is_some_and(|n| api.types.iter().any(|t| t.name == n && t.has_idempotency_key))
            })
            .map(|o| format!("[`{}`]({})", o.rust_name, op_link_from_root(api, o)))
            .collect();
        out.push_str(&format!(
            "\nBefore the first attempt of {}, every key that is missing gets a fresh unique id (UUID v7), so a retried \
             request carries the same key and the server can drop the duplicate. A key you set is kept: set your own to \
             make a send idempotent across restarts too.\n\n",
            if ops.is_empty() { "a call".to_owned() } else { ops.join(", ") }
        ));
        if let Some(snippet) = idempotency_snippet(api, &keyed) {
            out.push_str(&fenced("rust", &snippet));
        }
    }

    // Bulk helpers
    if !api.bulk.is_empty() {
        out.push_str("\n## Bulk helpers\n\n");
        for b in &api.bulk {
            let op = &api.operations[b.operation];
            let tag = &api.tags[op.tag];
            out.push_str(&format!(
                "`client.{}().{}(items, BulkOptions::new())` sends any number of `{}` items through [`{}`]({}), in \
                 batches of at most {} (the spec's `maxItems`), {} batches at a time by default. Each batch is retried \
                 like any call. It returns a `BulkReport`: how many items were accepted, and every batch that finally \
                 failed with its items and error, so nothing is dropped silently.",
                tag.module,
                b.rust_name,
                types::short(&b.item),
                op.rust_name,
                op_link_from_root(api, op),
                b.batch_size,
                defaults::BULK_CONCURRENCY
            ));
            if b.item.named().is_some_and(|n| api.types.iter().any(|t| t.name == n && t.has_idempotency_key)) {
                out.push_str(
                    " Every item gets its idempotency key before the first batch is sent, so sending a failed batch \
                     again cannot count it twice.",
                );
            }
            out.push_str("\n\n");
            out.push_str(&fenced("rust,no_run", &examples::bulk_program(api, b).text(0)));
        }
    }

    // Background ingestor
    out.push_str(&super::ingestor::readme_section(api));

    // Pagination
    if !api.pagination.is_empty() {
        out.push_str("\n## Pagination\n\n");
        out.push_str(
            "The calls of these operations can walk every page: `.pages()` is a stream of the pages and `.items()` a \
             stream of the items of every page, both fetched lazily (the next page is asked for when the previous \
             one has been used up). Each page is an ordinary call, retried like any other, with the per-call \
             settings (`.timeout(..)`, `.retry(..)`, `.header(..)`) applied to every page. The stream ends after \
             the last page: one that says there is no more, an empty one, or one whose cursor was seen before (a \
             server repeating itself cannot make it loop). An error is yielded once and ends the stream. Both \
             streams have `try_next()` and implement `futures::Stream`. Awaiting the call itself fetches one page.\n\n\
             | Operation | Items | Next page |\n| --- | --- | --- |\n",
        );
        for p in &api.pagination {
            let op = &api.operations[p.operation];
            let place = |place: &PagePlace| match place {
                PagePlace::Query(w) => format!("query parameter `{w}`"),
                PagePlace::Body(w) => format!("body field `{w}`"),
            };
            let next = match &p.mode {
                PageMode::Cursor { field, place: at } => {
                    format!("the response's `{}` as {}", field.rust_name, place(at))
                }
                PageMode::Offset { place: at } => format!("the count of items so far as {}", place(at)),
            };
            out.push_str(&format!(
                "| [`{}`]({}) | {} (`{}`) | {next} |\n",
                op.rust_name,
                op_link_from_root(api, op),
                type_md(api, &p.item, "docs/models/"),
                p.items.rust_name
            ));
        }
        let op = &api.operations[api.pagination[0].operation];
        out.push('\n');
        out.push_str(&fenced("rust,no_run", &examples::program(api, op, Setup::FromEnv, Use::Items).text(0)));
    }

    out.push_str(&http_sections(api, qs));

    // Operations
    out.push_str("\n## Operations\n\n");
    out.push_str(&operations_table(api, ""));
    out.push_str("\nThe request and response types are described in [the models reference](docs/README.md#models).\n");

    // Examples
    out.push_str(&format!(
        "\n## Examples\n\n`examples/` has a program per operation, built from the spec's examples. Run one against a \
         server (a local mock server works) with\n\n```sh\n{prefix}_SERVER_URL=http://localhost:4010 {} cargo run --example {}\n```\n",
        api.security.first().map(|s| format!("{prefix}_{}=my-key", s.env_suffix)).unwrap_or_default(),
        qs.map(|o| o.rust_name.as_str()).unwrap_or("NAME")
    ));
    out
}

fn spec_file_name(api: &Api) -> String {
    std::path::Path::new(&api.spec_file)
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_else(|| api.spec_file.clone())
}

/// `.server_url(..)` when the default server is relative (a client cannot be built without).
fn server_url_for_snippet(api: &Api) -> String {
    match api.servers.first() {
        Some(s) if !s.url.starts_with('/') => String::new(),
        _ => format!(".server_url({})", str_lit("https://api.example.com")),
    }
}

/// Table of every operation (and bulk helper), linking to their sections. `to_root` is the
/// path from the current page to the crate root.
fn operations_table(api: &Api, to_root: &str) -> String {
    let mut out = String::from("| Operation | HTTP | Summary |\n| --- | --- | --- |\n");
    for tag in &api.tags {
        for &i in &tag.operations {
            let op = &api.operations[i];
            out.push_str(&format!(
                "| [`{}().{}`]({to_root}{}) | `{} {}` | {}{} |\n",
                tag.module,
                op.rust_name,
                op_link_from_root(api, op),
                op.method,
                op.path,
                cell(&summary_of(op)),
                if op.deprecated { " (deprecated)" } else { "" }
            ));
        }
        for b in api.bulk.iter().filter(|b| {
            api.operations[b.operation].tag == api.tags.iter().position(|t| t.name == tag.name).unwrap_or(0)
        }) {
            let op = &api.operations[b.operation];
            out.push_str(&format!(
                "| [`{}().{}`]({to_root}{}#{}) | `{} {}`, in batches | Bulk helper over `{}` |\n",
                tag.module,
                b.rust_name,
                tag_page_path(tag),
                b.rust_name.to_lowercase(),
                op.method,
                op.path,
                op.rust_name
            ));
        }
    }
    out
}

/// Fields marked as idempotency keys, with their types.
fn idempotency_fields(api: &Api) -> Vec<(&TypeDef, &Field)> {
    let mut out = Vec::new();
    for def in &api.types {
        if let TypeKind::Struct { fields, .. } = &def.kind {
            out.extend(fields.iter().filter(|f| f.idempotency_key).map(|f| (def, f)));
        }
    }
    out
}

/// A runnable snippet showing a key being filled in and then kept (for an optional string key).
fn idempotency_snippet(api: &Api, keyed: &[(&TypeDef, &Field)]) -> Option<String> {
    let (def, f) = keyed.iter().find(|(_, f)| !f.is_plain() && f.ty == TypeRef::String)?;
    let TypeKind::Struct { fields, .. } = &def.kind else { return None };
    let args: Vec<String> = fields
        .iter()
        .filter(|x| x.is_plain())
        .map(|x| match (&x.ty, &x.example) {
            (TypeRef::String, Some(serde_json::Value::String(s))) => Some(str_lit(s)),
            (TypeRef::String, _) => Some(str_lit(&format!("<{}>", x.wire_name))),
            _ => None,
        })
        .collect::<Option<_>>()?;
    let krate = &api.package.name;
    let name = &def.name;
    let key = &f.rust_name;
    let new = format!("{name}::new({})", args.join(", "));
    Some(format!(
        "use {krate}::models::{name};\n\nlet mut value = {new};\nassert!(value.{key}.is_none());\n\n\
         // What a send does first:\nvalue.fill_idempotency_keys();\nlet key = value.{key}.clone().unwrap();\n\n\
         // A key that is set is kept, so every retry sends the same one:\nvalue.fill_idempotency_keys();\nassert_eq!(value.{key}, Some(key));\n"
    ))
}

// -------------------------------------------------------------------------------------------
// docs/README.md

fn index(api: &Api, header: &Header) -> String {
    let mut out = header.markdown();
    out.push_str(&format!("\n# {} reference\n\n", prose(&api.title)));
    out.push_str("Back to [the crate README](../README.md).\n\n## Operations\n\n");
    for tag in &api.tags {
        out.push_str(&format!(
            "- [{}](sdks/{}/README.md){}\n",
            prose(&tag.name),
            tag.module,
            tag.description.as_deref().map(|d| format!(": {}", prose(d))).unwrap_or_default()
        ));
    }
    out.push('\n');
    out.push_str(&operations_table(api, "../").replace("](../docs/", "]("));
    out.push_str("\n## Models\n\n| Model | Kind | Description |\n| --- | --- | --- |\n");
    for def in &api.types {
        out.push_str(&format!(
            "| [`{}`](models/{}.md) | {} | {} |\n",
            def.name,
            def.module,
            kind_name(&def.kind),
            cell(&def.description.as_deref().map(|d| prose(d.lines().next().unwrap_or(""))).unwrap_or_default())
        ));
    }
    out
}

fn kind_name(kind: &TypeKind) -> &'static str {
    match kind {
        TypeKind::Struct { .. } => "struct",
        TypeKind::StringEnum { .. } => "string enum",
        TypeKind::IntEnum { .. } => "integer enum",
        TypeKind::Union { .. } => "union",
        TypeKind::Alias(_) => "type alias",
    }
}

// -------------------------------------------------------------------------------------------
// docs/sdks/<tag>/README.md

fn tag_page(api: &Api, header: &Header, tag: &Tag) -> String {
    let tag_index = api.tags.iter().position(|t| t.name == tag.name).unwrap_or(0);
    let bulk: Vec<&BulkHelper> = api.bulk.iter().filter(|b| api.operations[b.operation].tag == tag_index).collect();
    let mut out = header.markdown();
    out.push_str(&format!("\n# {}\n\n", prose(&tag.name)));
    if let Some(d) = &tag.description {
        out.push_str(&format!("{}\n\n", prose(d)));
    }
    out.push_str(&format!(
        "Reach these operations through `client.{}()` (the `{}::operations::{}` struct). Back to [the crate README](../../../README.md).\n\n## Operations\n\n",
        tag.module, api.package.name, tag.rust_name
    ));
    for &i in &tag.operations {
        let op = &api.operations[i];
        out.push_str(&format!("* [{}](#{}) - {}\n", op.rust_name, op_anchor(op), summary_of(op)));
    }
    for b in &bulk {
        out.push_str(&format!(
            "* [{}](#{}) - Bulk helper: any number of items through `{}`\n",
            b.rust_name,
            b.rust_name.to_lowercase(),
            api.operations[b.operation].rust_name
        ));
    }
    for &i in &tag.operations {
        out.push('\n');
        out.push_str(&operation_section(api, &api.operations[i]));
    }
    for b in &bulk {
        out.push('\n');
        out.push_str(&bulk_section(api, b));
    }
    out
}

const TO_MODELS: &str = "../../models/";

fn operation_section(api: &Api, op: &Operation) -> String {
    let mut out = format!("## {}\n\n", op.rust_name);
    if op.deprecated {
        out.push_str("**Deprecated** in the spec.\n\n");
    }
    match (&op.summary, &op.description) {
        (Some(s), Some(d)) if s != d => out.push_str(&format!("**{}**\n\n{}\n\n", prose(s), prose(d))),
        (Some(s), _) | (None, Some(s)) => out.push_str(&format!("{}\n\n", prose(s))),
        (None, None) => {}
    }
    out.push_str(&format!("`{} {}`", op.method, op.path));
    if let Some(id) = &op.operation_id {
        out.push_str(&format!(" (operationId `{id}`)"));
    }
    if !op.security.is_empty() {
        let how: Vec<String> = op
            .security
            .iter()
            .map(|name| match api.security.iter().find(|s| &s.name == name) {
                Some(s) => format!("`{}` ({})", s.name, security_how(&s.kind)),
                None => format!("`{name}`"),
            })
            .collect();
        out.push_str(&format!(". Authorization: {}", how.join(" or ")));
    }
    out.push_str(".\n\n### Example\n\n");
    out.push_str(&fenced("rust,no_run", &examples::operation_program(api, op).text(0)));
    out.push_str(&format!(
        "\nThe same program is `examples/{}.rs`: `cargo run --example {}`.\n",
        op.rust_name, op.rust_name
    ));

    // Parameters
    out.push_str("\n### Parameters\n\n");
    if op.params.is_empty() && op.body.is_none() {
        out.push_str("None.\n");
    } else {
        out.push_str(
            "| Name | In | Type | Required | Description | Constraints |\n| --- | --- | --- | --- | --- | --- |\n",
        );
        for p in &op.params {
            let mut desc = p.description.as_deref().map(prose).unwrap_or_default();
            if !p.required {
                if let Some(ps) = &op.params_struct {
                    desc = format!(
                        "{desc}{}Set with `{ps}::with_{}`.",
                        if desc.is_empty() { "" } else { " " },
                        p.rust_name.trim_end_matches('_')
                    );
                }
            }
            if p.deprecated {
                desc.push_str(" Deprecated.");
            }
            let mut constraints = p.constraints.describe();
            if let Some(e) = &p.example {
                if !constraints.is_empty() {
                    constraints.push_str("; ");
                }
                constraints.push_str(&format!("example: {}", json_code(e)));
            }
            out.push_str(&format!(
                "| `{}` | {} `{}` | {} | {} | {} | {} |\n",
                p.rust_name,
                location(p),
                p.wire_name,
                type_md(api, &p.ty, TO_MODELS),
                yes_no(p.required),
                cell(&desc),
                cell(&constraints)
            ));
        }
        if let Some(b) = &op.body {
            let mut desc = b.description.as_deref().map(prose).unwrap_or_default();
            if b.spec_content_type != b.content_type {
                desc.push_str(&format!(
                    "{}Declared as `{}` in the spec; sent as `{}`.",
                    if desc.is_empty() { "" } else { " " },
                    b.spec_content_type,
                    b.content_type
                ));
            }
            out.push_str(&format!(
                "| `body` | body (`{}`) | {} | {} | {} | {} |\n",
                b.content_type,
                type_md(api, &b.ty, TO_MODELS),
                yes_no(b.required),
                cell(&desc),
                cell(&body_constraints(api, b))
            ));
        }
    }
    out.push_str(
        "\nOn the returned request, before awaiting it: `.timeout(Duration)` and `.retry(RetryConfig)` (or \
         `.no_retry()`) for this call only, `.header(name, value)` for an extra header; `.send_with_response()` also \
         gives the status and headers.\n",
    );

    // Response
    out.push_str("\n### Response\n\n");
    let codes = op.success.iter().map(u16::to_string).collect::<Vec<_>>().join(", ");
    let what = match op.response_encoding {
        ResponseEncoding::Empty => "Nothing (`()`)".to_owned(),
        _ => format!("**{}**", type_md(api, &op.response, TO_MODELS)),
    };
    out.push_str(&format!(
        "{what} on status {codes}{}{}\n",
        op.response_content_type.as_deref().map(|c| format!(" (`{c}`)")).unwrap_or_default(),
        op.response_description.as_deref().map(|d| format!(": {}", prose(d))).unwrap_or_else(|| ".".to_owned())
    ));

    // Errors
    out.push_str("\n### Errors\n\n| Error | Status codes | Content type | When |\n| --- | --- | --- | --- |\n");
    for e in &op.errors {
        let Some(v) = api.errors.iter().find(|v| v.status == e.status) else { continue };
        let body = match v.body {
            TypeRef::Unit => "no body".to_owned(),
            ref t => type_md(api, t, TO_MODELS),
        };
        out.push_str(&format!(
            "| `Error::{}` ({}) | {} | {} | {} |\n",
            v.rust_name,
            body,
            e.status,
            e.content_type.as_deref().map(|c| format!("`{c}`")).unwrap_or_else(|| "none".into()),
            cell(&e.description.as_deref().map(prose).unwrap_or_default())
        ));
    }
    let declared: Vec<String> =
        op.success.iter().chain(op.errors.iter().map(|e| &e.status)).map(u16::to_string).collect();
    out.push_str(&format!(
        "| `Error::UnexpectedStatus` | any other (not {}) | any | A status the spec does not declare here; holds the headers and the raw body. |\n",
        declared.join(", ")
    ));
    out.push_str("| `Error::Transport` | none | none | The server could not be reached, the connection broke or an attempt timed out, after retries. |\n");
    out.push_str(&format!(
        "| `Error::Decode` | {codes} | {} | The response body does not match its type; holds the raw body. |\n",
        op.response_content_type.as_deref().map(|c| format!("`{c}`")).unwrap_or_else(|| "none".into())
    ));
    let validated = op.body.as_ref().map(|b| body_constraints(api, b)).filter(|c| !c.is_empty());
    out.push_str(&format!(
        "| `Error::InvalidRequest` | none: nothing is sent | none | {} |\n",
        cell(&match validated {
            Some(c) => format!("The body breaks a constraint of the spec ({c}), or a header value is invalid."),
            None => "A header value is invalid, or the body cannot be encoded.".to_owned(),
        })
    ));
    out
}

/// The checked constraints of a body's own fields (`` `events`: 1 to 1000 items ``).
fn body_constraints(api: &Api, b: &RequestBody) -> String {
    let Some(def) = b.ty.named().and_then(|n| api.types.iter().find(|t| t.name == n)) else { return String::new() };
    let TypeKind::Struct { fields, .. } = &def.kind else { return String::new() };
    fields
        .iter()
        .filter(|f| f.constraints.is_checked())
        .map(|f| format!("`{}`: {}", f.rust_name, f.constraints.describe()))
        .collect::<Vec<_>>()
        .join("; ")
}

fn bulk_section(api: &Api, b: &BulkHelper) -> String {
    let op = &api.operations[b.operation];
    let mut out = format!("## {}\n\n", b.rust_name);
    out.push_str(&format!(
        "**Bulk helper.** Sends any number of {} items through [`{}`](#{}), in batches of at most {} (the spec's \
         `maxItems`), several batches at a time, each retried like any call.\n\n",
        type_md(api, &b.item, TO_MODELS),
        op.rust_name,
        op_anchor(op),
        b.batch_size
    ));
    out.push_str("### Example\n\n");
    out.push_str(&fenced("rust,no_run", &examples::bulk_program(api, b).text(0)));
    if !api.operations.iter().any(|o| o.rust_name == b.rust_name) {
        out.push_str(&format!(
            "\nThe same program is `examples/{}.rs`: `cargo run --example {}`.\n",
            b.rust_name, b.rust_name
        ));
    }
    out.push_str(&format!(
        "\n### Parameters\n\n| Name | Type | Description |\n| --- | --- | --- |\n\
         | `items` | `impl IntoIterator<Item = {}>` | The items, in any number. |\n\
         | `options` | `BulkOptions` | `BulkOptions::new()`: batches of {} and {} in flight; change with `.batch_size(n)` (at most {}) and `.concurrency(n)`. |\n",
        types::short(&b.item),
        b.batch_size,
        defaults::BULK_CONCURRENCY,
        b.batch_size
    ));
    out.push_str(&format!(
        "\n### Response\n\n`BulkReport<{}, Error>`: `accepted()` items, and `failed()` batches, each with its `items()` \
         and `error()` (any error of [`{}`](#{})). It never fails as a whole.\n",
        types::short(&b.item),
        op.rust_name,
        op_anchor(op)
    ));
    out
}

// -------------------------------------------------------------------------------------------
// docs/models/<model>.md

fn model_page(api: &Api, header: &Header, def: &TypeDef, refs: &References) -> String {
    let krate = &api.package.name;
    let mut out = header.markdown();
    out.push_str(&format!("\n# {}\n\n", def.name));
    if let Some(d) = &def.description {
        out.push_str(&format!("{}\n\n", prose(d)));
    }
    out.push_str(&format!("- Rust: `{krate}::models::{}`, {}\n", def.name, kind_sentence(&def.kind)));
    out.push_str(&format!("- Spec: {}\n", def.origin));
    if let Some(users) = refs.by_type.get(&def.name) {
        let users: Vec<String> = users.iter().map(|(link, whats)| format!("{link} ({})", whats.join(", "))).collect();
        out.push_str(&format!("- Used by: {}\n", users.join(", ")));
    }
    if let Some(e) = &def.example {
        out.push_str(&format!("- Example: {}\n", json_code(e)));
    }
    out.push_str("\nBack to [the reference](../README.md#models).\n");
    match &def.kind {
        TypeKind::Struct { fields, additional } => out.push_str(&struct_section(api, def, fields, additional.as_ref())),
        TypeKind::StringEnum { variants } => {
            out.push_str("\n## Values\n\n| Variant | Wire value | Description |\n| --- | --- | --- |\n");
            for v in variants {
                out.push_str(&format!(
                    "| `{}::{}` | {} | {} |\n",
                    def.name,
                    v.rust_name,
                    code_cell(&str_lit(&v.value)),
                    cell(&v.description.as_deref().map(prose).unwrap_or_default())
                ));
            }
            out.push_str(&format!(
                "| `{}::Unknown(String)` | any other string | A value this version of the SDK does not know: kept as it came and sent back unchanged. |\n",
                def.name
            ));
        }
        TypeKind::IntEnum { variants } => {
            out.push_str("\n## Values\n\n| Variant | Wire value |\n| --- | --- |\n");
            for v in variants {
                out.push_str(&format!("| `{}::{}` | `{}` |\n", def.name, v.rust_name, v.value));
            }
            out.push_str(&format!(
                "| `{}::Unknown(i64)` | any other integer (kept as it came and sent back unchanged) |\n",
                def.name
            ));
        }
        TypeKind::Union { tagging, variants } => {
            out.push_str("\n## Variants\n\n");
            match tagging {
                UnionTagging::Untagged => out.push_str(
                    "On the wire a value is one of the variants, with nothing to tell them apart: decoding tries them in order and keeps the first that fits.\n\n",
                ),
                UnionTagging::Internal(p) => out.push_str(&format!(
                    "The property `{p}` of the object names the variant (the tag below).\n\n"
                )),
            }
            out.push_str("| Variant | Payload | Tag | Description |\n| --- | --- | --- | --- |\n");
            for v in variants {
                out.push_str(&format!(
                    "| `{}::{}` | {} | {} | {} |\n",
                    def.name,
                    v.rust_name,
                    type_md(api, &v.ty, ""),
                    v.tag.as_deref().map(|t| code_cell(&str_lit(t))).unwrap_or_default(),
                    cell(&v.description.as_deref().map(prose).unwrap_or_default())
                ));
            }
        }
        TypeKind::Alias(t) => {
            out.push_str(&format!(
                "\n## Definition\n\n`pub type {} = {};`: another name for {}.\n",
                def.name,
                types::short(t),
                type_md(api, t, "")
            ));
        }
    }
    if let Some(snippet) = model_snippet(api, def, refs.inputs.contains(&def.name)) {
        out.push_str("\n## Example\n\n");
        if matches!(def.kind, TypeKind::Struct { .. } | TypeKind::Union { .. } | TypeKind::Alias(_)) {
            out.push_str("Built from the examples in the spec:\n\n");
        }
        out.push_str(&fenced("rust", &snippet));
    }
    out
}

fn kind_sentence(kind: &TypeKind) -> &'static str {
    match kind {
        TypeKind::Struct { .. } => "a struct (`#[non_exhaustive]`: build it with `new` and the `with_*` setters)",
        TypeKind::StringEnum { .. } => "a string enum that keeps values it does not know",
        TypeKind::IntEnum { .. } => "an integer enum that keeps values it does not know",
        TypeKind::Union { .. } => "an enum with one variant per alternative of the schema",
        TypeKind::Alias(_) => "a type alias",
    }
}

fn struct_section(api: &Api, def: &TypeDef, fields: &[Field], additional: Option<&TypeRef>) -> String {
    let plain: Vec<&Field> = fields.iter().filter(|f| f.is_plain()).collect();
    let mut out = String::from("\n## Fields\n\n");
    if plain.is_empty() {
        out.push_str(&format!("Create one with `{}::new()` and set fields with the `with_*` setters.\n\n", def.name));
    } else {
        out.push_str(&format!(
            "Create one with `{}::new({})` (the required fields, in this order) and set the others with the `with_*` setters.\n\n",
            def.name,
            plain.iter().map(|f| f.rust_name.as_str()).collect::<Vec<_>>().join(", ")
        ));
    }
    if fields.is_empty() && additional.is_none() {
        out.push_str("It has no fields.\n");
        return out;
    }
    out.push_str(
        "| Field | Wire name | Type | Required | Description | Notes |\n| --- | --- | --- | --- | --- | --- |\n",
    );
    for f in fields {
        let mut notes = Vec::new();
        if let Some(values) = enum_values(api, &f.ty) {
            notes.push(format!("Values: {values}"));
        }
        let limits = f.constraints.describe();
        if !limits.is_empty() {
            notes.push(format!("Limits: {}", limits.replace('|', "\\|")));
        }
        if let Some(d) = &f.default {
            notes.push(format!("Default: {}", json_code(d).replace('|', "\\|")));
        }
        if let Some(e) = &f.example {
            notes.push(format!("Example: {}", json_code(e).replace('|', "\\|")));
        }
        if f.idempotency_key {
            notes
                .push("Idempotency key: filled in with a fresh unique id before the first attempt when missing".into());
        }
        if f.nullable {
            notes.push("May be `null`".into());
        }
        if f.read_only {
            notes.push("Read-only: set by the server".into());
        }
        if f.write_only {
            notes.push("Write-only: never returned".into());
        }
        if f.deprecated {
            notes.push("Deprecated".into());
        }
        let required = if f.is_plain() {
            "yes"
        } else if f.required {
            "yes (may be `null`)"
        } else {
            "no"
        };
        out.push_str(&format!(
            "| `{}` | `{}` | {} | {} | {} | {} |\n",
            f.rust_name,
            f.wire_name,
            type_md(api, &f.full_type(), ""),
            required,
            cell(&field_description(api, f)),
            notes.join("; ")
        ));
    }
    if let Some(a) = additional {
        out.push_str(&format!(
            "| `additional_properties` | any other name | {} | no | Properties the schema does not declare, kept as they came. | |\n",
            type_md(api, &TypeRef::Map(Box::new(a.clone())), "")
        ));
    }
    out
}

/// A field's description, or else the description of the type it refers to.
fn field_description(api: &Api, f: &Field) -> String {
    let own = f.description.as_deref();
    let of_type = || {
        let def = api.types.iter().find(|d| Some(d.name.as_str()) == f.ty.named())?;
        def.description.as_deref()
    };
    own.or_else(of_type).map(prose).unwrap_or_default()
}

/// The wire values of an enum type (looking through containers), for a table cell.
fn enum_values(api: &Api, t: &TypeRef) -> Option<String> {
    let def = api.types.iter().find(|d| Some(d.name.as_str()) == t.named())?;
    let values: Vec<String> = match &def.kind {
        TypeKind::StringEnum { variants } => variants.iter().map(|v| code_cell(&v.value)).collect(),
        TypeKind::IntEnum { variants } => variants.iter().map(|v| format!("`{}`", v.value)).collect(),
        _ => return None,
    };
    let shown = if values.len() > 12 {
        format!("{}, ... ({} in all)", values[..12].join(", "), values.len())
    } else {
        values.join(", ")
    };
    Some(format!("{shown}; others kept as `{}::Unknown`", def.name))
}

/// The README sections on the HTTP client (proxies, TLS), logging and testing against a local
/// stand-in server.
fn http_sections(api: &Api, qs: Option<&Operation>) -> String {
    let krate = &api.package.name;
    let mut out = String::from("\n## Custom HTTP client, proxies and TLS\n\n");
    out.push_str(&format!(
        "The client is built on `reqwest` (re-exported as `{krate}::reqwest`, so you can name the exact version). \
         By default it uses the proxies of the `HTTPS_PROXY`/`HTTP_PROXY`/`NO_PROXY` variables and of the system, \
         and TLS through rustls trusting the operating system's certificate store, so a TLS-inspecting corporate \
         proxy whose root certificate is installed there is trusted; the `native-tls` feature uses the platform's \
         TLS library instead. For anything else (an explicit proxy, extra root certificates, a shared connection \
         pool), build a `reqwest::Client` and hand it over: the SDK's timeouts, retries, headers and credentials \
         still apply to every request.\n\n"
    ));
    out.push_str(&fenced(
        "rust,no_run",
        &format!(
            "use std::time::Duration;\n\nuse {krate}::{{reqwest, Client}};\n\nfn main() -> Result<(), Box<dyn std::error::Error>> {{\n    let http = reqwest::Client::builder()\n        .proxy(reqwest::Proxy::https(\"http://proxy.internal:3128\")?)\n        .connect_timeout(Duration::from_secs(5))\n        .build()?;\n    let client = Client::builder(){}.http_client(http).build()?;\n    println!(\"{{}}\", client.base_url());\n    Ok(())\n}}\n",
            server_url_for_snippet(api)
        ),
    ));
    out.push_str(&format!(
        "\n## Logging and tracing\n\n\
         The SDK reports through `tracing` (install any subscriber, such as `tracing-subscriber`). Every call is a \
         span `sdk.call` with the fields `operation`, `method`, `path` (the template, never the values), `attempt`, \
         `status` and `latency_ms`. Events: `response received` and `attempt failed` at DEBUG, `retrying request` \
         (with the reason and the delay) and `giving up retrying` at WARN. Their targets start with `{krate}::`, so \
         `RUST_LOG={krate}=debug` (with `tracing-subscriber`'s `EnvFilter`) shows them all. Credentials never appear: \
         the API key is redacted from `Debug` output, errors and traces. For metrics, `ClientBuilder::on_response` \
         runs a hook after every attempt with the operation, status and latency.\n"
    ));
    out.push_str(
        "\n## Testing your integration\n\n\
         Point the client at a local server with `server_url`: a mock-server crate (such as `wiremock` or `httpmock`) \
         or a few lines of Tokio (`tokio = { version = \"1\", features = [\"full\"] }` in your dev-dependencies), \
         as here. Nothing reaches the real API, and your test can check what was sent.\n\n",
    );
    if let Some(op) = qs {
        let status = op.success.first().copied().unwrap_or(200);
        let reason = match status {
            201 => "Created",
            202 => "Accepted",
            204 => "No Content",
            _ => "OK",
        };
        let body = match (&op.response, &op.response_example) {
            (TypeRef::Unit, _) => String::new(),
            (_, Some(example)) => serde_json::to_string(example).unwrap_or_default(),
            _ => "{}".to_owned(),
        };
        let program = examples::program(api, op, Setup::Local, Use::Print);
        let mut text = String::new();
        for u in program.uses() {
            text.push_str(u);
            text.push('\n');
        }
        text.push_str("use tokio::io::{AsyncReadExt, AsyncWriteExt};\nuse tokio::net::TcpListener;\n\n");
        text.push_str("#[tokio::main]\nasync fn main() -> Result<(), Box<dyn std::error::Error>> {\n");
        text.push_str(&format!(
            "    // A stand-in for the API on a free local port: it answers every request with {status}.\n    \
             let listener = TcpListener::bind(\"127.0.0.1:0\").await?;\n    \
             let url = format!(\"http://{{}}\", listener.local_addr()?);\n    \
             tokio::spawn(async move {{\n        \
             while let Ok((mut socket, _)) = listener.accept().await {{\n            \
             let mut request = vec![0; 64 * 1024];\n            \
             let _ = socket.read(&mut request).await;\n            \
             let body = {};\n            \
             let head = format!(\"HTTP/1.1 {status} {reason}\\r\\ncontent-type: application/json\\r\\ncontent-length: {{}}\\r\\nconnection: close\\r\\n\\r\\n\", body.len());\n            \
             let _ = socket.write_all(format!(\"{{head}}{{body}}\").as_bytes()).await;\n        \
             }}\n    }});\n\n",
            str_lit(&body)
        ));
        text.push_str(&program.body(4));
        text.push_str("    Ok(())\n}\n");
        out.push_str(&fenced("rust,no_run", &text));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_stay_on_one_line_and_keep_escapes() {
        assert_eq!(cell("a|b\nc"), "a\\|b<br>c");
        assert_eq!(cell("already \\| escaped"), "already \\| escaped");
    }
}
