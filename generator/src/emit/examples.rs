//! Usage examples: the program of every operation (the crate's `examples/<operation>.rs` files
//! and the snippets of the crate guide and the Markdown reference), and the snippets of the
//! model pages. Values come from the synthesiser in `values.rs`, laid out by `layout.rs`.

use std::collections::BTreeSet;

use serde_json::Value as Json;

use super::layout::{let_stmt, str_lit, use_lines, Expr, TAB};
use super::render::{prose, Header};
use super::values::{body_example, json_macro, json_macro_depth, Mode, Values, JSON_MACRO_BUDGET};
use crate::fileset::FileSet;
use crate::ir::*;

/// `examples/<operation>.rs` for every operation and bulk helper.
pub(crate) fn emit(api: &Api, header: &Header, files: &mut FileSet) {
    for op in &api.operations {
        let program = operation_program(api, op);
        files.insert(format!("examples/{}.rs", op.rust_name), example_file(api, header, &program));
    }
    for b in &api.bulk {
        if api.operations.iter().any(|o| o.rust_name == b.rust_name) {
            continue;
        }
        let program = bulk_program(api, b);
        files.insert(format!("examples/{}.rs", b.rust_name), example_file(api, header, &program));
    }
}

fn example_file(api: &Api, header: &Header, program: &Program) -> String {
    let env = env_vars(api);
    let mut out = header.rust();
    out.push('\n');
    out.push_str(&format!("//! {}\n//!\n", program.title));
    out.push_str(&format!("//! Run it with `cargo run --example {}`. ", program.name));
    out.push_str(&format!("The client is configured from the environment: {env}.\n\n"));
    out.push_str(&program.text(0));
    out
}

/// The environment variables `Client::from_env` reads, as inline code.
pub(crate) fn env_vars(api: &Api) -> String {
    let prefix = &api.package.env_prefix;
    let mut vars: Vec<String> = api.security.iter().map(|s| format!("`{prefix}_{}`", s.env_suffix)).collect();
    vars.push(format!("`{prefix}_SERVER_URL`"));
    vars.join(", ")
}

// -------------------------------------------------------------------------------------------
// Programs

/// Inserts the values' preamble (see [`Values::preamble`]) at `at`.
fn preamble(values: &Values<'_>, stmts: &mut Vec<Stmt>, at: usize) {
    for (i, line) in values.preamble().into_iter().enumerate() {
        stmts.insert(at + i, Stmt::Line(line));
    }
}

/// A complete program using the SDK: `use` lines and the statements of an async `main`.
pub(crate) struct Program {
    /// File stem of the example (`post_events`).
    pub(crate) name: String,
    /// One line saying what it does.
    pub(crate) title: String,
    uses: Vec<String>,
    /// Statements, each a function of the indentation.
    stmts: Vec<Stmt>,
    /// `#[allow(deprecated)]` on `main` (the operation is deprecated).
    allow_deprecated: bool,
}

enum Stmt {
    Line(String),
    Let(String, Expr),
    /// An expression statement: `<expr>;`.
    Expr(Expr),
}

impl Stmt {
    fn text(&self, indent: usize) -> String {
        match self {
            Stmt::Line(l) => format!("{}{l}", " ".repeat(indent)),
            Stmt::Let(p, e) => let_stmt(p, e, indent),
            Stmt::Expr(e) => format!("{}{};", " ".repeat(indent), e.render(indent, indent, 1)),
        }
    }
}

impl Program {
    /// The program: `use` lines, then `#[tokio::main] async fn main`; its body indented by
    /// `indent + 4`.
    pub(crate) fn text(&self, indent: usize) -> String {
        let mut out = String::new();
        for u in &self.uses {
            out.push_str(u);
            out.push('\n');
        }
        out.push('\n');
        if self.allow_deprecated {
            out.push_str("#[allow(deprecated)]\n");
        }
        out.push_str("#[tokio::main]\nasync fn main() -> Result<(), Box<dyn std::error::Error>> {\n");
        out.push_str(&self.body(indent + TAB));
        out.push_str(&format!("{}Ok(())\n}}\n", " ".repeat(indent + TAB)));
        out
    }

    /// The statements of `main`, without `Ok(())`.
    pub(crate) fn body(&self, indent: usize) -> String {
        self.stmts.iter().map(|s| s.text(indent) + "\n").collect()
    }

