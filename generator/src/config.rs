//! The generator config: everything specific to one generated crate that the spec does not say.
//!
//! ```toml
//! [package]
//! name = "flexprice"           # crate name, also the `use` name: a snake_case identifier
//! version = "0.1.0"
//! description = "..."
//! repository = "https://..."  # also homepage, documentation, keywords, categories
//! publish = false              # true lets `cargo publish` upload it
//!
//! [client]
//! env_prefix = "FLEXPRICE"     # Client::from_env reads FLEXPRICE_API_KEY, FLEXPRICE_SERVER_URL
//!
//! [types]
//! date_time = "chrono"         # format: date-time / date as chrono types (default), or "string"
//!
//! [types.rename]               # schema name in the spec -> Rust type name
//! "dto.Event" = "Event"
//!
//! [bulk.ingest_events]         # a batching helper `ingest_events` on the tag of the operation
//! operation = "post_events_bulk"
//! items = "events"             # the array field of the request body to split
//! ingestor = "ingestor"        # optional: a background batcher `events().ingestor(options)`,
//!                              # behind the crate's Cargo feature `ingestor` (off by default)
//!
//! [pagination.post_events_query]  # `.pages()` / `.items()` on the operation's call
//! items = "events"             # the array field of the response
//! cursor = "iter_last_key"     # response field with the next page's cursor ...
//! cursor_param = "iter_last_key"  # ... and where it goes (query parameter or JSON body field)
//! has_more = "has_more"        # optional boolean response field
//! # or, for offset paging: offset_param = "offset"
//!
//! [select]                     # generate a part of the spec (all of it when empty)
//! include_tags = ["Events"]    # operations with any of these tags
//! include_paths = ["/events/*"] # operations on these paths (`*` at the end: any rest)
//!
//! [pins.operations]            # "METHOD /path" -> Rust method name, whatever the operationId
//! "POST /events" = "post_events"
//!
//! [pins.types]                 # schema pointer -> Rust type name, whatever the schema is called
//! "#/components/schemas/IngestEventRequest" = "IngestEventRequest"
//! ```

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::diag::{Diagnostic, GenerateError};

/// The whole config file. Every section is optional.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The generated crate's `[package]`.
    #[serde(default)]
    pub package: PackageConfig,
    /// Client construction.
    #[serde(default)]
    pub client: ClientConfig,
    /// Type naming.
    #[serde(default)]
    pub types: TypesConfig,
    /// Batching helpers, keyed by the helper's method name.
    #[serde(default)]
    pub bulk: BTreeMap<String, BulkConfig>,
    /// Paginated operations, keyed by the operation's method name.
    #[serde(default)]
    pub pagination: BTreeMap<String, PaginationConfig>,
    /// Where and how the output says it was generated.
    #[serde(default)]
    pub output: OutputConfig,
    /// Which part of the spec to generate.
    #[serde(default)]
    pub select: SelectConfig,
    /// Names that stay put whatever the spec calls things.
    #[serde(default)]
    pub pins: PinsConfig,
}

/// Which operations to generate: those matching any include rule; all of them when there is
/// no rule. Only the schemas the kept operations reach are generated.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SelectConfig {
    /// Keep operations with any of these tags.
    #[serde(default)]
    pub include_tags: Vec<String>,
    /// Keep operations on these path templates (`/events`); a pattern ending in `*` matches
    /// every path that starts with what comes before it (`/events/*`).
    #[serde(default)]
    pub include_paths: Vec<String>,
}

impl SelectConfig {
    /// `true` when every operation is kept.
    pub fn is_everything(&self) -> bool {
        self.include_tags.is_empty() && self.include_paths.is_empty()
    }
}

/// Names pinned by where things are in the spec, so they survive upstream renames.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PinsConfig {
    /// `"METHOD /path"` (such as `"POST /events"`) to the operation's Rust method name.
    #[serde(default)]
    pub operations: BTreeMap<String, String>,
    /// A schema's JSON pointer (`#/components/schemas/dto.Event`, or the pointer of an inline
    /// schema) to its Rust type name.
    #[serde(default)]
    pub types: BTreeMap<String, String>,
}

impl PinsConfig {
    /// The operation pins as `(METHOD, path) -> name`; keys are checked by [`Config::parse`].
    pub fn operation_keys(&self) -> BTreeMap<(String, String), String> {
        self.operations.iter().filter_map(|(key, name)| parse_operation_key(key).map(|k| (k, name.clone()))).collect()
    }
}

const METHODS: &[&str] = &["GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH", "TRACE"];

/// `"post /events"` gives `("POST", "/events")`.
fn parse_operation_key(key: &str) -> Option<(String, String)> {
    let (method, path) = key.trim().split_once(' ')?;
    let method = method.to_ascii_uppercase();
    let path = path.trim();
    (METHODS.contains(&method.as_str()) && path.starts_with('/')).then(|| (method, path.to_owned()))
}

