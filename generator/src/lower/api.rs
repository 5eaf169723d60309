//! Lowering of the API as a whole: its package data, servers, security schemes, tags and error
//! variants, around the operations (`ops.rs`), types (`schemas.rs`) and helpers (`helpers.rs`).

use std::collections::BTreeMap;

use heck::{ToSnakeCase, ToUpperCamelCase};
use openapiv3::{PathItem, SecurityScheme as SpecScheme};

use super::aliases;
use super::graph;
use super::helpers::{bulk_helpers, paginations};
use super::names::{self, Names};
use super::ops::{self, operation};
use super::schemas::{clean_text, env_name, Lowerer};
use crate::diag::{join, pointer};
use crate::ir::*;

pub(crate) fn lower_api(l: &mut Lowerer) -> Api {
    let doc = l.doc;
    let crate_name = l.config.package.name.clone().unwrap_or_else(|| names::crate_name(&doc.info.title));
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
        folder: l.config.output.folder.clone(),
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
    // The names of the security schemes of each operation, turned into indexes below.
    let mut op_schemes: Vec<Vec<String>> = Vec::new();
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
            let (lowered, schemes) =
                operation(l, &rust_name, method, path, &item.parameters, op, tag_i, &op_at, &mut param_struct_names);
            operations.push(lowered);
            op_schemes.push(schemes);
        }
    }
    let security = security(l, &op_schemes);
    for (op, names) in operations.iter_mut().zip(&op_schemes) {
        op.security = names.iter().filter_map(|n| security.iter().position(|s| &s.name == n)).collect();
    }
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
    ops::type_file_fields(l, &operations);
    let errors = error_variants(&operations);
    let bulk = bulk_helpers(l, &operations, &tags);
    let pagination = paginations(l, &operations);
    let mut api = Api {
        title: doc.info.title.trim().to_owned(),
        api_version: doc.info.version.clone(),
        description: doc.info.description.as_deref().map(clean_text),
        spec_file: l.file.to_owned(),
        package,
        servers,
        security,
        tags,
        operations,
        types: Vec::new(),
        errors,
        bulk,
        pagination,
    };
    l.finish_types(&mut api);
    graph::relax_one_way_fields(&mut api);
    let cycles = aliases::break_cycles(l.file, &mut api.types);
    l.diagnostics.extend(cycles);
    graph::box_recursion(&mut api.types);
    graph::mark_flags(&mut api.types);
    api
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

fn security(l: &mut Lowerer, op_schemes: &[Vec<String>]) -> Vec<SecurityScheme> {
    let mut used: Vec<&str> = Vec::new();
    for schemes in op_schemes {
        for s in schemes {
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
    // The builder's own methods, which no credential setter may take.
    let mut taken = Names::with_reserved([
        "base_url",
        "build",
        "connect_timeout",
        "default_header",
        "from_env",
        "http_client",
        "max_response_bytes",
        "on_request",
        "on_response",
        "retry",
        "retry_config",
        "server",
        "server_url",
        "timeout",
        "user_agent",
    ]);
    for (name, kind, setter, description) in kinds {
        // Several schemes of a kind are told apart by name: a name that already says what it
        // holds is the setter (`partner_key`, `admin_token`), another is added to the kind's
        // (`api_key_partner`), so no setter says it twice (`api_key_api_key_cookie`).
        let setter = if counts[setter] > 1 {
            let snake = name.to_snake_case();
            let says = match setter {
                "api_key" => &["key"][..],
                "basic_auth" => &["basic", "auth"][..],
                _ => &["token", "bearer", "auth", "jwt"][..],
            };
            let words: Vec<&str> = snake.split('_').collect();
            if snake.starts_with(|c: char| c.is_ascii_lowercase()) && words.iter().any(|w| says.contains(w)) {
                taken.unique(&snake)
            } else {
                taken.unique(&format!("{setter}_{snake}"))
            }
        } else {
            taken.unique(setter)
        };
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

/// One typed `Error` variant per declared error status; its body type is the one every
/// operation declares for it, or any JSON value where they differ.
fn error_variants(operations: &[Operation]) -> Vec<ErrorVariant> {
    let mut by_status: BTreeMap<ErrorStatus, (Vec<TypeRef>, Vec<usize>)> = BTreeMap::new();
    for (i, op) in operations.iter().enumerate() {
        for e in &op.errors {
            let entry = by_status.entry(e.status).or_default();
            if !entry.0.contains(&e.body) {
                entry.0.push(e.body.clone());
            }
            entry.1.push(i);
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
            let name = match status {
                ErrorStatus::Code(c) => names::status_name(c),
                ErrorStatus::Class(4) => "ClientError".to_owned(),
                ErrorStatus::Class(_) => "ServerError".to_owned(),
                ErrorStatus::Default => "DefaultError".to_owned(),
            };
            ErrorVariant { status, rust_name: seen.unique(&name), body, operations: ops }
        })
        .collect()
}
