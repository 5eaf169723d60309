//! Lowering of schemas into types, and the state shared by every lowering pass ([`Lowerer`]).

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use heck::{ToShoutySnakeCase, ToUpperCamelCase};
use openapiv3::{OpenAPI, ReferenceOr, Schema};
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::names::{self, Names};
use super::view::View;
use crate::config::{Config, DateTimeMode};
use crate::diag::{join, pointer, Diagnostic};
use crate::ir::*;
use crate::load::{resolve_pointer, Loaded};

const SCHEMA_PREFIX: &str = "#/components/schemas/";
const MAX_DEPTH: usize = 48;
/// How deep inline schemas may nest while lowering (documents nest at most
/// `load::MAX_NESTING` levels; merges of `allOf` members can go further only by repeating).
const MAX_INLINE_DEPTH: usize = 96;

pub(crate) struct Lowerer<'a> {
    pub file: &'a str,
    pub doc: &'a OpenAPI,
    pub raw: &'a Value,
    pub config: &'a Config,
    /// Type namespace of the `models` module.
    pub type_names: Names,
    /// Component schema name to Rust type name.
    pub component_names: BTreeMap<String, String>,
    /// Every generated type by id ([`TypeId`] indexes this while lowering), in the order their
    /// names were first used; [`Lowerer::finish_types`] sorts them by name for the IR.
    pub types: Vec<TypeSlot>,
    /// The id of each name in [`Lowerer::types`].
    type_ids: BTreeMap<String, TypeId>,
    pub diagnostics: Vec<Diagnostic>,
    depth: usize,
    /// The shape of every inline schema given a named type (see [`shape_key`]) to its name.
    inline_shapes: BTreeMap<String, String>,
    /// How many inline schemas are being lowered inside one another.
    inline_depth: usize,
}

/// A generated type while lowering: its name is taken (and references to it made) before its
/// definition is lowered.
pub(crate) struct TypeSlot {
    pub name: String,
    pub def: Option<TypeDef>,
}

/// A schema lowered to a type, with whether the value may be `null`.
pub(crate) struct Lowered {
    pub ty: TypeRef,
    pub nullable: bool,
}

impl<'a> Lowerer<'a> {
    pub(super) fn new(loaded: &'a Loaded, config: &'a Config) -> Self {
        Self {
            file: &loaded.file,
            doc: &loaded.doc,
            raw: &loaded.raw,
            config,
            type_names: Names::default(),
            component_names: BTreeMap::new(),
            types: Vec::new(),
            type_ids: BTreeMap::new(),
            diagnostics: Vec::new(),
            depth: 0,
            inline_shapes: BTreeMap::new(),
            inline_depth: 0,
        }
    }

    /// The id of the generated type of this Rust name, taken on first use.
    pub fn type_id(&mut self, name: &str) -> TypeId {
        if let Some(id) = self.type_ids.get(name) {
            return *id;
        }
        let id = TypeId::at(self.types.len());
        self.types.push(TypeSlot { name: name.to_owned(), def: None });
        self.type_ids.insert(name.to_owned(), id);
        id
    }

    /// The definition of a type, once lowered.
    pub fn def(&self, id: TypeId) -> Option<&TypeDef> {
        self.types[id.index()].def.as_ref()
    }

    /// The Rust name of a type.
    pub fn name_of(&self, id: TypeId) -> &str {
        &self.types[id.index()].name
    }

    /// Moves the lowered types into `api`, sorted by name, and turns every reference to them
    /// into an index of [`Api::types`]. A name that was referenced but never got a definition
    /// (none is known to) would be a type that does not exist: it is typed as any JSON value.
    pub(super) fn finish_types(&mut self, api: &mut Api) {
        let mut defined: Vec<(usize, TypeDef)> = std::mem::take(&mut self.types)
            .into_iter()
            .enumerate()
            .filter_map(|(i, s)| s.def.map(|d| (i, d)))
            .collect();
        defined.sort_by(|a, b| a.1.name.cmp(&b.1.name));
        let mut new_id: Vec<Option<TypeId>> = vec![None; self.type_ids.len()];
        for (new, (old, _)) in defined.iter().enumerate() {
            new_id[*old] = Some(TypeId::at(new));
        }
        self.type_ids.clear();
        api.types = defined.into_iter().map(|(_, d)| d).collect();
        fn remap(t: &mut TypeRef, new_id: &[Option<TypeId>]) {
            match t {
                TypeRef::Named(id) => match new_id[id.index()] {
                    Some(n) => *id = n,
                    None => *t = TypeRef::Json,
                },
                TypeRef::Vec(i) | TypeRef::Map(i) | TypeRef::Option(i) | TypeRef::Box(i) => remap(i, new_id),
                _ => {}
            }
        }
        api.for_each_type_ref(&mut |t| remap(t, &new_id));
        api.bulk.retain_mut(|b| match new_id[b.body_type.index()] {
            Some(n) => {
                b.body_type = n;
                true
            }
            None => false,
        });
    }

    pub fn warn(&mut self, at: &str, message: impl Into<String>) {
        self.diagnostics.push(Diagnostic::warning(self.file, at, message));
    }

    pub fn note(&mut self, at: &str, message: impl Into<String>) {
        self.diagnostics.push(Diagnostic::note(self.file, at, message));
    }

    pub fn error(&mut self, at: &str, message: impl Into<String>) {
        self.diagnostics.push(Diagnostic::error(self.file, at, message));
    }

    /// Gives every component schema its Rust name: its pin (`[pins.types]`, by pointer), else
    /// the config's rename, else the name with its namespace prefix dropped; names that collide
    /// are qualified with the last word of their prefix, then numbered, in schema-name order.
    /// Every pinned name is taken first, so no derived name can take it.
    pub(super) fn name_components(&mut self) {
        for pinned in self.config.pins.types.values() {
            self.type_names.unique(pinned);
        }
        let Some(components) = &self.doc.components else { return };
        let mut wanted: BTreeMap<String, Vec<&str>> = BTreeMap::new();
        let mut fixed = BTreeMap::new();
        for name in components.schemas.keys() {
            let at = pointer(["components", "schemas", name.as_str()]);
            if let Some(pinned) = self.config.pins.types.get(&at) {
                self.component_names.insert(name.clone(), pinned.clone());
            } else if let Some(rename) = self.config.types.rename.get(name) {
                fixed.insert(name.as_str(), rename.clone());
            } else {
                wanted.entry(names::type_name(names::split_prefix(name).1)).or_default().push(name);
            }
        }
        for (schema, rust) in &fixed {
            let unique = self.type_names.unique(rust);
            self.component_names.insert((*schema).to_owned(), unique);
        }
        let mut qualified = Vec::new();
        for (rust, schemas) in &wanted {
            if schemas.len() == 1 && !self.type_names.contains(rust) {
                let unique = self.type_names.unique(rust);
                self.component_names.insert(schemas[0].to_owned(), unique);
            } else {
                qualified.extend(schemas.iter().map(|s| (*s, rust.clone())));
            }
        }
        for (schema, rust) in qualified {
            let candidate = match names::split_prefix(schema).0 {
                Some(prefix) => format!("{}{rust}", names::prefix_word(prefix)),
                None => rust,
            };
            let unique = self.type_names.unique(&candidate);
            self.component_names.insert(schema.to_owned(), unique);
        }
    }

