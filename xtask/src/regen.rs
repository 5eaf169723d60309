//! What `cargo xtask regen` makes of `spec/`, in memory: the release of `generated-sdk/` (the
//! crate, its CHANGELOG and the copy of the spec) that `regen` writes and `regen --check`
//! compares with the disk.
//!
//! `xtask/tests/regen_drift.rs` includes this file (`#[path]`), so the drift test generates
//! exactly what the task does.

use std::path::Path;

use sdkgen::config::Config;
use sdkgen::diag::{Diagnostic, GenerateError};
use sdkgen::lower::LowerOptions;
use sdkgen::release::Release;

/// The spec of the SDK (relative to the workspace root, and named so in the generated files).
pub(crate) const SPEC: &str = "spec/flexprice-events.yaml";
/// The generator config of the SDK (relative to the workspace root).
pub(crate) const CONFIG: &str = "spec/generator.toml";
/// The generated crate (relative to the workspace root).
pub(crate) const OUT: &str = "generated-sdk";

/// The release of `OUT` from `SPEC` and `CONFIG` under the workspace `root`; writes nothing.
pub(crate) fn release(root: &Path) -> Result<Release, GenerateError> {
    let read = |rel: &str, what: &str| {
        std::fs::read_to_string(root.join(rel))
            .map_err(|e| GenerateError::single(Diagnostic::error(rel, "", format!("cannot read the {what}: {e}"))))
    };
    let mut config = Config::parse(CONFIG, &read(CONFIG, "config")?)?;
    config.output.folder = Some(OUT.to_owned());
    let text = read(SPEC, "spec")?;
    sdkgen::release::regenerate(SPEC, &text, &config, &root.join(OUT), LowerOptions::default())
}
