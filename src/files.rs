//! `readFile` with a byte range, `copyFile`, `moveFile` and `checksum`, as the provider classes
//! expose them.

use bytes::Bytes;
use napi::bindgen_prelude::*;
use napi::{Env, JsRangeError, ValueType};
use stowage_core::{Algorithm, ByteRange, Storage};

use crate::args;
use crate::errors::Failure;
use crate::promise::{reject, run, spawn};

macro_rules! checked {
  ($env:expr, $check:expr) => {
    match $check {
      Ok(value) => value,
      Err(failure) => return reject($env, failure),
    }
  };
}

/// The whole file, or with `{ start, end }` the bytes `start..=end` (both inclusive, both
/// optional, as in `fs.createReadStream`); a range past the end gives what exists.
pub fn read_file<'e>(
  env: &'e Env,
  s: &Storage,
  path: Unknown,
  options: Option<Unknown>,
) -> Result<PromiseRaw<'e, FileBytes>> {
  let path = checked!(env, args::path("path", &path));
  let range = match options {
    Some(o) => checked!(env, range_of(env, &o)),
    None => None,
  };
  run(
    env,
    s,
    move |s| async move {
      Ok(match range {
        Some(range) => s.read_range(&path, range).await?,
        None => s.read_file(&path).await?,
      })
    },
    |_, bytes| Ok(FileBytes(bytes)),
  )
}

/// Up to this size a read is copied into a Buffer Node allocates; above it the Buffer takes over
/// Rust's memory without a copy. A copy of a small file is cheaper than the finalizer an
/// external Buffer needs, and it keeps small Buffers in V8's accounting.
pub const COPY_THRESHOLD: usize = 64 * 1024;

/// A file's bytes, becoming a Buffer on the JS thread.
pub struct FileBytes(Bytes);

impl TypeName for FileBytes {
  fn type_name() -> &'static str {
    "Buffer"
  }

  fn value_type() -> ValueType {
    ValueType::Object
  }
}

// `unsafe fn` because the trait's is; the body uses napi's safe constructors.
impl ToNapiValue for FileBytes {
  unsafe fn to_napi_value(env: napi::sys::napi_env, val: Self) -> Result<napi::sys::napi_value> {
    let env = Env::from_raw(env);
    let bytes = val.0;
    if bytes.len() > COPY_THRESHOLD {
      return Ok(Buffer::from(Vec::from(bytes)).into_unknown(&env)?.raw());
    }
    Ok(BufferSlice::copy_from(&env, &bytes)?.raw())
  }
}

/// `{ start, end }` as `fs.createReadStream` checks them: integers ≥ 0 (`RangeError`
/// `ERR_OUT_OF_RANGE` otherwise, also for `start > end`), numbers (`TypeError` otherwise).
fn range_of(env: &Env, options: &Unknown) -> std::result::Result<Option<ByteRange>, Failure> {
  let Some(obj) = args::options_object("options", options)? else {
    return Ok(None);
  };
  let start = position(env, &obj, "start")?;
  let end = position(env, &obj, "end")?;
  if start.is_none() && end.is_none() {
    return Ok(None);
  }
  let start = start.unwrap_or(0);
  if let Some(end) = end {
    if start > end {
      return Err(out_of_range(
        env,
        format!("The value of \"start\" is out of range. It must be <= \"end\" (here: {end}). Received {start}"),
      ));
    }
  }
  Ok(Some(ByteRange { start, end }))
}

fn position(env: &Env, obj: &Object, key: &str) -> std::result::Result<Option<u64>, Failure> {
  let value: Unknown = obj
    .get_named_property(key)
    .map_err(|e| args::thrown(env.raw(), e))?;
  match value.get_type().ok() {
    Some(ValueType::Undefined) => return Ok(None),
    Some(ValueType::Number) => {}
    _ => {
      return Err(Failure::Type(format!(
        "The \"{key}\" argument must be of type number"
      )))
    }
  }
  let n = value
    .coerce_to_number()
    .and_then(|n| n.get_double())
    .map_err(Failure::Js)?;
  if n.fract() != 0.0 || !(0.0..=9007199254740991.0).contains(&n) {
    return Err(out_of_range(
      env,
      format!("The value of \"{key}\" is out of range. It must be an integer >= 0 && <= 9007199254740991. Received {n}"),
    ));
  }
  Ok(Some(n as u64))
}

/// A `RangeError` with `code: 'ERR_OUT_OF_RANGE'`, as node throws it.
fn out_of_range(env: &Env, message: String) -> Failure {
  let js = JsRangeError::from(napi::Error::new("ERR_OUT_OF_RANGE", message)).into_unknown(*env);
  Failure::Js(napi::Error::from(js))
}

/// Which of `copyFile` and `moveFile`.
#[derive(Clone, Copy)]
pub enum Relocation {
  Copy,
  Move,
}

/// `copyFile` or `moveFile` of `src` to `dest`.
pub fn relocate<'e>(
  env: &'e Env,
  s: &Storage,
  src: Unknown,
  dest: Unknown,
  how: Relocation,
  options: Option<Unknown>,
) -> Result<PromiseRaw<'e, ()>> {
  let src = checked!(env, args::path("src", &src));
  let dest = checked!(env, args::path("dest", &dest));
  let options = checked!(env, crate::metadata::write_options(options.as_ref()));
  let s = s.clone();
  spawn(
    env,
    async move {
      let done = match how {
        Relocation::Copy => s.copy_file_with(&src, &dest, options).await,
        Relocation::Move => s.move_file(&src, &dest).await,
      };
      Ok(done?)
    },
    |_, v| Ok(v),
  )
}

/// The hex digest of the file; `algorithm` is `'sha256'` (default) or `'md5'`.
pub fn checksum<'e>(
  env: &'e Env,
  s: &Storage,
  path: Unknown,
  algorithm: Option<Unknown>,
) -> Result<PromiseRaw<'e, String>> {
  let path = checked!(env, args::path("path", &path));
  let algorithm = match algorithm {
    Some(a) => checked!(env, algorithm_of(&a)),
    None => Algorithm::Sha256,
  };
  let s = s.clone();
  spawn(
    env,
    async move { Ok(s.checksum(&path, algorithm).await?) },
    |_, v| Ok(v),
  )
}

fn algorithm_of(value: &Unknown) -> std::result::Result<Algorithm, Failure> {
  match value.get_type().ok() {
    Some(ValueType::Undefined) => Ok(Algorithm::Sha256),
    Some(ValueType::String) => {
      let name = value
        .coerce_to_string()
        .and_then(|s| s.into_utf8())
        .and_then(|s| s.into_owned())
        .map_err(Failure::Js)?;
      Ok(Algorithm::parse(&name)?)
    }
    _ => Err(Failure::Type(
      "The \"algorithm\" argument must be of type string".to_string(),
    )),
  }
}
