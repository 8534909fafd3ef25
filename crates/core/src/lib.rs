//! Stowage core: one storage contract (SPEC.md's ten operations) over the local filesystem,
//! memory, S3 and Azure Blob. No Node.js in here: the napi binding sits on top.

pub mod error;
pub mod path;
pub mod provider;
pub mod providers;
pub mod storage;

pub use error::{Error, ErrorKind, Result};
pub use path::{PathRules, StoragePath};
pub use provider::{DeleteDirectoryOptions, DirEntry, FileStats, ListDetail, Provider};
pub use providers::azure::AzureOptions;
pub use providers::local::{LocalOptions, LocalProvider};
pub use providers::memory::MemoryProvider;
pub use providers::object::{MultipartSettings, ObjectStoreProvider, RetrySettings};
pub use providers::s3::S3Options;
pub use storage::Storage;
