//! The ingestor is emitted from the config alone (`[bulk.NAME] ingestor = ".."`), for any bulk
//! operation, and a crate without one carries none of its code or dependencies.

use sdkgen::config::Config;
use sdkgen::lower::LowerOptions;

fn generate(spec_file: &str, config: &str) -> sdkgen::Generated {
    generate_edited(spec_file, config, |s| s)
}

fn generate_edited(spec_file: &str, config: &str, edit: impl FnOnce(String) -> String) -> sdkgen::Generated {
    let path = format!("{}/{spec_file}", env!("CARGO_MANIFEST_DIR"));
    let spec = edit(std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}")));
    let config = Config::parse("test.toml", config).unwrap();
    sdkgen::generate_str(spec_file, &spec, &config, LowerOptions::default()).unwrap_or_else(|e| panic!("{e}"))
}

const EVENTS: &str = "../spec/flexprice-events.yaml";
const BULK: &str = "[bulk.ingest_events]\noperation = \"post_events_bulk\"\nitems = \"events\"\n";

fn parses(name: &str, text: &str) {
    syn::parse_file(text).unwrap_or_else(|e| panic!("{name} does not parse: {e}"));
}

#[test]
fn without_the_ingestor_key_the_crate_has_no_ingestor_code() {
    let g = generate(EVENTS, BULK);
    assert!(g.files.get("src/runtime/ingestor.rs").is_none());
    assert!(g.files.get("src/runtime/spool.rs").is_none());
    assert!(g.files.get("examples/ingestor.rs").is_none());
    let runtime_mod = g.files.get("src/runtime/mod.rs").unwrap();
    assert!(
        runtime_mod.contains("pub mod bulk;") && !runtime_mod.contains("ingestor") && !runtime_mod.contains("spool")
    );
    assert!(!g.files.get("Cargo.toml").unwrap().contains("crc32fast"));
    assert!(!g.files.get("src/lib.rs").unwrap().contains("IngestorOptions"));
    assert!(!g.files.get("README.md").unwrap().contains("Background ingestor"));
    assert!(!g.files.get("src/operations/events.rs").unwrap().contains("Ingestor"));
}

#[test]
fn with_it_the_tag_gets_the_method_the_alias_the_runtime_modules_docs_and_example() {
    let g = generate(EVENTS, &format!("{BULK}ingestor = \"metering\"\n"));
    let ops = g.files.get("src/operations/events.rs").unwrap();
    parses("events.rs", ops);
    assert!(ops.contains("pub fn metering("), "{ops}");
    assert!(ops.contains("pub type EventsMetering = crate::runtime::ingestor::Ingestor<"));
    assert!(ops.contains("item.fill_idempotency_keys()") && ops.contains("item.event_id.clone()"));
    assert!(ops.contains("1000usize"), "batches of the spec's maxItems");
    assert!(g.files.get("src/operations/mod.rs").unwrap().contains("pub use events::EventsMetering;"));
    for file in ["src/runtime/ingestor.rs", "src/runtime/spool.rs"] {
        parses(file, g.files.get(file).unwrap());
    }
    let runtime_mod = g.files.get("src/runtime/mod.rs").unwrap();
    assert!(runtime_mod.contains("pub mod ingestor;") && runtime_mod.contains("pub mod spool;"));
    assert!(g.files.get("Cargo.toml").unwrap().contains("crc32fast = "));
    let example = g.files.get("examples/metering.rs").expect("the example");
    parses("examples/metering.rs", example);
    assert!(example.contains("client.events().metering(") && !example.contains("with_event_id"));
    let readme = g.files.get("README.md").unwrap();
    assert!(readme.contains("## Background ingestor") && readme.contains("(docs/sdks/events/metering.md)"));
    let page = g.files.get("docs/sdks/events/metering.md").expect("the reference page");
    assert!(page.contains("| `EveryBatch` (default) |") && page.contains("client.events().metering(options)?"));
}

