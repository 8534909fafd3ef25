//! LOCAL's metadata and conditions.
//!
//! Headers and user metadata live in extended attributes of the file (`user.stowage.<option>`,
//! `user.stowage.meta.<key>`; Linux and macOS), set on the temp file before it is published
//! ([`super::publish`]), so the bytes and their metadata appear together. A filesystem without
//! user xattrs keeps none, and neither does Windows: the content type is then guessed from the
//! name and any other metadata is refused with `ENOTSUP`.
//!
//! The ETag is a strong validator from device, inode, size and mtime in nanoseconds (on Windows,
//! from size, mtime and creation time): every Stowage write publishes a new file at the name, so
//! each write gives a new ETag.
//!
//! The source ETag a transfer records ([`SOURCE_ETAG_KEY`]) is stored together with the file's own
//! ETag at that moment, and given back only while the file still has that ETag: xattrs survive an
//! edit in place (which S3 or Azure metadata never does), and a record that outlived one would make
//! `sync` skip a file that differs.
//!
//! Conditions are atomic, never check-then-write:
//! - `ifNoneMatch: '*'` publishes with a rename that never replaces ([`super::publish`]).
//! - `ifMatch` and the conditional delete take an exclusive lock (`flock`; `LockFileEx` on
//!   Windows) on the file at the name, then
//!   check under the lock that the name still holds that inode and that its ETag matches, and
//!   rename over it (or unlink it) while holding the lock. Two conditional writers of one version
//!   thus run one after the other, and the second finds a new inode at the name (`ECONFLICT`).
//!   The lock is polled for at most [`LOCK_WAIT`] (then `ETIMEDOUT`), so a lock another program
//!   keeps cannot hang the call.
//!   A plain (unconditional) write takes no lock: it can land between the check and the rename
//!   of a conditional one, as it could land just after it.

use std::ffi::OsStr;
use std::fs::File;
use std::io::{self, Write};
use std::time::{Duration, Instant};

use super::publish;
use super::sys::{self, DirHandle};
use super::{stats_of, Place};
use crate::error::{Error, ErrorKind, Result};
use crate::metadata::{self, FileDetails, FileMetadata, Header, WriteOptions, SOURCE_ETAG_KEY};
use crate::provider::FileStats;

/// The ETag of the file `meta` describes.
#[cfg(unix)]
pub(super) fn etag(meta: &std::fs::Metadata) -> String {
  use std::os::unix::fs::MetadataExt;
  format!(
    "\"{:x}-{:x}-{:x}-{:x}.{:09}\"",
    meta.dev(),
    meta.ino(),
    meta.size(),
    meta.mtime(),
    meta.mtime_nsec()
  )
}

/// The ETag of the file `meta` describes (no inode on Windows: its creation time instead, which
/// a newly published file has of its own).
#[cfg(not(unix))]
pub(super) fn etag(meta: &std::fs::Metadata) -> String {
  let nanos = |t: io::Result<std::time::SystemTime>| {
    t.ok()
      .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
      .map_or(0, |d| d.as_nanos())
  };
  format!(
    "\"{:x}-{:x}-{:x}\"",
    meta.len(),
    nanos(meta.modified()),
    nanos(meta.created())
  )
}

/// Extended attributes: Linux and macOS (`rustix`); none elsewhere.
#[cfg(any(target_os = "linux", target_os = "macos"))]
mod xattr {
  use std::fs::File;
  use std::io;
  use std::os::fd::AsFd;

  use rustix::fs as rfs;
  use rustix::io::Errno;

  /// The filesystem keeps no user xattrs.
  pub fn unsupported(e: &io::Error) -> bool {
    let n = e.raw_os_error();
    n == Some(Errno::NOTSUP.raw_os_error()) || n == Some(Errno::OPNOTSUPP.raw_os_error())
  }

