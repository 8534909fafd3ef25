//! S3 and Azure Blob metadata: headers and user metadata go to the service as its own headers
//! (`Content-Type`, `Cache-Control`, …, `x-amz-meta-*` / `x-ms-meta-*`) through object_store's
//! attributes; conditions become `If-None-Match: *` / `If-Match` on the PUT, which the service
//! checks atomically.
//!
//! A conditional write is one PUT whatever its size (up to 5 GiB on S3), never a multipart
//! upload; a copy with new metadata or a condition goes through the process (GET, then the
//! conditional PUT), since a server-side copy can neither replace metadata alike on both services
//! nor take the condition.

use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use object_store::signer::{HeaderName, HeaderValue, Method, SignedUrlOptions, Url};
use object_store::{
  Attribute, AttributeValue, Attributes, GetOptions, ObjectStore, ObjectStoreExt, PutMode,
  PutMultipartOptions, PutOptions,
};

use super::{stats, ObjectStoreProvider};
use crate::error::{Error, ErrorKind, Result};
use crate::metadata::{
  self, Condition, FileDetails, FileMetadata, Header, SignedHeaders, WriteOptions,
};
use crate::path::StoragePath;
use crate::provider::{FileStats, Metadata, SignedMethod, Signing};

fn attribute(header: Header) -> Attribute {
  match header {
    Header::ContentType => Attribute::ContentType,
    Header::CacheControl => Attribute::CacheControl,
    Header::ContentDisposition => Attribute::ContentDisposition,
    Header::ContentEncoding => Attribute::ContentEncoding,
    Header::ContentLanguage => Attribute::ContentLanguage,
  }
}

/// An ETag in its quoted HTTP form, as HEAD gives it: Azure's List Blobs gives it bare.
pub(super) fn quoted(etag: Option<&str>) -> Option<String> {
  etag.map(|e| match e.starts_with('"') || e.starts_with("W/") {
    true => e.to_string(),
    false => format!("\"{e}\""),
  })
}

/// The attributes that store `meta`.
pub(super) fn attributes(meta: &FileMetadata) -> Attributes {
  let mut attributes = Attributes::new();
  for (header, value) in meta.headers() {
    if let Some(value) = value {
      attributes.insert(attribute(header), AttributeValue::from(value.to_string()));
    }
  }
  for (key, value) in &meta.metadata {
    attributes.insert(
      Attribute::Metadata(key.clone().into()),
      AttributeValue::from(value.clone()),
    );
  }
  attributes
}

/// What the service gave back, as stored metadata (user metadata keys lowercased, as S3 does).
fn metadata_of(attributes: &Attributes) -> FileMetadata {
  let mut meta = FileMetadata::default();
  for (attr, value) in attributes {
    let value = value.as_ref().to_string();
    match attr {
      Attribute::ContentType => meta.set(Header::ContentType, value),
      Attribute::CacheControl => meta.set(Header::CacheControl, value),
      Attribute::ContentDisposition => meta.set(Header::ContentDisposition, value),
      Attribute::ContentEncoding => meta.set(Header::ContentEncoding, value),
      Attribute::ContentLanguage => meta.set(Header::ContentLanguage, value),
      Attribute::Metadata(key) => {
        meta.metadata.insert(key.to_ascii_lowercase(), value);
      }
      _ => {}
    }
  }
  meta
}

impl ObjectStoreProvider {
  /// The attributes of a plain write or stream of `path`: the content type from its name.
  pub(super) fn typed_attributes(path: &StoragePath) -> Attributes {
    attributes(&FileMetadata::default().typed_for(path.key()))
  }

