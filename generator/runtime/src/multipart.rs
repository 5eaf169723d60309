//! `multipart/form-data` bodies: parts and their encoding. Copied only into crates with a
//! multipart request body.

use bytes::Bytes;
use serde::Serialize;

use super::errors::InvalidRequest;
use super::request::{object_fields, PreparedRequest};

/// One part of a `multipart/form-data` body.
#[derive(Clone, Debug)]
pub struct Part {
    name: String,
    file_name: Option<String>,
    content_type: Option<String>,
    data: Bytes,
}

impl Part {
    /// A part with binary content (`application/octet-stream` unless set otherwise).
    pub fn bytes(name: impl Into<String>, data: impl Into<Bytes>) -> Self {
        Part {
            name: name.into(),
            file_name: None,
            content_type: Some("application/octet-stream".to_owned()),
            data: data.into(),
        }
    }

    /// A text part (sent without a content type, i.e. `text/plain`).
    pub fn text(name: impl Into<String>, value: impl Into<String>) -> Self {
        Part { name: name.into(), file_name: None, content_type: None, data: Bytes::from(value.into()) }
    }

    /// Sets the file name.
    pub fn file_name(mut self, file_name: impl Into<String>) -> Self {
        self.file_name = Some(file_name.into());
        self
    }

    /// Sets the content type.
    pub fn content_type(mut self, content_type: impl Into<String>) -> Self {
        self.content_type = Some(content_type.into());
        self
    }

    /// The field name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The content.
    pub fn data(&self) -> &Bytes {
        &self.data
    }
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
fn encode_multipart(parts: &[Part]) -> (Bytes, String) {
    let boundary = loop {
        let candidate = format!("sdk-boundary-{:016x}{:016x}", fastrand::u64(..), fastrand::u64(..));
        if !parts.iter().any(|p| contains(&p.data, candidate.as_bytes())) {
            break candidate;
        }
    };
    let size: usize = parts.iter().map(|p| p.data.len() + p.name.len() + 160).sum();
    let mut out = Vec::with_capacity(size + boundary.len() + 8);
    for part in parts {
        out.extend_from_slice(b"--");
        out.extend_from_slice(boundary.as_bytes());
        out.extend_from_slice(b"\r\nContent-Disposition: form-data; name=");
        push_quoted(&mut out, &part.name);
        if let Some(file_name) = &part.file_name {
            out.extend_from_slice(b"; filename=");
            push_quoted(&mut out, file_name);
        }
        out.extend_from_slice(b"\r\n");
        if let Some(content_type) = &part.content_type {
            out.extend_from_slice(b"Content-Type: ");
            out.extend(content_type.bytes().filter(|b| !matches!(b, b'\r' | b'\n')));
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(&part.data);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"--");
    out.extend_from_slice(boundary.as_bytes());
    out.extend_from_slice(b"--\r\n");
    (Bytes::from(out), boundary)
}

impl PreparedRequest {
    /// Encodes the top-level fields of a serializable object as `multipart/form-data` text
    /// parts: strings as they are, other values as JSON text; `null` fields are left out.
    pub fn multipart_json<B: Serialize + ?Sized>(self, body: &B) -> Result<Self, InvalidRequest> {
        let parts = object_fields(body)?.into_iter().map(|(k, v)| Part::text(k, v)).collect();
        Ok(self.multipart(parts))
    }

    /// Encodes `parts` (once) as `multipart/form-data` with a random boundary.
    pub fn multipart(self, parts: Vec<Part>) -> Self {
        let (body, boundary) = encode_multipart(&parts);
        self.set_body(body, &format!("multipart/form-data; boundary={boundary}"))
    }
}
