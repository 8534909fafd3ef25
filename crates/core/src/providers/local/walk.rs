//! LOCAL's paged listing: a depth-first walk that holds one open directory per level and reads
//! entries only as pages are asked for. A directory comes before its contents. Links are
//! followed to tell a file from a directory (as `listFiles` does), but the walk descends only
//! into real directories, so a tree is walked once and a link cycle cannot trap it.

use std::ffi::OsString;
use std::io;
use std::os::fd::OwnedFd;
use std::os::unix::ffi::OsStrExt;
use std::sync::Arc;
use std::time::SystemTime;

use async_trait::async_trait;
use rustix::fs::{self as rfs, Dir, FileType, Mode, OFlags, CWD};
use rustix::io::Errno;

use super::beneath::{self, stats_of, Root};
use super::{is_temp, run_blocking, Place};
use crate::error::{kind_of_io, ErrorKind, Result};
use crate::listing::{join, ListEntry, Lister, PAGE_SIZE};

/// Opens the listed directory now, so a missing one is ENOENT and a file ENOTDIR right away.
pub(super) fn open(place: Place, recursive: bool) -> io::Result<LocalLister> {
  let (fd, root) = match place {
    Place::Native(p) => {
      let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC;
      (rfs::openat(CWD, &p, flags, Mode::empty())?, None)
    }
    Place::Rooted(root, key) => (beneath::open_directory(&root, &key)?, Some((root, key))),
  };
  Ok(LocalLister {
    walk: Some(Walker {
      stack: vec![Frame::new(fd, String::new())?],
      root,
      recursive,
    }),
  })
}

pub(super) struct LocalLister {
  /// `None` while a page is being read on the blocking pool, or after a failure.
  walk: Option<Walker>,
}

#[async_trait]
impl Lister for LocalLister {
  async fn next_page(&mut self) -> Result<Option<Vec<ListEntry>>> {
    let Some(mut walker) = self.walk.take() else {
      return Ok(None);
    };
    let (walker, page) = run_blocking(move || {
      let page = walker.page()?;
      Ok((walker, page))
    })
    .await?;
    self.walk = Some(walker);
    Ok((!page.is_empty()).then_some(page))
  }
}

struct Walker {
  /// Open directories, innermost last.
  stack: Vec<Frame>,
  /// With a root: the root and the listed directory's key (links are resolved beneath it).
  root: Option<(Arc<Root>, String)>,
  recursive: bool,
}

struct Frame {
  dir: Dir,
  /// This directory's path relative to the listed one (`""` for the listed one).
  prefix: String,
}

impl Frame {
  fn new(fd: OwnedFd, prefix: String) -> io::Result<Frame> {
    Ok(Frame {
      dir: Dir::new(fd)?,
      prefix,
    })
  }
}

impl Walker {
  fn page(&mut self) -> io::Result<Vec<ListEntry>> {
    let mut page = Vec::new();
    while page.len() < PAGE_SIZE {
      let Some(frame) = self.stack.last_mut() else {
        break;
      };
      let Some(entry) = frame.dir.read() else {
        self.stack.pop();
        continue;
      };
      let entry = entry?;
      let name = OsString::from(std::ffi::OsStr::from_bytes(entry.file_name().to_bytes()));
      let text = name.to_string_lossy().into_owned();
      if text == "." || text == ".." || is_temp(&text) {
        continue;
      }
      let prefix = frame.prefix.clone();
      if let Some(found) = self.see(&name, &join(&prefix, &text), entry.file_type())? {
        page.push(found);
      }
    }
    Ok(page)
  }

  /// The entry for `name` in the innermost directory, and the walk entered into it when it is a
  /// real directory and the listing is recursive. `None`: gone meanwhile, or a dangling link.
  fn see(&mut self, name: &OsString, path: &str, hint: FileType) -> io::Result<Option<ListEntry>> {
    let key = self
      .root
      .as_ref()
      .map(|(root, base)| (root.as_ref(), join(base, path)));
    let dir = self.stack.last().expect("a frame is open").dir.fd()?;
    let st = match beneath::stat_entry(dir, name, key.as_ref().map(|(r, k)| (*r, k.as_str()))) {
      Ok(Some(st)) => st,
      Ok(None) => return Ok(None),
      // A link leading outside the root: a name nobody can read, listed as a file.
      Err(e) if kind_of_io(&e) == ErrorKind::PermissionDenied => {
        return Ok(Some(file(path, 0, None)));
      }
      Err(e) => return Err(e),
    };
    if FileType::from_raw_mode(st.st_mode) != FileType::Directory {
      let stats = stats_of(&st);
      return Ok(Some(file(path, stats.size, Some(stats.mtime))));
    }
    if self.recursive && hint != FileType::Symlink {
      let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
      match rfs::openat(dir, name, flags, Mode::empty()) {
        Ok(sub) => self.stack.push(Frame::new(sub, path.to_string())?),
        // Replaced by a link or removed meanwhile: listed, not entered.
        Err(Errno::LOOP | Errno::NOTDIR | Errno::NOENT) => {}
        Err(e) => return Err(e.into()),
      }
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
