//! The crate guide: one model, built once from the API, rendered twice, as the generated
//! crate's `README.md` (Markdown for a repository browser) and as its crate docs (the `//!`
//! comment of `src/lib.rs`, for rustdoc).
//!
//! The model is a list of sections of blocks (paragraphs, lists, tables, code). What differs
//! between the two outputs is decided by the renderers, not by the text: headings one level
//! deeper in the README (under the crate's name), a table of contents in the README only,
//! references to items ([`Span::Item`]) as intra-doc links in rustdoc, references to the
//! crate's Markdown reference ([`Span::Link`]) as links to its files in the README and to the
//! items they describe in rustdoc. Reference detail (more snippets, option tables) and the
//! sections about the crate's files (install, operations, examples) are marked as the
//! README's; the crate docs leave those to the README and to the item docs.

use super::docs::{
    anchor, cell, code_cell, model_page_path, op_link_from_root, security_how, summary_of, tag_page_path,
};
use super::examples::{self, Setup, Use};
use super::layout::str_lit;
use super::types;
use super::{and_list, defaults, duration, prose};
use crate::ir::*;

// -------------------------------------------------------------------------------------------
// The model

/// The guide: the intro, then its sections.
#[derive(Debug, Clone)]
pub(crate) struct Guide {
    /// The crate's name: the README's title (rustdoc shows the name itself).
    title: String,
    intro: Vec<Block>,
    sections: Vec<Section>,
}

/// A section under a heading.
#[derive(Debug, Clone)]
pub(crate) struct Section {
    heading: String,
    /// In the crate docs too; `false` for sections about the crate's files.
    in_crate_docs: bool,
    blocks: Vec<Block>,
}

impl Section {
    pub(crate) fn new(heading: &str, blocks: Vec<Block>) -> Self {
        Section { heading: heading.to_owned(), in_crate_docs: true, blocks }
    }

    /// A section only the README has.
    fn readme(heading: &str, blocks: Vec<Block>) -> Self {
        Section { heading: heading.to_owned(), in_crate_docs: false, blocks }
    }
}

/// A block of a section.
#[derive(Debug, Clone)]
pub(crate) enum Block {
    Para(Text),
    /// A bulleted list, an item per entry.
    List(Vec<Text>),
    /// A table: the column headings, then the rows of cells.
    Table(Vec<&'static str>, Vec<Vec<Text>>),
    /// A fenced code block: the info string (`rust,no_run`, `toml`) and the code, ending in a newline.
    Code(&'static str, String),
    /// Blocks only the README shows: reference detail the crate docs leave to it.
    Readme(Vec<Block>),
}

/// Inline Markdown, with references each output renders its own way.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Text(Vec<Span>);

#[derive(Debug, Clone, PartialEq)]
enum Span {
    /// Markdown, the same in both outputs.
    Md(String),
    /// An item of the crate, as code: `shown`, and in rustdoc linked to `path` (from the crate root).
    Item { shown: String, path: String },
    /// A link: to a file of the crate in the README (a path from the crate root), to the item
    /// the file describes in rustdoc (plain text when there is none). `text` is Markdown.
    Link { text: String, file: String, item: Option<String> },
    /// Only in the README.
    Readme(Text),
    /// Only in the crate docs (what stands for a README-only part: the end of a sentence that
    /// introduced a snippet there).
    CrateDocs(Text),
}

impl Text {
    pub(crate) fn md(s: impl Into<String>) -> Self {
        Text(vec![Span::Md(s.into())])
    }

    pub(crate) fn and(mut self, s: impl Into<String>) -> Self {
        self.0.push(Span::Md(s.into()));
        self
    }

    /// `` `path` ``, linked in rustdoc.
    pub(crate) fn item(self, path: &str) -> Self {
        self.item_as(path, path)
    }

    /// `` `shown` ``, linked to `path` in rustdoc.
    pub(crate) fn item_as(mut self, shown: &str, path: &str) -> Self {
        self.0.push(Span::Item { shown: shown.to_owned(), path: path.to_owned() });
        self
    }

    pub(crate) fn link(mut self, text: impl Into<String>, file: impl Into<String>, item: Option<String>) -> Self {
        self.0.push(Span::Link { text: text.into(), file: file.into(), item });
        self
    }

    pub(crate) fn readme(mut self, t: Text) -> Self {
        self.0.push(Span::Readme(t));
        self
    }

    /// `readme` in the README, `crate_docs` in the crate docs.
    pub(crate) fn either(mut self, readme: &str, crate_docs: &str) -> Self {
        self.0.push(Span::Readme(Text::md(readme)));
        self.0.push(Span::CrateDocs(Text::md(crate_docs)));
        self
    }

    fn extend(mut self, t: Text) -> Self {
        self.0.extend(t.0);
        self
    }

    fn render(&self, to: Output) -> String {
        let mut out = String::new();
        for span in &self.0 {
            match (span, to) {
                (Span::Md(s), _) => out.push_str(s),
                (Span::Item { shown, .. }, Output::Readme) => out.push_str(&code_cell(shown)),
                (Span::Item { shown, path }, Output::CrateDocs) => out.push_str(&intra_doc(&code_cell(shown), path)),
                (Span::Link { text, file, .. }, Output::Readme) => out.push_str(&format!("[{text}]({file})")),
                (Span::Link { text, item: Some(path), .. }, Output::CrateDocs) => out.push_str(&intra_doc(text, path)),
                (Span::Link { text, item: None, .. }, Output::CrateDocs) => out.push_str(text),
                (Span::Readme(t), Output::Readme) => out.push_str(&t.render(to)),
                (Span::CrateDocs(t), Output::CrateDocs) => out.push_str(&t.render(to)),
                (Span::Readme(_), Output::CrateDocs) | (Span::CrateDocs(_), Output::Readme) => {}
            }
        }
        out
    }
}

/// An intra-doc link, in its short form when the text is the path as code.
fn intra_doc(text: &str, path: &str) -> String {
    if text == format!("`{path}`") {
        format!("[{text}]")
    } else {
        format!("[{text}]({path})")
    }
}

/// Which output a renderer writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Output {
    Readme,
    CrateDocs,
}

// -------------------------------------------------------------------------------------------
// The renderers

impl Guide {
    /// The README (after its header): `# <crate>`, the intro, the contents, then `## ` sections.
    pub(crate) fn markdown(&self) -> String {
        let mut out = format!("# {}\n\n", self.title);
        let mut toc: Vec<&str> = Vec::new();
        for s in &self.sections {
            if !toc.contains(&s.heading.as_str()) {
                toc.push(&s.heading);
            }
        }
        let contents = Block::List(toc.iter().map(|h| Text::md(format!("[{h}](#{})", anchor(h)))).collect());
        let intro: Vec<&Block> = self.intro.iter().chain([&contents]).collect();
        out.push_str(&blocks(&intro, Output::Readme));
        for s in &self.sections {
            out.push_str(&format!("\n## {}\n\n", s.heading));
            out.push_str(&blocks(&s.blocks.iter().collect::<Vec<_>>(), Output::Readme));
        }
        out
    }

