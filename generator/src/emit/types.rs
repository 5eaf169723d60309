//! The type printer: how an IR [`TypeRef`] is spelled, everywhere the emitters write one.
//!
//! One function, [`spell`], decides the Rust type of a `TypeRef` (its path and generic
//! arguments). Every form is rendered from that one [`Spelling`], so no two can disagree about
//! which type it is:
//!
//! - [`tokens`]: generated Rust (`std::collections::BTreeMap<String, crate::models::Event>`);
//! - [`text`]: the same characters as text, for Rust written as text (examples, the API change
//!   report);
//! - [`short`]: the form of rustdoc and Markdown, module paths dropped (`BTreeMap<String, Event>`,
//!   `DateTime<Utc>`), except where the path is what names the type (`serde_json::Value`);
//! - [`rustdoc`]: [`short`] as inline code, linked to the model when the type is one.

use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

use crate::ir::{TypeDef, TypeRef};

/// How the names of generated types are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Models<'a> {
    /// As they are (`Event`): code inside `models`, or that imports the models it names.
    Bare,
    /// `crate::models::Event`: code elsewhere in the generated crate.
    Crate,
    /// `<crate name>::models::Event`: code outside the generated crate (its tests).
    Of(&'a str),
}

/// A Rust type: a path with generic arguments, or `()`.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Spelling<'a> {
    /// `()`.
    Unit,
    /// `a::b::C<args>`.
    Path {
        /// The segments (`["std", "collections", "BTreeMap"]`).
        segments: Vec<Segment<'a>>,
        /// The short form keeps the segments from this one on.
        short_from: usize,
        /// Generic arguments.
        args: Vec<Spelling<'a>>,
    },
}

/// One segment of a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Segment<'a> {
    /// A fixed one (`std`, `crate`, `BTreeMap`): an identifier as it is.
    Fixed(&'static str),
    /// A name that comes from the API (a generated type, the crate): through the identifier guard.
    Name(&'a str),
}

/// The one place that says which Rust type each `TypeRef` is; `types` is the API's type table
/// ([`crate::ir::Api::types`]), where a generated type's id leads to its name.
fn spell<'a>(types: &'a [TypeDef], t: &'a TypeRef, models: Models<'a>) -> Spelling<'a> {
    fn path<'a>(segments: &[&'static str], short_from: usize, args: Vec<Spelling<'a>>) -> Spelling<'a> {
        Spelling::Path { segments: segments.iter().map(|s| Segment::Fixed(s)).collect(), short_from, args }
    }
    let plain = |name: &'static str| path(&[name], 0, vec![]);
    match t {
        TypeRef::String => plain("String"),
        TypeRef::Bool => plain("bool"),
        TypeRef::I32 => plain("i32"),
        TypeRef::I64 => plain("i64"),
        TypeRef::U32 => plain("u32"),
        TypeRef::U64 => plain("u64"),
        TypeRef::F32 => plain("f32"),
        TypeRef::F64 => plain("f64"),
        // `Value` alone says little in docs: the short form keeps its path too.
        TypeRef::Json => path(&["serde_json", "Value"], 0, vec![]),
        TypeRef::Bytes => path(&["bytes", "Bytes"], 1, vec![]),
        TypeRef::DateTime => path(&["chrono", "DateTime"], 1, vec![path(&["chrono", "Utc"], 1, vec![])]),
        TypeRef::Date => path(&["chrono", "NaiveDate"], 1, vec![]),
        TypeRef::Unit => Spelling::Unit,
        // Re-exported at the crate's root from the runtime.
        TypeRef::File => {
            let krate = match models {
                Models::Bare | Models::Crate => Segment::Fixed("crate"),
                Models::Of(krate) => Segment::Name(krate),
            };
            Spelling::Path { segments: vec![krate, Segment::Fixed("FilePart")], short_from: 1, args: vec![] }
        }
        TypeRef::Named(n) => {
            let mut segments = match models {
                Models::Bare => vec![],
                Models::Crate => vec![Segment::Fixed("crate"), Segment::Fixed("models")],
                Models::Of(krate) => vec![Segment::Name(krate), Segment::Fixed("models")],
            };
            segments.push(Segment::Name(&types[n.index()].name));
            Spelling::Path { short_from: segments.len() - 1, segments, args: vec![] }
        }
        TypeRef::Vec(inner) => path(&["Vec"], 0, vec![spell(types, inner, models)]),
        TypeRef::Map(inner) => {
            path(&["std", "collections", "BTreeMap"], 2, vec![plain("String"), spell(types, inner, models)])
        }
        TypeRef::Option(inner) => path(&["Option"], 0, vec![spell(types, inner, models)]),
        TypeRef::Box(inner) => path(&["Box"], 0, vec![spell(types, inner, models)]),
    }
}

