//! Usage examples: Rust values built from the spec's examples and the IR types, the program of
//! every operation (the crate's `examples/<operation>.rs` files and the snippets of the Markdown
//! reference), and the snippets of the model pages.
//!
//! Values are built as a small expression tree and printed the way rustfmt prints them (with
//! the workspace's `max_width = 120`, `use_small_heuristics = "Max"`), so the generated
//! `examples/` pass `cargo fmt --check`. Every string from the spec becomes a Rust literal
//! through `{:?}` (Rust's own escaping), never by pasting it between quotes.

use std::collections::BTreeSet;

use serde_json::{Map, Value as Json};

use super::{prose, Header};
use crate::fileset::FileSet;
use crate::ir::*;

/// rustfmt's `max_width` in this workspace.
const MAX_WIDTH: usize = 120;
/// One level of indentation.
const TAB: usize = 4;
/// rustfmt's `short_array_element_width_threshold`.
const SHORT_ITEM: usize = 10;
/// How deep nested placeholder values go (guards against recursive types).
const MAX_DEPTH: usize = 8;

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
// Expressions and their layout

/// A Rust expression, laid out on demand.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Expr {
    /// Printed as it is (a literal, a path, `value.as_str()`).
    Atom(String),
    /// `head(items)`, `head![items]`, `[items]`, `(items)`.
    List { head: String, open: &'static str, close: &'static str, items: Vec<Expr> },
    /// `root.link.link`: every link is an `Atom` (`.await?`) or a `List` (`.with_x(..)`).
    Chain { root: Box<Expr>, links: Vec<Expr> },
    /// The inside of `json!({ .. })`: `{"key": value, ..}`, keys as Rust literals.
    Object(Vec<(String, Expr)>),
}

impl Expr {
    fn atom(s: impl Into<String>) -> Self {
        Expr::Atom(s.into())
    }

    fn call(head: impl Into<String>, items: Vec<Expr>) -> Self {
        Expr::List { head: head.into(), open: "(", close: ")", items }
    }

    fn array(items: Vec<Expr>) -> Self {
        Expr::List { head: String::new(), open: "[", close: "]", items }
    }

    fn vec_macro(items: Vec<Expr>) -> Self {
        Expr::List { head: "vec!".into(), open: "[", close: "]", items }
    }

    fn tuple(items: Vec<Expr>) -> Self {
        Expr::List { head: String::new(), open: "(", close: ")", items }
    }

    /// `self.name(args)` (or `self.name` when `args` is `None`), extending a chain.
    fn then(self, name: &str, args: Option<Vec<Expr>>) -> Self {
        let link = match args {
            Some(items) => Expr::call(format!(".{name}"), items),
            None => Expr::atom(format!(".{name}")),
        };
        match self {
            Expr::Chain { root, mut links } => {
                links.push(link);
                Expr::Chain { root, links }
            }
            other => Expr::Chain { root: Box::new(other), links: vec![link] },
        }
    }

    /// The expression on one line.
    pub(crate) fn flat(&self) -> String {
        match self {
            Expr::Atom(s) => s.clone(),
            Expr::List { head, open, close, items } => {
                let inner: Vec<String> = items.iter().map(Expr::flat).collect();
                format!("{head}{open}{}{close}", inner.join(", "))
            }
            Expr::Chain { root, links } => {
                let mut s = root.flat();
                for l in links {
                    s.push_str(&l.flat());
                }
                s
            }
            Expr::Object(entries) => {
                let inner: Vec<String> = entries.iter().map(|(k, v)| format!("{k}: {}", v.flat())).collect();
                format!("{{{}}}", inner.join(", "))
            }
        }
    }

    /// Lays the expression out starting at column `col` of a line indented by `indent`, with
    /// `suffix` more characters (`;`, `,`, `)`) to follow it on its last line.
    pub(crate) fn render(&self, indent: usize, col: usize, suffix: usize) -> String {
        let flat = self.flat();
        if col + flat.len() + suffix <= MAX_WIDTH {
            return flat;
        }
        match self {
            Expr::Atom(s) => s.clone(),
            Expr::List { head, open, close, items } => render_list(head, open, close, items, indent, col, suffix),
            Expr::Chain { root, links } => render_chain(root, links, indent, col, suffix),
            Expr::Object(entries) => {
                let pad = " ".repeat(indent + TAB);
                let mut out = String::from("{\n");
                for (k, v) in entries {
                    let start = indent + TAB + k.len() + 2;
                    out.push_str(&format!("{pad}{k}: {},\n", v.render(indent + TAB, start, 1)));
                }
                out.push_str(&" ".repeat(indent));
                out.push('}');
                out
            }
        }
    }