    /// The `use` lines.
    pub(crate) fn uses(&self) -> &[String] {
        &self.uses
    }
}

/// How a program gets its client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Setup {
    /// `Client::from_env()?`.
    FromEnv,
    /// `Client::builder()` with the first server and the credential from its variable.
    Builder,
    /// `Client::builder().server_url(url)` with a test credential: a local stand-in server.
    Local,
}

/// What a program does with the call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Use {
    /// Awaits it and prints the result.
    Print,
    /// Sets a timeout and a retry policy on the call first.
    PerCall,
    /// Matches on the errors.
    MatchErrors,
    /// Walks every item of every page (a paginated operation).
    Items,
}

fn client_stmts(api: &Api, setup: Setup, root: &mut Vec<&'static str>) -> Vec<Stmt> {
    let prefix = &api.package.env_prefix;
    root.push("Client");
    match setup {
        Setup::FromEnv => {
            let mut vars: Vec<String> = api.security.iter().map(|s| format!("{prefix}_{}", s.env_suffix)).collect();
            vars.push(format!("{prefix}_SERVER_URL"));
            let fallback = match api.servers.first() {
                Some(s) if !s.url.starts_with('/') => format!(" (default: {})", s.url),
                _ => String::new(),
            };
            vec![
                Stmt::Line(format!("// Reads {}{fallback}.", vars.join(" and "))),
                Stmt::Line("let client = Client::from_env()?;".into()),
            ]
        }
        Setup::Local => {
            let mut e = Expr::atom("Client::builder()").then("server_url", Some(vec![Expr::atom("url")]));
            for s in api.security.iter().take(1) {
                e = e.then(&s.setter, Some(vec![Expr::atom(str_lit("test-key"))]));
            }
            vec![Stmt::Let("client".into(), e.then("build()?", None))]
        }
        Setup::Builder => {
            let mut e = Expr::atom("Client::builder()");
            match api.servers.iter().find(|s| !s.url.starts_with('/')) {
                Some(s) => {
                    root.push("Server");
                    e = e.then("server", Some(vec![Expr::atom(format!("Server::{}", s.rust_name))]));
                }
                None => e = e.then("server_url", Some(vec![Expr::atom(str_lit("https://api.example.com"))])),
            }
            for s in api.security.iter().take(1) {
                // A missing variable is named in the error (`std::env::var` alone says `NotPresent`).
                let name = format!("{prefix}_{}", s.env_suffix);
                let var =
                    format!("std::env::var({}).map_err(|_| {})?", str_lit(&name), str_lit(&format!("set {name}")));
                e = e.then(&s.setter, Some(vec![Expr::atom(var)]));
            }
            e = e.then("build()?", None);
            vec![Stmt::Let("client".into(), e)]
        }
    }
}

/// The program of one operation, built from the spec's examples.
pub(crate) fn operation_program(api: &Api, op: &Operation) -> Program {
    program(api, op, Setup::FromEnv, Use::Print)
}

