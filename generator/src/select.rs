//! Selection: generate a part of a large spec. Operations are kept by tag or path (the
//! `[select]` config section, `--include-tag` / `--include-path` on the command line); every
//! other operation is dropped, and so is every component schema the kept ones do not reach.
//! Runs on the loaded document, before lowering, so names and collisions are settled among
//! the kept schemas only.

use std::collections::BTreeSet;

use openapiv3::{PathItem, ReferenceOr};
use serde_json::Value;

use crate::config::SelectConfig;
use crate::diag::{pointer, Diagnostic, GenerateError};
use crate::load::{resolve_pointer, Loaded};

const SCHEMAS: &str = "#/components/schemas/";

/// Whether a path template matches an `include_paths` pattern: equal, or starting with what
/// comes before a final `*`.
pub fn path_matches(pattern: &str, path: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => path.starts_with(prefix),
        None => pattern == path,
    }
}

/// Keeps only the selected operations and the schemas they reach. Returns warnings (a rule
/// that matches nothing); fails when nothing at all is selected.
pub fn apply(loaded: &mut Loaded, select: &SelectConfig) -> Result<Vec<Diagnostic>, GenerateError> {
    if select.is_everything() {
        return Ok(Vec::new());
    }
    let file = loaded.file.clone();
    let mut used_tags = BTreeSet::new();
    let mut used_paths = BTreeSet::new();
    let mut kept_ops: Vec<(String, &'static str)> = Vec::new();
    let mut kept_paths = indexmap::IndexMap::new();
    for (path, item) in &loaded.doc.paths.paths {
        let mut item: PathItem = match item {
            ReferenceOr::Item(i) => i.clone(),
            ReferenceOr::Reference { reference } => {
                // A shared path item: read it here so its operations can be filtered.
                match resolve_pointer(&loaded.raw, reference).and_then(|v| serde_json::from_value(v.clone()).ok()) {
                    Some(i) => i,
                    None => continue,
                }
            }
        };
        let mut any = false;
        for (method, slot) in operations_mut(&mut item) {
            let Some(op) = slot else { continue };
            let by_tag: Vec<&String> = select.include_tags.iter().filter(|t| op.tags.contains(t)).collect();
            let by_path: Vec<&String> = select.include_paths.iter().filter(|p| path_matches(p, path)).collect();
            used_tags.extend(by_tag.iter().map(|t| (*t).clone()));
            used_paths.extend(by_path.iter().map(|p| (*p).clone()));
            if by_tag.is_empty() && by_path.is_empty() {
                *slot = None;
            } else {
                any = true;
                kept_ops.push((path.clone(), method));
            }
        }
        if any {
            kept_paths.insert(path.clone(), ReferenceOr::Item(item));
        }
    }
    let mut warnings = Vec::new();
    for tag in select.include_tags.iter().filter(|t| !used_tags.contains(*t)) {
        warnings.push(Diagnostic::warning(&file, "#/paths", format!("--include-tag `{tag}` matches no operation")));
    }
    for p in select.include_paths.iter().filter(|p| !used_paths.contains(*p)) {
        warnings.push(Diagnostic::warning(&file, "#/paths", format!("--include-path `{p}` matches no operation")));
    }
    if kept_ops.is_empty() {
        let mut diagnostics = warnings;
        diagnostics.push(Diagnostic::error(
            &file,
            "#/paths",
            "the selection (--include-tag / --include-path, or [select] in the config) keeps no operation",
        ));
        return Err(GenerateError { diagnostics });
    }
    // Every reference reachable from the kept operations, followed through the raw tree.
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let mut todo: Vec<String> = Vec::new();
    for (path, method) in &kept_ops {
        let item_at = pointer(["paths", path.as_str()]);
        if let Some(item) = resolve_pointer(&loaded.raw, &item_at) {
            if let Some(reference) = item.get("$ref").and_then(Value::as_str) {
                todo.push(reference.to_owned());
            }
            if let Some(params) = item.get("parameters") {
                collect_refs(params, &mut todo);
            }
            if let Some(op) = item.get(*method) {
                collect_refs(op, &mut todo);
            }
        }
    }
    while let Some(reference) = todo.pop() {
        if !seen.insert(reference.clone()) {
            continue;
        }
        if reference.starts_with("#/paths/") {
            // A path item shared by `$ref`: only the kept operations count, handled above.
            continue;
        }
        if let Some(target) = resolve_pointer(&loaded.raw, &reference) {
            collect_refs(target, &mut todo);
        }
    }
    let reached: BTreeSet<String> = seen
        .iter()
        .filter_map(|r| r.strip_prefix(SCHEMAS))
        .map(|rest| unescape(rest.split('/').next().unwrap_or(rest)))
        .collect();
    loaded.doc.paths.paths = kept_paths;
    if let Some(components) = &mut loaded.doc.components {
        components.schemas.retain(|name, _| reached.contains(name));
    }
    Ok(warnings)
}

fn operations_mut(item: &mut PathItem) -> [(&'static str, &mut Option<openapiv3::Operation>); 8] {
    [
        ("get", &mut item.get),
        ("put", &mut item.put),
        ("post", &mut item.post),
        ("delete", &mut item.delete),
        ("options", &mut item.options),
        ("head", &mut item.head),
        ("patch", &mut item.patch),
        ("trace", &mut item.trace),
    ]
}

/// Every local `$ref` under `value`, and the targets of discriminator mappings.
fn collect_refs(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                match (key.as_str(), v) {
                    ("$ref", Value::String(r)) if r.starts_with('#') => out.push(r.clone()),
                    ("discriminator", Value::Object(d)) => {
                        if let Some(Value::Object(mapping)) = d.get("mapping") {
                            for target in mapping.values().filter_map(Value::as_str) {
                                if target.starts_with('#') {
                                    out.push(target.to_owned());
                                } else {
                                    out.push(format!("{SCHEMAS}{}", crate::diag::escape_segment(target)));
                                }
                            }
                        }
                    }
                    _ => collect_refs(v, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_refs(v, out)),
        _ => {}
    }
}

fn unescape(segment: &str) -> String {
    segment.replace("~1", "/").replace("~0", "~")
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC: &str = r##"
openapi: 3.0.3
info: {title: Shop, version: "1"}
paths:
  /pets:
    get:
      tags: [Pets]
      responses:
        "200": {description: ok, content: {application/json: {schema: {type: array, items: {$ref: "#/components/schemas/Pet"}}}}}
  /pets/{id}:
    parameters: [{$ref: "#/components/parameters/Id"}]
    delete:
      tags: [Admin]
      responses: {"204": {description: gone}}
    get:
      tags: [Pets]
      responses: {"200": {description: ok, content: {application/json: {schema: {$ref: "#/components/schemas/Pet"}}}}}
  /orders:
    post:
      tags: [Orders]
      requestBody: {content: {application/json: {schema: {$ref: "#/components/schemas/Order"}}}}
      responses: {"201": {description: ok}}
components:
  parameters:
    Id: {name: id, in: path, required: true, schema: {$ref: "#/components/schemas/PetId"}}
  schemas:
    PetId: {type: string}
    Pet:
      type: object
      properties:
        id: {$ref: "#/components/schemas/PetId"}
        kind: {$ref: "#/components/schemas/Kind"}
    Kind:
      oneOf: [{$ref: "#/components/schemas/Cat"}]
      discriminator: {propertyName: t, mapping: {cat: Cat, dog: "#/components/schemas/Dog"}}
    Cat: {type: object, properties: {t: {type: string}}}
    Dog: {type: object, properties: {t: {type: string}}}
    Order: {type: object, properties: {pet: {$ref: "#/components/schemas/Pet"}, note: {type: string}}}
    Unused: {type: object}
"##;

    fn select(tags: &[&str], paths: &[&str]) -> Result<(Loaded, Vec<Diagnostic>), GenerateError> {
        let mut loaded = crate::load::load_str("shop.yaml", SPEC).unwrap();
        let select = SelectConfig {
            include_tags: tags.iter().map(|s| (*s).to_owned()).collect(),
            include_paths: paths.iter().map(|s| (*s).to_owned()).collect(),
        };
        let warnings = apply(&mut loaded, &select)?;
        Ok((loaded, warnings))
    }

    fn operations(l: &Loaded) -> Vec<String> {
        let mut out = Vec::new();
        for (path, item) in &l.doc.paths.paths {
            if let ReferenceOr::Item(item) = item {
                for (method, _) in item.iter() {
                    out.push(format!("{} {path}", method.to_ascii_uppercase()));
                }
            }
        }
        out
    }

    fn schemas(l: &Loaded) -> Vec<&str> {
        l.doc.components.as_ref().unwrap().schemas.keys().map(String::as_str).collect()
    }

    #[test]
    fn by_tag_keeps_its_operations_and_the_schemas_they_reach() {
        let (l, warnings) = select(&["Pets"], &[]).unwrap();
        assert_eq!(operations(&l), ["GET /pets", "GET /pets/{id}"]);
        // PetId through the shared path parameter; Cat and Dog through the discriminator mapping.
        assert_eq!(schemas(&l), ["Cat", "Dog", "Kind", "Pet", "PetId"]);
        assert!(warnings.is_empty(), "{warnings:?}");
    }

    #[test]
    fn by_path_pattern_and_tags_together() {
        let (l, _) = select(&["Orders"], &["/pets/*"]).unwrap();
        assert_eq!(operations(&l), ["POST /orders", "GET /pets/{id}", "DELETE /pets/{id}"]);
        assert!(!schemas(&l).contains(&"Unused"));
        let (l, _) = select(&[], &["/pets"]).unwrap();
        assert_eq!(operations(&l), ["GET /pets"]);
    }

    #[test]
    fn rules_matching_nothing_warn_and_an_empty_selection_fails() {
        let (_, warnings) = select(&["Pets", "Pest"], &["/nope"]).unwrap();
        let text: Vec<String> = warnings.iter().map(ToString::to_string).collect();
        assert_eq!(text.len(), 2, "{text:?}");
        assert!(text[0].contains("--include-tag `Pest` matches no operation"), "{text:?}");
        assert!(text[1].contains("--include-path `/nope`"), "{text:?}");
        let err = select(&["Pest"], &[]).unwrap_err().to_string();
        assert!(err.contains("keeps no operation") && err.contains("shop.yaml"), "{err}");
    }

    #[test]
    fn patterns() {
        assert!(path_matches("/events", "/events"));
        assert!(!path_matches("/events", "/events/bulk"));
        assert!(path_matches("/events/*", "/events/bulk"));
        assert!(path_matches("/events*", "/events"));
        assert!(!path_matches("/events/*", "/events"));
    }
}