    /// Whether rustfmt lets this expression, as the only argument of a call, start on the line
    /// of the call (`Foo::new([` .. `])`).
    fn overflows(&self) -> bool {
        match self {
            Expr::List { items, .. } => !items.is_empty(),
            Expr::Object(_) => true,
            Expr::Atom(_) | Expr::Chain { .. } => false,
        }
    }
}

fn first_line_len(s: &str) -> usize {
    s.lines().next().map_or(0, str::len)
}

fn last_line_len(s: &str) -> usize {
    s.lines().last().map_or(0, str::len)
}

fn line_count(s: &str) -> usize {
    s.lines().count().max(1)
}

fn render_list(
    head: &str,
    open: &str,
    close: &str,
    items: &[Expr],
    indent: usize,
    col: usize,
    suffix: usize,
) -> String {
    let start = format!("{head}{open}");
    if items.len() == 1 && items[0].overflows() {
        let inner = items[0].render(indent, col + start.len(), close.len() + suffix);
        if col + start.len() + first_line_len(&inner) <= MAX_WIDTH {
            return format!("{start}{inner}{close}");
        }
    }
    let pad = " ".repeat(indent + TAB);
    let short = items.iter().all(|i| matches!(i, Expr::Atom(s) if s.len() <= SHORT_ITEM));
    let mut out = format!("{start}\n");
    if short && items.len() > 1 {
        // rustfmt's "mixed" layout: as many short items on a line as fit.
        let mut line = String::new();
        for item in items {
            let piece = format!("{},", item.flat());
            if !line.is_empty() && indent + TAB + line.len() + 1 + piece.len() > MAX_WIDTH {
                out.push_str(&format!("{pad}{line}\n"));
                line.clear();
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(&piece);
        }
        out.push_str(&format!("{pad}{line}\n"));
    } else {
        for item in items {
            out.push_str(&format!("{pad}{},\n", item.render(indent + TAB, indent + TAB, 1)));
        }
    }
    out.push_str(&" ".repeat(indent));
    out.push_str(close);
    out
}

fn render_chain(root: &Expr, links: &[Expr], indent: usize, col: usize, suffix: usize) -> String {
    let root_text = root.render(indent, col, 0);
    let (last, init) = links.split_last().expect("a chain has links");
    if !root_text.contains('\n') {
        // Everything but the last link on one line, the last one overflowing from it, when
        // that takes at least as few lines as the vertical layout (rustfmt's rule).
        let prefix: String = std::iter::once(root_text.clone()).chain(init.iter().map(Expr::flat)).collect();
        if col + prefix.len() < MAX_WIDTH {
            let over = last.render(indent, col + prefix.len(), suffix);
            let fits = col + prefix.len() + first_line_len(&over) <= MAX_WIDTH
                && (over.contains('\n') || col + prefix.len() + over.len() + suffix <= MAX_WIDTH);
            if fits {
                let vertical = last.render(indent + TAB, indent + TAB, suffix);
                if line_count(&over) >= 5 || line_count(&vertical) >= line_count(&over) {
                    return format!("{prefix}{over}");
                }
            }
        }
    }
    // After a root that ends with a line of closing delimiters, the links are not indented
    // further (rustfmt's "block-like" root).
    let block_like = root_text.contains('\n')
        && root_text.lines().last().is_some_and(|l| l.trim().chars().all(|c| matches!(c, ')' | ']' | '}')));
    let link_indent = if block_like { indent } else { indent + TAB };
    let pad = " ".repeat(link_indent);
    let mut out = root_text;
    for (i, link) in links.iter().enumerate() {
        let s = if i + 1 == links.len() { suffix } else { 0 };
        out.push_str(&format!("\n{pad}{}", link.render(link_indent, link_indent, s)));
    }
    out
}

/// `let <pattern> = <value>;` at `indent`, placed as rustfmt would (on the next line when
/// that fits it on one line).
fn let_stmt(pattern: &str, value: &Expr, indent: usize) -> String {
    let pad = " ".repeat(indent);
    let lhs = format!("let {pattern} = ");
    let orig = value.render(indent, indent + lhs.len(), 1);
    let orig_fits = !orig.contains('\n') && indent + lhs.len() + orig.len() < MAX_WIDTH;
    if orig_fits {
        return format!("{pad}{lhs}{orig};");
    }
    let next = value.render(indent + TAB, indent + TAB, 1);
    let next_fits = next.lines().enumerate().all(|(i, l)| {
        let width = if i == 0 { indent + TAB + l.len() } else { l.len() };
        width <= MAX_WIDTH
    }) && last_line_len(&next) < MAX_WIDTH;
    let ends = |s: &str, c: char| s.lines().next().is_some_and(|l| l.ends_with(c));
    let prefer_next = !next.contains('\n')
        || line_count(&orig) > line_count(&next) + 1
        || ['(', '{', '['].iter().any(|c| ends(&orig, *c) && !ends(&next, *c));
    if next_fits && prefer_next {
        format!("{pad}let {pattern} =\n{pad}{}{next};", " ".repeat(TAB))
    } else {
        format!("{pad}{lhs}{orig};")
    }
}

/// A Rust string literal with Rust's own escaping.
pub(crate) fn str_lit(s: &str) -> String {
    format!("{s:?}")
}

fn float_lit(x: f64) -> String {
    let s = format!("{x:?}");
    if s.contains(['.', 'e', 'E']) || s.contains("inf") || s.contains("NaN") {
        s
    } else {
        format!("{s}.0")
    }
}

// -------------------------------------------------------------------------------------------
// Values from examples

/// What a value is passed to: a parameter of exactly its type, or a generated setter or
/// constructor argument, which takes `impl Into<String>` for strings, any iterator for
/// vectors, and pairs of anything convertible for maps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Exact,
    Arg,
}

