//! Type aliases that come back to themselves (`A = B`, `B = A`, or `A = Vec<A>`) are no Rust:
//! an alias cycle has no struct to stop it. The aliases of such a cycle become
//! `serde_json::Value`, with a warning naming each one's schema.

use std::collections::{BTreeMap, BTreeSet};

use crate::diag::Diagnostic;
use crate::ir::{TypeDef, TypeKind, TypeRef};

fn named_in(t: &TypeRef, out: &mut Vec<String>) {
    match t {
        TypeRef::Named(n) => out.push(n.clone()),
        TypeRef::Vec(i) | TypeRef::Map(i) | TypeRef::Option(i) | TypeRef::Box(i) => named_in(i, out),
        _ => {}
    }
}

/// Replaces every alias on a cycle of aliases by `serde_json::Value`; returns the warnings.
pub(crate) fn break_cycles(file: &str, types: &mut BTreeMap<String, TypeDef>) -> Vec<Diagnostic> {
    let edges: BTreeMap<&str, Vec<String>> = types
        .iter()
        .filter_map(|(name, def)| match &def.kind {
            TypeKind::Alias(t) => {
                let mut out = Vec::new();
                named_in(t, &mut out);
                Some((name.as_str(), out))
            }
            _ => None,
        })
        .collect();
    // An alias is on a cycle when it reaches itself through aliases only (iteratively, so no
    // chain of aliases can exhaust the stack).
    let mut on_cycle = BTreeSet::new();
    for start in edges.keys() {
        let mut seen = BTreeSet::new();
        let mut stack: Vec<&str> = edges[start].iter().map(String::as_str).collect();
        while let Some(n) = stack.pop() {
            if n == *start {
                on_cycle.insert(start.to_string());
                break;
            }
            if seen.insert(n) {
                if let Some(next) = edges.get(n) {
                    stack.extend(next.iter().map(String::as_str));
                }
            }
        }
    }
    let mut warnings = Vec::new();
    for name in on_cycle {
        if let Some(def) = types.get_mut(&name) {
            def.kind = TypeKind::Alias(TypeRef::Json);
            warnings.push(Diagnostic::warning(
                file,
                def.pointer.clone(),
                format!("`{name}` is a type alias of itself (a cycle of references with no object between); typed as any JSON value"),
            ));
        }
    }
    warnings
}
