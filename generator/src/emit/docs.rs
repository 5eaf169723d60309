//! Markdown: the crate README (the crate guide of `guide.rs`, rendered as Markdown), an index
//! (`docs/README.md`), a page per tag with every operation (`docs/sdks/<tag>/README.md`) and a
//! page per model (`docs/models/<model>.md`).
//!
//! Every ```` ```rust ```` block in them is compiled by `cargo test --doc`: the generated
//! `src/lib.rs` includes each file as the docs of a `#[cfg(doctest)]` item (see
//! [`doctest_items`]). Blocks that need a server are `no_run`; the others run. No other fenced
//! or indented block may appear (rustdoc would compile it as Rust too), so spec prose always
//! goes through [`prose`].

use std::collections::{BTreeMap, BTreeSet};

use heck::ToUpperCamelCase;

use super::defaults;
use super::examples::{self, model_snippet};
use super::layout::str_lit;
use super::markdown::{cell, code_cell, model_page_path, op_anchor, security_how, summary_of, tag_page_path};
use super::render::{json_code, prose, setter_name, Header};
use super::types;
use crate::fileset::FileSet;
use crate::ir::*;

pub(crate) fn emit(api: &Api, header: &Header, files: &mut FileSet) {
    let refs = References::new(api);
    files.insert("README.md", format!("{}\n{}", header.markdown(), super::guide::guide(api).markdown()));
    files.insert("docs/README.md", index(api, header));
    for tag in &api.tags {
        files.insert(tag_page_path(tag), tag_page(api, header, tag));
    }
    for (i, def) in api.types.iter().enumerate() {
        files.insert(model_page_path(def), model_page(api, header, TypeId::at(i), &refs));
    }
    super::ingestor::emit_docs(api, header, files);
}

/// Every Markdown file with Rust snippets, with the name of the `#[cfg(doctest)]` item of
/// `src/lib.rs` that includes it: (group module, item name, path from the crate root).
pub(crate) fn doctest_items(api: &Api) -> Vec<(&'static str, String, String, Option<&'static str>)> {
    let mut out = vec![("crate_docs", "Readme".to_owned(), "README.md".to_owned(), None)];
    for tag in &api.tags {
        out.push(("sdks", tag.rust_name.clone(), tag_page_path(tag), None));
    }
    for (name, path) in super::ingestor::doc_pages(api) {
        out.push(("sdks", name, path, Some(super::ingestor::FEATURE)));
    }
    for def in &api.types {
        out.push(("models", def.name.to_upper_camel_case(), model_page_path(def), None));
    }
    out
}

// -------------------------------------------------------------------------------------------
// Shared pieces

/// A type as inline code, linked to the page of the generated type it names, if any.
/// `to_models` is the path from the current page to `docs/models/`.
fn type_md(api: &Api, t: &TypeRef, to_models: &str) -> String {
    let text = code_cell(&types::short(&api.types, t));
    match api.type_of(t) {
        Some(def) => format!("[{text}]({to_models}{}.md)", def.module),
        None => text,
    }
}

fn yes_no(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}

fn fenced(lang: &str, code: &str) -> String {
    format!("```{lang}\n{}```\n", code)
}

fn location(p: &Param) -> &'static str {
    match p.location {
        ParamLocation::Path => "path",
        ParamLocation::Query => "query",
        ParamLocation::Header => "header",
        ParamLocation::Cookie => "cookie",
    }
}

/// Where each generated type is used: by operations and by other types.
struct References {
    /// A type's users: a link and what the type is there (`request body`, `field `x``).
    by_type: BTreeMap<TypeId, Vec<(String, Vec<String>)>>,
    /// Types that are (part of) a request: worth a "build one" snippet.
    inputs: BTreeSet<TypeId>,
}

