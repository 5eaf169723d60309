//! `cargo xtask bench [--smoke]`: the speed and memory benchmarks of the generator and of the
//! generated SDK, with their targets.
//!
//! 1. Generation (load + lower + emit + format, i.e. `generate_str`) in process, in a release
//!    build: median of N runs after a warm-up; peak RSS of a process that generates only the
//!    largest spec; throughput on the largest corpus spec.
//! 2. Cost of the generated code: lines, and the clean build time of each generated crate alone
//!    (its dependencies already built in `target/bench/target`).
//! 3. SDK overhead against a hand-written reqwest baseline (`tests/src/bin/sdk_bench.rs`).
//!
//! Run from a debug build (`cargo xtask bench`), this builds `xtask` and `sdk_bench` in release
//! mode and runs the release `xtask bench`, which does the work. Results are printed as a table
//! and written to `bench-results/` as JSON and Markdown. `--smoke` runs everything with tiny
//! counts (and builds only the Events crate): it fails on errors, never on targets.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

use sdkgen::config::Config;
use sdkgen::lower::LowerOptions;

/// Set in the environment of a child `xtask bench` to give it one job (`gen-rss`).
const ROLE_ENV: &str = "SDKGEN_BENCH_ROLE";
/// The spec the `gen-rss` child generates.
const SPEC_ENV: &str = "SDKGEN_BENCH_SPEC";
/// Set by the debug `xtask bench` when it runs the release one.
const RELEASE_ENV: &str = "SDKGEN_BENCH_RELEASE";

const EVENTS_SPEC: &str = "spec/flexprice-events.yaml";
const EVENTS_CONFIG: &str = "spec/generator.toml";
const CORPUS: &str = "../shared/corpus";
const NEXUS: &str = "oxide-nexus.json";
const PETSTORE: &str = "oai-petstore.yaml";
const FLEXPRICE_FULL: &str = "flexprice-2026-08.json";

/// Entry point of `cargo xtask bench`.
pub(crate) fn run(smoke: bool) -> ExitCode {
    if let Ok(role) = std::env::var(ROLE_ENV) {
        return match role.as_str() {
            "gen-rss" => gen_rss_child(),
            other => {
                eprintln!("unknown {ROLE_ENV}={other}");
                ExitCode::FAILURE
            }
        };
    }
    if cfg!(debug_assertions) && std::env::var_os(RELEASE_ENV).is_none() {
        return relaunch_in_release(smoke);
    }
    if cfg!(debug_assertions) {
        eprintln!("warning: the benchmarks run in a debug build; the figures mean nothing");
    }
    let started = Instant::now();
    match bench(smoke) {
        Ok(rows) => {
            let seconds = started.elapsed().as_secs_f64();
            let failed: Vec<&str> = rows.iter().filter(|r| r.verdict == Verdict::Fail).map(|r| r.id).collect();
            match write_results(&rows, smoke, seconds) {
                Ok(paths) => println!("\nwritten: {paths}"),
                Err(e) => {
                    eprintln!("cannot write bench-results/: {e}");
                    return ExitCode::FAILURE;
                }
            }
            println!("benchmarks took {seconds:.1} s");
            if failed.is_empty() {
                println!("every target met");
                ExitCode::SUCCESS
            } else if smoke {
                println!("smoke run: targets are not checked ({} would miss: {})", failed.len(), failed.join(", "));
                ExitCode::SUCCESS
            } else {
                eprintln!("{} target(s) missed: {}", failed.len(), failed.join(", "));
                ExitCode::FAILURE
            }
        }
        Err(e) => {
            eprintln!("bench FAILED: {e}");
            ExitCode::FAILURE
        }
    }
}

fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned())
}

/// The workspace's target folder.
fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => crate::root().join(dir),
        None => crate::root().join("target"),
    }
}

/// Builds the benchmark binaries in release mode and runs the release `xtask bench`.
/// The peer generator of the side-by-side figures, and how to install it.
const PEER: &str = "cargo-progenitor";
const PEER_INSTALL: &str = "cargo install cargo-progenitor --locked";

/// `cargo-progenitor` from `PATH` or `$CARGO_HOME/bin`, if installed.
fn peer_exe() -> Option<PathBuf> {
    let name = format!("{PEER}{}", std::env::consts::EXE_SUFFIX);
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")));
    std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .chain(cargo_home.map(|h| h.join("bin")))
        .map(|dir| dir.join(&name))
        .find(|p| p.is_file())
}

/// Median wall time of `runs` runs of a command (after one untimed run), in ms.
fn time_command(mut make: impl FnMut() -> Command, runs: usize) -> Result<(f64, f64, f64), String> {
    let mut times = Vec::with_capacity(runs);
    for i in 0..=runs {
        let mut cmd = make();
        let started = Instant::now();
        let output = cmd.output().map_err(|e| format!("cannot run {cmd:?}: {e}"))?;
        let ms = started.elapsed().as_secs_f64() * 1e3;
        if !output.status.success() {
            return Err(format!("{cmd:?} failed: {}", String::from_utf8_lossy(&output.stderr)));
        }
        if i > 0 {
            times.push(ms);
        }
    }
    times.sort_by(f64::total_cmp);
    Ok((times[times.len() / 2], times[0], times[times.len() - 1]))
}

