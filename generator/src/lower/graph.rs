//! Whole-program facts about the types: which fields must be boxed to keep recursive types
//! finite, and which types carry validation or idempotency keys. The types are a slice indexed
//! by [`TypeId`] (sorted by name, so every walk goes in name order).

use crate::ir::{Api, TypeDef, TypeId, TypeKind, TypeRef};

/// Types a type contains by value (not behind a `Vec` or map, which already allocate).
fn direct(ty: &TypeRef, out: &mut Vec<TypeId>) {
    match ty {
        TypeRef::Named(n) => out.push(*n),
        TypeRef::Option(t) => direct(t, out),
        _ => {}
    }
}

fn edges(def: &TypeDef) -> Vec<TypeId> {
    let mut out = Vec::new();
    match &def.kind {
        TypeKind::Struct { fields, .. } => fields.iter().for_each(|f| direct(&f.ty, &mut out)),
        TypeKind::Union { variants, .. } => variants.iter().for_each(|v| direct(&v.ty, &mut out)),
        TypeKind::Alias(t) => direct(t, &mut out),
        TypeKind::StringEnum { .. } | TypeKind::IntEnum { .. } => {}
    }
    out
}

/// Strongly connected components of the by-value graph (Tarjan), as a component number per type.
fn components(types: &[TypeDef]) -> Vec<usize> {
    struct State {
        graph: Vec<Vec<TypeId>>,
        index: Vec<Option<usize>>,
        low: Vec<usize>,
        on_stack: Vec<bool>,
        stack: Vec<usize>,
        next: usize,
        comp: Vec<usize>,
        comps: usize,
    }
    fn visit(s: &mut State, v: usize) {
        s.index[v] = Some(s.next);
        s.low[v] = s.next;
        s.next += 1;
        s.stack.push(v);
        s.on_stack[v] = true;
        let succ = s.graph[v].clone();
        for w in succ.into_iter().map(TypeId::index) {
            match s.index[w] {
                None => {
                    visit(s, w);
                    s.low[v] = s.low[v].min(s.low[w]);
                }
                Some(iw) if s.on_stack[w] => s.low[v] = s.low[v].min(iw),
                Some(_) => {}
            }
        }
        if Some(s.low[v]) == s.index[v] {
            while let Some(w) = s.stack.pop() {
                s.on_stack[w] = false;
                s.comp[w] = s.comps;
                if w == v {
                    break;
                }
            }
            s.comps += 1;
        }
    }
    let n = types.len();
    let mut s = State {
        graph: types.iter().map(edges).collect(),
        index: vec![None; n],
        low: vec![0; n],
        on_stack: vec![false; n],
        stack: Vec::new(),
        next: 0,
        comp: vec![0; n],
        comps: 0,
    };
    for v in 0..n {
        if s.index[v].is_none() {
            visit(&mut s, v);
        }
    }
    s.comp
}

fn box_in_cycle(ty: &mut TypeRef, own: usize, comp: &[usize]) {
    match ty {
        TypeRef::Named(n) if comp[n.index()] == own => {
            let inner = std::mem::replace(ty, TypeRef::Unit);
            *ty = TypeRef::Box(Box::new(inner));
        }
        TypeRef::Option(t) => box_in_cycle(t, own, comp),
        _ => {}
    }
}

/// Boxes every by-value reference that closes a cycle, so each type has a finite size.
pub fn box_recursion(types: &mut [TypeDef]) {
    let comp = components(types);
    for (i, def) in types.iter_mut().enumerate() {
        let own = comp[i];
        match &mut def.kind {
            TypeKind::Struct { fields, .. } => fields.iter_mut().for_each(|f| box_in_cycle(&mut f.ty, own, &comp)),
            TypeKind::Union { variants, .. } => variants.iter_mut().for_each(|v| box_in_cycle(&mut v.ty, own, &comp)),
            TypeKind::Alias(t) => box_in_cycle(t, own, &comp),
            _ => {}
        }
    }
}

/// Marks types that need checking before sending, or that carry idempotency keys, directly
/// or through anything they contain.
pub fn mark_flags(types: &mut [TypeDef]) {
    let mut validated: Vec<bool> = Vec::with_capacity(types.len());
    let mut keyed: Vec<bool> = Vec::with_capacity(types.len());
    for def in types.iter() {
        let (v, k) = match &def.kind {
            TypeKind::Struct { fields, .. } => {
                (fields.iter().any(|f| f.constraints.is_checked()), fields.iter().any(|f| f.idempotency_key))
            }
            _ => (false, false),
        };
        validated.push(v);
        keyed.push(k);
    }
    loop {
        let mut changed = false;
        for (i, def) in types.iter().enumerate() {
            let refs = Api::contained(def);
            let struct_field = matches!(def.kind, TypeKind::Struct { .. });
            for r in refs.into_iter().map(TypeId::index) {
                if validated[r] && !validated[i] {
                    validated[i] = true;
                    changed = true;
                }
                if struct_field && keyed[r] && !keyed[i] {
                    keyed[i] = true;
                    changed = true;
                }
            }
        }
        if !changed {
            break;
        }
    }
    for (i, def) in types.iter_mut().enumerate() {
        def.validated = validated[i];
        def.has_idempotency_key = keyed[i];
    }
}

/// A required field that travels one way only is optional in the type that travels the other
/// way too: a required `readOnly` field in a type sent in requests (the client has no value for
/// a server-set id), a required `writeOnly` one in a type read from responses (a password is
/// never given back). A type used one way only keeps it required.
pub fn relax_one_way_fields(api: &mut Api) {
    let inputs = api.input_types();
    let outputs = api.output_types();
    for (i, def) in api.types.iter_mut().enumerate() {
        let TypeKind::Struct { fields, .. } = &mut def.kind else { continue };
        let (input, output) = (inputs.contains(&TypeId::at(i)), outputs.contains(&TypeId::at(i)));
        for f in fields.iter_mut().filter(|f| f.required) {
            if (f.read_only && input) || (f.write_only && output) {
                f.required = false;
            }
        }
    }
}
