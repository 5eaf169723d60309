//! The module graphs of the generator (`generator/src`) and of the runtime
//! (`generator/runtime/src`) have no cycle: list a module's imports and every arrow points to a
//! module it does not depend back on. A cycle is how two files end up changed together for every
//! feature; the test names the modules of each cycle and the arrows between them.
//!
//! An arrow is any path to another module of the same crate, in a `use` or in code: `crate::a::b`,
//! `super::x`, `self::child::x`, or `child::x` where `mod child;` is declared in the file. Comments
//! and doc comments (intra-doc links) are not imports, and neither are `#[cfg(test)]` items (the
//! tests of a module may reach into its neighbours' test helpers) or the insides of `quote!`
//! (generated code, whose `crate::` is the generated crate).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use proc_macro2::{Delimiter, TokenStream, TokenTree};

type Module = Vec<String>;

/// Macros whose input is code of the crate being generated, not of this one.
const QUOTING: &[&str] = &["quote", "quote_spanned", "parse_quote"];

fn name(m: &[String]) -> String {
    if m.is_empty() {
        "crate".into()
    } else {
        m.join("::")
    }
}

/// Every `.rs` file under `root` as its module path (`lib.rs`/`mod.rs` name their folder's module).
fn modules(root: &Path) -> BTreeMap<Module, PathBuf> {
    fn walk(dir: &Path, root: &Path, out: &mut BTreeMap<Module, PathBuf>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
        entries.sort();
        for path in entries {
            if path.is_dir() {
                walk(&path, root, out);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let rel = path.strip_prefix(root).unwrap().with_extension("");
            let mut parts: Module = rel.iter().map(|s| s.to_string_lossy().into_owned()).collect();
            match parts.last().map(String::as_str) {
                // A binary's root is another crate.
                Some("main") if parts.len() == 1 => continue,
                Some("lib" | "mod") => {
                    parts.pop();
                }
                _ => {}
            }
            out.insert(parts, path);
        }
    }
    let mut out = BTreeMap::new();
    walk(root, root, &mut out);
    // `#[path = "file.rs"] mod name;`: a module whose file lies elsewhere (a leaf shared with
    // another crate); its path is relative to the declaring file's folder.
    let declared: Vec<(Module, PathBuf)> = out
        .iter()
        .flat_map(|(module, path)| {
            let tts: Vec<TokenTree> = tokens_of(path).into_iter().collect();
            let folder = path.parent().unwrap().to_path_buf();
            (0..tts.len())
                .filter_map(|i| {
                    let file = path_attribute(&tts, i)?;
                    let mut child = module.clone();
                    child.push(declared_module(&tts, i + 2)?);
                    Some((child, folder.join(file)))
                })
                .collect::<Vec<_>>()
        })
        .collect();
    out.extend(declared);
    out
}

fn tokens_of(path: &Path) -> TokenStream {
    let text = std::fs::read_to_string(path).unwrap();
    TokenStream::from_str(&text).unwrap_or_else(|e| panic!("{}: {e:?}", path.display()))
}

/// The file of `#[path = "file"]` at `tts[i]`.
fn path_attribute(tts: &[TokenTree], i: usize) -> Option<String> {
    match (&tts[i], tts.get(i + 1)) {
        (TokenTree::Punct(p), Some(TokenTree::Group(g)))
            if p.as_char() == '#' && g.delimiter() == Delimiter::Bracket =>
        {
            let inner: Vec<TokenTree> = g.stream().into_iter().collect();
            match inner.as_slice() {
                [TokenTree::Ident(k), TokenTree::Punct(eq), TokenTree::Literal(l)]
                    if k == "path" && eq.as_char() == '=' =>
                {
                    Some(l.to_string().trim_matches('"').to_owned())
                }
                _ => None,
            }
        }
        _ => None,
    }
}

/// The name of the `mod name;` at `tts[i]`, after any further attributes and a visibility.
fn declared_module(tts: &[TokenTree], mut i: usize) -> Option<String> {
    loop {
        match (tts.get(i), tts.get(i + 1), tts.get(i + 2)) {
            (Some(TokenTree::Punct(p)), Some(TokenTree::Group(_)), _) if p.as_char() == '#' => i += 2,
            (Some(TokenTree::Ident(v)), Some(TokenTree::Group(g)), _)
                if v == "pub" && g.delimiter() == Delimiter::Parenthesis =>
            {
                i += 2
            }
            (Some(TokenTree::Ident(v)), _, _) if v == "pub" => i += 1,
            (Some(TokenTree::Ident(m)), Some(TokenTree::Ident(n)), Some(TokenTree::Punct(semi)))
                if m == "mod" && semi.as_char() == ';' =>
            {
                return Some(n.to_string())
            }
            _ => return None,
        }
    }
}

/// What a scan of one file found: absolute module paths it refers to.
struct Scan<'a> {
    known: &'a BTreeMap<Module, PathBuf>,
    refs: BTreeSet<Module>,
}

