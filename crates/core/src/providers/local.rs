//! LOCAL: the filesystem. Each operation is one blocking task that makes all of its syscalls, so
//! an operation costs one hop to the blocking pool, not one per syscall.
//!
//! Every write fills a temp file in the target's directory and publishes it ([`publish`]): a
//! reader sees the old bytes or the new ones. Temp files are named [`TEMP_PREFIX`]`*`, never show
//! in listings, and are removed when a write fails; `cleanup_temp_files` sweeps what a killed
//! process left behind.
//!
//! Without a root, paths go to the OS as `fs` would pass them. With a root, every path is
//! resolved one name at a time beneath a directory handle of the root, so no path, link or swap
//! of a directory for a link mid-operation can reach outside it.
//!
//! Two implementations of the filesystem calls, chosen at build time (`sys`):
//! - `linux` (the default on Linux): `getdents64`, `O_PATH`, `renameat2` through `rustix`. Each
//!   call is written once over where `resolve` says a path is: without a root the whole path is
//!   handed to the kernel in the call itself (`AT_FDCWD`), with one the directory fd and name
//!   that `beneath` resolves beneath the root; walks of a tree are `tree` (`walk`: the paged
//!   listing, `sweep`: `deleteOldFiles`), directories are read by `dirents`;
//! - `portable` (macOS, Windows, and Linux built with the `portable-local` feature, which CI
//!   tests): `std` and `cap-std` directory handles only, with one resolution for both as well.
//!
//! Both answer to the same calls; what they share (publishing, metadata and conditions, streams,
//! copies and moves) is written once on top of them.

mod copy_move;
mod metadata;
mod publish;
mod stream;
#[cfg(test)]
mod tests;

#[cfg(local_linux)]
mod beneath;
#[cfg(local_linux)]
mod dirents;
#[cfg(local_linux)]
mod linux;
#[cfg(local_linux)]
mod resolve;
#[cfg(local_linux)]
mod sweep;
#[cfg(local_linux)]
mod tree;
#[cfg(local_linux)]
mod walk;
#[cfg(local_linux)]
use linux as sys;

#[cfg(not(local_linux))]
mod portable;
#[cfg(not(local_linux))]
use portable as sys;

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::SystemTime;

use async_trait::async_trait;
use bytes::Bytes;
use sys::Root;

use crate::cancel::Cancel;
use crate::error::{kind_of_io, Error, ErrorKind, Result};
use crate::listing::Lister;
use crate::metadata::{FileDetails, WriteOptions};
use crate::names::NameBuf;
use crate::path::{canonical_root, PathRules, StoragePath};
use crate::provider::{
  Capabilities, DeleteDirectoryOptions, DirEntry, FileStats, ListDetail, Metadata, NameListing,
  OldFileReport, OldFiles, Provider, Streaming, TempFiles,
};
use crate::stream::{ByteRange, Reader, Writer};

/// Prefix of the temp files `writeFile`, streams, copies and `deleteOldFiles` create next to
/// their target. It holds DEL (U+007F), a control character that the path rules refuse in every
/// path (`EINVAL`), so no file a user makes through Stowage can be taken for one of them.
pub const TEMP_PREFIX: &str = ".stowage\u{7f}tmp-";

#[derive(Debug, Clone, Default)]
pub struct LocalOptions {
  /// Confine every path to this directory (created when missing).
  pub root: Option<PathBuf>,
  /// `fsync` each written file before it is renamed into place: survives power loss, costs speed.
  /// A killed process never leaves a torn file either way.
  pub fsync: bool,
}

#[derive(Debug)]
pub struct LocalProvider {
  root: Option<Arc<Root>>,
  rules: PathRules,
  fsync: bool,
}

impl LocalProvider {
  pub fn new(options: LocalOptions) -> Result<Self> {
    let root = match options.root {
      Some(root) if root.as_os_str().is_empty() => {
        return Err(Error::new(
          ErrorKind::InvalidInput,
          "root must not be empty (leave it out for no root)",
        ))
      }
      Some(root) => {
        let opened = canonical_root(&root).and_then(Root::open);
        Some(Arc::new(opened.map_err(|e| {
          Error::from(e).with_path(root.display().to_string())
        })?))
      }
      None => None,
    };
    let rules = match &root {
      Some(root) => PathRules::Rooted(root.path().to_path_buf()),
      None => PathRules::Native,
    };
    Ok(LocalProvider {
      root,
      rules,
      fsync: options.fsync,
    })
  }

