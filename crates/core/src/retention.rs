//! `deleteOldFiles` (one algorithm, with or without options) and the long deletes an
//! `AbortSignal` can stop.

use std::future::Future;
use std::sync::Arc;
use std::time::SystemTime;

use crate::cancel::{aborted, Cancel};
use crate::error::{Error, ErrorKind, Result};
use crate::listing::ListEntry;
use crate::path::StoragePath;
use crate::provider::{DeleteDirectoryOptions, ListDetail, OldFileReport, Provider};
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
  /// logged and skipped. One algorithm with and without options: where the provider can, it
  /// judges and deletes each file in one walk ([`Provider::delete_old_files`]), never deleting
  /// one rewritten after it was judged old; otherwise a page of the listing at a time.
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
            Ok(Some(deleted)) => deleted,
            Ok(None) => listed_then_deleted(p, &dir, older_than, options.recursive, &token).await?,
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
          p.delete_directory_until(&path, options, &cancel).await
        })
      })
      .await
  }
}

/// `deleteOldFiles` where the provider has no one-walk way: the files directly in `dir` in one
/// pass of the provider's ([`Provider::delete_old_in`]) or one listing, or with `recursive` a
/// page of the listing at a time, each followed by a delete of the old files by path.
async fn listed_then_deleted(
  p: &dyn Provider,
  dir: &StoragePath,
  older_than: SystemTime,
  recursive: bool,
  cancel: &Cancel,
) -> Result<u32> {
  if !recursive {
    let (old, results): (Vec<StoragePath>, Vec<Result<()>>) =
      match p.delete_old_in(dir, older_than).await {
        Ok(Some(swept)) => swept.into_iter().map(|(n, r)| (dir.child(&n), r)).unzip(),
        Ok(None) => {
          let entries = match p.list_dir(dir, ListDetail::ModificationTimes).await {
            Ok(entries) => entries,
            Err(e) if no_directory(&e) => return Ok(0),
            Err(e) => return Err(e),
          };
          let old: Vec<StoragePath> = entries
            .iter()
            .filter(|e| !e.is_dir && e.mtime.is_some_and(|m| m < older_than))
            .map(|e| dir.child(&e.name))
            .collect();
          let results = p.delete_if_older(&old, older_than).await;
          (old, results)
        }
        Err(e) if no_directory(&e) => return Ok(0),
        Err(e) => return Err(e),
      };
    return Ok(count_deleted(&old, results));
  }
  let mut lister = match p.lister(dir, true).await {
    Ok(lister) => lister,
    Err(e) if no_directory(&e) => return Ok(0),
    Err(e) => return Err(e),
  };
  let mut deleted = 0;
  while let Some(page) = lister.next_page().await? {
    cancel.check()?;
    let old: Vec<StoragePath> = page
      .iter()
      .filter(|e| is_older(e, older_than))
      .map(|e| dir.child(&e.path))
      .collect();
    let results = p.delete_if_older(&old, older_than).await;
    deleted += count_deleted(&old, results);
  }
  Ok(deleted)
}

/// Logs each old file a provider's walk deleted (debug) or failed to delete (warn; one already
/// gone is no failure).
fn reporter(dir: &StoragePath) -> OldFileReport {
  let dir = dir.clone();
  Arc::new(move |rel: &str, failure: Option<&Error>| {
    let path = dir.child(rel);
    logged(&path, failure);
  })
}

fn logged(path: &StoragePath, failure: Option<&Error>) -> bool {
  match failure {
    None => {
      tracing::debug!(path = path.as_str(), "Deleted old file: {}", path.as_str());
      true
    }
    Some(e) if e.kind() == ErrorKind::NotFound => false,
    Some(e) => {
      tracing::warn!(
        path = path.as_str(),
        code = e.code(),
        "Failed to delete old file {}: {}",
        path.as_str(),
        e.reason()
      );
      false
    }
  }
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
    deleted += u32::from(logged(path, result.as_ref().err()));
  }
  deleted
}