    /// The crate docs, as Markdown for rustdoc: the intro, then `# ` sections; what only the
    /// README shows is left out.
    pub(crate) fn rustdoc(&self) -> String {
        let mut out = blocks(&self.intro.iter().collect::<Vec<_>>(), Output::CrateDocs);
        for s in self.sections.iter().filter(|s| s.in_crate_docs) {
            let body = blocks(&s.blocks.iter().collect::<Vec<_>>(), Output::CrateDocs);
            if !body.is_empty() {
                out.push_str(&format!("\n# {}\n\n{body}", s.heading));
            }
        }
        out
    }
}

/// Blocks one after the other, a blank line between two.
fn blocks(list: &[&Block], to: Output) -> String {
    let mut flat: Vec<&Block> = Vec::new();
    fn visit<'a>(b: &'a Block, to: Output, flat: &mut Vec<&'a Block>) {
        match b {
            Block::Readme(inner) if to == Output::Readme => inner.iter().for_each(|b| visit(b, to, flat)),
            Block::Readme(_) => {}
            other => flat.push(other),
        }
    }
    list.iter().for_each(|b| visit(b, to, &mut flat));
    flat.iter().map(|b| block(b, to)).collect::<Vec<_>>().join("\n")
}

fn block(b: &Block, to: Output) -> String {
    match b {
        Block::Para(t) => format!("{}\n", t.render(to)),
        Block::List(items) => items.iter().map(|t| format!("- {}\n", t.render(to))).collect(),
        Block::Table(head, rows) => {
            let mut out = format!("| {} |\n|{}\n", head.join(" | "), " --- |".repeat(head.len()));
            for row in rows {
                let cells: Vec<String> = row.iter().map(|c| c.render(to)).collect();
                out.push_str(&format!("| {} |\n", cells.join(" | ")));
            }
            out
        }
        Block::Code(lang, code) => format!("```{lang}\n{code}```\n"),
        Block::Readme(_) => unreachable!("flattened by `blocks`"),
    }
}

// -------------------------------------------------------------------------------------------
// The guide of an API

/// The guide of the generated crate.
pub(crate) fn guide(api: &Api) -> Guide {
    let qs = examples::quick_start_operation(api);
    let mut sections = vec![install(api)];
    let mut quick = quick_start(api, qs);
    let from_env = from_env(api);
    if api.security.is_empty() {
        quick.blocks.extend(from_env);
        sections.push(quick);
    } else {
        sections.push(quick);
        sections.push(authentication(api, from_env));
    }
    sections.extend([servers(api), retries(api, qs), timeouts(api), errors(api, qs)]);
    sections.extend(idempotency(api));
    sections.extend(bulk_helpers(api));
    sections.extend(super::ingestor::guide_sections(api));
    sections.extend(pagination(api));
    sections.extend([http_client(api), logging(api), testing(api, qs), contents(), operations(api)]);
    sections.push(examples_section(api, qs));
    Guide { title: api.package.name.clone(), intro: intro(api), sections }
}

