//! `src/runtime/`: the runtime source from `generator/runtime/src` (compiled and unit-tested as
//! a crate of its own, `tests/runtime`), copied into a generated crate as a private module with
//! only the parts that crate uses.
//!
//! A runtime file is copied whole or not at all ([`FILES`]), and inside a file a region between
//! the lines `//@ if PART` and `//@ end` is kept only when the crate needs `PART`. The tests of
//! each file (its trailing `#[cfg(test)] mod tests`) stay in the runtime crate.

use std::collections::BTreeSet;

use super::render::Header;
use crate::fileset::FileSet;
use crate::ir::{Api, BodyEncoding, Field, SecurityKind, TypeKind};

/// Every runtime source file: (file name, contents, the part it belongs to; `None`: always).
const FILES: &[(&str, &str, Option<Part>)] = &[
    ("mod.rs", include_str!("../../runtime/src/lib.rs"), None),
    ("call.rs", include_str!("../../runtime/src/call.rs"), None),
    ("config.rs", include_str!("../../runtime/src/config.rs"), None),
    ("defaults.rs", include_str!("../../runtime/src/defaults.rs"), None),
    ("errors.rs", include_str!("../../runtime/src/errors.rs"), None),
    ("exchange.rs", include_str!("../../runtime/src/exchange.rs"), None),
    ("hooks.rs", include_str!("../../runtime/src/hooks.rs"), None),
    ("request.rs", include_str!("../../runtime/src/request.rs"), None),
    ("response.rs", include_str!("../../runtime/src/response.rs"), None),
    ("retry.rs", include_str!("../../runtime/src/retry.rs"), None),
    ("enums.rs", include_str!("../../runtime/src/enums.rs"), Some(Part::Enums)),
    ("structs.rs", include_str!("../../runtime/src/structs.rs"), Some(Part::Structs)),
    ("validate.rs", include_str!("../../runtime/src/validate.rs"), Some(Part::Validate)),
    ("multipart.rs", include_str!("../../runtime/src/multipart.rs"), Some(Part::Multipart)),
    ("bulk.rs", include_str!("../../runtime/src/bulk.rs"), Some(Part::Bulk)),
    ("paginate.rs", include_str!("../../runtime/src/paginate.rs"), Some(Part::Pagination)),
    ("ingestor.rs", include_str!("../../runtime/src/ingestor.rs"), Some(Part::Ingestor)),
    ("spool.rs", include_str!("../../runtime/src/spool.rs"), Some(Part::Ingestor)),
];

/// An optional piece of the runtime, named in the source by `//@ if <name>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Part {
    /// Open enums of either kind (the `enums` module).
    Enums,
    /// The `string_enum!` macro.
    StringEnums,
    /// The `int_enum!` macro.
    IntEnums,
    /// `Serialize`, `Deserialize` and the setters of structs (the `struct_serde!` and `setters!` macros).
    Structs,
    /// Fields a struct may send as `null` (`maybe_null` in `struct_serde!`, `Nulls`).
    Nulls,
    /// Object query parameters sent as their fields (`query_object`).
    QueryObjects,
    /// Parameters that may be lists, as unions of a value and a list (`query_each`, `list_text`);
    /// also what `query_object` sends each field with.
    QueryLists,
    /// JSON bodies of another JSON media type than `application/json` (`json_as`).
    JsonMedia,
    /// Checks of the spec's constraints before sending (a type with `validated`).
    Validate,
    /// `multipart/form-data` request bodies.
    Multipart,
    /// Batching helpers (`BulkOptions`, `BulkReport`).
    Bulk,
    /// Page streams of paginated operations.
    Pagination,
    /// The background batcher and its durable spool (`[bulk.NAME] ingestor = ..`).
    Ingestor,
    /// HTTP basic authentication.
    AuthBasic,
    /// API keys sent in a cookie.
    AuthCookie,
}

