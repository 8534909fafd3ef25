//! What a provider can do beyond [`Provider`]: one trait per capability, declared once in
//! [`Provider::capabilities`], and what an operation does where a provider lacks it (a fallback
//! that gives the same result, or `ENOTSUP` with the same message on every provider).

use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use bytes::Bytes;
use futures::future::{BoxFuture, FutureExt};

use crate::cancel::Cancel;
use crate::error::{Error, ErrorKind, Result};
use crate::metadata::{unsupported, FileDetails, FileMetadata, SignedHeaders, WriteOptions};
use crate::names::NameBuf;
use crate::path::StoragePath;
use crate::provider::{FileStats, OldFileReport, Provider, SignedMethod};
use crate::stream::{ByteRange, Reader, Writer};

/// A provider's capabilities: each is the provider itself, seen through the capability's trait,
/// or `None` where it has not got it. Building one costs no allocation.
#[derive(Default, Clone, Copy)]
pub struct Capabilities<'a> {
  /// Operations are blocking syscalls or memory, never network: a caller may run one to
  /// completion on a thread of its own with [`crate::inline::block_on`].
  pub runs_inline: bool,
  /// Reads and writes in chunks. Without it: a read stream slices the whole file, a write stream
  /// is buffered and written on finish.
  pub streaming: Option<&'a dyn Streaming>,
  /// The names of a directory, cheaper than [`Provider::list_dir`]. Without it: `list_dir`.
  pub name_listing: Option<&'a dyn NameListing>,
  /// Stored headers and user metadata, ETags, conditional writes and deletes. Without it: plain
  /// writes and copies only, a content type guessed from the name, no ETag.
  pub metadata: Option<&'a dyn Metadata>,
  /// Signed URLs. Without it: `ENOTSUP`.
  pub signing: Option<&'a dyn Signing>,
  /// `deleteOldFiles` of its own. Without it: the listing, a page at a time, each followed by
  /// [`Provider::delete_files`] (a file rewritten between the two is deleted).
  pub old_files: Option<&'a dyn OldFiles>,
  /// Writes that can leave temp files behind, and their cleanup. Without it: nothing to clean.
  pub temp_files: Option<&'a dyn TempFiles>,
}

#[async_trait]
pub trait Streaming: Send + Sync {
  /// Opens `range` of a file for reading in chunks of at most `chunk_size` bytes. Missing is
  /// `ENOENT`, a directory `EISDIR`.
  async fn open_read(
    &self,
    path: &StoragePath,
    range: ByteRange,
    chunk_size: usize,
  ) -> Result<Reader>;

  /// Whether [`Streaming::open_write`] takes `options`; where not, the facade buffers the file
  /// and writes it with them on finish. The default: plain writes only.
  fn streams_with(&self, options: &WriteOptions) -> bool {
    options.is_plain()
  }

  /// Opens a file for writing (with options [`Streaming::streams_with`] takes), published
  /// atomically on `finish`, gone on `abort`.
  async fn open_write(&self, path: &StoragePath, options: &WriteOptions) -> Result<Writer>;
}

#[async_trait]
pub trait NameListing: Send + Sync {
  /// The names of the direct children as [`Provider::list_dir`] gives them, pushed into `names`
  /// (which may pass them on in pieces) and finished.
  async fn list_names(&self, path: &StoragePath, names: NameBuf) -> Result<NameBuf>;
}

#[async_trait]
pub trait Metadata: Send + Sync {
  /// [`Provider::get_file_stats`] plus the ETag and stored metadata.
  async fn file_details(&self, path: &StoragePath) -> Result<(FileStats, FileDetails)>;

  /// [`Provider::write_file`] with headers, metadata and a condition (already validated).
  async fn write_file_with(
    &self,
    path: &StoragePath,
    data: Bytes,
    options: &WriteOptions,
  ) -> Result<()>;

  /// [`Provider::copy_file`] with options: metadata set there replaces the source's (else the
  /// copy keeps it), a condition applies to `dst`.
  async fn copy_file_with(
    &self,
    src: &StoragePath,
    dst: &StoragePath,
    options: &WriteOptions,
  ) -> Result<()>;

  /// Deletes the file only when its ETag is `etag` (`ECONFLICT` otherwise), atomically.
  async fn delete_file_if_match(&self, path: &StoragePath, etag: &str) -> Result<()>;
}

#[async_trait]
pub trait Signing: Send + Sync {
  /// A URL that lets anyone holding it `GET` or `PUT` the file until it expires, fixing
  /// `headers` (none: a plain signed URL).
  async fn signed_url(
    &self,
    path: &StoragePath,
    method: SignedMethod,
    expires_in: Duration,
    headers: &SignedHeaders,
  ) -> Result<String>;
}

#[async_trait]
pub trait OldFiles: Send + Sync {
  /// Deletes the files under `dir` (directly in it; with `recursive`, at any depth; directories
  /// stay) modified before `older_than`, **never one whose content changed after it was judged
  /// old**, and stops with `ABORT_ERR` once `cancel` fires. A missing directory is `ENOENT` (the
  /// facade makes it 0). `report` is told the path (relative to `dir`) of each file deleted, or
  /// that failed with its error; resolves how many were deleted.
  async fn delete_old_files(
    &self,
    dir: &StoragePath,
    older_than: SystemTime,
    recursive: bool,
    cancel: &Cancel,
    report: &OldFileReport,
  ) -> Result<u32>;
}

