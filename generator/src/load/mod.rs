//! Load: read a YAML or JSON document, check its references, and deserialize it into the
//! OpenAPI 3.0 model. Every problem is a [`Diagnostic`] naming the file and the JSON pointer.

use std::path::Path;

use serde_json::Value;

use crate::diag::{escape_segment, Diagnostic, GenerateError};

mod normalize;
mod pointer;
mod repair;
mod shape;
mod tree;

pub use pointer::resolve_pointer;

/// A loaded document: the typed model plus the raw JSON tree it came from (for pointers and
/// vendor extensions), and the warnings collected on the way.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The file name used in diagnostics.
    pub file: String,
    /// The document in the OpenAPI 3.0 model (3.1 input is normalized first).
    pub doc: openapiv3::OpenAPI,
    /// The normalized JSON tree the model was read from.
    pub raw: Value,
    /// Warnings: constructs dropped or approximated while loading.
    pub warnings: Vec<Diagnostic>,
}

/// Reads and loads a spec file. `display_name` is how diagnostics name it.
pub fn load_file(path: &Path, display_name: &str) -> Result<Loaded, GenerateError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        GenerateError::single(Diagnostic::error(display_name, "", format!("cannot read the spec: {e}")))
    })?;
    load_str(display_name, &text)
}

/// Loads a spec from text. JSON is recognised by its first non-blank character.
pub fn load_str(file: &str, text: &str) -> Result<Loaded, GenerateError> {
    let mut raw = parse_tree(file, text)?;
    let mut warnings = Vec::new();
    if let Some(at) = too_deep(&raw, 0, &mut String::from("#")) {
        return Err(GenerateError::single(Diagnostic::error(
            file,
            at,
            format!("the document nests deeper than {MAX_NESTING} levels here; the generator refuses such input"),
        )));
    }
    let version = raw.get("openapi").and_then(Value::as_str).map(str::to_owned);
    match version.as_deref() {
        Some(v) if v.starts_with("3.0") => {}
        Some(v) if v.starts_with("3.1") => normalize::from_3_1(file, &mut raw, &mut warnings),
        Some(v) => {
            return Err(GenerateError::single(Diagnostic::error(
                file,
                "#/openapi",
                format!("OpenAPI version {v} is not supported; use 3.0.x or 3.1.x"),
            )))
        }
        None if raw.get("swagger").is_some() => {
            return Err(GenerateError::single(Diagnostic::error(
                file,
                "#/swagger",
                "Swagger 2.0 documents are not supported; convert the document to OpenAPI 3 first",
            )))
        }
        None => {
            return Err(GenerateError::single(Diagnostic::error(
                file,
                "#",
                "not an OpenAPI document: the `openapi` version field is missing",
            )))
        }
    }
    warnings.extend(repair::repair(file, &mut raw));
    // A node of the wrong shape costs the item it is in (an operation, a path, a component),
    // with a warning at its pointer; only one outside every item is fatal.
    let errors: Vec<Diagnostic> = shape::check(file, &raw)
        .into_iter()
        .filter_map(|e| match degrade(&mut raw, &e.pointer) {
            Some(what) => {
                warnings.push(Diagnostic::warning(file, e.pointer.clone(), format!("{}; {what}", e.message)));
                None
            }
            None => Some(e),
        })
        .collect();
    if !errors.is_empty() {
        let mut diagnostics = errors;
        diagnostics.extend(warnings);
        return Err(GenerateError { diagnostics });
    }
    // What the repair leaves are references in places the generator does not read (examples,
    // links, callbacks): reported, never fatal.
    check_refs(file, &raw, &raw, &mut String::from("#"), false, &mut warnings);
    // A component schema the typed model still cannot read costs that schema only: it becomes
    // any JSON value and the document is read again.
    let mut attempts = 0;
    let doc = loop {
        match deserialize(file, &raw) {
            Ok(doc) => break doc,
            Err(e) => {
                let d = &e.diagnostics[0];
                let schema =
                    d.pointer.strip_prefix("#/components/schemas/").map(|rest| rest.split('/').next().unwrap_or(""));
                let slot = schema.and_then(|name| {
                    let name = name.replace("~1", "/").replace("~0", "~");
                    raw.get_mut("components")?.get_mut("schemas")?.get_mut(&name)
                });
                if attempts >= 256 {
                    return Err(e);
                }
                attempts += 1;
                match slot {
                    Some(slot) => {
                        *slot = Value::Object(serde_json::Map::new());
                        let at = format!("#/components/schemas/{}", schema.unwrap_or(""));
                        warnings.push(Diagnostic::warning(
                            file,
                            at,
                            format!("{}; the schema is typed as any JSON value", d.message),
                        ));
                    }
                    None => match locate(&raw, &d.pointer).and_then(|at| Some((degrade(&mut raw, &at)?, at))) {
                        Some((what, at)) => {
                            warnings.push(Diagnostic::warning(file, at, format!("{}; {what}", d.message)));
                        }
                        None => return Err(e),
                    },
                }
            }
        }
    };
    Ok(Loaded { file: file.to_owned(), doc, raw, warnings })
}

