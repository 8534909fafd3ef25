//! `deleteOldFiles` on LOCAL in one pass over the directory: each entry is checked and unlinked
//! relative to the directory's fd, instead of a listing with times followed by a delete by path
//! of every old file (two path resolutions per file).

use std::ffi::{OsStr, OsString};
use std::io;
use std::os::fd::OwnedFd;
use std::path::Path;
use std::time::SystemTime;

use rustix::fs::{self as rfs, AtFlags, FileType, Mode, OFlags, Stat, CWD};

use super::{entries, err, is_dir, open_dir, see, stats_of, Root, Seen, Walk};
use crate::error::{kind_of_io, ErrorKind};
use crate::provider::ListDetail;
use crate::providers::local::is_temp;

/// What one pass did: the name of every file it tried to delete, with the outcome.
pub type Swept = Vec<(String, io::Result<()>)>;

/// Deletes the files (links followed, like the listing does) directly in the directory `key`
/// names, beneath the root, last modified before `cutoff`. Directories and temp files stay.
pub fn delete_old(root: &Root, key: &str, cutoff: SystemTime) -> io::Result<Swept> {
  Walk::new(root, key).at_last(false, true, |dir, name| {
    let fd = open_dir(dir, name)?;
    // A link is followed from the root, like every path here; one that leads outside or
    // nowhere is left alone.
    pass(
      fd,
      cutoff,
      &|link| match super::follow_link(root, key, &link.to_string_lossy()) {
        Err(e) if kind_of_io(&e) == ErrorKind::PermissionDenied => Ok(None),
        followed => followed,
      },
    )
  })
}

/// [`delete_old`] on an OS path (LOCAL without a root); links are followed like `fs.stat` does.
pub fn delete_old_at(path: &Path, cutoff: SystemTime) -> io::Result<Swept> {
  let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC;
  let fd = rfs::openat(CWD, path, flags, Mode::empty())?;
  let dir = fd.try_clone()?;
  pass(fd, cutoff, &|link| {
    crate::providers::local::follow_at(&dir, link).map_err(err)
  })
}

/// Up to this many threads share a pass over a large directory (the stats run in parallel; the
/// unlinks, which the kernel serializes per directory, overlap with them).
const PASS_THREADS: usize = 4;
/// Entries per thread below which a pass stays on the calling thread.
const PASS_CHUNK_MIN: usize = 2048;

/// One pass: stat each entry relative to `fd` (`follow` resolves a link, `None` to skip it) and
/// unlink it there when it is an old file. A large directory is split among a few threads.
fn pass(
  fd: OwnedFd,
  cutoff: SystemTime,
  follow: &(dyn Fn(&OsStr) -> io::Result<Option<Stat>> + Sync),
) -> io::Result<Swept> {
  let entries = entries(fd.try_clone()?)?;
  let threads = (entries.len() / PASS_CHUNK_MIN).clamp(1, PASS_THREADS);
  if threads == 1 {
    return sweep(&fd, &entries, cutoff, follow);
  }
  let chunk = entries.len().div_ceil(threads);
  std::thread::scope(|scope| {
    let fd = &fd;
    let workers: Vec<_> = entries
      .chunks(chunk)
      .map(|part| scope.spawn(move || sweep(fd, part, cutoff, follow)))
      .collect();
    let mut swept = Vec::new();
    for worker in workers {
      let part = worker
        .join()
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))?;
      swept.extend(part);
    }
    Ok(swept)
  })
}

fn sweep(
  fd: &OwnedFd,
  entries: &[(OsString, FileType)],
  cutoff: SystemTime,
  follow: &(dyn Fn(&OsStr) -> io::Result<Option<Stat>> + Sync),
) -> io::Result<Swept> {
  let mut swept = Vec::new();
  for (name, file_type) in entries {
    let (name, file_type) = (name.as_os_str(), *file_type);
    if file_type == FileType::Directory || is_temp(&name.to_string_lossy()) {
      continue;
    }
    let st = match see(fd, name, file_type, ListDetail::ModificationTimes)? {
      Seen::Stat(st) => st,
      Seen::Link => match follow(name)? {
        Some(st) => st,
        None => continue,
      },
      Seen::Kind(_) | Seen::Gone => continue,
    };
    if is_dir(&st) || stats_of(&st).mtime >= cutoff {
      continue;
    }
    let outcome = rfs::unlinkat(fd, name, AtFlags::empty()).map_err(err);
    swept.push((name.to_string_lossy().into_owned(), outcome));
  }
  Ok(swept)
}

