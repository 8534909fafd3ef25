//! Google Cloud Storage (and emulators such as fake-gcs-server): configuration, service-account
//! credentials, and construction of the shared [`ObjectStoreProvider`].
//!
//! `ctime` is the object's last-modified time: object_store does not expose GCS's creation time.
//!
//! Credentials: `GOOGLE_APPLICATION_CREDENTIALS` names a key file, as Google's own libraries read
//! it; the `credentials` option takes that path or the key's JSON text. object_store itself
//! honours a key's `gcs_base_url`/`disable_oauth` only when the key comes as
//! `GOOGLE_SERVICE_ACCOUNT`/`_KEY`, so the file is read here and handed over as the key: both
//! fields then work from the variable users set. An `authorized_user` file (what
//! `gcloud auth application-default login` writes) is passed on as application-default
//! credentials. Without credentials, the default chain applies (gcloud's well-known file, then
//! the metadata server of GCE/GKE/Cloud Run) — or, with an emulator endpoint, no credentials at
//! all (emulators check none); signed URLs then fail with `EACCES`.

use std::fmt;
use std::sync::Arc;

use object_store::gcp::{GcpCredential, GoogleCloudStorageBuilder};
use object_store::StaticCredentialProvider;

use super::object::{nonempty, ErrorContext, MarkerEncoding, ObjectSettings, ObjectStoreProvider};
use crate::error::{Error, ErrorKind, Result};

/// The variable that names the bucket.
pub const BUCKET_VARIABLE: &str = "GCS_BUCKET";
/// The variable that names the service-account key file (or holds its JSON).
pub const CREDENTIALS_VARIABLE: &str = "GOOGLE_APPLICATION_CREDENTIALS";

/// How to reach a bucket. Unset fields fall back to the environment with
/// [`GcsOptions::with_env_defaults`].
#[derive(Clone, Default, PartialEq)]
pub struct GcsOptions {
  /// `GCS_BUCKET`. Required.
  pub bucket: Option<String>,
  /// `GOOGLE_APPLICATION_CREDENTIALS`: the path of a service-account key file, or the key's JSON
  /// text itself (anything starting with `{`).
  pub credentials: Option<String>,
  /// `GCS_ENDPOINT_URL` (else `STORAGE_EMULATOR_HOST`): an emulator's URL. Default Google's
  /// `https://storage.googleapis.com`.
  pub endpoint: Option<String>,
  /// Prefix, retries, multipart and write checks: as for S3 and Azure Blob.
  pub settings: ObjectSettings,
}

impl fmt::Debug for GcsOptions {
  fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    let credentials =
      self
        .credentials
        .as_deref()
        .map(|c| if is_inline(c) { "*** (inline JSON)" } else { c });
    f.debug_struct("GcsOptions")
      .field("bucket", &self.bucket)
      .field("credentials", &credentials)
      .field("endpoint", &self.endpoint)
      .field("settings", &self.settings)
      .finish()
  }
}

impl GcsOptions {
  /// Options read from the environment only.
  pub fn from_env() -> Self {
    GcsOptions::default().with_env_defaults()
  }

  /// Fills every unset field from its environment variable ([`crate::config`]'s table):
  /// explicit options win.
  pub fn with_env_defaults(mut self) -> Self {
    let fill = |field: &mut Option<String>, option: &str| {
      if nonempty(field).is_none() {
        *field = crate::config::from_env("GCS", option);
      }
    };
    fill(&mut self.bucket, "bucket");
    fill(&mut self.credentials, "credentials");
    fill(&mut self.endpoint, "endpoint");
    self
  }
}

/// Key JSON given inline rather than as a path.
fn is_inline(credentials: &str) -> bool {
  credentials.trim_start().starts_with('{')
}

/// `STORAGE_EMULATOR_HOST` may be a bare `host:port`; object_store needs a URL.
fn endpoint_url(endpoint: &str) -> String {
  let endpoint = endpoint.trim_end_matches('/');
  if endpoint.contains("://") {
    endpoint.to_string()
  } else {
    format!("http://{endpoint}")
  }
}