/// Where under `pointer` the typed model fails, as deep as it can tell: serde loses the
/// position inside the untagged `$ref`-or-object enums, so a failure in one path item (or one
/// component) is reported at `#/paths` (or its section). Each item is read on its own to find
/// the one that fails, and where in it. `pointer` itself when it is already inside an item.
fn locate(raw: &Value, pointer: &str) -> Option<String> {
    use openapiv3::{Parameter, PathItem, ReferenceOr, RequestBody, Response, Schema, SecurityScheme};
    fn first_failure<T: serde::de::DeserializeOwned>(map: &Value, at: &str) -> Option<String> {
        map.as_object()?.iter().filter(|(k, _)| !k.starts_with("x-")).find_map(|(name, v)| {
            // Read as the object itself (not as the untagged `$ref`-or-object) to keep the position.
            let path = if v.get("$ref").is_some() {
                serde_path_to_error::deserialize::<_, ReferenceOr<T>>(v).err()?.path().clone()
            } else {
                serde_path_to_error::deserialize::<_, T>(v).err()?.path().clone()
            };
            Some(format!("{at}/{}{}", escape_segment(name), path_pointer(&path)))
        })
    }
    match pointer {
        "#/paths" => first_failure::<PathItem>(raw.get("paths")?, pointer),
        "#/components/responses" => first_failure::<Response>(raw.get("components")?.get("responses")?, pointer),
        "#/components/requestBodies" => {
            first_failure::<RequestBody>(raw.get("components")?.get("requestBodies")?, pointer)
        }
        "#/components/parameters" => first_failure::<Parameter>(raw.get("components")?.get("parameters")?, pointer),
        "#/components/securitySchemes" => {
            first_failure::<SecurityScheme>(raw.get("components")?.get("securitySchemes")?, pointer)
        }
        "#/components/schemas" => first_failure::<Schema>(raw.get("components")?.get("schemas")?, pointer),
        _ => Some(pointer.to_owned()),
    }
}

/// The JSON pointer suffix (`/post/requestBody`) of a path `serde_path_to_error` tracked.
fn path_pointer(path: &serde_path_to_error::Path) -> String {
    let mut pointer = String::new();
    for segment in path.iter() {
        use serde_path_to_error::Segment;
        match segment {
            Segment::Map { key } => {
                pointer.push('/');
                pointer.push_str(&escape_segment(key));
            }
            Segment::Seq { index } => pointer.push_str(&format!("/{index}")),
            Segment::Enum { .. } | Segment::Unknown => {}
        }
    }
    pointer
}

/// Takes the item holding the node at `pointer` out of the document (an operation, a path
/// item, a component response or request body, which becomes an empty one), and says what
/// was done; `None` when the node is in no such item, or the item is already gone.
fn degrade(raw: &mut Value, pointer: &str) -> Option<&'static str> {
    const METHODS: [&str; 8] = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];
    let segments: Vec<String> =
        pointer.strip_prefix("#/")?.split('/').map(|s| s.replace("~1", "/").replace("~0", "~")).collect();
    match segments.as_slice() {
        [paths, path, method, ..] if paths == "paths" && METHODS.contains(&method.as_str()) => {
            let item = raw.get_mut("paths")?.get_mut(path.as_str())?.as_object_mut()?;
            item.remove(method.as_str())?;
            Some("the operation is left out")
        }
        [paths, path, ..] if paths == "paths" => {
            raw.get_mut("paths")?.as_object_mut()?.remove(path.as_str())?;
            Some("the path and its operations are left out")
        }
        [components, kind, name, ..] if components == "components" => {
            let section = raw.get_mut("components")?.get_mut(kind.as_str())?;
            if ["securitySchemes", "examples", "links", "callbacks"].contains(&kind.as_str()) {
                section.as_object_mut()?.remove(name.as_str())?;
                return Some("the component is left out");
            }
            let slot = section.get_mut(name.as_str())?;
            // References to it still resolve: a stand-in takes its place.
            let (stand_in, what) = match kind.as_str() {
                "parameters" => (
                    serde_json::json!({"name": slot.get("name")?, "in": slot.get("in")?, "schema": {"type": "string"}}),
                    "the parameter is taken as a string",
                ),
                "headers" => (serde_json::json!({"schema": {}}), "the header is read as any value"),
                "responses" => (serde_json::json!({"description": ""}), "the response is read as having no body"),
                "requestBodies" => (serde_json::json!({"content": {}}), "the request body is sent as none"),
                "schemas" => (serde_json::json!({}), "the schema is typed as any JSON value"),
                _ => return None,
            };
            if *slot == stand_in {
                return None;
            }
            *slot = stand_in;
            Some(what)
        }
        _ => None,
    }
}

