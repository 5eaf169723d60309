//! The drift check of `cargo xtask regen --check`, as a test: `generated-sdk/` is exactly what
//! the generator makes of `spec/` (the same in-memory release as the task, from
//! `xtask/src/regen.rs`), so a plain `cargo test` fails on a hand edit of a generated file, or
//! on a change to `spec/` or `generator/` that was not followed by `cargo xtask regen`.

use std::path::Path;

#[path = "../src/regen.rs"]
mod regen;

use regen::{OUT, SPEC};

/// Lines of the unified diff shown in the failure message (`regen --check` shows all).
const DIFF_LINES: usize = 120;

#[test]
fn generated_sdk_is_what_regen_makes() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask lives in the workspace");
    let release = regen::release(root).unwrap_or_else(|e| panic!("{SPEC} does not generate:\n{e}"));
    let drift = release.generated.files.check(&root.join(OUT)).unwrap_or_else(|e| panic!("cannot read {OUT}/: {e}"));
    if drift.is_clean() {
        return;
    }
    let lines: Vec<&str> = drift.diff.lines().collect();
    let shown = lines[..lines.len().min(DIFF_LINES)].join("\n");
    let more = match lines.len().saturating_sub(DIFF_LINES) {
        0 => String::new(),
        n => format!("\n... {n} more diff lines (`cargo xtask regen --check` shows them all)"),
    };
    panic!(
        "{shown}{more}\n\n{OUT}/ differs from what the generator makes from {SPEC} in {} file(s): {}\n\
         {OUT}/ is generated, never edited by hand: change spec/ or generator/, then run `cargo xtask regen` \
         and commit the result.",
        drift.changed.len(),
        drift.changed.join(", ")
    );
}
