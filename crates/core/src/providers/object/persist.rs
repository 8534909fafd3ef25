//! Directories outlive their last file, as on LOCAL (SPEC "The ten operations").
//!
//! `writeFile` makes no markers: its parents exist through the new key's prefix. A delete (of a
//! file, of a move's source, of old files) then writes the marker `dir/` of the deleted file's
//! directory, so that the directory stays when that was its last file. That is one zero-byte PUT
//! per `deleteFile` or move, sent alongside the DELETE (no extra round trip), and one per
//! directory and batch in `deleteOldFiles`; writes cost nothing extra. Keeping the marker at
//! write time instead would cost every first write into a directory a HEAD or a PUT, and writes
//! outnumber deletes in every workload SPEC describes. Grandparents need no marker: the
//! parent's marker keeps their prefix.

use std::collections::BTreeSet;

use object_store::{ObjectStoreExt, PutPayload};

use super::ObjectStoreProvider;
use crate::error::Result;

impl ObjectStoreProvider {
  /// The store key of the directory holding the store key `full`; `None` at the top (the
  /// bucket, container or key prefix needs no marker).
  pub(super) fn parent_dir(&self, full: &str) -> Option<String> {
    let (dir, _) = full.rsplit_once('/')?;
    (dir != self.config.prefix && !dir.is_empty()).then(|| dir.to_string())
  }

  /// Writes the marker of each directory in `dirs` (store keys), so they stay directories.
  pub(super) async fn keep_dirs(&self, dirs: BTreeSet<String>) -> Result<()> {
    let puts = dirs
      .iter()
      .map(|d| async move { self.store.put(&self.marker(d), PutPayload::default()).await });
    futures::future::try_join_all(puts)
      .await
      .map_err(|e| self.err(e))?;
    Ok(())
  }

  /// Keeps the directory of the store key `full` (see the module docs).
  pub(super) async fn keep_parent(&self, full: &str) {
    self
      .keep_or_warn(self.parent_dir(full).into_iter().collect())
      .await
  }

  /// [`Self::keep_dirs`], logging a failure: the delete that called it did happen, so it is not
  /// failed for this (a retry would only meet `ENOENT`).
  pub(super) async fn keep_or_warn(&self, dirs: BTreeSet<String>) {
    if let Err(e) = self.keep_dirs(dirs).await {
      tracing::warn!(
        code = e.code(),
        "Failed to keep the directory of a deleted file in {}: {}",
        self.config.errors.container,
        e.reason()
      );
    }
  }
}