fn intro(api: &Api) -> Vec<Block> {
    let krate = &api.package.name;
    let mut out = vec![Block::Para(Text::md(prose(&api.package.description)))];
    if let Some(d) = &api.description {
        out.push(Block::Para(Text::md(prose(d))));
    }
    out.push(Block::Para(
        Text::md(format!(
            "Generated by openapi-sdkgen from `{}` ({}, version {}).",
            spec_file_name(api),
            prose(&api.title),
            api.api_version
        ))
        .readme(Text::md(format!(
            " Reference: [operations and models](docs/README.md); API docs: `cargo doc -p {krate} --open`."
        ))),
    ));
    out
}

/// Install: what the config says about where the crate lives.
fn install(api: &Api) -> Section {
    let p = &api.package;
    let krate = &p.name;
    let version = {
        let mut parts = p.version.split('.');
        match (parts.next(), parts.next()) {
            (Some("0"), Some(minor)) => format!("0.{minor}"),
            (Some(major), _) => major.to_owned(),
            _ => p.version.clone(),
        }
    };
    let (intro, dependency) = match (&p.repository, p.publish) {
        (_, true) => ("Add the crate and a Tokio runtime (its async methods need one):", format!("\"{version}\"")),
        (Some(repo), false) => (
            "The crate is not on crates.io: depend on it through git (or by path, from a checkout). Its async methods need a Tokio runtime.",
            format!("{{ git = \"{repo}\", package = \"{krate}\" }}"),
        ),
        (None, false) => (
            "The crate is not on crates.io: depend on it by path, from a checkout of the folder it was generated into. Its async methods need a Tokio runtime.",
            format!("{{ path = \"../{krate}\" }}"),
        ),
    };
    let deps = format!(
        "[dependencies]\n{krate} = {dependency}\ntokio = {{ version = \"1\", features = [\"macros\", \"rt-multi-thread\"] }}\n"
    );
    let features = format!(
        "Cargo features: `rustls` (default; TLS through rustls, trusting the operating system's certificate store, so a TLS-inspecting corporate proxy whose root certificate is installed there works), `native-tls` (the platform's TLS library instead: `default-features = false, features = [\"native-tls\"]`) and `gzip` (compressed responses). The crate re-exports the `reqwest` it is built on as `{krate}::reqwest`{}.",
        if api.uses_chrono() {
            format!(", and `chrono` (the type of its time fields) as `{krate}::chrono`")
        } else {
            String::new()
        }
    );
    Section::readme(
        "Install",
        vec![Block::Para(Text::md(intro)), Block::Code("toml", deps), Block::Para(Text::md(features))],
    )
}

fn quick_start(api: &Api, qs: Option<&Operation>) -> Section {
    let mut blocks = Vec::new();
    if let Some(op) = qs {
        blocks.push(Block::Para(Text::md(format!(
            "Build a client, then call an operation: `client.{}().{}(..)` returns a request you can adjust, then `.await`.",
            api.tags[op.tag].module, op.rust_name
        ))));
        blocks.push(Block::Code("rust,no_run", examples::program(api, op, Setup::Builder, Use::Print).text(0)));
    }
    Section::new("Quick start", blocks)
}

/// `Client::from_env` and the variables it reads.
fn from_env(api: &Api) -> Vec<Block> {
    let krate = &api.package.name;
    let prefix = &api.package.env_prefix;
    let mut vars: Vec<Text> = api
        .security
        .iter()
        .map(|s| Text::md(format!("`{prefix}_{}`: the credential of `{}`, if set;", s.env_suffix, s.name)))
        .collect();
    vars.push(Text::md(format!(
        "`{prefix}_SERVER_URL`: the server URL, if set; {}.",
        match api.servers.first() {
            Some(s) if !s.url.starts_with('/') => format!("else `Server::{}` (`{}`)", s.rust_name, s.url),
            _ => "required, as the spec names no absolute server URL".to_owned(),
        }
    )));
    let runs = api.servers.first().is_some_and(|s| !s.url.starts_with('/'));
    vec![
        Block::Para(
            Text::default()
                .item_as("Client::from_env()", "Client::from_env")
                .and(" builds a client from the environment, leaving every other setting at its default:"),
        ),
        Block::List(vars),
        Block::Readme(vec![Block::Code(
            if runs { "rust" } else { "rust,no_run" },
            format!(
                "use {krate}::Client;\n\nfn main() -> Result<(), {krate}::Error> {{\n    let client = Client::from_env()?;\n    println!(\"requests go to {{}}\", client.base_url());\n    Ok(())\n}}\n"
            ),
        )]),
    ]
}

