//! The intermediate representation: every decision about Rust is made while lowering into
//! it, so the emitters are pure functions of this data and never look at the spec again.
//! It is `Serialize` so snapshot tests can show it.

use serde::Serialize;

/// The generator's version, recorded in every generated crate's `Cargo.toml`.
pub const GENERATOR_VERSION: &str = env!("CARGO_PKG_VERSION");

/// A whole API, ready to emit.
#[derive(Debug, Clone, Serialize)]
pub struct Api {
    /// The spec's title.
    pub title: String,
    /// The spec's `info.version`.
    pub api_version: String,
    /// The spec's description, if any.
    pub description: Option<String>,
    /// The file the spec was read from (as named by the user).
    pub spec_file: String,
    /// The generated crate's package data.
    pub package: Package,
    /// Servers from the spec, in order; the first is the default.
    pub servers: Vec<Server>,
    /// Security schemes used by at least one operation.
    pub security: Vec<SecurityScheme>,
    /// Operation groups, one per tag (plus `default` for untagged operations), sorted by name.
    pub tags: Vec<Tag>,
    /// Every operation, in spec order.
    pub operations: Vec<Operation>,
    /// Every named type, sorted by Rust name.
    pub types: Vec<TypeDef>,
    /// Typed API error variants, one per declared error status, sorted by status.
    pub errors: Vec<ErrorVariant>,
    /// Batching helpers from the generator config.
    pub bulk: Vec<BulkHelper>,
    /// Operations whose calls page (`pages()`, `items()`), from the generator config.
    pub pagination: Vec<Pagination>,
}

impl Api {
    /// Whether a parameter is an object in the query, exploded (the default style): it is sent
    /// as its fields (`k=v&k2=v2`).
    pub fn is_query_object(&self, p: &Param) -> bool {
        p.location == ParamLocation::Query
            && p.style == QueryStyle::FormExploded
            && match &p.ty {
                TypeRef::Map(_) => true,
                TypeRef::Named(id) => matches!(self.ty(*id).kind, TypeKind::Struct { .. }),
                _ => false,
            }
    }

    /// The types named in `def`: its fields, additional properties, variants or alias target.
    pub fn contained(def: &TypeDef) -> Vec<TypeId> {
        match &def.kind {
            TypeKind::Struct { fields, additional } => {
                fields.iter().filter_map(|f| f.ty.named()).chain(additional.iter().filter_map(TypeRef::named)).collect()
            }
            TypeKind::Union { variants, .. } => variants.iter().filter_map(|v| v.ty.named()).collect(),
            TypeKind::Alias(t) => t.named().into_iter().collect(),
            TypeKind::StringEnum { .. } | TypeKind::IntEnum { .. } => Vec::new(),
        }
    }

    /// `roots` and every type reachable from them.
    pub fn reachable(&self, roots: impl IntoIterator<Item = TypeId>) -> std::collections::BTreeSet<TypeId> {
        let mut seen = std::collections::BTreeSet::new();
        let mut queue: Vec<TypeId> = roots.into_iter().filter(|id| seen.insert(*id)).collect();
        while let Some(id) = queue.pop() {
            queue.extend(Self::contained(self.ty(id)).into_iter().filter(|m| seen.insert(*m)));
        }
        seen
    }

    /// The types a request can carry: request bodies and parameters, and what they contain.
    pub fn input_types(&self) -> std::collections::BTreeSet<TypeId> {
        self.reachable(self.operations.iter().flat_map(|op| {
            op.body.iter().filter_map(|b| b.ty.named()).chain(op.params.iter().filter_map(|p| p.ty.named()))
        }))
    }

    /// The types a response can carry: success and error bodies, and what they contain.
    pub fn output_types(&self) -> std::collections::BTreeSet<TypeId> {
        self.reachable(
            self.operations
                .iter()
                .filter_map(|op| op.response.named())
                .chain(self.errors.iter().filter_map(|e| e.body.named())),
        )
    }