  pub(super) async fn write_with(
    &self,
    path: &StoragePath,
    data: Bytes,
    options: &WriteOptions,
  ) -> Result<()> {
    self.ready().await?;
    let full = self.full(path.key());
    let location = self.object(&full)?;
    let attributes = attributes(&options.metadata.clone().typed_for(path.key()));
    let mode = match &options.condition {
      Condition::None => PutMode::Overwrite,
      Condition::IfNoneMatch => PutMode::Create,
      Condition::IfMatch(etag) => {
        let version = self.store.update_version(&location, etag).await;
        PutMode::Update(version.map_err(|e| self.condition_error(&options.condition, e))?)
      }
    };
    if mode == PutMode::Overwrite && data.len() > self.config.multipart.threshold {
      self.check_write_target(path, &full).await?;
      let opts = PutMultipartOptions {
        attributes,
        ..Default::default()
      };
      self.put_multipart(&location, data, opts).await?;
    } else {
      let opts = PutOptions {
        mode,
        attributes,
        ..Default::default()
      };
      let map_err = |e| self.condition_error(&options.condition, e);
      self
        .put_after_checks(path, &full, &location, data, opts, map_err)
        .await?;
    }
    self.checks.created(&full, false);
    Ok(())
  }

  /// A failed conditional PUT in SPEC's words: `EEXIST` for `ifNoneMatch`, `ECONFLICT` for
  /// `ifMatch` (S3 answers a missing key with 404, Azure with 412).
  fn condition_error(&self, condition: &Condition, e: object_store::Error) -> Error {
    use object_store::Error as E;
    match (condition, &e) {
      (Condition::IfNoneMatch, E::AlreadyExists { .. } | E::Precondition { .. }) => {
        metadata::exists()
      }
      (
        Condition::IfMatch(_),
        E::Precondition { .. } | E::NotFound { .. } | E::AlreadyExists { .. },
      ) => metadata::conflict(),
      _ => self.err(e),
    }
  }

  /// One HEAD: size, times, the service's ETag and the stored headers and metadata.
  pub(super) async fn details(&self, path: &StoragePath) -> Result<(FileStats, FileDetails)> {
    self.ready().await?;
    let full = self.full(path.key());
    if path.is_root() {
      return Err(Error::of(ErrorKind::IsADirectory));
    }
    let head = GetOptions {
      head: true,
      ..Default::default()
    };
    match self.store.get_opts(&self.object(&full)?, head).await {
      Ok(found) => {
        let metadata = metadata_of(&found.attributes).typed_for(path.key());
        let etag = found.meta.e_tag.clone();
        Ok((stats(&found.meta), FileDetails { etag, metadata }))
      }
      Err(object_store::Error::NotFound { .. }) => Err(self.not_a_file(path, &full).await),
      Err(e) => Err(self.err(e)),
    }
  }

  /// A signed URL that fixes `headers` ([`ObjectBackend::signed_url_with_headers`]).
  pub(super) async fn sign_with(
    &self,
    path: &StoragePath,
    method: SignedMethod,
    expires_in: Duration,
    headers: &SignedHeaders,
  ) -> Result<String> {
    if path.is_root() {
      return Err(Error::of(ErrorKind::IsADirectory));
    }
    let location = self.object(&self.full(path.key()))?;
    let method = match method {
      SignedMethod::Get => Method::GET,
      SignedMethod::Put => Method::PUT,
    };
    let signed = self
      .store
      .signed_url_with_headers(method, &location, expires_in, headers);
    Ok(signed.await.map_err(|e| self.err(e))?.to_string())
  }

  /// A copy that replaces the metadata or sets a condition: GET, then [`Self::write_with`].
  pub(super) async fn copy_with(
    &self,
    src: &StoragePath,
    dst: &StoragePath,
    options: &WriteOptions,
  ) -> Result<()> {
    if options.is_plain() {
      return self.copy_object(src, dst).await;
    }
    self.ready().await?;
    let full = self.full(src.key());
    let found = match self.store.get(&self.object(&full)?).await {
      Ok(found) => found,
      Err(object_store::Error::NotFound { .. }) => return Err(self.not_a_file(src, &full).await),
      Err(e) => return Err(self.err(e)),
    };
    let mut options = options.clone();
    if options.metadata.is_empty() {
      options.metadata = metadata_of(&found.attributes);
    }
    let data = found.bytes().await.map_err(|e| self.err(e))?;
    let written = self.write_with(dst, data, &options).await;
    written.map_err(|e| e.with_path(dst.as_str()))
  }
}

