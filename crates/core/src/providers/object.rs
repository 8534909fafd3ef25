//! S3 and Azure Blob: one provider over object_store, with SPEC's directory semantics.
//!
//! A directory is a key prefix ending in `/`. `ensureDirectory` writes a zero-byte marker object
//! `dir/` for the directory and for each of its parents, so that, as on LOCAL, parents outlive a
//! deleted child. A directory exists when its marker or any key under its prefix exists; files
//! written with `writeFile` need no markers (their parents exist through the prefix); deleting a
//! file writes its directory's marker instead, so that directory stays (see [`persist`]).
//! Listings never show markers, nor keys no path can name (see [`foreign`]). Deleting a tree is
//! many requests, not one atomic step (see [`tree`]).
//!
//! Checks cost requests: `writeFile` and `ensureDirectory` look at every parent (concurrently) to
//! refuse a file in the way (`ENOTDIR`); a `NotFound` is told apart from `ENOTDIR`/`EISDIR` with
//! extra requests only on the error path. A write of `a/b/c/x` into a new key is a one-key LIST
//! and a HEAD of `a/b/c/x/` (no directory there), a HEAD of each parent (`a`, `a/b`, `a/b/c`),
//! then the PUT: six requests, in three round trips. For `write_check_cache` (default 2 s) the
//! provider remembers what the checks found (see [`checks`]): parents are not asked about again,
//! and from the second write into a directory on, one listing page of its sub-directories answers
//! `EISDIR` for all the writes in that window, so a burst of writes is about one PUT each.
//! `skip_write_checks` (an option of the S3 and Azure constructors) leaves the checks out for
//! callers that own their key layout: a write is then the PUT alone, and writing over a directory
//! or under a file is no longer refused.

mod aged;
mod backend;
mod checks;
mod complete;
mod copy;
mod error;
mod foreign;
mod listing;
mod metadata;
mod persist;
mod settings;
mod streaming;
mod tree;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::SystemTime;

use async_trait::async_trait;
use bytes::Bytes;
use futures::stream::{self, BoxStream, StreamExt, TryStreamExt};
use object_store::list::{PaginatedListOptions, PaginatedListResult};
use object_store::path::Path;
use object_store::{ObjectMeta, ObjectStore, ObjectStoreExt, PutPayload, WriteMultipart};
use tokio::sync::OnceCell;

pub use self::backend::ObjectBackend;
use self::checks::WriteChecks;
pub use self::checks::DEFAULT_WRITE_CHECK_CACHE;
pub(crate) use self::error::ErrorContext;
pub(crate) use self::settings::{
  env_var, nonempty, userinfo_secrets, without_userinfo, ObjectStoreConfig,
};
pub use self::settings::{
  MultipartSettings, ObjectSettings, RetrySettings, DEFAULT_COMPLETE_TIMEOUT,
  DEFAULT_MULTIPART_THRESHOLD, DEFAULT_PART_SIZE,
};
use crate::cancel::Cancel;
use crate::error::{Error, ErrorKind, Result};
use crate::listing::Lister;
use crate::metadata::WriteOptions;
use crate::path::{PathRules, StoragePath};
use crate::provider::{
  Capabilities, DeleteDirectoryOptions, DirEntry, FileStats, ListDetail, Provider, Streaming,
};
use crate::stream::{ByteRange, Reader, Writer};

/// How a marker key `dir/` becomes an object_store [`Path`], which normally drops a trailing `/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MarkerEncoding {
  /// S3 sends `Path::as_ref()` as the key: the raw path is `dir/`.
  TrailingSlash,
  /// Azure builds its URL from `Path::parts()`, which drops a final empty part: `dir//` gives
  /// the parts `dir`, `` and so the blob name `dir/`.
  EmptyLastPart,
}

/// The S3 and Azure Blob provider. Construct it with [`ObjectStoreProvider::s3`] or
/// [`ObjectStoreProvider::azure`].
pub struct ObjectStoreProvider {
  store: Arc<dyn ObjectBackend>,
  config: ObjectStoreConfig,
  /// Set once the bucket or container was seen to exist.
  ready: OnceCell<()>,
  /// What recent write checks found.
  checks: Arc<WriteChecks>,
}