  pub fn root(&self) -> Option<&Path> {
    self.root.as_deref().map(Root::path)
  }

  /// Where `path` is: an OS path, or a key beneath the root.
  fn place(&self, path: &StoragePath) -> Place {
    match &self.root {
      None => Place::Native(PathBuf::from(path.key())),
      Some(root) => Place::Rooted(root.clone(), path.key().to_string()),
    }
  }

  /// Runs `f` on the blocking pool: one hop for all of its syscalls.
  async fn blocking<T, F>(&self, path: &StoragePath, f: F) -> Result<T>
  where
    T: Send + 'static,
    F: FnOnce(Place, bool) -> io::Result<T> + Send + 'static,
  {
    let place = self.place(path);
    let fsync = self.fsync;
    run_blocking(move || f(place, fsync)).await
  }
}

/// An OS path (no root), or a key resolved beneath the root's directory fd.
#[derive(Clone)]
enum Place {
  Native(PathBuf),
  Rooted(Arc<Root>, String),
}

/// Runs `f` on tokio's blocking pool, or right here when the caller runs this operation on a
/// thread meant for blocking work ([`crate::inline::block_on`]).
async fn run_blocking<T: Send + 'static>(
  f: impl FnOnce() -> io::Result<T> + Send + 'static,
) -> Result<T> {
  if crate::inline::is_active() {
    return f().map_err(Error::from);
  }
  tokio::task::spawn_blocking(f)
    .await
    .map_err(|e| Error::new(ErrorKind::Io, format!("blocking task failed: {e}")))?
    .map_err(Error::from)
}

fn is_temp(name: &[u8]) -> bool {
  name.starts_with(TEMP_PREFIX.as_bytes())
}

/// `name` as UTF-8; a name that is not is skipped by every listing and walk that hands out
/// names (they would be confused with another name once made a JS string), with a warning that
/// shows its invalid bytes as `\xNN`.
pub(crate) fn utf8_name(name: &[u8]) -> Option<&str> {
  match std::str::from_utf8(name) {
    Ok(name) => Some(name),
    Err(_) => {
      tracing::warn!(
        "Skipped \"{}\": the name is not valid UTF-8",
        escaped_name(name)
      );
      None
    }
  }
}

/// A name as a `String`, without a copy when it is UTF-8 (lossy otherwise, as listings show it).
fn name_string(name: std::ffi::OsString) -> String {
  name
    .into_string()
    .unwrap_or_else(|name| name.to_string_lossy().into_owned())
}

/// A name with its bytes that are not UTF-8 written as `\xNN`.
pub(crate) fn escaped_name(name: &[u8]) -> String {
  let mut out = String::new();
  for chunk in name.utf8_chunks() {
    out.push_str(chunk.valid());
    for b in chunk.invalid() {
      out.push_str(&format!("\\x{b:02X}"));
    }
  }
  out
}

/// Size, mtime and ctime (on Windows, which has no ctime, the creation time) of `meta`.
fn stats_of(meta: &fs::Metadata) -> FileStats {
  #[cfg(unix)]
  let ctime = {
    use std::os::unix::fs::MetadataExt;
    system_time(meta.ctime(), meta.ctime_nsec())
  };
  #[cfg(not(unix))]
  let ctime = meta
    .created()
    .or_else(|_| meta.modified())
    .unwrap_or(SystemTime::UNIX_EPOCH);
  FileStats {
    size: meta.len(),
    mtime: meta.modified().unwrap_or(SystemTime::UNIX_EPOCH),
    ctime,
  }
}

#[cfg(unix)]
fn system_time(secs: i64, nanos: i64) -> SystemTime {
  use std::time::{Duration, UNIX_EPOCH};
  if secs >= 0 {
    UNIX_EPOCH + Duration::new(secs as u64, nanos as u32)
  } else {
    UNIX_EPOCH - Duration::from_secs(secs.unsigned_abs()) + Duration::from_nanos(nanos as u64)
  }
}

