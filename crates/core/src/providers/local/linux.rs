//! LOCAL's Linux fast path (the default on Linux): the calls `sys` stands for, through `rustix`.
//! Directories are read with `getdents64` ([`super::dirents`]), held with `O_PATH`, and a file is
//! published without replacing with `renameat2(RENAME_NOREPLACE)`. The portable implementation
//! answers to the same calls (`super::portable`).
//!
//! Each call is written once, with and without a root: it acts where [`super::resolve`] says the
//! path is (without a root the whole path goes to the kernel in the call itself; with one, the
//! directory fd and last name found beneath the root by [`super::beneath`]). Walks of a tree are
//! [`super::tree`], the paged listing [`super::walk`], `deleteOldFiles` [`super::sweep`].

use std::ffi::{OsStr, OsString};
use std::fs::File;
use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::time::SystemTime;

use rustix::fs::{self as rfs, AtFlags, FileType, Mode, OFlags, RenameFlags, Stat};
use rustix::io::Errno;

pub(super) use super::beneath::Root;
use super::beneath::{err, outside};
use super::resolve::{self, at, is_dir, leads_outside, open_dir, Entry, Last};
use super::tree::{Step, Tree};
use super::{
  already_exists, dirents, is_a_directory, is_temp, name_string, system_time, utf8_name, Check,
  OldFileWalk, Place,
};
use crate::listing::Lister;
use crate::names::NameBuf;
use crate::provider::{DirEntry, FileStats, ListDetail};

/// A directory held open (`O_PATH`): where a write publishes its temp file.
pub(super) type DirHandle = OwnedFd;

/// The directory that is to hold `place` (created with its parents) and the name in it.
pub(super) fn parent(place: Place) -> io::Result<(OwnedFd, OsString)> {
  resolve::parent(&place, Last::Follow)
}

