//! The SDK generator: OpenAPI document in, complete Rust client crate out.
//!
//! ```text
//! spec ──load──▶ openapiv3::OpenAPI ──lower──▶ ir::Api ──emit──▶ FileSet ──write / check──▶ disk
//! ```

pub mod cli;
pub mod config;
pub mod diag;
pub mod diff;
pub mod emit;
pub mod fileset;
pub mod ir;
pub mod load;
pub mod lower;
pub mod pins;
pub mod release;
pub mod select;

use std::path::Path;

use config::Config;
use diag::{Diagnostic, GenerateError};
use fileset::FileSet;

pub use ir::GENERATOR_VERSION;

/// SHA-256 of a text, as lower-case hex.
pub fn sha256_hex(text: &str) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(text.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// What a generation produced: the files and the warnings.
#[derive(Debug, Clone)]
pub struct Generated {
    /// The IR the files were emitted from.
    pub api: ir::Api,
    /// Every file of the crate.
    pub files: FileSet,
    /// Warnings (constructs approximated); errors stop generation instead.
    pub warnings: Vec<Diagnostic>,
}

/// Runs the whole pipeline in memory on spec text: load, lower, emit.
pub fn generate_str(
    spec_name: &str,
    spec: &str,
    config: &Config,
    options: lower::LowerOptions,
) -> Result<Generated, GenerateError> {
    on_generator_thread(spec_name, || generate_on_this_thread(spec_name, spec, config, options))
}

/// Loads, selects and lowers spec text into the IR without emitting anything (what the API
/// diff compares); returns the IR and the warnings.
pub fn lower_str(
    spec_name: &str,
    spec: &str,
    config: &Config,
    options: lower::LowerOptions,
) -> Result<(ir::Api, Vec<Diagnostic>), GenerateError> {
    on_generator_thread(spec_name, || {
        let loaded = select_part(load::load_str(spec_name, spec)?, config)?;
        lower::lower(&loaded, config, options)
    })
}

/// Runs `work` on a thread of its own. Reading a spec recurses once per nesting level
/// (several frames per level in the typed model's deserializer); documents are capped at
/// `load::MAX_NESTING` levels, and the work runs on a thread whose stack holds that depth
/// whatever the caller's thread has.
fn on_generator_thread<T: Send>(
    spec_name: &str,
    work: impl FnOnce() -> Result<T, GenerateError> + Send,
) -> Result<T, GenerateError> {
    std::thread::scope(|scope| {
        std::thread::Builder::new()
            .name("sdkgen".into())
            .stack_size(GENERATOR_STACK)
            .spawn_scoped(scope, work)
            .map_err(|e| {
                GenerateError::single(Diagnostic::error(
                    spec_name,
                    "#",
                    format!("cannot start the generator thread: {e}"),
                ))
            })?
            .join()
            .unwrap_or_else(|_| {
                Err(GenerateError::single(Diagnostic::error(
                    spec_name,
                    "#",
                    "internal error: the generator panicked (a bug)",
                )))
            })
    })
}

/// Stack of the generator thread: ample for `load::MAX_NESTING` levels even in debug builds.
const GENERATOR_STACK: usize = 64 * 1024 * 1024;

fn generate_on_this_thread(
    spec_name: &str,
    spec: &str,
    config: &Config,
    options: lower::LowerOptions,
) -> Result<Generated, GenerateError> {
    let timings = std::env::var_os("SDKGEN_TIMINGS").is_some();
    let started = std::time::Instant::now();
    let loaded = select_part(load::load_str(spec_name, spec)?, config)?;
    let loaded_at = started.elapsed();
    let (mut api, warnings) = lower::lower(&loaded, config, options)?;
    api.package.spec_sha256 = sha256_hex(spec);
    let lowered_at = started.elapsed();
    // The document is not needed any more: its memory is free for emitting.
    drop(loaded);
    let files = emit::emit(&api);
    if timings {
        let end = started.elapsed();
        eprintln!(
            "sdkgen timings for {spec_name}: load {:.1} ms, lower {:.1} ms, emit {:.1} ms",
            loaded_at.as_secs_f64() * 1e3,
            (lowered_at - loaded_at).as_secs_f64() * 1e3,
            (end - lowered_at).as_secs_f64() * 1e3
        );
    }
    let files = files.map_err(|e| {
        GenerateError::single(Diagnostic::error(
            spec_name,
            "#",
            format!("internal error while emitting code (a generator bug): {e}"),
        ))
    })?;
    Ok(Generated { api, files, warnings })
}

/// Checks the config's values, warns about pins that match nothing in the whole document, and
/// keeps the selected part of it (`[select]`).
fn select_part(mut loaded: load::Loaded, config: &Config) -> Result<load::Loaded, GenerateError> {
    let problems = config.problems();
    if !problems.is_empty() {
        return Err(GenerateError {
            diagnostics: problems
                .into_iter()
                .map(|(at, message)| Diagnostic::error("generator config", at, message))
                .collect(),
        });
    }
    let mut warnings = pins::unmatched(&loaded, config);
    warnings.extend(select::apply(&mut loaded, &config.select)?);
    loaded.warnings.extend(warnings);
    Ok(loaded)
}

/// Runs the whole pipeline in memory on a spec file and an optional config file.
pub fn generate_file(
    spec: &Path,
    config: Option<&Path>,
    options: lower::LowerOptions,
) -> Result<Generated, GenerateError> {
    let spec_name = spec.display().to_string();
    let config = match config {
        Some(path) => {
            let name = path.display().to_string();
            let text = std::fs::read_to_string(path).map_err(|e| {
                GenerateError::single(Diagnostic::error(&name, "", format!("cannot read the config: {e}")))
            })?;
            Config::parse(&name, &text)?
        }
        None => Config::default(),
    };
    let text = std::fs::read_to_string(spec)
        .map_err(|e| GenerateError::single(Diagnostic::error(&spec_name, "", format!("cannot read the spec: {e}"))))?;
    generate_str(&spec_name, &text, &config, options)
}