/// What the credentials turned out to be.
enum Credentials {
  /// A service-account key's JSON text.
  ServiceAccount { json: String, private_key: String },
  /// A file of another kind (`authorized_user`): object_store reads it itself.
  ApplicationDefault(String),
}

fn credentials_error(what: &str) -> Error {
  Error::new(
    ErrorKind::InvalidInput,
    format!("GCS credentials ({CREDENTIALS_VARIABLE} or the `credentials` option): {what}"),
  )
}

/// Reads a key file or inline JSON. Messages name the file, never its content.
fn load_credentials(credentials: &str) -> Result<Credentials> {
  let (json, source) = if is_inline(credentials) {
    (credentials.to_string(), "the inline JSON".to_string())
  } else {
    let text = std::fs::read_to_string(credentials).map_err(|e| {
      credentials_error(&format!("cannot read the key file \"{credentials}\": {e}"))
    })?;
    (text, format!("the key file \"{credentials}\""))
  };
  let value: serde_json::Value =
    serde_json::from_str(&json).map_err(|_| credentials_error(&format!("{source} is not JSON")))?;
  match value.get("type").and_then(|t| t.as_str()) {
    Some("authorized_user") if !is_inline(credentials) => {
      Ok(Credentials::ApplicationDefault(credentials.to_string()))
    }
    Some("service_account") | None => {
      let field = |name: &str| value.get(name).and_then(|v| v.as_str()).map(str::to_string);
      let private_key = field("private_key").ok_or_else(|| {
        credentials_error(&format!("{source} has no private_key of a service account"))
      })?;
      if field("client_email").is_none() || field("private_key_id").is_none() {
        return Err(credentials_error(&format!(
          "{source} needs client_email and private_key_id"
        )));
      }
      Ok(Credentials::ServiceAccount { json, private_key })
    }
    Some(other) => Err(credentials_error(&format!(
      "{source} is of type \"{other}\"; a service_account key (or, as a file, authorized_user) is needed"
    ))),
  }
}

