//! The object-store provider classes: S3 and Azure Blob, over the core's `ObjectStoreProvider`.

use std::time::Duration;

use napi::bindgen_prelude::*;
use napi::Env;
use napi_derive::napi;
use stowage_core::{
  AzureOptions, MultipartSettings, ObjectStoreProvider, RetrySettings, S3Options, Storage,
};

use crate::errors::Failure;
use crate::ops;
use crate::providers::StorageType;

/// Retries and timeouts of an object-store client. Every field is optional.
#[napi(object)]
#[derive(Clone, Debug, Default)]
pub struct RetryOptions {
  /// Retries after the first attempt of a request that failed with a 5xx, a timeout or a lost
  /// connection. Default 3; 0 disables retries.
  pub max_retries: Option<u32>,
  /// No retry starts later than this after the first attempt. Default 30,000 ms.
  pub retry_timeout_ms: Option<u32>,
  /// Time to open a connection. Default 5,000 ms.
  pub connect_timeout_ms: Option<u32>,
  /// Time for one whole request, body included. Default 30,000 ms.
  pub request_timeout_ms: Option<u32>,
}

/// How large writes are uploaded (S3 multipart upload, Azure staged blocks).
#[napi(object)]
#[derive(Clone, Debug, Default)]
pub struct MultipartOptions {
  /// Writes larger than this many bytes go in parts. Default 16 MiB.
  pub threshold: Option<u32>,
  /// Bytes per part. Default 8 MiB (S3 needs at least 5 MiB for every part but the last).
  pub part_size: Option<u32>,
  /// Parts in flight at once; bounds the memory a write holds beyond the caller's buffer. Default 4.
  pub max_concurrency: Option<u32>,
}

fn retry_settings(o: Option<RetryOptions>) -> RetrySettings {
  let o = o.unwrap_or_default();
  let ms = |v: Option<u32>, d: Duration| v.map_or(d, |v| Duration::from_millis(v.into()));
  let d = RetrySettings::default();
  RetrySettings {
    max_retries: o.max_retries.map_or(d.max_retries, |v| v as usize),
    retry_timeout: ms(o.retry_timeout_ms, d.retry_timeout),
    connect_timeout: ms(o.connect_timeout_ms, d.connect_timeout),
    request_timeout: ms(o.request_timeout_ms, d.request_timeout),
    ..d
  }
}

fn multipart_settings(o: Option<MultipartOptions>) -> MultipartSettings {
  let o = o.unwrap_or_default();
  let d = MultipartSettings::default();
  MultipartSettings {
    threshold: o.threshold.map_or(d.threshold, |v| v as usize),
    part_size: o.part_size.map_or(d.part_size, |v| v as usize),
    max_concurrency: o
      .max_concurrency
      .map_or(d.max_concurrency, |v| (v as usize).max(1)),
  }
}

/// Options of `S3StorageProvider`. Unset fields come from SPEC's variables (`AWS_S3_BUCKET`,
/// `AWS_REGION`, `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`,
/// `AWS_ENDPOINT_URL`); without keys the AWS credential chain applies.
#[napi(object)]
#[derive(Clone, Debug, Default)]
pub struct S3StorageOptions {
  pub bucket: Option<String>,
  pub region: Option<String>,
  pub access_key_id: Option<String>,
  pub secret_access_key: Option<String>,
  pub session_token: Option<String>,
  /// An S3-compatible endpoint (MinIO, R2, a local server); path-style addressing then.
  pub endpoint: Option<String>,
  /// Every path lives under this key prefix. Default none.
  pub prefix: Option<String>,
  /// Allow plain http. Default: exactly when the endpoint is `http://`.
  pub allow_http: Option<bool>,
  pub retry: Option<RetryOptions>,
  pub multipart: Option<MultipartOptions>,
  /// `true`: writes (`writeFile`, `createWriteStream`, the destination of `copyFile`/`moveFile`)
  /// skip the checks that refuse a directory at the path (`EISDIR`) or a file in the way of a
  /// parent (`ENOTDIR`): one PUT per write instead of a LIST and a HEAD per parent level first.
  /// For applications that own their key layout. Default `false`.
  pub skip_write_checks: Option<bool>,
  /// How long, in ms, what those checks found is remembered: parents are not asked about again,
  /// and from the second write into a directory on, one listing of its sub-directories answers
  /// for every write into it, so a burst of writes is about one PUT each. Within the window, a
  /// directory or file another client made at a written path can be missed. Default 2,000;
  /// 0 checks every write with the store.
  pub write_check_cache_ms: Option<u32>,
}

