//! LOCAL walks on trees far deeper than a thread's stack or the open-file limit could follow by
//! recursion (issue 19, item 1): a 100,000-level tree is swept of temp files, aged out, refused by
//! listings with a clear error, and deleted (also through the abortable path), with and without a
//! root; a 12,000-level tree loses exactly its old files. Trees are made on tmpfs where there is
//! one, with `mkdirat` from a held fd, so making one takes well under a second.

#![cfg(unix)] // the trees are made with `mkdirat`/`utimensat` from held fds (rustix)

use std::ffi::CString;
use std::fs;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use rustix::fs::{self as rfs, Mode, OFlags, Timestamps, UTIME_OMIT};
use stowage_core::providers::local::TEMP_PREFIX;
use stowage_core::{
  Cancel, DeleteDirectoryOptions, DeleteOldFilesOptions, LocalOptions, LocalProvider, Storage,
};

const DEEP: usize = 100_000;

fn scratch() -> tempfile::TempDir {
  match Path::new("/dev/shm").is_dir() {
    true => tempfile::tempdir_in("/dev/shm").unwrap(),
    false => tempfile::tempdir().unwrap(),
  }
}

fn dir_flags() -> OFlags {
  OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC
}

/// A file `name` in `dir`, last modified `age` ago.
fn file_at(dir: BorrowedFd<'_>, name: &str, age: Duration) {
  let flags = OFlags::CREATE | OFlags::WRONLY | OFlags::CLOEXEC;
  let fd = rfs::openat(dir, name, flags, Mode::from_raw_mode(0o644)).unwrap();
  let then = SystemTime::now() - age;
  let since = then.duration_since(SystemTime::UNIX_EPOCH).unwrap();
  let when = rfs::Timespec {
    tv_sec: since.as_secs() as i64,
    tv_nsec: since.subsec_nanos() as _,
  };
  let omit = rfs::Timespec {
    tv_sec: 0,
    tv_nsec: UTIME_OMIT,
  };
  rfs::futimens(
    &fd,
    &Timestamps {
      last_access: omit,
      last_modification: when,
    },
  )
  .unwrap();
}

/// `depth` nested directories `d` under `base/top`; `at(level, dir)` runs in each.
fn deep_tree(
  base: &Path,
  top: &str,
  depth: usize,
  mut at: impl FnMut(usize, BorrowedFd<'_>),
) -> PathBuf {
  let path = base.join(top);
  fs::create_dir(&path).unwrap();
  let mut fd: OwnedFd = rfs::openat(rfs::CWD, &path, dir_flags(), Mode::empty()).unwrap();
  for level in 0..depth {
    at(level, fd.as_fd());
    if level + 1 < depth {
      let name = CString::new("d").unwrap();
      rfs::mkdirat(&fd, name.as_c_str(), Mode::from_raw_mode(0o755)).unwrap();
      fd = rfs::openat(&fd, "d", dir_flags(), Mode::empty()).unwrap();
    }
  }
  path
}

const HOUR: Duration = Duration::from_secs(3600);

/// Levels that hold an old file, a fresh one and an old temp file.
fn marked(level: usize) -> bool {
  level.is_multiple_of(20_000) || level == DEEP - 1
}

/// A 100,000-level tree under `base/top`: `(path, marked levels)`.
fn hundred_thousand(base: &Path, top: &str) -> (PathBuf, u32) {
  let mut marks = 0;
  let path = deep_tree(base, top, DEEP, |level, dir| {
    if marked(level) {
      marks += 1;
      file_at(dir, "old.txt", HOUR);
      file_at(dir, "fresh.txt", Duration::ZERO);
      file_at(dir, &format!("{TEMP_PREFIX}1-{level}-x"), 2 * HOUR);
    }
  });
  (path, marks)
}

async fn walk_the_deep_tree(storage: &Storage, dir: &str, abortable: bool) {
  let soon = SystemTime::now() - Duration::from_secs(600);
  let (temps, marks) = (storage.cleanup_temp_files(dir, soon).await.unwrap(), 6);
  assert_eq!(temps, marks, "cleanupTempFiles");
  let options = DeleteOldFilesOptions {
    recursive: true,
    cancel: None,
  };
  let old = storage
    .delete_old_files_with(dir, soon, options)
    .await
    .unwrap();
  assert_eq!(old, marks, "deleteOldFiles");
  // Listings hand out paths: a tree this deep is refused, clearly.
  let listed = storage.list_files_recursive(dir).await.unwrap_err();
  assert_eq!(listed.code(), "EINVAL", "{listed}");
  assert!(
    listed.to_string().contains("deeper than 4096 levels"),
    "{listed}"
  );
  let options = DeleteDirectoryOptions {
    recursive: true,
    force: false,
  };
  match abortable {
    true => storage
      .delete_directory_with(dir, options, Cancel::new())
      .await
      .unwrap(),
    false => storage.delete_directory(dir, options).await.unwrap(),
  }
  assert!(!storage.directory_exists(dir).await.unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_100_000_level_tree_is_swept_aged_out_refused_by_listings_and_deleted() {
  let base = scratch();
  let (without_root, marks) = hundred_thousand(base.path(), "native");
  assert_eq!(marks, 6);
  let native = Storage::new(LocalProvider::new(LocalOptions::default()).unwrap());
  walk_the_deep_tree(&native, without_root.to_str().unwrap(), false).await;

  let rooted = Storage::new(
    LocalProvider::new(LocalOptions {
      root: Some(base.path().to_path_buf()),
      fsync: false,
    })
    .unwrap(),
  );
  hundred_thousand(base.path(), "rooted");
  walk_the_deep_tree(&rooted, "rooted", true).await;
  assert_eq!(fs::read_dir(base.path()).unwrap().count(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_12_000_level_tree_loses_exactly_its_old_files() {
  let base = scratch();
  let olds: Vec<usize> = (0..13).map(|i| i * 999).collect(); // 0 .. 11,988
  let top = deep_tree(base.path(), "t", 12_000, |level, dir| {
    if olds.contains(&level) {
      file_at(dir, "old.txt", HOUR);
    }
    if level % 1000 == 1 {
      file_at(dir, "fresh.txt", Duration::ZERO);
    }
  });
  let native = Storage::new(LocalProvider::new(LocalOptions::default()).unwrap());
  let soon = SystemTime::now() - Duration::from_secs(600);
  let options = DeleteOldFilesOptions {
    recursive: true,
    cancel: None,
  };
  let dir = top.to_str().unwrap();
  assert_eq!(
    native
      .delete_old_files_with(dir, soon, options.clone())
      .await
      .unwrap(),
    13
  );
  assert_eq!(
    native
      .delete_old_files_with(dir, soon, options)
      .await
      .unwrap(),
    0
  );
  // What is left are the 12 fresh files (levels 1, 1001, ... 11001): a later cutoff takes them.
  let later = SystemTime::now() + HOUR;
  let options = DeleteOldFilesOptions {
    recursive: true,
    cancel: None,
  };
  assert_eq!(
    native
      .delete_old_files_with(dir, later, options)
      .await
      .unwrap(),
    12
  );
  let options = DeleteDirectoryOptions {
    recursive: true,
    force: false,
  };
  native.delete_directory(dir, options).await.unwrap();
  assert!(!top.exists());
}