/// A copy of an OS error (its code and message), for a report that outlives the original.
fn clone_io(e: &io::Error) -> io::Error {
  match e.raw_os_error() {
    Some(code) => io::Error::from_raw_os_error(code),
    None => io::Error::new(e.kind(), e.to_string()),
  }
}

/// The error of an OS call that met a directory where a file belongs (`EISDIR`).
fn is_a_directory() -> io::Error {
  #[cfg(unix)]
  return io::Error::from_raw_os_error(libc::EISDIR);
  #[cfg(not(unix))]
  io::ErrorKind::IsADirectory.into()
}

/// The error of an OS call that met a file where a directory belongs (`ENOTDIR`).
fn not_a_directory() -> io::Error {
  #[cfg(unix)]
  return io::Error::from_raw_os_error(libc::ENOTDIR);
  #[cfg(not(unix))]
  io::ErrorKind::NotADirectory.into()
}

/// Refuses a file's destination given without a root that ends in a separator: the OS reads
/// `name/` as a directory, so a write there is `EISDIR` when a directory (or a link to one) is
/// there and `ENOTDIR` otherwise, and nothing is written. `Path` drops a trailing separator when
/// it splits off the file name, which would otherwise write `name` itself (or replace a link
/// `name` with a file). With a root, keys are names and `name/` is `name` (SPEC's paths).
fn refuse_directory_syntax(path: &Path) -> io::Result<()> {
  let text = path.as_os_str().to_string_lossy();
  if !text.ends_with(std::path::is_separator) {
    return Ok(());
  }
  Err(match fs::metadata(path) {
    Ok(meta) if meta.is_dir() => is_a_directory(),
    _ => not_a_directory(),
  })
}

/// A name that exists where a new one was to be made (`EEXIST`).
fn already_exists() -> io::Error {
  #[cfg(unix)]
  return io::Error::from_raw_os_error(libc::EEXIST);
  #[cfg(not(unix))]
  io::ErrorKind::AlreadyExists.into()
}

/// The call met a symbolic link it was not to follow (`ELOOP` on Unix).
fn is_loop(e: &io::Error) -> bool {
  #[cfg(unix)]
  return e.raw_os_error() == Some(libc::ELOOP);
  #[cfg(not(unix))]
  {
    let _ = e;
    false
  }
}

fn temp_name(name: &str) -> String {
  static COUNTER: AtomicU64 = AtomicU64::new(0);
  let n = COUNTER.fetch_add(1, Ordering::Relaxed);
  // Keep the temp name within NAME_MAX even for a 255-byte target name.
  let stem: String = name.chars().take(40).collect();
  format!("{TEMP_PREFIX}{}-{n}-{stem}", std::process::id())
}

/// A paged listing over a walk that reads one page at a time on the blocking pool (both
/// implementations' recursive listers).
struct PagedLister<W> {
  /// `None` while a page is being read on the blocking pool, or after a failure.
  walk: Option<W>,
}

/// A walk that gives a listing's entries a page at a time (empty: the end).
trait Pages: Send + 'static {
  fn page(&mut self) -> io::Result<Vec<crate::listing::ListEntry>>;
}

#[async_trait]
impl<W: Pages> Lister for PagedLister<W> {
  async fn next_page(&mut self) -> Result<Option<Vec<crate::listing::ListEntry>>> {
    let Some(mut walker) = self.walk.take() else {
      return Ok(None);
    };
    let (walker, page) = run_blocking(move || {
      let page = walker.page()?;
      Ok((walker, page))
    })
    .await?;
    self.walk = Some(walker);
    Ok((!page.is_empty()).then_some(page))
  }
}

/// A test run between deletes (a cancelled operation fails it).
pub(crate) type Check<'a> = &'a dyn Fn() -> io::Result<()>;