impl Spelling<'_> {
    /// As Rust tokens.
    fn tokens(&self) -> TokenStream {
        match self {
            Spelling::Unit => quote!(()),
            Spelling::Path { segments, args, .. } => {
                let segments = segments.iter().map(|s| match s {
                    Segment::Fixed(s) => Ident::new(s, Span::call_site()),
                    Segment::Name(n) => super::render::ident(n),
                });
                if args.is_empty() {
                    quote!(#(#segments)::*)
                } else {
                    let args = args.iter().map(Spelling::tokens);
                    quote!(#(#segments)::*<#(#args),*>)
                }
            }
        }
    }

    /// As text, the whole path (`short`: from `short_from` on) of every type.
    fn write(&self, out: &mut String, short: bool) {
        match self {
            Spelling::Unit => out.push_str("()"),
            Spelling::Path { segments, short_from, args } => {
                let from = if short { *short_from } else { 0 };
                for (i, s) in segments[from..].iter().enumerate() {
                    if i > 0 {
                        out.push_str("::");
                    }
                    match s {
                        Segment::Fixed(s) => out.push_str(s),
                        Segment::Name(n) => out.push_str(&super::render::ident(n).to_string()),
                    }
                }
                if !args.is_empty() {
                    out.push('<');
                    for (i, a) in args.iter().enumerate() {
                        if i > 0 {
                            out.push_str(", ");
                        }
                        a.write(out, short);
                    }
                    out.push('>');
                }
            }
        }
    }
}

/// Generated Rust for a type (`types`: the API's type table, as in every function here).
pub(crate) fn tokens(types: &[TypeDef], t: &TypeRef, models: Models<'_>) -> TokenStream {
    spell(types, t, models).tokens()
}

/// The Rust source of a type, as [`tokens`] prints it.
pub(crate) fn text(types: &[TypeDef], t: &TypeRef, models: Models<'_>) -> String {
    let mut out = String::new();
    spell(types, t, models).write(&mut out, false);
    out
}

/// A type for readers (rustdoc and Markdown): paths shortened (`BTreeMap<String, Event>`).
pub(crate) fn short(types: &[TypeDef], t: &TypeRef) -> String {
    let mut out = String::new();
    spell(types, t, Models::Bare).write(&mut out, true);
    out
}

/// A type in rustdoc: inline code, linked to the model when it is one (or a box of one).
pub(crate) fn rustdoc(types: &[TypeDef], t: &TypeRef) -> String {
    match t {
        TypeRef::Named(_) => {
            let name = short(types, t);
            format!("[`{name}`](crate::models::{name})")
        }
        TypeRef::Box(inner) if matches!(**inner, TypeRef::Named(_)) => rustdoc(types, inner),
        other => format!("`{}`", short(types, other)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{TypeId, TypeKind};

    /// A type table with `Event` (id 0) and `Node` (id 1).
    fn table() -> Vec<TypeDef> {
        ["Event", "Node"]
            .into_iter()
            .map(|name| TypeDef {
                name: name.into(),
                module: name.to_lowercase(),
                origin: String::new(),
                description: None,
                kind: TypeKind::StringEnum { variants: vec![] },
                validated: false,
                has_idempotency_key: false,
                example: None,
                example_problem: None,
                pointer: String::new(),
            })
            .collect()
    }

    const EVENT: TypeRef = TypeRef::Named(TypeId(0));
    const NODE: TypeRef = TypeRef::Named(TypeId(1));

    /// Every shape of `TypeRef`: each leaf, and each container around a leaf, a generated type
    /// and another container.
    fn shapes() -> Vec<TypeRef> {
        let leaves = vec![
            TypeRef::String,
            TypeRef::Bool,
            TypeRef::I32,
            TypeRef::I64,
            TypeRef::U32,
            TypeRef::U64,
            TypeRef::F32,
            TypeRef::F64,
            TypeRef::Json,
            TypeRef::Bytes,
            TypeRef::File,
            TypeRef::DateTime,
            TypeRef::Date,
            TypeRef::Unit,
            EVENT,
        ];
        let wrap: [fn(TypeRef) -> TypeRef; 4] = [
            |t| TypeRef::Vec(Box::new(t)),
            |t| TypeRef::Map(Box::new(t)),
            |t| TypeRef::Option(Box::new(t)),
            |t| TypeRef::Box(Box::new(t)),
        ];
        let mut out = leaves.clone();
        for w in wrap {
            for leaf in &leaves {
                out.push(w(leaf.clone()));
            }
            for w2 in wrap {
                out.push(w(w2(EVENT)));
                out.push(w(w2(TypeRef::DateTime)));
            }
        }
        out
    }

    /// A type as prettyplease prints it (in `type T = ..;`), on one line: line breaks (of a long
    /// type) and the trailing commas they bring left out.
    fn printed(ty: TokenStream) -> String {
        let file: syn::File = syn::parse2(quote!(type T = #ty;)).expect("a type");
        let out = prettyplease::unparse(&file);
        let out = out.trim().trim_start_matches("type T = ").trim_end_matches(';');
        let one_line: String = out.lines().map(str::trim).collect::<Vec<_>>().join(" ");
        one_line.replace("< ", "<").replace(", >", ">")
    }

    #[test]
    fn text_is_the_tokens_printed() {
        let types = table();
        for t in shapes() {
            for models in [Models::Bare, Models::Crate, Models::Of("my_api")] {
                let tokens = tokens(&types, &t, models);
                let text = text(&types, &t, models);
                assert_eq!(text, printed(tokens.clone()), "{t:?} {models:?}");
                let parsed: syn::Type = syn::parse_str(&text).unwrap_or_else(|e| panic!("{text}: {e}"));
                assert_eq!(quote!(#parsed).to_string(), tokens.to_string(), "{t:?} {models:?}");
            }
        }
    }

    #[test]
    fn the_short_form_is_the_text_without_module_paths() {
        let types = table();
        for t in shapes() {
            let short = short(&types, &t);
            // A type of its own, and the full text with some leading path segments dropped.
            let parsed: syn::Type = syn::parse_str(&short).unwrap_or_else(|e| panic!("{short}: {e}"));
            assert_eq!(printed(quote!(#parsed)), short);
            let full = text(&types, &t, Models::Bare);
            let dropped = ["std::collections::", "chrono::", "bytes::", "crate::"];
            assert_eq!(dropped.iter().fold(full, |s, p| s.replace(p, "")), short, "{t:?}");
        }
    }

    #[test]
    fn forms_of_one_type() {
        let types = table();
        let t = TypeRef::Option(Box::new(TypeRef::Map(Box::new(EVENT))));
        assert_eq!(text(&types, &t, Models::Crate), "Option<std::collections::BTreeMap<String, crate::models::Event>>");
        assert_eq!(short(&types, &t), "Option<BTreeMap<String, Event>>");
        assert_eq!(short(&types, &TypeRef::DateTime), "DateTime<Utc>");
        assert_eq!(short(&types, &TypeRef::Json), "serde_json::Value");
        assert_eq!(rustdoc(&types, &TypeRef::Box(Box::new(NODE))), "[`Node`](crate::models::Node)");
        assert_eq!(rustdoc(&types, &TypeRef::Map(Box::new(TypeRef::String))), "`BTreeMap<String, String>`");
    }
}
