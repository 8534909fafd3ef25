//! The provider contract: what every backend (LOCAL, MEMORY, S3, Azure Blob, GCS) must do, the
//! [`Provider`] trait, and the types it speaks in. What a backend can do beyond it is declared once,
//! in [`Provider::capabilities`] (see [`crate::capabilities`]).
//!
//! Providers receive paths the facade has already validated ([`StoragePath`]) and return bare
//! errors; the facade adds operation, path and provider context, logs, sorts and filters. Nothing
//! here, nor in `capabilities.rs`, `listing.rs` or `stream.rs`, imports from the facade.

use std::fmt::Debug;
use std::time::SystemTime;

use async_trait::async_trait;
use bytes::Bytes;

use crate::cancel::Cancel;
pub use crate::capabilities::{
  Capabilities, Metadata, NameListing, OldFiles, Signing, Streaming, TempFiles,
};
use crate::error::Result;
use crate::listing::Lister;
use crate::path::{PathRules, StoragePath};
use crate::stream::ByteRange;

/// What `getFileStats` returns. `ctime` is the inode change time on LOCAL, and the last-modified
/// time on S3, Azure Blob (object_store does not expose a blob's creation time) and MEMORY.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileStats {
  pub size: u64,
  pub mtime: SystemTime,
  pub ctime: SystemTime,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeleteDirectoryOptions {
  pub recursive: bool,
  pub force: bool,
}

/// One direct child of a directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirEntry {
  pub name: String,
  pub is_dir: bool,
  /// Filled for files when the listing was asked for modification times.
  pub mtime: Option<SystemTime>,
}

/// How much a listing must say about each entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListDetail {
  /// Names and whether each is a directory.
  Names,
  /// Also the modification time of every file.
  ModificationTimes,
}

/// Told of one file of a `deleteOldFiles`: its path relative to the directory, and the error
/// when it could not be deleted.
pub type OldFileReport = std::sync::Arc<dyn Fn(&str, Option<&crate::error::Error>) + Send + Sync>;

/// The operations every provider has. Anything more is a capability ([`Capabilities`]).
#[async_trait]
pub trait Provider: Send + Sync + Debug + 'static {
  /// `LOCAL`, `MEMORY`, `S3`, `AZURE_BLOB`, `GCS`: goes into every error and log line.
  fn name(&self) -> &'static str;

  /// How caller paths map to this provider's locations.
  fn path_rules(&self) -> &PathRules;

  /// What this provider can do beyond this trait, declared once. The default: nothing, so the
  /// facade's fallbacks apply (see [`Capabilities`]).
  fn capabilities(&self) -> Capabilities<'_> {
    Capabilities::default()
  }

  /// Creates the directory and its parents. Succeeds when it already exists. A file at the path
  /// is `EEXIST`; a file in place of a parent is `ENOTDIR`.
  async fn ensure_directory(&self, path: &StoragePath) -> Result<()>;

  /// True only for a directory. A missing path, or a file, is `false`, never an error.
  async fn directory_exists(&self, path: &StoragePath) -> Result<bool>;

  /// Without `recursive` removes an empty directory (`ENOTEMPTY` otherwise); with it removes the
  /// tree. A missing directory is `ENOENT` unless `force`; a file is `ENOTDIR`. The facade stops
  /// awaiting once `cancel` fires; a provider whose work runs on other threads checks it between
  /// batches to stop that work too (`ABORT_ERR`).
  async fn delete_directory(
    &self,
    path: &StoragePath,
    options: DeleteDirectoryOptions,
    cancel: &Cancel,
  ) -> Result<()>;

  /// Removes one file. Missing is `ENOENT`; a directory is `EISDIR`.
  async fn delete_file(&self, path: &StoragePath) -> Result<()>;

  /// True only for a file. A missing path, or a directory, is `false`, never an error.
  async fn file_exists(&self, path: &StoragePath) -> Result<bool>;

  /// The direct children, in any order, without internal objects (temp files, markers).
  /// Missing is `ENOENT`; a file is `ENOTDIR`.
  async fn list_dir(&self, path: &StoragePath, detail: ListDetail) -> Result<Vec<DirEntry>>;

  /// A listing of the directory (with `recursive`, of its whole tree) that comes page by page.
  /// Missing is `ENOENT`; a file `ENOTDIR`, either now or at the first page.
  async fn lister(&self, path: &StoragePath, recursive: bool) -> Result<Box<dyn Lister>>;

  /// Size and times of a file. Missing is `ENOENT`; a directory is `EISDIR`.
  async fn get_file_stats(&self, path: &StoragePath) -> Result<FileStats>;

  /// The whole file. Missing is `ENOENT`; a directory is `EISDIR`.
  async fn read_file(&self, path: &StoragePath) -> Result<Bytes>;

  /// Creates parents as needed and replaces the file atomically: readers see the old bytes or
  /// the new ones. A directory at the path is `EISDIR`; a file in place of a parent `ENOTDIR`.
  async fn write_file(&self, path: &StoragePath, data: Bytes) -> Result<()>;

  /// Copies the file `src` to `dst`, creating `dst`'s parents and replacing `dst` atomically.
  /// Missing `src` is `ENOENT`; a directory at either path `EISDIR`; a file in place of a parent
  /// of `dst` `ENOTDIR`. The facade never calls it with `src == dst`.
  async fn copy_file(&self, src: &StoragePath, dst: &StoragePath) -> Result<()>;

  /// Moves the file `src` to `dst`, with `copy_file`'s errors. The default copies, then deletes.
  async fn move_file(&self, src: &StoragePath, dst: &StoragePath) -> Result<()> {
    self.copy_file(src, dst).await?;
    self.delete_file(src).await
  }

  /// Deletes many files, one result per path in the same order. Providers override this to
  /// batch; the default deletes one by one.
  async fn delete_files(&self, paths: &[StoragePath]) -> Vec<Result<()>> {
    let mut results = Vec::with_capacity(paths.len());
    for path in paths {
      results.push(self.delete_file(path).await);
    }
    results
  }

  /// The bytes of `range` (clamped to the file: past the end gives what exists, or nothing).
  /// Missing is `ENOENT`; a directory `EISDIR`. The default reads through [`Streaming`], or
  /// slices the whole file without it; providers override it with one positioned read or one
  /// range GET.
  async fn read_range(&self, path: &StoragePath, range: ByteRange) -> Result<Bytes> {
    crate::ranges::read_range_default(self, path, range).await
  }
}

/// What a signed URL allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignedMethod {
  Get,
  Put,
}
