//! What a file carries besides its bytes: the HTTP headers and user metadata a write stores, the
//! ETag a stat reports, and the conditions (`ifNoneMatch`, `ifMatch`) a write or delete can set.
//!
//! Checks live here so that every provider accepts and refuses the same input: a header value is
//! printable ASCII (HTTP headers of S3 and Azure carry nothing else), a metadata key is a C#
//! identifier (Azure's rule, which S3 also accepts), stored lowercased (S3 lowercases keys, so
//! both services then give back the same key), and keys plus values stay within
//! [`MAX_METADATA_BYTES`] (S3's limit on user metadata).

use std::collections::BTreeMap;

use crate::error::{Error, ErrorKind, Result};

/// Most bytes of user metadata (keys plus values, as S3 counts them) a file may carry.
pub const MAX_METADATA_BYTES: usize = 2048;

/// User metadata key under which `transfer` stores, on each copy it makes, the ETag its source
/// had: a later `sync` that finds the source still at that ETag knows the copy is identical
/// without reading either file. LOCAL keeps it in an xattr bound to the copy's own version (an
/// edit in place voids it) and drops it on a filesystem without xattrs.
pub const SOURCE_ETAG_KEY: &str = "stowage_source_etag";

/// Longest header value accepted (`cacheControl`, `contentDisposition`, …).
pub const MAX_HEADER_BYTES: usize = 1024;

/// The type a file gets when its name says nothing.
pub const DEFAULT_CONTENT_TYPE: &str = "application/octet-stream";

/// The headers and user metadata stored with a file. `None`: not set.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileMetadata {
  pub content_type: Option<String>,
  pub cache_control: Option<String>,
  pub content_disposition: Option<String>,
  pub content_encoding: Option<String>,
  pub content_language: Option<String>,
  /// User metadata; keys lowercased.
  pub metadata: BTreeMap<String, String>,
}

impl FileMetadata {
  /// True when nothing is set.
  pub fn is_empty(&self) -> bool {
    *self == FileMetadata::default()
  }

  /// True when something besides the content type is set.
  pub fn has_more_than_type(&self) -> bool {
    self.cache_control.is_some()
      || self.content_disposition.is_some()
      || self.content_encoding.is_some()
      || self.content_language.is_some()
      || !self.metadata.is_empty()
  }

  /// The named headers as (name, value) pairs, in one fixed order; for providers that store them
  /// one by one.
  pub fn headers(&self) -> [(Header, Option<&str>); 5] {
    [
      (Header::ContentType, self.content_type.as_deref()),
      (Header::CacheControl, self.cache_control.as_deref()),
      (
        Header::ContentDisposition,
        self.content_disposition.as_deref(),
      ),
      (Header::ContentEncoding, self.content_encoding.as_deref()),
      (Header::ContentLanguage, self.content_language.as_deref()),
    ]
  }

  /// Sets the header `which` to `value`.
  pub fn set(&mut self, which: Header, value: String) {
    let slot = match which {
      Header::ContentType => &mut self.content_type,
      Header::CacheControl => &mut self.cache_control,
      Header::ContentDisposition => &mut self.content_disposition,
      Header::ContentEncoding => &mut self.content_encoding,
      Header::ContentLanguage => &mut self.content_language,
    };
    *slot = Some(value);
  }

  /// Checks every value (see the module docs) and lowercases the metadata keys. `EINVAL`.
  pub fn validated(mut self) -> Result<Self> {
    for (header, value) in self.headers() {
      if let Some(value) = value {
        check_header(header.option_name(), value)?;
      }
    }
    let mut total = 0usize;
    let mut keys = BTreeMap::new();
    for (key, value) in std::mem::take(&mut self.metadata) {
      check_key(&key)?;
      check_text(&format!("metadata.{key}"), &value)?;
      total += key.len() + value.len();
      if keys.insert(key.to_ascii_lowercase(), value).is_some() {
        return Err(invalid(format!(
          "metadata key {key:?} differs from another only in case"
        )));
      }
    }
    if total > MAX_METADATA_BYTES {
      return Err(invalid(format!(
        "metadata is {total} bytes, more than the {MAX_METADATA_BYTES} every provider accepts"
      )));
    }
    self.metadata = keys;
    Ok(self)
  }

