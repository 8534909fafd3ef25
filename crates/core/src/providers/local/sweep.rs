//! `deleteOldFiles` on LOCAL in one walk over the directory (with `recursive`, its tree): each
//! entry is judged and deleted relative to the handle of the directory that holds it, never by a
//! path resolved again, so a sub-directory swapped for a link meanwhile is never followed.
//!
//! A file judged old is first renamed aside to a temp name in the same directory, and what was
//! moved is judged again: still old, it is unlinked; rewritten in between (a writer's rename put
//! a new file there, or it was written in place), it is renamed back, unless a newer file took
//! the name meanwhile (`RENAME_NOREPLACE`), which then stays and the moved one, older, goes. So a
//! file whose content changed after it was judged old is never deleted.

use std::ffi::{OsStr, OsString};
use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;

use rustix::fs::{self as rfs, AtFlags, FileType, RenameFlags};
use rustix::io::Errno;

use super::beneath::err;
use super::linux::{entries, stats_of};
use super::resolve::{self, is_dir, leads_outside, Entry};
use super::tree::{Step, Tree};
use super::{is_temp, temp_name, utf8_name, OldFileWalk, Place};
use crate::listing::join;

/// Deletes the old files in the directory `fd`, which `place` names (with `old.recursive`, in its
/// tree); returns how many. Directories and temp files stay; a link is followed like the listing
/// does ([`resolve::stat_entry`]), and one that leads nowhere or outside the root is left alone.
pub(super) fn walk(fd: OwnedFd, place: &Place, old: &OldFileWalk) -> io::Result<u32> {
  match old.recursive {
    true => walk_tree(fd, place, old),
    false => pass(fd, place, old),
  }
}

/// Up to this many threads share a pass over a large directory (the stats run in parallel; the
/// unlinks, which the kernel serializes per directory, overlap with them).
const PASS_THREADS: usize = 4;
/// Entries per thread below which a pass stays on the calling thread.
const PASS_CHUNK_MIN: usize = 2048;

/// One directory: a large one is split among a few threads.
fn pass(fd: OwnedFd, place: &Place, old: &OldFileWalk) -> io::Result<u32> {
  let entries = entries(fd.as_fd())?;
  let threads = (entries.len() / PASS_CHUNK_MIN).clamp(1, PASS_THREADS);
  let sweep = |part: &[(OsString, FileType)]| -> io::Result<u32> {
    let mut deleted = 0;
    for (name, file_type) in part {
      (old.check)()?;
      if *file_type == FileType::Directory || is_temp(name.as_bytes()) {
        continue;
      }
      deleted += consider(place, fd.as_fd(), "", name, *file_type, old)?;
    }
    Ok(deleted)
  };
  if threads == 1 {
    return sweep(&entries);
  }
  let chunk = entries.len().div_ceil(threads);
  std::thread::scope(|scope| {
    let workers: Vec<_> = entries
      .chunks(chunk)
      .map(|part| scope.spawn(move || sweep(part)))
      .collect();
    let mut deleted = 0;
    for worker in workers {
      deleted += worker
        .join()
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))?;
    }
    Ok(deleted)
  })
}

/// The whole tree, iteratively ([`Tree`]): no depth exhausts the stack or the open files.
fn walk_tree(fd: OwnedFd, place: &Place, old: &OldFileWalk) -> io::Result<u32> {
  let mut tree = Tree::new(fd.as_fd())?;
  drop(fd);
  let mut deleted = 0;
  loop {
    let (name, file_type) = match tree.next()? {
      Step::Done => return Ok(deleted),
      Step::Left(_) => continue,
      Step::Entry(name, file_type) => (name, file_type),
    };
    (old.check)()?;
    if is_temp(name.as_bytes()) || utf8_name(name.as_bytes()).is_none() {
      continue;
    }
    let may_be_dir = matches!(file_type, FileType::Directory | FileType::Unknown);
    if may_be_dir && tree.enter(&name)? {
      continue;
    }
    // Directories entered have UTF-8 names: the path is exact.
    let dir_path = tree.path();
    deleted += consider(place, tree.dir(), &dir_path, &name, file_type, old)?;
  }
}

