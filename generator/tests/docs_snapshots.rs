//! Snapshot tests of the docs and examples emitters on small fixture specs
//! (`tests/fixtures/docs/`): the crate README, the Markdown reference (a page per tag and per
//! model), the doctest wiring of `src/lib.rs`, and `examples/`. Review changes with
//! `cargo insta review` (or read the `.snap.new` files).
//!
//! Compiling the snippets is the generated crate's job (`cargo test --doc`); here every Rust
//! snippet must at least parse, and the examples must already be formatted as rustfmt would.

use std::path::Path;
use std::process::Command;

use sdkgen::config::Config;
use sdkgen::lower::LowerOptions;

const FIXTURES: &[&str] = &["pets", "odd_examples", "limits_bulk", "pages"];

fn fixture(name: &str) -> sdkgen::Generated {
    let dir = format!("{}/tests/fixtures/docs", env!("CARGO_MANIFEST_DIR"));
    let spec = format!("{dir}/{name}.yaml");
    let text = std::fs::read_to_string(&spec).unwrap_or_else(|e| panic!("{spec}: {e}"));
    let config_path = format!("{dir}/{name}.toml");
    let mut config = match std::fs::read_to_string(&config_path) {
        Ok(toml) => Config::parse(&config_path, &toml).unwrap_or_else(|e| panic!("{e}")),
        Err(_) => Config::default(),
    };
    config.package.name = Some(format!("docs_{name}"));
    sdkgen::generate_str(&format!("{name}.yaml"), &text, &config, LowerOptions::default())
        .unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn events() -> sdkgen::Generated {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    sdkgen::generate_file(
        Path::new(&format!("{root}/spec/flexprice-events.yaml")),
        Some(Path::new(&format!("{root}/spec/generator.toml"))),
        LowerOptions::default(),
    )
    .unwrap()
}

/// The files whose path passes `keep`, one after the other, each under its path.
fn files(g: &sdkgen::Generated, keep: impl Fn(&str) -> bool) -> String {
    let mut out = String::new();
    for (path, contents) in g.files.iter() {
        if keep(path) {
            out.push_str(&format!("==> {path}\n{contents}\n"));
        }
    }
    out
}

/// The part of `src/lib.rs` that wires the Markdown files into doctests.
fn doctest_wiring(g: &sdkgen::Generated) -> String {
    let lib = g.files.get("src/lib.rs").expect("src/lib.rs is generated");
    let start = lib.find("#[cfg(doctest)]").expect("lib.rs wires the Markdown docs into doctests");
    lib[start..].to_owned()
}

macro_rules! docs_test {
    ($name:ident) => {
        #[test]
        fn $name() {
            let g = fixture(stringify!($name));
            insta::assert_snapshot!(concat!(stringify!($name), "_readme"), files(&g, |p| p == "README.md"));
            insta::assert_snapshot!(
                concat!(stringify!($name), "_operations"),
                files(&g, |p| p.starts_with("docs/sdks/"))
            );
            insta::assert_snapshot!(
                concat!(stringify!($name), "_models"),
                files(&g, |p| p.starts_with("docs/models/") || p == "docs/README.md")
            );
            insta::assert_snapshot!(concat!(stringify!($name), "_examples"), files(&g, |p| p.starts_with("examples/")));
            insta::assert_snapshot!(concat!(stringify!($name), "_doctests"), doctest_wiring(&g));
        }
    };
}

docs_test!(pets);
docs_test!(odd_examples);
docs_test!(limits_bulk);
docs_test!(pages);

/// The ```` ```rust ```` blocks of a Markdown text, hidden (`# `) lines shown, with their info string.
fn rust_blocks(path: &str, markdown: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut current: Option<(String, String)> = None;
    for line in markdown.lines() {
        match &mut current {
            None => {
                if let Some(info) = line.strip_prefix("```") {
                    // rustdoc compiles a fence without a language as Rust; Markdown files name
                    // the language anyway, for other renderers.
                    assert!(!info.is_empty() || !path.ends_with(".md"), "{path}: a fence without a language");
                    if info.is_empty() || info.starts_with("rust") {
                        current = Some((info.to_owned(), String::new()));
                    } else {
                        current = Some(("other".to_owned(), String::new()));
                    }
                }
            }
            Some((info, code)) => {
                if line == "```" {
                    if info != "other" {
                        out.push((info.clone(), code.clone()));
                    }
                    current = None;
                } else {
                    let shown = if line == "#" { "" } else { line.strip_prefix("# ").unwrap_or(line) };
                    code.push_str(shown);
                    code.push('\n');
                }
            }
        }
    }
    assert!(current.is_none(), "{path}: unclosed code block");
    out
}

fn check_snippets_parse(g: &sdkgen::Generated) -> usize {
    let mut count = 0;
    for (path, contents) in g.files.iter() {
        let text = if path.ends_with(".md") {
            contents.to_owned()
        } else if path == "src/lib.rs" {
            contents.lines().filter_map(|l| l.strip_prefix("//!")).map(|l| l.strip_prefix(' ').unwrap_or(l)).fold(
                String::new(),
                |mut acc, l| {
                    acc.push_str(l);
                    acc.push('\n');
                    acc
                },
            )
        } else {
            continue;
        };
        for (info, code) in rust_blocks(path, &text) {
            count += 1;
            let parsed = if code.contains("fn main") {
                syn::parse_str::<syn::File>(&code).map(|_| ())
            } else {
                syn::parse_str::<syn::Block>(&format!("{{\n{code}\n}}")).map(|_| ())
            };
            if let Err(e) = parsed {
                panic!("{path}: a ```{info} block does not parse: {e}\n{code}");
            }
        }
    }
    count
}

#[test]
fn every_rust_snippet_parses() {
    for name in FIXTURES {
        assert!(check_snippets_parse(&fixture(name)) > 0, "{name} has snippets");
    }
    assert!(check_snippets_parse(&events()) > 20);
}

#[test]
fn every_markdown_file_is_a_doctest() {
    for g in FIXTURES.iter().map(|n| fixture(n)).chain([events()]) {
        let lib = g.files.get("src/lib.rs").unwrap();
        for (path, contents) in g.files.iter() {
            if path.ends_with(".md") && contents.contains("```rust") {
                assert!(
                    lib.contains(&format!("include_str!(\"../{path}\")")),
                    "{path} has Rust snippets but src/lib.rs does not include it"
                );
            }
        }
    }
}

#[test]
fn example_values_are_escaped_rust_literals() {
    let g = fixture("odd_examples");
    let page = g.files.get("docs/models/event.md").unwrap();
    // The keys of the spec's example, `"response_status"` and `{"request_size"`, as literals.
    assert!(page.contains(r#"("\"response_status\"", "200}")"#), "{page}");
    assert!(page.contains(r#"("{\"request_size\"", "100")"#), "{page}");
    assert!(page.contains(r#"("back\\slash", "line\nbreak")"#), "{page}");
    assert!(page.contains(r##"("\"#raw", "#\"")"##), "{page}");
    let events = events();
    let page = events.files.get("docs/models/ingest_event_request.md").unwrap();
    assert!(page.contains(r#".with_properties([("request_size", "100"), ("response_status", "200")])"#), "{page}");
}

/// Code copied from the docs must not send a fixed idempotency key (the server would drop every
/// event but the first) or a fixed time (usage billed to the wrong period).
#[test]
fn snippets_send_no_fixed_idempotency_key_or_time() {
    let g = events();
    let mut checked = 0;
    for (path, text) in g.files.iter() {
        let copied = path.ends_with(".md") || path.starts_with("examples/") || path == "src/lib.rs";
        if !copied {
            continue;
        }
        checked += 1;
        assert!(!text.contains(".with_event_id("), "{path} sets a fixed event_id");
        for setter in [".with_timestamp(\"", ".with_start_time(\"", ".with_end_time(\"", "with_timestamp(\"20"] {
            assert!(!text.contains(setter), "{path} sets a fixed time: {setter}");
        }
    }
    assert!(checked > 70, "only {checked} files checked");
    let quick_start = g.files.get("README.md").unwrap();
    assert!(quick_start.contains("let now = flexprice::chrono::Utc::now();"), "{quick_start}");
    assert!(quick_start.contains("`event_id` is left to the SDK"), "{quick_start}");
}

#[test]
fn every_operation_has_an_example_with_the_header() {
    for g in FIXTURES.iter().map(|n| fixture(n)).chain([events()]) {
        for op in &g.api.operations {
            let path = format!("examples/{}.rs", op.rust_name);
            let text = g.files.get(&path).unwrap_or_else(|| panic!("{path} is generated"));
            assert!(text.starts_with("// @generated by openapi-sdkgen"), "{path}");
            assert!(text.contains("Client::from_env()?"), "{path}");
            assert!(text.contains("#[tokio::main]"), "{path}");
        }
    }
}

/// The examples are what rustfmt makes of them, so `cargo fmt --check` passes on the crate.
#[test]
fn examples_are_formatted() {
    let rustfmt = std::env::var("RUSTFMT").unwrap_or_else(|_| "rustfmt".to_owned());
    if Command::new(&rustfmt).arg("--version").output().map(|o| !o.status.success()).unwrap_or(true) {
        eprintln!("examples_are_formatted skipped: rustfmt is not installed");
        return;
    }
    let config = concat!(env!("CARGO_MANIFEST_DIR"), "/../rustfmt.toml");
    let dir = tempfile::tempdir().unwrap();
    let mut paths = Vec::new();
    for (i, g) in FIXTURES.iter().map(|n| fixture(n)).chain([events()]).enumerate() {
        for (path, contents) in g.files.iter() {
            if path.starts_with("examples/") {
                let file = dir.path().join(format!("{i}_{}", path.trim_start_matches("examples/")));
                std::fs::write(&file, contents).unwrap();
                paths.push(file);
            }
        }
    }
    let out = Command::new(&rustfmt)
        .args(["--check", "--edition", "2021", "--config-path", config])
        .args(&paths)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "generated examples are not rustfmt-clean:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
