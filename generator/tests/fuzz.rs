//! Fuzzing of the whole pipeline with proptest: mutated specs go through load, lower and emit.
//! Whatever the input, the generator must not panic, and for every accepted input each emitted
//! Rust file must parse with `syn`. Seeds are the fixture specs and, when present, the corpus.
//!
//! `PROPTEST_CASES` sets the number of cases (CI runs the default bounded count with a fixed
//! seed; a long run is `FUZZ_SEED=$RANDOM PROPTEST_CASES=100000 cargo test -p openapi-sdkgen
//! --test fuzz --release`).

use std::panic::{catch_unwind, AssertUnwindSafe};

use proptest::prelude::*;
use sdkgen::config::Config;
use sdkgen::lower::LowerOptions;
use serde_json::Value;

/// The seed specs, read and parsed once per process (every case starts from one of them).
fn seeds() -> &'static [(String, Value)] {
    static SEEDS: std::sync::OnceLock<Vec<(String, Value)>> = std::sync::OnceLock::new();
    SEEDS.get_or_init(read_seeds)
}

fn read_seeds() -> Vec<(String, Value)> {
    let mut out = Vec::new();
    let dirs = [
        concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures"),
        concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/wild"),
        concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/corpus"),
    ];
    for dir in dirs {
        let Ok(entries) = std::fs::read_dir(dir) else { continue };
        let mut paths: Vec<_> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        paths.sort();
        for path in paths {
            let Ok(text) = std::fs::read_to_string(&path) else { continue };
            // Keep the fuzz loop fast: the large corpus specs are exercised by `cargo xtask corpus`.
            if text.len() > 60_000 {
                continue;
            }
            let value: Option<Value> = if text.trim_start().starts_with('{') {
                serde_json::from_str(&text).ok()
            } else {
                serde_yaml::from_str(&text).ok()
            };
            if let Some(v) = value {
                out.push((path.file_name().unwrap().to_string_lossy().into_owned(), v));
            }
        }
    }
    assert!(out.len() >= 6, "fuzz seeds found: {}", out.len());
    out
}

/// One edit of the document tree.
#[derive(Debug, Clone)]
enum Mutation {
    Delete(u32),
    Replace(u32, Value),
    Duplicate(u32, u32),
    RenameKey(u32, String),
    /// A name the generator turns into an identifier, replaced by a hostile one.
    Name(NameSlot, u32, String),
}

/// Where names live in a spec.
#[derive(Debug, Clone, Copy)]
enum NameSlot {
    /// A key of `components/schemas` (every `$ref` to it follows the rename).
    Schema,
    /// A key of a `properties` map (and its entry in `required`).
    Property,
    /// A value of a string `enum`.
    EnumValue,
    /// An `operationId`.
    OperationId,
    /// A tag of an operation.
    Tag,
}

/// Names from anywhere: any Unicode, Rust keywords, JSON Schema and OpenAPI keywords, empty
/// strings, digits, and mixes of them.
fn hostile_name() -> impl Strategy<Value = String> {
    prop_oneof![
        "\\PC{0,12}",
        any::<String>().prop_map(|s| s.chars().take(16).collect()),
        prop::sample::select(vec![
            "",
            " ",
            "_",
            "__",
            "0",
            "1",
            "123",
            "-1",
            "1.5",
            "self",
            "Self",
            "super",
            "crate",
            "type",
            "fn",
            "mod",
            "async",
            "await",
            "r#type",
            "union",
            "dyn",
            "Result",
            "Option",
            "String",
            "Vec",
            "Box",
            "Error",
            "Client",
            "models",
            "operations",
            "runtime",
            "$ref",
            "$id",
            "properties",
            "type",
            "items",
            "allOf",
            "oneOf",
            "enum",
            "const",
            "null",
            "true",
            "default",
            "Unknown",
            "unknown",
            "additional_properties",
            "new",
            "Ärger",
            "日本語",
            "名前",
            "ß",
            "🙂",
            "a b",
            "a-b",
            "a.b",
            "a/b",
            "~0",
            "%20",
            "{id}",
        ])
        .prop_map(str::to_owned),
        ("[a-zA-Z_]{0,4}", "[0-9]{1,3}", "\\PC{0,3}").prop_map(|(a, b, c)| format!("{a}{b}{c}")),
    ]
}

