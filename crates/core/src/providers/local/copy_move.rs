//! LOCAL range reads (one positioned read), copies (a temp file published like `writeFile`:
//! atomic) and moves (a rename; across filesystems a copy that keeps the metadata xattrs, then a
//! delete).

use std::fs::File;
use std::io;

use super::publish::{self, Temp};
use super::{is_a_directory, sys, Place};
use crate::error::Result;
use crate::metadata::WriteOptions;
use crate::ranges::clamp;
use crate::stream::ByteRange;

/// Opens a file for reading; a directory is EISDIR.
fn open_file(place: &Place) -> io::Result<File> {
  let file = sys::open_file(place)?;
  if file.metadata()?.is_dir() {
    return Err(is_a_directory());
  }
  Ok(file)
}

/// One read at `offset` (the file position is not used, so no seek is needed on Unix).
#[cfg(unix)]
fn read_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
  std::os::unix::fs::FileExt::read_at(file, buf, offset)
}

#[cfg(windows)]
fn read_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
  std::os::windows::fs::FileExt::seek_read(file, buf, offset)
}

pub(super) fn read_range(place: Place, range: ByteRange) -> io::Result<Vec<u8>> {
  let file = open_file(&place)?;
  let span = clamp(range, file.metadata()?.len());
  let mut buf = vec![0u8; (span.end - span.start) as usize];
  let mut filled = 0;
  // The file may shrink meanwhile: keep what was there.
  while filled < buf.len() {
    match read_at(&file, &mut buf[filled..], span.start + filled as u64) {
      Ok(0) => break,
      Ok(n) => filled += n,
      Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
      Err(e) => return Err(e),
    }
  }
  buf.truncate(filled);
  Ok(buf)
}

/// Copies the file `src` to `dst` (replaced atomically). `io::copy` between files uses
/// `copy_file_range` on Linux (a reflink or an in-kernel copy where the filesystem can).
pub(super) fn copy(src: Place, dst: Place, fsync: bool) -> Result<()> {
  let mut from = open_file(&src)?;
  let (mut temp, mut to) = Temp::create(dst, true)?;
  io::copy(&mut from, &mut to)?;
  temp.publish(to, &WriteOptions::default(), fsync)
}

/// Moves `src` to `dst`. Across filesystems the bytes are copied with the metadata the source
/// keeps in xattrs (a destination filesystem without xattrs refuses metadata beyond the content
/// type with `ENOTSUP`, and the source stays), then the source is deleted.
pub(super) fn rename(src: Place, dst: Place, fsync: bool) -> Result<()> {
  match sys::rename(&src, &dst) {
    // Another filesystem: copy with the metadata, then delete.
    Err(e) if e.kind() == io::ErrorKind::CrossesDevices => {
      super::metadata::copy(src.clone(), dst, &WriteOptions::default(), fsync)?;
      Ok(sys::remove_file(src)?)
    }
    other => Ok(other?),
  }
}

/// `writeFile`'s bytes published at `place`.
pub(super) fn write(place: Place, data: &[u8], fsync: bool) -> Result<()> {
  let fill = |file: &mut File| io::Write::write_all(file, data);
  // On Linux a directory at the name fails the rename with EISDIR: no check first on this hot
  // path. Elsewhere (Windows answers EACCES) the directory is looked for first.
  let check_dir = cfg!(not(local_linux));
  publish::write(place, &WriteOptions::default(), fsync, check_dir, fill)
}
