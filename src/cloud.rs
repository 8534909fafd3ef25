//! The object-store provider classes: S3, Azure Blob and Google Cloud Storage, over the core's
//! `ObjectStoreProvider`.

use std::time::Duration;

use napi::bindgen_prelude::*;
use napi::Env;
use napi_derive::napi;
use stowage_core::{
  AzureOptions, Error as StorageError, ErrorKind, GcsOptions, MultipartSettings, ObjectSettings,
  ObjectStoreProvider, RetrySettings, S3Options, Storage,
};

use crate::args::{OptionTable, OptionType as T, OBJECT_STORE_OPTIONS};
use crate::errors::Failure;
use crate::ops;
use crate::providers::{ProviderClass, StorageType};
use crate::service::Settings;

/// Retries and timeouts of an object-store client. Every field is optional; each is a whole number
/// from 0 to 4,294,967,295 (`EINVAL` otherwise).
#[napi(object)]
#[derive(Clone, Debug, Default)]
pub struct RetryOptions {
  /// Retries after the first attempt of a request that failed with a 5xx, a timeout or a lost
  /// connection. Default 3; 0 disables retries.
  pub max_retries: Option<f64>,
  /// No retry starts later than this after the first attempt. Default 30,000 ms.
  pub retry_timeout_ms: Option<f64>,
  /// Time to open a connection. Default 5,000 ms.
  pub connect_timeout_ms: Option<f64>,
  /// Time for one whole request, body included. Default 30,000 ms.
  pub request_timeout_ms: Option<f64>,
}

/// How large writes are uploaded (S3 multipart upload, Azure staged blocks). Each field is a whole
/// number from 0 to 4,294,967,295 (`EINVAL` otherwise).
#[napi(object)]
#[derive(Clone, Debug, Default)]
pub struct MultipartOptions {
  /// `writeFile`s larger than this many bytes go in parts. Default 100 MiB. A stream goes in parts
  /// once it passes `partSize`.
  pub threshold: Option<f64>,
  /// Bytes per part. Default 8 MiB (S3 needs at least 5 MiB for every part but the last).
  pub part_size: Option<f64>,
  /// Parts in flight at once; bounds the memory a write holds beyond the caller's buffer. Default 4.
  pub max_concurrency: Option<f64>,
  /// Time for the request that completes the upload, in ms (the service joins the parts while it
  /// waits: longer than `retry.requestTimeoutMs` allows for a large file). When completing fails
  /// anyway, a HEAD checks whether the file was written: if so the write succeeds, else the
  /// upload is aborted and the write rejects with a retryable `ETIMEDOUT` or `EIO`. Default
  /// 600,000 (10 minutes).
  pub complete_timeout_ms: Option<f64>,
}

/// A numeric option: a whole number from 0 to `u32::MAX`, or `EINVAL` naming it. (napi would
/// wrap a negative number or drop a fraction without a word.)
fn whole(name: &str, value: Option<f64>) -> std::result::Result<Option<u64>, Failure> {
  match value {
    None => Ok(None),
    Some(v) if v.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(&v) => Ok(Some(v as u64)),
    Some(v) => Err(Failure::Storage(StorageError::new(
      ErrorKind::InvalidInput,
      format!(
        "{name} must be a whole number from 0 to {}, got {v}",
        u32::MAX
      ),
    ))),
  }
}

fn millis(name: &str, value: Option<f64>) -> std::result::Result<Option<Duration>, Failure> {
  Ok(whole(name, value)?.map(Duration::from_millis))
}

fn retry_settings(o: Option<RetryOptions>) -> std::result::Result<RetrySettings, Failure> {
  let o = o.unwrap_or_default();
  let d = RetrySettings::default();
  let or = |v: Option<Duration>, d: Duration| v.unwrap_or(d);
  Ok(RetrySettings {
    max_retries: whole("retry.maxRetries", o.max_retries)?.map_or(d.max_retries, |v| v as usize),
    retry_timeout: or(
      millis("retry.retryTimeoutMs", o.retry_timeout_ms)?,
      d.retry_timeout,
    ),
    connect_timeout: or(
      millis("retry.connectTimeoutMs", o.connect_timeout_ms)?,
      d.connect_timeout,
    ),
    request_timeout: or(
      millis("retry.requestTimeoutMs", o.request_timeout_ms)?,
      d.request_timeout,
    ),
    ..d
  })
}

