//! LOCAL's portable implementation (macOS, Windows, and Linux built with the `portable-local`
//! feature): the calls `sys` stands for, through `std` and `cap-std` directory handles only.
//!
//! One resolution serves paths with and without a root: [`resolve`] gives the directory handle
//! that holds the named entry and its name, and every operation acts on that pair.
//! - With a root, the path is walked one name at a time from the root's handle ([`Walk`]): `..`
//!   steps back along the handles held (never past the root), a symbolic link is read and its
//!   target walked the same way, and an absolute target must name a place under the root. A
//!   directory is entered with `open_dir_nofollow`, and the final call on the name goes through
//!   `cap-std`, which itself never leaves the handle it is given (`openat2(RESOLVE_BENEATH)` on
//!   Linux): a directory swapped for a link mid-operation cannot lead outside.
//! - Without a root, the parent directory is opened as the OS resolves it, and a link in the last
//!   place is read and followed wherever it leads, as `fs` would.
//!
//! Walks of a tree (recursive deletes and listings, `deleteOldFiles`, the temp-file sweep) are
//! iterative ([`tree::Tree`]), never descend through a link, and hold a bounded number of handles.

mod tree;

use std::ffi::{OsStr, OsString};
use std::fs::File;
use std::io::{self, Read};
use std::path::{Component, Path, PathBuf};
use std::time::SystemTime;

use cap_fs_ext::{DirExt, FollowSymlinks, OpenOptionsFollowExt};
use cap_std::ambient_authority;
use cap_std::fs::{Dir, Metadata, OpenOptions};
use tree::{Kind, Step, Tree};

use super::{
  already_exists, is_a_directory, is_loop, is_temp, name_string, not_a_directory,
  refuse_directory_syntax, temp_name, utf8_name, Check, OldFileWalk, PagedLister, Pages, Place,
};
use crate::error::{kind_of_io, ErrorKind};
use crate::listing::{join, ListEntry, Lister, PAGE_SIZE};
use crate::names::NameBuf;
use crate::provider::{DirEntry, FileStats, ListDetail};

/// Most links one path may pass through (Linux's MAXSYMLINKS).
const MAX_LINKS: u32 = 40;

/// The deepest a recursive listing descends (README "Listing"; the same on every OS).
const MAX_LISTING_DEPTH: usize = 4096;

/// The storage root, held open for the provider's lifetime.
#[derive(Debug)]
pub struct Root {
  dir: Dir,
  /// Canonical: absolute link targets are compared with it.
  path: PathBuf,
}

impl Root {
  pub fn path(&self) -> &Path {
    &self.path
  }

  pub fn open(path: PathBuf) -> io::Result<Root> {
    let dir = Dir::open_ambient_dir(&path, ambient_authority())?;
    Ok(Root { dir, path })
  }
}

/// A directory handle: where a write publishes its temp file.
pub(super) type DirHandle = Dir;

fn outside() -> io::Error {
  io::Error::new(
    io::ErrorKind::PermissionDenied,
    "path leads outside the storage root",
  )
}

/// More links on one path than [`MAX_LINKS`] (`ELOOP`, which reads as `EACCES`).
fn too_many_links() -> io::Error {
  #[cfg(unix)]
  return io::Error::from_raw_os_error(libc::ELOOP);
  #[cfg(not(unix))]
  io::Error::new(io::ErrorKind::PermissionDenied, "too many symbolic links")
}

/// Following a link failed because it leads nowhere: dangling, a loop, through a file, or to a
/// name too long to be one. Listings and `deleteOldFiles` leave such a link out.
fn nowhere(e: &io::Error) -> bool {
  matches!(
    e.kind(),
    io::ErrorKind::NotFound | io::ErrorKind::NotADirectory | io::ErrorKind::InvalidFilename
  ) || is_loop(e)
}

