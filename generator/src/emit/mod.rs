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
/// The Cargo feature that compiles a generated crate's ingestor (off by default).
pub use ingestor::FEATURE as INGESTOR_FEATURE;
mod layout;
mod markdown;
mod methods;
mod models;
mod operations;
pub(crate) mod render;
mod roundtrip;
mod runtime;
pub(crate) mod types;
mod values;

/// One piece of the crate, emitted on its own.
type Job<'a> = Box<dyn FnOnce() -> Result<FileSet, String> + Send + 'a>;

/// Everything the generated crate consists of.
pub fn emit(api: &Api) -> Result<FileSet, String> {
    let header = Header::new(api);
    let header = &header;
    let timings = std::env::var_os("SDKGEN_TIMINGS").is_some();
    // The emitters are independent: the crate is cut into jobs (chunks of models, a file per
    // tag of operations, the docs, the rest) that the available cores take in turn.
    // The longest jobs first, so no core is left with one at the end.
    let mut jobs: Vec<(String, Job<'_>)> = Vec::new();
    jobs.push((
        "client, runtime, module files, examples".into(),
        Box::new(move || {
            let mut files = FileSet::new();
            files.insert("Cargo.toml", cargo::manifest(api, header));
            models::emit_mod(api, header, &mut files)?;
            operations::emit_mod(api, header, &mut files)?;
            client::emit(api, header, &mut files)?;
            runtime::emit(api, header, &mut files);
            roundtrip::emit(api, header, &mut files)?;
            examples::emit(api, header, &mut files);
            ingestor::emit_examples(api, header, &mut files);
            Ok(files)
        }),
    ));
    jobs.push((
        "docs".into(),
        Box::new(move || {
            let mut files = FileSet::new();
            docs::emit(api, header, &mut files);
            Ok(files)
        }),
    ));
    for tag in &api.tags {
        jobs.push((format!("operations of {}", tag.name), Box::new(move || operations::emit_tag(api, header, tag))));
    }
    let chunk = api.types.len().div_ceil(8).max(16);
    for (i, types) in api.types.chunks(chunk).enumerate() {
        jobs.push((format!("models, part {}", i + 1), Box::new(move || models::emit_types(api, header, types))));
    }
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get()).clamp(1, jobs.len());
    let results = run_jobs(jobs, threads, timings);
    let mut files = FileSet::new();
    // In job order, so the first error reported is always the same one.
    for result in results {
        files.extend(result?);
    }
    Ok(files)
}

/// Runs `jobs` on `threads` threads (this one and `threads - 1` more), each taking the next job
/// not yet taken; returns the results in job order. This thread works too: the memory it freed
/// after lowering is reused instead of fresh pages.
fn run_jobs(jobs: Vec<(String, Job<'_>)>, threads: usize, timings: bool) -> Vec<Result<FileSet, String>> {
    let count = jobs.len();
    let queue = std::sync::Mutex::new(jobs.into_iter().enumerate());
    let next = || queue.lock().unwrap_or_else(std::sync::PoisonError::into_inner).next();
    let work = || {
        let mut done = Vec::new();
        while let Some((i, (name, job))) = next() {
            done.push((i, timed(timings, &name, job)));
        }
        done
    };
    let mut results: Vec<Option<Result<FileSet, String>>> = (0..count).map(|_| None).collect();
    std::thread::scope(|scope| {
        let workers: Vec<_> = (1..threads).map(|_| scope.spawn(work)).collect();
        let mine = std::panic::catch_unwind(std::panic::AssertUnwindSafe(work));
        // A panicking job loses its worker's results; the missing ones are reported below.
        for done in std::iter::once(mine).chain(workers.into_iter().map(|w| w.join())).flatten() {
            for (i, result) in done {
                results[i] = Some(result);
            }
        }
    });
    results.into_iter().map(|r| r.unwrap_or_else(|| Err("an emitter panicked".to_owned()))).collect()
}

fn timed<T>(on: bool, what: &str, f: impl FnOnce() -> T) -> T {
    let started = std::time::Instant::now();
    let out = f();
    if on {
        eprintln!("sdkgen timings: emit {what} {:.1} ms", started.elapsed().as_secs_f64() * 1e3);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jobs(panic_at: Option<usize>) -> Vec<(String, Job<'static>)> {
        (0..6)
            .map(|i| {
                let job: Job<'static> = Box::new(move || {
                    assert_ne!(Some(i), panic_at, "job {i} fails on purpose");
                    let mut files = FileSet::new();
                    files.insert(format!("f{i}"), i.to_string());
                    Ok(files)
                });
                (format!("job {i}"), job)
            })
            .collect()
    }

    #[test]
    fn jobs_run_on_this_thread_and_the_others_in_job_order() {
        for threads in [1, 2, 3] {
            let results = run_jobs(jobs(None), threads, false);
            let names: Vec<String> =
                results.into_iter().map(|r| r.unwrap().iter().map(|(p, _)| p.to_owned()).collect()).collect();
            assert_eq!(names, ["f0", "f1", "f2", "f3", "f4", "f5"]);
        }
    }

    #[test]
    fn a_panicking_job_is_reported_not_propagated() {
        for threads in [1, 2] {
            let results = run_jobs(jobs(Some(3)), threads, false);
            assert_eq!(results.len(), 6);
            assert_eq!(results[3], Err("an emitter panicked".to_owned()));
        }
    }
}
