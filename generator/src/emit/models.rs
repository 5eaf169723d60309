//! `src/models/`: one file per type, re-exported from `models`.

use proc_macro2::TokenStream;
use quote::quote;

use super::layout::str_lit;
use super::render::{doc, ident, json_code, list_call, prose, rust_file, rust_items, struct_text, FieldText, Header};
use super::types::{self, Models};
use crate::fileset::FileSet;
use crate::ir::*;

/// One file per type of `types` (a slice of `api.types`, so halves can be emitted in parallel).
pub(crate) fn emit_types(api: &Api, header: &Header, types: &[TypeDef]) -> Result<FileSet, String> {
    let mut files = FileSet::new();
    for def in types {
        files.insert(format!("src/models/{}.rs", def.module), type_file(api, header, def)?);
    }
    Ok(files)
}

/// `src/models/mod.rs`: the module list and re-exports.
pub(crate) fn emit_mod(api: &Api, header: &Header, files: &mut FileSet) -> Result<(), String> {
    let m: Vec<_> = api.types.iter().map(|d| ident(&d.module)).collect();
    let n: Vec<_> = api.types.iter().map(|d| ident(&d.name)).collect();
    let intro = format!(
        "Request and response types of {}.\n\nEvery type names the schema it comes from. Structs are `#[non_exhaustive]`: build them\nwith `new` (the required fields) and the `with_*` setters, so a field added to the spec\nlater does not break your code.",
        api_name(&api.title)
    );
    // Written as text: a line per module, then a line per re-export.
    let mut code = String::new();
    for m in &m {
        code.push_str(&format!("mod {m};\n"));
    }
    for (m, n) in m.iter().zip(&n) {
        code.push_str(&format!("pub use {m}::{n};\n"));
    }
    files.insert("src/models/mod.rs", super::render::module_text(header, &intro, &code));
    Ok(())
}

/// "the Pet Store API" from a title, without doubling a trailing "API".
pub(crate) fn api_name(title: &str) -> String {
    let t = prose(title.trim());
    if t.to_ascii_lowercase().ends_with("api") {
        format!("the {t}")
    } else {
        format!("the {t} API")
    }
}

fn type_doc(def: &TypeDef) -> TokenStream {
    doc(&type_doc_text(def))
}

fn type_doc_text(def: &TypeDef) -> String {
    let mut text = String::new();
    if let Some(d) = &def.description {
        text.push_str(&prose(d));
        text.push_str("\n\n");
    } else {
        text.push_str(&format!("The `{}` type.\n\n", def.name));
    }
    text.push_str(&format!("Generated from the {}.", def.origin));
    text
}

fn uses_other_types(api: &Api, def: &TypeDef) -> bool {
    // A type that names only itself (a recursive filter, say) needs no import.
    let other = |t: &TypeRef| t.named().is_some_and(|n| api.ty(n).name != def.name);
    match &def.kind {
        TypeKind::Struct { fields, additional } => {
            fields.iter().any(|f| other(&f.ty)) || additional.as_ref().is_some_and(other)
        }
        TypeKind::Union { variants, .. } => variants.iter().any(|v| other(&v.ty)),
        TypeKind::Alias(t) => other(t),
        _ => false,
    }
}