impl Part {
    const ALL: [Part; 15] = [
        Part::Enums,
        Part::StringEnums,
        Part::IntEnums,
        Part::Structs,
        Part::Nulls,
        Part::QueryObjects,
        Part::QueryLists,
        Part::JsonMedia,
        Part::Validate,
        Part::Multipart,
        Part::Bulk,
        Part::Pagination,
        Part::Ingestor,
        Part::AuthBasic,
        Part::AuthCookie,
    ];

    fn name(self) -> &'static str {
        match self {
            Part::Enums => "enums",
            Part::StringEnums => "string_enums",
            Part::IntEnums => "int_enums",
            Part::Structs => "structs",
            Part::Nulls => "nulls",
            Part::QueryObjects => "query_objects",
            Part::QueryLists => "query_lists",
            Part::JsonMedia => "json_media",
            Part::Validate => "validate",
            Part::Multipart => "multipart",
            Part::Bulk => "bulk",
            Part::Pagination => "pagination",
            Part::Ingestor => "ingestor",
            Part::AuthBasic => "auth_basic",
            Part::AuthCookie => "auth_cookie",
        }
    }

    fn from_name(name: &str) -> Option<Part> {
        Part::ALL.into_iter().find(|p| p.name() == name)
    }
}

/// The runtime parts an API needs.
pub(crate) fn parts(api: &Api) -> BTreeSet<Part> {
    let mut parts = BTreeSet::new();
    for ty in &api.types {
        if ty.validated {
            parts.insert(Part::Validate);
        }
        match ty.kind {
            TypeKind::StringEnum { .. } => {
                parts.insert(Part::Enums);
                parts.insert(Part::StringEnums);
            }
            TypeKind::IntEnum { .. } => {
                parts.insert(Part::Enums);
                parts.insert(Part::IntEnums);
            }
            TypeKind::Struct { ref fields, .. } => {
                parts.insert(Part::Structs);
                if fields.iter().any(Field::may_send_null) {
                    parts.insert(Part::Nulls);
                }
            }
            _ => {}
        }
    }
    // The optional-parameters structs get their setters from `setters!`.
    if api.operations.iter().any(|op| op.params_struct.is_some()) {
        parts.insert(Part::Structs);
    }
    for op in &api.operations {
        if op.body.as_ref().is_some_and(|b| b.encoding == BodyEncoding::Json && b.content_type != "application/json") {
            parts.insert(Part::JsonMedia);
        }
        if op.params.iter().any(|p| api.is_query_object(p)) {
            parts.insert(Part::QueryObjects);
            parts.insert(Part::QueryLists);
        }
        if op.params.iter().any(|p| api.is_list_union(&p.ty) || api.is_path_list(p)) {
            parts.insert(Part::QueryLists);
        }
    }
    if api.operations.iter().any(|op| op.body.as_ref().is_some_and(|b| b.encoding == BodyEncoding::Multipart)) {
        parts.insert(Part::Multipart);
    }
    if !api.bulk.is_empty() {
        parts.insert(Part::Bulk);
    }
    if !api.pagination.is_empty() {
        parts.insert(Part::Pagination);
    }
    if api.has_ingestor() {
        parts.insert(Part::Ingestor);
    }
    for scheme in &api.security {
        match scheme.kind {
            SecurityKind::Basic => {
                parts.insert(Part::AuthBasic);
            }
            SecurityKind::ApiKeyCookie(_) => {
                parts.insert(Part::AuthCookie);
            }
            _ => {}
        }
    }
    parts
}

pub(crate) fn emit(api: &Api, header: &Header, files: &mut FileSet) {
    let parts = parts(api);
    for (name, contents, part) in FILES {
        if part.is_some_and(|p| !parts.contains(&p)) {
            continue;
        }
        let code = select(without_tests(contents), &parts);
        files.insert(format!("src/runtime/{name}"), format!("{}\n{code}", header.rust()));
    }
}

