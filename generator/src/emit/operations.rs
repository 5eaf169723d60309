//! `src/operations/`: one struct per tag with a method per operation.

use proc_macro2::TokenStream;
use quote::quote;

use super::layout::str_lit;
use super::methods;
use super::render::{
    doc, doc_text, ident, impl_items, item_docs, list_call, prose, rust_items, struct_text, FieldText, Header,
};
use super::types::{self, Models};
use crate::fileset::FileSet;
use crate::ir::*;

/// The file of one tag's operations, `src/operations/<tag>.rs`.
pub(crate) fn emit_tag(api: &Api, header: &Header, tag: &Tag) -> Result<FileSet, String> {
    let mut files = FileSet::new();
    files.insert(format!("src/operations/{}.rs", tag.module), tag_file(api, header, tag)?);
    Ok(files)
}

/// `src/operations/mod.rs`: the tag modules and their re-exports.
pub(crate) fn emit_mod(api: &Api, header: &Header, files: &mut FileSet) -> Result<(), String> {
    let m: Vec<_> = api.tags.iter().map(|t| ident(&t.module)).collect();
    let n: Vec<_> = api.tags.iter().map(|t| ident(&t.rust_name)).collect();
    let params: Vec<_> = api
        .operations
        .iter()
        .filter_map(|o| o.params_struct.as_ref().map(|p| (ident(&api.tags[o.tag].module), ident(p))))
        .collect();
    let (pm, pn): (Vec<_>, Vec<_>) = params.into_iter().unzip();
    let (im, inn): (Vec<_>, Vec<_>) = api
        .bulk
        .iter()
        .filter_map(|b| {
            b.ingestor.as_ref().map(|i| (ident(&api.tags[api.operations[b.operation].tag].module), ident(&i.type_name)))
        })
        .unzip();
    let feature = super::ingestor::FEATURE;
    let tokens = quote! {
        #(mod #m;)*
        #(pub use #m::#n;)*
        #(pub use #pm::#pn;)*
        #(#[cfg(feature = #feature)] pub use #im::#inn;)*
    };
    let file: syn::File = syn::parse2(tokens).map_err(|e| e.to_string())?;
    files.insert(
        "src/operations/mod.rs",
        format!(
            "{}\n//! The operations, grouped by the spec's tags: reach them through [`Client`](crate::Client)\n//! (`client.{}()`).\n\n{}",
            header.rust(),
            api.tags.first().map(|t| t.module.as_str()).unwrap_or("default"),
            prettyplease::unparse(&file)
        ),
    );
    Ok(())
}