fn authentication(api: &Api, from_env: Vec<Block>) -> Section {
    let prefix = &api.package.env_prefix;
    let rows = api
        .security
        .iter()
        .map(|s| {
            vec![
                Text::md(format!("`{}`", s.name)),
                Text::md(security_how(&s.kind)),
                Text::default().item(&format!("ClientBuilder::{}", s.setter)),
                Text::md(format!("`{prefix}_{}`", s.env_suffix)),
                Text::md(cell(&s.description.as_deref().map(prose).unwrap_or_default())),
            ]
        })
        .collect();
    let mut blocks = vec![
        Block::Table(vec!["Scheme", "Sent as", "Builder method", "Environment variable", "Description"], rows),
        Block::Para(Text::md("A credential is kept out of `Debug` output, errors and traces.")),
    ];
    blocks.extend(from_env);
    Section::new("Authentication", blocks)
}

fn servers(api: &Api) -> Section {
    let krate = &api.package.name;
    let mut blocks = Vec::new();
    if api.servers.is_empty() {
        blocks.push(Block::Para(
            Text::md("The spec names no server: give the base URL with ").item("ClientBuilder::server_url").and("."),
        ));
    } else {
        let rows = api
            .servers
            .iter()
            .enumerate()
            .map(|(i, s)| {
                vec![
                    Text::default().item(&format!("Server::{}", s.rust_name)).and(if i == 0 {
                        " (default)"
                    } else {
                        ""
                    }),
                    Text::md(format!("`{}`", s.url)),
                    Text::md(cell(&s.description.as_deref().map(prose).unwrap_or_default())),
                ]
            })
            .collect();
        blocks.push(Block::Table(vec!["Server", "URL", "Description"], rows));
        let mut pick = Text::md("Pick one with ")
            .item("ClientBuilder::server")
            .and(", or give any base URL (a proxy, a local mock server) with ")
            .item("ClientBuilder::server_url");
        if api.servers.iter().any(|s| s.url.starts_with('/')) {
            pick = pick.and("; a relative server URL of the spec is appended to it");
        }
        blocks.push(Block::Para(pick.and(".")));
    }
    let absolute = api.servers.iter().rev().find(|s| !s.url.starts_with('/'));
    let mut code = format!(
        "use {krate}::{};\n\nfn main() -> Result<(), {krate}::Error> {{\n",
        if absolute.is_some() { "{Client, Server}" } else { "Client" }
    );
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
    blocks.push(Block::Readme(vec![Block::Code("rust", code)]));
    Section::new("Servers", blocks)
}

fn retries(api: &Api, qs: Option<&Operation>) -> Section {
    let krate = &api.package.name;
    let row = |name: &str, value: String, meaning: &str| {
        vec![Text::md(format!("`{name}`")), Text::md(value), Text::md(meaning)]
    };
    let table = Block::Table(
        vec!["Setting", "Default", "Meaning"],
        vec![
            row("initial_interval", duration(defaults::RETRY_INITIAL_INTERVAL), "Upper bound of the first delay"),
            row("max_interval", duration(defaults::RETRY_MAX_INTERVAL), "Upper bound of any delay"),
            row("exponent", defaults::RETRY_EXPONENT.to_string(), "Growth of the delay bound per retry"),
            row(
                "max_elapsed_time",
                duration(defaults::RETRY_MAX_ELAPSED_TIME),
                "No retry starts whose delay would end later than this after the first attempt",
            ),
            row("max_attempts", defaults::RETRY_MAX_ATTEMPTS.to_string(), "Attempts in total, the first included"),
            row(
                "retry_connection_errors",
                format!("`{}`", defaults::RETRY_CONNECTION_ERRORS),
                "Retry when the connection cannot be made or breaks",
            ),
            row("retry_500", format!("`{}`", defaults::RETRY_500), "Retry HTTP 500 too"),
            row(
                "respect_retry_after",
                format!("`{}`", defaults::RESPECT_RETRY_AFTER),
                "Wait as long as a `Retry-After` header asks (capped by `max_interval`)",
            ),
        ],
    );
    let mut detail = vec![Block::Code(
        "rust",
        format!(
            "use std::time::Duration;\n\nuse {krate}::{{Client, RetryConfig}};\n\nfn main() -> Result<(), {krate}::Error> {{\n    let retry = RetryConfig::default().max_attempts(6).max_interval(Duration::from_secs(10)).retry_500(true);\n    let client = Client::builder(){}.retry(retry).build()?;\n    println!(\"{{:?}}\", client.retry_config());\n    Ok(())\n}}\n",
            server_url_for_snippet(api)
        ),
    )];
    if let Some(op) = qs {
        detail.push(Block::Code("rust,no_run", examples::program(api, op, Setup::FromEnv, Use::PerCall).text(0)));
    }
    Section::new(
        "Retries",
        vec![
            Block::Para(
                Text::md("Failed attempts are retried with exponential backoff and full jitter, by ")
                    .item("RetryConfig")
                    .and(":"),
            ),
            table,
            Block::Para(Text::md(format!(
                "Retried: connection failures (when `retry_connection_errors`), timeouts, and the statuses {} \
                 (500 only with `retry_500`). Any other status is an answer, returned at once.",
                and_list(defaults::RETRY_STATUSES)
            ))),
            Block::Para(
                Text::md("Set the policy of every call on the builder, and override it for one call with ")
                    .item_as(".retry(..)", "Call::retry")
                    .and(" (or ")
                    .item_as(".no_retry()", "Call::no_retry")
                    .and(") on the request before awaiting it")
                    .either(":", "."),
            ),
            Block::Readme(detail),
        ],
    )
}