/// Builds values; remembers which generated types they use, for the `use` lines.
pub(crate) struct Values<'a> {
    api: &'a Api,
    /// Generated types named by the values built so far.
    pub(crate) used: BTreeSet<String>,
    depth: usize,
    /// Generated types whose value is being built, outermost first (to stop at recursion).
    building: Vec<String>,
    /// A time value was built: it is `now`, the current time, bound before the values (a
    /// snippet copied as it is must not send a fixed time).
    pub(crate) uses_now: bool,
    /// A time value is `week_ago`, bound after `now`.
    uses_week_ago: bool,
    /// Idempotency-key fields left unset (wire names).
    pub(crate) skipped_keys: BTreeSet<String>,
}

/// The JSON of a `now` value: the snippet's assertion writes the variable, not a literal.
const NOW_MARKER: &str = "\u{1}now";
/// The JSON of a `now.date_naive()` value.
const TODAY_MARKER: &str = "\u{1}today";
/// The JSON of a `week_ago` value (the start of a time range ending now).
const WEEK_AGO_MARKER: &str = "\u{1}week_ago";

/// Whether a field of this name starts a time range (`start_time`, `from`, `since`, ...): its
/// value in a snippet is a week ago, so the range up to `now` is not empty.
fn starts_a_range(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    ["start", "from", "since", "begin", "after"].iter().any(|w| name.starts_with(w))
        || ["_start", "_from", "_since", "_after"].iter().any(|w| name.ends_with(w))
}

impl<'a> Values<'a> {
    pub(crate) fn new(api: &'a Api) -> Self {
        Self {
            api,
            used: BTreeSet::new(),
            depth: 0,
            building: Vec::new(),
            uses_now: false,
            uses_week_ago: false,
            skipped_keys: BTreeSet::new(),
        }
    }

    /// A comment naming the idempotency keys left to the SDK, if any.
    pub(crate) fn skipped_keys_comment(&self) -> Option<String> {
        if self.skipped_keys.is_empty() {
            return None;
        }
        let names: Vec<String> = self.skipped_keys.iter().map(|k| format!("`{k}`")).collect();
        let verb = if names.len() == 1 { "is" } else { "are" };
        Some(format!("// {} {verb} left to the SDK, which gives each item a fresh idempotency key.", names.join(", ")))
    }

    /// The lines before the values of a program: the comment on idempotency keys and the
    /// binding of `now`, inserted at `at`.
    fn preamble(&self, stmts: &mut Vec<Stmt>, at: usize) {
        let lines: Vec<String> = self.skipped_keys_comment().into_iter().chain(self.now_binding()).collect();
        for (i, line) in lines.into_iter().enumerate() {
            stmts.insert(at + i, Stmt::Line(line));
        }
    }

    /// `let now = <crate>::chrono::Utc::now();` when a value uses the current time (and
    /// `week_ago` after it when a range starts then).
    pub(crate) fn now_binding(&self) -> Vec<String> {
        let krate = &self.api.package.name;
        let mut lines = Vec::new();
        if self.uses_now {
            lines.push(format!("let now = {krate}::chrono::Utc::now();"));
        }
        if self.uses_week_ago {
            lines.push(format!("let week_ago = now - {krate}::chrono::TimeDelta::days(7);"));
        }
        lines
    }