    /// The type `t` stands for, through aliases (`pub type Id = String;` is a `String`).
    pub fn unaliased<'a>(&'a self, t: &'a TypeRef) -> &'a TypeRef {
        let mut t = t;
        for _ in 0..16 {
            match t {
                TypeRef::Named(id) => match &self.ty(*id).kind {
                    TypeKind::Alias(inner) => t = inner,
                    _ => break,
                },
                _ => break,
            }
        }
        t
    }

    /// Whether `t` names a union (or an alias of one) that can hold a list, such as
    /// `oneOf: [string, array of string]`: as a parameter, its list is sent item by item, as a
    /// list parameter is.
    pub fn is_list_union(&self, t: &TypeRef) -> bool {
        fn list(api: &Api, t: &TypeRef, depth: usize) -> bool {
            match t {
                TypeRef::Vec(_) => true,
                TypeRef::Named(id) if depth < 8 => match &api.ty(*id).kind {
                    TypeKind::Union { variants, .. } => variants.iter().any(|v| list(api, &v.ty, depth + 1)),
                    TypeKind::Alias(inner) => list(api, inner, depth + 1),
                    _ => false,
                },
                _ => false,
            }
        }
        matches!(t, TypeRef::Named(_)) && list(self, t, 0)
    }

    /// Whether a path parameter is a list, or a union that can hold one (`style: simple`: its
    /// items joined by commas).
    pub fn is_path_list(&self, p: &Param) -> bool {
        p.location == ParamLocation::Path && (matches!(p.ty, TypeRef::Vec(_)) || self.is_list_union(&p.ty))
    }

    /// Whether a field of a multipart body is a file: the crate then re-exports `FilePart`.
    pub fn uses_files(&self) -> bool {
        self.types
            .iter()
            .any(|t| matches!(&t.kind, TypeKind::Struct { fields, .. } if fields.iter().any(|f| f.ty.is_file())))
    }

    /// Whether any type, parameter, body or response of the API is (or holds) a `chrono` type:
    /// the crate then depends on `chrono` and re-exports it.
    pub fn uses_chrono(&self) -> bool {
        let in_types = self.types.iter().any(|t| match &t.kind {
            TypeKind::Struct { fields, additional } => {
                fields.iter().any(|f| f.ty.uses_chrono()) || additional.as_ref().is_some_and(TypeRef::uses_chrono)
            }
            TypeKind::Union { variants, .. } => variants.iter().any(|v| v.ty.uses_chrono()),
            TypeKind::Alias(t) => t.uses_chrono(),
            TypeKind::StringEnum { .. } | TypeKind::IntEnum { .. } => false,
        });
        in_types
            || self.operations.iter().any(|op| {
                op.params.iter().any(|p| p.ty.uses_chrono())
                    || op.body.as_ref().is_some_and(|b| b.ty.uses_chrono())
                    || op.response.uses_chrono()
            })
    }
}

/// Package data of the generated crate.
#[derive(Debug, Clone, Serialize)]
pub struct Package {
    /// Crate name (also its `use` name).
    pub name: String,
    /// Crate version.
    pub version: String,
    /// One-line description.
    pub description: String,
    /// License expression.
    pub license: Option<String>,
    /// Source repository URL.
    pub repository: Option<String>,
    /// Home page URL.
    pub homepage: Option<String>,
    /// Documentation URL.
    pub documentation: Option<String>,
    /// crates.io keywords.
    pub keywords: Vec<String>,
    /// crates.io categories.
    pub categories: Vec<String>,
    /// Whether the crate may be published.
    pub publish: bool,
    /// Prefix of the variables `Client::from_env` reads.
    pub env_prefix: String,
    /// The command that regenerates the crate, for file headers.
    pub regen_command: String,
    /// Declare an empty `[workspace]` so the crate builds on its own inside another workspace.
    pub standalone: bool,
    /// The folder the crate is written to, for the README's path dependency (else the crate's
    /// name is taken as the folder's).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub folder: Option<String>,
    /// SHA-256 of the spec text (hex), recorded in the crate's `Cargo.toml` metadata. Not in
    /// IR snapshots: it changes with every byte of the spec.
    #[serde(skip)]
    pub spec_sha256: String,
    /// Version of the generator that made the crate, recorded beside the hash. Not in IR
    /// snapshots: it changes with every release of the generator.
    #[serde(skip)]
    pub generator_version: String,
}