fn multipart_settings(
  o: Option<MultipartOptions>,
) -> std::result::Result<MultipartSettings, Failure> {
  let o = o.unwrap_or_default();
  let d = MultipartSettings::default();
  let size = |name, v, d: usize| Ok::<_, Failure>(whole(name, v)?.map_or(d, |v| v as usize));
  Ok(MultipartSettings {
    threshold: size("multipart.threshold", o.threshold, d.threshold)?,
    part_size: size("multipart.partSize", o.part_size, d.part_size)?,
    max_concurrency: size(
      "multipart.maxConcurrency",
      o.max_concurrency,
      d.max_concurrency,
    )?
    .max(1),
    complete_timeout: millis("multipart.completeTimeoutMs", o.complete_timeout_ms)?
      .unwrap_or(d.complete_timeout),
  })
}

/// Options of `S3StorageProvider`. Unset fields come from their variables
/// (`configurationVariables()`: `AWS_S3_BUCKET`, `AWS_ACCESS_KEY_ID`, ...); without keys the AWS
/// credential chain applies.
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
  /// How long, in ms, what those checks found is remembered: parents are not asked about again
  /// (writes asking about the same parent at once share one HEAD), and from the second write
  /// into a directory on, one listing of its sub-directories answers for every write into it,
  /// so a burst of writes is about one PUT each. Within the window, another client's change can
  /// be seen late: a directory or file it made at a written path can
  /// be missed, and a directory it deleted can still refuse a write (`EISDIR`). Default 2,000;
  /// 0 checks every write with the store.
  pub write_check_cache_ms: Option<f64>,
}

impl S3StorageOptions {
  pub fn into_core(self) -> std::result::Result<S3Options, Failure> {
    Ok(S3Options {
      bucket: self.bucket,
      region: self.region,
      access_key_id: self.access_key_id,
      secret_access_key: self.secret_access_key,
      session_token: self.session_token,
      endpoint: self.endpoint,
      settings: object_settings(
        self.prefix,
        self.allow_http,
        self.retry,
        self.multipart,
        self.skip_write_checks,
        self.write_check_cache_ms,
      )?,
      max_server_copy: None,
    })
  }
}

/// What the S3 and Azure options share, from their fields of the same names.
fn object_settings(
  prefix: Option<String>,
  allow_http: Option<bool>,
  retry: Option<RetryOptions>,
  multipart: Option<MultipartOptions>,
  skip_write_checks: Option<bool>,
  write_check_cache_ms: Option<f64>,
) -> std::result::Result<ObjectSettings, Failure> {
  Ok(ObjectSettings {
    prefix,
    allow_http,
    retry: retry_settings(retry)?,
    multipart: multipart_settings(multipart)?,
    skip_write_checks: skip_write_checks.unwrap_or(false),
    write_check_cache: millis("writeCheckCacheMs", write_check_cache_ms)?,
  })
}

/// Options of `AzureBlobStorageProvider`. Unset fields come from their variables
/// (`configurationVariables()`: `AZURE_STORAGE_ACCOUNT`, `AZURE_CONTAINER_NAME`, ...).
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
  /// How long, in ms, what those checks found is remembered: parents are not asked about again
  /// (writes asking about the same parent at once share one HEAD), and from the second write
  /// into a directory on, one listing of its sub-directories answers for every write into it,
  /// so a burst of writes is about one PUT each. Within the window, another client's change can
  /// be seen late: a directory or file it made at a written path can
  /// be missed, and a directory it deleted can still refuse a write (`EISDIR`). Default 2,000;
  /// 0 checks every write with the store.
  pub write_check_cache_ms: Option<f64>,
}

impl AzureBlobStorageOptions {
  pub fn into_core(self) -> std::result::Result<AzureOptions, Failure> {
    Ok(AzureOptions {
      account: self.account,
      access_key: self.access_key,
      container: self.container,
      connection_string: self.connection_string,
      endpoint: self.endpoint,
      settings: object_settings(
        self.prefix,
        self.allow_http,
        self.retry,
        self.multipart,
        self.skip_write_checks,
        self.write_check_cache_ms,
      )?,
    })
  }
}

