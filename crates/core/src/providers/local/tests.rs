//! LOCAL's guarantees on whichever implementation this build has (`sys`: the Linux fast path by
//! default, the portable one on macOS, Windows and with `--features portable-local`), through the
//! calls the provider makes: confinement beneath the root, atomic create-only publishing, and no
//! temp file left behind.

use std::sync::{Arc, Barrier};
use std::{fs, thread};

use super::*;
use crate::metadata::{Condition, WriteOptions};

struct Fixture {
  _dir: tempfile::TempDir,
  root: Arc<Root>,
  root_path: PathBuf,
  canary: PathBuf,
}

fn fixture() -> Fixture {
  let dir = tempfile::tempdir().unwrap();
  let base = fs::canonicalize(dir.path()).unwrap();
  let canary = base.join("canary");
  fs::create_dir_all(canary.join("dir")).unwrap();
  fs::write(canary.join("secret.txt"), "secret").unwrap();
  fs::write(canary.join("dir").join("inner.txt"), "inner").unwrap();
  let root_path = base.join("root");
  fs::create_dir(&root_path).unwrap();
  Fixture {
    _dir: dir,
    root: Arc::new(Root::open(root_path.clone()).unwrap()),
    root_path,
    canary,
  }
}

impl Fixture {
  fn at(&self, key: &str) -> Place {
    Place::Rooted(self.root.clone(), key.to_string())
  }

  fn canary_intact(&self) {
    assert_eq!(fs::read(self.canary.join("secret.txt")).unwrap(), b"secret");
    let inner = self.canary.join("dir").join("inner.txt");
    assert_eq!(fs::read(inner).unwrap(), b"inner");
    assert_eq!(fs::read_dir(self.canary.join("dir")).unwrap().count(), 1);
  }
}

/// A symbolic link at `link` to `target` (a directory link on Windows when `dir`); false where
/// this process may not make one (Windows without the privilege), and the test then says so.
fn symlink(target: &Path, link: &Path, dir: bool) -> bool {
  #[cfg(unix)]
  let made = {
    let _ = dir;
    std::os::unix::fs::symlink(target, link)
  };
  #[cfg(windows)]
  let made = match dir {
    true => std::os::windows::fs::symlink_dir(target, link),
    false => std::os::windows::fs::symlink_file(target, link),
  };
  if let Err(e) = &made {
    eprintln!("no symbolic links here ({e}): the link cases are not run");
  }
  made.is_ok()
}

fn code(e: io::Error) -> &'static str {
  kind_of_io(&e).code()
}

/// What a directory holds besides `keep`: a temp file left behind would show here.
fn names(dir: &Path) -> Vec<String> {
  let mut names: Vec<String> = fs::read_dir(dir)
    .unwrap()
    .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
    .collect();
  names.sort();
  names
}

#[test]
fn create_only_publishing_lets_exactly_one_of_many_writers_win() {
  let f = fixture();
  for place_of in [
    |f: &Fixture| f.at("race/file.txt"),
    |f: &Fixture| Place::Native(f.root_path.join("native").join("file.txt")),
  ] {
    let writers = 8;
    let barrier = Arc::new(Barrier::new(writers));
    let threads: Vec<_> = (0..writers)
      .map(|i| {
        let (place, barrier) = (place_of(&f), barrier.clone());
        thread::spawn(move || {
          let options = WriteOptions {
            condition: Condition::IfNoneMatch,
            ..Default::default()
          };
          let data = format!("writer {i}");
          barrier.wait();
          publish::write(
            place,
            &options,
            false,
            true,
            metadata::fill_with(data.as_bytes()),
          )
          .map(|()| data)
        })
      })
      .collect();
    let outcomes: Vec<_> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    let won: Vec<_> = outcomes.iter().filter_map(|o| o.as_ref().ok()).collect();
    assert_eq!(won.len(), 1, "{outcomes:?}");
    for lost in outcomes.iter().filter_map(|o| o.as_ref().err()) {
      assert_eq!(lost.code(), "EEXIST");
    }
    let Place::Native(path) = place_of(&f) else {
      let path = f.root_path.join("race").join("file.txt");
      assert_eq!(fs::read_to_string(&path).unwrap(), *won[0]);
      assert_eq!(names(&f.root_path.join("race")), ["file.txt"]);
      continue;
    };
    assert_eq!(fs::read_to_string(&path).unwrap(), *won[0]);
    assert_eq!(names(path.parent().unwrap()), ["file.txt"]);
  }
}

#[test]
fn a_failed_publish_leaves_no_temp_file() {
  let f = fixture();
  sys::ensure_dir(f.at("d/sub")).unwrap();
  let e = copy_move::write(f.at("d/sub"), b"x", false).unwrap_err();
  assert_eq!(e.code(), "EISDIR");
  // A temp file dropped unpublished (its caller failed while filling it) goes with it.
  let (temp, file) = publish::Temp::create(f.at("d/kept.txt"), true).unwrap();
  assert_eq!(names(&f.root_path.join("d")).len(), 2);
  drop((file, temp));
  assert_eq!(names(&f.root_path.join("d")), ["sub"]);
}

