//! The contract step of `cargo xtask test`: the generated SDK against Stoplight Prism.
//!
//! Prism (pinned in `tests/contract/package-lock.json`) serves a mock of
//! `spec/flexprice-events.yaml` and validates every request against it. This module installs
//! it locally (`npm ci` in `tests/contract/`, never globally), starts two Prism servers on free
//! ports of 127.0.0.1 (static examples, and `--dynamic` with a fixed seed), runs
//! `tests/tests/contract.rs` against them (`PRISM_URL`, `PRISM_DYNAMIC_URL`) and stops them.
//!
//! Prism never outlives the run:
//!
//! - a [`Prism`] guard stops the server (SIGTERM to its process group, SIGKILL after a grace
//!   period, then waits for it) when it is dropped: after the tests, when they fail, when the
//!   wait for the server fails, and on a panic;
//! - xtask installs no signal handler (no crate for it, and no `unsafe`). Instead Prism is
//!   started through `tests/contract/lifeline.cjs`, which makes it exit as soon as its stdin
//!   reaches end of file, and xtask holds the only write end of that pipe: when xtask dies for
//!   any reason (Ctrl-C, SIGTERM, even SIGKILL) the kernel closes it and Prism exits by itself,
//!   within a second (checked by hand). Prism runs in a process group of its own, so the
//!   guard can signal everything it might fork at once.
//!
//! Ctrl-C in a terminal interrupts the whole foreground group (xtask, cargo, the test binary)
//! at once, and Prism follows through the lifeline. A SIGTERM or SIGKILL sent to xtask alone
//! leaves the running `cargo test` child to finish by itself: its calls fail on the closed
//! ports within a fraction of a second, and it exits.

use std::fs::{self, File};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

use crate::root;

/// Folder of the npm project that pins Prism (relative to the workspace root).
const CONTRACT_DIR: &str = "tests/contract";
/// How long Prism may take to answer HTTP after it was started.
const READY_TIMEOUT: Duration = Duration::from_secs(60);
/// How long Prism gets to exit after SIGTERM before it is killed.
const STOP_GRACE: Duration = Duration::from_secs(5);
/// Seed of the dynamic-mode server, so its generated responses repeat from run to run
/// (Prism seeds json-schema-faker again for every response).
const DYNAMIC_SEED: &str = "flexprice-contract";
/// json-schema-faker settings of the dynamic server, added to its copy of the spec (Prism reads
/// `x-json-schema-faker` from the document root only; paths, parameters and schemas stay the
/// spec's, unchanged):
///
/// - `pruneProperties`: the schemas under the analytics response are mutually recursive (price →
///   addon → entitlements → plan → prices → ...). On them json-schema-faker 0.5.9 either builds
///   responses of tens of megabytes and runs out of memory, or fails with `TypeError: Cannot read
///   properties of undefined (reading 'items')` for most responses. Leaving out the two list
///   properties that close every cycle (`entitlements`, `prices`) makes the graph finite. The
///   other models under the analytics response are still generated; `EntitlementResponse`,
///   reached only through `entitlements`, is not.
/// - `maxItems`: lists of at most 3 items keep the bodies small.
/// - `fillProperties: false`: no properties beyond the schema's, so a test can check the decoded
///   body, serialized again, equals what Prism sent.
const FAKER_SETTINGS: &str = "
# Added by `cargo xtask test` (xtask/src/contract.rs) to this copy of the spec, for the dynamic
# Prism server only: keeps json-schema-faker away from the recursive schemas and bounds sizes.
x-json-schema-faker:
  maxItems: 3
  fillProperties: false
  pruneProperties:
    - entitlements
    - prices
";
/// Oldest Node.js major version supported.
const MIN_NODE_MAJOR: u32 = 18;
/// Threads of the test binary (the tests share nothing but the servers).
const TEST_THREADS: &str = "--test-threads=4";

const INSTALL_HINT: &str =
    "install Node.js 18+ and npm (https://nodejs.org), or run `cargo xtask test --no-contract` to skip the contract tests";