/// Options of `GcsStorageProvider`. Unset fields come from `GCS_BUCKET`,
/// `GOOGLE_APPLICATION_CREDENTIALS` and `GCS_ENDPOINT_URL` (else `STORAGE_EMULATOR_HOST`);
/// without credentials the default chain applies (gcloud's file, the metadata server), or none
/// at all with an endpoint (emulators check none).
#[napi(object)]
#[derive(Clone, Debug, Default)]
pub struct GcsStorageOptions {
  pub bucket: Option<String>,
  /// A service-account key: the path of its JSON file, or the JSON text itself. An
  /// `authorized_user` file (gcloud's application-default login) works too, but cannot sign URLs.
  pub credentials: Option<String>,
  /// An emulator's URL (`http://127.0.0.1:4443`; a bare `host:port` means http). Default Google's.
  pub endpoint: Option<String>,
  /// Every path lives under this object-name prefix. Default none.
  pub prefix: Option<String>,
  /// Allow plain http. Default: exactly when the endpoint is `http://`.
  pub allow_http: Option<bool>,
  pub retry: Option<RetryOptions>,
  pub multipart: Option<MultipartOptions>,
  /// As for S3: writes skip the `EISDIR`/`ENOTDIR` checks at their destination. Default `false`.
  pub skip_write_checks: Option<bool>,
  /// As for S3: how long, in ms, what the write checks found is remembered. Default 2,000.
  pub write_check_cache_ms: Option<f64>,
}

impl GcsStorageOptions {
  pub fn into_core(self) -> std::result::Result<GcsOptions, Failure> {
    Ok(
      GcsOptions {
        bucket: self.bucket,
        credentials: self.credentials,
        endpoint: self.endpoint,
        settings: object_settings(
          self.prefix,
          self.allow_http,
          self.retry,
          self.multipart,
          self.skip_write_checks,
          self.write_check_cache_ms,
        )?,
      }
      .with_env_defaults(),
    )
  }
}

/// Amazon S3 and S3-compatible stores. Directories are prefixes with `dir/` marker objects.
#[napi]
pub struct S3StorageProvider {
  storage: Storage,
  options: S3StorageOptions,
}

#[napi]
impl S3StorageProvider {
  /// Throws `EINVAL` naming `AWS_S3_BUCKET` when no bucket is configured, and naming
  /// `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY` for a custom endpoint without them.
  #[napi(
    constructor,
    ts_args_type = "options?: S3StorageOptions | undefined | null"
  )]
  pub fn new(env: &Env, options: Option<Unknown>) -> Result<Self> {
    crate::args::constructor_options(env, options, Self::OPTIONS)
      .map_err(|f| f.into_napi(env))
      .and_then(|options| Self::create(env, options))
  }

  /// The options this provider runs with (given, else from their variables), credentials shown
  /// as `"set"`.
  #[napi(getter, ts_return_type = "S3StorageOptions")]
  pub fn options<'e>(&self, env: &'e Env) -> Result<Object<'e>> {
    crate::config::redacted(env, self.options.clone(), "S3")
  }
}

impl S3StorageProvider {
  /// The provider for `options`, unset fields filled from the process environment.
  pub fn create(env: &Env, options: S3StorageOptions) -> Result<Self> {
    let options = crate::config::fill(env, options, "S3", crate::config::process_env)?;
    let core = options.clone().into_core().map_err(|f| f.into_napi(env))?;
    let provider = ObjectStoreProvider::s3(core).map_err(|e| Failure::from(e).into_napi(env))?;
    Ok(S3StorageProvider {
      storage: Storage::new(provider),
      options,
    })
  }
}

impl ProviderClass for S3StorageProvider {
  type Options = S3StorageOptions;
  const OPTIONS: OptionTable = &[
    &[
      ("bucket", T::String),
      ("region", T::String),
      ("accessKeyId", T::String),
      ("secretAccessKey", T::String),
      ("sessionToken", T::String),
    ],
    OBJECT_STORE_OPTIONS,
  ];
  const OBJECT_STORE: bool = true;

  fn for_service(env: &Env, options: S3StorageOptions, settings: &Settings) -> Result<Self> {
    let options = crate::config::fill(env, options, "S3", |name| settings.get(name))?;
    Self::create(env, options)
  }
}

storage_methods!(S3StorageProvider, StorageType::S3);

/// Azure Blob Storage. Directories are prefixes with `dir/` marker blobs.
#[napi]
pub struct AzureBlobStorageProvider {
  storage: Storage,
  options: AzureBlobStorageOptions,
}