#[test]
fn links_inside_the_root_are_followed_and_outside_ones_refused_for_every_operation() {
  let f = fixture();
  copy_move::write(f.at("real/a.txt"), b"a", false).unwrap();
  let r = &f.root_path;
  let linked = symlink(&r.join("real"), &r.join("abs"), true)
    && symlink(Path::new("real/a.txt"), &r.join("rel"), false)
    && symlink(&f.canary, &r.join("out"), true)
    && symlink(Path::new("../canary/secret.txt"), &r.join("up"), false)
    && symlink(Path::new("loop"), &r.join("loop"), false);
  if !linked {
    return;
  }
  assert_eq!(sys::read(f.at("abs/a.txt")).unwrap(), b"a");
  assert_eq!(sys::read(f.at("rel")).unwrap(), b"a");
  copy_move::write(f.at("rel"), b"b", false).unwrap(); // through the link, into real/a.txt
  assert_eq!(fs::read(r.join("real").join("a.txt")).unwrap(), b"b");
  for key in ["out/secret.txt", "up", "out/dir/inner.txt", "loop"] {
    assert_eq!(code(sys::read(f.at(key)).unwrap_err()), "EACCES", "{key}");
    let write = copy_move::write(f.at(key), b"x", false).unwrap_err();
    assert_eq!(write.code(), "EACCES", "{key}");
    assert_eq!(code(sys::file_stats(f.at(key)).unwrap_err()), "EACCES");
    assert_eq!(code(sys::remove_file(f.at(key)).unwrap_err()), "EACCES");
  }
  let check = || Ok(());
  assert_eq!(
    code(sys::remove_dir(f.at("out/dir"), true, &check).unwrap_err()),
    "EACCES"
  );
  assert_eq!(
    code(sys::remove_dir(f.at("out"), true, &check).unwrap_err()),
    "EACCES"
  );
  assert_eq!(
    code(sys::ensure_dir(f.at("out/new")).unwrap_err()),
    "EACCES"
  );
  let listing = sys::list(f.at("out"), ListDetail::Names).unwrap_err();
  assert_eq!(code(listing), "EACCES");
  // The links themselves are names inside the root: listed, an outside one as a file.
  let listed: Vec<_> = sys::list(f.at(""), ListDetail::Names)
    .unwrap()
    .into_iter()
    .map(|e| (e.name, e.is_dir))
    .collect();
  assert!(listed.contains(&("out".to_string(), false)), "{listed:?}");
  assert!(listed.contains(&("abs".to_string(), true)), "{listed:?}");
  // A recursive delete removes the link, never what it leads to.
  sys::ensure_dir(f.at("tree/sub")).unwrap();
  if symlink(
    &f.canary.join("dir"),
    &r.join("tree").join("sub").join("link"),
    true,
  ) {
    sys::remove_dir(f.at("tree"), true, &check).unwrap();
    assert!(!r.join("tree").exists());
  }
  f.canary_intact();
}

/// The check-then-use race: a directory on the path is swapped for a link to the outside, as
/// fast as a thread can, while writes, reads, deletes and listings go through that path.
#[cfg(unix)]
#[test]
fn swapping_a_directory_for_an_outside_link_never_reaches_outside() {
  use std::sync::atomic::AtomicBool;
  let f = fixture();
  sys::ensure_dir(f.at("swap")).unwrap();
  let stop = Arc::new(AtomicBool::new(false));
  let swapper = {
    let (stop, base, canary) = (stop.clone(), f.root_path.clone(), f.canary.join("dir"));
    thread::spawn(move || {
      let (dir, link, parked) = (
        base.join("swap"),
        base.join("swap-link"),
        base.join("swap-parked"),
      );
      std::os::unix::fs::symlink(&canary, &link).unwrap();
      while !stop.load(Ordering::Relaxed) {
        let _ = fs::rename(&dir, &parked);
        let _ = fs::rename(&link, &dir); // now a link to the outside
        let _ = fs::rename(&dir, &link);
        let _ = fs::rename(&parked, &dir); // a directory again
      }
    })
  };
  let mut inside = 0;
  let check = || Ok(());
  for i in 0..2000 {
    if copy_move::write(f.at("swap/inner.txt"), format!("v{i}").as_bytes(), false).is_ok() {
      inside += 1;
    }
    let _ = sys::read(f.at("swap/inner.txt"));
    let _ = sys::remove_file(f.at("swap/inner.txt"));
    let _ = sys::ensure_dir(f.at("swap/sub"));
    let _ = sys::remove_dir(f.at("swap/sub"), true, &check);
    let _ = sys::list(f.at("swap"), ListDetail::ModificationTimes);
  }
  stop.store(true, Ordering::Relaxed);
  swapper.join().unwrap();
  assert!(inside > 0, "no write got through at all");
  f.canary_intact();
}
