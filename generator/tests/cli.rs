//! The installed command line: `generate` (with selection), `check` and `diff`, their exit
//! codes, and bad input leaving the disk untouched.

use std::path::Path;
use std::process::{Command, Output};

const SPEC: &str = r##"
openapi: 3.0.3
info: {title: Shop, version: "1"}
paths:
  /pets:
    get:
      tags: [Pets]
      operationId: listPets
      responses:
        "200": {description: ok, content: {application/json: {schema: {type: array, items: {$ref: "#/components/schemas/Pet"}}}}}
  /orders:
    post:
      tags: [Orders]
      operationId: createOrder
      requestBody: {required: true, content: {application/json: {schema: {$ref: "#/components/schemas/Order"}}}}
      responses: {"201": {description: ok}}
components:
  schemas:
    Pet: {type: object, properties: {name: {type: string}}}
    Order: {type: object, properties: {sku: {type: string}}}
"##;

fn sdkgen(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_openapi-sdkgen")).args(args).current_dir(dir).output().unwrap()
}

fn text(o: &Output) -> (String, String) {
    (String::from_utf8_lossy(&o.stdout).into_owned(), String::from_utf8_lossy(&o.stderr).into_owned())
}

#[test]
fn generate_a_tag_then_check() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("shop.yaml"), SPEC).unwrap();
    let args =
        ["generate", "--spec", "shop.yaml", "--out", "pets-sdk", "--include-tag", "Pets", "--crate-name", "pets"];
    let o = sdkgen(&args, dir.path());
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}{err}");
    assert!(out.contains("crate `pets`, 1 operation, 1 type"), "{out}");
    let lib = std::fs::read_to_string(dir.path().join("pets-sdk/src/lib.rs")).unwrap();
    assert!(
        lib.contains(
            "Regenerate with `openapi-sdkgen generate --spec shop.yaml --out pets-sdk --crate-name pets --include-tag Pets`"
        ),
        "the header names the command that made the file:\n{}",
        &lib[..400.min(lib.len())]
    );
    assert!(dir.path().join("pets-sdk/src/models/pet.rs").exists());
    assert!(!dir.path().join("pets-sdk/src/models/order.rs").exists(), "Order is not reachable from Pets");

    let mut check = args;
    check[0] = "check";
    let o = sdkgen(&check, dir.path());
    assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));

    std::fs::write(dir.path().join("pets-sdk/src/models/pet.rs"), "// edited by hand\n").unwrap();
    let o = sdkgen(&check, dir.path());
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}{err}");
    assert!(out.contains("-// edited by hand") && out.contains("+++ b/src/models/pet.rs"), "{out}");
    assert!(err.contains("differs from what `openapi-sdkgen generate"), "{err}");
}

#[test]
fn bad_input_exits_1_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("shop.yaml"), SPEC).unwrap();
    std::fs::write(dir.path().join("bad.toml"), "[pins.operations]\n\"GET /pets\" = \"List-Pets\"\n").unwrap();
    let cases: &[(&[&str], &str)] = &[
        (&["generate", "--spec", "shop.yaml", "--out", "o", "--include-tag", "Nope"], "keeps no operation"),
        (
            &["generate", "--spec", "shop.yaml", "--out", "o", "--config", "bad.toml"],
            "not a snake_case Rust identifier",
        ),
        (&["generate", "--spec", "missing.yaml", "--out", "o"], "cannot read the spec"),
        (&["generate", "--spec", "shop.yaml", "--out", "o", "--bogus"], "--bogus"),
        (&["generate", "--out", "o"], "--spec"),
        (&["diff", "shop.yaml"], "<NEW>"),
        (&["frobnicate"], "frobnicate"),
    ];
    for (args, expected) in cases {
        let o = sdkgen(args, dir.path());
        let (out, err) = text(&o);
        assert_eq!(o.status.code(), Some(1), "{args:?}: {out}{err}");
        assert!(err.contains(expected), "{args:?}: stderr should mention `{expected}`:\n{err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert!(!dir.path().join("o").exists(), "{args:?}: nothing written");
    }
    let o = sdkgen(&["--help"], dir.path());
    assert_eq!(o.status.code(), Some(0));
    assert!(text(&o).0.contains("generate") && text(&o).0.contains("diff"));
}

