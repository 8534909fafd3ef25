//! S3 and S3-compatible endpoints (MinIO, R2, moto, s3s): configuration and construction of the
//! shared [`ObjectStoreProvider`].
//!
//! `ctime` is the object's last-modified time (S3 keeps no creation time).

use std::fmt;
use std::sync::Arc;

use object_store::aws::AmazonS3Builder;

use super::object::{
  env_var, nonempty, userinfo_secrets, without_userinfo, ErrorContext, MarkerEncoding,
  ObjectSettings, ObjectStoreProvider,
};

/// Variables through which object_store finds AWS credentials other than a key pair (web
/// identity, container credentials): with one of them set, a custom endpoint without keys is
/// left to object_store.
const OTHER_AWS_CREDENTIALS: [&str; 3] = [
  "AWS_WEB_IDENTITY_TOKEN_FILE",
  "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
  "AWS_CONTAINER_CREDENTIALS_FULL_URI",
];
use crate::error::{Error, ErrorKind, Result};

/// S3 parts other than the last must be at least this large.
pub const MIN_S3_PART_SIZE: usize = 5 * 1024 * 1024;

/// S3's largest `CopyObject` source: 5 GiB.
pub const MAX_COPY_OBJECT: u64 = 5 * 1024 * 1024 * 1024;

/// How to reach a bucket. Unset fields fall back to SPEC's environment variables with
/// [`S3Options::with_env_defaults`]; when no keys are given, the AWS credential chain applies
/// (environment, web identity, ECS task role, EC2 instance metadata).
#[derive(Clone, Default, PartialEq)]
pub struct S3Options {
  /// `AWS_S3_BUCKET`. Required.
  pub bucket: Option<String>,
  /// `AWS_REGION` (or `AWS_DEFAULT_REGION`); `us-east-1` when unset.
  pub region: Option<String>,
  /// `AWS_ACCESS_KEY_ID`.
  pub access_key_id: Option<String>,
  /// `AWS_SECRET_ACCESS_KEY`.
  pub secret_access_key: Option<String>,
  /// `AWS_SESSION_TOKEN`, for temporary credentials.
  pub session_token: Option<String>,
  /// `AWS_ENDPOINT_URL`: an S3-compatible endpoint; path-style addressing is used then.
  pub endpoint: Option<String>,
  /// Prefix, retries, multipart and write checks: as for Azure Blob.
  pub settings: ObjectSettings,
  /// Largest object `copyFile`/`moveFile` copy on the server (`CopyObject`); a larger one is
  /// streamed through the process as a multipart upload. `None`: S3's limit,
  /// [`MAX_COPY_OBJECT`]. Lower only to test that path.
  pub max_server_copy: Option<u64>,
}

impl fmt::Debug for S3Options {
  fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    f.debug_struct("S3Options")
      .field("bucket", &self.bucket)
      .field("region", &self.region)
      .field("access_key_id", &self.access_key_id.as_ref().map(|_| "***"))
      .field(
        "secret_access_key",
        &self.secret_access_key.as_ref().map(|_| "***"),
      )
      .field("session_token", &self.session_token.as_ref().map(|_| "***"))
      .field(
        "endpoint",
        &self.endpoint.as_deref().map(|e| without_userinfo(e).0),
      )
      .field("settings", &self.settings)
      .field("max_server_copy", &self.max_server_copy)
      .finish()
  }
}

impl S3Options {
  /// Options read from SPEC's variables only.
  pub fn from_env() -> Self {
    S3Options::default().with_env_defaults()
  }

  /// Fills every unset field from its environment variable ([`crate::config`]'s table):
  /// explicit options win.
  pub fn with_env_defaults(mut self) -> Self {
    fill(&mut self.bucket, "bucket");
    fill(&mut self.region, "region");
    fill(&mut self.access_key_id, "accessKeyId");
    fill(&mut self.secret_access_key, "secretAccessKey");
    fill(&mut self.session_token, "sessionToken");
    fill(&mut self.endpoint, "endpoint");
    self
  }

  fn secrets(&self) -> Vec<String> {
    [
      &self.access_key_id,
      &self.secret_access_key,
      &self.session_token,
    ]
    .into_iter()
    .flatten()
    .cloned()
    .collect()
  }
}

fn fill(field: &mut Option<String>, option: &str) {
  if field.as_deref().is_none_or(str::is_empty) {
    *field = crate::config::from_env("S3", option);
  }
}