impl References {
    fn new(api: &Api) -> Self {
        let mut by_type: BTreeMap<TypeId, Vec<(String, Vec<String>)>> = BTreeMap::new();
        let mut add = |id: Option<TypeId>, link: &str, what: String| {
            let Some(id) = id else { return };
            let users = by_type.entry(id).or_default();
            match users.iter_mut().find(|(l, _)| l == link) {
                Some((_, whats)) if !whats.contains(&what) => whats.push(what),
                Some(_) => {}
                None => users.push((link.to_owned(), vec![what])),
            }
        };
        for op in &api.operations {
            let link = format!("[`{}`](../sdks/{}/README.md#{})", op.rust_name, api.tags[op.tag].module, op_anchor(op));
            if let Some(b) = &op.body {
                add(b.ty.named(), &link, "request body".into());
            }
            for p in &op.params {
                add(p.ty.named(), &link, format!("parameter `{}`", p.rust_name));
            }
            add(op.response.named(), &link, "response".into());
        }
        for e in &api.errors {
            add(e.body.named(), &format!("`Error::{}`", e.rust_name), format!("body of status {}", e.status));
        }
        for def in &api.types {
            let link = format!("[`{}`]({}.md)", def.name, def.module);
            match &def.kind {
                TypeKind::Struct { fields, additional } => {
                    for f in fields {
                        add(f.ty.named(), &link, format!("field `{}`", f.rust_name));
                    }
                    if let Some(a) = additional {
                        add(a.named(), &link, "additional properties".into());
                    }
                }
                TypeKind::Union { variants, .. } => {
                    for v in variants {
                        add(v.ty.named(), &link, format!("variant `{}`", v.rust_name));
                    }
                }
                TypeKind::Alias(t) => add(t.named(), &link, "alias".into()),
                TypeKind::StringEnum { .. } | TypeKind::IntEnum { .. } => {}
            }
        }
        // Everything reachable from a request is an input too.
        let inputs = api.input_types();
        Self { by_type, inputs }
    }
}

// -------------------------------------------------------------------------------------------
// docs/README.md

fn index(api: &Api, header: &Header) -> String {
    let mut out = header.markdown();
    out.push_str(&format!("\n# {} reference\n\n", prose(&api.title)));
    out.push_str("Back to [the crate README](../README.md).\n\n## Operations\n\n");
    for tag in &api.tags {
        out.push_str(&format!(
            "- [{}](sdks/{}/README.md){}\n",
            prose(&tag.name),
            tag.module,
            tag.description.as_deref().map(|d| format!(": {}", prose(d))).unwrap_or_default()
        ));
    }
    out.push('\n');
    out.push_str(&super::guide::model::markdown(&super::guide::operations_table(api)).replace("](docs/", "]("));
    out.push_str("\n## Models\n\n| Model | Kind | Description |\n| --- | --- | --- |\n");
    for def in &api.types {
        out.push_str(&format!(
            "| [`{}`](models/{}.md) | {} | {} |\n",
            def.name,
            def.module,
            kind_name(&def.kind),
            cell(&def.description.as_deref().map(|d| prose(d.lines().next().unwrap_or(""))).unwrap_or_default())
        ));
    }
    out
}

fn kind_name(kind: &TypeKind) -> &'static str {
    match kind {
        TypeKind::Struct { .. } => "struct",
        TypeKind::StringEnum { .. } => "string enum",
        TypeKind::IntEnum { .. } => "integer enum",
        TypeKind::Union { .. } => "union",
        TypeKind::Alias(_) => "type alias",
    }
}

// -------------------------------------------------------------------------------------------
// docs/sdks/<tag>/README.md

