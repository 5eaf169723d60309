//! The exchange of one call with the server: the attempt loop with retries, timeouts, hooks,
//! tracing, credentials applied per operation, and the response size limit.

use std::time::{Duration, SystemTime};

use bytes::{Bytes, BytesMut};
use reqwest::header::HeaderMap;
//@ if auth_cookie
use reqwest::header::{HeaderValue, COOKIE};
//@ end
use reqwest::StatusCode;
use tracing::Instrument as _;
use url::Url;

use super::config::{join_url, Applied, ClientCore, Credential};
use super::errors::{ResponseMeta, TransportError, TransportErrorKind};
use super::hooks::ResponseInfo;
use super::request::{OperationSpec, PreparedRequest};
use super::response::RawResponse;
use super::retry::{decide, AttemptOutcome, RetryConfig, RetryDecision, StopReason};

/// Per-call settings that override the client's.
#[derive(Clone, Debug, Default)]
pub struct CallOptions {
    /// Total time of one attempt, instead of the client's.
    pub timeout: Option<Duration>,
    /// Retry configuration, instead of the client's.
    pub retry: Option<RetryConfig>,
    /// Extra headers; they replace headers of the same name set by the client or operation.
    pub headers: HeaderMap,
}
/// Replaces the headers of `dst` that `src` has with those of `src`.
fn merge_headers(dst: &mut HeaderMap, src: &HeaderMap) {
    for name in src.keys() {
        dst.remove(name);
    }
    for (name, value) in src {
        dst.append(name.clone(), value.clone());
    }
}

impl ClientCore {
    /// Sends a request, retrying as configured, and returns the last response with its whole
    /// body, whatever its status; or the last transport error.
    ///
    /// Each call is a `sdk.call` tracing span with the fields `operation`, `method`, `path`
    /// (the template), and, when the call ends, `attempt` (attempts made), `status` (of the last
    /// response) and `latency_ms` (the whole call, retries included). Each attempt is a `debug`
    /// event with its own attempt number, status and latency.
    pub async fn execute(
        &self,
        spec: &'static OperationSpec,
        request: &PreparedRequest,
        options: &CallOptions,
    ) -> Result<RawResponse, TransportError> {
        let span = tracing::info_span!(
            "sdk.call",
            operation = spec.name,
            method = %spec.method,
            path = spec.path,
            attempt = tracing::field::Empty,
            status = tracing::field::Empty,
            latency_ms = tracing::field::Empty,
        );
        // Without a subscriber that wants the span, no span to enter at every poll.
        if span.is_disabled() {
            self.attempts(spec, request, options, &span).await
        } else {
            self.attempts(spec, request, options, &span).instrument(span.clone()).await
        }
    }

    /// The URL (with query and API key) and headers of a request, the same for every attempt.
    pub(super) fn prepare(
        &self,
        spec: &'static OperationSpec,
        request: &PreparedRequest,
        options: &CallOptions,
    ) -> Result<(Url, HeaderMap), TransportError> {
        let inner = &*self.inner;
        let mut url = Url::parse(&join_url(&inner.base_url, request.path())).map_err(|e| {
            TransportError::new(TransportErrorKind::Request, format!("invalid URL for operation {}: {e}", spec.name))
        })?;
        let credential = spec.security.iter().find_map(|name| inner.credentials.iter().find(|c| c.scheme == *name));
        let query_key = match credential {
            Some(Credential { applied: Applied::Query(name, secret), .. }) => Some((*name, secret)),
            _ => None,
        };
        if !request.query_pairs().is_empty() || query_key.is_some() {
            let mut query = url.query_pairs_mut();
            for (name, value) in request.query_pairs() {
                query.append_pair(name, value);
            }
            if let Some((name, secret)) = query_key {
                query.append_pair(name, secret.expose());
            }
        }

        let mut headers = inner.headers.clone();
        merge_headers(&mut headers, request.headers());
        match credential.map(|c| &c.applied) {
            Some(Applied::Header(name, value)) => {
                headers.insert(name.clone(), value.clone());
            }
            //@ if auth_cookie
            Some(Applied::Cookie(value)) => {
                let merged = match headers.get(COOKIE).map(HeaderValue::as_bytes) {
                    Some(existing) => {
                        let mut joined = existing.to_vec();
                        joined.extend_from_slice(b"; ");
                        joined.extend_from_slice(value.as_bytes());
                        let mut v = HeaderValue::from_bytes(&joined)
                            .map_err(|_| TransportError::new(TransportErrorKind::Request, "invalid cookie header"))?;
                        v.set_sensitive(true);
                        v
                    }
                    None => value.clone(),
                };
                headers.insert(COOKIE, merged);
            }
            //@ end
            Some(Applied::Query(..)) | None => {}
        }
        merge_headers(&mut headers, &options.headers);
        Ok((url, headers))
    }

