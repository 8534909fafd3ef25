//! The facade's streams: a file read chunk by chunk, a file written chunk by chunk and published
//! when it finishes, each with the facade's error context and log lines, over the provider's
//! [`crate::provider::Streaming`] or, without it, a whole read sliced into chunks and a write
//! buffered until it finishes.

use std::sync::Arc;

use async_trait::async_trait;
use bytes::Bytes;

use crate::error::{Error, ErrorKind, Result};
use crate::metadata::WriteOptions;
use crate::path::StoragePath;
use crate::provider::Provider;
use crate::storage::{log_failure, Op, Storage, WRITE_FILE};
use crate::stream::{pump, ByteRange, ReadStream, Reader, WriteStream, Writer};

/// Pieces that arrive on a stream, read as a file (see [`Storage::write_file_in_pieces`]).
struct Pieces<S>(S);

#[async_trait]
impl<S: futures::Stream<Item = Bytes> + Unpin + Send> ReadStream for Pieces<S> {
  async fn next_chunk(&mut self) -> Result<Option<Bytes>> {
    Ok(futures::StreamExt::next(&mut self.0).await)
  }
}

/// A whole file handed out in chunks (MEMORY, and any provider without a streaming read).
struct SlicedReader {
  data: Bytes,
  chunk_size: usize,
}

#[async_trait]
impl ReadStream for SlicedReader {
  async fn next_chunk(&mut self) -> Result<Option<Bytes>> {
    if self.data.is_empty() {
      return Ok(None);
    }
    let n = self.chunk_size.min(self.data.len());
    Ok(Some(self.data.split_to(n)))
  }
}

/// Collects the bytes and writes the file in one `write_file` on finish (MEMORY). Each chunk is
/// copied as it comes and let go of at once: a chunk can be a piece of the caller's own memory
/// (a large `writeFile`, see [`crate::meet`]), which the caller waits to have back.
struct BufferedWriter {
  provider: Arc<dyn Provider>,
  path: StoragePath,
  data: Vec<u8>,
  options: WriteOptions,
}

#[async_trait]
impl WriteStream for BufferedWriter {
  async fn write(&mut self, data: Bytes) -> Result<()> {
    self.data.extend_from_slice(&data);
    Ok(())
  }

  async fn finish(&mut self) -> Result<()> {
    let data = std::mem::take(&mut self.data);
    self
      .provider
      .write_file_with(&self.path, Bytes::from(data), &self.options)
      .await
  }

  async fn abort(&mut self) -> Result<()> {
    self.data = Vec::new();
    Ok(())
  }
}

/// The provider's writer at `at`, or one that buffers the whole file and writes it on `finish`
/// when the provider has none. A directory at the path is `EISDIR` here.
pub(crate) async fn writer_at(
  provider: Arc<dyn Provider>,
  at: StoragePath,
  options: WriteOptions,
) -> Result<Writer> {
  if at.is_root() {
    return Err(Error::of(ErrorKind::IsADirectory));
  }
  if let Some(streaming) = provider.capabilities().streaming {
    if streaming.streams_with(&options) {
      return streaming.open_write(&at, &options).await;
    }
  }
  if provider.directory_exists(&at).await? {
    return Err(Error::of(ErrorKind::IsADirectory));
  }
  Ok(Box::new(BufferedWriter {
    provider,
    path: at,
    data: Vec::new(),
    options,
  }))
}

const CREATE_READ_STREAM: Op = Op {
  name: "createReadStream",
  done: None,
  failed: "Failed to read file",
};
const CREATE_WRITE_STREAM: Op = Op {
  name: "createWriteStream",
  done: None,
  failed: "Failed to write file",
};

/// A read stream with the facade's error context on every failure.
pub struct StorageReader {
  inner: Reader,
  path: String,
  provider: &'static str,
}

impl StorageReader {
  pub async fn next_chunk(&mut self) -> Result<Option<Bytes>> {
    self.inner.next_chunk().await.map_err(|e| {
      let e = e.with_context(CREATE_READ_STREAM.name, &self.path, self.provider);
      let what = format_args!("Failed to read file {}", self.path);
      log_failure(CREATE_READ_STREAM.name, self.provider, &self.path, &e, what);
      e
    })
  }
}