fn timeouts(api: &Api) -> Section {
    let krate = &api.package.name;
    Section::new(
        "Timeouts",
        vec![
            Block::Para(
                Text::md(format!(
                    "Each attempt may take {} by default, from sending the request to the end of the response \
                     body; opening a connection, {}. Change them with ",
                    duration(defaults::TIMEOUT),
                    duration(defaults::CONNECT_TIMEOUT)
                ))
                .item("ClientBuilder::timeout")
                .and(" and ")
                .item("ClientBuilder::connect_timeout")
                .and(", and for one call with ")
                .item_as(".timeout(..)", "Call::timeout")
                .and(" on the request")
                .readme(Text::md(" (as above)"))
                .and(". An attempt that times out is retried like a broken connection; the last failure is ")
                .item("Error::Transport")
                .and("."),
            ),
            Block::Readme(vec![Block::Code(
                "rust",
                format!(
                    "use std::time::Duration;\n\nuse {krate}::Client;\n\nfn main() -> Result<(), {krate}::Error> {{\n    let client = Client::builder(){}.timeout(Duration::from_secs(20)).connect_timeout(Duration::from_secs(3)).build()?;\n    println!(\"{{:?}}\", client);\n    Ok(())\n}}\n",
                    server_url_for_snippet(api)
                ),
            )]),
        ],
    )
}

fn errors(api: &Api, qs: Option<&Operation>) -> Section {
    let krate = &api.package.name;
    let variant = |name: &str| Text::default().item(&format!("Error::{name}"));
    let mut rows: Vec<Vec<Text>> = api
        .errors
        .iter()
        .map(|e| {
            vec![
                variant(&e.rust_name),
                Text::md(format!(
                    "Status {}, declared by {}",
                    e.status,
                    e.operations.iter().map(|o| format!("`{o}`")).collect::<Vec<_>>().join(", ")
                )),
                Text::md(format!("`ApiError<{}>`: the decoded body, status, headers, raw body", types::short(&e.body))),
            ]
        })
        .collect();
    for (name, when, holds) in [
        ("UnexpectedStatus", "A status the operation does not declare", "Status, headers, raw body"),
        (
            "Transport",
            "The server could not be reached, the connection broke or an attempt timed out, after retries",
            "The kind of failure, attempts made",
        ),
        ("Decode", "A response body did not match its type", "The message, status, raw body"),
        (
            "InvalidRequest",
            "The request breaks a constraint of the spec (such as `maxItems`) or has an invalid header; nothing was sent",
            "Every violation",
        ),
        ("Build", "The client could not be built (invalid URL or header)", "The reason"),
    ] {
        rows.push(vec![variant(name), Text::md(when), Text::md(holds)]);
    }
    let mut blocks = vec![
        Block::Para(Text::md("Every operation fails with one type, ").item_as(&format!("{krate}::Error"), "Error").and(":")),
        Block::Table(vec!["Variant", "When", "Holds"], rows),
        Block::Para(
            Text::md(
                "An error says why: its `Display` gives the status, the server's message (the body's `error.message`, \
                 `message` or `detail`, or a text body) and the request id, and `source()` leads to the underlying error \
                 for reporters such as `anyhow`. ",
            )
            .item_as("Error::message()", "Error::message")
            .and(" is the server's message alone; ")
            .item_as("Error::status()", "Error::status")
            .and(", ")
            .item_as("Error::meta()", "Error::meta")
            .and(" and ")
            .item_as("Error::request_id()", "Error::request_id")
            .and(" give the response details of any variant that has them; ")
            .item_as("Error::is_retryable()", "Error::is_retryable")
            .and(format!(
                " (connection failures, timeouts, {}: whether trying again later may succeed, a wider set than the \
                 automatic retries above), `is_timeout()`, `is_client_error()` and `is_server_error()` classify it.",
                defaults::RETRYABLE_STATUSES.iter().map(u16::to_string).collect::<Vec<_>>().join(", ")
            )),
        ),
    ];
    if let Some(op) = qs {
        blocks.push(Block::Readme(vec![Block::Code(
            "rust,no_run",
            examples::program(api, op, Setup::FromEnv, Use::MatchErrors).text(0),
        )]));
    }
    Section::new("Errors", blocks)
}

/// A link to a model: its page in the README, the type in rustdoc. `text` is Markdown.
fn model_link(text: &str, def: &TypeDef) -> Text {
    Text::default().link(text, model_page_path(def), Some(format!("models::{}", def.name)))
}