  pub fn set(file: &File, name: &str, value: &[u8]) -> io::Result<()> {
    Ok(rfs::fsetxattr(
      file.as_fd(),
      name,
      value,
      rfs::XattrFlags::empty(),
    )?)
  }

  /// The names, NUL-separated, into `buf`; how many bytes.
  pub fn list(file: &File, buf: &mut [u8]) -> io::Result<usize> {
    Ok(rfs::flistxattr(file.as_fd(), buf)?)
  }

  /// `None`: the attribute went meanwhile.
  pub fn get(file: &File, name: &str, buf: &mut [u8]) -> io::Result<Option<usize>> {
    #[cfg(target_os = "linux")]
    const MISSING: Errno = Errno::NODATA;
    #[cfg(target_os = "macos")]
    const MISSING: Errno = Errno::NOATTR;
    match rfs::fgetxattr(file.as_fd(), name, buf) {
      Ok(n) => Ok(Some(n)),
      Err(MISSING) => Ok(None),
      Err(e) => Err(e.into()),
    }
  }
}

/// No extended attributes here (Windows): every call answers "unsupported".
#[cfg(not(any(target_os = "linux", target_os = "macos")))]
mod xattr {
  use std::fs::File;
  use std::io;

  pub fn unsupported(e: &io::Error) -> bool {
    e.kind() == io::ErrorKind::Unsupported
  }

  fn none() -> io::Error {
    io::ErrorKind::Unsupported.into()
  }

  pub fn set(_: &File, _: &str, _: &[u8]) -> io::Result<()> {
    Err(none())
  }

  pub fn list(_: &File, _: &mut [u8]) -> io::Result<usize> {
    Err(none())
  }

  pub fn get(_: &File, _: &str, _: &mut [u8]) -> io::Result<Option<usize>> {
    Err(none())
  }
}

const PREFIX: &str = "user.stowage.";
const META_PREFIX: &str = "user.stowage.meta.";

/// Stores `meta` on `file`. `Ok(false)`: the filesystem keeps no user xattrs (and `meta` held
/// nothing but a content type, which is then dropped).
pub(super) fn store(file: &File, meta: &FileMetadata) -> Result<bool> {
  let headers = meta.headers();
  let named = headers
    .iter()
    .filter_map(|(h, v)| v.map(|v| (format!("{PREFIX}{}", h.option_name()), v.to_string())));
  let version = etag(&file.metadata()?);
  let user = meta.metadata.iter().map(|(k, v)| {
    let value = match k == SOURCE_ETAG_KEY {
      true => format!("{version} {v}"),
      false => v.clone(),
    };
    (format!("{META_PREFIX}{k}"), value)
  });
  // A transfer's record is a hint: without xattrs it is dropped, not refused.
  let mut wanted = meta.clone();
  wanted.metadata.remove(SOURCE_ETAG_KEY);
  for (name, value) in named.chain(user) {
    match xattr::set(file, &name, value.as_bytes()) {
      Ok(()) => {}
      Err(e) if xattr::unsupported(&e) && !wanted.has_more_than_type() => return Ok(false),
      Err(e) if xattr::unsupported(&e) => {
        return Err(metadata::unsupported(
          "this filesystem keeps no extended attributes: LOCAL can store only contentType's guess here",
        ))
      }
      Err(e) => return Err(Error::from(e)),
    }
  }
  Ok(true)
}

