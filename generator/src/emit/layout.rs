//! The layout engine of Rust written as text (examples and snippets): a small expression tree
//! printed the way rustfmt prints it, with the workspace's `max_width = 120` and
//! `use_small_heuristics = "Max"`, so the generated `examples/` pass `cargo fmt --check`; and
//! `use` lines as rustfmt orders and wraps them. Every string becomes a Rust literal through
//! `{:?}` (Rust's own escaping), never by pasting it between quotes.

use std::collections::BTreeSet;

/// rustfmt's `max_width` in this workspace.
const MAX_WIDTH: usize = 120;
/// One level of indentation.
pub(crate) const TAB: usize = 4;
/// rustfmt's `short_array_element_width_threshold`.
const SHORT_ITEM: usize = 10;

/// A Rust expression, laid out on demand.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Expr {
    /// Printed as it is (a literal, a path, `value.as_str()`).
    Atom(String),
    /// `head(items)`, `head![items]`, `[items]`, `(items)`.
    List { head: String, open: &'static str, close: &'static str, items: Vec<Expr> },
    /// `root.link.link`: every link is an `Atom` (`.await?`) or a `List` (`.with_x(..)`).
    Chain { root: Box<Expr>, links: Vec<Expr> },
    /// The inside of `json!({ .. })`: `{"key": value, ..}`, keys as Rust literals.
    Object(Vec<(String, Expr)>),
}

impl Expr {
    pub(crate) fn atom(s: impl Into<String>) -> Self {
        Expr::Atom(s.into())
    }

    pub(crate) fn call(head: impl Into<String>, items: Vec<Expr>) -> Self {
        Expr::List { head: head.into(), open: "(", close: ")", items }
    }

    pub(crate) fn array(items: Vec<Expr>) -> Self {
        Expr::List { head: String::new(), open: "[", close: "]", items }
    }

    pub(crate) fn vec_macro(items: Vec<Expr>) -> Self {
        Expr::List { head: "vec!".into(), open: "[", close: "]", items }
    }

    pub(crate) fn tuple(items: Vec<Expr>) -> Self {
        Expr::List { head: String::new(), open: "(", close: ")", items }
    }

    /// `self.name(args)` (or `self.name` when `args` is `None`), extending a chain.
    pub(crate) fn then(self, name: &str, args: Option<Vec<Expr>>) -> Self {
        let link = match args {
            Some(items) => Expr::call(format!(".{name}"), items),
            None => Expr::atom(format!(".{name}")),
        };
        match self {
            Expr::Chain { root, mut links } => {
                links.push(link);
                Expr::Chain { root, links }
            }
            other => Expr::Chain { root: Box::new(other), links: vec![link] },
        }
    }

    /// The expression on one line.
    pub(crate) fn flat(&self) -> String {
        match self {
            Expr::Atom(s) => s.clone(),
            Expr::List { head, open, close, items } => {
                let inner: Vec<String> = items.iter().map(Expr::flat).collect();
                format!("{head}{open}{}{close}", inner.join(", "))
            }
            Expr::Chain { root, links } => {
                let mut s = root.flat();
                for l in links {
                    s.push_str(&l.flat());
                }
                s
            }
            Expr::Object(entries) => {
                let inner: Vec<String> = entries.iter().map(|(k, v)| format!("{k}: {}", v.flat())).collect();
                format!("{{{}}}", inner.join(", "))
            }
        }
    }

    /// Lays the expression out starting at column `col` of a line indented by `indent`, with
    /// `suffix` more characters (`;`, `,`, `)`) to follow it on its last line.
    pub(crate) fn render(&self, indent: usize, col: usize, suffix: usize) -> String {
        let flat = self.flat();
        if col + flat.len() + suffix <= MAX_WIDTH {
            return flat;
        }
        match self {
            Expr::Atom(s) => s.clone(),
            Expr::List { head, open, close, items } => render_list(head, open, close, items, indent, col, suffix),
            Expr::Chain { root, links } => render_chain(root, links, indent, col, suffix),
            Expr::Object(entries) => {
                let pad = " ".repeat(indent + TAB);
                let mut out = String::from("{\n");
                for (k, v) in entries {
                    let start = indent + TAB + k.len() + 2;
                    out.push_str(&format!("{pad}{k}: {},\n", v.render(indent + TAB, start, 1)));
                }
                out.push_str(&" ".repeat(indent));
                out.push('}');
                out
            }
        }
    }

