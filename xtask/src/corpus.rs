//! `cargo xtask corpus DIR`: generate a crate for every spec in DIR and check that each one
//! builds clean under clippy, with one shared target folder so dependencies build once.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use sdkgen::config::Config;
use sdkgen::lower::LowerOptions;

/// The folder of public API descriptions run by `cargo xtask corpus --wild`, relative to the
/// workspace root.
pub(crate) const WILD: &str = "../shared/corpus-wild";

struct Row {
    spec: String,
    operations: usize,
    types: usize,
    lines: usize,
    gen_ms: f64,
    /// Warnings by kind (see [`warning_kind`]).
    warnings: BTreeMap<&'static str, usize>,
    /// Schemas the generator could not type and made `serde_json::Value`.
    json_fallbacks: usize,
    /// Wall time of clippy (and the tests) of the crate.
    check_s: f64,
    check: String,
}

/// A short name for what a generation warning is about, for the table.
pub(crate) fn warning_kind(message: &str) -> &'static str {
    const KINDS: &[(&str, &str)] = &[
        ("should be", "member-ignored"),
        ("is left out", "item-dropped"),
        ("cannot be told apart", "union-merge"),
        ("multipart field", "multipart-file"),
        ("example", "example"),
        ("any JSON value", "json-fallback"),
        ("declared differently by several allOf", "allof-conflict"),
        ("inside allOf", "allof-union"),
        ("webhooks", "webhooks"),
        ("discriminator", "discriminator"),
        ("path parameter", "path-param"),
        ("cannot be serialized", "param-encoding"),
        ("is sent as", "param-encoding"),
        ("security scheme", "security"),
        ("reference", "reference"),
        ("is ignored", "keyword-ignored"),
        ("dropped", "dropped"),
    ];
    KINDS.iter().find(|(needle, _)| message.contains(needle)).map_or("other", |(_, kind)| kind)
}

fn per_op(n: usize, ops: usize) -> String {
    if ops == 0 {
        "-".into()
    } else {
        format!("{:.1}", n as f64 / ops as f64)
    }
}

fn specs_in(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let mut specs: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| format!("cannot read {}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml" | "json")))
        .collect();
    specs.sort();
    Ok(specs)
}

/// Generates and checks every spec in `dir`; `Err` when any fails.
pub(crate) fn run(dir: &Path, run_tests: bool) -> Result<(), String> {
    let root = crate::root();
    let out_root = root.join("target/corpus");
    // The workspace target folder: the generated crates use the same dependency versions and
    // features as the workspace (same Cargo.lock), so nothing is built twice.
    // SDKGEN_CORPUS_TARGET moves it (to keep the workspace's own builds unblocked meanwhile).
    let target = std::env::var_os("SDKGEN_CORPUS_TARGET").map_or_else(|| root.join("target"), PathBuf::from);
    let total = Instant::now();
    let lock = root.join("Cargo.lock");
    let mut rows = Vec::new();
    for spec in specs_in(dir)? {
        let stem = spec.file_stem().and_then(|s| s.to_str()).unwrap_or("spec").to_owned();
        let crate_name = format!("corpus_{}", stem.replace(['-', '.'], "_"));
        let out = out_root.join(&stem);
        // A spec may come with its generator config beside it (`<stem>.toml`).
        let config_path = spec.with_extension("toml");
        let mut config = match std::fs::read_to_string(&config_path) {
            Ok(toml) => Config::parse(&config_path.display().to_string(), &toml).map_err(|e| e.to_string())?,
            Err(_) => Config::default(),
        };
        config.package.name = Some(crate_name.clone());
        config.output.standalone = true;
        config.output.regen_command = format!("cargo xtask corpus {}", dir.display());
        let text = std::fs::read_to_string(&spec).map_err(|e| format!("{}: {e}", spec.display()))?;
        let started = Instant::now();
        let generated = sdkgen::generate_str(&spec.display().to_string(), &text, &config, LowerOptions::default());
        let gen_ms = started.elapsed().as_secs_f64() * 1e3;
        let mut row = Row {
            spec: stem.clone(),
            operations: 0,
            types: 0,
            lines: 0,
            gen_ms,
            warnings: BTreeMap::new(),
            json_fallbacks: 0,
            check_s: 0.0,
            check: String::new(),
        };
        match generated {
            Err(e) => {
                eprint!("{e}");
                row.check = "generation failed".into();
            }
            Ok(g) => {
                for w in &g.warnings {
                    eprintln!("{w}");
                }
                row.operations = g.api.operations.len();
                row.types = g.api.types.len();
                row.lines = g.files.iter().filter(|(p, _)| p.ends_with(".rs")).map(|(_, c)| c.lines().count()).sum();
                for w in &g.warnings {
                    let kind = warning_kind(&w.message);
                    *row.warnings.entry(kind).or_default() += 1;
                    if kind == "json-fallback" {
                        row.json_fallbacks += 1;
                    }
                }
                let checked = Instant::now();
                if let Err(e) = g.files.write(&out) {
                    row.check = format!("write failed: {e}");
                } else {
                    // Same dependency versions as the workspace, resolved without a registry query.
                    let _ = std::fs::copy(&lock, out.join("Cargo.lock"));
                    // Without its optional parts, then with them (and tested with them).
                    let features = own_features(&out);
                    row.check = clippy(&out, &target, &[]);
                    if row.check == "clean" && !features.is_empty() {
                        row.check = clippy(&out, &target, &features);
                    }
                    if run_tests && row.check == "clean" {
                        row.check = tests(&out, &target, &features);
                    }
                }
                row.check_s = checked.elapsed().as_secs_f64();
            }
        }
        eprintln!("{:<28} {}", row.spec, row.check);
        rows.push(row);
    }
    let last = if run_tests { "clippy -D warnings + tests + docs" } else { "clippy -D warnings" };
    println!(
        "\n| spec | operations | types | lines | lines/op | types/op | generation ms | warnings by kind | schemas as JSON value | check s | {last} |"
    );
    println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | --- |");
    for r in &rows {
        let kinds = if r.warnings.is_empty() {
            "0".to_owned()
        } else {
            r.warnings.iter().map(|(k, n)| format!("{k} {n}")).collect::<Vec<_>>().join(", ")
        };
        println!(
            "| {} | {} | {} | {} | {} | {} | {:.1} | {} | {} | {:.1} | {} |",
            r.spec,
            r.operations,
            r.types,
            r.lines,
            per_op(r.lines, r.operations),
            per_op(r.types, r.operations),
            r.gen_ms,
            kinds,
            r.json_fallbacks,
            r.check_s,
            r.check
        );
    }
    println!("\n{} specs in {:.0} s", rows.len(), total.elapsed().as_secs_f64());
    let failed: Vec<&str> = rows.iter().filter(|r| r.check != "clean").map(|r| r.spec.as_str()).collect();
    if failed.is_empty() {
        Ok(())
    } else {
        Err(format!("not clean: {}", failed.join(", ")))
    }
}

