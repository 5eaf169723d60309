//! The generated crate's `Cargo.toml`. Dependency versions come from the workspace's
//! `[workspace.dependencies]`, the single place the project declares them, so the generated
//! crates always build against what the runtime is tested with.

use super::Header;
use crate::ir::Api;

/// The workspace manifest, read when the generator is compiled.
const WORKSPACE_MANIFEST: &str = include_str!("../../../Cargo.toml");

/// Dependencies of every generated crate (the runtime's).
const RUNTIME_DEPS: &[&str] = &[
    "bytes",
    "fastrand",
    "futures-util",
    "httpdate",
    "reqwest",
    "serde",
    "serde_json",
    "tokio",
    "tracing",
    "url",
    "uuid",
];

/// Dependencies of the runtime's `spool` module, carried only by crates with an ingestor.
const INGESTOR_DEPS: &[&str] = &["crc32fast"];

/// Extra features the generated crate's own tests need from a dependency.
const DEV_DEPS: &[(&str, &[&str])] =
    &[("tokio", &["macros", "rt-multi-thread", "net", "io-util", "test-util", "time"])];

fn workspace_dep(name: &str) -> toml::Value {
    // Parsed once per process: generation runs often (benchmarks, corpus) and the text is fixed.
    static MANIFEST: std::sync::OnceLock<toml::Table> = std::sync::OnceLock::new();
    let manifest = MANIFEST.get_or_init(|| WORKSPACE_MANIFEST.parse().expect("the workspace Cargo.toml parses"));
    manifest["workspace"]["dependencies"]
        .get(name)
        .cloned()
        .unwrap_or_else(|| panic!("`{name}` is missing from [workspace.dependencies]"))
}

fn inline(value: &toml::Value, extra_features: &[&str]) -> String {
    match value {
        toml::Value::String(v) if extra_features.is_empty() => format!("{v:?}"),
        toml::Value::String(v) => format!("{{ version = {v:?}, features = {:?} }}", extra_features),
        toml::Value::Table(t) => {
            let mut parts = Vec::new();
            if let Some(v) = t.get("version").and_then(toml::Value::as_str) {
                parts.push(format!("version = {v:?}"));
            }
            if let Some(false) = t.get("default-features").and_then(toml::Value::as_bool) {
                parts.push("default-features = false".to_owned());
            }
            let mut features: Vec<String> = t
                .get("features")
                .and_then(toml::Value::as_array)
                .map(|a| a.iter().filter_map(|f| f.as_str().map(str::to_owned)).collect())
                .unwrap_or_default();
            for f in extra_features {
                if !features.iter().any(|x| x == f) {
                    features.push((*f).to_owned());
                }
            }
            if !features.is_empty() {
                parts.push(format!("features = {features:?}"));
            }
            format!("{{ {} }}", parts.join(", "))
        }
        other => other.to_string(),
    }
}

pub(crate) fn manifest(api: &Api, header: &Header) -> String {
    let p = &api.package;
    let mut out = header.hash();
    out.push_str("\n[package]\n");
    out.push_str(&format!("name = {:?}\n", p.name));
    out.push_str(&format!("version = {:?}\n", p.version));
    out.push_str("edition = \"2021\"\nrust-version = \"1.85\"\n");
    out.push_str(&format!("description = {:?}\n", p.description));
    if let Some(l) = &p.license {
        out.push_str(&format!("license = {l:?}\n"));
    }
    out.push_str("readme = \"README.md\"\npublish = false\n");
    out.push_str("\n[dependencies]\n");
    let mut deps: Vec<&str> = RUNTIME_DEPS.to_vec();
    if super::runtime::needs_ingestor_deps(api) {
        deps.extend(INGESTOR_DEPS);
        deps.sort_unstable();
    }
    for dep in deps {
        out.push_str(&format!("{dep} = {}\n", inline(&workspace_dep(dep), &[])));
    }
    out.push_str("\n[dev-dependencies]\n");
    for (dep, features) in DEV_DEPS {
        out.push_str(&format!("{dep} = {}\n", inline(&workspace_dep(dep), features)));
    }
    if p.standalone {
        out.push_str("\n# A crate of its own, not a member of any enclosing workspace.\n[workspace]\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_runtime_dependency_is_declared_in_the_workspace() {
        for dep in RUNTIME_DEPS {
            workspace_dep(dep);
        }
        let runtime_manifest: toml::Table = include_str!("../../runtime/Cargo.toml").parse().unwrap();
        let mut runtime_deps: Vec<&str> =
            runtime_manifest["dependencies"].as_table().unwrap().keys().map(String::as_str).collect();
        runtime_deps.sort_unstable();
        let mut all: Vec<&str> = RUNTIME_DEPS.iter().chain(INGESTOR_DEPS).copied().collect();
        all.sort_unstable();
        assert_eq!(runtime_deps, all, "the runtime crate and generated crates must use the same dependencies");
        for dep in INGESTOR_DEPS {
            workspace_dep(dep);
        }
    }
}