fn tag_page(api: &Api, header: &Header, tag: &Tag) -> String {
    let bulk: Vec<&BulkHelper> = api.bulk.iter().filter(|b| tag.operations.contains(&b.operation)).collect();
    let mut out = header.markdown();
    out.push_str(&format!("\n# {}\n\n", prose(&tag.name)));
    if let Some(d) = &tag.description {
        out.push_str(&format!("{}\n\n", prose(d)));
    }
    out.push_str(&format!(
        "Reach these operations through `client.{}()` (the `{}::operations::{}` struct). Back to [the crate README](../../../README.md).\n\n## Operations\n\n",
        tag.module, api.package.name, tag.rust_name
    ));
    for &i in &tag.operations {
        let op = &api.operations[i];
        out.push_str(&format!("* [{}](#{}) - {}\n", op.rust_name, op_anchor(op), summary_of(op)));
    }
    for b in &bulk {
        out.push_str(&format!(
            "* [{}](#{}) - Bulk helper: any number of items through `{}`\n",
            b.rust_name,
            b.rust_name.to_lowercase(),
            api.operations[b.operation].rust_name
        ));
        if let Some(ing) = &b.ingestor {
            out.push_str(&format!(
                "* [{}]({}) - Background ingestor over `{}` (crate feature `ingestor`)\n",
                ing.rust_name,
                super::ingestor::page_file(ing),
                api.operations[b.operation].rust_name
            ));
        }
    }
    for &i in &tag.operations {
        out.push('\n');
        out.push_str(&operation_section(api, &api.operations[i]));
    }
    for b in &bulk {
        out.push('\n');
        out.push_str(&bulk_section(api, b));
    }
    out
}

const TO_MODELS: &str = "../../models/";

fn operation_section(api: &Api, op: &Operation) -> String {
    let mut out = format!("## {}\n\n", op.rust_name);
    if op.deprecated {
        out.push_str("**Deprecated** in the spec.\n\n");
    }
    match (&op.summary, &op.description) {
        (Some(s), Some(d)) if s != d => out.push_str(&format!("**{}**\n\n{}\n\n", prose(s), prose(d))),
        (Some(s), _) | (None, Some(s)) => out.push_str(&format!("{}\n\n", prose(s))),
        (None, None) => {}
    }
    out.push_str(&format!("`{} {}`", op.method, op.path));
    if let Some(id) = &op.operation_id {
        out.push_str(&format!(" (operationId `{id}`)"));
    }
    if !op.security.is_empty() {
        let how: Vec<String> = op
            .security
            .iter()
            .map(|&i| {
                let s = &api.security[i];
                format!("`{}` ({})", s.name, security_how(&s.kind))
            })
            .collect();
        out.push_str(&format!(". Authorization: {}", how.join(" or ")));
    }
    out.push_str(".\n\n### Example\n\n");
    out.push_str(&fenced("rust,no_run", &examples::operation_program(api, op).text(0)));
    out.push_str(&format!(
        "\nThe same program is `examples/{}.rs`: `cargo run --example {}`.\n",
        op.rust_name, op.rust_name
    ));
    out.push_str(&parameters_section(api, op));
    out.push_str(&response_section(api, op));
    out.push_str(&errors_section(api, op));
    out
}

