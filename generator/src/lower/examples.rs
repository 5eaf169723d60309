//! Examples against their schemas: every example the generated round-trip tests would use is
//! checked against the type it belongs to. Some public descriptions give examples that
//! contradict their own schemas (a list wrapper as the example of its item, a number where the
//! schema says string); each such example is reported as a warning with its pointer, and its
//! round trip is emitted as an ignored test that says why, so the round trips test the
//! generator rather than the spec's typos.

use serde_json::Value;

use crate::diag::Diagnostic;
use crate::ir::{Api, TypeDef, TypeId, TypeKind, TypeRef, UnionTagging};

/// Beyond this many nested types an example is taken as fitting (no real example nests so deep).
const MAX_DEPTH: usize = 64;

/// Checks every example of `api`, records the problems in it and reports them as warnings.
pub(crate) fn check(api: &mut Api, file: &str, warnings: &mut Vec<Diagnostic>) {
    let types: Vec<TypeDef> = api.types.clone();
    let entered = std::cell::RefCell::default();
    let checker = Checker { types: &types, path: &entered, strict: true };
    for (i, def) in api.types.iter_mut().enumerate() {
        if let Some(example) = &def.example {
            if let Err(problem) = checker.fits(&TypeRef::Named(TypeId::at(i)), example, "", 0) {
                warnings.push(Diagnostic::warning(file, format!("{}/example", def.pointer), message(&problem)));
                def.example_problem = Some(problem);
            }
        }
    }
    for op in &mut api.operations {
        if let Some(body) = &mut op.body {
            if let Some(example) = &body.example {
                if let Err(problem) = checker.fits(&body.ty, example, "", 0) {
                    warnings.push(Diagnostic::warning(file, body.example_pointer.clone(), message(&problem)));
                    body.example_problem = Some(problem);
                }
            }
        }
        if let Some(example) = &op.response_example {
            if let Err(problem) = checker.fits(&op.response, example, "", 0) {
                warnings.push(Diagnostic::warning(file, op.response_example_pointer.clone(), message(&problem)));
                op.response_example_problem = Some(problem);
            }
        }
    }
}

fn message(problem: &str) -> String {
    format!("the example does not match its schema ({problem}); its round-trip test is skipped")
}

struct Checker<'a> {
    /// Indexed by [`TypeId`].
    types: &'a [TypeDef],
    /// The named types entered for each value on the way (see [`Checker::named`]).
    path: &'a std::cell::RefCell<Vec<(TypeId, *const Value)>>,
    /// Unknown object keys are a mismatch (the round trip drops them); without it, the check
    /// is whether the value decodes at all, as an untagged union tries its variants.
    strict: bool,
}