    pub(super) fn lower_components(&mut self) {
        let Some(components) = &self.doc.components else { return };
        for (name, schema) in &components.schemas {
            let rust = self.component_names[name].clone();
            let at = pointer(["components", "schemas", name.as_str()]);
            let origin = format!("schema `{name}`");
            let schema = match schema {
                ReferenceOr::Item(s) => Cow::Borrowed(s),
                ReferenceOr::Reference { reference } if reference.starts_with(SCHEMA_PREFIX) => {
                    // A component that is only a reference to another is an alias of it.
                    let ty = match self.alias_cycle(name, reference) {
                        Some(cycle) => {
                            self.warn(
                                &at,
                                format!("the references {cycle} form a cycle with no schema; typed as any JSON value"),
                            );
                            TypeRef::Json
                        }
                        None => self.lower_reference(reference, &rust, &join(&at, "$ref")).ty,
                    };
                    let empty = Schema {
                        schema_data: Default::default(),
                        schema_kind: openapiv3::SchemaKind::Any(Default::default()),
                    };
                    self.insert_type(&rust, origin, &at, &View::of(&empty), TypeKind::Alias(ty));
                    continue;
                }
                ReferenceOr::Reference { reference } => match self.deref_schema(reference) {
                    Some(s) => Cow::Owned(s),
                    None => {
                        self.error(&at, format!("cannot resolve `{reference}`"));
                        continue;
                    }
                },
            };
            self.lower_named(&schema, &rust, &at, origin);
        }
    }

    /// When the component `name` is a `$ref` chain through other components that comes back
    /// to one of them without reaching a schema, the chain as text (`A → B → A`).
    fn alias_cycle(&self, name: &str, reference: &str) -> Option<String> {
        let schemas = &self.doc.components.as_ref()?.schemas;
        let mut chain = vec![name.to_owned()];
        let mut next = reference.to_owned();
        while let Some(target) = next.strip_prefix(SCHEMA_PREFIX).map(percent_unescape) {
            let seen = chain.contains(&target);
            chain.push(target.clone());
            if seen {
                return Some(chain.join(" → "));
            }
            match schemas.get(&target) {
                Some(ReferenceOr::Reference { reference }) => next = reference.clone(),
                _ => return None,
            }
        }
        None
    }

    /// Resolves a reference to a schema anywhere in the document (components directly, the
    /// rest through the JSON tree).
    pub fn deref_schema(&self, reference: &str) -> Option<Schema> {
        if let Some(name) = reference.strip_prefix(SCHEMA_PREFIX) {
            if let Some(ReferenceOr::Item(s)) =
                self.doc.components.as_ref().and_then(|c| c.schemas.get(&percent_unescape(name)))
            {
                return Some(s.clone());
            }
        }
        self.deref_value(reference)
    }

    /// The schema a `$ref`-or-schema stands for (cloned); `None` when the reference resolves
    /// to nothing.
    pub fn schema_of<T: std::borrow::Borrow<Schema>>(&self, s: &ReferenceOr<T>) -> Option<Schema> {
        match s {
            ReferenceOr::Item(s) => Some(s.borrow().clone()),
            ReferenceOr::Reference { reference } => self.deref_schema(reference),
        }
    }

    /// [`Self::schema_of`] through the one-member `allOf` that annotates a reference (whose
    /// `nullable` it keeps), as 3.0 writes a `$ref` with a description beside it.
    pub fn unwrapped_schema<T: std::borrow::Borrow<Schema>>(&self, s: &ReferenceOr<T>) -> Option<Schema> {
        let mut schema = self.schema_of(s)?;
        for _ in 0..8 {
            let v = View::of(&schema);
            let [member] = v.all_of else { break };
            if v.typ.is_some() || v.properties.is_some() || v.items.is_some() {
                break;
            }
            let nullable = v.nullable;
            let mut inner = self.schema_of(member)?;
            inner.schema_data.nullable |= nullable;
            schema = inner;
        }
        Some(schema)
    }

    /// The schema of property `name` of an object schema: its own `properties`, else those of
    /// its `allOf` members (through references, a bounded depth).
    pub fn property_schema(&self, schema: &Schema, name: &str, depth: usize) -> Option<Schema> {
        let v = View::of(schema);
        if let Some(p) = v.properties.and_then(|p| p.get(name)) {
            return self.schema_of(p);
        }
        if depth >= 8 {
            return None;
        }
        v.all_of.iter().find_map(|m| self.property_schema(&self.schema_of(m)?, name, depth + 1))
    }

    /// Resolves a local reference and reads it as `T`.
    pub fn deref_value<T: DeserializeOwned>(&self, reference: &str) -> Option<T> {
        resolve_pointer(self.raw, reference).and_then(|v| serde_json::from_value(v.clone()).ok())
    }