/// A link to an operation: its section of the reference in the README, the method in rustdoc.
fn op_link(api: &Api, op: &Operation) -> Text {
    Text::default().link(
        format!("`{}`", op.rust_name),
        op_link_from_root(api, op),
        Some(format!("operations::{}::{}", api.tags[op.tag].rust_name, op.rust_name)),
    )
}

/// A type as inline code, linked to the generated type it names, if any.
fn type_text(api: &Api, t: &TypeRef) -> Text {
    let text = code_cell(&types::short(t));
    match t.named().and_then(|n| api.types.iter().find(|d| d.name == n)) {
        Some(def) => model_link(&text, def),
        None => Text::md(text),
    }
}

fn join(texts: Vec<Text>, sep: &str) -> Text {
    let mut out = Text::default();
    for (i, t) in texts.into_iter().enumerate() {
        if i > 0 {
            out = out.and(sep);
        }
        out = out.extend(t);
    }
    out
}

fn idempotency(api: &Api) -> Option<Section> {
    let keyed = idempotency_fields(api);
    if keyed.is_empty() {
        return None;
    }
    let items = keyed
        .iter()
        .map(|(def, f)| {
            Text::md(format!("`{}::{}` (", def.name, f.rust_name))
                .extend(model_link(&format!("`{}`", def.name), def))
                .and(format!(", wire name `{}`)", f.wire_name))
        })
        .collect();
    let ops: Vec<Text> = api
        .operations
        .iter()
        .filter(|o| {
            o.body
                .as_ref()
                .and_then(|b| b.ty.named())
                .is_some_and(|n| api.types.iter().any(|t| t.name == n && t.has_idempotency_key))
        })
        .map(|o| op_link(api, o))
        .collect();
    let ops = if ops.is_empty() { Text::md("a call") } else { join(ops, ", ") };
    let mut blocks = vec![
        Block::Para(Text::md("These fields are idempotency keys (`x-idempotency-key` in the spec):")),
        Block::List(items),
        Block::Para(Text::md("Before the first attempt of ").extend(ops).and(
            ", every key that is missing gets a fresh unique id (UUID v7), so a retried request carries the same key \
             and the server can drop the duplicate. A key you set is kept: set your own to make a send idempotent \
             across restarts too.",
        )),
    ];
    if let Some(snippet) = idempotency_snippet(api, &keyed) {
        blocks.push(Block::Readme(vec![Block::Code("rust", snippet)]));
    }
    Some(Section::new("Idempotency", blocks))
}

fn bulk_helpers(api: &Api) -> Option<Section> {
    if api.bulk.is_empty() {
        return None;
    }
    let mut blocks = Vec::new();
    for b in &api.bulk {
        let op = &api.operations[b.operation];
        let tag = &api.tags[op.tag];
        let mut text = Text::default()
            .item_as(
                &format!("client.{}().{}(items, BulkOptions::new())", tag.module, b.rust_name),
                &format!("operations::{}::{}", tag.rust_name, b.rust_name),
            )
            .and(format!(" sends any number of `{}` items through ", types::short(&b.item)))
            .extend(op_link(api, op))
            .and(format!(
                ", in batches of at most {} (the spec's `maxItems`), {} batches at a time by default. Each batch is \
                 retried like any call. It returns a ",
                b.batch_size,
                defaults::BULK_CONCURRENCY
            ))
            .item("BulkReport")
            .and(
                ": how many items were accepted, and every batch that finally failed with its items and error, so \
                 nothing is dropped silently.",
            );
        if b.item.named().is_some_and(|n| api.types.iter().any(|t| t.name == n && t.has_idempotency_key)) {
            text = text.and(
                " Every item gets its idempotency key before the first batch is sent, so sending a failed batch \
                 again cannot count it twice.",
            );
        }
        blocks.push(Block::Para(text));
        blocks.push(Block::Readme(vec![Block::Code("rust,no_run", examples::bulk_program(api, b).text(0))]));
    }
    Some(Section::new("Bulk helpers", blocks))
}

fn pagination(api: &Api) -> Option<Section> {
    let first = api.pagination.first()?;
    let rows = api
        .pagination
        .iter()
        .map(|p| {
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
            vec![op_link(api, op), type_text(api, &p.item).and(format!(" (`{}`)", p.items.rust_name)), Text::md(next)]
        })
        .collect();
    let op = &api.operations[first.operation];
    Some(Section::new(
        "Pagination",
        vec![
            Block::Para(
                Text::md("The calls of these operations can walk every page: ")
                    .item_as(".pages()", "Call::pages")
                    .and(" is a stream of the pages and ")
                    .item_as(".items()", "Call::items")
                    .and(
                        " a stream of the items of every page, both fetched lazily (the next page is asked for when the \
                         previous one has been used up). Each page is an ordinary call, retried like any other, with the \
                         per-call settings (`.timeout(..)`, `.retry(..)`, `.header(..)`) applied to every page. The \
                         stream ends after the last page: one that says there is no more, an empty one, or one whose \
                         cursor was seen before (a server repeating itself cannot make it loop). An error is yielded \
                         once and ends the stream. Both streams have `try_next()` and implement `futures::Stream`. \
                         Awaiting the call itself fetches one page.",
                    ),
            ),
            Block::Table(vec!["Operation", "Items", "Next page"], rows),
            Block::Readme(vec![Block::Code(
                "rust,no_run",
                examples::program(api, op, Setup::FromEnv, Use::Items).text(0),
            )]),
        ],
    ))
}

