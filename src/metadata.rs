//! Write options (`contentType`, `cacheControl`, …, `metadata`, `ifNoneMatch`, `ifMatch`) read
//! from JavaScript, and the `getFileStats` fields beyond size and times. The checks of the values
//! themselves live in the core (`stowage_core::metadata`), alike for every provider.

use std::collections::BTreeMap;

use napi::bindgen_prelude::*;
use napi::{Env, ValueType};
use napi_derive::napi;
use stowage_core::metadata::{Condition, FileMetadata, Header, SignedHeaders, WriteOptions};

use crate::args;
use crate::errors::Failure;

/// Options of `writeFile`, `createWriteStream` and `copyFile`. LOCAL stores the content type,
/// headers and metadata in extended attributes (`user.stowage.*`): on a filesystem without user
/// xattrs only the content type's guess from the name remains, and any other option is `ENOTSUP`
/// (nothing written).
#[napi(object, object_from_js = false)]
#[allow(dead_code)] // the type of index.d.ts; the values are read by `write_options`
pub struct WriteFileOptions {
  /// MIME type stored with the file. Default: guessed from the name's extension,
  /// `application/octet-stream` when unknown. `copyFile` keeps the source's unless any metadata
  /// option is given.
  pub content_type: Option<String>,
  /// `Cache-Control` served with the file (S3, Azure Blob, GCS; kept on LOCAL and MEMORY).
  pub cache_control: Option<String>,
  /// `Content-Disposition`, e.g. `attachment; filename="a.pdf"; filename*=UTF-8''…` (printable
  /// ASCII only: encode other characters as RFC 6266 says).
  pub content_disposition: Option<String>,
  /// `Content-Encoding` (e.g. `gzip`): stored as is, the bytes are not changed.
  pub content_encoding: Option<String>,
  /// `Content-Language`.
  pub content_language: Option<String>,
  /// User metadata. Keys: ASCII letters, digits and `_`, not starting with a digit (stored
  /// lowercased); values printable ASCII; keys plus values at most 2,048 bytes. Else `EINVAL`.
  /// `transfer` adds `stowage_source_etag` to each copy (see `TransferOptions.skipIdentical`).
  pub metadata: Option<std::collections::HashMap<String, String>>,
  /// `'*'`: write only if no file is at the path, else `EEXIST` (atomic).
  pub if_none_match: Option<String>,
  /// Write only if the file's `etag` (from `getFileStats`) is this, else `ECONFLICT` (atomic; also
  /// when the file is gone). Not retryable: read the new version and decide again.
  pub if_match: Option<String>,
}

/// Options of `deleteFile`.
#[napi(object, object_from_js = false)]
#[allow(dead_code)] // the type of index.d.ts; the values are read by `delete_condition`
pub struct DeleteFileOptions {
  /// Delete only if the file's `etag` is this, else `ECONFLICT`. Atomic on LOCAL, MEMORY, S3 and
  /// Azure Blob; on GCS (which conditions deletes on the generation) the ETag is checked by a HEAD
  /// right before the DELETE.
  pub if_match: Option<String>,
}

const HEADERS: [Header; 5] = [
  Header::ContentType,
  Header::CacheControl,
  Header::ContentDisposition,
  Header::ContentEncoding,
  Header::ContentLanguage,
];

fn string_property(obj: &Object, name: &str) -> std::result::Result<Option<String>, Failure> {
  let value: Unknown = obj
    .get_named_property(name)
    .map_err(|e| args::thrown(obj.value().env, e))?;
  match value.get_type().ok() {
    Some(ValueType::Undefined) | Some(ValueType::Null) => Ok(None),
    Some(ValueType::String) => Ok(Some(string(&value)?)),
    _ => Err(Failure::Type(format!(
      "The \"options.{name}\" property must be of type string"
    ))),
  }
}

/// A string value's text (anything else as `String(value)` would give it).
fn string(value: &Unknown) -> std::result::Result<String, Failure> {
  value
    .coerce_to_string()
    .and_then(|s| s.into_utf8())
    .and_then(|s| s.into_owned())
    .map_err(Failure::Js)
}