/// What a maintainer waits for: the release `openapi-sdkgen generate` as a process (start-up,
/// reading, generating, writing the crate) against `cargo progenitor` on the same spec, run
/// alternately in this process's run.
fn whole_process_row(input: &Input, runs: usize) -> Result<Row, String> {
    let id = "gen_process_nexus_ms";
    let figure = format!("Generation as a whole process: {NEXUS} (start-up, read, generate, write)");
    let ours_exe = target_dir().join("release").join(format!("openapi-sdkgen{}", std::env::consts::EXE_SUFFIX));
    if !ours_exe.exists() {
        return Err(format!(
            "{} is missing: build it with `cargo build --release -p openapi-sdkgen`",
            ours_exe.display()
        ));
    }
    let out = target_dir().join("bench/process");
    let _ = std::fs::remove_dir_all(&out);
    eprintln!("generation: {NEXUS} as a process, {runs} runs");
    let (ours, lo, hi) = time_command(
        || {
            let mut c = Command::new(&ours_exe);
            c.arg("generate").arg("--spec").arg(&input.path).arg("--out").arg(out.join("ours"));
            c
        },
        runs,
    )?;
    let spread = format!("median of {runs}, {}–{} ms", num(lo), num(hi));
    let row = Row::new(id, figure, "ms", ours);
    let Some(peer) = peer_exe() else {
        eprintln!("generation: {PEER} is not installed ({PEER_INSTALL}); the side-by-side figure is skipped");
        return Ok(row.note(format!("{spread}; {PEER} not installed, no ratio: {PEER_INSTALL}")));
    };
    let row = row.note(spread);
    let (theirs, plo, phi) = time_command(
        || {
            let mut c = Command::new(&peer);
            c.args(["progenitor", "-i"]).arg(&input.path).arg("-o").arg(out.join("peer"));
            c.args(["-n", "nexus-peer", "-v", "0.1.0"]);
            c
        },
        runs,
    )?;
    Ok(row
        .baseline(theirs, format!("{PEER}, median of {runs}, {}–{} ms", num(plo), num(phi)))
        .target(Target::RatioAtMost(0.10)))
}

fn relaunch_in_release(smoke: bool) -> ExitCode {
    let started = Instant::now();
    let built = crate::run(
        &cargo(),
        &[
            "build",
            "--release",
            "-p",
            "xtask",
            "-p",
            "sdk-e2e-tests",
            "-p",
            "openapi-sdkgen",
            "--bin",
            "xtask",
            "--bin",
            "sdk_bench",
            "--bin",
            "openapi-sdkgen",
        ],
        &[],
    );
    if !built {
        eprintln!("bench FAILED: the release build failed");
        return ExitCode::FAILURE;
    }
    eprintln!("release build took {:.1} s", started.elapsed().as_secs_f64());
    let exe = target_dir().join("release").join(format!("xtask{}", std::env::consts::EXE_SUFFIX));
    let mut cmd = Command::new(&exe);
    cmd.arg("bench").current_dir(crate::root()).env(RELEASE_ENV, "1");
    if smoke {
        cmd.arg("--smoke");
    }
    match cmd.status() {
        Ok(status) if status.success() => ExitCode::SUCCESS,
        Ok(_) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("cannot run {}: {e}", exe.display());
            ExitCode::FAILURE
        }
    }
}

// ---------------------------------------------------------------------------------------------
// results

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Verdict {
    Pass,
    Fail,
    /// A figure without a target.
    Info,
    /// Not measured in this run (smoke).
    Skipped,
}

impl Verdict {
    fn text(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "FAIL",
            Verdict::Info => "-",
            Verdict::Skipped => "skipped",
        }
    }
}

/// A target: the figure (or its ratio to the baseline) at most or at least a bound.
#[derive(Clone, Copy, Debug)]
enum Target {
    None,
    AtMost(f64),
    AtLeast(f64),
    RatioAtMost(f64),
    RatioAtLeast(f64),
    /// Ours equals the baseline.
    Equal,
}

/// One line of the table.
#[derive(Debug)]
struct Row {
    /// Stable key (JSON).
    id: &'static str,
    figure: String,
    unit: &'static str,
    ours: Option<f64>,
    baseline: Option<f64>,
    /// Where the baseline comes from.
    baseline_note: String,
    target: Target,
    verdict: Verdict,
    /// Extra detail (min–max, counts).
    note: String,
}

impl Row {
    fn new(id: &'static str, figure: impl Into<String>, unit: &'static str, ours: f64) -> Self {
        Row {
            id,
            figure: figure.into(),
            unit,
            ours: Some(ours),
            baseline: None,
            baseline_note: String::new(),
            target: Target::None,
            verdict: Verdict::Info,
            note: String::new(),
        }
    }

    fn skipped(id: &'static str, figure: impl Into<String>, unit: &'static str, target: Target) -> Self {
        Row { ours: None, target, verdict: Verdict::Skipped, ..Row::new(id, figure, unit, 0.0) }
    }

    fn baseline(mut self, value: f64, note: impl Into<String>) -> Self {
        self.baseline = Some(value);
        self.baseline_note = note.into();
        self
    }

    fn note(mut self, note: impl Into<String>) -> Self {
        self.note = note.into();
        self
    }

    fn ratio(&self) -> Option<f64> {
        match (self.ours, self.baseline) {
            (Some(ours), Some(base)) if base != 0.0 => Some(ours / base),
            _ => None,
        }
    }

    /// Sets the target and judges the figure against it.
    fn target(mut self, target: Target) -> Self {
        self.target = target;
        let ok = match (target, self.ours, self.ratio()) {
            (Target::None, _, _) => None,
            (Target::AtMost(bound), Some(v), _) => Some(v <= bound),
            (Target::AtLeast(bound), Some(v), _) => Some(v >= bound),
            (Target::RatioAtMost(bound), _, Some(r)) => Some(r <= bound),
            (Target::RatioAtLeast(bound), _, Some(r)) => Some(r >= bound),
            (Target::Equal, Some(v), Some(_)) => self.baseline.map(|b| (v - b).abs() < 1e-9),
            _ => None,
        };
        self.verdict = match ok {
            Some(true) => Verdict::Pass,
            Some(false) => Verdict::Fail,
            None if self.ours.is_none() => Verdict::Skipped,
            None => Verdict::Info,
        };
        self
    }