impl Scan<'_> {
    /// The longest known module that `path` (absolute, from the crate root) lies in.
    fn owner(&self, path: &[String]) -> Module {
        (0..=path.len()).rev().map(|i| path[..i].to_vec()).find(|p| self.known.contains_key(p)).unwrap_or_default()
    }

    /// Scans the tokens of module `scope` (a file module or an inline module inside one).
    fn module(&mut self, scope: &Module, tokens: TokenStream) {
        let tts: Vec<TokenTree> = tokens.into_iter().collect();
        let children: BTreeSet<String> = tts
            .windows(3)
            .filter_map(|w| match w {
                [TokenTree::Ident(m), TokenTree::Ident(n), TokenTree::Punct(p)] if m == "mod" && p.as_char() == ';' => {
                    Some(n.to_string())
                }
                _ => None,
            })
            .collect();
        self.tokens(scope, &children, tts);
    }

    /// Scans tokens in module `scope`, whose file declares the modules `children`.
    fn tokens(&mut self, scope: &Module, children: &BTreeSet<String>, tts: Vec<TokenTree>) {
        let mut i = 0;
        while i < tts.len() {
            // `#[cfg(test)] <item>`: skip the attribute and the item up to its body or `;`.
            if is_cfg_test(&tts, i) {
                i += 2;
                while i < tts.len() {
                    match &tts[i] {
                        TokenTree::Group(g) if g.delimiter() == Delimiter::Brace => break,
                        TokenTree::Punct(p) if p.as_char() == ';' => break,
                        _ => i += 1,
                    }
                }
                i += 1;
                continue;
            }
            // `mod name { ... }`: an inline module, scanned in its own scope.
            if let (TokenTree::Ident(m), Some(TokenTree::Ident(n)), Some(TokenTree::Group(g))) =
                (&tts[i], tts.get(i + 1), tts.get(i + 2))
            {
                if m == "mod" && g.delimiter() == Delimiter::Brace {
                    let mut inner = scope.clone();
                    inner.push(n.to_string());
                    self.module(&inner, g.stream());
                    i += 3;
                    continue;
                }
            }
            // `quote! { .. }` and `parse_quote! { .. }` hold the code being generated, whose
            // `crate::` is another crate.
            if let (TokenTree::Ident(m), Some(TokenTree::Punct(bang)), Some(TokenTree::Group(_))) =
                (&tts[i], tts.get(i + 1), tts.get(i + 2))
            {
                if bang.as_char() == '!' && QUOTING.contains(&m.to_string().as_str()) {
                    i += 3;
                    continue;
                }
            }
            // A path start: `crate::`, `super::`, `self::`, or a declared child followed by `::`.
            // `$crate` (macro bodies) is the crate as seen from elsewhere: skipped.
            if let TokenTree::Ident(id) = &tts[i] {
                let preceded_by_colons_or_dollar =
                    i > 0 && matches!(&tts[i - 1], TokenTree::Punct(p) if p.as_char() == ':' || p.as_char() == '$');
                let word = id.to_string();
                let base: Option<Module> = match word.as_str() {
                    _ if preceded_by_colons_or_dollar => None,
                    "crate" => Some(Vec::new()),
                    "self" => Some(scope.clone()),
                    "super" => Some(scope[..scope.len().saturating_sub(1)].to_vec()),
                    w if children.contains(w) => {
                        let mut m = scope.clone();
                        m.push(w.to_owned());
                        Some(m)
                    }
                    _ => None,
                };
                if let Some(base) = base {
                    if is_colons(&tts, i + 1) {
                        i = self.path(base, &tts, i + 3);
                        continue;
                    }
                }
            }
            if let TokenTree::Group(g) = &tts[i] {
                self.tokens(scope, children, g.stream().into_iter().collect());
            }
            i += 1;
        }
    }

    /// Follows a path from `base` starting at `tts[i]` (after a `::`); records where it leads and
    /// returns the index after it. A `{ a, b::c }` group records each branch.
    fn path(&mut self, mut base: Module, tts: &[TokenTree], mut i: usize) -> usize {
        loop {
            match tts.get(i) {
                Some(TokenTree::Ident(id)) if id == "super" => {
                    base.pop();
                }
                Some(TokenTree::Ident(id)) if id == "self" => {}
                Some(TokenTree::Ident(id)) => base.push(id.to_string()),
                Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Brace => {
                    let branch: Vec<TokenTree> = g.stream().into_iter().collect();
                    let mut j = 0;
                    while j < branch.len() {
                        j = self.path(base.clone(), &branch, j);
                        // to the next `,`
                        while j < branch.len() && !matches!(&branch[j], TokenTree::Punct(p) if p.as_char() == ',') {
                            j += 1;
                        }
                        j += 1;
                    }
                    return i + 1;
                }
                _ => break,
            }
            if is_colons(tts, i + 1) {
                i += 3;
            } else {
                i += 1;
                break;
            }
        }
        let owner = self.owner(&base);
        self.refs.insert(owner);
        i
    }
}