/// The file of one tag, written as text: the imports, the operations' specs, the struct, the
/// methods with their docs ([`methods`]) and the parameter structs; only the bulk helpers and
/// ingestors are built as tokens and printed by prettyplease.
fn tag_file(api: &Api, header: &Header, tag: &Tag) -> Result<String, String> {
    let name = ident(&tag.rust_name);
    let ops: Vec<&Operation> = tag.operations.iter().map(|i| &api.operations[*i]).collect();
    let mut out = header.rust();
    out.push_str(
        "\nuse crate::runtime::call::Call;\nuse crate::runtime::config::ClientCore;\n\
         use crate::runtime::request::{OperationSpec, PreparedRequest};\nuse crate::Error;\n",
    );
    for op in &ops {
        spec_static_text(&mut out, api, op);
    }
    let tag_doc = format!(
        "Operations tagged `{}`{}\n\nGet one with [`Client::{}`](crate::Client::{}).",
        tag.name,
        tag.description.as_deref().map(|d| format!(": {}", prose(d))).unwrap_or_else(|| ".".into()),
        tag.module,
        tag.module
    );
    doc_text(&mut out, "", &tag_doc);
    out.push_str(&format!(
        "#[derive(Debug, Clone, Copy)]\npub struct {name}<'a> {{\n    core: &'a ClientCore,\n}}\n\
         impl<'a> {name}<'a> {{\n    pub(crate) fn new(core: &'a ClientCore) -> Self {{\n        Self {{ core }}\n    }}\n"
    ));
    for op in &ops {
        item_docs(&mut out, "    ", &method_doc_text(api, op), op.deprecated);
        out.push_str(&methods::method(api, op));
    }
    let bulk = api.bulk.iter().filter(|b| tag.operations.contains(&b.operation)).map(|b| bulk_method(api, b));
    let (ingestors, ingestor_types) = super::ingestor::tag_items(api, tag);
    out.push_str(&impl_items(quote!(#(#bulk)* #(#ingestors)*))?);
    out.push_str("}\n");
    out.push_str(&rust_items(quote!(#(#ingestor_types)*))?);
    for op in &ops {
        params_struct(&mut out, api, op);
    }
    out.push_str(&methods::client_delegates(api, tag, &ops, |op| method_doc_text(api, op)));
    Ok(out)
}

/// The operation's `OperationSpec` static, as prettyplease would print it.
fn spec_static_text(out: &mut String, api: &Api, op: &Operation) {
    let codes = |c: &mut dyn Iterator<Item = u16>| c.map(|c| c.to_string()).collect::<Vec<_>>().join(", ");
    out.push_str(&format!(
        "static {}: OperationSpec = OperationSpec {{\n    name: {},\n    method: reqwest::Method::{},\n    path: {},\n    \
         success: &[{}],\n    errors: &[{}],\n    security: &[{}],\n}};\n",
        methods::spec_static(op),
        str_lit(&op.rust_name),
        ident(&op.method),
        str_lit(&op.path),
        codes(&mut op.success.iter().copied()),
        codes(&mut op.errors.iter().map(|e| e.status.marker())),
        op.security.iter().map(|&s| str_lit(&api.security[s].name)).collect::<Vec<_>>().join(", "),
    ));
}

fn method_doc_text(api: &Api, op: &Operation) -> String {
    let mut text = String::new();
    match (&op.summary, &op.description) {
        (Some(s), Some(d)) if s != d => text.push_str(&format!("{}\n\n{}", prose(s), prose(d))),
        (Some(s), _) => text.push_str(&prose(s)),
        (None, Some(d)) => text.push_str(&prose(d)),
        (None, None) => text.push_str(&format!("Calls `{} {}`.", op.method, op.path)),
    }
    text.push_str(&format!("\n\n`{} {}`", op.method, op.path));
    if let Some(body) = &op.body {
        if body.spec_content_type != body.content_type {
            text.push_str(&format!(
                " (the spec declares the body as `{}`; it is sent as `{}`)",
                body.spec_content_type, body.content_type
            ));
        }
    }
    if !op.params.is_empty() {
        text.push_str("\n\n# Parameters\n");
        for p in &op.params {
            let desc = p.description.as_deref().map(prose).unwrap_or_default();
            let where_ = match p.location {
                ParamLocation::Path => "path",
                ParamLocation::Query => "query",
                ParamLocation::Header => "header",
                ParamLocation::Cookie => "cookie",
            };
            let req = if p.required { "required" } else { "optional, in the params struct" };
            let desc = if desc.is_empty() { String::new() } else { format!(": {desc}") };
            text.push_str(&format!("\n- `{}` ({where_} `{}`, {req}){desc}", p.rust_name, p.wire_name));
        }
    }
    if let Some(b) = &op.body {
        text.push_str(&format!("\n\n`body`: the request body, {}.", types::rustdoc(&api.types, &b.ty)));
    }
    text.push_str("\n\n# Returns\n\n");
    text.push_str(&format!(
        "{} on status {}{}.",
        types::rustdoc(&api.types, &op.response),
        join_codes(&op.success),
        op.response_description.as_deref().map(|d| format!(": {}", prose(d.trim_end_matches('.')))).unwrap_or_default()
    ));
    text.push_str(
        " Await the returned [`Call`] directly, or use [`Call::send_with_response`] to get the status and headers too.",
    );
    if let Some(p) = methods::pagination_of(api, op) {
        text.push_str(&format!(
            "\n\n# Pages\n\nThe response is one page. [`Call::pages`] streams every page and [`Call::items`] every {} \
             of every page (`{}`), fetching the next page only when it is needed, and stopping after the last one.",
            types::rustdoc(&api.types, &p.item),
            p.items.rust_name
        ));
    }
    text.push_str("\n\n# Errors\n");
    for e in &op.errors {
        if let Some(v) = api.errors.iter().find(|v| v.status == e.status) {
            let on = match e.status {
                ErrorStatus::Code(c) => format!("on status {c}"),
                ErrorStatus::Class(c) => {
                    let listed = op.errors.iter().any(|o| matches!(o.status, ErrorStatus::Code(x) if x / 100 == c));
                    format!("on {} {c}XX status", if listed { "another" } else { "a" })
                }
                ErrorStatus::Default => "on any other status (the `default` response)".to_owned(),
            };
            text.push_str(&format!(
                "\n- [`Error::{}`] {on}{}",
                v.rust_name,
                e.description.as_deref().map(|d| format!(": {}", prose(d))).unwrap_or_default()
            ));
        }
    }
    if !op.errors.iter().any(|e| e.status == ErrorStatus::Default) {
        text.push_str("\n- [`Error::UnexpectedStatus`] on any other status the spec does not declare");
    }
    text.push_str("\n- [`Error::Transport`] when the server cannot be reached or the connection fails, after retries");
    text.push_str("\n- [`Error::Decode`] when a response body does not match its type");
    if op.body.as_ref().and_then(|b| b.ty.named()).is_some_and(|n| api.ty(n).validated) {
        text.push_str("\n- [`Error::InvalidRequest`] when the body breaks a constraint of the spec; nothing is sent");
    }
    text
}

fn join_codes(codes: &[u16]) -> String {
    if codes.len() > 4 {
        return format!("{}-{}", codes[0], codes[codes.len() - 1]);
    }
    codes.iter().map(u16::to_string).collect::<Vec<_>>().join(", ")
}

/// The optional-parameters struct of an operation, as text: the struct, `new()`, and the
/// runtime's `setters!` for its fields.
fn params_struct(out: &mut String, api: &Api, op: &Operation) {
    let Some(name) = op.params_struct.as_ref().map(|n| ident(n).to_string()) else { return };
    let optional: Vec<&Param> = op.params.iter().filter(|p| !p.required).collect();
    let fields: Vec<FieldText> = optional
        .iter()
        .map(|p| FieldText {
            public: true,
            doc: format!(
                "{}\n\nSent as {} parameter `{}`; left out when `None`.",
                p.description.as_deref().map(prose).unwrap_or_else(|| format!("The `{}` parameter.", p.wire_name)),
                match p.location {
                    ParamLocation::Query => "query",
                    ParamLocation::Header => "header",
                    ParamLocation::Cookie => "cookie",
                    ParamLocation::Path => "path",
                },
                p.wire_name
            ),
            deprecated: false,
            name: ident(&p.rust_name).to_string(),
            ty: format!("Option<{}>", types::text(&api.types, &p.ty, Models::Crate)),
        })
        .collect();
    let doc = format!(
        "Optional parameters of [`{}`]({}::{}); all start as `None`. Build with `{name}::new()` and the `with_*` setters.",
        op.rust_name, api.tags[op.tag].rust_name, op.rust_name
    );
    struct_text(out, &doc, "Debug, Clone, Default, PartialEq", &name, &fields);
    out.push_str(&format!(
        "impl {name} {{\n    /// Creates the parameters with every value unset.\n    #[must_use]\n    \
         pub fn new() -> Self {{\n        Self::default()\n    }}\n}}\n"
    ));
    let entries: Vec<String> = optional.iter().map(|p| methods::param_setter(api, p)).collect();
    if !entries.is_empty() {
        list_call(out, "setters", &format!("{name} {{"), &entries, "}");
    }
}

fn bulk_method(api: &Api, b: &BulkHelper) -> TokenStream {
    let op = &api.operations[b.operation];
    let name = ident(&b.rust_name);
    let spec = ident(&methods::spec_static(op));
    let body = ident(&api.ty(b.body_type).name);
    let field = ident(&b.field);
    let item = types::tokens(&api.types, &b.item, Models::Crate);
    let batch = b.batch_size as usize;
    let keyed = api.type_of(&b.item).is_some_and(|t| t.has_idempotency_key);
    let fill = keyed.then(|| {
        quote!(for item in &mut items {
            item.fill_idempotency_keys();
        })
    });
    let validated = api.ty(b.body_type).validated;
    let path = &op.path;
    let encode = if validated {
        quote!(crate::runtime::validate::validate(&body).and_then(|()| PreparedRequest::new(String::from(#path)).json(&body)))
    } else {
        quote!(PreparedRequest::new(String::from(#path)).json(&body))
    };
    // A batch is accepted when the server answers a success status; the body of that answer
    // is not needed, and decoding it could turn an accepted batch into a reported failure.
    let decode = quote!(crate::runtime::response::decode_empty);
    let keys_doc = if keyed {
        "\n\nEvery item without an idempotency key gets one before the first batch is sent, so a batch that is retried (by the retry policy, or by you with the returned failed items) cannot be counted twice."
    } else {
        ""
    };
    let d = doc(&format!(
        "Sends any number of items through [`{}`](Self::{}), in batches of at most {batch} (the spec's `maxItems`), several batches at a time.\n\nReturns how many items were accepted, and for every batch that finally failed (after retries) its items and the error, so nothing is dropped silently.{keys_doc}\n\nOptions: [`BulkOptions`](crate::runtime::bulk::BulkOptions) sets the batch size (capped at {batch}) and how many batches are in flight at once.",
        op.rust_name, op.rust_name
    ));
    quote! {
        #d
        pub async fn #name(
            &self,
            items: impl IntoIterator<Item = #item>,
            options: crate::runtime::bulk::BulkOptions,
        ) -> crate::runtime::bulk::BulkReport<#item, Error> {
            #[allow(unused_mut)]
            let mut items: Vec<#item> = items.into_iter().collect();
            #fill
            let batch_size = options.effective_batch_size(#batch);
            let core = self.core;
            crate::runtime::bulk::run_batches(items, batch_size, options.concurrency, move |batch| async move {
                let body = crate::models::#body::new(batch);
                let request = #encode;
                let items = body.#field;
                let result = Call::<_, Error>::new(core, &#spec, request, #decode).send().await.map(|_| ());
                (items, result)
            })
            .await
        }
    }
}
