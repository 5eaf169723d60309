//! `multipart/form-data` bodies: parts and their encoding. Copied only into crates with a
//! multipart request body.

use std::fmt;
use std::path::Path;

use bytes::Bytes;
use serde::de::{self, Deserialize, Deserializer, Visitor};
use serde::{Serialize, Serializer};

use super::errors::InvalidRequest;
use super::request::{object_values, param_text, PreparedRequest};

/// A file sent as one part of a `multipart/form-data` request body: its bytes, and the file
/// name and content type sent with them.
///
/// Without a content type the part is sent as `application/octet-stream`. Build one from
/// bytes or text (`FilePart::new(bytes)`, `FilePart::from("text")`) or from a file on disk
/// ([`FilePart::read`], which also takes the file's name).
///
/// A file is not JSON: written into a JSON value (for instance by `serde_json::to_value` of
/// the model that holds it) it is `null`, and read from a JSON string it holds that string's
/// bytes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FilePart {
    data: Bytes,
    file_name: Option<String>,
    content_type: Option<String>,
}

impl FilePart {
    /// A file with these bytes, no file name and no content type.
    pub fn new(data: impl Into<Bytes>) -> Self {
        FilePart { data: data.into(), file_name: None, content_type: None }
    }

    /// Reads the file at `path` (whole, into memory: a retried request sends it again) and
    /// names the part after the path's last component.
    ///
    /// # Errors
    ///
    /// The I/O error of reading the file, of the same kind, its message naming the path.
    pub fn read(path: impl AsRef<Path>) -> std::io::Result<Self> {
        let path = path.as_ref();
        let data = std::fs::read(path)
            .map_err(|e| std::io::Error::new(e.kind(), format!("could not read {}: {e}", path.display())))?;
        let file_name = path.file_name().map(|n| n.to_string_lossy().into_owned());
        Ok(FilePart { data: data.into(), file_name, content_type: None })
    }

    /// Sets the file name sent with the part (`filename=` of its `Content-Disposition`).
    #[must_use]
    pub fn with_file_name(mut self, file_name: impl Into<String>) -> Self {
        self.file_name = Some(file_name.into());
        self
    }

    /// Sets the part's content type (for instance `image/png`).
    #[must_use]
    pub fn with_content_type(mut self, content_type: impl Into<String>) -> Self {
        self.content_type = Some(content_type.into());
        self
    }

    /// The bytes.
    pub fn data(&self) -> &Bytes {
        &self.data
    }

    /// The file name, if set.
    pub fn file_name(&self) -> Option<&str> {
        self.file_name.as_deref()
    }

    /// The content type, if set.
    pub fn content_type(&self) -> Option<&str> {
        self.content_type.as_deref()
    }
}

impl From<Bytes> for FilePart {
    fn from(data: Bytes) -> Self {
        FilePart::new(data)
    }
}

impl From<Vec<u8>> for FilePart {
    fn from(data: Vec<u8>) -> Self {
        FilePart::new(data)
    }
}

impl From<&[u8]> for FilePart {
    fn from(data: &[u8]) -> Self {
        FilePart::new(Bytes::copy_from_slice(data))
    }
}

impl From<String> for FilePart {
    fn from(text: String) -> Self {
        FilePart::new(text)
    }
}

impl From<&str> for FilePart {
    fn from(text: &str) -> Self {
        FilePart::new(Bytes::copy_from_slice(text.as_bytes()))
    }
}

impl Serialize for FilePart {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_unit()
    }
}

impl<'de> Deserialize<'de> for FilePart {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct FileVisitor;
        impl Visitor<'_> for FileVisitor {
            type Value = FilePart;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a file's content as a string")
            }

            fn visit_str<E: de::Error>(self, text: &str) -> Result<FilePart, E> {
                Ok(FilePart::from(text))
            }

            fn visit_bytes<E: de::Error>(self, data: &[u8]) -> Result<FilePart, E> {
                Ok(FilePart::from(data))
            }

            fn visit_unit<E: de::Error>(self) -> Result<FilePart, E> {
                Ok(FilePart::default())
            }
        }
        deserializer.deserialize_any(FileVisitor)
    }
}