/// An operation's parameters and body, with the per-call options.
fn parameters_section(api: &Api, op: &Operation) -> String {
    let mut out = String::from("\n### Parameters\n\n");
    if op.params.is_empty() && op.body.is_none() {
        out.push_str("None.\n");
    } else {
        out.push_str(
            "| Name | In | Type | Required | Description | Constraints |\n| --- | --- | --- | --- | --- | --- |\n",
        );
        for p in &op.params {
            let mut desc = p.description.as_deref().map(prose).unwrap_or_default();
            if !p.required {
                if let Some(ps) = &op.params_struct {
                    desc = format!(
                        "{desc}{}Set with `{ps}::{}`.",
                        if desc.is_empty() { "" } else { " " },
                        setter_name(&p.rust_name)
                    );
                }
            }
            if p.deprecated {
                desc.push_str(" Deprecated.");
            }
            let mut constraints = p.constraints.describe();
            if let Some(e) = &p.example {
                if !constraints.is_empty() {
                    constraints.push_str("; ");
                }
                constraints.push_str(&format!("example: {}", json_code(e)));
            }
            out.push_str(&format!(
                "| `{}` | {} `{}` | {} | {} | {} | {} |\n",
                p.rust_name,
                location(p),
                p.wire_name,
                type_md(api, &p.ty, TO_MODELS),
                yes_no(p.required),
                cell(&desc),
                cell(&constraints)
            ));
        }
        if let Some(b) = &op.body {
            let mut desc = b.description.as_deref().map(prose).unwrap_or_default();
            if b.spec_content_type != b.content_type {
                desc.push_str(&format!(
                    "{}Declared as `{}` in the spec; sent as `{}`.",
                    if desc.is_empty() { "" } else { " " },
                    b.spec_content_type,
                    b.content_type
                ));
            }
            out.push_str(&format!(
                "| `body` | body (`{}`) | {} | {} | {} | {} |\n",
                b.content_type,
                type_md(api, &b.ty, TO_MODELS),
                yes_no(b.required),
                cell(&desc),
                cell(&body_constraints(api, b))
            ));
        }
    }
    out.push_str(
        "\nOn the returned request, before awaiting it: `.timeout(Duration)` and `.retry(RetryConfig)` (or \
         `.no_retry()`) for this call only, `.header(name, value)` for an extra header; `.send_with_response()` also \
         gives the status and headers.\n",
    );

    out
}

/// What an operation returns.
fn response_section(api: &Api, op: &Operation) -> String {
    let mut out = String::from("\n### Response\n\n");
    let codes = op.success.iter().map(u16::to_string).collect::<Vec<_>>().join(", ");
    let what = match op.response_encoding {
        ResponseEncoding::Empty => "Nothing (`()`)".to_owned(),
        _ => format!("**{}**", type_md(api, &op.response, TO_MODELS)),
    };
    out.push_str(&format!(
        "{what} on status {codes}{}{}\n",
        op.response_content_type.as_deref().map(|c| format!(" (`{c}`)")).unwrap_or_default(),
        op.response_description.as_deref().map(|d| format!(": {}", prose(d))).unwrap_or_else(|| ".".to_owned())
    ));
    out
}

/// Every error an operation can fail with.
fn errors_section(api: &Api, op: &Operation) -> String {
    let codes = op.success.iter().map(u16::to_string).collect::<Vec<_>>().join(", ");
    let mut out =
        String::from("\n### Errors\n\n| Error | Status codes | Content type | When |\n| --- | --- | --- | --- |\n");
    for e in &op.errors {
        let Some(v) = api.errors.iter().find(|v| v.status == e.status) else { continue };
        let body = match v.body {
            TypeRef::Unit => "no body".to_owned(),
            ref t => type_md(api, t, TO_MODELS),
        };
        out.push_str(&format!(
            "| `Error::{}` ({}) | {} | {} | {} |\n",
            v.rust_name,
            body,
            e.status,
            e.content_type.as_deref().map(|c| format!("`{c}`")).unwrap_or_else(|| "none".into()),
            cell(&e.description.as_deref().map(prose).unwrap_or_default())
        ));
    }
    let declared: Vec<String> =
        op.success.iter().map(u16::to_string).chain(op.errors.iter().map(|e| e.status.to_string())).collect();
    // With a `default` response no other status is left.
    if !op.errors.iter().any(|e| e.status == ErrorStatus::Default) {
        out.push_str(&format!(
            "| `Error::UnexpectedStatus` | any other (not {}) | any | A status the spec does not declare here; holds the headers and the raw body. |\n",
            declared.join(", ")
        ));
    }
    out.push_str("| `Error::Transport` | none | none | The server could not be reached, the connection broke or an attempt timed out, after retries. |\n");
    out.push_str(&format!(
        "| `Error::Decode` | {codes} | {} | The response body does not match its type; holds the raw body. |\n",
        op.response_content_type.as_deref().map(|c| format!("`{c}`")).unwrap_or_else(|| "none".into())
    ));
    let validated = op.body.as_ref().map(|b| body_constraints(api, b)).filter(|c| !c.is_empty());
    out.push_str(&format!(
        "| `Error::InvalidRequest` | none: nothing is sent | none | {} |\n",
        cell(&match validated {
            Some(c) => format!("The body breaks a constraint of the spec ({c}), or a header value is invalid."),
            None => "A header value is invalid, or the body cannot be encoded.".to_owned(),
        })
    ));
    out
}

