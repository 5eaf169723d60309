//! Runtime of the generated SDK crates.
//!
//! This file is copied into every generated crate as `src/runtime/mod.rs` (a private module:
//! the crate re-exports what its users need), and each module below as
//! `src/runtime/<module>.rs`. Modules therefore refer to each other with `super::`, never with
//! `crate::`, and this file holds nothing but documentation and module declarations. Macros
//! expand in the generated code and name the runtime `$crate::runtime::`; the runtime's own
//! crate (`tests/runtime`) mounts this file as `crate::runtime` so those paths hold there too.
//!
//! Dependencies point one way: `paginate` → `call` → `exchange` → `config`, `request`,
//! `response`, `retry`, `hooks` → `errors` → `defaults` (plain constants, which the generator
//! also reads for the docs it writes). Only `paginate` imports `call`.
//!
//! Parts a crate does not use are left out of it: a region between the lines `//@ if PART`
//! and `//@ end` is copied only when the crate needs `PART` (the generator decides from the
//! API it generates; see `generator/src/emit/runtime.rs`). Here, in the runtime's own crate,
//! every part is compiled and tested.

pub mod call;
pub mod config;
pub mod defaults;
pub mod errors;
pub mod exchange;
pub mod hooks;
pub mod request;
pub mod response;
pub mod retry;
//@ if validate
pub mod validate;
//@ end
//@ if enums
pub mod enums;
//@ end
//@ if structs
pub mod structs;
//@ end
//@ if multipart
pub mod multipart;
//@ end
//@ if bulk
pub mod bulk;
//@ end
//@ if pagination
pub mod paginate;
//@ end
//@ if ingestor
// Only with the crate feature `ingestor`: off by default in a generated crate (most programs
// never start a background batcher, and it is the largest part of the runtime), on in the
// runtime's own crate.
#[cfg(feature = "ingestor")]
pub mod ingestor;
#[cfg(feature = "ingestor")]
pub mod spool;
//@ end
