//! Normalization of OpenAPI 3.1 documents into the 3.0 model, on the JSON tree.
//!
//! 3.1 schemas are JSON Schema 2020-12; the 3.0 model knows a subset. What maps is rewritten
//! (`type` arrays with `null` become `nullable`, `const` a one-value `enum`, `examples` the
//! first `example`, numeric `exclusiveMinimum` the 3.0 pair, `anyOf`/`oneOf` of a reference
//! and `null` a nullable `allOf`); what cannot be kept (webhooks, `$dynamicRef`, several
//! non-null types) is dropped or widened with a warning naming its pointer.

use serde_json::{Map, Value};

use crate::diag::{escape_segment, Diagnostic};

/// Rewrites a 3.1 document in place so that it reads as 3.0.3.
pub fn from_3_1(file: &str, raw: &mut Value, warnings: &mut Vec<Diagnostic>) {
    let Some(root) = raw.as_object_mut() else { return };
    root.insert("openapi".into(), Value::from("3.0.3"));
    if root.remove("webhooks").is_some() {
        warnings.push(Diagnostic::warning(
            file,
            "#/webhooks",
            "webhooks are not generated (OpenAPI 3.1 only); dropped",
        ));
    }
    root.remove("jsonSchemaDialect");
    if !root.contains_key("paths") {
        root.insert("paths".into(), Value::Object(Map::new()));
    }
    if let Some(license) = root.get_mut("info").and_then(|i| i.get_mut("license")).and_then(Value::as_object_mut) {
        license.remove("identifier");
    }
    if let Some(components) = root.get_mut("components").and_then(Value::as_object_mut) {
        if components.remove("pathItems").is_some() {
            warnings.push(Diagnostic::warning(
                file,
                "#/components/pathItems",
                "components.pathItems is not supported; dropped",
            ));
        }
    }
    let mut at = String::from("#");
    walk(file, raw, &mut at, false, warnings);
}

