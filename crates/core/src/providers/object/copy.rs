//! Copy and move on an object store: a server-side copy (through the process past the server's
//! limit), and a move that is a copy, then a delete (not atomic: a failure between them leaves
//! both).

use object_store::ObjectStoreExt;

use super::ObjectStoreProvider;
use crate::error::Result;
use crate::path::StoragePath;
use crate::stream::{pump, ByteRange, DEFAULT_CHUNK_SIZE};

impl ObjectStoreProvider {
  /// CopyObject (S3, up to 5 GiB) or Copy Blob (Azure), after the checks `fs.copyFile` makes.
  pub(super) async fn copy_object(&self, src: &StoragePath, dst: &StoragePath) -> Result<()> {
    self.ready().await?;
    let (from_full, to_full) = (self.full(src.key()), self.full(dst.key()));
    let (from, to) = (self.object(&from_full)?, self.object(&to_full)?);
    let (found, target) = tokio::join!(
      self.head_file(&from_full),
      self.check_write_target(dst, &to_full)
    );
    let Some(meta) = found? else {
      return Err(self.not_a_file(src, &from_full).await);
    };
    target.map_err(|e| e.with_path(dst.as_str()))?;
    if meta.size > self.config.max_server_copy {
      return self.copy_streamed(src, dst).await;
    }
    self.store.copy(&from, &to).await.map_err(|e| self.err(e))?;
    self.checks.created(&to_full, false);
    Ok(())
  }

  /// A copy through the process, for sources the server will not copy (S3: over 5 GiB): read in
  /// chunks, written as a multipart upload that is aborted if anything fails.
  async fn copy_streamed(&self, src: &StoragePath, dst: &StoragePath) -> Result<()> {
    // The copy keeps the source's headers and metadata, as a server-side copy does.
    let (_, details) = self.details(src).await?;
    let writer = self.stream_write_with(dst, super::metadata::attributes(&details.metadata));
    let reader = self.stream_read(src, ByteRange::default(), DEFAULT_CHUNK_SIZE);
    let (mut reader, mut writer) = (reader.await?, writer.await?);
    pump(reader.as_mut(), writer.as_mut()).await
  }

  /// Copy, then delete the source: two steps, so a failure between them leaves both.
  pub(super) async fn move_object(&self, src: &StoragePath, dst: &StoragePath) -> Result<()> {
    self.copy_object(src, dst).await?;
    let from = self.object(&self.full(src.key()))?;
    let src_full = self.full(src.key());
    let (deleted, ()) = tokio::join!(self.store.delete(&from), self.keep_parent(&src_full));
    let deleted = match deleted {
      Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
      Err(e) => Err(self.err(e)),
    };
    self.checks.forget();
    deleted
  }
}
