//! Open enums: the string and integer enums of a spec keep working when the server sends a
//! value this version does not know (`Unknown`), and send such a value back unchanged.
//!
//! The generated code declares each enum with its documented variants and calls one of the
//! macros below for the conversions, so the same few impls are not written out per enum.

/// An open enum, which says whether a value is one of its own or `Unknown`.
pub trait Known {
    /// Whether the value is a documented variant (not `Unknown`).
    fn is_known(&self) -> bool;
}

/// Reads an open enum, refusing a value it does not know: for a variant of an untagged union,
/// which are tried in order, so that a string meant for a later variant is not taken as
/// `Unknown` by an earlier one (`#[serde(deserialize_with = "..")]` on all such variants but the
/// last, which keeps a value no variant knows).
pub fn known<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: ::serde::Deserializer<'de>,
    T: ::serde::Deserialize<'de> + Known,
{
    let value = T::deserialize(deserializer)?;
    if value.is_known() {
        Ok(value)
    } else {
        Err(<D::Error as ::serde::de::Error>::custom("a value this enum does not know"))
    }
}

//@ if string_enums
/// Implements `KNOWN`, `as_str`, `From<&str>`, `FromStr` (never fails), `Display`, `Serialize`
/// and `Deserialize` for an enum of unit variants plus `Unknown(String)`:
/// `string_enum!(Size { Small => "S", Large => "L" });`
#[allow(unused_macros)]
macro_rules! string_enum {
    ($name:ident { $($variant:ident => $value:literal),* $(,)? }) => {
        impl $name {
            /// Every value known to this version of the SDK.
            pub const KNOWN: &'static [Self] = &[$(Self::$variant),*];

            /// The value as it is on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $value,)*
                    Self::Unknown(other) => other,
                }
            }
        }

        impl From<&str> for $name {
            fn from(value: &str) -> Self {
                match value {
                    $($value => Self::$variant,)*
                    other => Self::Unknown(other.to_owned()),
                }
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = ::std::convert::Infallible;

            fn from_str(value: &str) -> Result<Self, Self::Err> {
                Ok(Self::from(value))
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let value = <::std::borrow::Cow<'de, str> as ::serde::Deserialize>::deserialize(deserializer)?;
                Ok(Self::from(&*value))
            }
        }

        impl $crate::runtime::enums::Known for $name {
            fn is_known(&self) -> bool {
                !matches!(self, Self::Unknown(_))
            }
        }
    };
}

#[allow(unused_imports)]
pub(crate) use string_enum;
//@ end
//@ if int_enums

/// Implements `value`, `From<i64>`, `FromStr` (decimal), `Display`, `Serialize` and
/// `Deserialize` for an enum of unit variants plus `Unknown(i64)`:
/// `int_enum!(Level { V1 => 1, V2 => 2 });`
#[allow(unused_macros)]
macro_rules! int_enum {
    ($name:ident { $($variant:ident => $value:literal),* $(,)? }) => {
        impl $name {
            /// The value as it is on the wire.
            pub fn value(&self) -> i64 {
                match self {
                    $(Self::$variant => $value,)*
                    Self::Unknown(other) => *other,
                }
            }
        }

        impl From<i64> for $name {
            fn from(value: i64) -> Self {
                match value {
                    $($value => Self::$variant,)*
                    other => Self::Unknown(other),
                }
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = ::std::num::ParseIntError;

            fn from_str(value: &str) -> Result<Self, Self::Err> {
                value.trim().parse::<i64>().map(Self::from)
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                write!(f, "{}", self.value())
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_i64(self.value())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                Ok(Self::from(<i64 as ::serde::Deserialize>::deserialize(deserializer)?))
            }
        }

        impl $crate::runtime::enums::Known for $name {
            fn is_known(&self) -> bool {
                !matches!(self, Self::Unknown(_))
            }
        }
    };
}

#[allow(unused_imports)]
pub(crate) use int_enum;
//@ end

#[cfg(test)]
mod tests {
    /// A string enum as the generator declares one.
    #[derive(Debug, Clone, PartialEq, Eq)]
    enum Size {
        Small,
        Large,
        Unknown(String),
    }
    string_enum!(Size { Small => "S", Large => "L" });

    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum Level {
        Low,
        High,
        Unknown(i64),
    }
    int_enum!(Level { Low => 1, High => 9 });

    #[test]
    fn string_enums_keep_unknown_values() {
        assert_eq!(Size::KNOWN, &[Size::Small, Size::Large]);
        assert_eq!(serde_json::from_str::<Size>("\"L\"").unwrap(), Size::Large);
        let unknown: Size = serde_json::from_str("\"XL\"").unwrap();
        assert_eq!(unknown, Size::Unknown("XL".into()));
        assert_eq!(serde_json::to_string(&unknown).unwrap(), "\"XL\"");
        assert_eq!(Size::Small.to_string(), "S");
        assert!(serde_json::from_str::<Size>("3").is_err());
        assert_eq!("S".parse::<Size>(), Ok(Size::Small));
        assert_eq!("XL".parse::<Size>(), Ok(Size::Unknown("XL".into())));
    }

    /// An untagged union of two open enums, as the generator declares one.
    #[derive(Debug, PartialEq, serde::Deserialize)]
    #[serde(untagged)]
    enum SizeOrLevel {
        #[serde(deserialize_with = "super::known")]
        Size(Size),
        Number(u8),
        Level(Level),
    }

    #[test]
    fn union_variants_take_only_values_they_know_but_the_last() {
        let read = |json: &str| serde_json::from_str::<SizeOrLevel>(json).unwrap();
        assert_eq!(read("\"S\""), SizeOrLevel::Size(Size::Small));
        // Not taken as `Size::Unknown`: the next variants are tried.
        assert_eq!(read("7"), SizeOrLevel::Number(7));
        assert_eq!(read("900"), SizeOrLevel::Level(Level::Unknown(900)));
        assert!(serde_json::from_str::<SizeOrLevel>("\"XL\"").is_err(), "no variant takes an unknown string");
    }

    #[test]
    fn int_enums_keep_unknown_values() {
        assert_eq!(serde_json::from_str::<Level>("9").unwrap(), Level::High);
        assert_eq!(serde_json::from_str::<Level>("4").unwrap(), Level::Unknown(4));
        assert_eq!(serde_json::to_string(&Level::Unknown(4)).unwrap(), "4");
        assert_eq!(Level::Low.value(), 1);
        assert_eq!(Level::High.to_string(), "9");
        assert_eq!("9".parse::<Level>(), Ok(Level::High));
        assert_eq!("7".parse::<Level>(), Ok(Level::Unknown(7)));
        assert!("high".parse::<Level>().is_err());
    }
}