/// The generated crate's package metadata.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PackageConfig {
    /// Crate name; defaults to the spec title in snake case.
    pub name: Option<String>,
    /// Crate version.
    #[serde(default = "default_version")]
    pub version: String,
    /// One-line description; defaults to the spec title.
    pub description: Option<String>,
    /// SPDX license expression.
    pub license: Option<String>,
    /// Source repository URL.
    pub repository: Option<String>,
    /// Home page URL.
    pub homepage: Option<String>,
    /// Documentation URL (docs.rs by default on crates.io).
    pub documentation: Option<String>,
    /// crates.io keywords (at most five).
    #[serde(default)]
    pub keywords: Vec<String>,
    /// crates.io category slugs.
    #[serde(default)]
    pub categories: Vec<String>,
    /// Whether `cargo publish` may upload the crate (default: no).
    #[serde(default)]
    pub publish: bool,
}

impl Default for PackageConfig {
    fn default() -> Self {
        Self {
            name: None,
            version: default_version(),
            description: None,
            license: None,
            repository: None,
            homepage: None,
            documentation: None,
            keywords: Vec::new(),
            categories: Vec::new(),
            publish: false,
        }
    }
}

fn default_version() -> String {
    "0.1.0".to_owned()
}

/// Client construction settings.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientConfig {
    /// Prefix of the environment variables read by `Client::from_env`; defaults to the crate
    /// name in upper snake case.
    pub env_prefix: Option<String>,
}

/// Type naming settings.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TypesConfig {
    /// Schema name in the spec to Rust type name, overriding the derived name.
    #[serde(default)]
    pub rename: BTreeMap<String, String>,
    /// How `format: date-time` and `format: date` strings are typed.
    #[serde(default)]
    pub date_time: DateTimeMode,
}

/// The Rust types of `format: date-time` / `format: date` strings.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DateTimeMode {
    /// `chrono::DateTime<chrono::Utc>` and `chrono::NaiveDate` (RFC 3339 on the wire).
    #[default]
    Chrono,
    /// `String`, as the spec writes them.
    String,
}

/// A batching helper over an operation whose request body has an array field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BulkConfig {
    /// The operation's Rust method name, such as `post_events_bulk`.
    pub operation: String,
    /// The wire name of the array field in the request body that holds the items.
    pub items: String,
    /// Also emit a background batcher (`Ingestor`) over the operation, as a method of this
    /// name on the operation's tag, compiled only with the generated crate's Cargo feature
    /// `ingestor` (off by default). Without it, the crate carries no ingestor code.
    #[serde(default)]
    pub ingestor: Option<String>,
}

/// How an operation's response is one page of a longer list, and how to ask for the next.
///
/// Cursor paging names `cursor` (the response field holding the next page's cursor) and,
/// when the request names it differently, `cursor_param`; offset paging names `offset_param`.
/// Parameters are query parameters or top-level fields of a JSON request body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PaginationConfig {
    /// The array field of the response holding a page's items.
    pub items: String,
    /// The response field with the cursor of the next page (cursor paging).
    pub cursor: Option<String>,
    /// The request parameter or body field that takes the cursor; defaults to `cursor`.
    pub cursor_param: Option<String>,
    /// The request parameter or body field with the number of items to skip (offset paging).
    pub offset_param: Option<String>,
    /// Request parameters or body fields that place the first page only (an `offset` beside a
    /// cursor): later pages leave them out, since the cursor says where they start.
    #[serde(default)]
    pub first_page_only: Vec<String>,
    /// The boolean response field that says whether more pages follow.
    pub has_more: Option<String>,
}

/// How the output names its origin.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutputConfig {
    /// The command that regenerates the output, quoted in every file header.
    #[serde(default = "default_regen_command")]
    pub regen_command: String,
    /// Make the crate a workspace of its own (for output outside the project's workspace).
    #[serde(default)]
    pub standalone: bool,
    /// The name of the folder the crate is written to, for the path dependency its README
    /// shows; set from the output path by the CLI and the xtask, never read from the file.
    #[serde(skip)]
    pub folder: Option<String>,
}

impl Default for OutputConfig {
    fn default() -> Self {
        Self { regen_command: default_regen_command(), standalone: false, folder: None }
    }
}

fn default_regen_command() -> String {
    "cargo xtask regen".to_owned()
}

impl Config {
    /// Parses a config file; `file` names it in diagnostics.
    pub fn parse(file: &str, text: &str) -> Result<Self, GenerateError> {
        let config: Config = toml::from_str(text).map_err(|e| {
            let span = e
                .span()
                .map(|s| {
                    let before = &text[..s.start.min(text.len())];
                    let line = before.matches('\n').count() + 1;
                    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
                    format!(" at line {line}, column {column}")
                })
                .unwrap_or_default();
            GenerateError::single(Diagnostic::error(
                file,
                "",
                format!("invalid generator config{span}: {}", e.message()),
            ))
        })?;
        let problems = config.problems();
        if problems.is_empty() {
            Ok(config)
        } else {
            Err(GenerateError {
                diagnostics: problems.into_iter().map(|(at, m)| Diagnostic::error(file, at, m)).collect(),
            })
        }
    }