impl std::fmt::Debug for ObjectStoreProvider {
  fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
    // The store's Debug output can include credentials.
    f.debug_struct("ObjectStoreProvider")
      .field("name", &self.config.name)
      .field("container", &self.config.errors.container)
      .field("prefix", &self.config.prefix)
      .finish()
  }
}

impl ObjectStoreProvider {
  pub(crate) fn new(store: Arc<dyn ObjectBackend>, config: ObjectStoreConfig) -> Self {
    ObjectStoreProvider {
      store,
      checks: Arc::new(WriteChecks::new(config.write_check_cache)),
      config,
      ready: OnceCell::new(),
    }
  }

  /// The bucket or container, as messages name it (`bucket "x"`).
  pub fn container(&self) -> &str {
    &self.config.errors.container
  }

  fn err(&self, e: object_store::Error) -> Error {
    self.config.errors.map(e)
  }

  /// The store key of a caller's key.
  fn full(&self, key: &str) -> String {
    match (self.config.prefix.is_empty(), key.is_empty()) {
      (true, _) => key.to_string(),
      (false, true) => self.config.prefix.clone(),
      (false, false) => format!("{}/{key}", self.config.prefix),
    }
  }

  fn object(&self, full: &str) -> Result<Path> {
    Path::parse(full).map_err(|e| {
      Error::new(
        ErrorKind::InvalidInput,
        self.config.errors.sanitize(&e.to_string()),
      )
    })
  }

  fn marker(&self, full: &str) -> Path {
    marker_path(full, self.config.markers)
  }

  /// Fails with a configuration error, once, when the bucket or container does not exist.
  async fn ready(&self) -> Result<()> {
    self
      .ready
      .get_or_try_init(|| async {
        match self
          .list_page(&self.dir_prefix(&self.config.prefix), 1)
          .await
        {
          Ok(_) => Ok(()),
          Err(e) if e.kind() == ErrorKind::NotFound => Err(self.config.errors.missing_container()),
          Err(e) => Err(e),
        }
      })
      .await
      .map(|_| ())
  }

  /// `dir/` for a directory key, `""` for the bucket root.
  fn dir_prefix(&self, full: &str) -> String {
    if full.is_empty() {
      String::new()
    } else {
      format!("{full}/")
    }
  }

  /// One page of a recursive listing under a raw prefix.
  async fn list_page(&self, prefix: &str, max_keys: usize) -> Result<PaginatedListResult> {
    let options = PaginatedListOptions {
      max_keys: Some(max_keys),
      ..Default::default()
    };
    let prefix = (!prefix.is_empty()).then_some(prefix);
    self
      .store
      .list_paginated(prefix, options)
      .await
      .map_err(|e| self.err(e))
  }

  async fn head_file(&self, full: &str) -> Result<Option<ObjectMeta>> {
    match self.store.head(&self.object(full)?).await {
      Ok(meta) => Ok(Some(meta)),
      Err(object_store::Error::NotFound { .. }) => Ok(None),
      Err(e) => Err(self.err(e)),
    }
  }

  async fn marker_exists(&self, full: &str) -> Result<bool> {
    match self.store.head(&self.marker(full)).await {
      Ok(_) => Ok(true),
      Err(object_store::Error::NotFound { .. }) => Ok(false),
      Err(e) => Err(self.err(e)),
    }
  }

  /// A marker or any key under the prefix: one one-key listing, plus a HEAD of the marker when
  /// the listing is empty (Azure leaves a prefix's own marker out of its listing).
  async fn dir_exists(&self, full: &str) -> Result<bool> {
    if full == self.config.prefix {
      return Ok(true);
    }
    let page = self.list_page(&self.dir_prefix(full), 1).await?;
    if !page.result.objects.is_empty() || !page.result.common_prefixes.is_empty() {
      return Ok(true);
    }
    self.bare_marker(full).await
  }