/// S3 and GCS: `response-content-type` / `response-content-disposition` signed into a GET's
/// query, a PUT's `Content-Type` a signed header the upload must send.
pub(super) fn signed_url_options(
  headers: &SignedHeaders,
) -> object_store::Result<SignedUrlOptions> {
  let mut options = SignedUrlOptions::new();
  let query = [
    ("response-content-type", &headers.response_content_type),
    (
      "response-content-disposition",
      &headers.response_content_disposition,
    ),
  ];
  for (name, value) in query {
    if let Some(value) = value {
      options = options.with_query([(name, value.as_str())]);
    }
  }
  if let Some(content_type) = &headers.content_type {
    // Validated as printable ASCII before (`SignedHeaders::validated`).
    let value = HeaderValue::from_str(content_type).map_err(|e| object_store::Error::Generic {
      store: "signer",
      source: Box::new(e),
    })?;
    options = options.with_signed_header(HeaderName::from_static("content-type"), value);
  }
  Ok(options)
}

/// Azure: the service SAS signs `rsct` / `rscd`, the response header overrides of a GET (patched
/// object_store, PATCHES.md 5). A SAS cannot bind the headers of the request made with it, so a
/// PUT bound to a content type is `ENOTSUP` (README, "Signed URLs").
pub(super) async fn sign_azure(
  store: &object_store::azure::MicrosoftAzure,
  method: Method,
  location: &object_store::path::Path,
  expires_in: Duration,
  headers: &SignedHeaders,
) -> object_store::Result<Url> {
  if headers.content_type.is_some() {
    return Err(object_store::Error::NotSupported {
      source: "an Azure SAS cannot bind the Content-Type of an upload".into(),
    });
  }
  let signed = store.signed_url_with_response_headers(
    method,
    location,
    expires_in,
    headers.response_content_type.as_deref(),
    headers.response_content_disposition.as_deref(),
  );
  signed.await
}

#[async_trait]
impl Metadata for ObjectStoreProvider {
  async fn file_details(&self, path: &StoragePath) -> Result<(FileStats, FileDetails)> {
    self.details(path).await
  }

  async fn write_file_with(
    &self,
    path: &StoragePath,
    data: Bytes,
    options: &WriteOptions,
  ) -> Result<()> {
    self.write_with(path, data, options).await
  }

  async fn copy_file_with(
    &self,
    src: &StoragePath,
    dst: &StoragePath,
    options: &WriteOptions,
  ) -> Result<()> {
    self.copy_with(src, dst, options).await
  }

  /// A DELETE with `If-Match` (patched object_store; GCS: a HEAD first, see its backend), after
  /// the same look as `deleteFile` for `ENOENT`/`EISDIR`; the parent stays a directory.
  async fn delete_file_if_match(&self, path: &StoragePath, etag: &str) -> Result<()> {
    self.ready().await?;
    let full = self.full(path.key());
    if path.is_root() || self.head_file(&full).await?.is_none() {
      return Err(self.not_a_file(path, &full).await);
    }
    let location = self.object(&full)?;
    let (deleted, ()) = tokio::join!(
      self.store.delete_if_match(&location, etag),
      self.keep_parent(&full)
    );
    self.checks.forget();
    match deleted {
      Ok(()) => Ok(()),
      Err(object_store::Error::Precondition { .. }) => Err(crate::metadata::conflict()),
      Err(object_store::Error::NotFound { .. }) => Err(Error::of(ErrorKind::NotFound)),
      Err(e) => Err(self.err(e)),
    }
  }
}

#[async_trait]
impl Signing for ObjectStoreProvider {
  async fn signed_url(
    &self,
    path: &StoragePath,
    method: SignedMethod,
    expires_in: Duration,
    headers: &crate::metadata::SignedHeaders,
  ) -> Result<String> {
    self.sign_with(path, method, expires_in, headers).await
  }
}
