//! A response: the raw response of the last attempt, the decoders of success bodies, the
//! [`Response`] wrapper users get from `send_with_response`, and the trait by which a
//! generated error type is built from a failed response.

use bytes::Bytes;
use reqwest::header::HeaderMap;
use reqwest::StatusCode;
use serde::de::DeserializeOwned;

use super::errors::{DecodeError, InvalidRequest, ResponseMeta, TransportError};

/// A complete response: metadata and the whole body.
#[derive(Clone)]
pub struct RawResponse {
    pub(super) meta: ResponseMeta,
    body: Bytes,
}

impl std::fmt::Debug for RawResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RawResponse").field("meta", &self.meta).field("body_len", &self.body.len()).finish()
    }
}

impl RawResponse {
    /// Creates a response.
    pub fn new(meta: ResponseMeta, body: Bytes) -> Self {
        RawResponse { meta, body }
    }

    /// HTTP status code.
    pub fn status(&self) -> StatusCode {
        self.meta.status()
    }

    /// Response headers.
    pub fn headers(&self) -> &HeaderMap {
        self.meta.headers()
    }

    /// Request id assigned by the server, if any.
    pub fn request_id(&self) -> Option<&str> {
        self.meta.request_id()
    }

    /// Status, headers and attempt count.
    pub fn meta(&self) -> &ResponseMeta {
        &self.meta
    }

    /// The body.
    pub fn body(&self) -> &Bytes {
        &self.body
    }

    /// The metadata and the body.
    pub fn into_parts(self) -> (ResponseMeta, Bytes) {
        (self.meta, self.body)
    }

    /// Decodes the body as JSON.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, DecodeError> {
        decode_json(self)
    }
}

/// Decodes a JSON body into `T`.
pub fn decode_json<T: DeserializeOwned>(response: &RawResponse) -> Result<T, DecodeError> {
    match serde_json::from_slice(&response.body) {
        Ok(value) => Ok(value),
        Err(e) => Err(json_error(response, std::any::type_name::<T>(), &e)),
    }
}

fn json_error(response: &RawResponse, type_name: &'static str, err: &serde_json::Error) -> DecodeError {
    DecodeError::json(Some(response.meta.clone()), response.body.clone(), type_name, err)
}

/// Accepts any body and returns `()`.
pub fn decode_empty(_response: &RawResponse) -> Result<(), DecodeError> {
    Ok(())
}

/// Decodes a UTF-8 text body.
pub fn decode_text(response: &RawResponse) -> Result<String, DecodeError> {
    match std::str::from_utf8(&response.body) {
        Ok(text) => Ok(text.to_owned()),
        Err(e) => Err(DecodeError::new(
            Some(response.meta.clone()),
            response.body.clone(),
            format!("body is not valid UTF-8: {e}"),
        )),
    }
}

/// Returns the body as is.
pub fn decode_bytes(response: &RawResponse) -> Result<Bytes, DecodeError> {
    Ok(response.body.clone())
}

/// The error type of an API: built from every kind of failure, including a response whose
/// status is not a success.
pub trait ErrorFromResponse: From<TransportError> + From<InvalidRequest> + From<DecodeError> + Sized {
    /// Maps a non-success response to an error; `declared` lists the error statuses the
    /// operation declares.
    fn from_response(response: RawResponse, declared: &[u16]) -> Self;
}

/// A successful result with the response's metadata.
#[derive(Clone, Debug)]
pub struct Response<T> {
    meta: ResponseMeta,
    body: T,
}

impl<T> Response<T> {
    /// Creates a response.
    pub fn new(meta: ResponseMeta, body: T) -> Self {
        Response { meta, body }
    }

    /// HTTP status code.
    pub fn status(&self) -> StatusCode {
        self.meta.status()
    }

    /// Response headers.
    pub fn headers(&self) -> &HeaderMap {
        self.meta.headers()
    }

    /// Request id assigned by the server, if any.
    pub fn request_id(&self) -> Option<&str> {
        self.meta.request_id()
    }

    /// Status, headers and attempt count.
    pub fn meta(&self) -> &ResponseMeta {
        &self.meta
    }

    /// The decoded body.
    pub fn body(&self) -> &T {
        &self.body
    }

    /// The decoded body.
    pub fn into_body(self) -> T {
        self.body
    }

    /// The metadata and the decoded body.
    pub fn into_parts(self) -> (ResponseMeta, T) {
        (self.meta, self.body)
    }
}
