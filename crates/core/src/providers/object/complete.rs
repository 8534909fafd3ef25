//! Completing a multipart upload (S3 CompleteMultipartUpload, Azure Put Block List, GCS's
//! XML-API complete), and what a failed completion means.
//!
//! The service joins the parts while the completing request waits: for a large object that
//! takes far longer than any one part (moto took 35 s for 1 GiB), so that request gets its own
//! timeout, `multipart.complete_timeout` (object_store patch 8, vendor/object_store/PATCHES.md).
//! A completion that fails anyway may still have happened (a timeout or a lost connection after
//! the request went out, a 5xx, or a retry answered "no such upload" because the first attempt
//! completed it). Aborting then, as object_store's `WriteMultipart::finish` does, and reporting
//! the service's "not found" would call a stored file missing. Instead a HEAD decides: the object
//! is there with the written size, modified since the upload started (and, for an S3 multipart
//! ETag `<md5>-<n>`, made of as many parts) → the write succeeded; otherwise the upload is
//! aborted (none stays pending) and the error says the outcome was checked.

use chrono::{DateTime, TimeDelta, Utc};
use object_store::path::Path;
use object_store::{MultipartUpload, ObjectStoreExt};

use super::{ErrorContext, ObjectBackend};
use crate::error::{Error, ErrorKind, Result};

/// How much earlier than our clock the service's `Last-Modified` of the new object may be: HTTP
/// dates have whole seconds, and the service's clock is not ours.
const CLOCK_SLACK: TimeDelta = TimeDelta::seconds(5);

/// What the completed object must look like.
#[derive(Debug, Clone, Copy)]
pub(super) struct Expected {
  /// When the upload was created (before its first request).
  pub started: DateTime<Utc>,
  /// Bytes written.
  pub size: u64,
  /// Parts uploaded.
  pub parts: u64,
}

impl Expected {
  /// `size` bytes uploaded in parts of `part_size`, in an upload created at `started`.
  pub fn new(started: DateTime<Utc>, size: u64, part_size: usize) -> Self {
    let part_size = (part_size as u64).max(1);
    Expected {
      started,
      size,
      parts: size.div_ceil(part_size).max(1),
    }
  }
}

/// Completes `upload` of `location`; on failure, a HEAD decides whether the object was written
/// anyway (see the module docs). Aborts the upload when it was not.
pub(super) async fn complete(
  store: &dyn ObjectBackend,
  location: &Path,
  mut upload: Box<dyn MultipartUpload>,
  expected: Expected,
  errors: &ErrorContext,
) -> Result<()> {
  let failure = match upload.complete().await {
    Ok(_) => return Ok(()),
    Err(e) => errors.map(e),
  };
  if landed(store, location, expected).await {
    return Ok(());
  }
  let aborted = upload.abort().await;
  let outcome_unknown = failure.is_retryable()
    || matches!(
      failure.kind(),
      ErrorKind::NotFound | ErrorKind::TimedOut | ErrorKind::Io
    );
  if !outcome_unknown {
    return Err(failure);
  }
  let kind = match failure.kind() {
    ErrorKind::TimedOut => ErrorKind::TimedOut,
    _ => ErrorKind::Io,
  };
  let aborted = match aborted {
    Ok(()) => "the upload was aborted".to_string(),
    Err(e) => format!("aborting the upload failed too: {}", errors.map(e).reason()),
  };
  Err(
    Error::new(
      kind,
      format!(
        "completing the multipart upload failed ({}); its outcome was checked: the file was not written, and {aborted}",
        failure.reason()
      ),
    )
    .retryable(true),
  )
}

/// Whether `location` now holds the object the upload wrote.
async fn landed(store: &dyn ObjectBackend, location: &Path, expected: Expected) -> bool {
  let Ok(meta) = store.head(location).await else {
    return false;
  };
  meta.size == expected.size
    && meta.last_modified >= expected.started - CLOCK_SLACK
    && meta
      .e_tag
      .as_deref()
      .and_then(multipart_etag_parts)
      .is_none_or(|n| n == expected.parts)
}

/// The part count of an S3 multipart ETag (`"<md5>-<n>"`); `None` for other forms.
fn multipart_etag_parts(etag: &str) -> Option<u64> {
  let etag = etag.trim_matches('"');
  let (hash, parts) = etag.rsplit_once('-')?;
  (hash.len() == 32 && hash.bytes().all(|b| b.is_ascii_hexdigit()))
    .then(|| parts.parse().ok())
    .flatten()
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn multipart_etags_name_their_part_count() {
    assert_eq!(
      multipart_etag_parts("\"9b2cf535f27731c974343645a3985328-128\""),
      Some(128)
    );
    assert_eq!(
      multipart_etag_parts("\"9b2cf535f27731c974343645a3985328\""),
      None
    );
    assert_eq!(multipart_etag_parts("\"0x8DC1F2A3B4C5D6E\""), None);
    assert_eq!(
      Expected::new(Utc::now(), 17 * 1024 * 1024, 8 * 1024 * 1024).parts,
      3
    );
  }
}
