//! The methods of an operation file written as text: an operation's method, its delegate on the
//! client, and their parts (arguments, the path, the parameters, the pager). A line per
//! statement, blocks indented, a signature broken one argument per line when it is longer than
//! 100 columns; no parser or printer is involved (they were most of the time spent generating
//! an operation file). The fixture snapshots show the code of every shape.

use super::layout::str_lit;
use super::render::{derived_ident, ident, item_docs, setter_name};
use super::types::{self, Models};
use crate::ir::*;

/// Widest signature kept on one line.
const WIDTH: usize = 100;

/// Lines of Rust at an indentation that blocks open and close.
struct Lines {
    out: String,
    indent: usize,
}

impl Lines {
    fn new(indent: usize) -> Self {
        Self { out: String::new(), indent }
    }

    fn into_string(self) -> String {
        self.out
    }

    fn line(&mut self, text: &str) {
        for _ in 0..self.indent {
            self.out.push(' ');
        }
        self.out.push_str(text);
        self.out.push('\n');
    }

    /// A line ending in `{`, then the lines inside it.
    fn open(&mut self, text: &str) {
        self.line(text);
        self.indent += 4;
    }

    /// The line closing what [`Lines::open`] opened.
    fn close(&mut self, text: &str) {
        self.indent -= 4;
        self.line(text);
    }

    /// `pub fn name(args) -> out {`, broken one argument per line when it is too long.
    fn signature(&mut self, head: &str, args: &[String], out: &str) {
        let one = format!("{head}({}) -> {out} {{", args.join(", "));
        if self.indent + one.len() <= WIDTH {
            self.open(&one);
            return;
        }
        self.open(&format!("{head}("));
        for a in args {
            self.line(&format!("{a},"));
        }
        self.indent -= 4;
        self.open(&format!(") -> {out} {{"));
    }
}

/// The name of an operation's `OperationSpec` static.
pub(crate) fn spec_static(op: &Operation) -> String {
    derived_ident(&heck::ToShoutySnakeCase::to_shouty_snake_case(op.rust_name.as_str())).to_string()
}

/// Argument type and the statement turning it into the value used, for a required parameter.
fn param_arg(api: &Api, p: &Param) -> (String, Option<String>) {
    let id = ident(&p.rust_name);
    // An alias of a string takes any string, as a string does.
    match api.unaliased(&p.ty) {
        TypeRef::String => ("impl Into<String>".to_owned(), Some(format!("let {id}: String = {id}.into();"))),
        other => (types::text(&api.types, other, Models::Crate), None),
    }
}

/// The arguments of an operation's method (`&self`, the required parameters, the
/// optional-parameters struct, the body) and the names of all but `&self`.
fn method_args(api: &Api, op: &Operation) -> (Vec<String>, Vec<String>) {
    let mut args = vec!["&self".to_owned()];
    let mut names = Vec::new();
    for p in op.params.iter().filter(|p| p.required) {
        let id = ident(&p.rust_name).to_string();
        args.push(format!("{id}: {}", param_arg(api, p).0));
        names.push(id);
    }
    if let Some(ps) = &op.params_struct {
        args.push(format!("params: {}", ident(ps)));
        names.push("params".to_owned());
    }
    if let Some(b) = &op.body {
        let t = types::text(&api.types, &b.ty, Models::Crate);
        args.push(if b.required { format!("body: {t}") } else { format!("body: Option<{t}>") });
        names.push("body".to_owned());
    }
    (args, names)
}

/// The type an operation's method returns: `Call<Out, Error>`, or for a paginated operation
/// `Call<Out, Error, crate::Paged<Out, Item>>`.
pub(crate) fn call_type(api: &Api, op: &Operation) -> String {
    let out = types::text(&api.types, &op.response, Models::Crate);
    match pagination_of(api, op) {
        Some(p) => {
            format!("Call<{out}, Error, crate::Paged<{out}, {}>>", types::text(&api.types, &p.item, Models::Crate))
        }
        None => format!("Call<{out}, Error>"),
    }
}

pub(crate) fn pagination_of<'a>(api: &'a Api, op: &Operation) -> Option<&'a Pagination> {
    api.pagination.iter().find(|p| api.operations[p.operation].rust_name == op.rust_name)
}

