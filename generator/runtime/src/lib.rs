//! Runtime of the generated SDK crates.
//!
//! This file is copied into every generated crate as `src/runtime/mod.rs`, and each module
//! below as `src/runtime/<module>.rs`. Modules therefore refer to each other with `super::`,
//! never with `crate::`, and this file holds nothing but documentation and module declarations.

pub mod bulk;
pub mod call;
pub mod client_core;
pub mod enums;
pub mod errors;
pub mod hooks;
pub mod ingestor;
pub mod retry;
pub mod spool;
pub mod validate;