    fn target_text(&self) -> String {
        let unit = if self.unit.is_empty() { String::new() } else { format!(" {}", self.unit) };
        match self.target {
            Target::None => "-".into(),
            Target::AtMost(b) => format!("<= {}{unit}", num(b)),
            Target::AtLeast(b) => format!(">= {}{unit}", num(b)),
            Target::RatioAtMost(b) => format!("ratio <= {}", num(b)),
            Target::RatioAtLeast(b) => format!("ratio >= {}", num(b)),
            Target::Equal => "= baseline".into(),
        }
    }

    fn cells(&self) -> [String; 6] {
        let with_unit = |v: f64| if self.unit.is_empty() { num(v) } else { format!("{} {}", num(v), self.unit) };
        let ours = self.ours.map_or_else(|| "skipped".into(), with_unit);
        let ours = if self.note.is_empty() { ours } else { format!("{ours} ({})", self.note) };
        let baseline = match self.baseline {
            Some(b) if self.baseline_note.is_empty() => with_unit(b),
            Some(b) => format!("{} ({})", with_unit(b), self.baseline_note),
            None => "-".into(),
        };
        let ratio = self.ratio().map_or_else(|| "-".into(), |r| format!("{r:.2}x"));
        [self.figure.clone(), ours, baseline, ratio, self.target_text(), self.verdict.text().into()]
    }
}

/// A number with 3 significant digits (at least), without scientific notation.
fn num(v: f64) -> String {
    let a = v.abs();
    if a >= 1000.0 {
        let rounded = v.round() as i64;
        let digits = rounded.unsigned_abs().to_string();
        let mut out = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push(',');
            }
            out.push(c);
        }
        if rounded < 0 {
            format!("-{out}")
        } else {
            out
        }
    } else if a >= 100.0 {
        format!("{v:.0}")
    } else if a >= 10.0 {
        format!("{v:.1}")
    } else if a >= 1.0 {
        format!("{v:.2}")
    } else {
        format!("{v:.3}")
    }
}

const HEADERS: [&str; 6] = ["figure", "ours", "baseline", "ratio (ours / baseline)", "target", "pass/fail"];

fn markdown_table(rows: &[Row]) -> String {
    let mut out = format!("| {} |\n| --- | ---: | ---: | ---: | --- | --- |\n", HEADERS.join(" | "));
    for row in rows {
        let cells = row.cells().map(|c| c.replace('|', "\\|"));
        let _ = writeln!(out, "| {} |", cells.join(" | "));
    }
    out
}

fn plain_table(rows: &[Row]) -> String {
    let cells: Vec<[String; 6]> = rows.iter().map(Row::cells).collect();
    let mut widths = HEADERS.map(str::len);
    for row in &cells {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |row: &[String]| {
        let padded: Vec<String> = row.iter().zip(&widths).map(|(c, w)| format!("{c:<w$}")).collect();
        format!("{}\n", padded.join("  ").trim_end())
    };
    let mut out = line(&HEADERS.map(str::to_owned));
    out.push_str(&line(&widths.map(|w| "-".repeat(w))));
    for row in &cells {
        out.push_str(&line(row));
    }
    out
}

fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn json_number(v: Option<f64>) -> String {
    match v {
        Some(v) if v.is_finite() => format!("{v}"),
        _ => "null".into(),
    }
}

fn json(rows: &[Row], smoke: bool, seconds: f64, meta: &[(&str, String)]) -> String {
    let mut out = String::from("{\n");
    let _ = writeln!(out, "  \"smoke\": {smoke},");
    let _ = writeln!(out, "  \"seconds\": {seconds:.1},");
    for (k, v) in meta {
        let _ = writeln!(out, "  {}: {},", json_string(k), json_string(v));
    }
    out.push_str("  \"results\": [\n");
    for (i, r) in rows.iter().enumerate() {
        let target = match r.target {
            Target::None => "null".to_owned(),
            Target::AtMost(b) => format!("{{\"kind\": \"at_most\", \"value\": {b}}}"),
            Target::AtLeast(b) => format!("{{\"kind\": \"at_least\", \"value\": {b}}}"),
            Target::RatioAtMost(b) => format!("{{\"kind\": \"ratio_at_most\", \"value\": {b}}}"),
            Target::RatioAtLeast(b) => format!("{{\"kind\": \"ratio_at_least\", \"value\": {b}}}"),
            Target::Equal => "{\"kind\": \"equal\"}".to_owned(),
        };
        let _ = write!(
            out,
            "    {{\"id\": {}, \"figure\": {}, \"unit\": {}, \"ours\": {}, \"baseline\": {}, \"baseline_note\": {}, \
             \"ratio\": {}, \"target\": {target}, \"verdict\": {}, \"note\": {}}}",
            json_string(r.id),
            json_string(&r.figure),
            json_string(r.unit),
            json_number(r.ours),
            json_number(r.baseline),
            json_string(&r.baseline_note),
            json_number(r.ratio()),
            json_string(r.verdict.text()),
            json_string(&r.note),
        );
        out.push_str(if i + 1 < rows.len() { ",\n" } else { "\n" });
    }
    out.push_str("  ]\n}\n");
    out
}

fn command_output(program: &str, args: &[&str]) -> String {
    Command::new(program)
        .args(args)
        .current_dir(crate::root())
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default()
}

fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name").and_then(|r| r.split_once(':')).map(|(_, m)| m.trim().to_owned()))
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    format!("{model}, {cores} cores")
}

