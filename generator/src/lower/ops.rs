//! Lowering of operations: parameters, request bodies and responses.

use std::collections::BTreeSet;

use heck::ToUpperCamelCase;
use openapiv3::{
    MediaType, Parameter, ParameterSchemaOrContent, QueryStyle as SpecQueryStyle, ReferenceOr, RequestBody as SpecBody,
    Response, StatusCode,
};

use super::names::{self, Names};
use super::schemas::{clean_text, constraints_of, wrap_nullable, Lowerer};
use super::view::View;
use crate::diag::{join, pointer};
use crate::ir::*;

#[allow(clippy::too_many_arguments)]
pub(super) fn operation(
    l: &mut Lowerer,
    rust_name: &str,
    method: &str,
    path: &str,
    path_params: &[ReferenceOr<Parameter>],
    op: &openapiv3::Operation,
    tag: usize,
    at: &str,
    param_struct_names: &mut Names,
) -> (Operation, Vec<String>) {
    let camel = rust_name.to_upper_camel_case();
    // Parameters: the operation's override the path item's of the same name and location.
    let mut specs: Vec<(Parameter, String)> = Vec::new();
    for (list, base) in
        [(path_params, pointer(["paths", path, "parameters"])), (&op.parameters[..], join(at, "parameters"))]
    {
        for (i, p) in list.iter().enumerate() {
            let p_at = format!("{base}/{i}");
            match l.resolve(p, &p_at) {
                Ok(p) => {
                    let p = p.into_owned();
                    specs.retain(|(q, _)| {
                        !(q.parameter_data_ref().name == p.parameter_data_ref().name && same_location(q, &p))
                    });
                    specs.push((p, p_at));
                }
                Err(d) => l.diagnostics.push(d),
            }
        }
    }
    let mut param_names = Names::with_reserved(["body", "params", "self"]);
    let mut params = Vec::new();
    for (p, p_at) in &mut specs {
        if let openapiv3::Parameter::Path { parameter_data, .. } = p {
            let name = &parameter_data.name;
            if !path.contains(&format!("{{{name}}}")) {
                // The path has no place for it. Descriptions that do this (generated ones,
                // mostly) mean a query parameter; left out, the operation could not be called.
                l.warn(
                    p_at,
                    format!("path parameter `{name}` is not in the path `{path}`; it is sent as a query parameter"),
                );
                let parameter_data = parameter_data.clone();
                *p = openapiv3::Parameter::Query {
                    parameter_data,
                    allow_reserved: false,
                    style: openapiv3::QueryStyle::Form,
                    allow_empty_value: None,
                };
            }
        }
        if let Some(param) = parameter(l, p, p_at, &camel, &mut param_names) {
            params.push(param);
        }
    }
    // Path parameters in template order first; then the others in spec order.
    let order = |p: &Param| match p.location {
        ParamLocation::Path => path.find(&format!("{{{}}}", p.wire_name)).unwrap_or(usize::MAX),
        _ => usize::MAX,
    };
    params.sort_by_key(|p| (p.location != ParamLocation::Path, order(p)));
    for seg in path.split('/').filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}'))) {
        if !params.iter().any(|p| p.location == ParamLocation::Path && p.wire_name == seg) {
            l.warn(at, format!("path parameter `{seg}` is not declared; it is taken as a required string"));
            params.insert(
                params.iter().filter(|p| p.location == ParamLocation::Path).count(),
                Param {
                    rust_name: param_names.unique(&names::snake_ident(seg)),
                    wire_name: seg.to_owned(),
                    location: ParamLocation::Path,
                    required: true,
                    ty: TypeRef::String,
                    style: QueryStyle::FormExploded,
                    description: None,
                    constraints: Constraints::default(),
                    example: None,
                    deprecated: false,
                },
            );
        }
    }
    let params_struct = params
        .iter()
        .any(|p| !p.required)
        .then(|| param_struct_names.unique(&names::type_name(&format!("{camel}Params"))));
    let body = op.request_body.as_ref().and_then(|b| request_body(l, b, &camel, &join(at, "requestBody")));
    let (success, response, response_encoding, response_content_type, response_description, example, errors) =
        responses(l, &op.responses, &camel, &join(at, "responses"));
    let security = op
        .security
        .as_ref()
        .or(l.doc.security.as_ref())
        .map(|reqs| {
            let mut names: Vec<String> = Vec::new();
            for req in reqs {
                for k in req.keys() {
                    if !names.contains(k) {
                        names.push(k.clone());
                    }
                }
            }
            names
        })
        .unwrap_or_default();
    let op = Operation {
        rust_name: rust_name.to_owned(),
        operation_id: op.operation_id.clone(),
        method: method.to_ascii_uppercase(),
        path: path.to_owned(),
        tag,
        summary: op.summary.as_deref().map(clean_text),
        description: op.description.as_deref().map(clean_text),
        deprecated: op.deprecated,
        pointer: at.to_owned(),
        params,
        params_struct,
        body,
        success,
        response,
        response_encoding,
        response_content_type,
        response_description,
        response_example: example.0,
        response_example_pointer: example.1,
        response_example_problem: None,
        errors,
        // Indexes into the schemes, once they are known (`lower_api`).
        security: Vec::new(),
    };
    (op, security)
}