    fn def(&self, name: &str) -> Option<&'a TypeDef> {
        self.api.types.iter().find(|t| t.name == name)
    }

    /// Rust source of a type, generated names unqualified (they are imported).
    fn type_src(&mut self, t: &TypeRef) -> String {
        if let Some(n) = t.named() {
            self.used.insert(n.to_owned());
        }
        super::types::text(t, super::types::Models::Bare)
    }

    /// A value of type `t` built from `example` (a placeholder when there is none or it does
    /// not fit the type), with the JSON the value serializes to.
    fn value(&mut self, t: &TypeRef, example: Option<&Json>, mode: Mode, hint: &str) -> (Expr, Json) {
        let example = example.filter(|v| !v.is_null() || matches!(t, TypeRef::Json | TypeRef::Option(_)));
        match t {
            TypeRef::String => {
                let s = match example {
                    Some(Json::String(s)) => s.clone(),
                    Some(other) => other.to_string(),
                    None => format!("<{hint}>"),
                };
                let lit = str_lit(&s);
                let e = if mode == Mode::Arg { Expr::atom(lit) } else { Expr::atom(format!("{lit}.to_owned()")) };
                (e, Json::String(s))
            }
            TypeRef::Bool => {
                let b = example.and_then(Json::as_bool).unwrap_or(false);
                (Expr::atom(b.to_string()), Json::Bool(b))
            }
            TypeRef::I32 | TypeRef::I64 | TypeRef::U32 | TypeRef::U64 => {
                let (lo, hi): (i128, i128) = match t {
                    TypeRef::I32 => (i32::MIN.into(), i32::MAX.into()),
                    TypeRef::I64 => (i64::MIN.into(), i64::MAX.into()),
                    TypeRef::U32 => (0, u32::MAX.into()),
                    _ => (0, u64::MAX.into()),
                };
                let n: i128 = example
                    .and_then(|v| {
                        v.as_i64()
                            .map(i128::from)
                            .or_else(|| v.as_u64().map(i128::from))
                            .or_else(|| v.as_f64().filter(|f| f.fract() == 0.0 && f.abs() < 9e15).map(|f| f as i128))
                    })
                    .filter(|n| (lo..=hi).contains(n))
                    .unwrap_or(0);
                let json = if n < 0 { Json::from(n as i64) } else { Json::from(n as u64) };
                (Expr::atom(n.to_string()), json)
            }
            TypeRef::F32 | TypeRef::F64 => {
                let x = example.and_then(Json::as_f64).unwrap_or(0.0);
                let wire = if *t == TypeRef::F32 { f64::from(x as f32) } else { x };
                (Expr::atom(float_lit(x)), serde_json::Number::from_f64(wire).map_or(Json::Null, Json::Number))
            }
            TypeRef::Json => {
                let v = example.cloned().unwrap_or(Json::Null);
                (json_macro(&v), v)
            }
            TypeRef::Bytes => {
                let s = match example {
                    Some(Json::String(s)) => s.clone(),
                    _ => String::new(),
                };
                (Expr::call("bytes::Bytes::from", vec![Expr::atom(str_lit(&s))]), Json::String(s))
            }
            TypeRef::DateTime if starts_a_range(hint) => {
                self.uses_now = true;
                self.uses_week_ago = true;
                (Expr::atom("week_ago"), Json::String(WEEK_AGO_MARKER.to_owned()))
            }
            TypeRef::DateTime => {
                self.uses_now = true;
                (Expr::atom("now"), Json::String(NOW_MARKER.to_owned()))
            }
            TypeRef::Date => {
                self.uses_now = true;
                (Expr::atom("now.date_naive()"), Json::String(TODAY_MARKER.to_owned()))
            }
            TypeRef::Unit => (Expr::atom("()"), Json::Null),
            TypeRef::Named(name) => self.named(name, example, hint),
            TypeRef::Box(inner) => {
                let (e, j) = self.value(inner, example, mode, hint);
                if mode == Mode::Arg {
                    (e, j)
                } else {
                    (Expr::call("Box::new", vec![e]), j)
                }
            }
            TypeRef::Option(inner) => match example {
                None | Some(Json::Null) => (Expr::atom("None"), Json::Null),
                Some(v) => {
                    let (e, j) = self.value(inner, Some(v), Mode::Exact, hint);
                    (Expr::call("Some", vec![e]), j)
                }
            },
            TypeRef::Vec(inner) => {
                // Without an example (a required field the spec gives none for), one placeholder
                // item (an empty list would often break the field's `minItems`), unless the item
                // is a type being built already: a recursive type would never end.
                let recursive = inner.named().is_some_and(|n| self.building.iter().any(|b| b == n));
                let items: Vec<Json> = match example {
                    Some(v) => v.as_array().cloned().unwrap_or_default(),
                    None if recursive || self.depth > 2 => Vec::new(),
                    None => vec![Json::Null],
                };
                let item_mode = if mode == Mode::Arg && **inner == TypeRef::String { Mode::Arg } else { Mode::Exact };
                let mut exprs = Vec::new();
                let mut json = Vec::new();
                for item in &items {
                    let (e, j) = self.value(inner, Some(item), item_mode, hint);
                    exprs.push(e);
                    json.push(j);
                }
                let e = if exprs.is_empty() {
                    if mode == Mode::Arg && **inner == TypeRef::String {
                        Expr::atom("Vec::<String>::new()")
                    } else {
                        Expr::atom("Vec::new()")
                    }
                } else if mode == Mode::Arg {
                    Expr::array(exprs)
                } else {
                    Expr::vec_macro(exprs)
                };
                (e, Json::Array(json))
            }
            TypeRef::Map(inner) => {
                let entries: Map<String, Json> = example.and_then(Json::as_object).cloned().unwrap_or_default();
                let value_mode = if mode == Mode::Arg && **inner == TypeRef::String { Mode::Arg } else { Mode::Exact };
                let mut pairs = Vec::new();
                let mut json = Map::new();
                for (k, v) in &entries {
                    let (e, j) = self.value(inner, Some(v), value_mode, k);
                    let key = if mode == Mode::Arg { str_lit(k) } else { format!("{}.to_owned()", str_lit(k)) };
                    pairs.push(Expr::tuple(vec![Expr::atom(key), e]));
                    json.insert(k.clone(), j);
                }
                let e = if pairs.is_empty() {
                    if mode == Mode::Arg {
                        Expr::atom(format!("std::collections::BTreeMap::<String, {}>::new()", self.type_src(inner)))
                    } else {
                        Expr::atom("std::collections::BTreeMap::new()")
                    }
                } else if mode == Mode::Arg {
                    Expr::array(pairs)
                } else {
                    Expr::call("std::collections::BTreeMap::from", vec![Expr::array(pairs)])
                };
                (e, Json::Object(json))
            }
        }
    }

    fn named(&mut self, name: &str, example: Option<&Json>, hint: &str) -> (Expr, Json) {
        let Some(def) = self.def(name) else {
            return (Expr::atom("Default::default()"), Json::Null);
        };
        match &def.kind {
            TypeKind::Struct { .. } | TypeKind::Union { .. } if self.depth > 2 * MAX_DEPTH => {
                // Only a required field of a recursive type gets here; such a value cannot be built.
                (Expr::atom("Default::default()"), Json::Null)
            }
            TypeKind::Struct { fields, .. } => {
                let example = example.or(def.example.as_ref());
                self.depth += 1;
                self.building.push(def.name.clone());
                let out = self.struct_value(def, fields, example);
                self.building.pop();
                self.depth -= 1;
                out
            }
            TypeKind::StringEnum { variants } => {
                self.used.insert(def.name.clone());
                let wanted = example.and_then(Json::as_str).map(str::to_owned);
                let known = match &wanted {
                    Some(w) => variants.iter().find(|v| &v.value == w),
                    None => variants.first(),
                };
                match (known, wanted) {
                    (Some(v), _) => {
                        (Expr::atom(format!("{}::{}", def.name, v.rust_name)), Json::String(v.value.clone()))
                    }
                    (None, Some(w)) => {
                        (Expr::call(format!("{}::from", def.name), vec![Expr::atom(str_lit(&w))]), Json::String(w))
                    }
                    (None, None) => {
                        let w = format!("<{hint}>");
                        (Expr::call(format!("{}::from", def.name), vec![Expr::atom(str_lit(&w))]), Json::String(w))
                    }
                }
            }
            TypeKind::IntEnum { variants } => {
                self.used.insert(def.name.clone());
                let wanted = example.and_then(Json::as_i64);
                let known = match wanted {
                    Some(w) => variants.iter().find(|v| v.value == w),
                    None => variants.first(),
                };
                match known {
                    Some(v) => (Expr::atom(format!("{}::{}", def.name, v.rust_name)), Json::from(v.value)),
                    None => {
                        let w = wanted.unwrap_or(0);
                        (Expr::call(format!("{}::from", def.name), vec![Expr::atom(w.to_string())]), Json::from(w))
                    }
                }
            }
            TypeKind::Union { .. } | TypeKind::Alias(_) if self.in_value_cycle(&def.name) => {
                (Expr::atom("Default::default()"), Json::Null)
            }
            TypeKind::Union { tagging, variants } => {
                self.used.insert(def.name.clone());
                let chosen = self.union_variant(tagging, variants, example);
                match chosen {
                    Some(v) => {
                        self.building.push(def.name.clone());
                        let (e, j) = self.value(&v.ty, example, Mode::Exact, hint);
                        self.building.pop();
                        (Expr::call(format!("{}::{}", def.name, v.rust_name), vec![e]), j)
                    }
                    None => (Expr::atom("Default::default()"), Json::Null),
                }
            }
            TypeKind::Alias(inner) => {
                // The value is written as the aliased type: the alias's name is not needed.
                let example = example.or(def.example.as_ref());
                self.building.push(def.name.clone());
                let out = self.value(inner, example, Mode::Exact, hint);
                self.building.pop();
                out
            }
        }
    }

    fn union_variant<'v>(
        &self,
        tagging: &UnionTagging,
        variants: &'v [UnionVariant],
        example: Option<&Json>,
    ) -> Option<&'v UnionVariant> {
        let Some(v) = example else { return variants.first() };
        if let UnionTagging::Internal(prop) = tagging {
            if let Some(tag) = v.get(prop).and_then(Json::as_str) {
                if let Some(found) = variants.iter().find(|x| x.tag.as_deref() == Some(tag)) {
                    return Some(found);
                }
            }
        }
        variants
            .iter()
            .find(|x| self.fits(&x.ty, v, true))
            .or_else(|| variants.iter().find(|x| self.fits(&x.ty, v, false)))
            .or_else(|| variants.first())
    }

    /// Whether `v` is a value of `t` (`strict`: every object key declared, every enum value known).
    fn fits(&self, t: &TypeRef, v: &Json, strict: bool) -> bool {
        self.fits_on(t, v, strict, &mut Vec::new())
    }

    /// [`Self::fits`] with the named types entered for each value on the way: a union may name
    /// itself (directly or through aliases and other unions) without consuming any of the
    /// value, and such a walk ends there instead of going round forever.
    fn fits_on(&self, t: &TypeRef, v: &Json, strict: bool, path: &mut Vec<(String, *const Json)>) -> bool {
        match t {
            TypeRef::String | TypeRef::Bytes | TypeRef::DateTime | TypeRef::Date => v.is_string(),
            TypeRef::Bool => v.is_boolean(),
            TypeRef::I32 | TypeRef::I64 | TypeRef::U32 | TypeRef::U64 => v.is_i64() || v.is_u64(),
            TypeRef::F32 | TypeRef::F64 => v.is_number(),
            TypeRef::Json => true,
            TypeRef::Unit => v.is_null(),
            TypeRef::Vec(inner) => v.as_array().is_some_and(|a| a.iter().all(|i| self.fits_on(inner, i, strict, path))),
            TypeRef::Map(inner) => {
                v.as_object().is_some_and(|o| o.values().all(|i| self.fits_on(inner, i, strict, path)))
            }
            TypeRef::Option(inner) => v.is_null() || self.fits_on(inner, v, strict, path),
            TypeRef::Box(inner) => self.fits_on(inner, v, strict, path),
            TypeRef::Named(n) => {
                let here = (n.clone(), v as *const Json);
                if path.contains(&here) {
                    return false;
                }
                path.push(here);
                let fits = match self.def(n).map(|d| &d.kind) {
                    Some(TypeKind::Struct { fields, additional }) => v.as_object().is_some_and(|o| {
                        fields.iter().filter(|f| f.is_plain()).all(|f| o.contains_key(&f.wire_name))
                            && (!strict
                                || additional.is_some()
                                || o.keys().all(|k| fields.iter().any(|f| &f.wire_name == k)))
                    }),
                    Some(TypeKind::StringEnum { variants }) => {
                        v.as_str().is_some_and(|s| !strict || variants.iter().any(|x| x.value == s))
                    }
                    Some(TypeKind::IntEnum { variants }) => {
                        v.as_i64().is_some_and(|n| !strict || variants.iter().any(|x| x.value == n))
                    }
                    Some(TypeKind::Union { variants, .. }) => {
                        variants.iter().any(|x| self.fits_on(&x.ty, v, strict, path))
                    }
                    Some(TypeKind::Alias(inner)) => self.fits_on(inner, v, strict, path),
                    None => false,
                };
                path.pop();
                fits
            }
        }
    }

    /// Whether `name` is already being built since the innermost struct: a union or alias that
    /// comes back to itself without a struct in between would build the same value forever.
    fn in_value_cycle(&self, name: &str) -> bool {
        for b in self.building.iter().rev() {
            if b == name {
                return true;
            }
            if matches!(self.def(b).map(|d| &d.kind), Some(TypeKind::Struct { .. })) {
                return false;
            }
        }
        false
    }

    /// `Type::new(required..)` and a `.with_x(..)` call per optional field the example sets.
    /// Without an example, the fields' own examples are used (and placeholders for required
    /// fields that have none).
    fn struct_value(&mut self, def: &TypeDef, fields: &[Field], example: Option<&Json>) -> (Expr, Json) {
        self.used.insert(def.name.clone());
        let object = example.and_then(Json::as_object);
        let mut args = Vec::new();
        let mut setters = Vec::new();
        let mut json = Map::new();
        for f in fields {
            let given = match object {
                Some(o) => o.get(&f.wire_name),
                None if self.depth <= MAX_DEPTH => f.example.as_ref(),
                None => None,
            };
            if f.is_plain() {
                let source = given.filter(|v| !v.is_null()).or(f.example.as_ref());
                let (e, j) = self.value(&f.ty, source, Mode::Arg, &f.wire_name);
                args.push(e);
                json.insert(f.wire_name.clone(), j);
            } else if f.idempotency_key {
                // Left to the SDK, which gives every item a fresh key: a fixed key in a snippet
                // would make the server drop every copy but the first.
                self.skipped_keys.insert(f.wire_name.clone());
            } else {
                match given {
                    Some(v) if !v.is_null() => {
                        let (e, j) = self.value(&f.ty, Some(v), Mode::Arg, &f.wire_name);
                        setters.push((format!("with_{}", f.rust_name.trim_end_matches('_')), e));
                        json.insert(f.wire_name.clone(), j);
                    }
                    _ if f.required => {
                        json.insert(f.wire_name.clone(), Json::Null);
                    }
                    _ => {}
                }
            }
        }
        let mut e = Expr::call(format!("{}::new", def.name), args);
        for (name, arg) in setters {
            e = e.then(&name, Some(vec![arg]));
        }
        (e, Json::Object(json))
    }
}

