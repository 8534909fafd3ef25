//! JavaScript arguments checked and turned into Rust values. A wrong type is a `Failure::Type`
//! (a TypeError), never a crash.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use napi::bindgen_prelude::*;
use napi::{sys, Env, JsDate, JsString, JsValue, ValueType};
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
  if let Some(failure) = too_long(value) {
    return Err(failure);
  }
  // SAFETY: `cast` converts the handle without checking its type; it was checked above (a string).
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

/// Far longer than any path a provider accepts (4,096 bytes): such a string is refused before it
/// is copied, and its error shows only its start, so a 100 MB "path" costs microseconds and never
/// travels into messages and log lines.
const MAX_PATH_UNITS: usize = 16 * 1024;

fn too_long(value: &Unknown) -> Option<Failure> {
  let (env, raw) = (value.value().env, value.raw());
  let mut units = 0usize;
  // SAFETY: `env` and `raw` come from a live `Unknown` on this JS thread; with a null buffer N-API
  // only writes the length into `units`, and a non-string gives a status, checked below.
  let status =
    unsafe { sys::napi_get_value_string_utf16(env, raw, std::ptr::null_mut(), 0, &mut units) };
  if status != sys::Status::napi_ok || units <= MAX_PATH_UNITS {
    return None;
  }
  let mut head = [0u16; 65];
  let mut copied = 0usize;
  // SAFETY: as above; N-API writes at most `head.len()` units into `head` and their count into
  // `copied`, which is clamped below.
  unsafe { sys::napi_get_value_string_utf16(env, raw, head.as_mut_ptr(), head.len(), &mut copied) };
  let shown = format!(
    "{}… ({units} characters)",
    String::from_utf16_lossy(&head[..copied.min(64)])
  );
  Some(Failure::Storage(
    StorageError::new(ErrorKind::InvalidInput, "path is too long").with_path(shown),
  ))
}

/// Tells a real U+FFFD in the JS string from one the UTF-16 → UTF-8 conversion put in place of a
/// lone surrogate: the JS string is read again as UTF-16 and checked.
fn is_valid_utf16(value: &Unknown) -> std::result::Result<bool, Failure> {
  // SAFETY: only called by `path`, after it checked that the value is a string.
  let js: JsString = unsafe { value.cast() }.map_err(|e| Failure::Type(e.to_string()))?;
  let utf16 = js.into_utf16().map_err(|e| Failure::Type(e.to_string()))?;
  Ok(String::from_utf16(utf16.as_slice()).is_ok())
}

/// The data of `writeFile`: a string (UTF-8), or the bytes of any typed array or DataView (a
/// Buffer's view, offset honoured). The bytes are copied here, on the JS thread: the caller may
/// reuse, change or transfer its buffer as soon as the call returns, and a buffer detached in the
/// meantime can never be read after it was freed. A detached buffer is a TypeError.
pub fn data(env: &Env, value: &Unknown) -> std::result::Result<Bytes, Failure> {
  Ok(data_view(env, value)?.copied())
}

/// `writeFile`'s data, checked but not yet copied.
pub enum Data<'a> {
  /// A string's UTF-8.
  Owned(Bytes),
  /// The caller's bytes: valid only on the JS thread, until this call returns to JavaScript.
  Borrowed(&'a [u8]),
}

impl Data<'_> {
  /// The bytes, owned: borrowed ones are copied ([`crate::copy::snapshot`]).
  pub fn copied(self) -> Bytes {
    match self {
      Data::Owned(bytes) => bytes,
      Data::Borrowed(view) => crate::copy::snapshot(view),
    }
  }
}