/// Deletes `name` of `dir` when it is a file (or a link to one) modified before the cutoff;
/// 1 when it did.
fn consider(
  place: &Place,
  dir: BorrowedFd<'_>,
  dir_path: &str,
  name: &OsStr,
  file_type: FileType,
  old: &OldFileWalk,
) -> io::Result<u32> {
  if file_type == FileType::Directory {
    return Ok(0);
  }
  let Some(text) = utf8_name(name.as_bytes()) else {
    return Ok(0);
  };
  let judge = |name: &OsStr| -> io::Result<bool> {
    let st = match resolve::stat_entry(place, dir, dir_path, name, file_type)? {
      Entry::Stat(st) => st,
      Entry::Gone => return Ok(false),
      Entry::Unreadable(e) if leads_outside(place, &e) => return Ok(false),
      Entry::Unreadable(e) => return Err(e),
    };
    Ok(!is_dir(&st) && stats_of(&st).mtime < old.cutoff)
  };
  if !judge(name)? {
    return Ok(0);
  }
  match retire(dir, name, &judge) {
    Ok(true) => {
      (old.report)(&join(dir_path, text), None);
      Ok(1)
    }
    Ok(false) => Ok(0),
    Err(e) => {
      (old.report)(&join(dir_path, text), Some(&e));
      Ok(0)
    }
  }
}

/// Deletes `name`, judged old, unless what is there now is no longer old: renamed aside first,
/// judged again (`still_old`), then unlinked or put back. True when it was deleted.
fn retire(
  dir: BorrowedFd<'_>,
  name: &OsStr,
  still_old: &dyn Fn(&OsStr) -> io::Result<bool>,
) -> io::Result<bool> {
  let aside = temp_name("old");
  match rfs::renameat(dir, name, dir, aside.as_str()) {
    Ok(()) => {}
    Err(Errno::NOENT) => return Ok(false),
    Err(e) => return Err(err(e)),
  }
  let judged = match still_old(OsStr::new(&aside)) {
    Ok(true) => match rfs::unlinkat(dir, aside.as_str(), AtFlags::empty()) {
      Ok(()) => return Ok(true),
      Err(e) => Err(err(e)),
    },
    Ok(false) => Ok(false),
    Err(e) => Err(e),
  };
  put_back(dir, &aside, name)?;
  judged
}

/// Renames `aside` back to `name`, never over a file that took the name meanwhile: that one is
/// newer, and the one moved aside is removed instead.
fn put_back(dir: BorrowedFd<'_>, aside: &str, name: &OsStr) -> io::Result<()> {
  match rfs::renameat_with(dir, aside, dir, name, RenameFlags::NOREPLACE) {
    Ok(()) => return Ok(()),
    Err(Errno::EXIST) => {}
    // A filesystem without RENAME_NOREPLACE: a hard link does not replace either (then the
    // name aside goes, below).
    Err(Errno::INVAL | Errno::NOSYS) => {
      match rfs::linkat(dir, aside, dir, name, AtFlags::empty()) {
        Ok(()) | Err(Errno::EXIST) => {}
        Err(e) => return Err(err(e)),
      }
    }
    Err(e) => return Err(err(e)),
  }
  match rfs::unlinkat(dir, aside, AtFlags::empty()) {
    Ok(()) | Err(Errno::NOENT) => Ok(()),
    Err(e) => Err(err(e)),
  }
}

#[cfg(test)]
mod tests {
  use std::fs;
  use std::os::unix::fs::symlink;
  use std::path::{Path, PathBuf};
  use std::sync::Arc;
  use std::time::{Duration, SystemTime};

  use super::super::linux::{delete_old, list, list_names, Root};
  use super::super::Place;
  use super::*;
  use crate::provider::ListDetail;