impl S3StorageOptions {
  pub fn into_core(self) -> S3Options {
    S3Options {
      bucket: self.bucket,
      region: self.region,
      access_key_id: self.access_key_id,
      secret_access_key: self.secret_access_key,
      session_token: self.session_token,
      endpoint: self.endpoint,
      prefix: self.prefix,
      allow_http: self.allow_http,
      retry: retry_settings(self.retry),
      multipart: multipart_settings(self.multipart),
      skip_write_checks: self.skip_write_checks.unwrap_or(false),
      write_check_cache: self
        .write_check_cache_ms
        .map(|ms| Duration::from_millis(ms.into())),
      max_server_copy: None,
    }
    .with_env_defaults()
  }
}

/// Options of `AzureBlobStorageProvider`. Unset fields come from `AZURE_STORAGE_ACCOUNT`,
/// `AZURE_STORAGE_KEY`, `AZURE_CONTAINER_NAME` and `AZURE_STORAGE_CONNECTION_STRING`.
#[napi(object)]
#[derive(Clone, Debug, Default)]
pub struct AzureBlobStorageOptions {
  pub account: Option<String>,
  pub access_key: Option<String>,
  pub container: Option<String>,
  /// `AccountName=…;AccountKey=…;BlobEndpoint=…`, or `UseDevelopmentStorage=true` for Azurite.
  pub connection_string: Option<String>,
  /// The blob service URL; usually taken from the connection string.
  pub endpoint: Option<String>,
  /// Every path lives under this blob-name prefix. Default none.
  pub prefix: Option<String>,
  /// Allow plain http. Default: exactly when the endpoint is `http://`.
  pub allow_http: Option<bool>,
  pub retry: Option<RetryOptions>,
  pub multipart: Option<MultipartOptions>,
  /// `true`: writes (`writeFile`, `createWriteStream`, the destination of `copyFile`/`moveFile`)
  /// skip the checks that refuse a directory at the path (`EISDIR`) or a file in the way of a
  /// parent (`ENOTDIR`): one PUT per write instead of a LIST and a HEAD per parent level first.
  /// For applications that own their key layout. Default `false`.
  pub skip_write_checks: Option<bool>,
  /// How long, in ms, what those checks found is remembered: parents are not asked about again,
  /// and from the second write into a directory on, one listing of its sub-directories answers
  /// for every write into it, so a burst of writes is about one PUT each. Within the window, a
  /// directory or file another client made at a written path can be missed. Default 2,000;
  /// 0 checks every write with the store.
  pub write_check_cache_ms: Option<u32>,
}

impl AzureBlobStorageOptions {
  pub fn into_core(self) -> AzureOptions {
    AzureOptions {
      account: self.account,
      access_key: self.access_key,
      container: self.container,
      connection_string: self.connection_string,
      endpoint: self.endpoint,
      prefix: self.prefix,
      allow_http: self.allow_http,
      retry: retry_settings(self.retry),
      multipart: multipart_settings(self.multipart),
      skip_write_checks: self.skip_write_checks.unwrap_or(false),
      write_check_cache: self
        .write_check_cache_ms
        .map(|ms| Duration::from_millis(ms.into())),
    }
    .with_env_defaults()
  }
}

/// Amazon S3 and S3-compatible stores. Directories are prefixes with `dir/` marker objects.
#[napi]
pub struct S3StorageProvider {
  storage: Storage,
}

#[napi]
impl S3StorageProvider {
  /// Throws `EINVAL` naming `AWS_S3_BUCKET` when no bucket is configured.
  #[napi(constructor)]
  pub fn new(env: &Env, options: Option<S3StorageOptions>) -> Result<Self> {
    Self::create(options.unwrap_or_default()).map_err(|f| f.into_napi(env))
  }
}

impl S3StorageProvider {
  pub fn create(options: S3StorageOptions) -> std::result::Result<Self, Failure> {
    Ok(S3StorageProvider {
      storage: Storage::new(ObjectStoreProvider::s3(options.into_core())?),
    })
  }
}

storage_methods!(S3StorageProvider, StorageType::S3);

/// Azure Blob Storage. Directories are prefixes with `dir/` marker blobs.
#[napi]
pub struct AzureBlobStorageProvider {
  storage: Storage,
}

#[napi]
impl AzureBlobStorageProvider {
  /// Throws `EINVAL` naming `AZURE_CONTAINER_NAME` or `AZURE_STORAGE_ACCOUNT` when missing.
  #[napi(constructor)]
  pub fn new(env: &Env, options: Option<AzureBlobStorageOptions>) -> Result<Self> {
    Self::create(options.unwrap_or_default()).map_err(|f| f.into_napi(env))
  }
}

impl AzureBlobStorageProvider {
  pub fn create(options: AzureBlobStorageOptions) -> std::result::Result<Self, Failure> {
    Ok(AzureBlobStorageProvider {
      storage: Storage::new(ObjectStoreProvider::azure(options.into_core())?),
    })
  }
}

storage_methods!(AzureBlobStorageProvider, StorageType::AZURE_BLOB);
