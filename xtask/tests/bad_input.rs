//! Bad input gets a clear error naming the file and the JSON pointer, a non-zero exit, no
//! panic, and leaves the output folder exactly as it was.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

const GOOD: &str = r##"
openapi: 3.0.3
info: {title: Good, version: "1"}
paths:
  /events/bulk:
    post:
      requestBody:
        content:
          application/json:
            schema: {$ref: "#/components/schemas/Batch"}
      responses: {"202": {description: ok}}
components:
  schemas:
    Batch: {type: object, properties: {n: {type: integer}}}
"##;

fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.insert(path.strip_prefix(dir).unwrap().display().to_string(), std::fs::read(&path).unwrap());
            }
        }
    }
    out
}

fn generate(spec: &Path, out: &Path) -> (i32, String) {
    generate_with(spec, out, &[])
}

fn generate_with(spec: &Path, out: &Path, extra: &[&str]) -> (i32, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["generate", "--spec"])
        .arg(spec)
        .arg("--out")
        .arg(out)
        .args(extra)
        .output()
        .unwrap();
    (output.status.code().unwrap_or(-1), String::from_utf8_lossy(&output.stderr).into_owned())
}

fn check_rejected(name: &str, spec_text: &str, expected: &[&str]) {
    check_rejected_with(name, spec_text, expected, &[]);
}

/// A construct the generator degrades (typed as any JSON value, with a warning naming its
/// pointer): generation succeeds and says so; under `--strict` it is refused like an error.
fn check_degraded(name: &str, spec_text: &str, expected: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join(format!("{name}.yaml"));
    std::fs::write(&bad, spec_text).unwrap();
    let out = dir.path().join("out");
    let (code, stderr) = generate(&bad, &out);
    assert_eq!(code, 0, "{name}: one bad schema does not cost the document; stderr:\n{stderr}");
    for e in expected {
        assert!(stderr.contains(e), "{name}: the warning mentions `{e}`:\n{stderr}");
    }
    assert!(stderr.contains("warning"), "{name}: reported as a warning:\n{stderr}");
    assert!(out.join("src/lib.rs").is_file(), "{name}: the crate is written");
    // The same warning, refused: the message still says how it would have been approximated,
    // so it says why it is an error.
    let mut refused = expected.to_vec();
    refused.push("(a warning, refused under --strict)");
    check_rejected_with(name, spec_text, &refused, &["--strict"]);
}

fn check_rejected_with(name: &str, spec_text: &str, expected: &[&str], extra: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.yaml");
    std::fs::write(&good, GOOD).unwrap();
    let out = dir.path().join("out");
    assert_eq!(generate(&good, &out).0, 0, "the good spec generates");
    let before = snapshot(&out);
    assert!(before.contains_key("src/lib.rs"));

    let bad = dir.path().join(format!("{name}.yaml"));
    std::fs::write(&bad, spec_text).unwrap();
    let (code, stderr) = generate_with(&bad, &out, extra);
    assert_eq!(code, 1, "{name}: exit code 1 (no panic, which would be 101); stderr:\n{stderr}");
    assert!(stderr.contains(&format!("{name}.yaml")), "{name}: the error names the file:\n{stderr}");
    for e in expected {
        assert!(stderr.contains(e), "{name}: the error mentions `{e}`:\n{stderr}");
    }
    assert!(!stderr.contains("panicked"), "{name}: no panic:\n{stderr}");
    assert_eq!(snapshot(&out), before, "{name}: the output folder is left exactly as it was");
}

#[test]
fn yaml_syntax_error() {
    check_rejected("syntax", "openapi: 3.0.3\ninfo: {title: t\npaths: {}\n", &["invalid YAML", "line"]);
}

#[test]
fn unresolved_ref() {
    let spec = GOOD.replace("#/components/schemas/Batch\"", "#/components/schemas/Missing\"");
    check_degraded(
        "unresolved",
        &spec,
        &["#/paths/~1events~1bulk/post/requestBody/content/application~1json/schema/$ref", "Missing"],
    );
}

#[test]
fn wrong_type_where_a_schema_is_expected() {
    let spec = GOOD.replace("schema: {$ref: \"#/components/schemas/Batch\"}", "schema: 42");
    check_degraded("wrongtype", &spec, &["#/paths/~1events~1bulk/post/requestBody/content/application~1json/schema"]);
}

#[test]
fn unsupported_construct() {
    let spec = GOOD.replace("#/components/schemas/Batch\"", "other.yaml#/Batch\"");
    check_degraded("external", &spec, &["external reference", "#/paths/~1events~1bulk/post/requestBody"]);
}

#[test]
fn not_an_openapi_document() {
    check_rejected("notopenapi", "title: a shopping list\nitems: [milk, eggs]\n", &["not an OpenAPI document"]);
}

#[test]
fn config_naming_a_missing_operation() {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("s.yaml");
    std::fs::write(&spec, GOOD).unwrap();
    let config = dir.path().join("c.toml");
    std::fs::write(&config, "[bulk.send_all]\noperation = \"nope\"\nitems = \"n\"\n").unwrap();
    let out = dir.path().join("out");
    let output = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["generate", "--spec"])
        .arg(&spec)
        .arg("--out")
        .arg(&out)
        .arg("--config")
        .arg(&config)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("bulk.send_all") && stderr.contains("`nope` does not exist"), "{stderr}");
    assert!(!out.exists(), "nothing written");
}
