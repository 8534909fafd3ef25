//! Iterative walks of a directory tree from directory handles, for every LOCAL walk: recursive
//! deletes, recursive listings, `deleteOldFiles`, `cleanupTempFiles` and `transfer`'s source.
//!
//! A walk is a loop, never a recursion, so no tree is deep enough to exhaust the thread's stack.
//! It holds at most [`HELD_DIRS`] directories open: when it goes deeper, the shallowest one held
//! has the rest of its entries read into memory and is closed; on the way back up it is reopened
//! as `..` of its child and checked to be the same directory (device and inode), so a directory
//! moved away mid-walk stops the walk instead of leading it somewhere else. Each level keeps its
//! name, identity and unread entries: memory grows with the depth, not with an open file per level.
//!
//! Every sub-directory is opened with `O_NOFOLLOW | O_DIRECTORY` relative to its parent's handle,
//! so a walk never descends through a symbolic link, not even one swapped in for a directory
//! between reading the entry and opening it: acting on the entries (unlink, stat) always happens
//! relative to the handle of the directory that holds them.

use std::collections::VecDeque;
use std::ffi::{OsStr, OsString};
use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;

use rustix::fs::{self as rfs, FileType, Mode, OFlags};
use rustix::io::Errno;

use super::dirents;

/// Directories a walk holds open at once. Deeper levels are closed and reopened on the way back.
pub const HELD_DIRS: usize = 32;

/// Bytes of entries one `getdents64` of a walk reads.
const READ_BUFFER: usize = 32 * 1024;

/// One directory on the way from the walk's start to where it is now.
struct Level {
  /// `None` while closed (a deeper level is being walked).
  fd: Option<OwnedFd>,
  dev: u64,
  ino: u64,
  /// Its name in the parent level (empty for the start).
  name: OsString,
  /// Entries read but not yet given out.
  queue: VecDeque<(OsString, FileType)>,
  /// Every entry has been read into `queue`.
  read_all: bool,
}

/// What a walk meets next.
#[derive(Debug)]
pub enum Step {
  /// An entry of the current directory (`.` and `..` never come).
  Entry(OsString, FileType),
  /// Every entry of the directory `name` was given: the walk is back in its parent, the current
  /// directory again, where `name` can now be removed.
  Left(OsString),
  /// The start directory is done.
  Done,
}

/// A depth-first walk from a directory handle. The caller decides, entry by entry, whether to
/// [`Tree::enter`] a sub-directory; entries come in the order the filesystem gives them.
pub struct Tree {
  levels: Vec<Level>,
  /// Levels with an open fd: always the deepest ones.
  held: usize,
  buffer: Vec<u8>,
}

fn err(e: Errno) -> io::Error {
  io::Error::from_raw_os_error(e.raw_os_error())
}

fn read_dir_flags() -> OFlags {
  OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC
}

impl Tree {
  /// Starts at `dir` (any directory fd, `O_PATH` too: it is reopened for reading).
  pub fn new(dir: BorrowedFd<'_>) -> io::Result<Tree> {
    let fd = rfs::openat(dir, ".", read_dir_flags(), Mode::empty()).map_err(err)?;
    let st = rfs::fstat(&fd).map_err(err)?;
    Ok(Tree {
      levels: vec![Level {
        fd: Some(fd),
        dev: st.st_dev as u64,
        ino: st.st_ino as u64,
        name: OsString::new(),
        queue: VecDeque::new(),
        read_all: false,
      }],
      held: 1,
      buffer: Vec::with_capacity(READ_BUFFER),
    })
  }

  /// Levels below the start (0 at the start).
  pub fn depth(&self) -> usize {
    self.levels.len() - 1
  }

  /// The current directory.
  pub fn dir(&self) -> BorrowedFd<'_> {
    let level = self.levels.last().expect("the start level stays");
    level
      .fd
      .as_ref()
      .expect("the current level is held")
      .as_fd()
  }

  /// The names from the start down to the current directory (none at the start).
  pub fn names(&self) -> impl Iterator<Item = &OsStr> {
    self.levels[1..].iter().map(|l| l.name.as_os_str())
  }

  /// The current directory's path below the start, `/`-joined (lossy for names that are not
  /// UTF-8: for messages; walks that hand out paths skip such names).
  pub fn path(&self) -> String {
    let mut path = String::new();
    for name in self.names() {
      if !path.is_empty() {
        path.push('/');
      }
      path.push_str(&name.to_string_lossy());
    }
    path
  }

  /// The next entry of the current directory, or the end of it.
  pub fn next(&mut self) -> io::Result<Step> {
    loop {
      let level = self.levels.last_mut().expect("the start level stays");
      if let Some((name, file_type)) = level.queue.pop_front() {
        return Ok(Step::Entry(name, file_type));
      }
      if !level.read_all {
        read_more(level, &mut self.buffer)?;
        continue;
      }
      if self.levels.len() == 1 {
        return Ok(Step::Done);
      }
      let done = self.levels.pop().expect("more than one level");
      self.held -= 1;
      let parent = self.levels.last_mut().expect("the start level stays");
      if parent.fd.is_none() {
        let child = done.fd.as_ref().expect("the current level is held");
        parent.fd = Some(reopen_parent(child, parent.dev, parent.ino)?);
        self.held += 1;
      }
      return Ok(Step::Left(done.name));
    }
  }

  /// Enters `name` of the current directory when it is a real directory (never a link); false
  /// when it is not one, or is gone.
  pub fn enter(&mut self, name: &OsStr) -> io::Result<bool> {
    let fd = match rfs::openat(self.dir(), name, read_dir_flags(), Mode::empty()) {
      Ok(fd) => fd,
      Err(Errno::NOTDIR | Errno::LOOP | Errno::NOENT) => return Ok(false),
      Err(e) => return Err(err(e)),
    };
    let st = rfs::fstat(&fd).map_err(err)?;
    self.levels.push(Level {
      fd: Some(fd),
      dev: st.st_dev as u64,
      ino: st.st_ino as u64,
      name: name.to_owned(),
      queue: VecDeque::new(),
      read_all: false,
    });
    self.held += 1;
    if self.held > HELD_DIRS {
      let shallowest = self.levels.len() - self.held;
      let level = &mut self.levels[shallowest];
      while !level.read_all {
        read_more(level, &mut self.buffer)?;
      }
      level.fd = None;
      self.held -= 1;
    }
    Ok(true)
  }
}