/// Runs the contract tests against Prism; `Err` says what failed.
pub(crate) fn run() -> Result<(), String> {
    let root = root();
    let dir = root.join(CONTRACT_DIR);
    check_tools()?;
    install_prism(&dir)?;

    // Compile the tests before any server starts, so a build error leaves nothing running.
    let test_args = ["test", "-p", "sdk-e2e-tests", "--test", "contract"];
    let mut build_args = test_args.to_vec();
    build_args.push("--no-run");
    if !crate::run("cargo", &build_args, &[]) {
        return Err("the contract tests do not compile".into());
    }

    let logs = root.join("target").join("contract");
    fs::create_dir_all(&logs).map_err(|e| format!("cannot create {}: {e}", logs.display()))?;
    let spec = root.join(crate::SPEC);
    let dynamic_spec = dynamic_document(&spec, &logs)?;

    eprintln!("\n==> starting Prism (logs in {})", logs.display());
    let mut servers = vec![
        Prism::start(&dir, &spec, Mode::Static, &logs.join("prism.log"))?,
        Prism::start(&dir, &dynamic_spec, Mode::Dynamic, &logs.join("prism-dynamic.log"))?,
    ];
    for server in &mut servers {
        if let Err(e) = server.wait_ready() {
            server.print_log_tail();
            return Err(e); // `servers` is dropped here: every Prism is stopped
        }
        eprintln!("    {} Prism ready at {} (log: {})", server.mode.name(), server.url(), server.log.display());
    }

    let (static_url, dynamic_url) = (servers[0].url(), servers[1].url());
    let mut args = test_args.to_vec();
    // The tests are `#[ignore]`d so that a plain `cargo test` does not count them as passed.
    args.extend(["--", "--ignored", TEST_THREADS]);
    let envs = [("PRISM_URL", static_url.as_str()), ("PRISM_DYNAMIC_URL", dynamic_url.as_str())];
    let (passed, stdout) = run_showing_stdout("cargo", &args, &envs)?;

    let mut stopped = Vec::new();
    for mut server in servers {
        if let Err(e) = server.stop() {
            stopped.push(e);
        }
        if !passed {
            server.print_log_tail();
        }
    }
    if !passed {
        return Err("the contract tests against Prism failed (Prism's logs are above)".into());
    }
    if !stopped.is_empty() {
        return Err(stopped.join("; "));
    }
    all_ran(&stdout, count_tests(&root.join(TEST_FILE))?)
}

/// The file of the contract tests (relative to the workspace root).
const TEST_FILE: &str = "tests/tests/contract.rs";

