//! The facade's operations that take or give metadata: writes and copies with headers, metadata
//! and conditions, the stat with ETag and headers, the conditional delete, and signed URLs.
//! Options are validated here once, so every provider refuses the same input.

use std::time::Duration;

use bytes::Bytes;

use crate::error::{Error, ErrorKind, Result};
use crate::files::COPY_FILE;
use crate::metadata::{FileDetails, SignedHeaders, WriteOptions, SOURCE_ETAG_KEY};
use crate::provider::{FileStats, SignedMethod};
use crate::storage::{Op, Storage, DELETE_FILE, GET_FILE_STATS, WRITE_FILE};

const GET_SIGNED_URL: Op = Op {
  name: "getSignedUrl",
  done: None,
  failed: "Failed to sign a URL for",
};

/// Longest lifetime of a signed URL: S3 refuses more than 7 days.
pub const MAX_SIGNED_URL_EXPIRY: Duration = Duration::from_secs(7 * 24 * 3600);

impl Storage {
  /// A URL that lets its holder `GET` or `PUT` the file at `path` for `expires_in` (at most
  /// seven days), without credentials. `ENOTSUP` on LOCAL and MEMORY. Signing makes no request:
  /// a URL for a missing file is fine (a `PUT` creates it).
  pub async fn signed_url(
    &self,
    path: &str,
    method: SignedMethod,
    expires_in: Duration,
  ) -> Result<String> {
    self
      .run(&GET_SIGNED_URL, path, |p, at| async move {
        if expires_in.is_zero() || expires_in > MAX_SIGNED_URL_EXPIRY {
          return Err(Error::new(
            ErrorKind::InvalidInput,
            "expiresIn must be between 1 second and 7 days",
          ));
        }
        p.signed_url(&at, method, expires_in, &SignedHeaders::default())
          .await
      })
      .await
  }

  /// [`Storage::signed_url`] that also fixes the response headers of a GET or the content type
  /// of a PUT (S3; `ENOTSUP` where the provider cannot sign them).
  pub async fn signed_url_with(
    &self,
    path: &str,
    method: SignedMethod,
    expires_in: Duration,
    headers: SignedHeaders,
  ) -> Result<String> {
    if headers.is_empty() {
      return self.signed_url(path, method, expires_in).await;
    }
    self
      .run(&GET_SIGNED_URL, path, |p, at| async move {
        let headers = headers.validated()?;
        if expires_in.is_zero() || expires_in > MAX_SIGNED_URL_EXPIRY {
          return Err(Error::new(
            ErrorKind::InvalidInput,
            "expiresIn must be between 1 second and 7 days",
          ));
        }
        let response =
          headers.response_content_type.is_some() || headers.response_content_disposition.is_some();
        match method {
          SignedMethod::Get if headers.content_type.is_some() => Err(Error::new(
            ErrorKind::InvalidInput,
            "contentType binds a PUT; a GET takes responseContentType",
          )),
          SignedMethod::Put if response => Err(Error::new(
            ErrorKind::InvalidInput,
            "responseContentType and responseContentDisposition are for GET",
          )),
          _ => p.signed_url(&at, method, expires_in, &headers).await,
        }
      })
      .await
  }

  /// `writeFile` with options: headers and metadata stored with the file (the content type
  /// guessed from the name when unset), and a condition checked atomically with the write.
  pub async fn write_file_with(
    &self,
    path: &str,
    data: Bytes,
    options: WriteOptions,
  ) -> Result<()> {
    self
      .run(&WRITE_FILE, path, |p, path| async move {
        let options = options.validated()?;
        if path.is_root() {
          return Err(Error::of(ErrorKind::IsADirectory));
        }
        p.write_file_with(&path, data, &options).await
      })
      .await
  }

  /// `getFileStats` with the ETag and what is stored with the file.
  pub async fn file_details(&self, path: &str) -> Result<(FileStats, FileDetails)> {
    self
      .run(&GET_FILE_STATS, path, |p, path| async move {
        if path.is_root() {
          return Err(Error::of(ErrorKind::IsADirectory));
        }
        p.file_details(&path).await
      })
      .await
  }