  /// A marker `full/` and no file `full`: what [`Self::marker_or_file`] calls `Some(false)`, with
  /// the file's HEAD only when the marker was found (a new key costs one request, not two).
  async fn bare_marker(&self, full: &str) -> Result<bool> {
    if !self.marker_exists(full).await? {
      return Ok(false);
    }
    Ok(self.head_file(full).await?.is_none())
  }

  /// After an empty listing: `Some(true)` for a file at `full`, `Some(false)` for a bare marker,
  /// `None` for neither. The file wins: filesystem-backed servers (s3s-fs) answer a HEAD of `k/`
  /// with the file `k`.
  async fn marker_or_file(&self, full: &str) -> Result<Option<bool>> {
    let (marker, file) = tokio::join!(self.marker_exists(full), self.head_file(full));
    if file?.is_some() {
      return Ok(Some(true));
    }
    Ok(marker?.then_some(false))
  }

  /// Store keys of the parents of `path`, nearest the root first (the prefix itself excluded).
  fn parents(&self, path: &StoragePath) -> Vec<String> {
    let key = path.key();
    key
      .match_indices('/')
      .map(|(i, _)| self.full(&key[..i]))
      .collect()
  }

  /// `ENOTDIR` when a file sits where a parent directory of `path` should be.
  async fn check_parents(&self, path: &StoragePath) -> Result<()> {
    self.no_files_at(&self.parents(path)).await
  }

  /// `ENOTDIR` when one of `keys` is a file. Calls asking about the same key at the same time
  /// share one HEAD of it ([`Self::parent_is_file`]).
  async fn no_files_at(&self, keys: &[String]) -> Result<()> {
    let found = futures::future::try_join_all(keys.iter().map(|p| self.parent_is_file(p))).await?;
    if found.contains(&true) {
      return Err(Error::of(ErrorKind::NotADirectory));
    }
    Ok(())
  }

  /// The error for a path that is neither a file nor a directory.
  async fn missing(&self, path: &StoragePath) -> Error {
    match self.check_parents(path).await {
      Ok(()) => Error::of(ErrorKind::NotFound),
      Err(e) => e,
    }
  }

  /// Not a file: a directory (`EISDIR`) or nothing (`ENOENT`/`ENOTDIR`).
  async fn not_a_file(&self, path: &StoragePath, full: &str) -> Error {
    match self.dir_exists(full).await {
      Ok(true) => Error::of(ErrorKind::IsADirectory),
      Ok(false) => self.missing(path).await,
      Err(e) => e,
    }
  }

  /// `deleteDirectory` without the write checks' bookkeeping.
  async fn remove_directory(
    &self,
    path: &StoragePath,
    options: DeleteDirectoryOptions,
  ) -> Result<()> {
    self.ready().await?;
    let full = self.full(path.key());
    // Two keys tell "only the marker" from "something else": S3 lists the marker itself.
    let page = self.list_page(&self.dir_prefix(&full), 2).await?;
    let own_marker_listed = page
      .result
      .objects
      .iter()
      .any(|o| o.location.as_ref() == full);
    let has_children = !page.result.common_prefixes.is_empty()
      || page
        .result
        .objects
        .iter()
        .any(|o| o.location.as_ref() != full);
    if has_children {
      if !options.recursive {
        return Err(Error::of(ErrorKind::NotEmpty));
      }
      // Re-listing makes a second pass safe; it finishes a tree a transient failure cut short.
      return match self.delete_tree(&full).await {
        Err(e) if e.is_retryable() => self.delete_tree(&full).await,
        done => done,
      };
    }
    let found = match own_marker_listed {
      true => Some(false),
      false => self.marker_or_file(&full).await?,
    };
    match found {
      Some(true) => Err(Error::of(ErrorKind::NotADirectory)),
      Some(false) => match self.store.delete(&self.marker(&full)).await {
        Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
        Err(e) => Err(self.err(e)),
      },
      None if options.force => Ok(()),
      None => Err(self.missing(path).await),
    }
  }

