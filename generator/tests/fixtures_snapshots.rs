//! Snapshot tests: each fixture spec exercises one concern; the IR and the emitted Rust are
//! snapshotted, so any change in what the generator makes is reviewed (`cargo insta review`).

use sdkgen::config::Config;
use sdkgen::ir::{Api, Constraints, PageField, PageMode, PagePlace, TypeKind, TypeRef, UnionTagging};
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
            insta::assert_yaml_snapshot!(concat!(stringify!($name), "_ir"), readable_ir(&g.api));
            insta::assert_snapshot!(concat!(stringify!($name), "_rust"), rust_sources(&g));
            let warnings: Vec<String> = g.warnings.iter().map(ToString::to_string).collect();
            insta::assert_yaml_snapshot!(concat!(stringify!($name), "_warnings"), warnings);
        }
    };
}

/// The IR as its snapshots show it: a link is an index, shown with the name it leads to, so a
/// snapshot reads like the IR and also shows each link: a reference to a generated type (a
/// `Named` type, a bulk helper's `body_type`: `of: 2 (Query)`), an operation's security schemes
/// and the operations of an error variant or a tag.
fn readable_ir(api: &Api) -> serde_yaml::Value {
    use serde_yaml::Value;
    struct Names<'a> {
        types: Vec<&'a str>,
        schemes: Vec<&'a str>,
        operations: Vec<&'a str>,
    }
    fn show(x: &mut Value, names: &[&str]) {
        if let Some(i) = x.as_u64() {
            *x = Value::String(format!("{i} ({})", names[i as usize]));
        }
    }
    fn walk(v: &mut Value, names: &Names) {
        match v {
            Value::Mapping(m) => {
                let named = m.get("kind").and_then(Value::as_str) == Some("Named");
                for (k, x) in m.iter_mut() {
                    match (k.as_str(), x) {
                        (Some("of"), x) if named => show(x, &names.types),
                        (Some("body_type"), x) => show(x, &names.types),
                        (Some("security"), Value::Sequence(s)) if s.iter().all(Value::is_u64) => {
                            s.iter_mut().for_each(|x| show(x, &names.schemes))
                        }
                        (Some("operations"), Value::Sequence(s)) if s.iter().all(Value::is_u64) => {
                            s.iter_mut().for_each(|x| show(x, &names.operations))
                        }
                        (_, x) => walk(x, names),
                    }
                }
            }
            Value::Sequence(s) => s.iter_mut().for_each(|x| walk(x, names)),
            // serde_yaml's values write an enum variant as a YAML tag (`!Struct`); the snapshots
            // keep serde's usual form, a map of the variant's name.
            Value::Tagged(t) => {
                let name = t.tag.to_string().trim_start_matches('!').to_owned();
                let mut inner = std::mem::replace(&mut t.value, Value::Null);
                walk(&mut inner, names);
                *v = Value::Mapping([(Value::String(name), inner)].into_iter().collect());
            }
            _ => {}
        }
    }
    let names = Names {
        types: api.types.iter().map(|t| t.name.as_str()).collect(),
        schemes: api.security.iter().map(|s| s.name.as_str()).collect(),
        operations: api.operations.iter().map(|o| o.rust_name.as_str()).collect(),
    };
    let mut v = serde_yaml::to_value(api).expect("the IR serializes");
    walk(&mut v, &names);
    v
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
    insta::assert_snapshot!("events_ir", ir_summary(&api));
    assert!(g.warnings.is_empty(), "the events spec generates without warnings: {:?}", g.warnings);
}