    /// Follows `$ref` chains of non-schema objects (parameters, bodies, responses).
    pub fn resolve<'r, T: DeserializeOwned + Clone>(
        &self,
        r: &'r ReferenceOr<T>,
        at: &str,
    ) -> Result<Cow<'r, T>, Diagnostic> {
        let mut reference = match r {
            ReferenceOr::Item(item) => return Ok(Cow::Borrowed(item)),
            ReferenceOr::Reference { reference } => reference.clone(),
        };
        for _ in 0..16 {
            let next: ReferenceOr<T> = self.deref_value(&reference).ok_or_else(|| {
                Diagnostic::error(
                    self.file,
                    at,
                    format!("`{reference}` does not resolve to an object of the expected kind"),
                )
            })?;
            match next {
                ReferenceOr::Item(item) => return Ok(Cow::Owned(item)),
                ReferenceOr::Reference { reference: r } => reference = r,
            }
        }
        Err(Diagnostic::error(self.file, at, "reference chain is longer than 16 steps or circular"))
    }

    /// Lowers a component schema (or an inline schema that needs a type) under a fixed name.
    fn lower_named(&mut self, schema: &Schema, rust: &str, at: &str, origin: String) {
        let v = View::of(schema);
        let kind = match self.shape(&v, rust, at) {
            Shape::Kind(kind) => kind,
            Shape::Type(ty) => TypeKind::Alias(ty),
        };
        self.insert_type(rust, origin, at, &v, kind);
    }

    fn insert_type(&mut self, rust: &str, origin: String, at: &str, v: &View, kind: TypeKind) {
        let def = TypeDef {
            name: rust.to_owned(),
            module: model_module(rust),
            origin,
            description: v.description.or(v.title).map(clean_text),
            kind,
            validated: false,
            has_idempotency_key: false,
            example: v.example.cloned(),
            example_problem: None,
            pointer: at.to_owned(),
        };
        let id = self.type_id(rust);
        self.types[id.index()].def = Some(def);
    }

    /// Lowers a schema in some position; named types it needs are created from `hint`.
    pub fn lower_ref(&mut self, schema: &ReferenceOr<Schema>, hint: &str, at: &str) -> Lowered {
        match schema {
            ReferenceOr::Reference { reference } => self.lower_reference(reference, hint, at),
            ReferenceOr::Item(s) => self.lower_inline(s, hint, at),
        }
    }

    /// Same as [`Self::lower_ref`] for the boxed form used by properties and items.
    pub fn lower_boxed(&mut self, schema: &ReferenceOr<Box<Schema>>, hint: &str, at: &str) -> Lowered {
        match schema {
            ReferenceOr::Reference { reference } => self.lower_reference(reference, hint, at),
            ReferenceOr::Item(s) => self.lower_inline(s, hint, at),
        }
    }

    fn lower_reference(&mut self, reference: &str, hint: &str, at: &str) -> Lowered {
        if let Some(name) = reference.strip_prefix(SCHEMA_PREFIX) {
            let name = percent_unescape(name);
            if let Some(rust) = self.component_names.get(&name).cloned() {
                return Lowered { ty: TypeRef::Named(self.type_id(&rust)), nullable: false };
            }
        }
        if self.depth > MAX_DEPTH {
            self.warn(at, format!("reference `{reference}` nests too deeply; typed as any JSON value"));
            return Lowered { ty: TypeRef::Json, nullable: false };
        }
        match self.deref_schema(reference) {
            Some(s) => {
                self.depth += 1;
                let out = self.lower_inline(&s, hint, at);
                self.depth -= 1;
                out
            }
            None => {
                self.warn(at, format!("`{reference}` is not a schema; typed as any JSON value"));
                Lowered { ty: TypeRef::Json, nullable: false }
            }
        }
    }

    fn lower_inline(&mut self, schema: &Schema, hint: &str, at: &str) -> Lowered {
        let v = View::of(schema);
        let nullable = v.nullable;
        // Primitive shapes need no named type; decide that before taking a name.
        if let Some(ty) = self.primitive(&v, hint, at) {
            return Lowered { ty, nullable };
        }
        // Inline schemas of the same shape are one type, named from the first use (or by a
        // pin or the config's rename, keyed by the pointer of that use): large descriptions
        // repeat the same inline object hundreds of times.
        let key = shape_key(schema);
        if let Some(rust) = key.as_ref().and_then(|k| self.inline_shapes.get(k)).cloned() {
            let id = self.type_id(&rust);
            self.keep_shared_prose(id, &v);
            return Lowered { ty: TypeRef::Named(id), nullable };
        }
        // Every path into an inline schema is bounded, whatever the merges and references on
        // the way (a property that is `allOf` of its own schema nests without end).
        if self.inline_depth >= MAX_INLINE_DEPTH {
            self.warn(
                at,
                format!("inline schemas nest more than {MAX_INLINE_DEPTH} deep here; typed as any JSON value"),
            );
            return Lowered { ty: TypeRef::Json, nullable };
        }
        let rust = match self.config.pins.types.get(at) {
            Some(pinned) => pinned.clone(),
            None => {
                let wanted = match self.config.types.rename.get(at) {
                    Some(name) => name.clone(),
                    None => names::type_name(hint),
                };
                self.type_names.unique(&wanted)
            }
        };
        if let Some(key) = key.clone() {
            self.inline_shapes.insert(key, rust.clone());
        }
        self.inline_depth += 1;
        let shaped = self.shape(&v, &rust, at);
        self.inline_depth -= 1;
        let ty = match shaped {
            Shape::Kind(kind) => {
                self.insert_type(&rust, format!("inline schema at `{at}`"), at, &v, kind);
                TypeRef::Named(self.type_id(&rust))
            }
            Shape::Type(ty) => {
                if let Some(key) = key {
                    self.inline_shapes.remove(&key);
                }
                ty
            }
        };
        Lowered { ty, nullable }
    }

    /// The one value an object schema fixes for its property `name` (a single-value enum),
    /// in any declaration of it: its own properties or those of its `allOf` members, through
    /// references. The base a variant extends (`allOf: [$ref: Pet, {kind: {enum: [cat]}}]`)
    /// declares `kind` as any string; the variant's own declaration narrows it.
    fn fixed_value(&self, schema: &Schema, name: &str) -> Option<String> {
        self.fixed_value_at(schema, name, 0)
    }

    fn fixed_value_at(&self, schema: &Schema, name: &str, depth: usize) -> Option<String> {
        let v = View::of(schema);
        if let Some(p) = v.properties.and_then(|p| p.get(name)).and_then(|p| self.schema_of(p)) {
            if let [Some(value)] = View::of(&p).string_enum.as_slice() {
                return Some(value.clone());
            }
        }
        if depth >= 8 {
            return None;
        }
        v.all_of.iter().find_map(|m| self.fixed_value_at(&self.schema_of(m)?, name, depth + 1))
    }

    /// Whether an object schema requires property `name`, itself or through its `allOf`
    /// members.
    fn requires(&self, schema: &Schema, name: &str, depth: usize) -> bool {
        let v = View::of(schema);
        v.required.iter().any(|r| r == name)
            || (depth < 8
                && v.all_of.iter().any(|m| self.schema_of(m).is_some_and(|s| self.requires(&s, name, depth + 1))))
    }

    /// The names of an object schema's properties, its own then its `allOf` members'.
    fn property_names(&self, schema: &Schema, depth: usize, out: &mut Vec<String>) {
        let v = View::of(schema);
        for name in v.properties.into_iter().flat_map(|p| p.keys()) {
            if !out.contains(name) {
                out.push(name.clone());
            }
        }
        if depth < 8 {
            for m in v.all_of {
                if let Some(s) = self.schema_of(m) {
                    self.property_names(&s, depth + 1, out);
                }
            }
        }
    }

    /// The tag of a union without a discriminator: a property every member requires and fixes
    /// to a value of its own (`kind: {const: cat}` beside `kind: {const: dog}`), with those
    /// values in member order. Such a union is tagged in all but name; tried in order instead,
    /// a variant whose tag type is open would take every value.
    fn implied_tag(&self, members: &[ReferenceOr<Schema>]) -> Option<(String, Vec<String>)> {
        let schemas: Vec<Schema> = members.iter().map(|m| self.schema_of(m)).collect::<Option<_>>()?;
        let [first, _, ..] = schemas.as_slice() else { return None };
        let mut candidates = Vec::new();
        self.property_names(first, 0, &mut candidates);
        candidates.into_iter().find_map(|name| {
            let values: Vec<String> = schemas
                .iter()
                .map(|s| self.fixed_value(s, &name).filter(|_| self.requires(s, &name, 0)))
                .collect::<Option<_>>()?;
            let mut sorted: Vec<&String> = values.iter().collect();
            sorted.sort_unstable();
            sorted.windows(2).all(|w| w[0] != w[1]).then_some((name, values))
        })
    }

    /// A type shared by inline schemas of one shape documents what they all say: a
    /// description (of the type or of a field) that another use says differently is dropped,
    /// so no use is documented with another's words.
    fn keep_shared_prose(&mut self, id: TypeId, v: &View) {
        let Some(def) = self.types[id.index()].def.as_mut() else { return };
        let described = v.description.or(v.title).map(clean_text);
        if def.description.is_some() && def.description != described {
            def.description = None;
        }
        let TypeKind::Struct { fields, .. } = &mut def.kind else { return };
        for f in fields.iter_mut().filter(|f| f.description.is_some()) {
            let other = match v.properties.and_then(|p| p.get(&f.wire_name)) {
                Some(ReferenceOr::Item(p)) => {
                    let pv = View::of(p);
                    pv.description.or(pv.title).map(clean_text)
                }
                _ => None,
            };
            if f.description != other {
                f.description = None;
            }
        }
    }

    /// The type of a schema that maps onto a Rust type without a definition of its own.
    fn primitive(&mut self, v: &View, hint: &str, at: &str) -> Option<TypeRef> {
        if !v.string_enum.is_empty() || !v.int_enum.is_empty() || !v.one_of.is_empty() || !v.any_of.is_empty() {
            return None;
        }
        if !v.all_of.is_empty() {
            // `allOf` of a single reference (the 3.0 way to annotate a `$ref`) is that type, and
            // so is one beside members that only annotate it (an example, a description).
            let typed = v.typed_all_of();
            if let ([(i, member)], None) = (typed.as_slice(), v.properties) {
                let inner = self.lower_ref(&(*member).clone(), hint, &join(&join(at, "allOf"), &i.to_string()));
                return Some(inner.ty);
            }
            return None;
        }
        if v.not {
            self.warn(at, "`not` schemas cannot be typed; typed as any JSON value");
            return Some(TypeRef::Json);
        }
        Some(match v.typ {
            Some("string") => match (v.format.as_deref(), self.config.types.date_time) {
                (Some("date-time"), DateTimeMode::Chrono) => TypeRef::DateTime,
                (Some("date"), DateTimeMode::Chrono) => TypeRef::Date,
                _ => TypeRef::String,
            },
            Some("integer") => match v.format.as_deref() {
                Some("int32") => TypeRef::I32,
                Some("uint32") | Some("uint") => TypeRef::U32,
                Some("uint64") => TypeRef::U64,
                _ => TypeRef::I64,
            },
            Some("number") => match v.format.as_deref() {
                Some("float") => TypeRef::F32,
                _ => TypeRef::F64,
            },
            Some("boolean") => TypeRef::Bool,
            Some("array") => match v.items {
                Some(items) => {
                    let item = self.lower_boxed(items, &format!("{hint}Item"), &join(at, "items"));
                    TypeRef::Vec(Box::new(wrap_nullable(item)))
                }
                None => TypeRef::Vec(Box::new(TypeRef::Json)),
            },
            Some("object") | None if v.properties.is_none_or(|p| p.is_empty()) => match v.additional {
                Some(openapiv3::AdditionalProperties::Schema(s)) => {
                    let value = self.lower_ref(s, &format!("{hint}Value"), &join(at, "additionalProperties"));
                    TypeRef::Map(Box::new(wrap_nullable(value)))
                }
                _ if v.typ == Some("object") => TypeRef::Map(Box::new(TypeRef::Json)),
                _ => TypeRef::Json,
            },
            Some("object") | None => return None,
            Some(other) => {
                self.warn(at, format!("schema type `{other}` is unknown; typed as any JSON value"));
                TypeRef::Json
            }
        })
    }

    /// The definition of a schema under the Rust name `rust`.
    fn shape(&mut self, v: &View, rust: &str, at: &str) -> Shape {
        // `allOf` of one inline schema (beside annotations) is that schema, under this name.
        if v.string_enum.is_empty() && v.int_enum.is_empty() && v.one_of.is_empty() && v.any_of.is_empty() {
            if let ([(i, ReferenceOr::Item(member))], None) = (v.typed_all_of().as_slice(), v.properties) {
                return self.shape(&View::of(member), rust, &join(&join(at, "allOf"), &i.to_string()));
            }
        }
        if !v.string_enum.is_empty() {
            // `x-enum-varnames` (and `x-enum-descriptions`), when given, name and describe the
            // values in order.
            let ext_list = |key: &str| -> Vec<String> {
                v.extensions
                    .get(key)
                    .and_then(Value::as_array)
                    .map(|a| a.iter().map(|x| x.as_str().unwrap_or_default().to_owned()).collect())
                    .unwrap_or_default()
            };
            let (var_names, descriptions) = (ext_list("x-enum-varnames"), ext_list("x-enum-descriptions"));
            let position = |value: &str| v.string_enum.iter().flatten().position(|x| x == value);
            let mut seen = Names::default();
            let variants = v
                .string_enum
                .iter()
                .flatten()
                .collect::<BTreeSet<_>>()
                .into_iter()
                .map(|value| {
                    let i = position(value);
                    let named = i.and_then(|i| var_names.get(i)).filter(|n| !n.is_empty());
                    EnumVariant {
                        rust_name: seen.unique(&names::variant_name(named.map_or(value.as_str(), String::as_str))),
                        value: value.clone(),
                        description: i
                            .and_then(|i| descriptions.get(i))
                            .filter(|d| !d.is_empty())
                            .map(|d| clean_text(d)),
                    }
                })
                .collect::<Vec<_>>();
            let ordered = order_like(&v.string_enum, variants);
            return Shape::Kind(TypeKind::StringEnum { variants: ordered });
        }
        if !v.int_enum.is_empty() {
            let names_ext: Vec<String> = v
                .extensions
                .get("x-enum-varnames")
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_str).map(str::to_owned).collect())
                .unwrap_or_default();
            let mut seen = Names::default();
            let mut values = BTreeSet::new();
            let variants = v
                .int_enum
                .iter()
                .flatten()
                .enumerate()
                .filter(|(_, value)| values.insert(**value))
                .map(|(i, value)| {
                    let base = names_ext.get(i).map(|n| names::variant_name(n)).unwrap_or_else(|| {
                        if *value < 0 {
                            format!("Minus{}", value.unsigned_abs())
                        } else {
                            format!("V{value}")
                        }
                    });
                    IntVariant { rust_name: seen.unique(&base), value: *value, description: None }
                })
                .collect();
            return Shape::Kind(TypeKind::IntEnum { variants });
        }
        if let Some(kind) = const_union(v) {
            return Shape::Kind(kind);
        }
        if !v.one_of.is_empty() || !v.any_of.is_empty() {
            let members = if v.one_of.is_empty() { v.any_of } else { v.one_of };
            let key = if v.one_of.is_empty() { "anyOf" } else { "oneOf" };
            let siblings = v.properties.is_some_and(|p| !p.is_empty()) || !v.all_of.is_empty();
            // `oneOf: [{required: [email]}, {required: [phone]}]` beside the properties says
            // which of them must be there; the value is the object.
            if siblings && members.iter().all(|m| matches!(m, ReferenceOr::Item(s) if only_required(s))) {
                return Shape::Kind(self.object(v, rust, at));
            }
            return Shape::Kind(self.union(v, members, rust, &join(at, key)));
        }
        if let Some(ty) = self.primitive(v, rust, at) {
            return Shape::Type(ty);
        }
        Shape::Kind(self.object(v, rust, at))
    }

    fn union(&mut self, v: &View, members: &[ReferenceOr<Schema>], rust: &str, at: &str) -> TypeKind {
        let mut seen = Names::default();
        let mut variants = Vec::new();
        let mapping: BTreeMap<String, &str> = v
            .discriminator
            .map(|d| {
                d.mapping
                    .iter()
                    .map(|(tag, target)| {
                        // A mapping value is a reference or a bare schema name.
                        let target =
                            if target.starts_with('#') { target.clone() } else { format!("{SCHEMA_PREFIX}{target}") };
                        (target, tag.as_str())
                    })
                    .collect()
            })
            .unwrap_or_default();
        let implied = if v.discriminator.is_none() { self.implied_tag(members) } else { None };
        // Properties and `allOf` members beside the alternatives belong to each of them: an
        // object alternative is lowered merged with them (`allOf: [alternative, shared]`).
        let shared = shared_part(v);
        let mut unshared = Vec::new();
        // An inline object alternative without a title or tag is named by a property only it
        // has (its required ones first): `Tracking` and `Reference`, not `Variant0` and `Variant1`.
        let own_keys: Vec<Vec<&String>> = members
            .iter()
            .map(|m| match m {
                ReferenceOr::Item(s) => {
                    let mv = View::of(s);
                    let props = mv.properties.map(|p| p.keys().collect::<Vec<_>>()).unwrap_or_default();
                    let mut keys: Vec<&String> = mv.required.iter().filter(|r| props.contains(r)).collect();
                    keys.extend(props.into_iter().filter(|p| !mv.required.contains(p)));
                    keys
                }
                ReferenceOr::Reference { .. } => Vec::new(),
            })
            .collect();
        let own_key = |i: usize| {
            own_keys[i]
                .iter()
                .find(|k| own_keys.iter().enumerate().all(|(j, other)| j == i || !other.contains(k)))
                .map(|k| names::type_name(k))
        };
        // Whether every variant has a tag: a reference by its mapping entry, else the one value
        // its schema fixes for the discriminator's property, else its schema name; an inline
        // member by the one value it fixes (utoipa writes
        // `allOf: [$ref, {properties: {type: {enum: [X]}}}]`).
        let mut all_tagged = true;
        for (i, m) in members.iter().enumerate() {
            let at_i = format!("{at}/{i}");
            let (base, tag, description) = match m {
                ReferenceOr::Reference { reference } => {
                    let schema_name = reference.strip_prefix(SCHEMA_PREFIX).map(percent_unescape);
                    let base = schema_name
                        .as_deref()
                        .and_then(|s| self.component_names.get(s).cloned())
                        .unwrap_or_else(|| format!("Variant{i}"));
                    // A schema that fixes the property's value can only ever carry that value,
                    // whatever its name.
                    let fixed = || {
                        let d = v.discriminator?;
                        self.fixed_value(&self.schema_of(m)?, &d.property_name)
                    };
                    let tag =
                        mapping.get(reference).map(|t| (*t).to_owned()).or_else(fixed).or_else(|| schema_name.clone());
                    (base, tag, None)
                }
                ReferenceOr::Item(s) => {
                    let mv = View::of(s);
                    let tag = match &implied {
                        Some((_, values)) => Some(values[i].clone()),
                        None => v.discriminator.and_then(|d| self.fixed_value(s, &d.property_name)),
                    };
                    all_tagged &= tag.is_some();
                    // A single-value enum (3.1's `const`) is named by its value: `"auto" | integer`
                    // has variants `Auto` and `Integer`.
                    let single = match mv.string_enum.as_slice() {
                        [Some(value)] if value.chars().any(|c| c.is_ascii_alphabetic()) => Some(value.as_str()),
                        _ => None,
                    };
                    let base =
                        mv.title.or(single).or(tag.as_deref()).map(names::type_name).unwrap_or_else(|| match mv.typ {
                            Some(t) if mv.properties.is_none() => names::type_name(t),
                            _ => own_key(i).unwrap_or_else(|| format!("Variant{i}")),
                        });
                    (base, tag, mv.description.map(clean_text))
                }
            };
            let tag = match &implied {
                Some((_, values)) => Some(values[i].clone()),
                None => tag,
            };
            let merged = shared.as_ref().and_then(|shared| {
                let object = self.schema_of(m).is_some_and(|s| {
                    let mv = View::of(&s);
                    // An empty alternative (`{}`) takes the shared part as it is.
                    let empty = mv.one_of.is_empty()
                        && mv.any_of.is_empty()
                        && mv.items.is_none()
                        && mv.string_enum.is_empty()
                        && mv.int_enum.is_empty();
                    mv.typ == Some("object")
                        || (mv.typ.is_none() && (mv.properties.is_some() || !mv.all_of.is_empty() || empty))
                });
                if !object {
                    unshared.push(base.clone());
                    return None;
                }
                Some(ReferenceOr::Item(Schema {
                    schema_data: Default::default(),
                    schema_kind: openapiv3::SchemaKind::AllOf {
                        all_of: vec![m.clone(), ReferenceOr::Item(shared.clone())],
                    },
                }))
            });
            let lowered = self.lower_ref(merged.as_ref().unwrap_or(m), &format!("{rust}{base}"), &at_i);
            variants.push(UnionVariant { rust_name: seen.unique(&base), ty: wrap_nullable(lowered), tag, description });
        }
        if !unshared.is_empty() {
            let what = format!(
                "the properties beside the alternatives apply to objects only; not to {}",
                unshared.iter().map(|b| format!("`{b}`")).collect::<Vec<_>>().join(", ")
            );
            self.warn(at, what);
        }
        // A value two variants fix cannot choose between them.
        let mut tags: Vec<&str> = variants.iter().filter_map(|v| v.tag.as_deref()).collect();
        tags.sort_unstable();
        let distinct = tags.windows(2).all(|w| w[0] != w[1]);
        let tagging = match v.discriminator {
            Some(d) if all_tagged && distinct => UnionTagging::Internal(d.property_name.clone()),
            Some(_) if all_tagged => {
                self.warn(at, "discriminator values repeat across variants, so they cannot choose one; variants are tried in order");
                UnionTagging::Untagged
            }
            Some(_) => {
                self.warn(
                    at,
                    "discriminator over inline schemas that fix no value for it is ignored; variants are tried in order",
                );
                UnionTagging::Untagged
            }
            None => match implied {
                Some((property, _)) => UnionTagging::Internal(property),
                None => UnionTagging::Untagged,
            },
        };
        if tagging == UnionTagging::Untagged {
            for var in &mut variants {
                var.tag = None;
            }
            // Untagged, a variant whose Rust type an earlier one has (`oneOf` of strings told
            // apart by a title or a format, or the same `$ref` twice) could never be chosen: every
            // value would read as the first. Such variants are one; a union left with one variant
            // is its type.
            let mut kept: Vec<UnionVariant> = Vec::new();
            let mut merged = Vec::new();
            for var in variants {
                let plain = var.ty != TypeRef::Json;
                match kept.iter().find(|k| plain && k.ty == var.ty) {
                    Some(first) => merged.push(format!("`{}` into `{}`", var.rust_name, first.rust_name)),
                    None => kept.push(var),
                }
            }
            if !merged.is_empty() {
                let what = format!(
                    "alternatives of the same Rust type cannot be told apart once read: {} merged",
                    merged.join(", ")
                );
                self.warn(at, what);
            }
            if let [only] = kept.as_slice() {
                return TypeKind::Alias(only.ty.clone());
            }
            return TypeKind::Union { tagging, variants: kept };
        }
        TypeKind::Union { tagging, variants }
    }

    /// A struct from `properties` (own and those of `allOf` members).
    fn object(&mut self, v: &View, rust: &str, at: &str) -> TypeKind {
        let mut props: Vec<(String, ReferenceOr<Box<Schema>>, String)> = Vec::new();
        let mut required: BTreeSet<String> = v.required.iter().cloned().collect();
        let mut additional = v.additional.cloned();
        for (i, member) in v.all_of.iter().enumerate() {
            let member_at = format!("{at}/allOf/{i}");
            let Some(schema) = self.schema_of(member) else {
                self.warn(&member_at, "allOf member does not resolve to a schema; ignored");
                continue;
            };
            let mv = View::of(&schema);
            self.collect_all_of(&mv, &member_at, &mut props, &mut required, &mut additional, 0);
        }
        if let Some(own) = v.properties {
            for (name, p) in own {
                merge_prop(self, &mut props, name, p.clone(), join(&join(at, "properties"), name));
            }
        }
        // The map of undeclared properties, and the record of fields to send as `null`.
        let mut seen = Names::with_reserved(["additional_properties", "sent_as_null"]);
        let mut fields = Vec::new();
        for (wire, schema, p_at) in props {
            let hint = format!("{rust}{}", wire.to_upper_camel_case());
            let lowered = self.lower_boxed(&schema, &hint, &p_at);
            let pv = match &schema {
                ReferenceOr::Item(s) => Some(View::of(s)),
                ReferenceOr::Reference { .. } => None,
            };
            let constraints = pv.as_ref().map(constraints_of).unwrap_or_default();
            let idempotency_key = pv.as_ref().is_some_and(|pv| pv.flag("x-idempotency-key"));
            if idempotency_key && lowered.ty != TypeRef::String {
                self.warn(&p_at, "x-idempotency-key applies to string fields only; ignored");
            }
            fields.push(Field {
                rust_name: seen.unique(&names::snake_ident(&wire)),
                required: required.contains(&wire),
                wire_name: wire,
                nullable: lowered.nullable,
                ty: lowered.ty.clone(),
                description: pv.as_ref().and_then(|pv| pv.description.or(pv.title)).map(clean_text),
                default: pv.as_ref().and_then(|pv| pv.default.cloned()),
                example: pv.as_ref().and_then(|pv| pv.example.cloned()),
                constraints,
                idempotency_key: idempotency_key && lowered.ty == TypeRef::String,
                deprecated: pv.as_ref().is_some_and(|pv| pv.deprecated),
                read_only: pv.as_ref().is_some_and(|pv| pv.read_only),
                write_only: pv.as_ref().is_some_and(|pv| pv.write_only),
            });
        }
        let additional = match additional {
            Some(openapiv3::AdditionalProperties::Schema(s)) if !fields.is_empty() => {
                let value = self.lower_ref(&s, &format!("{rust}Value"), &join(at, "additionalProperties"));
                Some(wrap_nullable(value))
            }
            Some(openapiv3::AdditionalProperties::Any(true)) if !fields.is_empty() => Some(TypeRef::Json),
            _ => None,
        };
        TypeKind::Struct { fields, additional }
    }

    fn collect_all_of(
        &mut self,
        v: &View,
        at: &str,
        props: &mut Vec<(String, ReferenceOr<Box<Schema>>, String)>,
        required: &mut BTreeSet<String>,
        additional: &mut Option<openapiv3::AdditionalProperties>,
        depth: usize,
    ) {
        if depth > 16 {
            self.warn(at, "allOf nests too deeply; inner members ignored");
            return;
        }
        required.extend(v.required.iter().cloned());
        if additional.is_none() {
            *additional = v.additional.cloned();
        }
        if let Some(own) = v.properties {
            for (name, p) in own {
                merge_prop(self, props, name, p.clone(), join(&join(at, "properties"), name));
            }
        }
        if !v.one_of.is_empty() || !v.any_of.is_empty() {
            // The object is one of several shapes: every shape's properties become optional
            // fields, so each shape can be sent and read (none of its `required` is enforced).
            let mut merged = false;
            for (key, members) in [("oneOf", v.one_of), ("anyOf", v.any_of)] {
                for (i, member) in members.iter().enumerate() {
                    let Some(schema) = self.schema_of(member) else { continue };
                    let Some(own) = View::of(&schema).properties else { continue };
                    let m_at = format!("{at}/{key}/{i}");
                    for (name, p) in own {
                        // Alternatives that each fix a tag (`type: link` | `type: text`): the
                        // field takes any of their values.
                        let existing = props.iter_mut().find(|(n, _, _)| n == name);
                        match existing.and_then(|e| Some((enum_union(self, &e.1, p)?, e))) {
                            Some((merged, existing)) => existing.1 = merged,
                            None => merge_prop(self, props, name, p.clone(), join(&join(&m_at, "properties"), name)),
                        }
                    }
                    merged = true;
                }
            }
            self.warn(
                at,
                if merged {
                    "oneOf/anyOf inside allOf: the properties of its alternatives are optional fields of the object"
                } else {
                    "oneOf/anyOf inside allOf is not merged; its properties are not typed"
                },
            );
        }
        for (i, member) in v.all_of.iter().enumerate() {
            if let Some(schema) = self.schema_of(member) {
                let mv = View::of(&schema);
                self.collect_all_of(&mv, &format!("{at}/allOf/{i}"), props, required, additional, depth + 1);
            }
        }
    }
}

