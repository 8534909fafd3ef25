//! Where a LOCAL operation acts on Linux: the one step that differs with and without a root.
//! Every call in [`super::linux`] is written once over what this gives: a directory fd and a name
//! in it ([`At`]), the directory that is to hold a new entry ([`parent`]), a directory opened for
//! reading ([`open_dir`]), an entry of a directory with its link followed ([`stat_entry`]).
//!
//! - Without a root, a path is handed to the kernel whole, in the operation's own call, relative
//!   to the current directory (`AT_FDCWD`): no syscall is spent on resolving it, and links
//!   anywhere on it are followed as `fs` would follow them.
//! - With a root, a path is resolved one name at a time beneath the root's fd ([`Walk`]): the
//!   operation gets the directory fd that holds the last name and that name, and is told never to
//!   let the kernel follow a link there (the walk follows links itself, beneath the root).

use std::ffi::{OsStr, OsString};
use std::fs;
use std::io;
use std::os::fd::{BorrowedFd, OwnedFd};
use std::path::Path;

use rustix::fs::{self as rfs, AtFlags, FileType, Mode, OFlags, Stat, CWD};
use rustix::io::Errno;

use super::beneath::{err, leads_nowhere, nowhere, Root, Walk};
use super::{is_a_directory, not_a_directory, refuse_directory_syntax, Place};
use crate::error::{kind_of_io, ErrorKind};
use crate::listing::join;

/// What happens to a link in the last place of a path.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Last {
  /// It is followed (beneath the root with one).
  Follow,
  /// The operation acts on the link itself; with a root, one that leads outside is refused like
  /// every other use of it (README: such links are `EACCES`).
  Link,
}

/// Where an operation acts: the name `name` in the directory `dir`.
pub(super) struct At<'a> {
  /// `AT_FDCWD` without a root; the directory holding the last name with one.
  pub dir: BorrowedFd<'a>,
  /// The whole path without a root; the last name with one (`None`: the path ends at `dir`).
  pub name: Option<&'a OsStr>,
  /// The kernel is to follow a link at `name` (without a root, with [`Last::Follow`]).
  follows: bool,
}

impl At<'_> {
  fn name_or_dot(&self) -> &OsStr {
    self.name.unwrap_or(OsStr::new("."))
  }

  /// Opens what the name names with `flags`; `O_NOFOLLOW` unless the kernel is to follow a link.
  pub fn open(&self, flags: OFlags) -> io::Result<OwnedFd> {
    let nofollow = match self.follows {
      true => OFlags::empty(),
      false => OFlags::NOFOLLOW,
    };
    let flags = flags | nofollow | OFlags::CLOEXEC;
    Ok(rfs::openat(
      self.dir,
      self.name_or_dot(),
      flags,
      Mode::empty(),
    )?)
  }

  /// The stat of what the name names. A link the kernel is not to follow is `ELOOP`, which sends
  /// a walk beneath the root round again to follow it ([`Walk::at_last`]).
  pub fn stat(&self) -> io::Result<Stat> {
    let st = match (self.name, self.follows) {
      (None, _) => rfs::fstat(self.dir)?,
      (Some(name), true) => rfs::statat(self.dir, name, AtFlags::empty())?,
      (Some(name), false) => rfs::statat(self.dir, name, AtFlags::SYMLINK_NOFOLLOW)?,
    };
    if FileType::from_raw_mode(st.st_mode) == FileType::Symlink {
      return Err(err(Errno::LOOP));
    }
    Ok(st)
  }

  /// Whether what the name names (a mkdir met `EEXIST` there) is a directory. Without a root any
  /// failure to look says no (as `fs::create_dir_all` decides); with one it is the error (a link
  /// is `ELOOP`, which the walk follows).
  pub fn is_dir(&self) -> io::Result<bool> {
    match self.follows {
      true => Ok(self.stat().is_ok_and(|st| is_dir(&st))),
      false => Ok(is_dir(&self.stat()?)),
    }
  }
}

pub(super) fn is_dir(st: &Stat) -> bool {
  FileType::from_raw_mode(st.st_mode) == FileType::Directory
}

/// Runs `op` where `place` is. With `create`, missing directories on the way are made: beneath a
/// root as the walk passes them; without one when `op` meets `ENOENT`, and `op` is then run again.
/// Beneath a root, `op` may run more than once (a link swapped in meanwhile is checked and
/// followed like any other).
pub(super) fn at<T>(
  place: &Place,
  create: bool,
  last: Last,
  mut op: impl FnMut(At<'_>) -> io::Result<T>,
) -> io::Result<T> {
  match place {
    Place::Native(path) => {
      let at = || At {
        dir: CWD,
        name: Some(path.as_os_str()),
        follows: last == Last::Follow,
      };
      match op(at()) {
        Err(e) if create && e.kind() == io::ErrorKind::NotFound => {
          if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)?;
          }
          op(at())
        }
        other => other,
      }
    }
    Place::Rooted(root, key) => {
      Walk::new(root, key).at_last(create, last == Last::Follow, |dir, name| {
        if let (Last::Link, Some(name)) = (last, name) {
          refuse_outside_link(place, dir, name)?;
        }
        op(At {
          dir,
          name,
          follows: false,
        })
      })
    }
  }
}

