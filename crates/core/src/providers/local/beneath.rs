//! LOCAL with a root: every path is resolved one name at a time from a directory fd of the root,
//! with `*at` syscalls on the directory fds held along the way. A symbolic link is read and its
//! target walked the same way: `..` steps back along the fds held (never past the root), and an
//! absolute target must name a place under the root. Nothing is resolved by path again once it
//! was checked, so a directory swapped for a link mid-operation cannot lead outside: the
//! operation keeps working in the directory it already holds, or meets the link and checks it.
//!
//! Why not `openat2(RESOLVE_BENEATH)` alone: it refuses every absolute link, also one that points
//! inside the root (which LOCAL follows), and seccomp profiles of older container runtimes block
//! it. The walk below gives the same guarantee with `openat(O_NOFOLLOW)` on every Unix kernel.

use std::ffi::{OsStr, OsString};
use std::fs::File;
use std::io::{self, Read};
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use rustix::fs::{self as rfs, AtFlags, FileType, Mode, OFlags, Stat, CWD};
use rustix::io::Errno;

use super::dirents;
use super::tree::{Step, Tree};
use super::{is_temp, name_string, system_time, utf8_name, Check};
use crate::error::{kind_of_io, ErrorKind};
use crate::names::NameBuf;
use crate::provider::{DirEntry, FileStats, ListDetail};

mod entries;
mod sweep;
pub use entries::*;
pub use sweep::{delete_old, delete_old_at};

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

pub fn outside() -> io::Error {
  io::Error::new(
    io::ErrorKind::PermissionDenied,
    "path leads outside the storage root",
  )
}

fn err(e: Errno) -> io::Error {
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
struct Walk<'r> {
  root: &'r Root,
  /// Directories below the root, innermost last; empty means the root itself.
  held: Vec<OwnedFd>,
  /// Names still to resolve, the next one last.
  pending: Vec<OsString>,
  links: u32,
}

