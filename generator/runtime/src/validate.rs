//! Validation of request models before anything is sent.
//!
//! Generated models implement [`Validate`] by calling the checks of [`Validator`] on their
//! fields; every violation is collected with its path (`entries[3].properties.foo`), so a
//! caller sees all problems at once.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::errors::{InvalidRequest, Violation};

/// A value that can check itself against the constraints of its schema.
pub trait Validate {
    /// Records every violation of `self` into `v`, at `v`'s current path.
    fn validate(&self, v: &mut Validator);
}

/// Validates `value` and returns every violation found.
pub fn validate<T: Validate + ?Sized>(value: &T) -> Result<(), InvalidRequest> {
    let mut v = Validator::new();
    value.validate(&mut v);
    v.finish()
}

#[derive(Debug)]
enum Segment {
    Field(&'static str),
    Index(usize),
    Key(String),
}

/// Collects violations while walking a value; keeps track of the current path.
#[derive(Debug, Default)]
pub struct Validator {
    path: Vec<Segment>,
    violations: Vec<Violation>,
}

impl Validator {
    /// An empty validator at the root path.
    pub fn new() -> Self {
        Validator::default()
    }

    fn nested(&mut self, segment: Segment, f: impl FnOnce(&mut Self)) {
        self.path.push(segment);
        f(self);
        self.path.pop();
    }

    /// Runs `f` with `name` appended to the path (`a.name`).
    pub fn field(&mut self, name: &'static str, f: impl FnOnce(&mut Self)) {
        self.nested(Segment::Field(name), f);
    }

    /// Runs `f` with an index appended to the path (`a[3]`).
    pub fn index(&mut self, index: usize, f: impl FnOnce(&mut Self)) {
        self.nested(Segment::Index(index), f);
    }

    /// Runs `f` with a map key appended to the path (`a.key`, or `a["odd key"]`).
    pub fn key(&mut self, key: &str, f: impl FnOnce(&mut Self)) {
        self.nested(Segment::Key(key.to_owned()), f);
    }

    /// The current path as text.
    pub fn path(&self) -> String {
        let mut out = String::new();
        for segment in &self.path {
            match segment {
                Segment::Field(name) => push_name(&mut out, name),
                Segment::Index(i) => {
                    let _ = write!(out, "[{i}]");
                }
                Segment::Key(key) => {
                    let plain = !key.is_empty() && key.chars().all(|c| c.is_alphanumeric() || c == '_' || c == '-');
                    if plain {
                        push_name(&mut out, key);
                    } else {
                        let quoted = serde_json::to_string(key).unwrap_or_default();
                        let _ = write!(out, "[{quoted}]");
                    }
                }
            }
        }
        out
    }

    /// Records a violation at the current path.
    pub fn violation(&mut self, message: impl Into<String>) {
        let path = self.path();
        self.violations.push(Violation::new(path, message));
    }

    /// Checks that a list has at most `max` items.
    pub fn max_items(&mut self, len: usize, max: usize) {
        if len > max {
            self.violation(format!("must contain at most {max} {} (got {len})", items(max)));
        }
    }

    /// Checks that a list has at least `min` items.
    pub fn min_items(&mut self, len: usize, min: usize) {
        if len < min {
            self.violation(format!("must contain at least {min} {} (got {len})", items(min)));
        }
    }

    /// Checks that a string has at most `max` characters.
    pub fn max_length(&mut self, value: &str, max: usize) {
        // Counting stops early: a huge string is not walked to the end.
        let len = value.chars().take(max.saturating_add(1)).count();
        if len > max {
            let len = value.chars().count();
            self.violation(format!("must be at most {max} {} long (got {len})", characters(max)));
        }
    }

    /// Checks that a string has at least `min` characters.
    pub fn min_length(&mut self, value: &str, min: usize) {
        let len = value.chars().take(min).count();
        if len < min {
            if min == 1 {
                self.violation("must not be empty");
            } else {
                self.violation(format!("must be at least {min} {} long (got {len})", characters(min)));
            }
        }
    }

