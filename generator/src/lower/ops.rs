//! Lowering of servers, security, operations, errors and helpers.

use std::collections::BTreeMap;

use heck::{ToSnakeCase, ToUpperCamelCase};
use openapiv3::{
    MediaType, Parameter, ParameterSchemaOrContent, PathItem, QueryStyle as SpecQueryStyle, ReferenceOr,
    RequestBody as SpecBody, Response, SecurityScheme as SpecScheme, StatusCode,
};

use super::aliases;
use super::graph;
use super::names::{self, Names};
use super::schemas::{clean_text, constraints_of, env_name, wrap_nullable, Lowerer};
use crate::diag::{join, pointer};
use crate::ir::*;

pub(crate) fn lower_api(l: &mut Lowerer) -> Api {
    let doc = l.doc;
    let crate_name = l
        .config
        .package
        .name
        .clone()
        .unwrap_or_else(|| names::snake_ident(&doc.info.title).trim_matches('_').to_owned());
    let package = Package {
        name: crate_name.clone(),
        version: l.config.package.version.clone(),
        description: l
            .config
            .package
            .description
            .clone()
            .unwrap_or_else(|| format!("Rust client for {}.", doc.info.title.trim())),
        license: l.config.package.license.clone(),
        repository: l.config.package.repository.clone(),
        homepage: l.config.package.homepage.clone(),
        documentation: l.config.package.documentation.clone(),
        keywords: l.config.package.keywords.clone(),
        categories: l.config.package.categories.clone(),
        publish: l.config.package.publish,
        env_prefix: l.config.client.env_prefix.clone().unwrap_or_else(|| env_name(&crate_name)),
        regen_command: l.config.output.regen_command.clone(),
        standalone: l.config.output.standalone,
        spec_sha256: String::new(),
        generator_version: crate::ir::GENERATOR_VERSION.to_owned(),
    };
    let servers = servers(l);
    // Pinned method names (`[pins.operations]`) are taken first, so no derived name takes them.
    let pinned = l.config.pins.operation_keys();
    let mut op_names = Names::with_reserved(["new", "client", "core"]);
    for name in pinned.values() {
        op_names.unique(name);
    }
    let mut operations = Vec::new();
    let mut tag_index: BTreeMap<String, usize> = BTreeMap::new();
    let mut tag_order: Vec<String> = Vec::new();
    let mut param_struct_names = Names::default();
    for (path, item) in &doc.paths.paths {
        let at = pointer(["paths", path.as_str()]);
        let item: PathItem = match l.resolve(item, &at) {
            Ok(i) => i.into_owned(),
            Err(d) => {
                l.diagnostics.push(d);
                continue;
            }
        };
        for (method, op) in item.iter() {
            let op_at = join(&at, method);
            let tag = op.tags.first().cloned().unwrap_or_else(|| "default".to_owned());
            let tag_i = *tag_index.entry(tag.clone()).or_insert_with(|| {
                tag_order.push(tag.clone());
                tag_order.len() - 1
            });
            let base = match &op.operation_id {
                Some(id) => names::snake_ident(id),
                None => names::method_path_name(method, path),
            };
            let rust_name = match pinned.get(&(method.to_ascii_uppercase(), path.clone())) {
                Some(name) => name.clone(),
                None => op_names.unique(&base),
            };
            let lowered =
                operation(l, &rust_name, method, path, &item.parameters, op, tag_i, &op_at, &mut param_struct_names);
            operations.push(lowered);
        }
    }
    let security = security(l, &operations);
    let mut tags: Vec<Tag> = tag_order
        .iter()
        .enumerate()
        .map(|(i, name)| Tag {
            name: name.clone(),
            module: names::snake_ident(name),
            rust_name: names::type_name(name),
            description: doc
                .tags
                .iter()
                .find(|t| &t.name == name)
                .and_then(|t| t.description.as_deref())
                .map(clean_text),
            operations: operations.iter().enumerate().filter(|(_, o)| o.tag == i).map(|(j, _)| j).collect(),
        })
        .collect();
    dedupe_tags(&mut tags);
    let errors = error_variants(&operations);
    let bulk = bulk_helpers(l, &operations, &tags);
    let pagination = paginations(l, &operations);
    let cycles = aliases::break_cycles(l.file, &mut l.types);
    l.diagnostics.extend(cycles);
    graph::box_recursion(&mut l.types);
    graph::mark_flags(&mut l.types);
    Api {
        title: doc.info.title.trim().to_owned(),
        api_version: doc.info.version.clone(),
        description: doc.info.description.as_deref().map(clean_text),
        spec_file: l.file.to_owned(),
        package,
        servers,
        security,
        tags,
        operations,
        types: l.types.values().cloned().collect(),
        errors,
        bulk,
        pagination,
    }
}

