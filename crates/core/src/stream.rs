//! Streaming reads and writes as providers give them: a file read chunk by chunk, and a file
//! written chunk by chunk that is published only when it finishes (and leaves nothing behind when
//! aborted).

use async_trait::async_trait;
use bytes::Bytes;

use crate::error::Result;

/// Default bytes per chunk of a read stream (1 MiB).
pub const DEFAULT_CHUNK_SIZE: usize = 1024 * 1024;

/// Which bytes of a file to read: `start..=end`, both inclusive as in `fs.createReadStream`;
/// `end: None` reads to the end. A range past the end of the file reads what exists.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ByteRange {
  pub start: u64,
  pub end: Option<u64>,
}

impl ByteRange {
  /// How many bytes the range holds at most (`None`: to the end of the file).
  pub fn len(&self) -> Option<u64> {
    self.end.map(|end| (end + 1).saturating_sub(self.start))
  }

  pub fn is_empty(&self) -> bool {
    self.len() == Some(0)
  }

  pub fn is_whole(&self) -> bool {
    self.start == 0 && self.end.is_none()
  }
}

/// A file being read; each chunk holds at most the chunk size the stream was opened with.
#[async_trait]
pub trait ReadStream: Send {
  /// The next chunk, or `None` at the end.
  async fn next_chunk(&mut self) -> Result<Option<Bytes>>;
}

/// A file being written. Nothing is visible at the path until `finish` succeeds; `abort` (or
/// dropping the writer unfinished) removes what was written so far.
#[async_trait]
pub trait WriteStream: Send {
  async fn write(&mut self, data: Bytes) -> Result<()>;
  async fn finish(&mut self) -> Result<()>;
  async fn abort(&mut self) -> Result<()>;
}

pub type Reader = Box<dyn ReadStream>;
pub type Writer = Box<dyn WriteStream>;

/// Writes everything `reader` yields into `writer` and publishes it; any failure aborts the
/// writer, so nothing is published.
pub(crate) async fn pump(reader: &mut dyn ReadStream, writer: &mut dyn WriteStream) -> Result<()> {
  let pumped = async {
    while let Some(chunk) = reader.next_chunk().await? {
      writer.write(chunk).await?;
    }
    writer.finish().await
  }
  .await;
  if pumped.is_err() {
    let _ = writer.abort().await;
  }
  pumped
}