/// The checked constraints of a body's own fields (`` `events`: 1 to 1000 items ``).
fn body_constraints(api: &Api, b: &RequestBody) -> String {
    let Some(def) = api.type_of(&b.ty) else { return String::new() };
    let TypeKind::Struct { fields, .. } = &def.kind else { return String::new() };
    fields
        .iter()
        .filter(|f| f.constraints.is_checked())
        .map(|f| format!("`{}`: {}", f.rust_name, f.constraints.describe()))
        .collect::<Vec<_>>()
        .join("; ")
}

fn bulk_section(api: &Api, b: &BulkHelper) -> String {
    let op = &api.operations[b.operation];
    let mut out = format!("## {}\n\n", b.rust_name);
    out.push_str(&format!(
        "**Bulk helper.** Sends any number of {} items through [`{}`](#{}), in batches of at most {} (the spec's \
         `maxItems`), several batches at a time, each retried like any call.\n\n",
        type_md(api, &b.item, TO_MODELS),
        op.rust_name,
        op_anchor(op),
        b.batch_size
    ));
    out.push_str("### Example\n\n");
    out.push_str(&fenced("rust,no_run", &examples::bulk_program(api, b).text(0)));
    if !api.operations.iter().any(|o| o.rust_name == b.rust_name) {
        out.push_str(&format!(
            "\nThe same program is `examples/{}.rs`: `cargo run --example {}`.\n",
            b.rust_name, b.rust_name
        ));
    }
    out.push_str(&format!(
        "\n### Parameters\n\n| Name | Type | Description |\n| --- | --- | --- |\n\
         | `items` | `impl IntoIterator<Item = {}>` | The items, in any number. |\n\
         | `options` | `BulkOptions` | `BulkOptions::new()`: batches of {} and {} in flight; change with `.batch_size(n)` (at most {}) and `.concurrency(n)`. |\n",
        types::short(&api.types, &b.item),
        b.batch_size,
        defaults::BULK_CONCURRENCY,
        b.batch_size
    ));
    out.push_str(&format!(
        "\n### Response\n\n`BulkReport<{}, Error>`: `accepted()` items, and `failed()` batches, each with its `items()` \
         and `error()` (any error of [`{}`](#{})). It never fails as a whole.\n",
        types::short(&api.types, &b.item),
        op.rust_name,
        op_anchor(op)
    ));
    out
}

// -------------------------------------------------------------------------------------------
// docs/models/<model>.md