/// What a `deleteOldFiles` walk is asked to do.
pub(crate) struct OldFileWalk<'a> {
  pub cutoff: SystemTime,
  /// Also the files in sub-directories, at any depth (directories always stay).
  pub recursive: bool,
  /// Run before each entry; its error (a cancelled operation) stops the walk.
  pub check: &'a (dyn Fn() -> io::Result<()> + Sync),
  /// Told the path (relative to the directory) of each file deleted, or that failed.
  pub report: &'a (dyn Fn(&str, Option<&io::Error>) + Sync),
}

#[async_trait]
impl Provider for LocalProvider {
  fn name(&self) -> &'static str {
    "LOCAL"
  }

  fn path_rules(&self) -> &PathRules {
    &self.rules
  }

  fn capabilities(&self) -> Capabilities<'_> {
    Capabilities {
      runs_inline: true,
      streaming: Some(self),
      name_listing: Some(self),
      metadata: Some(self),
      signing: None,
      old_files: Some(self),
      temp_files: Some(self),
    }
  }

  async fn ensure_directory(&self, path: &StoragePath) -> Result<()> {
    self.blocking(path, |place, _| sys::ensure_dir(place)).await
  }

  async fn directory_exists(&self, path: &StoragePath) -> Result<bool> {
    self
      .blocking(path, |place, _| sys::exists(place, true))
      .await
  }

  async fn delete_directory(
    &self,
    path: &StoragePath,
    options: DeleteDirectoryOptions,
    cancel: &Cancel,
  ) -> Result<()> {
    let cancel = cancel.clone();
    self
      .blocking(path, move |place, _| {
        let check = || match cancel.is_cancelled() {
          true => Err(io::Error::new(io::ErrorKind::Interrupted, "aborted")),
          false => Ok(()),
        };
        match sys::remove_dir(place, options.recursive, &check) {
          Err(e) if options.force && e.kind() == io::ErrorKind::NotFound => Ok(()),
          other => other,
        }
      })
      .await
  }

  async fn delete_file(&self, path: &StoragePath) -> Result<()> {
    self
      .blocking(path, |place, _| sys::remove_file(place))
      .await
  }

  async fn file_exists(&self, path: &StoragePath) -> Result<bool> {
    self
      .blocking(path, |place, _| sys::exists(place, false))
      .await
  }

  async fn list_dir(&self, path: &StoragePath, detail: ListDetail) -> Result<Vec<DirEntry>> {
    self
      .blocking(path, move |place, _| sys::list(place, detail))
      .await
  }

  async fn get_file_stats(&self, path: &StoragePath) -> Result<FileStats> {
    self.blocking(path, |place, _| sys::file_stats(place)).await
  }

  async fn read_file(&self, path: &StoragePath) -> Result<Bytes> {
    self
      .blocking(path, |place, _| sys::read(place).map(Bytes::from))
      .await
  }

  async fn write_file(&self, path: &StoragePath, data: Bytes) -> Result<()> {
    let write = move |place, fsync| Ok(copy_move::write(place, &data, fsync));
    self.blocking(path, write).await?
  }

  async fn delete_files(&self, paths: &[StoragePath]) -> Vec<Result<()>> {
    let places: Vec<Place> = paths.iter().map(|p| self.place(p)).collect();
    let count = paths.len();
    let outcome = run_blocking(move || {
      Ok(
        places
          .into_iter()
          .map(|place| sys::remove_file(place).map_err(Error::from))
          .collect(),
      )
    })
    .await;
    outcome.unwrap_or_else(|e| vec![Err(e); count])
  }

  async fn read_range(&self, path: &StoragePath, range: ByteRange) -> Result<Bytes> {
    let read = move |place, _| copy_move::read_range(place, range).map(Bytes::from);
    self.blocking(path, read).await
  }

  async fn copy_file(&self, src: &StoragePath, dst: &StoragePath) -> Result<()> {
    let to = self.place(dst);
    self
      .blocking(src, move |from, fsync| Ok(copy_move::copy(from, to, fsync)))
      .await?
  }

  async fn move_file(&self, src: &StoragePath, dst: &StoragePath) -> Result<()> {
    let to = self.place(dst);
    self
      .blocking(src, move |from, fsync| {
        Ok(copy_move::rename(from, to, fsync))
      })
      .await?
  }

  async fn lister(&self, path: &StoragePath, recursive: bool) -> Result<Box<dyn Lister>> {
    let open = move |place, _| sys::lister(place, recursive);
    self.blocking(path, open).await
  }
}