/// A compact summary of an IR: one line per operation part, type, field and variant, with the
/// lowering decisions (Rust and wire names, types, optionality, encodings, constraints,
/// statuses) and without the prose and example values, which the emitted files show and
/// `cargo xtask regen --check` guards.
fn ir_summary(api: &Api) -> String {
    let ty = |t: &TypeRef| short_type(api, t);
    let mut out = Vec::new();
    let p = &api.package;
    out.push(format!("{} {}, from {}", api.title, api.api_version, api.spec_file));
    out.push(format!(
        "crate {} {} (publish {}, standalone {}, env {}_*, regen `{}`)",
        p.name, p.version, p.publish, p.standalone, p.env_prefix, p.regen_command
    ));
    let servers: Vec<String> = api.servers.iter().map(|s| format!("{} = {}", s.rust_name, s.url)).collect();
    out.push(format!("servers: {}", servers.join(" | ")));
    for s in &api.security {
        out.push(format!(
            "security {}: {:?}, setter {}, env {}_{}",
            s.name, s.kind, s.setter, p.env_prefix, s.env_suffix
        ));
    }
    for t in &api.tags {
        let ops: Vec<&str> = t.operations.iter().map(|&i| api.operations[i].rust_name.as_str()).collect();
        out.push(format!("tag {} = {}::{}: {}", t.name, t.module, t.rust_name, ops.join(", ")));
    }

    out.push(format!("\noperations ({}):", api.operations.len()));
    for op in &api.operations {
        let mut head = format!("  {} = {} {} (tag {}", op.rust_name, op.method, op.path, api.tags[op.tag].name);
        if let Some(id) = &op.operation_id {
            head.push_str(&format!(", operationId {id}"));
        }
        if op.deprecated {
            head.push_str(", deprecated");
        }
        out.push(head + ")");
        if !op.params.is_empty() {
            out.push(format!(
                "    params{}:",
                op.params_struct.as_deref().map(|s| format!(" ({s})")).unwrap_or_default()
            ));
            for param in &op.params {
                let mut flags = vec![format!("{:?}", param.style)];
                if param.wire_name != param.rust_name {
                    flags.push(format!("wire {:?}", param.wire_name));
                }
                flags.extend(common_flags(&param.constraints, param.deprecated));
                if param.example.is_some() {
                    flags.push("example".into());
                }
                out.push(format!(
                    "      {:?} {}{}: {} [{}]",
                    param.location,
                    param.rust_name,
                    if param.required { "" } else { "?" },
                    ty(&param.ty),
                    flags.join(", ")
                ));
            }
        }
        if let Some(body) = &op.body {
            let mut flags = vec![
                format!("{:?}", body.encoding),
                format!("sends {}", body.content_type),
                format!("spec {}", body.spec_content_type),
            ];
            if !body.required {
                flags.push("optional".into());
            }
            flags.extend(example_flags(body.example.is_some(), body.example_problem.as_deref()));
            out.push(format!("    body: {} [{}]", ty(&body.ty), flags.join(", ")));
        }
        let statuses: Vec<String> = op.success.iter().map(u16::to_string).collect();
        let mut flags = vec![format!("{:?}", op.response_encoding)];
        flags.extend(op.response_content_type.clone());
        flags.extend(example_flags(op.response_example.is_some(), op.response_example_problem.as_deref()));
        out.push(format!("    ok {}: {} [{}]", statuses.join(", "), ty(&op.response), flags.join(", ")));
        for e in &op.errors {
            let content = e.content_type.as_deref().map(|c| format!(" [{c}]")).unwrap_or_default();
            out.push(format!("    error {}: {}{content}", e.status, ty(&e.body)));
        }
        out.push(format!(
            "    security: {}",
            if op.security.is_empty() {
                "none".into()
            } else {
                op.security.iter().map(|&s| api.security[s].name.as_str()).collect::<Vec<_>>().join(" | ")
            }
        ));
    }

    out.push(format!("\ntypes ({}):", api.types.len()));
    for t in &api.types {
        let kind = match &t.kind {
            TypeKind::Struct { .. } => "struct".to_owned(),
            TypeKind::StringEnum { .. } => "string enum".into(),
            TypeKind::IntEnum { .. } => "int enum".into(),
            TypeKind::Union { tagging: UnionTagging::Untagged, .. } => "untagged union".into(),
            TypeKind::Union { tagging: UnionTagging::Internal(tag), .. } => format!("union tagged by {tag:?}"),
            TypeKind::Alias(target) => format!("alias of {}", ty(target)),
        };
        let mut flags = vec![format!("module {}", t.module), t.origin.clone()];
        if t.validated {
            flags.push("validated".into());
        }
        if t.has_idempotency_key {
            flags.push("has an idempotency key".into());
        }
        flags.extend(example_flags(t.example.is_some(), t.example_problem.as_deref()));
        out.push(format!("  {}: {kind} [{}]", t.name, flags.join(", ")));
        match &t.kind {
            TypeKind::Struct { fields, additional } => {
                for f in fields {
                    let mut flags = Vec::new();
                    if f.wire_name != f.rust_name {
                        flags.push(format!("wire {:?}", f.wire_name));
                    }
                    if f.nullable {
                        flags.push("nullable".into());
                    }
                    flags.extend(common_flags(&f.constraints, f.deprecated));
                    if let Some(default) = &f.default {
                        flags.push(format!("default {default}"));
                    }
                    for (on, flag) in [
                        (f.idempotency_key, "idempotency key"),
                        (f.read_only, "read-only"),
                        (f.write_only, "write-only"),
                    ] {
                        if on {
                            flags.push(flag.into());
                        }
                    }
                    let flags = if flags.is_empty() { String::new() } else { format!(" [{}]", flags.join(", ")) };
                    out.push(format!("    {}{}: {}{flags}", f.rust_name, if f.required { "" } else { "?" }, ty(&f.ty)));
                }
                if let Some(extra) = additional {
                    out.push(format!("    ..: {} (additional properties)", ty(extra)));
                }
            }
            TypeKind::StringEnum { variants } => {
                let all: Vec<String> = variants.iter().map(|v| format!("{} {:?}", v.rust_name, v.value)).collect();
                out.push(format!("    {}", all.join(", ")));
            }
            TypeKind::IntEnum { variants } => {
                let all: Vec<String> = variants.iter().map(|v| format!("{} {}", v.rust_name, v.value)).collect();
                out.push(format!("    {}", all.join(", ")));
            }
            TypeKind::Union { variants, .. } => {
                for v in variants {
                    let tag = v.tag.as_deref().map(|t| format!(" [tag {t:?}]")).unwrap_or_default();
                    out.push(format!("    {}({}){tag}", v.rust_name, ty(&v.ty)));
                }
            }
            TypeKind::Alias(_) => {}
        }
    }

    out.push("\nerror variants:".into());
    for e in &api.errors {
        out.push(format!(
            "  {} {}: {} ({})",
            e.status,
            e.rust_name,
            ty(&e.body),
            e.operations.iter().map(|&o| api.operations[o].rust_name.as_str()).collect::<Vec<_>>().join(", ")
        ));
    }
    for b in &api.bulk {
        let ingestor = b.ingestor.as_ref().map_or(String::new(), |i| {
            format!("; ingestor {} -> {}, key {}", i.rust_name, i.type_name, i.key_field.as_deref().unwrap_or("none"))
        });
        out.push(format!(
            "bulk {} over {}: {}.{} of {} in batches of {}{ingestor}",
            b.rust_name,
            api.operations[b.operation].rust_name,
            api.ty(b.body_type).name,
            b.field,
            ty(&b.item),
            b.batch_size
        ));
    }
    for pg in &api.pagination {
        let field = |f: &PageField| format!("{}{}", f.rust_name, if f.optional { "?" } else { "" });
        let has_more = pg.has_more.as_ref().map_or("none".to_owned(), field);
        let place = |p: &PagePlace| match p {
            PagePlace::Query(name) => format!("query {name:?}"),
            PagePlace::Body(name) => format!("body {name:?}"),
        };
        let mode = match &pg.mode {
            PageMode::Cursor { field: f, place: to } => format!("cursor {} -> {}", field(f), place(to)),
            PageMode::Offset { place: to } => format!("offset -> {}", place(to)),
        };
        out.push(format!(
            "pages of {}: items {} of {}, has_more {has_more}, {mode}",
            api.operations[pg.operation].rust_name,
            field(&pg.items),
            ty(&pg.item),
        ));
    }
    out.join("\n") + "\n"
}