#[test]
fn it_compiles_only_with_the_crate_feature_ingestor() {
    let g = generate(EVENTS, &format!("{BULK}ingestor = \"metering\"\n"));
    let manifest = g.files.get("Cargo.toml").unwrap();
    for line in [
        "crc32fast = { version = \"1\", optional = true }\n",
        "\ningestor = [\"dep:crc32fast\"]\n",
        "[[example]]\nname = \"metering\"\nrequired-features = [\"ingestor\"]\n",
        "[package.metadata.docs.rs]\nfeatures = [\"ingestor\"]\n",
    ] {
        assert!(manifest.contains(line), "Cargo.toml lacks {line:?}:\n{manifest}");
    }
    assert!(!manifest.contains("default = [\"rustls\", \"ingestor\"]"), "off by default");
    // Every item of the ingestor is behind the feature: the runtime modules, the method and its
    // alias, their re-exports, and the doctests of its reference page.
    let gate = "#[cfg(feature = \"ingestor\")]\n";
    let runtime_mod = g.files.get("src/runtime/mod.rs").unwrap();
    assert!(runtime_mod.contains(&format!("{gate}pub mod ingestor;\n{gate}pub mod spool;\n")), "{runtime_mod}");
    let ops = g.files.get("src/operations/events.rs").unwrap();
    assert!(ops.contains("    #[cfg(feature = \"ingestor\")]\n    pub fn metering("), "{ops}");
    assert!(ops.contains(&format!("{gate}pub type EventsMetering")), "{ops}");
    assert!(g.files.get("src/operations/mod.rs").unwrap().contains(&format!("{gate}pub use events::EventsMetering;")));
    let lib = g.files.get("src/lib.rs").unwrap();
    assert_eq!(lib.matches(&format!("{gate}pub use runtime::ingestor::")).count(), 2, "{lib}");
    assert!(lib.contains(&format!("        {gate}        #[doc = include_str!(\"../docs/sdks/events/metering.md\")]")));
    // The crate docs link the gated items with the feature, and name them as code without it
    // (a link to an item the build left out would be broken).
    let on =
        lib.split("#![cfg_attr(\n    feature = \"ingestor\",\n    doc = \"").nth(1).expect("the docs with the feature");
    assert!(on.starts_with(
        "\\n# Background ingestor\\n\\n[`client.events().metering(options)`](operations::Events::metering)"
    ));
    let off =
        lib.split("#![cfg_attr(\n    not(feature = \"ingestor\"),\n    doc = \"").nth(1).expect("the docs without it");
    assert!(off.starts_with("\\n# Background ingestor\\n\\n`client.events().metering(options)` starts"), "{off}");
    assert!(!lib.contains("//! # Background ingestor"));
    assert!(on.contains("features = [\\\"ingestor\\\"]") && off.contains("features = [\\\"ingestor\\\"]"));
    let example = g.files.get("examples/metering.rs").unwrap();
    assert!(example.contains("cargo run --example metering --features ingestor"));
}

#[test]
fn any_bulk_operation_gets_one_keyed_by_its_own_field_or_by_none() {
    const CONFIG: &str =
        "[bulk.send_items]\noperation = \"create_batch\"\nitems = \"items\"\ningestor = \"ingestor\"\n";
    const SPEC: &str = "tests/fixtures/docs/limits_bulk.yaml";
    let operations = |g: &sdkgen::Generated| -> String {
        g.files.iter().filter(|(p, _)| p.starts_with("src/operations/")).map(|(_, t)| t).collect()
    };
    // the fixture's items are keyed by `id`
    let g = generate(SPEC, CONFIG);
    let ops = operations(&g);
    assert!(ops.contains("pub fn ingestor("), "{ops}");
    assert!(
        ops.contains("prepare: |item| item.fill_idempotency_keys()") && ops.contains("key: |item| item.id.clone()")
    );
    // without the key, nothing is filled in and `send` returns no key
    let g = generate_edited(SPEC, CONFIG, |s| s.replace("x-idempotency-key: true", "x-other: true"));
    let ops = operations(&g);
    assert!(ops.contains("prepare: |_| {}") && ops.contains("key: |_| None"), "{ops}");
    for (path, text) in g.files.iter().filter(|(p, _)| p.ends_with(".rs")) {
        parses(path, text);
    }
}
