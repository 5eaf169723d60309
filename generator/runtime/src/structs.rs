//! `Serialize`, `Deserialize` and the `with_*` setters of the generated structs, written by two
//! macros instead of `#[derive(Serialize, Deserialize)]` and a method per field.
//!
//! The `Deserialize` derive writes, per struct, a field-name visitor generic over the
//! deserializer and a visitor that also reads the struct from an array (`visit_seq`), which a
//! JSON API never sends. Here a struct gets one plain function from key to field number and a
//! `visit_map`; the key visitor ([`FieldKey`]) is shared by every struct, and the object is read
//! with `deserialize_map` (smaller than `deserialize_struct`, which also takes arrays). The
//! Events crate compiled to 232,619 lines of LLVM IR with the derive and 190,104 with this
//! macro. `Serialize` is what the derive wrote, with the wire names and the "leave `None` out"
//! rule in the macro's field list instead of an attribute on every field.
//!
//! What it accepts is what the derive accepted from a JSON object: fields by their wire names,
//! unknown keys skipped (or kept, for a struct with additional properties), `null` or a missing
//! key as `None` for an `Option` field, a missing required field and a repeated field as errors
//! naming the field. What it writes is what the derive wrote, byte for byte.
//!
//! A generated struct's file reads as the struct (its fields, documented), one `struct_serde!`
//! list (wire name and presence per field) and one `setters!` list (setter, field and what the
//! setter takes), instead of a serde attribute per field and a five-line method per setter.

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

//@ if nulls
/// The fields of a struct to send as `null` rather than leave out (its `maybe_null` fields
/// set to it with `with_<field>_null()`, or read as `null`), by Rust field name.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Nulls(Vec<&'static str>);

impl Nulls {
    /// An empty record for the struct field `_name` (named only so `struct_serde!` declares
    /// one where a struct's list names that field).
    pub fn for_field(_name: &str) -> Self {
        Nulls::default()
    }

    /// Whether `field` is sent as `null` when it is `None`.
    pub fn contains(&self, field: &str) -> bool {
        self.0.contains(&field)
    }

    /// Sends `field` as `null` when it is `None`.
    pub fn insert(&mut self, field: &'static str) {
        if !self.contains(field) {
            self.0.push(field);
        }
    }
}

impl fmt::Debug for Nulls {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(&self.0).finish()
    }
}

