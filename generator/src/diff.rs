//! The API change report: compares two IRs as the generated Rust API sees them, classifies
//! each change as breaking or compatible **for the generated crate**, and derives the semver
//! step it implies.
//!
//! What the generated code promises decides the class: models, parameter structs, the
//! `Error` enum, the `Server` enum, string and integer enums and tagged unions are
//! `#[non_exhaustive]`, so adding to them is compatible; required fields are constructor
//! arguments and required parameters are method arguments, so adding one is breaking;
//! untagged unions are exhaustive, so a new variant is breaking; any change of a Rust type
//! (including `Option<T>` against `T` and boxing) is breaking.
//!
//! Operations are matched by `METHOD /path`, parameters by location and wire name, fields by
//! wire name, types by Rust name (pins keep those stable), enum values by wire value.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use serde::Serialize;

use crate::emit::render::json_code;
use crate::ir::{Api, ErrorStatus, Field, Operation, Param, ParamLocation, TypeDef, TypeKind, TypeRef, UnionTagging};

/// Whether a change can break code that compiled against the previous crate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Class {
    /// Code using the crate may stop compiling or behave differently.
    Breaking,
    /// Code using the crate keeps compiling and working.
    Compatible,
}

/// A semver step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Bump {
    /// Nothing to release.
    None,
    /// Fixes and changes that add no API.
    Patch,
    /// New API, nothing broken.
    Minor,
    /// Something broken.
    Major,
}

/// What changed. The names are stable: CI reads them from the JSON report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
#[allow(missing_docs)]
pub enum Kind {
    OperationAdded,
    OperationRemoved,
    OperationRenamed,
    OperationMoved,
    OperationDeprecated,
    ParameterAdded,
    ParameterRemoved,
    ParameterRetyped,
    ParameterRequiredChanged,
    ParameterRenamed,
    ParametersReordered,
    ParamsStructRenamed,
    RequestBodyAdded,
    RequestBodyRemoved,
    RequestBodyRetyped,
    RequestBodyRequiredChanged,
    RequestEncodingChanged,
    ResponseRetyped,
    ResponseEncodingChanged,
    SuccessStatusChanged,
    ErrorStatusAdded,
    ErrorStatusRemoved,
    ErrorBodyRetyped,
    ErrorVariantAdded,
    ErrorVariantRemoved,
    TypeAdded,
    TypeRemoved,
    TypeKindChanged,
    FieldAdded,
    FieldRemoved,
    FieldRetyped,
    FieldRequiredChanged,
    FieldNullableChanged,
    /// A plain field became a constructor argument or stopped being one (its enum type gained
    /// or lost all but one value, so `new()` no longer or now sets it).
    FieldArgumentChanged,
    FieldRenamed,
    AdditionalPropertiesChanged,
    EnumValueAdded,
    EnumValueRemoved,
    EnumVariantRenamed,
    UnionVariantAdded,
    UnionVariantRemoved,
    UnionVariantRetyped,
    UnionTaggingChanged,
    AliasRetyped,
    ServerAdded,
    ServerRemoved,
    ServerRenamed,
    AuthAdded,
    AuthRemoved,
    BulkHelperAdded,
    BulkHelperRemoved,
}

impl Kind {
    /// Whether a compatible change of this kind adds API (a minor step from 1.0 on) rather
    /// than only changing behaviour or documentation (a patch step).
    fn adds_api(self) -> bool {
        matches!(
            self,
            Kind::OperationAdded
                | Kind::ParameterAdded
                | Kind::RequestBodyAdded
                | Kind::ErrorVariantAdded
                | Kind::TypeAdded
                | Kind::FieldAdded
                | Kind::AdditionalPropertiesChanged
                | Kind::EnumValueAdded
                | Kind::UnionVariantAdded
                | Kind::ServerAdded
                | Kind::AuthAdded
                | Kind::BulkHelperAdded
        )
    }
}

/// One change of the generated API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    /// Breaking or compatible.
    pub class: Class,
    /// What changed.
    pub kind: Kind,
    /// The Rust item it concerns (`events().post_events`, `models::Event::timestamp`).
    pub item: String,
    /// One sentence for humans.
    pub detail: String,
}