    /// What is wrong with the values of a config (the syntax being fine): `(key, message)`.
    /// Checked by [`Config::parse`], and again before generating, so a config built in code
    /// gets the same errors.
    pub fn problems(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        if let Some(problem) = self.package.name.as_deref().and_then(crate::lower::names::crate_name_problem) {
            out.push((" [package] name".into(), problem));
        }
        let mut methods: BTreeMap<&str, &str> = BTreeMap::new();
        for (key, name) in &self.pins.operations {
            let at = format!(" [pins.operations] \"{key}\"");
            if parse_operation_key(key).is_none() {
                out.push((at.clone(), format!("`{key}` is not `METHOD /path` (such as `POST /events`)")));
            }
            if !crate::lower::names::is_snake_ident(name) {
                out.push((at.clone(), format!("`{name}` is not a snake_case Rust identifier")));
            } else if ["new", "client", "core"].contains(&name.as_str()) {
                out.push((at.clone(), format!("`{name}` is reserved by the generated client")));
            }
            if let Some(other) = methods.insert(name, key) {
                out.push((at, format!("`{name}` is pinned twice (also by \"{other}\")")));
            }
        }
        let mut types: BTreeMap<&str, &str> = BTreeMap::new();
        for (key, name) in &self.pins.types {
            let at = format!(" [pins.types] \"{key}\"");
            if !key.starts_with("#/") {
                out.push((
                    at.clone(),
                    format!("`{key}` is not a JSON pointer into the spec (`#/components/schemas/...`)"),
                ));
            }
            if !crate::lower::names::is_type_ident(name) {
                out.push((at.clone(), format!("`{name}` cannot name a generated type (an UpperCamel Rust identifier that no generated code uses)")));
            }
            if let Some(other) = types.insert(name, key) {
                out.push((at, format!("`{name}` is pinned twice (also by \"{other}\")")));
            }
        }
        for pattern in &self.select.include_paths {
            if !pattern.starts_with('/') {
                out.push((
                    " [select] include_paths".into(),
                    format!("`{pattern}` is not a path (it must start with `/`)"),
                ));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_keys_are_rejected_with_the_file_named() {
        let err = Config::parse("gen.toml", "[package]\nnmae = \"x\"\n").unwrap_err();
        let text = err.to_string();
        assert!(text.contains("gen.toml") && text.contains("nmae"), "{text}");
        assert!(text.contains("at line 2, column 1"), "a line and column, not bytes: {text}");
    }

    #[test]
    fn bad_pins_are_rejected_with_the_key_named() {
        let text = "[pins.operations]\n\"FETCH /x\" = \"get_x\"\n\"GET /y\" = \"Get-Y\"\n\"GET /z\" = \"get_x\"\n\
                    [pins.types]\n\"dto.Event\" = \"Event\"\n\"#/components/schemas/A\" = \"String\"\n";
        let text = Config::parse("gen.toml", text).unwrap_err().to_string();
        for expected in [
            "`FETCH /x` is not `METHOD /path`",
            "`Get-Y` is not a snake_case Rust identifier",
            "`get_x` is pinned twice",
            "`dto.Event` is not a JSON pointer",
            "`String` cannot name a generated type",
        ] {
            assert!(text.contains(expected), "missing `{expected}` in:\n{text}");
        }
        assert!(text.contains("gen.toml [pins.types]"), "{text}");
    }

    #[test]
    fn a_crate_name_that_is_no_rust_identifier_is_rejected_with_a_suggestion() {
        for (bad, suggested) in
            [("my-api", "my_api"), ("3d", "api_3d"), ("type", "type_api"), ("MyApi", "my_api"), ("std", "std_api")]
        {
            let text = Config::parse("gen.toml", &format!("[package]\nname = \"{bad}\"\n")).unwrap_err().to_string();
            assert!(text.contains(&format!("`{bad}` cannot name the crate")), "{text}");
            assert!(text.contains(&format!("(such as `{suggested}`)")), "{text}");
        }
        assert!(Config::parse("gen.toml", "[package]\nname = \"my_api2\"\n").is_ok());
    }

    #[test]
    fn pins_and_selection_parse() {
        let c = Config::parse(
            "gen.toml",
            "[select]\ninclude_tags = [\"Events\"]\n[pins.operations]\n\"post /events\" = \"post_events\"\n",
        )
        .unwrap();
        assert_eq!(c.select.include_tags, ["Events"]);
        assert_eq!(
            c.pins.operation_keys().into_iter().collect::<Vec<_>>(),
            [(("POST".to_owned(), "/events".to_owned()), "post_events".to_owned())]
        );
    }

    #[test]
    fn empty_config_has_defaults() {
        let c = Config::parse("gen.toml", "").unwrap();
        assert_eq!(c.package.version, "0.1.0");
        assert_eq!(c.output.regen_command, "cargo xtask regen");
    }
}