fn model_page(api: &Api, header: &Header, id: TypeId, refs: &References) -> String {
    let def = api.ty(id);
    let krate = &api.package.name;
    let mut out = header.markdown();
    out.push_str(&format!("\n# {}\n\n", def.name));
    if let Some(d) = &def.description {
        out.push_str(&format!("{}\n\n", prose(d)));
    }
    out.push_str(&format!("- Rust: `{krate}::models::{}`, {}\n", def.name, kind_sentence(&def.kind)));
    out.push_str(&format!("- Spec: {}\n", def.origin));
    if let Some(users) = refs.by_type.get(&id) {
        let users: Vec<String> = users.iter().map(|(link, whats)| format!("{link} ({})", whats.join(", "))).collect();
        out.push_str(&format!("- Used by: {}\n", users.join(", ")));
    }
    if let Some(e) = &def.example {
        out.push_str(&format!("- Example: {}\n", json_code(e)));
    }
    out.push_str("\nBack to [the reference](../README.md#models).\n");
    match &def.kind {
        TypeKind::Struct { fields, additional } => out.push_str(&struct_section(api, def, fields, additional.as_ref())),
        TypeKind::StringEnum { variants } => {
            out.push_str("\n## Values\n\n| Variant | Wire value | Description |\n| --- | --- | --- |\n");
            for v in variants {
                out.push_str(&format!(
                    "| `{}::{}` | {} | {} |\n",
                    def.name,
                    v.rust_name,
                    code_cell(&str_lit(&v.value)),
                    cell(&v.description.as_deref().map(prose).unwrap_or_default())
                ));
            }
            out.push_str(&format!(
                "| `{}::Unknown(String)` | any other string | A value this version of the SDK does not know: kept as it came and sent back unchanged. |\n",
                def.name
            ));
        }
        TypeKind::IntEnum { variants } => {
            out.push_str("\n## Values\n\n| Variant | Wire value |\n| --- | --- |\n");
            for v in variants {
                out.push_str(&format!("| `{}::{}` | `{}` |\n", def.name, v.rust_name, v.value));
            }
            out.push_str(&format!(
                "| `{}::Unknown(i64)` | any other integer (kept as it came and sent back unchanged) |\n",
                def.name
            ));
        }
        TypeKind::Union { tagging, variants } => {
            out.push_str("\n## Variants\n\n");
            match tagging {
                UnionTagging::Untagged => out.push_str(
                    "On the wire a value is one of the variants, with nothing to tell them apart: decoding tries them in order and keeps the first that fits.\n\n",
                ),
                UnionTagging::Internal(p) => out.push_str(&format!(
                    "The property `{p}` of the object names the variant (the tag below).\n\n"
                )),
            }
            out.push_str("| Variant | Payload | Tag | Description |\n| --- | --- | --- | --- |\n");
            for v in variants {
                out.push_str(&format!(
                    "| `{}::{}` | {} | {} | {} |\n",
                    def.name,
                    v.rust_name,
                    type_md(api, &v.ty, ""),
                    v.tag.as_deref().map(|t| code_cell(&str_lit(t))).unwrap_or_default(),
                    cell(&v.description.as_deref().map(prose).unwrap_or_default())
                ));
            }
        }
        TypeKind::Alias(t) => {
            out.push_str(&format!(
                "\n## Definition\n\n`pub type {} = {};`: another name for {}.\n",
                def.name,
                types::short(&api.types, t),
                type_md(api, t, "")
            ));
        }
    }
    if let Some(snippet) = model_snippet(api, id, refs.inputs.contains(&id)) {
        out.push_str("\n## Example\n\n");
        if matches!(def.kind, TypeKind::Struct { .. } | TypeKind::Union { .. } | TypeKind::Alias(_)) {
            out.push_str("Built from the examples in the spec:\n\n");
        }
        out.push_str(&fenced("rust", &snippet));
    }
    out
}

fn kind_sentence(kind: &TypeKind) -> &'static str {
    match kind {
        TypeKind::Struct { .. } => "a struct (`#[non_exhaustive]`: build it with `new` and the `with_*` setters)",
        TypeKind::StringEnum { .. } => "a string enum that keeps values it does not know",
        TypeKind::IntEnum { .. } => "an integer enum that keeps values it does not know",
        TypeKind::Union { .. } => "an enum with one variant per alternative of the schema",
        TypeKind::Alias(_) => "a type alias",
    }
}