/// The stat of what `key` names beneath the root, links followed.
fn stat(root: &Root, key: &str) -> io::Result<Stat> {
  Walk::new(root, key).at_last(false, true, |dir, name| {
    At {
      dir,
      name,
      follows: false,
    }
    .stat()
  })
}

/// A link at `name` in `dir` that leads outside the root is refused (`EACCES`), though the
/// operation acts on the link itself.
fn refuse_outside_link(place: &Place, dir: BorrowedFd<'_>, name: &OsStr) -> io::Result<()> {
  let Place::Rooted(root, key) = place else {
    return Ok(());
  };
  if rfs::readlinkat(dir, name, Vec::new()).is_ok() {
    if let Err(e) = stat(root, key) {
      if kind_of_io(&e) == ErrorKind::PermissionDenied {
        return Err(e);
      }
    }
  }
  Ok(())
}

/// `e`, from an operation on `place`, says the path leads outside the root: beneath a root every
/// refusal (`EACCES`) reads so.
pub(super) fn leads_outside(place: &Place, e: &io::Error) -> bool {
  matches!(place, Place::Rooted(..)) && kind_of_io(e) == ErrorKind::PermissionDenied
}

/// The directory `place` names, opened for reading its entries (a link to one followed).
pub(super) fn open_dir(place: &Place) -> io::Result<OwnedFd> {
  at(place, false, Last::Follow, |at| {
    at.open(OFlags::RDONLY | OFlags::DIRECTORY)
  })
}

/// The directory that is to hold what `place` names (made with its parents when missing), and the
/// name in it: where a write keeps its temp file and publishes it. Without a root the parent is
/// opened as the OS resolves it and the last name is taken as it is (a rename over a link there
/// replaces the link); with one, `last` says whether a link there is followed.
pub(super) fn parent(place: &Place, last: Last) -> io::Result<(OwnedFd, OsString)> {
  match place {
    Place::Native(path) => native_parent(path),
    Place::Rooted(root, key) => {
      Walk::new(root, key).at_last(true, last == Last::Follow, |dir, name| {
        let name = name.ok_or_else(is_a_directory)?;
        Ok((dir.try_clone_to_owned()?, name.to_owned()))
      })
    }
  }
}

/// The parent directory of an OS path (created with its parents when missing, as `writeFile`
/// does) and the name in it. Parents usually exist: opened first, made only when missing.
fn native_parent(target: &Path) -> io::Result<(OwnedFd, OsString)> {
  refuse_directory_syntax(target)?;
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

/// What a listing learns of one entry, a link followed.
pub(super) enum Entry {
  Stat(Stat),
  /// Removed meanwhile, or a link that leads nowhere ([`nowhere`]): not listed.
  Gone,
  /// A link that leads outside the root, or an entry where this process cannot look (`EACCES`):
  /// listed as a file nobody can read.
  Unreadable(io::Error),
}

/// The entry `name` of `dir`, which is `below` under the directory `place` names, a link followed
/// as `fs.stat` does: without a root by the kernel in the same call, with one from the root
/// (`file_type`, the type the directory gave, spares the look at a link before it is followed).
pub(super) fn stat_entry(
  place: &Place,
  dir: BorrowedFd<'_>,
  below: &str,
  name: &OsStr,
  file_type: FileType,
) -> io::Result<Entry> {
  let (root, key) = match place {
    Place::Native(_) => {
      return match rfs::statat(dir, name, AtFlags::empty()) {
        Ok(st) => Ok(Entry::Stat(st)),
        Err(e) if nowhere(e) => Ok(Entry::Gone),
        Err(Errno::ACCESS) => Ok(Entry::Unreadable(err(Errno::ACCESS))),
        Err(e) => Err(err(e)),
      }
    }
    Place::Rooted(root, key) => (root, key),
  };
  if file_type != FileType::Symlink {
    let st = match rfs::statat(dir, name, AtFlags::SYMLINK_NOFOLLOW) {
      Ok(st) => st,
      Err(Errno::NOENT) => return Ok(Entry::Gone),
      Err(e) => return Err(err(e)),
    };
    if FileType::from_raw_mode(st.st_mode) != FileType::Symlink {
      return Ok(Entry::Stat(st));
    }
  }
  // A link: followed from the root, never from `dir`.
  match stat(root, &join(&join(key, below), &name.to_string_lossy())) {
    Ok(st) => Ok(Entry::Stat(st)),
    Err(e) if leads_nowhere(&e) => Ok(Entry::Gone),
    Err(e) if kind_of_io(&e) == ErrorKind::PermissionDenied => Ok(Entry::Unreadable(e)),
    Err(e) => Err(e),
  }
}