fn same_location(a: &Parameter, b: &Parameter) -> bool {
    std::mem::discriminant(a) == std::mem::discriminant(b)
}

fn parameter(l: &mut Lowerer, p: &Parameter, at: &str, op_camel: &str, seen: &mut Names) -> Option<Param> {
    let data = p.parameter_data_ref();
    // OpenAPI has these three header parameters ignored: the media types come from the body
    // and the responses, credentials from the security schemes.
    if matches!(p, Parameter::Header { .. })
        && ["content-type", "accept", "authorization"].iter().any(|h| data.name.eq_ignore_ascii_case(h))
    {
        let what = if data.name.eq_ignore_ascii_case("authorization") {
            "credentials come from the security schemes (or `ClientBuilder::default_header`)"
        } else if data.name.eq_ignore_ascii_case("accept") {
            "the media type is the SDK's to ask for (a `default_header` or a call's `header` can set it)"
        } else {
            "the SDK sets it from the request body's media type"
        };
        l.note(at, format!("header parameter `{}` is ignored, as OpenAPI says: {what}", data.name));
        return None;
    }
    let (location, style) = match p {
        Parameter::Path { .. } => (ParamLocation::Path, QueryStyle::FormCommas),
        Parameter::Header { .. } => (ParamLocation::Header, QueryStyle::FormCommas),
        Parameter::Cookie { .. } => (ParamLocation::Cookie, QueryStyle::FormCommas),
        Parameter::Query { style, .. } => {
            let explode = data.explode.unwrap_or(matches!(style, SpecQueryStyle::Form));
            let style = match style {
                SpecQueryStyle::Form if explode => QueryStyle::FormExploded,
                SpecQueryStyle::Form => QueryStyle::FormCommas,
                SpecQueryStyle::SpaceDelimited => QueryStyle::Delimited(' '),
                SpecQueryStyle::PipeDelimited => QueryStyle::Delimited('|'),
                SpecQueryStyle::DeepObject => QueryStyle::DeepObject,
            };
            (ParamLocation::Query, style)
        }
    };
    let hint = format!("{op_camel}{}", data.name.to_upper_camel_case());
    let (ty, constraints, example) = match &data.format {
        ParameterSchemaOrContent::Schema(s) => {
            let lowered = l.lower_ref(s, &hint, &join(at, "schema"));
            let (constraints, example) = match s {
                ReferenceOr::Item(schema) => {
                    let v = super::view::View::of(schema);
                    (constraints_of(&v), v.example.cloned())
                }
                ReferenceOr::Reference { .. } => (Constraints::default(), None),
            };
            (lowered.ty, constraints, example)
        }
        ParameterSchemaOrContent::Content(_) => {
            l.warn(at, "parameter with `content` is sent as a string");
            (TypeRef::String, Constraints::default(), None)
        }
    };
    // An object in the query, exploded (the default), is its fields.
    let exploded_object = location == ParamLocation::Query
        && style == QueryStyle::FormExploded
        && match &ty {
            TypeRef::Map(_) => true,
            TypeRef::Named(n) => matches!(l.def(*n).map(|t| &t.kind), Some(TypeKind::Struct { .. })),
            _ => false,
        };
    if !is_simple_param(l, &ty) && style != QueryStyle::DeepObject && !exploded_object {
        l.warn(at, format!("parameter `{}` ({}) cannot be serialized; it is sent as JSON text", data.name, shape(&ty)));
    }
    Some(Param {
        rust_name: seen.unique(&names::snake_ident(&data.name)),
        wire_name: data.name.clone(),
        location,
        required: data.required || location == ParamLocation::Path,
        ty,
        style,
        description: data.description.as_deref().map(clean_text),
        constraints,
        example: example.or_else(|| data.example.clone()),
        deprecated: data.deprecated.unwrap_or(false),
    })
}

