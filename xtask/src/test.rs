//! `cargo xtask test`: every check CI runs, in order, stopping at the first failure.

use std::process::ExitCode;

use crate::run as run_cmd;

/// One command: program, arguments, extra environment.
type Step = (&'static str, Vec<&'static str>, Vec<(&'static str, &'static str)>);

/// Where the corpus of real-world specs lives, relative to the workspace root.
const CORPUS: &str = "../shared/corpus";

pub(crate) fn run_all(no_contract: bool) -> Result<(), String> {
    let steps: Vec<Step> = vec![
        ("cargo", vec!["fmt", "--all", "--check"], vec![]),
        ("cargo", vec!["xtask", "regen", "--check"], vec![]),
        ("cargo", vec!["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"], vec![]),
        ("cargo", vec!["test", "--workspace"], vec![("INSTA_UPDATE", "no")]),
        ("cargo", vec!["build", "--examples", "-p", "flexprice"], vec![]),
        ("cargo", vec!["doc", "--no-deps", "-p", "flexprice"], vec![("RUSTDOCFLAGS", "-D warnings")]),
        // Every TLS choice of the SDK builds: none (plain HTTP), native-tls alone, everything.
        ("cargo", vec!["check", "-p", "flexprice", "--no-default-features"], vec![]),
        ("cargo", vec!["check", "-p", "flexprice", "--no-default-features", "--features", "native-tls"], vec![]),
        ("cargo", vec!["check", "-p", "flexprice", "--all-features"], vec![]),
        // A publish dry run: the packaged crate builds on its own (nothing is uploaded).
        ("cargo", vec!["package", "-p", "flexprice", "--allow-dirty"], vec![]),
        // The README quick start, copied into a fresh crate, sends distinct events.
        ("cargo", vec!["xtask", "quickstart"], vec![]),
    ];
    for (program, args, envs) in &steps {
        if !run_cmd(program, args, envs) {
            return Err(format!("`{program} {}` failed", args.join(" ")));
        }
    }
    for fixtures in ["generator/tests/fixtures", "generator/tests/fixtures/docs", "generator/tests/fixtures/wild"] {
        eprintln!("\n==> cargo xtask corpus {fixtures} --test");
        crate::corpus::run(&crate::root().join(fixtures), true)?;
    }
    if crate::root().join(CORPUS).is_dir() {
        eprintln!("\n==> cargo xtask corpus {CORPUS}");
        crate::corpus::run(&crate::root().join(CORPUS), false)?;
    } else {
        eprintln!("\n==> corpus check SKIPPED: {CORPUS} not found next to the workspace");
    }
    // The benchmarks with tiny counts, so they never rot (targets are checked by the full run).
    if !run_cmd("cargo", &["xtask", "bench", "--smoke"], &[]) {
        return Err("`cargo xtask bench --smoke` failed".into());
    }
    if no_contract {
        eprintln!("\n==> contract tests against Prism SKIPPED (--no-contract)");
    } else {
        crate::contract::run()?;
    }
    Ok(())
}

pub(crate) fn run(no_contract: bool) -> ExitCode {
    match run_all(no_contract) {
        Ok(()) => {
            eprintln!("\nall checks passed");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("\nFAILED: {e}");
            ExitCode::FAILURE
        }
    }
}
