//! Lower: build the IR from the loaded document. Every Rust decision is made here, once.
//!
//! A file per part of the IR: `api` (the whole, servers, security, tags, error variants),
//! `schemas` (types, and the `Lowerer` state every pass shares), `ops` (operations),
//! `helpers` (bulk helpers, ingestors, page streams), `names` (Rust names).

use crate::config::Config;
use crate::diag::{Diagnostic, GenerateError, Severity};
use crate::ir::Api;
use crate::load::Loaded;

mod aliases;
mod api;
mod examples;
mod graph;
mod helpers;
pub mod names;
mod ops;
mod schemas;
mod view;

use schemas::Lowerer;

/// Options of one lowering.
#[derive(Debug, Clone, Copy, Default)]
pub struct LowerOptions {
    /// Turn every warning into an error.
    pub strict: bool,
}

/// Lowers a loaded document into the IR; returns it with the warnings collected.
pub fn lower(loaded: &Loaded, config: &Config, options: LowerOptions) -> Result<(Api, Vec<Diagnostic>), GenerateError> {
    let mut l = Lowerer::new(loaded, config);
    l.name_components();
    l.lower_components();
    let mut api = api::lower_api(&mut l);
    examples::check(&mut api, &loaded.file, &mut l.diagnostics);
    debug_assert!(api.types.windows(2).all(|w| w[0].name < w[1].name), "Api::types is sorted by name, without repeats");
    let mut diagnostics = loaded.warnings.clone();
    diagnostics.append(&mut l.diagnostics);
    // A path item's parameter is lowered once per operation; its warning is said once.
    let mut said = std::collections::HashSet::new();
    diagnostics.retain(|d| said.insert((d.pointer.clone(), d.message.clone())));
    if options.strict {
        diagnostics.iter_mut().for_each(Diagnostic::refuse_under_strict);
    }
    if diagnostics.iter().any(|d| d.severity == Severity::Error) {
        return Err(GenerateError { diagnostics });
    }
    Ok((api, diagnostics))
}
