//! The document tree: YAML or JSON read into `serde_json::Value`, accepting everything a spec
//! may legally hold.
//!
//! Reading YAML through `serde_yaml::Value` refused integers outside `i64`/`u64` (tools write
//! int64's minimum after a float round trip as `-9223372036854776000`), so YAML is read with
//! the visitor below instead: integers that fit are kept exactly, wider ones become the nearest
//! `f64` (the same value a JSON reader gives them); non-string keys (`200:`) become strings;
//! tags (`!foo value`) are dropped in favour of their value.

use std::fmt;

use serde::de::{self, Deserialize, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

/// A node of the tree, deserializable from any self-describing format.
pub(crate) struct Tree(pub Value);

impl<'de> Deserialize<'de> for Tree {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(TreeVisitor).map(Tree)
    }
}

struct TreeVisitor;

fn float(f: f64) -> Value {
    // Infinity and NaN have no JSON form; a spec value that holds one reads as null.
    Number::from_f64(f).map_or(Value::Null, Value::Number)
}

impl<'de> Visitor<'de> for TreeVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any YAML or JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_i128<E>(self, v: i128) -> Result<Value, E> {
        Ok(match (i64::try_from(v), u64::try_from(v)) {
            (Ok(i), _) => Value::from(i),
            (_, Ok(u)) => Value::from(u),
            _ => float(v as f64),
        })
    }
    fn visit_u128<E>(self, v: u128) -> Result<Value, E> {
        Ok(u64::try_from(v).map_or_else(|_| float(v as f64), Value::from))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(float(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        Tree::deserialize(d).map(|t| t.0)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(Tree(v)) = seq.next_element()? {
            out.push(v);
        }
        Ok(Value::Array(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(key) = map.next_key_seed(KeySeed)? {
            let Tree(v) = map.next_value()?;
            out.insert(key, v);
        }
        Ok(Value::Object(out))
    }
    fn visit_enum<A: de::EnumAccess<'de>>(self, data: A) -> Result<Value, A::Error> {
        // A YAML tag: keep the tagged value, drop the tag.
        let (_tag, variant): (Tree, _) = data.variant()?;
        de::VariantAccess::newtype_variant::<Tree>(variant).map(|t| t.0)
    }
}

/// Mapping keys: strings as they are, scalars in their usual spelling.
struct KeySeed;

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = String;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<String, D::Error> {
        d.deserialize_any(KeyVisitor)
    }
}

struct KeyVisitor;

impl<'de> Visitor<'de> for KeyVisitor {
    type Value = String;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a mapping key that is a string, number, boolean or null")
    }

    fn visit_bool<E>(self, v: bool) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_i64<E>(self, v: i64) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_u64<E>(self, v: u64) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_i128<E>(self, v: i128) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_u128<E>(self, v: u128) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_f64<E>(self, v: f64) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_str<E>(self, v: &str) -> Result<String, E> {
        Ok(v.to_owned())
    }
    fn visit_string<E>(self, v: String) -> Result<String, E> {
        Ok(v)
    }
    fn visit_unit<E>(self) -> Result<String, E> {
        Ok("null".to_owned())
    }
    fn visit_none<E>(self) -> Result<String, E> {
        Ok("null".to_owned())
    }
    fn visit_enum<A: de::EnumAccess<'de>>(self, data: A) -> Result<String, A::Error> {
        let (_tag, variant): (Tree, _) = data.variant()?;
        de::VariantAccess::newtype_variant_seed(variant, KeySeed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn yaml(text: &str) -> Value {
        serde_yaml::from_str::<Tree>(text).unwrap().0
    }

    #[test]
    fn integers_beyond_64_bits_read_as_the_nearest_float() {
        let v = yaml("min: -9223372036854776000\nmax: 18446744073709551616\nok: -9223372036854775808\n");
        assert_eq!(v["min"].as_f64(), Some(-9.223372036854776e18));
        assert_eq!(v["max"].as_f64(), Some(1.8446744073709552e19));
        assert_eq!(v["ok"], json!(i64::MIN));
    }

    #[test]
    fn scalar_keys_become_strings_and_tags_are_dropped() {
        let v = yaml("200: {description: ok}\ntrue: 1\n~: 2\nx: !custom 5\n");
        assert_eq!(v, json!({"200": {"description": "ok"}, "true": 1, "null": 2, "x": 5}));
    }

    #[test]
    fn non_scalar_keys_are_an_error_not_a_panic() {
        assert!(serde_yaml::from_str::<Tree>("? [a, b]\n: 1\n").is_err());
    }
}
