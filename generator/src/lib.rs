//! placeholder
pub mod config;
pub mod diag;
pub mod fileset;
pub mod load;
pub mod ir;