/// One server of the spec.
#[derive(Debug, Clone, Serialize)]
pub struct Server {
    /// Variant name in the `Server` enum.
    pub rust_name: String,
    /// URL with variables replaced by their defaults; may be relative (`/v1`).
    pub url: String,
    /// The spec's description of it.
    pub description: Option<String>,
}

/// How a security scheme sends its credential.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum SecurityKind {
    /// An API key in a header of this name.
    ApiKeyHeader(String),
    /// An API key in a query parameter of this name.
    ApiKeyQuery(String),
    /// An API key in a cookie of this name.
    ApiKeyCookie(String),
    /// `Authorization: Bearer <token>` (HTTP bearer, OAuth2 and OpenID Connect).
    Bearer,
    /// `Authorization: Basic <user:password>`.
    Basic,
}

/// One security scheme used by the operations.
#[derive(Debug, Clone, Serialize)]
pub struct SecurityScheme {
    /// The scheme's key in `components.securitySchemes`.
    pub name: String,
    /// How the credential is sent.
    pub kind: SecurityKind,
    /// Name of the builder method that sets the credential (`api_key`, `bearer_token`).
    pub setter: String,
    /// Environment variable suffix read by `from_env` (`API_KEY`).
    pub env_suffix: String,
    /// The spec's description.
    pub description: Option<String>,
}

/// A group of operations reached through `client.<accessor>()`.
#[derive(Debug, Clone, Serialize)]
pub struct Tag {
    /// The tag as named in the spec.
    pub name: String,
    /// Accessor method and module name (`events`).
    pub module: String,
    /// Struct name (`Events`).
    pub rust_name: String,
    /// The tag's description.
    pub description: Option<String>,
    /// Indexes into [`Api::operations`], in spec order.
    pub operations: Vec<usize>,
}

/// A generated type: its index in [`Api::types`], which is sorted by Rust name. Emitters reach
/// the type with [`Api::ty`], never by looking a name up; two APIs (the `diff`) compare types by
/// name, through their own tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct TypeId(pub(crate) u32);

impl TypeId {
    /// The index in [`Api::types`].
    pub fn index(self) -> usize {
        self.0 as usize
    }

    /// The id of the type at `index` of [`Api::types`].
    pub fn at(index: usize) -> Self {
        Self(u32::try_from(index).expect("fewer than 2^32 types"))
    }
}

/// A Rust type expression.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "kind", content = "of")]
pub enum TypeRef {
    /// `String`.
    String,
    /// `bool`.
    Bool,
    /// `i32`.
    I32,
    /// `i64`.
    I64,
    /// `u32`.
    U32,
    /// `u64`.
    U64,
    /// `f32`.
    F32,
    /// `f64`.
    F64,
    /// `serde_json::Value`: any JSON.
    Json,
    /// `bytes::Bytes`: a binary body.
    Bytes,
    /// `FilePart` (the runtime's, re-exported by the crate): a `format: binary` field of a
    /// `multipart/form-data` body, sent as a part of its own with a file name and content type.
    File,
    /// `chrono::DateTime<chrono::Utc>`: a `format: date-time` string (RFC 3339 on the wire).
    DateTime,
    /// `chrono::NaiveDate`: a `format: date` string (`YYYY-MM-DD` on the wire).
    Date,
    /// `()`: no body.
    Unit,
    /// A generated type: its place in [`Api::types`].
    Named(TypeId),
    /// `Vec<T>`.
    Vec(Box<TypeRef>),
    /// `BTreeMap<String, T>`.
    Map(Box<TypeRef>),
    /// `Option<T>` (a nullable value; optional fields are wrapped by the emitter).
    Option(Box<TypeRef>),
    /// `Box<T>` (breaks a recursive type).
    Box(Box<TypeRef>),
}