/// What `file` has stored (nothing where the filesystem keeps no xattrs).
fn stored(file: &File) -> Result<FileMetadata> {
  let mut meta = FileMetadata::default();
  let mut list = vec![0u8; 64 * 1024];
  let len = match xattr::list(file, &mut list[..]) {
    Ok(len) => len,
    Err(e) if xattr::unsupported(&e) => return Ok(meta),
    Err(e) => return Err(Error::from(e)),
  };
  let mut value = vec![0u8; 64 * 1024];
  for name in list[..len].split(|b| *b == 0) {
    let Ok(name) = std::str::from_utf8(name) else {
      continue;
    };
    let Some(rest) = name.strip_prefix(PREFIX) else {
      continue;
    };
    let Some(n) = xattr::get(file, name, &mut value[..])? else {
      continue;
    };
    let text = String::from_utf8_lossy(&value[..n]).into_owned();
    if let Some(key) = name.strip_prefix(META_PREFIX) {
      if key == SOURCE_ETAG_KEY {
        // Only while the file is the version the record was made for (see the module docs).
        let version = etag(&file.metadata()?);
        if let Some((_, source)) = text.split_once(' ').filter(|(at, _)| *at == version) {
          meta.metadata.insert(key.to_string(), source.to_string());
        }
        continue;
      }
      meta.metadata.insert(key.to_string(), text);
      continue;
    }
    let header = [
      Header::ContentType,
      Header::CacheControl,
      Header::ContentDisposition,
      Header::ContentEncoding,
      Header::ContentLanguage,
    ]
    .into_iter()
    .find(|h| h.option_name() == rest);
    if let Some(header) = header {
      meta.set(header, text);
    }
  }
  Ok(meta)
}

/// Opens the file `place` names for reading; a directory is `EISDIR`.
fn open(place: &Place) -> Result<(File, std::fs::Metadata)> {
  let file = sys::open_file(place)?;
  let meta = file.metadata()?;
  if meta.is_dir() {
    return Err(Error::of(ErrorKind::IsADirectory));
  }
  Ok((file, meta))
}

pub(super) fn details(place: Place) -> Result<(FileStats, FileDetails)> {
  let (file, meta) = open(&place)?;
  let key = match &place {
    Place::Native(p) => p.to_string_lossy().into_owned(),
    Place::Rooted(_, key) => key.clone(),
  };
  let details = FileDetails {
    etag: Some(etag(&meta)),
    metadata: stored(&file)?.typed_for(&key),
  };
  Ok((stats_of(&meta), details))
}

/// The metadata `place`'s file has stored (for a copy that keeps it).
pub(super) fn stored_at(place: &Place) -> Result<FileMetadata> {
  stored(&open(place)?.0)
}

/// Writes what `fill` gives into a temp file next to `place`, stores the metadata on it, and
/// publishes it under `options.condition` (see the module docs). Nothing is left behind on
/// failure.
pub(super) fn write(
  place: Place,
  options: &WriteOptions,
  fsync: bool,
  fill: impl FnOnce(&mut File) -> io::Result<()>,
) -> Result<()> {
  publish::write(place, options, fsync, true, fill)
}

/// Locks the file at `name` (exclusive) and checks that it is still the one there and has the
/// ETag `want`; the lock holds while the returned file stays open. `ECONFLICT` otherwise.
pub(super) fn locked_version(dir: &DirHandle, name: &OsStr, want: &str) -> Result<File> {
  let file = match sys::open_nofollow_in(dir, name) {
    Ok(file) => file,
    Err(e) if gone(&e) => return Err(metadata::conflict()),
    Err(e) => return Err(Error::from(e)),
  };
  lock(&file)?;
  let held = etag(&file.metadata()?);
  // What the name holds now (the same file has the same device, inode and times).
  let now = match sys::open_nofollow_in(dir, name).and_then(|f| f.metadata()) {
    Ok(meta) => etag(&meta),
    Err(e) if gone(&e) => return Err(metadata::conflict()),
    Err(e) => return Err(Error::from(e)),
  };
  if held != now || held != want {
    return Err(metadata::conflict());
  }
  Ok(file)
}

/// Nothing at the name, or a link there (a conditional write never follows one).
fn gone(e: &io::Error) -> bool {
  e.kind() == io::ErrorKind::NotFound || super::is_loop(e)
}

/// Longest wait for the lock of [`locked_version`]: a conditional writer holds it for one rename,
/// so only a lock another program keeps (its own `flock` of the file) waits this long, and then
/// the call fails with `ETIMEDOUT` rather than hang.
pub const LOCK_WAIT: Duration = Duration::from_secs(10);