fn is_colons(tts: &[TokenTree], i: usize) -> bool {
    matches!((tts.get(i), tts.get(i + 1)), (Some(TokenTree::Punct(a)), Some(TokenTree::Punct(b))) if a.as_char() == ':' && b.as_char() == ':')
}

fn is_cfg_test(tts: &[TokenTree], i: usize) -> bool {
    match (&tts[i], tts.get(i + 1)) {
        (TokenTree::Punct(p), Some(TokenTree::Group(g)))
            if p.as_char() == '#' && g.delimiter() == Delimiter::Bracket =>
        {
            let text: String = g.stream().to_string().split_whitespace().collect();
            text == "cfg(test)"
        }
        _ => false,
    }
}

/// Module → the other modules of the crate it refers to.
fn graph(root: &Path) -> BTreeMap<Module, BTreeSet<Module>> {
    let known = modules(root);
    let mut graph = BTreeMap::new();
    for (module, path) in &known {
        let tokens = tokens_of(path);
        let mut scan = Scan { known: &known, refs: BTreeSet::new() };
        scan.module(module, tokens);
        scan.refs.remove(module);
        graph.insert(module.clone(), scan.refs);
    }
    graph
}

/// The strongly connected components with more than one module (Tarjan).
fn cycles(graph: &BTreeMap<Module, BTreeSet<Module>>) -> Vec<Vec<Module>> {
    struct State<'a> {
        graph: &'a BTreeMap<Module, BTreeSet<Module>>,
        index: BTreeMap<&'a Module, usize>,
        low: BTreeMap<&'a Module, usize>,
        stack: Vec<&'a Module>,
        next: usize,
        found: Vec<Vec<Module>>,
    }
    fn visit<'a>(s: &mut State<'a>, v: &'a Module) {
        s.index.insert(v, s.next);
        s.low.insert(v, s.next);
        s.next += 1;
        s.stack.push(v);
        for w in &s.graph[v] {
            if !s.graph.contains_key(w) {
                continue;
            }
            let w = s.graph.get_key_value(w).unwrap().0;
            if !s.index.contains_key(w) {
                visit(s, w);
                let low = s.low[v].min(s.low[w]);
                s.low.insert(v, low);
            } else if s.stack.contains(&w) {
                let low = s.low[v].min(s.index[w]);
                s.low.insert(v, low);
            }
        }
        if s.low[v] == s.index[v] {
            let mut component = Vec::new();
            loop {
                let w = s.stack.pop().unwrap();
                component.push(w.clone());
                if w == v {
                    break;
                }
            }
            if component.len() > 1 {
                component.sort();
                s.found.push(component);
            }
        }
    }
    let mut s =
        State { graph, index: BTreeMap::new(), low: BTreeMap::new(), stack: Vec::new(), next: 0, found: Vec::new() };
    for v in graph.keys() {
        if !s.index.contains_key(v) {
            visit(&mut s, v);
        }
    }
    s.found
}

