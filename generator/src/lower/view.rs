//! A flat view of a schema: the typed model splits schemas across `Type` variants and an
//! `Any` fallback for unusual combinations; lowering reads this one shape instead.

use indexmap::IndexMap;
use openapiv3::{AdditionalProperties, ReferenceOr, Schema, SchemaKind, Type, VariantOrUnknownOrEmpty};
use serde_json::Value;

/// Everything lowering needs to know about one schema.
#[derive(Debug, Clone)]
pub struct View<'a> {
    pub typ: Option<&'a str>,
    pub format: Option<String>,
    pub nullable: bool,
    pub read_only: bool,
    pub write_only: bool,
    pub deprecated: bool,
    pub description: Option<&'a str>,
    pub title: Option<&'a str>,
    pub default: Option<&'a Value>,
    pub example: Option<&'a Value>,
    pub properties: Option<&'a IndexMap<String, ReferenceOr<Box<Schema>>>>,
    pub required: &'a [String],
    pub additional: Option<&'a AdditionalProperties>,
    pub items: Option<&'a ReferenceOr<Box<Schema>>>,
    pub string_enum: Vec<Option<String>>,
    pub int_enum: Vec<Option<i64>>,
    pub other_enum: bool,
    pub one_of: &'a [ReferenceOr<Schema>],
    pub any_of: &'a [ReferenceOr<Schema>],
    pub all_of: &'a [ReferenceOr<Schema>],
    pub discriminator: Option<&'a openapiv3::Discriminator>,
    pub min_items: Option<usize>,
    pub max_items: Option<usize>,
    pub min_length: Option<usize>,
    pub max_length: Option<usize>,
    pub minimum: Option<(f64, bool)>,
    pub maximum: Option<(f64, bool)>,
    pub pattern: Option<&'a str>,
    pub extensions: &'a IndexMap<String, Value>,
    pub not: bool,
}

fn format_of<T: serde::Serialize>(f: &VariantOrUnknownOrEmpty<T>) -> Option<String> {
    match f {
        VariantOrUnknownOrEmpty::Item(i) => serde_json::to_value(i).ok().and_then(|v| v.as_str().map(str::to_owned)),
        VariantOrUnknownOrEmpty::Unknown(s) => Some(s.clone()),
        VariantOrUnknownOrEmpty::Empty => None,
    }
}

