//! What configures the S3, Azure Blob and GCS provider: the settings the three share (retries and
//! timeouts, multipart uploads, the key prefix, the write checks), the configuration the provider
//! is built with, and the helpers the constructors read their options with.

use std::time::Duration;

use object_store::{BackoffConfig, ClientOptions, RetryConfig};

use super::checks::DEFAULT_WRITE_CHECK_CACHE;
use super::{ErrorContext, MarkerEncoding};
use crate::error::{Error, ErrorKind, Result};
use crate::path::{PathRules, StoragePath};

/// Retry and timeout policy of every request. object_store retries 5xx answers, connection
/// errors and timeouts of idempotent requests with exponential backoff and jitter, until either
/// bound is reached; the error then surfaces with `retryable: true`.
#[derive(Debug, Clone, PartialEq)]
pub struct RetrySettings {
  /// Retries after the first attempt (default 3; 0 disables retries).
  pub max_retries: usize,
  /// No retry starts after this much time since the first attempt (default 30 s).
  pub retry_timeout: Duration,
  /// First backoff (default 100 ms); each next one is up to twice as long.
  pub initial_backoff: Duration,
  /// Longest backoff (default 5 s).
  pub max_backoff: Duration,
  /// Time to open a connection (default 5 s).
  pub connect_timeout: Duration,
  /// Time for one whole request, body included (default 30 s). Raise it to read or write
  /// large single objects over slow links; multipart parts are requests of their own.
  pub request_timeout: Duration,
}

impl Default for RetrySettings {
  fn default() -> Self {
    RetrySettings {
      max_retries: 3,
      retry_timeout: Duration::from_secs(30),
      initial_backoff: Duration::from_millis(100),
      max_backoff: Duration::from_secs(5),
      connect_timeout: Duration::from_secs(5),
      request_timeout: Duration::from_secs(30),
    }
  }
}

impl RetrySettings {
  pub(crate) fn retry_config(&self) -> RetryConfig {
    RetryConfig {
      backoff: BackoffConfig {
        init_backoff: self.initial_backoff,
        max_backoff: self.max_backoff,
        base: 2.0,
      },
      max_retries: self.max_retries,
      retry_timeout: self.retry_timeout,
    }
  }

  pub(crate) fn client_options(&self, allow_http: bool) -> ClientOptions {
    crate::tls::install_crypto_provider(); // every S3 and Azure client is built with these options
    ClientOptions::new()
      .with_connect_timeout(self.connect_timeout)
      .with_timeout(self.request_timeout)
      .with_allow_http(allow_http)
  }
}

/// When and how `writeFile` switches to a multipart upload (S3) or staged blocks (Azure).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MultipartSettings {
  /// `writeFile`s larger than this many bytes are uploaded in parts (default 100 MiB, where AWS
  /// advises multipart). Below it a whole buffer is one PUT: as much memory (the buffer is sent
  /// without a copy either way), one request, and no second pass over the data on the server to
  /// join parts, which on the test servers made a 64 MiB write 1.3–2x slower (bench/README.md).
  pub threshold: usize,
  /// Bytes per part (default 8 MiB; S3 needs at least 5 MiB for every part but the last).
  pub part_size: usize,
  /// Parts in flight at once (default 4). Besides the caller's buffer, at most this many part
  /// requests hold memory at a time.
  pub max_concurrency: usize,
  /// Time for the request that completes the upload (default 10 min): the service joins the
  /// parts while it waits, which for a large object takes longer than `retry.request_timeout`
  /// allows one request. A completion that fails even so is checked with a HEAD before the
  /// upload is aborted ([`complete`](super::complete)).
  pub complete_timeout: Duration,
}

/// Default [`MultipartSettings::threshold`].
pub const DEFAULT_MULTIPART_THRESHOLD: usize = 100 * 1024 * 1024;
/// Default [`MultipartSettings::part_size`].
pub const DEFAULT_PART_SIZE: usize = 8 * 1024 * 1024;
/// Default [`MultipartSettings::complete_timeout`].
pub const DEFAULT_COMPLETE_TIMEOUT: Duration = Duration::from_secs(10 * 60);

impl MultipartSettings {
  /// Refuses settings that could not upload anything.
  pub(crate) fn check(&self) -> Result<()> {
    if self.part_size == 0 || self.max_concurrency == 0 {
      return Err(Error::new(
        ErrorKind::InvalidInput,
        "multipart part_size and max_concurrency must be greater than 0",
      ));
    }
    Ok(())
  }
}

impl Default for MultipartSettings {
  fn default() -> Self {
    MultipartSettings {
      threshold: DEFAULT_MULTIPART_THRESHOLD,
      part_size: DEFAULT_PART_SIZE,
      max_concurrency: 4,
      complete_timeout: DEFAULT_COMPLETE_TIMEOUT,
    }
  }
}

/// What S3 and Azure Blob share beyond how to reach the store: where the keys live, the client's
/// retries and timeouts, how large writes go up, and the write checks. The `settings` of
/// [`S3Options`](crate::providers::s3::S3Options) and
/// [`AzureOptions`](crate::providers::azure::AzureOptions).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ObjectSettings {
  /// Every path lives under this key prefix (`tenant-a/` …); none by default.
  pub prefix: Option<String>,
  /// Allow plain `http://`. Unset: allowed exactly when the endpoint starts with `http://`.
  pub allow_http: Option<bool>,
  pub retry: RetrySettings,
  pub multipart: MultipartSettings,
  /// Writes (`writeFile`, write streams, the destination of copy and move) skip the checks that
  /// refuse a directory at the path (`EISDIR`) or a file in the way of a parent (`ENOTDIR`): one
  /// PUT per write instead of a LIST and HEADs first. For callers that own their key layout.
  /// Default `false`.
  pub skip_write_checks: bool,
  /// How long what the write checks found is remembered, so a burst of writes into one
  /// directory is about one PUT each (see [the provider's docs](super)). Within it, another
  /// client's change can be seen late: a directory or file it made can be missed by a write here,
  /// a directory it deleted can still refuse one. `None`: 2 s ([`DEFAULT_WRITE_CHECK_CACHE`]);
  /// zero checks every write with the store.
  pub write_check_cache: Option<Duration>,
}