  /// These headers with the content type filled in from `name` when unset.
  pub fn typed_for(mut self, name: &str) -> Self {
    if self.content_type.is_none() {
      self.content_type = Some(guess_content_type(name).to_string());
    }
    self
  }
}

/// The headers a file can carry, by the name of their option.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Header {
  ContentType,
  CacheControl,
  ContentDisposition,
  ContentEncoding,
  ContentLanguage,
}

impl Header {
  /// The option's name in JavaScript.
  pub fn option_name(self) -> &'static str {
    match self {
      Header::ContentType => "contentType",
      Header::CacheControl => "cacheControl",
      Header::ContentDisposition => "contentDisposition",
      Header::ContentEncoding => "contentEncoding",
      Header::ContentLanguage => "contentLanguage",
    }
  }
}

/// A write's or delete's condition on what is at the path now.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Condition {
  /// Whatever is there.
  #[default]
  None,
  /// `ifNoneMatch: '*'`: only when no file is there (`EEXIST` otherwise).
  IfNoneMatch,
  /// `ifMatch: etag`: only when the file there has this ETag (`ECONFLICT` otherwise, also when
  /// there is no file).
  IfMatch(String),
}

/// The options of `writeFile`, `createWriteStream` and `copyFile`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WriteOptions {
  /// What the caller set; an empty one means "not set": a write guesses the type from the name,
  /// a copy keeps the source's.
  pub metadata: FileMetadata,
  pub condition: Condition,
}

impl WriteOptions {
  /// True when the options ask for nothing a plain write does not do.
  pub fn is_plain(&self) -> bool {
    self.metadata.is_empty() && self.condition == Condition::None
  }

  /// Checked (see [`FileMetadata::validated`]). `EINVAL`.
  pub fn validated(self) -> Result<Self> {
    if let Condition::IfMatch(etag) = &self.condition {
      if etag.is_empty() || etag.len() > MAX_HEADER_BYTES || !is_header_text(etag) {
        return Err(invalid(
          "ifMatch must be an ETag (printable ASCII)".to_string(),
        ));
      }
    }
    Ok(WriteOptions {
      metadata: self.metadata.validated()?,
      condition: self.condition,
    })
  }
}

/// What a signed URL fixes besides method and lifetime: the headers a GET's response carries
/// (`responseContentType`, `responseContentDisposition`) and the content type a PUT must send.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SignedHeaders {
  pub response_content_type: Option<String>,
  pub response_content_disposition: Option<String>,
  pub content_type: Option<String>,
}

impl SignedHeaders {
  pub fn is_empty(&self) -> bool {
    *self == SignedHeaders::default()
  }

  /// Checked like write headers (printable ASCII, at most [`MAX_HEADER_BYTES`]). `EINVAL`.
  pub fn validated(self) -> Result<Self> {
    let fields = [
      ("responseContentType", &self.response_content_type),
      (
        "responseContentDisposition",
        &self.response_content_disposition,
      ),
      ("contentType", &self.content_type),
    ];
    for (name, value) in fields {
      if let Some(value) = value {
        check_header(name, value)?;
      }
    }
    Ok(self)
  }
}

/// What `getFileStats` says beyond size and times.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileDetails {
  /// The version validator `ifMatch` compares with; `None` where the provider has none.
  pub etag: Option<String>,
  /// What was stored, the content type always filled in (guessed when none was stored).
  pub metadata: FileMetadata,
}

/// The MIME type for `name` from its extension (mime_guess's table), or
/// [`DEFAULT_CONTENT_TYPE`].
pub fn guess_content_type(name: &str) -> &'static str {
  let last = name.rsplit('/').next().unwrap_or(name);
  mime_guess::from_path(last)
    .first_raw()
    .unwrap_or(DEFAULT_CONTENT_TYPE)
}

/// `ECONFLICT`: the file is not the version `ifMatch` named.
pub fn conflict() -> Error {
  Error::new(
    ErrorKind::Conflict,
    "the file is not the version ifMatch names",
  )
}

/// `EEXIST` of an `ifNoneMatch: '*'` write.
pub fn exists() -> Error {
  Error::new(
    ErrorKind::AlreadyExists,
    "file already exists (ifNoneMatch: '*')",
  )
}