/// [`data`] without the copy, for a caller that copies the bytes itself before it returns.
pub fn data_view<'a>(env: &Env, value: &'a Unknown) -> std::result::Result<Data<'a>, Failure> {
  const EXPECTED: &str = "a string, Buffer, TypedArray or DataView";
  match value.get_type().ok() {
    Some(ValueType::String) => {
      // SAFETY: the match arm is the string type, so `cast`'s unchecked conversion holds.
      let text: String = unsafe { value.cast() }.map_err(|e| Failure::Type(e.to_string()))?;
      Ok(Data::Owned(Bytes::from(text.into_bytes())))
    }
    Some(ValueType::Object) => {
      let view = if value.is_typedarray().unwrap_or(false) {
        typed_array_bytes(env, value)
      } else if value.is_dataview().unwrap_or(false) {
        data_view_bytes(env, value)
      } else {
        None
      };
      let (ptr, len, buffer) = view.ok_or_else(|| wrong("data", EXPECTED, value))?;
      let mut detached = false;
      // SAFETY: `buffer` is the ArrayBuffer N-API just returned for this view, on this thread;
      // the call only writes a bool.
      let status = unsafe { sys::napi_is_detached_arraybuffer(env.raw(), buffer, &mut detached) };
      if status != sys::Status::napi_ok || detached {
        return Err(Failure::Type(
          "The \"data\" argument's ArrayBuffer is detached".to_string(),
        ));
      }
      if len == 0 || ptr.is_null() {
        return Ok(Data::Owned(Bytes::new()));
      }
      // SAFETY: N-API gave a live view of `len` bytes at `ptr`, which no JavaScript can change
      // or detach before this native call returns; `Data::Borrowed` is documented to end there.
      Ok(Data::Borrowed(unsafe {
        std::slice::from_raw_parts(ptr as *const u8, len)
      }))
    }
    _ => Err(wrong("data", EXPECTED, value)),
  }
}

type View = (*mut std::ffi::c_void, usize, sys::napi_value);

fn typed_array_bytes(env: &Env, value: &Unknown) -> Option<View> {
  let (mut kind, mut length, mut data, mut buffer, mut offset) = (
    0,
    0usize,
    std::ptr::null_mut(),
    std::ptr::null_mut(),
    0usize,
  );
  // SAFETY: `value` is a live handle on this JS thread that `is_typedarray` accepted; N-API
  // writes only the out-parameters, which are locals; a failure shows in `status`.
  let status = unsafe {
    sys::napi_get_typedarray_info(
      env.raw(),
      value.raw(),
      &mut kind,
      &mut length,
      &mut data,
      &mut buffer,
      &mut offset,
    )
  };
  let element = match kind {
    sys::TypedarrayType::int8_array
    | sys::TypedarrayType::uint8_array
    | sys::TypedarrayType::uint8_clamped_array => 1,
    sys::TypedarrayType::int16_array | sys::TypedarrayType::uint16_array => 2,
    sys::TypedarrayType::int32_array
    | sys::TypedarrayType::uint32_array
    | sys::TypedarrayType::float32_array => 4,
    sys::TypedarrayType::float64_array
    | sys::TypedarrayType::bigint64_array
    | sys::TypedarrayType::biguint64_array => 8,
    _ => return None,
  };
  if status != sys::Status::napi_ok {
    return None;
  }
  Some((data, length.checked_mul(element)?, buffer))
}

fn data_view_bytes(env: &Env, value: &Unknown) -> Option<View> {
  let (mut length, mut data, mut buffer, mut offset) =
    (0usize, std::ptr::null_mut(), std::ptr::null_mut(), 0usize);
  // SAFETY: as in `typed_array_bytes`, for a value `is_dataview` accepted.
  let status = unsafe {
    sys::napi_get_dataview_info(
      env.raw(),
      value.raw(),
      &mut length,
      &mut data,
      &mut buffer,
      &mut offset,
    )
  };
  (status == sys::Status::napi_ok).then_some((data, length, buffer))
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
    // SAFETY: the match arm is the object type, so `cast`'s unchecked conversion holds.
    Some(ValueType::Object) => Ok(Some(
      unsafe { value.cast() }.map_err(|e| Failure::Type(e.to_string()))?,
    )),
    _ => Err(wrong(name, "an object", value)),
  }
}

pub fn flag(obj: &Object, key: &str) -> std::result::Result<bool, Failure> {
  let value: Unknown = obj
    .get_named_property(key)
    .map_err(|e| thrown(obj.value().env, e))?;
  match value.get_type().ok() {
    Some(ValueType::Undefined) | Some(ValueType::Null) => Ok(false),
    // SAFETY: the match arm is the boolean type, so `cast`'s unchecked conversion holds.
    Some(ValueType::Boolean) => Ok(unsafe { value.cast::<bool>() }.unwrap_or(false)),
    _ => Err(wrong(&format!("options.{key}"), "of type boolean", &value)),
  }
}

