//! The provider trait: what every backend (LOCAL, MEMORY, S3, Azure Blob) must do.
//!
//! Providers receive paths the facade has already validated ([`StoragePath`]) and return bare
//! errors; the facade adds operation, path and provider context, logs, sorts and filters.

use std::fmt::Debug;
use std::time::SystemTime;

use async_trait::async_trait;
use bytes::Bytes;

use crate::cancel::Cancel;
use crate::error::Result;
use crate::listing::Lister;
use crate::metadata::{FileDetails, SignedHeaders, WriteOptions};
use crate::names::NameBuf;
use crate::path::{PathRules, StoragePath};

use crate::stream::{ByteRange, Reader, Writer};

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
  /// Also the modification time of every file (for retention).
  ModificationTimes,
}

/// Told of one file of a `deleteOldFiles`: its path relative to the directory, and the error
/// when it could not be deleted.
pub type OldFileReport = std::sync::Arc<dyn Fn(&str, Option<&crate::error::Error>) + Send + Sync>;

#[async_trait]
pub trait Provider: Send + Sync + Debug + 'static {
  /// `LOCAL`, `MEMORY`, `S3`, `AZURE_BLOB`: goes into every error and log line.
  fn name(&self) -> &'static str;

  /// How caller paths map to this provider's locations.
  fn path_rules(&self) -> &PathRules;

  /// True when an operation's work is blocking syscalls or memory, never network: a caller may
  /// then run it to completion on a thread of its own with [`crate::inline::block_on`].
  fn runs_inline(&self) -> bool {
    false
  }

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

  /// The names of the direct children as [`Provider::list_dir`] gives them, pushed into `names`
  /// (which may pass them on in pieces) and finished, where the provider can do that cheaper
  /// than `list_dir`; `None` (the default): the facade takes the names from `list_dir`.
  async fn list_names(&self, _path: &StoragePath, _names: NameBuf) -> Result<Option<NameBuf>> {
    Ok(None)
  }

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

  /// Deletes the files of `paths` (from a listing that found them older than `older_than`) that
  /// are still older: a file rewritten since gives `NotFound` (the file judged old is gone) and
  /// stays. The default is [`Provider::delete_files`], which leaves the window between the
  /// listing and the delete open; S3 and Azure Blob close it with a delete conditional on the
  /// ETag.
  async fn delete_if_older(
    &self,
    paths: &[StoragePath],
    _older_than: SystemTime,
  ) -> Vec<Result<()>> {
    self.delete_files(paths).await
  }

  /// `deleteOldFiles` in one pass, where the provider can beat a listing followed by deletes:
  /// deletes the files directly in `dir` modified before `older_than` and gives the name and
  /// outcome of each it tried. `None` (the default): the facade lists, then deletes.
  async fn delete_old_in(
    &self,
    _dir: &StoragePath,
    _older_than: SystemTime,
  ) -> Result<Option<Vec<(String, Result<()>)>>> {
    Ok(None)
  }

  /// `deleteOldFiles` in one walk, where the provider can judge and delete each file safely
  /// while it lists: deletes the files under `dir` (directly in it; with `recursive`, at any
  /// depth; directories stay) modified before `older_than`, **never one whose content changed
  /// after it was judged old**, and stops with `ABORT_ERR` once `cancel` fires. A missing
  /// directory is `ENOENT` (the facade makes it 0). `report` is told the path (relative to
  /// `dir`) of each file deleted, or that failed with its error; resolves how many were deleted.
  /// `None` (the default): the facade uses [`Provider::delete_old_in`], or lists a page, then
  /// deletes.
  async fn delete_old_files(
    &self,
    _dir: &StoragePath,
    _older_than: SystemTime,
    _recursive: bool,
    _cancel: &Cancel,
    _report: &OldFileReport,
  ) -> Result<Option<u32>> {
    Ok(None)
  }

  /// The bytes of `range` (clamped to the file: past the end gives what exists, or nothing).
  /// Missing is `ENOENT`; a directory `EISDIR`. The default reads through `open_read`, or slices
  /// the whole file where there is no streaming read; providers override it with one positioned
  /// read or one range GET.
  async fn read_range(&self, path: &StoragePath, range: ByteRange) -> Result<Bytes> {
    crate::ranges::read_range_default(self, path, range).await
  }

  /// Copies the file `src` to `dst`, creating `dst`'s parents and replacing `dst` atomically.
  /// Missing `src` is `ENOENT`; a directory at either path `EISDIR`; a file in place of a parent
  /// of `dst` `ENOTDIR`. The facade never calls it with `src == dst`.
  async fn copy_file(&self, src: &StoragePath, dst: &StoragePath) -> Result<()>;

  /// Moves the file `src` to `dst`, with `copy_file`'s errors. The default copies, then deletes.
  async fn move_file(&self, src: &StoragePath, dst: &StoragePath) -> Result<()> {
    self.copy_file(src, dst).await?;
    self.delete_file(src).await
  }

  /// A listing of the directory (with `recursive`, of its whole tree) that comes page by page.
  /// Missing is `ENOENT`; a file `ENOTDIR`, either now or at the first page.
  async fn lister(&self, path: &StoragePath, recursive: bool) -> Result<Box<dyn Lister>>;

  /// `delete_directory` that stops between batches once `cancel` fires. The facade also stops
  /// awaiting then; providers whose work runs on other threads override this to stop it too.
  async fn delete_directory_until(
    &self,
    path: &StoragePath,
    options: DeleteDirectoryOptions,
    cancel: &Cancel,
  ) -> Result<()> {
    cancel.check()?;
    self.delete_directory(path, options).await
  }

  /// Removes temp files that interrupted writes left under `dir` (at any depth) and that were
  /// last modified before `older_than`; returns how many. A missing directory is 0. Providers
  /// whose writes leave no temp files keep this default.
  async fn cleanup_temp_files(&self, _dir: &StoragePath, _older_than: SystemTime) -> Result<u32> {
    Ok(0)
  }

  /// Opens `range` of a file for reading in chunks of at most `chunk_size` bytes. `None`: the
  /// facade reads the whole file and slices it (fine for MEMORY). Missing is `ENOENT`, a
  /// directory `EISDIR`.
  async fn open_read(
    &self,
    _path: &StoragePath,
    _range: ByteRange,
    _chunk_size: usize,
  ) -> Result<Option<Reader>> {
    Ok(None)
  }

  /// Opens a file for writing, published atomically on `finish`, gone on `abort`. `None`: the
  /// facade buffers the chunks and calls `write_file` on finish (fine for MEMORY).
  async fn open_write(&self, _path: &StoragePath) -> Result<Option<Writer>> {
    Ok(None)
  }

  /// [`Provider::get_file_stats`] plus the ETag and stored metadata. The default has no ETag and
  /// guesses the content type from the name.
  async fn file_details(&self, path: &StoragePath) -> Result<(FileStats, FileDetails)> {
    let stats = self.get_file_stats(path).await?;
    let metadata = crate::metadata::FileMetadata::default().typed_for(path.key());
    Ok((
      stats,
      FileDetails {
        etag: None,
        metadata,
      },
    ))
  }

  /// [`Provider::write_file`] with headers, metadata and a condition (already validated). The
  /// default takes only plain options and refuses others with `ENOTSUP`.
  async fn write_file_with(
    &self,
    path: &StoragePath,
    data: Bytes,
    options: &WriteOptions,
  ) -> Result<()> {
    plain_only(options)?;
    self.write_file(path, data).await
  }

  /// [`Provider::open_write`] with [`Provider::write_file_with`]'s options. `None` (the default
  /// for options beyond a plain write): the facade buffers and calls `write_file_with`.
  async fn open_write_with(
    &self,
    path: &StoragePath,
    options: &WriteOptions,
  ) -> Result<Option<Writer>> {
    match options.is_plain() {
      true => self.open_write(path).await,
      false => Ok(None),
    }
  }

  /// [`Provider::copy_file`] with options: metadata set there replaces the source's (else the
  /// copy keeps it), a condition applies to `dst`.
  async fn copy_file_with(
    &self,
    src: &StoragePath,
    dst: &StoragePath,
    options: &WriteOptions,
  ) -> Result<()> {
    plain_only(options)?;
    self.copy_file(src, dst).await
  }

  /// [`Provider::signed_url`] that also fixes `headers`; the default signs only without them
  /// (`ENOTSUP` otherwise).
  async fn signed_url_with(
    &self,
    path: &StoragePath,
    method: SignedMethod,
    expires_in: std::time::Duration,
    headers: &SignedHeaders,
  ) -> Result<String> {
    if !headers.is_empty() {
      return Err(crate::metadata::unsupported(
        "signed URLs with response headers or a bound content type are not supported by this provider",
      ));
    }
    self.signed_url(path, method, expires_in).await
  }

  /// Deletes the file only when its ETag is `etag` (`ECONFLICT` otherwise), atomically.
  async fn delete_file_if_match(&self, _path: &StoragePath, _etag: &str) -> Result<()> {
    Err(crate::metadata::unsupported(
      "deleteFile with ifMatch is not supported by this provider",
    ))
  }

  /// A URL that lets anyone holding it `GET` or `PUT` the file until it expires. Only object
  /// stores can: the default is `ENOTSUP`.
  async fn signed_url(
    &self,
    _path: &StoragePath,
    _method: SignedMethod,
    _expires_in: std::time::Duration,
  ) -> Result<String> {
    Err(crate::error::Error::new(
      crate::error::ErrorKind::Unsupported,
      "signed URLs need an object store (S3, Azure Blob or GCS)",
    ))
  }
}

/// What a signed URL allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignedMethod {
  Get,
  Put,
}

/// `ENOTSUP` unless `options` ask for nothing beyond a plain write.
pub(crate) fn plain_only(options: &WriteOptions) -> Result<()> {
  match options.is_plain() {
    true => Ok(()),
    false => Err(crate::metadata::unsupported(
      "metadata and conditional writes are not supported by this provider",
    )),
  }
}