/// A program calling `op`: the client made as `setup` says, the arguments built from the
/// spec's examples, the call used as `usage` says.
pub(crate) fn program(api: &Api, op: &Operation, setup: Setup, usage: Use) -> Program {
    let krate = &api.package.name;
    let tag = &api.tags[op.tag];
    let mut values = Values::new(api);
    let mut operations = BTreeSet::new();
    let mut root = Vec::new();
    let mut stmts = client_stmts(api, setup, &mut root);
    let client_len = stmts.len();
    let mut args = Vec::new();
    for p in op.params.iter().filter(|p| p.required) {
        let mode = if p.ty == TypeRef::String { Mode::Arg } else { Mode::Exact };
        args.push(values.value(&p.ty, p.example.as_ref(), mode, &p.wire_name).0);
    }
    if let Some(ps) = &op.params_struct {
        operations.insert(ps.clone());
        let mut e = Expr::call(format!("{ps}::new"), vec![]);
        for p in op.params.iter().filter(|p| !p.required) {
            if let Some(example) = &p.example {
                let mode = if p.ty == TypeRef::String { Mode::Arg } else { Mode::Exact };
                let (v, _) = values.value(&p.ty, Some(example), mode, &p.wire_name);
                e = e.then(&super::render::setter_name(&p.rust_name), Some(vec![v]));
            }
        }
        if matches!(e, Expr::Chain { .. }) {
            stmts.push(Stmt::Let("params".into(), e));
            args.push(Expr::atom("params"));
        } else {
            args.push(e);
        }
    }
    if let Some(body) = &op.body {
        let (mut e, _) = values.value(&body.ty, body_example(api, body), Mode::Exact, "body");
        if !body.required {
            e = Expr::call("Some", vec![e]);
        }
        stmts.push(Stmt::Let("request".into(), e));
        args.push(Expr::atom("request"));
    }
    let call = Expr::atom("client").then(&tag.module, Some(vec![])).then(&op.rust_name, Some(args));
    let mut extra_uses = Vec::new();
    // A call without a response body returns `()`: nothing to bind or print.
    let unit = op.response == TypeRef::Unit;
    let finish = |stmts: &mut Vec<Stmt>, call: Expr| {
        if unit {
            stmts.push(Stmt::Expr(call));
            stmts.push(Stmt::Line("println!(\"done\");".into()));
        } else {
            stmts.push(Stmt::Let("response".into(), call));
            stmts.push(Stmt::Line("println!(\"{response:?}\");".into()));
        }
    };
    match usage {
        Use::Print => finish(&mut stmts, call.then("await?", None)),
        Use::PerCall => {
            extra_uses.push("use std::time::Duration;".to_owned());
            root.push("RetryConfig");
            stmts.push(Stmt::Line("// Settings for this call only: a shorter timeout, more attempts.".into()));
            let call = call
                .then("timeout", Some(vec![Expr::atom("Duration::from_secs(5)")]))
                .then("retry", Some(vec![Expr::atom("RetryConfig::default().max_attempts(6)")]))
                .then("await?", None);
            finish(&mut stmts, call);
        }
        Use::MatchErrors => {
            let declared = op.errors.iter().find_map(|e| api.errors.iter().find(|v| v.status == e.status));
            if declared.is_some() {
                // Named by the arm of the declared status only.
                root.push("Error");
            }
            let scrutinee = call.then("await", None).render(TAB, TAB + 6, 2);
            stmts.push(Stmt::Line(format!("match {scrutinee} {{")));
            stmts.push(Stmt::Line(if unit {
                "    Ok(()) => println!(\"done\"),".into()
            } else {
                "    Ok(response) => println!(\"{response:?}\"),".into()
            }));
            if let Some(v) = declared {
                stmts.push(Stmt::Line(format!("    Err(Error::{}(e)) => {{", v.rust_name)));
                stmts.push(Stmt::Line(
                    "        // A status the spec declares: its typed body, and the server's message.".into(),
                ));
                stmts.push(Stmt::Line(
                    "        eprintln!(\"rejected: {} {:?}\", e.message().unwrap_or_default(), e.body());".into(),
                ));
                stmts.push(Stmt::Line(format!("        return Err(Error::{}(e).into());", v.rust_name)));
                stmts.push(Stmt::Line("    }".into()));
            }
            stmts.push(Stmt::Line("    Err(e) => {".into()));
            stmts.push(Stmt::Line(
                "        // `Display` says why: the status, the server's message, the request id.".into(),
            ));
            stmts.push(Stmt::Line(
                "        eprintln!(\"failed: {e} (worth retrying later: {})\", e.is_retryable());".into(),
            ));
            stmts.push(Stmt::Line("        return Err(e.into());".into()));
            stmts.push(Stmt::Line("    }".into()));
            stmts.push(Stmt::Line("}".into()));
        }
        Use::Items => {
            stmts.push(Stmt::Line("// Pages are fetched as the loop needs them.".into()));
            stmts.push(Stmt::Let("mut items".into(), call.then("items", Some(vec![]))));
            stmts.push(Stmt::Line("while let Some(item) = items.try_next().await? {".into()));
            stmts.push(Stmt::Line("    println!(\"{item:?}\");".into()));
            stmts.push(Stmt::Line("}".into()));
        }
    }
    preamble(&values, &mut stmts, client_len);
    let summary = op.summary.as_deref().or(op.description.as_deref()).map(|s| prose(s.lines().next().unwrap_or("")));
    let mut uses = extra_uses;
    if !uses.is_empty() {
        uses.push(String::new());
    }
    uses.extend(use_lines(krate, &values.used, &operations, &root));
    Program {
        name: op.rust_name.clone(),
        title: format!(
            "`{}` (`{} {}`){}",
            op.rust_name,
            op.method,
            op.path,
            summary.map(|s| format!(": {}.", s.trim_end_matches('.'))).unwrap_or_else(|| ".".into())
        ),
        uses,
        stmts,
        allow_deprecated: op.deprecated,
    }
}