/// `property_map` is set on the `properties` member of a schema: its keys are property names
/// (a property may be called `$ref`, `const` or `examples`), never keywords.
fn walk(file: &str, node: &mut Value, at: &mut String, property_map: bool, warnings: &mut Vec<Diagnostic>) {
    match node {
        Value::Object(map) => {
            if !property_map && looks_like_schema(map) {
                rewrite_schema(file, map, at, warnings);
            }
            for (k, v) in map.iter_mut() {
                if !property_map && matches!(k.as_str(), "example" | "examples" | "default" | "enum") {
                    continue;
                }
                let len = at.len();
                at.push('/');
                at.push_str(&escape_segment(k));
                walk(file, v, at, !property_map && k == "properties", warnings);
                at.truncate(len);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter_mut().enumerate() {
                let len = at.len();
                at.push_str(&format!("/{i}"));
                walk(file, v, at, false, warnings);
                at.truncate(len);
            }
        }
        _ => {}
    }
}

/// Whether a `$ref` names a schema. 3.1 lets every Reference Object carry a `summary` and a
/// `description`; only a schema reference is rewritten to keep them.
fn targets_schema(reference: &Value) -> bool {
    let Some(r) = reference.as_str() else { return false };
    const NOT_SCHEMAS: [&str; 9] = [
        "parameters",
        "responses",
        "requestBodies",
        "headers",
        "examples",
        "links",
        "callbacks",
        "securitySchemes",
        "pathItems",
    ];
    match r.strip_prefix("#/components/").and_then(|rest| rest.split('/').next()) {
        Some(section) => !NOT_SCHEMAS.contains(&section),
        None => true,
    }
}

fn looks_like_schema(map: &Map<String, Value>) -> bool {
    map.get("type").is_some_and(Value::is_array)
        || map.contains_key("const")
        || map.get("examples").is_some_and(Value::is_array)
        || map.get("exclusiveMinimum").is_some_and(Value::is_number)
        || map.get("exclusiveMaximum").is_some_and(Value::is_number)
        || map.contains_key("$dynamicRef")
        || map.contains_key("contentMediaType")
        || map.get("type").and_then(Value::as_str) == Some("null")
        || ["anyOf", "oneOf"].iter().any(|k| map.get(*k).is_some_and(has_null_member))
        || (map.get("$ref").is_some_and(targets_schema) && map.len() > 1)
}

fn is_null_schema(v: &Value) -> bool {
    v.get("type").and_then(Value::as_str) == Some("null")
}

fn has_null_member(v: &Value) -> bool {
    v.as_array().is_some_and(|items| items.iter().any(is_null_schema))
}

fn rewrite_schema(file: &str, map: &mut Map<String, Value>, at: &str, warnings: &mut Vec<Diagnostic>) {
    if map.remove("$dynamicRef").is_some() {
        warnings.push(Diagnostic::warning(
            file,
            format!("{at}/$dynamicRef"),
            "$dynamicRef is not supported; typed as any JSON value",
        ));
    }
    match map.get("type").cloned() {
        Some(Value::Array(types)) => {
            let non_null: Vec<Value> = types.iter().filter(|t| t.as_str() != Some("null")).cloned().collect();
            if non_null.len() < types.len() {
                map.insert("nullable".into(), Value::Bool(true));
            }
            match non_null.len() {
                0 => {
                    map.remove("type");
                }
                1 => {
                    map.insert("type".into(), non_null[0].clone());
                }
                _ => {
                    map.remove("type");
                    warnings.push(Diagnostic::warning(
                        file,
                        format!("{at}/type"),
                        format!("a schema of several types ({}) is typed as any JSON value", join_types(&non_null)),
                    ));
                }
            }
        }
        Some(Value::String(t)) if t == "null" => {
            map.remove("type");
            map.insert("nullable".into(), Value::Bool(true));
        }
        _ => {}
    }
    // 3.1 spells a binary string by its content's media type: `format: binary` in 3.0 terms. A
    // JSON or text content stays a string.
    if map.get("type").and_then(Value::as_str) == Some("string")
        && !map.contains_key("format")
        && !map.contains_key("contentEncoding")
        && map.get("contentMediaType").and_then(Value::as_str).is_some_and(|m| {
            let m = m.to_ascii_lowercase();
            !(m.starts_with("text/") || m.starts_with("application/json") || m.contains("+json"))
        })
    {
        map.insert("format".into(), Value::String("binary".into()));
    }
    if let Some(c) = map.remove("const") {
        map.insert("enum".into(), Value::Array(vec![c]));
    }
    if let Some(Value::Array(mut examples)) = map.remove("examples") {
        if !map.contains_key("example") && !examples.is_empty() {
            map.insert("example".into(), examples.swap_remove(0));
        }
    }
    for (exclusive, plain) in [("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")] {
        if let Some(n) = map.get(exclusive).filter(|v| v.is_number()).cloned() {
            map.insert(plain.into(), n);
            map.insert(exclusive.into(), Value::Bool(true));
        }
    }
    for key in ["anyOf", "oneOf"] {
        if let Some(Value::Array(members)) = map.get(key) {
            if members.iter().any(is_null_schema) {
                let rest: Vec<Value> = members.iter().filter(|m| !is_null_schema(m)).cloned().collect();
                map.insert("nullable".into(), Value::Bool(true));
                if rest.len() == 1 {
                    map.remove(key);
                    map.insert("allOf".into(), Value::Array(rest));
                } else {
                    map.insert(key.into(), Value::Array(rest));
                }
            }
        }
    }
    // A `$ref` with siblings: 3.0 ignores the siblings, so keep the reference under `allOf`
    // and the siblings (description, nullable, ...) on the wrapper.
    if map.len() > 1 && map.get("$ref").is_some_and(targets_schema) {
        if let Some(r) = map.remove("$ref") {
            let mut reference = Map::new();
            reference.insert("$ref".into(), r);
            map.insert("allOf".into(), Value::Array(vec![Value::Object(reference)]));
        }
    }
}

fn join_types(types: &[Value]) -> String {
    types.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn run(mut v: Value) -> (Value, Vec<Diagnostic>) {
        let mut w = Vec::new();
        from_3_1("t.json", &mut v, &mut w);
        (v, w)
    }

    #[test]
    fn type_arrays_const_examples_and_exclusive_bounds() {
        let (v, w) = run(json!({
            "openapi": "3.1.0",
            "components": {"schemas": {"A": {"type": "object", "properties": {
                "n": {"type": ["integer", "null"], "exclusiveMinimum": 0},
                "k": {"const": "fixed"},
                "file": {"type": "string", "contentMediaType": "image/png"},
                "note": {"type": "string", "contentMediaType": "text/plain"},
                "b64": {"type": "string", "contentMediaType": "image/png", "contentEncoding": "base64"},
                "e": {"type": "string", "examples": ["x", "y"]},
                "m": {"type": ["string", "integer"]},
                "r": {"$ref": "#/components/schemas/B", "description": "d"},
                "o": {"anyOf": [{"$ref": "#/components/schemas/B"}, {"type": "null"}]}
            }}}},
            "webhooks": {}
        }));
        let p = &v["components"]["schemas"]["A"]["properties"];
        assert_eq!(p["n"], json!({"type": "integer", "nullable": true, "minimum": 0, "exclusiveMinimum": true}));
        assert_eq!(p["k"], json!({"enum": ["fixed"]}));
        assert_eq!(p["file"]["format"], "binary", "a content media type is a binary string");
        assert!(p["note"].get("format").is_none(), "text content stays text");
        assert!(p["b64"].get("format").is_none(), "encoded content is text");
        assert_eq!(p["e"], json!({"type": "string", "example": "x"}));
        assert_eq!(p["m"], json!({}));
        assert_eq!(p["r"], json!({"description": "d", "allOf": [{"$ref": "#/components/schemas/B"}]}));
        assert_eq!(p["o"], json!({"nullable": true, "allOf": [{"$ref": "#/components/schemas/B"}]}));
        assert_eq!(v["openapi"], "3.0.3");
        assert!(v.get("webhooks").is_none());
        let pointers: Vec<_> = w.iter().map(|d| d.pointer.as_str()).collect();
        assert_eq!(pointers, ["#/webhooks", "#/components/schemas/A/properties/m/type"]);
    }
}