/// A resolution beneath the root in progress: the directories entered so far and the names
/// still to resolve.
struct Walk<'r> {
  root: &'r Root,
  /// Directories below the root, innermost last; empty means the root itself.
  held: Vec<Dir>,
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

  fn dir(&self) -> &Dir {
    self.held.last().unwrap_or(&self.root.dir)
  }

  /// Enters every directory but the last name; returns that name, or `None` when the path ends
  /// at the directory now held. With `create`, missing directories on the way are made.
  fn walk_to_last(&mut self, create: bool) -> io::Result<Option<OsString>> {
    while let Some(name) = self.pending.pop() {
      if name == "." {
        continue;
      }
      if name == ".." {
        self.held.pop().ok_or_else(outside)?;
        continue;
      }
      if self.pending.is_empty() {
        return Ok(Some(name));
      }
      self.enter(&name, create)?;
    }
    Ok(None)
  }

  fn enter(&mut self, name: &OsStr, create: bool) -> io::Result<()> {
    // A directory made and removed again by someone else, over and over, ends as ENOENT.
    let mut last = io::Error::from(io::ErrorKind::NotFound);
    for _ in 0..8 {
      match self.dir().symlink_metadata(name) {
        Ok(meta) if meta.is_symlink() => {
          // No longer a link (`None`): look again.
          if let Some(target) = read_link(self.dir(), name)? {
            return self.follow(&target);
          }
        }
        Ok(meta) if meta.is_dir() => match self.dir().open_dir_nofollow(name) {
          Ok(dir) => {
            self.held.push(dir);
            return Ok(());
          }
          // Swapped for a link or removed meanwhile: look again.
          Err(e) => last = e,
        },
        Ok(_) => return Err(not_a_directory()),
        Err(e) if e.kind() == io::ErrorKind::NotFound && create => {
          match self.dir().create_dir(name) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(e),
          }
        }
        Err(e) => return Err(e),
      }
    }
    Err(last)
  }

  /// Queues a link's target in place of the link.
  fn follow(&mut self, target: &Path) -> io::Result<()> {
    self.links += 1;
    if self.links > MAX_LINKS {
      return Err(too_many_links());
    }
    let rest = if target.has_root() {
      let rest = target
        .strip_prefix(&self.root.path)
        .map_err(|_| outside())?;
      self.held.clear();
      rest
    } else {
      target
    };
    let text = target.to_string_lossy();
    if text.ends_with('/') || (cfg!(windows) && text.ends_with('\\')) {
      self.pending.push(OsString::from(".")); // `dir/` must be a directory
    }
    for part in rest.components().rev() {
      match part {
        Component::Normal(name) => self.pending.push(name.to_owned()),
        Component::ParentDir => self.pending.push(OsString::from("..")),
        Component::CurDir | Component::RootDir | Component::Prefix(_) => {}
      }
    }
    Ok(())
  }

  /// Walks to the last name: the directory holding it and the name (`None`: the path names the
  /// directory itself). With `follow`, a link in the last place is followed first.
  fn at_last(mut self, create: bool, follow: bool) -> io::Result<(Dir, Option<OsString>)> {
    loop {
      let Some(name) = self.walk_to_last(create)? else {
        return Ok((self.dir().try_clone()?, None));
      };
      if follow && is_link(self.dir(), &name) {
        if let Some(target) = read_link(self.dir(), &name)? {
          self.follow(&target)?;
          continue;
        }
      }
      return Ok((self.dir().try_clone()?, Some(name)));
    }
  }
}

/// The target of the link `name`; `None` when it is no longer a link (swapped meanwhile: `EINVAL`).
fn read_link(dir: &Dir, name: &OsStr) -> io::Result<Option<PathBuf>> {
  match dir.read_link_contents(name) {
    Ok(target) => Ok(Some(target)),
    Err(e) if e.kind() == io::ErrorKind::InvalidInput => Ok(None),
    Err(e) => Err(e),
  }
}

fn is_link(dir: &Dir, name: &OsStr) -> bool {
  dir.symlink_metadata(name).is_ok_and(|m| m.is_symlink())
}

