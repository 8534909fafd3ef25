//! LOCAL's metadata and conditions.
//!
//! Headers and user metadata live in extended attributes of the file (`user.stowage.<option>`,
//! `user.stowage.meta.<key>`), set on the temp file before it is renamed into place, so the bytes
//! and their metadata appear together. A filesystem without user xattrs keeps none: the content
//! type is then guessed from the name and any other metadata is refused with `ENOTSUP`.
//!
//! The ETag is a strong validator from device, inode, size and mtime in nanoseconds: every
//! Stowage write renames a new inode into place, so each write gives a new ETag.
//!
//! The source ETag a transfer records ([`SOURCE_ETAG_KEY`]) is stored together with the file's own
//! ETag at that moment, and given back only while the file still has that ETag: xattrs survive an
//! edit in place (which S3 or Azure metadata never does), and a record that outlived one would make
//! `sync` skip a file that differs.
//!
//! Conditions are atomic, never check-then-write:
//! - `ifNoneMatch: '*'` publishes with `renameat2(RENAME_NOREPLACE)` (or, where the filesystem
//!   lacks it, `link()` of the temp file, which also fails when the name exists).
//! - `ifMatch` and the conditional delete take an exclusive `flock` on the file at the name, then
//!   check under the lock that the name still holds that inode and that its ETag matches, and
//!   rename over it (or unlink it) while holding the lock. Two conditional writers of one version
//!   thus run one after the other, and the second finds a new inode at the name (`ECONFLICT`).
//!   The lock is polled for at most [`LOCK_WAIT`] (then `ETIMEDOUT`), so a lock another program
//!   keeps cannot hang the call.
//!   A plain (unconditional) write takes no lock: it can land between the check and the rename
//!   of a conditional one, as it could land just after it.

use std::ffi::{OsStr, OsString};
use std::fs::File;
use std::io::{self, Write};
use std::os::fd::{AsFd, OwnedFd};
use std::time::{Duration, Instant};

use rustix::fs::{self as rfs, AtFlags, FileType, FlockOperation, Mode, OFlags, RenameFlags};
use rustix::io::Errno;

use super::{beneath, stream, temp_name, Place};
use crate::error::{Error, ErrorKind, Result};
use crate::metadata::{self, Condition, FileDetails, FileMetadata, Header, WriteOptions};
use crate::metadata_ops::SOURCE_ETAG_KEY;
use crate::provider::FileStats;

const PREFIX: &str = "user.stowage.";
const META_PREFIX: &str = "user.stowage.meta.";

fn io_err(e: Errno) -> Error {
  Error::from(io::Error::from_raw_os_error(e.raw_os_error()))
}

/// The ETag of what `st` describes.
pub(super) fn etag(st: &rfs::Stat) -> String {
  format!(
    "\"{:x}-{:x}-{:x}-{:x}.{:09}\"",
    st.st_dev, st.st_ino, st.st_size, st.st_mtime, st.st_mtime_nsec
  )
}

fn no_xattrs(e: Errno) -> bool {
  e == Errno::NOTSUP || e == Errno::OPNOTSUPP
}

/// Stores `meta` on `file`. `Ok(false)`: the filesystem keeps no user xattrs (and `meta` held
/// nothing but a content type, which is then dropped).
fn store(file: &File, meta: &FileMetadata) -> Result<bool> {
  let headers = meta.headers();
  let named = headers
    .iter()
    .filter_map(|(h, v)| v.map(|v| (format!("{PREFIX}{}", h.option_name()), v.to_string())));
  let version = etag(&rfs::fstat(file).map_err(io_err)?);
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
    match rfs::fsetxattr(file.as_fd(), name.as_str(), value.as_bytes(), rfs::XattrFlags::empty()) {
      Ok(()) => {}
      Err(e) if no_xattrs(e) && !wanted.has_more_than_type() => return Ok(false),
      Err(e) if no_xattrs(e) => {
        return Err(metadata::unsupported(
          "this filesystem keeps no extended attributes: LOCAL can store only contentType's guess here",
        ))
      }
      Err(e) => return Err(io_err(e)),
    }
  }
  Ok(true)
}

