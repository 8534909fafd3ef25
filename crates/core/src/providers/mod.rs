//! One module per backend.

pub mod azure;
pub mod gcs;
pub mod local;
pub mod memory;
pub mod object;
pub mod s3;