/// A `serde_json::Value` expression: `json!(..)` with every string a Rust literal, or, for a
/// value too big for the macro's recursion limit, the JSON text in a raw string, parsed.
fn json_macro(v: &Json) -> Expr {
    if json_macro_depth(v) <= JSON_MACRO_BUDGET {
        return Expr::call("serde_json::json!", vec![json_inner(v)]);
    }
    let text = serde_json::to_string_pretty(v).unwrap_or_default();
    let hashes = "#".repeat(longest_hash_run(&text) + 1);
    Expr::call("serde_json::from_str::<serde_json::Value>", vec![Expr::atom(format!("r{hashes}\"{text}\"{hashes}"))])
        .then("unwrap", Some(vec![]))
}

/// How deep `json!` recurses for a value, roughly: its token muncher takes about three levels
/// per object entry and one per array item (measured), nested values adding up.
fn json_macro_depth(v: &Json) -> usize {
    match v {
        Json::Object(m) => 3 * m.len() + m.values().map(json_macro_depth).max().unwrap_or(0),
        Json::Array(a) => a.len() + a.iter().map(json_macro_depth).max().unwrap_or(0),
        _ => 1,
    }
}

/// Below the default `recursion_limit` of 128, with a margin.
const JSON_MACRO_BUDGET: usize = 100;