fn assert_acyclic(folder: &str) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(folder);
    let graph = graph(&root);
    assert!(graph.len() > 5, "{}: found only {} modules", root.display(), graph.len());
    let found = cycles(&graph);
    let mut report = String::new();
    for component in &found {
        let names: Vec<String> = component.iter().map(|m| name(m)).collect();
        report.push_str(&format!("cycle among {}:\n", names.join(", ")));
        for m in component {
            let inside: Vec<String> = graph[m].iter().filter(|d| component.contains(d)).map(|d| name(d)).collect();
            report.push_str(&format!("  {} -> {}\n", name(m), inside.join(", ")));
        }
    }
    assert!(found.is_empty(), "{}: the module graph has cycles:\n{report}", root.display());
}

#[test]
fn the_generator_modules_import_without_cycles() {
    assert_acyclic("src");
}

#[test]
fn the_runtime_modules_import_without_cycles() {
    assert_acyclic("runtime/src");
}

/// The checker itself: a cycle through `super::`, a `use` group and a child module is found;
/// comments, `$crate` and `#[cfg(test)]` items are not arrows.
#[test]
fn the_checker_finds_a_cycle_and_ignores_comments_and_tests() {
    let dir = tempfile::tempdir().unwrap();
    let write = |p: &str, text: &str| {
        let path = dir.path().join("src").join(p);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write("lib.rs", "mod a;\nmod b;\nmod c;\n#[path = \"../shared/d.rs\"]\n#[allow(dead_code)]\npub(crate) mod d;\npub fn top() { a::f(); }\n");
    write("../shared/d.rs", "pub const D: u8 = 1;\n");
    write("a.rs", "use super::{b::{self, G}, top};\npub fn f() { b::g(); let _ = super::d::D; }\n");
    write("b.rs", "//! See [`crate::c`].\n/// [`super::c::h`]\npub fn g() { crate::a::f(); }\npub struct G;\n");
    write(
        "c.rs",
        "#[cfg(test)]\nmod tests { use crate::a; }\nmacro_rules! m { () => { $crate::a::f() } }\npub fn h() { super::b::g(); quote! { crate::a::f() }; }\n",
    );
    let graph = graph(&dir.path().join("src"));
    let n = |s: &str| -> Module { s.split("::").filter(|x| *x != "crate").map(str::to_owned).collect() };
    assert_eq!(graph[&n("crate")], [n("a")].into_iter().collect());
    assert_eq!(graph[&n("a")], [n("crate"), n("b"), n("d")].into_iter().collect());
    assert!(graph[&n("d")].is_empty());
    assert_eq!(graph[&n("b")], [n("a")].into_iter().collect());
    assert_eq!(graph[&n("c")], [n("b")].into_iter().collect());
    assert_eq!(cycles(&graph), vec![vec![n("crate"), n("a"), n("b")]]);
}
