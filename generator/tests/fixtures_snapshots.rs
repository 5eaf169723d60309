//! Snapshot tests: each fixture spec exercises one concern; the IR and the emitted Rust are
//! snapshotted, so any change in what the generator makes is reviewed (`cargo insta review`).

use sdkgen::config::Config;
use sdkgen::lower::LowerOptions;

fn fixture(name: &str) -> sdkgen::Generated {
    let path = format!("{}/tests/fixtures/{name}.yaml", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut config = Config::default();
    config.package.name = Some(format!("fixture_{name}"));
    sdkgen::generate_str(&format!("{name}.yaml"), &text, &config, LowerOptions::default())
        .unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// The generated Rust of a fixture except the runtime copy (snapshotted once, by its own test).
fn rust_sources(g: &sdkgen::Generated) -> String {
    let mut out = String::new();
    for (path, contents) in g.files.iter() {
        if path.ends_with(".rs") && !path.starts_with("src/runtime/") && !path.starts_with("examples/") {
            out.push_str(&format!("==> {path}\n{contents}\n"));
        }
    }
    out
}

macro_rules! fixture_test {
    ($name:ident) => {
        #[test]
        fn $name() {
            let g = fixture(stringify!($name));
            insta::assert_yaml_snapshot!(concat!(stringify!($name), "_ir"), g.api);
            insta::assert_snapshot!(concat!(stringify!($name), "_rust"), rust_sources(&g));
            let warnings: Vec<String> = g.warnings.iter().map(ToString::to_string).collect();
            insta::assert_yaml_snapshot!(concat!(stringify!($name), "_warnings"), warnings);
        }
    };
}

fixture_test!(naming);
fixture_test!(prefixes);
fixture_test!(enums);
fixture_test!(maps_arrays);
fixture_test!(bodies_errors);
fixture_test!(unions);
fixture_test!(dates);

#[test]
fn events_spec_ir() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    let g = sdkgen::generate_file(
        std::path::Path::new(&format!("{root}/spec/flexprice-events.yaml")),
        Some(std::path::Path::new(&format!("{root}/spec/generator.toml"))),
        LowerOptions::default(),
    )
    .unwrap();
    let mut api = g.api.clone();
    api.spec_file = "spec/flexprice-events.yaml".into();
    insta::assert_yaml_snapshot!("events_ir", api);
    assert!(g.warnings.is_empty(), "the events spec generates without warnings: {:?}", g.warnings);
}

#[test]
fn output_is_deterministic() {
    let a = fixture("prefixes");
    let b = fixture("prefixes");
    assert_eq!(a.files, b.files);
}