/// An OS path (no root): its parent opened as the OS resolves it, and the name in it, a link in
/// the last place followed wherever it leads with `follow`.
fn native(path: &Path, create: bool, follow: bool) -> io::Result<(Dir, Option<OsString>)> {
  let mut path = path.to_path_buf();
  let mut links = 0;
  loop {
    let Some(name) = path.file_name().map(OsStr::to_owned) else {
      return Ok((Dir::open_ambient_dir(&path, ambient_authority())?, None));
    };
    let parent = match path.parent() {
      Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
      _ => PathBuf::from("."),
    };
    let dir = match Dir::open_ambient_dir(&parent, ambient_authority()) {
      Err(e) if e.kind() == io::ErrorKind::NotFound && create => {
        if let Err(e) = std::fs::create_dir_all(&parent) {
          return Err(match e.kind() {
            io::ErrorKind::AlreadyExists => not_a_directory(),
            _ => e,
          });
        }
        Dir::open_ambient_dir(&parent, ambient_authority())?
      }
      other => other?,
    };
    if follow && is_link(&dir, &name) {
      if let Some(target) = read_link(&dir, &name)? {
        links += 1;
        if links > MAX_LINKS {
          return Err(too_many_links());
        }
        path = parent.join(target);
        continue;
      }
    }
    return Ok((dir, Some(name)));
  }
}

/// The directory that holds what `place` names, and its name there (see the module docs).
fn resolve(place: &Place, create: bool, follow: bool) -> io::Result<(Dir, Option<OsString>)> {
  match place {
    Place::Native(p) => native(p, create, follow),
    Place::Rooted(root, key) => Walk::new(root, key).at_last(create, follow),
  }
}

/// The place of `name` inside the directory `place` names.
fn child(place: &Place, name: &str) -> Place {
  match place {
    Place::Native(p) => Place::Native(p.join(name)),
    Place::Rooted(root, key) => Place::Rooted(root.clone(), join(key, name)),
  }
}

/// The directory `place` names, opened for reading its entries (links followed).
fn open_dir(place: &Place) -> io::Result<Dir> {
  match resolve(place, false, true)? {
    (dir, None) => Ok(dir),
    (dir, Some(name)) => dir.open_dir(&name),
  }
}

/// Deleting or moving a link acts on the link itself, never its target; still, a link that leads
/// outside the root is refused like every other use of it (README: such links are EACCES).
fn refuse_outside_link(place: &Place, dir: &Dir, name: &OsStr) -> io::Result<()> {
  if matches!(place, Place::Rooted(..)) && is_link(dir, name) {
    if let Err(e) = resolve(place, false, true) {
      if kind_of_io(&e) == ErrorKind::PermissionDenied {
        return Err(e);
      }
    }
  }
  Ok(())
}

pub(super) fn parent(place: Place) -> io::Result<(Dir, OsString)> {
  if let Place::Native(path) = &place {
    refuse_directory_syntax(path)?;
  }
  match resolve(&place, true, true)? {
    (_, None) => Err(is_a_directory()),
    (dir, Some(name)) => Ok((dir, name)),
  }
}

/// True when `name` in `dir` is a directory (not a link to one).
pub(super) fn is_dir_in(dir: &Dir, name: &OsStr) -> bool {
  dir.symlink_metadata(name).is_ok_and(|m| m.is_dir())
}

/// Creates the file `name` in `dir` for writing; fails when the name exists (never follows a link).
pub(super) fn create_new_in(dir: &Dir, name: &str) -> io::Result<File> {
  let mut options = OpenOptions::new();
  options.write(true).create_new(true);
  Ok(dir.open_with(name, &options)?.into_std())
}

pub(super) fn rename_in(dir: &Dir, from: &OsStr, to: &OsStr) -> io::Result<()> {
  dir.rename(from, dir, to)
}