fn merge_prop(
    l: &mut Lowerer,
    props: &mut Vec<(String, ReferenceOr<Box<Schema>>, String)>,
    name: &str,
    schema: ReferenceOr<Box<Schema>>,
    at: String,
) {
    if let Some(existing) = props.iter_mut().find(|(n, _, _)| n == name) {
        if existing.1 == schema {
            return;
        }
        // `allOf` is every member at once: where one declaration only narrows the other (an
        // enum or a format on the same type, or annotations beside a type), the narrower one
        // is the property. Otherwise the last one is used, with a warning.
        match narrower(l, &existing.1, &schema) {
            Some(std::cmp::Ordering::Less) => keep_description(&mut existing.1, &schema),
            Some(_) => {
                let mut schema = schema;
                keep_description(&mut schema, &existing.1);
                existing.1 = schema;
                existing.2 = at;
            }
            None => {
                l.warn(
                    &at,
                    format!("property `{name}` is declared differently by several allOf members; the last one is used"),
                );
                existing.1 = schema;
                existing.2 = at;
            }
        }
    } else {
        props.push((name.to_owned(), schema, at));
    }
}

/// The string enum of the values of both `a` and `b` when each is a string enum (the tags of
/// alternatives), `a`'s other keywords kept.
fn enum_union(
    l: &Lowerer,
    a: &ReferenceOr<Box<Schema>>,
    b: &ReferenceOr<Box<Schema>>,
) -> Option<ReferenceOr<Box<Schema>>> {
    use openapiv3::{SchemaKind, Type};
    let (mut sa, sb) = (l.schema_of(a)?, l.schema_of(b)?);
    let SchemaKind::Type(Type::String(b_string)) = &sb.schema_kind else { return None };
    let SchemaKind::Type(Type::String(a_string)) = &mut sa.schema_kind else { return None };
    if a_string.enumeration.is_empty() || b_string.enumeration.is_empty() {
        return None;
    }
    for value in &b_string.enumeration {
        if !a_string.enumeration.contains(value) {
            a_string.enumeration.push(value.clone());
        }
    }
    sa.schema_data.nullable |= sb.schema_data.nullable;
    Some(ReferenceOr::Item(Box::new(sa)))
}