fn dedupe_tags(tags: &mut [Tag]) {
    let mut modules = Names::with_reserved(["mod", "client", "error", "models", "operations", "runtime"]);
    let mut structs = Names::default();
    for t in tags.iter_mut() {
        // A tag named like a prelude item (`default`) must not shadow it in its module.
        if t.rust_name.ends_with("Model") && !t.name.to_upper_camel_case().ends_with("Model") {
            t.rust_name = format!("{}Operations", t.name.to_upper_camel_case());
        }
        t.module = modules.unique(&t.module);
        t.rust_name = structs.unique(&t.rust_name);
    }
}

fn servers(l: &mut Lowerer) -> Vec<Server> {
    let mut seen = Names::default();
    let mut out = Vec::new();
    for (i, s) in l.doc.servers.iter().enumerate() {
        let mut url = s.url.clone();
        if let Some(vars) = &s.variables {
            for (name, var) in vars {
                url = url.replace(&format!("{{{name}}}"), &var.default);
            }
        }
        let base = s
            .description
            .as_deref()
            .map(names::type_name)
            .filter(|n| n.len() <= 40)
            .unwrap_or_else(|| format!("Server{}", i + 1));
        out.push(Server { rust_name: seen.unique(&base), url, description: s.description.as_deref().map(clean_text) });
    }
    out
}

fn security(l: &mut Lowerer, operations: &[Operation]) -> Vec<SecurityScheme> {
    let mut used: Vec<&str> = Vec::new();
    for op in operations {
        for s in &op.security {
            if !used.contains(&s.as_str()) {
                used.push(s);
            }
        }
    }
    used.sort_unstable();
    let schemes = l.doc.components.as_ref().map(|c| c.security_schemes.clone()).unwrap_or_default();
    let mut out = Vec::new();
    let mut counts: BTreeMap<&'static str, usize> = BTreeMap::new();
    let mut kinds = Vec::new();
    for name in used {
        let at = pointer(["components", "securitySchemes", name]);
        let Some(scheme) = schemes.get(name) else {
            l.warn(&at, format!("security scheme `{name}` is not defined; operations are sent without it"));
            continue;
        };
        let scheme: SpecScheme = match l.resolve(scheme, &at) {
            Ok(s) => s.into_owned(),
            Err(d) => {
                l.diagnostics.push(d);
                continue;
            }
        };
        let (kind, setter, description) = match &scheme {
            SpecScheme::APIKey { location, name: key, description, .. } => {
                let kind = match location {
                    openapiv3::APIKeyLocation::Header => SecurityKind::ApiKeyHeader(key.clone()),
                    openapiv3::APIKeyLocation::Query => SecurityKind::ApiKeyQuery(key.clone()),
                    openapiv3::APIKeyLocation::Cookie => SecurityKind::ApiKeyCookie(key.clone()),
                };
                (kind, "api_key", description.clone())
            }
            SpecScheme::HTTP { scheme: http, description, .. } if http.eq_ignore_ascii_case("basic") => {
                (SecurityKind::Basic, "basic_auth", description.clone())
            }
            SpecScheme::HTTP { description, .. } => (SecurityKind::Bearer, "bearer_token", description.clone()),
            SpecScheme::OAuth2 { description, .. } | SpecScheme::OpenIDConnect { description, .. } => {
                (SecurityKind::Bearer, "bearer_token", description.clone())
            }
        };
        *counts.entry(setter).or_default() += 1;
        kinds.push((name.to_owned(), kind, setter, description));
    }
    for (name, kind, setter, description) in kinds {
        let setter = if counts[setter] > 1 { format!("{setter}_{}", name.to_snake_case()) } else { setter.to_owned() };
        let env_suffix = env_name(&setter);
        out.push(SecurityScheme {
            name,
            kind,
            setter,
            env_suffix,
            description: description.as_deref().map(clean_text),
        });
    }
    out
}

