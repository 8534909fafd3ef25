//! LOCAL's paged listing: a depth-first walk ([`Tree`]: iterative, from directory handles, with
//! a bounded number of open directories) that reads entries only as pages are asked for. A
//! directory comes before its contents. Links are followed to tell a file from a directory (as
//! `listFiles` does), but the walk descends only into real directories, so a tree is walked once
//! and a link cycle cannot trap it. Names that are not UTF-8 are skipped with a warning.

use std::ffi::OsString;
use std::io;
use std::os::fd::AsFd;
use std::os::unix::ffi::OsStrExt;
use std::time::SystemTime;

use rustix::fs::FileType;

use super::linux::stats_of;
use super::resolve::{self, is_dir, open_dir, Entry};
use super::tree::{Step, Tree};
use super::{is_temp, utf8_name, PagedLister, Pages, Place};
use crate::error::{kind_of_io, ErrorKind};
use crate::listing::{join, ListEntry, PAGE_SIZE};

/// The deepest a recursive LOCAL listing (`list`, `listFiles` with `recursive`, `transfer`'s
/// source) descends: a tree with directories deeper than this is refused with `EINVAL`, since the
/// paths it would hand out grow past what a path argument may be (16,384 characters) and past
/// what the OS takes without a root (4,096 bytes). Deletes and sweeps have no such limit.
pub const MAX_LISTING_DEPTH: usize = 4096;

/// Opens the listed directory now, so a missing one is ENOENT and a file ENOTDIR right away.
pub(super) fn open(place: Place, recursive: bool) -> io::Result<PagedLister<impl Pages>> {
  let fd = open_dir(&place)?;
  Ok(PagedLister {
    walk: Some(Walker {
      tree: Tree::new(fd.as_fd())?,
      place,
      recursive,
    }),
  })
}

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
      let (name, file_type) = match self.tree.next()? {
        Step::Done => break,
        Step::Left(_) => continue,
        Step::Entry(name, file_type) => (name, file_type),
      };
      if is_temp(name.as_bytes()) {
        continue;
      }
      let Some(text) = utf8_name(name.as_bytes()) else {
        continue;
      };
      // Every directory entered has a UTF-8 name: the path is exact.
      let below = self.tree.path();
      let path = join(&below, text);
      if let Some(found) = self.see(&name, &below, &path, file_type)? {
        page.push(found);
      }
    }
    Ok(page)
  }
}

impl Walker {
  /// The entry for `name` in the current directory, and the walk entered into it when it is a
  /// real directory and the listing is recursive (`below`: the current directory's path, `path`:
  /// the entry's). `None`: gone meanwhile, or a link that leads nowhere.
  fn see(
    &mut self,
    name: &OsString,
    below: &str,
    path: &str,
    hint: FileType,
  ) -> io::Result<Option<ListEntry>> {
    let st = match resolve::stat_entry(&self.place, self.tree.dir(), below, name, hint) {
      Ok(Entry::Stat(st)) => st,
      Ok(Entry::Gone) => return Ok(None),
      // A link leading outside the root, or where this process cannot look: a name nobody can
      // read, listed as a file.
      Ok(Entry::Unreadable(_)) => return Ok(Some(file(path, 0, None))),
      Err(e) if kind_of_io(&e) == ErrorKind::PermissionDenied => {
        return Ok(Some(file(path, 0, None)));
      }
      Err(e) => return Err(e),
    };
    if !is_dir(&st) {
      let stats = stats_of(&st);
      return Ok(Some(file(path, stats.size, Some(stats.mtime))));
    }
    if self.recursive && hint != FileType::Symlink {
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

fn file(path: &str, size: u64, mtime: Option<SystemTime>) -> ListEntry {
  ListEntry {
    path: path.to_string(),
    is_dir: false,
    size,
    mtime,
    etag: None,
  }
}