/// A type in short form: generated types by name (their ids followed), `Map<T>` for
/// string-keyed maps.
fn short_type(api: &Api, t: &TypeRef) -> String {
    let ty = |t: &TypeRef| short_type(api, t);
    match t {
        TypeRef::Named(n) => api.ty(*n).name.clone(),
        TypeRef::Vec(t) => format!("Vec<{}>", ty(t)),
        TypeRef::Map(t) => format!("Map<{}>", ty(t)),
        TypeRef::Option(t) => format!("Option<{}>", ty(t)),
        TypeRef::Box(t) => format!("Box<{}>", ty(t)),
        other => format!("{other:?}"),
    }
}

/// Constraints (as the docs word them) and deprecation.
fn common_flags(constraints: &Constraints, deprecated: bool) -> Vec<String> {
    let mut flags = Vec::new();
    let described = constraints.describe();
    if !described.is_empty() {
        flags.push(described);
    }
    if deprecated {
        flags.push("deprecated".into());
    }
    flags
}

/// Whether there is an example from the spec, and why it does not fit, if it does not.
fn example_flags(example: bool, problem: Option<&str>) -> Vec<String> {
    let mut flags = Vec::new();
    if example {
        flags.push("example".into());
    }
    if let Some(problem) = problem {
        flags.push(format!("example problem: {problem}"));
    }
    flags
}

#[test]
fn output_is_deterministic() {
    let a = fixture("prefixes");
    let b = fixture("prefixes");
    assert_eq!(a.files, b.files);
}