//@ end
/// Implements `Serialize` and `Deserialize` for a generated struct:
/// `struct_serde!(Pet { 0 id "id" required, 1 tag "tag" optional });`, the fields numbered
/// from 0 in order, each with its wire name and how it is present:
///
/// - `required`: its type is not an `Option`; missing is an error; always written;
/// - `nullable`: an `Option` the schema requires; missing or `null` reads as `None`, and `None`
///   is written as `null`;
/// - `optional`: an `Option`; missing or `null` reads as `None`, and `None` is left out;
/// - `maybe_null`: an `Option` the schema neither requires nor forbids to be `null`: as
///   `optional`, but a `None` whose field is in the struct's `sent_as_null` ([`Nulls`]) is
///   written as `null`, and a `null` read puts the field there. The struct then has that
///   field, and its list ends `nulls sent_as_null`. This is how a request clears a field.
///
/// A struct with additional properties names their map field after the list:
/// `{ ... } rest extra`; they are read from the keys the struct does not declare and written
/// after its fields, as the `#[serde(flatten)]` derive did.
///
/// A struct without `required` fields, which implements `Default`, is marked `default`
/// (`struct_serde!(default Tag { 0 name "name" optional });`): its fields are read straight into
/// its default value, a repeated key found with an array of flags, so an error drops that one
/// value instead of a local per field (about a third less code in a large struct's `visit_map`).
#[allow(unused_macros)]
macro_rules! struct_serde {
    (default $name:ident $($body:tt)*) => {
        $crate::runtime::structs::struct_serde!(@struct [default] $name $($body)*);
    };
    ($name:ident $($body:tt)*) => {
        $crate::runtime::structs::struct_serde!(@struct [] $name $($body)*);
    };
    (@struct $mode:tt $name:ident { $($i:literal $field:ident $wire:literal $how:ident),* $(,)? } $(nulls $nulls:ident)?) => {
        $crate::runtime::structs::struct_serde!(@de $mode $name { $($i $field $wire $how),* }, [],
            |map| $crate::runtime::structs::FieldKey { lookup, kept: None },
            {
                map.next_value::<::serde::de::IgnoredAny>()?;
            }, {}, { $($nulls)? });
        #[allow(deprecated)]
        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                use ::serde::ser::SerializeStruct;
                let len = 0 $(+ $crate::runtime::structs::struct_serde!(@count self $field $how))*;
                #[allow(unused_mut)] // a struct without fields
                let mut out = serializer.serialize_struct(stringify!($name), len)?;
                $($crate::runtime::structs::struct_serde!(@put out self $field $wire $how);)*
                out.end()
            }
        }
    };
    (@struct $mode:tt $name:ident { $($i:literal $field:ident $wire:literal $how:ident),* $(,)? } rest $rest:ident $(nulls $nulls:ident)?) => {
        $crate::runtime::structs::struct_serde!(@de $mode $name { $($i $field $wire $how),* },
            [let mut rest = ::std::collections::BTreeMap::new(); let mut unknown = String::new();],
            |map| $crate::runtime::structs::FieldKey { lookup, kept: Some(&mut unknown) },
            {
                rest.insert(::std::mem::take(&mut unknown), map.next_value()?);
            }, { $rest: rest }, { $($nulls)? });
        #[allow(deprecated)]
        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                use ::serde::ser::SerializeMap;
                let mut out = serializer.serialize_map(None)?;
                $($crate::runtime::structs::struct_serde!(@entry out self $field $wire $how);)*
                for (key, value) in &self.$rest {
                    out.serialize_entry(key, value)?;
                }
                out.end()
            }
        }
    };
    (@count $self:ident $field:ident optional) => { usize::from($self.$field.is_some()) };
    //@ if nulls
    (@count $self:ident $field:ident maybe_null) => {
        usize::from($self.$field.is_some() || $self.sent_as_null.contains(stringify!($field)))
    };
    //@ end
    (@count $self:ident $field:ident $how:ident) => { 1 };
    (@put $out:ident $self:ident $field:ident $wire:literal optional) => {
        match &$self.$field {
            Some(value) => $out.serialize_field($wire, value)?,
            None => $out.skip_field($wire)?,
        }
    };
    //@ if nulls
    (@put $out:ident $self:ident $field:ident $wire:literal maybe_null) => {
        match &$self.$field {
            Some(value) => $out.serialize_field($wire, value)?,
            None if $self.sent_as_null.contains(stringify!($field)) => $out.serialize_field($wire, &())?,
            None => $out.skip_field($wire)?,
        }
    };
    //@ end
    (@put $out:ident $self:ident $field:ident $wire:literal $how:ident) => {
        $out.serialize_field($wire, &$self.$field)?
    };
    (@entry $out:ident $self:ident $field:ident $wire:literal optional) => {
        if let Some(value) = &$self.$field {
            $out.serialize_entry($wire, value)?;
        }
    };
    //@ if nulls
    (@entry $out:ident $self:ident $field:ident $wire:literal maybe_null) => {
        match &$self.$field {
            Some(value) => $out.serialize_entry($wire, value)?,
            None if $self.sent_as_null.contains(stringify!($field)) => $out.serialize_entry($wire, &())?,
            None => {}
        }
    };
    //@ end
    (@entry $out:ident $self:ident $field:ident $wire:literal $how:ident) => {
        $out.serialize_entry($wire, &$self.$field)?
    };
    (@take required $field:ident $wire:literal) => {
        let Some($field) = $field else {
            return Err(::serde::de::Error::missing_field($wire));
        };
    };
    (@take $how:ident $field:ident $wire:literal) => {
        // Missing and `null` are both `None`.
        let $field = $field.flatten();
    };
    // A struct with required fields: a local per field, the struct built at the end.
    (@start [] $out:ident $seen:ident [$($field:ident)*]) => {
        $(let mut $field = None;)*
    };
    (@set [] $out:ident $seen:ident $nulls:ident $i:literal $field:ident $wire:literal $how:ident $value:expr) => {
        if $field.is_some() {
            return Err(::serde::de::Error::duplicate_field($wire));
        }
        $field = Some($value);
        $crate::runtime::structs::struct_serde!(@null $how $nulls $field (matches!($field, Some(None))));
    };
    (@finish [] $out:ident $nulls:ident $name:ident { $($field:ident $wire:literal $how:ident),* }
        { $($rest:ident: $rest_value:ident)? } { $($null_field:ident)? }) => {
        {
            $($crate::runtime::structs::struct_serde!(@take $how $field $wire);)*
            Ok($name { $($field,)* $($rest: $rest_value,)? $($null_field: $nulls,)? })
        }
    };
    // A struct without required fields (`default`, it implements `Default`): fields are read
    // into the value itself, so an error drops one value instead of a local per field.
    (@start [default] $out:ident $seen:ident [$($field:ident)*]) => {
        // (`mut` and `seen` unused in a struct without fields.)
        #[allow(unused_mut)]
        let mut $out = <Self::Value as ::std::default::Default>::default();
        #[allow(unused_mut, unused_variables)]
        let mut $seen = [false; <[&str]>::len(&[$(stringify!($field)),*])];
    };
    (@set [default] $out:ident $seen:ident $nulls:ident $i:literal $field:ident $wire:literal $how:ident $value:expr) => {
        if $seen[$i] {
            return Err(::serde::de::Error::duplicate_field($wire));
        }
        $seen[$i] = true;
        $out.$field = $value;
        $crate::runtime::structs::struct_serde!(@null $how $nulls $field ($out.$field.is_none()));
    };
    //@ if nulls
    // A `maybe_null` field read as `null` is recorded, to be written back as `null`.
    (@null maybe_null $nulls:ident $field:ident ($was_null:expr)) => {
        if $was_null {
            $nulls.insert(stringify!($field));
        }
    };
    //@ end
    (@null $how:ident $nulls:ident $field:ident ($was_null:expr)) => {};
    (@finish [default] $out:ident $nulls:ident $name:ident { $($field:ident $wire:literal $how:ident),* }
        { $($rest:ident: $rest_value:ident)? } { $($null_field:ident)? }) => {
        {
            $($out.$rest = $rest_value;)?
            $($out.$null_field = $nulls;)?
            Ok($out)
        }
    };
    (@de $mode:tt $name:ident { $($i:literal $field:ident $wire:literal $how:ident),* }, [$($decl:tt)*],
        |$m:ident| $seed:expr, $other:block, { $($rest:ident: $rest_value:ident)? }, { $($null_field:ident)? }) => {
        #[allow(deprecated)]
        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                fn lookup(key: &str) -> Option<usize> {
                    match key {
                        $($wire => Some($i),)*
                        _ => None,
                    }
                }
                // A name no generated type can have (type names have no leading underscore).
                struct __Visitor;
                impl<'de> ::serde::de::Visitor<'de> for __Visitor {
                    type Value = $name;

                    fn expecting(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                        f.write_str(concat!("struct ", stringify!($name)))
                    }

                    fn visit_map<A: ::serde::de::MapAccess<'de>>(self, mut $m: A) -> Result<$name, A::Error> {
                        $crate::runtime::structs::struct_serde!(@start $mode out seen [$($field)*]);
                        $($decl)*
                        // The `maybe_null` fields read as `null`, in a struct that has such fields.
                        $(let mut nulls = $crate::runtime::structs::Nulls::for_field(stringify!($null_field));)?
                        while let Some(key) = $m.next_key_seed($seed)? {
                            match key {
                                $($i => {
                                    $crate::runtime::structs::struct_serde!(@set $mode out seen nulls $i $field $wire
                                        $how $m.next_value()?);
                                })*
                                _ => $other
                            }
                        }
                        $crate::runtime::structs::struct_serde!(@finish $mode out nulls $name
                            { $($field $wire $how),* } { $($rest: $rest_value)? } { $($null_field)? })
                    }
                }
                deserializer.deserialize_map(__Visitor)
            }
        }
    };
}