/// Runs the generated crate's own tests: unit tests and spec-example round trips, then the
/// snippets of its crate docs; then builds its docs, refusing rustdoc's warnings (a bare URL
/// or a broken link in the spec's prose).
fn tests(crate_dir: &Path, target: &Path, features: &[String]) -> String {
    let tested = cargo_tests(crate_dir, target, features);
    if tested != "clean" {
        return tested;
    }
    let output = Command::new("cargo")
        .args(["doc", "--quiet", "--no-deps"])
        .args(features)
        .arg("--manifest-path")
        .arg(crate_dir.join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", target)
        .env("RUSTDOCFLAGS", "-D warnings")
        .output();
    match output {
        Ok(o) if o.status.success() => "clean".into(),
        Ok(o) => {
            eprintln!("{}", String::from_utf8_lossy(&o.stderr).lines().take(60).collect::<Vec<_>>().join("\n"));
            "docs failed (cargo doc, -D warnings)".into()
        }
        Err(e) => format!("cannot run cargo: {e}"),
    }
}

fn cargo_tests(crate_dir: &Path, target: &Path, features: &[String]) -> String {
    // `--lib --tests`, not a plain `cargo test`: that links one example binary per operation,
    // which clippy `--all-targets` has already type-checked, and those binaries filled the
    // disk (40 GB for the 20 specs of corpus-wild). No incremental state for crates built once.
    for args in [&["--lib", "--tests"][..], &["--doc"][..]] {
        let output = Command::new("cargo")
            .args(["test", "--quiet"])
            .args(args)
            .args(features)
            .arg("--manifest-path")
            .arg(crate_dir.join("Cargo.toml"))
            .env("CARGO_TARGET_DIR", target)
            .env("CARGO_INCREMENTAL", "0")
            .output();
        match output {
            Ok(o) if o.status.success() => {}
            Ok(o) => {
                let stdout = String::from_utf8_lossy(&o.stdout);
                eprintln!("{stdout}{}", String::from_utf8_lossy(&o.stderr));
                return format!("tests failed (cargo test {})", args.join(" "));
            }
            Err(e) => return format!("cannot run cargo: {e}"),
        }
    }
    "clean".into()
}

/// The features a generated crate declares for optional parts of its own (its ingestor, when
/// its config asks for one): `--features` arguments, or none.
fn own_features(crate_dir: &Path) -> Vec<String> {
    let feature = sdkgen::emit::INGESTOR_FEATURE;
    let manifest = std::fs::read_to_string(crate_dir.join("Cargo.toml")).unwrap_or_default();
    if manifest.lines().any(|l| l.starts_with(&format!("{feature} = ["))) {
        vec!["--features".to_owned(), feature.to_owned()]
    } else {
        Vec::new()
    }
}

fn clippy(crate_dir: &Path, target: &Path, features: &[String]) -> String {
    let output = Command::new("cargo")
        .args(["clippy", "--quiet", "--all-targets"])
        .args(features)
        .arg("--manifest-path")
        .arg(crate_dir.join("Cargo.toml"))
        .args(["--", "-D", "warnings"])
        .env("CARGO_TARGET_DIR", target)
        .env("CARGO_INCREMENTAL", "0")
        .output();
    match output {
        Ok(o) if o.status.success() => "clean".into(),
        Ok(o) => {
            let stderr = String::from_utf8_lossy(&o.stderr);
            let errors = stderr.lines().filter(|l| l.starts_with("error")).count();
            let first: Vec<&str> = stderr.lines().filter(|l| l.starts_with("error")).take(3).collect();
            eprintln!("{}", stderr.lines().take(60).collect::<Vec<_>>().join("\n"));
            format!("{errors} error(s): {}", first.join(" / "))
        }
        Err(e) => format!("cannot run cargo: {e}"),
    }
}
