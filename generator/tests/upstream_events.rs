//! The Events part of the newer upstream description (`../shared/corpus/flexprice-2026-08.json`,
//! which renames operations and schemas) generated with our config: selection keeps exactly the
//! Events operations, and the pins of `spec/generator.toml` keep every method and model name of
//! our SDK that still exists.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use sdkgen::config::Config;
use sdkgen::lower::LowerOptions;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The newer upstream description, in `../shared/corpus/`.
const UPSTREAM_FILE: &str = "flexprice-2026-08.json";

fn upstream_path() -> PathBuf {
    root().join("../shared/corpus").join(UPSTREAM_FILE)
}

/// Set on hosts without `../shared` to skip these tests (the skip is printed).
const OPT_OUT: &str = "SDK_SKIP_REFERENCE_CHECK";

/// `false` (and says so in the test output) on hosts without `../shared` that opt out with
/// [`OPT_OUT`]; without the opt-out a missing upstream description fails the test.
fn upstream_available(test: &str) -> bool {
    if upstream_path().exists() {
        return true;
    }
    if std::env::var_os(OPT_OUT).is_some() {
        // Written to the process's stderr directly: libtest captures `eprintln!` of passing tests.
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED {test}: ../shared/corpus/{UPSTREAM_FILE} not found ({}) and {OPT_OUT} is set; \
             put `shared` beside the workspace and unset {OPT_OUT} to run it.",
            upstream_path().display()
        );
        return false;
    }
    panic!(
        "../shared/corpus/{UPSTREAM_FILE} not found ({}): this test generates its Events part. Put \
         `shared` beside the workspace, or set {OPT_OUT}=1 to skip (the test then says SKIPPED).",
        upstream_path().display()
    );
}

fn our_config() -> Config {
    let path = root().join("spec/generator.toml");
    Config::parse("spec/generator.toml", &std::fs::read_to_string(&path).unwrap()).unwrap()
}

fn ours() -> sdkgen::Generated {
    let spec = std::fs::read_to_string(root().join("spec/flexprice-events.yaml")).unwrap();
    sdkgen::generate_str("spec/flexprice-events.yaml", &spec, &our_config(), LowerOptions::default()).unwrap()
}

fn upstream_events() -> sdkgen::Generated {
    let spec = std::fs::read_to_string(upstream_path()).unwrap();
    let mut config = our_config();
    config.select.include_tags = vec!["Events".into()];
    sdkgen::generate_str("flexprice-2026-08.json", &spec, &config, LowerOptions::default())
        .unwrap_or_else(|e| panic!("{e}"))
}

/// `schema `dto.Event`` gives `Event`: the schema name without its namespace prefix.
fn schema_base(origin: &str) -> Option<String> {
    let name = origin.strip_prefix("schema `")?.strip_suffix('`')?;
    Some(sdkgen::lower::names::split_prefix(name).1.to_owned())
}

#[test]
fn include_tag_keeps_exactly_the_events_operations() {
    if !upstream_available("include_tag_keeps_exactly_the_events_operations") {
        return;
    }
    let g = upstream_events();
    let ops: Vec<String> = g.api.operations.iter().map(|o| format!("{} {}", o.method, o.path)).collect();
    assert_eq!(
        ops,
        [
            "POST /events",
            "POST /events/analytics",
            "POST /events/bulk",
            "POST /events/huggingface-inference",
            "GET /events/lookup",
            "POST /events/query",
            "POST /events/usage",
            "POST /events/usage/meter",
        ]
    );
    assert_eq!(g.api.tags.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(), ["Events"]);
    // Only schemas the Events operations reach (the whole description has 508).
    assert!(g.api.types.len() < 120, "{} types", g.api.types.len());
    for unreachable in ["CreateInvoiceRequest", "ListInvoicesResponse", "CreateCustomerRequest"] {
        let origin = format!("schema `{unreachable}`");
        assert!(g.api.types.iter().all(|t| t.origin != origin), "{unreachable} is not reachable from Events");
    }
    let pins: Vec<String> = g.warnings.iter().map(ToString::to_string).filter(|w| w.contains("pin")).collect();
    assert_eq!(pins.len(), 1, "{pins:?}");
    assert!(
        pins[0].contains("pin `GET /events/monitoring`"),
        "the pin of the removed operation matches nothing: {pins:?}"
    );
}

