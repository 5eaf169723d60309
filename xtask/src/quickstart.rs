//! `cargo xtask quickstart`: the SDK's README quick start, copied into a fresh binary crate as a
//! new user would, pointed at a local stand-in server and run three times. Each run must send
//! one event, and the three events must carry three distinct idempotency keys (a copied snippet
//! that fixed the key would make the server drop two of them).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::Command;
use std::sync::mpsc;
use std::time::Duration;

/// Runs the check; `Err` says what went wrong.
pub(crate) fn run() -> Result<(), String> {
    let root = crate::root();
    let readme = std::fs::read_to_string(root.join("generated-sdk/README.md")).map_err(|e| format!("README: {e}"))?;
    let snippet = quick_start(&readme).ok_or("the SDK README has no Rust block under `## Quick start`")?;
    // What a user does to point the copied code at a local server instead of FlexPrice.
    let pointed = snippet.replace(".server(Server::Us)", ".server_url(std::env::var(\"FLEXPRICE_SERVER_URL\")?)");
    if pointed == snippet {
        return Err("the quick start no longer chooses `Server::Us`; update this check".into());
    }
    let pointed = pointed.replace("use flexprice::{Client, Server};", "use flexprice::Client;");

    let dir = root.join("target/quickstart");
    std::fs::create_dir_all(dir.join("src")).map_err(|e| format!("{}: {e}", dir.display()))?;
    let manifest = format!(
        "[package]\nname = \"quickstart\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n\
         [dependencies]\nflexprice = {{ path = {:?} }}\ntokio = {{ version = \"1\", features = [\"macros\", \"rt-multi-thread\"] }}\n\n\
         [workspace]\n",
        root.join("generated-sdk").display().to_string()
    );
    write(&dir.join("Cargo.toml"), &manifest)?;
    write(&dir.join("src/main.rs"), &pointed)?;
    // The workspace's lock file and target folder: the same dependency versions, built once.
    std::fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock")).map_err(|e| format!("Cargo.lock: {e}"))?;
    eprintln!("\n==> cargo build (the README quick start as a fresh binary crate in {})", dir.display());
    let status = Command::new("cargo")
        .args(["build", "--quiet", "--manifest-path"])
        .arg(dir.join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", root.join("target"))
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !status.success() {
        return Err("the README quick start does not build as a fresh crate".into());
    }

    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| format!("cannot listen: {e}"))?;
    let url = format!("http://{}", listener.local_addr().map_err(|e| e.to_string())?);
    let (sent, bodies) = mpsc::channel();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(3).flatten() {
            if let Some(body) = answer(stream) {
                let _ = sent.send(body);
            }
        }
    });
    let binary = root.join("target/debug/quickstart");
    let mut ids = Vec::new();
    for run in 1..=3 {
        let output = Command::new(&binary)
            .env("FLEXPRICE_SERVER_URL", &url)
            .env("FLEXPRICE_API_KEY", "test-key")
            .output()
            .map_err(|e| format!("cannot run {}: {e}", binary.display()))?;
        if !output.status.success() {
            return Err(format!(
                "run {run} of the quick start failed: {}",
                String::from_utf8_lossy(&output.stderr).trim()
            ));
        }
        let body = bodies.recv_timeout(Duration::from_secs(10)).map_err(|_| format!("run {run} sent no event"))?;
        let event: serde_json::Value =
            serde_json::from_slice(&body).map_err(|e| format!("run {run} sent a body that is not JSON: {e}"))?;
        let id = event["event_id"].as_str().unwrap_or_default().to_owned();
        if id.is_empty() {
            return Err(format!("run {run} sent an event without event_id: {event}"));
        }
        ids.push(id);
    }
    let mut distinct = ids.clone();
    distinct.sort();
    distinct.dedup();
    if distinct.len() != 3 {
        return Err(format!("the three runs sent the idempotency keys {ids:?}: the server would drop duplicates"));
    }
    eprintln!("quick start: 3 runs, 3 events, 3 distinct event ids {ids:?}");
    Ok(())
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}

/// The first ```` ```rust ```` block after `## Quick start`.
fn quick_start(readme: &str) -> Option<String> {
    let section = &readme[readme.find("## Quick start")?..];
    let start = section.find("```rust")?;
    let code = &section[start..];
    let code = &code[code.find('\n')? + 1..];
    Some(code[..code.find("\n```")? + 1].to_owned())
}

/// Reads one HTTP request from `stream`, answers 202 with a JSON object, and returns the body.
fn answer(stream: TcpStream) -> Option<Vec<u8>> {
    stream.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    let mut reader = BufReader::new(stream.try_clone().ok()?);
    let mut length = 0usize;
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).ok()?;
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().ok()?;
            }
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    let reply = "{\"message\":\"Event accepted for processing\"}";
    let mut stream = stream;
    let head = format!(
        "HTTP/1.1 202 Accepted\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        reply.len()
    );
    stream.write_all(head.as_bytes()).ok()?;
    stream.write_all(reply.as_bytes()).ok()?;
    Some(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_quick_start_block_is_found() {
        let readme = "# X\n\n## Quick start\n\nText.\n\n```rust,no_run\nfn main() {}\n```\n\n## Next\n";
        assert_eq!(quick_start(readme).as_deref(), Some("fn main() {}\n"));
        assert_eq!(quick_start("## Other\n```rust\nx\n```\n"), None);
    }
}