impl TypeRef {
    /// Whether this type is, or contains, a `chrono` type.
    pub fn uses_chrono(&self) -> bool {
        match self {
            TypeRef::DateTime | TypeRef::Date => true,
            TypeRef::Vec(t) | TypeRef::Map(t) | TypeRef::Option(t) | TypeRef::Box(t) => t.uses_chrono(),
            _ => false,
        }
    }

    /// Whether this is a file, or a list or option of files.
    pub fn is_file(&self) -> bool {
        match self {
            TypeRef::File => true,
            TypeRef::Vec(t) | TypeRef::Option(t) => t.is_file(),
            _ => false,
        }
    }

    /// The generated type named here, if this is one (looking through containers).
    pub fn named(&self) -> Option<TypeId> {
        match self {
            TypeRef::Named(n) => Some(*n),
            TypeRef::Vec(t) | TypeRef::Map(t) | TypeRef::Option(t) | TypeRef::Box(t) => t.named(),
            _ => None,
        }
    }
}

/// Constraints a value must meet, checked before a request is sent.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Constraints {
    /// `minItems`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_items: Option<u64>,
    /// `maxItems`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_items: Option<u64>,
    /// `minLength`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_length: Option<u64>,
    /// `maxLength`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_length: Option<u64>,
    /// `minimum`, and whether it is exclusive.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub minimum: Option<(f64, bool)>,
    /// `maximum`, and whether it is exclusive.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub maximum: Option<(f64, bool)>,
    /// `pattern` (documented, not checked: the SDK carries no regex engine).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
}

impl Constraints {
    /// `true` when there is something to check before sending.
    pub fn is_checked(&self) -> bool {
        self.min_items.is_some()
            || self.max_items.is_some()
            || self.min_length.is_some()
            || self.max_length.is_some()
            || self.minimum.is_some()
            || self.maximum.is_some()
    }

    /// A short human description (`1 to 1000 items`), empty when there is none.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        match (self.min_items, self.max_items) {
            (Some(a), Some(b)) => parts.push(format!("{a} to {b} items")),
            (Some(a), None) => parts.push(format!("at least {a} items")),
            (None, Some(b)) => parts.push(format!("at most {b} items")),
            (None, None) => {}
        }
        match (self.min_length, self.max_length) {
            (Some(a), Some(b)) => parts.push(format!("length {a} to {b}")),
            (Some(a), None) => parts.push(format!("length at least {a}")),
            (None, Some(b)) => parts.push(format!("length at most {b}")),
            (None, None) => {}
        }
        if let Some((v, ex)) = self.minimum {
            parts.push(format!("{} {}", if ex { ">" } else { ">=" }, num(v)));
        }
        if let Some((v, ex)) = self.maximum {
            parts.push(format!("{} {}", if ex { "<" } else { "<=" }, num(v)));
        }
        if let Some(p) = &self.pattern {
            parts.push(format!("pattern `{p}`"));
        }
        parts.join(", ")
    }
}

fn num(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

/// A named type generated from a schema.
#[derive(Debug, Clone, Serialize)]
pub struct TypeDef {
    /// Rust name.
    pub name: String,
    /// Module file name (snake case).
    pub module: String,
    /// Where it comes from in the spec: the schema name, or the JSON pointer of an inline schema.
    pub origin: String,
    /// Description from the spec.
    pub description: Option<String>,
    /// What kind of type.
    pub kind: TypeKind,
    /// `true` when it (or something it contains) has constraints checked before sending.
    pub validated: bool,
    /// `true` when it (or something it contains) has an idempotency key to fill in.
    pub has_idempotency_key: bool,
    /// An example value of the whole type from the spec, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub example: Option<serde_json::Value>,
    /// Why the example does not fit the type, when it does not (its round trip is skipped).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub example_problem: Option<String>,
    /// JSON pointer of the schema.
    #[serde(skip)]
    pub pointer: String,
}

/// The shape of a generated type.
#[derive(Debug, Clone, Serialize)]
pub enum TypeKind {
    /// A struct with named fields.
    Struct {
        /// Fields in spec order.
        fields: Vec<Field>,
        /// Type of extra properties kept in a flattened map, if the schema allows them.
        additional: Option<TypeRef>,
    },
    /// A string enum that keeps unknown values.
    StringEnum {
        /// Known values.
        variants: Vec<EnumVariant>,
    },
    /// An integer enum that keeps unknown values.
    IntEnum {
        /// Known values.
        variants: Vec<IntVariant>,
    },
    /// A `oneOf`/`anyOf` union.
    Union {
        /// How the variant is told apart on the wire.
        tagging: UnionTagging,
        /// The variants.
        variants: Vec<UnionVariant>,
    },
    /// A type alias (`pub type Metadata = BTreeMap<String, String>`).
    Alias(TypeRef),
}

impl TypeKind {
    /// The variant's Rust name and wire value of an enum of one value.
    pub fn one_value(&self) -> Option<(&str, serde_json::Value)> {
        match self {
            TypeKind::StringEnum { variants } if variants.len() == 1 => {
                Some((variants[0].rust_name.as_str(), serde_json::Value::from(variants[0].value.as_str())))
            }
            TypeKind::IntEnum { variants } if variants.len() == 1 => {
                Some((variants[0].rust_name.as_str(), serde_json::Value::from(variants[0].value)))
            }
            _ => None,
        }
    }
}

/// How a union's variants are recognised.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum UnionTagging {
    /// Try each variant in order.
    Untagged,
    /// A property named here holds the variant's tag, inside the object.
    Internal(String),
}

