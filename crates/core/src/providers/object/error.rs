//! object_store errors → Stowage errors: the right kind, a retry flag, and a message that never
//! carries a credential.
//!
//! object_store keeps its HTTP status private (`RetryError` is crate-internal), so the status is
//! read from the error text it prints (`Server returned non-2xx status code: 503 …`); transport
//! failures are found as a public [`HttpError`] in the source chain.

use std::error::Error as StdError;

use object_store::client::{HttpError, HttpErrorKind};

use crate::error::{Error, ErrorKind};

/// Longest reason we pass on; service error bodies can be long.
const MAX_REASON_CHARS: usize = 400;

/// Shorter values are not redacted: no real key is that short (AWS secrets are 40 characters,
/// Azure keys 88), and a test server's `test` would otherwise turn `stowage-test` into
/// `stowage-***` in every message.
const MIN_SECRET_CHARS: usize = 8;

/// What a provider knows to turn a raw error into a safe, useful one.
#[derive(Debug, Clone)]
pub(crate) struct ErrorContext {
  /// `bucket "x"` or `container "x"`.
  pub container: String,
  /// The variable that names the bucket or container (`AWS_S3_BUCKET`, `AZURE_CONTAINER_NAME`).
  pub variable: &'static str,
  /// Values that must never appear in a message (keys, tokens, connection strings).
  pub secrets: Vec<String>,
}

impl ErrorContext {
  /// Maps one object_store error.
  pub fn map(&self, err: object_store::Error) -> Error {
    let text = self.sanitize(&chain_text(&err));
    if is_missing_container(&text) {
      return self.missing_container();
    }
    let (kind, retryable) = classify(&err, &text);
    // object_store prints a timeout as "error sending request"; say what happened.
    let text = if kind == ErrorKind::TimedOut && !text.contains("timed out") {
      format!("{text} (timed out)")
    } else {
      text
    };
    Error::new(kind, text).retryable(retryable)
  }

  /// The configuration error for a bucket or container that does not exist.
  pub fn missing_container(&self) -> Error {
    Error::new(
      ErrorKind::InvalidInput,
      format!("{} does not exist ({})", self.container, self.variable),
    )
  }

  /// Strips URL query strings (SAS tokens, presigned signatures), redacts known secrets, reduces
  /// XML error bodies to their code and message, and bounds the length.
  pub fn sanitize(&self, text: &str) -> String {
    let mut text = strip_url_queries(&summarize_xml(text));
    for secret in self
      .secrets
      .iter()
      .filter(|s| s.chars().count() >= MIN_SECRET_CHARS)
    {
      text = text.replace(secret.as_str(), "***");
    }
    if text.chars().count() > MAX_REASON_CHARS {
      text = text.chars().take(MAX_REASON_CHARS).collect::<String>() + "…";
    }
    text
  }
}

fn classify(err: &object_store::Error, text: &str) -> (ErrorKind, bool) {
  use object_store::Error as E;
  match err {
    E::NotFound { .. } => (ErrorKind::NotFound, false),
    E::AlreadyExists { .. } | E::Precondition { .. } => (ErrorKind::AlreadyExists, false),
    E::PermissionDenied { .. } | E::Unauthenticated { .. } => (ErrorKind::PermissionDenied, false),
    E::InvalidPath { .. } => (ErrorKind::InvalidInput, false),
    E::NotSupported { .. } | E::NotImplemented { .. } => (ErrorKind::Unsupported, false),
    _ => match transport_kind(err) {
      Some(HttpErrorKind::Timeout) => (ErrorKind::TimedOut, true),
      Some(HttpErrorKind::Connect | HttpErrorKind::Request | HttpErrorKind::Interrupted) => {
        (ErrorKind::Io, true)
      }
      Some(_) => (ErrorKind::Io, false),
      None => match status_in(text) {
        Some(401 | 403) => (ErrorKind::PermissionDenied, false),
        Some(404) => (ErrorKind::NotFound, false),
        Some(400) => (ErrorKind::InvalidInput, false),
        Some(408 | 429) => (ErrorKind::Io, true),
        Some(500..=599) => (ErrorKind::Io, true),
        _ => (ErrorKind::Io, false),
      },
    },
  }
}

/// The transport failure behind an error, when there is one.
fn transport_kind(err: &object_store::Error) -> Option<HttpErrorKind> {
  let mut current: Option<&(dyn StdError + 'static)> = Some(err);
  while let Some(e) = current {
    if let Some(http) = e.downcast_ref::<HttpError>() {
      return Some(http.kind());
    }
    current = e.source();
  }
  None
}

/// The HTTP status object_store printed, if any.
fn status_in(text: &str) -> Option<u16> {
  const MARKER: &str = "status code: ";
  let at = text.find(MARKER)? + MARKER.len();
  text.get(at..at + 3)?.parse().ok()
}

fn is_missing_container(text: &str) -> bool {
  text.contains("NoSuchBucket") || text.contains("ContainerNotFound")
}

/// The error's own text; object_store's Display already includes its sources.
fn chain_text(err: &object_store::Error) -> String {
  err.to_string()
}

/// `… <Error><Code>X</Code><Message>Y</Message>…</Error>` → `… X: Y`. S3 error bodies can echo
/// the string to sign and the access key id; only the code and message are worth keeping.
fn summarize_xml(text: &str) -> String {
  let Some(start) = text.find('<') else {
    return text.to_string();
  };
  let code = xml_element(&text[start..], "Code");
  let message = xml_element(&text[start..], "Message");
  let head = text[..start].trim_end();
  match (code, message) {
    (Some(c), Some(m)) => format!("{head} {c}: {}", m.lines().next().unwrap_or("")),
    (Some(c), None) => format!("{head} {c}"),
    (None, Some(m)) => format!("{head} {}", m.lines().next().unwrap_or("")),
    (None, None) => head.to_string(),
  }
}

fn xml_element<'a>(text: &'a str, name: &str) -> Option<&'a str> {
  let open = format!("<{name}>");
  let close = format!("</{name}>");
  let from = text.find(&open)? + open.len();
  let to = text[from..].find(&close)? + from;
  Some(text[from..to].trim())
}