fn struct_section(api: &Api, def: &TypeDef, fields: &[Field], additional: Option<&TypeRef>) -> String {
    let plain: Vec<&Field> = fields.iter().filter(|f| f.is_argument(&api.types)).collect();
    let mut out = String::from("\n## Fields\n\n");
    if plain.is_empty() {
        out.push_str(&format!("Create one with `{}::new()` and set fields with the `with_*` setters.\n\n", def.name));
    } else {
        out.push_str(&format!(
            "Create one with `{}::new({})` (the required fields, in this order) and set the others with the `with_*` setters.\n\n",
            def.name,
            plain.iter().map(|f| f.rust_name.as_str()).collect::<Vec<_>>().join(", ")
        ));
    }
    if fields.is_empty() && additional.is_none() {
        out.push_str("It has no fields.\n");
        return out;
    }
    out.push_str(
        "| Field | Wire name | Type | Required | Description | Notes |\n| --- | --- | --- | --- | --- | --- |\n",
    );
    for f in fields {
        let mut notes = Vec::new();
        if let Some(values) = enum_values(api, &f.ty) {
            let set = if f.fixed(&api.types).is_some() { "Set by `new()`; values" } else { "Values" };
            notes.push(format!("{set}: {values}"));
        }
        let limits = f.constraints.describe();
        if !limits.is_empty() {
            notes.push(format!("Limits: {}", limits.replace('|', "\\|")));
        }
        if let Some(d) = &f.default {
            notes.push(format!("Default: {}", json_code(d).replace('|', "\\|")));
        }
        if let Some(e) = &f.example {
            notes.push(format!("Example: {}", json_code(e).replace('|', "\\|")));
        }
        if f.ty.is_file() {
            let what = if matches!(&f.ty, TypeRef::Vec(_)) { "Files, each" } else { "A file," };
            notes.push(format!(
                "{what} sent as a part of its own: `{}::FilePart::read(path)?`, or bytes or text with `FilePart::from`",
                api.package.name
            ));
        }
        if f.idempotency_key {
            notes
                .push("Idempotency key: filled in with a fresh unique id before the first attempt when missing".into());
        }
        if f.may_send_null() {
            notes.push(format!("May be `null`; `{}()` sends it so", super::render::null_setter_name(fields, f)));
        } else if f.nullable {
            notes.push("May be `null`".into());
        }
        if f.read_only {
            notes.push("Read-only: set by the server".into());
        }
        if f.write_only {
            notes.push("Write-only: never returned".into());
        }
        if f.deprecated {
            notes.push("Deprecated".into());
        }
        let required = if f.is_plain() {
            "yes"
        } else if f.required {
            "yes (may be `null`)"
        } else {
            "no"
        };
        out.push_str(&format!(
            "| `{}` | `{}` | {} | {} | {} | {} |\n",
            f.rust_name,
            f.wire_name,
            type_md(api, &f.full_type(), ""),
            required,
            cell(&field_description(api, f)),
            notes.join("; ")
        ));
    }
    if let Some(a) = additional {
        out.push_str(&format!(
            "| `additional_properties` | any other name | {} | no | Properties the schema does not declare, kept as they came. | |\n",
            type_md(api, &TypeRef::Map(Box::new(a.clone())), "")
        ));
    }
    out
}

/// A field's description, or else the description of the type it refers to.
fn field_description(api: &Api, f: &Field) -> String {
    let own = f.description.as_deref();
    let of_type = || {
        let def = api.type_of(&f.ty)?;
        def.description.as_deref()
    };
    own.or_else(of_type).map(prose).unwrap_or_default()
}

/// The wire values of an enum type (looking through containers), for a table cell.
fn enum_values(api: &Api, t: &TypeRef) -> Option<String> {
    let def = api.type_of(t)?;
    let values: Vec<String> = match &def.kind {
        TypeKind::StringEnum { variants } => variants.iter().map(|v| code_cell(&v.value)).collect(),
        TypeKind::IntEnum { variants } => variants.iter().map(|v| format!("`{}`", v.value)).collect(),
        _ => return None,
    };
    let shown = if values.len() > 12 {
        format!("{}, ... ({} in all)", values[..12].join(", "), values.len())
    } else {
        values.join(", ")
    };
    Some(format!("{shown}; others kept as `{}::Unknown`", def.name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_stay_on_one_line_and_keep_escapes() {
        assert_eq!(cell("a|b\nc"), "a\\|b<br>c");
        assert_eq!(cell("already \\| escaped"), "already \\| escaped");
    }
}
