//! LOCAL: the filesystem. Each operation is one blocking task that makes all of its syscalls, so
//! an operation costs one hop to the blocking pool, not one per syscall.
//!
//! `writeFile` writes a temp file in the target's directory and renames it over the target: a
//! reader sees the old bytes or the new ones. Temp files are named [`TEMP_PREFIX`]`*`, never show in
//! listings, and are removed when a write fails; `cleanup_temp_files` sweeps what a killed process
//! left behind.
//!
//! Without a root, paths go to the OS as `fs` would pass them. With a root, every path is
//! resolved beneath a directory fd of the root (see `beneath`), so no path, link or swap of a
//! directory for a link mid-operation can reach outside it.

mod beneath;
mod dirents;
mod extended;
mod meta_stream;
mod metadata;
mod stream;
mod tree;
mod walk;

use std::fs;
use std::io::{self, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use beneath::Root;
use bytes::Bytes;

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

fn system_time(secs: i64, nanos: i64) -> SystemTime {
  if secs >= 0 {
    UNIX_EPOCH + Duration::new(secs as u64, nanos as u32)
  } else {
    UNIX_EPOCH - Duration::from_secs(secs.unsigned_abs()) + Duration::from_nanos(nanos as u64)
  }
}

fn stats_of(meta: &fs::Metadata) -> FileStats {
  FileStats {
    size: meta.len(),
    mtime: system_time(meta.mtime(), meta.mtime_nsec()),
    ctime: system_time(meta.ctime(), meta.ctime_nsec()),
  }
}

/// A copy of an OS error (its code and message), for a report that outlives the original.
fn clone_io(e: &io::Error) -> io::Error {
  match e.raw_os_error() {
    Some(code) => errno(code),
    None => io::Error::new(e.kind(), e.to_string()),
  }
}

fn errno(code: i32) -> io::Error {
  io::Error::from_raw_os_error(code)
}

const EEXIST: i32 = 17;
const ENOTDIR: i32 = 20;
const EISDIR: i32 = 21;

fn ensure_dir(path: &Path) -> io::Result<()> {
  match fs::create_dir_all(path) {
    Ok(()) => Ok(()),
    // create_dir_all reports a file at the path as AlreadyExists; tell it apart from a race.
    Err(e) if e.kind() == io::ErrorKind::AlreadyExists && !path.is_dir() => Err(errno(EEXIST)),
    Err(e) => Err(e),
  }
}

fn write_atomic(target: &Path, data: &[u8], fsync: bool) -> io::Result<()> {
  let name = target.file_name().ok_or_else(|| errno(EISDIR))?;
  let dir = match target.parent() {
    Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
    _ => PathBuf::from("."),
  };
  let temp = dir.join(temp_name(name.to_string_lossy().as_ref()));
  let create = || {
    fs::OpenOptions::new()
      .write(true)
      .create_new(true)
      .open(&temp)
  };
  // Parents usually exist: try first, create them only when the open says they are missing.
  let mut file = match create() {
    Err(e) if e.kind() == io::ErrorKind::NotFound => {
      if let Err(e) = fs::create_dir_all(&dir) {
        return Err(if e.kind() == io::ErrorKind::AlreadyExists {
          errno(ENOTDIR)
        } else {
          e
        });
      }
      create()?
    }
    other => other?,
  };
  let result = (|| {
    file.write_all(data)?;
    if fsync {
      file.sync_all()?;
    }
    drop(file);
    fs::rename(&temp, target)
  })();
  if result.is_err() {
    let _ = fs::remove_file(&temp);
  }
  result
}

fn temp_name(name: &str) -> String {
  static COUNTER: AtomicU64 = AtomicU64::new(0);
  let n = COUNTER.fetch_add(1, Ordering::Relaxed);
  // Keep the temp name within NAME_MAX even for a 255-byte target name.
  let stem: String = name.chars().take(40).collect();
  format!("{TEMP_PREFIX}{}-{n}-{stem}", std::process::id())
}

fn list(dir: &Path, detail: ListDetail) -> io::Result<Vec<DirEntry>> {
  use rustix::fs::{self as rfs, FileType, Mode, OFlags, CWD};
  let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC;
  let fd = rfs::openat(CWD, dir, flags, Mode::empty())?;
  let mut entries = Vec::new();
  for (name, file_type) in beneath::entries(fd.try_clone()?)? {
    if is_temp(name.as_bytes()) || utf8_name(name.as_bytes()).is_none() {
      continue;
    }
    let mut is_dir = file_type == FileType::Directory;
    let mut mtime = None;
    let unknown = matches!(file_type, FileType::Symlink | FileType::Unknown);
    if unknown || detail == ListDetail::ModificationTimes {
      match follow_at(&fd, &name) {
        Ok(Some(st)) => {
          is_dir = FileType::from_raw_mode(st.st_mode) == FileType::Directory;
          mtime = Some(beneath::stats_of(&st).mtime);
        }
        // Removed meanwhile, or a link that leads nowhere: not listed.
        Ok(None) => continue,
        // A link into a place this process cannot look: a file nobody can read.
        Err(rustix::io::Errno::ACCESS) => {}
        Err(e) => return Err(e.into()),
      }
    }
    entries.push(DirEntry {
      name: beneath::name_string(name),
      is_dir,
      mtime,
    });
  }
  Ok(entries)
}

/// [`list`]'s names only, compactly: a link (or an entry of unknown type) is followed like
/// `fs.stat` does and left out when it leads nowhere.
fn list_names(dir: &Path, names: NameBuf) -> io::Result<NameBuf> {
  use rustix::fs::{self as rfs, Mode, OFlags, CWD};
  let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC;
  let fd = rfs::openat(CWD, dir, flags, Mode::empty())?;
  beneath::names(
    &fd,
    // Only links get here (and names of unknown type).
    &|name, _| match follow_at(&fd, name) {
      Ok(found) => Ok(found.is_some()),
      Err(rustix::io::Errno::ACCESS) => Ok(true),
      Err(e) => Err(e.into()),
    },
    names,
  )
}

/// The entry `name` of the directory `dir`, a link followed like `fs.stat` does: what it leads
/// to, or `None` when it is gone or leads nowhere ([`beneath::nowhere`]), which a
/// listing leaves out. One into a place this process cannot look is `EACCES`, which a listing
/// shows as a file nobody can read.
fn follow_at(
  dir: impl std::os::fd::AsFd,
  name: &std::ffi::OsStr,
) -> rustix::io::Result<Option<rustix::fs::Stat>> {
  match rustix::fs::statat(dir, name, rustix::fs::AtFlags::empty()) {
    Ok(st) => Ok(Some(st)),
    Err(e) if beneath::nowhere(e) => Ok(None),
    Err(e) => Err(e),
  }
}

fn remove_file(place: Place) -> io::Result<()> {
  match place {
    Place::Native(p) => fs::remove_file(p),
    Place::Rooted(root, key) => beneath::remove_file(&root, &key),
  }
}

/// True when `path` is a directory (`want_dir`) or a file. Only leaving the root is an error.
fn exists(place: Place, want_dir: bool) -> io::Result<bool> {
  match place {
    Place::Native(p) => Ok(
      fs::metadata(p)
        .map(|m| if want_dir { m.is_dir() } else { m.is_file() })
        .unwrap_or(false),
    ),
    Place::Rooted(root, key) => Ok(beneath::probe(&root, &key)?.is_some_and(|st| {
      if want_dir {
        beneath::is_directory(&st)
      } else {
        beneath::is_file(&st)
      }
    })),
  }
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
    self
      .blocking(path, |place, _| match place {
        Place::Native(p) => ensure_dir(&p),
        Place::Rooted(root, key) => beneath::ensure_dir(&root, &key),
      })
      .await
  }

  async fn directory_exists(&self, path: &StoragePath) -> Result<bool> {
    self.blocking(path, |place, _| exists(place, true)).await
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
        match extended::remove_dir(place, options.recursive, &check) {
          Err(e) if options.force && e.kind() == io::ErrorKind::NotFound => Ok(()),
          other => other,
        }
      })
      .await
  }

  async fn delete_file(&self, path: &StoragePath) -> Result<()> {
    self.blocking(path, |place, _| remove_file(place)).await
  }

  async fn file_exists(&self, path: &StoragePath) -> Result<bool> {
    self.blocking(path, |place, _| exists(place, false)).await
  }

  async fn list_dir(&self, path: &StoragePath, detail: ListDetail) -> Result<Vec<DirEntry>> {
    self
      .blocking(path, move |place, _| match place {
        Place::Native(p) => list(&p, detail),
        Place::Rooted(root, key) => beneath::list(&root, &key, detail),
      })
      .await
  }

  async fn get_file_stats(&self, path: &StoragePath) -> Result<FileStats> {
    self
      .blocking(path, |place, _| match place {
        Place::Native(p) => {
          let meta = fs::metadata(p)?;
          if meta.is_dir() {
            return Err(errno(EISDIR));
          }
          Ok(stats_of(&meta))
        }
        Place::Rooted(root, key) => {
          let st = beneath::stat(&root, &key)?;
          if beneath::is_directory(&st) {
            return Err(errno(EISDIR));
          }
          Ok(beneath::stats_of(&st))
        }
      })
      .await
  }

  async fn read_file(&self, path: &StoragePath) -> Result<Bytes> {
    self
      .blocking(path, |place, _| match place {
        Place::Native(p) => fs::read(p).map(Bytes::from),
        Place::Rooted(root, key) => beneath::read(&root, &key).map(Bytes::from),
      })
      .await
  }

  async fn write_file(&self, path: &StoragePath, data: Bytes) -> Result<()> {
    self
      .blocking(path, move |place, fsync| match place {
        Place::Native(p) => write_atomic(&p, &data, fsync),
        Place::Rooted(root, key) => beneath::write(&root, &key, &data, fsync),
      })
      .await
  }

  async fn delete_files(&self, paths: &[StoragePath]) -> Vec<Result<()>> {
    let places: Vec<Place> = paths.iter().map(|p| self.place(p)).collect();
    let count = paths.len();
    let outcome = run_blocking(move || {
      Ok(
        places
          .into_iter()
          .map(|place| remove_file(place).map_err(Error::from))
          .collect(),
      )
    })
    .await;
    outcome.unwrap_or_else(|e| vec![Err(e); count])
  }

  async fn read_range(&self, path: &StoragePath, range: ByteRange) -> Result<Bytes> {
    let read = move |place, _| extended::read_range(place, range).map(Bytes::from);
    self.blocking(path, read).await
  }

  async fn copy_file(&self, src: &StoragePath, dst: &StoragePath) -> Result<()> {
    let to = self.place(dst);
    self
      .blocking(src, move |from, fsync| extended::copy(from, to, fsync))
      .await
  }

  async fn move_file(&self, src: &StoragePath, dst: &StoragePath) -> Result<()> {
    let to = self.place(dst);
    self
      .blocking(src, move |from, fsync| {
        Ok(extended::rename(from, to, fsync))
      })
      .await?
  }

  async fn lister(&self, path: &StoragePath, recursive: bool) -> Result<Box<dyn Lister>> {
    let open = move |place, _| walk::open(place, recursive);
    Ok(Box::new(self.blocking(path, open).await?))
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

  /// Plain writes keep the fast path; with options, see [`meta_stream`].
  async fn open_write(&self, path: &StoragePath, options: &WriteOptions) -> Result<Writer> {
    if options.is_plain() {
      let open = |place, fsync| stream::open_write(place, fsync);
      return self.blocking(path, open).await;
    }
    let options = options.clone();
    let open = move |place, fsync| Ok(meta_stream::open(place, options, fsync));
    self.blocking(path, open).await?
  }
}

