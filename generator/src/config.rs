//! The generator config: everything specific to one generated crate that the spec does not say.
//!
//! ```toml
//! [package]
//! name = "flexprice"           # crate name (also the `use` name)
//! version = "0.1.0"
//! description = "..."
//!
//! [client]
//! env_prefix = "FLEXPRICE"     # Client::from_env reads FLEXPRICE_API_KEY, FLEXPRICE_SERVER_URL
//!
//! [types.rename]               # schema name in the spec -> Rust type name
//! "dto.Event" = "Event"
//!
//! [bulk.ingest_events]         # a batching helper `ingest_events` on the tag of the operation
//! operation = "post_events_bulk"
//! items = "events"             # the array field of the request body to split
//! ingestor = "ingestor"        # optional: a background batcher `events().ingestor(options)`
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
    /// Where and how the output says it was generated.
    #[serde(default)]
    pub output: OutputConfig,
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
}

impl Default for PackageConfig {
    fn default() -> Self {
        Self { name: None, version: default_version(), description: None, license: None }
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
    /// name on the operation's tag. Without it, the crate carries no ingestor code.
    #[serde(default)]
    pub ingestor: Option<String>,
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
}

impl Default for OutputConfig {
    fn default() -> Self {
        Self { regen_command: default_regen_command(), standalone: false }
    }
}

fn default_regen_command() -> String {
    "cargo xtask regen".to_owned()
}

impl Config {
    /// Parses a config file; `file` names it in diagnostics.
    pub fn parse(file: &str, text: &str) -> Result<Self, GenerateError> {
        toml::from_str(text).map_err(|e| {
            let span = e.span().map(|s| format!(" (bytes {}..{})", s.start, s.end)).unwrap_or_default();
            GenerateError::single(Diagnostic::error(
                file,
                "",
                format!("invalid generator config{span}: {}", e.message()),
            ))
        })
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
    }

    #[test]
    fn empty_config_has_defaults() {
        let c = Config::parse("gen.toml", "").unwrap();
        assert_eq!(c.package.version, "0.1.0");
        assert_eq!(c.output.regen_command, "cargo xtask regen");
    }
}