  fn rooted(dir: &Path) -> Place {
    Place::Rooted(
      Arc::new(Root::open(dir.to_path_buf()).unwrap()),
      String::new(),
    )
  }

  fn native(dir: &Path) -> Place {
    Place::Native(dir.to_path_buf())
  }

  /// A temp file a killed write left.
  const TEMP: &str = ".stowage\u{7f}tmp-1-0-x";

  fn aged(path: &Path, age: Duration) {
    let file = fs::File::options().write(true).open(path).unwrap();
    file.set_modified(SystemTime::now() - age).unwrap();
  }

  /// A directory with old and young files, an old sub-directory, an old temp file, and links to
  /// an old file inside and outside; returns (base, dir).
  fn fixture() -> (tempfile::TempDir, PathBuf) {
    let base = tempfile::tempdir().unwrap();
    let dir = fs::canonicalize(base.path()).unwrap().join("root");
    fs::create_dir_all(dir.join("sub")).unwrap();
    let hour = Duration::from_secs(3600);
    for name in ["old-1", "old-2", "young", TEMP, "sub/inner"] {
      fs::write(dir.join(name), name).unwrap();
    }
    for name in ["old-1", "old-2", TEMP, "sub/inner"] {
      aged(&dir.join(name), hour);
    }
    let outside = dir.parent().unwrap().join("outside");
    fs::write(&outside, "outside").unwrap();
    aged(&outside, hour);
    symlink(&outside, dir.join("link-out")).unwrap();
    symlink("sub/inner", dir.join("link-in")).unwrap();
    // Leads nowhere (ENAMETOOLONG when followed): left alone, not a failure of the sweep.
    symlink("n".repeat(300), dir.join("too-long")).unwrap();
    (base, dir)
  }

  /// What a walk deleted: the count, and the sorted paths reported (failures fail the test).
  type Swept = (u32, Vec<String>);

  fn swept(
    run: impl FnOnce(&OldFileWalk) -> io::Result<u32>,
    recursive: bool,
  ) -> io::Result<Swept> {
    let paths = std::sync::Mutex::new(Vec::new());
    let report = |path: &str, failure: Option<&io::Error>| {
      assert!(failure.is_none(), "{path}: {failure:?}");
      paths.lock().unwrap().push(path.to_string());
    };
    let old = OldFileWalk {
      cutoff: cutoff(),
      recursive,
      check: &|| Ok(()),
      report: &report,
    };
    let count = run(&old)?;
    let mut paths = paths.into_inner().unwrap();
    paths.sort();
    Ok((count, paths))
  }

  fn names(swept: &Swept) -> Vec<String> {
    assert_eq!(swept.0 as usize, swept.1.len());
    swept.1.clone()
  }

  fn cutoff() -> SystemTime {
    SystemTime::now() - Duration::from_secs(600)
  }

  #[test]
  fn beneath_the_root_deletes_old_files_and_links_inside_only() {
    let (_base, dir) = fixture();
    let swept = swept(|old| delete_old(rooted(&dir), old), false).unwrap();
    assert_eq!(names(&swept), ["link-in", "old-1", "old-2"]);
    for kept in ["young", TEMP, "sub/inner", "link-out", "too-long"] {
      assert!(
        dir.join(kept).symlink_metadata().is_ok(),
        "{kept} was deleted"
      );
    }
    assert!(dir.parent().unwrap().join("outside").exists());
  }

  #[test]
  fn on_an_os_path_links_are_followed_like_fs_stat() {
    let (_base, dir) = fixture();
    let swept = swept(|old| delete_old(native(&dir), old), false).unwrap();
    assert_eq!(names(&swept), ["link-in", "link-out", "old-1", "old-2"]);
    assert!(dir.join("young").exists() && dir.join("sub/inner").exists());
    assert!(dir.join("too-long").symlink_metadata().is_ok());
    assert!(
      dir.parent().unwrap().join("outside").exists(),
      "a link's target stays"
    );
  }