/// Prints the table and writes `bench-results/bench[-smoke].{json,md}`.
fn write_results(rows: &[Row], smoke: bool, seconds: f64) -> std::io::Result<String> {
    let command = if smoke { "cargo xtask bench --smoke" } else { "cargo xtask bench" };
    let unix = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let meta = [
        ("command", command.to_owned()),
        ("git_commit", command_output("git", &["rev-parse", "--short", "HEAD"])),
        ("rustc", command_output("rustc", &["--version"])),
        ("machine", machine()),
        ("unix_time", unix.to_string()),
    ];
    println!("\n{}", plain_table(rows));
    let dir = crate::root().join("bench-results");
    std::fs::create_dir_all(&dir)?;
    let stem = if smoke { "bench-smoke" } else { "bench" };
    let json_path = dir.join(format!("{stem}.json"));
    std::fs::write(&json_path, json(rows, smoke, seconds, &meta))?;
    let mut md = format!("# Benchmarks\n\n`{command}` on {} ({}, commit {}).\n\n", meta[3].1, meta[2].1, meta[1].1);
    if smoke {
        md.push_str("Smoke run: tiny counts, the figures mean nothing and targets are not enforced.\n\n");
    }
    md.push_str(&markdown_table(rows));
    let md_path = dir.join(format!("{stem}.md"));
    std::fs::write(&md_path, md)?;
    Ok(format!("{} and {}", json_path.display(), md_path.display()))
}

// ---------------------------------------------------------------------------------------------
// 1. generation speed and memory

/// A spec to generate: its name, text and config.
struct Input {
    path: PathBuf,
    text: String,
    config: Config,
}

fn corpus_config(stem: &str) -> Config {
    let mut config = Config::default();
    config.package.name = Some(format!("bench_{}", stem.replace(['-', '.'], "_")));
    config.output.standalone = true;
    config.output.regen_command = "cargo xtask bench".into();
    config
}

fn load_input(path: &Path, config: Option<&Path>) -> Result<Input, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let config = match config {
        Some(c) => {
            let t = std::fs::read_to_string(c).map_err(|e| format!("cannot read {}: {e}", c.display()))?;
            Config::parse(&c.display().to_string(), &t).map_err(|e| e.to_string())?
        }
        None => corpus_config(path.file_stem().and_then(|s| s.to_str()).unwrap_or("spec")),
    };
    Ok(Input { path: path.to_owned(), text, config })
}

fn events_input() -> Result<Input, String> {
    let root = crate::root();
    let mut input = load_input(&root.join(EVENTS_SPEC), Some(&root.join(EVENTS_CONFIG)))?;
    input.config.output.standalone = true;
    input.config.output.regen_command = "cargo xtask bench".into();
    Ok(input)
}

fn corpus_input(file: &str) -> Result<Input, String> {
    load_input(&crate::root().join(CORPUS).join(file), None)
}

fn generate(input: &Input) -> Result<sdkgen::Generated, String> {
    sdkgen::generate_str(&input.path.display().to_string(), &input.text, &input.config, LowerOptions::default())
        .map_err(|e| format!("generating {} failed:\n{e}", input.path.display()))
}

struct Timing {
    median_ms: f64,
    min_ms: f64,
    max_ms: f64,
    runs: usize,
    /// CPU time (user + system, every thread) per run: what the wall time becomes when the
    /// other cores are busy. `None` where /proc is missing.
    cpu_ms: Option<f64>,
}

/// User + system CPU time of this process (all its threads, finished ones included), in ms,
/// from /proc/self/stat (10 ms ticks: use it over many runs).
fn process_cpu_ms() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which is in parentheses and may hold spaces).
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks * 10.0)
}

/// Times `generate_str` `runs` times after `warmup` untimed runs.
fn time_generation(input: &Input, warmup: usize, runs: usize) -> Result<Timing, String> {
    for _ in 0..warmup {
        std::hint::black_box(generate(input)?);
    }
    let mut ms = Vec::with_capacity(runs);
    let cpu_before = process_cpu_ms();
    for _ in 0..runs {
        let started = Instant::now();
        let generated = generate(input)?;
        ms.push(started.elapsed().as_secs_f64() * 1e3);
        drop(std::hint::black_box(generated));
    }
    let cpu_ms = cpu_before.zip(process_cpu_ms()).map(|(before, after)| (after - before) / runs as f64);
    ms.sort_by(f64::total_cmp);
    let mid = ms.len() / 2;
    let median_ms = if ms.len() % 2 == 1 { ms[mid] } else { (ms[mid - 1] + ms[mid]) / 2.0 };
    Ok(Timing { median_ms, min_ms: ms[0], max_ms: ms[ms.len() - 1], runs, cpu_ms })
}

/// Median milliseconds of each phase (load, lower, emit + format) over `runs` runs: where the
/// time of a generation goes.
fn time_phases(input: &Input, runs: usize) -> Result<[f64; 3], String> {
    let name = input.path.display().to_string();
    let mut phases: [Vec<f64>; 3] = Default::default();
    for _ in 0..runs.max(1) {
        let started = Instant::now();
        let loaded = sdkgen::load::load_str(&name, &input.text).map_err(|e| e.to_string())?;
        let loaded_at = Instant::now();
        let (api, _) =
            sdkgen::lower::lower(&loaded, &input.config, LowerOptions::default()).map_err(|e| e.to_string())?;
        let lowered_at = Instant::now();
        let files = sdkgen::emit::emit(&api)?;
        let emitted_at = Instant::now();
        std::hint::black_box(files);
        phases[0].push((loaded_at - started).as_secs_f64() * 1e3);
        phases[1].push((lowered_at - loaded_at).as_secs_f64() * 1e3);
        phases[2].push((emitted_at - lowered_at).as_secs_f64() * 1e3);
    }
    Ok(phases.map(|mut v| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    }))
}

fn phase_row(id: &'static str, label: &str, input: &Input, runs: usize) -> Result<Row, String> {
    let [load, lower, emit] = time_phases(input, runs)?;
    Ok(Row::new(id, format!("Generation phases: {label}"), "ms", load + lower + emit).note(format!(
        "load {} ms, lower {} ms, emit + format {} ms",
        num(load),
        num(lower),
        num(emit)
    )))
}