impl<'a> View<'a> {
    pub fn of(schema: &'a Schema) -> Self {
        let d = &schema.schema_data;
        let mut v = View {
            nullable: d.nullable,
            read_only: d.read_only,
            write_only: d.write_only,
            deprecated: d.deprecated,
            // A blank description or title says nothing (and would make an empty doc comment).
            description: d.description.as_deref().filter(|t| !t.trim().is_empty()),
            title: d.title.as_deref().filter(|t| !t.trim().is_empty()),
            default: d.default.as_ref(),
            example: d.example.as_ref(),
            discriminator: d.discriminator.as_ref(),
            extensions: &d.extensions,
            typ: None,
            format: None,
            properties: None,
            required: &[],
            additional: None,
            items: None,
            string_enum: Vec::new(),
            int_enum: Vec::new(),
            other_enum: false,
            one_of: &[],
            any_of: &[],
            all_of: &[],
            min_items: None,
            max_items: None,
            min_length: None,
            max_length: None,
            minimum: None,
            maximum: None,
            pattern: None,
            not: false,
        };
        match &schema.schema_kind {
            SchemaKind::Type(Type::String(s)) => {
                v.typ = Some("string");
                v.format = format_of(&s.format);
                v.string_enum = s.enumeration.clone();
                v.min_length = s.min_length;
                v.max_length = s.max_length;
                v.pattern = s.pattern.as_deref();
            }
            SchemaKind::Type(Type::Number(n)) => {
                v.typ = Some("number");
                v.format = format_of(&n.format);
                v.minimum = n.minimum.map(|m| (m, n.exclusive_minimum));
                v.maximum = n.maximum.map(|m| (m, n.exclusive_maximum));
                v.other_enum = !n.enumeration.is_empty();
            }
            SchemaKind::Type(Type::Integer(i)) => {
                v.typ = Some("integer");
                v.format = format_of(&i.format);
                v.minimum = i.minimum.map(|m| (m as f64, i.exclusive_minimum));
                v.maximum = i.maximum.map(|m| (m as f64, i.exclusive_maximum));
                v.int_enum = i.enumeration.clone();
            }
            SchemaKind::Type(Type::Boolean(b)) => {
                v.typ = Some("boolean");
                v.other_enum = !b.enumeration.is_empty();
            }
            SchemaKind::Type(Type::Object(o)) => {
                v.typ = Some("object");
                v.properties = Some(&o.properties);
                v.required = &o.required;
                v.additional = o.additional_properties.as_ref();
            }
            SchemaKind::Type(Type::Array(a)) => {
                v.typ = Some("array");
                v.items = a.items.as_ref();
                v.min_items = a.min_items;
                v.max_items = a.max_items;
            }
            SchemaKind::OneOf { one_of } => v.one_of = one_of,
            SchemaKind::AnyOf { any_of } => v.any_of = any_of,
            SchemaKind::AllOf { all_of } => v.all_of = all_of,
            SchemaKind::Not { .. } => v.not = true,
            SchemaKind::Any(a) => {
                v.typ = a.typ.as_deref();
                v.format = a.format.clone();
                v.properties = (!a.properties.is_empty()).then_some(&a.properties);
                v.required = &a.required;
                v.additional = a.additional_properties.as_ref();
                v.items = a.items.as_ref();
                v.min_items = a.min_items;
                v.max_items = a.max_items;
                v.min_length = a.min_length;
                v.max_length = a.max_length;
                v.minimum = a.minimum.map(|m| (m, a.exclusive_minimum.unwrap_or(false)));
                v.maximum = a.maximum.map(|m| (m, a.exclusive_maximum.unwrap_or(false)));
                v.pattern = a.pattern.as_deref();
                v.one_of = &a.one_of;
                v.any_of = &a.any_of;
                v.all_of = &a.all_of;
                v.not = a.not.is_some();
                if !a.enumeration.is_empty() {
                    if a.enumeration.iter().all(|e| e.is_string() || e.is_null()) {
                        v.string_enum = a.enumeration.iter().map(|e| e.as_str().map(str::to_owned)).collect();
                    } else if a.enumeration.iter().all(|e| e.is_i64() || e.is_null()) {
                        v.int_enum = a.enumeration.iter().map(Value::as_i64).collect();
                    } else {
                        v.other_enum = true;
                    }
                }
                if v.typ.is_none() {
                    if v.properties.is_some() || v.additional.is_some() {
                        v.typ = Some("object");
                    } else if v.items.is_some() {
                        v.typ = Some("array");
                    } else if !v.string_enum.is_empty() {
                        v.typ = Some("string");
                    }
                }
            }
        }
        // An enum whose only values are `null` says nothing about the type.
        if v.string_enum.iter().any(Option::is_none) {
            v.nullable = true;
        }
        v.string_enum.retain(Option::is_some);
        v.int_enum.retain(Option::is_some);
        // `allOf` members that only annotate (`{description: .., example: ..}`, `{nullable:
        // true}`) annotate the whole schema where it says nothing itself.
        for member in v.all_of {
            if let ReferenceOr::Item(m) = member {
                let d = &m.schema_data;
                if View::of(m).is_annotation() {
                    v.nullable |= d.nullable;
                    v.read_only |= d.read_only;
                    v.write_only |= d.write_only;
                    v.deprecated |= d.deprecated;
                    v.description = v.description.or(d.description.as_deref().filter(|t| !t.trim().is_empty()));
                    v.title = v.title.or(d.title.as_deref().filter(|t| !t.trim().is_empty()));
                    v.default = v.default.or(d.default.as_ref());
                    v.example = v.example.or(d.example.as_ref());
                }
            }
        }
        v
    }

    /// `true` when the schema only annotates (a description, an example, a default, `nullable`,
    /// flags) and says nothing of the value's type or bounds: as an `allOf` member beside a
    /// `$ref` (`allOf: [{$ref: Currency}, {example: USD}]`) it leaves the reference's type alone.
    pub fn is_annotation(&self) -> bool {
        self.typ.is_none()
            && self.format.is_none()
            && self.properties.is_none()
            && self.additional.is_none()
            && self.items.is_none()
            && self.string_enum.is_empty()
            && self.int_enum.is_empty()
            && !self.other_enum
            && self.one_of.is_empty()
            && self.any_of.is_empty()
            && self.all_of.is_empty()
            && !self.not
            && self.discriminator.is_none()
            && self.min_items.is_none()
            && self.max_items.is_none()
            && self.min_length.is_none()
            && self.max_length.is_none()
            && self.minimum.is_none()
            && self.maximum.is_none()
            && self.pattern.is_none()
    }

    /// The `allOf` members that say something of the type, with their indexes: all but
    /// [`View::is_annotation`] ones (whose annotations [`View::of`] has taken).
    pub fn typed_all_of(&self) -> Vec<(usize, &'a ReferenceOr<Schema>)> {
        self.all_of
            .iter()
            .enumerate()
            .filter(|(_, m)| !matches!(m, ReferenceOr::Item(s) if View::of(s).is_annotation()))
            .collect()
    }

    /// `true` when the spec marks this schema with vendor extension `name: true`.
    pub fn flag(&self, name: &str) -> bool {
        self.extensions.get(name).and_then(Value::as_bool).unwrap_or(false)
    }
}