/// The change report between two versions of a spec.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    /// The old spec, as named by the user.
    pub old_spec: String,
    /// The new spec, as named by the user.
    pub new_spec: String,
    /// Number of breaking changes.
    pub breaking: usize,
    /// Number of compatible changes.
    pub compatible: usize,
    /// The semver step the changes imply.
    pub bump: Bump,
    /// The crate version the report was made against, if known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_version: Option<String>,
    /// The version after the step, if the current one is known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_version: Option<String>,
    /// Every change: breaking first, then compatible, each in API order.
    pub changes: Vec<Change>,
}

/// Compares two IRs. `current_version` (the crate's version before the change) turns the
/// semver step into a next version.
pub fn diff(old: &Api, new: &Api, current_version: Option<&str>) -> Report {
    let mut d = Differ { changes: Vec::new(), old: &old.types, new: &new.types };
    d.operations(old, new);
    d.errors(old, new);
    d.types(old, new);
    d.servers_and_auth(old, new);
    let mut changes = d.changes;
    changes.sort_by_key(|c| c.class);
    let breaking = changes.iter().filter(|c| c.class == Class::Breaking).count();
    let bump = if breaking > 0 {
        Bump::Major
    } else if changes.iter().any(|c| c.kind.adds_api()) {
        Bump::Minor
    } else if changes.is_empty() {
        Bump::None
    } else {
        Bump::Patch
    };
    let next_version = current_version.and_then(|v| next_version(v, bump));
    Report {
        old_spec: old.spec_file.clone(),
        new_spec: new.spec_file.clone(),
        breaking,
        compatible: changes.len() - breaking,
        bump,
        current_version: current_version.map(str::to_owned),
        next_version,
        changes,
    }
}

/// The version after a step, by Cargo's semver rules: below 1.0 the first non-zero part is
/// the major one (`0.3.1` takes a breaking change as `0.4.0` and anything else as `0.3.2`).
/// `None` when `version` is not `MAJOR.MINOR.PATCH`.
pub fn next_version(version: &str, bump: Bump) -> Option<String> {
    let core = version.split(['-', '+']).next()?;
    let parts: Vec<u64> = core.split('.').map(|p| p.parse().ok()).collect::<Option<_>>()?;
    let [major, minor, patch] = parts[..] else { return None };
    let effective = match (major, minor, bump) {
        (_, _, Bump::None) => return Some(version.to_owned()),
        (0, 0, _) => Bump::Patch,
        (0, _, Bump::Major) => Bump::Minor,
        (0, _, _) => Bump::Patch,
        _ => bump,
    };
    Some(match effective {
        Bump::Major => format!("{}.0.0", major + 1),
        Bump::Minor => format!("{major}.{}.0", minor + 1),
        _ => format!("{major}.{minor}.{}", patch + 1),
    })
}

impl Report {
    /// `true` when nothing changed in the generated API.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    /// The summary line (`2 breaking, 5 compatible changes: major step (0.1.0 -> 0.2.0)`).
    pub fn summary(&self) -> String {
        if self.changes.is_empty() {
            return "No change to the generated API.".to_owned();
        }
        let step = match (&self.current_version, &self.next_version) {
            (Some(c), Some(n)) => format!(" ({c} -> {n})"),
            _ => String::new(),
        };
        let bump = match self.bump {
            Bump::Major => "major",
            Bump::Minor => "minor",
            Bump::Patch => "patch",
            Bump::None => "no",
        };
        format!("{} breaking, {} compatible change(s): a {bump} version step{step}.", self.breaking, self.compatible)
    }

    /// Markdown for humans and the CHANGELOG; section headings start at `level` (`###`
    /// for 3).
    pub fn markdown(&self, level: usize) -> String {
        let h = "#".repeat(level.clamp(1, 6));
        let mut out = String::new();
        let _ = writeln!(out, "{}", self.summary());
        for (class, title) in [(Class::Breaking, "Breaking changes"), (Class::Compatible, "Compatible changes")] {
            let items: Vec<&Change> = self.changes.iter().filter(|c| c.class == class).collect();
            if items.is_empty() {
                continue;
            }
            let _ = writeln!(out, "\n{h} {title}\n");
            for c in items {
                let _ = writeln!(out, "- `{}`: {}", c.item, c.detail);
            }
        }
        out
    }