  /// `deleteFile` without the write checks' bookkeeping.
  async fn remove_file(&self, path: &StoragePath) -> Result<()> {
    self.ready().await?;
    let full = self.full(path.key());
    // S3's DELETE succeeds for a missing key, so look first.
    if path.is_root() || self.head_file(&full).await?.is_none() {
      return Err(self.not_a_file(path, &full).await);
    }
    let location = self.object(&full)?;
    let (deleted, ()) = tokio::join!(self.store.delete(&location), self.keep_parent(&full));
    deleted.map_err(|e| self.err(e))
  }

  async fn put_multipart(
    &self,
    location: &Path,
    mut data: Bytes,
    options: object_store::PutMultipartOptions,
  ) -> Result<()> {
    let settings = self.config.multipart;
    let expected =
      complete::Expected::new(chrono::Utc::now(), data.len() as u64, settings.part_size);
    let options = options.with_complete_timeout(settings.complete_timeout);
    let upload = self
      .store
      .put_multipart_opts(location, options)
      .await
      .map_err(|e| self.err(e))?;
    let mut writer = WriteMultipart::new_with_chunk_size(upload, settings.part_size);
    while !data.is_empty() {
      if let Err(e) = writer
        .wait_for_capacity(settings.max_concurrency.max(1))
        .await
      {
        let _ = writer.abort().await;
        return Err(self.err(e));
      }
      let part = data.split_to(settings.part_size.min(data.len()));
      writer.put(part);
    }
    // `finish_parts` aborts the upload itself when a part failed.
    let upload = writer.finish_parts().await.map_err(|e| self.err(e))?;
    complete::complete(
      self.store.as_ref(),
      location,
      upload,
      expected,
      &self.config.errors,
    )
    .await
  }
}

/// The raw path of the marker object `full/`.
fn marker_path(full: &str, encoding: MarkerEncoding) -> Path {
  let raw = match encoding {
    MarkerEncoding::TrailingSlash => format!("{full}/"),
    MarkerEncoding::EmptyLastPart => format!("{full}//"),
  };
  raw_path(raw)
}

/// A [`Path`] holding `raw` unchanged. Every safe constructor strips a trailing `/`, which a
/// marker needs; object_store sends the raw string (S3) or its parts (Azure) to the service.
fn raw_path(raw: String) -> Path {
  // SAFETY: `Path` is a struct whose only field is `raw: String` (object_store 0.14); transmute
  // checks at compile time that the sizes are equal, so that field is the whole struct. The test
  // `marker_paths_keep_their_trailing_slash` checks the result on every build.
  unsafe { std::mem::transmute::<String, Path>(raw) }
}

fn stats(meta: &ObjectMeta) -> FileStats {
  let mtime = SystemTime::from(meta.last_modified);
  // object_store reports no creation time (Azure's Creation-Time is not exposed): ctime is the
  // last-modified time on S3 and on Azure Blob.
  FileStats {
    size: meta.size,
    mtime,
    ctime: mtime,
  }
}

