//! Type aliases that come back to themselves (`A = B`, `B = A`, or `A = Vec<A>`) are no Rust:
//! an alias cycle has no struct to stop it. The aliases of such a cycle become
//! `serde_json::Value`, with a warning naming each one's schema.

use std::collections::{BTreeMap, BTreeSet};

use crate::diag::Diagnostic;
use crate::ir::{TypeDef, TypeId, TypeKind, TypeRef};

fn named_in(t: &TypeRef, out: &mut Vec<TypeId>) {
    match t {
        TypeRef::Named(n) => out.push(*n),
        TypeRef::Vec(i) | TypeRef::Map(i) | TypeRef::Option(i) | TypeRef::Box(i) => named_in(i, out),
        _ => {}
    }
}

/// Replaces every alias on a cycle of aliases by `serde_json::Value`; returns the warnings.
/// `types` is indexed by [`TypeId`].
pub(crate) fn break_cycles(file: &str, types: &mut [TypeDef]) -> Vec<Diagnostic> {
    let edges: BTreeMap<TypeId, Vec<TypeId>> = types
        .iter()
        .enumerate()
        .filter_map(|(i, def)| match &def.kind {
            TypeKind::Alias(t) => {
                let mut out = Vec::new();
                named_in(t, &mut out);
                Some((TypeId::at(i), out))
            }
            _ => None,
        })
        .collect();
    // An alias is on a cycle when it reaches itself through aliases only (iteratively, so no
    // chain of aliases can exhaust the stack).
    let mut on_cycle = BTreeSet::new();
    for start in edges.keys() {
        let mut seen = BTreeSet::new();
        let mut stack: Vec<TypeId> = edges[start].clone();
        while let Some(n) = stack.pop() {
            if n == *start {
                on_cycle.insert(*start);
                break;
            }
            if seen.insert(n) {
                if let Some(next) = edges.get(&n) {
                    stack.extend(next.iter().copied());
                }
            }
        }
    }
    let mut warnings = Vec::new();
    for id in on_cycle {
        let def = &mut types[id.index()];
        def.kind = TypeKind::Alias(TypeRef::Json);
        warnings.push(Diagnostic::warning(
            file,
            def.pointer.clone(),
            format!(
                "`{}` is a type alias of itself (a cycle of references with no object between); typed as any JSON value",
                def.name
            ),
        ));
    }
    warnings
}