/// A failure while reading the caller's object: when its getter or Proxy threw, what it threw
/// (taken off the pending slot, so the call rejects with it instead of throwing).
pub fn thrown(env: sys::napi_env, e: napi::Error) -> Failure {
  let mut pending = false;
  // SAFETY: `env` is the environment of the object being read, on its JS thread; the call only
  // writes a bool.
  unsafe { sys::napi_is_exception_pending(env, &mut pending) };
  if !pending {
    return Failure::Type(e.to_string());
  }
  let mut exception = std::ptr::null_mut();
  // SAFETY: as above; N-API writes the pending exception's handle (or null, checked below).
  let status = unsafe { sys::napi_get_and_clear_last_exception(env, &mut exception) };
  if status != sys::Status::napi_ok || exception.is_null() {
    return Failure::Type(e.to_string());
  }
  Failure::thrown(env, exception)
}

/// A `Date`; anything else (a number too) is a `TypeError`. An invalid date is `EINVAL`.
pub fn date(name: &str, value: &Unknown) -> std::result::Result<SystemTime, Failure> {
  let millis = match value.get_type().ok() {
    // A Date only (README: a number is a TypeError, as the original service's types say).
    Some(ValueType::Object) if value.is_date().unwrap_or(false) => {
      // SAFETY: the arm's guard checked `is_date`, so `cast`'s unchecked conversion holds.
      let date: JsDate = unsafe { value.cast() }.map_err(|e| Failure::Type(e.to_string()))?;
      date.value_of().map_err(|e| Failure::Type(e.to_string()))?
    }
    _ => return Err(wrong(name, "a Date", value)),
  };
  // A JS Date holds at most ±8.64e15 ms; anything beyond is as invalid as NaN.
  if !millis.is_finite() || millis.abs() > 8.64e15 {
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
    // SAFETY: napi calls `to_napi_value` on the JS thread with its live `env`; N-API writes the
    // new Date's handle into `out`, and a failure shows in `status`.
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

/// The type a constructor option must have.
pub enum OptionType {
  String,
  Boolean,
  Number,
  Function,
  /// A function that must be there (`config.get`).
  RequiredFunction,
  /// Any object.
  Object,
  /// An object of options for napi to convert: checked and copied like the outer one.
  Options(OptionTable),
  /// An object kept as it is (its methods may need it as `this`), with these members checked.
  ObjectWith(&'static [OptionSpec]),
}

/// An option's name (as JavaScript spells it) and its type.
pub type OptionSpec = (&'static str, OptionType);

/// The options of one options object, in groups (options that several objects share are one group).
pub type OptionTable = &'static [&'static [OptionSpec]];

use OptionType as T;

const RETRY_OPTIONS: &[OptionSpec] = &[
  ("maxRetries", T::Number),
  ("retryTimeoutMs", T::Number),
  ("connectTimeoutMs", T::Number),
  ("requestTimeoutMs", T::Number),
];

const MULTIPART_OPTIONS: &[OptionSpec] = &[
  ("threshold", T::Number),
  ("partSize", T::Number),
  ("maxConcurrency", T::Number),
  ("completeTimeoutMs", T::Number),
];

/// What the object stores' options (`S3StorageOptions`, `AzureBlobStorageOptions`,
/// `GcsStorageOptions`) share.
pub const OBJECT_STORE_OPTIONS: &[OptionSpec] = &[
  ("endpoint", T::String),
  ("prefix", T::String),
  ("allowHttp", T::Boolean),
  ("retry", T::Options(&[RETRY_OPTIONS])),
  ("multipart", T::Options(&[MULTIPART_OPTIONS])),
  ("skipWriteChecks", T::Boolean),
  ("writeCheckCacheMs", T::Number),
];

/// Checks a constructor's `options` argument against `fields` before napi converts it, so a wrong
/// type is a TypeError with `code: 'ERR_INVALID_ARG_TYPE'` naming the option (`The "root" option
/// must be of type string. Received type number`), as for method arguments, rather than napi's
/// conversion text. `undefined` and `null` are unset, for the argument and for every option. A
/// getter (or Proxy) that throws throws that. Resolves a plain copy holding only the listed
/// options that are set, each read once (`None` when the argument is unset).
pub fn check_options<'e>(
  value: &Unknown<'e>,
  fields: &[&[OptionSpec]],
) -> std::result::Result<Option<Object<'e>>, Failure> {
  match options_object("options", value)? {
    Some(obj) => Ok(Some(checked_copy(&obj, "", fields)?)),
    None => Ok(None),
  }
}

fn checked_copy<'e>(
  obj: &Object<'e>,
  prefix: &str,
  fields: &[&[OptionSpec]],
) -> std::result::Result<Object<'e>, Failure> {
  let env = obj.value().env;
  let fail = |e: napi::Error| Failure::Type(e.to_string());
  let mut copy = Object::new(&Env::from_raw(env)).map_err(fail)?;
  pass_through_unlisted(obj, &mut copy, fields)?;
  for (key, expected) in fields.iter().flat_map(|group| group.iter()) {
    let value: Unknown = obj.get_named_property(key).map_err(|e| thrown(env, e))?;
    let actual = value.get_type().ok();
    let unset = matches!(actual, Some(ValueType::Undefined | ValueType::Null));
    if unset && !matches!(expected, T::RequiredFunction) {
      continue;
    }
    let name = format!("{prefix}{key}");
    let wanted = match expected {
      T::String => ValueType::String,
      T::Boolean => ValueType::Boolean,
      T::Number => ValueType::Number,
      T::Function | T::RequiredFunction => ValueType::Function,
      T::Object | T::Options(_) | T::ObjectWith(_) => ValueType::Object,
    };
    if actual != Some(wanted) {
      return Err(Failure::Type(format!(
        "The \"{name}\" option must be of type {}. Received type {}",
        type_label(wanted),
        type_name(&value)
      )));
    }
    match expected {
      T::Options(inner) => {
        // SAFETY: `value`'s type was checked against `wanted` (an object) above.
        let inner_obj: Object = unsafe { value.cast() }.map_err(fail)?;
        let inner_copy = checked_copy(&inner_obj, &format!("{name}."), inner)?;
        copy.set_named_property(key, inner_copy).map_err(fail)?;
      }
      T::ObjectWith(inner) => {
        // SAFETY: `value`'s type was checked against `wanted` (an object) above.
        let inner_obj: Object = unsafe { value.cast() }.map_err(fail)?;
        checked_copy(&inner_obj, &format!("{name}."), &[inner])?;
        copy.set_named_property(key, value).map_err(fail)?;
      }
      _ => copy.set_named_property(key, value).map_err(fail)?,
    }
  }
  Ok(copy)
}

