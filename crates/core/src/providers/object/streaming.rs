//! S3 and Azure Blob streams and signed URLs.
//!
//! A read is one GET (ranged when asked) whose body is handed out in chunks. A write buffers up
//! to one part (`multipart.part_size`): a stream that ends before that is one PUT; a longer one
//! becomes a multipart upload (S3) or staged blocks (Azure) with at most
//! `multipart.max_concurrency` parts in flight, completed on finish (see [`complete`] for a
//! completion that fails) and aborted on abort, on a failed part, or when the writer is dropped
//! unfinished.

use std::sync::Arc;

use async_trait::async_trait;
use bytes::{Bytes, BytesMut};
use futures::stream::{BoxStream, StreamExt};
use object_store::path::Path;
use object_store::{
  Attributes, GetOptions, GetRange, MultipartUpload, PutMultipartOptions, PutOptions, PutPayload,
  WriteMultipart,
};
use tokio::runtime::Handle;
use tokio::task::JoinHandle;

use super::complete::{self, Expected};
use super::{ErrorContext, MultipartSettings, ObjectBackend, ObjectStoreProvider, WriteChecks};
use crate::error::{Error, ErrorKind, Result};
use crate::path::StoragePath;
use crate::stream::{ByteRange, ReadStream, Reader, WriteStream, Writer};

impl ObjectStoreProvider {
  pub(super) async fn stream_read(
    &self,
    path: &StoragePath,
    range: ByteRange,
    chunk_size: usize,
  ) -> Result<Reader> {
    self.ready().await?;
    let full = self.full(path.key());
    let location = self.object(&full)?;
    let get_range = match range.is_whole() {
      true => None,
      // The size first: a range past the end reads nothing, where the stores answer 416.
      false => {
        let Some(meta) = self.head_file(&full).await? else {
          return Err(self.not_a_file(path, &full).await);
        };
        let end = range
          .end
          .map_or(meta.size, |e| e.saturating_add(1).min(meta.size));
        if range.start >= end {
          return Ok(Box::new(ObjectReader::new(None, chunk_size, self)));
        }
        Some(GetRange::Bounded(range.start..end))
      }
    };
    let options = GetOptions {
      range: get_range,
      ..Default::default()
    };
    match self.store.get_opts(&location, options).await {
      Ok(result) => Ok(Box::new(ObjectReader::new(
        Some(result.into_stream()),
        chunk_size,
        self,
      ))),
      Err(object_store::Error::NotFound { .. }) => Err(self.not_a_file(path, &full).await),
      Err(e) => Err(self.err(e)),
    }
  }

  pub(super) async fn stream_write(&self, path: &StoragePath) -> Result<Writer> {
    let attributes = Self::typed_attributes(path);
    self.stream_write_with(path, attributes).await
  }

  /// A write stream whose object gets `attributes` (headers and user metadata).
  pub(super) async fn stream_write_with(
    &self,
    path: &StoragePath,
    attributes: Attributes,
  ) -> Result<Writer> {
    self.ready().await?;
    let full = self.full(path.key());
    let location = self.object(&full)?;
    self.check_write_target(path, &full).await?;
    Ok(Box::new(ObjectWriter {
      store: self.store.clone(),
      location,
      settings: self.config.multipart,
      errors: self.config.errors.clone(),
      buffered: Vec::new(),
      buffered_len: 0,
      written: 0,
      started: chrono::Utc::now(),
      upload: None,
      creating: None,
      runtime: Handle::current(),
      checks: self.checks.clone(),
      full,
      attributes,
    }))
  }
}

struct ObjectReader {
  body: Option<BoxStream<'static, object_store::Result<Bytes>>>,
  buffer: BytesMut,
  chunk_size: usize,
  errors: ErrorContext,
}

impl ObjectReader {
  fn new(
    body: Option<BoxStream<'static, object_store::Result<Bytes>>>,
    chunk_size: usize,
    provider: &ObjectStoreProvider,
  ) -> Self {
    ObjectReader {
      body,
      buffer: BytesMut::new(),
      chunk_size,
      errors: provider.config.errors.clone(),
    }
  }
}

#[async_trait]
impl ReadStream for ObjectReader {
  async fn next_chunk(&mut self) -> Result<Option<Bytes>> {
    while self.buffer.len() < self.chunk_size {
      let Some(body) = self.body.as_mut() else {
        break;
      };
      match body.next().await {
        Some(Ok(bytes)) => self.buffer.extend_from_slice(&bytes),
        Some(Err(e)) => {
          self.body = None;
          return Err(self.errors.map(e));
        }
        None => self.body = None,
      }
    }
    if self.buffer.is_empty() {
      return Ok(None);
    }
    let n = self.chunk_size.min(self.buffer.len());
    Ok(Some(self.buffer.split_to(n).freeze()))
  }
}

