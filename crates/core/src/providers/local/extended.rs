//! LOCAL range reads (one positioned read), copy (to a temp file, then renamed: atomic), move (a
//! rename; across filesystems a copy that keeps the metadata xattrs, then a delete) and abortable
//! recursive deletes.

use std::ffi::OsStr;
use std::fs::{self, File};
use std::io;
use std::os::fd::OwnedFd;
use std::os::unix::fs::FileExt;

use rustix::fs::{self as rfs, AtFlags, FileType, Mode, OFlags, CWD};

use super::beneath::{self, Check};
use super::metadata;
use super::stream::native_parent;
use super::{errno, temp_name, Place, EISDIR};
use crate::error::Result;
use crate::metadata::WriteOptions;
use crate::ranges::clamp;
use crate::stream::ByteRange;

const EXDEV: i32 = 18;

/// Opens a file for reading; a directory is EISDIR.
fn open_file(place: &Place) -> io::Result<File> {
  let file = match place {
    Place::Native(p) => File::open(p)?,
    Place::Rooted(root, key) => beneath::open_read(root, key)?,
  };
  if file.metadata()?.is_dir() {
    return Err(errno(EISDIR));
  }
  Ok(file)
}

pub(super) fn read_range(place: Place, range: ByteRange) -> io::Result<Vec<u8>> {
  let file = open_file(&place)?;
  let span = clamp(range, file.metadata()?.len());
  let mut buf = vec![0u8; (span.end - span.start) as usize];
  let mut filled = 0;
  // The file may shrink meanwhile: keep what was there.
  while filled < buf.len() {
    match file.read_at(&mut buf[filled..], span.start + filled as u64) {
      Ok(0) => break,
      Ok(n) => filled += n,
      Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
      Err(e) => return Err(e),
    }
  }
  buf.truncate(filled);
  Ok(buf)
}

pub(super) fn copy(src: Place, dst: Place, fsync: bool) -> io::Result<()> {
  let mut from = open_file(&src)?;
  let (dir, name) = parent(dst)?;
  replace(&dir, &name, fsync, |to| io::copy(&mut from, to).map(drop))
}

/// Moves `src` to `dst`. Across filesystems (`EXDEV`) the bytes are copied with the metadata the
/// source keeps in xattrs (a destination filesystem without xattrs refuses metadata beyond the
/// content type with `ENOTSUP`, and the source stays), then the source is deleted.
pub(super) fn rename(src: Place, dst: Place, fsync: bool) -> Result<()> {
  let moved = match (&src, &dst) {
    (Place::Rooted(root, from), Place::Rooted(_, to)) => beneath::rename(root, from, to),
    (Place::Native(from), Place::Native(to)) => {
      if fs::metadata(from)?.is_dir() {
        return Err(errno(EISDIR).into());
      }
      let (dir, name) = native_parent(to)?;
      rfs::renameat(CWD, from, &dir, &name).map_err(|e| errno(e.raw_os_error()))
    }
    _ => unreachable!("one provider, one kind of place"),
  };
  match moved {
    // Another filesystem: copy with the metadata, then delete.
    Err(e) if e.raw_os_error() == Some(EXDEV) => {
      let src_again = match &src {
        Place::Native(p) => Place::Native(p.clone()),
        Place::Rooted(root, key) => Place::Rooted(root.clone(), key.clone()),
      };
      metadata::copy(src_again, dst, &WriteOptions::default(), fsync)?;
      Ok(super::remove_file(src)?)
    }
    other => Ok(other?),
  }
}

pub(super) fn remove_dir(place: Place, recursive: bool, check: Check) -> io::Result<()> {
  match place {
    Place::Native(p) => beneath::remove_dir_at(&p, recursive, check),
    Place::Rooted(root, key) => beneath::remove_dir_checked(&root, &key, recursive, check),
  }
}

/// The directory to hold `dst` (created with its parents) and the name in it.
fn parent(dst: Place) -> io::Result<(OwnedFd, std::ffi::OsString)> {
  match dst {
    Place::Native(p) => native_parent(&p),
    Place::Rooted(root, key) => beneath::parent_of(&root, &key),
  }
}

/// Fills a temp file in `dir` with `fill` and renames it over `name`: readers see the old file or
/// the new one. A directory at `name` is EISDIR; the temp file never outlives a failure.
fn replace(
  dir: &OwnedFd,
  name: &OsStr,
  fsync: bool,
  fill: impl FnOnce(&mut File) -> io::Result<()>,
) -> io::Result<()> {
  if let Ok(st) = rfs::statat(dir, name, AtFlags::SYMLINK_NOFOLLOW) {
    if FileType::from_raw_mode(st.st_mode) == FileType::Directory {
      return Err(errno(EISDIR));
    }
  }
  let temp = temp_name(&name.to_string_lossy());
  let flags = OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC;
  let fd = rfs::openat(dir, temp.as_str(), flags, Mode::from_raw_mode(0o666))?;
  let result = (|| {
    let mut file = File::from(fd);
    fill(&mut file)?;
    if fsync {
      file.sync_all()?;
    }
    drop(file);
    rfs::renameat(dir, temp.as_str(), dir, name).map_err(|e| errno(e.raw_os_error()))
  })();
  if result.is_err() {
    let _ = rfs::unlinkat(dir, temp.as_str(), AtFlags::empty());
  }
  result
}