/// A body field that holds files: a file, an optional file, or a list of them.
pub trait FileField {
    /// Calls `each` with every file of the field, in order.
    fn each_file<'a>(&'a self, each: &mut dyn FnMut(&'a FilePart));
}

impl FileField for FilePart {
    fn each_file<'a>(&'a self, each: &mut dyn FnMut(&'a FilePart)) {
        each(self);
    }
}

impl<T: FileField> FileField for Option<T> {
    fn each_file<'a>(&'a self, each: &mut dyn FnMut(&'a FilePart)) {
        if let Some(field) = self {
            field.each_file(each);
        }
    }
}

impl<T: FileField> FileField for Vec<T> {
    fn each_file<'a>(&'a self, each: &mut dyn FnMut(&'a FilePart)) {
        for field in self {
            field.each_file(each);
        }
    }
}

/// One encoded part: a text field or a file.
#[derive(Debug)]
struct Part<'a> {
    name: &'a str,
    file_name: Option<&'a str>,
    content_type: Option<&'a str>,
    data: &'a [u8],
}

/// Quotes a multipart parameter value the way browsers do.
fn push_quoted(out: &mut Vec<u8>, value: &str) {
    out.push(b'"');
    for b in value.bytes() {
        match b {
            b'"' => out.extend_from_slice(b"%22"),
            b'\r' => out.extend_from_slice(b"%0D"),
            b'\n' => out.extend_from_slice(b"%0A"),
            _ => out.push(b),
        }
    }
    out.push(b'"');
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// Encodes parts as `multipart/form-data`; returns the body and its boundary.
fn encode_multipart(parts: &[Part<'_>]) -> (Bytes, String) {
    let boundary = loop {
        let candidate = format!("sdk-boundary-{:016x}{:016x}", fastrand::u64(..), fastrand::u64(..));
        if !parts.iter().any(|p| contains(p.data, candidate.as_bytes())) {
            break candidate;
        }
    };
    let size: usize = parts.iter().map(|p| p.data.len() + p.name.len() + 160).sum();
    let mut out = Vec::with_capacity(size + boundary.len() + 8);
    for part in parts {
        out.extend_from_slice(b"--");
        out.extend_from_slice(boundary.as_bytes());
        out.extend_from_slice(b"\r\nContent-Disposition: form-data; name=");
        push_quoted(&mut out, part.name);
        if let Some(file_name) = part.file_name {
            out.extend_from_slice(b"; filename=");
            push_quoted(&mut out, file_name);
        }
        out.extend_from_slice(b"\r\n");
        if let Some(content_type) = part.content_type {
            out.extend_from_slice(b"Content-Type: ");
            out.extend(content_type.bytes().filter(|b| !matches!(b, b'\r' | b'\n')));
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(part.data);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"--");
    out.extend_from_slice(boundary.as_bytes());
    out.extend_from_slice(b"--\r\n");
    (Bytes::from(out), boundary)
}

impl PreparedRequest {
    /// Encodes a body as `multipart/form-data`. Each top-level field of the serializable
    /// object is a text part: a string as it is, a number or boolean printed, a list of those a
    /// part per item (as browsers send a multiple select), an object or any other list JSON
    /// text (`application/json`); `null` is left out. The fields named in `files` are not
    /// text: each of their files is a part of its own, after the text parts, named after the
    /// field when it has no file name (a part without one reads as a text field to many
    /// servers).
    pub fn multipart_json<B: Serialize + ?Sized>(
        self,
        body: &B,
        files: &[(&str, &dyn FileField)],
    ) -> Result<Self, InvalidRequest> {
        use serde_json::Value;
        let fields = object_values(body)?;
        // The text of each text part, and whether it is JSON.
        let mut texts: Vec<(&str, String, bool)> = Vec::new();
        for (name, value) in &fields {
            if files.iter().any(|(file, _)| file == name) {
                continue;
            }
            let scalar = |v: &Value| !matches!(v, Value::Array(_) | Value::Object(_));
            match value {
                Value::Null => {}
                // A list of scalars is a part per item, as `query_object` makes a pair per item.
                Value::Array(items) if items.iter().all(scalar) => {
                    texts.extend(items.iter().filter(|i| !i.is_null()).map(|i| (name.as_str(), param_text(i), false)))
                }
                Value::Array(_) | Value::Object(_) => texts.push((name, value.to_string(), true)),
                other => texts.push((name, param_text(other), false)),
            }
        }
        let mut parts: Vec<Part<'_>> = texts
            .iter()
            .map(|(name, text, json)| Part {
                name,
                file_name: None,
                content_type: json.then_some("application/json"),
                data: text.as_bytes(),
            })
            .collect();
        for (name, field) in files {
            field.each_file(&mut |file| {
                parts.push(Part {
                    name,
                    file_name: Some(file.file_name().unwrap_or(name)),
                    content_type: Some(file.content_type().unwrap_or("application/octet-stream")),
                    data: file.data(),
                });
            });
        }
        let (body, boundary) = encode_multipart(&parts);
        Ok(self.set_body(body, &format!("multipart/form-data; boundary={boundary}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::CONTENT_TYPE;

    #[derive(Serialize)]
    struct Upload {
        title: String,
        tags: Vec<String>,
        meta: serde_json::Value,
        count: Option<i64>,
        file: FilePart,
        thumbnail: Option<FilePart>,
        extra: Vec<FilePart>,
    }

    fn encode(body: &Upload) -> (String, Vec<u8>) {
        let files: [(&str, &dyn FileField); 3] =
            [("file", &body.file), ("thumbnail", &body.thumbnail), ("extra", &body.extra)];
        let r = PreparedRequest::new("/upload".into()).multipart_json(body, &files).unwrap();
        let ct = r.headers()[CONTENT_TYPE].to_str().unwrap().to_owned();
        let boundary = ct.strip_prefix("multipart/form-data; boundary=").unwrap().to_owned();
        (boundary, r.body().unwrap().to_vec())
    }

    #[test]
    fn text_fields_then_each_file_as_a_part_of_its_own() {
        let body = Upload {
            title: "Hello".into(),
            tags: vec!["cat".into(), "mat".into()],
            meta: serde_json::json!({"k": [1]}),
            count: Some(3),
            file: FilePart::new(Bytes::from_static(b"\x00\xffdata"))
                .with_file_name("a\"b.bin")
                .with_content_type("application/x-thing"),
            thumbnail: None,
            extra: vec![FilePart::from("one"), FilePart::from(vec![2u8])],
        };
        let (b, sent) = encode(&body);
        // The text fields in the order serde writes them (a `Value` map's: by name).
        let text = |name: &str, value: &str| {
            format!("--{b}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
        };
        let mut expected = [
            text("count", "3"),
            format!(
                "--{b}\r\nContent-Disposition: form-data; name=\"meta\"\r\nContent-Type: application/json\r\n\r\n{{\"k\":[1]}}\r\n"
            ),
            text("tags", "cat"),
            text("tags", "mat"),
            text("title", "Hello"),
        ]
        .concat()
        .into_bytes();
        expected.extend_from_slice(
            format!(
                "--{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a%22b.bin\"\r\n\
                 Content-Type: application/x-thing\r\n\r\n"
            )
            .as_bytes(),
        );
        expected.extend_from_slice(b"\x00\xffdata\r\n");
        for data in ["one", "\u{2}"] {
            expected.extend_from_slice(
                format!(
                    "--{b}\r\nContent-Disposition: form-data; name=\"extra\"; filename=\"extra\"\r\n\
                     Content-Type: application/octet-stream\r\n\r\n{data}\r\n"
                )
                .as_bytes(),
            );
        }
        expected.extend_from_slice(format!("--{b}--\r\n").as_bytes());
        assert_eq!(sent, expected, "{}", String::from_utf8_lossy(&sent));
        // a second encoding draws another boundary
        assert_ne!(encode(&body).0, b);
    }

    #[test]
    fn a_file_is_null_in_json_and_reads_a_string_s_bytes() {
        assert_eq!(serde_json::to_value(FilePart::from("x")).unwrap(), serde_json::Value::Null);
        let f: FilePart = serde_json::from_str("\"abc\"").unwrap();
        assert_eq!(f.data().as_ref(), b"abc");
        assert_eq!(f.file_name(), None);
    }

    #[test]
    fn read_takes_the_bytes_and_the_file_name() {
        let dir = std::env::temp_dir().join(format!("sdk-filepart-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("photo.png");
        std::fs::write(&path, [0x89, b'P', b'N', b'G']).unwrap();
        let f = FilePart::read(&path).unwrap().with_content_type("image/png");
        assert_eq!(f.data().as_ref(), &[0x89, b'P', b'N', b'G']);
        assert_eq!(f.file_name(), Some("photo.png"));
        assert_eq!(f.content_type(), Some("image/png"));
        let missing = FilePart::read(dir.join("missing.bin")).unwrap_err();
        assert_eq!(missing.kind(), std::io::ErrorKind::NotFound);
        assert!(missing.to_string().starts_with("could not read ") && missing.to_string().contains("missing.bin"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