/// Publishes `from` as `to` unless `to` exists (then `EEXIST`): a hard link, which never replaces
/// on any OS, then `from` unlinked. (A filesystem without hard links, such as FAT, refuses it.)
pub(super) fn rename_noreplace_in(dir: &Dir, from: &OsStr, to: &OsStr) -> io::Result<()> {
  dir.hard_link(from, dir, to)?;
  let _ = dir.remove_file(from);
  Ok(())
}

pub(super) fn remove_in(dir: &Dir, name: &OsStr) -> io::Result<()> {
  dir.remove_file(name)
}

/// Opens `name` in `dir` for reading, never through a link (and, on Unix, without waiting on a
/// FIFO).
pub(super) fn open_nofollow_in(dir: &Dir, name: &OsStr) -> io::Result<File> {
  let mut options = OpenOptions::new();
  options.read(true).follow(FollowSymlinks::No);
  #[cfg(unix)]
  cap_std::fs::OpenOptionsExt::custom_flags(&mut options, libc::O_NONBLOCK);
  Ok(dir.open_with(name, &options)?.into_std())
}

/// Opens the file `place` names for reading, links followed (beneath the root); a directory is
/// EISDIR.
pub(super) fn open_file(place: &Place) -> io::Result<File> {
  let (dir, Some(name)) = resolve(place, false, true)? else {
    return Err(is_a_directory());
  };
  match dir.open(&name) {
    Ok(file) => Ok(file.into_std()),
    // Windows opens no directory as a file: say what it is.
    Err(_) if dir.metadata(&name).is_ok_and(|m| m.is_dir()) => Err(is_a_directory()),
    Err(e) => Err(e),
  }
}

pub(super) fn ensure_dir(place: Place) -> io::Result<()> {
  let (dir, Some(name)) = resolve(&place, true, true)? else {
    return Ok(());
  };
  match dir.create_dir(&name) {
    Err(e) if e.kind() == io::ErrorKind::AlreadyExists => match is_dir_in(&dir, &name) {
      true => Ok(()),
      false => Err(already_exists()),
    },
    other => other,
  }
}

/// The metadata of what `place` names (links followed).
fn metadata_of(place: &Place) -> io::Result<Metadata> {
  match resolve(place, false, true)? {
    (dir, None) => dir.dir_metadata(),
    (dir, Some(name)) => dir.metadata(&name),
  }
}

/// Whether `place` is a directory or not, and its mtime (links followed).
fn stat(place: &Place) -> io::Result<(bool, SystemTime)> {
  let meta = metadata_of(place)?;
  Ok((meta.is_dir(), meta.modified()?.into_std()))
}

/// Size, mtime and ctime (on Windows, which has no ctime, the creation time).
fn stats(meta: &Metadata) -> io::Result<FileStats> {
  #[cfg(unix)]
  let ctime = {
    use cap_std::fs::MetadataExt;
    super::system_time(meta.ctime(), meta.ctime_nsec())
  };
  #[cfg(not(unix))]
  let ctime = meta.created().or_else(|_| meta.modified())?.into_std();
  Ok(FileStats {
    size: meta.len(),
    mtime: meta.modified()?.into_std(),
    ctime,
  })
}

/// True when `place` is a directory (`want_dir`) or a file. Only leaving the root is an error.
pub(super) fn exists(place: Place, want_dir: bool) -> io::Result<bool> {
  match metadata_of(&place) {
    Ok(meta) if want_dir => Ok(meta.is_dir()),
    Ok(meta) => Ok(meta.is_file()),
    Err(e)
      if matches!(place, Place::Rooted(..)) && kind_of_io(&e) == ErrorKind::PermissionDenied =>
    {
      Err(e)
    }
    Err(_) => Ok(false),
  }
}

pub(super) fn remove_file(place: Place) -> io::Result<()> {
  let (dir, Some(name)) = resolve(&place, false, false)? else {
    return Err(is_a_directory());
  };
  refuse_outside_link(&place, &dir, &name)?;
  dir.remove_file_or_symlink(&name)
}

