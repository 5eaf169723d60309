//! Markdown: the crate README.

use super::{client::quick_start, Header};
use crate::fileset::FileSet;
use crate::ir::*;

pub(crate) fn emit(api: &Api, header: &Header, files: &mut FileSet) {
    files.insert("README.md", readme(api, header));
}

fn readme(api: &Api, header: &Header) -> String {
    let p = &api.package;
    let mut out = header.markdown();
    out.push_str(&format!("\n# {}\n\n{}\n\n", p.name, p.description));
    out.push_str("## Quick start\n\n```rust,no_run\n");
    for line in quick_start(api).lines() {
        out.push_str(line);
        out.push('\n');
    }
    out.push_str("```\n\n## Operations\n\n| Method | HTTP | Summary |\n| --- | --- | --- |\n");
    for op in &api.operations {
        let tag = &api.tags[op.tag].module;
        out.push_str(&format!(
            "| `client.{tag}().{}()` | `{} {}` | {} |\n",
            op.rust_name,
            op.method,
            op.path,
            op.summary.as_deref().map(super::prose).unwrap_or_default()
        ));
    }
    out
}