/// What a parameter that is not simple is, in words (the Rust spelling of types is the
/// emitter's: `emit/types.rs`).
fn shape(ty: &TypeRef) -> &'static str {
    match ty {
        TypeRef::Vec(_) => "a list of items that are not plain values",
        TypeRef::Map(_) => "a map",
        TypeRef::Json => "any JSON",
        TypeRef::Bytes => "binary",
        _ => "an object",
    }
}

/// Whether a parameter's type has a text form (scalars, enums, unions and aliases of those, arrays
/// of them); an object parameter is sent as JSON text, which the API may not expect.
pub(crate) fn is_simple_param(l: &Lowerer, ty: &TypeRef) -> bool {
    match ty {
        TypeRef::Named(n) => !matches!(l.def(*n).map(|t| &t.kind), Some(TypeKind::Struct { .. })),
        TypeRef::Vec(inner) => !matches!(**inner, TypeRef::Vec(_)) && is_simple_param(l, inner),
        TypeRef::Map(_) | TypeRef::Json | TypeRef::Bytes => false,
        _ => true,
    }
}

fn is_json_media(media: &str) -> bool {
    let m = media.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    m == "application/json" || m.ends_with("+json") || m == "text/json" || m == "*/*" || m == "application/*"
}

/// Picks the media type the SDK uses: JSON first, then the other encodings it knows.
fn pick_media(content: &indexmap::IndexMap<String, MediaType>) -> Option<(&String, &MediaType)> {
    let rank = |m: &str| {
        let m = m.to_ascii_lowercase();
        if m.starts_with("application/json") {
            0
        } else if m.contains("+json") || m == "text/json" {
            1
        } else if m == "*/*" || m == "application/*" {
            2
        } else if m.starts_with("application/x-www-form-urlencoded") {
            3
        } else if m.starts_with("multipart/form-data") {
            4
        } else if m.starts_with("text/") {
            5
        } else {
            6
        }
    };
    content.iter().min_by_key(|(m, _)| rank(m))
}

/// A `*/*` body whose schema says bytes: a binary or byte string, none at all, or a list of
/// byte strings (springdoc's `byte[]`, a file, not JSON).
fn is_binary_schema(media: &MediaType) -> bool {
    let bytes = |v: &View| v.typ == Some("string") && matches!(v.format.as_deref(), Some("binary" | "byte"));
    match &media.schema {
        Some(ReferenceOr::Item(s)) => {
            let v = View::of(s);
            let byte_items = match v.items {
                Some(ReferenceOr::Item(i)) => View::of(i).format.as_deref() == Some("byte"),
                _ => false,
            };
            bytes(&v) || (v.typ == Some("array") && byte_items)
        }
        None => true,
        _ => false,
    }
}

/// Types the binary fields of `multipart/form-data` bodies as files (`FilePart`): a property
/// whose schema is a `format: binary` string (or a list of them) is sent as a part of its
/// own, with its bytes, a file name and a content type, instead of as text. Read from the
/// body schema's `properties` and those of its `allOf` members (through `$ref`s).
pub(super) fn type_file_fields(l: &mut Lowerer, operations: &[Operation]) {
    let bodies: BTreeSet<TypeId> = operations
        .iter()
        .filter_map(|o| o.body.as_ref())
        .filter(|b| b.encoding == BodyEncoding::Multipart)
        .filter_map(|b| match b.ty {
            TypeRef::Named(id) => Some(id),
            _ => None,
        })
        .collect();
    for id in bodies {
        let Some(def) = l.def(id) else { continue };
        let Some(schema) = l.deref_value::<openapiv3::Schema>(&def.pointer) else { continue };
        // Each binary field's wire name, and whether it holds a list of files. A field without
        // any schema is a file too: that is how a part is described that takes any content
        // (`file: {}`); a text value still goes as `FilePart::from(text)`.
        let mut untyped = Vec::new();
        let binary: Vec<(String, bool)> = match &def.kind {
            TypeKind::Struct { fields, .. } => fields
                .iter()
                .filter_map(|f| {
                    let p = l.property_schema(&schema, &f.wire_name, 0)?;
                    let p = l.unwrapped_schema(&ReferenceOr::Item(p))?;
                    if is_untyped(&View::of(&p)) {
                        untyped.push(f.wire_name.clone());
                        return Some((f.wire_name.clone(), false));
                    }
                    let list = match View::of(&p).items {
                        Some(items) => l.unwrapped_schema(items).is_some_and(|i| is_binary(&View::of(&i))),
                        None => false,
                    };
                    (list || is_binary(&View::of(&p))).then(|| (f.wire_name.clone(), list))
                })
                .collect(),
            _ => continue,
        };
        let at = def.pointer.clone();
        for name in untyped {
            l.warn(
                &format!("{at}/properties/{}", crate::diag::escape_segment(&name)),
                "a multipart field without a schema type is sent as a file (`FilePart`)",
            );
        }
        let Some(TypeDef { kind: TypeKind::Struct { fields, .. }, .. }) = l.types[id.index()].def.as_mut() else {
            continue;
        };
        for (f, list) in fields.iter_mut().filter_map(|f| {
            let list = binary.iter().find(|(n, _)| *n == f.wire_name)?.1;
            Some((f, list))
        }) {
            f.ty = if list { TypeRef::Vec(Box::new(TypeRef::File)) } else { TypeRef::File };
            // A file's length is not a string's: its bounds are left to the server.
            f.constraints = Constraints::default();
        }
    }
}