#[async_trait]
impl NameListing for LocalProvider {
  async fn list_names(&self, path: &StoragePath, names: NameBuf) -> Result<NameBuf> {
    self
      .blocking(path, |place, _| match place {
        Place::Native(p) => list_names(&p, names),
        Place::Rooted(root, key) => beneath::list_names(&root, &key, names),
      })
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
        return extended::copy(from, to, fsync).map(Ok);
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
        let old = beneath::OldFiles {
          cutoff: older_than,
          recursive,
          check: &|| match cancel.is_cancelled() {
            true => Err(io::Error::new(io::ErrorKind::Interrupted, "aborted")),
            false => Ok(()),
          },
          report: &|path, failure| report(path, failure.map(|e| Error::from(clone_io(e))).as_ref()),
        };
        match place {
          Place::Native(p) => beneath::delete_old_at(&p, &old),
          Place::Rooted(root, key) => beneath::delete_old(&root, &key, &old),
        }
      })
      .await
  }
}

#[async_trait]
impl TempFiles for LocalProvider {
  async fn cleanup_temp_files(&self, dir: &StoragePath, older_than: SystemTime) -> Result<u32> {
    self
      .blocking(dir, move |place, _| {
        let swept = match place {
          Place::Native(p) => beneath::cleanup_temps_at(&p, older_than),
          Place::Rooted(root, key) => beneath::cleanup_temps(&root, &key, older_than),
        };
        match swept {
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