impl<'r> Walk<'r> {
  /// `key` is a normalized key relative to the root (see `StoragePath`).
  fn new(root: &'r Root, key: &str) -> Self {
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
  fn at_last<T>(
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

/// `stat` of `name` in `dir` (or of `dir`), refusing to follow a link (ELOOP).
fn stat_at(dir: BorrowedFd<'_>, name: Option<&OsStr>) -> io::Result<Stat> {
  let st = match name {
    None => rfs::fstat(dir)?,
    Some(name) => rfs::statat(dir, name, AtFlags::SYMLINK_NOFOLLOW)?,
  };
  if FileType::from_raw_mode(st.st_mode) == FileType::Symlink {
    return Err(err(Errno::LOOP));
  }
  Ok(st)
}

/// Opens `name` in `dir` (or `dir` itself) for reading its entries, never through a link.
fn open_dir(dir: BorrowedFd<'_>, name: Option<&OsStr>) -> io::Result<OwnedFd> {
  let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
  Ok(rfs::openat(
    dir,
    name.unwrap_or(OsStr::new(".")),
    flags,
    Mode::empty(),
  )?)
}

/// The entries of `dir` (without `.` and `..`), in the order the filesystem gives them.
pub(super) fn entries(dir: OwnedFd) -> io::Result<Vec<(OsString, FileType)>> {
  dirents::read(dir.as_fd(), Vec::new(), |out, records| {
    let found = dirents::records(records).filter(|(name, _)| *name != b"." && *name != b"..");
    out.extend(found.map(|(name, file_type)| (OsString::from_vec(name.to_vec()), file_type)));
    Ok(())
  })
}

/// The names in `dir` as a listing shows them (no temp files; a link or an entry of unknown
/// type only when `keep` says so), straight from `getdents64` into one [`NameBuf`]; a large
/// directory's names are taken on a thread of their own while it is read on ([`dirents::read`]).
pub(super) fn names(
  dir: &OwnedFd,
  keep: &(dyn Fn(&OsStr, FileType) -> io::Result<bool> + Sync),
  names: NameBuf,
) -> io::Result<NameBuf> {
  dirents::read(dir.as_fd(), names, |names, records| {
    for (bytes, file_type) in dirents::records(records) {
      if bytes == b"." || bytes == b".." {
        continue;
      }
      if is_temp(bytes) {
        continue;
      }
      let Some(name) = utf8_name(bytes) else {
        continue;
      };
      if matches!(file_type, FileType::Symlink | FileType::Unknown)
        && !keep(OsStr::from_bytes(bytes), file_type)?
      {
        continue;
      }
      names.push(name);
    }
    Ok(())
  })
}

/// [`names`] of the directory `key` names, beneath the root; links are followed from the root
/// like [`list`] does (one that leads outside is listed, a dangling one is not).
pub fn list_names(root: &Root, key: &str, into: NameBuf) -> io::Result<NameBuf> {
  // Only the opening follows links; the names are read once (they may be on their way as
  // pieces already), never again after a failure.
  let fd = Walk::new(root, key).at_last(false, true, open_dir)?;
  names(
    &fd,
    &|name, file_type| {
      match see(fd.as_fd(), name, file_type, ListDetail::Names)? {
        Seen::Gone => return Ok(false),
        Seen::Kind(_) | Seen::Stat(_) => return Ok(true),
        Seen::Link => {}
      }
      match follow_link(root, key, &name.to_string_lossy()) {
        Ok(found) => Ok(found.is_some()),
        Err(e) if kind_of_io(&e) == ErrorKind::PermissionDenied => Ok(true),
        Err(e) => Err(e),
      }
    },
    into,
  )
}

/// The link `name` in the directory `key`, followed like `fs.stat` does, beneath the root: what
/// it leads to, or `None` when it leads nowhere ([`nowhere`]), which a
/// listing leaves out. One that leads outside the root, or where this process cannot look, is
/// `PermissionDenied`, which a listing shows as a file nobody can read.
fn follow_link(root: &Root, key: &str, name: &str) -> io::Result<Option<Stat>> {
  let child = match key.is_empty() {
    true => name.to_string(),
    false => format!("{key}/{name}"),
  };
  match stat(root, &child) {
    Ok(st) => Ok(Some(st)),
    Err(e) if leads_nowhere(&e) => Ok(None),
    Err(e) => Err(e),
  }
}

#[allow(clippy::unnecessary_cast)] // the field types differ between targets
pub fn stats_of(st: &Stat) -> FileStats {
  FileStats {
    size: st.st_size as u64,
    mtime: system_time(st.st_mtime as i64, st.st_mtime_nsec as i64),
    ctime: system_time(st.st_ctime as i64, st.st_ctime_nsec as i64),
  }
}

fn is_dir(st: &Stat) -> bool {
  FileType::from_raw_mode(st.st_mode) == FileType::Directory
}

fn missing_is_ok(result: rustix::io::Result<()>) -> io::Result<()> {
  match result {
    Ok(()) | Err(Errno::NOENT) => Ok(()),
    Err(e) => Err(err(e)),
  }
}

pub fn ensure_dir(root: &Root, key: &str) -> io::Result<()> {
  Walk::new(root, key).at_last(true, true, |dir, name| {
    let Some(name) = name else { return Ok(()) };
    match rfs::mkdirat(dir, name, Mode::from_raw_mode(0o777)) {
      Ok(()) => Ok(()),
      Err(Errno::EXIST) if is_dir(&stat_at(dir, Some(name))?) => Ok(()),
      Err(e) => Err(err(e)),
    }
  })
}

/// The stat of what `key` names, following links beneath the root.
pub fn stat(root: &Root, key: &str) -> io::Result<Stat> {
  Walk::new(root, key).at_last(false, true, stat_at)
}

/// Like `stat`, but only leaving the root is an error: anything else is "nothing there".
pub fn probe(root: &Root, key: &str) -> io::Result<Option<Stat>> {
  match stat(root, key) {
    Ok(st) => Ok(Some(st)),
    Err(e) if kind_of_io(&e) == ErrorKind::PermissionDenied => Err(e),
    Err(_) => Ok(None),
  }
}

pub fn is_directory(st: &Stat) -> bool {
  is_dir(st)
}

pub fn is_file(st: &Stat) -> bool {
  FileType::from_raw_mode(st.st_mode) == FileType::RegularFile
}

pub fn read(root: &Root, key: &str) -> io::Result<Vec<u8>> {
  Walk::new(root, key).at_last(false, true, |dir, name| {
    let name = name.ok_or_else(|| err(Errno::ISDIR))?;
    let fd = rfs::openat(
      dir,
      name,
      OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
      Mode::empty(),
    )?;
    let mut data = Vec::new();
    File::from(fd).read_to_end(&mut data)?;
    Ok(data)
  })
}

pub fn remove_file(root: &Root, key: &str) -> io::Result<()> {
  Walk::new(root, key).at_last(false, false, |dir, name| {
    let name = name.ok_or_else(|| err(Errno::ISDIR))?;
    refuse_outside_link(root, key, dir, name)?;
    Ok(rfs::unlinkat(dir, name, AtFlags::empty())?)
  })
}

/// Deleting removes a link itself, never its target; still, a link that leads outside the root
/// is refused like every other use of it (README: such links are EACCES).
fn refuse_outside_link(
  root: &Root,
  key: &str,
  dir: BorrowedFd<'_>,
  name: &OsStr,
) -> io::Result<()> {
  if rfs::readlinkat(dir, name, Vec::new()).is_ok() {
    if let Err(e) = stat(root, key) {
      if kind_of_io(&e) == ErrorKind::PermissionDenied {
        return Err(e);
      }
    }
  }
  Ok(())
}

/// Removes the directory `key` names (not a link to one: that is ENOTDIR), with `recursive` its tree.
#[cfg(test)]
pub fn remove_dir(root: &Root, key: &str, recursive: bool) -> io::Result<()> {
  remove_dir_checked(root, key, recursive, &|| Ok(()))
}

/// `remove_dir` that calls `check` before each entry of a tree and stops when it fails.
pub fn remove_dir_checked(root: &Root, key: &str, recursive: bool, check: Check) -> io::Result<()> {
  Walk::new(root, key).at_last(false, false, |dir, name| {
    let name = name.ok_or_else(outside)?; // the root itself: the facade refuses it first
    refuse_outside_link(root, key, dir, name)?;
    let fd = match open_dir(dir, Some(name)) {
      Ok(fd) => fd,
      Err(e) if e.raw_os_error() == Some(Errno::LOOP.raw_os_error()) => {
        return Err(err(Errno::NOTDIR))
      }
      Err(e) => return Err(e),
    };
    if recursive {
      empty_tree(fd, check)?;
    }
    Ok(rfs::unlinkat(dir, name, AtFlags::REMOVEDIR)?)
  })
}

/// Deletes everything in `dir`, descending only into real directories, never through links:
/// an iterative walk from directory handles ([`Tree`]), so no depth exhausts the stack or the
/// open files, and every name (UTF-8 or not) is removed relative to the handle that holds it.
fn empty_tree(dir: OwnedFd, check: Check) -> io::Result<()> {
  let mut tree = Tree::new(dir.as_fd())?;
  drop(dir);
  loop {
    match tree.next()? {
      Step::Done => return Ok(()),
      Step::Left(name) => missing_is_ok(rfs::unlinkat(tree.dir(), &name, AtFlags::REMOVEDIR))?,
      Step::Entry(name, file_type) => {
        check()?;
        let may_be_dir = matches!(file_type, FileType::Directory | FileType::Unknown);
        if !(may_be_dir && tree.enter(&name)?) {
          missing_is_ok(rfs::unlinkat(tree.dir(), &name, AtFlags::empty()))?;
        }
      }
    }
  }
}

/// What a listing learned about one entry in its directory.
enum Seen {
  /// A directory or not, known from the entry's type; no times asked for.
  Kind(bool),
  Stat(Stat),
  /// A symbolic link: resolved afterwards, from the root.
  Link,
  /// Removed meanwhile.
  Gone,
}

pub fn list(root: &Root, key: &str, detail: ListDetail) -> io::Result<Vec<DirEntry>> {
  let found = Walk::new(root, key).at_last(false, true, |dir, name| {
    let fd = open_dir(dir, name)?;
    let mut out = Vec::new();
    for (name, file_type) in entries(fd.try_clone()?)? {
      if is_temp(name.as_bytes()) || utf8_name(name.as_bytes()).is_none() {
        continue;
      }
      let seen = see(fd.as_fd(), &name, file_type, detail)?;
      out.push((name_string(name), seen));
    }
    Ok(out)
  })?;
  let mut listed = Vec::with_capacity(found.len());
  for (name, seen) in found {
    let st = match seen {
      Seen::Kind(is_dir) => {
        listed.push(DirEntry {
          name,
          is_dir,
          mtime: None,
        });
        continue;
      }
      Seen::Gone => continue,
      Seen::Stat(st) => st,
      Seen::Link => match follow_link(root, key, &name) {
        Ok(Some(st)) => st,
        Ok(None) => continue,
        Err(e) if kind_of_io(&e) == ErrorKind::PermissionDenied => {
          listed.push(DirEntry {
            name,
            is_dir: false,
            mtime: None,
          });
          continue;
        }
        Err(e) => return Err(e),
      },
    };
    let mtime = (detail == ListDetail::ModificationTimes).then(|| stats_of(&st).mtime);
    listed.push(DirEntry {
      name,
      is_dir: is_dir(&st),
      mtime,
    });
  }
  Ok(listed)
}

fn see(
  dir: BorrowedFd<'_>,
  name: &OsStr,
  file_type: FileType,
  detail: ListDetail,
) -> io::Result<Seen> {
  match file_type {
    FileType::Symlink => return Ok(Seen::Link),
    FileType::Unknown => {}
    _ if detail == ListDetail::Names => return Ok(Seen::Kind(file_type == FileType::Directory)),
    _ => {}
  }
  match rfs::statat(dir, name, AtFlags::SYMLINK_NOFOLLOW) {
    Ok(st) if FileType::from_raw_mode(st.st_mode) == FileType::Symlink => Ok(Seen::Link),
    Ok(st) => Ok(Seen::Stat(st)),
    Err(Errno::NOENT) => Ok(Seen::Gone),
    Err(e) => Err(err(e)),
  }
}

/// Removes Stowage's temp files ([`super::TEMP_PREFIX`]) last modified before `cutoff` in `dir`
/// and every real directory below it (links are not followed), walking iteratively from
/// directory handles ([`Tree`]); returns how many.
pub fn sweep_temps(dir: BorrowedFd<'_>, cutoff: SystemTime) -> io::Result<u32> {
  let mut tree = Tree::new(dir)?;
  let mut removed = 0;
  loop {
    let (name, file_type) = match tree.next()? {
      Step::Done => return Ok(removed),
      Step::Left(_) => continue,
      Step::Entry(name, file_type) => (name, file_type),
    };
    let may_be_dir = matches!(file_type, FileType::Directory | FileType::Unknown);
    if (may_be_dir && tree.enter(&name)?) || !is_temp(name.as_bytes()) {
      continue;
    }
    match rfs::statat(tree.dir(), &name, AtFlags::SYMLINK_NOFOLLOW) {
      Ok(st)
        if FileType::from_raw_mode(st.st_mode) == FileType::RegularFile
          && stats_of(&st).mtime < cutoff =>
      {
        missing_is_ok(rfs::unlinkat(tree.dir(), &name, AtFlags::empty()))?;
        removed += 1;
      }
      Ok(_) | Err(Errno::NOENT) => {}
      Err(e) => return Err(err(e)),
    }
  }
}

/// `sweep_temps` on the directory `key` names, beneath the root. A missing directory is 0.
pub fn cleanup_temps(root: &Root, key: &str, cutoff: SystemTime) -> io::Result<u32> {
  Walk::new(root, key).at_last(false, true, |dir, name| {
    let fd = open_dir(dir, name)?;
    sweep_temps(fd.as_fd(), cutoff)
  })
}

/// `sweep_temps` on an OS path (LOCAL without a root).
pub fn cleanup_temps_at(path: &Path, cutoff: SystemTime) -> io::Result<u32> {
  let fd = rfs::openat(
    CWD,
    path,
    OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC,
    Mode::empty(),
  )?;
  sweep_temps(fd.as_fd(), cutoff)
}

/// Opens the file `key` names for reading (links followed beneath the root).
pub fn open_read(root: &Root, key: &str) -> io::Result<File> {
  Walk::new(root, key).at_last(false, true, |dir, name| {
    let name = name.ok_or_else(|| err(Errno::ISDIR))?;
    let flags = OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
    Ok(File::from(rfs::openat(dir, name, flags, Mode::empty())?))
  })
}

/// The directory that is to hold `key` (created with its parents) and the name in it: where a
/// write stream keeps its temp file and renames it when it finishes.
pub fn parent_of(root: &Root, key: &str) -> io::Result<(OwnedFd, OsString)> {
  Walk::new(root, key).at_last(true, true, |dir, name| {
    let name = name.ok_or_else(|| err(Errno::ISDIR))?;
    Ok((dir.try_clone_to_owned()?, name.to_owned()))
  })
}

#[cfg(test)]
mod tests {
  use std::fs;
  use std::os::unix::fs::symlink;

  use super::*;

  struct Fixture {
    _dir: tempfile::TempDir,
    root: Root,
    canary: PathBuf,
  }

  fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let base = fs::canonicalize(dir.path()).unwrap();
    let canary = base.join("canary");
    fs::create_dir_all(canary.join("dir")).unwrap();
    fs::write(canary.join("secret.txt"), "secret").unwrap();
    fs::write(canary.join("dir/inner.txt"), "inner").unwrap();
    let root_path = base.join("root");
    fs::create_dir(&root_path).unwrap();
    let root = Root::open(root_path).unwrap();
    Fixture {
      _dir: dir,
      root,
      canary,
    }
  }

  /// Writes `data` at `key` where a write would publish it (links followed beneath the root).
  fn write(root: &Root, key: &str, data: &[u8], _fsync: bool) -> io::Result<()> {
    let (dir, name) = parent_of(root, key)?;
    let flags =
      OFlags::WRONLY | OFlags::CREATE | OFlags::TRUNC | OFlags::NOFOLLOW | OFlags::CLOEXEC;
    let fd = rfs::openat(&dir, &name, flags, Mode::from_raw_mode(0o666))?;
    std::io::Write::write_all(&mut File::from(fd), data)
  }

  fn code(e: io::Error) -> &'static str {
    kind_of_io(&e).code()
  }

  #[test]
  fn both_listings_leave_out_links_that_lead_nowhere_and_show_outside_ones() {
    let f = fixture();
    write(&f.root, "d/file", b"f", false).unwrap();
    let d = f.root.path().join("d");
    symlink("loop", d.join("loop")).unwrap();
    symlink("missing", d.join("dangling")).unwrap();
    symlink("file/below", d.join("through-a-file")).unwrap();
    symlink("n".repeat(300), d.join("too-long")).unwrap(); // ENAMETOOLONG when followed
    symlink("file", d.join("good")).unwrap();
    symlink(&f.canary, d.join("out")).unwrap();
    let want = ["file", "good", "out"];
    for detail in [ListDetail::Names, ListDetail::ModificationTimes] {
      let mut listed: Vec<String> = list(&f.root, "d", detail)
        .unwrap()
        .into_iter()
        .map(|e| e.name)
        .collect();
      listed.sort();
      assert_eq!(listed, want, "{detail:?}");
    }
    let names = list_names(&f.root, "d", NameBuf::default()).unwrap();
    assert_eq!(names.sorted().into_vec(), want);
  }

  #[test]
  fn links_leading_outside_are_eacces_for_every_operation() {
    let f = fixture();
    symlink(&f.canary, f.root.path().join("out")).unwrap();
    symlink("../canary/secret.txt", f.root.path().join("up")).unwrap();
    symlink("loop", f.root.path().join("loop")).unwrap();
    for key in ["out/secret.txt", "up", "out/dir/inner.txt", "loop"] {
      assert_eq!(code(read(&f.root, key).unwrap_err()), "EACCES", "{key}");
      assert_eq!(
        code(write(&f.root, key, b"x", false).unwrap_err()),
        "EACCES",
        "{key}"
      );
      assert_eq!(code(stat(&f.root, key).unwrap_err()), "EACCES", "{key}");
    }
    assert_eq!(
      code(remove_file(&f.root, "out/secret.txt").unwrap_err()),
      "EACCES"
    );
    assert_eq!(
      code(remove_dir(&f.root, "out/dir", true).unwrap_err()),
      "EACCES"
    );
    assert_eq!(code(ensure_dir(&f.root, "out/new").unwrap_err()), "EACCES");
    assert_eq!(
      code(list(&f.root, "out", ListDetail::Names).unwrap_err()),
      "EACCES"
    );
    // The links themselves are names inside the root: listed as files, removable.
    let names: Vec<_> = list(&f.root, "", ListDetail::Names)
      .unwrap()
      .into_iter()
      .map(|e| (e.name, e.is_dir))
      .collect();
    assert!(names.contains(&("out".to_string(), false)));
    assert_eq!(code(remove_file(&f.root, "out").unwrap_err()), "EACCES");
    assert_eq!(
      code(remove_dir(&f.root, "out", true).unwrap_err()),
      "EACCES"
    );
    assert_eq!(fs::read(f.canary.join("secret.txt")).unwrap(), b"secret");
    assert_eq!(fs::read(f.canary.join("dir/inner.txt")).unwrap(), b"inner");
  }

  #[test]
  fn temp_files_older_than_the_cutoff_are_swept_at_any_depth() {
    let f = fixture();
    ensure_dir(&f.root, "a/b").unwrap();
    for dir in ["a", "a/b"] {
      fs::write(
        f.root.path().join(dir).join(".stowage\u{7f}tmp-1-0-x"),
        "partial",
      )
      .unwrap();
      fs::write(f.root.path().join(dir).join("kept.txt"), "kept").unwrap();
    }
    symlink(&f.canary, f.root.path().join("a/out")).unwrap();
    fs::write(f.canary.join(".stowage\u{7f}tmp-9-9-outside"), "not ours").unwrap();
    let past = SystemTime::now() - std::time::Duration::from_secs(3600);
    assert_eq!(cleanup_temps(&f.root, "a", past).unwrap(), 0);
    let future = SystemTime::now() + std::time::Duration::from_secs(3600);
    assert_eq!(cleanup_temps(&f.root, "a", future).unwrap(), 2);
    assert!(f.root.path().join("a/b/kept.txt").exists());
    assert!(f.canary.join(".stowage\u{7f}tmp-9-9-outside").exists());
  }
}
