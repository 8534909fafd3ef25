//! Migration: every file under a directory of one storage, streamed into a directory of another
//! (any two providers), skipping files that are already identical there (same size, then the same
//! ETag where that proves it, else SHA-256: see [`crate::metadata_ops::same_version`]). The content type, headers and user
//! metadata go along with each file. Files go `concurrency` at a time, each in chunks, so memory stays bounded whatever
//! the tree's size; the listing is read page by page.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::stream::{self, StreamExt};

use crate::cancel::{aborted, Cancel};
use crate::checksum::Algorithm;
use crate::error::{Error, ErrorKind, Result};
use crate::storage::Storage;
use crate::stream::{ByteRange, DEFAULT_CHUNK_SIZE};

/// Files copied at once by default.
pub const DEFAULT_CONCURRENCY: usize = 8;

/// Shortest time between two progress reports.
pub const PROGRESS_INTERVAL: Duration = Duration::from_millis(100);

pub type ProgressFn = Arc<dyn Fn(TransferProgress) + Send + Sync>;

#[derive(Clone)]
pub struct TransferOptions {
  pub concurrency: usize,
  /// Skip a file whose copy already has the same size and SHA-256 (`sync`); `false` copies
  /// every file (`cp`).
  pub skip_identical: bool,
  /// Decide what to copy, copy nothing: files that would be copied count as copied.
  pub dry_run: bool,
  pub cancel: Cancel,
  /// Called at most every [`PROGRESS_INTERVAL`] while files finish, and once at the end.
  pub progress: Option<ProgressFn>,
}

impl Default for TransferOptions {
  fn default() -> Self {
    TransferOptions {
      concurrency: DEFAULT_CONCURRENCY,
      skip_identical: true,
      dry_run: false,
      cancel: Cancel::new(),
      progress: None,
    }
  }
}

/// Counts so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TransferProgress {
  pub copied: u64,
  pub skipped: u64,
  pub failed: u64,
  /// Bytes of the copied files.
  pub bytes: u64,
}

/// A file that could not be copied: its path relative to the directories, and why.
#[derive(Debug, Clone)]
pub struct TransferFailure {
  pub path: String,
  pub error: Error,
}

#[derive(Debug, Clone, Default)]
pub struct TransferReport {
  pub copied: u64,
  pub skipped: u64,
  pub bytes: u64,
  pub failed: Vec<TransferFailure>,
  /// With `dry_run`: the files (relative paths) that would be copied, in the order decided.
  pub would_copy: Vec<String>,
}

enum Outcome {
  Copied(u64),
  /// Decided under `dry_run`: the path and its size.
  WouldCopy(String, u64),
  Skipped,
  Failed(TransferFailure),
}

/// Copies every file under `from_dir` (at any depth) to the same relative path under `to_dir`.
/// A missing `from_dir` rejects (`ENOENT`); a file that fails is reported in `failed` and the
/// rest go on. Empty directories are not copied. Cancelling stops promptly with `ABORT_ERR`:
/// files in flight are abandoned (a LOCAL temp file is removed, an upload aborted), files done
/// stay done.
pub async fn transfer(
  from: &Storage,
  from_dir: &str,
  to: &Storage,
  to_dir: &str,
  options: TransferOptions,
) -> Result<TransferReport> {
  let cancel = options.cancel.clone();
  cancel.check()?;
  tokio::select! {
    biased;
    _ = cancel.cancelled() => Err(aborted()),
    report = run(from, from_dir, to, to_dir, &options) => report,
  }
}

async fn run(
  from: &Storage,
  from_dir: &str,
  to: &Storage,
  to_dir: &str,
  options: &TransferOptions,
) -> Result<TransferReport> {
  let listing = from.list(from_dir, true).await?;
  let pages = stream::unfold(Some(listing), |listing| async move {
    let mut listing = listing?;
    match listing.next_page().await {
      Ok(Some(page)) => Some((Ok(page), Some(listing))),
      Ok(None) => None,
      Err(e) => Some((Err(e), None)),
    }
  });
  let files = pages.flat_map(|page| match page {
    Ok(entries) => stream::iter(
      entries
        .into_iter()
        .filter(|e| !e.is_dir)
        .map(|e| Ok((e.path, e.size)))
        .collect::<Vec<_>>(),
    ),
    Err(e) => stream::iter(vec![Err(e)]),
  });
  let reporter = Reporter::new(options.progress.clone());
  let mut outcomes = files
    .map(|file| async move {
      let (rel, size) = file?;
      Ok::<_, Error>(one(from, from_dir, to, to_dir, rel, size, options).await)
    })
    .buffer_unordered(options.concurrency.max(1))
    .boxed();
  let mut report = TransferReport::default();
  while let Some(outcome) = outcomes.next().await {
    match outcome? {
      Outcome::Copied(bytes) => {
        report.copied += 1;
        report.bytes += bytes;
      }
      Outcome::WouldCopy(path, bytes) => {
        report.copied += 1;
        report.bytes += bytes;
        report.would_copy.push(path);
      }
      Outcome::Skipped => report.skipped += 1,
      Outcome::Failed(failure) => report.failed.push(failure),
    }
    reporter.report(&report, false);
  }
  reporter.report(&report, true);
  Ok(report)
}

