//! Regeneration as a release step: the spec hash and generator version are recorded, a spec
//! change prepends its report to CHANGELOG.md and steps the version by the implied bump, and
//! running again with no change changes nothing.

use std::path::Path;

use sdkgen::config::Config;
use sdkgen::lower::LowerOptions;

const V1: &str = r##"
openapi: 3.0.3
info: {title: Shop, version: "1"}
paths:
  /orders:
    post:
      description: Places an order.
      requestBody: {required: true, content: {application/json: {schema: {$ref: "#/components/schemas/Order"}}}}
      responses: {"201": {description: ok}}
components:
  schemas:
    Order: {type: object, required: [sku], properties: {sku: {type: string}}}
"##;

fn regen(spec: &str, out: &Path, config: &Config) -> (sdkgen::release::Release, Vec<String>) {
    let release = sdkgen::release::regenerate("api/shop.yaml", spec, config, out, LowerOptions::default())
        .unwrap_or_else(|e| panic!("{e}"));
    let written = release.generated.files.write(out).unwrap().written;
    (release, written)
}

fn read(out: &Path, file: &str) -> String {
    std::fs::read_to_string(out.join(file)).unwrap()
}

fn config() -> Config {
    let mut c = Config::default();
    c.package.name = Some("shop".into());
    c
}

#[test]
fn spec_changes_step_the_version_and_prepend_the_report() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path();
    let (first, _) = regen(V1, out, &config());
    assert_eq!(first.version, "0.1.0");
    assert!(first.report.is_none());
    let manifest = read(out, "Cargo.toml");
    assert!(manifest.contains(&format!("spec-sha256 = \"{}\"", sdkgen::sha256_hex(V1))), "{manifest}");
    assert!(manifest.contains(&format!("generator-version = \"{}\"", sdkgen::GENERATOR_VERSION)), "{manifest}");
    assert_eq!(read(out, "spec/shop.yaml"), V1, "the crate keeps the spec it was made from");
    assert!(read(out, "CHANGELOG.md").contains("## 0.1.0\n"));

    // No change: nothing written, byte for byte the same.
    let (again, written) = regen(V1, out, &config());
    assert!(written.is_empty(), "{written:?}");
    assert!(again.generated.files.check(out).unwrap().is_clean());

    // A new optional field: compatible, a patch step below 1.0.
    let v2 = V1.replace("properties: {sku: {type: string}}", "properties: {sku: {type: string}, note: {type: string}}");
    let (second, written) = regen(&v2, out, &config());
    assert_eq!(second.version, "0.1.1");
    assert!(written.contains(&"CHANGELOG.md".to_owned()) && written.contains(&"Cargo.toml".to_owned()));
    assert!(read(out, "Cargo.toml").contains("version = \"0.1.1\""));
    let log = read(out, "CHANGELOG.md");
    let (newest, oldest) = (log.find("## 0.1.1").unwrap(), log.find("## 0.1.0").unwrap());
    assert!(newest < oldest, "newest first:\n{log}");
    assert!(log.contains("- `models::Order::note`: new optional field `note`"), "{log}");
    let (_, written) = regen(&v2, out, &config());
    assert!(written.is_empty(), "idempotent after a change too: {written:?}");

    // A new required field: breaking, a minor step below 1.0.
    let v3 = v2
        .replace("required: [sku]", "required: [sku, qty]")
        .replace("note: {type: string}}", "note: {type: string}, qty: {type: integer}}");
    let (third, _) = regen(&v3, out, &config());
    assert_eq!(third.version, "0.2.0");
    assert!(third.report.as_ref().unwrap().breaking == 1);
    let log = read(out, "CHANGELOG.md");
    assert!(log.contains("## 0.2.0\n\nGenerated from `shop.yaml`"), "{log}");
    assert!(log.contains("### Breaking changes\n\n- `models::Order::qty`: new required field"), "{log}");

    // Prose only: no API change, still a patch step (the docs changed).
    let v4 = v3.replace("Places an order.", "Places one order.");
    let (fourth, _) = regen(&v4, out, &config());
    assert_eq!(fourth.version, "0.2.1");
    assert!(read(out, "CHANGELOG.md").contains("## 0.2.1\n\nGenerated from `shop.yaml`"));
    assert!(read(out, "CHANGELOG.md").contains("No change to the generated API"));
    assert_eq!(read(out, "CHANGELOG.md").matches("\n## ").count(), 4, "four entries");

    // A maintainer raising the config's version wins over the recorded one.
    let mut raised = config();
    raised.package.version = "1.0.0".into();
    let (fifth, _) = regen(&v4, out, &raised);
    assert_eq!(fifth.version, "1.0.0");
}

#[test]
fn a_spec_that_cannot_be_compared_steps_as_breaking() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path();
    regen(V1, out, &config());
    std::fs::remove_file(out.join("spec/shop.yaml")).unwrap();
    let v2 = V1.replace("Places an order.", "Places one order.");
    let (release, _) = regen(&v2, out, &config());
    assert_eq!(release.version, "0.2.0", "a larger step than needed is the safe guess");
    assert!(release.report.is_none());
    assert!(release.notes[0].contains("spec/shop.yaml) is missing"), "{:?}", release.notes);
    let log = read(out, "CHANGELOG.md");
    assert!(log.contains("## 0.2.0") && log.contains("The changes are not classified"), "{log}");
    let (_, written) = regen(&v2, out, &config());
    assert!(written.is_empty(), "{written:?}");
}

#[test]
fn spec_hash_is_sha256() {
    assert_eq!(sdkgen::sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}