/// An operation's method, without its docs, at the indentation of an `impl` block's items.
pub(crate) fn method(api: &Api, op: &Operation) -> String {
    let mut w = Lines::new(4);
    let (args, _) = method_args(api, op);
    w.signature(&format!("pub fn {}", ident(&op.rust_name)), &args, &call_type(api, op));
    for p in op.params.iter().filter(|p| p.required) {
        if let (_, Some(conversion)) = param_arg(api, p) {
            w.line(&conversion);
        }
    }
    let mut request_expr = "Ok(request)".to_owned();
    if let Some(b) = &op.body {
        let def = api.type_of(&b.ty);
        let validated = def.is_some_and(|d| d.validated);
        if def.is_some_and(|d| d.has_idempotency_key) {
            w.line("let mut body = body;");
            if b.required {
                w.line("body.fill_idempotency_keys();");
            } else {
                w.open("if let Some(b) = &mut body {");
                w.line("b.fill_idempotency_keys();");
                w.close("}");
            }
        }
        if validated {
            w.line("let checked = crate::runtime::validate::validate(&body);");
        }
        let encode_of = |var: &str| match b.encoding {
            BodyEncoding::Json if b.content_type == "application/json" => format!("request.json(&{var})"),
            BodyEncoding::Json => format!("request.json_as(&{var}, {})", str_lit(&b.content_type)),
            BodyEncoding::Form => format!("request.form_json(&{var})"),
            BodyEncoding::Multipart => format!("request.multipart_json(&{var}, &[{}])", file_fields(api, &b.ty, var)),
            BodyEncoding::Text => format!("Ok(request.text({var}))"),
            BodyEncoding::Binary => format!("Ok(request.binary({var}, {}))", str_lit(&b.content_type)),
        };
        let encode = if b.required {
            encode_of("body")
        } else {
            format!("match body {{ Some(b) => {}, None => Ok(request) }}", encode_of("b"))
        };
        request_expr = if validated { format!("checked.and_then(|()| {encode})") } else { encode };
    }
    let mutable = if op.params.iter().any(|p| p.location != ParamLocation::Path) { "mut " } else { "" };
    w.line(&format!("let {mutable}request = PreparedRequest::new({});", path_expr(api, op)));
    for p in op.params.iter().filter(|p| p.location != ParamLocation::Path) {
        param_stmt(&mut w, api, p);
    }
    w.line(&format!("let request = {request_expr};"));
    let decode = match op.response_encoding {
        ResponseEncoding::Json => "decode_json",
        ResponseEncoding::Empty => "decode_empty",
        ResponseEncoding::Text => "decode_text",
        ResponseEncoding::Binary => "decode_bytes",
    };
    let call = format!("Call::new(self.core, &{}, request, crate::runtime::response::{decode})", spec_static(op));
    match pagination_of(api, op) {
        Some(p) => pager(&mut w, api, op, p, &call),
        None => w.line(&call),
    }
    w.close("}");
    w.into_string()
}

/// The file fields of a multipart body held in `var`, as the runtime's list of
/// `(wire name, &field)`: each of their files is sent as a part of its own.
fn file_fields(api: &Api, body: &TypeRef, var: &str) -> String {
    let TypeRef::Named(id) = body else { return String::new() };
    let TypeKind::Struct { fields, .. } = &api.ty(*id).kind else { return String::new() };
    let files: Vec<String> = fields
        .iter()
        .filter(|f| f.ty.is_file())
        .map(|f| format!("({}, &{var}.{})", str_lit(&f.wire_name), ident(&f.rust_name)))
        .collect();
    files.join(", ")
}