#[test]
fn diff_reports_in_markdown_and_json() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("v1.yaml"), SPEC).unwrap();
    let v2 = SPEC
        .replace(
            "Pet: {type: object, properties: {name: {type: string}}}",
            "Pet: {type: object, required: [name, age], properties: {name: {type: string}, age: {type: integer}}}",
        )
        .replace("operationId: createOrder", "operationId: placeOrder");
    std::fs::write(dir.path().join("v2.yaml"), v2).unwrap();
    std::fs::write(
        dir.path().join("gen.toml"),
        "[package]\nversion = \"1.2.0\"\n[pins.operations]\n\"POST /orders\" = \"create_order\"\n",
    )
    .unwrap();

    let o = sdkgen(&["diff", "v1.yaml", "v2.yaml", "--config", "gen.toml", "--include-tag", "Pets"], dir.path());
    let (md, err) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{md}{err}");
    assert!(md.starts_with("## API changes: `v1.yaml` -> `v2.yaml`\n\n2 breaking, 0 compatible change(s): a major version step (1.2.0 -> 2.0.0)."), "{md}");
    assert!(md.contains("- `models::Pet::age`: new required field `age`"), "{md}");
    assert!(md.contains("- `models::Pet::name`: is now required"), "{md}");

    // The pin keeps `create_order` although the operationId changed; without it, a rename.
    let o = sdkgen(
        &["diff", "v1.yaml", "v2.yaml", "--config", "gen.toml", "--format", "json", "--include-path", "/orders"],
        dir.path(),
    );
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(json["changes"], serde_json::json!([]), "{json}");
    assert_eq!(json["bump"], "none");
    let o = sdkgen(
        &["diff", "v1.yaml", "v2.yaml", "--format", "json", "--include-path", "/orders", "--fail-on-breaking"],
        dir.path(),
    );
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(json["changes"][0]["kind"], "operation_renamed", "{json}");
    assert_eq!(json["changes"][0]["class"], "breaking");
    assert_eq!(o.status.code(), Some(2), "--fail-on-breaking exits 2 on a breaking change");
}

#[test]
fn a_crate_name_that_is_no_identifier_is_refused_naming_the_flag() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("shop.yaml"), SPEC).unwrap();
    for (name, expected) in [("my-api", "(such as `my_api`)"), ("core", "built-in crate")] {
        let o = sdkgen(&["generate", "--spec", "shop.yaml", "--out", "sdk", "--crate-name", name], dir.path());
        let (out, err) = text(&o);
        assert_eq!(o.status.code(), Some(1), "{out}{err}");
        assert!(err.contains(&format!("error: --crate-name: `{name}` cannot name the crate")), "{err}");
        assert!(err.contains(expected) && err.contains("nothing was written"), "{err}");
        assert!(!dir.path().join("sdk").exists());
    }
}

#[test]
fn a_folder_of_someone_elses_files_is_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("shop.yaml"), SPEC).unwrap();
    std::fs::create_dir(dir.path().join("mine")).unwrap();
    std::fs::write(dir.path().join("mine/Cargo.toml"), "[package]\nname = \"mine\"\n").unwrap();
    let o = sdkgen(&["generate", "--spec", "shop.yaml", "--out", "mine"], dir.path());
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}{err}");
    assert!(err.contains("files the generator did not write (Cargo.toml)"), "{err}");
    assert_eq!(std::fs::read_to_string(dir.path().join("mine/Cargo.toml")).unwrap(), "[package]\nname = \"mine\"\n");
    assert!(!dir.path().join("mine/src").exists());
}
