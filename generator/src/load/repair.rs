//! Per-item repair of the document tree before it is read into the typed model.
//!
//! The typed model refuses a whole document for one malformed node, so every schema position
//! (and every reference to a parameter, body or response) is checked here first. What does not
//! fit is narrowed to what does, with a warning naming its pointer: a schema the generator
//! cannot read becomes `{}` (any JSON value), a keyword of the wrong kind is dropped, a
//! reference that resolves to nothing is dropped. One odd corner of a large document never
//! costs the user the rest of it. Forms from the neighbouring OpenAPI version that tools emit
//! (3.1's numeric `exclusiveMinimum` or type arrays in a 3.0 document, integer bounds written
//! as floats) are read as what they mean.

use serde_json::{Map, Value};

use crate::diag::{escape_segment, Diagnostic};

const METHODS: [&str; 8] = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];
const SCHEMA_TYPES: [&str; 6] = ["string", "number", "integer", "boolean", "array", "object"];

/// Repairs `raw` in place; returns the warnings.
pub fn repair(file: &str, raw: &mut Value) -> Vec<Diagnostic> {
    // References are resolved against the document as it was read.
    let original = raw.clone();
    let mut r = Repair { file, root: &original, warnings: Vec::new() };
    let Some(root) = raw.as_object_mut() else { return r.warnings };
    if let Some(Value::Object(paths)) = root.get_mut("paths") {
        for (path, item) in paths.iter_mut() {
            if path.starts_with("x-") {
                continue;
            }
            let at = format!("#/paths/{}", escape_segment(path));
            r.path_item(item, &at);
        }
    }
    if let Some(Value::Object(components)) = root.get_mut("components") {
        if let Some(Value::Object(schemas)) = components.get_mut("schemas") {
            for (name, s) in schemas.iter_mut() {
                r.schema(s, &format!("#/components/schemas/{}", escape_segment(name)), 0);
            }
        }
        if let Some(Value::Object(params)) = components.get_mut("parameters") {
            // One that cannot be a parameter goes; references to it are dropped as dangling.
            params.retain(|name, p| r.parameter(p, &format!("#/components/parameters/{}", escape_segment(name))));
        }
        for kind in ["requestBodies", "responses", "headers"] {
            if let Some(Value::Object(items)) = components.get_mut(kind) {
                for (name, b) in items.iter_mut() {
                    r.content_holder(b, &format!("#/components/{kind}/{}", escape_segment(name)));
                }
            }
        }
    }
    r.warnings
}

struct Repair<'a> {
    file: &'a str,
    root: &'a Value,
    warnings: Vec<Diagnostic>,
}

/// How deep schemas may nest inside one another before the rest is typed as JSON; the loader's
/// document depth limit is tighter, this bounds the walk on its own.
const MAX_SCHEMA_DEPTH: usize = 128;

/// The kind of value a member should have.
#[derive(Clone, Copy)]
enum Kind {
    Object,
    Array,
    Text,
    Flag,
    Strings,
}

impl Kind {
    fn describe(self) -> &'static str {
        match self {
            Kind::Object => "an object",
            Kind::Array => "a list",
            Kind::Text => "text",
            Kind::Flag => "a boolean",
            Kind::Strings => "a list of strings",
        }
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

impl Repair<'_> {
    fn warn(&mut self, at: &str, message: impl Into<String>) {
        self.warnings.push(Diagnostic::warning(self.file, at, message));
    }

    /// Why a `$ref` cannot be followed, if it cannot.
    fn bad_reference(&self, r: &Value) -> Option<String> {
        match r.as_str() {
            None => Some(format!("`$ref` must be a string, found {}", kind(r))),
            Some(t) if !t.starts_with('#') => {
                Some(format!("external reference `{t}` is not supported (bundle the document into one file first)"))
            }
            Some(t) if super::pointer::resolve_pointer(self.root, t).is_none() => {
                Some(format!("unresolved reference `{t}`: nothing exists at that pointer"))
            }
            Some(_) => None,
        }
    }