#[async_trait]
impl Streaming for LocalProvider {
  async fn open_read(
    &self,
    path: &StoragePath,
    range: ByteRange,
    chunk_size: usize,
  ) -> Result<Reader> {
    self
      .blocking(path, move |place, _| {
        stream::open_read(place, range, chunk_size)
      })
      .await
  }

  fn streams_with(&self, _options: &WriteOptions) -> bool {
    true
  }

  /// Every write stream publishes like `writeFile`, with or without options; see [`stream`].
  async fn open_write(&self, path: &StoragePath, options: &WriteOptions) -> Result<Writer> {
    let options = options.clone();
    let open = move |place, fsync| Ok(stream::open_write(place, options, fsync));
    self.blocking(path, open).await?
  }
}

#[async_trait]
impl NameListing for LocalProvider {
  async fn list_names(&self, path: &StoragePath, names: NameBuf) -> Result<NameBuf> {
    self
      .blocking(path, |place, _| sys::list_names(place, names))
      .await
  }
}

#[async_trait]
impl Metadata for LocalProvider {
  async fn file_details(&self, path: &StoragePath) -> Result<(FileStats, FileDetails)> {
    let details = |place, _| Ok(metadata::details(place));
    self.blocking(path, details).await?
  }

  /// Plain writes keep the fast path; with metadata or a condition, see [`metadata`].
  async fn write_file_with(
    &self,
    path: &StoragePath,
    data: Bytes,
    options: &WriteOptions,
  ) -> Result<()> {
    if options.is_plain() {
      return self.write_file(path, data).await;
    }
    let options = options.clone();
    let write = move |place, fsync| {
      let fill = metadata::fill_with(&data);
      Ok(metadata::write(place, &options, fsync, fill))
    };
    self.blocking(path, write).await?
  }

  /// The copy keeps the source's metadata (xattrs) unless `options` set new ones.
  async fn copy_file_with(
    &self,
    src: &StoragePath,
    dst: &StoragePath,
    options: &WriteOptions,
  ) -> Result<()> {
    let to = self.place(dst);
    let options = options.clone();
    let copy = move |from: Place, fsync| {
      if options.is_plain() && metadata::stored_at(&from).is_ok_and(|m| m.is_empty()) {
        return Ok(copy_move::copy(from, to, fsync));
      }
      Ok(metadata::copy(from, to, &options, fsync))
    };
    self.blocking(src, copy).await?
  }

  async fn delete_file_if_match(&self, path: &StoragePath, etag: &str) -> Result<()> {
    let etag = etag.to_string();
    let delete = move |place, _| Ok(metadata::delete_if_match(place, &etag));
    self.blocking(path, delete).await?
  }
}

#[async_trait]
impl OldFiles for LocalProvider {
  async fn delete_old_files(
    &self,
    dir: &StoragePath,
    older_than: SystemTime,
    recursive: bool,
    cancel: &Cancel,
    report: &OldFileReport,
  ) -> Result<u32> {
    let (cancel, report) = (cancel.clone(), report.clone());
    self
      .blocking(dir, move |place, _| {
        let old = OldFileWalk {
          cutoff: older_than,
          recursive,
          check: &|| match cancel.is_cancelled() {
            true => Err(io::Error::new(io::ErrorKind::Interrupted, "aborted")),
            false => Ok(()),
          },
          report: &|path, failure| report(path, failure.map(|e| Error::from(clone_io(e))).as_ref()),
        };
        sys::delete_old(place, &old)
      })
      .await
  }
}

#[async_trait]
impl TempFiles for LocalProvider {
  async fn cleanup_temp_files(&self, dir: &StoragePath, older_than: SystemTime) -> Result<u32> {
    self
      .blocking(dir, move |place, _| {
        match sys::cleanup_temps(place, older_than) {
          Err(e)
            if matches!(
              kind_of_io(&e),
              ErrorKind::NotFound | ErrorKind::NotADirectory
            ) =>
          {
            Ok(0)
          }
          other => other,
        }
      })
      .await
  }
}