#[async_trait]
pub trait TempFiles: Send + Sync {
  /// Removes temp files that interrupted writes left under `dir` (at any depth) and that were
  /// last modified before `older_than`; returns how many. A missing directory is 0.
  async fn cleanup_temp_files(&self, dir: &StoragePath, older_than: SystemTime) -> Result<u32>;
}

/// The operations behind a capability, with their fallbacks, for the facade.
impl dyn Provider {
  /// See [`Metadata::file_details`]; without it no ETag, and the content type guessed from the
  /// name.
  pub(crate) async fn file_details(&self, path: &StoragePath) -> Result<(FileStats, FileDetails)> {
    if let Some(m) = self.capabilities().metadata {
      return m.file_details(path).await;
    }
    let stats = self.get_file_stats(path).await?;
    let metadata = FileMetadata::default().typed_for(path.key());
    Ok((
      stats,
      FileDetails {
        etag: None,
        metadata,
      },
    ))
  }

  /// See [`Metadata::write_file_with`]; without it, plain writes only.
  pub(crate) async fn write_file_with(
    &self,
    path: &StoragePath,
    data: Bytes,
    options: &WriteOptions,
  ) -> Result<()> {
    match self.capabilities().metadata {
      Some(m) => m.write_file_with(path, data, options).await,
      None => {
        plain_only(options)?;
        self.write_file(path, data).await
      }
    }
  }

  /// See [`Metadata::copy_file_with`]; without it, plain copies only.
  pub(crate) async fn copy_file_with(
    &self,
    src: &StoragePath,
    dst: &StoragePath,
    options: &WriteOptions,
  ) -> Result<()> {
    match self.capabilities().metadata {
      Some(m) => m.copy_file_with(src, dst, options).await,
      None => {
        plain_only(options)?;
        self.copy_file(src, dst).await
      }
    }
  }

  /// See [`Metadata::delete_file_if_match`]; `ENOTSUP` without it.
  pub(crate) async fn delete_file_if_match(&self, path: &StoragePath, etag: &str) -> Result<()> {
    match self.capabilities().metadata {
      Some(m) => m.delete_file_if_match(path, etag).await,
      None => Err(unsupported(
        "deleteFile with ifMatch is not supported by this provider",
      )),
    }
  }

  /// See [`Signing::signed_url`]; `ENOTSUP` without it.
  pub(crate) async fn signed_url(
    &self,
    path: &StoragePath,
    method: SignedMethod,
    expires_in: Duration,
    headers: &SignedHeaders,
  ) -> Result<String> {
    match self.capabilities().signing {
      Some(s) => s.signed_url(path, method, expires_in, headers).await,
      None if headers.is_empty() => Err(Error::new(
        ErrorKind::Unsupported,
        "signed URLs need an object store (S3, Azure Blob or GCS)",
      )),
      None => Err(unsupported(
        "signed URLs with response headers or a bound content type are not supported by this provider",
      )),
    }
  }

  /// See [`OldFiles::delete_old_files`]; without it, [`delete_listed_old_files`] with
  /// [`Provider::delete_files`].
  pub(crate) async fn delete_old_files(
    &self,
    dir: &StoragePath,
    older_than: SystemTime,
    recursive: bool,
    cancel: &Cancel,
    report: &OldFileReport,
  ) -> Result<u32> {
    match self.capabilities().old_files {
      Some(o) => {
        o.delete_old_files(dir, older_than, recursive, cancel, report)
          .await
      }
      None => {
        let delete =
          |paths: Vec<StoragePath>| async move { self.delete_files(&paths).await }.boxed();
        delete_listed_old_files(self, dir, older_than, recursive, cancel, report, delete).await
      }
    }
  }

  /// See [`TempFiles::cleanup_temp_files`]; 0 without it.
  pub(crate) async fn cleanup_temp_files(
    &self,
    dir: &StoragePath,
    older_than: SystemTime,
  ) -> Result<u32> {
    match self.capabilities().temp_files {
      Some(t) => t.cleanup_temp_files(dir, older_than).await,
      None => Ok(0),
    }
  }
}

/// `deleteOldFiles` over the provider's listing: a page at a time, the files in it older than
/// `older_than` go to `delete` (which may refuse one rewritten since: S3 and Azure Blob delete
/// only at the ETag they judged), and each outcome to `report`. Checks `cancel` between pages.
pub async fn delete_listed_old_files<'a, P, D>(
  provider: &'a P,
  dir: &StoragePath,
  older_than: SystemTime,
  recursive: bool,
  cancel: &Cancel,
  report: &OldFileReport,
  delete: D,
) -> Result<u32>
where
  P: Provider + ?Sized,
  D: Fn(Vec<StoragePath>) -> BoxFuture<'a, Vec<Result<()>>> + Send + Sync,
{
  let mut lister = provider.lister(dir, recursive).await?;
  let mut deleted = 0;
  while let Some(page) = lister.next_page().await? {
    cancel.check()?;
    let (rel, old): (Vec<String>, Vec<StoragePath>) = page
      .into_iter()
      .filter(|e| !e.is_dir && e.mtime.is_some_and(|m| m < older_than))
      .map(|e| {
        let path = dir.child(&e.path);
        (e.path, path)
      })
      .unzip();
    for (rel, result) in rel.iter().zip(delete(old).await) {
      report(rel, result.as_ref().err());
      deleted += u32::from(result.is_ok());
    }
  }
  Ok(deleted)
}

/// `ENOTSUP` unless `options` ask for nothing beyond a plain write.
fn plain_only(options: &WriteOptions) -> Result<()> {
  match options.is_plain() {
    true => Ok(()),
    false => Err(unsupported(
      "metadata and conditional writes are not supported by this provider",
    )),
  }
}