/// Removes the directory `place` names (a link to one is ENOTDIR), its tree with `recursive`,
/// calling `check` before each entry.
pub(super) fn remove_dir(place: Place, recursive: bool, check: Check) -> io::Result<()> {
  let (dir, Some(name)) = resolve(&place, false, false)? else {
    return Err(outside()); // the root itself: the facade refuses it first
  };
  refuse_outside_link(&place, &dir, &name)?;
  if !dir.symlink_metadata(&name)?.is_dir() {
    return Err(not_a_directory());
  }
  if recursive {
    let mut tree = Tree::new(dir.open_dir_nofollow(&name)?)?;
    loop {
      match tree.next()? {
        Step::Done => break,
        Step::Left(name) => missing_is_ok(tree.dir().remove_dir(&name))?,
        Step::Entry(name, kind) => {
          check()?;
          if !(kind == Kind::Dir && tree.enter(&name)?) {
            missing_is_ok(tree.dir().remove_file_or_symlink(&name))?;
          }
        }
      }
    }
  }
  dir.remove_dir(&name)
}

fn missing_is_ok(result: io::Result<()>) -> io::Result<()> {
  match result {
    Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
    other => other,
  }
}

/// What a listing shows of the link `name` in the directory `place`: `Some((is_dir, mtime))`,
/// `None` when it leads nowhere (left out); one leading outside the root or where this process
/// cannot look is a file nobody can read.
fn follow_link(place: &Place, name: &str) -> io::Result<Option<(bool, Option<SystemTime>)>> {
  match stat(&child(place, name)) {
    Ok((is_dir, mtime)) => Ok(Some((is_dir, Some(mtime)))),
    Err(e) if nowhere(&e) => Ok(None),
    Err(e) if kind_of_io(&e) == ErrorKind::PermissionDenied => Ok(Some((false, None))),
    Err(e) => Err(e),
  }
}

pub(super) fn list(place: Place, detail: ListDetail) -> io::Result<Vec<DirEntry>> {
  let dir = open_dir(&place)?;
  let mut listed = Vec::new();
  for entry in dir.entries()? {
    let entry = entry?;
    let name = entry.file_name();
    if is_temp(name.as_encoded_bytes()) || utf8_name(name.as_encoded_bytes()).is_none() {
      continue;
    }
    let name = name_string(name);
    let file_type = match entry.file_type() {
      Ok(t) => t,
      Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
      Err(e) => return Err(e),
    };
    let (is_dir, mtime) = if file_type.is_symlink() {
      match follow_link(&place, &name)? {
        Some(seen) => seen,
        None => continue,
      }
    } else if detail == ListDetail::ModificationTimes {
      match entry.metadata() {
        Ok(meta) => (meta.is_dir(), Some(meta.modified()?.into_std())),
        Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
        Err(e) => return Err(e),
      }
    } else {
      (file_type.is_dir(), None)
    };
    let mtime = mtime.filter(|_| detail == ListDetail::ModificationTimes);
    listed.push(DirEntry {
      name,
      is_dir,
      mtime,
    });
  }
  Ok(listed)
}

pub(super) fn list_names(place: Place, mut names: NameBuf) -> io::Result<NameBuf> {
  for entry in list(place, ListDetail::Names)? {
    names.push(&entry.name);
  }
  Ok(names)
}

/// The stats of the file `place` names (links followed); a directory is EISDIR.
pub(super) fn file_stats(place: Place) -> io::Result<FileStats> {
  let meta = metadata_of(&place)?;
  if meta.is_dir() {
    return Err(is_a_directory());
  }
  stats(&meta)
}

pub(super) fn read(place: Place) -> io::Result<Vec<u8>> {
  let mut data = Vec::new();
  open_file(&place)?.read_to_end(&mut data)?;
  Ok(data)
}

