//! Regeneration as a release step (`cargo xtask regen`): the crate records the SHA-256 of the
//! spec it was made from (in `Cargo.toml`, `[package.metadata.sdkgen]`) and keeps a copy of
//! that spec. When the spec changed since, the change report between the two is prepended to
//! the crate's `CHANGELOG.md` and the crate version steps by the semver bump it implies.
//! With no change, the output is byte for byte what is on disk: running it again changes
//! nothing.

use std::path::Path;

use crate::config::Config;
use crate::diag::{Diagnostic, GenerateError};
use crate::diff::{next_version, Bump, Report};
use crate::lower::LowerOptions;
use crate::Generated;

/// The changelog of the generated crate.
pub const CHANGELOG: &str = "CHANGELOG.md";

/// Folder of the generated crate holding the copy of its spec.
pub const SPEC_COPY_DIR: &str = "spec";

/// What the crate folder says about the generation that made it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Previous {
    /// `package.version` of the crate's `Cargo.toml`.
    pub version: Option<String>,
    /// `package.metadata.sdkgen.spec-sha256`.
    pub spec_sha256: Option<String>,
    /// The spec copy kept in the crate, if its hash is the recorded one.
    pub spec: Option<String>,
    /// The changelog as it is.
    pub changelog: Option<String>,
}

/// Reads what a previous generation left in `out` (nothing when it is not there).
pub fn read_previous(out: &Path, spec_file_name: &str) -> Previous {
    let manifest: Option<toml::Table> =
        std::fs::read_to_string(out.join("Cargo.toml")).ok().and_then(|t| t.parse().ok());
    let package = manifest.as_ref().and_then(|m| m.get("package")).and_then(toml::Value::as_table);
    let version = package.and_then(|p| p.get("version")).and_then(toml::Value::as_str).map(str::to_owned);
    let spec_sha256 = package
        .and_then(|p| p.get("metadata"))
        .and_then(|m| m.get("sdkgen"))
        .and_then(|s| s.get("spec-sha256"))
        .and_then(toml::Value::as_str)
        .map(str::to_owned);
    let spec = std::fs::read_to_string(out.join(SPEC_COPY_DIR).join(spec_file_name))
        .ok()
        .filter(|text| Some(crate::sha256_hex(text)) == spec_sha256);
    let changelog = std::fs::read_to_string(out.join(CHANGELOG)).ok();
    Previous { version, spec_sha256, spec, changelog }
}

/// The outcome of a regeneration.
#[derive(Debug, Clone)]
pub struct Release {
    /// The crate, with its changelog and spec copy.
    pub generated: Generated,
    /// The crate version written.
    pub version: String,
    /// The change report, when the spec changed since the previous generation.
    pub report: Option<Report>,
    /// Notes for the maintainer (why no report could be made).
    pub notes: Vec<String>,
}

fn parse_version(v: &str) -> Option<(u64, u64, u64)> {
    let mut parts = v.split(['-', '+']).next()?.split('.').map(|p| p.parse::<u64>().ok());
    let out = (parts.next()??, parts.next()??, parts.next()??);
    parts.next().is_none().then_some(out)
}

