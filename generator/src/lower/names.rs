//! Naming: how spec names become Rust identifiers, and how collisions are settled.

use std::collections::BTreeSet;

use heck::{ToSnakeCase, ToUpperCamelCase};

/// Rust keywords (strict and reserved) that cannot be used as plain identifiers.
const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern", "false", "fn",
    "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return", "self",
    "Self", "static", "struct", "super", "trait", "true", "type", "unsafe", "use", "where", "while", "abstract",
    "become", "box", "do", "final", "macro", "override", "priv", "try", "typeof", "unsized", "virtual", "yield",
    "union",
];

/// Type names the generated code uses unqualified; a model may not shadow them.
const RESERVED_TYPES: &[&str] = &[
    "String",
    "Vec",
    "Option",
    "Some",
    "None",
    "Box",
    "Result",
    "Ok",
    "Err",
    "Self",
    "BTreeMap",
    "Value",
    "Bytes",
    "Serialize",
    "Deserialize",
    "Serializer",
    "Deserializer",
    "Validate",
    "Validator",
    "Default",
    "Debug",
    "Clone",
    "PartialEq",
    "Fn",
    "Into",
    "From",
    "Iterator",
    "IntoIterator",
    "Cow",
    "Formatter",
    "Display",
    "Send",
    "Sync",
];

/// Whether `s` can name a generated type: an ASCII identifier starting with an upper-case
/// letter, not a keyword and not a type name the generated code uses unqualified.
pub fn is_type_ident(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_uppercase())
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !is_keyword(s)
        && !RESERVED_TYPES.contains(&s)
}

/// Whether `s` is a Rust keyword.
pub fn is_keyword(s: &str) -> bool {
    KEYWORDS.contains(&s)
}

/// `true` for a snake_case Rust identifier that is no keyword (`get_x`, `_1x`; not `Get-X`).
pub fn is_snake_ident(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
        && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && s != "_"
        && !is_keyword(s)
}

/// The crates every Rust program can name without a dependency: a crate of one of these names
/// would be shadowed by, or shadow, the built-in one (`std::..` and the prelude break).
const BUILT_IN_CRATES: &[&str] = &["alloc", "core", "proc_macro", "std", "test"];

/// Why a name cannot name a generated crate, if it cannot: the name is also the crate's `use`
/// name in every doc and example, so it must be a snake_case identifier, no keyword and no
/// built-in crate.
pub fn crate_name_problem(name: &str) -> Option<String> {
    if !is_snake_ident(name) {
        Some(format!(
            "`{name}` cannot name the crate: its name is also its `use` name, so it must be a snake_case Rust identifier that is not a keyword (such as `{}`)",
            crate_name(name)
        ))
    } else if BUILT_IN_CRATES.contains(&name) {
        Some(format!("`{name}` cannot name the crate: Rust has a built-in crate of that name (such as `{name}_api`)"))
    } else {
        None
    }
}

/// Splits off a namespace prefix: `dto.IngestEventRequest` gives `(Some("dto"), "IngestEventRequest")`,
/// `github_com_x_internal_domain_plan.Plan` gives `(Some("github_com_x_internal_domain_plan"), "Plan")`.
pub fn split_prefix(schema: &str) -> (Option<&str>, &str) {
    match schema.rfind(['.', '/']) {
        Some(i) if i + 1 < schema.len() => (Some(&schema[..i]), &schema[i + 1..]),
        _ => (None, schema),
    }
}

/// Spells a name in ASCII: Latin letters lose their accents (`Ärger` gives `Arger`, `ß`
/// gives `ss`), every other letter or digit becomes a word of its own, `u` and its code point
/// (`日本` gives `u65e5 u672c`), so no two distinct names fold to the same text by dropping
/// characters, and no name loses the capital it starts with.
pub fn ascii_fold(raw: &str) -> std::borrow::Cow<'_, str> {
    if raw.is_ascii() {
        return std::borrow::Cow::Borrowed(raw);
    }
    let mut out = String::with_capacity(raw.len() + 8);
    for c in raw.chars() {
        if c.is_ascii() {
            out.push(c);
        } else if let Some(latin) = fold_latin(c) {
            out.push_str(latin);
        } else if c.is_alphanumeric() {
            out.push_str(&format!(" u{:x} ", c as u32));
        } else {
            out.push(' ');
        }
    }
    std::borrow::Cow::Owned(out)
}

