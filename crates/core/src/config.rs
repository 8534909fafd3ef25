//! The configuration table: every environment variable Stowage reads, the provider it configures
//! and the option it sets. The one place the mapping is written: the core's `from_env` defaults,
//! the binding's `StorageService`, stowage/nest and the CLI all read these rows (JavaScript through
//! `configurationVariables()`). A new provider's variables are new rows here.

/// One row: `name` sets `option` of `provider` when that option is not given.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Variable {
  /// The environment variable (also the `ConfigService` key).
  pub name: &'static str,
  /// A `StorageType` (`LOCAL`, `S3`, `AZURE_BLOB`, ...), `StorageService` for the service's own
  /// options, `signing` for stowage/nest's signed-URL settings (`StorageModule`'s `signing`), or
  /// `process` for a process-wide setting read from the process environment only (no option).
  pub provider: &'static str,
  /// The option it fills, as JavaScript names it (`accessKeyId`). Two rows with the same
  /// provider and option: the first one set wins.
  pub option: &'static str,
  /// A credential: never printed, logged or put in a message; shown as `"set"`.
  pub secret: bool,
  pub description: &'static str,
}

const fn row(
  name: &'static str,
  provider: &'static str,
  option: &'static str,
  secret: bool,
  description: &'static str,
) -> Variable {
  Variable {
    name,
    provider,
    option,
    secret,
    description,
  }
}

/// Every variable, in the order the docs list them.
#[rustfmt::skip]
pub const VARIABLES: &[Variable] = &[
  row("STORAGE_TYPE", "StorageService", "storageType", false,
    "The provider StorageService uses by default: LOCAL, MEMORY, S3, AZURE_BLOB or GCS (default LOCAL)."),
  row("STORAGE_LOCAL_ROOT", "LOCAL", "root", false,
    "Confine every LOCAL path to this directory (created when missing). Default: no root."),
  row("AWS_S3_BUCKET", "S3", "bucket", false, "The S3 bucket. Required for S3."),
  row("AWS_REGION", "S3", "region", false, "The bucket's region (default us-east-1)."),
  row("AWS_DEFAULT_REGION", "S3", "region", false, "The region when AWS_REGION is unset."),
  row("AWS_ACCESS_KEY_ID", "S3", "accessKeyId", true,
    "Access key id; without keys the AWS credential chain applies."),
  row("AWS_SECRET_ACCESS_KEY", "S3", "secretAccessKey", true, "Secret access key."),
  row("AWS_SESSION_TOKEN", "S3", "sessionToken", true,
    "Session token of temporary credentials."),
  row("AWS_ENDPOINT_URL", "S3", "endpoint", false,
    "An S3-compatible endpoint (MinIO, R2, a local server); path-style addressing then."),
  row("AZURE_STORAGE_ACCOUNT", "AZURE_BLOB", "account", false,
    "The storage account. Required unless the connection string names it."),
  row("AZURE_STORAGE_KEY", "AZURE_BLOB", "accessKey", true,
    "The account key; without one (or a SAS) the managed-identity chain applies."),
  row("AZURE_CONTAINER_NAME", "AZURE_BLOB", "container", false,
    "The blob container. Required for AZURE_BLOB."),
  row("AZURE_STORAGE_CONNECTION_STRING", "AZURE_BLOB", "connectionString", true,
    "AccountName=...;AccountKey=...;BlobEndpoint=..., or UseDevelopmentStorage=true (Azurite)."),
  row("GCS_BUCKET", "GCS", "bucket", false, "The Google Cloud Storage bucket. Required for GCS."),
  row("GOOGLE_APPLICATION_CREDENTIALS", "GCS", "credentials", true,
    "A service-account key: its JSON file's path, or the JSON itself; without one Google's default chain applies."),
  row("GCS_ENDPOINT_URL", "GCS", "endpoint", false,
    "An emulator's endpoint (fake-gcs-server); default Google's."),
  row("STORAGE_EMULATOR_HOST", "GCS", "endpoint", false,
    "The endpoint when GCS_ENDPOINT_URL is unset (the variable Google's own libraries read; a bare host:port means http)."),
  row("STORAGE_SIGNING_SECRET", "signing", "secret", true,
    "stowage/nest: the HMAC key of LOCAL and MEMORY signed URLs (none: signed URLs are refused)."),
  row("STORAGE_SIGNED_URL_BASE", "signing", "baseUrl", false,
    "stowage/nest: the public URL the signed-URL routes are served under."),
  row("STOWAGE_LOCAL_THREADS", "process", "localThreads", false,
    "Threads of the LOCAL/MEMORY I/O pool (default 4, at most 256); read from the process environment when the first operation starts."),
];

/// The rows of `provider`.
pub fn variables(provider: &str) -> impl Iterator<Item = &'static Variable> + '_ {
  VARIABLES.iter().filter(move |v| v.provider == provider)
}

/// The value of `provider`'s `option` from the first of its variables that is `lookup`-set;
/// an empty value counts as unset.
pub fn lookup(
  provider: &str,
  option: &str,
  get: impl Fn(&str) -> Option<String>,
) -> Option<String> {
  variables(provider)
    .filter(|v| v.option == option)
    .find_map(|v| get(v.name).filter(|value| !value.is_empty()))
}

/// [`lookup`] in the process environment.
pub fn from_env(provider: &str, option: &str) -> Option<String> {
  lookup(provider, option, |name| std::env::var(name).ok())
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn names_are_unique_and_upper_case() {
    for (i, v) in VARIABLES.iter().enumerate() {
      assert!(
        v.name
          .bytes()
          .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_'),
        "{}",
        v.name
      );
      assert!(
        VARIABLES[..i].iter().all(|o| o.name != v.name),
        "{} twice",
        v.name
      );
    }
  }

  #[test]
  fn the_first_set_variable_of_an_option_wins() {
    let env = |name: &str| match name {
      "AWS_REGION" => Some(String::new()),
      "AWS_DEFAULT_REGION" => Some("eu-west-3".to_string()),
      _ => None,
    };
    assert_eq!(lookup("S3", "region", env).as_deref(), Some("eu-west-3"));
    assert_eq!(lookup("S3", "bucket", env), None);
  }
}