#[async_trait]
impl Provider for ObjectStoreProvider {
  fn name(&self) -> &'static str {
    self.config.name
  }

  fn path_rules(&self) -> &PathRules {
    &PathRules::Keyed
  }

  fn capabilities(&self) -> Capabilities<'_> {
    Capabilities {
      runs_inline: false,
      streaming: Some(self),
      name_listing: None,
      metadata: Some(self),
      signing: Some(self),
      old_files: Some(self),
      temp_files: None,
    }
  }

  async fn ensure_directory(&self, path: &StoragePath) -> Result<()> {
    self.ready().await?;
    if path.is_root() {
      return Ok(());
    }
    let full = self.full(path.key());
    if self.checks.ensured(&full) {
      return Ok(());
    }
    let (here, parents) = tokio::join!(self.head_file(&full), self.check_parents_for_write(path));
    if here?.is_some() {
      return Err(Error::of(ErrorKind::AlreadyExists));
    }
    parents?;
    let mut dirs = self.parents(path);
    dirs.push(full.clone());
    let puts = dirs
      .iter()
      .map(|d| async move { self.store.put(&self.marker(d), PutPayload::default()).await });
    futures::future::try_join_all(puts)
      .await
      .map_err(|e| self.err(e))?;
    self.checks.note_ensured(&full);
    Ok(())
  }

  async fn directory_exists(&self, path: &StoragePath) -> Result<bool> {
    self.ready().await?;
    self.dir_exists(&self.full(path.key())).await
  }

  async fn delete_directory(
    &self,
    path: &StoragePath,
    options: DeleteDirectoryOptions,
    _cancel: &Cancel,
  ) -> Result<()> {
    let deleted = self.remove_directory(path, options).await;
    // A delete may take away a directory the write checks remember.
    self.checks.forget();
    deleted
  }

  async fn delete_file(&self, path: &StoragePath) -> Result<()> {
    let deleted = self.remove_file(path).await;
    self.checks.forget();
    deleted
  }

  async fn file_exists(&self, path: &StoragePath) -> Result<bool> {
    self.ready().await?;
    if path.is_root() {
      return Ok(false);
    }
    Ok(self.head_file(&self.full(path.key())).await?.is_some())
  }

  async fn list_dir(&self, path: &StoragePath, _detail: ListDetail) -> Result<Vec<DirEntry>> {
    self.ready().await?;
    let full = self.full(path.key());
    let prefix = if full.is_empty() {
      None
    } else {
      Some(self.object(&full)?)
    };
    // Follows every page (ListObjectsV2 stops at 1,000 keys a page).
    let listing = self
      .store
      .list_with_delimiter(prefix.as_ref())
      .await
      .map_err(|e| self.err(e))?;
    // Keys no path names (see [`foreign`]) are left out, but make the directory exist.
    let mut own_marker = false;
    let (prefix, container) = (&self.config.prefix, &self.config.errors.container);
    let mut entries = Vec::with_capacity(listing.objects.len() + listing.common_prefixes.len());
    for dir in &listing.common_prefixes {
      if foreign::skipped(prefix, dir, container, true) {
        own_marker = true;
        continue;
      }
      if let Some(name) = dir.filename() {
        entries.push(DirEntry {
          name: name.to_string(),
          is_dir: true,
          mtime: None,
        });
      }
    }
    for meta in &listing.objects {
      if meta.location.as_ref() == full
        || foreign::skipped(prefix, &meta.location, container, false)
      {
        own_marker = true;
        continue;
      }
      let Some(name) = meta.location.filename() else {
        continue;
      };
      // A file and a directory of the same name (written by another tool): show the directory.
      if entries.iter().any(|e| e.is_dir && e.name == name) {
        continue;
      }
      entries.push(DirEntry {
        name: name.to_string(),
        is_dir: false,
        mtime: Some(stats(meta).mtime),
      });
    }
    if entries.is_empty() && !own_marker && full != self.config.prefix {
      match self.marker_or_file(&full).await? {
        Some(true) => return Err(Error::of(ErrorKind::NotADirectory)),
        Some(false) => {}
        None => return Err(self.missing(path).await),
      }
    }
    Ok(entries)
  }

  async fn lister(&self, path: &StoragePath, recursive: bool) -> Result<Box<dyn Lister>> {
    self.open_lister(path, recursive).await
  }

  async fn get_file_stats(&self, path: &StoragePath) -> Result<FileStats> {
    self.ready().await?;
    let full = self.full(path.key());
    match path.is_root() {
      true => Err(Error::of(ErrorKind::IsADirectory)),
      false => match self.head_file(&full).await? {
        Some(meta) => Ok(stats(&meta)),
        None => Err(self.not_a_file(path, &full).await),
      },
    }
  }

  async fn read_file(&self, path: &StoragePath) -> Result<Bytes> {
    self.ready().await?;
    let full = self.full(path.key());
    if path.is_root() {
      return Err(Error::of(ErrorKind::IsADirectory));
    }
    match self.store.get(&self.object(&full)?).await {
      Ok(result) => result.bytes().await.map_err(|e| self.err(e)),
      Err(object_store::Error::NotFound { .. }) => Err(self.not_a_file(path, &full).await),
      Err(e) => Err(self.err(e)),
    }
  }

  async fn write_file(&self, path: &StoragePath, data: Bytes) -> Result<()> {
    self.write_with(path, data, &WriteOptions::default()).await
  }

  async fn copy_file(&self, src: &StoragePath, dst: &StoragePath) -> Result<()> {
    self.copy_object(src, dst).await
  }

  async fn move_file(&self, src: &StoragePath, dst: &StoragePath) -> Result<()> {
    self.move_object(src, dst).await
  }

  /// Batched: up to 1,000 keys a request on S3, 256 on Azure. Meant for files from a listing: a
  /// key that is already gone is not reported on S3 (its batch delete is idempotent).
  async fn delete_files(&self, paths: &[StoragePath]) -> Vec<Result<()>> {
    if let Err(e) = self.ready().await {
      return paths.iter().map(|_| Err(e.clone())).collect();
    }
    let mut results: Vec<Option<Result<()>>> = Vec::with_capacity(paths.len());
    let mut valid = Vec::new();
    let mut dirs = BTreeSet::new();
    for path in paths {
      let full = self.full(path.key());
      match self.object(&full) {
        Ok(location) => {
          results.push(None);
          valid.push(Ok(location));
          dirs.extend(self.parent_dir(&full));
        }
        Err(e) => results.push(Some(Err(e))),
      }
    }
    let stream: BoxStream<'static, object_store::Result<Path>> = stream::iter(valid).boxed();
    let mut outcomes = self
      .store
      .delete_stream(stream)
      .map(|r| r.map(|_| ()).map_err(|e| self.err(e)));
    // delete_stream answers in the order it was given paths.
    for slot in results.iter_mut().filter(|slot| slot.is_none()) {
      *slot = Some(match outcomes.next().await {
        Some(outcome) => outcome,
        None => Err(Error::new(
          ErrorKind::Io,
          "the store gave no result for this delete",
        )),
      });
    }
    let _ = outcomes.try_collect::<Vec<()>>().await;
    // The directories stay, also when their last file was deleted now.
    self.keep_or_warn(dirs).await;
    self.checks.forget();
    results
      .into_iter()
      .map(|r| r.unwrap_or_else(|| Err(Error::of(ErrorKind::Io))))
      .collect()
  }
}