/// `SDKGEN_BENCH_ROLE=gen-rss`: generate one spec once, print the peak RSS.
fn gen_rss_child() -> ExitCode {
    let Some(path) = std::env::var_os(SPEC_ENV).map(PathBuf::from) else {
        eprintln!("{SPEC_ENV} is not set");
        return ExitCode::FAILURE;
    };
    // More than one run only to profile: `SDKGEN_BENCH_ROLE=gen-rss SDKGEN_BENCH_RUNS=20 perf record ..`
    let runs: usize = std::env::var("SDKGEN_BENCH_RUNS").ok().and_then(|r| r.parse().ok()).unwrap_or(1);
    let result = load_input(&path, None).and_then(|input| {
        let started = Instant::now();
        let mut files = 0;
        for _ in 0..runs.max(1) {
            let generated = generate(&input)?;
            files = generated.files.len();
        }
        let ms = started.elapsed().as_secs_f64() * 1e3 / runs.max(1) as f64;
        Ok((ms, files))
    });
    match result {
        Ok((ms, files)) => {
            println!("rss_kib={}", peak_rss_kib());
            println!("ms={ms}");
            println!("files={files}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}

fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// Parses `key=value` lines.
fn key_values(text: &str) -> HashMap<String, String> {
    text.lines().filter_map(|l| l.split_once('=')).map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned())).collect()
}

fn gen_rss(path: &Path) -> Result<(f64, f64), String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let output = Command::new(exe)
        .arg("bench")
        .env(ROLE_ENV, "gen-rss")
        .env(SPEC_ENV, path)
        .output()
        .map_err(|e| format!("cannot run the RSS child: {e}"))?;
    if !output.status.success() {
        return Err(format!("the RSS child failed: {}", String::from_utf8_lossy(&output.stderr)));
    }
    let kv = key_values(&String::from_utf8_lossy(&output.stdout));
    let get =
        |k: &str| kv.get(k).and_then(|v| v.parse::<f64>().ok()).ok_or_else(|| format!("no {k} from the RSS child"));
    Ok((get("rss_kib")? * 1024.0 / 1e6, get("ms")?))
}

fn generation_rows(smoke: bool, rows: &mut Vec<Row>) -> Result<(), String> {
    let (warmup, runs, runs_small) = if smoke { (1, 2, 3) } else { (3, 15, 41) };
    let events = events_input()?;
    let nexus = corpus_input(NEXUS)?;
    let full = corpus_input(FLEXPRICE_FULL)?;
    // The largest spec of the corpus, for the throughput figure.
    let largest = largest_corpus_spec()?;
    let kb = |i: &Input| i.text.len() as f64 / 1e3;

    eprintln!("generation: Events spec, {runs_small} runs");
    let t = time_generation(&events, warmup, runs_small)?;
    let spread = |t: &Timing| {
        let cpu = t.cpu_ms.map_or_else(String::new, |c| format!("; CPU {} ms per run", num(c)));
        format!("median of {}, {}–{} ms{cpu}", t.runs, num(t.min_ms), num(t.max_ms))
    };
    rows.push(
        Row::new("gen_events_ms", format!("Generation time: Events spec ({:.0} KB)", kb(&events)), "ms", t.median_ms)
            .note(spread(&t))
            .target(Target::AtMost(20.0)),
    );

    eprintln!("generation: {FLEXPRICE_FULL}, {runs} runs");
    let t_full = time_generation(&full, warmup, runs)?;
    rows.push(
        Row::new(
            "gen_flexprice_full_ms",
            format!("Generation time: {FLEXPRICE_FULL} ({:.0} KB)", kb(&full)),
            "ms",
            t_full.median_ms,
        )
        .note(spread(&t_full))
        .target(Target::AtMost(250.0)),
    );
    eprintln!("generation: peak RSS of a process generating {FLEXPRICE_FULL}");
    let (rss_mb, _) = gen_rss(&full.path)?;
    rows.push(
        Row::new(
            "gen_flexprice_full_rss_mb",
            format!("Peak RSS generating {FLEXPRICE_FULL} (own process)"),
            "MB",
            rss_mb,
        )
        .target(Target::AtMost(150.0)),
    );

    eprintln!("generation: {NEXUS}, {runs} runs");
    let t = time_generation(&nexus, warmup, runs)?;
    rows.push(
        Row::new("gen_nexus_ms", format!("Generation time: {NEXUS} ({:.0} KB)", kb(&nexus)), "ms", t.median_ms)
            .note(spread(&t))
            .target(Target::AtMost(100.0)),
    );

    rows.push(whole_process_row(&nexus, if smoke { 2 } else { 11 })?);

    let phase_runs = if smoke { 1 } else { 5 };
    rows.push(phase_row("phases_events", "Events spec", &events, phase_runs)?);
    rows.push(phase_row("phases_flexprice_full", FLEXPRICE_FULL, &full, phase_runs)?);
    rows.push(phase_row("phases_nexus", NEXUS, &nexus, phase_runs)?);

    let t_largest = if largest.path == full.path { t_full } else { time_generation(&largest, warmup, runs)? };
    let mb_per_s = largest.text.len() as f64 / 1e6 / (t_largest.median_ms / 1e3);
    let name = largest.path.file_name().map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    rows.push(
        Row::new(
            "gen_throughput_mb_s",
            format!("Generation throughput, largest corpus spec ({name})"),
            "MB/s",
            mb_per_s,
        )
        .target(Target::AtLeast(4.0)),
    );
    Ok(())
}

fn largest_corpus_spec() -> Result<Input, String> {
    let dir = crate::root().join(CORPUS);
    let mut best: Option<(u64, PathBuf)> = None;
    for entry in std::fs::read_dir(&dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))? {
        let path = entry.map_err(|e| e.to_string())?.path();
        if !matches!(path.extension().and_then(|e| e.to_str()), Some("json" | "yaml" | "yml")) {
            continue;
        }
        let len = std::fs::metadata(&path).map_err(|e| e.to_string())?.len();
        if best.as_ref().is_none_or(|(l, _)| len > *l) {
            best = Some((len, path));
        }
    }
    let (_, path) = best.ok_or_else(|| format!("no spec in {}", dir.display()))?;
    load_input(&path, None)
}