impl ObjectStoreProvider {
  /// The `GCS` provider. Fails with `EINVAL` naming `GCS_BUCKET` when no bucket is given, and
  /// naming `GOOGLE_APPLICATION_CREDENTIALS` when the credentials cannot be read; a bucket that
  /// does not exist is reported by the first operation.
  pub fn gcs(options: GcsOptions) -> Result<Self> {
    let bucket = nonempty(&options.bucket).ok_or_else(|| {
      Error::new(
        ErrorKind::InvalidInput,
        format!("GCS needs a bucket: set {BUCKET_VARIABLE} or the `bucket` option"),
      )
    })?;
    let credentials = nonempty(&options.credentials)
      .map(load_credentials)
      .transpose()?;
    let endpoint = nonempty(&options.endpoint).map(endpoint_url);
    let mut secrets = Vec::new();
    if let Some(Credentials::ServiceAccount { json, private_key }) = &credentials {
      secrets.push(json.clone());
      secrets.push(private_key.clone());
      // A key's PEM body line by line too, should anything print a piece of it.
      secrets.extend(
        private_key
          .lines()
          .filter(|l| !l.starts_with("-----"))
          .map(str::to_string),
      );
    }
    let errors = ErrorContext {
      container: format!("bucket \"{bucket}\""),
      variable: BUCKET_VARIABLE,
      secrets,
    };
    let (retry, client) = options.settings.client(endpoint.as_deref());
    let mut builder = GoogleCloudStorageBuilder::new()
      .with_bucket_name(bucket)
      .with_retry(retry)
      .with_client_options(client);
    if let Some(endpoint) = &endpoint {
      builder = builder.with_base_url(endpoint);
    }
    builder = match credentials {
      Some(Credentials::ServiceAccount { json, .. }) => builder.with_service_account_key(json),
      Some(Credentials::ApplicationDefault(path)) => builder.with_application_credentials(path),
      // An emulator checks no credentials: an empty bearer token (what a key's `disable_oauth`
      // gives) rather than asking a metadata server for one.
      None if endpoint.is_some() => {
        builder.with_credentials(Arc::new(StaticCredentialProvider::new(GcpCredential {
          bearer: String::new(),
        })))
      }
      None => builder,
    };
    let store = builder.build().map_err(|e| {
      Error::new(
        ErrorKind::InvalidInput,
        errors.sanitize(&format!("GCS configuration: {e}")),
      )
    })?;
    let config =
      options
        .settings
        .into_config("GCS", MarkerEncoding::TrailingSlash, errors, u64::MAX)?;
    Ok(ObjectStoreProvider::new(Arc::new(store), config))
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  /// A syntactically valid key whose RSA key is a throwaway made for these tests.
  fn key_json(private_key: &str) -> String {
    serde_json::json!({
      "type": "service_account",
      "private_key_id": "id",
      "private_key": private_key,
      "client_email": "x@y.iam.gserviceaccount.com",
    })
    .to_string()
  }

  #[test]
  fn a_missing_bucket_names_the_variable() {
    let err = ObjectStoreProvider::gcs(GcsOptions::default()).unwrap_err();
    assert_eq!(err.code(), "EINVAL");
    assert!(err.reason().contains("GCS_BUCKET"), "{}", err.reason());
  }

  #[test]
  fn an_unreadable_key_file_names_the_variable_and_the_file() {
    let err = ObjectStoreProvider::gcs(GcsOptions {
      bucket: Some("b".into()),
      credentials: Some("/nonexistent/key.json".into()),
      ..Default::default()
    })
    .unwrap_err();
    assert_eq!(err.code(), "EINVAL");
    assert!(
      err.reason().contains("GOOGLE_APPLICATION_CREDENTIALS")
        && err.reason().contains("/nonexistent/key.json"),
      "{}",
      err.reason()
    );
  }

  #[test]
  fn a_bad_key_never_shows_in_the_error() {
    let json =
      key_json("-----BEGIN PRIVATE KEY-----\nnotakeysecretvalue123\n-----END PRIVATE KEY-----\n");
    let mut file = tempfile::NamedTempFile::new().unwrap();
    std::io::Write::write_all(&mut file, json.as_bytes()).unwrap();
    for credentials in [json.clone(), file.path().display().to_string()] {
      let err = ObjectStoreProvider::gcs(GcsOptions {
        bucket: Some("b".into()),
        credentials: Some(credentials),
        endpoint: Some("http://127.0.0.1:1".into()),
        ..Default::default()
      })
      .unwrap_err();
      assert_eq!(err.code(), "EINVAL");
      assert!(!err.to_string().contains("notakeysecretvalue123"), "{err}");
    }
    let err = ObjectStoreProvider::gcs(GcsOptions {
      bucket: Some("b".into()),
      credentials: Some("{\"private_key\": \"secretvalue456\"".into()),
      ..Default::default()
    })
    .unwrap_err();
    assert!(err.reason().contains("not JSON"), "{}", err.reason());
    assert!(!err.to_string().contains("secretvalue456"), "{err}");
  }

  #[test]
  fn debug_output_hides_inline_credentials() {
    let options = GcsOptions {
      credentials: Some(key_json("secretvalue789")),
      ..Default::default()
    };
    assert!(!format!("{options:?}").contains("secretvalue789"));
  }

  #[test]
  fn an_emulator_host_becomes_a_url() {
    assert_eq!(endpoint_url("127.0.0.1:4443"), "http://127.0.0.1:4443");
    assert_eq!(endpoint_url("https://gcs.local/"), "https://gcs.local");
  }

  #[test]
  fn an_emulator_without_credentials_makes_no_request_to_build() {
    let provider = ObjectStoreProvider::gcs(GcsOptions {
      bucket: Some("b".into()),
      endpoint: Some("127.0.0.1:1".into()),
      ..Default::default()
    })
    .unwrap();
    assert_eq!(provider.container(), "bucket \"b\"");
  }
}