fn name_slot() -> impl Strategy<Value = NameSlot> {
    prop_oneof![
        Just(NameSlot::Schema),
        Just(NameSlot::Property),
        Just(NameSlot::EnumValue),
        Just(NameSlot::OperationId),
        Just(NameSlot::Tag),
    ]
}

fn payload() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        (-1e6f64..1e6).prop_map(Value::from),
        "[a-zA-Z0-9_ #/{}~.$-]{0,12}".prop_map(Value::from),
        Just(serde_json::json!({"$ref": "#/components/schemas/Nope"})),
        Just(serde_json::json!({"$ref": "#/paths"})),
        Just(serde_json::json!({"type": ["string", "null"], "const": 1})),
        Just(serde_json::json!({"oneOf": [{"type": "integer"}, {"$ref": "#/components/schemas"}]})),
        Just(serde_json::json!({"allOf": [{}, {"type": "object", "properties": {"x": {"items": {}}}}]})),
        Just(serde_json::json!({"type": "array"})),
        Just(serde_json::json!({"enum": [null, 1, "a", []]})),
        Just(serde_json::json!([])),
        Just(serde_json::json!({})),
    ]
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        any::<u32>().prop_map(Mutation::Delete),
        (any::<u32>(), payload()).prop_map(|(i, v)| Mutation::Replace(i, v)),
        (any::<u32>(), any::<u32>()).prop_map(|(a, b)| Mutation::Duplicate(a, b)),
        (any::<u32>(), "[a-zA-Z0-9_ {}/.-]{0,10}").prop_map(|(i, k)| Mutation::RenameKey(i, k)),
        (name_slot(), any::<u32>(), hostile_name()).prop_map(|(slot, i, n)| Mutation::Name(slot, i, n)),
    ]
}

