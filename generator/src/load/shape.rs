//! A structural check of the document before it is deserialized into the typed model.
//!
//! Serde loses the position of an error inside untagged enums (every `$ref`-or-object in the
//! model is one), so the typed model alone would report "somewhere under #/paths". This walk
//! knows where operations, parameters, bodies, responses and schemas sit, and reports the
//! exact pointer of the first node of the wrong shape in each place.

use serde_json::{Map, Value};

use crate::diag::{escape_segment, Diagnostic};

const METHODS: [&str; 8] = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];
const SCHEMA_TYPES: [&str; 7] = ["string", "number", "integer", "boolean", "array", "object", "null"];

/// Collects shape errors of the whole document.
pub fn check(file: &str, root: &Value) -> Vec<Diagnostic> {
    let mut c = Checker { file, errors: Vec::new() };
    let Some(root) = c.object(root, "#") else { return c.errors };
    c.need_object(root, "#", "info");
    if let Some(paths) = root.get("paths") {
        if let Some(paths) = c.object(paths, "#/paths") {
            for (path, item) in paths {
                if path.starts_with("x-") {
                    continue;
                }
                let at = format!("#/paths/{}", escape_segment(path));
                c.path_item(item, &at);
            }
        }
    }
    if let Some(components) = root.get("components").and_then(|v| c.object(v, "#/components")) {
        if let Some(schemas) = components.get("schemas").and_then(|v| c.object(v, "#/components/schemas")) {
            for (name, s) in schemas {
                c.schema(s, &format!("#/components/schemas/{}", escape_segment(name)));
            }
        }
        if let Some(params) = components.get("parameters").and_then(|v| c.object(v, "#/components/parameters")) {
            for (name, p) in params {
                c.parameter(p, &format!("#/components/parameters/{}", escape_segment(name)));
            }
        }
        if let Some(bodies) = components.get("requestBodies").and_then(|v| c.object(v, "#/components/requestBodies")) {
            for (name, b) in bodies {
                c.content_holder(b, &format!("#/components/requestBodies/{}", escape_segment(name)));
            }
        }
        if let Some(responses) = components.get("responses").and_then(|v| c.object(v, "#/components/responses")) {
            for (name, r) in responses {
                c.content_holder(r, &format!("#/components/responses/{}", escape_segment(name)));
            }
        }
    }
    c.errors
}

struct Checker<'f> {
    file: &'f str,
    errors: Vec<Diagnostic>,
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