/// The path with its parameters percent-encoded: `["/things/", &thing_id, "/items"].concat()`.
fn path_expr(api: &Api, op: &Operation) -> String {
    let path_params: Vec<&Param> = op.params.iter().filter(|p| p.location == ParamLocation::Path).collect();
    if path_params.is_empty() {
        return format!("String::from({})", str_lit(&op.path));
    }
    let mut pieces = Vec::new();
    let mut rest = op.path.as_str();
    while let Some(start) = rest.find('{') {
        let Some(len) = rest[start..].find('}') else { break };
        let name = &rest[start + 1..start + len];
        if start > 0 {
            pieces.push(str_lit(&rest[..start]));
        }
        match path_params.iter().find(|p| p.wire_name == name) {
            Some(p) => {
                let id = ident(&p.rust_name);
                pieces.push(match p.ty {
                    TypeRef::String => format!("&crate::runtime::request::encode_path_segment(&{id})"),
                    // `style: simple`: a list is its items joined by commas.
                    _ if api.is_path_list(p) => {
                        format!("&crate::runtime::request::path_list(&{id})")
                    }
                    _ => format!(
                        "&crate::runtime::request::encode_path_segment(&crate::runtime::request::param_text(&{id}))"
                    ),
                });
            }
            None => pieces.push(str_lit(&rest[start..start + len + 1])),
        }
        rest = &rest[start + len + 1..];
    }
    if !rest.is_empty() {
        pieces.push(str_lit(rest));
    }
    format!("[{}].concat()", pieces.join(", "))
}

/// The statements that add one non-path parameter to `request`.
fn param_stmt(w: &mut Lines, api: &Api, p: &Param) {
    let wire = str_lit(&p.wire_name);
    let add = |v: &str| match p.location {
        ParamLocation::Query => format!("request = request.query({wire}, {v});"),
        ParamLocation::Header => format!("request = request.header({wire}, {v});"),
        ParamLocation::Cookie => format!("request = request.header(\"cookie\", format!(\"{{}}={{}}\", {wire}, {v}));"),
        ParamLocation::Path => String::new(),
    };
    let one = |v: &str, t: &TypeRef| match t {
        TypeRef::String
        | TypeRef::Bool
        | TypeRef::I32
        | TypeRef::I64
        | TypeRef::U32
        | TypeRef::U64
        | TypeRef::F32
        | TypeRef::F64 => add(v),
        _ => add(&format!("crate::runtime::request::param_text(&{v})")),
    };
    let optional = !p.required;
    let value = if optional { "value".to_owned() } else { ident(&p.rust_name).to_string() };
    if optional {
        w.open(&format!("if let Some(value) = &params.{} {{", ident(&p.rust_name)));
    }
    let joined = |sep: &str| {
        add(&format!(
            "{value}.iter().map(crate::runtime::request::param_text).collect::<Vec<_>>().join({})",
            str_lit(sep)
        ))
    };
    match &p.ty {
        TypeRef::Vec(inner) => match p.style {
            QueryStyle::FormExploded if p.location == ParamLocation::Query => {
                w.open(&format!("for item in {value}.iter() {{"));
                w.line(&one("item", inner));
                w.close("}");
            }
            QueryStyle::Delimited(c) => w.line(&joined(&c.to_string())),
            _ => w.line(&joined(",")),
        },
        TypeRef::Map(_) if p.style == QueryStyle::DeepObject => {
            w.open(&format!("for (k, x) in {value}.iter() {{"));
            w.line(&format!(
                "request = request.query(format!(\"{{}}[{{}}]\", {wire}, k), crate::runtime::request::param_text(x));"
            ));
            w.close("}");
        }
        // An object in the query, exploded (the default): its fields.
        _ if api.is_query_object(p) => w.line(&format!("request = request.query_object(&{value});")),
        // A union that may be a list: its items, as a list's would be.
        t if api.is_list_union(t) => match p.style {
            QueryStyle::FormExploded if p.location == ParamLocation::Query => {
                w.line(&format!("request = request.query_each({wire}, &{value});"))
            }
            style => {
                let sep = match style {
                    QueryStyle::Delimited(c) => c.to_string(),
                    _ => ",".to_owned(),
                };
                w.line(&add(&format!("crate::runtime::request::list_text(&{value}, {})", str_lit(&sep))))
            }
        },
        t => w.line(&one(&value, t)),
    }
    if optional {
        w.close("}");
    }
}