// ---------------------------------------------------------------------------------------------
// 2. cost of the generated code

struct CrateCost {
    operations: usize,
    types: usize,
    lines: usize,
    operation_lines: usize,
    model_lines: usize,
    runtime_lines: usize,
    build_s: Option<f64>,
    /// The clean build with the crate's ingestor (`--features ingestor`), for a crate with one.
    ingestor_build_s: Option<f64>,
}

/// Generates `input` into `target/bench/crates/<dir>`, counts its lines and (if `build` says how
/// many runs) times a clean build of the crate alone, its dependencies built first in
/// `target/bench/target`: the median of the runs.
fn crate_cost(input: &Input, dir: &str, build: Option<usize>) -> Result<CrateCost, String> {
    let generated = generate(input)?;
    let lines_under = |prefix: &str| -> usize {
        generated
            .files
            .iter()
            .filter(|(p, _)| p.ends_with(".rs") && p.starts_with(prefix))
            .map(|(_, c)| c.lines().count())
            .sum()
    };
    let mut cost = CrateCost {
        operations: generated.api.operations.len(),
        types: generated.api.types.len(),
        lines: lines_under(""),
        operation_lines: lines_under("src/operations"),
        model_lines: lines_under("src/models"),
        runtime_lines: lines_under("src/runtime"),
        build_s: None,
        ingestor_build_s: None,
    };
    let Some(build_runs) = build else {
        return Ok(cost);
    };
    let out = target_dir().join("bench/crates").join(dir);
    generated.files.write(&out).map_err(|e| format!("cannot write {}: {e}", out.display()))?;
    std::fs::copy(crate::root().join("Cargo.lock"), out.join("Cargo.lock")).map_err(|e| e.to_string())?;
    let package = generated.api.package.name.clone();
    let (manifest, target) = (out.join("Cargo.toml"), target_dir().join("bench/target"));
    cost.build_s = Some(clean_build_s(&manifest, &target, &package, &[], build_runs)?);
    if generated.api.has_ingestor() {
        cost.ingestor_build_s = Some(clean_build_s(
            &manifest,
            &target,
            &package,
            &["--features", sdkgen::emit::INGESTOR_FEATURE],
            build_runs,
        )?);
    }
    Ok(cost)
}

/// The clean build time of the peer generator's crate of `input` (generated into
/// `target/bench/crates/<dir>-peer`, its dependencies built first in a target folder of its
/// own), the median of `build_runs` runs as for ours, and its lines of Rust; `None` when the
/// peer is not installed.
fn peer_build_s(input: &Input, dir: &str, build_runs: usize) -> Result<Option<(f64, usize)>, String> {
    let Some(peer) = peer_exe() else {
        eprintln!("build cost: {PEER} is not installed ({PEER_INSTALL}); no side-by-side build");
        return Ok(None);
    };
    let out = target_dir().join("bench/crates").join(format!("{dir}-peer"));
    let _ = std::fs::remove_dir_all(&out);
    let package = format!("{dir}-peer");
    let status = Command::new(&peer)
        .args(["progenitor", "-i"])
        .arg(&input.path)
        .arg("-o")
        .arg(&out)
        .args(["-n", &package, "-v", "0.1.0"])
        .output()
        .map_err(|e| format!("cannot run {}: {e}", peer.display()))?;
    if !status.status.success() {
        return Err(format!("{PEER} failed on {}: {}", input.path.display(), String::from_utf8_lossy(&status.stderr)));
    }
    // A workspace of its own, so the crate does not join ours.
    let manifest = out.join("Cargo.toml");
    let mut text = std::fs::read_to_string(&manifest).map_err(|e| e.to_string())?;
    if !text.contains("[workspace]") {
        text.push_str("\n[workspace]\n");
        std::fs::write(&manifest, text).map_err(|e| e.to_string())?;
    }
    let lines: usize =
        walk_rs(&out.join("src")).iter().map(|p| std::fs::read_to_string(p).map_or(0, |t| t.lines().count())).sum();
    Ok(Some((clean_build_s(&manifest, &target_dir().join("bench/target-peer"), &package, &[], build_runs)?, lines)))
}

/// The clean build time of one crate alone: its dependencies are built first (untimed) in
/// `target`, then the crate is cleaned and built again, timed, `runs` times; the median. One
/// build on this kind of shared machine varies by a second or more from run to run, which is
/// a fifth of the Events crate's build.
fn clean_build_s(manifest: &Path, target: &Path, package: &str, features: &[&str], runs: usize) -> Result<f64, String> {
    let cargo_in = |args: &[&str]| -> Result<f64, String> {
        let started = Instant::now();
        let output = Command::new(cargo())
            .args(args)
            .args(if args[0] == "build" { features } else { &[] })
            .arg("--manifest-path")
            .arg(manifest)
            .env("CARGO_TARGET_DIR", target)
            .output()
            .map_err(|e| format!("cannot run cargo: {e}"))?;
        let seconds = started.elapsed().as_secs_f64();
        if !output.status.success() {
            let stderr = String::from_utf8_lossy(&output.stderr);
            let tail: Vec<&str> = stderr.lines().rev().take(30).collect::<Vec<_>>().into_iter().rev().collect();
            return Err(format!("`cargo {}` failed for {}:\n{}", args.join(" "), manifest.display(), tail.join("\n")));
        }
        Ok(seconds)
    };
    eprintln!("build cost: {package}: building once (dependencies)");
    let first = cargo_in(&["build", "--quiet"])?;
    eprintln!("build cost: {package}: first build, dependencies included: {first:.1} s");
    let mut times = Vec::with_capacity(runs);
    for run in 1..=runs {
        cargo_in(&["clean", "--quiet", "-p", package])?;
        let seconds = cargo_in(&["build", "--quiet"])?;
        eprintln!("build cost: {package}: clean build of the crate alone, {run} of {runs}: {seconds:.2} s");
        times.push(seconds);
    }
    times.sort_by(f64::total_cmp);
    Ok(times[times.len() / 2])
}