/// One variant of a union.
#[derive(Debug, Clone, Serialize)]
pub struct UnionVariant {
    /// Variant name.
    pub rust_name: String,
    /// Its payload.
    pub ty: TypeRef,
    /// The discriminator value that selects it, for tagged unions.
    pub tag: Option<String>,
    /// Description.
    pub description: Option<String>,
}

/// One field of a struct.
#[derive(Debug, Clone, Serialize)]
pub struct Field {
    /// Rust name (snake case, keyword-safe).
    pub rust_name: String,
    /// Name on the wire.
    pub wire_name: String,
    /// Value type, without the `Option` of an optional field.
    pub ty: TypeRef,
    /// In the schema's `required` list.
    pub required: bool,
    /// The value may be `null` on the wire.
    pub nullable: bool,
    /// Description.
    pub description: Option<String>,
    /// Default from the spec, as JSON.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default: Option<serde_json::Value>,
    /// Example from the spec, as JSON.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub example: Option<serde_json::Value>,
    /// Constraints checked before sending.
    pub constraints: Constraints,
    /// Marked as the object's idempotency key (`x-idempotency-key: true`): filled in with a
    /// fresh unique id before the first attempt when missing.
    pub idempotency_key: bool,
    /// Deprecated in the spec.
    pub deprecated: bool,
    /// `readOnly`: sent by the server only.
    pub read_only: bool,
    /// `writeOnly`: sent by the client only.
    pub write_only: bool,
}

impl Field {
    /// Neither required nor forbidden to be `null` (and not read-only): `None` is left out,
    /// and the struct can send it as `null` instead (`with_<field>_null()`).
    pub fn may_send_null(&self) -> bool {
        !self.required && self.nullable && !self.read_only
    }

    /// The field's full Rust type: `Option<T>` unless required and not nullable.
    pub fn full_type(&self) -> TypeRef {
        if self.required && !self.nullable {
            self.ty.clone()
        } else {
            TypeRef::Option(Box::new(self.ty.clone()))
        }
    }

    /// `true` when the field is required and not nullable: a plain field, not an `Option`. It
    /// is a constructor argument unless it is [`fixed`](Self::fixed).
    pub fn is_plain(&self) -> bool {
        self.required && !self.nullable
    }

    /// The one value a plain field can hold, when its type is an enum of one value (as a
    /// `const` or a one-value `enum` lowers, the usual type tag of a union's variant): `new()`
    /// sets it, so it is no constructor argument. `types` is the table of the field's API.
    pub fn fixed<'a>(&self, types: &'a [TypeDef]) -> Option<Fixed<'a>> {
        let TypeRef::Named(id) = &self.ty else { return None };
        if !self.is_plain() {
            return None;
        }
        let ty = &types[id.index()];
        let (variant, wire) = ty.kind.one_value()?;
        Some(Fixed { ty, variant, wire })
    }

    /// `true` when the field is a constructor argument: plain and not [`fixed`](Self::fixed).
    pub fn is_argument(&self, types: &[TypeDef]) -> bool {
        self.is_plain() && self.fixed(types).is_none()
    }
}

