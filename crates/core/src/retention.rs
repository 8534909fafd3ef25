//! `deleteOldFiles` (one algorithm, with or without options) and the long deletes an
//! `AbortSignal` can stop.

use std::future::Future;
use std::sync::Arc;
use std::time::SystemTime;

use crate::cancel::{aborted, Cancel};
use crate::error::{Error, ErrorKind, Result};
use crate::path::StoragePath;
use crate::provider::{DeleteDirectoryOptions, OldFileReport};
use crate::storage::{Storage, DELETE_DIRECTORY, DELETE_OLD_FILES};

/// Options of `deleteOldFiles` beyond the cutoff.
#[derive(Debug, Clone, Default)]
pub struct DeleteOldFilesOptions {
  /// Also the files in sub-directories, at any depth (the directories stay).
  pub recursive: bool,
  pub cancel: Option<Cancel>,
}

impl Storage {
  /// Deletes the files under `dir` (directly in it, or with `recursive` at any depth) modified
  /// before `older_than`; resolves how many. A missing directory is 0; a file that fails is
  /// logged and skipped. One algorithm with and without options, the provider's own
  /// ([`crate::provider::OldFiles`]: LOCAL and MEMORY judge and delete each file in one walk, S3,
  /// Azure Blob and GCS delete at the ETag they judged; none deletes a file rewritten after it
  /// was judged old), else a page of the listing at a time, each followed by a delete.
  /// Cancelling stops with `ABORT_ERR` (files deleted by then stay deleted).
  pub async fn delete_old_files_with(
    &self,
    dir: &str,
    older_than: SystemTime,
    options: DeleteOldFilesOptions,
  ) -> Result<u32> {
    let cancel = options.cancel.clone();
    self
      .run(&DELETE_OLD_FILES, dir, |p, dir| {
        until(cancel.clone(), async move {
          let token = options.cancel.clone().unwrap_or_default();
          let report = reporter(&dir);
          let deleted = p
            .delete_old_files(&dir, older_than, options.recursive, &token, &report)
            .await;
          let deleted = match deleted {
            Ok(deleted) => deleted,
            Err(e) if no_directory(&e) => 0,
            Err(e) => return Err(e),
          };
          Ok(logged_total(&dir, deleted))
        })
      })
      .await
  }

  /// `delete_directory` that stops once `cancel` fires, rejecting with `ABORT_ERR`. What was
  /// deleted by then stays deleted.
  pub async fn delete_directory_with(
    &self,
    path: &str,
    options: DeleteDirectoryOptions,
    cancel: Cancel,
  ) -> Result<()> {
    self
      .run(&DELETE_DIRECTORY, path, |p, path| {
        let token = cancel.clone();
        until(Some(token), async move {
          if path.is_root() {
            return Err(Error::new(
              ErrorKind::PermissionDenied,
              "refusing to delete the storage root",
            ));
          }
          p.delete_directory(&path, options, &cancel).await
        })
      })
      .await
  }
}

/// Logs each old file deleted (debug) or failed to delete (warn; one already gone, or rewritten
/// since it was judged old, is no failure).
fn reporter(dir: &StoragePath) -> OldFileReport {
  let dir = dir.clone();
  Arc::new(move |rel: &str, failure: Option<&Error>| {
    let path = dir.child(rel);
    match failure {
      None => tracing::debug!(path = path.as_str(), "Deleted old file: {}", path.as_str()),
      Some(e) if e.kind() == ErrorKind::NotFound => {}
      Some(e) => tracing::warn!(
        path = path.as_str(),
        code = e.code(),
        "Failed to delete old file {}: {}",
        path.as_str(),
        e.reason()
      ),
    }
  })
}

/// Runs `work` until it finishes or `cancel` fires, whichever comes first.
async fn until<T>(cancel: Option<Cancel>, work: impl Future<Output = Result<T>>) -> Result<T> {
  let Some(cancel) = cancel else {
    return work.await;
  };
  cancel.check()?;
  tokio::select! {
    result = work => result.map_err(|e| if cancel.is_cancelled() { aborted() } else { e }),
    _ = cancel.cancelled() => Err(aborted()),
  }
}

/// `deleteOldFiles` of a directory that is not there (or is a file) deletes nothing.
fn no_directory(e: &Error) -> bool {
  matches!(e.kind(), ErrorKind::NotFound | ErrorKind::NotADirectory)
}

/// Logs how many old files a `deleteOldFiles` of `dir` deleted (when any); returns that count.
fn logged_total(dir: &StoragePath, deleted: u32) -> u32 {
  if deleted > 0 {
    tracing::debug!(
      path = dir.as_str(),
      "Deleted {deleted} old files from {}",
      dir.as_str()
    );
  }
  deleted
}