#[allow(unused_imports)]
pub(crate) use struct_serde;

/// Writes the `with_*` setters of a generated struct's `Option` fields, one line each:
/// `setters!(Pet { with_tag tag: into String, with_owner owner: plain Owner });`. The kind
/// says what the setter takes:
///
/// - `plain T`: a `T`;
/// - `into T`: anything `Into<T>` (strings);
/// - `boxed T`: a `T`, stored boxed;
/// - `list T`: any iterator of `T`;
/// - `strings String`: any iterator of values `Into<String>`;
/// - `map V`: any iterator of pairs, keys `Into<String>` and values `Into<V>`;
/// - `null ()`: nothing; the setter (`with_tag_null`) sends the field as `null`.
#[allow(unused_macros)]
macro_rules! setters {
    ($name:ident { $($setter:ident $field:ident: $kind:ident $ty:ty),* $(,)? }) => {
        #[allow(deprecated)]
        impl $name {
            $($crate::runtime::structs::setters!(@one $setter $field $kind $ty);)*
        }
    };
    (@one $setter:ident $field:ident plain $ty:ty) => {
        #[doc = concat!("Sets [`", stringify!($field), "`](Self::", stringify!($field), ").")]
        #[must_use]
        pub fn $setter(mut self, value: $ty) -> Self {
            self.$field = Some(value);
            self
        }
    };
    (@one $setter:ident $field:ident into $ty:ty) => {
        #[doc = concat!("Sets [`", stringify!($field), "`](Self::", stringify!($field), ").")]
        #[must_use]
        pub fn $setter(mut self, value: impl Into<$ty>) -> Self {
            self.$field = Some(value.into());
            self
        }
    };
    (@one $setter:ident $field:ident boxed $ty:ty) => {
        #[doc = concat!("Sets [`", stringify!($field), "`](Self::", stringify!($field), ").")]
        #[must_use]
        pub fn $setter(mut self, value: $ty) -> Self {
            self.$field = Some(Box::new(value));
            self
        }
    };
    (@one $setter:ident $field:ident list $ty:ty) => {
        #[doc = concat!("Sets [`", stringify!($field), "`](Self::", stringify!($field), ").")]
        #[must_use]
        pub fn $setter(mut self, value: impl IntoIterator<Item = $ty>) -> Self {
            self.$field = Some(value.into_iter().collect());
            self
        }
    };
    (@one $setter:ident $field:ident strings $ty:ty) => {
        #[doc = concat!("Sets [`", stringify!($field), "`](Self::", stringify!($field), ").")]
        #[must_use]
        pub fn $setter(mut self, value: impl IntoIterator<Item = impl Into<$ty>>) -> Self {
            self.$field = Some(value.into_iter().map(Into::into).collect());
            self
        }
    };
    //@ if nulls
    (@one $setter:ident $field:ident null $ty:ty) => {
        #[doc = concat!("Sends [`", stringify!($field), "`](Self::", stringify!($field), ") as `null` (which the API reads as \"no value\"), instead of leaving it out.")]
        #[must_use]
        pub fn $setter(mut self) -> Self {
            self.$field = None;
            self.sent_as_null.insert(stringify!($field));
            self
        }
    };
    //@ end
    (@one $setter:ident $field:ident map $ty:ty) => {
        #[doc = concat!("Sets [`", stringify!($field), "`](Self::", stringify!($field), ").")]
        #[must_use]
        pub fn $setter<K: Into<String>, V: Into<$ty>>(mut self, value: impl IntoIterator<Item = (K, V)>) -> Self {
            self.$field = Some(value.into_iter().map(|(k, v)| (k.into(), v.into())).collect());
            self
        }
    };
}

