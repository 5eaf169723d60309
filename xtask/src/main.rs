//! Project tasks: `cargo xtask regen [--check]`, `generate`, `test`.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use clap::{Parser, Subcommand};

/// The allocator of the `openapi-sdkgen` binary (generator/src/main.rs), so `regen` and the
/// in-process generation benchmarks run as the command does.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod bench;
mod contract;
mod corpus;
mod quickstart;
mod regen;
mod test;

pub(crate) use regen::{CONFIG, OUT, SPEC};

#[derive(Parser)]
#[command(name = "cargo xtask", about = "Tasks of the FlexPrice SDK generator project")]
struct Cli {
    #[command(subcommand)]
    command: Task,
}

#[derive(Subcommand)]
enum Task {
    /// Regenerate `generated-sdk/` from `spec/` (with --check: write nothing, show the drift).
    Regen {
        /// Compare instead of writing; exit non-zero with a unified diff when they differ.
        #[arg(long)]
        check: bool,
    },
    /// Generate a standalone crate from any OpenAPI document (same as `openapi-sdkgen generate`).
    Generate(sdkgen::cli::GenerateArgs),
    /// Compare a crate folder with what `generate` would write (same as `openapi-sdkgen check`).
    Check(sdkgen::cli::GenerateArgs),
    /// Report the API changes between two spec versions (same as `openapi-sdkgen diff`).
    Diff(sdkgen::cli::DiffArgs),
    /// Generate a crate for every spec in DIR and check each with clippy (-D warnings).
    Corpus {
        /// Folder of OpenAPI documents (default with --wild: ../shared/corpus-wild).
        #[arg(required_unless_present = "wild")]
        dir: Option<PathBuf>,
        /// Also run each generated crate's own tests (runtime tests, spec example round trips).
        #[arg(long)]
        test: bool,
        /// The public descriptions of ../shared/corpus-wild, with their tests (implies --test).
        #[arg(long)]
        wild: bool,
    },
    /// Run only the contract tests against a Prism mock server (installs Prism with npm).
    Contract,
    /// Run the speed and memory benchmarks in release mode; write `bench-results/`.
    Bench {
        /// Tiny counts, to check that the benchmarks still run; fails on errors, not on targets.
        #[arg(long)]
        smoke: bool,
    },
    /// Copy the SDK README's quick start into a fresh crate, run it three times against a local
    /// server, and check it sent three distinct events.
    Quickstart,
    /// Run everything CI runs: fmt, clippy, the drift check, all tests and doctests.
    Test {
        /// Skip the contract tests against the Prism mock server (says so loudly).
        #[arg(long)]
        no_contract: bool,
    },
}

/// The workspace root (the parent of this crate's folder).
pub(crate) fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask lives in the workspace").to_path_buf()
}

fn main() -> ExitCode {
    let cli: Cli = sdkgen::cli::parse_or_exit();
    match cli.command {
        Task::Regen { check } => regen(check),
        Task::Generate(args) => sdkgen::cli::generate(&args),
        Task::Check(args) => sdkgen::cli::check(&args),
        Task::Diff(args) => sdkgen::cli::diff(&args),
        Task::Test { no_contract } => test::run(no_contract),
        Task::Bench { smoke } => bench::run(smoke),
        Task::Quickstart => match quickstart::run() {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("FAILED: {e}");
                ExitCode::FAILURE
            }
        },
        Task::Contract => match contract::run() {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("FAILED: {e}");
                ExitCode::FAILURE
            }
        },
        Task::Corpus { dir, test, wild } => {
            match corpus::run(&dir.unwrap_or_else(|| root().join(corpus::WILD)), test || wild) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("FAILED: {e}");
                    ExitCode::FAILURE
                }
            }
        }
    }
}

fn print_warnings(warnings: &[sdkgen::diag::Diagnostic]) {
    for w in warnings {
        eprintln!("{w}");
    }
}

fn regen(check: bool) -> ExitCode {
    let root = root();
    let out = root.join(OUT);
    let release = match regen::release(&root) {
        Ok(r) => r,
        Err(e) => {
            eprint!("{e}");
            eprintln!("nothing was written; {OUT}/ is unchanged");
            return ExitCode::FAILURE;
        }
    };
    for note in &release.notes {
        eprintln!("note: {note}");
    }
    if let Some(report) = &release.report {
        eprintln!("{SPEC} changed: {} The crate version is now {}.", report.summary(), release.version);
    }
    let generated = release.generated;
    print_warnings(&generated.warnings);
    if check {
        match generated.files.check(&out) {
            Ok(drift) if drift.is_clean() => {
                println!("{OUT}/ is up to date ({} files)", generated.files.len());
                ExitCode::SUCCESS
            }
            Ok(drift) => {
                print!("{}", drift.diff);
                eprintln!(
                    "\n{OUT}/ differs from what the generator makes from {SPEC} in {} file(s): {}\nRun `cargo xtask regen` and commit the result.",
                    drift.changed.len(),
                    drift.changed.join(", ")
                );
                ExitCode::FAILURE
            }
            Err(e) => {
                eprintln!("cannot read {OUT}/: {e}");
                ExitCode::FAILURE
            }
        }
    } else {
        match generated.files.write(&out) {
            Ok(summary) => {
                println!(
                    "{OUT}/: {} file(s) written, {} removed, {} unchanged",
                    summary.written.len(),
                    summary.removed.len(),
                    generated.files.len() + 1 - summary.written.len()
                );
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("cannot write {OUT}/: {e}");
                ExitCode::FAILURE
            }
        }
    }
}

/// Runs a command in the workspace root, echoing it; `true` when it succeeded.
pub(crate) fn run(program: &str, args: &[&str], envs: &[(&str, &str)]) -> bool {
    eprintln!("\n==> {program} {}", args.join(" "));
    let mut cmd = Command::new(program);
    cmd.args(args).current_dir(root());
    for (k, v) in envs {
        cmd.env(k, v);
    }
    match cmd.status() {
        Ok(s) => s.success(),
        Err(e) => {
            eprintln!("cannot run {program}: {e}");
            false
        }
    }
}
