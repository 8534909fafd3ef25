//! LOCAL on Linux with a root: the resolution [`super::resolve`] uses beneath it. A path is
//! resolved one name at a time from a directory fd of the root ([`Walk`]), with `*at` syscalls on
//! the directory fds held along the way. A symbolic link is read and its target walked the same
//! way: `..` steps back along the fds held (never past the root), and an absolute target must name
//! a place under the root. Nothing is resolved by path again once it was checked, so a directory
//! swapped for a link mid-operation cannot lead outside: the operation keeps working in the
//! directory it already holds, or meets the link and checks it.
//!
//! Why not `openat2(RESOLVE_BENEATH)` alone: it refuses every absolute link, also one that points
//! inside the root (which LOCAL follows), and seccomp profiles of older container runtimes block
//! it. The walk below gives the same guarantee with `openat(O_NOFOLLOW)` on every Unix kernel.

use std::ffi::{OsStr, OsString};
use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use rustix::fs::{self as rfs, FileType, Mode, OFlags, CWD};
use rustix::io::Errno;

/// Most links one path may pass through (the kernel's MAXSYMLINKS).
const MAX_LINKS: u32 = 40;

/// The storage root, held open for the provider's lifetime.
#[derive(Debug)]
pub struct Root {
  fd: OwnedFd,
  /// Canonical: absolute link targets are compared with it.
  path: PathBuf,
}

impl Root {
  pub fn path(&self) -> &Path {
    &self.path
  }

  pub fn open(path: PathBuf) -> io::Result<Root> {
    let fd = rfs::openat(
      CWD,
      &path,
      OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC,
      Mode::empty(),
    )?;
    Ok(Root { fd, path })
  }
}

pub(super) fn outside() -> io::Error {
  io::Error::new(
    io::ErrorKind::PermissionDenied,
    "path leads outside the storage root",
  )
}

pub(super) fn err(e: Errno) -> io::Error {
  io::Error::from_raw_os_error(e.raw_os_error())
}

/// Following a link failed because it leads nowhere: dangling, a loop, through a file, or to a
/// name too long to be one. Every listing and `deleteOldFiles` leaves such a link out, instead
/// of failing as a whole.
pub(crate) fn nowhere(e: Errno) -> bool {
  matches!(
    e,
    Errno::NOENT | Errno::NOTDIR | Errno::LOOP | Errno::NAMETOOLONG
  )
}

/// [`nowhere`] for an `io::Error`.
pub(crate) fn leads_nowhere(e: &io::Error) -> bool {
  e.raw_os_error()
    .is_some_and(|n| nowhere(Errno::from_raw_os_error(n)))
}

/// A resolution in progress: the directories entered so far and the names still to resolve.
pub(super) struct Walk<'r> {
  root: &'r Root,
  /// Directories below the root, innermost last; empty means the root itself.
  held: Vec<OwnedFd>,
  /// Names still to resolve, the next one last.
  pending: Vec<OsString>,
  links: u32,
}

impl<'r> Walk<'r> {
  /// `key` is a normalized key relative to the root (see `StoragePath`).
  pub(super) fn new(root: &'r Root, key: &str) -> Self {
    let pending = key
      .split('/')
      .filter(|s| !s.is_empty())
      .rev()
      .map(OsString::from)
      .collect();
    Walk {
      root,
      held: Vec::new(),
      pending,
      links: 0,
    }
  }

  fn dir(&self) -> BorrowedFd<'_> {
    self
      .held
      .last()
      .map_or(self.root.fd.as_fd(), |fd| fd.as_fd())
  }

  /// Enters every directory but the last name; returns that name, or `None` when the path ends
  /// at the directory now held. With `create`, missing directories on the way are made.
  fn walk_to_last(&mut self, create: bool) -> io::Result<Option<OsString>> {
    while let Some(name) = self.pending.pop() {
      match name.as_bytes() {
        b"." => {}
        b".." => {
          self.held.pop().ok_or_else(outside)?;
        }
        _ if self.pending.is_empty() => return Ok(Some(name)),
        _ => self.enter(&name, create)?,
      }
    }
    Ok(None)
  }

  fn enter(&mut self, name: &OsStr, create: bool) -> io::Result<()> {
    // A directory made and removed again by someone else, over and over, ends as ENOENT.
    for _ in 0..8 {
      let flags = OFlags::PATH | OFlags::NOFOLLOW | OFlags::CLOEXEC;
      match rfs::openat(self.dir(), name, flags, Mode::empty()) {
        Ok(fd) => {
          let st = rfs::fstat(&fd)?;
          return match FileType::from_raw_mode(st.st_mode) {
            FileType::Directory => {
              self.held.push(fd);
              Ok(())
            }
            FileType::Symlink => {
              let target = rfs::readlinkat(&fd, "", Vec::new())?;
              self.follow(target.as_bytes())
            }
            _ => Err(err(Errno::NOTDIR)),
          };
        }
        Err(Errno::NOENT) if create => {
          match rfs::mkdirat(self.dir(), name, Mode::from_raw_mode(0o777)) {
            Ok(()) | Err(Errno::EXIST) => continue,
            Err(e) => return Err(err(e)),
          }
        }
        Err(e) => return Err(err(e)),
      }
    }
    Err(err(Errno::NOENT))
  }

  /// Queues a link's target in place of the link.
  fn follow(&mut self, target: &[u8]) -> io::Result<()> {
    self.links += 1;
    if self.links > MAX_LINKS {
      return Err(err(Errno::LOOP));
    }
    let rest = if target.starts_with(b"/") {
      let rest = Path::new(OsStr::from_bytes(target))
        .strip_prefix(&self.root.path)
        .map_err(|_| outside())?;
      self.held.clear();
      rest.as_os_str().as_bytes()
    } else {
      target
    };
    if target.ends_with(b"/") {
      self.pending.push(OsString::from(".")); // `dir/` must be a directory
    }
    for part in rest.split(|&b| b == b'/').rev().filter(|p| !p.is_empty()) {
      self.pending.push(OsStr::from_bytes(part).to_owned());
    }
    Ok(())
  }

  /// Walks to the last name and runs `op` on (the directory holding it, the name); `None` names
  /// the held directory itself. With `follow`, a link in the last place is followed first. `op`
  /// never follows a link itself: it reports one with ELOOP, which sends the walk round again
  /// (a link swapped in meanwhile is then checked like any other).
  pub(super) fn at_last<T>(
    &mut self,
    create: bool,
    follow: bool,
    mut op: impl FnMut(BorrowedFd<'_>, Option<&OsStr>) -> io::Result<T>,
  ) -> io::Result<T> {
    loop {
      let Some(name) = self.walk_to_last(create)? else {
        return op(self.dir(), None);
      };
      if follow {
        match rfs::readlinkat(self.dir(), &name, Vec::new()) {
          Ok(target) => {
            self.follow(target.as_bytes())?;
            continue;
          }
          Err(Errno::INVAL) | Err(Errno::NOENT) => {}
          Err(e) => return Err(err(e)),
        }
      }
      match op(self.dir(), Some(&name)) {
        Err(e)
          if follow
            && e.raw_os_error() == Some(Errno::LOOP.raw_os_error())
            && self.links < MAX_LINKS =>
        {
          self.links += 1;
          self.pending.push(name);
        }
        other => return other,
      }
    }
  }
}