#[test]
fn pins_keep_every_name_of_our_sdk_that_still_exists() {
    if !upstream_available("pins_keep_every_name_of_our_sdk_that_still_exists") {
        return;
    }
    let (old, new) = (ours(), upstream_events());
    let new_ops: BTreeMap<(String, String), &str> =
        new.api.operations.iter().map(|o| ((o.method.clone(), o.path.clone()), o.rust_name.as_str())).collect();
    let mut mismatches = Vec::new();
    let mut kept = 0;
    for op in &old.api.operations {
        if let Some(name) = new_ops.get(&(op.method.clone(), op.path.clone())) {
            kept += 1;
            if *name != op.rust_name {
                mismatches.push(format!("method {} {}: ours `{}`, now `{name}`", op.method, op.path, op.rust_name));
            }
        }
    }
    assert_eq!(kept, 7, "seven of our eight operations still exist (GET /events/monitoring is gone)");
    // Upstream's own operationIds are in the spec, so without the pins the names would change.
    assert!(new.api.operations.iter().any(|o| o.operation_id.as_deref() == Some("ingestEvent")));
    let new_types: BTreeMap<String, &str> =
        new.api.types.iter().filter_map(|t| Some((schema_base(&t.origin)?, t.name.as_str()))).collect();
    let mut types_kept = 0;
    for t in &old.api.types {
        let Some(base) = schema_base(&t.origin) else { continue };
        if let Some(name) = new_types.get(&base) {
            types_kept += 1;
            if *name != t.name {
                mismatches.push(format!("type of schema `{base}`: ours `{}`, now `{name}`", t.name));
            }
        }
    }
    assert!(types_kept > 50, "most of our models still exist upstream ({types_kept})");
    assert!(mismatches.is_empty(), "names that moved:\n{}", mismatches.join("\n"));
    assert!(new.api.types.iter().any(|t| t.name == "IngestEventRequest"));
    assert!(new.api.operations.iter().any(|o| o.rust_name == "post_events"));
}

#[test]
fn our_spec_and_pins_generate_without_warnings() {
    // Every pin matches our spec, so regenerating the SDK warns about nothing.
    let g = ours();
    assert!(g.warnings.is_empty(), "{:?}", g.warnings);
}

/// The change report our SDK's users would see if it were regenerated from the Events part of
/// the 2026-08 description (pins applied to both sides). Reviewed by hand: see the README's
/// "API change reports" section for how to read it.
#[test]
fn change_report_2026_01_to_2026_08() {
    if !upstream_available("change_report_2026_01_to_2026_08") {
        return;
    }
    let mut config = our_config();
    config.select.include_tags = vec!["Events".into()];
    let ours_text = std::fs::read_to_string(root().join("spec/flexprice-events.yaml")).unwrap();
    let upstream_text = std::fs::read_to_string(upstream_path()).unwrap();
    let lower = |name: &str, text: &str| {
        sdkgen::lower_str(name, text, &config, LowerOptions::default()).unwrap_or_else(|e| panic!("{e}")).0
    };
    let old = lower("spec/flexprice-events.yaml", &ours_text);
    let new = lower("flexprice-2026-08.json", &upstream_text);
    let report = sdkgen::diff::diff(&old, &new, Some(&config.package.version));
    insta::assert_snapshot!("events_2026_01_to_2026_08", report.markdown(3));
    // The headline facts, independent of the snapshot.
    let has = |kind: sdkgen::diff::Kind, item: &str| report.changes.iter().any(|c| c.kind == kind && c.item == item);
    assert!(has(sdkgen::diff::Kind::OperationRemoved, "events().get_events_monitoring"));
    assert!(has(sdkgen::diff::Kind::OperationAdded, "events().get_event"));
    assert!(report.changes.iter().all(|c| c.kind != sdkgen::diff::Kind::OperationRenamed), "pins hold every name");
    assert_eq!(report.bump, sdkgen::diff::Bump::Major);
    assert_eq!(report.next_version.as_deref(), Some("0.2.0"));
}
