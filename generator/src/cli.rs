//! The command line of `openapi-sdkgen` (`generate`, `check`, `diff`), shared by the installed
//! binary and the maintainers' `cargo xtask`, which embeds the same argument structs and calls
//! the same functions.
//!
//! Exit codes: 0 success; 1 bad input (argument, spec, config), an unwritable output, or drift
//! found by `check`; 2 when `diff --fail-on-breaking` finds a breaking change.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::config::Config;
use crate::diag::{Diagnostic, GenerateError};
use crate::lower::LowerOptions;

/// Which part of the spec to generate (replaces the config's `[select]` when given).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct SelectArgs {
    /// Keep only operations with this tag (repeatable; with --include-path, either matches).
    #[arg(long = "include-tag", value_name = "TAG")]
    pub include_tags: Vec<String>,
    /// Keep only operations on this path template; a final `*` matches any rest (repeatable).
    #[arg(long = "include-path", value_name = "PATH")]
    pub include_paths: Vec<String>,
}

/// Arguments of `generate` and `check`.
#[derive(Debug, Clone, clap::Args)]
pub struct GenerateArgs {
    /// The OpenAPI document (YAML or JSON, 3.0 or 3.1).
    #[arg(long, value_name = "FILE")]
    pub spec: PathBuf,
    /// The crate folder (created if missing; files the generator no longer makes are removed).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Crate name, also its `use` name: a snake_case Rust identifier (default: from the config,
    /// else the spec title).
    #[arg(long, value_name = "NAME")]
    pub crate_name: Option<String>,
    /// Generator config (TOML): package data, name pins, selection, helpers.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Selection.
    #[command(flatten)]
    pub select: SelectArgs,
    /// Treat warnings as errors.
    #[arg(long)]
    pub strict: bool,
}

/// Report formats of `diff`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Markdown, for people and changelogs.
    #[default]
    Markdown,
    /// JSON, for CI.
    Json,
}

/// Arguments of `diff`.
#[derive(Debug, Clone, clap::Args)]
pub struct DiffArgs {
    /// The old OpenAPI document.
    pub old: PathBuf,
    /// The new OpenAPI document.
    pub new: PathBuf,
    /// Generator config applied to both sides (pins, renames, selection).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Selection, applied to both sides.
    #[command(flatten)]
    pub select: SelectArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Markdown)]
    pub format: Format,
    /// The crate's version before the change, to compute the next one (default: the config's
    /// `[package] version` when --config is given).
    #[arg(long, value_name = "VERSION")]
    pub current_version: Option<String>,
    /// Exit with code 2 when a change breaks users of the generated crate.
    #[arg(long)]
    pub fail_on_breaking: bool,
}

/// The subcommands of `openapi-sdkgen`.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum Command {
    /// Generate a Rust client crate from an OpenAPI document.
    Generate(GenerateArgs),
    /// Write nothing; print a unified diff and exit 1 when the crate folder differs from what
    /// `generate` with the same arguments would write.
    Check(GenerateArgs),
    /// Report what changes in the generated API from OLD to NEW, and whether it breaks users.
    Diff(DiffArgs),
}

/// Runs one subcommand.
pub fn run(command: &Command) -> ExitCode {
    match command {
        Command::Generate(args) => generate(args),
        Command::Check(args) => check(args),
        Command::Diff(args) => diff(args),
    }
}

/// Parses the command line with clap; usage errors exit with code 1 (help and version with 0).
pub fn parse_or_exit<T: clap::Parser>() -> T {
    match T::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            std::process::exit(if e.use_stderr() { 1 } else { 0 });
        }
    }
}

/// Reads a config file, or the default config.
pub fn read_config(path: Option<&Path>) -> Result<Config, GenerateError> {
    let Some(path) = path else { return Ok(Config::default()) };
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path)
        .map_err(|e| GenerateError::single(Diagnostic::error(&name, "", format!("cannot read the config: {e}"))))?;
    Config::parse(&name, &text)
}

fn read_spec(path: &Path) -> Result<String, GenerateError> {
    std::fs::read_to_string(path).map_err(|e| {
        GenerateError::single(Diagnostic::error(&path.display().to_string(), "", format!("cannot read the spec: {e}")))
    })
}

fn apply_select(config: &mut Config, select: &SelectArgs) {
    if !select.include_tags.is_empty() || !select.include_paths.is_empty() {
        config.select.include_tags = select.include_tags.clone();
        config.select.include_paths = select.include_paths.clone();
    }
}