    /// The report as pretty JSON (for CI).
    pub fn json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default() + "\n"
    }
}

/// The changes found so far, and the type tables of the two APIs: a type reference is an id
/// into its own API's table, so types of the two are compared as the generated Rust spells them.
struct Differ<'a> {
    changes: Vec<Change>,
    old: &'a [TypeDef],
    new: &'a [TypeDef],
}

/// A type as the generated Rust spells it, `types` being the table of its API.
fn ty(types: &[TypeDef], t: &TypeRef) -> String {
    crate::emit::types::text(types, t, crate::emit::types::Models::Bare)
}

fn op_item(api: &Api, op: &Operation) -> String {
    let tag = api.tags.get(op.tag).map(|t| t.module.as_str()).unwrap_or("client");
    format!("{tag}().{}", op.rust_name)
}

fn location(l: ParamLocation) -> &'static str {
    match l {
        ParamLocation::Path => "path",
        ParamLocation::Query => "query",
        ParamLocation::Header => "header",
        ParamLocation::Cookie => "cookie",
    }
}

impl Differ<'_> {
    /// A type of the old API, spelled.
    fn was(&self, t: &TypeRef) -> String {
        ty(self.old, t)
    }

    /// A type of the new API, spelled.
    fn now(&self, t: &TypeRef) -> String {
        ty(self.new, t)
    }

    fn push(&mut self, class: Class, kind: Kind, item: impl Into<String>, detail: impl Into<String>) {
        self.changes.push(Change { class, kind, item: item.into(), detail: detail.into() });
    }

    fn operations(&mut self, old: &Api, new: &Api) {
        let key = |o: &Operation| (o.method.clone(), o.path.clone());
        let new_by: BTreeMap<_, &Operation> = new.operations.iter().map(|o| (key(o), o)).collect();
        let old_keys: BTreeSet<_> = old.operations.iter().map(key).collect();
        for o in &old.operations {
            let item = op_item(old, o);
            let Some(n) = new_by.get(&key(o)) else {
                self.push(
                    Class::Breaking,
                    Kind::OperationRemoved,
                    item,
                    format!("`{} {}` was removed", o.method, o.path),
                );
                continue;
            };
            if o.rust_name != n.rust_name {
                self.push(
                    Class::Breaking,
                    Kind::OperationRenamed,
                    &item,
                    format!("`{} {}` is now `{}`", o.method, o.path, n.rust_name),
                );
            }
            let (ot, nt) = (old.tags.get(o.tag).map(|t| &t.module), new.tags.get(n.tag).map(|t| &t.module));
            if ot != nt {
                self.push(
                    Class::Breaking,
                    Kind::OperationMoved,
                    &item,
                    format!("moved to `{}()`", nt.map(String::as_str).unwrap_or("client")),
                );
            }
            if !o.deprecated && n.deprecated {
                self.push(Class::Compatible, Kind::OperationDeprecated, &item, "is deprecated");
            }
            self.params(&item, o, n);
            self.body(&item, o, n);
            self.responses(&item, o, n);
        }
        for n in &new.operations {
            if !old_keys.contains(&key(n)) {
                self.push(
                    Class::Compatible,
                    Kind::OperationAdded,
                    op_item(new, n),
                    format!("new operation `{} {}`", n.method, n.path),
                );
            }
        }
    }

    fn params(&mut self, item: &str, o: &Operation, n: &Operation) {
        let key = |p: &Param| (location(p.location), p.wire_name.clone());
        let new_by: BTreeMap<_, &Param> = n.params.iter().map(|p| (key(p), p)).collect();
        let old_keys: BTreeSet<_> = o.params.iter().map(key).collect();
        for p in &o.params {
            let what = format!("{} parameter `{}`", location(p.location), p.wire_name);
            let Some(q) = new_by.get(&key(p)) else {
                self.push(Class::Breaking, Kind::ParameterRemoved, item, format!("{what} was removed"));
                continue;
            };
            if self.was(&p.ty) != self.now(&q.ty) {
                self.push(
                    Class::Breaking,
                    Kind::ParameterRetyped,
                    item,
                    format!("{what} changed type from `{}` to `{}`", self.was(&p.ty), self.now(&q.ty)),
                );
            }
            if p.required != q.required {
                let now = if q.required { "required (a method argument)" } else { "optional (in the params struct)" };
                self.push(Class::Breaking, Kind::ParameterRequiredChanged, item, format!("{what} is now {now}"));
            }
            if p.rust_name != q.rust_name {
                self.push(
                    Class::Breaking,
                    Kind::ParameterRenamed,
                    item,
                    format!("{what} is now `{}` (was `{}`)", q.rust_name, p.rust_name),
                );
            }
        }
        for q in &n.params {
            if old_keys.contains(&key(q)) {
                continue;
            }
            let what = format!("{} parameter `{}`", location(q.location), q.wire_name);
            if q.required {
                self.push(
                    Class::Breaking,
                    Kind::ParameterAdded,
                    item,
                    format!("new required {what} (a new method argument)"),
                );
            } else if o.params_struct.is_none() {
                self.push(
                    Class::Breaking,
                    Kind::ParameterAdded,
                    item,
                    format!("new optional {what}; the method takes a new `params` argument"),
                );
            } else {
                self.push(Class::Compatible, Kind::ParameterAdded, item, format!("new optional {what}"));
            }
        }
        // Required parameters are positional arguments: their order matters.
        let required = |op: &Operation| -> BTreeSet<_> { op.params.iter().filter(|p| p.required).map(key).collect() };
        let both: BTreeSet<_> = required(o).intersection(&required(n)).cloned().collect();
        let order = |op: &Operation| -> Vec<_> { op.params.iter().map(key).filter(|k| both.contains(k)).collect() };
        if order(o) != order(n) {
            self.push(Class::Breaking, Kind::ParametersReordered, item, "the required parameters come in a new order");
        }
        if let (Some(a), Some(b)) = (&o.params_struct, &n.params_struct) {
            if a != b {
                self.push(
                    Class::Breaking,
                    Kind::ParamsStructRenamed,
                    item,
                    format!("the params struct `{a}` is now `{b}`"),
                );
            }
        }
    }

    fn body(&mut self, item: &str, o: &Operation, n: &Operation) {
        match (&o.body, &n.body) {
            (None, None) => {}
            (None, Some(b)) => self.push(
                Class::Breaking,
                Kind::RequestBodyAdded,
                item,
                format!("takes a request body `{}` (a new method argument)", self.now(&b.ty)),
            ),
            (Some(b), None) => self.push(
                Class::Breaking,
                Kind::RequestBodyRemoved,
                item,
                format!("no longer takes a request body (was `{}`)", self.was(&b.ty)),
            ),
            (Some(a), Some(b)) => {
                if self.was(&a.ty) != self.now(&b.ty) {
                    self.push(
                        Class::Breaking,
                        Kind::RequestBodyRetyped,
                        item,
                        format!("request body changed type from `{}` to `{}`", self.was(&a.ty), self.now(&b.ty)),
                    );
                }
                if a.required != b.required {
                    let now = if b.required { "required" } else { "optional (an `Option`)" };
                    self.push(
                        Class::Breaking,
                        Kind::RequestBodyRequiredChanged,
                        item,
                        format!("the request body is now {now}"),
                    );
                }
                if a.encoding != b.encoding || a.content_type != b.content_type {
                    self.push(
                        Class::Compatible,
                        Kind::RequestEncodingChanged,
                        item,
                        format!("the request body is now sent as `{}` (was `{}`)", b.content_type, a.content_type),
                    );
                }
            }
        }
    }

    fn responses(&mut self, item: &str, o: &Operation, n: &Operation) {
        if self.was(&o.response) != self.now(&n.response) {
            self.push(
                Class::Breaking,
                Kind::ResponseRetyped,
                item,
                format!("returns `{}` (was `{}`)", self.now(&n.response), self.was(&o.response)),
            );
        } else if o.response_encoding != n.response_encoding {
            self.push(
                Class::Compatible,
                Kind::ResponseEncodingChanged,
                item,
                format!("the response body is decoded as {:?} (was {:?})", n.response_encoding, o.response_encoding),
            );
        }
        if o.success != n.success {
            let codes = |c: &[u16]| c.iter().map(u16::to_string).collect::<Vec<_>>().join(", ");
            self.push(
                Class::Compatible,
                Kind::SuccessStatusChanged,
                item,
                format!("success status {} (was {})", codes(&n.success), codes(&o.success)),
            );
        }
        let new_errors: BTreeMap<ErrorStatus, &TypeRef> = n.errors.iter().map(|e| (e.status, &e.body)).collect();
        let old_errors: BTreeMap<ErrorStatus, &TypeRef> = o.errors.iter().map(|e| (e.status, &e.body)).collect();
        for (status, body) in &old_errors {
            match new_errors.get(status) {
                None => self.push(
                    Class::Compatible,
                    Kind::ErrorStatusRemoved,
                    item,
                    format!("no longer declares status {status} (now reported as `Error::UnexpectedStatus`)"),
                ),
                Some(b) if self.now(b) != self.was(body) => self.push(
                    Class::Breaking,
                    Kind::ErrorBodyRetyped,
                    item,
                    format!("the body of status {status} changed type from `{}` to `{}`", self.was(body), self.now(b)),
                ),
                Some(_) => {}
            }
        }
        for status in new_errors.keys().filter(|s| !old_errors.contains_key(s)) {
            self.push(
                Class::Compatible,
                Kind::ErrorStatusAdded,
                item,
                format!("declares status {status} (a typed `Error` variant instead of `Error::UnexpectedStatus`)"),
            );
        }
    }

    fn errors(&mut self, old: &Api, new: &Api) {
        let new_by: BTreeMap<ErrorStatus, _> = new.errors.iter().map(|e| (e.status, e)).collect();
        let old_by: BTreeMap<ErrorStatus, _> = old.errors.iter().map(|e| (e.status, e)).collect();
        for (status, e) in &old_by {
            let item = format!("Error::{}", e.rust_name);
            match new_by.get(status) {
                None => self.push(
                    Class::Breaking,
                    Kind::ErrorVariantRemoved,
                    item,
                    format!("no operation declares status {status} any more; the variant was removed"),
                ),
                Some(n) if n.rust_name != e.rust_name || self.now(&n.body) != self.was(&e.body) => self.push(
                    Class::Breaking,
                    Kind::ErrorVariantRemoved,
                    item,
                    format!("status {status} is now `Error::{}` with a `{}` body", n.rust_name, self.now(&n.body)),
                ),
                Some(_) => {}
            }
        }
        for (status, e) in new_by.iter().filter(|(s, _)| !old_by.contains_key(s)) {
            self.push(
                Class::Compatible,
                Kind::ErrorVariantAdded,
                format!("Error::{}", e.rust_name),
                format!("new variant for status {status} (`Error` is `#[non_exhaustive]`)"),
            );
        }
    }

    fn types(&mut self, old: &Api, new: &Api) {
        let new_by: BTreeMap<&str, &TypeDef> = new.types.iter().map(|t| (t.name.as_str(), t)).collect();
        let old_by: BTreeMap<&str, &TypeDef> = old.types.iter().map(|t| (t.name.as_str(), t)).collect();
        for (name, o) in &old_by {
            let item = format!("models::{name}");
            let Some(n) = new_by.get(name) else {
                self.push(Class::Breaking, Kind::TypeRemoved, item, format!("was removed (from {})", o.origin));
                continue;
            };
            self.type_def(&item, o, n);
        }
        for (name, n) in new_by.iter().filter(|(name, _)| !old_by.contains_key(*name)) {
            self.push(
                Class::Compatible,
                Kind::TypeAdded,
                format!("models::{name}"),
                format!("new type, from {}", n.origin),
            );
        }
    }

    fn type_def(&mut self, item: &str, o: &TypeDef, n: &TypeDef) {
        match (&o.kind, &n.kind) {
            (TypeKind::Struct { fields: of, additional: oa }, TypeKind::Struct { fields: nf, additional: na }) => {
                self.fields(item, of, nf);
                if oa != na {
                    let (class, detail) = match (oa, na) {
                        (None, Some(t)) => (
                            Class::Compatible,
                            format!("keeps other properties in `additional_properties` (`{}`)", self.now(t)),
                        ),
                        (Some(_), None) => (Class::Breaking, "no longer has `additional_properties`".to_owned()),
                        (Some(a), Some(b)) => (
                            Class::Breaking,
                            format!("`additional_properties` values are `{}` (were `{}`)", self.now(b), self.was(a)),
                        ),
                        (None, None) => unreachable!("equal"),
                    };
                    self.push(class, Kind::AdditionalPropertiesChanged, item, detail);
                }
            }
            (TypeKind::StringEnum { variants: ov }, TypeKind::StringEnum { variants: nv }) => {
                let old: Vec<(String, &str)> = ov.iter().map(|v| (v.value.clone(), v.rust_name.as_str())).collect();
                let new: Vec<(String, &str)> = nv.iter().map(|v| (v.value.clone(), v.rust_name.as_str())).collect();
                self.enum_values(item, &old, &new);
            }
            (TypeKind::IntEnum { variants: ov }, TypeKind::IntEnum { variants: nv }) => {
                let old: Vec<(String, &str)> = ov.iter().map(|v| (v.value.to_string(), v.rust_name.as_str())).collect();
                let new: Vec<(String, &str)> = nv.iter().map(|v| (v.value.to_string(), v.rust_name.as_str())).collect();
                self.enum_values(item, &old, &new);
            }
            (TypeKind::Union { tagging: ot, variants: ov }, TypeKind::Union { tagging: nt, variants: nv }) => {
                if ot != nt {
                    self.push(
                        Class::Breaking,
                        Kind::UnionTaggingChanged,
                        item,
                        "variants are told apart differently on the wire",
                    );
                }
                let new_by: BTreeMap<&str, _> = nv.iter().map(|v| (v.rust_name.as_str(), v)).collect();
                let old_names: BTreeSet<&str> = ov.iter().map(|v| v.rust_name.as_str()).collect();
                for v in ov {
                    match new_by.get(v.rust_name.as_str()) {
                        None => self.push(
                            Class::Breaking,
                            Kind::UnionVariantRemoved,
                            item,
                            format!("variant `{}` was removed", v.rust_name),
                        ),
                        Some(w) if self.now(&w.ty) != self.was(&v.ty) => self.push(
                            Class::Breaking,
                            Kind::UnionVariantRetyped,
                            item,
                            format!(
                                "variant `{}` holds `{}` (was `{}`)",
                                v.rust_name,
                                self.now(&w.ty),
                                self.was(&v.ty)
                            ),
                        ),
                        Some(_) => {}
                    }
                }
                let open = matches!(nt, UnionTagging::Internal(_));
                for v in nv.iter().filter(|v| !old_names.contains(v.rust_name.as_str())) {
                    let (class, why) = if open {
                        (Class::Compatible, "the union is `#[non_exhaustive]`")
                    } else {
                        (Class::Breaking, "untagged unions are exhaustive: a `match` on it no longer compiles")
                    };
                    self.push(class, Kind::UnionVariantAdded, item, format!("new variant `{}` ({why})", v.rust_name));
                }
            }
            (TypeKind::Alias(a), TypeKind::Alias(b)) => {
                if self.was(a) != self.now(b) {
                    self.push(
                        Class::Breaking,
                        Kind::AliasRetyped,
                        item,
                        format!("is `{}` (was `{}`)", self.now(b), self.was(a)),
                    );
                }
            }
            (a, b) => self.push(
                Class::Breaking,
                Kind::TypeKindChanged,
                item,
                format!("is now {} (was {})", kind_name(b), kind_name(a)),
            ),
        }
    }

    fn fields(&mut self, item: &str, old: &[Field], new: &[Field]) {
        let new_by: BTreeMap<&str, &Field> = new.iter().map(|f| (f.wire_name.as_str(), f)).collect();
        let old_names: BTreeSet<&str> = old.iter().map(|f| f.wire_name.as_str()).collect();
        for f in old {
            let at = format!("{item}::{}", f.rust_name);
            let Some(g) = new_by.get(f.wire_name.as_str()) else {
                self.push(Class::Breaking, Kind::FieldRemoved, at, format!("field `{}` was removed", f.wire_name));
                continue;
            };
            if f.rust_name != g.rust_name {
                self.push(Class::Breaking, Kind::FieldRenamed, &at, format!("is now `{}`", g.rust_name));
            }
            if self.was(&f.ty) != self.now(&g.ty) {
                self.push(
                    Class::Breaking,
                    Kind::FieldRetyped,
                    &at,
                    format!("changed type from `{}` to `{}`", self.was(&f.ty), self.now(&g.ty)),
                );
            }
            // Required and not nullable: a plain field and a constructor argument; otherwise
            // an `Option`. A change between the two changes the Rust API; within one, only the
            // wire contract.
            let api_changes = f.is_plain() != g.is_plain();
            let class = if api_changes { Class::Breaking } else { Class::Compatible };
            let new_types = self.new;
            let shape = |f: &Field| {
                if f.is_argument(new_types) {
                    format!("`{}`, a constructor argument", ty(new_types, &f.ty))
                } else {
                    format!("`{}`", ty(new_types, &f.full_type()))
                }
            };
            if f.required != g.required {
                let now = if g.required { "required" } else { "optional" };
                let detail = if api_changes { format!("is now {now}: {}", shape(g)) } else { format!("is now {now}") };
                self.push(class, Kind::FieldRequiredChanged, &at, detail);
            }
            if f.nullable != g.nullable {
                let now = if g.nullable { "nullable" } else { "not nullable" };
                let detail = if api_changes { format!("is now {now}: {}", shape(g)) } else { format!("is now {now}") };
                self.push(class, Kind::FieldNullableChanged, &at, detail);
            }
            // Plain both times: a field of one possible value is set by `new()`.
            if f.is_plain() && g.is_plain() && f.is_argument(self.old) != g.is_argument(self.new) {
                let detail = match g.fixed(self.new) {
                    Some(x) => {
                        format!("is no longer a constructor argument: `new()` sets it to {}", json_code(&x.wire))
                    }
                    None => format!("is now a constructor argument: {}", shape(g)),
                };
                self.push(Class::Breaking, Kind::FieldArgumentChanged, &at, detail);
            }
        }
        for g in new.iter().filter(|g| !old_names.contains(g.wire_name.as_str())) {
            let at = format!("{item}::{}", g.rust_name);
            if g.is_argument(self.new) {
                self.push(
                    Class::Breaking,
                    Kind::FieldAdded,
                    at,
                    format!("new required field `{}` (`{}`, a new constructor argument)", g.wire_name, self.now(&g.ty)),
                );
            } else if let Some(x) = g.fixed(self.new) {
                self.push(
                    Class::Compatible,
                    Kind::FieldAdded,
                    at,
                    format!("new required field `{}`, which `new()` sets to {}", g.wire_name, json_code(&x.wire)),
                );
            } else {
                self.push(
                    Class::Compatible,
                    Kind::FieldAdded,
                    at,
                    format!("new optional field `{}` (`{}`)", g.wire_name, self.now(&g.full_type())),
                );
            }
        }
    }

    fn enum_values(&mut self, item: &str, old: &[(String, &str)], new: &[(String, &str)]) {
        let new_by: BTreeMap<&str, &str> = new.iter().map(|(v, n)| (v.as_str(), *n)).collect();
        let old_values: BTreeSet<&str> = old.iter().map(|(v, _)| v.as_str()).collect();
        for (value, name) in old {
            match new_by.get(value.as_str()) {
                None => self.push(
                    Class::Breaking,
                    Kind::EnumValueRemoved,
                    item,
                    format!("value `{value}` (`{name}`) was removed"),
                ),
                Some(n) if n != name => self.push(
                    Class::Breaking,
                    Kind::EnumVariantRenamed,
                    item,
                    format!("value `{value}` is now `{n}` (was `{name}`)"),
                ),
                Some(_) => {}
            }
        }
        for (value, name) in new.iter().filter(|(v, _)| !old_values.contains(v.as_str())) {
            self.push(
                Class::Compatible,
                Kind::EnumValueAdded,
                item,
                format!("new value `{value}` (`{name}`; the enum is open and `#[non_exhaustive]`)"),
            );
        }
    }

    fn servers_and_auth(&mut self, old: &Api, new: &Api) {
        // Servers are matched by URL: a new description renames the variant.
        let by_url =
            |a: &Api| a.servers.iter().map(|s| (s.url.clone(), s.rust_name.clone())).collect::<BTreeMap<_, _>>();
        let (os, ns) = (by_url(old), by_url(new));
        for (url, name) in &os {
            match ns.get(url) {
                None => self.push(
                    Class::Breaking,
                    Kind::ServerRemoved,
                    format!("Server::{name}"),
                    format!("`{url}` was removed"),
                ),
                Some(n) if n != name => self.push(
                    Class::Breaking,
                    Kind::ServerRenamed,
                    format!("Server::{name}"),
                    format!("`{url}` is now `Server::{n}`"),
                ),
                Some(_) => {}
            }
        }
        for (url, name) in ns.iter().filter(|(u, _)| !os.contains_key(*u)) {
            self.push(Class::Compatible, Kind::ServerAdded, format!("Server::{name}"), format!("new server `{url}`"));
        }
        let setters = |a: &Api| a.security.iter().map(|s| s.setter.clone()).collect::<BTreeSet<_>>();
        let (oa, na) = (setters(old), setters(new));
        for s in oa.difference(&na) {
            self.push(
                Class::Breaking,
                Kind::AuthRemoved,
                format!("ClientBuilder::{s}"),
                "no operation uses this credential any more",
            );
        }
        for s in na.difference(&oa) {
            self.push(Class::Compatible, Kind::AuthAdded, format!("ClientBuilder::{s}"), "new credential setter");
        }
        let bulk = |a: &Api| a.bulk.iter().map(|b| b.rust_name.clone()).collect::<BTreeSet<_>>();
        let (ob, nb) = (bulk(old), bulk(new));
        for b in ob.difference(&nb) {
            self.push(Class::Breaking, Kind::BulkHelperRemoved, b.as_str(), "the batching helper was removed");
        }
        for b in nb.difference(&ob) {
            self.push(Class::Compatible, Kind::BulkHelperAdded, b.as_str(), "new batching helper");
        }
    }
}