    /// Drops the members of `obj` the generator reads little or nothing from (docs, servers,
    /// security lists, examples) when they have the wrong kind, with a warning each, so such a
    /// slip does not cost its operation. A lone tag string is read as a list of one.
    fn auxiliary(&mut self, obj: &mut Map<String, Value>, at: &str, members: &[(&str, Kind)]) {
        if let Some(Value::String(tag)) = obj.get("tags") {
            if members.iter().any(|(k, _)| *k == "tags") {
                let tag = tag.clone();
                self.warn(&format!("{at}/tags"), "`tags` is a string, not a list; read as a list of one");
                obj.insert("tags".to_owned(), Value::Array(vec![Value::String(tag)]));
            }
        }
        for (key, want) in members {
            let Some(v) = obj.get(*key) else { continue };
            let fits = match want {
                Kind::Object => v.is_object(),
                Kind::Array => v.is_array(),
                Kind::Text => v.is_string(),
                Kind::Flag => v.is_boolean(),
                Kind::Strings => v.as_array().is_some_and(|a| a.iter().all(Value::is_string)),
            };
            if !fits {
                let message = format!("`{key}` should be {}, found {}; ignored", want.describe(), kind(v));
                self.warn(&format!("{at}/{}", escape_segment(key)), message);
                obj.remove(*key);
            }
        }
    }

    fn path_item(&mut self, item: &mut Value, at: &str) {
        let Some(item) = item.as_object_mut() else { return };
        self.auxiliary(item, at, &[("summary", Kind::Text), ("description", Kind::Text), ("servers", Kind::Array)]);
        if let Some(params) = item.get_mut("parameters") {
            self.parameters(params, &format!("{at}/parameters"));
        }
        for method in METHODS {
            let Some(Value::Object(op)) = item.get_mut(method) else { continue };
            let at = format!("{at}/{method}");
            self.auxiliary(
                op,
                &at,
                &[
                    ("tags", Kind::Strings),
                    ("summary", Kind::Text),
                    ("description", Kind::Text),
                    ("operationId", Kind::Text),
                    ("deprecated", Kind::Flag),
                    ("servers", Kind::Array),
                    ("security", Kind::Array),
                    ("externalDocs", Kind::Object),
                    ("callbacks", Kind::Object),
                ],
            );
            if let Some(params) = op.get_mut("parameters") {
                self.parameters(params, &format!("{at}/parameters"));
            }
            if let Some(body) = op.get("requestBody").and_then(|b| b.get("$ref")) {
                if let Some(why) = self.bad_reference(body) {
                    self.warn(&format!("{at}/requestBody/$ref"), format!("{why}; the request body is dropped"));
                    op.remove("requestBody");
                }
            }
            if let Some(body) = op.get_mut("requestBody") {
                self.content_holder(body, &format!("{at}/requestBody"));
            }
            if let Some(Value::Object(responses)) = op.get_mut("responses") {
                for (code, r) in responses.iter_mut() {
                    if code.starts_with("x-") {
                        continue;
                    }
                    let r_at = format!("{at}/responses/{}", escape_segment(code));
                    if let Some(why) = r.get("$ref").and_then(|x| self.bad_reference(x)) {
                        self.warn(&format!("{r_at}/$ref"), format!("{why}; read as a response without a body"));
                        *r = serde_json::json!({"description": ""});
                    }
                    self.content_holder(r, &r_at);
                }
            }
        }
    }

    fn parameters(&mut self, params: &mut Value, at: &str) {
        let Value::Array(items) = params else { return };
        let mut keep = Vec::with_capacity(items.len());
        for (i, p) in items.iter_mut().enumerate() {
            // Pointers name the items as the document numbers them, before any is dropped.
            let p_at = format!("{at}/{i}");
            match p.get("$ref").and_then(|r| self.bad_reference(r)) {
                Some(why) => {
                    self.warn(&format!("{p_at}/$ref"), format!("{why}; the parameter is dropped"));
                    keep.push(false);
                }
                None => keep.push(self.parameter(p, &p_at)),
            }
        }
        let mut keep = keep.into_iter();
        items.retain(|_| keep.next().unwrap_or(true));
    }