/// Gives the declaration taken the description of the one dropped, when it has none of its
/// own (a reference keeps its target's).
fn keep_description(taken: &mut ReferenceOr<Box<Schema>>, dropped: &ReferenceOr<Box<Schema>>) {
    if let (ReferenceOr::Item(taken), ReferenceOr::Item(dropped)) = (taken, dropped) {
        if taken.schema_data.description.is_none() {
            taken.schema_data.description.clone_from(&dropped.schema_data.description);
        }
    }
}

/// Which of two declarations of one property `allOf` means: `Less` keeps `a`, `Greater` or
/// `Equal` takes `b`, `None` when neither only narrows the other. A declaration narrows
/// another when it adds an enum or a format to the same scalar type, or is the type the other
/// only annotates. Whether `null` is allowed is not narrowed away: the server that declared
/// `null` somewhere may send it, so a declaration that drops it is not taken over one that
/// keeps it.
fn narrower(l: &Lowerer, a: &ReferenceOr<Box<Schema>>, b: &ReferenceOr<Box<Schema>>) -> Option<std::cmp::Ordering> {
    use std::cmp::Ordering::*;
    let (sa, sb) = (l.unwrapped_schema(a)?, l.unwrapped_schema(b)?);
    let (va, vb) = (View::of(&sa), View::of(&sb));
    let compound = |v: &View| {
        v.properties.is_some()
            || v.items.is_some()
            || !v.one_of.is_empty()
            || !v.any_of.is_empty()
            || !v.all_of.is_empty()
            || v.not
    };
    let enumerated = |v: &View| !v.string_enum.is_empty() || !v.int_enum.is_empty() || v.other_enum;
    let annotations_only = |v: &View| v.typ.is_none() && !compound(v) && !enumerated(v);
    // Taking `x` over `y` must not drop a `null` that `y` allows.
    let keeps_null = |x: &View, y: &View| x.nullable || !y.nullable;
    match (annotations_only(&va), annotations_only(&vb)) {
        (true, true) => return Some(Equal),
        (false, true) => return keeps_null(&va, &vb).then_some(Less),
        (true, false) => return keeps_null(&vb, &va).then_some(Greater),
        (false, false) => {}
    }
    if va.typ.is_none() || va.typ != vb.typ || compound(&va) || compound(&vb) {
        return None;
    }
    // The same scalar type: an enum or a format narrows it.
    let (ea, eb, fa, fb) = (enumerated(&va), enumerated(&vb), va.format.is_some(), vb.format.is_some());
    let a_narrows = (ea || !eb) && (fa || !fb);
    let b_narrows = (eb || !ea) && (fb || !fa);
    let same =
        va.string_enum == vb.string_enum && va.int_enum == vb.int_enum && va.format == vb.format && !va.other_enum;
    match (a_narrows, b_narrows) {
        (true, true) if same => Some(if keeps_null(&vb, &va) { Equal } else { Less }),
        (true, false) => keeps_null(&va, &vb).then_some(Less),
        (false, true) => keeps_null(&vb, &va).then_some(Greater),
        _ => None,
    }
}