/// The pointers of every name of `slot` in the document.
fn name_pointers(doc: &Value, slot: NameSlot) -> Vec<String> {
    fn walk(v: &Value, at: &str, slot: NameSlot, property_map: bool, out: &mut Vec<String>) {
        match v {
            Value::Object(m) => {
                for (k, c) in m {
                    let here = format!("{at}/{}", k.replace('~', "~0").replace('/', "~1"));
                    let hit = match slot {
                        NameSlot::Property => property_map,
                        NameSlot::OperationId => !property_map && k == "operationId" && c.is_string(),
                        _ => false,
                    };
                    if hit {
                        out.push(here.clone());
                    }
                    if !property_map && k == "enum" && matches!(slot, NameSlot::EnumValue) {
                        if let Value::Array(items) = c {
                            out.extend(
                                items
                                    .iter()
                                    .enumerate()
                                    .filter(|(_, x)| x.is_string())
                                    .map(|(i, _)| format!("{here}/{i}")),
                            );
                        }
                        continue;
                    }
                    if !property_map && k == "tags" && matches!(slot, NameSlot::Tag) {
                        if let Value::Array(items) = c {
                            out.extend(
                                items
                                    .iter()
                                    .enumerate()
                                    .filter(|(_, x)| x.is_string())
                                    .map(|(i, _)| format!("{here}/{i}")),
                            );
                        }
                    }
                    walk(c, &here, slot, !property_map && k == "properties", out);
                }
            }
            Value::Array(a) => {
                for (i, c) in a.iter().enumerate() {
                    walk(c, &format!("{at}/{i}"), slot, false, out);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    match slot {
        NameSlot::Schema => {
            if let Some(Value::Object(schemas)) = doc.pointer("/components/schemas") {
                out.extend(
                    schemas.keys().map(|k| format!("/components/schemas/{}", k.replace('~', "~0").replace('/', "~1"))),
                );
            }
        }
        _ => walk(doc, "", slot, false, &mut out),
    }
    out
}

/// Every `$ref` equal to `from` becomes `to`.
fn retarget(v: &mut Value, from: &str, to: &str) {
    match v {
        Value::Object(m) => {
            for (k, c) in m.iter_mut() {
                if k == "$ref" && c.as_str() == Some(from) {
                    *c = Value::from(to);
                } else {
                    retarget(c, from, to);
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|c| retarget(c, from, to)),
        _ => {}
    }
}

fn rename(doc: &mut Value, slot: NameSlot, i: u32, new: &str) {
    let all = name_pointers(doc, slot);
    if all.is_empty() {
        return;
    }
    let p = all[(i as usize) % all.len()].clone();
    let Some((parent, old)) = split(&p) else { return };
    match slot {
        NameSlot::Schema | NameSlot::Property => {
            let Some(Value::Object(o)) = doc.pointer_mut(parent) else { return };
            if o.contains_key(new) {
                return;
            }
            let Some(v) = o.remove(&old) else { return };
            o.insert(new.to_owned(), v);
            if matches!(slot, NameSlot::Schema) {
                let esc = |s: &str| s.replace('~', "~0").replace('/', "~1");
                retarget(
                    doc,
                    &format!("#/components/schemas/{}", esc(&old)),
                    &format!("#/components/schemas/{}", esc(new)),
                );
            } else if let Some(Value::Array(required)) =
                split(parent).and_then(|(schema, _)| doc.pointer_mut(&format!("{schema}/required")))
            {
                for r in required.iter_mut().filter(|r| r.as_str() == Some(old.as_str())) {
                    *r = Value::from(new);
                }
            }
        }
        NameSlot::EnumValue | NameSlot::OperationId | NameSlot::Tag => {
            if let Some(slot) = doc.pointer_mut(&p) {
                *slot = Value::from(new);
            }
        }
    }
}

/// Every JSON pointer of the tree, in document order.
fn pointers(v: &Value, at: String, out: &mut Vec<String>) {
    out.push(at.clone());
    match v {
        Value::Object(m) => {
            for (k, c) in m {
                pointers(c, format!("{at}/{}", k.replace('~', "~0").replace('/', "~1")), out);
            }
        }
        Value::Array(a) => {
            for (i, c) in a.iter().enumerate() {
                pointers(c, format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

fn split(p: &str) -> Option<(&str, String)> {
    let i = p.rfind('/')?;
    Some((&p[..i], p[i + 1..].replace("~1", "/").replace("~0", "~")))
}

fn apply(doc: &mut Value, m: &Mutation) {
    let mut all = Vec::new();
    pointers(doc, String::new(), &mut all);
    let pick = |i: u32| all[(i as usize) % all.len()].clone();
    match m {
        Mutation::Delete(i) => {
            let p = pick(*i);
            if let Some((parent, key)) = split(&p) {
                match doc.pointer_mut(parent) {
                    Some(Value::Object(o)) => {
                        o.remove(&key);
                    }
                    Some(Value::Array(a)) => {
                        if let Ok(idx) = key.parse::<usize>() {
                            if idx < a.len() {
                                a.remove(idx);
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
        Mutation::Replace(i, v) => {
            if let Some(slot) = doc.pointer_mut(&pick(*i)) {
                *slot = v.clone();
            }
        }
        Mutation::Duplicate(a, b) => {
            let from = doc.pointer(&pick(*a)).cloned();
            if let (Some(from), Some(slot)) = (from, doc.pointer_mut(&pick(*b))) {
                *slot = from;
            }
        }
        Mutation::Name(slot, i, new) => rename(doc, *slot, *i, new),
        Mutation::RenameKey(i, new) => {
            let p = pick(*i);
            if let Some((parent, key)) = split(&p) {
                if let Some(Value::Object(o)) = doc.pointer_mut(parent) {
                    if let Some(v) = o.remove(&key) {
                        o.insert(new.clone(), v);
                    }
                }
            }
        }
    }
}

fn check(name: &str, doc: &Value, strict: bool) -> Result<(), TestCaseError> {
    let text = serde_json::to_string(doc).unwrap();
    // A stack overflow aborts the process before proptest can report the case: with
    // FUZZ_LAST=<file> every case is written there first, so the culprit is left on disk.
    if let Some(path) = std::env::var_os("FUZZ_LAST") {
        let _ = std::fs::write(path, &text);
    }
    let mut config = Config::default();
    config.package.name = Some("fuzzed".into());
    let result = catch_unwind(AssertUnwindSafe(|| sdkgen::generate_str(name, &text, &config, LowerOptions { strict })));
    let Ok(result) = result else {
        return Err(TestCaseError::fail(format!("the generator panicked on a mutation of {name}:\n{text}")));
    };
    progress();
    match result {
        Ok(g) => {
            for (path, contents) in g.files.iter() {
                if path.ends_with(".rs") {
                    if let Err(e) = parse_once(contents) {
                        return Err(TestCaseError::fail(format!("{path} does not parse: {e}\nspec: {text}")));
                    }
                }
            }
            keep_sample(&text);
        }
        Err(e) => {
            let internal = e.diagnostics.iter().any(|d| d.message.contains("internal error"));
            prop_assert!(!internal, "internal error on a mutation of {name}: {e}\nspec: {text}");
        }
    }
    Ok(())
}

/// Parses a Rust file, unless a file with exactly these contents already parsed in this
/// process (the runtime files and most models of a seed come out the same case after case;
/// parsing them again would test nothing new). Only successful parses are remembered.
fn parse_once(contents: &str) -> syn::Result<()> {
    use std::hash::{Hash, Hasher};
    static SEEN: std::sync::Mutex<Option<std::collections::HashSet<u64>>> = std::sync::Mutex::new(None);
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    contents.hash(&mut hasher);
    let key = hasher.finish();
    let mut seen = SEEN.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let seen = seen.get_or_insert_with(Default::default);
    if !seen.contains(&key) {
        syn::parse_file(contents)?;
        seen.insert(key);
    }
    Ok(())
}

/// Prints the number of cases run so far every 1,000 cases, so a long run shows it is alive.
fn progress() {
    static CASES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = CASES.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
    if n.is_multiple_of(1000) {
        eprintln!("fuzz: {n} cases");
    }
}

/// The number of cases: `PROPTEST_CASES` when set (a field set in code would override it),
/// else 256.
fn cases() -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(256)
}

/// With FUZZ_SAMPLE_DIR=<dir>, the first FUZZ_SAMPLE_MAX (default 6) accepted specs are kept
/// there, for `cargo xtask corpus <dir>` to check that the crates they make compile.
fn keep_sample(text: &str) {
    let Some(dir) = std::env::var_os("FUZZ_SAMPLE_DIR") else { return };
    let max: usize = std::env::var("FUZZ_SAMPLE_MAX").ok().and_then(|s| s.parse().ok()).unwrap_or(6);
    let dir = std::path::PathBuf::from(dir);
    let _ = std::fs::create_dir_all(&dir);
    let count = std::fs::read_dir(&dir).map(|d| d.count()).unwrap_or(usize::MAX);
    if count < max {
        let _ = std::fs::write(dir.join(format!("fuzzed_{count}.json")), text);
    }
}

proptest! {
    // A fixed seed keeps CI reproducible; a long run picks another with FUZZ_SEED=<number>.
    #![proptest_config(ProptestConfig {
        cases: cases(),
        failure_persistence: None,
        rng_seed: proptest::test_runner::RngSeed::Fixed(
            std::env::var("FUZZ_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(20261126),
        ),
        ..ProptestConfig::default()
    })]

    #[test]
    fn mutated_specs_never_panic_and_emit_valid_rust(seed in any::<u32>(), mutations in proptest::collection::vec(mutation(), 1..6), strict in any::<bool>()) {
        let seeds = seeds();
        let (name, doc) = &seeds[(seed as usize) % seeds.len()];
        let mut doc = doc.clone();
        for m in &mutations {
            apply(&mut doc, m);
        }
        check(name, &doc, strict)?;
    }
}

#[test]
fn every_seed_generates() {
    for (name, doc) in seeds() {
        check(name, doc, false).unwrap();
    }
}