/// Removes `?query` from every `http://` or `https://` URL in `text`.
fn strip_url_queries(text: &str) -> String {
  let mut out = String::with_capacity(text.len());
  let mut rest = text;
  while let Some(at) = rest.find("http") {
    let (before, url_on) = rest.split_at(at);
    out.push_str(before);
    if !(url_on.starts_with("http://") || url_on.starts_with("https://")) {
      out.push_str("http");
      rest = &url_on[4..];
      continue;
    }
    let end = url_on
      .find(|c: char| c.is_whitespace() || c == '"' || c == '\'' || c == '>')
      .unwrap_or(url_on.len());
    let url = &url_on[..end];
    out.push_str(url.split('?').next().unwrap_or(url));
    rest = &url_on[end..];
  }
  out.push_str(rest);
  out
}

#[cfg(test)]
mod tests {
  use super::*;

  fn ctx() -> ErrorContext {
    ErrorContext {
      container: "bucket \"b\"".into(),
      variable: "AWS_S3_BUCKET",
      secrets: vec!["s3cr3tkey".into()],
    }
  }

  #[test]
  fn query_strings_are_stripped_from_urls() {
    let text =
      "Error performing GET https://acct.blob.core.windows.net/c/a.txt?sv=2021&sig=ABC%3D in 1s";
    assert_eq!(
      strip_url_queries(text),
      "Error performing GET https://acct.blob.core.windows.net/c/a.txt in 1s"
    );
    assert_eq!(strip_url_queries("no url, httpx"), "no url, httpx");
  }

  #[test]
  fn known_secrets_are_redacted() {
    let text = ctx().sanitize("bad key s3cr3tkey in http://h/x?sig=1");
    assert_eq!(text, "bad key *** in http://h/x");
  }

  #[test]
  fn xml_bodies_shrink_to_code_and_message() {
    let text = "Server returned non-2xx status code: 403 Forbidden: <?xml version=\"1.0\"?><Error><Code>SignatureDoesNotMatch</Code><Message>The signature does not match</Message><StringToSign>AWS4…</StringToSign></Error>";
    let out = summarize_xml(text);
    assert_eq!(
      out,
      "Server returned non-2xx status code: 403 Forbidden: SignatureDoesNotMatch: The signature does not match"
    );
    assert_eq!(status_in(&out), Some(403));
  }

  #[test]
  fn missing_bucket_is_a_configuration_error_naming_the_variable() {
    let err = ctx().missing_container();
    assert_eq!(err.code(), "EINVAL");
    assert_eq!(err.reason(), "bucket \"b\" does not exist (AWS_S3_BUCKET)");
  }

  #[test]
  fn short_values_are_not_redacted_so_names_stay_readable() {
    let ctx = ErrorContext {
      secrets: vec!["test".into(), "s3cr3tkey".into()],
      ..ctx()
    };
    let text = ctx.sanitize("GET http://h/stowage-test/a.txt failed, key s3cr3tkey");
    assert_eq!(text, "GET http://h/stowage-test/a.txt failed, key ***");
  }

  fn transport(kind: HttpErrorKind) -> object_store::Error {
    let io = std::io::Error::other("error sending request");
    object_store::Error::Generic {
      store: "S3",
      source: Box::new(HttpError::new(kind, io)),
    }
  }

  #[test]
  fn timeouts_are_retryable_timed_out() {
    let mapped = ctx().map(transport(HttpErrorKind::Timeout));
    assert_eq!(mapped.code(), "ETIMEDOUT");
    assert!(mapped.reason().contains("timed out"), "{}", mapped.reason());
    assert!(mapped.is_retryable());
  }

  #[test]
  fn lost_connections_are_retryable_io() {
    for kind in [
      HttpErrorKind::Connect,
      HttpErrorKind::Request,
      HttpErrorKind::Interrupted,
    ] {
      let mapped = ctx().map(transport(kind));
      assert_eq!(mapped.code(), "EIO", "{kind:?}");
      assert!(mapped.is_retryable(), "{kind:?}");
    }
  }

  #[test]
  fn generic_server_errors_are_retryable() {
    let err = object_store::Error::Generic {
      store: "S3",
      source: "Server returned non-2xx status code: 503 Service Unavailable: slow down".into(),
    };
    let mapped = ctx().map(err);
    assert_eq!(mapped.code(), "EIO");
    assert!(mapped.is_retryable());
  }
}
