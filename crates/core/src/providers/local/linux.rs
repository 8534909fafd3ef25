//! LOCAL's Linux fast path (the default on Linux): the calls `sys` stands for, through `rustix`.
//! Directories are read with `getdents64` ([`super::dirents`]), held with `O_PATH`, and a file is
//! published without replacing with `renameat2(RENAME_NOREPLACE)`. With a root, paths resolve
//! beneath the root's fd one name at a time ([`super::beneath`]); without, they go to the OS as
//! `fs` would pass them. The portable implementation answers to the same calls
//! (`super::portable`).

use std::ffi::{OsStr, OsString};
use std::fs::{self, File};
use std::io;
use std::os::fd::OwnedFd;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::time::SystemTime;

use rustix::fs::{self as rfs, AtFlags, Mode, OFlags, RenameFlags, CWD};
use rustix::io::Errno;

use super::beneath;
pub(super) use super::beneath::Root;
use super::{
  already_exists, is_a_directory, is_temp, name_string, not_a_directory, stats_of, utf8_name,
  Check, OldFileWalk, Place,
};
use crate::listing::Lister;
use crate::names::NameBuf;
use crate::provider::{DirEntry, FileStats, ListDetail};

/// A directory held open (`O_PATH`): where a write publishes its temp file.
pub(super) type DirHandle = OwnedFd;

/// The directory that is to hold `place` (created with its parents) and the name in it.
pub(super) fn parent(place: Place) -> io::Result<(OwnedFd, OsString)> {
  match place {
    Place::Native(p) => native_parent(&p),
    Place::Rooted(root, key) => beneath::parent_of(&root, &key),
  }
}

/// The parent directory of an OS path (created with its parents when missing, as `writeFile`
/// does) and the name in it. Parents usually exist: opened first, made only when missing.
fn native_parent(target: &Path) -> io::Result<(OwnedFd, OsString)> {
  let name = target.file_name().ok_or_else(is_a_directory)?.to_owned();
  let dir = match target.parent() {
    Some(p) if !p.as_os_str().is_empty() => p,
    _ => Path::new("."),
  };
  let flags = OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC;
  match rfs::openat(CWD, dir, flags, Mode::empty()) {
    Ok(fd) => return Ok((fd, name)),
    Err(Errno::NOENT) => {}
    Err(e) => return Err(e.into()),
  }
  if let Err(e) = fs::create_dir_all(dir) {
    return Err(match e.kind() {
      io::ErrorKind::AlreadyExists => not_a_directory(),
      _ => e,
    });
  }
  Ok((rfs::openat(CWD, dir, flags, Mode::empty())?, name))
}

/// True when `name` in `dir` is a directory (not a link to one).
pub(super) fn is_dir_in(dir: &OwnedFd, name: &OsStr) -> bool {
  rfs::statat(dir, name, AtFlags::SYMLINK_NOFOLLOW)
    .is_ok_and(|st| rfs::FileType::from_raw_mode(st.st_mode) == rfs::FileType::Directory)
}

/// Creates the file `name` in `dir` for writing; fails when the name exists (never follows a link).
pub(super) fn create_new_in(dir: &OwnedFd, name: &str) -> io::Result<File> {
  let flags = OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC;
  Ok(File::from(rfs::openat(
    dir,
    name,
    flags,
    Mode::from_raw_mode(0o666),
  )?))
}

pub(super) fn rename_in(dir: &OwnedFd, from: &OsStr, to: &OsStr) -> io::Result<()> {
  Ok(rfs::renameat(dir, from, dir, to)?)
}

/// Renames `from` to `to` in `dir` unless `to` exists (then `EEXIST`, and `from` stays).
pub(super) fn rename_noreplace_in(dir: &OwnedFd, from: &OsStr, to: &OsStr) -> io::Result<()> {
  match rfs::renameat_with(dir, from, dir, to, RenameFlags::NOREPLACE) {
    // No RENAME_NOREPLACE on this filesystem: link() also refuses an existing name.
    Err(Errno::INVAL | Errno::NOSYS) => {
      rfs::linkat(dir, from, dir, to, AtFlags::empty())?;
      let _ = rfs::unlinkat(dir, from, AtFlags::empty());
      Ok(())
    }
    other => Ok(other?),
  }
}

pub(super) fn remove_in(dir: &OwnedFd, name: &OsStr) -> io::Result<()> {
  Ok(rfs::unlinkat(dir, name, AtFlags::empty())?)
}

/// Opens `name` in `dir` for reading, never through a link (`ELOOP`) and without waiting on a
/// FIFO.
pub(super) fn open_nofollow_in(dir: &OwnedFd, name: &OsStr) -> io::Result<File> {
  let flags = OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::CLOEXEC;
  Ok(File::from(rfs::openat(dir, name, flags, Mode::empty())?))
}

/// Opens the file (or directory) `place` names for reading, links followed (beneath the root).
pub(super) fn open_file(place: &Place) -> io::Result<File> {
  match place {
    Place::Native(p) => File::open(p),
    Place::Rooted(root, key) => beneath::open_read(root, key),
  }
}