  /// `copyFile` with options: metadata given replaces the source's (else it is kept), and the
  /// condition applies to `dst`.
  pub async fn copy_file_with(&self, src: &str, dst: &str, options: WriteOptions) -> Result<()> {
    if options.is_plain() {
      return self.copy_file(src, dst).await;
    }
    self
      .run(&COPY_FILE, src, |p, src| async move {
        let options = options.validated()?;
        let dst_path =
          crate::path::StoragePath::parse(dst, p.path_rules()).map_err(|e| e.with_path(dst))?;
        if src.is_root() {
          return Err(Error::of(ErrorKind::IsADirectory));
        }
        if dst_path.is_root() {
          return Err(Error::of(ErrorKind::IsADirectory).with_path(dst));
        }
        if dst_path.key() == src.key() {
          // Onto itself: only a condition or new metadata make it more than nothing; both are
          // a write of the file's own bytes.
          let data = p.read_file(&src).await?;
          let mut options = options;
          if options.metadata.is_empty() {
            options.metadata = p.file_details(&src).await?.1.metadata;
          }
          return p.write_file_with(&dst_path, data, &options).await;
        }
        p.copy_file_with(&src, &dst_path, &options).await
      })
      .await
  }

  /// `deleteFile` with `ifMatch`: removes the file only while its ETag is `etag`, else
  /// `ECONFLICT` (also when it is gone).
  pub async fn delete_file_if_match(&self, path: &str, etag: String) -> Result<()> {
    self
      .run(&DELETE_FILE, path, |p, path| async move {
        let options = WriteOptions {
          condition: crate::metadata::Condition::IfMatch(etag),
          ..Default::default()
        }
        .validated()?;
        let crate::metadata::Condition::IfMatch(etag) = options.condition else {
          unreachable!("built above")
        };
        p.delete_file_if_match(&path, &etag).await
      })
      .await
  }
}

/// The options that carry `src`'s metadata to a copy at `dst`: its headers and user
/// metadata, plus [`SOURCE_ETAG_KEY`] where it fits the metadata limit. None at all when `src`
/// holds nothing the name of `dst` would not give it, so plain writes keep their fast path.
pub(crate) async fn carried(from: &Storage, src: &str, dst: &str) -> Result<WriteOptions> {
  let (_, details) = from.file_details(src).await?;
  let mut metadata = details.metadata;
  metadata.metadata.remove(SOURCE_ETAG_KEY);
  if let Some(etag) = details.etag {
    let used: usize = metadata
      .metadata
      .iter()
      .map(|(k, v)| k.len() + v.len())
      .sum();
    if used + SOURCE_ETAG_KEY.len() + etag.len() <= crate::metadata::MAX_METADATA_BYTES {
      metadata.metadata.insert(SOURCE_ETAG_KEY.to_string(), etag);
    }
  }
  let guessed = crate::metadata::FileMetadata::default().typed_for(dst);
  Ok(match metadata == guessed {
    true => WriteOptions::default(),
    false => WriteOptions {
      metadata,
      ..Default::default()
    },
  })
}

/// Whether `src` has the content of a copy whose details are `theirs`, where ETags prove it
/// without reading either file: `Some(true)` when the copy recorded the source's current ETag
/// ([`SOURCE_ETAG_KEY`]), or for equal ETags of two S3 objects (an S3 ETag is the MD5 of the
/// content, or of its parts' MD5s). `None`: undecided; the caller compares checksums.
pub(crate) async fn same_version(
  from: &Storage,
  src: &str,
  to: &Storage,
  theirs: &FileDetails,
) -> Result<Option<bool>> {
  let recorded = theirs.metadata.metadata.get(SOURCE_ETAG_KEY);
  let both_s3 = from.provider_name() == "S3" && to.provider_name() == "S3";
  if recorded.is_none() && !(both_s3 && theirs.etag.is_some()) {
    return Ok(None);
  }
  let (_, ours) = from.file_details(src).await?;
  let Some(etag) = ours.etag else {
    return Ok(None);
  };
  let same = recorded == Some(&etag) || (both_s3 && theirs.etag.as_ref() == Some(&etag));
  Ok(same.then_some(true))
}
