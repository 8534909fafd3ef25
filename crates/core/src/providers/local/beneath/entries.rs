//! Beneath the root: what moves, the paged listing and abortable deletes need of an entry (a
//! rename, an entry's stat, a directory opened for reading, a directory removed by OS path),
//! resolved one name at a time like everything else here.

use std::ffi::OsString;
use std::io;
use std::os::fd::{BorrowedFd, OwnedFd};
use std::path::Path;

use rustix::fs::{self as rfs, AtFlags, FileType, Mode, OFlags, CWD};
use rustix::io::Errno;

use super::{empty_tree, err, is_dir, open_dir, refuse_outside_link, stat, Check, Root, Walk};

/// Opens the directory `key` names for reading its entries (links followed beneath the root).
pub fn open_directory(root: &Root, key: &str) -> io::Result<OwnedFd> {
  Walk::new(root, key).at_last(false, true, open_dir)
}

/// Renames the file `src` to `dst`, both beneath the root. A link at either end is moved or
/// replaced itself, never followed; one that leads outside is EACCES. A directory is EISDIR.
pub fn rename(root: &Root, src: &str, dst: &str) -> io::Result<()> {
  let (from_dir, from) = Walk::new(root, src).at_last(false, false, |dir, name| {
    let name = name.ok_or_else(|| err(Errno::ISDIR))?;
    refuse_outside_link(root, src, dir, name)?;
    Ok((dir.try_clone_to_owned()?, name.to_owned()))
  })?;
  if is_dir(&stat(root, src)?) {
    return Err(err(Errno::ISDIR));
  }
  let (to_dir, to) = Walk::new(root, dst).at_last(true, false, |dir, name| {
    let name = name.ok_or_else(|| err(Errno::ISDIR))?;
    Ok((dir.try_clone_to_owned()?, name.to_owned()))
  })?;
  Ok(rfs::renameat(&from_dir, &from, &to_dir, &to)?)
}

/// Removes the directory at an OS path (LOCAL without a root), its tree with `recursive`,
/// calling `check` before each entry. A link is ENOTDIR, as for `remove_dir`.
pub fn remove_dir_at(path: &Path, recursive: bool, check: Check) -> io::Result<()> {
  let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
  let fd = match rfs::openat(CWD, path, flags, Mode::empty()) {
    Ok(fd) => fd,
    Err(Errno::LOOP) => return Err(err(Errno::NOTDIR)),
    Err(e) => return Err(err(e)),
  };
  if recursive {
    empty_tree(fd, check)?;
  }
  std::fs::remove_dir(path)
}

/// What a listing sees of `name` in `dir`: its stat, following a link from `dir` (LOCAL without
/// a root) or beneath the root (`key` is then the entry's key). `Ok(None)`: gone, or dangling.
/// A link leading outside the root is `Err` EACCES.
pub fn stat_entry(
  dir: BorrowedFd<'_>,
  name: &OsString,
  rooted: Option<(&Root, &str)>,
) -> io::Result<Option<rfs::Stat>> {
  let st = match rfs::statat(dir, name, AtFlags::SYMLINK_NOFOLLOW) {
    Ok(st) => st,
    Err(Errno::NOENT) => return Ok(None),
    Err(e) => return Err(err(e)),
  };
  if FileType::from_raw_mode(st.st_mode) != FileType::Symlink {
    return Ok(Some(st));
  }
  let followed = match rooted {
    Some((root, key)) => stat(root, key),
    None => rfs::statat(dir, name, AtFlags::empty()).map_err(err),
  };
  match followed {
    Ok(st) => Ok(Some(st)),
    Err(e) if super::leads_nowhere(&e) => Ok(None),
    Err(e) => Err(e),
  }
}
