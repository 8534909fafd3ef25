//! LOCAL streams. A read holds the file open and reads one chunk per call on the blocking pool.
//! A write goes to a temp file ([`super::TEMP_PREFIX`]) next to the target, renamed over it on finish (atomic,
//! like `writeFile`); an abort, a failure or a writer dropped unfinished removes the temp file.

use std::ffi::OsString;
use std::fs::{self, File};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use async_trait::async_trait;
use bytes::{Bytes, BytesMut};
use rustix::fs::{self as rfs, AtFlags, FileType, Mode, OFlags, CWD};

use super::{beneath, errno, run_blocking, temp_name, Place, EISDIR, ENOTDIR};
use crate::error::{Error, ErrorKind, Result};
use crate::stream::{ByteRange, ReadStream, Reader, WriteStream, Writer};

pub(super) fn open_read(place: Place, range: ByteRange, chunk_size: usize) -> io::Result<Reader> {
  let mut file = match place {
    Place::Native(p) => File::open(p)?,
    Place::Rooted(root, key) => beneath::open_read(&root, &key)?,
  };
  let meta = file.metadata()?;
  if meta.is_dir() {
    return Err(errno(EISDIR));
  }
  if range.start > 0 {
    file.seek(SeekFrom::Start(range.start))?;
  }
  Ok(Box::new(LocalReader {
    file: Some(file),
    remaining: range.len(),
    size_left: meta.len().saturating_sub(range.start),
    chunk_size,
    buffer: BytesMut::new(),
  }))
}

/// The least a read asks for beyond what the file held when it was opened (it may grow).
const GROWTH_READ: u64 = 64 * 1024;

struct LocalReader {
  /// `None` once the end was reached (the file is closed then).
  file: Option<File>,
  remaining: Option<u64>,
  /// Bytes the file held past the read position when it was opened, less what was read since:
  /// a chunk's buffer is never larger than this (or [`GROWTH_READ`]), so a small file read with
  /// a huge `chunkSize` allocates what it holds, not the chunk size.
  size_left: u64,
  chunk_size: usize,
  /// Reused: once the caller dropped the last chunk, its allocation holds the next one.
  buffer: BytesMut,
}

#[async_trait]
impl ReadStream for LocalReader {
  async fn next_chunk(&mut self) -> Result<Option<Bytes>> {
    let want = match self.remaining {
      Some(0) => return Ok(None),
      Some(left) => left.min(self.chunk_size as u64) as usize,
      None => self.chunk_size,
    };
    let want = want.min(self.size_left.max(GROWTH_READ).min(usize::MAX as u64) as usize);
    let Some(mut file) = self.file.take() else {
      return Ok(None);
    };
    let mut buf = std::mem::take(&mut self.buffer);
    buf.clear();
    buf.resize(want, 0);
    let (file, mut buf, filled) = run_blocking(move || {
      let mut filled = 0;
      while filled < want {
        match file.read(&mut buf[filled..]) {
          Ok(0) => break,
          Ok(n) => filled += n,
          Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
          Err(e) => return Err(e),
        }
      }
      Ok((file, buf, filled))
    })
    .await?;
    if filled == 0 {
      return Ok(None);
    }
    buf.truncate(filled);
    let chunk = buf.split().freeze();
    self.buffer = buf;
    self.file = Some(file);
    if let Some(left) = &mut self.remaining {
      *left -= chunk.len() as u64;
    }
    self.size_left = self.size_left.saturating_sub(chunk.len() as u64);
    Ok(Some(chunk))
  }
}

pub(super) fn open_write(place: Place, fsync: bool) -> io::Result<Writer> {
  let (dir, name) = match place {
    Place::Native(p) => native_parent(&p)?,
    Place::Rooted(root, key) => beneath::parent_of(&root, &key)?,
  };
  // A directory at the path is EISDIR now rather than at the rename.
  if let Ok(st) = rfs::statat(&dir, &name, AtFlags::SYMLINK_NOFOLLOW) {
    if FileType::from_raw_mode(st.st_mode) == FileType::Directory {
      return Err(errno(EISDIR));
    }
  }
  let temp = temp_name(&name.to_string_lossy());
  let flags = OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC;
  let fd = rfs::openat(&dir, temp.as_str(), flags, Mode::from_raw_mode(0o666))?;
  Ok(Box::new(LocalWriter {
    file: Some(File::from(fd)),
    dir: Arc::new(dir),
    name,
    temp,
    fsync,
    pending: true,
  }))
}

/// The parent directory of an OS path (created with its parents, as `writeFile` does) and the
/// name in it.
pub(super) fn native_parent(target: &Path) -> io::Result<(OwnedFd, OsString)> {
  let name = target.file_name().ok_or_else(|| errno(EISDIR))?.to_owned();
  let dir = match target.parent() {
    Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
    _ => PathBuf::from("."),
  };
  if let Err(e) = fs::create_dir_all(&dir) {
    return Err(match e.kind() {
      io::ErrorKind::AlreadyExists => errno(ENOTDIR),
      _ => e,
    });
  }
  let flags = OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC;
  Ok((rfs::openat(CWD, &dir, flags, Mode::empty())?, name))
}

struct LocalWriter {
  /// `None` after finish or abort, or after a failed write (the temp file is then removed).
  file: Option<File>,
  dir: Arc<OwnedFd>,
  name: OsString,
  temp: String,
  fsync: bool,
  /// The temp file still exists and is ours to remove.
  pending: bool,
}

impl LocalWriter {
  fn take_file(&mut self) -> Result<File> {
    self
      .file
      .take()
      .ok_or_else(|| Error::new(ErrorKind::InvalidInput, "write stream is closed"))
  }

  fn remove_temp(&mut self) {
    if std::mem::take(&mut self.pending) {
      let _ = rfs::unlinkat(&*self.dir, self.temp.as_str(), AtFlags::empty());
    }
  }
}

#[async_trait]
impl WriteStream for LocalWriter {
  async fn write(&mut self, data: Bytes) -> Result<()> {
    let mut file = self.take_file()?;
    let written = run_blocking(move || file.write_all(&data).map(|()| file)).await;
    match written {
      Ok(file) => {
        self.file = Some(file);
        Ok(())
      }
      Err(e) => {
        self.remove_temp();
        Err(e)
      }
    }
  }

  async fn finish(&mut self) -> Result<()> {
    let file = self.take_file()?;
    let (dir, temp, name, fsync) = (
      self.dir.clone(),
      self.temp.clone(),
      self.name.clone(),
      self.fsync,
    );
    let renamed = run_blocking(move || {
      if fsync {
        file.sync_all()?;
      }
      drop(file);
      Ok(rfs::renameat(&*dir, temp.as_str(), &*dir, &name)?)
    })
    .await;
    match renamed {
      Ok(()) => self.pending = false,
      Err(_) => self.remove_temp(),
    }
    renamed
  }

  async fn abort(&mut self) -> Result<()> {
    self.file = None;
    self.remove_temp();
    Ok(())
  }
}

impl Drop for LocalWriter {
  fn drop(&mut self) {
    self.remove_temp();
  }
}