/// The ASCII spelling of a Latin letter with diacritics (Latin-1 and Latin Extended-A).
fn fold_latin(c: char) -> Option<&'static str> {
    const TABLE: &[(&str, &str)] = &[
        ("ÀÁÂÃÄÅĀĂĄ", "A"),
        ("àáâãäåāăą", "a"),
        ("ÇĆĈĊČ", "C"),
        ("çćĉċč", "c"),
        ("ĎĐ", "D"),
        ("ďđð", "d"),
        ("ÈÉÊËĒĔĖĘĚ", "E"),
        ("èéêëēĕėęě", "e"),
        ("ĜĞĠĢ", "G"),
        ("ĝğġģ", "g"),
        ("ĤĦ", "H"),
        ("ĥħ", "h"),
        ("ÌÍÎÏĨĪĬĮİ", "I"),
        ("ìíîïĩīĭįı", "i"),
        ("Ĵ", "J"),
        ("ĵ", "j"),
        ("Ķ", "K"),
        ("ķĸ", "k"),
        ("ĹĻĽĿŁ", "L"),
        ("ĺļľŀł", "l"),
        ("ÑŃŅŇŊ", "N"),
        ("ñńņňŉŋ", "n"),
        ("ÒÓÔÕÖØŌŎŐ", "O"),
        ("òóôõöøōŏő", "o"),
        ("ŔŖŘ", "R"),
        ("ŕŗř", "r"),
        ("ŚŜŞŠ", "S"),
        ("śŝşšſ", "s"),
        ("ŢŤŦ", "T"),
        ("ţťŧ", "t"),
        ("ÙÚÛÜŨŪŬŮŰŲ", "U"),
        ("ùúûüũūŭůűų", "u"),
        ("Ŵ", "W"),
        ("ŵ", "w"),
        ("ÝŶŸ", "Y"),
        ("ýÿŷ", "y"),
        ("ŹŻŽ", "Z"),
        ("źżž", "z"),
        ("Æ", "Ae"),
        ("æ", "ae"),
        ("Œ", "Oe"),
        ("œ", "oe"),
        ("ß", "ss"),
        ("Þ", "Th"),
        ("þ", "th"),
        ("Ĳ", "Ij"),
        ("ĳ", "ij"),
    ];
    TABLE.iter().find(|(from, _)| from.contains(c)).map(|(_, to)| *to)
}

/// UpperCamel type name from any text; never empty, always starting with a capital letter.
pub fn type_name(raw: &str) -> String {
    let mut name = ascii_fold(raw).to_upper_camel_case();
    name.retain(|c| c.is_ascii_alphanumeric() || c == '_');
    // A type name that is not capitalised could equal its own (snake case) module name.
    let name_start = name.trim_start_matches('_');
    if name_start.starts_with(|c: char| c.is_ascii_lowercase()) {
        name = name_start[..1].to_ascii_uppercase() + &name_start[1..];
    } else if name_start.is_empty() {
        name = "Unnamed".into();
    } else {
        name = name_start.to_owned();
    }
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert(0, 'N');
    }
    if RESERVED_TYPES.contains(&name.as_str()) {
        name.push_str("Model");
    }
    name
}

/// The last word of a namespace prefix, for qualifying colliding names
/// (`github_com_x_internal_domain_plan` gives `Plan`).
pub fn prefix_word(prefix: &str) -> String {
    let last = prefix.rsplit(['.', '/', '_', '-']).find(|s| !s.is_empty()).unwrap_or(prefix);
    type_name(last)
}

/// A crate name from text (the spec's title): snake case without leading or trailing
/// underscores (`api` for a title of symbols only), `api_` before a leading digit and `_api`
/// after a keyword or a built-in crate's name, since the name is also the crate's `use` name
/// (`3D Prints` gives `api_3d_prints`, `Type` gives `type_api`).
pub fn crate_name(raw: &str) -> String {
    // Field names made of symbols spell them (`!` is `not`); a crate is just `api`.
    let name = if raw.chars().any(char::is_alphanumeric) {
        snake_ident(raw).trim_matches('_').to_owned()
    } else {
        String::new()
    };
    if name.is_empty() {
        "api".to_owned()
    } else if name.starts_with(|c: char| c.is_ascii_digit()) {
        format!("api_{name}")
    } else if is_keyword(&name) || BUILT_IN_CRATES.contains(&name.as_str()) {
        format!("{name}_api")
    } else {
        name
    }
}

