//! Whole-program facts about the types: which fields must be boxed to keep recursive types
//! finite, and which types carry validation or idempotency keys.

use std::collections::BTreeMap;

use crate::ir::{TypeDef, TypeKind, TypeRef};

/// Names a type contains by value (not behind a `Vec` or map, which already allocate).
fn direct_names(ty: &TypeRef, out: &mut Vec<String>) {
    match ty {
        TypeRef::Named(n) => out.push(n.clone()),
        TypeRef::Option(t) => direct_names(t, out),
        _ => {}
    }
}

fn edges(def: &TypeDef) -> Vec<String> {
    let mut out = Vec::new();
    match &def.kind {
        TypeKind::Struct { fields, .. } => fields.iter().for_each(|f| direct_names(&f.ty, &mut out)),
        TypeKind::Union { variants, .. } => variants.iter().for_each(|v| direct_names(&v.ty, &mut out)),
        TypeKind::Alias(t) => direct_names(t, &mut out),
        TypeKind::StringEnum { .. } | TypeKind::IntEnum { .. } => {}
    }
    out
}

/// Strongly connected components of the by-value graph (Tarjan), as a component id per type.
fn components(types: &BTreeMap<String, TypeDef>) -> BTreeMap<String, usize> {
    struct State<'a> {
        graph: BTreeMap<&'a str, Vec<String>>,
        index: BTreeMap<String, usize>,
        low: BTreeMap<String, usize>,
        on_stack: BTreeMap<String, bool>,
        stack: Vec<String>,
        next: usize,
        comp: BTreeMap<String, usize>,
        comps: usize,
    }
    fn visit(s: &mut State, v: &str) {
        s.index.insert(v.to_owned(), s.next);
        s.low.insert(v.to_owned(), s.next);
        s.next += 1;
        s.stack.push(v.to_owned());
        s.on_stack.insert(v.to_owned(), true);
        let succ = s.graph.get(v).cloned().unwrap_or_default();
        for w in succ {
            if !s.graph.contains_key(w.as_str()) {
                continue;
            }
            if !s.index.contains_key(&w) {
                visit(s, &w);
                let lw = s.low[&w];
                let lv = s.low.get_mut(v).expect("visited");
                *lv = (*lv).min(lw);
            } else if s.on_stack.get(&w).copied().unwrap_or(false) {
                let iw = s.index[&w];
                let lv = s.low.get_mut(v).expect("visited");
                *lv = (*lv).min(iw);
            }
        }
        if s.low[v] == s.index[v] {
            while let Some(w) = s.stack.pop() {
                s.on_stack.insert(w.clone(), false);
                s.comp.insert(w.clone(), s.comps);
                if w == v {
                    break;
                }
            }
            s.comps += 1;
        }
    }
    let mut s = State {
        graph: types.iter().map(|(k, d)| (k.as_str(), edges(d))).collect(),
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        on_stack: BTreeMap::new(),
        stack: Vec::new(),
        next: 0,
        comp: BTreeMap::new(),
        comps: 0,
    };
    let names: Vec<String> = types.keys().cloned().collect();
    for n in names {
        if !s.index.contains_key(&n) {
            visit(&mut s, &n);
        }
    }
    s.comp
}

fn box_in_cycle(ty: &mut TypeRef, own: usize, comp: &BTreeMap<String, usize>) {
    match ty {
        TypeRef::Named(n) if comp.get(n.as_str()) == Some(&own) => {
            let inner = std::mem::replace(ty, TypeRef::Unit);
            *ty = TypeRef::Box(Box::new(inner));
        }
        TypeRef::Option(t) => box_in_cycle(t, own, comp),
        _ => {}
    }
}

/// Boxes every by-value reference that closes a cycle, so each type has a finite size.
pub fn box_recursion(types: &mut BTreeMap<String, TypeDef>) {
    let comp = components(types);
    for (name, def) in types.iter_mut() {
        let own = comp[name.as_str()];
        match &mut def.kind {
            TypeKind::Struct { fields, .. } => fields.iter_mut().for_each(|f| box_in_cycle(&mut f.ty, own, &comp)),
            TypeKind::Union { variants, .. } => variants.iter_mut().for_each(|v| box_in_cycle(&mut v.ty, own, &comp)),
            TypeKind::Alias(t) => box_in_cycle(t, own, &comp),
            _ => {}
        }
    }
}

fn all_names(ty: &TypeRef) -> Option<&str> {
    ty.named()
}

/// Marks types that need checking before sending, or that carry idempotency keys, directly
/// or through anything they contain.
pub fn mark_flags(types: &mut BTreeMap<String, TypeDef>) {
    let mut validated: BTreeMap<String, bool> = BTreeMap::new();
    let mut keyed: BTreeMap<String, bool> = BTreeMap::new();
    for (name, def) in types.iter() {
        let (v, k) = match &def.kind {
            TypeKind::Struct { fields, .. } => {
                (fields.iter().any(|f| f.constraints.is_checked()), fields.iter().any(|f| f.idempotency_key))
            }
            _ => (false, false),
        };
        validated.insert(name.clone(), v);
        keyed.insert(name.clone(), k);
    }
    loop {
        let mut changed = false;
        for (name, def) in types.iter() {
            let refs: Vec<&str> = match &def.kind {
                TypeKind::Struct { fields, additional } => fields
                    .iter()
                    .filter_map(|f| all_names(&f.ty))
                    .chain(additional.iter().filter_map(all_names))
                    .collect(),
                TypeKind::Union { variants, .. } => variants.iter().filter_map(|v| all_names(&v.ty)).collect(),
                TypeKind::Alias(t) => all_names(t).into_iter().collect(),
                _ => Vec::new(),
            };
            let struct_field = matches!(def.kind, TypeKind::Struct { .. });
            for r in refs {
                if validated.get(r) == Some(&true) && validated.get(name) == Some(&false) {
                    validated.insert(name.clone(), true);
                    changed = true;
                }
                if struct_field && keyed.get(r) == Some(&true) && keyed.get(name) == Some(&false) {
                    keyed.insert(name.clone(), true);
                    changed = true;
                }
            }
        }
        if !changed {
            break;
        }
    }
    for (name, def) in types.iter_mut() {
        def.validated = validated[name];
        def.has_idempotency_key = keyed[name];
    }
}