/// The longest run of `#` right after a `"` in `text` (a raw string needs one more).
fn longest_hash_run(text: &str) -> usize {
    text.split('"').skip(1).map(|rest| rest.chars().take_while(|c| *c == '#').count()).max().unwrap_or(0)
}

fn json_inner(v: &Json) -> Expr {
    match v {
        Json::Null => Expr::atom("null"),
        Json::Bool(b) => Expr::atom(b.to_string()),
        Json::Number(n) => Expr::atom(n.to_string()),
        Json::String(s) if s == NOW_MARKER => Expr::atom("now"),
        Json::String(s) if s == TODAY_MARKER => Expr::atom("now.date_naive()"),
        Json::String(s) if s == WEEK_AGO_MARKER => Expr::atom("week_ago"),
        Json::String(s) => Expr::atom(str_lit(s)),
        Json::Array(items) => Expr::array(items.iter().map(json_inner).collect()),
        Json::Object(entries) => Expr::Object(entries.iter().map(|(k, v)| (str_lit(k), json_inner(v))).collect()),
    }
}

// -------------------------------------------------------------------------------------------
// Programs

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

/// `use` lines as rustfmt orders and wraps them: modules first, then the crate's own items.
pub(crate) fn use_lines(
    krate: &str,
    models: &BTreeSet<String>,
    operations: &BTreeSet<String>,
    root: &[&str],
) -> Vec<String> {
    let mut out = Vec::new();
    let mut group = |path: String, names: Vec<String>| {
        if names.is_empty() {
            return;
        }
        if names.len() == 1 {
            out.push(format!("use {path}::{};", names[0]));
            return;
        }
        let one = format!("use {path}::{{{}}};", names.join(", "));
        if one.len() <= MAX_WIDTH {
            out.push(one);
            return;
        }
        let mut text = format!("use {path}::{{\n");
        let mut line = String::new();
        for n in &names {
            let piece = format!("{n},");
            if !line.is_empty() && TAB + line.len() + 1 + piece.len() > MAX_WIDTH {
                text.push_str(&format!("    {line}\n"));
                line.clear();
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(&piece);
        }
        text.push_str(&format!("    {line}\n}};"));
        out.push(text);
    };
    group(format!("{krate}::models"), models.iter().cloned().collect());
    group(format!("{krate}::operations"), operations.iter().cloned().collect());
    let mut root: Vec<String> = root.iter().map(|s| (*s).to_owned()).collect();
    root.sort();
    group(krate.to_owned(), root);
    out
}

/// `let <pattern> = <value>;` for a value of `item` built from its required fields only (their
/// examples), at `indent`: no idempotency key or timestamp of the spec's examples is copied into
/// every value. Returns the statement and the generated types it names.
pub(crate) fn required_only_let(api: &Api, item: &TypeRef, pattern: &str, indent: usize) -> (String, BTreeSet<String>) {
    let mut values = Values::new(api);
    let empty = Json::Object(Map::new());
    let (value, _) = values.value(item, Some(&empty), Mode::Exact, pattern);
    (let_stmt(pattern, &value, indent), values.used)
}

/// The body example of an operation: the spec's body example, else the body type's.
fn body_example<'a>(api: &'a Api, body: &'a RequestBody) -> Option<&'a Json> {
    body.example.as_ref().or_else(|| {
        body.ty.named().and_then(|n| api.types.iter().find(|t| t.name == n)).and_then(|t| t.example.as_ref())
    })
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
                e = e.then(&format!("with_{}", p.rust_name.trim_end_matches('_')), Some(vec![v]));
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
            root.push("Error");
            let scrutinee = call.then("await", None).render(TAB, TAB + 6, 2);
            stmts.push(Stmt::Line(format!("match {scrutinee} {{")));
            stmts.push(Stmt::Line(if unit {
                "    Ok(()) => println!(\"done\"),".into()
            } else {
                "    Ok(response) => println!(\"{response:?}\"),".into()
            }));
            let declared = op.errors.iter().filter_map(|e| api.errors.iter().find(|v| v.status == e.status));
            for v in declared.take(1) {
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
    values.preamble(&mut stmts, client_len);
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
    let wire = api
        .types
        .iter()
        .find(|t| t.name == b.body_type)
        .and_then(|t| match &t.kind {
            TypeKind::Struct { fields, .. } => fields.iter().find(|f| f.rust_name == b.field),
            _ => None,
        })
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
    values.preamble(&mut stmts, client_len);
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
pub(crate) fn model_snippet(api: &Api, def: &TypeDef, is_input: bool) -> Option<String> {
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
            Some(snippet(&[format!("use {krate}::models::{name};")], &lines))
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
            Some(snippet(&[format!("use {krate}::models::{name};")], &lines))
        }
        TypeKind::Struct { fields, .. } => {
            let has_examples = def.example.is_some() || fields.iter().any(|f| f.example.is_some());
            if !has_examples && !is_input {
                return None;
            }
            value_snippet(api, def, false)
        }
        TypeKind::Union { .. } | TypeKind::Alias(_) => {
            def.example.as_ref()?;
            value_snippet(api, def, true)
        }
    }
}

fn value_snippet(api: &Api, def: &TypeDef, annotate: bool) -> Option<String> {
    let krate = &api.package.name;
    let mut values = Values::new(api);
    let (e, json) = values.value(&TypeRef::Named(def.name.clone()), def.example.as_ref(), Mode::Exact, "value");
    let pattern = if annotate { format!("value: {}", def.name) } else { "value".to_owned() };
    let mut lines = Vec::new();
    lines.extend(values.skipped_keys_comment());
    lines.extend(values.now_binding());
    lines.extend([let_stmt(&pattern, &e, 0), String::new(), "// The JSON it is sent as:".to_owned()]);
    if values.uses_now && json_macro_depth(&json) > JSON_MACRO_BUDGET {
        // Too big for `json!`, and the time it holds is not known in advance.
        lines.push("println!(\"{}\", serde_json::to_string_pretty(&value).unwrap());".to_owned());
    } else {
        let check =
            Expr::call("assert_eq!", vec![Expr::atom("serde_json::to_value(&value).unwrap()"), json_macro(&json)]);
        lines.push(format!("{};", check.render(0, 0, 1)));
    }
    values.used.insert(def.name.clone());
    Some(snippet(&use_lines(krate, &values.used, &BTreeSet::new(), &[]), &lines))
}

fn snippet(uses: &[String], lines: &[String]) -> String {
    let mut out = String::new();
    for u in uses {
        out.push_str(u);
        out.push('\n');
    }
    out.push('\n');
    for l in lines {
        out.push_str(l);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_escaped_the_rust_way() {
        assert_eq!(str_lit("{\"request_size\""), r#""{\"request_size\"""#);
        assert_eq!(str_lit("a\\b\nc"), r#""a\\b\nc""#);
    }

    #[test]
    fn long_calls_break_like_rustfmt() {
        let items: Vec<Expr> = (0..12).map(|i| Expr::atom(str_lit(&format!("item-number-{i}")))).collect();
        let e = Expr::call("Foo::new", vec![Expr::array(items)]);
        let text = let_stmt("value", &e, 4);
        assert!(text.starts_with("    let value = Foo::new([\n        \"item-number-0\",\n"), "{text}");
        assert!(text.ends_with("\n    ]);"), "{text}");
    }

    #[test]
    fn short_values_stay_on_one_line() {
        let e = Expr::call("Foo::new", vec![Expr::atom("1")]).then("with_a", Some(vec![Expr::atom("\"x\"")]));
        assert_eq!(let_stmt("v", &e, 0), "let v = Foo::new(1).with_a(\"x\");");
    }
}