/// What `file` has stored (nothing where the filesystem keeps no xattrs).
fn stored(file: &File) -> Result<FileMetadata> {
  let mut meta = FileMetadata::default();
  let mut list = vec![0u8; 64 * 1024];
  let len = match rfs::flistxattr(file.as_fd(), &mut list[..]) {
    Ok(len) => len,
    Err(e) if no_xattrs(e) => return Ok(meta),
    Err(e) => return Err(io_err(e)),
  };
  let mut value = vec![0u8; 64 * 1024];
  for name in list[..len].split(|b| *b == 0) {
    let Ok(name) = std::str::from_utf8(name) else {
      continue;
    };
    let Some(rest) = name.strip_prefix(PREFIX) else {
      continue;
    };
    let n = match rfs::fgetxattr(file.as_fd(), name, &mut value[..]) {
      Ok(n) => n,
      Err(Errno::NODATA) => continue,
      Err(e) => return Err(io_err(e)),
    };
    let text = String::from_utf8_lossy(&value[..n]).into_owned();
    if let Some(key) = name.strip_prefix(META_PREFIX) {
      if key == SOURCE_ETAG_KEY {
        // Only while the file is the version the record was made for (see the module docs).
        let version = etag(&rfs::fstat(file).map_err(io_err)?);
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
fn open(place: &Place) -> Result<(File, rfs::Stat)> {
  let file = match place {
    Place::Native(p) => File::open(p)?,
    Place::Rooted(root, key) => beneath::open_read(root, key)?,
  };
  let st = rfs::fstat(&file).map_err(io_err)?;
  if FileType::from_raw_mode(st.st_mode) == FileType::Directory {
    return Err(Error::of(ErrorKind::IsADirectory));
  }
  Ok((file, st))
}

pub(super) fn details(place: Place) -> Result<(FileStats, FileDetails)> {
  let (file, st) = open(&place)?;
  let key = match &place {
    Place::Native(p) => p.to_string_lossy().into_owned(),
    Place::Rooted(_, key) => key.clone(),
  };
  let details = FileDetails {
    etag: Some(etag(&st)),
    metadata: stored(&file)?.typed_for(&key),
  };
  Ok((beneath::stats_of(&st), details))
}

/// The metadata `place`'s file has stored (for a copy that keeps it).
pub(super) fn stored_at(place: &Place) -> Result<FileMetadata> {
  stored(&open(place)?.0)
}

/// The directory to hold `place` (created with its parents) and the name in it.
fn parent(place: Place) -> io::Result<(OwnedFd, OsString)> {
  match place {
    Place::Native(p) => stream::native_parent(&p),
    Place::Rooted(root, key) => beneath::parent_of(&root, &key),
  }
}

/// A temp file next to its target, filled, then published by [`Temp::publish`]; removed when
/// dropped unpublished.
pub(super) struct Temp {
  dir: OwnedFd,
  name: OsString,
  temp: String,
  pending: bool,
}

impl Temp {
  /// Creates the temp file for `place` (parents created); a directory at the path is `EISDIR`.
  pub(super) fn create(place: Place) -> Result<(Temp, File)> {
    let (dir, name) = parent(place)?;
    if let Ok(st) = rfs::statat(&dir, &name, AtFlags::SYMLINK_NOFOLLOW) {
      if FileType::from_raw_mode(st.st_mode) == FileType::Directory {
        return Err(Error::of(ErrorKind::IsADirectory));
      }
    }
    let temp = temp_name(&name.to_string_lossy());
    let flags = OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC;
    let fd = rfs::openat(&dir, temp.as_str(), flags, Mode::from_raw_mode(0o666)).map_err(io_err)?;
    let temp = Temp {
      dir,
      name,
      temp,
      pending: true,
    };
    Ok((temp, File::from(fd)))
  }

  /// Stores the metadata on the filled `file` and publishes it under `options.condition`.
  pub(super) fn publish(&mut self, file: File, options: &WriteOptions, fsync: bool) -> Result<()> {
    store(&file, &options.metadata)?;
    if fsync {
      file.sync_all()?;
    }
    drop(file);
    publish(&self.dir, &self.temp, &self.name, &options.condition)?;
    self.pending = false;
    Ok(())
  }
}

impl Drop for Temp {
  fn drop(&mut self) {
    if self.pending {
      let _ = rfs::unlinkat(&self.dir, self.temp.as_str(), AtFlags::empty());
    }
  }
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
  let (mut temp, mut file) = Temp::create(place)?;
  fill(&mut file)?;
  temp.publish(file, options, fsync)
}

fn publish(dir: &OwnedFd, temp: &str, name: &OsStr, condition: &Condition) -> Result<()> {
  match condition {
    Condition::None => rfs::renameat(dir, temp, dir, name).map_err(io_err),
    Condition::IfNoneMatch => {
      match rfs::renameat_with(dir, temp, dir, name, RenameFlags::NOREPLACE) {
        Ok(()) => Ok(()),
        Err(Errno::EXIST) => Err(metadata::exists()),
        // No RENAME_NOREPLACE on this filesystem: link() also refuses an existing name.
        Err(Errno::INVAL | Errno::NOSYS) => {
          let linked = rfs::linkat(dir, temp, dir, name, AtFlags::empty());
          let _ = rfs::unlinkat(dir, temp, AtFlags::empty());
          match linked {
            Ok(()) => Ok(()),
            Err(Errno::EXIST) => Err(metadata::exists()),
            Err(e) => Err(io_err(e)),
          }
        }
        Err(e) => Err(io_err(e)),
      }
    }
    Condition::IfMatch(want) => {
      let _lock = locked_version(dir, name, want)?;
      rfs::renameat(dir, temp, dir, name).map_err(io_err)
    }
  }
}

/// Locks the file at `name` (exclusive `flock`) and checks that it is still the one there and
/// has the ETag `want`; the lock holds while the returned fd lives. `ECONFLICT` otherwise.
fn locked_version(dir: &OwnedFd, name: &OsStr, want: &str) -> Result<OwnedFd> {
  let flags = OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::CLOEXEC;
  let fd = match rfs::openat(dir, name, flags, Mode::empty()) {
    Ok(fd) => fd,
    Err(Errno::NOENT | Errno::LOOP) => return Err(metadata::conflict()),
    Err(e) => return Err(io_err(e)),
  };
  lock(&fd)?;
  let held = rfs::fstat(&fd).map_err(io_err)?;
  let now = match rfs::statat(dir, name, AtFlags::SYMLINK_NOFOLLOW) {
    Ok(st) => st,
    Err(Errno::NOENT) => return Err(metadata::conflict()),
    Err(e) => return Err(io_err(e)),
  };
  if (held.st_dev, held.st_ino) != (now.st_dev, now.st_ino) || etag(&held) != want {
    return Err(metadata::conflict());
  }
  Ok(fd)
}

/// Longest wait for the lock of [`locked_version`]: a conditional writer holds it for one rename,
/// so only a lock another program keeps (its own `flock` of the file) waits this long, and then
/// the call fails with `ETIMEDOUT` rather than hang.
pub const LOCK_WAIT: Duration = Duration::from_secs(10);

/// An exclusive `flock` of `fd`, polled (never a blocking wait) for up to [`LOCK_WAIT`].
fn lock(fd: &OwnedFd) -> Result<()> {
  let started = Instant::now();
  let mut pause = Duration::from_micros(100);
  loop {
    match rfs::flock(fd, FlockOperation::NonBlockingLockExclusive) {
      Ok(()) => return Ok(()),
      Err(Errno::WOULDBLOCK) if started.elapsed() < LOCK_WAIT => {
        std::thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_millis(20));
      }
      Err(Errno::WOULDBLOCK) => {
        return Err(Error::new(
          ErrorKind::TimedOut,
          "the file stayed locked by another writer",
        ))
      }
      Err(Errno::INTR) => {}
      Err(e) => return Err(io_err(e)),
    }
  }
}

/// Deletes the file at `place` only while its ETag is `want`.
pub(super) fn delete_if_match(place: Place, want: &str) -> Result<()> {
  // The file first: a missing one is ENOENT, and its parents then exist for `parent`.
  let (_, st) = open(&place)?;
  if etag(&st) != want {
    return Err(metadata::conflict());
  }
  let (dir, name) = parent(place)?;
  let _lock = locked_version(&dir, &name, want)?;
  rfs::unlinkat(&dir, &name, AtFlags::empty()).map_err(io_err)
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
    rfs::flock(&held, FlockOperation::LockExclusive).unwrap();
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