/// Every `.rs` file under `dir`.
fn walk_rs(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk_rs(&p));
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    out
}

fn cost_rows(smoke: bool, rows: &mut Vec<Row>) -> Result<(), String> {
    // (label, id prefix, folder, input, lines target, build-time target, build it, build the
    // peer's crate side by side). The lines targets are those of issue #12; the petstore crate
    // shows what the runtime costs a small API.
    type Case = (&'static str, [&'static str; 3], &'static str, Input, Option<f64>, Option<f64>, bool, bool);
    let cases: [Case; 4] = [
        (
            "Events SDK",
            ["loc_events", "build_events_s", "cost_events"],
            "events",
            events_input()?,
            Some(8000.0),
            Some(5.0),
            true,
            false,
        ),
        (
            "oai-petstore",
            ["loc_petstore", "build_petstore_s", "cost_petstore"],
            "oai-petstore",
            corpus_input(PETSTORE)?,
            Some(1500.0),
            None,
            false,
            false,
        ),
        (
            "oxide-nexus",
            ["loc_nexus", "build_nexus_s", "cost_nexus"],
            "oxide-nexus",
            corpus_input(NEXUS)?,
            None,
            Some(20.0),
            true,
            true,
        ),
        (
            "flexprice-2026-08",
            ["loc_flexprice_full", "build_flexprice_full_s", "cost_flexprice_full"],
            "flexprice-2026-08",
            corpus_input(FLEXPRICE_FULL)?,
            None,
            None,
            true,
            false,
        ),
    ];
    for (i, (label, ids, dir, input, lines_target, target, build, peer)) in cases.into_iter().enumerate() {
        // The smoke run builds only the Events crate, once.
        let build = build && (!smoke || i == 0);
        let build_runs = if smoke { 1 } else { 3 };
        let cost = crate_cost(&input, dir, build.then_some(build_runs))?;
        rows.push(
            Row::new(ids[0], format!("Generated crate {label}: lines of Rust"), "lines", cost.lines as f64)
                .note(format!(
                    "{} operations, {} types; {} in operations/, {} in models/, {} in runtime/",
                    cost.operations, cost.types, cost.operation_lines, cost.model_lines, cost.runtime_lines
                ))
                .target(lines_target.map_or(Target::None, Target::AtMost)),
        );
        if !build && target.is_none() {
            continue;
        }
        let figure = format!("Clean build of the {label} crate alone (debug, deps built)");
        let row = match cost.build_s {
            Some(s) => {
                let row = Row::new(ids[1], figure, "s", s);
                match peer.then(|| peer_build_s(&input, dir, build_runs)).transpose()?.flatten() {
                    // Side by side, the goal is the ratio.
                    Some((theirs, lines)) => row
                        .baseline(theirs, format!("{PEER}'s crate of the same spec, {lines} lines, same run"))
                        .target(Target::RatioAtMost(0.5)),
                    None => row.target(target.map_or(Target::None, Target::AtMost)),
                }
            }
            None => Row::skipped(ids[1], figure, "s", target.map_or(Target::None, Target::AtMost)),
        };
        rows.push(row);
        if let Some(s) = cost.ingestor_build_s {
            // The same crate with the part its default features leave out.
            rows.push(
                Row::new(
                    format!("{}_ingestor", ids[1]).leak(),
                    format!("Clean build of the {label} crate with `--features ingestor`"),
                    "s",
                    s,
                )
                .note("the background ingestor and its spool, off by default"),
            );
        }
        let per = |n: usize, d: usize| if d == 0 { 0.0 } else { n as f64 / d as f64 };
        let build_per_100 = cost.build_s.map(|s| s * 100.0 / cost.operations.max(1) as f64);
        rows.push(
            Row::new(
                ids[2],
                format!("{label}: lines per operation"),
                "lines/op",
                per(cost.operation_lines, cost.operations),
            )
            .note(format!(
                "{} lines/type; build {}",
                num(per(cost.model_lines, cost.types)),
                build_per_100.map_or_else(|| "skipped".into(), |s| format!("{} s per 100 ops", num(s)))
            )),
        );
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// 3. SDK overhead

fn overhead_rows(smoke: bool, rows: &mut Vec<Row>) -> Result<(), String> {
    let exe = target_dir().join("release").join(format!("sdk_bench{}", std::env::consts::EXE_SUFFIX));
    if !exe.exists() {
        return Err(format!("{} is missing: build it with `cargo build --release -p sdk-e2e-tests`", exe.display()));
    }
    let mut cmd = Command::new(&exe);
    cmd.arg("all");
    if smoke {
        cmd.arg("--smoke");
    }
    eprintln!("SDK overhead: {}", exe.display());
    let output = cmd.output().map_err(|e| format!("cannot run {}: {e}", exe.display()))?;
    eprint!("{}", String::from_utf8_lossy(&output.stderr));
    if !output.status.success() {
        return Err(format!("sdk_bench failed ({})", output.status));
    }
    let kv = key_values(&String::from_utf8_lossy(&output.stdout));
    let get = |k: &str| -> Result<f64, String> {
        kv.get(k).and_then(|v| v.parse::<f64>().ok()).ok_or_else(|| format!("sdk_bench did not report {k}"))
    };
    // (SDK, baseline) figures of `section.{sdk,base}.name`
    let pair = |key: &str| -> Result<(f64, f64), String> {
        let (section, name) = key.split_once('.').unwrap_or((key, ""));
        Ok((get(&format!("{section}.sdk.{name}"))?, get(&format!("{section}.base.{name}"))?))
    };
    let base = "hand-written reqwest";
    // counts print as integers ("8 tasks", "3,000 calls")
    let count = |k: &str| get(k).map(|v| if v >= 1000.0 { num(v) } else { format!("{v:.0}") });
    let (seq_calls, conc_calls, tasks, bulk_events) =
        (count("seq.calls")?, count("conc.calls")?, count("conc.tasks")?, count("bulk.events")?);

    let (ours, theirs) = pair("seq.calls_per_s")?;
    rows.push(
        Row::new(
            "seq_calls_per_s",
            format!("post_events sequential, one keep-alive connection ({} calls)", seq_calls),
            "calls/s",
            ours,
        )
        .baseline(theirs, base)
        .target(Target::RatioAtLeast(0.9)),
    );
    let (ours, theirs) = pair("seq.cpu_s")?;
    rows.push(
        Row::new("seq_cpu_s", format!("Client CPU (user+sys) for {} sequential calls", seq_calls), "s", ours)
            .baseline(theirs, base)
            .target(Target::RatioAtMost(1.2)),
    );
    let (ours, theirs) = pair("conc.calls_per_s")?;
    rows.push(
        Row::new(
            "conc_calls_per_s",
            format!("post_events, {} concurrent tasks ({} calls)", tasks, conc_calls),
            "calls/s",
            ours,
        )
        .baseline(theirs, base)
        // Issue #12's goals for concurrent calls: 0.95x the calls/s with at most 1.1x the CPU.
        .target(Target::RatioAtLeast(0.95)),
    );
    let (ours, theirs) = pair("conc.cpu_s")?;
    rows.push(
        Row::new("conc_cpu_s", format!("Client CPU for {} calls from {} tasks", conc_calls, tasks), "s", ours)
            .baseline(theirs, base)
            .target(Target::RatioAtMost(1.1)),
    );
    let (ours, theirs) = pair("bulk.events_per_s")?;
    rows.push(
        Row::new(
            "bulk_events_per_s",
            format!("ingest_events bulk helper, {} events in 1,000-event batches", bulk_events),
            "events/s",
            ours,
        )
        .baseline(theirs, "reqwest + serde_json, same batches and concurrency 4")
        .target(Target::RatioAtLeast(0.9)),
    );
    // The ingestor beside the bulk helper of the same run.
    let bulk_sdk = get("bulk.sdk.events_per_s")?;
    rows.push(
        Row::new(
            "ingestor_enqueue_ns",
            "Ingestor enqueue cost per event (try_send, no spool: key, queue, wake-up)",
            "ns/event",
            get("ingestor.mem.enqueue_ns")?,
        )
        .target(Target::AtMost(1000.0)),
    );
    rows.push(
        Row::new(
            "ingestor_events_per_s",
            format!("Ingestor end to end, {} events, default options (send each, then shutdown)", bulk_events),
            "events/s",
            get("ingestor.mem.events_per_s")?,
        )
        .baseline(bulk_sdk, "ingest_events bulk helper, same run")
        .target(Target::RatioAtLeast(0.9)),
    );
    rows.push(
        Row::new(
            "ingestor_spool_enqueue_ns",
            "Ingestor enqueue cost per event with the spool (JSON record, write, fsync per batch)",
            "ns/event",
            get("ingestor.spool.enqueue_ns")?,
        )
        .baseline(get("ingestor.mem.enqueue_ns")?, "without the spool"),
    );
    rows.push(
        Row::new(
            "ingestor_spool_events_per_s",
            format!("Ingestor end to end with the spool, {} events", bulk_events),
            "events/s",
            get("ingestor.spool.events_per_s")?,
        )
        .baseline(bulk_sdk, "ingest_events bulk helper, same run"),
    );
    let (ours, theirs) = pair("bulk.rss_mb")?;
    rows.push(
        Row::new("bulk_rss_mb", "Peak RSS of the bulk ingest process", "MiB", ours)
            .baseline(theirs, "same baseline, own process")
            .target(Target::RatioAtMost(2.0)),
    );
    let (ours, theirs) = pair("query.us_per_event")?;
    rows.push(
        Row::new(
            "query_us_per_event",
            "post_events_query returning 1,000 events: call time per event",
            "µs/event",
            ours,
        )
        .baseline(theirs, "reqwest + serde_json into the same model types"),
    );
    rows.push(
        Row::new(
            "query_decode_ns_per_event",
            "Decoding the 1,000-event page alone (serde_json into GetEventsResponse)",
            "ns/event",
            get("query.decode_ns_per_event")?,
        )
        .note(format!("{} KB body", num(get("query.body_bytes")? / 1e3))),
    );
    let (ours, theirs) = pair("ingest.body_bytes")?;
    rows.push(
        Row::new("ingest_body_bytes", "Body bytes per post_events request (server-side count)", "bytes", ours)
            .baseline(theirs, "baseline")
            .target(Target::Equal),
    );
    let (ours, theirs) = pair("ingest.header_bytes")?;
    rows.push(
        Row::new("ingest_header_bytes", "Header bytes per post_events request (server-side count)", "bytes", ours)
            .baseline(theirs, "baseline")
            .target(Target::Equal),
    );
    let (ours, theirs) = pair("bulk.body_mb")?;
    rows.push(
        Row::new("bulk_body_mb", "Body bytes sent by one bulk ingest (server-side count)", "MB", ours)
            .baseline(theirs, "baseline")
            .target(Target::Equal),
    );
    Ok(())
}

fn bench(smoke: bool) -> Result<Vec<Row>, String> {
    std::env::set_current_dir(crate::root()).map_err(|e| e.to_string())?;
    let mut rows = Vec::new();
    let started = Instant::now();
    generation_rows(smoke, &mut rows)?;
    eprintln!("[generation: {:.1} s]", started.elapsed().as_secs_f64());
    let started = Instant::now();
    cost_rows(smoke, &mut rows)?;
    eprintln!("[generated code cost: {:.1} s]", started.elapsed().as_secs_f64());
    let started = Instant::now();
    overhead_rows(smoke, &mut rows)?;
    eprintln!("[SDK overhead: {:.1} s]", started.elapsed().as_secs_f64());
    Ok(rows)
}
