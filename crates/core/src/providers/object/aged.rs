//! `deleteOldFiles` on S3 and Azure Blob: a file rewritten after the listing judged it old is
//! never deleted.
//!
//! Each old file is looked at again (HEAD: its last-modified time and ETag), and deleted only if
//! it is still older than the cutoff, by a DELETE conditional on that ETag (`If-Match`: S3 has
//! taken it on DeleteObject in general-purpose buckets since September 2025, Azure Blob on Delete
//! Blob always, moto too; object_store gets it from a patch, see vendor/object_store/PATCHES.md).
//! A rewrite between the HEAD and the DELETE changes the ETag, and the service refuses the delete
//! (412): no window is left. The price is two requests per old file, up to
//! [`OLD_FILE_CHECKS_IN_FLIGHT`] at a time, where a batch delete took one request per 1,000 files
//! (S3) or 256 (Azure); S3's DeleteObjects also takes an ETag per key, which a further patch could
//! use to batch them again. An S3-compatible store that ignores `If-Match` on DELETE keeps the
//! window between its HEAD and its DELETE (a round trip).

use std::collections::BTreeSet;
use std::time::SystemTime;

use async_trait::async_trait;
use futures::future::{BoxFuture, FutureExt};
use futures::stream::{self, StreamExt};
use object_store::ObjectStoreExt;

use super::ObjectStoreProvider;
use crate::cancel::Cancel;
use crate::capabilities::delete_listed_old_files;
use crate::error::{Error, ErrorKind, Result};
use crate::path::StoragePath;
use crate::provider::{OldFileReport, OldFiles};

/// Old files checked and deleted at once by one `deleteOldFiles`.
pub const OLD_FILE_CHECKS_IN_FLIGHT: usize = 16;

/// The outcome of a file rewritten since it was judged old: `NotFound`, as the file that was
/// judged old is not there any more; `deleteOldFiles` neither counts it nor logs it as a failure.
fn rewritten() -> Error {
  Error::new(
    ErrorKind::NotFound,
    "rewritten since it was judged old: not deleted",
  )
}

impl ObjectStoreProvider {
  /// The deletes of [`crate::provider::OldFiles`] on an object store (see the module docs).
  pub(super) async fn delete_still_old(
    &self,
    paths: &[StoragePath],
    older_than: SystemTime,
  ) -> Vec<Result<()>> {
    if let Err(e) = self.ready().await {
      return paths.iter().map(|_| Err(e.clone())).collect();
    }
    // Boxed, so that the futures' type names no closure (which would make this not `Send`).
    let checks: Vec<BoxFuture<'_, Result<()>>> = paths
      .iter()
      .map(|path| self.delete_one_still_old(path, older_than).boxed())
      .collect();
    let results: Vec<Result<()>> = stream::iter(checks)
      .buffered(OLD_FILE_CHECKS_IN_FLIGHT)
      .collect()
      .await;
    // The directories stay, also when their last file was deleted now.
    let dirs: BTreeSet<String> = paths
      .iter()
      .zip(&results)
      .filter(|(_, r)| r.is_ok())
      .filter_map(|(p, _)| self.parent_dir(&self.full(p.key())))
      .collect();
    self.keep_or_warn(dirs).await;
    self.checks.forget();
    results
  }

  async fn delete_one_still_old(&self, path: &StoragePath, older_than: SystemTime) -> Result<()> {
    let location = self.object(&self.full(path.key()))?;
    let meta = match self.store.head(&location).await {
      Ok(meta) => meta,
      Err(object_store::Error::NotFound { .. }) => return Err(Error::of(ErrorKind::NotFound)),
      Err(e) => return Err(self.err(e)),
    };
    if SystemTime::from(meta.last_modified) >= older_than {
      return Err(rewritten());
    }
    let Some(etag) = meta.e_tag else {
      return Err(Error::new(
        ErrorKind::Io,
        "the store gave no ETag, so the file could not be deleted only as it was",
      ));
    };
    match self.store.delete_if_match(&location, &etag).await {
      Ok(()) => Ok(()),
      Err(object_store::Error::Precondition { .. }) => Err(rewritten()),
      Err(object_store::Error::NotFound { .. }) => Err(Error::of(ErrorKind::NotFound)),
      Err(e) => Err(self.err(e)),
    }
  }
}

#[async_trait]
impl OldFiles for ObjectStoreProvider {
  /// Over the listing: each old file is deleted only at the ETag it was judged at (see the module
  /// docs).
  async fn delete_old_files(
    &self,
    dir: &StoragePath,
    older_than: SystemTime,
    recursive: bool,
    cancel: &Cancel,
    report: &OldFileReport,
  ) -> Result<u32> {
    let delete = |paths: Vec<StoragePath>| {
      async move { self.delete_still_old(&paths, older_than).await }.boxed()
    };
    delete_listed_old_files(self, dir, older_than, recursive, cancel, report, delete).await
  }
}