/// Renames the file `src` to `dst` (parents of `dst` created); a link at either end is moved or
/// replaced itself, never followed; a directory is EISDIR. Another filesystem is
/// `CrossesDevices`, which the caller turns into a copy.
pub(super) fn rename(src: &Place, dst: &Place) -> io::Result<()> {
  let (from_dir, Some(from)) = resolve(src, false, false)? else {
    return Err(is_a_directory());
  };
  refuse_outside_link(src, &from_dir, &from)?;
  if stat(src)?.0 {
    return Err(is_a_directory());
  }
  if let Place::Native(path) = dst {
    refuse_directory_syntax(path)?;
  }
  let (to_dir, Some(to)) = resolve(dst, true, false)? else {
    return Err(is_a_directory());
  };
  from_dir.rename(&from, &to_dir, &to)
}

/// Deletes the old files in the directory `place` names (with `recursive`, its tree); links are
/// followed like the listing does. A file judged old is renamed aside and judged again before it
/// is unlinked, so one rewritten meanwhile stays (see the Linux `sweep` for the reasoning).
pub(super) fn delete_old(place: Place, old: &OldFileWalk) -> io::Result<u32> {
  let mut tree = Tree::new(open_dir(&place)?)?;
  let mut deleted = 0;
  loop {
    let (name, kind) = match tree.next()? {
      Step::Done => return Ok(deleted),
      Step::Left(_) => continue,
      Step::Entry(name, kind) => (name, kind),
    };
    (old.check)()?;
    let Some(text) = utf8_name(name.as_encoded_bytes()) else {
      continue;
    };
    if is_temp(name.as_encoded_bytes()) || (kind == Kind::Dir && !old.recursive) {
      continue;
    }
    if kind == Kind::Dir && tree.enter(&name)? {
      continue;
    }
    let path = join(&tree.path(), text);
    let judge = |name: &OsStr| -> io::Result<bool> {
      let seen = match tree.dir().symlink_metadata(name) {
        Ok(meta) if meta.is_symlink() => {
          let at = child(&place, &join(&tree.path(), &name.to_string_lossy()));
          match stat(&at) {
            Ok(seen) => seen,
            Err(e) if nowhere(&e) || kind_of_io(&e) == ErrorKind::PermissionDenied => {
              return Ok(false)
            }
            Err(e) => return Err(e),
          }
        }
        Ok(meta) => (meta.is_dir(), meta.modified()?.into_std()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(e),
      };
      Ok(!seen.0 && seen.1 < old.cutoff)
    };
    if !judge(&name)? {
      continue;
    }
    match retire(tree.dir(), &name, &judge) {
      Ok(true) => {
        (old.report)(&path, None);
        deleted += 1;
      }
      Ok(false) => {}
      Err(e) => (old.report)(&path, Some(&e)),
    }
  }
}

/// Deletes `name`, judged old, unless what is there now is no longer old: renamed aside first,
/// judged again (`still_old`), then unlinked or put back, never over a file that took the name
/// meanwhile (that one is newer: the one aside goes instead). True when it was deleted.
fn retire(
  dir: &Dir,
  name: &OsStr,
  still_old: &dyn Fn(&OsStr) -> io::Result<bool>,
) -> io::Result<bool> {
  let aside = OsString::from(temp_name("old"));
  match dir.rename(name, dir, &aside) {
    Ok(()) => {}
    Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
    Err(e) => return Err(e),
  }
  let judged = match still_old(&aside) {
    Ok(true) => match dir.remove_file_or_symlink(&aside) {
      Ok(()) => return Ok(true),
      Err(e) => Err(e),
    },
    other => other.map(|_| false),
  };
  match rename_noreplace_in(dir, &aside, name) {
    Ok(()) => {}
    Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
      missing_is_ok(dir.remove_file_or_symlink(&aside))?
    }
    Err(e) => return Err(e),
  }
  judged
}

