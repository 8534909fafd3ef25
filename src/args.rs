//! JavaScript arguments checked and turned into Rust values. A wrong type is a `Failure::Type`
//! (a TypeError), never a crash.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use napi::bindgen_prelude::*;
use napi::{JsDate, JsString, ValueType};
use stowage_core::{DeleteDirectoryOptions, Error as StorageError, ErrorKind};

use crate::errors::Failure;

fn type_name(value: &Unknown) -> &'static str {
  match value.get_type() {
    Ok(ValueType::Undefined) => "undefined",
    Ok(ValueType::Null) => "null",
    Ok(ValueType::Boolean) => "boolean",
    Ok(ValueType::Number) => "number",
    Ok(ValueType::String) => "string",
    Ok(ValueType::Symbol) => "symbol",
    Ok(ValueType::Object) => "object",
    Ok(ValueType::Function) => "function",
    Ok(ValueType::BigInt) => "bigint",
    _ => "unknown",
  }
}

fn wrong(name: &str, expected: &str, value: &Unknown) -> Failure {
  Failure::Type(format!(
    "The \"{name}\" argument must be {expected}. Received {}",
    type_name(value)
  ))
}

/// A path argument: a string (lone surrogates are refused rather than silently replaced).
pub fn path(name: &str, value: &Unknown) -> std::result::Result<String, Failure> {
  if value.get_type().ok() != Some(ValueType::String) {
    return Err(wrong(name, "of type string", value));
  }
  let text: String = unsafe { value.cast() }.map_err(|_| wrong(name, "of type string", value))?;
  if text.contains('\u{FFFD}') && !is_valid_utf16(value)? {
    return Err(Failure::Storage(
      StorageError::new(
        ErrorKind::InvalidInput,
        "path is not valid Unicode (lone surrogate)",
      )
      .with_path(text),
    ));
  }
  Ok(text)
}

/// Tells a real U+FFFD in the JS string from one the UTF-16 → UTF-8 conversion put in place of a
/// lone surrogate: the JS string is read again as UTF-16 and checked.
fn is_valid_utf16(value: &Unknown) -> std::result::Result<bool, Failure> {
  let js: JsString = unsafe { value.cast() }.map_err(|e| Failure::Type(e.to_string()))?;
  let utf16 = js.into_utf16().map_err(|e| Failure::Type(e.to_string()))?;
  Ok(String::from_utf16(utf16.as_slice()).is_ok())
}

/// The data of `writeFile`: a string (UTF-8) or a Buffer / Uint8Array (its view, offset honoured).
pub fn data(value: &Unknown) -> std::result::Result<Bytes, Failure> {
  match value.get_type().ok() {
    Some(ValueType::String) => {
      let text: String = unsafe { value.cast() }.map_err(|e| Failure::Type(e.to_string()))?;
      Ok(Bytes::from(text.into_bytes()))
    }
    Some(ValueType::Object) if value.is_typedarray().unwrap_or(false) => {
      let view: Uint8Array = unsafe { value.cast() }
        .map_err(|_| wrong("data", "a string, Buffer or Uint8Array", value))?;
      Ok(Bytes::from_owner(JsBytes(view)))
    }
    _ => Err(wrong("data", "a string, Buffer or Uint8Array", value)),
  }
}

/// Keeps the JS buffer alive (and un-copied) while Rust writes from it.
struct JsBytes(Uint8Array);

impl AsRef<[u8]> for JsBytes {
  fn as_ref(&self) -> &[u8] {
    &self.0
  }
}

/// `{ recursive?, force? }`, or nothing.
pub fn delete_directory_options(
  value: &Unknown,
) -> std::result::Result<DeleteDirectoryOptions, Failure> {
  let Some(obj) = options_object("options", value)? else {
    return Ok(DeleteDirectoryOptions::default());
  };
  Ok(DeleteDirectoryOptions {
    recursive: flag(&obj, "recursive")?,
    force: flag(&obj, "force")?,
  })
}

/// An options argument: `undefined`/`null` is none, anything but an object is a TypeError.
pub fn options_object<'env>(
  name: &str,
  value: &Unknown<'env>,
) -> std::result::Result<Option<Object<'env>>, Failure> {
  match value.get_type().ok() {
    Some(ValueType::Undefined) | Some(ValueType::Null) => Ok(None),
    Some(ValueType::Object) => Ok(Some(
      unsafe { value.cast() }.map_err(|e| Failure::Type(e.to_string()))?,
    )),
    _ => Err(wrong(name, "an object", value)),
  }
}

fn flag(obj: &Object, key: &str) -> std::result::Result<bool, Failure> {
  let value: Unknown = obj
    .get_named_property(key)
    .map_err(|e| Failure::Type(e.to_string()))?;
  match value.get_type().ok() {
    Some(ValueType::Undefined) | Some(ValueType::Null) => Ok(false),
    Some(ValueType::Boolean) => Ok(unsafe { value.cast::<bool>() }.unwrap_or(false)),
    _ => Err(wrong(&format!("options.{key}"), "of type boolean", &value)),
  }
}

/// A `Date` (or a number of milliseconds since the epoch). An invalid date is `EINVAL`.
pub fn date(name: &str, value: &Unknown) -> std::result::Result<SystemTime, Failure> {
  let millis = match value.get_type().ok() {
    Some(ValueType::Number) => {
      unsafe { value.cast::<f64>() }.map_err(|e| Failure::Type(e.to_string()))?
    }
    Some(ValueType::Object) if value.is_date().unwrap_or(false) => {
      let date: JsDate = unsafe { value.cast() }.map_err(|e| Failure::Type(e.to_string()))?;
      date.value_of().map_err(|e| Failure::Type(e.to_string()))?
    }
    _ => return Err(wrong(name, "a Date", value)),
  };
  if !millis.is_finite() {
    return Err(Failure::Storage(StorageError::new(
      ErrorKind::InvalidInput,
      format!("\"{name}\" is an invalid date"),
    )));
  }
  Ok(if millis >= 0.0 {
    UNIX_EPOCH + Duration::from_secs_f64(millis / 1000.0)
  } else {
    UNIX_EPOCH - Duration::from_secs_f64(-millis / 1000.0)
  })
}

/// Milliseconds since the epoch, for `new Date(ms)`.
pub fn millis(time: SystemTime) -> f64 {
  match time.duration_since(UNIX_EPOCH) {
    Ok(d) => d.as_secs_f64() * 1000.0,
    Err(e) => -e.duration().as_secs_f64() * 1000.0,
  }
}

/// A JS `Date` built from milliseconds since the epoch.
pub struct DateValue(pub f64);

impl DateValue {
  pub fn from(time: SystemTime) -> Self {
    DateValue(millis(time))
  }
}

impl TypeName for DateValue {
  fn type_name() -> &'static str {
    "Date"
  }
  fn value_type() -> ValueType {
    ValueType::Object
  }
}

impl ToNapiValue for DateValue {
  unsafe fn to_napi_value(env: napi::sys::napi_env, val: Self) -> Result<napi::sys::napi_value> {
    let mut out = std::ptr::null_mut();
    let status = unsafe { napi::sys::napi_create_date(env, val.0, &mut out) };
    if status != napi::sys::Status::napi_ok {
      return Err(napi::Error::new(
        Status::GenericFailure,
        "failed to create a Date",
      ));
    }
    Ok(out)
  }
}