fn at(path: &str) -> String {
    if path.is_empty() {
        "the value".to_owned()
    } else {
        format!("`{path}`")
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(n) if n.is_f64() => "a fractional number",
        Value::Number(_) => "an integer",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

impl Checker<'_> {
    /// `Ok` when `v` decodes into `t` and encodes back the same; else what differs, and where.
    fn fits(&self, t: &TypeRef, v: &Value, path: &str, depth: usize) -> Result<(), String> {
        if depth > MAX_DEPTH {
            return Ok(());
        }
        let expect = |ok: bool, what: &str| {
            if ok {
                Ok(())
            } else {
                Err(format!("{} is {}, the schema says {what}", at(path), kind(v)))
            }
        };
        match t {
            TypeRef::String | TypeRef::Bytes | TypeRef::File => expect(v.is_string(), "a string"),
            TypeRef::DateTime => expect(v.as_str().is_some_and(is_rfc3339), "an RFC 3339 date-time"),
            TypeRef::Date => expect(v.as_str().is_some_and(is_full_date), "a date (YYYY-MM-DD)"),
            TypeRef::Bool => expect(v.is_boolean(), "a boolean"),
            TypeRef::I32 => expect(v.as_i64().is_some_and(|n| i32::try_from(n).is_ok()), "a 32-bit integer"),
            TypeRef::I64 => expect(v.is_i64(), "a 64-bit integer"),
            TypeRef::U32 => expect(v.as_u64().is_some_and(|n| u32::try_from(n).is_ok()), "an unsigned 32-bit integer"),
            TypeRef::U64 => expect(v.is_u64(), "an unsigned integer"),
            TypeRef::F32 | TypeRef::F64 => expect(v.is_number(), "a number"),
            TypeRef::Json => Ok(()),
            TypeRef::Unit => expect(v.is_null(), "no value"),
            TypeRef::Option(inner) => {
                if v.is_null() {
                    Ok(())
                } else {
                    self.fits(inner, v, path, depth)
                }
            }
            TypeRef::Box(inner) => self.fits(inner, v, path, depth),
            TypeRef::Vec(inner) => {
                let Some(items) = v.as_array() else { return expect(false, "an array") };
                for (i, item) in items.iter().enumerate() {
                    self.fits(inner, item, &format!("{path}[{i}]"), depth + 1)?;
                }
                Ok(())
            }
            TypeRef::Map(inner) => {
                let Some(map) = v.as_object() else { return expect(false, "an object") };
                for (k, item) in map {
                    self.fits(inner, item, &join(path, k), depth + 1)?;
                }
                Ok(())
            }
            TypeRef::Named(id) => self.named(*id, v, path, depth + 1),
        }
    }

    /// A union or alias may name itself (directly or through others) without consuming any of
    /// the value: entering the same type for the same value again ends the walk there.
    fn named(&self, id: TypeId, v: &Value, path: &str, depth: usize) -> Result<(), String> {
        let here = (id, v as *const Value);
        if self.path.borrow().contains(&here) {
            return Err(format!("{} is described only by `{}` naming itself", at(path), self.types[id.index()].name));
        }
        self.path.borrow_mut().push(here);
        let result = self.named_inner(&self.types[id.index()], v, path, depth);
        self.path.borrow_mut().pop();
        result
    }

    fn named_inner(&self, def: &TypeDef, v: &Value, path: &str, depth: usize) -> Result<(), String> {
        let name = &def.name;
        match &def.kind {
            TypeKind::Struct { fields, additional } => {
                let Some(map) = v.as_object() else {
                    return Err(format!("{} is {}, the schema says an object (`{name}`)", at(path), kind(v)));
                };
                for f in fields {
                    match map.get(&f.wire_name) {
                        None if f.is_plain() => {
                            return Err(format!("required property `{}` is missing", join(path, &f.wire_name)));
                        }
                        None => {}
                        Some(value) => self.fits(&f.full_type(), value, &join(path, &f.wire_name), depth)?,
                    }
                }
                if let Some(extra) = additional {
                    for (k, value) in map.iter().filter(|(k, _)| !fields.iter().any(|f| &f.wire_name == *k)) {
                        self.fits(extra, value, &join(path, k), depth)?;
                    }
                } else if let Some(k) = map.keys().find(|k| self.strict && !fields.iter().any(|f| &f.wire_name == *k)) {
                    return Err(format!(
                        "`{}` is not a property of `{name}`, so the round trip would drop it",
                        join(path, k)
                    ));
                }
                Ok(())
            }
            TypeKind::StringEnum { .. } => {
                if v.is_string() {
                    Ok(())
                } else {
                    Err(format!("{} is {}, the schema says a string enum", at(path), kind(v)))
                }
            }
            TypeKind::IntEnum { .. } => {
                if v.is_i64() {
                    Ok(())
                } else {
                    Err(format!("{} is {}, the schema says an integer enum", at(path), kind(v)))
                }
            }
            TypeKind::Alias(inner) => self.fits(inner, v, path, depth),
            TypeKind::Union { tagging: UnionTagging::Internal(property), variants } => {
                let tag = v.get(property).and_then(Value::as_str);
                match variants.iter().find(|x| x.tag.is_some() && x.tag.as_deref() == tag) {
                    Some(variant) => {
                        // The serializer writes the tag where the variant's type has no field for it.
                        let undeclared = variant.ty.named().is_some_and(|id| {
                            matches!(&self.types[id.index()].kind,
                                TypeKind::Struct { fields, .. } if !fields.iter().any(|f| f.wire_name == *property))
                        });
                        match v {
                            Value::Object(map) if undeclared => {
                                let mut rest = map.clone();
                                rest.remove(property);
                                self.fits(&variant.ty, &Value::Object(rest), path, depth)
                            }
                            _ => self.fits(&variant.ty, v, path, depth),
                        }
                    }
                    // An unknown tag decodes into the catch-all variant and keeps the value.
                    None if tag.is_some() => Ok(()),
                    None => Err(format!("{} has no `{property}` naming its variant of `{name}`", at(path))),
                }
            }
            TypeKind::Union { variants, .. } => {
                // Untagged: the first variant the value decodes into is taken, so that one must
                // give the value back.
                let lenient = Checker { types: self.types, path: self.path, strict: false };
                match variants.iter().find(|x| lenient.fits(&x.ty, v, path, depth).is_ok()) {
                    Some(variant) => self.fits(&variant.ty, v, path, depth),
                    None => Err(format!("{} decodes into no variant of `{name}`", at(path))),
                }
            }
        }
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

/// `YYYY-MM-DD`, a real date (what the generated `NaiveDate` fields accept).
fn is_full_date(s: &str) -> bool {
    s.len() == 10 && chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok()
}

/// An RFC 3339 date-time (what the generated `DateTime<Utc>` fields accept).
fn is_rfc3339(s: &str) -> bool {
    chrono::DateTime::parse_from_rfc3339(s).is_ok()
}

#[cfg(test)]
mod tests {
    use super::{is_full_date, is_rfc3339};

    #[test]
    fn times_are_checked_as_rfc_3339() {
        for ok in [
            "2024-03-05T14:30:45Z",
            "2024-03-05T14:30:45.123456789Z",
            "2024-03-05t14:30:45+02:00",
            "2024-12-31T23:59:60-05:30",
        ] {
            assert!(is_rfc3339(ok), "{ok}");
        }
        for bad in [
            "2024-03-05",
            "2024-13-05T14:30:45Z",
            "2024-03-05T14:30:45",
            "2024-03-05T14:30Z",
            "2024-03-05T14:30:45.Z",
            "yesterday",
            "2024-03-05T14:30:45+0200",
        ] {
            assert!(!is_rfc3339(bad), "{bad}");
        }
        assert!(is_full_date("2024-03-05") && !is_full_date("2024-3-5") && !is_full_date("2024-02-40"));
    }
}
