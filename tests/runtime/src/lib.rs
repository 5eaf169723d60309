//! The runtime compiled as it sits in a generated crate: the module `runtime` at the crate's
//! root, so the paths its macros expand to (`$crate::runtime::..`) resolve here too.

#[path = "../../../generator/runtime/src/lib.rs"]
pub mod runtime;