/// Copies the set own enumerable properties of `obj` that `fields` does not list, so an option
/// added to a napi struct before this table still reaches napi's conversion (whose refusal is a
/// TypeError too, see [`constructor_options`]).
fn pass_through_unlisted(
  obj: &Object,
  copy: &mut Object,
  fields: &[&[OptionSpec]],
) -> std::result::Result<(), Failure> {
  let env = obj.value().env;
  let names = obj.get_property_names().map_err(|e| thrown(env, e))?;
  let count = names.get_array_length().map_err(|e| thrown(env, e))?;
  for i in 0..count {
    let name: Unknown = names.get_element(i).map_err(|e| thrown(env, e))?;
    if name.get_type().ok() != Some(ValueType::String) {
      continue;
    }
    // SAFETY: non-string names were skipped just above.
    let key: String = unsafe { name.cast() }.map_err(|e| Failure::Type(e.to_string()))?;
    if fields
      .iter()
      .flat_map(|g| g.iter())
      .any(|(listed, _)| *listed == key)
    {
      continue;
    }
    let value: Unknown = obj.get_named_property(&key).map_err(|e| thrown(env, e))?;
    if !matches!(
      value.get_type().ok(),
      Some(ValueType::Undefined | ValueType::Null)
    ) {
      copy
        .set_named_property(&key, value)
        .map_err(|e| Failure::Type(e.to_string()))?;
    }
  }
  Ok(())
}

fn type_label(t: ValueType) -> &'static str {
  match t {
    ValueType::String => "string",
    ValueType::Boolean => "boolean",
    ValueType::Number => "number",
    ValueType::Function => "function",
    _ => "object",
  }
}

/// A constructor's options: checked by [`check_options`], then converted by napi into `O`
/// (`O::default()` when unset).
pub fn constructor_options<O: FromNapiValue + Default>(
  env: &Env,
  value: Option<Unknown>,
  fields: &[&[OptionSpec]],
) -> std::result::Result<O, Failure> {
  let Some(copy) = value
    .map(|v| check_options(&v, fields))
    .transpose()?
    .flatten()
  else {
    return Ok(O::default());
  };
  // Checked above; should napi still refuse, its reason is a TypeError too, not a crash.
  // SAFETY: `copy` is a live object made on this JS thread by `check_options`; `from_napi_value`
  // reads its properties through checked N-API calls and reports a mismatch as an error.
  unsafe { O::from_napi_value(env.raw(), copy.raw()) }
    .map_err(|e| Failure::Type(format!("The \"options\" argument is invalid: {}", e.reason)))
}