#[allow(unused_imports)]
pub(crate) use setters;

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde::{Deserialize, Serialize};

    /// The same struct twice: with the macro, and with the derive the macro replaces.
    #[derive(Debug, Clone, PartialEq)]
    struct Ours {
        id: i64,
        name: Option<String>,
        kind: Option<String>,
        tags: Option<Vec<String>>,
        nested: Option<Box<Ours>>,
        note: Option<String>,
    }
    crate::runtime::structs::struct_serde!(Ours {
        0 id "id" required,
        1 name "name" optional,
        2 kind "type" optional,
        3 tags "tags" optional,
        4 nested "nested" optional,
        5 note "note" nullable,
    });

    #[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
    struct Derived {
        id: i64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
        #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
        kind: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        tags: Option<Vec<String>>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        nested: Option<Box<Derived>>,
        #[serde(default)]
        note: Option<String>,
    }

    impl From<Derived> for Ours {
        fn from(d: Derived) -> Self {
            Ours {
                id: d.id,
                name: d.name,
                kind: d.kind,
                tags: d.tags,
                nested: d.nested.map(|n| Box::new((*n).into())),
                note: d.note,
            }
        }
    }

    #[derive(Debug, Default, PartialEq)]
    struct OursRest {
        id: Option<i64>,
        extra: BTreeMap<String, serde_json::Value>,
    }
    crate::runtime::structs::struct_serde!(default OursRest { 0 id "id" optional } rest extra);

    /// A struct without required fields, read into its `Default` value (`default`).
    #[derive(Debug, Default, PartialEq)]
    struct OursOpt {
        name: Option<String>,
        kind: Option<String>,
        note: Option<String>,
        nested: Option<Box<OursOpt>>,
    }
    crate::runtime::structs::struct_serde!(default OursOpt {
        0 name "name" optional,
        1 kind "type" optional,
        2 note "note" nullable,
        3 nested "nested" optional,
    });

    #[derive(Debug, PartialEq, Deserialize, Serialize)]
    struct DerivedOpt {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
        #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
        kind: Option<String>,
        #[serde(default)]
        note: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        nested: Option<Box<DerivedOpt>>,
    }

    impl From<DerivedOpt> for OursOpt {
        fn from(d: DerivedOpt) -> Self {
            OursOpt { name: d.name, kind: d.kind, note: d.note, nested: d.nested.map(|n| Box::new((*n).into())) }
        }
    }

    /// Types named like the macro's own items still work.
    #[derive(Debug, Default, PartialEq)]
    struct StructVisitor {
        lookup: Option<i64>,
    }
    crate::runtime::structs::struct_serde!(default StructVisitor { 0 lookup "lookup" optional });

    #[derive(Debug, PartialEq)]
    struct FieldKey {
        key: i64,
    }
    crate::runtime::structs::struct_serde!(FieldKey { 0 key "key" required });

    #[test]
    fn types_named_like_the_macros_items() {
        let v: StructVisitor = serde_json::from_str(r#"{"lookup": 1}"#).unwrap();
        assert_eq!(v, StructVisitor { lookup: Some(1) });
        let k: FieldKey = serde_json::from_str(r#"{"key": 2}"#).unwrap();
        assert_eq!(k, FieldKey { key: 2 });
        assert_eq!(serde_json::to_string(&k).unwrap(), r#"{"key":2}"#);
    }

    #[derive(Debug, Default, PartialEq)]
    struct Empty {}
    crate::runtime::structs::struct_serde!(default Empty {});

    #[test]
    fn a_struct_read_into_its_default_value_reads_and_writes_as_the_derive() {
        let cases = [
            r#"{}"#,
            r#"{"name": "a", "type": "t", "note": null, "other": [1]}"#,
            r#"{"note": "n", "nested": {"name": "inner", "nested": {}}}"#,
            r#"{"name": "a", "name": "b"}"#,
            r#"{"nested": {"type": "x", "type": "y"}}"#,
            r#"{"name": 1}"#,
            r#"{"nested": {"note": false}}"#,
            r#"{"name": "a",}"#,
            r#"null"#,
        ];
        for case in cases {
            let ours = serde_json::from_str::<OursOpt>(case).map_err(|e| e.to_string());
            let derived =
                serde_json::from_str::<DerivedOpt>(case).map_err(|e| e.to_string().replace("DerivedOpt", "OursOpt"));
            match (&ours, derived) {
                (Ok(o), Ok(d)) => {
                    let written = serde_json::to_string(&d).unwrap();
                    assert_eq!(serde_json::to_string(o).unwrap(), written, "input {case}");
                    assert_eq!(o, &OursOpt::from(d), "input {case}");
                }
                (o, d) => assert_eq!(o, &d.map(OursOpt::from), "input {case}"),
            }
        }
        assert_eq!(serde_json::from_str::<Empty>(r#"{"a": 1}"#).unwrap(), Empty {});
        assert_eq!(serde_json::to_string(&Empty {}).unwrap(), "{}");
    }

    #[derive(Debug, PartialEq, Deserialize, Serialize)]
    struct DerivedRest {
        #[serde(default, skip_serializing_if = "Option::is_none")]
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
        r#"{"id": 1, "note": "n", "name": "a"}"#,
        r#"{"id": 1, "note": null, "nested": {"id": 2, "tags": [], "note": "inner"}}"#,
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
        assert_eq!(ours, Ours { id: 7, name: None, kind: Some("t".into()), tags: None, nested: None, note: None });
        let rest: OursRest = serde_json::from_value(serde_json::json!({"id": 7, "other": 1})).unwrap();
        assert_eq!(rest.extra, BTreeMap::from([("other".to_owned(), serde_json::json!(1))]));
    }

    #[test]
    fn the_macro_writes_what_the_derive_wrote() {
        let mut written = 0;
        for case in CASES {
            let Ok(derived) = serde_json::from_str::<Derived>(case) else { continue };
            let ours = Ours::from(derived.clone());
            // Same text, so the same fields in the same order, `None` left out or written as
            // `null` alike, and the same as a `serde_json::Value` (its own serializer).
            assert_eq!(serde_json::to_string(&ours).unwrap(), serde_json::to_string(&derived).unwrap(), "input {case}");
            assert_eq!(serde_json::to_value(&ours).unwrap(), serde_json::to_value(&derived).unwrap(), "input {case}");
            written += 1;
        }
        assert!(written >= 6, "only {written} cases read");
        for case in [r#"{"id": 1, "a": 1, "b": {"c": null}}"#, r#"{"a": "x"}"#, r#"{}"#] {
            let derived: DerivedRest = serde_json::from_str(case).unwrap();
            let ours = OursRest { id: derived.id, extra: derived.extra.clone() };
            assert_eq!(serde_json::to_string(&ours).unwrap(), serde_json::to_string(&derived).unwrap(), "input {case}");
        }
    }

    #[derive(Debug, Default, PartialEq)]
    struct Settable {
        text: Option<String>,
        number: Option<i64>,
        boxed: Option<Box<Settable>>,
        list: Option<Vec<i64>>,
        strings: Option<Vec<String>>,
        map: Option<BTreeMap<String, String>>,
        #[deprecated]
        old: Option<i64>,
    }
    crate::runtime::structs::setters!(Settable {
        with_text text: into String,
        with_number number: plain i64,
        with_boxed boxed: boxed Settable,
        with_list list: list i64,
        with_strings strings: strings String,
        with_map map: map String,
        with_old old: plain i64,
    });

    #[test]
    #[allow(deprecated)]
    fn each_kind_of_setter_sets_its_field() {
        let s = Settable::default()
            .with_text("t")
            .with_number(2)
            .with_boxed(Settable::default().with_number(3))
            .with_list([4, 5])
            .with_strings(["a", "b"])
            .with_map([("k", "v")])
            .with_old(6);
        assert_eq!(s.text.as_deref(), Some("t"));
        assert_eq!(s.number, Some(2));
        assert_eq!(s.boxed.as_ref().and_then(|b| b.number), Some(3));
        assert_eq!(s.list, Some(vec![4, 5]));
        assert_eq!(s.strings, Some(vec!["a".to_owned(), "b".to_owned()]));
        assert_eq!(s.map, Some(BTreeMap::from([("k".to_owned(), "v".to_owned())])));
        assert_eq!(s.old, Some(6));
    }

    /// A request that may clear fields: `maybe_null` fields, with required fields (read into
    /// locals) and without (read into the default value, keeping unknown keys).
    #[derive(Debug, Clone, PartialEq)]
    struct Patch {
        id: i64,
        note: Option<String>,
        tags: Option<Vec<String>>,
        sent_as_null: super::Nulls,
    }
    crate::runtime::structs::struct_serde!(Patch {
        0 id "id" required,
        1 note "note" maybe_null,
        2 tags "tags" maybe_null,
    } nulls sent_as_null);
    crate::runtime::structs::setters!(Patch {
        with_note note: into String,
        with_note_null note: null (),
        with_tags_null tags: null (),
    });

    #[derive(Debug, Clone, Default, PartialEq)]
    struct OpenPatch {
        note: Option<String>,
        extra: BTreeMap<String, serde_json::Value>,
        sent_as_null: super::Nulls,
    }
    crate::runtime::structs::struct_serde!(default OpenPatch { 0 note "note" maybe_null } rest extra nulls sent_as_null);

    #[test]
    fn maybe_null_fields_are_left_out_sent_as_null_or_sent() {
        let base = Patch { id: 1, note: None, tags: None, sent_as_null: super::Nulls::default() };
        assert_eq!(serde_json::to_string(&base).unwrap(), r#"{"id":1}"#);
        let cleared = base.clone().with_note_null().with_tags_null();
        assert_eq!(serde_json::to_string(&cleared).unwrap(), r#"{"id":1,"note":null,"tags":null}"#);
        assert_eq!(format!("{:?}", cleared.sent_as_null), r#"{"note", "tags"}"#);
        // a value set after the null wins, and a null set after a value clears it
        let set = cleared.clone().with_note("n");
        assert_eq!(serde_json::to_string(&set).unwrap(), r#"{"id":1,"note":"n","tags":null}"#);
        assert_eq!(set.with_note_null().note, None);
        // read back as it was sent: `null` and missing stay apart
        for json in [r#"{"id":1}"#, r#"{"id":1,"note":null,"tags":null}"#, r#"{"id":1,"note":"n","tags":null}"#] {
            let read: Patch = serde_json::from_str(json).unwrap();
            assert_eq!(serde_json::to_string(&read).unwrap(), json);
        }
        let open: OpenPatch = serde_json::from_str(r#"{"note":null,"x":1}"#).unwrap();
        assert_eq!(open.note, None);
        assert!(open.sent_as_null.contains("note"));
        assert_eq!(serde_json::to_string(&open).unwrap(), r#"{"note":null,"x":1}"#);
        assert_eq!(serde_json::to_string(&OpenPatch::default()).unwrap(), "{}");
    }
}