impl ObjectStoreProvider {
  /// The `S3` provider. Fails with `EINVAL` naming `AWS_S3_BUCKET` when no bucket is given; a
  /// bucket that does not exist is reported by the first operation.
  pub fn s3(options: S3Options) -> Result<Self> {
    let bucket = nonempty(&options.bucket).ok_or_else(|| {
      Error::new(
        ErrorKind::InvalidInput,
        "S3 needs a bucket: set AWS_S3_BUCKET or the `bucket` option",
      )
    })?;
    if options.settings.multipart.part_size < MIN_S3_PART_SIZE {
      return Err(Error::new(
        ErrorKind::InvalidInput,
        "S3 multipart part size must be at least 5 MiB",
      ));
    }
    let (endpoint, userinfo) = match nonempty(&options.endpoint) {
      Some(e) => {
        let (e, user) = without_userinfo(e);
        (Some(e), user)
      }
      None => (None, None),
    };
    let mut secrets = options.secrets();
    secrets.extend(userinfo_secrets(userinfo));
    let errors = ErrorContext {
      container: format!("bucket \"{bucket}\""),
      variable: "AWS_S3_BUCKET",
      secrets,
    };
    let keys =
      nonempty(&options.access_key_id).is_some() && nonempty(&options.secret_access_key).is_some();
    // Without keys object_store would ask the cloud's metadata service (169.254.169.254), which
    // a custom endpoint's host does not have: a call would hang on it, then fail obscurely.
    if endpoint.is_some() && !keys && !OTHER_AWS_CREDENTIALS.iter().any(|v| env_var(v).is_some()) {
      return Err(Error::new(
        ErrorKind::InvalidInput,
        "S3 with a custom endpoint (AWS_ENDPOINT_URL) needs credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or the accessKeyId and secretAccessKey options",
      ));
    }
    let endpoint = endpoint.as_deref();
    let (retry, client) = options.settings.client(endpoint);
    // The builder's own environment reading supplies the credential chain's settings.
    let mut builder = AmazonS3Builder::from_env()
      .with_bucket_name(bucket)
      .with_retry(retry)
      .with_client_options(client);
    if let Some(region) = nonempty(&options.region) {
      builder = builder.with_region(region);
    }
    if let Some(endpoint) = endpoint {
      builder = builder
        .with_endpoint(endpoint)
        .with_virtual_hosted_style_request(false);
    }
    if let (Some(id), Some(secret)) = (
      nonempty(&options.access_key_id),
      nonempty(&options.secret_access_key),
    ) {
      builder = builder
        .with_access_key_id(id)
        .with_secret_access_key(secret);
      if let Some(token) = nonempty(&options.session_token) {
        builder = builder.with_token(token);
      }
    }
    let store = builder.build().map_err(|e| {
      Error::new(
        ErrorKind::InvalidInput,
        errors.sanitize(&format!("S3 configuration: {e}")),
      )
    })?;
    let config = options.settings.into_config(
      "S3",
      MarkerEncoding::TrailingSlash,
      errors,
      options.max_server_copy.unwrap_or(MAX_COPY_OBJECT),
    )?;
    Ok(ObjectStoreProvider::new(Arc::new(store), config))
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn a_missing_bucket_names_the_variable() {
    let options = S3Options {
      bucket: Some(String::new()),
      ..Default::default()
    };
    let err = ObjectStoreProvider::s3(options).unwrap_err();
    assert_eq!(err.code(), "EINVAL");
    assert!(err.reason().contains("AWS_S3_BUCKET"), "{}", err.reason());
  }

  #[test]
  fn debug_output_hides_credentials() {
    let options = S3Options {
      access_key_id: Some("AKIDEXAMPLE".into()),
      secret_access_key: Some("wJalrXUtnFEMI".into()),
      ..Default::default()
    };
    let text = format!("{options:?}");
    assert!(
      !text.contains("AKIDEXAMPLE") && !text.contains("wJalrXUtnFEMI"),
      "{text}"
    );
  }

  #[test]
  fn construction_makes_no_request() {
    let options = S3Options {
      bucket: Some("b".into()),
      endpoint: Some("http://127.0.0.1:1".into()),
      access_key_id: Some("k".into()),
      secret_access_key: Some("s".into()),
      ..Default::default()
    };
    let provider = ObjectStoreProvider::s3(options).unwrap();
    assert_eq!(provider.container(), "bucket \"b\"");
  }
}
