//! Stowage core: one storage contract (SPEC.md's ten operations) over the local filesystem,
//! memory, S3, Azure Blob and Google Cloud Storage. No Node.js in here: the napi binding sits on top.

pub mod cancel;
pub mod capabilities;
pub mod checksum;
pub mod config;
pub mod error;
mod files;
pub mod inline;
pub mod listing;
pub mod metadata;
pub(crate) mod metadata_ops;
pub mod names;
pub mod path;
pub mod provider;
pub mod providers;
mod ranges;
mod retention;
pub mod storage;
mod storage_streams;
pub mod stream;
mod tls;
pub mod transfer;

pub use cancel::Cancel;
pub use checksum::Algorithm;
pub use error::{Error, ErrorKind, Result};
pub use files::CHECKSUM_CHUNK_SIZE;
pub use listing::{ListEntry, Lister};
pub use metadata::{Condition, FileDetails, FileMetadata, WriteOptions};
pub use names::{Listed, NameBuf, NameList, NamePieces};
pub use path::{PathRules, StoragePath};
pub use provider::{
  Capabilities, DeleteDirectoryOptions, DirEntry, FileStats, ListDetail, Provider, SignedMethod,
};
pub use providers::azure::AzureOptions;
pub use providers::gcs::GcsOptions;
pub use providers::local::{LocalOptions, LocalProvider};
pub use providers::memory::MemoryProvider;
pub use providers::object::{
  MultipartSettings, ObjectSettings, ObjectStoreProvider, RetrySettings,
};
pub use providers::s3::S3Options;
pub use retention::DeleteOldFilesOptions;
pub use storage::{Listing, Storage};
pub use storage_streams::{StorageReader, StorageWriter};
pub use stream::{ByteRange, DEFAULT_CHUNK_SIZE};
pub use transfer::{transfer, TransferOptions, TransferProgress, TransferReport};