    /// Checks `value >= min` (`value > min` if `exclusive`).
    pub fn minimum(&mut self, value: f64, min: f64, exclusive: bool) {
        if exclusive && value <= min {
            self.violation(format!("must be greater than {min} (got {value})"));
        } else if !exclusive && value < min {
            self.violation(format!("must be greater than or equal to {min} (got {value})"));
        }
    }

    /// Checks `value <= max` (`value < max` if `exclusive`).
    pub fn maximum(&mut self, value: f64, max: f64, exclusive: bool) {
        if exclusive && value >= max {
            self.violation(format!("must be less than {max} (got {value})"));
        } else if !exclusive && value > max {
            self.violation(format!("must be less than or equal to {max} (got {value})"));
        }
    }

    /// Checks that `value` is a multiple of `factor` (with a small tolerance for floats).
    pub fn multiple_of(&mut self, value: f64, factor: f64) {
        if factor <= 0.0 || !factor.is_finite() {
            return;
        }
        let q = value / factor;
        if (q - q.round()).abs() > 1e-9 * q.abs().max(1.0) {
            self.violation(format!("must be a multiple of {factor} (got {value})"));
        }
    }

    /// Checks that no two items are equal.
    pub fn unique_items<T: PartialEq>(&mut self, items: &[T]) {
        for (i, a) in items.iter().enumerate() {
            if let Some(j) = items[..i].iter().position(|b| b == a) {
                self.violation(format!("must not contain duplicates (items {j} and {i} are equal)"));
                return;
            }
        }
    }

    /// Whether any violation was recorded.
    pub fn has_violations(&self) -> bool {
        !self.violations.is_empty()
    }

    /// `Ok` if nothing was recorded, otherwise every violation in the order found.
    pub fn finish(self) -> Result<(), InvalidRequest> {
        if self.violations.is_empty() {
            Ok(())
        } else {
            Err(InvalidRequest::new(self.violations))
        }
    }
}

fn push_name(out: &mut String, name: &str) {
    if !out.is_empty() {
        out.push('.');
    }
    out.push_str(name);
}

fn items(n: usize) -> &'static str {
    if n == 1 {
        "item"
    } else {
        "items"
    }
}

fn characters(n: usize) -> &'static str {
    if n == 1 {
        "character"
    } else {
        "characters"
    }
}

impl<T: Validate> Validate for [T] {
    fn validate(&self, v: &mut Validator) {
        for (i, item) in self.iter().enumerate() {
            v.index(i, |v| item.validate(v));
        }
    }
}

impl<T: Validate> Validate for Vec<T> {
    fn validate(&self, v: &mut Validator) {
        self.as_slice().validate(v);
    }
}

impl<T: Validate> Validate for Option<T> {
    fn validate(&self, v: &mut Validator) {
        if let Some(value) = self {
            value.validate(v);
        }
    }
}

impl<T: Validate + ?Sized> Validate for Box<T> {
    fn validate(&self, v: &mut Validator) {
        (**self).validate(v);
    }
}

impl<T: Validate> Validate for BTreeMap<String, T> {
    fn validate(&self, v: &mut Validator) {
        for (key, value) in self {
            v.key(key, |v| value.validate(v));
        }
    }
}

/// Values without constraints of their own: nothing to check.
macro_rules! no_constraints {
    ($($t:ty),* $(,)?) => {
        $(impl Validate for $t {
            fn validate(&self, _v: &mut Validator) {}
        })*
    };
}

no_constraints!(String, str, bool, i8, i16, i32, i64, u8, u16, u32, u64, f32, f64, serde_json::Value,);

#[cfg(test)]
mod tests {
    use super::*;

    struct Entry {
        name: String,
        tags: Vec<String>,
        properties: BTreeMap<String, Prop>,
    }

    struct Prop(String);

    impl Validate for Prop {
        fn validate(&self, v: &mut Validator) {
            v.max_length(&self.0, 3);
        }
    }

