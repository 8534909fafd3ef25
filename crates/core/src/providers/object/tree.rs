//! Deleting a directory's tree on an object store: many requests, not one atomic step (a failure
//! midway leaves part of the tree), batched 1,000 keys a request on S3 and 256 on Azure.

use futures::stream::{self, BoxStream, StreamExt};
use object_store::path::Path;
use object_store::ObjectStore;

use super::{marker_path, ObjectStoreProvider};
use crate::error::{Error, ErrorKind, Result};

/// Keys a recursive delete lists at a time to find what its first pass left.
const TREE_LEFTOVERS_PAGE: usize = 1000;
/// Rounds of deleting what a recursive delete's first pass left before it gives up.
const TREE_LEFTOVER_ROUNDS: usize = 4;

impl ObjectStoreProvider {
  /// Deletes every key under `full/` and the directory's marker, in batches, then lists what is
  /// left: a listing drops a key's trailing `/`, so an object `d/sub/` that holds bytes reads as
  /// `d/sub` and its first delete missed it. What is left goes as both `x` and `x/`; a tree that
  /// still is not empty after that fails with `EIO` rather than resolve.
  pub(super) async fn delete_tree(&self, full: &str) -> Result<()> {
    self.delete_listed(full).await?;
    let mut before: Option<Vec<Path>> = None;
    // Bounded: keys another client keeps adding must not keep this delete going.
    for _ in 0..TREE_LEFTOVER_ROUNDS {
      let page = self
        .list_page(&self.dir_prefix(full), TREE_LEFTOVERS_PAGE)
        .await?;
      let left: Vec<Path> = page
        .result
        .objects
        .into_iter()
        .map(|m| m.location)
        .collect();
      if left.is_empty() {
        return Ok(());
      }
      if before.as_ref() == Some(&left) {
        let shown = left[0].as_ref().escape_debug().to_string();
        return Err(Error::new(
          ErrorKind::Io,
          format!(
            "{} keys under the directory could not be deleted (first: \"{shown}\")",
            left.len()
          ),
        ));
      }
      let markers = self.config.markers;
      let keys: Vec<object_store::Result<Path>> = left
        .iter()
        .flat_map(|p| [Ok(marker_path(p.as_ref(), markers)), Ok(p.clone())])
        .collect();
      self.delete_keys(stream::iter(keys).boxed()).await?;
      before = Some(left);
    }
    Err(Error::new(
      ErrorKind::Io,
      "keys kept appearing under the directory while it was deleted",
    ))
  }

  /// Deletes every key a recursive listing of `full/` gives, and the directory's marker.
  async fn delete_listed(&self, full: &str) -> Result<()> {
    let markers = self.config.markers;
    let own = full.to_string();
    let keys = self
      .store
      .list(Some(&self.object(full)?))
      .flat_map(move |item| {
        let paths: Vec<object_store::Result<Path>> = match item {
          Err(e) => vec![Err(e)],
          Ok(meta) if meta.location.as_ref() == own => vec![],
          // A listing drops the trailing `/` of a marker: a zero-byte `x` may be `x/`, so both go.
          Ok(meta) if meta.size == 0 => vec![
            Ok(marker_path(meta.location.as_ref(), markers)),
            Ok(meta.location),
          ],
          Ok(meta) => vec![Ok(meta.location)],
        };
        stream::iter(paths)
      })
      .chain(stream::once(futures::future::ready(Ok(self.marker(full)))))
      .boxed();
    self.delete_keys(keys).await
  }

  /// Deletes `keys` in batches (the patched object_store sends a key that a batch cannot carry
  /// on its own); a key already gone is no error.
  async fn delete_keys(&self, keys: BoxStream<'static, object_store::Result<Path>>) -> Result<()> {
    let mut results = self.store.delete_stream(keys);
    while let Some(result) = results.next().await {
      match result {
        Ok(_) | Err(object_store::Error::NotFound { .. }) => {}
        Err(e) => return Err(self.err(e)),
      }
    }
    Ok(())
  }
}
