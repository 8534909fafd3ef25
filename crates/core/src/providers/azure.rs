//! Azure Blob Storage (and the Azurite emulator): configuration, connection strings, and
//! construction of the shared [`ObjectStoreProvider`].
//!
//! `ctime` is the blob's last-modified time: object_store does not expose Azure's creation time.

use std::fmt;
use std::sync::Arc;

use object_store::azure::{AzureConfigKey, MicrosoftAzureBuilder};

use super::object::{
  nonempty, userinfo_secrets, without_userinfo, ErrorContext, MarkerEncoding, ObjectSettings,
  ObjectStoreProvider,
};
use crate::error::{Error, ErrorKind, Result};

/// Azurite's well-known development account.
pub const DEVELOPMENT_ACCOUNT: &str = "devstoreaccount1";
/// Azurite's well-known development key (public, documented by Microsoft).
pub const DEVELOPMENT_KEY: &str =
  "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
/// Azurite's default blob endpoint.
pub const DEVELOPMENT_BLOB_ENDPOINT: &str = "http://127.0.0.1:10000/devstoreaccount1";

/// How to reach a container: account + key, or a connection string. Explicit fields win over
/// what the connection string says; unset fields fall back to SPEC's variables with
/// [`AzureOptions::with_env_defaults`].
#[derive(Clone, Default, PartialEq)]
pub struct AzureOptions {
  /// `AZURE_STORAGE_ACCOUNT`. Required unless the connection string names it.
  pub account: Option<String>,
  /// `AZURE_STORAGE_KEY`. Without a key (and without a SAS in the connection string) the
  /// managed-identity chain applies.
  pub access_key: Option<String>,
  /// `AZURE_CONTAINER_NAME`. Required.
  pub container: Option<String>,
  /// `AZURE_STORAGE_CONNECTION_STRING`: `AccountName=…;AccountKey=…;BlobEndpoint=…`, or
  /// `UseDevelopmentStorage=true` for Azurite on its default port.
  pub connection_string: Option<String>,
  /// The blob service URL (`https://acct.blob.core.windows.net`, or Azurite's
  /// `http://127.0.0.1:10000/devstoreaccount1`). Usually comes from the connection string.
  pub endpoint: Option<String>,
  /// Prefix (of blob names), retries, multipart (staged blocks) and write checks: as for S3.
  pub settings: ObjectSettings,
}

impl fmt::Debug for AzureOptions {
  fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    f.debug_struct("AzureOptions")
      .field("account", &self.account)
      .field("access_key", &self.access_key.as_ref().map(|_| "***"))
      .field("container", &self.container)
      .field(
        "connection_string",
        &self.connection_string.as_ref().map(|_| "***"),
      )
      .field(
        "endpoint",
        &self.endpoint.as_deref().map(|e| without_userinfo(e).0),
      )
      .field("settings", &self.settings)
      .finish()
  }
}

impl AzureOptions {
  /// Options read from SPEC's variables only.
  pub fn from_env() -> Self {
    AzureOptions::default().with_env_defaults()
  }

  /// Fills every unset field from its environment variable ([`crate::config`]'s table):
  /// explicit options win.
  pub fn with_env_defaults(mut self) -> Self {
    let fill = |field: &mut Option<String>, option: &str| {
      if nonempty(field).is_none() {
        *field = crate::config::from_env("AZURE_BLOB", option);
      }
    };
    fill(&mut self.account, "account");
    fill(&mut self.access_key, "accessKey");
    fill(&mut self.container, "container");
    fill(&mut self.connection_string, "connectionString");
    self
  }
}

/// What a connection string says, in the fields we use.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct ConnectionString {
  pub account: Option<String>,
  pub access_key: Option<String>,
  pub blob_endpoint: Option<String>,
  pub sas: Option<String>,
}