fn parse_tree(file: &str, text: &str) -> Result<Value, GenerateError> {
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    if trimmed.starts_with('{') {
        serde_json::from_str(trimmed).map_err(|e| {
            GenerateError::single(Diagnostic::error(
                file,
                "",
                // serde_json's message ends with the line and column.
                format!("invalid JSON: {e}"),
            ))
        })
    } else {
        serde_yaml::from_str::<tree::Tree>(trimmed).map(|t| t.0).map_err(|e| {
            // serde_yaml's message ends with the line and column.
            GenerateError::single(Diagnostic::error(file, "", format!("invalid YAML: {e}")))
        })
    }
}

/// How deep a document may nest. Real specs stay far below; the limit bounds every recursion of
/// the later stages (the typed model's deserializer recurses several frames per level), so no
/// input can overflow the stack of a thread with the default 2 MiB.
pub const MAX_NESTING: usize = 64;

/// The pointer of the first node nested deeper than [`MAX_NESTING`], if any.
fn too_deep(node: &Value, depth: usize, at: &mut String) -> Option<String> {
    if depth > MAX_NESTING {
        return Some(at.clone());
    }
    match node {
        Value::Object(map) => map.iter().find_map(|(k, v)| {
            let len = at.len();
            at.push('/');
            at.push_str(&escape_segment(k));
            let found = too_deep(v, depth + 1, at);
            at.truncate(len);
            found
        }),
        Value::Array(items) => items.iter().enumerate().find_map(|(i, v)| {
            let len = at.len();
            at.push_str(&format!("/{i}"));
            let found = too_deep(v, depth + 1, at);
            at.truncate(len);
            found
        }),
        _ => None,
    }
}

/// Reports references that cannot be followed. `property_map` is set on the `properties`
/// member of a schema, whose keys are property names: a property may be named `$ref`.
fn check_refs(
    file: &str,
    root: &Value,
    node: &Value,
    at: &mut String,
    property_map: bool,
    warnings: &mut Vec<Diagnostic>,
) {
    match node {
        Value::Object(map) => {
            if let Some(r) = map.get("$ref").filter(|_| !property_map) {
                let len = at.len();
                at.push_str("/$ref");
                let problem = match r.as_str() {
                    None => Some("`$ref` must be a string".to_owned()),
                    Some(target) if !target.starts_with('#') => Some(format!(
                        "external reference `{target}` is not supported; bundle the document into one file first"
                    )),
                    Some(target) if resolve_pointer(root, target).is_none() => {
                        Some(format!("unresolved reference `{target}`: nothing exists at that pointer"))
                    }
                    Some(_) => None,
                };
                if let Some(problem) = problem {
                    warnings.push(Diagnostic::warning(file, at.clone(), format!("{problem}; ignored")));
                }
                at.truncate(len);
            }
            for (k, v) in map {
                // Examples, defaults, enums and extensions are data: a `$ref` key there is no reference.
                if !property_map && is_data(at, k) {
                    continue;
                }
                let len = at.len();
                at.push('/');
                at.push_str(&escape_segment(k));
                check_refs(file, root, v, at, !property_map && k == "properties", warnings);
                at.truncate(len);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                let len = at.len();
                at.push_str(&format!("/{i}"));
                check_refs(file, root, v, at, false, warnings);
                at.truncate(len);
            }
        }
        _ => {}
    }
}

