//! LOCAL: the filesystem. Each operation is one blocking task that makes all of its syscalls, so
//! an operation costs one hop to the blocking pool, not one per syscall.
//!
//! `writeFile` writes a temp file in the target's directory and renames it over the target: a
//! reader sees the old bytes or the new ones. Temp files are named `.stowage-tmp-*`, never show in
//! listings, and are removed when a write fails.

use std::fs;
use std::io::{self, Write};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use bytes::Bytes;

use crate::error::{Error, ErrorKind, Result};
use crate::path::{canonical_root, PathRules, StoragePath};
use crate::provider::{DeleteDirectoryOptions, DirEntry, FileStats, ListDetail, Provider};

/// Prefix of the temp files `writeFile` creates next to its target.
pub const TEMP_PREFIX: &str = ".stowage-tmp-";

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
  root: Option<PathBuf>,
  rules: PathRules,
  fsync: bool,
}

impl LocalProvider {
  pub fn new(options: LocalOptions) -> Result<Self> {
    let root = match options.root {
      Some(root) => Some(canonical_root(&root).map_err(|e| {
        Error::from(e).with_path(root.display().to_string())
      })?),
      None => None,
    };
    let rules = match &root {
      Some(root) => PathRules::Rooted(root.clone()),
      None => PathRules::Native,
    };
    Ok(LocalProvider { root, rules, fsync: options.fsync })
  }

  pub fn root(&self) -> Option<&Path> {
    self.root.as_deref()
  }

  /// The OS path of `path`; with a root, also what `confine` must check.
  fn locate(&self, path: &StoragePath) -> Located {
    match &self.root {
      None => Located { full: PathBuf::from(path.key()), root: None },
      Some(root) => Located { full: root.join(path.key()), root: Some(root.clone()) },
    }
  }

  /// Runs `f` on the blocking pool with the checked OS path: one hop for all of its syscalls.
  async fn blocking<T, F>(&self, path: &StoragePath, f: F) -> Result<T>
  where
    T: Send + 'static,
    F: FnOnce(PathBuf, bool) -> io::Result<T> + Send + 'static,
  {
    let located = self.locate(path);
    let fsync = self.fsync;
    run_blocking(move || f(located.check()?, fsync)).await
  }
}

/// An OS path and, with a root, the root it must stay under.
struct Located {
  full: PathBuf,
  root: Option<PathBuf>,
}

impl Located {
  /// The path, once symbolic links are known not to lead outside the root. Blocking.
  fn check(self) -> io::Result<PathBuf> {
    if let Some(root) = &self.root {
      confine(root, &self.full)?;
    }
    Ok(self.full)
  }
}

async fn run_blocking<T: Send + 'static>(f: impl FnOnce() -> io::Result<T> + Send + 'static) -> Result<T> {
  tokio::task::spawn_blocking(f)
    .await
    .map_err(|e| Error::new(ErrorKind::Io, format!("blocking task failed: {e}")))?
    .map_err(Error::from)
}

/// Refuses `full` when its deepest existing ancestor (itself included) resolves outside `root`.
fn confine(root: &Path, full: &Path) -> io::Result<()> {
  let mut probe = full;
  loop {
    match fs::canonicalize(probe) {
      Ok(real) if real.starts_with(root) => return Ok(()),
      Ok(_) => {
        return Err(io::Error::new(io::ErrorKind::PermissionDenied, "path leads outside the storage root"))
      }
      Err(e) if matches!(e.kind(), io::ErrorKind::NotFound | io::ErrorKind::NotADirectory) => {
        match probe.parent() {
          Some(parent) if parent.starts_with(root) => probe = parent,
          _ => return Ok(()),
        }
      }
      Err(e) => return Err(e),
    }
  }
}