/// snake_case identifier from any text; keyword-safe, never empty, never starting with a digit.
pub fn snake_ident(raw: &str) -> String {
    let mut name = ascii_fold(raw).to_snake_case();
    name.retain(|c| c.is_ascii_alphanumeric() || c == '_');
    if name.is_empty() {
        // Names made only of symbols: spell the symbols.
        name = raw.chars().filter_map(symbol_word).collect::<Vec<_>>().join("_");
        if name.is_empty() {
            name = "field".into();
        }
    }
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert(0, '_');
    }
    if is_keyword(&name) || name == "_" {
        name.push('_');
    }
    name
}

/// UpperCamel variant name from a wire value.
pub fn variant_name(raw: &str) -> String {
    let mut name = ascii_fold(raw).to_upper_camel_case();
    name.retain(|c| c.is_ascii_alphanumeric());
    if name.is_empty() {
        name = raw.chars().filter_map(symbol_word).map(|w| w.to_upper_camel_case()).collect();
    }
    if name.is_empty() {
        name = "Empty".into();
    }
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert(0, 'V');
    }
    if name == "Unknown" || name == "Self" {
        name.push_str("Value");
    }
    name
}

fn symbol_word(c: char) -> Option<&'static str> {
    Some(match c {
        '+' => "plus",
        '-' => "minus",
        '*' => "star",
        '/' => "slash",
        '<' => "lt",
        '>' => "gt",
        '=' => "eq",
        '!' => "not",
        '@' => "at",
        '#' => "hash",
        '$' => "dollar",
        '%' => "percent",
        '&' => "and",
        '|' => "or",
        '.' => "dot",
        '~' => "tilde",
        '^' => "caret",
        _ => return None,
    })
}

/// Hands out unique names in a namespace: the first request for a name gets it, later ones
/// get `Name2`, `Name3` (or `name_2` in snake case) in request order.
#[derive(Debug, Default, Clone)]
pub struct Names {
    taken: BTreeSet<String>,
}

impl Names {
    /// A namespace with some names already taken.
    pub fn with_reserved<I: IntoIterator<Item = S>, S: Into<String>>(reserved: I) -> Self {
        Self { taken: reserved.into_iter().map(Into::into).collect() }
    }

    /// Whether `name` is taken.
    pub fn contains(&self, name: &str) -> bool {
        self.taken.contains(name)
    }

    /// Takes `name`, or the first free numbered form of it.
    pub fn unique(&mut self, name: &str) -> String {
        if self.taken.insert(name.to_owned()) {
            return name.to_owned();
        }
        let snake = name.chars().next().is_some_and(|c| c.is_ascii_lowercase() || c == '_');
        (2..)
            .map(|i| if snake { format!("{}_{i}", name.trim_end_matches('_')) } else { format!("{name}{i}") })
            .find(|candidate| self.taken.insert(candidate.clone()))
            .unwrap_or_default()
    }
}

/// The Rust method name of an operation without an operationId: method + path words.
/// `POST /events/usage/meter` gives `post_events_usage_meter`; `{id}` gives `by_id`.
pub fn method_path_name(method: &str, path: &str) -> String {
    let mut words = vec![method.to_ascii_lowercase()];
    for seg in path.split('/').filter(|s| !s.is_empty()) {
        if let Some(param) = seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            words.push(format!("by_{}", param.to_snake_case()));
        } else {
            words.push(seg.to_snake_case());
        }
    }
    snake_ident(&words.join("_"))
}

