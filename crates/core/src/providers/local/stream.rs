//! LOCAL streams. A read holds the file open and reads one chunk per call on the blocking pool.
//! A write goes to a temp file ([`super::TEMP_PREFIX`]) next to the target, published on finish
//! like `writeFile` ([`super::publish`]); an abort, a failure or a writer dropped unfinished
//! removes the temp file.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};

use async_trait::async_trait;
use bytes::{Bytes, BytesMut};

use super::publish::Temp;
use super::{is_a_directory, run_blocking, sys, Place};
use crate::error::{Error, ErrorKind, Result};
use crate::metadata::WriteOptions;
use crate::stream::{ByteRange, ReadStream, Reader, WriteStream, Writer};

pub(super) fn open_read(place: Place, range: ByteRange, chunk_size: usize) -> io::Result<Reader> {
  let mut file = sys::open_file(&place)?;
  let meta = file.metadata()?;
  if meta.is_dir() {
    return Err(is_a_directory());
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

/// A write stream: chunks go into a temp file as they come; `finish` publishes it with `options`
/// ([`publish`]: metadata, condition), so a large upload never sits in memory.
pub(super) fn open_write(place: Place, options: WriteOptions, fsync: bool) -> Result<Writer> {
  let (temp, file) = Temp::create(place, true)?;
  Ok(Box::new(LocalWriter {
    file: Some(file),
    temp: Some(temp),
    options,
    fsync,
  }))
}

struct LocalWriter {
  /// Both `None` after finish, abort or a failed write; the temp file goes with `temp`.
  file: Option<File>,
  temp: Option<Temp>,
  options: WriteOptions,
  fsync: bool,
}

impl LocalWriter {
  fn take(&mut self) -> Result<(File, Temp)> {
    match (self.file.take(), self.temp.take()) {
      (Some(file), Some(temp)) => Ok((file, temp)),
      _ => Err(Error::new(
        ErrorKind::InvalidInput,
        "write stream is closed",
      )),
    }
  }
}

#[async_trait]
impl WriteStream for LocalWriter {
  async fn write(&mut self, data: Bytes) -> Result<()> {
    let (mut file, temp) = self.take()?;
    // On failure the temp file is dropped (removed) on the blocking thread with the rest.
    let (file, temp) = run_blocking(move || {
      file.write_all(&data)?;
      Ok((file, temp))
    })
    .await?;
    self.file = Some(file);
    self.temp = Some(temp);
    Ok(())
  }

  async fn finish(&mut self) -> Result<()> {
    let (file, mut temp) = self.take()?;
    let (options, fsync) = (self.options.clone(), self.fsync);
    run_blocking(move || Ok(temp.publish(file, &options, fsync))).await?
  }

  async fn abort(&mut self) -> Result<()> {
    self.file = None;
    self.temp = None;
    Ok(())
  }
}