/// The write options of `options` (undefined, null or an object); other properties are ignored,
/// so the same object may carry `signal` and the like.
pub fn write_options(options: Option<&Unknown>) -> std::result::Result<WriteOptions, Failure> {
  let mut out = WriteOptions::default();
  let Some(obj) = options
    .map(|o| args::options_object("options", o))
    .transpose()?
    .flatten()
  else {
    return Ok(out);
  };
  for header in HEADERS {
    if let Some(value) = string_property(&obj, header.option_name())? {
      out.metadata.set(header, value);
    }
  }
  out.metadata.metadata = metadata_map(&obj)?;
  if let Some(v) = string_property(&obj, "ifNoneMatch")? {
    if v != "*" {
      return Err(Failure::Storage(stowage_core::Error::new(
        stowage_core::ErrorKind::InvalidInput,
        "ifNoneMatch must be '*'",
      )));
    }
    out.condition = Condition::IfNoneMatch;
  }
  if let Some(v) = string_property(&obj, "ifMatch")? {
    if out.condition != Condition::None {
      return Err(Failure::Storage(stowage_core::Error::new(
        stowage_core::ErrorKind::InvalidInput,
        "ifMatch and ifNoneMatch cannot be combined",
      )));
    }
    out.condition = Condition::IfMatch(v);
  }
  Ok(out)
}

/// `options.metadata`: an object whose own enumerable values are strings.
fn metadata_map(obj: &Object) -> std::result::Result<BTreeMap<String, String>, Failure> {
  let env = obj.value().env;
  let value: Unknown = obj
    .get_named_property("metadata")
    .map_err(|e| args::thrown(env, e))?;
  let wrong =
    || Failure::Type("The \"options.metadata\" property must be an object of strings".into());
  let map: Object = match value.get_type().ok() {
    Some(ValueType::Undefined) | Some(ValueType::Null) => return Ok(BTreeMap::new()),
    Some(ValueType::Object) => value.coerce_to_object().map_err(|_| wrong())?,
    _ => return Err(wrong()),
  };
  let keys = map.get_property_names().map_err(|e| args::thrown(env, e))?;
  let count = keys.get_array_length().map_err(Failure::Js)?;
  let mut out = BTreeMap::new();
  for i in 0..count {
    let key: Unknown = keys.get_element(i).map_err(|e| args::thrown(env, e))?;
    let key = string(&key)?; // a string already, or an index
    let v: Unknown = map
      .get_named_property(&key)
      .map_err(|e| args::thrown(env, e))?;
    if v.get_type().ok() != Some(ValueType::String) {
      return Err(Failure::Type(format!(
        "The \"options.metadata.{key}\" property must be of type string"
      )));
    }
    out.insert(key, string(&v)?);
  }
  Ok(out)
}

/// The headers a signed URL fixes (`responseContentType`, `responseContentDisposition`,
/// `contentType`) from `getSignedUrl`'s options.
pub fn signed_headers(options: Option<&Unknown>) -> std::result::Result<SignedHeaders, Failure> {
  let Some(obj) = options
    .map(|o| args::options_object("options", o))
    .transpose()?
    .flatten()
  else {
    return Ok(SignedHeaders::default());
  };
  Ok(SignedHeaders {
    response_content_type: string_property(&obj, "responseContentType")?,
    response_content_disposition: string_property(&obj, "responseContentDisposition")?,
    content_type: string_property(&obj, "contentType")?,
  })
}

/// `deleteFile`'s `ifMatch`, if any.
pub fn delete_condition(options: Option<&Unknown>) -> std::result::Result<Option<String>, Failure> {
  let Some(obj) = options
    .map(|o| args::options_object("options", o))
    .transpose()?
    .flatten()
  else {
    return Ok(None);
  };
  string_property(&obj, "ifMatch")
}

/// Adds the headers besides the content type that are set, and `metadata` (when any), to a
/// `getFileStats` result (lib/results.js's `fileStats` made it with `etag` and `contentType`).
pub fn add_details(env: &Env, stats: &mut Object, metadata: &FileMetadata) -> Result<()> {
  for (header, value) in metadata.headers() {
    if let (Some(value), false) = (value, header == Header::ContentType) {
      stats.set_named_property(header.option_name(), value)?;
    }
  }
  if !metadata.metadata.is_empty() {
    let mut obj = Object::new(env)?;
    for (k, v) in &metadata.metadata {
      obj.set_named_property(k, v.as_str())?;
    }
    stats.set_named_property("metadata", obj)?;
  }
  Ok(())
}
