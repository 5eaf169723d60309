//! Support code of the end-to-end tests of the generated FlexPrice SDK; the tests themselves
//! live in `tests/`.
//!
//! - [`fault_server`]: an HTTP/1.1 server on `127.0.0.1` that records every request and answers
//!   as a test scripts it, including misbehaviour below HTTP (resets, truncated bodies, silence).

pub mod fault_server;

pub use fault_server::{Action, FaultServer, Framing, Outcome, Reply, Request};

/// A time from its RFC 3339 text, for the time fields of the SDK's models.
///
/// # Panics
///
/// When `text` is not RFC 3339 (a bug in the test).
pub fn ts(text: &str) -> flexprice::chrono::DateTime<flexprice::chrono::Utc> {
    text.parse().unwrap_or_else(|e| panic!("{text:?} is not an RFC 3339 time: {e}"))
}
