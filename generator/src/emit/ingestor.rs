//! The background batcher of a bulk operation (`[bulk.NAME] ingestor = "..."` in the config):
//! its method on the tag, the type alias, the crate's re-exports, the crate guide's section and the
//! `examples/<name>.rs` program, and its page of the Markdown reference. A crate without one
//! carries none of this (nor the runtime's `ingestor` and `spool` modules); a crate with one
//! compiles it only with its feature `ingestor`, off by default (see [`FEATURE_NOTE`]).

use quote::quote;

use super::examples::env_vars;
use super::guide::model::{Block, Section, Text};
use super::layout::use_lines;
use super::render::{doc, ident, prose, Header};
use super::types::{self, Models};
use super::values::required_only_let;
use crate::fileset::FileSet;
use crate::ir::*;

/// The Cargo feature of a crate with an ingestor, which compiles it (off by default).
pub const FEATURE: &str = "ingestor";

/// The attribute that keeps an item of the ingestor out of a build without [`FEATURE`].
pub(crate) fn cfg_attr() -> String {
    format!("#[cfg(feature = \"{FEATURE}\")]")
}

/// What the docs say about the feature, after "needs the crate feature `ingestor`".
pub(crate) const FEATURE_NOTE: &str = "off by default (the ingestor and its spool are the largest part of the \
     crate's runtime, which a program that never starts one need not compile)";

/// The bulk helpers that have an ingestor, with it.
fn ingestors(api: &Api) -> impl Iterator<Item = (&BulkHelper, &IngestorHelper)> {
    api.bulk.iter().filter_map(|b| b.ingestor.as_ref().map(|i| (b, i)))
}

fn item_def<'a>(api: &'a Api, b: &BulkHelper) -> Option<&'a TypeDef> {
    api.type_of(&b.item)
}