impl ConnectionString {
  /// Parses `Key=Value;…` (keys case-insensitive, values may contain `=`). Builds the endpoint
  /// from `DefaultEndpointsProtocol`, `AccountName` and `EndpointSuffix` when `BlobEndpoint` is
  /// absent; `UseDevelopmentStorage=true` means Azurite's account, key and endpoint.
  pub fn parse(text: &str) -> Result<Self> {
    let mut parsed = ConnectionString::default();
    let (mut protocol, mut suffix, mut development, mut proxy) = (None, None, false, None);
    for pair in text.split(';').map(str::trim).filter(|p| !p.is_empty()) {
      let Some((key, value)) = pair.split_once('=') else {
        return Err(Error::new(
          ErrorKind::InvalidInput,
          "AZURE_STORAGE_CONNECTION_STRING is not a list of Key=Value pairs",
        ));
      };
      let value = value.trim().to_string();
      match key.trim().to_ascii_lowercase().as_str() {
        "accountname" => parsed.account = Some(value),
        "accountkey" => parsed.access_key = Some(value),
        "blobendpoint" => parsed.blob_endpoint = Some(value.trim_end_matches('/').to_string()),
        "sharedaccesssignature" => parsed.sas = Some(value),
        "defaultendpointsprotocol" => protocol = Some(value),
        "endpointsuffix" => suffix = Some(value),
        "usedevelopmentstorage" => development = value.eq_ignore_ascii_case("true"),
        "developmentstorageproxyuri" => proxy = Some(value),
        _ => {} // queue, table, file endpoints: not ours
      }
    }
    if development {
      parsed
        .account
        .get_or_insert_with(|| DEVELOPMENT_ACCOUNT.to_string());
      parsed
        .access_key
        .get_or_insert_with(|| DEVELOPMENT_KEY.to_string());
      let endpoint = match proxy {
        Some(base) => format!("{}/{DEVELOPMENT_ACCOUNT}", base.trim_end_matches('/')),
        None => DEVELOPMENT_BLOB_ENDPOINT.to_string(),
      };
      parsed.blob_endpoint.get_or_insert(endpoint);
    } else if let (None, Some(account)) = (&parsed.blob_endpoint, &parsed.account) {
      let protocol = protocol.unwrap_or_else(|| "https".to_string());
      let suffix = suffix.unwrap_or_else(|| "core.windows.net".to_string());
      parsed.blob_endpoint = Some(format!("{protocol}://{account}.blob.{suffix}"));
    }
    Ok(parsed)
  }
}

/// The account a blob endpoint names: `acct` of `https://acct.blob.core.windows.net`, or the
/// first path segment of an emulator's `http://127.0.0.1:10000/devstoreaccount1`.
fn account_of_endpoint(endpoint: &str) -> Option<String> {
  let rest = endpoint.split_once("://")?.1;
  let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
  let host = host.split(':').next().unwrap_or(host);
  match host.split_once(".blob.") {
    Some((account, _)) if !account.is_empty() => Some(account.to_string()),
    _ => path
      .split('/')
      .next()
      .filter(|s| !s.is_empty())
      .map(str::to_string),
  }
}