/// The items of a bulk helper's example: the array field of the operation's body example.
fn bulk_items(api: &Api, b: &BulkHelper, values: &mut Values<'_>) -> Expr {
    let op = &api.operations[b.operation];
    let wire = match &api.ty(b.body_type).kind {
        TypeKind::Struct { fields, .. } => fields.iter().find(|f| f.rust_name == b.field),
        _ => None,
    }
    .map(|f| (f.wire_name.clone(), f.example.clone()));
    let example = op.body.as_ref().and_then(|body| body_example(api, body));
    let items = match (&wire, example) {
        (Some((w, _)), Some(e)) if e.get(w).is_some() => e.get(w).cloned(),
        (Some((_, field_example)), _) => field_example.clone(),
        _ => None,
    };
    let items = items.or_else(|| {
        // One item built from the item type's own examples.
        Some(Json::Array(vec![Json::Null]))
    });
    values.value(&TypeRef::Vec(Box::new(b.item.clone())), items.as_ref(), Mode::Exact, &b.field).0
}

/// The program of one bulk helper.
pub(crate) fn bulk_program(api: &Api, b: &BulkHelper) -> Program {
    let krate = &api.package.name;
    let op = &api.operations[b.operation];
    let tag = &api.tags[op.tag];
    let mut values = Values::new(api);
    let mut root = vec!["BulkOptions"];
    let mut stmts = client_stmts(api, Setup::FromEnv, &mut root);
    let client_len = stmts.len();
    let items = bulk_items(api, b, &mut values);
    stmts.push(Stmt::Let("items".into(), items));
    preamble(&values, &mut stmts, client_len);
    let call = Expr::atom("client")
        .then(&tag.module, Some(vec![]))
        .then(&b.rust_name, Some(vec![Expr::atom("items"), Expr::atom("BulkOptions::new()")]))
        .then("await", None);
    stmts.push(Stmt::Let("report".into(), call));
    stmts.push(Stmt::Line("println!(\"{} accepted, {} failed\", report.accepted(), report.failed_items());".into()));
    stmts.push(Stmt::Line("for batch in report.failed() {".into()));
    stmts.push(Stmt::Line("    eprintln!(\"batch {} failed: {}\", batch.index(), batch.error());".into()));
    stmts.push(Stmt::Line("}".into()));
    stmts.push(Stmt::Line("// A failed batch is an error of the program: its exit status says so.".into()));
    stmts.push(Stmt::Line("if !report.is_complete() {".into()));
    stmts.push(Stmt::Line(
        "    return Err(format!(\"{} items were not accepted\", report.failed_items()).into());".into(),
    ));
    stmts.push(Stmt::Line("}".into()));
    Program {
        name: b.rust_name.clone(),
        title: format!(
            "`{}`: any number of items through `{}` (`{} {}`), in batches of at most {}.",
            b.rust_name, op.rust_name, op.method, op.path, b.batch_size
        ),
        uses: use_lines(krate, &values.used, &BTreeSet::new(), &root),
        stmts,
        allow_deprecated: op.deprecated,
    }
}

/// The operation the quick starts show: the first one with a body, else the first one; not a
/// deprecated one when there is another.
pub(crate) fn quick_start_operation(api: &Api) -> Option<&Operation> {
    let current = || api.operations.iter().filter(|o| !o.deprecated);
    current()
        .find(|o| o.body.is_some())
        .or_else(|| current().next())
        .or_else(|| api.operations.iter().find(|o| o.body.is_some()))
        .or_else(|| api.operations.first())
}