    /// Repairs a parameter; `false` when it cannot be one (drop it).
    fn parameter(&mut self, p: &mut Value, at: &str) -> bool {
        let Some(p) = p.as_object_mut() else {
            self.warn(at, format!("expected a parameter, found {}; the parameter is dropped", kind(p)));
            return false;
        };
        if p.contains_key("$ref") {
            return true;
        }
        let located = matches!(p.get("in").and_then(Value::as_str), Some("query" | "header" | "path" | "cookie"));
        if !located || !p.get("name").is_some_and(Value::is_string) {
            self.warn(at, "a parameter needs a `name` and an `in` of query, header, path or cookie; it is dropped");
            return false;
        }
        self.auxiliary(
            p,
            at,
            &[
                ("description", Kind::Text),
                ("required", Kind::Flag),
                ("deprecated", Kind::Flag),
                ("style", Kind::Text),
                ("explode", Kind::Flag),
                ("examples", Kind::Object),
            ],
        );
        if !p.contains_key("schema") && !p.contains_key("content") {
            self.warn(at, "the parameter has neither `schema` nor `content`; it is taken as a string");
            p.insert("schema".to_owned(), serde_json::json!({"type": "string"}));
        }
        if let Some(s) = p.get_mut("schema") {
            self.schema(s, &format!("{at}/schema"), 0);
        }
        if let Some(content) = p.get_mut("content") {
            self.content(content, &format!("{at}/content"));
        }
        true
    }

    /// A request body, response or header: something with optional `content` or `schema`.
    fn content_holder(&mut self, v: &mut Value, at: &str) {
        let Some(v) = v.as_object_mut() else { return };
        if v.contains_key("$ref") {
            return;
        }
        self.auxiliary(
            v,
            at,
            &[("links", Kind::Object), ("headers", Kind::Object), ("examples", Kind::Object), ("required", Kind::Flag)],
        );
        if v.get("description").is_some_and(|d| !d.is_string()) {
            self.warn(&format!("{at}/description"), "`description` should be text; ignored");
            v.insert("description".to_owned(), Value::String(String::new()));
        }
        if let Some(content) = v.get_mut("content") {
            self.content(content, &format!("{at}/content"));
        }
        if let Some(s) = v.get_mut("schema") {
            self.schema(s, &format!("{at}/schema"), 0);
        }
        if let Some(Value::Object(headers)) = v.get_mut("headers") {
            for (name, h) in headers.iter_mut() {
                let h_at = format!("{at}/headers/{}", escape_segment(name));
                if let Some(why) = h.get("$ref").and_then(|r| self.bad_reference(r)) {
                    self.warn(&format!("{h_at}/$ref"), format!("{why}; read as a header of any value"));
                    *h = serde_json::json!({});
                }
                if let Some(h) = h.as_object_mut().filter(|h| !h.contains_key("$ref")) {
                    if !h.contains_key("schema") && !h.contains_key("content") {
                        h.insert("schema".to_owned(), serde_json::json!({"type": "string"}));
                    }
                }
                self.content_holder(h, &h_at);
            }
        }
    }

    fn content(&mut self, content: &mut Value, at: &str) {
        let Some(content) = content.as_object_mut() else { return };
        for (media, m) in content.iter_mut() {
            let at = format!("{at}/{}", escape_segment(media));
            let Some(m) = m.as_object_mut() else { continue };
            self.auxiliary(m, &at, &[("examples", Kind::Object), ("encoding", Kind::Object)]);
            if let Some(s) = m.get_mut("schema") {
                self.schema(s, &format!("{at}/schema"), 0);
            }
        }
    }

