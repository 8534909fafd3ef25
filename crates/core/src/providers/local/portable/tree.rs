//! Iterative walks of a directory tree from `cap-std` handles, for the portable LOCAL's recursive
//! deletes, listings, `deleteOldFiles` and the temp-file sweep.
//!
//! A walk is a loop, never a recursion, so no tree is deep enough to exhaust the thread's stack.
//! A directory's entries are read in full when it is entered; the walk holds at most
//! [`HELD_DIRS`] directory handles: going deeper closes the shallowest one held, and on the way
//! back up it is reopened as the parent of its child (on Unix checked to be the same directory,
//! by device and inode, so a directory moved away mid-walk stops the walk). Sub-directories are
//! entered with `open_dir_nofollow`, so a walk never descends through a symbolic link.

use std::collections::VecDeque;
use std::ffi::{OsStr, OsString};
use std::io;

use cap_fs_ext::DirExt;
use cap_std::ambient_authority;
use cap_std::fs::Dir;

/// Directories a walk holds open at once. Deeper levels are closed and reopened on the way back.
const HELD_DIRS: usize = 32;

/// What an entry is, as its directory says (links not followed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
  Dir,
  Link,
  Other,
}

struct Level {
  /// `None` while closed (a deeper level is being walked).
  dir: Option<Dir>,
  /// Device and inode, to check a reopened directory (Unix).
  id: Option<(u64, u64)>,
  /// Its name in the parent level (empty for the start).
  name: OsString,
  /// Entries not yet given out.
  queue: VecDeque<(OsString, Kind)>,
}

/// What a walk meets next.
#[derive(Debug)]
pub enum Step {
  /// An entry of the current directory.
  Entry(OsString, Kind),
  /// Every entry of the directory `name` was given: the walk is back in its parent, the current
  /// directory again, where `name` can now be removed.
  Left(OsString),
  /// The start directory is done.
  Done,
}

/// A depth-first walk; the caller decides, entry by entry, whether to [`Tree::enter`] one.
pub struct Tree {
  levels: Vec<Level>,
  /// Levels with an open handle: always the deepest ones.
  held: usize,
}

#[cfg(unix)]
fn identity(dir: &Dir) -> io::Result<Option<(u64, u64)>> {
  let st = rustix::fs::fstat(dir)?;
  Ok(Some((st.st_dev as u64, st.st_ino as u64)))
}

#[cfg(not(unix))]
fn identity(_: &Dir) -> io::Result<Option<(u64, u64)>> {
  Ok(None)
}

fn level(dir: Dir, name: OsString) -> io::Result<Level> {
  let mut queue = VecDeque::new();
  for entry in dir.entries()? {
    let entry = entry?;
    let kind = match entry.file_type() {
      Ok(t) if t.is_symlink() => Kind::Link,
      Ok(t) if t.is_dir() => Kind::Dir,
      Ok(_) => Kind::Other,
      Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
      Err(e) => return Err(e),
    };
    queue.push_back((entry.file_name(), kind));
  }
  Ok(Level {
    id: identity(&dir)?,
    dir: Some(dir),
    name,
    queue,
  })
}

impl Tree {
  pub fn new(dir: Dir) -> io::Result<Tree> {
    Ok(Tree {
      levels: vec![level(dir, OsString::new())?],
      held: 1,
    })
  }

  /// Levels below the start (0 at the start).
  pub fn depth(&self) -> usize {
    self.levels.len() - 1
  }

  /// The current directory.
  pub fn dir(&self) -> &Dir {
    let level = self.levels.last().expect("the start level stays");
    level.dir.as_ref().expect("the current level is held")
  }

  /// The current directory's path below the start, `/`-joined (lossy for names that are not
  /// UTF-8: walks that hand out paths skip such names).
  pub fn path(&self) -> String {
    let names: Vec<_> = self.levels[1..]
      .iter()
      .map(|l| l.name.to_string_lossy())
      .collect();
    names.join("/")
  }

  pub fn next(&mut self) -> io::Result<Step> {
    let level = self.levels.last_mut().expect("the start level stays");
    if let Some((name, kind)) = level.queue.pop_front() {
      return Ok(Step::Entry(name, kind));
    }
    if self.levels.len() == 1 {
      return Ok(Step::Done);
    }
    let done = self.levels.pop().expect("more than one level");
    self.held -= 1;
    let parent = self.levels.last_mut().expect("the start level stays");
    if parent.dir.is_none() {
      let child = done.dir.as_ref().expect("the current level is held");
      let dir = child.open_parent_dir(ambient_authority())?;
      if identity(&dir)? != parent.id {
        return Err(io::Error::other(
          "a directory was moved elsewhere during the walk",
        ));
      }
      parent.dir = Some(dir);
      self.held += 1;
    }
    Ok(Step::Left(done.name))
  }

  /// Enters `name` of the current directory when it is a real directory (never a link); false
  /// when it is not one, or is gone.
  pub fn enter(&mut self, name: &OsStr) -> io::Result<bool> {
    let dir = match self.dir().open_dir_nofollow(name) {
      Ok(dir) => dir,
      Err(e)
        if matches!(
          e.kind(),
          io::ErrorKind::NotFound | io::ErrorKind::NotADirectory
        ) || super::is_loop(&e) =>
      {
        return Ok(false)
      }
      Err(e) => return Err(e),
    };
    self.levels.push(level(dir, name.to_owned())?);
    self.held += 1;
    if self.held > HELD_DIRS {
      let shallowest = self.levels.len() - self.held;
      self.levels[shallowest].dir = None;
      self.held -= 1;
    }
    Ok(true)
  }
}