/// The one value of a [`Field::fixed`] field.
#[derive(Debug, Clone)]
pub struct Fixed<'a> {
    /// The field's enum type.
    pub ty: &'a TypeDef,
    /// The Rust name of its one variant.
    pub variant: &'a str,
    /// Its value on the wire.
    pub wire: serde_json::Value,
}

/// One value of a string enum.
#[derive(Debug, Clone, Serialize)]
pub struct EnumVariant {
    /// Variant name.
    pub rust_name: String,
    /// Value on the wire.
    pub value: String,
    /// What it means, if the spec says.
    pub description: Option<String>,
}

/// One value of an integer enum.
#[derive(Debug, Clone, Serialize)]
pub struct IntVariant {
    /// Variant name.
    pub rust_name: String,
    /// Value on the wire.
    pub value: i64,
    /// What it means, if the spec says.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// Where a parameter goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ParamLocation {
    /// In the path template.
    Path,
    /// In the query string.
    Query,
    /// In a request header.
    Header,
    /// In the `Cookie` header.
    Cookie,
}

/// How a query parameter is serialized.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum QueryStyle {
    /// `form`, exploded: `a=1&a=2`.
    FormExploded,
    /// `form`, not exploded: `a=1,2`.
    FormCommas,
    /// `spaceDelimited` / `pipeDelimited`: `a=1 2` / `a=1|2`.
    Delimited(char),
    /// `deepObject`: `a[k]=v`.
    DeepObject,
}

/// One operation parameter.
#[derive(Debug, Clone, Serialize)]
pub struct Param {
    /// Name on the wire.
    pub wire_name: String,
    /// Rust name.
    pub rust_name: String,
    /// Where it goes.
    pub location: ParamLocation,
    /// Must be given.
    pub required: bool,
    /// Value type.
    pub ty: TypeRef,
    /// Query serialization.
    pub style: QueryStyle,
    /// Description.
    pub description: Option<String>,
    /// Constraints checked before sending.
    pub constraints: Constraints,
    /// Example from the spec.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub example: Option<serde_json::Value>,
    /// Deprecated in the spec.
    pub deprecated: bool,
}

/// How a body is put on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum BodyEncoding {
    /// JSON (also `*/*` and `+json` types whose schema is JSON).
    Json,
    /// `application/x-www-form-urlencoded`.
    Form,
    /// `multipart/form-data`.
    Multipart,
    /// `text/plain` and other text.
    Text,
    /// Raw bytes.
    Binary,
}

/// An operation's request body.
#[derive(Debug, Clone, Serialize)]
pub struct RequestBody {
    /// The body type.
    pub ty: TypeRef,
    /// Wire encoding.
    pub encoding: BodyEncoding,
    /// The content type the spec declares (`*/*`, `application/json`).
    pub spec_content_type: String,
    /// The content type the SDK sends.
    pub content_type: String,
    /// Required by the spec.
    pub required: bool,
    /// Description.
    pub description: Option<String>,
    /// Example body from the spec (media type example, else the schema's).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub example: Option<serde_json::Value>,
    /// Where the example is in the document (its JSON pointer), for warnings about it.
    #[serde(skip)]
    pub example_pointer: String,
    /// Why the example does not fit the body type, when it does not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub example_problem: Option<String>,
}

/// How a success body is decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ResponseEncoding {
    /// JSON into the response type.
    Json,
    /// No body (or one that is ignored).
    Empty,
    /// Text.
    Text,
    /// Raw bytes.
    Binary,
}

/// One declared error response of an operation.
#[derive(Debug, Clone, Serialize)]
pub struct OperationError {
    /// The statuses it covers.
    pub status: ErrorStatus,
    /// Content type of the body.
    pub content_type: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// The body type (`Unit` without a body, `String` for text).
    pub body: TypeRef,
}

