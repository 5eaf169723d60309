//! `tests/spec_examples.rs` of the generated crate: every example the spec gives for a schema,
//! a request body or a response body is decoded into its generated type and encoded back, and
//! must come out as it went in. This proves the types agree with the spec's own examples.

use quote::quote;
use serde_json::Value;

use super::render::{ident, rust_file, Header};
use super::types::{self, Models};
use crate::fileset::FileSet;
use crate::ir::*;

pub(crate) fn emit(api: &Api, header: &Header, files: &mut FileSet) -> Result<(), String> {
    let krate = ident(&api.package.name);
    // Name, type, example, and why the example contradicts its schema (the case is ignored).
    let mut cases: Vec<(String, TypeRef, Value, Option<&str>)> = Vec::new();
    for (i, def) in api.types.iter().enumerate() {
        // A multipart body's files are not JSON: its example has no JSON round trip.
        let holds_files = matches!(&def.kind, TypeKind::Struct { fields, .. } if fields.iter().any(|f| f.ty.is_file()));
        if let (Some(e), false) = (&def.example, holds_files) {
            let problem = def.example_problem.as_deref();
            cases.push((format!("schema_{}", def.module), TypeRef::Named(TypeId::at(i)), e.clone(), problem));
        }
    }
    for op in &api.operations {
        if let (Some(b), true) = (&op.body, op.body.as_ref().is_some_and(|b| b.encoding == BodyEncoding::Json)) {
            if let Some(e) = &b.example {
                let problem = b.example_problem.as_deref();
                cases.push((format!("request_{}", op.rust_name), b.ty.clone(), e.clone(), problem));
            }
        }
        if op.response_encoding == ResponseEncoding::Json {
            if let Some(e) = &op.response_example {
                let problem = op.response_example_problem.as_deref();
                cases.push((format!("response_{}", op.rust_name), op.response.clone(), e.clone(), problem));
            }
        }
    }
    if cases.is_empty() {
        return Ok(());
    }
    let tests = cases.iter().map(|(name, t, example, problem)| {
        let test = ident(&super::super::lower::names::snake_ident(name));
        let t = types::tokens(&api.types, t, Models::Of(&api.package.name));
        let json = serde_json::to_string(example).unwrap_or_default();
        let ignore = problem.map(|p| {
            let reason = format!("the spec's example contradicts its schema: {p}");
            quote!(#[ignore = #reason])
        });
        quote! {
            #[test]
            #ignore
            fn #test() {
                round_trip::<#t>(#json);
            }
        }
    });
    // With time types, the same instant written another way (`+00:00` for `Z`, trailing zeros
    // of a fraction) is the same value.
    let (instant_arm, instant_fn) = if api.uses_chrono() {
        (
            quote!((Value::String(x), Value::String(y)) if x != y => same_instant(x, y),),
            quote! {
                fn same_instant(x: &str, y: &str) -> bool {
                    use #krate::chrono::DateTime;
                    matches!(
                        (DateTime::parse_from_rfc3339(x), DateTime::parse_from_rfc3339(y)),
                        (Ok(x), Ok(y)) if x == y
                    )
                }
            },
        )
    } else {
        (quote!(), quote!())
    };
    let tokens = quote! {
        /// Decodes `json` into `T`, encodes it again, and checks nothing was lost or invented
        /// (fields left out as `None`, integers written as floats, `float` values kept in single
        /// precision and the same instant written another way compare equal).
        fn round_trip<T: serde::Serialize + serde::de::DeserializeOwned>(json: &str) {
            let example: serde_json::Value = serde_json::from_str(json).expect("the example is JSON");
            let decoded: T = serde_json::from_value(example.clone())
                .unwrap_or_else(|e| panic!("the spec's example does not decode: {e}\n{json}"));
            let encoded = serde_json::to_value(&decoded).expect("encodes");
            assert!(same(&example, &encoded), "round trip changed the example:\nspec:    {example}\nencoded: {encoded}");
        }

        fn same(a: &serde_json::Value, b: &serde_json::Value) -> bool {
            use serde_json::Value;
            match (a, b) {
                // `float` fields are f32: equal to single precision is equal.
                (Value::Number(x), Value::Number(y)) => match (x.as_f64(), y.as_f64()) {
                    (Some(x), Some(y)) => x == y || (x - y).abs() <= 1e-6 * x.abs().max(y.abs()),
                    _ => false,
                },
                #instant_arm
                (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same(x, y)),
                (Value::Object(x), Value::Object(y)) => {
                    let keys = x.keys().chain(y.keys());
                    keys.into_iter().all(|k| match (x.get(k), y.get(k)) {
                        (Some(x), Some(y)) => same(x, y),
                        (Some(Value::Null), None) | (None, Some(Value::Null)) => true,
                        _ => false,
                    })
                }
                (x, y) => x == y,
            }
        }

        #instant_fn

        #(#tests)*
    };
    // The cases live in a module marked `rustfmt::skip`, like the crate's own modules, so
    // `cargo fmt --check` keeps the generator's formatting.
    files.insert("tests/spec_examples/cases.rs", rust_file(header, tokens)?);
    files.insert(
        "tests/spec_examples.rs",
        format!(
            "{}\n//! The spec's examples, decoded and encoded again by the generated types.\n\n#[rustfmt::skip]\n#[path = \"spec_examples/cases.rs\"]\nmod cases;\n",
            header.rust()
        ),
    );
    Ok(())
}