/// One `getdents64` of `level` into its queue.
fn read_more(level: &mut Level, buffer: &mut Vec<u8>) -> io::Result<()> {
  let fd = level.fd.as_ref().expect("a level being read is held");
  if dirents::getdents(fd.as_fd(), buffer)? == 0 {
    level.read_all = true;
    return Ok(());
  }
  for (name, file_type) in dirents::records(buffer) {
    if name != b"." && name != b".." {
      let name = OsStr::from_bytes(name).to_owned();
      level.queue.push_back((name, file_type));
    }
  }
  Ok(())
}

/// `..` of `child`, which must be the directory (`dev`, `ino`) the walk came down from.
fn reopen_parent(child: &OwnedFd, dev: u64, ino: u64) -> io::Result<OwnedFd> {
  let fd = rfs::openat(child, "..", read_dir_flags(), Mode::empty()).map_err(err)?;
  let st = rfs::fstat(&fd).map_err(err)?;
  if st.st_dev as u64 != dev || st.st_ino as u64 != ino {
    return Err(io::Error::other(
      "a directory was moved elsewhere during the walk",
    ));
  }
  Ok(fd)
}

#[cfg(test)]
pub(crate) mod tests {
  use std::ffi::CString;
  use std::fs;
  use std::path::{Path, PathBuf};

  use super::*;

  /// Somewhere quick for deep trees: tmpfs when there is one.
  pub(crate) fn scratch() -> tempfile::TempDir {
    match Path::new("/dev/shm").is_dir() {
      true => tempfile::tempdir_in("/dev/shm").unwrap(),
      false => tempfile::tempdir().unwrap(),
    }
  }

  /// Makes `depth` nested directories `d` under `base` with `mkdirat` from a held fd (no path
  /// grows with the depth), calling `at(level, dir_fd)` in each; returns the top one's path.
  pub(crate) fn deep_tree(
    base: &Path,
    depth: usize,
    mut at: impl FnMut(usize, BorrowedFd<'_>),
  ) -> PathBuf {
    let top = base.join("d");
    fs::create_dir(&top).unwrap();
    let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC;
    let mut fd = rfs::openat(rfs::CWD, &top, flags, Mode::empty()).unwrap();
    for level in 0..depth {
      at(level, fd.as_fd());
      if level + 1 < depth {
        let name = CString::new("d").unwrap();
        rfs::mkdirat(&fd, name.as_c_str(), Mode::from_raw_mode(0o755)).unwrap();
        fd = rfs::openat(&fd, "d", flags, Mode::empty()).unwrap();
      }
    }
    top
  }

  #[test]
  fn a_walk_far_deeper_than_the_held_directories_sees_every_entry_once() {
    let base = scratch();
    let depth = HELD_DIRS * 5 + 3;
    let top = deep_tree(base.path(), depth, |level, fd| {
      for name in ["a", "b"] {
        let f = rfs::openat(
          fd,
          format!("{name}{level}").as_str(),
          OFlags::CREATE | OFlags::WRONLY | OFlags::CLOEXEC,
          Mode::from_raw_mode(0o644),
        );
        f.unwrap();
      }
    });
    let start = fs::File::open(&top).unwrap();
    let mut tree = Tree::new(start.as_fd()).unwrap();
    let (mut files, mut left, mut deepest) = (Vec::new(), 0, 0);
    loop {
      match tree.next().unwrap() {
        Step::Done => break,
        Step::Left(_) => left += 1,
        Step::Entry(name, _) if name == "d" => assert!(tree.enter(&name).unwrap()),
        Step::Entry(name, _) => {
          assert_eq!(
            name.to_str().unwrap()[1..].parse::<usize>().unwrap(),
            tree.depth()
          );
          files.push(name);
        }
      }
      deepest = deepest.max(tree.depth());
    }
    assert_eq!(
      (files.len(), left, deepest),
      (depth * 2, depth - 1, depth - 1)
    );
  }

  #[test]
  fn a_directory_moved_away_mid_walk_stops_the_walk() {
    let base = scratch();
    let top = deep_tree(base.path(), HELD_DIRS + 4, |_, _| {});
    let start = fs::File::open(&top).unwrap();
    let mut tree = Tree::new(start.as_fd()).unwrap();
    while tree.depth() < HELD_DIRS + 3 {
      match tree.next().unwrap() {
        Step::Entry(name, _) => assert!(tree.enter(&name).unwrap()),
        other => panic!("{other:?}"),
      }
    }
    // Level 2 goes elsewhere: on the way back, its `..` is no longer level 1.
    fs::rename(top.join("d/d"), base.path().join("moved")).unwrap();
    let outcome = loop {
      match tree.next() {
        Ok(Step::Done) => break Ok(()),
        Ok(_) => {}
        Err(e) => break Err(e),
      }
    };
    assert!(outcome.unwrap_err().to_string().contains("moved"));
  }
}
