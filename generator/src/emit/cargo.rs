//! The generated crate's `Cargo.toml`. Dependency versions come from [`DEPENDENCIES`], a
//! table compiled into the generator (so the packaged generator needs no file of the
//! workspace); a test keeps it equal to the workspace's `[workspace.dependencies]`, the single
//! place the project declares versions, so the generated crates always build against what the
//! runtime is tested with.

use super::ingestor::FEATURE;
use super::render::{toml_list, toml_str, Header};
use crate::ir::Api;

/// One dependency of the generated crates, as `[workspace.dependencies]` declares it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dependency {
    /// Crate name.
    pub name: &'static str,
    /// Version requirement.
    pub version: &'static str,
    /// `default-features` (false only when the workspace turns them off).
    pub default_features: bool,
    /// Features turned on.
    pub features: &'static [&'static str],
}

const fn dep(name: &'static str, version: &'static str) -> Dependency {
    Dependency { name, version, default_features: true, features: &[] }
}

const fn dep_with(
    name: &'static str,
    version: &'static str,
    default_features: bool,
    features: &'static [&'static str],
) -> Dependency {
    Dependency { name, version, default_features, features }
}

/// Dependencies of every generated crate (the runtime's), sorted by name. Keep equal to the
/// entries of the same names in the workspace `Cargo.toml` (the test
/// `dependency_table_matches_the_workspace` fails otherwise).
pub const DEPENDENCIES: &[Dependency] = &[
    dep("bytes", "1"),
    dep_with("chrono", "0.4", false, &["std", "clock", "serde"]),
    dep("crc32fast", "1"),
    dep("fastrand", "2"),
    dep_with("futures-util", "0.3", false, &["std"]),
    dep("httpdate", "1"),
    dep_with("reqwest", "0.13", false, &["http2", "system-proxy"]),
    dep_with("serde", "1", true, &["derive"]),
    dep("serde_json", "1"),
    dep_with("tokio", "1", true, &["rt", "time", "sync"]),
    dep("tracing", "0.1"),
    dep("url", "2"),
    dep_with("uuid", "1", true, &["v7"]),
];