fn http_client(api: &Api) -> Section {
    let krate = &api.package.name;
    Section::new(
        "Custom HTTP client, proxies and TLS",
        vec![
            Block::Para(
                Text::md(format!(
                    "The client is built on `reqwest` (re-exported as `{krate}::reqwest`, so you can name the exact version). \
                     By default it uses the proxies of the `HTTPS_PROXY`/`HTTP_PROXY`/`NO_PROXY` variables and of the system, \
                     and TLS through rustls trusting the operating system's certificate store, so a TLS-inspecting corporate \
                     proxy whose root certificate is installed there is trusted; the `native-tls` feature uses the platform's \
                     TLS library instead. For anything else (an explicit proxy, extra root certificates, a shared connection \
                     pool), build a `reqwest::Client` and hand it over: the SDK's timeouts, retries, headers and \
                     credentials still apply to every request."
                ))
            ),
            Block::Readme(vec![Block::Code(
                "rust,no_run",
                format!(
                    "use std::time::Duration;\n\nuse {krate}::{{reqwest, Client}};\n\nfn main() -> Result<(), Box<dyn std::error::Error>> {{\n    let http = reqwest::Client::builder()\n        .proxy(reqwest::Proxy::https(\"http://proxy.internal:3128\")?)\n        .connect_timeout(Duration::from_secs(5))\n        .build()?;\n    let client = Client::builder(){}.http_client(http).build()?;\n    println!(\"{{}}\", client.base_url());\n    Ok(())\n}}\n",
                    server_url_for_snippet(api)
                ),
            )]),
        ],
    )
}

fn logging(api: &Api) -> Section {
    let krate = &api.package.name;
    Section::new(
        "Logging and tracing",
        vec![Block::Para(
            Text::md(format!(
                "The SDK reports through `tracing` (install any subscriber, such as `tracing-subscriber`). Every call is a \
                 span `sdk.call` with the fields `operation`, `method`, `path` (the template, never the values), `attempt`, \
                 `status` and `latency_ms`. Events: `response received` and `attempt failed` at DEBUG, `retrying request` \
                 (with the reason and the delay) and `giving up retrying` at WARN. Their targets start with `{krate}::`, so \
                 `RUST_LOG={krate}=debug` (with `tracing-subscriber`'s `EnvFilter`) shows them all. Credentials never appear: \
                 the API key is redacted from `Debug` output, errors and traces. For metrics, "
            ))
            .item("ClientBuilder::on_response")
            .and(" runs a hook after every attempt with the operation, status and latency."),
        )],
    )
}

/// Testing against a local stand-in server.
fn testing(api: &Api, qs: Option<&Operation>) -> Section {
    let mut blocks = vec![Block::Para(
        Text::md("Point the client at a local server with ").item_as("server_url", "ClientBuilder::server_url").and(
            ": a mock-server crate (such as `wiremock` or `httpmock`) or a few lines of Tokio (`tokio = { version = \"1\", \
             features = [\"full\"] }` in your dev-dependencies)",
        )
        .readme(Text::md(", as here"))
        .and(". Nothing reaches the real API, and your test can check what was sent."),
    )];
    if let Some(op) = qs {
        blocks.push(Block::Readme(vec![Block::Code("rust,no_run", stand_in_program(api, op))]));
    }
    Section::new("Testing your integration", blocks)
}

/// A program calling `op` against a stand-in for the API on a local port.
fn stand_in_program(api: &Api, op: &Operation) -> String {
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
    text
}

/// What the crate holds, module by module.
fn contents() -> Section {
    Section::new(
        "What is in the crate",
        vec![
            Block::List(vec![
                Text::default()
                    .item("Client")
                    .and(" and ")
                    .item("ClientBuilder")
                    .and(": servers, credentials, retries, timeouts, hooks."),
                Text::default()
                    .item("operations")
                    .and(": one struct per tag of the spec, a method per operation. Every method returns a ")
                    .item("Call")
                    .and(": set per-call options on it (`.timeout(..)`, `.retry(..)`), then `.await` it."),
                Text::default().item("models").and(": the request and response types."),
                Text::default()
                    .item("Error")
                    .and(": everything a call can fail with; the types it holds are in ")
                    .item("error")
                    .and("."),
            ]),
            Block::Para(Text::md(
                "The crate's `README.md` and its `docs/` folder hold a Markdown reference of every operation and model, \
                 and `examples/` a program per operation; every Rust snippet in them is compiled by `cargo test --doc`.",
            )),
        ],
    )
}

