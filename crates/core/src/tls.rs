//! The TLS crypto of the S3 and Azure clients: rustls with ring (README "Size": smaller and quicker
//! to build than aws-lc-rs, and it cross-compiles with nothing but a C compiler per target).

use std::sync::Once;

/// Makes ring rustls' process-wide crypto provider, once, before the first HTTPS client is built.
/// A provider the host process installed first stays.
pub(crate) fn install_crypto_provider() {
  static ONCE: Once = Once::new();
  ONCE.call_once(|| {
    let _ = rustls::crypto::ring::default_provider().install_default();
  });
}

#[cfg(test)]
mod tests {
  use object_store::aws::AmazonS3Builder;
  use object_store::ObjectStoreExt;

  use crate::providers::object::RetrySettings;

  /// reqwest panics when it builds an HTTPS client and no provider is installed: an S3 client
  /// built with the providers' options must get ring and fail a request like any I/O error.
  #[tokio::test]
  async fn an_https_client_gets_ring_and_fails_with_an_error_not_a_panic() {
    let settings = RetrySettings {
      max_retries: 0,
      ..RetrySettings::default()
    };
    let store = AmazonS3Builder::new()
      .with_bucket_name("bucket")
      .with_region("us-east-1")
      .with_endpoint("https://127.0.0.1:9") // the discard port: nothing listens
      .with_access_key_id("AKIDEXAMPLE")
      .with_secret_access_key("secret")
      .with_client_options(settings.client_options(false))
      .build()
      .expect("an S3 client");
    let provider = rustls::crypto::CryptoProvider::get_default().expect("a default provider");
    assert!(
      format!("{provider:?}").to_lowercase().contains("ring"),
      "{provider:?}"
    );
    assert!(store.head(&"key".into()).await.is_err());
  }
}
