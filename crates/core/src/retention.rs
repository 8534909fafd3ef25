//! Long deletes that an `AbortSignal` can stop: recursive `deleteOldFiles` and `deleteDirectory`.

use std::future::Future;
use std::time::SystemTime;

use crate::cancel::{aborted, Cancel};
use crate::error::{Error, ErrorKind, Result};
use crate::listing::ListEntry;
use crate::path::StoragePath;
use crate::provider::DeleteDirectoryOptions;
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
  /// before `older_than`, a page of the listing at a time; resolves how many. A missing directory
  /// is 0; a file that fails is logged and skipped. Cancelling stops between pages with
  /// `ABORT_ERR` (files deleted by then stay deleted).
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
          let mut lister = match p.lister(&dir, options.recursive).await {
            Ok(lister) => lister,
            Err(e) if no_directory(&e) => return Ok(0),
            Err(e) => return Err(e),
          };
          let mut deleted = 0;
          while let Some(page) = lister.next_page().await? {
            check(&cancel)?;
            let old: Vec<StoragePath> = page
              .iter()
              .filter(|e| is_older(e, older_than))
              .map(|e| dir.child(&e.path))
              .collect();
            let results = p.delete_if_older(&old, older_than).await;
            deleted += count_deleted(&old, results);
          }
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
          p.delete_directory_until(&path, options, &cancel).await
        })
      })
      .await
  }
}

fn check(cancel: &Option<Cancel>) -> Result<()> {
  cancel.as_ref().map_or(Ok(()), Cancel::check)
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

fn is_older(entry: &ListEntry, cutoff: SystemTime) -> bool {
  !entry.is_dir && entry.mtime.is_some_and(|m| m < cutoff)
}

/// `deleteOldFiles` of a directory that is not there (or is a file) deletes nothing.
pub(crate) fn no_directory(e: &Error) -> bool {
  matches!(e.kind(), ErrorKind::NotFound | ErrorKind::NotADirectory)
}

/// Logs how many old files a `deleteOldFiles` of `dir` deleted (when any); returns that count.
pub(crate) fn logged_total(dir: &StoragePath, deleted: u32) -> u32 {
  if deleted > 0 {
    tracing::debug!(
      path = dir.as_str(),
      "Deleted {deleted} old files from {}",
      dir.as_str()
    );
  }
  deleted
}

/// Counts the deletes that succeeded; logs the failures (a file already gone is not one).
pub(crate) fn count_deleted(paths: &[StoragePath], results: Vec<Result<()>>) -> u32 {
  let mut deleted = 0;
  for (path, result) in paths.iter().zip(results) {
    match result {
      Ok(()) => {
        deleted += 1;
        tracing::debug!(path = path.as_str(), "Deleted old file: {}", path.as_str());
      }
      Err(e) if e.kind() == ErrorKind::NotFound => {}
      Err(e) => tracing::warn!(
        path = path.as_str(),
        code = e.code(),
        "Failed to delete old file {}: {}",
        path.as_str(),
        e.reason()
      ),
    }
  }
  deleted
}