/// `ENOTSUP` for options a provider cannot honour.
pub fn unsupported(what: &str) -> Error {
  Error::new(ErrorKind::Unsupported, what.to_string())
}

fn invalid(reason: String) -> Error {
  Error::new(ErrorKind::InvalidInput, reason)
}

fn is_header_text(value: &str) -> bool {
  value
    .bytes()
    .all(|b| (0x20..0x7f).contains(&b) || b == b'\t')
}

fn check_header(name: &str, value: &str) -> Result<()> {
  if value.len() > MAX_HEADER_BYTES {
    return Err(invalid(format!(
      "{name} is longer than {MAX_HEADER_BYTES} bytes"
    )));
  }
  check_text(name, value)
}

/// Printable ASCII (and tab): what an HTTP header value of S3 and Azure can carry.
fn check_text(name: &str, value: &str) -> Result<()> {
  if !is_header_text(value) {
    return Err(invalid(format!(
      "{name} must be printable ASCII (encode other characters, e.g. filename*=UTF-8''… in contentDisposition)"
    )));
  }
  Ok(())
}

/// A C# identifier as Azure requires (ASCII letters, digits, `_`; not starting with a digit).
fn check_key(key: &str) -> Result<()> {
  let mut bytes = key.bytes();
  let ok = match bytes.next() {
    Some(b) if b.is_ascii_alphabetic() || b == b'_' => {
      bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_')
    }
    _ => false,
  };
  if !ok {
    return Err(invalid(format!(
      "metadata key {:?} must start with a letter or _ and hold only ASCII letters, digits and _",
      key.chars().take(64).collect::<String>()
    )));
  }
  Ok(())
}

#[cfg(test)]
mod tests {
  use super::*;

  fn with_meta(pairs: &[(&str, &str)]) -> FileMetadata {
    FileMetadata {
      metadata: pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect(),
      ..Default::default()
    }
  }

  #[test]
  fn content_types_are_guessed_from_the_last_name() {
    assert_eq!(guess_content_type("a/b/photo.JPG"), "image/jpeg");
    assert_eq!(guess_content_type("index.html"), "text/html");
    assert_eq!(guess_content_type("dir.png/noext"), DEFAULT_CONTENT_TYPE);
    assert_eq!(guess_content_type("x.unknownext"), DEFAULT_CONTENT_TYPE);
  }

  #[test]
  fn metadata_keys_are_identifiers_and_lowercased() {
    let ok = with_meta(&[("Owner_1", "me"), ("_x", "")])
      .validated()
      .unwrap();
    assert_eq!(ok.metadata.get("owner_1").map(String::as_str), Some("me"));
    for bad in ["1a", "a-b", "", "a b", "é"] {
      let e = with_meta(&[(bad, "v")]).validated().unwrap_err();
      assert_eq!(e.kind(), ErrorKind::InvalidInput, "{bad:?}");
    }
    let dup = with_meta(&[("A", "1"), ("a", "2")])
      .validated()
      .unwrap_err();
    assert_eq!(dup.kind(), ErrorKind::InvalidInput);
  }

  #[test]
  fn metadata_size_and_values_are_bounded() {
    let at_limit = "v".repeat(MAX_METADATA_BYTES - 1);
    assert!(with_meta(&[("k", &at_limit)]).validated().is_ok());
    let over = "v".repeat(MAX_METADATA_BYTES);
    assert!(with_meta(&[("k", &over)]).validated().is_err());
    assert!(with_meta(&[("k", "a\r\nb")]).validated().is_err());
    assert!(with_meta(&[("k", "né")]).validated().is_err());
    let header = FileMetadata {
      content_disposition: Some("attachment; filename=\"a\nb\"".into()),
      ..Default::default()
    };
    assert!(header.validated().is_err());
  }

  #[test]
  fn if_match_must_be_header_text() {
    let opts = |etag: &str| WriteOptions {
      condition: Condition::IfMatch(etag.to_string()),
      ..Default::default()
    };
    assert!(opts("\"abc\"").validated().is_ok());
    assert!(opts("").validated().is_err());
    assert!(opts("a\nb").validated().is_err());
  }
}
