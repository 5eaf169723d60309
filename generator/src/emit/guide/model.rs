//! The model of the crate guide: sections of blocks (paragraphs, lists, tables, code) of
//! inline text whose references each output renders its own way, and its two renderers, the
//! README's Markdown and the crate docs' rustdoc Markdown.

use super::super::markdown::{anchor, code_cell};

/// The guide: the intro, then its sections.
#[derive(Debug, Clone)]
pub(crate) struct Guide {
    /// The crate's name: the README's title (rustdoc shows the name itself).
    title: String,
    intro: Vec<Block>,
    sections: Vec<Section>,
}

/// A section under a heading.
#[derive(Debug, Clone)]
pub(crate) struct Section {
    heading: String,
    /// In the crate docs too; `false` for sections about the crate's files.
    in_crate_docs: bool,
    /// About items that exist only with this crate feature: the crate docs link them when it
    /// is on and show them as code without links when it is off (a link to an item the build
    /// left out would be broken).
    feature: Option<&'static str>,
    pub(crate) blocks: Vec<Block>,
}

impl Guide {
    pub(crate) fn new(title: String, intro: Vec<Block>, sections: Vec<Section>) -> Self {
        Guide { title, intro, sections }
    }
}

impl Section {
    pub(crate) fn new(heading: &str, blocks: Vec<Block>) -> Self {
        Section { heading: heading.to_owned(), in_crate_docs: true, feature: None, blocks }
    }

    /// A section only the README has.
    pub(crate) fn readme(heading: &str, blocks: Vec<Block>) -> Self {
        Section { heading: heading.to_owned(), in_crate_docs: false, feature: None, blocks }
    }

    /// A section about items behind a crate feature (which its text names).
    pub(crate) fn gated(heading: &str, feature: &'static str, blocks: Vec<Block>) -> Self {
        Section { heading: heading.to_owned(), in_crate_docs: true, feature: Some(feature), blocks }
    }
}

/// A block of a section.
#[derive(Debug, Clone)]
pub(crate) enum Block {
    Para(Text),
    /// A bulleted list, an item per entry.
    List(Vec<Text>),
    /// A table: the column headings, then the rows of cells.
    Table(Vec<&'static str>, Vec<Vec<Text>>),
    /// A fenced code block: the info string (`rust,no_run`, `toml`) and the code, ending in a newline.
    Code(&'static str, String),
    /// Blocks only the README shows: reference detail the crate docs leave to it.
    Readme(Vec<Block>),
}

/// Inline Markdown, with references each output renders its own way.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Text(Vec<Span>);

#[derive(Debug, Clone, PartialEq)]
enum Span {
    /// Markdown, the same in both outputs.
    Md(String),
    /// An item of the crate, as code: `shown`, and in rustdoc linked to `path` (from the crate root).
    Item { shown: String, path: String },
    /// A link: to a file of the crate in the README (a path from the crate root), to the item
    /// the file describes in rustdoc (plain text when there is none). `text` is Markdown.
    Link { text: String, file: String, item: Option<String> },
    /// Only in the README.
    Readme(Text),
    /// Only in the crate docs (what stands for a README-only part: the end of a sentence that
    /// introduced a snippet there).
    CrateDocs(Text),
}

impl Text {
    pub(crate) fn md(s: impl Into<String>) -> Self {
        Text(vec![Span::Md(s.into())])
    }

    pub(crate) fn and(mut self, s: impl Into<String>) -> Self {
        self.0.push(Span::Md(s.into()));
        self
    }

    /// `` `path` ``, linked in rustdoc.
    pub(crate) fn item(self, path: &str) -> Self {
        self.item_as(path, path)
    }

    /// `` `shown` ``, linked to `path` in rustdoc.
    pub(crate) fn item_as(mut self, shown: &str, path: &str) -> Self {
        self.0.push(Span::Item { shown: shown.to_owned(), path: path.to_owned() });
        self
    }

    pub(crate) fn link(mut self, text: impl Into<String>, file: impl Into<String>, item: Option<String>) -> Self {
        self.0.push(Span::Link { text: text.into(), file: file.into(), item });
        self
    }

    pub(crate) fn readme(mut self, t: Text) -> Self {
        self.0.push(Span::Readme(t));
        self
    }

    /// `readme` in the README, `crate_docs` in the crate docs.
    pub(crate) fn either(mut self, readme: &str, crate_docs: &str) -> Self {
        self.0.push(Span::Readme(Text::md(readme)));
        self.0.push(Span::CrateDocs(Text::md(crate_docs)));
        self
    }

    pub(crate) fn extend(mut self, t: Text) -> Self {
        self.0.extend(t.0);
        self
    }

    fn render(&self, to: Output) -> String {
        let mut out = String::new();
        for span in &self.0 {
            match (span, to) {
                (Span::Md(s), _) => out.push_str(s),
                (Span::Item { shown, .. }, Output::Readme) => out.push_str(&code_cell(shown)),
                (Span::Item { shown, path }, Output::CrateDocs) => out.push_str(&intra_doc(&code_cell(shown), path)),
                (Span::Item { shown, .. }, Output::CrateDocsUnlinked) => out.push_str(&code_cell(shown)),
                (Span::Link { text, file, .. }, Output::Readme) => out.push_str(&format!("[{text}]({file})")),
                (Span::Link { text, item: Some(path), .. }, Output::CrateDocs) => out.push_str(&intra_doc(text, path)),
                (Span::Link { text, .. }, Output::CrateDocsUnlinked)
                | (Span::Link { text, item: None, .. }, Output::CrateDocs) => out.push_str(text),
                (Span::Readme(t), Output::Readme) => out.push_str(&t.render(to)),
                (Span::CrateDocs(t), Output::CrateDocs | Output::CrateDocsUnlinked) => out.push_str(&t.render(to)),
                (Span::Readme(_), Output::CrateDocs | Output::CrateDocsUnlinked)
                | (Span::CrateDocs(_), Output::Readme) => {}
            }
        }
        out
    }
}

/// An intra-doc link, in its short form when the text is the path as code.
fn intra_doc(text: &str, path: &str) -> String {
    if text == format!("`{path}`") {
        format!("[{text}]")
    } else {
        format!("[{text}]({path})")
    }
}

/// Which output a renderer writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Output {
    Readme,
    CrateDocs,
    /// The crate docs of a gated section with its feature off: references to items as plain code.
    CrateDocsUnlinked,
}

// -------------------------------------------------------------------------------------------
// The renderers

impl Guide {
    /// The README (after its header): `# <crate>`, the intro, the contents, then `## ` sections.
    pub(crate) fn markdown(&self) -> String {
        let mut out = format!("# {}\n\n", self.title);
        let mut toc: Vec<&str> = Vec::new();
        for s in &self.sections {
            if !toc.contains(&s.heading.as_str()) {
                toc.push(&s.heading);
            }
        }
        let contents = Block::List(toc.iter().map(|h| Text::md(format!("[{h}](#{})", anchor(h)))).collect());
        let intro: Vec<&Block> = self.intro.iter().chain([&contents]).collect();
        out.push_str(&blocks(&intro, Output::Readme));
        for s in &self.sections {
            out.push_str(&format!("\n## {}\n\n", s.heading));
            out.push_str(&blocks(&s.blocks.iter().collect::<Vec<_>>(), Output::Readme));
        }
        out
    }

