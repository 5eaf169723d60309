//! The Markdown reference's shared pieces: where its pages are, the anchors of its headings,
//! and text made safe for a table cell. Used by the reference pages (`docs`) and the crate
//! guide (`guide`).

use super::render::prose;
use crate::ir::*;

pub(crate) fn tag_page_path(tag: &Tag) -> String {
    format!("docs/sdks/{}/README.md", tag.module)
}

pub(crate) fn model_page_path(def: &TypeDef) -> String {
    format!("docs/models/{}.md", def.module)
}

/// Text for one table cell: one line, pipes escaped.
pub(crate) fn cell(text: &str) -> String {
    let mut out = String::new();
    let mut escaped = false;
    for c in text.chars() {
        match c {
            '\n' => out.push_str("<br>"),
            '|' if !escaped => out.push_str("\\|"),
            _ => out.push(c),
        }
        escaped = c == '\\' && !escaped;
    }
    out
}

/// Inline code in a table cell (pipes escaped even inside it, as GitHub tables need).
pub(crate) fn code_cell(text: &str) -> String {
    let ticks = if text.contains('`') { "``" } else { "`" };
    format!("{ticks}{}{ticks}", text.replace('|', "\\|"))
}

pub(crate) fn op_anchor(op: &Operation) -> String {
    anchor(&op.rust_name)
}

/// GitHub's anchor of a heading: lower case, spaces to dashes, other punctuation but `-` and `_`
/// dropped.
pub(crate) fn anchor(heading: &str) -> String {
    heading
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .collect()
}

/// Path from the crate root to an operation's section.
pub(crate) fn op_link_from_root(api: &Api, op: &Operation) -> String {
    format!("{}#{}", tag_page_path(&api.tags[op.tag]), op_anchor(op))
}

pub(crate) fn summary_of(op: &Operation) -> String {
    op.summary
        .as_deref()
        .or(op.description.as_deref())
        .map(|s| prose(s.lines().next().unwrap_or("")))
        .unwrap_or_default()
}

pub(crate) fn security_how(kind: &SecurityKind) -> String {
    match kind {
        SecurityKind::ApiKeyHeader(h) => format!("`{h}` header"),
        SecurityKind::ApiKeyQuery(q) => format!("`{q}` query parameter"),
        SecurityKind::ApiKeyCookie(c) => format!("`{c}` cookie"),
        SecurityKind::Bearer => "`Authorization: Bearer <token>` header".into(),
        SecurityKind::Basic => "`Authorization: Basic` header (give `user:password`)".into(),
    }
}