/// A runnable snippet for a model page: the value built from the examples and the JSON it is
/// sent as. `None` when there is nothing worth showing.
pub(crate) fn model_snippet(api: &Api, id: TypeId, is_input: bool) -> Option<String> {
    let def = api.ty(id);
    let krate = &api.package.name;
    match &def.kind {
        TypeKind::StringEnum { variants } => {
            let first = variants.first()?;
            let name = &def.name;
            let mut other = String::from("NOT_A_KNOWN_VALUE");
            while variants.iter().any(|v| v.value == other) {
                other.push('_');
            }
            let lines = [
                format!("assert_eq!({name}::{}.as_str(), {});", first.rust_name, str_lit(&first.value)),
                format!("assert_eq!({name}::from({}), {name}::{});", str_lit(&first.value), first.rust_name),
                "// A value added to the API later is kept, not rejected:".to_owned(),
                format!(
                    "assert_eq!({name}::from({}), {name}::Unknown({}.to_owned()));",
                    str_lit(&other),
                    str_lit(&other)
                ),
            ];
            Some(snippet(krate, &[format!("use {krate}::models::{name};")], &lines))
        }
        TypeKind::IntEnum { variants } => {
            let first = variants.first()?;
            let name = &def.name;
            let other = variants.iter().map(|v| v.value).max().unwrap_or(0).saturating_add(1);
            let lines = [
                format!("assert_eq!({name}::{}.value(), {});", first.rust_name, first.value),
                format!("assert_eq!({name}::from({}), {name}::{});", first.value, first.rust_name),
                "// A value added to the API later is kept, not rejected:".to_owned(),
                format!("assert_eq!({name}::from({other}), {name}::Unknown({other}));"),
            ];
            Some(snippet(krate, &[format!("use {krate}::models::{name};")], &lines))
        }
        TypeKind::Struct { fields, .. } => {
            let has_examples = def.example.is_some() || fields.iter().any(|f| f.example.is_some());
            if !has_examples && !is_input {
                return None;
            }
            value_snippet(api, id, false)
        }
        TypeKind::Union { .. } | TypeKind::Alias(_) => {
            def.example.as_ref()?;
            value_snippet(api, id, true)
        }
    }
}

fn value_snippet(api: &Api, id: TypeId, annotate: bool) -> Option<String> {
    let def = api.ty(id);
    let krate = &api.package.name;
    let mut values = Values::new(api);
    let (e, json) = values.value(&TypeRef::Named(id), def.example.as_ref(), Mode::Exact, "value");
    let pattern = if annotate { format!("value: {}", def.name) } else { "value".to_owned() };
    let mut lines = Vec::new();
    lines.extend(values.skipped_keys_comment());
    lines.extend(values.now_binding());
    lines.push(let_stmt(&pattern, &e, 0));
    if matches!(&def.kind, TypeKind::Struct { fields, .. } if fields.iter().any(|f| f.ty.is_file())) {
        // Sent as `multipart/form-data`, not as JSON.
        values.used.insert(def.name.clone());
        return Some(snippet(krate, &use_lines(krate, &values.used, &BTreeSet::new(), &[]), &lines));
    }
    lines.extend([String::new(), "// The JSON it is sent as:".to_owned()]);
    if values.uses_now && json_macro_depth(&json) > JSON_MACRO_BUDGET {
        // Too big for `json!`, and the time it holds is not known in advance.
        lines.push("println!(\"{}\", serde_json::to_string_pretty(&value).unwrap());".to_owned());
    } else {
        let check =
            Expr::call("assert_eq!", vec![Expr::atom("serde_json::to_value(&value).unwrap()"), json_macro(&json)]);
        lines.push(format!("{};", check.render(0, 0, 1)));
    }
    values.used.insert(def.name.clone());
    Some(snippet(krate, &use_lines(krate, &values.used, &BTreeSet::new(), &[]), &lines))
}

/// A model page's snippet: its `use` lines, then its lines. A snippet that writes JSON names
/// `serde_json` through the crate's re-export, so it needs no dependency of the user's own.
fn snippet(krate: &str, uses: &[String], lines: &[String]) -> String {
    let mut out = String::new();
    for u in uses {
        out.push_str(u);
        out.push('\n');
    }
    if lines.iter().any(|l| l.contains("serde_json::")) {
        out.push_str(&format!("use {krate}::serde_json;\n"));
    }
    out.push('\n');
    for l in lines {
        out.push_str(l);
        out.push('\n');
    }
    out
}