/// Regenerates the crate in `out` from `spec_text`: the version is the previous one (or the
/// config's, when a maintainer raised it there), stepped by the semver bump of the change
/// report when the spec changed. Writes nothing; the caller writes or checks the files.
pub fn regenerate(
    spec_path: &str,
    spec_text: &str,
    config: &Config,
    out: &Path,
    options: LowerOptions,
) -> Result<Release, GenerateError> {
    let file_name = Path::new(spec_path)
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_else(|| "openapi.yaml".to_owned());
    let previous = read_previous(out, &file_name);
    let new_hash = crate::sha256_hex(spec_text);
    let base = match (&previous.version, parse_version(&config.package.version)) {
        (Some(prev), Some(ours)) if parse_version(prev).is_some_and(|p| p > ours) => prev.clone(),
        _ => config.package.version.clone(),
    };
    let mut version = base.clone();
    let mut notes = Vec::new();
    let entry = match (&previous.spec_sha256, &previous.spec) {
        (None, _) => Entry::None,
        (Some(old_hash), _) if *old_hash == new_hash => Entry::None,
        (Some(_), Some(old_text)) => {
            match crate::lower_str(&format!("{spec_path} (previous)"), old_text, config, options) {
                Ok((old, _)) => {
                    let (new, _) = crate::lower_str(spec_path, spec_text, config, options)?;
                    Entry::Report(crate::diff::diff(&old, &new, Some(&base)))
                }
                Err(e) => Entry::Unclassified(format!(
                    "the previous spec no longer generates ({})",
                    e.diagnostics.first().map(ToString::to_string).unwrap_or_default()
                )),
            }
        }
        (Some(_), None) => Entry::Unclassified(format!(
            "the copy of the previous spec ({SPEC_COPY_DIR}/{file_name}) is missing or does not match the \
             recorded hash"
        )),
    };
    let bump = match &entry {
        Entry::None => Bump::None,
        // The spec changed even when the API did not (docs, examples): a patch step.
        Entry::Report(r) if r.bump == Bump::None => Bump::Patch,
        Entry::Report(r) => r.bump,
        // What cannot be compared is taken as breaking: a larger step than needed is safe.
        Entry::Unclassified(why) => {
            notes.push(format!("the spec changed but cannot be compared with the previous one: {why}; the version steps as for a breaking change"));
            Bump::Major
        }
    };
    if bump != Bump::None {
        version = next_version(&base, bump).ok_or_else(|| {
            GenerateError::single(Diagnostic::error(
                "generator config",
                " [package] version",
                format!("`{base}` is not a MAJOR.MINOR.PATCH version; it cannot be stepped"),
            ))
        })?;
    }
    let mut config = config.clone();
    config.package.version = version.clone();
    let mut generated = crate::generate_str(spec_path, spec_text, &config, options)?;
    let changelog = changelog(&previous, &version, &file_name, &new_hash, &entry, &generated);
    generated.files.insert(CHANGELOG, changelog);
    generated.files.insert(format!("{SPEC_COPY_DIR}/{file_name}"), spec_text);
    let report = match entry {
        Entry::Report(r) => Some(r),
        _ => None,
    };
    Ok(Release { generated, version, report, notes })
}

/// What the changelog says about a regeneration.
enum Entry {
    /// The spec did not change (or nothing was recorded before): no entry.
    None,
    /// The change report.
    Report(Report),
    /// The spec changed, but the previous one cannot be compared; why.
    Unclassified(String),
}

const PREAMBLE: &str = "# Changelog\n";

fn changelog(
    previous: &Previous,
    version: &str,
    file_name: &str,
    hash: &str,
    entry: &Entry,
    generated: &Generated,
) -> String {
    let header = format!(
        "{PREAMBLE}\n<!-- Entries are written by the generator when the spec changes, newest first: \
         each lists what changed in the crate's API and whether it breaks users. -->\n"
    );
    let made_from = format!(
        "Generated from `{file_name}` (SHA-256 `{}`) by openapi-sdkgen {}.",
        &hash[..hash.len().min(12)],
        generated.api.package.generator_version
    );
    let existing = previous.changelog.clone().filter(|c| c.starts_with(PREAMBLE));
    let Some(existing) = existing else {
        return format!("{header}\n## {version}\n\n{made_from} First recorded version.\n");
    };
    let body = match entry {
        Entry::None => return existing,
        Entry::Report(report) if report.is_empty() => {
            "No change to the generated API (documentation and examples only).\n".to_owned()
        }
        Entry::Report(report) => report.markdown(3),
        Entry::Unclassified(why) => {
            format!("The changes are not classified: {why}. The version steps as for a breaking change.\n")
        }
    };
    let entry = format!("## {version}\n\n{made_from}\n\n{body}\n");
    match existing.find("\n## ") {
        Some(i) => format!("{}{entry}{}", &existing[..i + 1], &existing[i + 1..]),
        None => format!("{}\n{entry}", existing.trim_end()),
    }
}