/// A schema that says nothing of its values: no type, no properties, no composition.
fn is_untyped(v: &View) -> bool {
    v.typ.is_none()
        && v.properties.is_none()
        && v.items.is_none()
        && v.additional.is_none()
        && v.all_of.is_empty()
        && v.one_of.is_empty()
        && v.any_of.is_empty()
        && v.string_enum.is_empty()
        && v.int_enum.is_empty()
        && !v.other_enum
        && !v.not
}

/// A `format: binary` string.
fn is_binary(v: &View) -> bool {
    v.typ == Some("string") && v.format.as_deref() == Some("binary")
}

fn request_body(l: &mut Lowerer, body: &ReferenceOr<SpecBody>, op_camel: &str, at: &str) -> Option<RequestBody> {
    let body = match l.resolve(body, at) {
        Ok(b) => b.into_owned(),
        Err(d) => {
            l.diagnostics.push(d);
            return None;
        }
    };
    let (media, mt) = pick_media(&body.content)?;
    let m_at = join(&join(at, "content"), media);
    let lower_schema = |l: &mut Lowerer, mt: &MediaType| match &mt.schema {
        Some(s) => wrap_nullable(l.lower_ref(s, &format!("{op_camel}Body"), &join(&m_at, "schema"))),
        None => TypeRef::Json,
    };
    let lower = media.to_ascii_lowercase();
    let (encoding, ty, content_type) = if is_json_media(&lower) && !(lower == "*/*" && is_binary_schema(mt)) {
        let ct = if lower == "*/*" || lower == "application/*" { "application/json".to_owned() } else { media.clone() };
        (BodyEncoding::Json, lower_schema(l, mt), ct)
    } else if lower.starts_with("application/x-www-form-urlencoded") {
        (BodyEncoding::Form, lower_schema(l, mt), media.clone())
    } else if lower.starts_with("multipart/form-data") {
        (BodyEncoding::Multipart, lower_schema(l, mt), media.clone())
    } else if lower.starts_with("text/") {
        (BodyEncoding::Text, TypeRef::String, media.clone())
    } else {
        let ct = if lower.contains('*') { "application/octet-stream".to_owned() } else { media.clone() };
        (BodyEncoding::Binary, TypeRef::Bytes, ct)
    };
    let (example, example_pointer) = media_example(mt, &m_at);
    Some(RequestBody {
        ty,
        encoding,
        spec_content_type: media.clone(),
        content_type,
        required: body.required,
        description: body.description.as_deref().map(clean_text),
        example,
        example_pointer,
        example_problem: None,
    })
}

type Responses = (
    Vec<u16>,
    TypeRef,
    ResponseEncoding,
    Option<String>,
    Option<String>,
    (Option<serde_json::Value>, String),
    Vec<OperationError>,
);

/// The example of a media type (at `at`): its own `example`, else the first of its
/// `examples`; with its pointer.
fn media_example(mt: &MediaType, at: &str) -> (Option<serde_json::Value>, String) {
    if let Some(e) = &mt.example {
        return (Some(e.clone()), join(at, "example"));
    }
    mt.examples
        .iter()
        .find_map(|(name, e)| match e {
            ReferenceOr::Item(e) => {
                e.value.clone().map(|v| (Some(v), join(&join(&join(at, "examples"), name), "value")))
            }
            ReferenceOr::Reference { .. } => None,
        })
        .unwrap_or_else(|| (None, at.to_owned()))
}