fn is_temp(name: &str) -> bool {
  name.starts_with(TEMP_PREFIX)
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
  if let Err(e) = fs::create_dir_all(&dir) {
    return Err(if e.kind() == io::ErrorKind::AlreadyExists { errno(ENOTDIR) } else { e });
  }
  let temp = dir.join(temp_name(name.to_string_lossy().as_ref()));
  let result = (|| {
    let mut file = fs::OpenOptions::new().write(true).create_new(true).open(&temp)?;
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
  let mut entries = Vec::new();
  for entry in fs::read_dir(dir)? {
    let entry = entry?;
    let name = entry.file_name().to_string_lossy().into_owned();
    if is_temp(&name) {
      continue;
    }
    let mut file_type = entry.file_type()?;
    let mut mtime = None;
    if file_type.is_symlink() || detail == ListDetail::ModificationTimes {
      // Follow links like fs.stat does; a dangling link is listed as a file.
      match fs::metadata(entry.path()) {
        Ok(meta) => {
          file_type = meta.file_type();
          mtime = Some(stats_of(&meta).mtime);
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => continue, // removed meanwhile
        Err(e) => return Err(e),
      }
    }
    entries.push(DirEntry { name, is_dir: file_type.is_dir(), mtime });
  }
  Ok(entries)
}

#[async_trait]
impl Provider for LocalProvider {
  fn name(&self) -> &'static str {
    "LOCAL"
  }

  fn path_rules(&self) -> &PathRules {
    &self.rules
  }

  async fn ensure_directory(&self, path: &StoragePath) -> Result<()> {
    self.blocking(path, |p, _| ensure_dir(&p)).await
  }

  async fn directory_exists(&self, path: &StoragePath) -> Result<bool> {
    self.blocking(path, |p, _| Ok(fs::metadata(p).map(|m| m.is_dir()).unwrap_or(false))).await
  }

  async fn delete_directory(&self, path: &StoragePath, options: DeleteDirectoryOptions) -> Result<()> {
    self
      .blocking(path, move |p, _| {
        let outcome = match fs::symlink_metadata(&p) {
          Ok(meta) if !meta.is_dir() => Err(errno(ENOTDIR)),
          Ok(_) if options.recursive => fs::remove_dir_all(&p),
          Ok(_) => fs::remove_dir(&p),
          Err(e) => Err(e),
        };
        match outcome {
          Err(e) if options.force && e.kind() == io::ErrorKind::NotFound => Ok(()),
          other => other,
        }
      })
      .await
  }

  async fn delete_file(&self, path: &StoragePath) -> Result<()> {
    self.blocking(path, |p, _| fs::remove_file(p)).await
  }

  async fn file_exists(&self, path: &StoragePath) -> Result<bool> {
    self.blocking(path, |p, _| Ok(fs::metadata(p).map(|m| m.is_file()).unwrap_or(false))).await
  }

  async fn list_dir(&self, path: &StoragePath, detail: ListDetail) -> Result<Vec<DirEntry>> {
    self.blocking(path, move |p, _| list(&p, detail)).await
  }

  async fn get_file_stats(&self, path: &StoragePath) -> Result<FileStats> {
    self
      .blocking(path, |p, _| {
        let meta = fs::metadata(p)?;
        if meta.is_dir() {
          return Err(errno(EISDIR));
        }
        Ok(stats_of(&meta))
      })
      .await
  }

  async fn read_file(&self, path: &StoragePath) -> Result<Bytes> {
    self.blocking(path, |p, _| fs::read(p).map(Bytes::from)).await
  }

  async fn write_file(&self, path: &StoragePath, data: Bytes) -> Result<()> {
    self.blocking(path, move |p, fsync| write_atomic(&p, &data, fsync)).await
  }

  async fn delete_files(&self, paths: &[StoragePath]) -> Vec<Result<()>> {
    let located: Vec<Located> = paths.iter().map(|p| self.locate(p)).collect();
    let count = paths.len();
    let outcome = run_blocking(move || {
      Ok(located.into_iter().map(|l| l.check().and_then(fs::remove_file).map_err(Error::from)).collect())
    })
    .await;
    outcome.unwrap_or_else(|e| vec![Err(e); count])
  }
}
