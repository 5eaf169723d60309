//! Lowering of the helpers the config asks for: bulk helpers (with their ingestors) and page
//! streams of paginated operations.

use super::names;
use super::schemas::Lowerer;
use crate::ir::*;

pub(super) fn bulk_helpers(l: &mut Lowerer, operations: &[Operation], tags: &[Tag]) -> Vec<BulkHelper> {
    let mut out = Vec::new();
    for (name, cfg) in l.config.bulk.clone() {
        let at = format!("generator config: bulk.{name}");
        let Some((index, op)) = operations.iter().enumerate().find(|(_, o)| o.rust_name == cfg.operation) else {
            l.error(&at, format!("operation `{}` does not exist", cfg.operation));
            continue;
        };
        let Some(&TypeRef::Named(body_id)) = op.body.as_ref().map(|b| &b.ty) else {
            l.error(&at, format!("operation `{}` has no named request body", cfg.operation));
            continue;
        };
        let body = l.name_of(body_id).to_owned();
        let field = match l.def(body_id).map(|t| &t.kind) {
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
        let others_required = match l.def(body_id).map(|t| &t.kind) {
            Some(TypeKind::Struct { fields, .. }) => fields.iter().any(|f| {
                // A field of one possible value is set by `new()`.
                let fixed =
                    matches!(f.ty, TypeRef::Named(id) if l.def(id).is_some_and(|d| d.kind.one_value().is_some()));
                f.wire_name != cfg.items && f.is_plain() && !fixed
            }),
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
                let item_def = item.named().and_then(|n| l.def(n));
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
            body_type: body_id,
            field: field.rust_name.clone(),
            item: (**item).clone(),
            batch_size,
            ingestor,
        });
    }
    out
}

/// The paginated operations of the config, checked against the operations and their types.
pub(super) fn paginations(l: &mut Lowerer, operations: &[Operation]) -> Vec<Pagination> {
    let mut out = Vec::new();
    'operations: for (name, cfg) in l.config.pagination.clone() {
        let at = format!("generator config: pagination.{name}");
        let Some((index, op)) = operations.iter().enumerate().find(|(_, o)| o.rust_name == name) else {
            l.error(&at, format!("operation `{name}` does not exist"));
            continue;
        };
        let fields = match op.response.named().and_then(|n| l.def(n)).map(|t| &t.kind) {
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
                .and_then(|n| match l.def(n).map(|t| &t.kind) {
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
        let mut first_page_only = Vec::new();
        for wire in &cfg.first_page_only {
            match place(l, wire) {
                Some(at) => first_page_only.push(at),
                None => continue 'operations,
            }
        }
        out.push(Pagination {
            operation: index,
            items: page_field(items),
            item: (**item).clone(),
            has_more,
            mode,
            first_page_only,
        });
    }
    out
}