pub(super) fn ensure_dir(place: Place) -> io::Result<()> {
  match place {
    Place::Native(p) => ensure_dir_at(&p),
    Place::Rooted(root, key) => beneath::ensure_dir(&root, &key),
  }
}

/// True when `place` is a directory (`want_dir`) or a file. Only leaving the root is an error.
pub(super) fn exists(place: Place, want_dir: bool) -> io::Result<bool> {
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

pub(super) fn remove_file(place: Place) -> io::Result<()> {
  match place {
    Place::Native(p) => fs::remove_file(p),
    Place::Rooted(root, key) => beneath::remove_file(&root, &key),
  }
}

/// Removes the directory `place` names (a link to one is ENOTDIR), its tree with `recursive`,
/// calling `check` before each entry.
pub(super) fn remove_dir(place: Place, recursive: bool, check: Check) -> io::Result<()> {
  match place {
    Place::Native(p) => beneath::remove_dir_at(&p, recursive, check),
    Place::Rooted(root, key) => beneath::remove_dir_checked(&root, &key, recursive, check),
  }
}

pub(super) fn list(place: Place, detail: ListDetail) -> io::Result<Vec<DirEntry>> {
  match place {
    Place::Native(p) => list_at(&p, detail),
    Place::Rooted(root, key) => beneath::list(&root, &key, detail),
  }
}

pub(super) fn list_names(place: Place, names: NameBuf) -> io::Result<NameBuf> {
  match place {
    Place::Native(p) => list_names_at(&p, names),
    Place::Rooted(root, key) => beneath::list_names(&root, &key, names),
  }
}

/// The stats of the file `place` names (links followed); a directory is EISDIR.
pub(super) fn file_stats(place: Place) -> io::Result<FileStats> {
  match place {
    Place::Native(p) => {
      let meta = fs::metadata(p)?;
      if meta.is_dir() {
        return Err(is_a_directory());
      }
      Ok(stats_of(&meta))
    }
    Place::Rooted(root, key) => {
      let st = beneath::stat(&root, &key)?;
      if beneath::is_directory(&st) {
        return Err(is_a_directory());
      }
      Ok(beneath::stats_of(&st))
    }
  }
}

pub(super) fn read(place: Place) -> io::Result<Vec<u8>> {
  match place {
    Place::Native(p) => fs::read(p),
    Place::Rooted(root, key) => beneath::read(&root, &key),
  }
}

/// Renames the file `src` to `dst` (parents of `dst` created); a directory is EISDIR. Another
/// filesystem is `CrossesDevices`, which the caller turns into a copy.
pub(super) fn rename(src: &Place, dst: &Place) -> io::Result<()> {
  match (src, dst) {
    (Place::Rooted(root, from), Place::Rooted(_, to)) => beneath::rename(root, from, to),
    (Place::Native(from), Place::Native(to)) => {
      if fs::metadata(from)?.is_dir() {
        return Err(is_a_directory());
      }
      let (dir, name) = native_parent(to)?;
      Ok(rfs::renameat(CWD, from, &dir, &name)?)
    }
    _ => unreachable!("one provider, one kind of place"),
  }
}

pub(super) fn delete_old(place: Place, old: &OldFileWalk) -> io::Result<u32> {
  match place {
    Place::Native(p) => beneath::delete_old_at(&p, old),
    Place::Rooted(root, key) => beneath::delete_old(&root, &key, old),
  }
}

pub(super) fn cleanup_temps(place: Place, cutoff: SystemTime) -> io::Result<u32> {
  match place {
    Place::Native(p) => beneath::cleanup_temps_at(&p, cutoff),
    Place::Rooted(root, key) => beneath::cleanup_temps(&root, &key, cutoff),
  }
}

pub(super) fn lister(place: Place, recursive: bool) -> io::Result<Box<dyn Lister>> {
  Ok(Box::new(super::walk::open(place, recursive)?))
}

fn ensure_dir_at(path: &Path) -> io::Result<()> {
  match fs::create_dir_all(path) {
    Ok(()) => Ok(()),
    // create_dir_all reports a file at the path as AlreadyExists; tell it apart from a race.
    Err(e) if e.kind() == io::ErrorKind::AlreadyExists && !path.is_dir() => Err(already_exists()),
    Err(e) => Err(e),
  }
}

pub(super) fn list_at(dir: &Path, detail: ListDetail) -> io::Result<Vec<DirEntry>> {
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
      name: name_string(name),
      is_dir,
      mtime,
    });
  }
  Ok(entries)
}

/// [`list_at`]'s names only, compactly: a link (or an entry of unknown type) is followed like
/// `fs.stat` does and left out when it leads nowhere.
pub(super) fn list_names_at(dir: &Path, names: NameBuf) -> io::Result<NameBuf> {
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
pub(super) fn follow_at(
  dir: impl std::os::fd::AsFd,
  name: &std::ffi::OsStr,
) -> rustix::io::Result<Option<rustix::fs::Stat>> {
  match rustix::fs::statat(dir, name, rustix::fs::AtFlags::empty()) {
    Ok(st) => Ok(Some(st)),
    Err(e) if beneath::nowhere(e) => Ok(None),
    Err(e) => Err(e),
  }
}
