//! The value synthesiser: a Rust value of any IR type built from the spec's examples (a
//! placeholder where there is none or it does not fit), as a [`Expr`], with the JSON the
//! value is sent as. Time values are `now` (never a fixed time), idempotency keys are left to
//! the SDK, and every recursive walk is bounded.

use std::collections::BTreeSet;

use serde_json::{Map, Value as Json};

use super::layout::{float_lit, let_stmt, str_lit, Expr};
use crate::ir::*;

/// How deep nested placeholder values go (guards against recursive types).
const MAX_DEPTH: usize = 8;

/// What a value is passed to: a parameter of exactly its type, or a generated setter or
/// constructor argument, which takes `impl Into<String>` for strings, any iterator for
/// vectors, and pairs of anything convertible for maps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
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
    building: Vec<TypeId>,
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
    /// binding of `now`.
    pub(crate) fn preamble(&self) -> Vec<String> {
        self.skipped_keys_comment().into_iter().chain(self.now_binding()).collect()
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

    fn def(&self, id: TypeId) -> &'a TypeDef {
        self.api.ty(id)
    }

    /// Rust source of a type, generated names unqualified (they are imported).
    fn type_src(&mut self, t: &TypeRef) -> String {
        if let Some(n) = t.named() {
            self.used.insert(self.def(n).name.clone());
        }
        super::types::text(&self.api.types, t, super::types::Models::Bare)
    }

    /// A value of type `t` built from `example` (a placeholder when there is none or it does
    /// not fit the type), with the JSON the value serializes to.
    pub(crate) fn value(&mut self, t: &TypeRef, example: Option<&Json>, mode: Mode, hint: &str) -> (Expr, Json) {
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
            // A file is `null` in JSON; the snippet sends the example's text as its content.
            TypeRef::File => {
                let s = match example {
                    Some(Json::String(s)) => s.clone(),
                    _ => format!("<{hint}>"),
                };
                let krate = &self.api.package.name;
                (Expr::call(format!("{krate}::FilePart::from"), vec![Expr::atom(str_lit(&s))]), Json::Null)
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
            TypeRef::Named(id) => self.named(*id, example, hint),
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
                let recursive = inner.named().is_some_and(|n| self.building.contains(&n));
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

    fn named(&mut self, id: TypeId, example: Option<&Json>, hint: &str) -> (Expr, Json) {
        let def = self.def(id);
        match &def.kind {
            TypeKind::Struct { .. } | TypeKind::Union { .. } if self.depth > 2 * MAX_DEPTH => {
                // Only a required field of a recursive type gets here; such a value cannot be built.
                (Expr::atom("Default::default()"), Json::Null)
            }
            TypeKind::Struct { fields, .. } => {
                let example = example.or(def.example.as_ref());
                self.depth += 1;
                self.building.push(id);
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
            TypeKind::Union { .. } | TypeKind::Alias(_) if self.in_value_cycle(id) => {
                (Expr::atom("Default::default()"), Json::Null)
            }
            TypeKind::Union { tagging, variants } => {
                self.used.insert(def.name.clone());
                let chosen = self.union_variant(tagging, variants, example);
                match chosen {
                    Some(v) => {
                        self.building.push(id);
                        let (e, mut j) = self.value(&v.ty, example, Mode::Exact, hint);
                        self.building.pop();
                        // The serializer adds the tag where the variant's type has no field for it.
                        if let (UnionTagging::Internal(property), Some(tag), Json::Object(map)) =
                            (tagging, &v.tag, &mut j)
                        {
                            map.entry(property.clone()).or_insert_with(|| Json::String(tag.clone()));
                        }
                        (Expr::call(format!("{}::{}", def.name, v.rust_name), vec![e]), j)
                    }
                    None => (Expr::atom("Default::default()"), Json::Null),
                }
            }
            TypeKind::Alias(inner) => {
                // The value is written as the aliased type: the alias's name is not needed.
                let example = example.or(def.example.as_ref());
                self.building.push(id);
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
    fn fits_on(&self, t: &TypeRef, v: &Json, strict: bool, path: &mut Vec<(TypeId, *const Json)>) -> bool {
        match t {
            TypeRef::String | TypeRef::Bytes | TypeRef::DateTime | TypeRef::Date => v.is_string(),
            TypeRef::File => v.is_string() || v.is_null(),
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
                let here = (*n, v as *const Json);
                if path.contains(&here) {
                    return false;
                }
                path.push(here);
                let fits = match Some(&self.def(*n).kind) {
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
    fn in_value_cycle(&self, id: TypeId) -> bool {
        for b in self.building.iter().rev() {
            if *b == id {
                return true;
            }
            if matches!(self.def(*b).kind, TypeKind::Struct { .. }) {
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
            if let Some(x) = f.fixed(&self.api.types) {
                // Set by `new()`.
                json.insert(f.wire_name.clone(), x.wire);
            } else if f.is_plain() {
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
                        setters.push((super::render::setter_name(&f.rust_name), vec![e]));
                        json.insert(f.wire_name.clone(), j);
                    }
                    // An explicit `null` the struct can send.
                    Some(_) if f.may_send_null() => {
                        setters.push((super::render::null_setter_name(fields, f), vec![]));
                        json.insert(f.wire_name.clone(), Json::Null);
                    }
                    _ if f.required => {
                        json.insert(f.wire_name.clone(), Json::Null);
                    }
                    _ => {}
                }
            }
        }
        let mut e = Expr::call(format!("{}::new", def.name), args);
        for (name, args) in setters {
            e = e.then(&name, Some(args));
        }
        (e, Json::Object(json))
    }
}

/// JSON a server could answer with for `t`, from the spec's examples (placeholders where
/// there are none): what a stand-in server in a snippet sends. Times are fixed ones.
pub(crate) fn sample_json(api: &Api, t: &TypeRef, example: Option<&Json>) -> Json {
    fn fix_times(v: &mut Json) {
        match v {
            Json::String(s) if s == NOW_MARKER => *s = "2026-01-02T15:04:05Z".to_owned(),
            Json::String(s) if s == WEEK_AGO_MARKER => *s = "2025-12-26T15:04:05Z".to_owned(),
            Json::String(s) if s == TODAY_MARKER => *s = "2026-01-02".to_owned(),
            Json::Array(items) => items.iter_mut().for_each(fix_times),
            Json::Object(fields) => fields.values_mut().for_each(fix_times),
            _ => {}
        }
    }
    let mut json = Values::new(api).value(t, example, Mode::Exact, "value").1;
    fix_times(&mut json);
    json
}

/// A `serde_json::Value` expression: `json!(..)` with every string a Rust literal, or, for a
/// value too big for the macro's recursion limit, the JSON text in a raw string, parsed.
pub(crate) fn json_macro(v: &Json) -> Expr {
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
pub(crate) fn json_macro_depth(v: &Json) -> usize {
    match v {
        Json::Object(m) => 3 * m.len() + m.values().map(json_macro_depth).max().unwrap_or(0),
        Json::Array(a) => a.len() + a.iter().map(json_macro_depth).max().unwrap_or(0),
        _ => 1,
    }
}

/// Below the default `recursion_limit` of 128, with a margin.
pub(crate) const JSON_MACRO_BUDGET: usize = 100;

/// The longest run of `#` right after a `"` in `text` (a raw string needs one more).
fn longest_hash_run(text: &str) -> usize {
    text.split('"').skip(1).map(|rest| rest.chars().take_while(|c| *c == '#').count()).max().unwrap_or(0)
}

fn json_inner(v: &Json) -> Expr {
    match v {
        Json::Null => Expr::atom("null"),
        Json::Bool(b) => Expr::atom(b.to_string()),
        // `json!` takes an integer literal as an `i32`: a larger one needs its type.
        Json::Number(n) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) if i32::try_from(i).is_err() => Expr::atom(format!("{i}_i64")),
            (None, Some(u)) => Expr::atom(format!("{u}_u64")),
            _ => Expr::atom(n.to_string()),
        },
        Json::String(s) if s == NOW_MARKER => Expr::atom("now"),
        Json::String(s) if s == TODAY_MARKER => Expr::atom("now.date_naive()"),
        Json::String(s) if s == WEEK_AGO_MARKER => Expr::atom("week_ago"),
        Json::String(s) => Expr::atom(str_lit(s)),
        Json::Array(items) => Expr::array(items.iter().map(json_inner).collect()),
        Json::Object(entries) => Expr::Object(entries.iter().map(|(k, v)| (str_lit(k), json_inner(v))).collect()),
    }
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
pub(crate) fn body_example<'a>(api: &'a Api, body: &'a RequestBody) -> Option<&'a Json> {
    body.example.as_ref().or_else(|| api.type_of(&body.ty).and_then(|t| t.example.as_ref()))
}