enum Shape {
    Kind(TypeKind),
    Type(TypeRef),
}

/// What makes two inline schemas the same type: the schema without its prose (`description`,
/// `example`, `externalDocs`), as canonical JSON. `None` when it cannot be written.
/// The part of a union's schema beside its alternatives (`properties`, `required`, `allOf`),
/// as a schema of its own, when there is one.
fn shared_part(v: &View) -> Option<Schema> {
    let properties = v.properties.filter(|p| !p.is_empty());
    if properties.is_none() && v.all_of.is_empty() {
        return None;
    }
    let object = Schema {
        schema_data: Default::default(),
        schema_kind: openapiv3::SchemaKind::Type(openapiv3::Type::Object(openapiv3::ObjectType {
            properties: properties.cloned().unwrap_or_default(),
            required: v.required.to_vec(),
            ..Default::default()
        })),
    };
    if v.all_of.is_empty() {
        return Some(object);
    }
    let mut all_of = v.all_of.to_vec();
    if properties.is_some() {
        all_of.push(ReferenceOr::Item(object));
    }
    Some(Schema { schema_data: Default::default(), schema_kind: openapiv3::SchemaKind::AllOf { all_of } })
}

/// Whether a schema says only which properties are required (and perhaps describes itself).
fn only_required(schema: &Schema) -> bool {
    let v = View::of(schema);
    !v.required.is_empty()
        && matches!(v.typ, None | Some("object"))
        && v.properties.is_none_or(|p| p.is_empty())
        && v.all_of.is_empty()
        && v.one_of.is_empty()
        && v.any_of.is_empty()
        && v.additional.is_none()
}