impl ObjectStoreProvider {
  /// The `AZURE_BLOB` provider. Fails with `EINVAL` naming `AZURE_CONTAINER_NAME` or
  /// `AZURE_STORAGE_ACCOUNT` when either is missing; a container that does not exist is reported
  /// by the first operation.
  pub fn azure(options: AzureOptions) -> Result<Self> {
    let parsed = match nonempty(&options.connection_string) {
      Some(text) => ConnectionString::parse(text)?,
      None => ConnectionString::default(),
    };
    let container = nonempty(&options.container).ok_or_else(|| {
      Error::new(
        ErrorKind::InvalidInput,
        "Azure Blob needs a container: set AZURE_CONTAINER_NAME or the `container` option",
      )
    })?;
    let (endpoint, userinfo) = match nonempty(&options.endpoint).or(parsed.blob_endpoint.as_deref())
    {
      Some(e) => {
        let (e, user) = without_userinfo(e);
        (Some(e), user)
      }
      None => (None, None),
    };
    // The portal's SAS connection string names no account: its BlobEndpoint does.
    let from_endpoint = endpoint.as_deref().and_then(account_of_endpoint);
    let account = nonempty(&options.account)
      .or(parsed.account.as_deref())
      .or(from_endpoint.as_deref())
      .ok_or_else(|| {
      Error::new(
        ErrorKind::InvalidInput,
        "Azure Blob needs an account: set AZURE_STORAGE_ACCOUNT (with AZURE_STORAGE_KEY) or AZURE_STORAGE_CONNECTION_STRING",
      )
    })?;
    let key = nonempty(&options.access_key).or(parsed.access_key.as_deref());
    // Without a key or a SAS object_store would ask the cloud's metadata service
    // (169.254.169.254) for a token: off Azure a call would hang on it, then fail obscurely.
    if key.is_none() && parsed.sas.is_none() && nonempty(&options.connection_string).is_some() {
      return Err(Error::new(
        ErrorKind::InvalidInput,
        "Azure Blob needs credentials: the connection string (AZURE_STORAGE_CONNECTION_STRING) has neither AccountKey nor SharedAccessSignature; add one, or set AZURE_STORAGE_KEY",
      ));
    }
    let endpoint = endpoint.as_deref();
    let errors = ErrorContext {
      container: format!("container \"{container}\""),
      variable: "AZURE_CONTAINER_NAME",
      secrets: [
        key,
        parsed.sas.as_deref(),
        nonempty(&options.connection_string),
      ]
      .into_iter()
      .flatten()
      .map(str::to_string)
      .chain(userinfo_secrets(userinfo))
      .collect(),
    };
    let (retry, client) = options.settings.client(endpoint);
    let mut builder = MicrosoftAzureBuilder::from_env()
      .with_account(account)
      .with_container_name(container)
      .with_retry(retry)
      .with_client_options(client);
    if let Some(endpoint) = endpoint {
      builder = builder.with_endpoint(endpoint.to_string());
    }
    if let Some(key) = key {
      builder = builder.with_access_key(key);
    } else if let Some(sas) = &parsed.sas {
      builder = builder.with_config(AzureConfigKey::SasKey, sas);
    }
    let store = builder.build().map_err(|e| {
      Error::new(
        ErrorKind::InvalidInput,
        errors.sanitize(&format!("Azure Blob configuration: {e}")),
      )
    })?;
    let config = options.settings.into_config(
      "AZURE_BLOB",
      MarkerEncoding::EmptyLastPart,
      errors,
      u64::MAX,
    )?;
    Ok(ObjectStoreProvider::new(Arc::new(store), config))
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn the_account_comes_from_a_blob_endpoint() {
    let of = account_of_endpoint;
    assert_eq!(
      of("https://acct.blob.core.windows.net").as_deref(),
      Some("acct")
    );
    assert_eq!(
      of("http://127.0.0.1:10000/devstoreaccount1").as_deref(),
      Some("devstoreaccount1")
    );
    assert_eq!(of("http://127.0.0.1:10000"), None);
  }

  #[test]
  fn a_connection_string_without_credentials_fails_fast_naming_them() {
    let options = AzureOptions {
      connection_string: Some("BlobEndpoint=https://acct.blob.core.windows.net/".into()),
      container: Some("c".into()),
      ..Default::default()
    };
    let err = ObjectStoreProvider::azure(options).unwrap_err();
    assert_eq!(err.code(), "EINVAL");
    assert!(err.reason().contains("AccountKey") && err.reason().contains("AZURE_STORAGE_KEY"));
  }

  #[test]
  fn development_storage_means_azurite_defaults() {
    let parsed = ConnectionString::parse("UseDevelopmentStorage=true").unwrap();
    assert_eq!(parsed.account.as_deref(), Some(DEVELOPMENT_ACCOUNT));
    assert_eq!(parsed.access_key.as_deref(), Some(DEVELOPMENT_KEY));
    assert_eq!(
      parsed.blob_endpoint.as_deref(),
      Some(DEVELOPMENT_BLOB_ENDPOINT)
    );
  }

  #[test]
  fn explicit_blob_endpoint_and_keys_with_equals_signs_parse() {
    let text = "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=abc==;BlobEndpoint=http://127.0.0.1:4567/devstoreaccount1/;";
    let parsed = ConnectionString::parse(text).unwrap();
    assert_eq!(parsed.access_key.as_deref(), Some("abc=="));
    assert_eq!(
      parsed.blob_endpoint.as_deref(),
      Some("http://127.0.0.1:4567/devstoreaccount1")
    );
  }

  #[test]
  fn cloud_connection_strings_build_the_endpoint() {
    let text = "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=k;EndpointSuffix=core.windows.net";
    let parsed = ConnectionString::parse(text).unwrap();
    assert_eq!(
      parsed.blob_endpoint.as_deref(),
      Some("https://acct.blob.core.windows.net")
    );
  }

  #[test]
  fn missing_container_and_account_name_their_variables() {
    let err = ObjectStoreProvider::azure(AzureOptions {
      account: Some("a".into()),
      ..Default::default()
    })
    .unwrap_err();
    assert!(
      err.reason().contains("AZURE_CONTAINER_NAME"),
      "{}",
      err.reason()
    );
    let err = ObjectStoreProvider::azure(AzureOptions {
      container: Some("c".into()),
      ..Default::default()
    })
    .unwrap_err();
    assert_eq!(err.code(), "EINVAL");
    assert!(
      err.reason().contains("AZURE_STORAGE_ACCOUNT"),
      "{}",
      err.reason()
    );
  }

  #[test]
  fn a_bad_key_never_shows_in_the_error() {
    let options = AzureOptions {
      account: Some("acct".into()),
      access_key: Some("not base64 !!!secretvalue".into()),
      container: Some("c".into()),
      ..Default::default()
    };
    if let Err(err) = ObjectStoreProvider::azure(options) {
      assert!(!err.to_string().contains("secretvalue"), "{err}");
    }
  }
}