/// True when `name` in `dir` is a directory (not a link to one).
pub(super) fn is_dir_in(dir: &OwnedFd, name: &OsStr) -> bool {
  rfs::statat(dir, name, AtFlags::SYMLINK_NOFOLLOW).is_ok_and(|st| is_dir(&st))
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

/// Opens the file (or directory) `place` names for reading, links followed (beneath the root);
/// beneath the root, a path that ends at a directory is EISDIR.
pub(super) fn open_file(place: &Place) -> io::Result<File> {
  at(place, false, Last::Follow, |at| {
    at.name.ok_or_else(is_a_directory)?;
    Ok(File::from(at.open(OFlags::RDONLY)?))
  })
}

pub(super) fn ensure_dir(place: Place) -> io::Result<()> {
  at(&place, true, Last::Follow, |at| {
    let Some(name) = at.name else { return Ok(()) };
    match rfs::mkdirat(at.dir, name, Mode::from_raw_mode(0o777)) {
      Ok(()) => Ok(()),
      Err(Errno::EXIST) if at.is_dir()? => Ok(()),
      Err(Errno::EXIST) => Err(already_exists()),
      Err(e) => Err(err(e)),
    }
  })
}

/// The stat of what `place` names (links followed beneath the root).
fn stat(place: &Place) -> io::Result<Stat> {
  at(place, false, Last::Follow, |at| at.stat())
}

/// True when `place` is a directory (`want_dir`) or a file. Only leaving the root is an error.
pub(super) fn exists(place: Place, want_dir: bool) -> io::Result<bool> {
  match stat(&place) {
    Ok(st) if want_dir => Ok(is_dir(&st)),
    Ok(st) => Ok(FileType::from_raw_mode(st.st_mode) == FileType::RegularFile),
    Err(e) if leads_outside(&place, &e) => Err(e),
    Err(_) => Ok(false),
  }
}

pub(super) fn remove_file(place: Place) -> io::Result<()> {
  at(&place, false, Last::Link, |at| {
    let name = at.name.ok_or_else(is_a_directory)?;
    Ok(rfs::unlinkat(at.dir, name, AtFlags::empty())?)
  })
}

/// Removes the directory `place` names (a link to one is ENOTDIR), its tree with `recursive`,
/// calling `check` before each entry.
pub(super) fn remove_dir(place: Place, recursive: bool, check: Check) -> io::Result<()> {
  at(&place, false, Last::Link, |at| {
    let name = at.name.ok_or_else(outside)?; // the root itself: the facade refuses it first
    let fd = match at.open(OFlags::RDONLY | OFlags::DIRECTORY) {
      Ok(fd) => fd,
      Err(e) if e.raw_os_error() == Some(Errno::LOOP.raw_os_error()) => {
        return Err(err(Errno::NOTDIR))
      }
      Err(e) => return Err(e),
    };
    if recursive {
      empty_tree(fd, check)?;
    }
    Ok(rfs::unlinkat(at.dir, name, AtFlags::REMOVEDIR)?)
  })
}

fn missing_is_ok(result: rustix::io::Result<()>) -> io::Result<()> {
  match result {
    Ok(()) | Err(Errno::NOENT) => Ok(()),
    Err(e) => Err(err(e)),
  }
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

/// The entries of `dir` (without `.` and `..`), in the order the filesystem gives them.
pub(super) fn entries(dir: BorrowedFd<'_>) -> io::Result<Vec<(OsString, FileType)>> {
  dirents::read(dir, Vec::new(), |out, records| {
    let found = dirents::records(records).filter(|(name, _)| *name != b"." && *name != b"..");
    out.extend(found.map(|(name, file_type)| (OsString::from_vec(name.to_vec()), file_type)));
    Ok(())
  })
}

/// The entries of the directory `place` names. Links are followed to tell a file from a
/// directory: one that leads nowhere is left out, one that leads outside the root (or where this
/// process cannot look) is a file nobody can read.
pub(super) fn list(place: Place, detail: ListDetail) -> io::Result<Vec<DirEntry>> {
  let fd = open_dir(&place)?;
  let mut listed = Vec::new();
  for (name, file_type) in entries(fd.as_fd())? {
    if is_temp(name.as_bytes()) || utf8_name(name.as_bytes()).is_none() {
      continue;
    }
    let known = !matches!(file_type, FileType::Symlink | FileType::Unknown);
    let (is_dir, mtime) = if known && detail == ListDetail::Names {
      (file_type == FileType::Directory, None)
    } else {
      match resolve::stat_entry(&place, fd.as_fd(), "", &name, file_type)? {
        Entry::Stat(st) => (is_dir(&st), Some(stats_of(&st).mtime)),
        Entry::Gone => continue,
        // Only a real directory's type says so (a link's never does).
        Entry::Unreadable(_) => (file_type == FileType::Directory, None),
      }
    };
    listed.push(DirEntry {
      name: name_string(name),
      is_dir,
      mtime: mtime.filter(|_| detail == ListDetail::ModificationTimes),
    });
  }
  Ok(listed)
}

/// [`list`]'s names only, straight from `getdents64` into one [`NameBuf`] (no temp files; a link,
/// or an entry of unknown type, only when it leads somewhere); a large directory's names are
/// taken on a thread of their own while it is read on ([`dirents::read`]). The names are read
/// once (they may be on their way as pieces already), never again after a failure.
pub(super) fn list_names(place: Place, names: NameBuf) -> io::Result<NameBuf> {
  let fd = open_dir(&place)?;
  let keep = |name: &OsStr, file_type| -> io::Result<bool> {
    match resolve::stat_entry(&place, fd.as_fd(), "", name, file_type)? {
      Entry::Stat(_) | Entry::Unreadable(_) => Ok(true),
      Entry::Gone => Ok(false),
    }
  };
  dirents::read(fd.as_fd(), names, |names, records| {
    for (bytes, file_type) in dirents::records(records) {
      if bytes == b"." || bytes == b".." || is_temp(bytes) {
        continue;
      }
      let Some(name) = utf8_name(bytes) else {
        continue;
      };
      if matches!(file_type, FileType::Symlink | FileType::Unknown)
        && !keep(OsStr::new(name), file_type)?
      {
        continue;
      }
      names.push(name);
    }
    Ok(())
  })
}

#[allow(clippy::unnecessary_cast)] // the field types differ between targets
pub(super) fn stats_of(st: &Stat) -> FileStats {
  FileStats {
    size: st.st_size as u64,
    mtime: system_time(st.st_mtime as i64, st.st_mtime_nsec as i64),
    ctime: system_time(st.st_ctime as i64, st.st_ctime_nsec as i64),
  }
}

/// The stats of the file `place` names (links followed); a directory is EISDIR.
pub(super) fn file_stats(place: Place) -> io::Result<FileStats> {
  let st = stat(&place)?;
  if is_dir(&st) {
    return Err(is_a_directory());
  }
  Ok(stats_of(&st))
}

pub(super) fn read(place: Place) -> io::Result<Vec<u8>> {
  read_to_end(&open_file(&place)?)
}

/// All of `file`, in the calls `fs::read` makes: its size asked once, one read into a buffer of
/// that size, and a small read that finds the end (the file may have grown meanwhile).
fn read_to_end(file: &File) -> io::Result<Vec<u8>> {
  let size = file.metadata().map_or(0, |m| m.len() as usize);
  let mut data = Vec::new();
  data.try_reserve_exact(size)?;
  loop {
    if data.len() == data.capacity() {
      let mut probe = [0u8; 32];
      match again(|| rustix::io::read(file, &mut probe[..]))? {
        0 => return Ok(data),
        n => {
          data.extend_from_slice(&probe[..n]);
          data.reserve(data.len().max(8192));
        }
      }
      continue;
    }
    if again(|| rustix::io::read(file, rustix::buffer::spare_capacity(&mut data)))? == 0 {
      return Ok(data);
    }
  }
}

/// A `read`, made again when interrupted (a failed read leaves the buffer as it was).
fn again(mut read: impl FnMut() -> rustix::io::Result<usize>) -> io::Result<usize> {
  loop {
    match read() {
      Ok(n) => return Ok(n),
      Err(Errno::INTR) => {}
      Err(e) => return Err(err(e)),
    }
  }
}

/// Renames the file `src` to `dst` (parents of `dst` created); a directory is EISDIR. A link at
/// either end is moved or replaced itself, never followed; with a root, one that leads outside
/// is EACCES. Another filesystem is `CrossesDevices`, which the caller turns into a copy.
pub(super) fn rename(src: &Place, dst: &Place) -> io::Result<()> {
  at(src, false, Last::Link, |from| {
    let from_name = from.name.ok_or_else(is_a_directory)?;
    if is_dir(&stat(src)?) {
      return Err(is_a_directory());
    }
    let (to_dir, to) = resolve::parent(dst, Last::Link)?;
    Ok(rfs::renameat(from.dir, from_name, &to_dir, &to)?)
  })
}

/// Deletes the old files in the directory `place` names ([`super::sweep`]).
pub(super) fn delete_old(place: Place, old: &OldFileWalk) -> io::Result<u32> {
  super::sweep::walk(open_dir(&place)?, &place, old)
}

/// Removes Stowage's temp files ([`super::TEMP_PREFIX`]) last modified before `cutoff` in the
/// directory `place` names and every real directory below it (links are not followed), walking
/// iteratively from directory handles ([`Tree`]); returns how many.
pub(super) fn cleanup_temps(place: Place, cutoff: SystemTime) -> io::Result<u32> {
  let mut tree = Tree::new(open_dir(&place)?.as_fd())?;
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

pub(super) fn lister(place: Place, recursive: bool) -> io::Result<Box<dyn Lister>> {
  Ok(Box::new(super::walk::open(place, recursive)?))
}

#[cfg(test)]
mod tests {
  use std::fs;
  use std::io::Write;
  use std::os::unix::fs::symlink;
  use std::path::{Path, PathBuf};
  use std::sync::Arc;

  use super::*;
  use crate::error::kind_of_io;

  struct Fixture {
    _dir: tempfile::TempDir,
    root: Arc<Root>,
    canary: PathBuf,
  }

  impl Fixture {
    fn at(&self, key: &str) -> Place {
      Place::Rooted(self.root.clone(), key.to_string())
    }

    fn canary_intact(&self) {
      assert_eq!(fs::read(self.canary.join("secret.txt")).unwrap(), b"secret");
      assert_eq!(
        fs::read(self.canary.join("dir/inner.txt")).unwrap(),
        b"inner"
      );
    }
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
    let root = Arc::new(Root::open(root_path).unwrap());
    Fixture {
      _dir: dir,
      root,
      canary,
    }
  }

  /// Writes `data` where a write would publish it (links followed beneath the root).
  fn write(place: Place, data: &[u8]) -> io::Result<()> {
    let (dir, name) = parent(place)?;
    let flags =
      OFlags::WRONLY | OFlags::CREATE | OFlags::TRUNC | OFlags::NOFOLLOW | OFlags::CLOEXEC;
    let fd = rfs::openat(&dir, &name, flags, Mode::from_raw_mode(0o666))?;
    File::from(fd).write_all(data)
  }

  fn code(e: io::Error) -> &'static str {
    kind_of_io(&e).code()
  }

  #[test]
  fn both_listings_leave_out_links_that_lead_nowhere_and_show_outside_ones() {
    let f = fixture();
    write(f.at("d/file"), b"f").unwrap();
    let d = f.root.path().join("d");
    symlink("loop", d.join("loop")).unwrap();
    symlink("missing", d.join("dangling")).unwrap();
    symlink("file/below", d.join("through-a-file")).unwrap();
    symlink("n".repeat(300), d.join("too-long")).unwrap(); // ENAMETOOLONG when followed
    symlink("file", d.join("good")).unwrap();
    symlink(&f.canary, d.join("out")).unwrap();
    let want = ["file", "good", "out"];
    for detail in [ListDetail::Names, ListDetail::ModificationTimes] {
      let mut listed: Vec<String> = list(f.at("d"), detail)
        .unwrap()
        .into_iter()
        .map(|e| e.name)
        .collect();
      listed.sort();
      assert_eq!(listed, want, "{detail:?}");
    }
    let names = list_names(f.at("d"), NameBuf::default()).unwrap();
    assert_eq!(names.sorted().into_vec(), want);
  }

  #[test]
  fn links_leading_outside_are_eacces_for_every_operation() {
    let f = fixture();
    symlink(&f.canary, f.root.path().join("out")).unwrap();
    symlink("../canary/secret.txt", f.root.path().join("up")).unwrap();
    symlink("loop", f.root.path().join("loop")).unwrap();
    for key in ["out/secret.txt", "up", "out/dir/inner.txt", "loop"] {
      assert_eq!(code(read(f.at(key)).unwrap_err()), "EACCES", "{key}");
      assert_eq!(code(write(f.at(key), b"x").unwrap_err()), "EACCES", "{key}");
      assert_eq!(code(stat(&f.at(key)).unwrap_err()), "EACCES", "{key}");
    }
    assert_eq!(
      code(remove_file(f.at("out/secret.txt")).unwrap_err()),
      "EACCES"
    );
    assert_eq!(
      code(remove_dir(f.at("out/dir"), true, &|| Ok(())).unwrap_err()),
      "EACCES"
    );
    assert_eq!(code(ensure_dir(f.at("out/new")).unwrap_err()), "EACCES");
    assert_eq!(
      code(list(f.at("out"), ListDetail::Names).unwrap_err()),
      "EACCES"
    );
    // The links themselves are names inside the root: listed as files, removable.
    let names: Vec<_> = list(f.at(""), ListDetail::Names)
      .unwrap()
      .into_iter()
      .map(|e| (e.name, e.is_dir))
      .collect();
    assert!(names.contains(&("out".to_string(), false)));
    assert_eq!(code(remove_file(f.at("out")).unwrap_err()), "EACCES");
    assert_eq!(
      code(remove_dir(f.at("out"), true, &|| Ok(())).unwrap_err()),
      "EACCES"
    );
    assert_eq!(fs::read(f.canary.join("secret.txt")).unwrap(), b"secret");
    assert_eq!(fs::read(f.canary.join("dir/inner.txt")).unwrap(), b"inner");
  }

  #[test]
  fn without_a_root_the_kernel_resolves_the_whole_path_links_and_all() {
    let f = fixture();
    let base = f.root.path().to_path_buf();
    let native = |rel: &str| Place::Native(base.join(rel));
    ensure_dir(native("a/b/c")).unwrap();
    ensure_dir(native("a/b/c")).unwrap();
    assert!(base.join("a/b/c").is_dir());
    write(native("a/file"), b"data").unwrap();
    assert_eq!(code(ensure_dir(native("a/file")).unwrap_err()), "EEXIST");
    assert_eq!(code(ensure_dir(native("a/file/x")).unwrap_err()), "ENOTDIR");
    // Links anywhere on the path are followed, also one that leads elsewhere.
    symlink("file", base.join("a/link")).unwrap();
    symlink(&f.canary, base.join("a/out")).unwrap();
    symlink("missing", base.join("a/dangling")).unwrap();
    assert_eq!(read(native("a/link")).unwrap(), b"data");
    assert_eq!(read(native("a/out/secret.txt")).unwrap(), b"secret");
    assert_eq!(file_stats(native("a/link")).unwrap().size, 4);
    assert_eq!(code(file_stats(native("a/b")).unwrap_err()), "EISDIR");
    assert!(exists(native("a/out/dir"), true).unwrap());
    assert!(exists(native("a/link"), false).unwrap());
    assert!(!exists(native("a/dangling"), false).unwrap());
    assert!(!exists(native("a/nope/x"), false).unwrap());
    let mut names: Vec<_> = list(native("a"), ListDetail::ModificationTimes)
      .unwrap()
      .into_iter()
      .map(|e| (e.name, e.is_dir, e.mtime.is_some()))
      .collect();
    names.sort();
    let want = [
      ("b", true, true),
      ("file", false, true),
      ("link", false, true),
      ("out", true, true),
    ];
    assert_eq!(names, want.map(|(n, d, m)| (n.to_string(), d, m)));
    let names = list_names(native("a"), NameBuf::default()).unwrap();
    assert_eq!(names.sorted().into_vec(), ["b", "file", "link", "out"]);
    // A link itself is what is removed or moved, never its target; a link to a directory is no
    // directory to remove.
    assert_eq!(
      code(remove_dir(native("a/out"), true, &|| Ok(())).unwrap_err()),
      "ENOTDIR"
    );
    rename(&native("a/link"), &native("moved/link")).unwrap();
    assert_eq!(
      fs::read_link(base.join("moved/link")).unwrap(),
      Path::new("file")
    );
    remove_file(native("a/out")).unwrap();
    f.canary_intact();
    assert_eq!(
      code(rename(&native("a/b"), &native("c")).unwrap_err()),
      "EISDIR"
    );
    remove_dir(native("a/b"), true, &|| Ok(())).unwrap();
    assert!(!base.join("a/b").exists());
  }

  #[test]
  fn temp_files_older_than_the_cutoff_are_swept_at_any_depth() {
    let f = fixture();
    ensure_dir(f.at("a/b")).unwrap();
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
    assert_eq!(cleanup_temps(f.at("a"), past).unwrap(), 0);
    let future = SystemTime::now() + std::time::Duration::from_secs(3600);
    assert_eq!(cleanup_temps(f.at("a"), future).unwrap(), 2);
    assert!(f.root.path().join("a/b/kept.txt").exists());
    assert!(f.canary.join(".stowage\u{7f}tmp-9-9-outside").exists());
  }
}