/// One operation.
#[derive(Debug, Clone, Serialize)]
pub struct Operation {
    /// Rust method name.
    pub rust_name: String,
    /// The operationId, if the spec has one.
    pub operation_id: Option<String>,
    /// HTTP method, upper case.
    pub method: String,
    /// Path template.
    pub path: String,
    /// Index into [`Api::tags`].
    pub tag: usize,
    /// Summary.
    pub summary: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Deprecated in the spec.
    pub deprecated: bool,
    /// JSON pointer of the operation.
    pub pointer: String,
    /// Parameters: path ones in template order, then the rest in spec order.
    pub params: Vec<Param>,
    /// Name of the generated struct of optional parameters, if there are any.
    pub params_struct: Option<String>,
    /// Request body.
    pub body: Option<RequestBody>,
    /// Success status codes.
    pub success: Vec<u16>,
    /// The success body type (`Unit` when none).
    pub response: TypeRef,
    /// How the success body is decoded.
    pub response_encoding: ResponseEncoding,
    /// Content type of the success body.
    pub response_content_type: Option<String>,
    /// Description of the main success response.
    pub response_description: Option<String>,
    /// Example of the main success response body from the spec, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response_example: Option<serde_json::Value>,
    /// Where the response example is in the document (its JSON pointer).
    #[serde(skip)]
    pub response_example_pointer: String,
    /// Why the response example does not fit the response type, when it does not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response_example_problem: Option<String>,
    /// Declared error statuses.
    pub errors: Vec<OperationError>,
    /// Indexes into [`Api::security`]: any one of these schemes authorizes the call. A scheme
    /// the spec names without defining it is left out (lowering warns about it).
    pub security: Vec<usize>,
}

/// The statuses a declared error response covers, in the order a response is matched against
/// them: an exact code first, then a `4XX` or `5XX` class, then `default`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ErrorStatus {
    /// One status code (`404`).
    Code(u16),
    /// A class of statuses: `4` for `4XX`, `5` for `5XX`.
    Class(u16),
    /// The `default` response: any status the operation declares no other way.
    Default,
}

impl ErrorStatus {
    /// How the operation's list of declared statuses (`OperationSpec::errors`) holds it: the code,
    /// the class digit (`4`, `5`) or `0` for `default`; no real status is below 100.
    pub fn marker(self) -> u16 {
        match self {
            ErrorStatus::Code(c) => c,
            ErrorStatus::Class(c) => c,
            ErrorStatus::Default => 0,
        }
    }
}

impl std::fmt::Display for ErrorStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ErrorStatus::Code(c) => write!(f, "{c}"),
            ErrorStatus::Class(c) => write!(f, "{c}XX"),
            ErrorStatus::Default => f.write_str("default"),
        }
    }
}

impl Serialize for ErrorStatus {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            // As a number, as IR snapshots have always shown a status.
            ErrorStatus::Code(c) => serializer.serialize_u16(*c),
            other => serializer.collect_str(other),
        }
    }
}

/// A typed variant of the SDK's `Error` for one declared error status.
#[derive(Debug, Clone, Serialize)]
pub struct ErrorVariant {
    /// The statuses it covers.
    pub status: ErrorStatus,
    /// Variant name (`BadRequest`).
    pub rust_name: String,
    /// Body type (`Json` when operations declare different bodies for the status).
    pub body: TypeRef,
    /// Indexes into [`Api::operations`] of the operations that declare it.
    pub operations: Vec<usize>,
}

/// A batching helper over an array field of a request body.
#[derive(Debug, Clone, Serialize)]
pub struct BulkHelper {
    /// Method name.
    pub rust_name: String,
    /// Index into [`Api::operations`].
    pub operation: usize,
    /// The body type.
    pub body_type: TypeId,
    /// The array field's Rust name.
    pub field: String,
    /// The item type.
    pub item: TypeRef,
    /// Batch size (the field's `maxItems`).
    pub batch_size: u64,
    /// The background batcher over the same operation, if the config asks for one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ingestor: Option<IngestorHelper>,
}