impl Checker<'_> {
    fn error(&mut self, at: &str, message: String) {
        self.errors.push(Diagnostic::error(self.file, at, message));
    }

    fn object<'v>(&mut self, v: &'v Value, at: &str) -> Option<&'v Map<String, Value>> {
        match v {
            Value::Object(m) => Some(m),
            other => {
                self.error(at, format!("expected an object, found {}", kind(other)));
                None
            }
        }
    }

    fn need_object(&mut self, parent: &Map<String, Value>, at: &str, key: &str) {
        match parent.get(key) {
            Some(v) => {
                self.object(v, &format!("{at}/{key}"));
            }
            None => self.error(at, format!("required member `{key}` is missing")),
        }
    }

    fn is_ref(v: &Map<String, Value>) -> bool {
        v.contains_key("$ref")
    }

    fn path_item(&mut self, item: &Value, at: &str) {
        let Some(item) = self.object(item, at) else { return };
        if let Some(params) = item.get("parameters") {
            self.parameters(params, &format!("{at}/parameters"));
        }
        for method in METHODS {
            let Some(op) = item.get(method) else { continue };
            let at = format!("{at}/{method}");
            let Some(op) = self.object(op, &at) else { continue };
            if let Some(params) = op.get("parameters") {
                self.parameters(params, &format!("{at}/parameters"));
            }
            if let Some(body) = op.get("requestBody") {
                self.content_holder(body, &format!("{at}/requestBody"));
            }
            match op.get("responses") {
                Some(responses) => {
                    if let Some(responses) = self.object(responses, &format!("{at}/responses")) {
                        for (code, r) in responses {
                            if !code.starts_with("x-") {
                                self.content_holder(r, &format!("{at}/responses/{}", escape_segment(code)));
                            }
                        }
                    }
                }
                None => self.error(&at, "required member `responses` is missing".into()),
            }
        }
    }

    fn parameters(&mut self, params: &Value, at: &str) {
        match params {
            Value::Array(items) => {
                for (i, p) in items.iter().enumerate() {
                    self.parameter(p, &format!("{at}/{i}"));
                }
            }
            other => self.error(at, format!("expected an array of parameters, found {}", kind(other))),
        }
    }

    fn parameter(&mut self, p: &Value, at: &str) {
        let Some(p) = self.object(p, at) else { return };
        if Self::is_ref(p) {
            return;
        }
        for key in ["name", "in"] {
            match p.get(key) {
                Some(Value::String(_)) => {}
                Some(other) => self.error(&format!("{at}/{key}"), format!("expected a string, found {}", kind(other))),
                None => self.error(at, format!("required member `{key}` of a parameter is missing")),
            }
        }
        if let Some(s) = p.get("schema") {
            self.schema(s, &format!("{at}/schema"));
        }
        if let Some(content) = p.get("content") {
            self.content(content, &format!("{at}/content"));
        }
    }

    /// A request body, response or header: something with optional `content`.
    fn content_holder(&mut self, v: &Value, at: &str) {
        let Some(v) = self.object(v, at) else { return };
        if Self::is_ref(v) {
            return;
        }
        if let Some(content) = v.get("content") {
            self.content(content, &format!("{at}/content"));
        }
    }

    fn content(&mut self, content: &Value, at: &str) {
        let Some(content) = self.object(content, at) else { return };
        for (media, m) in content {
            let at = format!("{at}/{}", escape_segment(media));
            if let Some(m) = self.object(m, &at) {
                if let Some(s) = m.get("schema") {
                    self.schema(s, &format!("{at}/schema"));
                }
            }
        }
    }

    fn schema(&mut self, s: &Value, at: &str) {
        let s = match s {
            Value::Object(m) => m,
            other => {
                self.error(at, format!("expected a schema object or a `$ref`, found {}", kind(other)));
                return;
            }
        };
        if let Some(Value::String(_)) = s.get("$ref") {
            return;
        }
        match s.get("type") {
            None => {}
            Some(Value::String(t)) if SCHEMA_TYPES.contains(&t.as_str()) => {}
            Some(Value::String(t)) => self.error(&format!("{at}/type"), format!("unknown schema type `{t}`")),
            Some(other) => self.error(&format!("{at}/type"), format!("expected a type name, found {}", kind(other))),
        }
        if let Some(props) = s.get("properties") {
            if let Some(props) = self.object(props, &format!("{at}/properties")) {
                for (name, p) in props {
                    self.schema(p, &format!("{at}/properties/{}", escape_segment(name)));
                }
            }
        }
        if let Some(items) = s.get("items") {
            self.schema(items, &format!("{at}/items"));
        }
        match s.get("additionalProperties") {
            None | Some(Value::Bool(_)) => {}
            Some(other) => self.schema(other, &format!("{at}/additionalProperties")),
        }
        if let Some(not) = s.get("not") {
            self.schema(not, &format!("{at}/not"));
        }
        for key in ["allOf", "oneOf", "anyOf"] {
            match s.get(key) {
                None => {}
                Some(Value::Array(members)) => {
                    for (i, m) in members.iter().enumerate() {
                        self.schema(m, &format!("{at}/{key}/{i}"));
                    }
                }
                Some(other) => {
                    self.error(&format!("{at}/{key}"), format!("expected an array of schemas, found {}", kind(other)))
                }
            }
        }
        match s.get("required") {
            None => {}
            Some(Value::Array(names)) if names.iter().all(Value::is_string) => {}
            Some(_) => self.error(&format!("{at}/required"), "expected an array of property names".into()),
        }
        match s.get("enum") {
            None | Some(Value::Array(_)) => {}
            Some(other) => {
                self.error(&format!("{at}/enum"), format!("expected an array of values, found {}", kind(other)))
            }
        }
        for key in ["minItems", "maxItems", "minLength", "maxLength", "minProperties", "maxProperties"] {
            match s.get(key) {
                None => {}
                Some(v) if v.as_u64().is_some() => {}
                Some(other) => {
                    self.error(&format!("{at}/{key}"), format!("expected a non-negative integer, found {other}"))
                }
            }
        }
        for key in ["minimum", "maximum", "multipleOf"] {
            match s.get(key) {
                None | Some(Value::Number(_)) => {}
                Some(other) => self.error(&format!("{at}/{key}"), format!("expected a number, found {}", kind(other))),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reports_exact_pointers() {
        let doc = json!({
            "openapi": "3.0.3", "info": {},
            "paths": {"/events/bulk": {"post": {
                "requestBody": {"content": {"application/json": {"schema": 42}}},
                "responses": {"200": {"description": "ok"}}
            }}},
            "components": {"schemas": {"A": {"type": "object", "properties": {"x": {"type": "strin"}}, "maxItems": -1}}}
        });
        let errors = check("f.yaml", &doc);
        let pointers: Vec<_> = errors.iter().map(|d| d.pointer.as_str()).collect();
        assert_eq!(
            pointers,
            [
                "#/paths/~1events~1bulk/post/requestBody/content/application~1json/schema",
                "#/components/schemas/A/properties/x/type",
                "#/components/schemas/A/maxItems"
            ]
        );
    }
}