/// Removes Stowage's temp files ([`super::TEMP_PREFIX`]) last modified before `cutoff` in the
/// directory `place` names and every real directory below it; returns how many.
pub(super) fn cleanup_temps(place: Place, cutoff: SystemTime) -> io::Result<u32> {
  let mut tree = Tree::new(open_dir(&place)?)?;
  let mut removed = 0;
  loop {
    let (name, kind) = match tree.next()? {
      Step::Done => return Ok(removed),
      Step::Left(_) => continue,
      Step::Entry(name, kind) => (name, kind),
    };
    if (kind == Kind::Dir && tree.enter(&name)?) || !is_temp(name.as_encoded_bytes()) {
      continue;
    }
    match tree.dir().symlink_metadata(&name) {
      Ok(meta) if meta.is_file() && meta.modified()?.into_std() < cutoff => {
        missing_is_ok(tree.dir().remove_file(&name))?;
        removed += 1;
      }
      Ok(_) => {}
      Err(e) if e.kind() == io::ErrorKind::NotFound => {}
      Err(e) => return Err(e),
    }
  }
}

pub(super) fn lister(place: Place, recursive: bool) -> io::Result<Box<dyn Lister>> {
  let tree = Tree::new(open_dir(&place)?)?;
  Ok(Box::new(PagedLister {
    walk: Some(Walker {
      tree,
      place,
      recursive,
    }),
  }))
}

/// The paged listing ([`super::PagedLister`]): a depth-first walk that reads entries only as pages
/// are asked for; a directory comes before its contents, links are followed to tell a file from a
/// directory but never descended into.
struct Walker {
  tree: Tree,
  /// The listed directory: links are resolved from it (beneath the root when it has one).
  place: Place,
  recursive: bool,
}

impl Pages for Walker {
  fn page(&mut self) -> io::Result<Vec<ListEntry>> {
    let mut page = Vec::new();
    while page.len() < PAGE_SIZE {
      let (name, kind) = match self.tree.next()? {
        Step::Done => break,
        Step::Left(_) => continue,
        Step::Entry(name, kind) => (name, kind),
      };
      if is_temp(name.as_encoded_bytes()) {
        continue;
      }
      let Some(text) = utf8_name(name.as_encoded_bytes()) else {
        continue;
      };
      // Every directory entered has a UTF-8 name: the path is exact.
      let path = join(&self.tree.path(), text);
      if let Some(found) = self.see(&name, &path, kind)? {
        page.push(found);
      }
    }
    Ok(page)
  }
}

impl Walker {
  fn see(&mut self, name: &OsStr, path: &str, kind: Kind) -> io::Result<Option<ListEntry>> {
    let (is_dir, size, mtime) = if kind == Kind::Link {
      match metadata_of(&child(&self.place, path)) {
        Ok(meta) => (meta.is_dir(), meta.len(), Some(meta.modified()?.into_std())),
        Err(e) if nowhere(&e) => return Ok(None),
        // A link leading outside the root: a name nobody can read, listed as a file.
        Err(e) if kind_of_io(&e) == ErrorKind::PermissionDenied => (false, 0, None),
        Err(e) => return Err(e),
      }
    } else {
      match self.tree.dir().symlink_metadata(name) {
        Ok(meta) => (meta.is_dir(), meta.len(), Some(meta.modified()?.into_std())),
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
      }
    };
    if !is_dir {
      return Ok(Some(ListEntry {
        path: path.to_string(),
        is_dir: false,
        size,
        mtime,
        etag: None,
      }));
    }
    if self.recursive && kind == Kind::Dir {
      if self.tree.depth() >= MAX_LISTING_DEPTH {
        return Err(io::Error::new(
          io::ErrorKind::InvalidInput,
          format!(
            "the tree is deeper than {MAX_LISTING_DEPTH} levels, the most a listing descends"
          ),
        ));
      }
      // Replaced by a link or removed meanwhile: listed, not entered.
      self.tree.enter(name)?;
    }
    Ok(Some(ListEntry::dir(path.to_string())))
  }
}
