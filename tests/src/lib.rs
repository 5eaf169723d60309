//! Support code of the end-to-end tests of the generated FlexPrice SDK; the tests themselves
//! live in `tests/`.
//!
//! - [`fault_server`]: an HTTP/1.1 server on `127.0.0.1` that records every request and answers
//!   as a test scripts it, including misbehaviour below HTTP (resets, truncated bodies, silence).

pub mod fault_server;

pub use fault_server::{Action, FaultServer, Framing, Outcome, Reply, Request};
