//! Local references (`#/components/schemas/Pet`) followed in the document tree.

use serde_json::Value;

/// Resolves a local reference such as `#/components/schemas/Pet` in `root`.
pub fn resolve_pointer<'a>(root: &'a Value, reference: &str) -> Option<&'a Value> {
    let pointer = reference.strip_prefix('#')?;
    if pointer.is_empty() {
        return Some(root);
    }
    let decoded = percent_decode(pointer);
    root.pointer(&decoded)
}

fn percent_decode(s: &str) -> String {
    if !s.contains('%') {
        return s.to_owned();
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        // Bytes, not string slices: what follows a `%` may be the middle of a character.
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%' && i + 3 <= bytes.len() {
            if let (Some(hi), Some(lo)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((hi * 16 + lo) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_encoded_pointer_resolves() {
        let v: Value = serde_json::json!({"a b": {"c": 1}, "%.ᢶ": 2});
        assert_eq!(resolve_pointer(&v, "#/a%20b/c"), Some(&Value::from(1)));
        // A `%` before a multi-byte character is no escape (found by fuzzing names).
        assert_eq!(resolve_pointer(&v, "#/%.ᢶ"), Some(&Value::from(2)));
    }
}