    /// The crate docs, as Markdown for rustdoc: the intro, then `# ` sections; what only the
    /// README shows is left out. A section behind a feature is a part of its own, in two
    /// versions: with the feature on (items linked) and off (items as plain code).
    pub(crate) fn rustdoc_parts(&self) -> Vec<DocPart> {
        let mut parts = vec![DocPart::Always(blocks(&self.intro.iter().collect::<Vec<_>>(), Output::CrateDocs))];
        for s in self.sections.iter().filter(|s| s.in_crate_docs) {
            let section = |to: Output| {
                let body = blocks(&s.blocks.iter().collect::<Vec<_>>(), to);
                if body.is_empty() {
                    String::new()
                } else {
                    format!("\n# {}\n\n{body}", s.heading)
                }
            };
            match s.feature {
                None => match parts.last_mut() {
                    Some(DocPart::Always(text)) => text.push_str(&section(Output::CrateDocs)),
                    _ => parts.push(DocPart::Always(section(Output::CrateDocs))),
                },
                Some(feature) => parts.push(DocPart::Feature {
                    feature,
                    on: section(Output::CrateDocs),
                    off: section(Output::CrateDocsUnlinked),
                }),
            }
        }
        parts
    }

    /// The crate docs as one text, with every feature off.
    #[cfg(test)]
    pub(crate) fn rustdoc(&self) -> String {
        self.rustdoc_parts()
            .into_iter()
            .map(|p| match p {
                DocPart::Always(text) | DocPart::Feature { off: text, .. } => text,
            })
            .collect()
    }
}

/// A part of the crate docs.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum DocPart {
    /// In the docs whatever the features.
    Always(String),
    /// A section about the items of a feature: its text with the feature `on` and `off`.
    Feature { feature: &'static str, on: String, off: String },
}

/// Blocks one after the other, a blank line between two.
fn blocks(list: &[&Block], to: Output) -> String {
    let mut flat: Vec<&Block> = Vec::new();
    fn visit<'a>(b: &'a Block, to: Output, flat: &mut Vec<&'a Block>) {
        match b {
            Block::Readme(inner) if to == Output::Readme => inner.iter().for_each(|b| visit(b, to, flat)),
            Block::Readme(_) => {}
            other => flat.push(other),
        }
    }
    list.iter().for_each(|b| visit(b, to, &mut flat));
    flat.iter().map(|b| block(b, to)).collect::<Vec<_>>().join("\n")
}

