//! The provider trait: what every backend (LOCAL, MEMORY, S3, Azure Blob) must do.
//!
//! Providers receive paths the facade has already validated ([`StoragePath`]) and return bare
//! errors; the facade adds operation, path and provider context, logs, sorts and filters.

use std::fmt::Debug;
use std::time::SystemTime;

use async_trait::async_trait;
use bytes::Bytes;

use crate::error::Result;
use crate::path::{PathRules, StoragePath};

/// What `getFileStats` returns. `ctime` is the inode change time on LOCAL, the creation time on
/// Azure Blob, and the last-modified time on S3 and MEMORY.
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
  /// Also the modification time of every file (for retention).
  ModificationTimes,
}

#[async_trait]
pub trait Provider: Send + Sync + Debug + 'static {
  /// `LOCAL`, `MEMORY`, `S3`, `AZURE_BLOB`: goes into every error and log line.
  fn name(&self) -> &'static str;

  /// How caller paths map to this provider's locations.
  fn path_rules(&self) -> &PathRules;

  /// Creates the directory and its parents. Succeeds when it already exists. A file at the path
  /// is `EEXIST`; a file in place of a parent is `ENOTDIR`.
  async fn ensure_directory(&self, path: &StoragePath) -> Result<()>;

  /// True only for a directory. A missing path, or a file, is `false`, never an error.
  async fn directory_exists(&self, path: &StoragePath) -> Result<bool>;

  /// Without `recursive` removes an empty directory (`ENOTEMPTY` otherwise); with it removes the
  /// tree. A missing directory is `ENOENT` unless `force`; a file is `ENOTDIR`.
  async fn delete_directory(
    &self,
    path: &StoragePath,
    options: DeleteDirectoryOptions,
  ) -> Result<()>;

  /// Removes one file. Missing is `ENOENT`; a directory is `EISDIR`.
  async fn delete_file(&self, path: &StoragePath) -> Result<()>;

  /// True only for a file. A missing path, or a directory, is `false`, never an error.
  async fn file_exists(&self, path: &StoragePath) -> Result<bool>;

  /// The direct children, in any order, without internal objects (temp files, markers).
  /// Missing is `ENOENT`; a file is `ENOTDIR`.
  async fn list_dir(&self, path: &StoragePath, detail: ListDetail) -> Result<Vec<DirEntry>>;

  /// Size and times of a file. Missing is `ENOENT`; a directory is `EISDIR`.
  async fn get_file_stats(&self, path: &StoragePath) -> Result<FileStats>;

  /// The whole file. Missing is `ENOENT`; a directory is `EISDIR`.
  async fn read_file(&self, path: &StoragePath) -> Result<Bytes>;

  /// Creates parents as needed and replaces the file atomically: readers see the old bytes or
  /// the new ones. A directory at the path is `EISDIR`; a file in place of a parent `ENOTDIR`.
  async fn write_file(&self, path: &StoragePath, data: Bytes) -> Result<()>;

  /// Deletes many files, one result per path in the same order. Providers override this to
  /// batch; the default deletes one by one.
  async fn delete_files(&self, paths: &[StoragePath]) -> Vec<Result<()>> {
    let mut results = Vec::with_capacity(paths.len());
    for path in paths {
      results.push(self.delete_file(path).await);
    }
    results
  }

  /// Removes temp files that interrupted writes left under `dir` (at any depth) and that were
  /// last modified before `older_than`; returns how many. A missing directory is 0. Providers
  /// whose writes leave no temp files keep this default.
  async fn cleanup_temp_files(&self, _dir: &StoragePath, _older_than: SystemTime) -> Result<u32> {
    Ok(0)
  }
}
