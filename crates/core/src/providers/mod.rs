//! One module per backend.

pub mod local;
pub mod memory;