/// A background batcher (the runtime's `Ingestor`) over a bulk helper's operation.
#[derive(Debug, Clone, Serialize)]
pub struct IngestorHelper {
    /// Method name on the tag (`ingestor`).
    pub rust_name: String,
    /// Name of the type alias of the ingestor (`EventsIngestor`).
    pub type_name: String,
    /// The item's own idempotency key field (Rust name), returned by `send`.
    pub key_field: Option<String>,
}

impl Api {
    /// Whether any bulk helper has an ingestor (the crate then carries the ingestor runtime).
    pub fn has_ingestor(&self) -> bool {
        self.bulk.iter().any(|b| b.ingestor.is_some())
    }

    /// The generated type of an id.
    pub fn ty(&self, id: TypeId) -> &TypeDef {
        &self.types[id.index()]
    }

    /// The generated type a reference names, looking through `Vec`, maps, `Option` and `Box`
    /// ([`TypeRef::named`]).
    pub fn type_of(&self, t: &TypeRef) -> Option<&TypeDef> {
        t.named().map(|id| self.ty(id))
    }

    /// The id of the generated type of this Rust name, for tests and tools that start from a
    /// name (the emitters never do: they follow ids).
    pub fn type_named(&self, name: &str) -> Option<TypeId> {
        self.types.binary_search_by(|d| d.name.as_str().cmp(name)).ok().map(TypeId::at)
    }

    /// Calls `f` on every type reference of the API: in the types, the operations, the error
    /// variants and the helpers (outermost first; `f` walks containers itself if it needs to).
    pub(crate) fn for_each_type_ref(&mut self, f: &mut impl FnMut(&mut TypeRef)) {
        for t in &mut self.types {
            match &mut t.kind {
                TypeKind::Struct { fields, additional } => {
                    fields.iter_mut().for_each(|x| f(&mut x.ty));
                    additional.iter_mut().for_each(&mut *f);
                }
                TypeKind::Union { variants, .. } => variants.iter_mut().for_each(|v| f(&mut v.ty)),
                TypeKind::Alias(t) => f(t),
                TypeKind::StringEnum { .. } | TypeKind::IntEnum { .. } => {}
            }
        }
        for op in &mut self.operations {
            op.params.iter_mut().for_each(|p| f(&mut p.ty));
            op.body.iter_mut().for_each(|b| f(&mut b.ty));
            f(&mut op.response);
            op.errors.iter_mut().for_each(|e| f(&mut e.body));
        }
        self.errors.iter_mut().for_each(|e| f(&mut e.body));
        self.bulk.iter_mut().for_each(|b| f(&mut b.item));
        self.pagination.iter_mut().for_each(|p| f(&mut p.item));
    }
}

/// How an operation's calls walk pages.
#[derive(Debug, Clone, Serialize)]
pub struct Pagination {
    /// Index into [`Api::operations`].
    pub operation: usize,
    /// The response's array field holding the items.
    pub items: PageField,
    /// The item type.
    pub item: TypeRef,
    /// The response's boolean "more pages" field, if any.
    pub has_more: Option<PageField>,
    /// How the next request is made.
    pub mode: PageMode,
    /// Request parameters or body fields the requests for later pages leave out.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub first_page_only: Vec<PagePlace>,
}

/// A field of the response type, as the emitter reads it.
#[derive(Debug, Clone, Serialize)]
pub struct PageField {
    /// Rust name of the field.
    pub rust_name: String,
    /// Whether the field is an `Option`.
    pub optional: bool,
}

/// Cursor or offset paging.
#[derive(Debug, Clone, Serialize)]
pub enum PageMode {
    /// The response's `field` holds the next cursor (a string); it goes to `place`.
    Cursor {
        /// The response field.
        field: PageField,
        /// Where the cursor goes in the next request.
        place: PagePlace,
    },
    /// The number of items seen so far goes to `place`.
    Offset {
        /// Where the offset goes.
        place: PagePlace,
    },
}

/// Where a request carries a paging value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum PagePlace {
    /// A query parameter (wire name).
    Query(String),
    /// A top-level field of the JSON body (wire name).
    Body(String),
}