/// Reason phrase of a status as an UpperCamel name (`400` gives `BadRequest`).
pub fn status_name(status: u16) -> String {
    let name = match status {
        400 => "BadRequest",
        401 => "Unauthorized",
        402 => "PaymentRequired",
        403 => "Forbidden",
        404 => "NotFound",
        405 => "MethodNotAllowed",
        406 => "NotAcceptable",
        408 => "RequestTimeout",
        409 => "Conflict",
        410 => "Gone",
        411 => "LengthRequired",
        412 => "PreconditionFailed",
        413 => "PayloadTooLarge",
        414 => "UriTooLong",
        415 => "UnsupportedMediaType",
        416 => "RangeNotSatisfiable",
        417 => "ExpectationFailed",
        418 => "ImATeapot",
        421 => "MisdirectedRequest",
        422 => "UnprocessableEntity",
        423 => "Locked",
        424 => "FailedDependency",
        425 => "TooEarly",
        426 => "UpgradeRequired",
        428 => "PreconditionRequired",
        429 => "TooManyRequests",
        431 => "RequestHeaderFieldsTooLarge",
        451 => "UnavailableForLegalReasons",
        500 => "InternalServerError",
        501 => "NotImplemented",
        502 => "BadGateway",
        503 => "ServiceUnavailable",
        504 => "GatewayTimeout",
        505 => "HttpVersionNotSupported",
        507 => "InsufficientStorage",
        508 => "LoopDetected",
        511 => "NetworkAuthenticationRequired",
        other => return format!("Status{other}"),
    };
    name.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crate_names_are_rust_identifiers() {
        for (title, name) in [
            ("FlexPrice API", "flex_price_api"),
            ("3.1 bounds in 3.0", "api_3_1_bounds_in_3_0"),
            ("Type", "type_api"),
            ("Std", "std_api"),
            ("!!!", "api"),
            ("_Private_", "private"),
        ] {
            assert_eq!(crate_name(title), name, "{title}");
        }
    }

    #[test]
    fn prefixes_are_dropped() {
        assert_eq!(split_prefix("dto.IngestEventRequest"), (Some("dto"), "IngestEventRequest"));
        assert_eq!(split_prefix("github_com_a_b_plan.Plan"), (Some("github_com_a_b_plan"), "Plan"));
        assert_eq!(split_prefix("Pet"), (None, "Pet"));
        assert_eq!(prefix_word("github_com_flexprice_flexprice_internal_domain_plan"), "Plan");
    }

    #[test]
    fn identifiers_are_safe() {
        assert_eq!(snake_ident("type"), "type_");
        assert_eq!(snake_ident("eventName"), "event_name");
        assert_eq!(snake_ident("123abc"), "_123abc");
        assert_eq!(snake_ident("+1"), "_1");
        assert_eq!(snake_ident("+"), "plus");
        assert_eq!(snake_ident("self"), "self_");
        assert_eq!(type_name("string"), "StringModel");
        assert_eq!(type_name("2fa-config"), "N2faConfig");
        assert_eq!(variant_name("MINUTE"), "Minute");
        assert_eq!(variant_name("15m"), "V15m");
        assert_eq!(variant_name("unknown"), "UnknownValue");
        assert_eq!(variant_name(">="), "GtEq");
    }

    #[test]
    fn names_outside_ascii_stay_distinct_and_capitalised() {
        assert_eq!(type_name("Ärger"), "Arger");
        assert_eq!(snake_ident(&type_name("Ärger")), "arger");
        assert_eq!(type_name("Straße"), "Strasse");
        assert_eq!(type_name("日本"), "U65e5U672c");
        assert_ne!(type_name("日本"), type_name("中国"));
        assert_eq!(snake_ident("größe"), "grosse");
        assert_eq!(snake_ident("名前"), "u540d_u524d");
        assert_eq!(variant_name("été"), "Ete");
        assert_eq!(type_name("éclair"), "Eclair");
        for raw in ["Ärger", "日本", "ß", "ÿ", "_x", "🙂"] {
            let t = type_name(raw);
            assert!(t.starts_with(|c: char| c.is_ascii_uppercase()), "{raw} gives {t}");
            assert_ne!(t, snake_ident(&t), "{raw}: type and module names differ");
        }
    }

    #[test]
    fn names_from_method_and_path() {
        assert_eq!(method_path_name("POST", "/events/huggingface-inference"), "post_events_huggingface_inference");
        assert_eq!(method_path_name("GET", "/pets/{petId}"), "get_pets_by_pet_id");
    }

    #[test]
    fn collisions_get_numbers() {
        let mut n = Names::default();
        assert_eq!(n.unique("Plan"), "Plan");
        assert_eq!(n.unique("Plan"), "Plan2");
        assert_eq!(n.unique("plan"), "plan");
        assert_eq!(n.unique("plan"), "plan_2");
    }
}
