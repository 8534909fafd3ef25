//! The stores under the S3, Azure Blob and GCS provider: what the provider needs from each, and
//! where a service does a thing its own way (Azure's signing, GCS's conditions on the generation).

use std::time::Duration;

use async_trait::async_trait;
use object_store::list::PaginatedListStore;
use object_store::path::Path;
use object_store::signer::{Method, Signer, Url};
use object_store::{ObjectStore, ObjectStoreExt, UpdateVersion};

use super::metadata;

/// What the provider needs from a store: the object API, raw paginated listing (for one-key
/// existence checks), signing (Azure's with signed response overrides), and a delete conditional
/// on the ETag (patched object_store, see vendor/object_store/PATCHES.md). `AmazonS3` and
/// `MicrosoftAzure` are all of it; `GoogleCloudStorage` checks the ETag on a HEAD first.
#[async_trait]
pub trait ObjectBackend: ObjectStore + PaginatedListStore + Signer {
  /// Deletes `location` only while its ETag is `etag` (`Precondition` otherwise).
  async fn delete_if_match(&self, location: &Path, etag: &str) -> object_store::Result<()>;

  /// The version a write conditional on `etag` names: the ETag itself, which S3 and Azure
  /// compare on the PUT.
  async fn update_version(
    &self,
    _location: &Path,
    etag: &str,
  ) -> object_store::Result<UpdateVersion> {
    Ok(UpdateVersion {
      e_tag: Some(etag.to_string()),
      version: None,
    })
  }

  /// A signed URL that fixes `headers` ([`metadata::signed_url_options`]: signed query
  /// parameters and a signed `Content-Type`, as S3 and GCS sign them).
  async fn signed_url_with_headers(
    &self,
    method: Method,
    location: &Path,
    expires_in: Duration,
    headers: &crate::metadata::SignedHeaders,
  ) -> object_store::Result<Url> {
    let options = metadata::signed_url_options(headers)?;
    self
      .signed_url_opts(method, location, expires_in, &options)
      .await
  }
}

#[async_trait]
impl ObjectBackend for object_store::aws::AmazonS3 {
  async fn delete_if_match(&self, location: &Path, etag: &str) -> object_store::Result<()> {
    object_store::aws::AmazonS3::delete_if_match(self, location, etag).await
  }
}

#[async_trait]
impl ObjectBackend for object_store::azure::MicrosoftAzure {
  async fn delete_if_match(&self, location: &Path, etag: &str) -> object_store::Result<()> {
    object_store::azure::MicrosoftAzure::delete_if_match(self, location, etag).await
  }

  async fn signed_url_with_headers(
    &self,
    method: Method,
    location: &Path,
    expires_in: Duration,
    headers: &crate::metadata::SignedHeaders,
  ) -> object_store::Result<Url> {
    metadata::sign_azure(self, method, location, expires_in, headers).await
  }
}

/// GCS conditions deletes on the generation, not the ETag, and object_store sends neither: the
/// ETag is compared on a HEAD right before an unconditional DELETE, which leaves a window of one
/// round trip in which a rewrite can still be deleted (README, "Google Cloud Storage").
#[async_trait]
impl ObjectBackend for object_store::gcp::GoogleCloudStorage {
  async fn delete_if_match(&self, location: &Path, etag: &str) -> object_store::Result<()> {
    let meta = self.head(location).await?;
    if meta.e_tag.as_deref() != Some(etag) {
      return Err(object_store::Error::Precondition {
        path: location.to_string(),
        source: "the ETag changed".into(),
      });
    }
    self.delete(location).await
  }

  /// GCS conditions writes on the generation, not the ETag: a HEAD checks the ETag and the PUT
  /// is conditional on the generation that HEAD saw, so a rewrite in between fails it (412).
  async fn update_version(
    &self,
    location: &Path,
    etag: &str,
  ) -> object_store::Result<UpdateVersion> {
    let meta = self.head(location).await?;
    if meta.e_tag.as_deref() != Some(etag) || meta.version.is_none() {
      return Err(object_store::Error::Precondition {
        path: location.to_string(),
        source: "the ETag changed".into(),
      });
    }
    Ok(UpdateVersion {
      e_tag: meta.e_tag,
      version: meta.version,
    })
  }
}