    impl Validate for Entry {
        fn validate(&self, v: &mut Validator) {
            v.field("name", |v| v.min_length(&self.name, 1));
            v.field("tags", |v| {
                v.max_items(self.tags.len(), 2);
                v.unique_items(&self.tags);
            });
            v.field("properties", |v| self.properties.validate(v));
        }
    }

    struct Batch {
        entries: Vec<Entry>,
        parent: Option<Box<Batch>>,
    }

    impl Validate for Batch {
        fn validate(&self, v: &mut Validator) {
            v.field("entries", |v| {
                v.max_items(self.entries.len(), 3);
                self.entries.validate(v);
            });
            v.field("parent", |v| self.parent.validate(v));
        }
    }

    fn entry(name: &str) -> Entry {
        Entry { name: name.into(), tags: vec![], properties: BTreeMap::new() }
    }

    #[test]
    fn valid_value_passes() {
        let b = Batch { entries: vec![entry("a"), entry("b")], parent: None };
        assert_eq!(validate(&b), Ok(()));
    }

    #[test]
    fn paths_and_messages() {
        let mut bad = entry("");
        bad.tags = vec!["x".into(), "y".into(), "x".into()];
        bad.properties.insert("foo".into(), Prop("long".into()));
        bad.properties.insert("odd key".into(), Prop("ok".into()));
        bad.properties.insert("a.b".into(), Prop("toolong".into()));
        let b = Batch {
            entries: vec![entry("a"), entry("b"), entry("c"), bad],
            parent: Some(Box::new(Batch { entries: vec![entry("")], parent: None })),
        };
        let err = validate(&b).unwrap_err();
        let got: Vec<String> = err.violations().iter().map(|v| v.to_string()).collect();
        assert_eq!(
            got,
            [
                "entries: must contain at most 3 items (got 4)",
                "entries[3].name: must not be empty",
                "entries[3].tags: must contain at most 2 items (got 3)",
                "entries[3].tags: must not contain duplicates (items 0 and 2 are equal)",
                "entries[3].properties[\"a.b\"]: must be at most 3 characters long (got 7)",
                "entries[3].properties.foo: must be at most 3 characters long (got 4)",
                "parent.entries[0].name: must not be empty",
            ]
        );
        assert_eq!(err.violations()[1].path, "entries[3].name");
    }

    #[test]
    fn numeric_and_length_checks() {
        let mut v = Validator::new();
        v.field("a", |v| v.minimum(0.0, 0.0, false));
        v.field("b", |v| v.minimum(0.0, 0.0, true));
        v.field("c", |v| v.maximum(10.5, 10.0, false));
        v.field("d", |v| v.maximum(10.0, 10.0, true));
        v.field("e", |v| v.maximum(10.0, 10.0, false));
        v.field("f", |v| v.multiple_of(0.3, 0.1));
        v.field("g", |v| v.multiple_of(7.0, 2.0));
        v.field("h", |v| v.min_length("ab", 3));
        v.field("i", |v| v.min_items(0, 1));
        v.field("j", |v| v.max_length("ééé", 3));
        v.field("k", |v| v.max_items(1, 1));
        assert!(v.has_violations());
        let got: Vec<String> = v.finish().unwrap_err().violations().iter().map(|v| v.to_string()).collect();
        assert_eq!(
            got,
            [
                "b: must be greater than 0 (got 0)",
                "c: must be less than or equal to 10 (got 10.5)",
                "d: must be less than 10 (got 10)",
                "g: must be a multiple of 2 (got 7)",
                "h: must be at least 3 characters long (got 2)",
                "i: must contain at least 1 item (got 0)",
            ]
        );
    }

    #[test]
    fn root_violation_has_empty_path() {
        let mut v = Validator::new();
        v.violation("whole thing is wrong");
        let err = v.finish().unwrap_err();
        assert_eq!(err.violations()[0].path, "");
        assert_eq!(err.to_string(), "whole thing is wrong");
    }
}
