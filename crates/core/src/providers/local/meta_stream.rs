//! LOCAL write streams with metadata or a condition: chunks go into a temp file as they come;
//! `finish` stores the metadata on it and publishes it as `writeFile` with options does
//! (see [`super::metadata`]), so a large upload never sits in memory.

use std::fs::File;
use std::io::Write;

use async_trait::async_trait;
use bytes::Bytes;

use super::metadata::Temp;
use super::{run_blocking, Place};
use crate::error::{Error, ErrorKind, Result};
use crate::metadata::WriteOptions;
use crate::stream::{WriteStream, Writer};

struct MetaWriter {
  /// Both `None` after finish, abort or a failed write; the temp file goes with `temp`.
  file: Option<File>,
  temp: Option<Temp>,
  options: WriteOptions,
  fsync: bool,
}

pub(super) fn open(place: Place, options: WriteOptions, fsync: bool) -> Result<Writer> {
  let (temp, file) = Temp::create(place)?;
  Ok(Box::new(MetaWriter {
    file: Some(file),
    temp: Some(temp),
    options,
    fsync,
  }))
}

impl MetaWriter {
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
impl WriteStream for MetaWriter {
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
