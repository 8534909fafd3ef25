//! A list of names as a JS array, built in one step: Rust joins the names into one string and a
//! small JS function splits it (and applies the caller's `filter`) — instead of one string
//! creation, one `filter` call and one element store across the boundary per name.

use std::cell::Cell;
use std::ptr;

use napi::bindgen_prelude::*;
use napi::{sys, Env};

use crate::errors::Failure;

/// `(joined, separator, filter)` → the names, filtered by truthiness like `Array#filter`
/// (the filter sees only the name). A filter that throws makes the call throw that.
const SPLIT: &str = "(function (joined, separator, filter) {
  const names = joined === '' ? [] : joined.split(separator);
  return filter === undefined ? names : names.filter((name) => filter(name));
})";

/// Between the names in the joined string: never in a file name.
const SEPARATOR: &[u8; 1] = &[0];

/// A JS value made on the JS thread, resolved as it is.
pub struct JsArray(sys::napi_value);

impl TypeName for JsArray {
  fn type_name() -> &'static str {
    "Array<string>"
  }

  fn value_type() -> ValueType {
    ValueType::Object
  }
}

impl ToNapiValue for JsArray {
  unsafe fn to_napi_value(_env: sys::napi_env, val: Self) -> Result<sys::napi_value> {
    Ok(val.0)
  }
}

thread_local! {
  /// The compiled `SPLIT` of this thread's environment.
  static SPLIT_FN: Cell<sys::napi_ref> = const { Cell::new(ptr::null_mut()) };
}

fn ok(status: sys::napi_status) -> std::result::Result<(), Failure> {
  match status {
    sys::Status::napi_ok => Ok(()),
    _ => Err(Failure::Js(Error::new(
      Status::GenericFailure,
      format!("building the name list failed ({status})"),
    ))),
  }
}

fn split_fn(env: sys::napi_env) -> std::result::Result<sys::napi_value, Failure> {
  let mut func = ptr::null_mut();
  let cached = SPLIT_FN.with(Cell::get);
  if !cached.is_null() {
    ok(unsafe { sys::napi_get_reference_value(env, cached, &mut func) })?;
    if !func.is_null() {
      return Ok(func);
    }
  }
  let mut source = ptr::null_mut();
  ok(unsafe {
    sys::napi_create_string_latin1(
      env,
      SPLIT.as_ptr().cast(),
      SPLIT.len() as isize,
      &mut source,
    )
  })?;
  ok(unsafe { sys::napi_run_script(env, source, &mut func) })?;
  let mut reference = ptr::null_mut();
  ok(unsafe { sys::napi_create_reference(env, func, 1, &mut reference) })?;
  SPLIT_FN.with(|c| c.set(reference));
  Ok(func)
}

/// `names` as a JS array, kept by `filter` when there is one. A name that holds the separator
/// (NUL: never in a file name, possible in an object key made elsewhere) is listed correctly
/// through the slow path.
pub fn to_js(
  env: &Env,
  names: Vec<String>,
  filter: Option<sys::napi_value>,
) -> std::result::Result<JsArray, Failure> {
  let raw = env.raw();
  if names.iter().any(|n| n.contains('\0')) {
    return slow(env, names, filter);
  }
  let joined = names.join("\0");
  let mut string = ptr::null_mut();
  ok(unsafe {
    match joined.is_ascii() {
      true => sys::napi_create_string_latin1(
        raw,
        joined.as_ptr().cast(),
        joined.len() as isize,
        &mut string,
      ),
      false => sys::napi_create_string_utf8(
        raw,
        joined.as_ptr().cast(),
        joined.len() as isize,
        &mut string,
      ),
    }
  })?;
  let mut separator = ptr::null_mut();
  ok(unsafe { sys::napi_create_string_latin1(raw, SEPARATOR.as_ptr().cast(), 1, &mut separator) })?;
  let filter = match filter {
    Some(f) => f,
    None => {
      let mut undefined = ptr::null_mut();
      ok(unsafe { sys::napi_get_undefined(raw, &mut undefined) })?;
      undefined
    }
  };
  call(raw, split_fn(raw)?, &[string, separator, filter])
}

/// Calls `func` with `args`; what it throws comes back as the failure.
fn call(
  env: sys::napi_env,
  func: sys::napi_value,
  args: &[sys::napi_value],
) -> std::result::Result<JsArray, Failure> {
  let mut this = ptr::null_mut();
  ok(unsafe { sys::napi_get_undefined(env, &mut this) })?;
  let mut result = ptr::null_mut();
  let status =
    unsafe { sys::napi_call_function(env, this, func, args.len(), args.as_ptr(), &mut result) };
  if status == sys::Status::napi_pending_exception {
    let mut thrown = ptr::null_mut();
    ok(unsafe { sys::napi_get_and_clear_last_exception(env, &mut thrown) })?;
    let thrown = unsafe { Unknown::from_napi_value(env, thrown) }.map_err(Failure::Js)?;
    return Err(Failure::Js(Error::from(thrown)));
  }
  ok(status)?;
  Ok(JsArray(result))
}

/// One string and one `filter` call per name: for the rare list with a NUL in a name.
fn slow(
  env: &Env,
  names: Vec<String>,
  filter: Option<sys::napi_value>,
) -> std::result::Result<JsArray, Failure> {
  let raw = env.raw();
  let mut array = ptr::null_mut();
  ok(unsafe { sys::napi_create_array(raw, &mut array) })?;
  let mut kept = 0;
  for name in names {
    let mut string = ptr::null_mut();
    ok(unsafe {
      sys::napi_create_string_utf8(raw, name.as_ptr().cast(), name.len() as isize, &mut string)
    })?;
    if let Some(f) = filter {
      let verdict = call(raw, f, &[string])?;
      let mut keep = false;
      let mut as_bool = ptr::null_mut();
      ok(unsafe { sys::napi_coerce_to_bool(raw, verdict.0, &mut as_bool) })?;
      ok(unsafe { sys::napi_get_value_bool(raw, as_bool, &mut keep) })?;
      if !keep {
        continue;
      }
    }
    ok(unsafe { sys::napi_set_element(raw, array, kept, string) })?;
    kept += 1;
  }
  Ok(JsArray(array))
}
