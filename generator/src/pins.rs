//! Name pins (`[pins]` in the config): method names by `METHOD /path`, type names by schema
//! pointer. Lowering applies them; this module warns about pins that match nothing in the
//! whole document (before any selection, so generating a part of a spec does not warn about
//! pins of the other parts).

use openapiv3::{PathItem, ReferenceOr};

use crate::config::Config;
use crate::diag::Diagnostic;
use crate::load::{resolve_pointer, Loaded};

/// A warning for every pin that matches no operation or schema of the document.
pub fn unmatched(loaded: &Loaded, config: &Config) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for ((method, path), name) in config.pins.operation_keys() {
        let item: Option<PathItem> = match loaded.doc.paths.paths.get(&path) {
            Some(ReferenceOr::Item(i)) => Some(i.clone()),
            Some(ReferenceOr::Reference { reference }) => {
                resolve_pointer(&loaded.raw, reference).and_then(|v| serde_json::from_value(v.clone()).ok())
            }
            None => None,
        };
        let found = item.is_some_and(|i| i.iter().any(|(m, _)| m.eq_ignore_ascii_case(&method)));
        if !found {
            out.push(Diagnostic::warning(
                &loaded.file,
                "#/paths",
                format!("pin `{method} {path}` = `{name}` matches no operation of the spec"),
            ));
        }
    }
    for (at, name) in &config.pins.types {
        let is_schema = resolve_pointer(&loaded.raw, at).is_some_and(|v| v.is_object());
        if !is_schema {
            out.push(Diagnostic::warning(
                &loaded.file,
                at.as_str(),
                format!("pin `{at}` = `{name}` matches no schema of the spec"),
            ));
        }
    }
    out
}