#[napi]
impl AzureBlobStorageProvider {
  /// Throws `EINVAL` naming `AZURE_CONTAINER_NAME` or `AZURE_STORAGE_ACCOUNT` when missing, and
  /// for a connection string with neither `AccountKey` nor `SharedAccessSignature`.
  #[napi(
    constructor,
    ts_args_type = "options?: AzureBlobStorageOptions | undefined | null"
  )]
  pub fn new(env: &Env, options: Option<Unknown>) -> Result<Self> {
    crate::args::constructor_options(env, options, Self::OPTIONS)
      .map_err(|f| f.into_napi(env))
      .and_then(|options| Self::create(env, options))
  }

  /// The options this provider runs with (given, else from their variables), credentials shown
  /// as `"set"`.
  #[napi(getter, ts_return_type = "AzureBlobStorageOptions")]
  pub fn options<'e>(&self, env: &'e Env) -> Result<Object<'e>> {
    crate::config::redacted(env, self.options.clone(), "AZURE_BLOB")
  }
}

impl AzureBlobStorageProvider {
  /// The provider for `options`, unset fields filled from the process environment.
  pub fn create(env: &Env, options: AzureBlobStorageOptions) -> Result<Self> {
    let options = crate::config::fill(env, options, "AZURE_BLOB", crate::config::process_env)?;
    let core = options.clone().into_core().map_err(|f| f.into_napi(env))?;
    let provider = ObjectStoreProvider::azure(core).map_err(|e| Failure::from(e).into_napi(env))?;
    Ok(AzureBlobStorageProvider {
      storage: Storage::new(provider),
      options,
    })
  }
}

impl ProviderClass for AzureBlobStorageProvider {
  type Options = AzureBlobStorageOptions;
  const OPTIONS: OptionTable = &[
    &[
      ("account", T::String),
      ("accessKey", T::String),
      ("container", T::String),
      ("connectionString", T::String),
    ],
    OBJECT_STORE_OPTIONS,
  ];
  const OBJECT_STORE: bool = true;

  fn for_service(env: &Env, options: AzureBlobStorageOptions, settings: &Settings) -> Result<Self> {
    let options = crate::config::fill(env, options, "AZURE_BLOB", |name| settings.get(name))?;
    Self::create(env, options)
  }
}

storage_methods!(AzureBlobStorageProvider, StorageType::AZURE_BLOB);

/// Google Cloud Storage. Directories are prefixes with `dir/` marker objects.
#[napi]
pub struct GcsStorageProvider {
  storage: Storage,
  options: GcsStorageOptions,
}

#[napi]
impl GcsStorageProvider {
  /// Throws `EINVAL` naming `GCS_BUCKET` when no bucket is configured, and naming
  /// `GOOGLE_APPLICATION_CREDENTIALS` when the credentials cannot be read.
  #[napi(
    constructor,
    ts_args_type = "options?: GcsStorageOptions | undefined | null"
  )]
  pub fn new(env: &Env, options: Option<Unknown>) -> Result<Self> {
    crate::args::constructor_options(env, options, Self::OPTIONS)
      .map_err(|f| f.into_napi(env))
      .and_then(|options| Self::create(env, options))
  }

  /// The options this provider runs with (given, else from their variables), credentials shown
  /// as `"set"`.
  #[napi(getter, ts_return_type = "GcsStorageOptions")]
  pub fn options<'e>(&self, env: &'e Env) -> Result<Object<'e>> {
    crate::config::redacted(env, self.options.clone(), "GCS")
  }
}

impl GcsStorageProvider {
  /// The provider for `options`, unset fields filled from the process environment.
  pub fn create(env: &Env, options: GcsStorageOptions) -> Result<Self> {
    let options = crate::config::fill(env, options, "GCS", crate::config::process_env)?;
    let core = options.clone().into_core().map_err(|f| f.into_napi(env))?;
    let provider = ObjectStoreProvider::gcs(core).map_err(|e| Failure::from(e).into_napi(env))?;
    Ok(GcsStorageProvider {
      storage: Storage::new(provider),
      options,
    })
  }
}

impl ProviderClass for GcsStorageProvider {
  type Options = GcsStorageOptions;
  const OPTIONS: OptionTable = &[
    &[("bucket", T::String), ("credentials", T::String)],
    OBJECT_STORE_OPTIONS,
  ];
  const OBJECT_STORE: bool = true;

  fn for_service(env: &Env, options: GcsStorageOptions, settings: &Settings) -> Result<Self> {
    let options = crate::config::fill(env, options, "GCS", |name| settings.get(name))?;
    Self::create(env, options)
  }
}

storage_methods!(GcsStorageProvider, StorageType::GCS);