/// `call.paged(..)`, the rules of a paginated operation: plain functions reading the page, and
/// where the next request carries its cursor or offset.
fn pager(w: &mut Lines, api: &Api, op: &Operation, p: &Pagination, call: &str) {
    let out = types::text(&api.types, &op.response, Models::Crate);
    let item = types::text(&api.types, &p.item, Models::Crate);
    let items = ident(&p.items.rust_name);
    let (count, take) = if p.items.optional {
        (format!("page.{items}.as_ref().map_or(0, Vec::len)"), format!("page.{items}.unwrap_or_default()"))
    } else {
        (format!("page.{items}.len()"), format!("page.{items}"))
    };
    w.open(&format!("{call}.paged({{"));
    w.open(&format!("fn count(page: &{out}) -> usize {{"));
    w.line(&count);
    w.close("}");
    w.open(&format!("fn items(page: {out}) -> Vec<{item}> {{"));
    w.line(&take);
    w.close("}");
    match &p.has_more {
        Some(f) => {
            let id = ident(&f.rust_name);
            w.open(&format!("fn has_more(page: &{out}) -> Option<bool> {{"));
            w.line(&if f.optional { format!("page.{id}") } else { format!("Some(page.{id})") });
            w.close("}");
            w.line(&format!("let has_more: Option<fn(&{out}) -> Option<bool>> = Some(has_more);"));
        }
        None => w.line("let has_more = None;"),
    }
    let place = |place: &PagePlace| match place {
        PagePlace::Query(name) => format!("crate::runtime::paginate::PagePlace::Query({})", str_lit(name)),
        PagePlace::Body(name) => format!("crate::runtime::paginate::PagePlace::Body({})", str_lit(name)),
    };
    match &p.mode {
        PageMode::Cursor { field, place: at } => {
            let id = ident(&field.rust_name);
            w.open("crate::Paged::new(");
            w.open("{");
            w.open(&format!("fn next(page: &{out}) -> Option<String> {{"));
            w.line(&if field.optional { format!("page.{id}.clone()") } else { format!("Some(page.{id}.clone())") });
            w.close("}");
            w.line(&format!("crate::runtime::paginate::PageMode::Cursor {{ next, place: {} }}", place(at)));
            w.close("},");
            w.line("has_more,");
            w.line("count,");
            w.line("items,");
            w.close(")");
        }
        PageMode::Offset { place: at } => w.line(&format!(
            "crate::Paged::new(crate::runtime::paginate::PageMode::Offset {{ place: {} }}, has_more, count, items)",
            place(at)
        )),
    }
    if !p.first_page_only.is_empty() {
        let places: Vec<String> = p.first_page_only.iter().map(place).collect();
        w.line(&format!(".first_page_only(&[{}])", places.join(", ")));
    }
    w.close("})");
}

/// Operations without a tag are also methods of the client itself, delegating to the untagged
/// group (`client.list_pets()` as well as `client.default().list_pets()`), unless the name is
/// taken by the client already. `docs` gives a method's docs.
pub(crate) fn client_delegates(
    api: &Api,
    tag: &Tag,
    ops: &[&Operation],
    docs: impl Fn(&Operation) -> String,
) -> String {
    if tag.name != UNTAGGED {
        return String::new();
    }
    let taken: Vec<&str> = ["builder", "from_env", "base_url", "core"]
        .into_iter()
        .chain(api.tags.iter().map(|t| t.module.as_str()))
        .collect();
    let mut w = Lines::new(0);
    w.open("impl crate::Client {");
    for op in ops.iter().filter(|op| !taken.contains(&op.rust_name.as_str())) {
        let name = ident(&op.rust_name);
        item_docs(&mut w.out, "    ", &docs(op), op.deprecated);
        if op.deprecated {
            // It forwards to the tag's method, deprecated too.
            w.out.push_str("    #[allow(deprecated)]\n");
        }
        let (args, names) = method_args(api, op);
        w.signature(&format!("pub fn {name}"), &args, &call_type(api, op));
        w.line(&format!("self.{}().{name}({})", ident(&tag.module), names.join(", ")));
        w.close("}");
    }
    w.close("}");
    w.into_string()
}

/// The tag the generator gives operations that have none.
pub(crate) const UNTAGGED: &str = "default";

/// The setter of a parameter struct's field, for `setters!`: `with_x x: into String,`.
pub(crate) fn param_setter(api: &Api, p: &Param) -> String {
    let (kind, t) = match api.unaliased(&p.ty) {
        TypeRef::String => ("into", "String".to_owned()),
        // Local and fixed-offset times convert to UTC.
        TypeRef::DateTime => ("into", types::text(&api.types, &TypeRef::DateTime, Models::Crate)),
        _ => ("plain", types::text(&api.types, &p.ty, Models::Crate)),
    };
    format!("{} {}: {kind} {t},", ident(&setter_name(&p.rust_name)), ident(&p.rust_name))
}