  #[test]
  fn a_file_changed_after_it_was_judged_old_goes_back_and_never_over_a_newer_one() {
    let base = tempfile::tempdir().unwrap();
    let dir = fs::File::open(base.path()).unwrap();
    let f = base.path().join("f");
    fs::write(&f, "old").unwrap();
    // Judged again, it is no longer old: put back.
    assert!(!retire(dir.as_fd(), OsStr::new("f"), &|_| Ok(false)).unwrap());
    assert_eq!(fs::read(&f).unwrap(), b"old");
    // A newer file takes the name while the judged one is aside: the newer one stays.
    let newer = |_: &OsStr| {
      fs::write(&f, "newer").unwrap();
      Ok(false)
    };
    assert!(!retire(dir.as_fd(), OsStr::new("f"), &newer).unwrap());
    assert_eq!(fs::read(&f).unwrap(), b"newer");
    // Still old: deleted.
    assert!(retire(dir.as_fd(), OsStr::new("f"), &|_| Ok(true)).unwrap());
    assert!(!f.exists());
    assert!(!retire(dir.as_fd(), OsStr::new("f"), &|_| Ok(true)).unwrap());
    assert_eq!(
      fs::read_dir(base.path()).unwrap().count(),
      0,
      "nothing left aside"
    );
  }

  #[test]
  fn a_missing_directory_is_enoent() {
    let (_base, dir) = fixture();
    let e = swept(|old| delete_old(native(&dir.join("nope")), old), false).unwrap_err();
    assert_eq!(e.kind(), io::ErrorKind::NotFound);
  }

  #[test]
  fn a_large_directory_is_swept_by_several_threads_with_nothing_missed() {
    let base = tempfile::tempdir().unwrap();
    let dir = base.path().join("many");
    fs::create_dir(&dir).unwrap();
    let count = PASS_CHUNK_MIN * 3 + 7;
    for i in 0..count {
      let path = dir.join(format!("f{i}"));
      fs::write(&path, b"x").unwrap();
      if i % 2 == 0 {
        aged(&path, Duration::from_secs(3600));
      }
    }
    let swept = swept(|old| delete_old(native(&dir), old), false).unwrap();
    assert_eq!(names(&swept).len(), count.div_ceil(2));
    assert_eq!(fs::read_dir(&dir).unwrap().count(), count / 2);
  }

  #[test]
  fn compact_names_are_the_names_a_listing_gives() {
    let (_base, dir) = fixture();
    symlink("nowhere", dir.join("dangling")).unwrap();
    symlink("loop", dir.join("loop")).unwrap();
    symlink("young/below", dir.join("through-a-file")).unwrap();
    let listed = |entries: Vec<crate::provider::DirEntry>| {
      let mut names: Vec<String> = entries.into_iter().map(|e| e.name).collect();
      names.sort();
      names
    };
    let rooted_names = list_names(rooted(&dir), crate::NameBuf::default())
      .unwrap()
      .sorted()
      .into_vec();
    assert_eq!(
      rooted_names,
      listed(list(rooted(&dir), ListDetail::Names).unwrap())
    );
    assert_eq!(
      rooted_names,
      ["link-in", "link-out", "old-1", "old-2", "sub", "young"]
    );
    let native_names = list_names(native(&dir), crate::NameBuf::default())
      .unwrap()
      .sorted()
      .into_vec();
    assert_eq!(
      native_names, rooted_names,
      "without a root, the same names (the outside link leads somewhere)"
    );
    for detail in [ListDetail::Names, ListDetail::ModificationTimes] {
      assert_eq!(
        listed(list(native(&dir), detail).unwrap()),
        native_names,
        "{detail:?}"
      );
      assert_eq!(
        listed(list(rooted(&dir), detail).unwrap()),
        rooted_names,
        "{detail:?}"
      );
    }
  }
}