    /// Whether rustfmt lets this expression, as the only argument of a call, start on the line
    /// of the call (`Foo::new([` .. `])`).
    fn overflows(&self) -> bool {
        match self {
            Expr::List { items, .. } => !items.is_empty(),
            Expr::Object(_) => true,
            Expr::Atom(_) | Expr::Chain { .. } => false,
        }
    }
}

fn first_line_len(s: &str) -> usize {
    s.lines().next().map_or(0, str::len)
}

fn last_line_len(s: &str) -> usize {
    s.lines().last().map_or(0, str::len)
}

fn line_count(s: &str) -> usize {
    s.lines().count().max(1)
}

fn render_list(
    head: &str,
    open: &str,
    close: &str,
    items: &[Expr],
    indent: usize,
    col: usize,
    suffix: usize,
) -> String {
    let start = format!("{head}{open}");
    if items.len() == 1 && items[0].overflows() {
        let inner = items[0].render(indent, col + start.len(), close.len() + suffix);
        if col + start.len() + first_line_len(&inner) <= MAX_WIDTH {
            return format!("{start}{inner}{close}");
        }
    }
    let pad = " ".repeat(indent + TAB);
    let short = items.iter().all(|i| matches!(i, Expr::Atom(s) if s.len() <= SHORT_ITEM));
    let mut out = format!("{start}\n");
    if short && items.len() > 1 {
        // rustfmt's "mixed" layout: as many short items on a line as fit.
        let mut line = String::new();
        for item in items {
            let piece = format!("{},", item.flat());
            if !line.is_empty() && indent + TAB + line.len() + 1 + piece.len() > MAX_WIDTH {
                out.push_str(&format!("{pad}{line}\n"));
                line.clear();
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(&piece);
        }
        out.push_str(&format!("{pad}{line}\n"));
    } else {
        for item in items {
            out.push_str(&format!("{pad}{},\n", item.render(indent + TAB, indent + TAB, 1)));
        }
    }
    out.push_str(&" ".repeat(indent));
    out.push_str(close);
    out
}

fn render_chain(root: &Expr, links: &[Expr], indent: usize, col: usize, suffix: usize) -> String {
    let root_text = root.render(indent, col, 0);
    let (last, init) = links.split_last().expect("a chain has links");
    if !root_text.contains('\n') {
        // Everything but the last link on one line, the last one overflowing from it, when
        // that takes at least as few lines as the vertical layout (rustfmt's rule).
        let prefix: String = std::iter::once(root_text.clone()).chain(init.iter().map(Expr::flat)).collect();
        if col + prefix.len() < MAX_WIDTH {
            let over = last.render(indent, col + prefix.len(), suffix);
            let fits = col + prefix.len() + first_line_len(&over) <= MAX_WIDTH
                && (over.contains('\n') || col + prefix.len() + over.len() + suffix <= MAX_WIDTH);
            if fits {
                let vertical = last.render(indent + TAB, indent + TAB, suffix);
                if line_count(&over) >= 5 || line_count(&vertical) >= line_count(&over) {
                    return format!("{prefix}{over}");
                }
            }
        }
    }
    // After a root that ends with a line of closing delimiters, the links are not indented
    // further (rustfmt's "block-like" root).
    let block_like = root_text.contains('\n')
        && root_text.lines().last().is_some_and(|l| l.trim().chars().all(|c| matches!(c, ')' | ']' | '}')));
    let link_indent = if block_like { indent } else { indent + TAB };
    let pad = " ".repeat(link_indent);
    let mut out = root_text;
    for (i, link) in links.iter().enumerate() {
        let s = if i + 1 == links.len() { suffix } else { 0 };
        out.push_str(&format!("\n{pad}{}", link.render(link_indent, link_indent, s)));
    }
    out
}

/// `let <pattern> = <value>;` at `indent`, placed as rustfmt would (on the next line when
/// that fits it on one line).
pub(crate) fn let_stmt(pattern: &str, value: &Expr, indent: usize) -> String {
    let pad = " ".repeat(indent);
    let lhs = format!("let {pattern} = ");
    let orig = value.render(indent, indent + lhs.len(), 1);
    let orig_fits = !orig.contains('\n') && indent + lhs.len() + orig.len() < MAX_WIDTH;
    if orig_fits {
        return format!("{pad}{lhs}{orig};");
    }
    let next = value.render(indent + TAB, indent + TAB, 1);
    let next_fits = next.lines().enumerate().all(|(i, l)| {
        let width = if i == 0 { indent + TAB + l.len() } else { l.len() };
        width <= MAX_WIDTH
    }) && last_line_len(&next) < MAX_WIDTH;
    let ends = |s: &str, c: char| s.lines().next().is_some_and(|l| l.ends_with(c));
    let prefer_next = !next.contains('\n')
        || line_count(&orig) > line_count(&next) + 1
        || ['(', '{', '['].iter().any(|c| ends(&orig, *c) && !ends(&next, *c));
    if next_fits && prefer_next {
        format!("{pad}let {pattern} =\n{pad}{}{next};", " ".repeat(TAB))
    } else {
        format!("{pad}{lhs}{orig};")
    }
}

/// A Rust string literal with Rust's own escaping.
pub(crate) fn str_lit(s: &str) -> String {
    format!("{s:?}")
}

pub(crate) fn float_lit(x: f64) -> String {
    let s = format!("{x:?}");
    if s.contains(['.', 'e', 'E']) || s.contains("inf") || s.contains("NaN") {
        s
    } else {
        format!("{s}.0")
    }
}

/// `use` lines as rustfmt orders and wraps them: modules first, then the crate's own items.
pub(crate) fn use_lines(
    krate: &str,
    models: &BTreeSet<String>,
    operations: &BTreeSet<String>,
    root: &[&str],
) -> Vec<String> {
    let mut out = Vec::new();
    let mut group = |path: String, names: Vec<String>| {
        if names.is_empty() {
            return;
        }
        if names.len() == 1 {
            out.push(format!("use {path}::{};", names[0]));
            return;
        }
        let one = format!("use {path}::{{{}}};", names.join(", "));
        if one.len() <= MAX_WIDTH {
            out.push(one);
            return;
        }
        let mut text = format!("use {path}::{{\n");
        let mut line = String::new();
        for n in &names {
            let piece = format!("{n},");
            if !line.is_empty() && TAB + line.len() + 1 + piece.len() > MAX_WIDTH {
                text.push_str(&format!("    {line}\n"));
                line.clear();
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(&piece);
        }
        text.push_str(&format!("    {line}\n}};"));
        out.push(text);
    };
    group(format!("{krate}::models"), models.iter().cloned().collect());
    group(format!("{krate}::operations"), operations.iter().cloned().collect());
    let mut root: Vec<String> = root.iter().map(|s| (*s).to_owned()).collect();
    root.sort();
    group(krate.to_owned(), root);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_escaped_the_rust_way() {
        assert_eq!(str_lit("{\"request_size\""), r#""{\"request_size\"""#);
        assert_eq!(str_lit("a\\b\nc"), r#""a\\b\nc""#);
    }

    #[test]
    fn long_calls_break_like_rustfmt() {
        let items: Vec<Expr> = (0..12).map(|i| Expr::atom(str_lit(&format!("item-number-{i}")))).collect();
        let e = Expr::call("Foo::new", vec![Expr::array(items)]);
        let text = let_stmt("value", &e, 4);
        assert!(text.starts_with("    let value = Foo::new([\n        \"item-number-0\",\n"), "{text}");
        assert!(text.ends_with("\n    ]);"), "{text}");
    }

    #[test]
    fn short_values_stay_on_one_line() {
        let e = Expr::call("Foo::new", vec![Expr::atom("1")]).then("with_a", Some(vec![Expr::atom("\"x\"")]));
        assert_eq!(let_stmt("v", &e, 0), "let v = Foo::new(1).with_a(\"x\");");
    }
}