/// A write stream with the facade's error context; logs `File written` when it finishes.
pub struct StorageWriter {
  inner: Writer,
  path: String,
  provider: &'static str,
  /// Set once finished or aborted: later calls do nothing (abort) or fail (write, finish).
  closed: bool,
}

impl StorageWriter {
  pub async fn write(&mut self, data: Bytes) -> Result<()> {
    self.check_open()?;
    let result = self.inner.write(data).await;
    self.fail_on(result)
  }

  /// Publishes the file: after this resolves, readers see all of it.
  pub async fn finish(&mut self) -> Result<()> {
    self.check_open()?;
    self.closed = true;
    let result = self.inner.finish().await;
    if result.is_ok() {
      tracing::debug!(
        operation = CREATE_WRITE_STREAM.name,
        provider = self.provider,
        path = self.path.as_str(),
        "File written: {}",
        self.path
      );
    }
    self.fail_on(result)
  }

  /// Drops what was written; the path keeps what it held before. Safe to call more than once.
  pub async fn abort(&mut self) -> Result<()> {
    if std::mem::replace(&mut self.closed, true) {
      return Ok(());
    }
    let result = self.inner.abort().await;
    self.fail_on(result)
  }

  fn check_open(&self) -> Result<()> {
    match self.closed {
      true => Err(
        Error::new(ErrorKind::InvalidInput, "write after end").with_context(
          CREATE_WRITE_STREAM.name,
          &self.path,
          self.provider,
        ),
      ),
      false => Ok(()),
    }
  }

  fn fail_on<T>(&mut self, result: Result<T>) -> Result<T> {
    result.map_err(|e| {
      let e = e.with_context(CREATE_WRITE_STREAM.name, &self.path, self.provider);
      let what = format_args!("Failed to write file {}", self.path);
      log_failure(
        CREATE_WRITE_STREAM.name,
        self.provider,
        &self.path,
        &e,
        what,
      );
      e
    })
  }
}

impl Storage {
  /// Opens `path` for reading `range` in chunks of at most `chunk_size` bytes. Missing is
  /// `ENOENT`, a directory `EISDIR`, both reported here rather than at the first chunk.
  pub async fn open_read(
    &self,
    path: &str,
    range: ByteRange,
    chunk_size: usize,
  ) -> Result<StorageReader> {
    let chunk_size = chunk_size.max(1);
    let provider = self.provider_arc().clone();
    let inner = self
      .run(&CREATE_READ_STREAM, path, |p, at| async move {
        if at.is_root() {
          return Err(Error::of(ErrorKind::IsADirectory));
        }
        if let Some(streaming) = p.capabilities().streaming {
          return streaming.open_read(&at, range, chunk_size).await;
        }
        let data = provider.read_file(&at).await?;
        let data = slice(data, range);
        Ok(Box::new(SlicedReader { data, chunk_size }) as Reader)
      })
      .await?;
    Ok(StorageReader {
      inner,
      path: path.to_string(),
      provider: self.provider_name(),
    })
  }

  /// `writeFile` of bytes that arrive in pieces: the caller can still be producing the later
  /// pieces (copying a large buffer) while the first ones are written. The same checks, errors,
  /// log lines and atomic publication as [`Storage::write_file`]; the file is published when
  /// `pieces` ends, and a failure abandons it (nothing is published).
  pub async fn write_file_in_pieces<S>(&self, path: &str, pieces: S) -> Result<()>
  where
    S: futures::Stream<Item = Bytes> + Unpin + Send,
  {
    let mut pieces = Pieces(pieces);
    let provider = self.provider_arc().clone();
    self
      .run(&WRITE_FILE, path, |_, at| async move {
        let mut writer = writer_at(provider, at, WriteOptions::default()).await?;
        pump(&mut pieces, writer.as_mut()).await
      })
      .await
  }