#[allow(clippy::too_many_arguments)]
fn operation(
    l: &mut Lowerer,
    rust_name: &str,
    method: &str,
    path: &str,
    path_params: &[ReferenceOr<Parameter>],
    op: &openapiv3::Operation,
    tag: usize,
    at: &str,
    param_struct_names: &mut Names,
) -> Operation {
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
    for (p, p_at) in &specs {
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
    let (success, response, response_encoding, response_content_type, response_description, response_example, errors) =
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
    Operation {
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
        response_example,
        response_example_problem: None,
        errors,
        security,
    }
}

fn same_location(a: &Parameter, b: &Parameter) -> bool {
    std::mem::discriminant(a) == std::mem::discriminant(b)
}

fn parameter(l: &mut Lowerer, p: &Parameter, at: &str, op_camel: &str, seen: &mut Names) -> Option<Param> {
    let data = p.parameter_data_ref();
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
    if !is_simple_param(l, &ty) && style != QueryStyle::DeepObject {
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

/// Whether a parameter's type has a text form (scalars, enums, unions and aliases of those, arrays
/// of them); an object parameter is sent as JSON text, which the API may not expect.
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

pub(crate) fn is_simple_param(l: &Lowerer, ty: &TypeRef) -> bool {
    match ty {
        TypeRef::Named(n) => !matches!(l.types.get(n).map(|t| &t.kind), Some(TypeKind::Struct { .. })),
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

fn is_binary_schema(media: &MediaType) -> bool {
    match &media.schema {
        Some(ReferenceOr::Item(s)) => {
            let v = super::view::View::of(s);
            v.typ == Some("string") && matches!(v.format.as_deref(), Some("binary") | Some("byte"))
        }
        None => true,
        _ => false,
    }
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
    let example = media_example(mt);
    Some(RequestBody {
        ty,
        encoding,
        spec_content_type: media.clone(),
        content_type,
        required: body.required,
        description: body.description.as_deref().map(clean_text),
        example,
        example_problem: None,
    })
}

type Responses = (
    Vec<u16>,
    TypeRef,
    ResponseEncoding,
    Option<String>,
    Option<String>,
    Option<serde_json::Value>,
    Vec<OperationError>,
);

/// The example of a media type: its own `example`, else the first of its `examples`.
fn media_example(mt: &MediaType) -> Option<serde_json::Value> {
    mt.example.clone().or_else(|| {
        mt.examples.values().find_map(|e| match e {
            ReferenceOr::Item(e) => e.value.clone(),
            ReferenceOr::Reference { .. } => None,
        })
    })
}

fn responses(l: &mut Lowerer, responses: &openapiv3::Responses, op_camel: &str, at: &str) -> Responses {
    let mut success = Vec::new();
    let mut chosen: Option<(TypeRef, ResponseEncoding, Option<String>)> = None;
    let mut description = None;
    let mut example = None;
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
                    example = pick_media(&r.content).and_then(|(_, mt)| media_example(mt));
                    chosen = Some(decoded);
                }
                Some(prev) if decoded.1 == ResponseEncoding::Empty || prev.0 == decoded.0 => {}
                Some(prev) if prev.1 == ResponseEncoding::Empty => chosen = Some(decoded),
                Some(_) => {
                    l.warn(&r_at, "success responses of different types; the body is decoded as any JSON value");
                    chosen = Some((TypeRef::Json, ResponseEncoding::Json, Some("application/json".into())));
                }
            }
        } else if let StatusCode::Code(c) = code {
            if *c >= 400 {
                let content_type = pick_media(&r.content).map(|(m, _)| m.clone());
                let hint = format!("{}Body", names::status_name(*c));
                let (ty, enc, _) = response_type(l, &r, &hint, &r_at);
                let body = match enc {
                    ResponseEncoding::Json => ty,
                    ResponseEncoding::Empty => TypeRef::Unit,
                    _ => TypeRef::String,
                };
                errors.push(OperationError {
                    status: *c,
                    body,
                    content_type,
                    description: Some(clean_text(&r.description)).filter(|d| !d.is_empty()),
                });
            }
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

/// One typed `Error` variant per declared error status; its body type is the one every
/// operation declares for it, or any JSON value where they differ.
fn error_variants(operations: &[Operation]) -> Vec<ErrorVariant> {
    let mut by_status: BTreeMap<u16, (Vec<TypeRef>, Vec<String>)> = BTreeMap::new();
    for op in operations {
        for e in &op.errors {
            let entry = by_status.entry(e.status).or_default();
            if !entry.0.contains(&e.body) {
                entry.0.push(e.body.clone());
            }
            entry.1.push(op.rust_name.clone());
        }
    }
    let mut seen = Names::with_reserved(["UnexpectedStatus", "Transport", "Decode", "InvalidRequest", "Build"]);
    by_status
        .into_iter()
        .map(|(status, (types, ops))| {
            let body = match types.as_slice() {
                [one] => one.clone(),
                [] => TypeRef::Unit,
                _ => TypeRef::Json,
            };
            ErrorVariant { status, rust_name: seen.unique(&names::status_name(status)), body, operations: ops }
        })
        .collect()
}

fn bulk_helpers(l: &mut Lowerer, operations: &[Operation], tags: &[Tag]) -> Vec<BulkHelper> {
    let mut out = Vec::new();
    for (name, cfg) in l.config.bulk.clone() {
        let at = format!("generator config: bulk.{name}");
        let Some((index, op)) = operations.iter().enumerate().find(|(_, o)| o.rust_name == cfg.operation) else {
            l.error(&at, format!("operation `{}` does not exist", cfg.operation));
            continue;
        };
        let Some(TypeRef::Named(body)) = op.body.as_ref().map(|b| &b.ty) else {
            l.error(&at, format!("operation `{}` has no named request body", cfg.operation));
            continue;
        };
        let field = match l.types.get(body).map(|t| &t.kind) {
            Some(TypeKind::Struct { fields, .. }) => fields.iter().find(|f| f.wire_name == cfg.items).cloned(),
            _ => None,
        };
        let Some(field) = field else {
            l.error(&at, format!("request body `{body}` has no field `{}`", cfg.items));
            continue;
        };
        let TypeRef::Vec(item) = &field.ty else {
            l.error(&at, format!("field `{}` of `{body}` is not an array", cfg.items));
            continue;
        };
        let Some(batch_size) = field.constraints.max_items else {
            l.error(&at, format!("field `{}` of `{body}` has no maxItems to size batches by", cfg.items));
            continue;
        };
        let others_required = match l.types.get(body).map(|t| &t.kind) {
            Some(TypeKind::Struct { fields, .. }) => fields.iter().any(|f| f.wire_name != cfg.items && f.is_plain()),
            _ => true,
        };
        if others_required {
            l.error(
                &at,
                format!(
                    "`{body}` has required fields besides `{}`; a batch cannot be built from items alone",
                    cfg.items
                ),
            );
            continue;
        }
        let ingestor = match &cfg.ingestor {
            None => None,
            Some(method) => {
                let item_def = item.named().and_then(|n| l.types.values().find(|t| t.name == n));
                let key_field = match item_def.map(|t| &t.kind) {
                    Some(TypeKind::Struct { fields, .. }) => fields
                        .iter()
                        .find(|f| f.idempotency_key && f.ty == TypeRef::String)
                        .map(|f| f.rust_name.clone()),
                    _ => None,
                };
                let rust_name = names::snake_ident(method);
                let tag = tags.get(op.tag).map_or("", |t| t.rust_name.as_str());
                Some(IngestorHelper {
                    type_name: names::type_name(&format!("{tag}_{rust_name}")),
                    rust_name,
                    key_field,
                })
            }
        };
        out.push(BulkHelper {
            rust_name: names::snake_ident(&name),
            operation: index,
            body_type: body.clone(),
            field: field.rust_name.clone(),
            item: (**item).clone(),
            batch_size,
            ingestor,
        });
    }
    out
}

/// The paginated operations of the config, checked against the operations and their types.
fn paginations(l: &mut Lowerer, operations: &[Operation]) -> Vec<Pagination> {
    let mut out = Vec::new();
    for (name, cfg) in l.config.pagination.clone() {
        let at = format!("generator config: pagination.{name}");
        let Some((index, op)) = operations.iter().enumerate().find(|(_, o)| o.rust_name == name) else {
            l.error(&at, format!("operation `{name}` does not exist"));
            continue;
        };
        let fields = match op.response.named().and_then(|n| l.types.get(n)).map(|t| &t.kind) {
            Some(TypeKind::Struct { fields, .. }) if !matches!(op.response, TypeRef::Vec(_)) => fields.clone(),
            _ => {
                l.error(&at, format!("the response of `{name}` is not an object type, so it cannot be a page"));
                continue;
            }
        };
        let field = |wire: &str| fields.iter().find(|f| f.wire_name == wire);
        let page_field = |f: &Field| PageField { rust_name: f.rust_name.clone(), optional: !f.is_plain() };
        let Some(items) = field(&cfg.items) else {
            l.error(&at, format!("the response of `{name}` has no field `{}`", cfg.items));
            continue;
        };
        let TypeRef::Vec(item) = &items.ty else {
            l.error(&at, format!("field `{}` of the response of `{name}` is not an array", cfg.items));
            continue;
        };
        let has_more = match &cfg.has_more {
            Some(wire) => match field(wire) {
                Some(f) if f.ty == TypeRef::Bool => Some(page_field(f)),
                _ => {
                    l.error(&at, format!("the response of `{name}` has no boolean field `{wire}`"));
                    continue;
                }
            },
            None => None,
        };
        let place = |l: &mut Lowerer, wire: &str| -> Option<PagePlace> {
            if op.params.iter().any(|p| p.wire_name == wire && p.location == ParamLocation::Query) {
                return Some(PagePlace::Query(wire.to_owned()));
            }
            let body_has = op
                .body
                .as_ref()
                .filter(|b| b.encoding == BodyEncoding::Json)
                .and_then(|b| b.ty.named())
                .and_then(|n| match l.types.get(n).map(|t| &t.kind) {
                    Some(TypeKind::Struct { fields, .. }) => fields.iter().find(|f| f.wire_name == wire).map(|_| ()),
                    _ => None,
                });
            match body_has {
                Some(()) => Some(PagePlace::Body(wire.to_owned())),
                None => {
                    l.error(&at, format!("`{name}` has no query parameter or JSON body field `{wire}`"));
                    None
                }
            }
        };
        let mode = match (&cfg.cursor, &cfg.offset_param) {
            (Some(cursor), None) => {
                let Some(f) = field(cursor).filter(|f| f.ty == TypeRef::String) else {
                    l.error(&at, format!("the response of `{name}` has no string field `{cursor}`"));
                    continue;
                };
                let field = page_field(f);
                let Some(place) = place(l, cfg.cursor_param.as_deref().unwrap_or(cursor)) else { continue };
                PageMode::Cursor { field, place }
            }
            (None, Some(offset)) => {
                let Some(place) = place(l, offset) else { continue };
                PageMode::Offset { place }
            }
            _ => {
                l.error(&at, "give either `cursor` (cursor paging) or `offset_param` (offset paging)");
                continue;
            }
        };
        out.push(Pagination { operation: index, items: page_field(items), item: (**item).clone(), has_more, mode });
    }
    out
}