fn shape_key(schema: &Schema) -> Option<String> {
    fn strip(v: &mut Value, property_map: bool) {
        match v {
            Value::Object(map) => {
                if !property_map {
                    for key in ["description", "example", "examples", "externalDocs"] {
                        map.remove(key);
                    }
                }
                for (k, child) in map.iter_mut() {
                    strip(child, !property_map && k == "properties");
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|i| strip(i, false)),
            _ => {}
        }
    }
    let mut v = serde_json::to_value(schema).ok()?;
    strip(&mut v, false);
    serde_json::to_string(&v).ok()
}

/// The 3.1 way to write an enum whose values carry names: `oneOf` (or `anyOf`) of inline
/// schemas each holding one `const` (read as a one-value `enum`), with a `title` naming it and
/// an optional `description`. It becomes an open enum like any other, variants named from the
/// titles (from the values where a title is missing).
fn const_union(v: &View) -> Option<TypeKind> {
    let members = if v.one_of.is_empty() { v.any_of } else { v.one_of };
    if members.is_empty() || v.properties.is_some_and(|p| !p.is_empty()) {
        return None;
    }
    let mut strings = Vec::new();
    let mut ints = Vec::new();
    for m in members {
        let ReferenceOr::Item(s) = m else { return None };
        let mv = View::of(s);
        let named = mv.title.map(str::to_owned);
        let description = mv.description.map(clean_text);
        match (mv.string_enum.as_slice(), mv.int_enum.as_slice()) {
            ([Some(value)], []) => strings.push((value.clone(), named, description)),
            ([], [Some(value)]) => ints.push((*value, named, description)),
            _ => return None,
        }
    }
    let mut seen = Names::default();
    if ints.is_empty() {
        let mut values = BTreeSet::new();
        let variants = strings
            .into_iter()
            .filter(|(value, _, _)| values.insert(value.clone()))
            .map(|(value, named, description)| EnumVariant {
                rust_name: seen.unique(&names::variant_name(named.as_deref().unwrap_or(&value))),
                value,
                description,
            })
            .collect();
        Some(TypeKind::StringEnum { variants })
    } else if strings.is_empty() {
        let mut values = BTreeSet::new();
        let variants = ints
            .into_iter()
            .filter(|(value, _, _)| values.insert(*value))
            .map(|(value, named, description)| {
                let base = match named {
                    Some(n) => names::variant_name(&n),
                    None if value < 0 => format!("Minus{}", value.unsigned_abs()),
                    None => format!("V{value}"),
                };
                IntVariant { rust_name: seen.unique(&base), value, description }
            })
            .collect();
        Some(TypeKind::IntEnum { variants })
    } else {
        None
    }
}

/// The module of a model type inside `models`: its snake-case name, except that a type named
/// `Models` may not make a module `models::models`.
fn model_module(rust: &str) -> String {
    match names::snake_ident(rust) {
        m if m == "models" => "models_type".to_owned(),
        m => m,
    }
}

pub(crate) fn wrap_nullable(l: Lowered) -> TypeRef {
    if l.nullable {
        TypeRef::Option(Box::new(l.ty))
    } else {
        l.ty
    }
}

fn order_like(order: &[Option<String>], variants: Vec<EnumVariant>) -> Vec<EnumVariant> {
    let mut out = Vec::with_capacity(variants.len());
    for value in order.iter().flatten() {
        if let Some(v) = variants.iter().find(|v| &v.value == value) {
            if !out.iter().any(|o: &EnumVariant| &o.value == value) {
                out.push(v.clone());
            }
        }
    }
    out
}

pub(crate) fn constraints_of(v: &View) -> Constraints {
    Constraints {
        min_items: v.min_items.map(|n| n as u64),
        max_items: v.max_items.map(|n| n as u64),
        min_length: v.min_length.map(|n| n as u64),
        max_length: v.max_length.map(|n| n as u64),
        minimum: v.minimum,
        maximum: v.maximum,
        pattern: v.pattern.map(str::to_owned),
    }
}

/// Trims a spec description and normalizes its line ends.
pub(crate) fn clean_text(s: &str) -> String {
    s.replace("\r\n", "\n").trim().to_owned()
}

fn percent_unescape(name: &str) -> String {
    name.replace("~1", "/").replace("~0", "~")
}

/// Environment-variable form of a name (`FLEXPRICE`).
pub(crate) fn env_name(s: &str) -> String {
    s.to_shouty_snake_case()
}