/// The crate's features: the TLS library (one of them is needed for `https`) and response
/// compression, passed through to `reqwest`.
const FEATURES: &str = "
[features]
default = [\"rustls\"]
# TLS through rustls, trusting the operating system's certificate store (so a corporate
# TLS-inspecting proxy whose root is installed there works).
rustls = [\"reqwest/rustls\"]
# TLS through the platform's library (OpenSSL on Linux, Secure Transport, SChannel).
native-tls = [\"reqwest/native-tls\"]
# Accept gzip-compressed responses.
gzip = [\"reqwest/gzip\"]
";

/// The comment on the feature of a crate with an ingestor ([`FEATURE`]).
const INGESTOR_FEATURE_COMMENT: &str = "\
# The background batcher of bulk ingestion (`ingestor(..)`) and its durable spool: off by
# default, since it is a large part of the crate's build and most users never start one.
";

/// Extra features the generated crate's own tests need from a dependency.
const DEV_DEPS: &[(&str, &[&str])] =
    &[("tokio", &["macros", "rt-multi-thread", "net", "io-util", "test-util", "time"])];

fn find(name: &str) -> &'static Dependency {
    DEPENDENCIES.iter().find(|d| d.name == name).unwrap_or_else(|| panic!("`{name}` is not in DEPENDENCIES"))
}

/// The inline TOML of a dependency, with `extra_features` added to its own.
fn inline(dep: &Dependency, extra_features: &[&str]) -> String {
    if dep.default_features && dep.features.is_empty() && extra_features.is_empty() {
        return format!("{:?}", dep.version);
    }
    let mut parts = vec![format!("version = {:?}", dep.version)];
    if !dep.default_features {
        parts.push("default-features = false".to_owned());
    }
    let mut features: Vec<&str> = dep.features.to_vec();
    for f in extra_features {
        if !features.contains(f) {
            features.push(f);
        }
    }
    if !features.is_empty() {
        parts.push(format!("features = {features:?}"));
    }
    format!("{{ {} }}", parts.join(", "))
}

pub(crate) fn manifest(api: &Api, header: &Header) -> String {
    let p = &api.package;
    let mut out = header.hash();
    out.push_str("\n[package]\n");
    out.push_str(&format!("name = {}\n", toml_str(&p.name)));
    out.push_str(&format!("version = {}\n", toml_str(&p.version)));
    out.push_str("edition = \"2021\"\nrust-version = \"1.89\"\n");
    out.push_str(&format!("description = {}\n", toml_str(&p.description)));
    if let Some(l) = &p.license {
        out.push_str(&format!("license = {}\n", toml_str(l)));
    }
    for (key, value) in [("repository", &p.repository), ("homepage", &p.homepage), ("documentation", &p.documentation)]
    {
        if let Some(v) = value {
            out.push_str(&format!("{key} = {}\n", toml_str(v)));
        }
    }
    if !p.keywords.is_empty() {
        out.push_str(&format!("keywords = {}\n", toml_list(&p.keywords)));
    }
    if !p.categories.is_empty() {
        out.push_str(&format!("categories = {}\n", toml_list(&p.categories)));
    }
    out.push_str("readme = \"README.md\"\n");
    if !p.publish {
        out.push_str("publish = false\n");
    }
    // What the crate was made from: `cargo xtask regen` compares the hash to decide whether the
    // spec changed (and the crate's version must step).
    out.push_str("\n[package.metadata.sdkgen]\n");
    out.push_str(&format!("generator-version = {}\n", toml_str(&p.generator_version)));
    if !p.spec_sha256.is_empty() {
        out.push_str(&format!("spec-sha256 = {}\n", toml_str(&p.spec_sha256)));
    }
    if api.has_ingestor() {
        // docs.rs documents the ingestor too.
        out.push_str(&format!("\n[package.metadata.docs.rs]\nfeatures = [{FEATURE:?}]\n"));
    }
    out.push_str("\n[dependencies]\n");
    // `chrono` only for crates with time fields, `crc32fast` (the spool's record checksums)
    // only for crates with an ingestor.
    let chrono = api.uses_chrono();
    let ingestor = api.has_ingestor();
    for dep in DEPENDENCIES.iter().filter(|d| (chrono || d.name != "chrono") && (ingestor || d.name != "crc32fast")) {
        if dep.name == "crc32fast" {
            // Only the `ingestor` feature turns it on.
            out.push_str(&format!("{} = {{ version = {:?}, optional = true }}\n", dep.name, dep.version));
        } else {
            out.push_str(&format!("{} = {}\n", dep.name, inline(dep, &[])));
        }
    }
    out.push_str(FEATURES);
    if ingestor {
        out.push_str(INGESTOR_FEATURE_COMMENT);
        out.push_str(&format!("{FEATURE} = [\"dep:crc32fast\"]\n"));
        // The ingestor's example needs it.
        for name in super::ingestor::example_names(api) {
            out.push_str(&format!("\n[[example]]\nname = {name:?}\nrequired-features = [{FEATURE:?}]\n"));
        }
    }
    out.push_str("\n[dev-dependencies]\n");
    for (dep, features) in DEV_DEPS {
        out.push_str(&format!("{dep} = {}\n", inline(find(dep), features)));
    }
    if p.standalone {
        out.push_str("\n# A crate of its own, not a member of any enclosing workspace.\n[workspace]\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The workspace manifest, read at test time (never compiled into the generator).
    fn workspace_dependencies() -> toml::Table {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../Cargo.toml");
        let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let manifest: toml::Table = text.parse().unwrap();
        manifest["workspace"]["dependencies"].as_table().unwrap().clone()
    }

    fn from_workspace(name: &str, value: &toml::Value) -> (String, bool, Vec<String>) {
        match value {
            toml::Value::String(v) => (v.clone(), true, Vec::new()),
            toml::Value::Table(t) => (
                t.get("version")
                    .and_then(toml::Value::as_str)
                    .unwrap_or_else(|| panic!("{name}: no version"))
                    .to_owned(),
                t.get("default-features").and_then(toml::Value::as_bool).unwrap_or(true),
                t.get("features")
                    .and_then(toml::Value::as_array)
                    .map(|a| a.iter().filter_map(|f| f.as_str().map(str::to_owned)).collect())
                    .unwrap_or_default(),
            ),
            other => panic!("{name}: unexpected declaration {other}"),
        }
    }

    #[test]
    fn strings_from_the_spec_are_written_as_toml() {
        // An emoji's variation selector, quotes, a backslash and a line break in the title;
        // `{:?}` wrote the selector as `\u{fe0f}`, which is not TOML.
        let spec = "openapi: 3.1.0\ninfo: {title: \"\u{267e}\u{fe0f} Infinity \\\"quoted\\\" a\\\\b\\nnext\", version: '1.0'}\npaths: {}\n";
        let generated = crate::generate_str("t.yaml", spec, &crate::config::Config::default(), Default::default())
            .unwrap_or_else(|e| panic!("{e}"));
        let text = generated.files.get("Cargo.toml").expect("a manifest");
        let manifest: toml::Table = text.parse().unwrap_or_else(|e| panic!("{e}\n{text}"));
        let description = manifest["package"]["description"].as_str().unwrap();
        assert!(description.contains("\u{267e}\u{fe0f} Infinity \"quoted\" a\\b"), "{description}");
        let list: toml::Table = format!("k = {}", toml_list(&["a\"b".to_owned(), "c".to_owned()])).parse().unwrap();
        assert_eq!(list["k"], toml::Value::Array(vec!["a\"b".into(), "c".into()]));
    }

    #[test]
    fn dependency_table_matches_the_workspace() {
        let workspace = workspace_dependencies();
        for dep in DEPENDENCIES {
            let declared = workspace
                .get(dep.name)
                .unwrap_or_else(|| panic!("`{}` is missing from [workspace.dependencies]", dep.name));
            let (version, default_features, features) = from_workspace(dep.name, declared);
            let ours =
                (dep.version.to_owned(), dep.default_features, dep.features.iter().map(|f| (*f).to_owned()).collect());
            assert_eq!(
                (version, default_features, features),
                ours,
                "DEPENDENCIES[{}] differs from the workspace Cargo.toml: update generator/src/emit/cargo.rs",
                dep.name
            );
        }
        let mut names: Vec<&str> = DEPENDENCIES.iter().map(|d| d.name).collect();
        names.sort_unstable();
        assert_eq!(names, DEPENDENCIES.iter().map(|d| d.name).collect::<Vec<_>>(), "keep DEPENDENCIES sorted");
    }

    #[test]
    fn the_runtime_crate_uses_the_same_dependencies() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/runtime/Cargo.toml");
        let runtime_manifest: toml::Table = std::fs::read_to_string(path).unwrap().parse().unwrap();
        let mut runtime_deps: Vec<&str> =
            runtime_manifest["dependencies"].as_table().unwrap().keys().map(String::as_str).collect();
        runtime_deps.sort_unstable();
        // `chrono` is the models' (time fields), not the runtime's.
        let ours: Vec<&str> = DEPENDENCIES.iter().map(|d| d.name).filter(|n| *n != "chrono").collect();
        // (the runtime crate compiles every part, the ingestor's spool with `crc32fast` too)
        assert_eq!(runtime_deps, ours, "the runtime crate and generated crates must use the same dependencies");
    }

    #[test]
    fn inline_forms() {
        assert_eq!(inline(find("bytes"), &[]), "\"1\"");
        assert_eq!(
            inline(find("futures-util"), &[]),
            "{ version = \"0.3\", default-features = false, features = [\"std\"] }"
        );
        assert_eq!(
            inline(find("tokio"), &["sync", "macros"]),
            "{ version = \"1\", features = [\"rt\", \"time\", \"sync\", \"macros\"] }"
        );
    }
}