impl ObjectSettings {
  /// The retry policy and client options of a store at `endpoint`.
  pub(crate) fn client(&self, endpoint: Option<&str>) -> (RetryConfig, ClientOptions) {
    let allow_http = self
      .allow_http
      .unwrap_or_else(|| endpoint.is_some_and(|e| e.starts_with("http://")));
    (
      self.retry.retry_config(),
      self.retry.client_options(allow_http),
    )
  }

  /// The provider's configuration: these settings, checked, and what the store itself decides.
  pub(crate) fn into_config(
    self,
    name: &'static str,
    markers: MarkerEncoding,
    errors: ErrorContext,
    max_server_copy: u64,
  ) -> Result<ObjectStoreConfig> {
    self.multipart.check()?;
    Ok(ObjectStoreConfig {
      name,
      markers,
      prefix: key_prefix(self.prefix.as_deref())?,
      multipart: self.multipart,
      errors,
      skip_write_checks: self.skip_write_checks,
      write_check_cache: self.write_check_cache.unwrap_or(DEFAULT_WRITE_CHECK_CACHE),
      max_server_copy,
    })
  }
}

/// How one store is reached and named; built by the S3 and Azure constructors.
#[derive(Debug, Clone)]
pub(crate) struct ObjectStoreConfig {
  pub name: &'static str,
  pub markers: MarkerEncoding,
  /// Key prefix every path lives under, without leading or trailing `/` (`""` for none).
  pub prefix: String,
  pub multipart: MultipartSettings,
  pub errors: ErrorContext,
  /// Writes skip the `EISDIR`/`ENOTDIR` checks at their destination (see
  /// [the provider's docs](super)).
  pub skip_write_checks: bool,
  /// How long what the write checks found is remembered (zero: not at all).
  pub write_check_cache: Duration,
  /// Larger sources are copied by streaming them through the process (S3: `CopyObject` takes
  /// at most 5 GiB).
  pub max_server_copy: u64,
}

/// `endpoint` without the `user:password@` of its authority, and that user information. The
/// store is reached without it (SigV4 and Shared Key ignore it), so neither messages nor signed
/// URLs can carry the password; it is also added to the values messages redact.
pub(crate) fn without_userinfo(endpoint: &str) -> (String, Option<String>) {
  let Some(scheme_end) = endpoint.find("://").map(|i| i + 3) else {
    return (endpoint.to_string(), None);
  };
  let rest = &endpoint[scheme_end..];
  let authority = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
  match authority.rfind('@') {
    Some(at) => (
      format!("{}{}", &endpoint[..scheme_end], &rest[at + 1..]),
      Some(authority[..at].to_string()),
    ),
    None => (endpoint.to_string(), None),
  }
}

/// What messages must redact of an endpoint's user information (`user:password`).
pub(crate) fn userinfo_secrets(userinfo: Option<String>) -> Vec<String> {
  let Some(userinfo) = userinfo else {
    return Vec::new();
  };
  let mut secrets = vec![userinfo.clone()];
  if let Some((_, password)) = userinfo.split_once(':') {
    secrets.push(password.to_string());
  }
  secrets
}

/// An environment variable's value; unset and empty are the same.
pub(crate) fn env_var(name: &str) -> Option<String> {
  std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// An option's value; unset and empty are the same.
pub(crate) fn nonempty(value: &Option<String>) -> Option<&str> {
  value.as_deref().filter(|v| !v.is_empty())
}

/// A user's key prefix, normalized like a path (`/a/b/` → `a/b`); `..` and control characters are
/// refused as they are in paths.
fn key_prefix(prefix: Option<&str>) -> Result<String> {
  match prefix.filter(|p| !p.is_empty()) {
    None => Ok(String::new()),
    Some(p) => Ok(StoragePath::parse(p, &PathRules::Keyed)?.key().to_string()),
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn prefixes_normalize_like_paths() {
    assert_eq!(key_prefix(Some("/tenant/a/")).unwrap(), "tenant/a");
    assert_eq!(key_prefix(None).unwrap(), "");
    assert_eq!(key_prefix(Some("../x")).unwrap_err().code(), "EACCES");
  }

  #[test]
  fn endpoints_lose_their_user_information() {
    let (endpoint, user) = without_userinfo("https://me:s3cr%40t@host:9000/base?x=1");
    assert_eq!(endpoint, "https://host:9000/base?x=1");
    assert_eq!(user.as_deref(), Some("me:s3cr%40t"));
    let (endpoint, user) = without_userinfo("http://127.0.0.1:1/a@b");
    assert_eq!((endpoint.as_str(), user), ("http://127.0.0.1:1/a@b", None));
  }

  #[test]
  fn default_settings_are_the_documented_ones() {
    let retry = RetrySettings::default();
    assert_eq!(retry.max_retries, 3);
    assert_eq!(retry.retry_timeout, Duration::from_secs(30));
    assert_eq!(retry.connect_timeout, Duration::from_secs(5));
    assert_eq!(retry.request_timeout, Duration::from_secs(30));
    let multipart = MultipartSettings::default();
    assert_eq!(multipart.threshold, 100 * 1024 * 1024);
    assert_eq!(multipart.part_size, 8 * 1024 * 1024);
  }
}
