//! `Deserialize` for the generated structs, written by one macro instead of
//! `#[derive(Deserialize)]`.
//!
//! The derive writes, per struct, a field-name visitor generic over the deserializer and a
//! visitor that also reads the struct from an array (`visit_seq`), which a JSON API never sends.
//! Here a struct gets one plain function from key to field number and a `visit_map`; the key
//! visitor ([`FieldKey`]) is shared by every struct, and the object is read with
//! `deserialize_map` (smaller than `deserialize_struct`, which also takes arrays). The Events
//! crate compiled to 232,619 lines of LLVM IR with the derive and 190,104 with this macro.
//!
//! What it accepts is what the derive accepted from a JSON object: fields by their wire names,
//! unknown keys skipped (or kept, for a struct with additional properties), `null` or a missing
//! key as `None` for an `Option` field, a missing required field and a repeated field as errors
//! naming the field.

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, Visitor};

/// Reads one key of a struct's object as the number of the field it names, with the struct's
/// `lookup` (wire name → field number); a key the struct does not declare reads as
/// `usize::MAX`, its text left in `kept` when the struct keeps such keys.
pub struct FieldKey<'a> {
    /// The struct's field numbers by wire name.
    pub lookup: fn(&str) -> Option<usize>,
    /// Where an unknown key's text goes, for a struct with additional properties.
    pub kept: Option<&'a mut String>,
}

impl FieldKey<'_> {
    fn key(self, name: &str) -> usize {
        match (self.lookup)(name) {
            Some(i) => i,
            None => {
                if let Some(kept) = self.kept {
                    name.clone_into(kept);
                }
                usize::MAX
            }
        }
    }
}

impl<'de> DeserializeSeed<'de> for FieldKey<'_> {
    type Value = usize;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<usize, D::Error> {
        deserializer.deserialize_identifier(self)
    }
}

impl<'de> Visitor<'de> for FieldKey<'_> {
    type Value = usize;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a field name")
    }

    fn visit_str<E: de::Error>(self, name: &str) -> Result<usize, E> {
        Ok(self.key(name))
    }

    fn visit_bytes<E: de::Error>(self, name: &[u8]) -> Result<usize, E> {
        Ok(self.key(&String::from_utf8_lossy(name)))
    }
}

/// A required field's value, or the error that names it.
pub fn required<T, E: de::Error>(value: Option<T>, wire: &'static str) -> Result<T, E> {
    value.ok_or_else(|| E::missing_field(wire))
}

/// An optional field's value: missing and `null` are both `None`.
pub fn optional<T>(value: Option<Option<T>>) -> Option<T> {
    value.flatten()
}

/// Implements `Deserialize` for a generated struct:
/// `struct_deserialize!(Pet { 0 id "id" required, 1 tag "tag" optional });`, the fields
/// numbered from 0 in order, each with its wire name and `required` (its type is not an
/// `Option`: missing is an error) or `optional` (an `Option`: missing is `None`). A struct with
/// additional properties names their map field after the list: `{ ... } rest extra`.
#[allow(unused_macros)]
macro_rules! struct_deserialize {
    ($name:ident { $($i:literal $field:ident $wire:literal $how:ident),* $(,)? }) => {
        $crate::runtime::structs::struct_deserialize!(@impl $name { $($i $field $wire $how),* }, [],
            |map| $crate::runtime::structs::FieldKey { lookup, kept: None },
            {
                map.next_value::<::serde::de::IgnoredAny>()?;
            }, {});
    };
    ($name:ident { $($i:literal $field:ident $wire:literal $how:ident),* $(,)? } rest $rest:ident) => {
        $crate::runtime::structs::struct_deserialize!(@impl $name { $($i $field $wire $how),* },
            [let mut rest = ::std::collections::BTreeMap::new(); let mut unknown = String::new();],
            |map| $crate::runtime::structs::FieldKey { lookup, kept: Some(&mut unknown) },
            {
                rest.insert(::std::mem::take(&mut unknown), map.next_value()?);
            }, { $rest: rest });
    };
    (@take required $field:ident $wire:literal) => {
        let $field = $crate::runtime::structs::required($field, $wire)?;
    };
    (@take optional $field:ident $wire:literal) => {
        let $field = $crate::runtime::structs::optional($field);
    };
    (@impl $name:ident { $($i:literal $field:ident $wire:literal $how:ident),* }, [$($decl:tt)*],
        |$m:ident| $seed:expr, $other:block, { $($rest:ident: $rest_value:ident)? }) => {
        #[allow(deprecated)]
        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                fn lookup(key: &str) -> Option<usize> {
                    match key {
                        $($wire => Some($i),)*
                        _ => None,
                    }
                }
                struct StructVisitor;
                impl<'de> ::serde::de::Visitor<'de> for StructVisitor {
                    type Value = $name;

                    fn expecting(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                        f.write_str(concat!("struct ", stringify!($name)))
                    }

                    fn visit_map<A: ::serde::de::MapAccess<'de>>(self, mut $m: A) -> Result<$name, A::Error> {
                        $(let mut $field = None;)*
                        $($decl)*
                        while let Some(key) = $m.next_key_seed($seed)? {
                            match key {
                                $($i => {
                                    if $field.is_some() {
                                        return Err(::serde::de::Error::duplicate_field($wire));
                                    }
                                    $field = Some($m.next_value()?);
                                })*
                                _ => $other
                            }
                        }
                        $($crate::runtime::structs::struct_deserialize!(@take $how $field $wire);)*
                        Ok($name { $($field,)* $($rest: $rest_value,)? })
                    }
                }
                deserializer.deserialize_map(StructVisitor)
            }
        }
    };
}