    async fn attempts(
        &self,
        spec: &'static OperationSpec,
        request: &PreparedRequest,
        options: &CallOptions,
        span: &tracing::Span,
    ) -> Result<RawResponse, TransportError> {
        let inner = &*self.inner;
        let retry = options.retry.as_ref().unwrap_or(&inner.retry);
        let timeout = options.timeout.unwrap_or(inner.timeout);
        // The URL and headers move into the attempt; only a retry prepares them again, so a
        // call that succeeds at once copies neither (measured with callgrind, `cargo xtask bench`).
        let (mut url, mut headers) = self.prepare(spec, request, options)?;
        let started = tokio::time::Instant::now();
        let mut attempt: u32 = 0;
        loop {
            attempt += 1;

            let mut http = reqwest::Request::new(spec.method.clone(), url);
            *http.headers_mut() = headers;
            if let Some(body) = request.body() {
                *http.body_mut() = Some(reqwest::Body::from(body.clone()));
            }
            inner.hooks.run_request(&mut http);

            let sent = tokio::time::Instant::now();
            let result =
                match tokio::time::timeout(timeout, receive(&inner.client, http, inner.max_response_bytes)).await {
                    Ok(result) => result,
                    Err(_) => Err(TransportError::new(
                        TransportErrorKind::Timeout,
                        format!("request timed out after {} ms", timeout.as_millis()),
                    )),
                };
            let latency = sent.elapsed();
            let latency_ms = u64::try_from(latency.as_millis()).unwrap_or(u64::MAX);

            match &result {
                Ok((status, _, body)) => {
                    let status = status.as_u16();
                    tracing::debug!(attempt, status, latency_ms, bytes = body.len(), "response received");
                }
                Err(e) => tracing::debug!(attempt, latency_ms, error = %e, "attempt failed"),
            }
            if inner.hooks.has_response_hooks() {
                inner.hooks.run_response(&ResponseInfo {
                    operation: spec.name,
                    path: spec.path,
                    attempt,
                    status: result.as_ref().ok().map(|r| r.0),
                    elapsed: latency,
                    error: result.as_ref().err().map(ToString::to_string),
                });
            }

            let decision = match &result {
                Ok((status, _, _)) if spec.success.contains(&status.as_u16()) => {
                    RetryDecision::Stop(StopReason::NotRetryable)
                }
                Ok((status, response_headers, _)) => decide(
                    retry,
                    attempt,
                    started.elapsed(),
                    AttemptOutcome::Response(*status, response_headers),
                    fastrand::f64(),
                    SystemTime::now(),
                ),
                Err(e) => decide(
                    retry,
                    attempt,
                    started.elapsed(),
                    AttemptOutcome::Transport(e.kind()),
                    fastrand::f64(),
                    SystemTime::now(),
                ),
            };

            match decision {
                RetryDecision::Retry { delay, from_retry_after } => {
                    let reason = match &result {
                        Ok((status, _, _)) => format!("HTTP {}", status.as_u16()),
                        Err(e) => e.message().to_owned(),
                    };
                    tracing::warn!(
                        operation = spec.name,
                        attempt,
                        reason = %reason,
                        delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                        from_retry_after,
                        "retrying request"
                    );
                    tokio::time::sleep(delay).await;
                    (url, headers) = self.prepare(spec, request, options)?;
                }
                RetryDecision::Stop(reason) => {
                    if reason != StopReason::NotRetryable {
                        tracing::warn!(operation = spec.name, attempt, reason = ?reason, "giving up retrying");
                    }
                    // The span's fields are written once, at the end: a subscriber that prints
                    // recorded fields appends each recording, so a field per attempt piled up.
                    span.record("attempt", attempt);
                    if let Ok((status, _, _)) = &result {
                        span.record("status", status.as_u16());
                    }
                    span.record("latency_ms", u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX));
                    return match result {
                        Ok((status, response_headers, body)) => {
                            Ok(RawResponse::new(ResponseMeta::new(status, response_headers, attempt), body))
                        }
                        Err(e) => Err(e.with_attempts(attempt)),
                    };
                }
            }
        }
    }
}

/// One attempt: sends the request and reads the whole body, up to `limit` bytes.
async fn receive(
    client: &reqwest::Client,
    request: reqwest::Request,
    limit: usize,
) -> Result<(StatusCode, HeaderMap, Bytes), TransportError> {
    let too_large = || {
        TransportError::new(
            TransportErrorKind::BodyTooLarge,
            format!("response body is larger than the limit of {limit} bytes"),
        )
    };
    let mut response = client.execute(request).await.map_err(TransportError::from_reqwest)?;
    let status = response.status();
    let headers = std::mem::take(response.headers_mut());
    let expected = response.content_length();
    if expected.is_some_and(|len| len > limit as u64) {
        return Err(too_large());
    }
    // A body in one chunk is kept as is; more chunks are copied into one buffer.
    let mut first: Option<Bytes> = None;
    let mut buffer = BytesMut::new();
    let mut total = 0usize;
    while let Some(chunk) = response.chunk().await.map_err(TransportError::from_reqwest)? {
        total = total.saturating_add(chunk.len());
        if total > limit {
            return Err(too_large());
        }
        if first.is_none() && buffer.is_empty() {
            first = Some(chunk);
        } else {
            if let Some(first) = first.take() {
                let hint = expected.map_or(0, |len| len as usize);
                buffer.reserve(hint.max(first.len() + chunk.len()));
                buffer.extend_from_slice(&first);
            }
            buffer.extend_from_slice(&chunk);
        }
    }
    let body = match first {
        Some(only) => only,
        None => buffer.freeze(),
    };
    Ok((status, headers, body))
}