fn operations(api: &Api) -> Section {
    Section::readme(
        "Operations",
        vec![
            operations_table(api),
            Block::Para(Text::md(
                "The request and response types are described in [the models reference](docs/README.md#models).",
            )),
        ],
    )
}

fn examples_section(api: &Api, qs: Option<&Operation>) -> Section {
    let prefix = &api.package.env_prefix;
    Section::readme(
        "Examples",
        vec![
            Block::Para(Text::md(
                "`examples/` has a program per operation, built from the spec's examples. Run one against a server (a \
                 local mock server works) with",
            )),
            Block::Code(
                "sh",
                format!(
                    "{prefix}_SERVER_URL=http://localhost:4010 {} cargo run --example {}\n",
                    api.security.first().map(|s| format!("{prefix}_{}=my-key", s.env_suffix)).unwrap_or_default(),
                    qs.map(|o| o.rust_name.as_str()).unwrap_or("NAME")
                ),
            ),
        ],
    )
}

/// Every operation (and bulk helper), linked to its section of the reference.
pub(crate) fn operations_table(api: &Api) -> Block {
    let mut rows = Vec::new();
    for (index, tag) in api.tags.iter().enumerate() {
        for &i in &tag.operations {
            let op = &api.operations[i];
            rows.push(vec![
                Text::default().link(
                    format!("`{}().{}`", tag.module, op.rust_name),
                    op_link_from_root(api, op),
                    Some(format!("operations::{}::{}", tag.rust_name, op.rust_name)),
                ),
                Text::md(format!("`{} {}`", op.method, op.path)),
                Text::md(format!("{}{}", cell(&summary_of(op)), if op.deprecated { " (deprecated)" } else { "" })),
            ]);
        }
        for b in api.bulk.iter().filter(|b| api.operations[b.operation].tag == index) {
            let op = &api.operations[b.operation];
            rows.push(vec![
                Text::default().link(
                    format!("`{}().{}`", tag.module, b.rust_name),
                    format!("{}#{}", tag_page_path(tag), b.rust_name.to_lowercase()),
                    Some(format!("operations::{}::{}", tag.rust_name, b.rust_name)),
                ),
                Text::md(format!("`{} {}`, in batches", op.method, op.path)),
                Text::md(format!("Bulk helper over `{}`", op.rust_name)),
            ]);
        }
    }
    Block::Table(vec!["Operation", "HTTP", "Summary"], rows)
}

/// A block as Markdown, its links from the crate root.
pub(crate) fn markdown(b: &Block) -> String {
    blocks(&[b], Output::Readme)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Guide {
        Guide {
            title: "demo".into(),
            intro: vec![Block::Para(Text::md("A client.").readme(Text::md(" See [the reference](docs/README.md).")))],
            sections: vec![
                Section::readme("Install", vec![Block::Code("toml", "[dependencies]\ndemo = \"1\"\n".into())]),
                Section::new(
                    "Errors",
                    vec![
                        Block::Para(
                            Text::md("Every call fails with ")
                                .item("Error")
                                .and(", as ")
                                .either("here:", "its docs say."),
                        ),
                        Block::Table(vec!["Variant"], vec![vec![Text::default().item("Error::Decode")]]),
                        Block::Readme(vec![Block::Code("rust", "let x = 1;\n".into())]),
                        Block::List(vec![Text::default().link(
                            "`Pet`",
                            "docs/models/pet.md",
                            Some("models::Pet".into()),
                        )]),
                    ],
                ),
                Section::new("Detail only", vec![Block::Readme(vec![Block::Para(Text::md("More."))])]),
            ],
        }
    }

    #[test]
    fn the_readme_renders_everything_with_file_links_and_contents() {
        assert_eq!(
            sample().markdown(),
            "# demo\n\nA client. See [the reference](docs/README.md).\n\n\
             - [Install](#install)\n- [Errors](#errors)\n- [Detail only](#detail-only)\n\n\
             ## Install\n\n```toml\n[dependencies]\ndemo = \"1\"\n```\n\n\
             ## Errors\n\nEvery call fails with `Error`, as here:\n\n| Variant |\n| --- |\n| `Error::Decode` |\n\n\
             ```rust\nlet x = 1;\n```\n\n- [`Pet`](docs/models/pet.md)\n\n\
             ## Detail only\n\nMore.\n"
        );
    }

    #[test]
    fn the_crate_docs_render_the_same_model_with_item_links_and_no_readme_parts() {
        assert_eq!(
            sample().rustdoc(),
            "A client.\n\n# Errors\n\nEvery call fails with [`Error`], as its docs say.\n\n\
             | Variant |\n| --- |\n| [`Error::Decode`] |\n\n- [`Pet`](models::Pet)\n"
        );
    }
}