/// The file of one type. A struct's is written as text (see [`struct_file`]); the others are
/// built as tokens and printed by prettyplease.
fn type_file(api: &Api, header: &Header, def: &TypeDef) -> Result<String, String> {
    let imports = if uses_other_types(api, def) {
        quote!(
            use super::*;
        )
    } else {
        quote!()
    };
    let body = match &def.kind {
        TypeKind::Struct { fields, additional } => return struct_file(api, header, def, fields, additional.as_ref()),
        TypeKind::StringEnum { variants } => string_enum(def, variants),
        TypeKind::IntEnum { variants } => int_enum(def, variants),
        TypeKind::Union { variants, tagging: UnionTagging::Internal(property) } => {
            let body = tagged_union_def(api, def, property, variants);
            let validate = union_validate(api, def, variants, true);
            quote!(#body #validate)
        }
        TypeKind::Union { variants, .. } => {
            let body = union_def(api, def, variants);
            let validate = union_validate(api, def, variants, false);
            quote!(#body #validate)
        }
        TypeKind::Alias(t) => {
            let d = type_doc(def);
            let name = ident(&def.name);
            let t = types::tokens(&api.types, t, Models::Bare);
            quote! { #d pub type #name = #t; }
        }
    };
    rust_file(header, quote! { #imports #body })
}

fn field_doc(f: &Field) -> String {
    let mut parts = Vec::new();
    match &f.description {
        Some(d) => parts.push(prose(d)),
        None => parts.push(format!("The `{}` field.", f.wire_name)),
    }
    let mut facts = Vec::new();
    if f.rust_name != f.wire_name {
        facts.push(format!("Wire name: `{}`.", f.wire_name));
    }
    let c = f.constraints.describe();
    if !c.is_empty() {
        facts.push(format!("Constraints: {}.", prose(&c)));
    }
    if let Some(d) = &f.default {
        facts.push(format!("Default on the server: {}.", json_code(d)));
    }
    if let Some(e) = &f.example {
        facts.push(format!("Example: {}.", json_code(e)));
    }
    if f.idempotency_key {
        facts.push("Idempotency key: when it is missing, the SDK fills in a fresh unique id (UUID v7) before the first attempt, so every retry carries the same value.".to_owned());
    }
    if f.read_only {
        facts.push("Read-only: set by the server.".to_owned());
    }
    if f.write_only {
        facts.push("Write-only: never returned by the server.".to_owned());
    }
    parts.extend(facts);
    parts.join("\n\n")
}

/// A setter argument: its generic parameters, its type, and the expression that turns it
/// into the field's value. Map arguments take any pairs of convertible keys and values;
/// `prefix` keeps generic names apart when a constructor has several.
fn setter_arg(
    api: &Api,
    t: &TypeRef,
    value: &TokenStream,
    prefix: &str,
) -> (Vec<TokenStream>, TokenStream, TokenStream) {
    match api.unaliased(t) {
        TypeRef::String => (vec![], quote!(impl Into<String>), quote!(#value.into())),
        TypeRef::File => {
            let t = types::tokens(&api.types, t, Models::Bare);
            (vec![], quote!(impl Into<#t>), quote!(#value.into()))
        }
        TypeRef::Box(inner) => {
            let (g, a, e) = setter_arg(api, inner, value, prefix);
            (g, a, quote!(Box::new(#e)))
        }
        TypeRef::Vec(inner) if *api.unaliased(inner) == TypeRef::String => (
            vec![],
            quote!(impl IntoIterator<Item = impl Into<String>>),
            quote!(#value.into_iter().map(Into::into).collect()),
        ),
        TypeRef::Vec(inner) => {
            let i = types::tokens(&api.types, inner, Models::Bare);
            (vec![], quote!(impl IntoIterator<Item = #i>), quote!(#value.into_iter().collect()))
        }
        TypeRef::Map(inner) => {
            let v = types::tokens(&api.types, inner, Models::Bare);
            let kn = ident(&format!("{prefix}K"));
            let vn = ident(&format!("{prefix}V"));
            (
                vec![quote!(#kn: Into<String>), quote!(#vn: Into<#v>)],
                quote!(impl IntoIterator<Item = (#kn, #vn)>),
                quote!(#value.into_iter().map(|(k, v)| (k.into(), v.into())).collect()),
            )
        }
        other => {
            let t = types::tokens(&api.types, other, Models::Bare);
            (vec![], quote!(#t), quote!(#value))
        }
    }
}

fn generics(g: &[TokenStream]) -> TokenStream {
    if g.is_empty() {
        quote!()
    } else {
        quote!(<#(#g),*>)
    }
}

/// The `setters!` entry of an `Option` field (`with_x x: into String,`), or `None` for a type the
/// macro's kinds do not cover, whose setter is written out.
fn setter_entry(api: &Api, f: &Field) -> Option<String> {
    let bare = |t: &TypeRef| types::text(&api.types, t, Models::Bare);
    // An alias takes what its type takes (`impl Into<String>` for `pub type Id = String`).
    let (kind, t) = match api.unaliased(&f.ty) {
        TypeRef::String => ("into", "String".to_owned()),
        // Local and fixed-offset times convert to UTC.
        TypeRef::DateTime => ("into", bare(&TypeRef::DateTime)),
        // Bytes, text, or a file read from disk.
        TypeRef::File => ("into", bare(&TypeRef::File)),
        TypeRef::Box(inner) if !matches!(**inner, TypeRef::String | TypeRef::Vec(_) | TypeRef::Map(_)) => {
            ("boxed", bare(inner))
        }
        TypeRef::Box(_) => return None,
        TypeRef::Vec(inner) if *api.unaliased(inner) == TypeRef::String => ("strings", "String".to_owned()),
        TypeRef::Vec(inner) => ("list", bare(inner)),
        TypeRef::Map(inner) => ("map", bare(inner)),
        other => ("plain", bare(other)),
    };
    let setter = ident(&super::render::setter_name(&f.rust_name));
    Some(format!("{setter} {}: {kind} {t},", ident(&f.rust_name)))
}

/// The private field of a struct with fields it may send as `null`: which of them it sends so
/// (the runtime's `Nulls`). No field of the spec takes this name (lowering reserves it).
const NULLS: &str = "sent_as_null";

/// The file of a struct. What is plain data (the docs, the struct with its fields, the lists of
/// the runtime's `struct_serde!` and `setters!`) is written as text; only the `impl` blocks,
/// which hold expressions, are built as tokens and printed by prettyplease. Most of a model file
/// is field docs, which so never go through a parser.
fn struct_file(
    api: &Api,
    header: &Header,
    def: &TypeDef,
    fields: &[Field],
    additional: Option<&TypeRef>,
) -> Result<String, String> {
    let mut out = header.rust();
    out.push('\n');
    if uses_other_types(api, def) {
        out.push_str("use super::*;\n");
    }
    let name = ident(&def.name);
    let plain: Vec<&Field> = fields.iter().filter(|f| f.is_plain()).collect();

    // The struct. `Serialize` and `Deserialize` come from `struct_serde!` (below), which reads
    // the wire names and how each field is present from its list.
    let default = if plain.is_empty() { ", Default" } else { "" };
    let mut field_texts: Vec<FieldText> = fields
        .iter()
        .map(|f| FieldText {
            public: true,
            doc: field_doc(f),
            deprecated: f.deprecated,
            name: ident(&f.rust_name).to_string(),
            ty: types::text(&api.types, &f.full_type(), Models::Bare),
        })
        .collect();
    if let Some(a) = additional {
        field_texts.push(FieldText {
            public: true,
            doc: "Properties not declared by the schema, kept as they came.".to_owned(),
            deprecated: false,
            name: "additional_properties".to_owned(),
            ty: format!("std::collections::BTreeMap<String, {}>", types::text(&api.types, a, Models::Bare)),
        });
    }
    let nulls = fields.iter().any(Field::may_send_null);
    if nulls {
        field_texts.push(FieldText {
            public: false,
            doc: "The fields sent as `null` instead of left out (set with `with_<field>_null()`).".to_owned(),
            deprecated: false,
            name: NULLS.to_owned(),
            ty: "crate::runtime::structs::Nulls".to_owned(),
        });
    }
    struct_text(
        &mut out,
        &type_doc_text(def),
        &format!("Debug, Clone, PartialEq{default}"),
        &name.to_string(),
        &field_texts,
    );

    // How it is read and written. Without required fields the struct implements `Default` and
    // is read into that value.
    let serde_fields: Vec<String> = fields
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let how = match (f.required, f.nullable) {
                (true, false) => "required",
                (true, true) => "nullable",
                (false, _) if f.may_send_null() => "maybe_null",
                (false, _) => "optional",
            };
            format!("{i} {} {} {how},", ident(&f.rust_name), str_lit(&f.wire_name))
        })
        .collect();
    let mode = if plain.is_empty() { "default " } else { "" };
    let rest = format!(
        "}}{}{}",
        if additional.is_some() { " rest additional_properties" } else { "" },
        if nulls { format!(" nulls {NULLS}") } else { String::new() }
    );
    list_call(&mut out, "struct_serde", &format!("{mode}{name} {{"), &serde_fields, &rest);

    // The constructor (required fields as arguments), the setters the macro does not write,
    // and the idempotency-key filler.
    let mut ctor_generics = Vec::new();
    let mut args = Vec::new();
    let mut plain_inits = std::collections::BTreeMap::new();
    // A field with one possible value is set by `new()`, not passed to it.
    let mut fixed = Vec::new();
    for f in &plain {
        use heck::ToUpperCamelCase;
        if let Some(x) = f.fixed(&api.types) {
            let (ty, variant) = (ident(&x.ty.name), ident(x.variant));
            plain_inits.insert(f.rust_name.clone(), quote!(#ty::#variant));
            fixed.push((f.rust_name.as_str(), x.wire));
            continue;
        }
        let id = ident(&f.rust_name);
        let (g, a, e) = setter_arg(api, &f.ty, &quote!(#id), &f.rust_name.to_upper_camel_case());
        ctor_generics.extend(g);
        args.push(quote!(#id: #a));
        plain_inits.insert(f.rust_name.clone(), e);
    }
    let generic_decl = generics(&ctor_generics);
    let allow_deprecated = fields.iter().any(|f| f.deprecated).then(|| quote!(#[allow(deprecated)]));
    let new_body = if plain.is_empty() {
        quote!(Self::default())
    } else {
        let inits = fields.iter().map(|f| {
            let id = ident(&f.rust_name);
            match plain_inits.get(&f.rust_name) {
                Some(e) if e.to_string() == f.rust_name => quote!(#id,),
                Some(e) => quote!(#id: #e,),
                None => quote!(#id: None,),
            }
        });
        let additional_init = additional.map(|_| quote!(additional_properties: Default::default(),));
        let nulls_init = nulls.then(|| {
            let id = ident(NULLS);
            quote!(#id: Default::default(),)
        });
        quote!(Self { #(#inits)* #additional_init #nulls_init })
    };
    let mut entries = Vec::new();
    let mut written_setters = Vec::new();
    for f in fields.iter().filter(|f| !f.is_plain()) {
        match setter_entry(api, f) {
            Some(e) => entries.push(e),
            None => {
                let id = ident(&f.rust_name);
                let setter = ident(&super::render::setter_name(&f.rust_name));
                let (g, a, e) = setter_arg(api, &f.ty, &quote!(value), "");
                let g = generics(&g);
                let sd = format!(" Sets [`{}`](Self::{}).", f.rust_name, f.rust_name);
                written_setters.push(quote! {
                    #[doc = #sd]
                    #[must_use]
                    #allow_deprecated
                    pub fn #setter #g(mut self, value: #a) -> Self {
                        self.#id = Some(#e);
                        self
                    }
                });
            }
        }
        if f.may_send_null() {
            let setter = super::render::null_setter_name(fields, f);
            entries.push(format!("{} {}: null (),", ident(&setter), ident(&f.rust_name)));
        }
    }
    let arguments: Vec<&&Field> = plain.iter().filter(|f| f.fixed(&api.types).is_none()).collect();
    let mut new_doc = if plain.is_empty() {
        " Creates an empty value; set fields with the `with_*` methods.".to_owned()
    } else if arguments.is_empty() {
        " Creates a value; set the optional fields with the `with_*` methods.".to_owned()
    } else {
        format!(
            " Creates a value from the required fields ({}); set the others with the `with_*` methods.",
            arguments.iter().map(|f| format!("`{}`", f.rust_name)).collect::<Vec<_>>().join(", ")
        )
    };
    if !fixed.is_empty() {
        let set: Vec<String> =
            fixed.iter().map(|(name, wire)| format!("`{name}` to {}", super::render::json_code(wire))).collect();
        let each =
            if set.len() == 1 { "the only value the schema allows" } else { "the only values the schema allows" };
        new_doc.push_str(&format!(" It sets {}, {each}.", super::render::and_list(&set)));
    }
    let fill = def.has_idempotency_key.then(|| fill_impl(api, fields));
    // Required fields all of one value: `new()` takes nothing, so it is also `Default`.
    let default_impl = (!plain.is_empty() && arguments.is_empty()).then(|| {
        quote! {
            impl Default for #name {
                fn default() -> Self {
                    Self::new()
                }
            }
        }
    });
    out.push_str(&rust_items(quote! {
        impl #name {
            #[doc = #new_doc]
            #[must_use]
            #allow_deprecated
            pub fn new #generic_decl(#(#args),*) -> Self {
                #new_body
            }
            #(#written_setters)*
            #fill
        }
        #default_impl
    })?);
    if !entries.is_empty() {
        list_call(&mut out, "setters", &format!("{name} {{"), &entries, "}");
    }
    if def.validated {
        out.push_str(&rust_items(validate_impl(api, def, fields))?);
    }
    Ok(out)
}

fn check_calls(f: &Field, value: TokenStream, api: &Api) -> TokenStream {
    let c = &f.constraints;
    let mut checks = Vec::new();
    let inner_ty = match &f.ty {
        TypeRef::Box(t) => t.as_ref(),
        t => t,
    };
    match inner_ty {
        TypeRef::Vec(_) => {
            if let Some(n) = c.min_items {
                checks.push(quote!(v.min_items(#value.len(), #n as usize);));
            }
            if let Some(n) = c.max_items {
                checks.push(quote!(v.max_items(#value.len(), #n as usize);));
            }
        }
        TypeRef::String => {
            if let Some(n) = c.min_length {
                checks.push(quote!(v.min_length(#value, #n as usize);));
            }
            if let Some(n) = c.max_length {
                checks.push(quote!(v.max_length(#value, #n as usize);));
            }
        }
        TypeRef::I32 | TypeRef::I64 | TypeRef::U32 | TypeRef::U64 | TypeRef::F32 | TypeRef::F64 => {
            // As f64 without a cast clippy calls needless (f64) or lossy-looking where `From` exists.
            let as_f64 = match inner_ty {
                TypeRef::F64 => quote!(*#value),
                TypeRef::I32 | TypeRef::U32 | TypeRef::F32 => quote!(f64::from(*#value)),
                _ => quote!(*#value as f64),
            };
            if let Some((m, ex)) = c.minimum {
                checks.push(quote!(v.minimum(#as_f64, #m, #ex);));
            }
            if let Some((m, ex)) = c.maximum {
                checks.push(quote!(v.maximum(#as_f64, #m, #ex);));
            }
        }
        _ => {}
    }
    let nested = api.type_of(inner_ty).is_some_and(|t| t.validated);
    if nested {
        checks.push(quote!(crate::runtime::validate::Validate::validate(#value, v);));
    }
    quote!(#(#checks)*)
}

fn validate_impl(api: &Api, def: &TypeDef, fields: &[Field]) -> TokenStream {
    let name = ident(&def.name);
    let per_field = fields.iter().filter_map(|f| {
        let id = ident(&f.rust_name);
        let wire = &f.wire_name;
        let plain_checks = check_calls(f, quote!(value), api);
        if plain_checks.is_empty() {
            return None;
        }
        Some(if f.is_plain() {
            quote! { v.field(#wire, |v| { let value = &self.#id; #plain_checks }); }
        } else {
            quote! { if let Some(value) = &self.#id { v.field(#wire, |v| { #plain_checks }); } }
        })
    });
    let per_field: Vec<TokenStream> = per_field.collect();
    // A type marked validated whose constraints none of its own fields check (they sit on an
    // alias it names, say) still implements the trait, with an unused validator.
    let v = if per_field.is_empty() { quote!(_v) } else { quote!(v) };
    // The crate's own checks read fields the spec deprecates; users still get the warning.
    let allow_deprecated = fields.iter().any(|f| f.deprecated).then(|| quote!(#[allow(deprecated)]));
    quote! {
        #allow_deprecated
        impl crate::runtime::validate::Validate for #name {
            fn validate(&self, #v: &mut crate::runtime::validate::Validator) {
                #(#per_field)*
            }
        }
    }
}

fn fill_impl(api: &Api, fields: &[Field]) -> TokenStream {
    let keyed = |n: TypeId| api.ty(n).has_idempotency_key;
    let stmts = fields.iter().filter_map(|f| {
        let id = ident(&f.rust_name);
        if f.idempotency_key {
            return Some(if f.is_plain() {
                quote! { if self.#id.is_empty() { self.#id = crate::runtime::request::new_idempotency_key(); } }
            } else {
                quote! { if self.#id.as_deref().is_none_or(str::is_empty) { self.#id = Some(crate::runtime::request::new_idempotency_key()); } }
            });
        }
        let n = f.ty.named()?;
        if !keyed(n) {
            return None;
        }
        let call = fill_through(&f.ty, quote!(item));
        Some(if f.is_plain() {
            quote! { { let item = &mut self.#id; #call } }
        } else {
            quote! { if let Some(item) = &mut self.#id { #call } }
        })
    });
    let allow_deprecated = fields.iter().any(|f| f.deprecated).then(|| quote!(#[allow(deprecated)]));
    quote! {
        /// Gives every idempotency key in this value that is missing a fresh unique id, so that
        /// retries of the same request carry the same keys. Keys already set are kept.
        #allow_deprecated
        pub fn fill_idempotency_keys(&mut self) {
            #(#stmts)*
        }
    }
}

fn fill_through(t: &TypeRef, value: TokenStream) -> TokenStream {
    match t {
        TypeRef::Named(_) | TypeRef::Box(_) => quote!(#value.fill_idempotency_keys();),
        TypeRef::Option(inner) => {
            let i = fill_through(inner, quote!(x));
            quote!(if let Some(x) = #value { #i })
        }
        TypeRef::Vec(inner) => {
            let i = fill_through(inner, quote!(x));
            quote!(for x in #value.iter_mut() { #i })
        }
        TypeRef::Map(inner) => {
            let i = fill_through(inner, quote!(x));
            quote!(for x in #value.values_mut() { #i })
        }
        _ => quote!(),
    }
}

fn string_enum(def: &TypeDef, variants: &[EnumVariant]) -> TokenStream {
    let name = ident(&def.name);
    let d = type_doc(def);
    let vars = variants.iter().map(|v| {
        let id = ident(&v.rust_name);
        let vd = format!(
            " `{}`{}",
            v.value.replace('`', "'"),
            v.description.as_deref().map(|d| format!(": {}", prose(d))).unwrap_or_default()
        );
        quote!(#[doc = #vd] #id,)
    });
    let pairs = variants.iter().map(|v| {
        let id = ident(&v.rust_name);
        let s = &v.value;
        quote!(#id => #s)
    });
    quote! {
        #d
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum #name {
            #(#vars)*
            /// A value this version of the SDK does not know; kept as it came and sent back unchanged.
            Unknown(String),
        }

        crate::runtime::enums::string_enum!(#name { #(#pairs),* });
    }
}

fn int_enum(def: &TypeDef, variants: &[IntVariant]) -> TokenStream {
    let name = ident(&def.name);
    let d = type_doc(def);
    let vars = variants.iter().map(|v| {
        let id = ident(&v.rust_name);
        let vd = format!(
            " `{}`{}",
            v.value,
            v.description.as_deref().map(|d| format!(": {}", prose(d))).unwrap_or_default()
        );
        quote!(#[doc = #vd] #id,)
    });
    let pairs = variants.iter().map(|v| {
        let id = ident(&v.rust_name);
        let n = proc_macro2::Literal::i64_unsuffixed(v.value);
        quote!(#id => #n)
    });
    quote! {
        #d
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum #name {
            #(#vars)*
            /// A value this version of the SDK does not know; kept as it came and sent back unchanged.
            Unknown(i64),
        }

        crate::runtime::enums::int_enum!(#name { #(#pairs),* });
    }
}

fn union_validate(api: &Api, def: &TypeDef, variants: &[UnionVariant], tagged: bool) -> TokenStream {
    if !def.validated {
        return quote!();
    }
    let name = ident(&def.name);
    let arms = variants.iter().map(|v| {
        let id = ident(&v.rust_name);
        let nested = api.type_of(&v.ty).is_some_and(|t| t.validated);
        if nested {
            quote!(Self::#id(value) => crate::runtime::validate::Validate::validate(value, v),)
        } else {
            quote!(Self::#id(_) => {})
        }
    });
    let unknown = tagged.then(|| quote!(Self::Unknown(_) => {}));
    quote! {
        impl crate::runtime::validate::Validate for #name {
            fn validate(&self, v: &mut crate::runtime::validate::Validator) {
                match self {
                    #(#arms)*
                    #unknown
                }
            }
        }
    }
}

/// A union told apart by a discriminator property: decoded by the tag's value, encoded with the
/// tag set; a tag this version does not know is kept as JSON in `Unknown`.
fn tagged_union_def(api: &Api, def: &TypeDef, property: &str, variants: &[UnionVariant]) -> TokenStream {
    let name = ident(&def.name);
    let d = type_doc(def);
    let tagged_doc = format!(" On the wire the property `{property}` names the variant.");
    let vars = variants.iter().map(|v| {
        let id = ident(&v.rust_name);
        let t = types::tokens(&api.types, &v.ty, Models::Bare);
        let vd = format!(
            "{} (`{property}` = `{}`).",
            v.description
                .as_deref()
                .map(prose)
                .unwrap_or_else(|| format!("The `{}` variant", v.rust_name))
                .trim_end_matches('.'),
            v.tag.as_deref().unwrap_or_default()
        );
        let vd = doc(&vd);
        quote!(#vd #id(#t),)
    });
    let ser_arms = variants.iter().map(|v| {
        let id = ident(&v.rust_name);
        let tag = v.tag.clone().unwrap_or_default();
        quote!(Self::#id(v) => (#tag, serde_json::to_value(v).map_err(S::Error::custom)?),)
    });
    let de_arms = variants.iter().map(|v| {
        let id = ident(&v.rust_name);
        let tag = v.tag.clone().unwrap_or_default();
        quote!(Some(#tag) => serde_json::from_value(value).map(Self::#id).map_err(D::Error::custom),)
    });
    quote! {
        #d
        ///
        #[doc = #tagged_doc]
        #[derive(Debug, Clone, PartialEq)]
        #[non_exhaustive]
        pub enum #name {
            #(#vars)*
            /// A variant this version of the SDK does not know, kept as it came.
            Unknown(serde_json::Value),
        }

        impl serde::Serialize for #name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                use serde::ser::Error as _;
                let (tag, mut value) = match self {
                    #(#ser_arms)*
                    Self::Unknown(v) => return serde::Serialize::serialize(v, serializer),
                };
                if let serde_json::Value::Object(map) = &mut value {
                    map.entry(#property).or_insert_with(|| serde_json::Value::from(tag));
                }
                serde::Serialize::serialize(&value, serializer)
            }
        }

        impl<'de> serde::Deserialize<'de> for #name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                use serde::de::Error as _;
                let value = <serde_json::Value as serde::Deserialize>::deserialize(deserializer)?;
                let tag = value.get(#property).and_then(serde_json::Value::as_str).map(str::to_owned);
                match tag.as_deref() {
                    #(#de_arms)*
                    _ => Ok(Self::Unknown(value)),
                }
            }
        }
    }
}

fn union_def(api: &Api, def: &TypeDef, variants: &[UnionVariant]) -> TokenStream {
    let name = ident(&def.name);
    let d = type_doc(def);
    // An open enum takes any string (or integer) as `Unknown`; tried in order, it would take the
    // values of the variants after it. All but the last take only the values they know.
    let open_enum = |t: &TypeRef| {
        api.type_of(t).is_some_and(|def| matches!(def.kind, TypeKind::StringEnum { .. } | TypeKind::IntEnum { .. }))
    };
    let last_open = variants.iter().rposition(|v| open_enum(&v.ty));
    let vars = variants.iter().enumerate().map(|(i, v)| {
        let id = ident(&v.rust_name);
        let t = types::tokens(&api.types, &v.ty, Models::Bare);
        let vd = v.description.as_deref().map(prose).unwrap_or_else(|| format!("The `{}` variant.", v.rust_name));
        let vd = doc(&vd);
        let strict = (open_enum(&v.ty) && Some(i) != last_open)
            .then(|| quote!(#[serde(deserialize_with = "crate::runtime::enums::known")]));
        quote!(#vd #strict #id(#t),)
    });
    quote! {
        #d
        ///
        /// On the wire this is one of the variants; they are tried in order when decoding.
        #[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
        #[serde(untagged)]
        pub enum #name {
            #(#vars)*
        }
    }
}