fn block(b: &Block, to: Output) -> String {
    match b {
        Block::Para(t) => format!("{}\n", t.render(to)),
        Block::List(items) => items.iter().map(|t| format!("- {}\n", t.render(to))).collect(),
        Block::Table(head, rows) => {
            let mut out = format!("| {} |\n|{}\n", head.join(" | "), " --- |".repeat(head.len()));
            for row in rows {
                let cells: Vec<String> = row.iter().map(|c| c.render(to)).collect();
                out.push_str(&format!("| {} |\n", cells.join(" | ")));
            }
            out
        }
        Block::Code(lang, code) => format!("```{lang}\n{code}```\n"),
        Block::Readme(_) => unreachable!("flattened by `blocks`"),
    }
}

/// A block as Markdown, its links from the crate root.
pub(crate) fn markdown(b: &Block) -> String {
    blocks(&[b], Output::Readme)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Guide {
        Guide {
            title: "demo".into(),
            intro: vec![Block::Para(Text::md("A client.").readme(Text::md(" See [the reference](docs/README.md).")))],
            sections: vec![
                Section::readme("Install", vec![Block::Code("toml", "[dependencies]\ndemo = \"1\"\n".into())]),
                Section::new(
                    "Errors",
                    vec![
                        Block::Para(
                            Text::md("Every call fails with ")
                                .item("Error")
                                .and(", as ")
                                .either("here:", "its docs say."),
                        ),
                        Block::Table(vec!["Variant"], vec![vec![Text::default().item("Error::Decode")]]),
                        Block::Readme(vec![Block::Code("rust", "let x = 1;\n".into())]),
                        Block::List(vec![Text::default().link(
                            "`Pet`",
                            "docs/models/pet.md",
                            Some("models::Pet".into()),
                        )]),
                    ],
                ),
                Section::new("Detail only", vec![Block::Readme(vec![Block::Para(Text::md("More."))])]),
            ],
        }
    }

    #[test]
    fn the_readme_renders_everything_with_file_links_and_contents() {
        assert_eq!(
            sample().markdown(),
            "# demo\n\nA client. See [the reference](docs/README.md).\n\n\
             - [Install](#install)\n- [Errors](#errors)\n- [Detail only](#detail-only)\n\n\
             ## Install\n\n```toml\n[dependencies]\ndemo = \"1\"\n```\n\n\
             ## Errors\n\nEvery call fails with `Error`, as here:\n\n| Variant |\n| --- |\n| `Error::Decode` |\n\n\
             ```rust\nlet x = 1;\n```\n\n- [`Pet`](docs/models/pet.md)\n\n\
             ## Detail only\n\nMore.\n"
        );
    }

    #[test]
    fn a_gated_section_links_its_items_only_with_its_feature() {
        let text = Text::md("Call ").item_as("client.start()", "Client::start").and(".");
        let link = Text::default().link("its page", "docs/start.md", Some("Start".into()));
        let guide = Guide {
            title: "demo".into(),
            intro: vec![],
            sections: vec![
                Section::new("Before", vec![Block::Para(Text::md("A."))]),
                Section::gated("Start", "start", vec![Block::Para(text), Block::List(vec![link])]),
                Section::new("After", vec![Block::Para(Text::md("B."))]),
            ],
        };
        assert_eq!(
            guide.rustdoc_parts(),
            [
                DocPart::Always("\n# Before\n\nA.\n".into()),
                DocPart::Feature {
                    feature: "start",
                    on: "\n# Start\n\nCall [`client.start()`](Client::start).\n\n- [its page](Start)\n".into(),
                    off: "\n# Start\n\nCall `client.start()`.\n\n- its page\n".into(),
                },
                DocPart::Always("\n# After\n\nB.\n".into()),
            ]
        );
        assert_eq!(
            guide.rustdoc(),
            "\n# Before\n\nA.\n\n# Start\n\nCall `client.start()`.\n\n- its page\n\n# After\n\nB.\n"
        );
        assert_eq!(
            guide.markdown(),
            "# demo\n\n- [Before](#before)\n- [Start](#start)\n- [After](#after)\n\n## Before\n\nA.\n\n\
             ## Start\n\nCall `client.start()`.\n\n- [its page](docs/start.md)\n\n## After\n\nB.\n"
        );
    }

    #[test]
    fn the_crate_docs_render_the_same_model_with_item_links_and_no_readme_parts() {
        assert_eq!(
            sample().rustdoc(),
            "A client.\n\n# Errors\n\nEvery call fails with [`Error`], as its docs say.\n\n\
             | Variant |\n| --- |\n| [`Error::Decode`] |\n\n- [`Pet`](models::Pet)\n"
        );
    }
}