/// Whether a member named `key` (of an object that is not a property map) holds data rather
/// than document structure.
fn is_data(at: &str, key: &str) -> bool {
    let parent = at.rsplit('/').next().unwrap_or("");
    let grandparent = at.rsplit('/').nth(1).unwrap_or("");
    match key {
        "example" | "enum" | "const" => true,
        "default" => parent != "responses",
        "value" => grandparent == "examples",
        _ => key.starts_with("x-"),
    }
}

fn deserialize(file: &str, raw: &Value) -> Result<openapiv3::OpenAPI, GenerateError> {
    // Tracking the path costs about half the time of reading the document: it is taken only to
    // say where a document that does not fit went wrong.
    if let Ok(doc) = <openapiv3::OpenAPI as serde::Deserialize>::deserialize(raw) {
        return Ok(doc);
    }
    let result: Result<openapiv3::OpenAPI, _> = serde_path_to_error::deserialize(raw);
    result.map_err(|e| {
        let pointer = format!("#{}", path_pointer(e.path()));
        let inner = e.into_inner().to_string();
        let message = if inner.contains("did not match any variant of untagged enum ReferenceOr") {
            "expected a schema object or a `$ref`, found something else".to_owned()
        } else {
            format!("does not fit the OpenAPI 3.0 model: {inner}")
        };
        GenerateError::single(Diagnostic::error(file, pointer, message))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_syntax_error_names_line() {
        let err = load_str("bad.yaml", "openapi: 3.0.3\ninfo: [unclosed\n").unwrap_err();
        let text = err.to_string();
        assert!(text.contains("bad.yaml") && text.contains("invalid YAML") && text.contains("line"), "{text}");
    }

    #[test]
    fn a_node_of_the_wrong_shape_costs_its_item_or_its_member_only() {
        let spec = r##"
openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /a:
    get:
      responses: {"200": {description: ok, content: "oops"}}
  /b:
    get:
      tags: billing
      servers: "http://x"
      responses: {"200": {$ref: "#/components/responses/Bad"}}
  /c:
    post:
      security: {key: []}
      requestBody:
        content:
          application/json:
            schema: {type: string}
            examples: [1, 2]
      responses: {"204": {description: ok}}
  /d:
    get:
      callbacks: []
      parameters:
        - {name: q, in: query, schema: {type: string}, style: 3}
        - $ref: "#/components/parameters/Page"
      responses: {"204": {description: ok}}
components:
  parameters:
    Page: {name: page, in: query, schema: {type: integer}, allowReserved: "yes"}
  responses:
    Bad: {description: 5, content: {application/json: {schema: {type: string}}}, links: 1}
  securitySchemes:
    weird: {type: oauth2, flows: "none"}
"##;
        let loaded = load_str("s.yaml", spec).unwrap();
        let warned: Vec<(&str, &str)> =
            loaded.warnings.iter().map(|w| (w.pointer.as_str(), w.message.as_str())).collect();
        let at = |p: &str| {
            warned.iter().find(|(w, _)| *w == p).map(|(_, m)| *m).unwrap_or_else(|| panic!("{p} in {warned:#?}"))
        };
        assert!(at("#/paths/~1a/get/responses/200/content").ends_with("the operation is left out"));
        assert!(at("#/paths/~1b/get/tags").contains("read as a list of one"));
        assert!(at("#/paths/~1b/get/servers").ends_with("ignored"));
        assert!(at("#/paths/~1c/post/security").ends_with("ignored"));
        assert!(at("#/paths/~1c/post/requestBody/content/application~1json/examples").ends_with("ignored"));
        assert!(at("#/paths/~1d/get/callbacks").ends_with("ignored"));
        assert!(at("#/paths/~1d/get/parameters/0/style").ends_with("ignored"));
        assert!(at("#/components/responses/Bad/description").contains("should be text"));
        assert!(at("#/components/responses/Bad/links").ends_with("ignored"));
        assert!(at("#/components/securitySchemes/weird").ends_with("the component is left out"));
        assert!(at("#/components/parameters/Page").ends_with("the parameter is taken as a string"));
        let page = &loaded.doc.components.as_ref().unwrap().parameters["Page"];
        assert_eq!(page.as_item().unwrap().parameter_data_ref().name, "page", "references to it still resolve");
        let paths = &loaded.doc.paths.paths;
        let kept: Vec<(&str, usize)> =
            paths.iter().map(|(p, i)| (p.as_str(), i.as_item().unwrap().iter().count())).collect();
        assert_eq!(kept, [("/a", 0), ("/b", 1), ("/c", 1), ("/d", 1)], "only /a's operation is left out");
        assert_eq!(loaded.doc.paths.paths["/b"].as_item().unwrap().get.as_ref().unwrap().tags, ["billing"]);
    }

    #[test]
    fn a_misfit_the_shape_check_does_not_know_is_found_in_its_item() {
        // `deprecated` as text inside a `$ref`-or-object: the typed model alone says `#/paths`.
        let spec = r##"
openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /ok:
    get: {responses: {"204": {description: ok}}}
  /odd:
    get:
      responses:
        "200":
          description: ok
          content: {application/json: {schema: {type: string}, encoding: {a: {contentType: 7}}}}
"##;
        let loaded = load_str("s.yaml", spec).unwrap();
        let w = &loaded.warnings[0];
        assert!(w.pointer.starts_with("#/paths/~1odd/get"), "{w:?}");
        assert!(w.message.ends_with("the operation is left out"), "{w:?}");
        assert_eq!(loaded.doc.paths.paths.len(), 2);
        assert!(loaded.doc.paths.paths["/ok"].as_item().unwrap().get.is_some());
    }

    #[test]
    fn a_misfit_outside_every_item_is_still_refused() {
        let err = load_str("s.yaml", "openapi: 3.0.3\ninfo: [1]\npaths: {}\n").unwrap_err();
        assert_eq!(err.diagnostics[0].pointer, "#/info", "{err}");
    }

    #[test]
    fn unresolved_ref_degrades_to_any_value_with_its_pointer() {
        let spec = r##"
openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /events/bulk:
    post:
      requestBody:
        content:
          application/json:
            schema: {$ref: "#/components/schemas/Missing"}
      responses: {"200": {description: ok}}
"##;
        let loaded = load_str("s.yaml", spec).unwrap();
        let d = &loaded.warnings[0];
        assert_eq!(d.pointer, "#/paths/~1events~1bulk/post/requestBody/content/application~1json/schema/$ref");
        assert!(d.message.contains("#/components/schemas/Missing"), "{}", d.message);
        let schema =
            &loaded.raw["paths"]["/events/bulk"]["post"]["requestBody"]["content"]["application/json"]["schema"];
        assert_eq!(schema, &serde_json::json!({}));
    }

    #[test]
    fn wrong_type_where_schema_expected_degrades_with_its_pointer() {
        let spec = r##"
openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /events:
    post:
      requestBody:
        content:
          application/json:
            schema: 42
      responses: {"200": {description: ok}}
"##;
        let loaded = load_str("s.yaml", spec).unwrap();
        let d = &loaded.warnings[0];
        assert_eq!(d.pointer, "#/paths/~1events/post/requestBody/content/application~1json/schema");
        assert!(d.message.contains("found a number"), "{}", d.message);
    }

    #[test]
    fn a_property_named_ref_is_a_property_not_a_reference() {
        let spec = r##"
openapi: 3.1.0
info: {title: t, version: "1"}
components:
  schemas:
    Member:
      type: object
      properties:
        value: {type: string}
        $ref: {type: string, description: The URI of the member}
"##;
        let loaded = load_str("s.yaml", spec).unwrap();
        assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
        let member = &loaded.raw["components"]["schemas"]["Member"]["properties"];
        assert_eq!(member["$ref"]["type"], "string");
    }

    #[test]
    fn integer_bounds_beyond_i64_load_from_yaml_and_json() {
        let yaml = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\ncomponents:\n  schemas:\n    N: {type: integer, format: int64, minimum: -9223372036854776000, maximum: 9223372036854776000}\n";
        let json = r#"{"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {}, "components": {"schemas": {"N": {"type": "integer", "minimum": -9223372036854776000}}}}"#;
        for (name, text) in [("s.yaml", yaml), ("s.json", json)] {
            let loaded = load_str(name, text).unwrap();
            let Some(openapiv3::ReferenceOr::Item(s)) = loaded.doc.components.as_ref().unwrap().schemas.get("N") else {
                panic!("{name}: N is missing")
            };
            let openapiv3::SchemaKind::Type(openapiv3::Type::Integer(int)) = &s.schema_kind else {
                panic!("{name}: N is not read as an integer schema: {s:?}")
            };
            assert_eq!(int.minimum, Some(i64::MIN), "{name}");
        }
    }

    #[test]
    fn swagger_two_is_refused_clearly() {
        let err = load_str("s.json", r#"{"swagger": "2.0"}"#).unwrap_err();
        assert!(err.to_string().contains("Swagger 2.0"));
    }
}
