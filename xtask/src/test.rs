//! `cargo xtask test`: every check CI runs, in order, stopping at the first failure.

use std::path::Path;
use std::process::{Command, ExitCode};

use crate::run as run_cmd;

/// One command: program, arguments, extra environment.
type Step = (&'static str, Vec<&'static str>, Vec<(&'static str, &'static str)>);

/// Where the corpus of real-world specs lives, relative to the workspace root.
const CORPUS: &str = "../shared/corpus";

/// The variable with which hosts without `../shared` skip the comparisons with the upstream
/// descriptions (`generator/tests/spec_matches_reference.rs`, `upstream_events.rs`).
const REFERENCE_OPT_OUT: &str = "SDK_SKIP_REFERENCE_CHECK";

/// What is skipped because [`REFERENCE_OPT_OUT`] is set and `../shared` lacks the upstream
/// descriptions; `None` when the comparisons run (without the opt-out they fail when the files
/// are absent).
fn reference_skip() -> Option<String> {
    std::env::var_os(REFERENCE_OPT_OUT)?;
    let root = crate::root();
    let files = ["../shared/reference/flexprice-openapi-2026-01-02.json", "../shared/corpus/flexprice-2026-08.json"];
    let missing: Vec<&str> = files.into_iter().filter(|f| !root.join(f).is_file()).collect();
    (!missing.is_empty()).then(|| {
        format!(
            "the comparisons with the upstream descriptions are SKIPPED: {REFERENCE_OPT_OUT} is set and {} not found",
            missing.join(", ")
        )
    })
}

pub(crate) fn run_all(no_contract: bool) -> Result<(), String> {
    if let Some(skip) = reference_skip() {
        eprintln!("\n==> {skip}");
    }
    let steps: Vec<Step> = vec![
        ("cargo", vec!["fmt", "--all", "--check"], vec![]),
        ("cargo", vec!["xtask", "regen", "--check"], vec![]),
        ("cargo", vec!["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"], vec![]),
        ("cargo", vec!["test", "--workspace"], vec![("INSTA_UPDATE", "no")]),
        // The SDK alone, with its default features: without the ingestor (the workspace's
        // clippy and tests have it on, as the end-to-end tests turn it on).
        ("cargo", vec!["clippy", "-p", "flexprice", "--all-targets", "--", "-D", "warnings"], vec![]),
        ("cargo", vec!["build", "--examples", "-p", "flexprice", "--features", "ingestor"], vec![]),
        ("cargo", vec!["doc", "--no-deps", "-p", "flexprice"], vec![("RUSTDOCFLAGS", "-D warnings")]),
        (
            "cargo",
            vec!["doc", "--no-deps", "-p", "flexprice", "--features", "ingestor"],
            vec![("RUSTDOCFLAGS", "-D warnings")],
        ),
        // The generator's own docs, private items included: its module docs link across modules.
        (
            "cargo",
            vec!["doc", "--no-deps", "-p", "openapi-sdkgen", "--document-private-items"],
            vec![("RUSTDOCFLAGS", "-D warnings")],
        ),
        // Every TLS choice of the SDK builds: none (plain HTTP), native-tls alone, everything.
        ("cargo", vec!["check", "-p", "flexprice", "--no-default-features"], vec![]),
        ("cargo", vec!["check", "-p", "flexprice", "--no-default-features", "--features", "native-tls"], vec![]),
        ("cargo", vec!["check", "-p", "flexprice", "--all-features"], vec![]),
        // A publish dry run: the packaged crate builds on its own (nothing is uploaded).
        ("cargo", vec!["package", "-p", "flexprice", "--allow-dirty"], vec![]),
        // The generator packages with the runtime sources inside, and the packaged crate builds.
        ("cargo", vec!["package", "-p", "openapi-sdkgen", "--allow-dirty"], vec![]),
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
    eprintln!("\n==> the installed CLI: cargo install, generate a spec's Events part, check, diff, build");
    cli_round_trip()?;
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

/// Runs `program` with `args`, echoing it; `Err` naming it when it fails. Output is shown.
fn step(program: &Path, args: &[&str], envs: &[(&str, &Path)]) -> Result<String, String> {
    let shown = format!("{} {}", program.display(), args.join(" "));
    eprintln!("\n==> {shown}");
    let mut cmd = Command::new(program);
    cmd.args(args).current_dir(crate::root());
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let output = cmd.output().map_err(|e| format!("cannot run {shown}: {e}"))?;
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    eprint!("{}", String::from_utf8_lossy(&output.stderr));
    if output.status.success() {
        Ok(stdout)
    } else {
        print!("{stdout}");
        Err(format!("`{shown}` failed ({})", output.status))
    }
}

/// Installs the CLI into a temporary root (debug profile and the workspace's target folder, so
/// nothing is built twice), generates the Events part of the largest corpus spec with our
/// config (our own spec where the corpus is absent), checks it, diffs it against our spec, and
/// builds the generated crate.
fn cli_round_trip() -> Result<(), String> {
    let root = crate::root();
    let target = root.join("target");
    let install_root = std::env::temp_dir().join(format!("sdkgen-cli-{}", std::process::id()));
    let result = (|| {
        let cargo = Path::new("cargo");
        let root_arg = install_root.display().to_string();
        step(
            cargo,
            &["install", "--path", "generator", "--root", &root_arg, "--debug", "--locked", "--quiet"],
            &[("CARGO_TARGET_DIR", &target)],
        )?;
        let bin = install_root.join("bin").join(format!("openapi-sdkgen{}", std::env::consts::EXE_SUFFIX));
        let corpus_spec = format!("{CORPUS}/flexprice-2026-08.json");
        let spec = if root.join(&corpus_spec).is_file() { corpus_spec.as_str() } else { crate::SPEC };
        let out = "target/cli-check/flexprice-events";
        let args = [
            "--spec",
            spec,
            "--out",
            out,
            "--config",
            crate::CONFIG,
            "--include-tag",
            "Events",
            "--crate-name",
            "flexprice_events_cli",
        ];
        step(&bin, &[&["generate"][..], &args].concat(), &[])?;
        step(&bin, &[&["check"][..], &args].concat(), &[])?;
        let diff =
            ["diff", crate::SPEC, spec, "--config", crate::CONFIG, "--include-tag", "Events", "--format", "json"];
        let report = step(&bin, &diff, &[])?;
        if !report.contains("\"bump\"") {
            return Err(format!("`openapi-sdkgen diff` printed no JSON report:\n{report}"));
        }
        std::fs::copy(root.join("Cargo.lock"), root.join(out).join("Cargo.lock"))
            .map_err(|e| format!("cannot copy Cargo.lock: {e}"))?;
        let manifest = format!("{out}/Cargo.toml");
        step(
            cargo,
            &["build", "--quiet", "--features", "ingestor", "--manifest-path", &manifest],
            &[("CARGO_TARGET_DIR", &target)],
        )?;
        Ok(())
    })();
    let _ = std::fs::remove_dir_all(&install_root);
    result
}

pub(crate) fn run(no_contract: bool) -> ExitCode {
    match run_all(no_contract) {
        Ok(()) => {
            eprintln!("\nall checks passed");
            if let Some(skip) = reference_skip() {
                eprintln!("but {skip}");
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("\nFAILED: {e}");
            ExitCode::FAILURE
        }
    }
}