    /// Repairs one schema and the schemas inside it.
    fn schema(&mut self, node: &mut Value, at: &str, depth: usize) {
        if depth > MAX_SCHEMA_DEPTH {
            self.warn(at, "schemas nest too deeply here; typed as any JSON value");
            *node = Value::Object(Map::new());
            return;
        }
        match &*node {
            Value::Object(_) => {}
            Value::Bool(true) => {
                *node = Value::Object(Map::new());
                return;
            }
            Value::Bool(false) => {
                self.warn(at, "the `false` schema (no value is valid) is typed as any JSON value");
                *node = Value::Object(Map::new());
                return;
            }
            other => {
                self.warn(at, format!("expected a schema, found {}; typed as any JSON value", kind(other)));
                *node = Value::Object(Map::new());
                return;
            }
        }
        let Value::Object(s) = node else { return };
        if let Some(r) = s.get("$ref") {
            match self.bad_reference(r) {
                None => return,
                Some(why) => {
                    self.warn(&format!("{at}/$ref"), format!("{why}; typed as any JSON value"));
                    s.remove("$ref");
                }
            }
        }
        self.schema_type(s, at);
        self.bounds(s, at);
        self.keywords(s, at);
        let child = |key: &str| format!("{at}/{key}");
        if let Some(Value::Object(props)) = s.get_mut("properties") {
            for (name, p) in props.iter_mut() {
                self.schema(p, &format!("{at}/properties/{}", escape_segment(name)), depth + 1);
            }
        }
        for key in ["items", "not"] {
            if let Some(v) = s.get_mut(key) {
                self.schema(v, &child(key), depth + 1);
            }
        }
        if let Some(v) = s.get_mut("additionalProperties") {
            if !v.is_boolean() {
                self.schema(v, &child("additionalProperties"), depth + 1);
            }
        }
        for key in ["allOf", "oneOf", "anyOf"] {
            if let Some(Value::Array(members)) = s.get_mut(key) {
                for (i, m) in members.iter_mut().enumerate() {
                    self.schema(m, &format!("{at}/{key}/{i}"), depth + 1);
                }
            }
        }
    }

    /// `type`: a known name; a 3.1 type array in a 3.0 document is read as in 3.1.
    fn schema_type(&mut self, s: &mut Map<String, Value>, at: &str) {
        let mut nullable = false;
        let fixed = match s.get("type") {
            None => return,
            Some(Value::String(t)) if SCHEMA_TYPES.contains(&t.as_str()) => return,
            Some(Value::String(t)) if t == "null" => {
                nullable = true;
                None
            }
            Some(Value::Array(types)) => {
                let names: Vec<&str> = types.iter().filter_map(Value::as_str).collect();
                let non_null: Vec<&str> = names.iter().copied().filter(|t| *t != "null").collect();
                nullable = non_null.len() < names.len();
                match non_null.as_slice() {
                    [one] if SCHEMA_TYPES.contains(one) => Some(Value::from(*one)),
                    [] => None,
                    _ => {
                        self.warn(
                            &format!("{at}/type"),
                            format!("a schema of several types ({}) is typed as any JSON value", non_null.join(", ")),
                        );
                        None
                    }
                }
            }
            Some(Value::String(t)) => {
                self.warn(&format!("{at}/type"), format!("unknown schema type `{t}`; typed as any JSON value"));
                None
            }
            Some(other) => {
                self.warn(&format!("{at}/type"), format!("expected a type name, found {}; ignored", kind(other)));
                None
            }
        };
        match fixed {
            Some(t) => s.insert("type".into(), t),
            None => s.remove("type"),
        };
        if nullable {
            s.insert("nullable".into(), Value::Bool(true));
        }
    }