fn responses(l: &mut Lowerer, responses: &openapiv3::Responses, op_camel: &str, at: &str) -> Responses {
    let mut success = Vec::new();
    let mut chosen: Option<(TypeRef, ResponseEncoding, Option<String>)> = None;
    let mut description = None;
    let mut example = (None, String::new());
    let mut errors = Vec::new();
    for (code, r) in &responses.responses {
        let (codes, code_text): (Vec<u16>, String) = match code {
            StatusCode::Code(c) => (vec![*c], c.to_string()),
            StatusCode::Range(r) => (((*r * 100)..(*r * 100 + 100)).collect(), format!("{r}XX")),
        };
        let r_at = join(at, &code_text);
        let r: Response = match l.resolve(r, &r_at) {
            Ok(r) => r.into_owned(),
            Err(d) => {
                l.diagnostics.push(d);
                continue;
            }
        };
        let is_success = codes.iter().all(|c| (200..300).contains(c));
        if is_success {
            success.extend(codes.iter().copied());
            let decoded = response_type(l, &r, &format!("{op_camel}Response"), &r_at);
            match &chosen {
                None => {
                    description = Some(clean_text(&r.description)).filter(|d| !d.is_empty());
                    if let Some((media, mt)) = pick_media(&r.content) {
                        example = media_example(mt, &join(&join(&r_at, "content"), media));
                    }
                    chosen = Some(decoded);
                }
                Some(prev) if decoded.1 == ResponseEncoding::Empty || prev.0 == decoded.0 => {}
                Some(prev) if prev.1 == ResponseEncoding::Empty => chosen = Some(decoded),
                Some(_) => {
                    l.warn(&r_at, "success responses of different types; the body is decoded as any JSON value");
                    chosen = Some((TypeRef::Json, ResponseEncoding::Json, Some("application/json".into())));
                }
            }
        } else {
            let status = match code {
                StatusCode::Code(c) if *c >= 400 => ErrorStatus::Code(*c),
                StatusCode::Range(c @ (4 | 5)) => ErrorStatus::Class(*c),
                _ => continue,
            };
            errors.push(error_response(l, &r, status, &r_at));
        }
    }
    // `default` is the error of any status declared no other way; an operation without
    // success responses takes it as its success instead (read as any 2xx, below).
    if let Some(r) = responses.default.as_ref().filter(|_| !success.is_empty()) {
        let r_at = join(at, "default");
        match l.resolve(r, &r_at) {
            Ok(r) => {
                let r = r.into_owned();
                errors.push(error_response(l, &r, ErrorStatus::Default, &r_at));
            }
            Err(d) => l.diagnostics.push(d),
        }
    }
    if success.is_empty() {
        // Nothing declared: accept any 2xx and ignore its body.
        success = vec![200, 201, 202, 203, 204];
    }
    success.sort_unstable();
    success.dedup();
    let (ty, enc, ct) = chosen.unwrap_or((TypeRef::Unit, ResponseEncoding::Empty, None));
    (success, ty, enc, ct, description, example, errors)
}

/// A declared error response of `status`.
fn error_response(l: &mut Lowerer, r: &Response, status: ErrorStatus, at: &str) -> OperationError {
    let content_type = pick_media(&r.content).map(|(m, _)| m.clone());
    let hint = match status {
        ErrorStatus::Code(c) => format!("{}Body", names::status_name(c)),
        ErrorStatus::Class(4) => "ClientErrorBody".to_owned(),
        ErrorStatus::Class(_) => "ServerErrorBody".to_owned(),
        ErrorStatus::Default => "DefaultErrorBody".to_owned(),
    };
    let (ty, enc, _) = response_type(l, r, &hint, at);
    let body = match enc {
        ResponseEncoding::Json => ty,
        ResponseEncoding::Empty => TypeRef::Unit,
        _ => TypeRef::String,
    };
    OperationError {
        status,
        body,
        content_type,
        description: Some(clean_text(&r.description)).filter(|d| !d.is_empty()),
    }
}

fn response_type(l: &mut Lowerer, r: &Response, hint: &str, at: &str) -> (TypeRef, ResponseEncoding, Option<String>) {
    let Some((media, mt)) = pick_media(&r.content) else {
        return (TypeRef::Unit, ResponseEncoding::Empty, None);
    };
    let lower = media.to_ascii_lowercase();
    let m_at = join(&join(at, "content"), media);
    if is_json_media(&lower) && !(lower == "*/*" && is_binary_schema(mt)) {
        let ty = match &mt.schema {
            Some(s) => wrap_nullable(l.lower_ref(s, hint, &join(&m_at, "schema"))),
            None => TypeRef::Json,
        };
        (ty, ResponseEncoding::Json, Some(media.clone()))
    } else if lower.starts_with("text/") {
        (TypeRef::String, ResponseEncoding::Text, Some(media.clone()))
    } else {
        (TypeRef::Bytes, ResponseEncoding::Binary, Some(media.clone()))
    }
}