struct ObjectWriter {
  store: Arc<dyn ObjectBackend>,
  location: Path,
  settings: MultipartSettings,
  errors: ErrorContext,
  /// What was written before the upload started (less than one part).
  buffered: Vec<Bytes>,
  buffered_len: usize,
  /// Bytes handed over so far, and when the multipart upload was started: what the object must
  /// look like when a failed completion is checked ([`complete`]).
  written: u64,
  started: chrono::DateTime<chrono::Utc>,
  upload: Option<WriteMultipart>,
  /// The request that starts the multipart upload, while it is in flight. It runs as a task of
  /// its own: a writer dropped meanwhile (an aborted `transfer`) aborts the upload once it is
  /// created, where dropping the request could leave it created and never aborted.
  creating: Option<JoinHandle<object_store::Result<Box<dyn MultipartUpload>>>>,
  /// Where a writer dropped unfinished aborts its upload.
  runtime: Handle,
  /// Told about the new key once it is there.
  checks: Arc<WriteChecks>,
  full: String,
  /// Headers and user metadata of the object.
  attributes: Attributes,
}

impl ObjectWriter {
  fn multipart_options(&self) -> PutMultipartOptions {
    PutMultipartOptions {
      attributes: self.attributes.clone(),
      ..Default::default()
    }
    .with_complete_timeout(self.settings.complete_timeout)
  }

  fn put_options(&self) -> PutOptions {
    PutOptions {
      attributes: self.attributes.clone(),
      ..Default::default()
    }
  }
}

#[async_trait]
impl WriteStream for ObjectWriter {
  async fn write(&mut self, data: Bytes) -> Result<()> {
    self.written += data.len() as u64;
    if let Some(upload) = self.upload.as_mut() {
      if let Err(e) = upload
        .wait_for_capacity(self.settings.max_concurrency)
        .await
      {
        return Err(self.errors.map(e));
      }
      upload.put(data);
      return Ok(());
    }
    self.buffered_len += data.len();
    self.buffered.push(data);
    if self.buffered_len > self.settings.part_size {
      let (store, location) = (self.store.clone(), self.location.clone());
      let options = self.multipart_options();
      self.started = chrono::Utc::now();
      let creating = self.creating.insert(
        self
          .runtime
          .spawn(async move { store.put_multipart_opts(&location, options).await }),
      );
      let created = creating.await;
      self.creating = None;
      let upload = created
        .map_err(|e| Error::new(ErrorKind::Io, format!("starting the upload failed: {e}")))?
        .map_err(|e| self.errors.map(e))?;
      let mut upload = WriteMultipart::new_with_chunk_size(upload, self.settings.part_size);
      for chunk in self.buffered.drain(..) {
        upload.put(chunk);
      }
      self.buffered_len = 0;
      self.upload = Some(upload);
    }
    Ok(())
  }

  async fn finish(&mut self) -> Result<()> {
    // The parts in flight are waited for while the upload is still the writer's, so that a writer
    // dropped meanwhile (an aborted `transfer`) aborts it. The last part and the completing
    // request then run as a task of their own: `WriteMultipart::finish` owns the upload, so a
    // writer dropped during them could neither complete nor abort it (left pending on the
    // service); the task completes it (or aborts it when a part fails) whether or not anyone
    // still waits. All the bytes were handed over by then, so completing is what was asked.
    if let Some(upload) = self.upload.as_mut() {
      if let Err(e) = upload.wait_for_capacity(0).await {
        if let Some(upload) = self.upload.take() {
          let _ = upload.abort().await;
        }
        return Err(self.errors.map(e));
      }
    }
    match self.upload.take() {
      // `finish_parts` aborts the upload itself when a part failed; `complete` aborts it when
      // completing failed and a HEAD found the file not written.
      Some(upload) => {
        let (store, location, errors) = (
          self.store.clone(),
          self.location.clone(),
          self.errors.clone(),
        );
        let expected = Expected::new(self.started, self.written, self.settings.part_size);
        self
          .runtime
          .spawn(async move {
            let upload = upload.finish_parts().await.map_err(|e| errors.map(e))?;
            complete::complete(store.as_ref(), &location, upload, expected, &errors).await
          })
          .await
          .map_err(|e| Error::new(ErrorKind::Io, format!("completing the upload failed: {e}")))??
      }
      None => {
        let payload: PutPayload = std::mem::take(&mut self.buffered).into_iter().collect();
        self
          .store
          .put_opts(&self.location, payload, self.put_options())
          .await
          .map_err(|e| self.errors.map(e))?;
      }
    }
    self.checks.created(&self.full, false);
    Ok(())
  }

  async fn abort(&mut self) -> Result<()> {
    self.buffered.clear();
    match self.upload.take() {
      Some(upload) => upload.abort().await.map_err(|e| self.errors.map(e)),
      None => Ok(()),
    }
  }
}

impl Drop for ObjectWriter {
  fn drop(&mut self) {
    if let Some(upload) = self.upload.take() {
      self.runtime.spawn(async move {
        let _ = upload.abort().await;
      });
    }
    if let Some(creating) = self.creating.take() {
      self.runtime.spawn(async move {
        if let Ok(Ok(mut upload)) = creating.await {
          let _ = upload.abort().await;
        }
      });
    }
  }
}