  /// Opens `path` for writing. Parents are created as by `writeFile`; a directory at the path is
  /// `EISDIR` here. Nothing is published until `finish`.
  pub async fn open_write(&self, path: &str) -> Result<StorageWriter> {
    self.open_write_with(path, WriteOptions::default()).await
  }

  /// [`Storage::open_write`] with `writeFile`'s options (see [`Storage::write_file_with`]).
  pub async fn open_write_with(&self, path: &str, options: WriteOptions) -> Result<StorageWriter> {
    let provider = self.provider_arc().clone();
    let inner = self
      .run(&CREATE_WRITE_STREAM, path, |_, at| async move {
        writer_at(provider, at, options.validated()?).await
      })
      .await?;
    Ok(StorageWriter {
      inner,
      path: path.to_string(),
      provider: self.provider_name(),
      closed: false,
    })
  }
}

/// The bytes of `range` in `data` (a range past the end gives what exists).
fn slice(data: Bytes, range: ByteRange) -> Bytes {
  let len = data.len() as u64;
  let start = range.start.min(len);
  let end = range.end.map_or(len, |e| e.saturating_add(1).min(len));
  data.slice(start as usize..end.max(start) as usize)
}

#[cfg(test)]
mod tests {
  use super::*;
  use crate::providers::memory::MemoryProvider;

  struct Lent(Arc<Vec<u8>>);

  impl AsRef<[u8]> for Lent {
    fn as_ref(&self) -> &[u8] {
      &self.0
    }
  }

  async fn read_all(s: &Storage, path: &str, range: ByteRange, chunk: usize) -> Vec<Vec<u8>> {
    let mut reader = s.open_read(path, range, chunk).await.unwrap();
    let mut chunks = Vec::new();
    while let Some(c) = reader.next_chunk().await.unwrap() {
      chunks.push(c.to_vec());
    }
    chunks
  }

  #[tokio::test]
  async fn ranges_are_inclusive_like_fs() {
    let s = Storage::new(MemoryProvider::new());
    s.write_file("f", Bytes::from_static(b"0123456789"))
      .await
      .unwrap();
    let whole = ByteRange::default();
    assert_eq!(
      read_all(&s, "f", whole, 4).await,
      [b"0123".to_vec(), b"4567".to_vec(), b"89".to_vec()]
    );
    let mid = ByteRange {
      start: 2,
      end: Some(4),
    };
    assert_eq!(read_all(&s, "f", mid, 100).await, [b"234".to_vec()]);
    let past = ByteRange {
      start: 20,
      end: None,
    };
    assert!(read_all(&s, "f", past, 100).await.is_empty());
  }

  #[tokio::test]
  async fn buffered_writes_publish_on_finish_only() {
    let s = Storage::new(MemoryProvider::new());
    let mut w = s.open_write("d/f").await.unwrap();
    w.write(Bytes::from_static(b"ab")).await.unwrap();
    assert!(!s.file_exists("d/f").await.unwrap());
    w.finish().await.unwrap();
    assert_eq!(s.read_file("d/f").await.unwrap(), Bytes::from_static(b"ab"));
    let mut w = s.open_write("d/g").await.unwrap();
    w.write(Bytes::from_static(b"x")).await.unwrap();
    w.abort().await.unwrap();
    assert!(!s.file_exists("d/g").await.unwrap());
    let err = s.open_write("d").await.err().unwrap();
    assert_eq!(err.code(), "EISDIR");
    // A chunk is let go of when `write` returns, not kept until `finish`.
    let chunk = Arc::new(b"lent".to_vec());
    let mut w = s.open_write("d/h").await.unwrap();
    w.write(Bytes::from_owner(Lent(chunk.clone())))
      .await
      .unwrap();
    assert_eq!(Arc::strong_count(&chunk), 1);
    w.write(Bytes::from_static(b"!")).await.unwrap();
    w.finish().await.unwrap();
    assert_eq!(
      s.read_file("d/h").await.unwrap(),
      Bytes::from_static(b"lent!")
    );
    let err = s
      .open_read("missing", ByteRange::default(), 1)
      .await
      .err()
      .unwrap();
    assert_eq!(err.code(), "ENOENT");
  }
}