    /// Numeric `exclusiveMinimum`/`exclusiveMaximum` (3.1) as the 3.0 pair, and integer bounds
    /// written as floats (`-9223372036854776000`) as the nearest integer inside `i64`.
    fn bounds(&mut self, s: &mut Map<String, Value>, at: &str) {
        for (exclusive, plain) in [("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")] {
            if let Some(n) = s.get(exclusive).filter(|v| v.is_number()).cloned() {
                s.insert(plain.into(), n);
                s.insert(exclusive.into(), Value::Bool(true));
            }
        }
        if s.get("type").and_then(Value::as_str) != Some("integer") {
            return;
        }
        for key in ["minimum", "maximum", "multipleOf"] {
            let Some(n) = s.get(key).and_then(Value::as_f64) else { continue };
            if s[key].is_i64() {
                continue;
            }
            let rounded = match key {
                "minimum" => n.ceil(),
                "maximum" => n.floor(),
                _ if n.fract() == 0.0 && n >= 1.0 => n,
                _ => {
                    self.warn(&format!("{at}/{key}"), format!("`multipleOf: {n}` of an integer is ignored"));
                    s.remove(key);
                    continue;
                }
            };
            // `as` saturates: int64's bounds after a float round trip land on i64::MIN/MAX.
            let int = rounded as i64;
            if (int as f64) != n && n.abs() < 9.2e18 {
                self.warn(&format!("{at}/{key}"), format!("integer bound {n} is read as {int}"));
            }
            s.insert(key.into(), Value::from(int));
        }
    }