/// Copies, skips or fails one file.
async fn one(
  from: &Storage,
  from_dir: &str,
  to: &Storage,
  to_dir: &str,
  rel: String,
  size: u64,
  options: &TransferOptions,
) -> Outcome {
  let (src, dst) = (under(from_dir, &rel), under(to_dir, &rel));
  let decided = match options.skip_identical {
    true => identical(from, &src, to, &dst, size).await,
    false => Ok(false),
  };
  let done = match decided {
    Ok(true) => return Outcome::Skipped,
    Ok(false) if options.dry_run => return Outcome::WouldCopy(rel, size),
    Ok(false) => copy(from, &src, to, &dst).await,
    Err(e) => Err(e),
  };
  match done {
    Ok(bytes) => Outcome::Copied(bytes),
    Err(error) => Outcome::Failed(TransferFailure { path: rel, error }),
  }
}

/// True when `dst` exists with `size` bytes and the same content as `src`: the ETag the copy
/// recorded, or equal S3 ETags, prove it without reading; else the SHA-256s are compared.
async fn identical(from: &Storage, src: &str, to: &Storage, dst: &str, size: u64) -> Result<bool> {
  match to.file_details(dst).await {
    Ok((stats, _)) if stats.size != size => Ok(false),
    Ok((_, theirs)) => {
      if let Some(same) = crate::metadata_ops::same_version(from, src, to, &theirs).await? {
        return Ok(same);
      }
      let (a, b) = tokio::join!(
        from.checksum(src, Algorithm::Sha256),
        to.checksum(dst, Algorithm::Sha256)
      );
      Ok(a? == b?)
    }
    Err(e) if e.kind() == ErrorKind::NotFound => Ok(false),
    Err(e) => Err(e),
  }
}

/// Streams `src` into `dst`, chunk by chunk; resolves the bytes copied.
pub async fn copy(from: &Storage, src: &str, to: &Storage, dst: &str) -> Result<u64> {
  let mut reader = from
    .open_read(src, ByteRange::default(), DEFAULT_CHUNK_SIZE)
    .await?;
  let options = crate::metadata_ops::carried(from, src, dst).await?;
  let mut writer = to.open_write_with(dst, options).await?;
  let mut bytes = 0;
  let streamed: Result<()> = async {
    while let Some(chunk) = reader.next_chunk().await? {
      bytes += chunk.len() as u64;
      writer.write(chunk).await?;
    }
    writer.finish().await
  }
  .await;
  if let Err(e) = streamed {
    let _ = writer.abort().await;
    return Err(e);
  }
  Ok(bytes)
}

/// `dir/rel` as a caller's path.
fn under(dir: &str, rel: &str) -> String {
  format!("{}/{rel}", dir.trim_end_matches('/'))
}

/// Calls the progress callback at most every [`PROGRESS_INTERVAL`], and at the end.
struct Reporter {
  progress: Option<ProgressFn>,
  last: Mutex<Option<Instant>>,
}

impl Reporter {
  fn new(progress: Option<ProgressFn>) -> Self {
    Reporter {
      progress,
      last: Mutex::new(None),
    }
  }

  fn report(&self, report: &TransferReport, last: bool) {
    let Some(progress) = &self.progress else {
      return;
    };
    let mut at = self.last.lock().unwrap_or_else(|e| e.into_inner());
    if !last && at.is_some_and(|t| t.elapsed() < PROGRESS_INTERVAL) {
      return;
    }
    *at = Some(Instant::now());
    progress(TransferProgress {
      copied: report.copied,
      skipped: report.skipped,
      failed: report.failed.len() as u64,
      bytes: report.bytes,
    });
  }
}

#[cfg(test)]
mod tests {
  use bytes::Bytes;

  use super::*;
  use crate::providers::memory::MemoryProvider;

  #[tokio::test]
  async fn copies_a_tree_then_skips_what_is_identical() {
    let (a, b) = (
      Storage::new(MemoryProvider::new()),
      Storage::new(MemoryProvider::new()),
    );
    for (path, data) in [("src/x", "1"), ("src/d/y", "22"), ("src/d/e/z", "333")] {
      a.write_file(path, Bytes::from(data)).await.unwrap();
    }
    let first = transfer(&a, "src", &b, "/dst/", TransferOptions::default())
      .await
      .unwrap();
    assert_eq!((first.copied, first.skipped, first.bytes), (3, 0, 6));
    assert_eq!(b.read_file("dst/d/e/z").await.unwrap(), Bytes::from("333"));
    b.write_file("dst/d/y", Bytes::from("2x")).await.unwrap(); // same size, other bytes
    let second = transfer(&a, "src", &b, "dst", TransferOptions::default())
      .await
      .unwrap();
    assert_eq!((second.copied, second.skipped), (1, 2));
    assert_eq!(b.read_file("dst/d/y").await.unwrap(), Bytes::from("22"));
  }

  #[tokio::test]
  async fn a_missing_source_rejects_and_a_cancelled_one_aborts() {
    let (a, b) = (
      Storage::new(MemoryProvider::new()),
      Storage::new(MemoryProvider::new()),
    );
    let err = transfer(&a, "nope", &b, "dst", TransferOptions::default())
      .await
      .unwrap_err();
    assert_eq!(err.code(), "ENOENT");
    let options = TransferOptions::default();
    options.cancel.cancel();
    let err = transfer(&a, "nope", &b, "dst", options).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Aborted);
  }
}