#[cfg(test)]
mod tests {
  use std::fs;
  use std::os::unix::fs::symlink;
  use std::path::PathBuf;
  use std::time::Duration;

  use super::*;

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
    for name in ["old-1", "old-2", "young", ".stowage-tmp-1-0-x", "sub/inner"] {
      fs::write(dir.join(name), name).unwrap();
    }
    for name in ["old-1", "old-2", ".stowage-tmp-1-0-x", "sub/inner"] {
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

  fn names(swept: &Swept) -> Vec<String> {
    let mut names: Vec<String> = swept.iter().map(|(n, _)| n.clone()).collect();
    names.sort();
    names
  }

  fn cutoff() -> SystemTime {
    SystemTime::now() - Duration::from_secs(600)
  }

  #[test]
  fn beneath_the_root_deletes_old_files_and_links_inside_only() {
    let (_base, dir) = fixture();
    let root = Root::open(dir.clone()).unwrap();
    let swept = delete_old(&root, "", cutoff()).unwrap();
    assert_eq!(names(&swept), ["link-in", "old-1", "old-2"]);
    assert!(swept.iter().all(|(_, r)| r.is_ok()));
    for kept in [
      "young",
      ".stowage-tmp-1-0-x",
      "sub/inner",
      "link-out",
      "too-long",
    ] {
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
    let swept = delete_old_at(&dir, cutoff()).unwrap();
    assert_eq!(names(&swept), ["link-in", "link-out", "old-1", "old-2"]);
    assert!(dir.join("young").exists() && dir.join("sub/inner").exists());
    assert!(dir.join("too-long").symlink_metadata().is_ok());
    assert!(
      dir.parent().unwrap().join("outside").exists(),
      "a link's target stays"
    );
  }

  #[test]
  fn a_missing_directory_is_enoent() {
    let (_base, dir) = fixture();
    let e = delete_old_at(&dir.join("nope"), cutoff()).unwrap_err();
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
    let swept = delete_old_at(&dir, cutoff()).unwrap();
    assert_eq!(swept.len(), count.div_ceil(2));
    assert!(swept.iter().all(|(_, r)| r.is_ok()));
    assert_eq!(fs::read_dir(&dir).unwrap().count(), count / 2);
  }

  #[test]
  fn compact_names_are_the_names_a_listing_gives() {
    let (_base, dir) = fixture();
    symlink("nowhere", dir.join("dangling")).unwrap();
    symlink("loop", dir.join("loop")).unwrap();
    symlink("young/below", dir.join("through-a-file")).unwrap();
    let root = Root::open(dir.clone()).unwrap();
    let listed = |entries: Vec<crate::provider::DirEntry>| {
      let mut names: Vec<String> = entries.into_iter().map(|e| e.name).collect();
      names.sort();
      names
    };
    let rooted = super::super::list_names(&root, "", crate::NameBuf::default())
      .unwrap()
      .sorted()
      .into_vec();
    assert_eq!(
      rooted,
      listed(super::super::list(&root, "", ListDetail::Names).unwrap())
    );
    assert_eq!(
      rooted,
      ["link-in", "link-out", "old-1", "old-2", "sub", "young"]
    );
    let native = crate::providers::local::list_names(&dir, crate::NameBuf::default())
      .unwrap()
      .sorted()
      .into_vec();
    assert_eq!(
      native, rooted,
      "without a root, the same names (the outside link leads somewhere)"
    );
    for detail in [ListDetail::Names, ListDetail::ModificationTimes] {
      assert_eq!(
        listed(crate::providers::local::list(&dir, detail).unwrap()),
        native,
        "{detail:?}"
      );
      assert_eq!(
        listed(super::super::list(&root, "", detail).unwrap()),
        rooted,
        "{detail:?}"
      );
    }
  }
}