fn shell_word(s: &str) -> String {
    if !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || "-_./=:@+,".contains(c)) {
        s.to_owned()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// The `openapi-sdkgen generate ...` command that makes the crate, as written in the header of
/// every generated file.
pub fn generate_command(args: &GenerateArgs) -> String {
    let mut words = vec![
        "openapi-sdkgen".to_owned(),
        "generate".into(),
        "--spec".into(),
        shell_word(&args.spec.display().to_string()),
        "--out".into(),
        shell_word(&args.out.display().to_string()),
    ];
    if let Some(n) = &args.crate_name {
        words.extend(["--crate-name".into(), shell_word(n)]);
    }
    if let Some(c) = &args.config {
        words.extend(["--config".into(), shell_word(&c.display().to_string())]);
    }
    for t in &args.select.include_tags {
        words.extend(["--include-tag".into(), shell_word(t)]);
    }
    for p in &args.select.include_paths {
        words.extend(["--include-path".into(), shell_word(p)]);
    }
    if args.strict {
        words.push("--strict".into());
    }
    words.join(" ")
}

/// Generates in memory what `generate` would write.
pub fn generate_in_memory(args: &GenerateArgs) -> Result<crate::Generated, GenerateError> {
    let mut config = read_config(args.config.as_deref())?;
    if let Some(name) = &args.crate_name {
        if let Some(problem) = crate::lower::names::crate_name_problem(name) {
            return Err(GenerateError { diagnostics: vec![Diagnostic::error("--crate-name", "", problem)] });
        }
        config.package.name = Some(name.clone());
    }
    apply_select(&mut config, &args.select);
    config.output.standalone = true;
    config.output.regen_command = generate_command(args);
    config.output.folder = args.out.file_name().map(|name| name.to_string_lossy().into_owned());
    let text = read_spec(&args.spec)?;
    crate::generate_str(&args.spec.display().to_string(), &text, &config, LowerOptions { strict: args.strict })
}

/// `1 operation`, `2 operations`.
fn counted(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

fn print_warnings(warnings: &[Diagnostic]) {
    for w in warnings {
        eprintln!("{w}");
    }
}

/// `generate`: writes the crate; on any error writes nothing.
pub fn generate(args: &GenerateArgs) -> ExitCode {
    let generated = match generate_in_memory(args) {
        Ok(g) => g,
        Err(e) => {
            eprint!("{e}");
            eprintln!("nothing was written");
            return ExitCode::FAILURE;
        }
    };
    print_warnings(&generated.warnings);
    match generated.files.write(&args.out) {
        Ok(summary) => {
            // The manifest is the generator's own record, not one of the crate's files.
            let written = summary.written.iter().filter(|p| *p != crate::fileset::MANIFEST).count();
            println!(
                "{}: crate `{}`, {}, {}, {written} file(s) written, {} removed",
                args.out.display(),
                generated.api.package.name,
                counted(generated.api.operations.len(), "operation"),
                counted(generated.api.types.len(), "type"),
                summary.removed.len()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: cannot write {}: {e}", args.out.display());
            ExitCode::FAILURE
        }
    }
}

/// `check`: compares the crate folder with what `generate` would write.
pub fn check(args: &GenerateArgs) -> ExitCode {
    let generated = match generate_in_memory(args) {
        Ok(g) => g,
        Err(e) => {
            eprint!("{e}");
            return ExitCode::FAILURE;
        }
    };
    print_warnings(&generated.warnings);
    match generated.files.check(&args.out) {
        Ok(drift) if drift.is_clean() => {
            println!("{} is up to date ({} files)", args.out.display(), generated.files.len());
            ExitCode::SUCCESS
        }
        Ok(drift) => {
            print!("{}", drift.diff);
            eprintln!(
                "\n{} differs from what `{}` makes in {} file(s): {}",
                args.out.display(),
                generate_command(args),
                drift.changed.len(),
                drift.changed.join(", ")
            );
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("error: cannot read {}: {e}", args.out.display());
            ExitCode::FAILURE
        }
    }
}

/// Lowers both sides of a diff with the same config and compares them.
pub fn diff_report(args: &DiffArgs) -> Result<(crate::diff::Report, Vec<Diagnostic>), GenerateError> {
    let mut config = read_config(args.config.as_deref())?;
    apply_select(&mut config, &args.select);
    let lower = |path: &Path| {
        let text = read_spec(path)?;
        crate::lower_str(&path.display().to_string(), &text, &config, LowerOptions::default())
    };
    let (old, mut warnings) = lower(&args.old)?;
    let (new, new_warnings) = lower(&args.new)?;
    warnings.extend(new_warnings);
    let version = args.current_version.clone().or_else(|| args.config.as_ref().map(|_| config.package.version.clone()));
    Ok((crate::diff::diff(&old, &new, version.as_deref()), warnings))
}

/// `diff`: prints the change report.
pub fn diff(args: &DiffArgs) -> ExitCode {
    let (report, warnings) = match diff_report(args) {
        Ok(r) => r,
        Err(e) => {
            eprint!("{e}");
            return ExitCode::FAILURE;
        }
    };
    print_warnings(&warnings);
    match args.format {
        Format::Markdown => {
            print!("## API changes: `{}` -> `{}`\n\n{}", args.old.display(), args.new.display(), report.markdown(3))
        }
        Format::Json => print!("{}", report.json()),
    }
    if args.fail_on_breaking && report.breaking > 0 {
        eprintln!("{} breaking change(s)", report.breaking);
        return ExitCode::from(2);
    }
    ExitCode::SUCCESS
}