/// Runs `program` in the workspace root, echoing it; its stdout is shown as it comes and also
/// returned (stderr is the terminal's). `true` when it succeeded.
fn run_showing_stdout(program: &str, args: &[&str], envs: &[(&str, &str)]) -> Result<(bool, String), String> {
    eprintln!("\n==> {program} {}", args.join(" "));
    let mut child = Command::new(program)
        .args(args)
        .current_dir(root())
        .envs(envs.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run {program}: {e}"))?;
    let mut kept = String::new();
    if let Some(out) = child.stdout.take() {
        let mut shown = std::io::stdout();
        for line in BufReader::new(out).lines() {
            let line = line.map_err(|e| format!("cannot read the output of {program}: {e}"))?;
            let _ = writeln!(shown, "{line}");
            kept.push_str(&line);
            kept.push('\n');
        }
    }
    let status = child.wait().map_err(|e| format!("cannot wait for {program}: {e}"))?;
    Ok((status.success(), kept))
}

/// The number of tests in the Rust file at `path` (`#[test]` and `#[tokio::test]` attributes).
fn count_tests(path: &Path) -> Result<usize, String> {
    let text = fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    Ok(text.lines().map(str::trim).filter(|l| *l == "#[test]" || l.starts_with("#[tokio::test")).count())
}

/// Counts of one libtest summary line
/// (`test result: ok. 13 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; ...`).
#[derive(Debug, Default, PartialEq, Eq)]
struct Summary {
    passed: usize,
    failed: usize,
    ignored: usize,
    filtered_out: usize,
}

/// The summaries in libtest output, one per test binary run.
fn summaries(stdout: &str) -> Vec<Summary> {
    let mut out = Vec::new();
    for line in stdout.lines() {
        let Some(rest) = line.trim().strip_prefix("test result: ") else { continue };
        let mut summary = Summary::default();
        for part in rest.split(['.', ';']) {
            let mut words = part.split_whitespace();
            let (Some(n), Some(what)) = (words.next(), words.next()) else { continue };
            let Ok(n) = n.parse::<usize>() else { continue };
            match what {
                "passed" => summary.passed = n,
                "failed" => summary.failed = n,
                "ignored" => summary.ignored = n,
                "filtered" => summary.filtered_out = n,
                _ => {}
            }
        }
        out.push(summary);
    }
    out
}

/// `Ok` when libtest reports that every one of the `expected` contract tests ran and passed:
/// none ignored, none filtered out. A run that passes without running them is a failure.
fn all_ran(stdout: &str, expected: usize) -> Result<(), String> {
    let found = summaries(stdout);
    let ok =
        expected > 0 && matches!(found.as_slice(), [s] if *s == Summary { passed: expected, ..Summary::default() });
    if ok {
        eprintln!("    all {expected} contract tests ran against Prism and passed");
        return Ok(());
    }
    let reported = match found.as_slice() {
        [] => "no `test result:` line".to_owned(),
        list => list
            .iter()
            .map(|s| {
                format!(
                    "{} passed, {} failed, {} ignored, {} filtered out",
                    s.passed, s.failed, s.ignored, s.filtered_out
                )
            })
            .collect::<Vec<_>>()
            .join("; "),
    };
    Err(format!(
        "the contract tests did not all run: {TEST_FILE} has {expected} tests, and all of them must pass with \
         none ignored or filtered out, but libtest reported {reported}"
    ))
}

/// `node` (18 or newer) and `npm` must be on the PATH.
fn check_tools() -> Result<(), String> {
    let node = tool_version("node")?;
    let major = node.trim().trim_start_matches('v').split('.').next().and_then(|m| m.parse::<u32>().ok());
    match major {
        Some(major) if major >= MIN_NODE_MAJOR => {}
        _ => {
            return Err(format!(
                "the contract tests need Node.js {MIN_NODE_MAJOR}+, found `{}`: {INSTALL_HINT}",
                node.trim()
            ))
        }
    }
    tool_version("npm")?;
    Ok(())
}

fn tool_version(program: &str) -> Result<String, String> {
    let missing = |why: String| format!("the contract tests need `{program}` ({why}): {INSTALL_HINT}");
    let out =
        Command::new(program).arg("--version").stdin(Stdio::null()).output().map_err(|e| missing(e.to_string()))?;
    if !out.status.success() {
        return Err(missing(format!("`{program} --version` failed with {}", out.status)));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// `npm ci` in `tests/contract/` when Prism is missing or the lockfile changed since the last install.
fn install_prism(dir: &Path) -> Result<(), String> {
    let prism = dir.join("node_modules/.bin/prism");
    // npm writes node_modules/.package-lock.json at the end of every install.
    let installed = modified(&dir.join("node_modules/.package-lock.json"));
    let wanted =
        [modified(&dir.join("package-lock.json")), modified(&dir.join("package.json"))].into_iter().flatten().max();
    let fresh = prism.exists() && matches!((installed, wanted), (Some(i), Some(w)) if i >= w);
    if fresh {
        return Ok(());
    }
    eprintln!("\n==> npm ci --no-audit --no-fund --ignore-scripts (in {CONTRACT_DIR})");
    let status = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund", "--ignore-scripts"])
        .current_dir(dir)
        // the only install script in the tree is telemetry; keep it off even if scripts run
        .env("SCARF_ANALYTICS", "false")
        .stdin(Stdio::null())
        .status()
        .map_err(|e| format!("cannot run npm: {e}: {INSTALL_HINT}"))?;
    if !status.success() {
        return Err(format!("`npm ci` in {CONTRACT_DIR} failed ({status})"));
    }
    if !prism.exists() {
        return Err(format!("`npm ci` did not install {}", prism.display()));
    }
    Ok(())
}

/// The spec with [`FAKER_SETTINGS`], written next to the logs (the spec as it is when it
/// has faker settings of its own).
fn dynamic_document(spec: &Path, out: &Path) -> Result<PathBuf, String> {
    let text = fs::read_to_string(spec).map_err(|e| format!("cannot read {}: {e}", spec.display()))?;
    if text.lines().any(|line| line.starts_with("x-json-schema-faker:")) {
        return Ok(spec.to_path_buf());
    }
    let name = spec.file_stem().and_then(|s| s.to_str()).unwrap_or("spec");
    let path = out.join(format!("{name}.dynamic.yaml"));
    let separator = if text.ends_with('\n') { "" } else { "\n" };
    fs::write(&path, format!("{text}{separator}{FAKER_SETTINGS}"))
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(path)
}

fn modified(path: &Path) -> Option<SystemTime> {
    fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// A free TCP port of 127.0.0.1: bind port 0, read the port, release it.
fn free_port() -> Result<u16, String> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).map_err(|e| format!("cannot find a free port: {e}"))?;
    listener.local_addr().map(|a| a.port()).map_err(|e| format!("cannot find a free port: {e}"))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Responses are the spec's examples.
    Static,
    /// Responses are generated from the schemas (json-schema-faker, fixed seed).
    Dynamic,
}

impl Mode {
    fn name(self) -> &'static str {
        match self {
            Mode::Static => "static",
            Mode::Dynamic => "dynamic",
        }
    }
}

/// A running Prism server; dropping it stops the server.
struct Prism {
    mode: Mode,
    port: u16,
    log: PathBuf,
    child: Option<Child>,
}

impl Prism {
    /// Starts Prism on a free port (retrying with another port if the chosen one was taken
    /// in the meantime).
    fn start(dir: &Path, spec: &Path, mode: Mode, log: &Path) -> Result<Prism, String> {
        let mut last_error = String::new();
        for _ in 0..3 {
            let port = free_port()?;
            let mut prism = Prism::spawn(dir, spec, mode, port, log)?;
            // A port taken by someone else shows quickly as an early exit with EADDRINUSE.
            std::thread::sleep(Duration::from_millis(100));
            match prism.exited() {
                Some(status) if log_contains(log, "EADDRINUSE") => {
                    last_error = format!("port {port} was taken ({status})");
                }
                _ => return Ok(prism),
            }
            prism.stop().ok();
        }
        Err(format!("cannot start Prism: {last_error}"))
    }

    fn spawn(dir: &Path, spec: &Path, mode: Mode, port: u16, log: &Path) -> Result<Prism, String> {
        let out = File::create(log).map_err(|e| format!("cannot create {}: {e}", log.display()))?;
        let err = out.try_clone().map_err(|e| format!("cannot open {}: {e}", log.display()))?;
        let mut cmd = Command::new("node");
        cmd.arg("--require")
            .arg(dir.join("lifeline.cjs"))
            .arg(dir.join("node_modules/.bin/prism"))
            .arg("mock")
            .arg(spec)
            .args(["-h", "127.0.0.1", "-p", &port.to_string(), "--errors"]);
        if mode == Mode::Dynamic {
            cmd.args(["--dynamic", "--seed", DYNAMIC_SEED]);
        }
        cmd.current_dir(dir)
            // the lifeline: Prism exits when this pipe closes (see the module docs)
            .stdin(Stdio::piped())
            .stdout(out)
            .stderr(err)
            .env("NO_COLOR", "1")
            .env("FORCE_COLOR", "0");
        #[cfg(unix)]
        {
            use std::os::unix::process::CommandExt;
            cmd.process_group(0);
        }
        let child = cmd.spawn().map_err(|e| format!("cannot start Prism (node): {e}"))?;
        Ok(Prism { mode, port, log: log.to_path_buf(), child: Some(child) })
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The exit status, if the server has exited.
    fn exited(&mut self) -> Option<std::process::ExitStatus> {
        self.child.as_mut().and_then(|c| c.try_wait().ok().flatten())
    }

    /// Waits until the server answers HTTP, at most [`READY_TIMEOUT`].
    fn wait_ready(&mut self) -> Result<(), String> {
        let started = Instant::now();
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, self.port));
        loop {
            if let Some(status) = self.exited() {
                return Err(format!("{} Prism exited before it was ready ({status})", self.mode.name()));
            }
            if answers_http(addr) {
                return Ok(());
            }
            if started.elapsed() > READY_TIMEOUT {
                return Err(format!(
                    "{} Prism did not answer on {} within {} s",
                    self.mode.name(),
                    self.url(),
                    READY_TIMEOUT.as_secs()
                ));
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// Stops the server and its process group: SIGTERM, then SIGKILL after [`STOP_GRACE`].
    fn stop(&mut self) -> Result<(), String> {
        let Some(mut child) = self.child.take() else {
            return Ok(());
        };
        // Closing stdin alone makes Prism exit (the lifeline); the signal makes it quick.
        drop(child.stdin.take());
        if let Ok(Some(_)) = child.try_wait() {
            return Ok(());
        }
        let pid = child.id();
        signal_group(&mut child, pid, "TERM");
        let deadline = Instant::now() + STOP_GRACE;
        while Instant::now() < deadline {
            match child.try_wait() {
                Ok(Some(_)) => return Ok(()),
                Ok(None) => std::thread::sleep(Duration::from_millis(50)),
                Err(e) => return Err(format!("cannot wait for Prism (pid {pid}): {e}")),
            }
        }
        // Not reaped yet, so the group id cannot have been reused.
        signal_group(&mut child, pid, "KILL");
        child.wait().map(drop).map_err(|e| format!("cannot wait for Prism (pid {pid}): {e}"))
    }

    fn print_log_tail(&self) {
        const LINES: usize = 40;
        let text = fs::read(&self.log).map(|b| String::from_utf8_lossy(&b).into_owned()).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        let tail = &lines[lines.len().saturating_sub(LINES)..];
        let mut err = std::io::stderr().lock();
        let _ = writeln!(err, "\n---- last {} lines of {} ----", tail.len(), self.log.display());
        for line in tail {
            let _ = writeln!(err, "{line}");
        }
        let _ = writeln!(err, "---- end of {} ----", self.log.display());
    }
}

impl Drop for Prism {
    fn drop(&mut self) {
        if let Err(e) = self.stop() {
            eprintln!("warning: {e}");
        }
    }
}

/// Sends `signal` to the process group `pgid` (the group Prism leads).
#[cfg(unix)]
fn signal_group(child: &mut Child, pgid: u32, signal: &str) {
    let sent = Command::new("kill")
        .args(["-s", signal, "--", &format!("-{pgid}")])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !sent {
        // no `kill` program, or the group is gone: at least the leader
        let _ = child.kill();
    }
}

#[cfg(not(unix))]
fn signal_group(child: &mut Child, _pgid: u32, _signal: &str) {
    let _ = child.kill();
}

/// Whether something on `addr` answers an HTTP request (a CORS preflight, which Prism
/// answers without routing or validating it).
fn answers_http(addr: SocketAddr) -> bool {
    let Ok(mut stream) = TcpStream::connect_timeout(&addr, Duration::from_millis(500)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    let _ = stream.set_write_timeout(Some(Duration::from_secs(2)));
    let request = "OPTIONS /events HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: http://127.0.0.1\r\n\
                   Access-Control-Request-Method: POST\r\nConnection: close\r\n\r\n";
    if stream.write_all(request.as_bytes()).is_err() {
        return false;
    }
    let mut head = [0u8; 8];
    stream.read_exact(&mut head).is_ok() && head.starts_with(b"HTTP/1.")
}

fn log_contains(log: &Path, needle: &str) -> bool {
    fs::read_to_string(log).is_ok_and(|t| t.contains(needle))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL_RAN: &str = "running 13 tests\ntest a ... ok\n\n\
        test result: ok. 13 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 2.10s\n";

    #[test]
    fn every_test_ran_and_passed() {
        assert_eq!(all_ran(ALL_RAN, 13), Ok(()));
    }

    #[test]
    fn ignored_or_filtered_or_missing_tests_fail() {
        let ignored = "test result: ok. 0 passed; 0 failed; 13 ignored; 0 measured; 0 filtered out; finished in 0.00s";
        assert!(all_ran(ignored, 13).unwrap_err().contains("0 passed, 0 failed, 13 ignored"));
        let some = "test result: ok. 12 passed; 0 failed; 1 ignored; 0 measured; 0 filtered out";
        assert!(all_ran(some, 13).is_err());
        let filtered = "test result: ok. 13 passed; 0 failed; 0 ignored; 0 measured; 2 filtered out";
        assert!(all_ran(filtered, 13).is_err());
        assert!(all_ran(ALL_RAN, 14).is_err(), "a test added to the file but not run");
        assert!(all_ran("", 13).unwrap_err().contains("no `test result:` line"));
        assert!(all_ran(&format!("{ALL_RAN}{ALL_RAN}"), 13).is_err(), "one test binary, one summary");
        assert!(all_ran("test result: ok. 0 passed; 0 failed; 0 ignored", 0).is_err());
    }

    #[test]
    fn counts_the_contract_tests() {
        let n = count_tests(&root().join(TEST_FILE)).unwrap();
        assert!(n >= 13, "{TEST_FILE} has {n} tests");
    }
}
