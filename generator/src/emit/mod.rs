//! Emit: pure functions from the IR to files. Rust goes through `quote!`, `syn::File` and
//! `prettyplease::unparse`; nothing here looks at the spec.
//!
//! This module only calls the outputs; they share one rendering layer, so a fact is rendered in
//! one place, and no module imports one that imports it back (`tests/module_graph.rs`):
//! - outputs: `client`, `operations`, `models`, `runtime`, `roundtrip`, `cargo`, `docs` (the
//!   Markdown reference and README), `examples`, `ingestor`;
//! - `guide`: the crate guide's content, written once into its model (`guide::model`), which
//!   renders it as the README and as the crate docs;
//! - `examples` and `values`, over `layout`: Rust values built from the spec's examples, laid
//!   out as rustfmt would, for the examples and every snippet;
//! - `markdown`: where the reference pages are, anchors and table cells;
//! - `types`: how a type is spelled, as tokens, as text and in docs;
//! - `render`: the file header, Rust files from tokens, identifiers, doc comments, prose;
//! - `defaults`: the runtime's defaults, read from the runtime's own source.

use crate::fileset::FileSet;
use crate::ir::Api;
use render::Header;

mod cargo;
mod client;
/// The runtime's defaults (timeouts, retries, batching): the file the runtime itself compiles,
/// so the docs the emitters write state what the code does.
#[path = "../../runtime/src/defaults.rs"]
#[allow(dead_code)]
mod defaults;
mod docs;
mod examples;
mod guide;
mod ingestor;
mod layout;
mod markdown;
mod models;
mod operations;
mod render;
mod roundtrip;
mod runtime;
pub(crate) mod types;
mod values;

/// Everything the generated crate consists of.
pub fn emit(api: &Api) -> Result<FileSet, String> {
    let header = Header::new(api);
    let timings = std::env::var_os("SDKGEN_TIMINGS").is_some();
    // The emitters are independent: the models (the largest part) are emitted in two halves on
    // threads of their own, beside the rest.
    let half = api.types.len() / 2;
    let (first, second, rest) = std::thread::scope(|scope| {
        let models = |types: &'static str, range: std::ops::Range<usize>| {
            let header = &header;
            scope.spawn(move || timed(timings, types, || models::emit_types(api, header, &api.types[range])))
        };
        let first = models("models, first half", 0..half);
        let second = models("models, second half", half..api.types.len());
        let rest = timed(timings, "client, operations, runtime, docs, examples", || {
            let mut files = FileSet::new();
            files.insert("Cargo.toml", cargo::manifest(api, &header));
            models::emit_mod(api, &header, &mut files)?;
            client::emit(api, &header, &mut files)?;
            operations::emit(api, &header, &mut files)?;
            runtime::emit(api, &header, &mut files);
            roundtrip::emit(api, &header, &mut files)?;
            docs::emit(api, &header, &mut files);
            examples::emit(api, &header, &mut files);
            ingestor::emit_examples(api, &header, &mut files);
            Ok::<_, String>(files)
        });
        let join = |h: std::thread::ScopedJoinHandle<'_, Result<FileSet, String>>| {
            h.join().unwrap_or_else(|_| Err("the models emitter panicked".to_owned()))
        };
        (join(first), join(second), rest)
    });
    let mut files = rest?;
    files.extend(first?);
    files.extend(second?);
    Ok(files)
}

fn timed<T>(on: bool, what: &str, f: impl FnOnce() -> T) -> T {
    let started = std::time::Instant::now();
    let out = f();
    if on {
        eprintln!("sdkgen timings: emit {what} {:.1} ms", started.elapsed().as_secs_f64() * 1e3);
    }
    out
}
