//! Diagnostics: every problem found in an input names the file and the JSON pointer.

use std::fmt;

use serde::Serialize;

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Generation goes on and nothing was approximated: the document asks for what was done
    /// (OpenAPI has a `Content-Type` header parameter ignored). `--strict` does not refuse it.
    Note,
    /// Generation goes on; the construct was approximated (for example typed as JSON).
    Warning,
    /// Generation stops; nothing is written.
    Error,
}

/// One problem in an input document, located by file and JSON pointer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// Note, warning or error.
    pub severity: Severity,
    /// The file the problem is in, as the user named it.
    pub file: String,
    /// JSON pointer into the document, such as `#/paths/~1events/post/requestBody`.
    pub pointer: String,
    /// What is wrong, in one sentence. For a warning, it says how the construct was approximated.
    pub message: String,
    /// A warning that `--strict` turned into an error: the message's approximation is what
    /// generation would have done without the flag.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub refused_by_strict: bool,
}

impl Diagnostic {
    /// An error at `pointer`.
    pub fn error(file: &str, pointer: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Error,
            file: file.to_owned(),
            pointer: pointer.into(),
            message: message.into(),
            refused_by_strict: false,
        }
    }

    /// A warning at `pointer`.
    pub fn warning(file: &str, pointer: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Warning,
            file: file.to_owned(),
            pointer: pointer.into(),
            message: message.into(),
            refused_by_strict: false,
        }
    }

    /// A note at `pointer`: what was done as the document asks, said so it is not a surprise.
    pub fn note(file: &str, pointer: impl Into<String>, message: impl Into<String>) -> Self {
        Self { severity: Severity::Note, ..Self::warning(file, pointer, message) }
    }

    /// This warning as an error, for `--strict` (an error stays as it is).
    pub fn refuse_under_strict(&mut self) {
        if self.severity == Severity::Warning {
            self.severity = Severity::Error;
            self.refused_by_strict = true;
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = match self.severity {
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        };
        write!(f, "{level}: {}{}: {}", self.file, self.pointer, self.message)?;
        if self.refused_by_strict {
            f.write_str(" (a warning, refused under --strict)")?;
        }
        Ok(())
    }
}

/// The error of a failed generation: one or more diagnostics, at least one of them an error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenerateError {
    /// Every diagnostic collected before generation stopped, errors and warnings.
    pub diagnostics: Vec<Diagnostic>,
}

impl GenerateError {
    /// A failure with a single error diagnostic.
    pub fn single(diagnostic: Diagnostic) -> Self {
        Self { diagnostics: vec![diagnostic] }
    }
}

impl fmt::Display for GenerateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let errors = self.diagnostics.iter().filter(|d| d.severity == Severity::Error).count();
        writeln!(f, "generation failed with {errors} error{}:", if errors == 1 { "" } else { "s" })?;
        for d in &self.diagnostics {
            writeln!(f, "  {d}")?;
        }
        Ok(())
    }
}

impl std::error::Error for GenerateError {}

/// Escapes one JSON pointer segment (`~` becomes `~0`, `/` becomes `~1`).
pub fn escape_segment(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// Builds a pointer such as `#/paths/~1events/post` from raw segments.
pub fn pointer<I, S>(segments: I) -> String
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let mut out = String::from("#");
    for s in segments {
        out.push('/');
        out.push_str(&escape_segment(s.as_ref()));
    }
    out
}

/// Appends one segment to an existing pointer.
pub fn join(base: &str, segment: &str) -> String {
    format!("{base}/{}", escape_segment(segment))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointers_escape_slashes_and_tildes() {
        assert_eq!(pointer(["paths", "/events/bulk", "post"]), "#/paths/~1events~1bulk/post");
        assert_eq!(join("#/a", "x~y"), "#/a/x~0y");
    }

    #[test]
    fn display_names_file_and_pointer() {
        let d = Diagnostic::error("spec.yaml", "#/paths/~1events/post", "boom");
        assert_eq!(d.to_string(), "error: spec.yaml#/paths/~1events/post: boom");
    }

    #[test]
    fn strict_says_which_errors_were_warnings() {
        let mut warning = Diagnostic::warning("s.yaml", "#/a", "odd; typed as any JSON value");
        let mut error = Diagnostic::error("s.yaml", "#/b", "broken");
        warning.refuse_under_strict();
        error.refuse_under_strict();
        assert_eq!(
            warning.to_string(),
            "error: s.yaml#/a: odd; typed as any JSON value (a warning, refused under --strict)"
        );
        assert_eq!(error.to_string(), "error: s.yaml#/b: broken");
        let failed = GenerateError { diagnostics: vec![warning, error] }.to_string();
        assert!(failed.starts_with("generation failed with 2 errors:\n"), "{failed}");
        let one = GenerateError::single(Diagnostic::error("s.yaml", "#/b", "broken")).to_string();
        assert!(one.starts_with("generation failed with 1 error:\n"), "{one}");
    }
}