    /// Keywords whose value is of the wrong kind are dropped.
    fn keywords(&mut self, s: &mut Map<String, Value>, at: &str) {
        let mut drop = Vec::new();
        for (key, v) in s.iter() {
            let ok = match key.as_str() {
                "properties" => v.is_object(),
                "allOf" | "oneOf" | "anyOf" => v.is_array(),
                "enum" => v.is_array(),
                "required" => v.as_array().is_some_and(|a| a.iter().all(Value::is_string)),
                "minItems" | "maxItems" | "minLength" | "maxLength" | "minProperties" | "maxProperties" => {
                    v.is_u64() || v.as_f64().is_some_and(|f| f >= 0.0 && f.fract() == 0.0 && f < 1e15)
                }
                "minimum" | "maximum" | "multipleOf" => v.is_number(),
                "nullable" | "readOnly" | "writeOnly" | "deprecated" | "uniqueItems" | "exclusiveMinimum"
                | "exclusiveMaximum" => v.is_boolean(),
                "title" | "description" | "format" | "pattern" => v.is_string(),
                "discriminator" => {
                    v.get("propertyName").is_some_and(Value::is_string)
                        && v.get("mapping")
                            .is_none_or(|m| m.as_object().is_some_and(|m| m.values().all(Value::is_string)))
                }
                "externalDocs" => v.get("url").is_some_and(Value::is_string),
                "xml" => v.is_object(),
                _ => true,
            };
            if !ok {
                drop.push(key.clone());
            }
        }
        for key in drop {
            let v = s.remove(&key).unwrap_or_default();
            // Sizes written as floats (`maxLength: 10.0`) keep their meaning.
            if matches!(
                key.as_str(),
                "minItems" | "maxItems" | "minLength" | "maxLength" | "minProperties" | "maxProperties"
            ) {
                if let Some(f) = v.as_f64().filter(|f| *f >= 0.0 && f.fract() == 0.0 && *f < 1e15) {
                    s.insert(key, Value::from(f as u64));
                    continue;
                }
            }
            self.warn(&format!("{at}/{}", escape_segment(&key)), format!("`{key}` of {} is ignored", kind(&v)));
        }
        // A float size that passed the check above is rewritten to an integer too.
        for key in ["minItems", "maxItems", "minLength", "maxLength", "minProperties", "maxProperties"] {
            if let Some(f) = s.get(key).filter(|v| !v.is_u64()).and_then(Value::as_f64) {
                s.insert(key.into(), Value::from(f as u64));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn run(mut v: Value) -> (Value, Vec<String>) {
        let w = repair("t.json", &mut v);
        (v, w.into_iter().map(|d| format!("{} {}", d.pointer, d.message)).collect())
    }

    #[test]
    fn integer_bounds_beyond_i64_saturate_quietly() {
        let (v, w) = run(json!({"components": {"schemas": {"A": {
            "type": "integer", "minimum": -9.223372036854776e18, "maximum": 9.223372036854776e18
        }}}}));
        assert_eq!(v["components"]["schemas"]["A"]["minimum"], json!(i64::MIN));
        assert_eq!(v["components"]["schemas"]["A"]["maximum"], json!(i64::MAX));
        assert!(w.is_empty(), "{w:?}");
    }

    #[test]
    fn boolean_and_malformed_schemas_degrade_with_their_pointer() {
        let (v, w) = run(json!({"components": {"schemas": {
            "A": {"type": "array", "items": false},
            "B": {"type": "objekt", "properties": {"$ref": {"type": "string"}, "n": 42}},
            "C": {"$ref": "#/components/schemas/Missing", "description": "d"},
            "D": {"type": "number", "exclusiveMinimum": 0, "required": "x"}
        }}}));
        let s = &v["components"]["schemas"];
        assert_eq!(s["A"], json!({"type": "array", "items": {}}));
        assert_eq!(s["B"], json!({"properties": {"$ref": {"type": "string"}, "n": {}}}));
        assert_eq!(s["C"], json!({"description": "d"}));
        assert_eq!(s["D"], json!({"type": "number", "minimum": 0, "exclusiveMinimum": true}));
        let pointers: Vec<&str> = w.iter().map(|l| l.split(' ').next().unwrap()).collect();
        assert_eq!(
            pointers,
            [
                "#/components/schemas/A/items",
                "#/components/schemas/B/type",
                "#/components/schemas/B/properties/n",
                "#/components/schemas/C/$ref",
                "#/components/schemas/D/required"
            ]
        );
    }

    #[test]
    fn parameters_without_schema_or_location_degrade_one_by_one() {
        let (doc, w) = run(json!({"paths": {"/a/{id}": {"post": {
            "parameters": [
                {"name": "id", "in": "path", "required": true},
                {"name": "q", "in": "body"},
                {"in": "query"},
                "x-odd",
                {"name": "h", "in": "header", "content": {"text/plain": {"schema": {"type": "integer"}}}},
            ],
            "responses": {"200": {"description": "ok", "headers": {"X-Rate": {"description": "no schema"}}}}
        }}}}));
        let op = &doc["paths"]["/a/{id}"]["post"];
        let params = op["parameters"].as_array().unwrap();
        assert_eq!(params.len(), 2, "{params:?}");
        assert_eq!(params[0]["schema"], json!({"type": "string"}));
        assert_eq!(op["responses"]["200"]["headers"]["X-Rate"]["schema"], json!({"type": "string"}));
        let at = |i: usize| format!("#/paths/~1a~1{{id}}/post/parameters/{i} ");
        assert!(w[0].starts_with(&at(0)) && w[0].contains("neither `schema` nor `content`"), "{w:?}");
        assert!(w[1].starts_with(&at(1)) && w[1].contains("dropped"), "{w:?}");
        assert!(w[2].starts_with(&at(2)) && w[2].contains("dropped"), "{w:?}");
        assert!(w[3].starts_with(&at(3)) && w[3].contains("found a string"), "{w:?}");
        assert_eq!(w.len(), 4, "{w:?}");
    }

    #[test]
    fn unresolved_parameter_and_response_references_drop_that_item_only() {
        let (v, w) = run(json!({"paths": {"/a": {"get": {
            "parameters": [{"$ref": "#/nope"}, {"name": "q", "in": "query", "schema": {"type": "string"}}],
            "responses": {"200": {"$ref": "#/components/responses/Gone"}}
        }}}}));
        let op = &v["paths"]["/a"]["get"];
        assert_eq!(op["parameters"].as_array().unwrap().len(), 1);
        assert_eq!(op["responses"]["200"], json!({"description": ""}));
        assert_eq!(w.len(), 2, "{w:?}");
        assert!(w[0].starts_with("#/paths/~1a/get/parameters/0/$ref"), "{w:?}");
    }
}