/// An exclusive lock of `file`, polled (never a blocking wait) for up to [`LOCK_WAIT`].
fn lock(file: &File) -> Result<()> {
  let started = Instant::now();
  let mut pause = Duration::from_micros(100);
  loop {
    match file.try_lock() {
      Ok(()) => return Ok(()),
      Err(std::fs::TryLockError::WouldBlock) if started.elapsed() < LOCK_WAIT => {
        std::thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_millis(20));
      }
      Err(std::fs::TryLockError::WouldBlock) => {
        return Err(Error::new(
          ErrorKind::TimedOut,
          "the file stayed locked by another writer",
        ))
      }
      Err(std::fs::TryLockError::Error(e)) if e.kind() == io::ErrorKind::Interrupted => {}
      Err(std::fs::TryLockError::Error(e)) => return Err(Error::from(e)),
    }
  }
}

/// Deletes the file at `place` only while its ETag is `want`.
pub(super) fn delete_if_match(place: Place, want: &str) -> Result<()> {
  // The file first: a missing one is ENOENT, and its parents then exist for `parent`.
  let (_, meta) = open(&place)?;
  if etag(&meta) != want {
    return Err(metadata::conflict());
  }
  let (dir, name) = sys::parent(place)?;
  let _lock = locked_version(&dir, &name, want)?;
  Ok(sys::remove_in(&dir, &name)?)
}

/// A copy of `src` to `dst` with `options` (metadata given replaces the source's).
pub(super) fn copy(src: Place, dst: Place, options: &WriteOptions, fsync: bool) -> Result<()> {
  let (mut from, _) = open(&src)?;
  let mut options = options.clone();
  if options.metadata.is_empty() {
    options.metadata = stored(&from)?;
  }
  write(dst, &options, fsync, |to| io::copy(&mut from, to).map(drop))
}

/// Bytes into a file, for [`write`].
pub(super) fn fill_with(data: &[u8]) -> impl FnOnce(&mut File) -> io::Result<()> + '_ {
  move |file| file.write_all(data)
}

#[cfg(test)]
mod tests {
  use std::path::PathBuf;

  use super::*;
  use crate::metadata::Condition;

  fn place(path: &std::path::Path) -> Place {
    Place::Native(PathBuf::from(path))
  }

  #[test]
  fn if_match_waits_for_a_foreign_lock_at_most_lock_wait() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("f");
    std::fs::write(&path, "old").unwrap();
    let (_, details) = details(place(&path)).unwrap();
    // Another program's lock on the file (its own open file description).
    let held = File::open(&path).unwrap();
    held.lock().unwrap();
    let options = WriteOptions {
      condition: Condition::IfMatch(details.etag.unwrap()),
      ..Default::default()
    };
    let started = Instant::now();
    let err = write(place(&path), &options, false, fill_with(b"new")).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TimedOut);
    assert!(started.elapsed() >= LOCK_WAIT);
    assert_eq!(std::fs::read(&path).unwrap(), b"old");
    // Nothing left behind but the file itself.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
  }

  #[test]
  #[cfg(any(target_os = "linux", target_os = "macos"))] // Windows keeps no xattrs
  fn metadata_rides_on_the_temp_file_and_survives_the_rename() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.bin");
    let mut options = WriteOptions::default();
    options.metadata.cache_control = Some("no-cache".into());
    options.metadata.metadata.insert("k".into(), "v".into());
    write(place(&path), &options, false, fill_with(b"x")).unwrap();
    let (stats, details) = details(place(&path)).unwrap();
    assert_eq!(stats.size, 1);
    assert_eq!(details.metadata.cache_control.as_deref(), Some("no-cache"));
    assert_eq!(
      details.metadata.metadata.get("k").map(String::as_str),
      Some("v")
    );
    assert_eq!(
      details.metadata.content_type.as_deref(),
      Some("application/octet-stream")
    );
  }
}