fn kind_name(k: &TypeKind) -> &'static str {
    match k {
        TypeKind::Struct { .. } => "a struct",
        TypeKind::StringEnum { .. } => "a string enum",
        TypeKind::IntEnum { .. } => "an integer enum",
        TypeKind::Union { .. } => "a union",
        TypeKind::Alias(_) => "a type alias",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn semver_steps() {
        assert_eq!(next_version("0.1.0", Bump::Major).as_deref(), Some("0.2.0"));
        assert_eq!(next_version("0.1.3", Bump::Minor).as_deref(), Some("0.1.4"));
        assert_eq!(next_version("0.1.3", Bump::Patch).as_deref(), Some("0.1.4"));
        assert_eq!(next_version("0.0.3", Bump::Major).as_deref(), Some("0.0.4"));
        assert_eq!(next_version("1.2.3", Bump::Major).as_deref(), Some("2.0.0"));
        assert_eq!(next_version("1.2.3", Bump::Minor).as_deref(), Some("1.3.0"));
        assert_eq!(next_version("1.2.3", Bump::Patch).as_deref(), Some("1.2.4"));
        assert_eq!(next_version("1.2.3", Bump::None).as_deref(), Some("1.2.3"));
        assert_eq!(next_version("1.2", Bump::Patch), None);
    }
}