/// The methods (inside the tag's `impl`) and the type aliases (beside it) of the ingestors of
/// `tag`.
pub(crate) fn tag_items(api: &Api, tag: &Tag) -> (Vec<proc_macro2::TokenStream>, Vec<proc_macro2::TokenStream>) {
    let mut methods = Vec::new();
    let mut aliases = Vec::new();
    for (b, ing) in ingestors(api).filter(|(b, _)| tag.operations.contains(&b.operation)) {
        let op = &api.operations[b.operation];
        let name = ident(&ing.rust_name);
        let alias = ident(&ing.type_name);
        let spec = ident(&super::methods::spec_static(op));
        let body = ident(&api.ty(b.body_type).name);
        let field = ident(&b.field);
        let item = types::tokens(&api.types, &b.item, Models::Crate);
        let batch = b.batch_size as usize;
        let path = &op.path;
        let def = item_def(api, b);
        let keyed = def.is_some_and(|t| t.has_idempotency_key);
        let prepare = if keyed { quote!(|item| item.fill_idempotency_keys()) } else { quote!(|_| {}) };
        let key = match (&ing.key_field, def.map(|t| &t.kind)) {
            (Some(k), Some(TypeKind::Struct { fields, .. })) => {
                let f = ident(k);
                match fields.iter().find(|x| &x.rust_name == k) {
                    Some(x) if x.is_plain() => quote!(|item| Some(item.#f.clone())),
                    _ => quote!(|item| item.#f.clone()),
                }
            }
            _ => quote!(|_| None),
        };
        let validated = api.ty(b.body_type).validated;
        let encode = if validated {
            quote!(crate::runtime::validate::validate(&body).and_then(|()| PreparedRequest::new(String::from(#path)).json(&body)))
        } else {
            quote!(PreparedRequest::new(String::from(#path)).json(&body))
        };
        let keys_doc = if keyed {
            " `send` gives the event its idempotency key (unless it has one) before queueing it, and returns the key (`Some(key)`); retries and a resend from the spool carry the same key, so the API can drop duplicates."
        } else {
            ""
        };
        let d = doc(&format!(
            "Needs the crate feature `ingestor`.\n\nStarts a background batcher over [`{op}`](Self::{op}): [`send`](crate::runtime::ingestor::Ingestor::send) queues an item and returns at once, and a background task sends the queue in batches of at most {batch} (the spec's `maxItems`) when a batch is full or after the flush interval, several at a time, each through [`{op}`](Self::{op}) with the client's retries, timeouts and hooks.{keys_doc}\n\nBatches that finally fail come back with their items through [`failures`](crate::runtime::ingestor::Ingestor::failures); [`flush`](crate::runtime::ingestor::Ingestor::flush) and [`shutdown`](crate::runtime::ingestor::Ingestor::shutdown) wait for the queue to drain. [`IngestorOptions`](crate::runtime::ingestor::IngestorOptions) sets the batch size, flush interval, concurrency, memory bound and what `send` does when it is reached, and an optional durable spool, which is read back (and sent) first.\n\nMust be called from within a Tokio runtime.\n\n# Errors\n\n[`StartError`](crate::runtime::ingestor::StartError) without a Tokio runtime, or when the spool directory cannot be opened or read.",
            op = op.rust_name
        ));
        let alias_doc = doc(&format!(
            "The background batcher of [`{}`]({}::{}), made by [`{}::{}`]({}::{}).",
            op.rust_name,
            api.tags[op.tag].rust_name,
            op.rust_name,
            api.tags[op.tag].rust_name,
            ing.rust_name,
            api.tags[op.tag].rust_name,
            ing.rust_name
        ));
        aliases.push(quote! {
            #alias_doc
            #[cfg(feature = #FEATURE)]
            pub type #alias = crate::runtime::ingestor::Ingestor<#item, Error>;
        });
        methods.push(quote! {
            #d
            #[cfg(feature = #FEATURE)]
            pub fn #name(
                &self,
                options: crate::runtime::ingestor::IngestorOptions,
            ) -> Result<#alias, crate::runtime::ingestor::StartError> {
                let core = self.core.clone();
                let hooks = crate::runtime::ingestor::ItemHooks::<#item> { prepare: #prepare, key: #key };
                crate::runtime::ingestor::Ingestor::start(options, #batch, hooks, Error::is_retryable, move |batch: Vec<#item>| {
                    let body = crate::models::#body::new(batch);
                    let request = #encode;
                    let items = body.#field;
                    let core = core.clone();
                    let future: crate::runtime::ingestor::BatchFuture<Error> = Box::pin(async move {
                        let call = Call::<_, Error>::new(&core, &#spec, request, crate::runtime::response::decode_empty);
                        match call.send_with_response().await {
                            Ok(response) => (response.meta().attempts(), Ok(())),
                            Err(error) => {
                                let attempts = match &error {
                                    Error::Transport(e) => e.attempts(),
                                    other => other.meta().map_or(0, |m| m.attempts()),
                                };
                                (attempts, Err(error))
                            }
                        }
                    });
                    (items, future)
                })
            }
        });
    }
    (methods, aliases)
}

/// `pub use` lines of `lib.rs` for the ingestor's option types.
pub(crate) fn reexports(api: &Api) -> String {
    if !api.has_ingestor() {
        return String::new();
    }
    // Every type of the ingestor's public API, so users can name them (and docs link to them).
    let cfg = cfg_attr();
    format!(
        "{cfg}\npub use runtime::ingestor::{{Failures, FsyncPolicy, Ingestor, IngestorOptions, IngestorStats, SendError}};\n\
         {cfg}\npub use runtime::ingestor::{{SendErrorKind, ShutdownReport, SpoolError, SpoolOptions, StartError, WhenFull}};\n"
    )
}

/// The ingestors that get an example, `examples/<ingestor>.rs` (one whose name an operation's or
/// bulk helper's example has already taken gets none).
fn with_examples(api: &Api) -> impl Iterator<Item = (&BulkHelper, &IngestorHelper)> {
    let taken: Vec<&str> = api
        .operations
        .iter()
        .map(|o| o.rust_name.as_str())
        .chain(api.bulk.iter().map(|b| b.rust_name.as_str()))
        .collect();
    ingestors(api).filter(move |(_, ing)| !taken.contains(&ing.rust_name.as_str()))
}

/// The command that runs an ingestor's example (which needs the feature).
fn run_command(ing: &IngestorHelper) -> String {
    format!("cargo run --example {} --features {FEATURE}", ing.rust_name)
}

/// The Examples section's note on the ingestors' examples, which need the feature.
pub(crate) fn examples_note(api: &Api) -> Option<Block> {
    let runs: Vec<String> = with_examples(api)
        .map(|(_, ing)| format!("`examples/{}.rs` (`{}`)", ing.rust_name, run_command(ing)))
        .collect();
    (!runs.is_empty()).then(|| {
        Block::Para(Text::md(format!(
            "The background ingestor's service needs the crate feature `ingestor`: {}. It keeps its spool in \
             `SPOOL_DIR`, by default a folder of the current directory.",
            runs.join(", ")
        )))
    })
}

/// The names of the ingestors' examples (`Cargo.toml` says they need the feature).
pub(crate) fn example_names(api: &Api) -> Vec<&str> {
    with_examples(api).map(|(_, ing)| ing.rust_name.as_str()).collect()
}

/// `examples/<ingestor>.rs`: an HTTP service that meters every request it serves.
pub(crate) fn emit_examples(api: &Api, header: &Header, files: &mut FileSet) {
    for (b, ing) in with_examples(api) {
        files.insert(format!("examples/{}.rs", ing.rust_name), example(api, header, b, ing));
    }
}

fn example(api: &Api, header: &Header, b: &BulkHelper, ing: &IngestorHelper) -> String {
    let krate = &api.package.name;
    let op = &api.operations[b.operation];
    let tag = &api.tags[op.tag];
    let (event, models) = required_only_let(api, &b.item, "event", 16);
    let uses = use_lines(krate, &models, &Default::default(), &["Client", "IngestorOptions", "SpoolOptions"]);
    let mut out = header.rust();
    out.push('\n');
    out.push_str(&format!(
        "//! `{}`: an HTTP service that meters every request it serves through the background batcher of\n\
         //! `{}` (`{} {}`): the handler queues an event and answers at once; the events are sent in\n\
         //! batches in the background, and spooled to disk first so that a crash loses none of them.\n//!\n",
        ing.rust_name, op.rust_name, op.method, op.path
    ));
    out.push_str(&format!(
        "//! Run it with `{}` (the ingestor is off by\n\
         //! default), send it requests (`curl http://127.0.0.1:8080/hello`), and stop it with a request\n\
         //! to `/shutdown`: it sends what is queued before it exits. The client is configured from the\n\
         //! environment: {}; `PORT` sets the port and `SPOOL_DIR` the spool directory.\n\n",
        run_command(ing),
        env_vars(api)
    ));
    out.push_str("use std::sync::Arc;\nuse std::time::Duration;\n\n");
    out.push_str("use tokio::io::{AsyncReadExt, AsyncWriteExt};\nuse tokio::net::{TcpListener, TcpStream};\nuse tokio::sync::Notify;\n\n");
    for u in uses {
        out.push_str(&u);
        out.push('\n');
    }
    out.push_str(&format!("\ntype Ingestor = {krate}::operations::{};\n", ing.type_name));
    out.push_str(&format!(
        r#"
#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {{
    let client = Client::from_env()?;
    let spool = std::env::var("SPOOL_DIR").unwrap_or_else(|_| "{krate}-spool".to_owned());
    // Every event is in the spool before `send` returns; what a crash leaves there is sent at
    // the next start, with the same idempotency keys.
    let ingestor = client.{module}().{method}(IngestorOptions::new().spool(SpoolOptions::new(spool)))?;
    let mut failures = ingestor.failures().ok_or("the failures receiver was taken")?;
    tokio::spawn(async move {{
        while let Some(batch) = failures.recv().await {{
            eprintln!("{{}} events not accepted: {{}}", batch.items().len(), batch.error());
        }}
    }});

    let port = std::env::var("PORT").unwrap_or_else(|_| "8080".to_owned());
    let listener = TcpListener::bind(format!("127.0.0.1:{{port}}")).await?;
    println!("listening on http://{{}}", listener.local_addr()?);
    let stop = Arc::new(Notify::new());
    loop {{
        tokio::select! {{
            accepted = listener.accept() => {{
                let (stream, _) = accepted?;
                tokio::spawn(serve(stream, ingestor.clone(), Arc::clone(&stop)));
            }}
            _ = stop.notified() => break,
        }}
    }}
    let report = ingestor.shutdown(Duration::from_secs(30)).await;
    println!("{{:?}}", report.stats());
    // Failed batches (after the retries): a refusal (4xx) has left the spool, a failure that
    // may pass later (5xx, 429, the network) is still in it, for the next start.
    for batch in report.failed() {{
        eprintln!("batch {{}} of {{}} events failed: {{}}", batch.index(), batch.items().len(), batch.error());
    }}
    if !report.unsent().is_empty() {{
        eprintln!("{{}} events not sent by the deadline; the spool keeps them", report.unsent().len());
    }}
    Ok(())
}}

/// Answers one request, and meters it.
async fn serve(mut stream: TcpStream, ingestor: Ingestor, stop: Arc<Notify>) {{
    let mut head = vec![0; 8192];
    let Ok(n) = stream.read(&mut head).await else {{ return }};
    let request = String::from_utf8_lossy(&head[..n]);
    let path = request.split_whitespace().nth(1).unwrap_or("/").to_owned();
    let reply = format!("HTTP/1.1 200 OK\r\ncontent-length: {{}}\r\nconnection: close\r\n\r\n{{path}}", path.len());
    let _ = stream.write_all(reply.as_bytes()).await;
    if path == "/shutdown" {{
        stop.notify_one();
        return;
    }}
    // The event of this request: queued at once, sent in the background.
{event}
    match ingestor.send(event).await {{
        Ok(key) => println!("{{path}} metered as {{key:?}}"),
        Err(e) => eprintln!("{{path}} not metered: {{e}}"),
    }}
}}
"#,
        module = tag.module,
        method = ing.rust_name,
        event = event.replacen(&" ".repeat(16), "    ", 1),
    ));
    out
}

/// The page of the Markdown reference about an ingestor, beside its tag's page.
pub(crate) fn page_path(api: &Api, b: &BulkHelper, ing: &IngestorHelper) -> String {
    format!("docs/sdks/{}/{}", api.tags[api.operations[b.operation].tag].module, page_file(ing))
}

/// The file name of an ingestor's page, in its tag's folder of the reference.
pub(crate) fn page_file(ing: &IngestorHelper) -> String {
    format!("{}.md", ing.rust_name)
}

/// The ingestors' reference pages, for the `#[cfg(doctest)]` items of `src/lib.rs`: (item
/// name, path from the crate root). Their snippets compile only with the feature.
pub(crate) fn doc_pages(api: &Api) -> Vec<(String, String)> {
    ingestors(api).map(|(b, ing)| (ing.type_name.clone(), page_path(api, b, ing))).collect()
}

/// What the docs say first about an ingestor: it needs the crate feature, and how to turn it on.
fn feature_blocks(api: &Api) -> Vec<Block> {
    let (_, dependency) = super::render::dependency(api, &[FEATURE]);
    vec![
        Block::Para(Text::md(format!("Needs the crate feature `ingestor`, {FEATURE_NOTE}:"))),
        Block::Code("toml", format!("[dependencies]\n{} = {dependency}\n", api.package.name)),
    ]
}

/// The guide's section on the ingestor: what it does, the feature it needs, and a link to its
/// reference page (options, the spool, the fsync trade-offs and a program).
pub(crate) fn guide_sections(api: &Api) -> Vec<Section> {
    let mut out = Vec::new();
    for (b, ing) in ingestors(api) {
        let op = &api.operations[b.operation];
        let tag = &api.tags[op.tag];
        let mut blocks = vec![Block::Para(start(api, b, ing))];
        blocks.extend(feature_blocks(api));
        let mut more = Text::md(format!(
            "Its options, the durable spool and what each fsync policy can lose, with a program: [the ingestor's page]({})",
            page_path(api, b, ing)
        ));
        if with_examples(api).any(|(_, i)| i.rust_name == ing.rust_name) {
            more = more.and(format!(
                "; a complete service that meters each request it serves: `examples/{}.rs` (`{}`)",
                ing.rust_name,
                run_command(ing)
            ));
        }
        blocks.push(Block::Readme(vec![Block::Para(more.and("."))]));
        let heading = if ingestors(api).count() > 1 {
            format!("Background ingestor: `{}().{}`", tag.module, ing.rust_name)
        } else {
            "Background ingestor".to_owned()
        };
        out.push(Section::gated(&heading, FEATURE, blocks));
    }
    out
}

/// The paragraph that says what `client.<tag>().<ingestor>(options)` does.
fn start(api: &Api, b: &BulkHelper, ing: &IngestorHelper) -> Text {
    let op = &api.operations[b.operation];
    let tag = &api.tags[op.tag];
    let krate = &api.package.name;
    let batch = b.batch_size;
    Text::default()
        .item_as(
            &format!("client.{}().{}(options)", tag.module, ing.rust_name),
            &format!("operations::{}::{}", tag.rust_name, ing.rust_name),
        )
        .and(format!(" starts a background batcher over `{}` and returns a cheap handle (", op.rust_name))
        .item_as(&format!("{krate}::operations::{}", ing.type_name), &format!("operations::{}", ing.type_name))
        .and(format!(
            "; clone it into every task). `handle.send(item).await` gives the item its \
             idempotency key, queues it and returns the key (`Some(key)`, or `None` for items without one) without waiting for the network; a background task sends \
             the queue in batches of at most {batch} (the spec's `maxItems`) when a batch is full or after \
             `flush_interval`, `concurrency` batches at a time, each with the client's retries, timeouts, hooks and \
             tracing. A batch that finally fails comes back with its items through `handle.failures()`; \
             `handle.stats()` counts the events enqueued, accepted, retried, failed and pending. `flush().await` sends \
             what is queued and waits for it; `shutdown(deadline).await` stops taking events, drains the queue and \
             returns when every event is accepted or reported failed, or at the deadline with the unsent events given \
             back."
        ))
}

/// `docs/sdks/<tag>/<ingestor>.md`: the ingestor's reference page.
pub(crate) fn emit_docs(api: &Api, header: &Header, files: &mut FileSet) {
    for (b, ing) in ingestors(api) {
        files.insert(page_path(api, b, ing), page(api, header, b, ing));
    }
}

fn page(api: &Api, header: &Header, b: &BulkHelper, ing: &IngestorHelper) -> String {
    let op = &api.operations[b.operation];
    let tag = &api.tags[op.tag];
    let krate = &api.package.name;
    let batch = b.batch_size;
    let rows = |rows: &[[&str; 3]]| -> Vec<Vec<Text>> {
        rows.iter().map(|r| r.iter().map(|c| Text::md(*c)).collect()).collect()
    };
    let batch_text = batch.to_string();
    let batch_meaning = format!("Events per batch (at most {batch})");
    let options = Block::Table(
        vec!["Option", "Default", "Meaning"],
        rows(&[
            ["`batch_size`", &batch_text, &batch_meaning],
            ["`flush_interval`", "1 s", "A batch that is not full waits at most this long"],
            ["`concurrency`", "4", "Batches in flight at once"],
            ["`capacity`", "20,000", "Most events held in memory, queued or in flight: the memory bound"],
            [
                "`when_full`",
                "`WhenFull::Wait`",
                "At `capacity`, `send` waits for room (`Wait`) or gives the event back in an error (`Reject`); never drops it",
            ],
            ["`spool`", "none", "`SpoolOptions::new(dir)`: write every event to a durable log first"],
        ]),
    );
    let fsync = Block::Table(
        vec!["`FsyncPolicy`", "A machine crash can lose", "Cost"],
        rows(&[
            [
                "`EveryEvent`",
                "nothing `send` returned for",
                "one `fdatasync` per event, inside `send` (0.1 to 10 ms on most disks)",
            ],
            [
                "`EveryBatch` (default)",
                "fewer than one batch of events",
                "one `fdatasync` per batch of events enqueued",
            ],
            ["`Interval(d)`", "the events of the last `d`", "one `fdatasync` per interval, in the background task"],
        ]),
    );
    let (event, models) = required_only_let(api, &b.item, "event", 4);
    let mut uses = use_lines(krate, &models, &Default::default(), &["Client", "IngestorOptions", "SpoolOptions"]);
    uses.insert(0, "use std::time::Duration;\n".to_owned());
    let mut code = uses.join("\n");
    code.push_str(&format!(
        "\n\n#[tokio::main]\nasync fn main() -> Result<(), Box<dyn std::error::Error>> {{\n    let client = Client::from_env()?;\n    let options = IngestorOptions::new().spool(SpoolOptions::new(\"{krate}-spool\"));\n    let ingestor = client.{}().{}(options)?;\n{event}\n    let key = ingestor.send(event).await?;\n    println!(\"queued as {{key:?}}\");\n    let report = ingestor.shutdown(Duration::from_secs(10)).await;\n    println!(\"{{:?}}\", report.stats());\n    if !report.all_accepted() {{\n        // Failed or unsent events: with a spool, those that may pass later are sent at the next start.\n        return Err(\"not every event was accepted\".into());\n    }}\n    Ok(())\n}}\n",
        tag.module, ing.rust_name
    ));
    let mut blocks = vec![Block::Para(start(api, b, ing))];
    blocks.extend(feature_blocks(api));
    blocks.extend([
        Block::Para(Text::md("The options (`IngestorOptions::new()` and its setters):")),
        options,
        Block::Para(Text::md(
            "With a spool, every event is appended to a log in the directory (one record per event, with a CRC-32) \
             before `send` returns, and removed once the API accepted its batch. The next ingestor started on the same \
             directory sends what the log still holds first, with the same idempotency keys, so a crash loses no event \
             and the API can drop what was sent twice. A batch that finally failed in a way that may pass later (a 5xx, \
             a 429, the network) stays in the log for the next start; a batch the API refused (any other 4xx, or events \
             that fail the spec's checks) leaves it, since sending it again would fail again. Either way its events come \
             back through `failures()` or the shutdown report. A record cut short by a crash in the middle of a write is \
             skipped with a warning; the records before it are kept, and a record damaged in the middle of a file costs \
             only itself. One ingestor at a time may use a directory: it holds \
             a lock on `spool.lock` there (released by `shutdown`, or by the end of the process), and a second one fails \
             to start with a `StartError` that says so.",
        )),
        Block::Para(Text::md(
            "A process that crashes or is killed loses nothing in any case (the record is written before `send` \
             returns); the fsync policy (`SpoolOptions::new(dir).fsync(FsyncPolicy::EveryEvent)`) decides what a \
             crash of the machine can lose:",
        )),
        fsync,
        Block::Code("rust,no_run", code),
    ]);
    if with_examples(api).any(|(_, i)| i.rust_name == ing.rust_name) {
        blocks.push(Block::Para(Text::md(format!(
            "A complete service that meters each request it serves: [`examples/{0}.rs`](../../../examples/{0}.rs); run it with `{1}`.",
            ing.rust_name,
            run_command(ing)
        ))));
    }
    let mut out = header.markdown();
    out.push_str(&format!(
        "\n# `{}().{}`: the background ingestor\n\nBack to [the {} operations](README.md) and [the crate README](../../../README.md).\n\n",
        tag.module,
        ing.rust_name,
        prose(&tag.name)
    ));
    let body: Vec<String> = blocks.iter().map(super::guide::model::markdown).collect();
    out.push_str(&body.join("\n"));
    out
}