/// The source without its trailing unit-test module (`mod tests`, of any visibility: the
/// spool's is `pub(super)` for the ingestor's tests).
fn without_tests(source: &str) -> &str {
    let mut from = 0;
    while let Some(found) = source[from..].find("\n#[cfg(test)]\n") {
        let at = from + found;
        let next = &source[at + "\n#[cfg(test)]\n".len()..];
        let item = next.strip_prefix("pub(super) ").or_else(|| next.strip_prefix("pub ")).unwrap_or(next);
        if item.starts_with("mod tests {") {
            return &source[..=at];
        }
        from = at + 1;
    }
    source
}

/// Keeps the lines outside `//@ if PART` … `//@ end` regions, and those inside a region whose
/// part is in `parts`; drops the marker lines.
fn select(source: &str, parts: &BTreeSet<Part>) -> String {
    let mut out = String::with_capacity(source.len());
    let mut keep = true;
    // Right after a dropped region: a blank line there would double the one before it.
    let mut after_dropped = false;
    for line in source.split_inclusive('\n') {
        let marker = line.trim();
        if let Some(name) = marker.strip_prefix("//@ if ") {
            keep = Part::from_name(name.trim()).is_some_and(|p| parts.contains(&p));
        } else if marker == "//@ end" {
            after_dropped = !keep;
            keep = true;
        } else if keep {
            if !(after_dropped && marker.is_empty() && (out.ends_with("\n\n") || out.is_empty())) {
                out.push_str(line);
            }
            after_dropped = false;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_runtime_module_is_listed_and_markers_are_well_formed() {
        let lib = FILES[0].1;
        for line in lib.lines() {
            if let Some(m) = line.strip_prefix("pub mod ").and_then(|l| l.strip_suffix(';')) {
                assert!(FILES.iter().any(|(f, ..)| *f == format!("{m}.rs")), "runtime module `{m}` is not copied");
            }
        }
        for (name, contents, _) in FILES {
            let code = without_tests(contents);
            assert!(
                !code.contains("mod tests {"),
                "runtime file {name}: its tests would be copied into generated crates"
            );
            // Macros expand in the generated code: their `$crate::runtime::` paths hold in the
            // runtime's own crate too, which mounts the runtime as `crate::runtime`.
            for line in code.lines().filter(|l| !l.trim_start().starts_with("//")) {
                assert!(
                    !line.replace("$crate::runtime::", "").contains("crate::"),
                    "runtime file {name} must use `super::` paths, not `crate::`: {line}"
                );
            }
            // Regions are flat, name a known part and are closed.
            let mut open: Option<&str> = None;
            for line in contents.lines() {
                let marker = line.trim();
                if let Some(part) = marker.strip_prefix("//@ if ") {
                    assert!(open.is_none(), "{name}: nested `//@ if {part}`");
                    assert!(Part::from_name(part.trim()).is_some(), "{name}: unknown part `{part}`");
                    open = Some(part);
                } else if marker == "//@ end" {
                    assert!(open.take().is_some(), "{name}: `//@ end` without `//@ if`");
                } else {
                    // A marker shares its line with nothing (rustfmt may pull one behind a `}`).
                    let code = !marker.starts_with("//");
                    assert!(!(code && marker.contains("//@")), "{name}: marker not alone on its line: `{marker}`");
                }
            }
            assert!(open.is_none(), "{name}: `//@ if` not closed");
        }
    }

    #[test]
    fn regions_and_tests_are_left_out_unless_needed() {
        let source = "a\n//@ if auth_basic\nb\n//@ end\nc\n    //@ if bulk\n    d\n    //@ end\n\n#[cfg(test)]\nmod tests {\n}\n";
        let none = select(without_tests(source), &BTreeSet::new());
        assert_eq!(none, "a\nc\n\n");
        let basic = select(without_tests(source), &BTreeSet::from([Part::AuthBasic]));
        assert_eq!(basic, "a\nb\nc\n\n");
        let all = select(without_tests(source), &Part::ALL.into_iter().collect());
        assert_eq!(all, "a\nb\nc\n    d\n\n");
        assert_eq!(
            without_tests("a\n#[cfg(test)]\nfn helper() {}\n#[cfg(test)]\npub(super) mod tests {\n}\n"),
            "a\n#[cfg(test)]\nfn helper() {}\n"
        );
    }
}