#[async_trait]
impl Streaming for ObjectStoreProvider {
  async fn open_read(
    &self,
    path: &StoragePath,
    range: ByteRange,
    chunk_size: usize,
  ) -> Result<Reader> {
    self.stream_read(path, range, chunk_size).await
  }

  /// Streams with a condition are buffered and written in one conditional PUT on finish.
  fn streams_with(&self, options: &WriteOptions) -> bool {
    options.condition == crate::metadata::Condition::None
  }

  async fn open_write(&self, path: &StoragePath, options: &WriteOptions) -> Result<Writer> {
    if options.is_plain() {
      return self.stream_write(path).await;
    }
    let meta = options.metadata.clone().typed_for(path.key());
    self
      .stream_write_with(path, metadata::attributes(&meta))
      .await
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn marker_paths_keep_their_trailing_slash() {
    let s3 = marker_path("a/b", MarkerEncoding::TrailingSlash);
    assert_eq!(s3.as_ref(), "a/b/");
    assert_eq!(s3.parts().count(), 2);
    let azure = marker_path("a/b", MarkerEncoding::EmptyLastPart);
    assert_eq!(azure.as_ref(), "a/b//");
    let parts: Vec<String> = azure.parts().map(|p| p.as_ref().to_string()).collect();
    assert_eq!(parts, ["a", "b", ""]);
    // A clone is an independent, equal value (the String was moved in whole).
    assert_eq!(s3.clone(), s3);
  }
}