#[allow(unused_imports)]
pub(crate) use struct_deserialize;

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde::Deserialize;

    /// The same struct twice: with the macro, and with the derive the macro replaces.
    #[derive(Debug, Clone, PartialEq)]
    struct Ours {
        id: i64,
        name: Option<String>,
        kind: Option<String>,
        tags: Option<Vec<String>>,
        nested: Option<Box<Ours>>,
    }
    crate::runtime::structs::struct_deserialize!(Ours {
        0 id "id" required,
        1 name "name" optional,
        2 kind "type" optional,
        3 tags "tags" optional,
        4 nested "nested" optional,
    });

    #[derive(Debug, Clone, PartialEq, Deserialize)]
    struct Derived {
        id: i64,
        #[serde(default)]
        name: Option<String>,
        #[serde(rename = "type", default)]
        kind: Option<String>,
        #[serde(default)]
        tags: Option<Vec<String>>,
        #[serde(default)]
        nested: Option<Box<Derived>>,
    }

    impl From<Derived> for Ours {
        fn from(d: Derived) -> Self {
            Ours { id: d.id, name: d.name, kind: d.kind, tags: d.tags, nested: d.nested.map(|n| Box::new((*n).into())) }
        }
    }

    #[derive(Debug, PartialEq)]
    struct OursRest {
        id: Option<i64>,
        extra: BTreeMap<String, serde_json::Value>,
    }
    crate::runtime::structs::struct_deserialize!(OursRest { 0 id "id" optional } rest extra);

    #[derive(Debug, PartialEq, Deserialize)]
    struct DerivedRest {
        #[serde(default)]
        id: Option<i64>,
        #[serde(flatten)]
        extra: BTreeMap<String, serde_json::Value>,
    }

    const CASES: &[&str] = &[
        r#"{"id": 1}"#,
        r#"{"id": 1, "name": "a", "type": "t", "tags": ["x"], "nested": {"id": 2, "name": null}}"#,
        r#"{"id": 1, "name": null, "unknown": {"deep": [1, 2]}, "kind": "not the wire name"}"#,
        r#"{"name": "no id"}"#,
        r#"{"id": 1, "id": 2}"#,
        r#"{"id": "one"}"#,
        r#"{"id": 1, "tags": "not a list"}"#,
        r#"{"id": 1, "nested": {"name": "no id"}}"#,
        r#"{"id": 1, "n\u0061me": "escaped key"}"#,
        r#"{}"#,
        r#"[1, "a"]"#,
        r#"null"#,
        r#"{"id": 1,}"#,
    ];

    #[test]
    fn the_macro_reads_what_the_derive_reads_and_fails_where_it_fails() {
        for case in CASES {
            let ours = serde_json::from_str::<Ours>(case).map_err(|e| e.to_string());
            let derived = serde_json::from_str::<Derived>(case).map(Ours::from).map_err(|e| e.to_string());
            match (case.starts_with('['), &ours, &derived) {
                // The derive also reads a struct from an array; a JSON API never sends one.
                (true, Err(e), Ok(_)) => assert!(e.contains("invalid type: sequence, expected struct Ours"), "{e}"),
                _ => assert_eq!(ours, derived.map_err(|e| e.replace("Derived", "Ours")), "input {case}"),
            }
        }
    }

    #[test]
    fn additional_properties_keep_the_unknown_keys_as_the_flattened_derive_did() {
        for case in [r#"{"id": 1, "a": 1, "b": {"c": null}}"#, r#"{"a": "x"}"#, r#"{"id": null}"#, r#"{"id": "x"}"#] {
            let ours = serde_json::from_str::<OursRest>(case).map(|o| (o.id, o.extra)).map_err(|e| e.to_string());
            let derived = serde_json::from_str::<DerivedRest>(case).map(|d| (d.id, d.extra)).map_err(|e| e.to_string());
            assert_eq!(ours.is_ok(), derived.is_ok(), "input {case}: {ours:?} / {derived:?}");
            if ours.is_ok() {
                assert_eq!(ours, derived, "input {case}");
            }
        }
    }

    #[test]
    fn from_a_json_value_too() {
        let v = serde_json::json!({"id": 7, "type": "t", "other": 1});
        let ours: Ours = serde_json::from_value(v).unwrap();
        assert_eq!(ours, Ours { id: 7, name: None, kind: Some("t".into()), tags: None, nested: None });
        let rest: OursRest = serde_json::from_value(serde_json::json!({"id": 7, "other": 1})).unwrap();
        assert_eq!(rest.extra, BTreeMap::from([("other".to_owned(), serde_json::json!(1))]));
    }
}
