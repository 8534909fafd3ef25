//! Results that are cheaper to build in JavaScript than through N-API calls one property or one
//! element at a time, with the functions of lib/results.js (registered by [`crate::helpers`]):
//!
//! - a list of names: Rust joins them into one string, JS splits it (and applies the caller's
//!   `filter`) — instead of one string creation, one `filter` call and one element store across
//!   the boundary per name;
//! - a `getFileStats` result: one call with three numbers instead of an object, three named
//!   property stores and two `Date`s made through N-API.

use std::ptr;

use napi::bindgen_prelude::*;
use napi::{sys, Env, JsString, JsValue as _};

use stowage_core::{FileDetails, FileStats};

use crate::args::millis;
use crate::errors::Failure;
use crate::helpers::helper;

/// A JS value made on the JS thread, resolved as it is: what a promise's `convert` returns when
/// the value is built by JavaScript. It lives only from `convert` to the settle right after it,
/// in the same handle scope ([`crate::dispatch`]).
pub struct JsValue(sys::napi_value);

impl TypeName for JsValue {
  fn type_name() -> &'static str {
    "object"
  }

  fn value_type() -> ValueType {
    ValueType::Object
  }
}

impl JsValue {
  fn of<'e>(value: &impl napi::JsValue<'e>) -> JsValue {
    JsValue(value.raw())
  }
}

// `unsafe fn` because the trait's is; it only hands back the value it holds.
impl ToNapiValue for JsValue {
  unsafe fn to_napi_value(_env: sys::napi_env, val: Self) -> Result<sys::napi_value> {
    Ok(val.0)
  }
}

/// A `getFileStats` result: `{ size, mtime, ctime }` with the times as `Date`s, and what
/// `details` holds (an ETag, headers, metadata).
pub fn stats(
  env: &Env,
  st: &FileStats,
  details: &FileDetails,
) -> std::result::Result<JsValue, Failure> {
  type Args<'a> = FnArgs<(f64, f64, f64, Option<&'a str>, Option<&'a str>)>;
  let build: Function<Args, Object> = helper(env, "fileStats")?;
  let meta = &details.metadata;
  let args = (
    st.size as f64,
    millis(st.mtime),
    millis(st.ctime),
    details.etag.as_deref(),
    meta.content_type.as_deref(),
  );
  let mut stats = build.call(args.into()).map_err(Failure::Js)?;
  if meta.has_more_than_type() {
    crate::metadata::add_details(env, &mut stats, meta).map_err(Failure::Js)?;
  }
  Ok(JsValue::of(&stats))
}

/// `names` as a JS array, kept by `filter` when there is one. A name that holds the separator
/// (NUL: never in a file name, possible in an object key made elsewhere) is listed correctly
/// through the slow path: one `filter` call per name.
pub fn to_js(
  env: &Env,
  names: Vec<String>,
  filter: Option<Unknown>,
) -> std::result::Result<JsValue, Failure> {
  if names.iter().any(|n| n.contains('\0')) {
    let names = Array::from_ref_vec_string(env, &names).map_err(Failure::Js)?;
    let keep: Function<Unknown, Unknown> = helper(env, "filterNames")?;
    let kept = call_catching(env, &keep, &[names.raw(), or_undefined(env, filter)?])?;
    return Ok(JsValue(kept));
  }
  joined_to_js(env, names.join("\0"), filter)
}

/// Names already joined with NUL (none of them holding one) as a JS array, kept by `filter`:
/// one piece, gathered as a long listing's are.
pub fn joined_to_js(
  env: &Env,
  joined: String,
  filter: Option<Unknown>,
) -> std::result::Result<JsValue, Failure> {
  let mut gathered = Gathered::default();
  if !joined.is_empty() {
    append_piece(env, &mut gathered, &joined, filter);
  }
  gathered.into_kept(env).map(|(kept, _)| JsValue::of(&kept))
}

/// A JS string of `text` (Latin-1 when it is ASCII: cheaper for V8 to take).
fn string<'e>(env: &'e Env, text: &str) -> std::result::Result<JsString<'e>, Failure> {
  match text.is_ascii() {
    true => env.create_string_latin1(text.as_bytes()),
    false => env.create_string(text),
  }
  .map_err(Failure::Js)
}

fn or_undefined(
  env: &Env,
  value: Option<Unknown>,
) -> std::result::Result<sys::napi_value, Failure> {
  match value {
    Some(v) => Ok(v.raw()),
    None => Ok(().into_unknown(env).map_err(Failure::Js)?.raw()),
  }
}

/// A listing's kept names while the directory is read ([`append_piece`], then [`assemble`]): a
/// JS array of them in the order found, held by a reference between the calls, and which names
/// the filter kept. Lives on its JS thread only; whatever it still holds when dropped (a listing
/// that failed, or never settled) is let go of there.
#[derive(Default)]
pub struct Gathered {
  /// The environment the references below belong to (set with the first of them).
  env: Option<Env>,
  kept: Option<ObjectRef<false>>,
  /// One byte per name found, non-zero for a kept one; `None` while there is no filter (all
  /// are kept).
  flags: Option<Vec<u8>>,
  /// The first failure to take a piece (a filter that threw): the listing fails with it, and
  /// no later piece is looked at.
  failed: Option<Failure>,
}

impl Gathered {
  /// Fails the listing with `failure` unless it failed already (a later failure is let go of).
  pub fn fail(&mut self, env: &Env, failure: Failure) {
    match self.failed {
      Some(_) => failure.let_go(env.raw()),
      None => {
        self.env = Some(*env);
        self.failed = Some(failure);
      }
    }
  }

  /// The listing failed with `failure` after pieces may have come: lets go of what was gathered
  /// and gives the failure to reject with — a filter's throw before it wins, as it came first.
  pub fn abandon(mut self, env: &Env, failure: Failure) -> Failure {
    self.fail(env, failure);
    self.failed.take().expect("set by fail")
  }

  /// The kept names' array (made on first use), referred to until the listing ends.
  fn kept<'e>(&mut self, env: &'e Env) -> Result<Object<'e>> {
    self.env = Some(*env);
    if let Some(reference) = &self.kept {
      return reference.get_value(env);
    }
    let array = Array::from_vec(env, Vec::<u32>::new())?.coerce_to_object()?;
    self.kept = Some(array.create_ref::<false>()?);
    Ok(array)
  }

  /// The kept names' array (lets go of its reference) and the filter's marks, or the failure.
  fn into_kept<'e>(
    mut self,
    env: &'e Env,
  ) -> std::result::Result<(Object<'e>, Option<Vec<u8>>), Failure> {
    if let Some(failure) = self.failed.take() {
      return Err(failure);
    }
    let kept = self.kept(env).map_err(Failure::Js)?;
    if let Some(reference) = self.kept.take() {
      reference.unref(env).map_err(Failure::Js)?;
    }
    Ok((kept, self.flags.take()))
  }
}

impl Drop for Gathered {
  fn drop(&mut self) {
    let Some(env) = self.env else { return };
    if let Some(reference) = self.kept.take() {
      let _ = reference.unref(&env);
    }
    if let Some(failure) = self.failed.take() {
      failure.let_go(env.raw());
    }
  }
}

/// Splits `piece` (NUL-joined names) and keeps what `filter` keeps, in the order found.
pub fn append_piece(env: &Env, gathered: &mut Gathered, piece: &str, filter: Option<Unknown>) {
  if gathered.failed.is_some() {
    return;
  }
  let appended = (|| {
    let kept = gathered.kept(env).map_err(Failure::Js)?;
    let flags = match filter {
      Some(_) => {
        let len = piece.bytes().filter(|&b| b == 0).count() + 1;
        Some(Uint8ArraySlice::copy_from(env, vec![0u8; len]).map_err(Failure::Js)?)
      }
      None => None,
    };
    let append: Function<Unknown, Unknown> = helper(env, "appendNames")?;
    let flags_value = match &flags {
      Some(f) => f.raw(),
      None => or_undefined(env, None)?,
    };
    let args = [
      kept.raw(),
      string(env, piece)?.raw(),
      or_undefined(env, filter)?,
      flags_value,
    ];
    call_catching(env, &append, &args)?;
    if let Some(flags) = flags {
      let set: &[u8] = &flags;
      gathered
        .flags
        .get_or_insert_with(Vec::new)
        .extend_from_slice(set);
    }
    Ok(())
  })();
  if let Err(failure) = appended {
    gathered.fail(env, failure);
  }
}

/// The listing's array: the kept names in `order` (indices in the order found, sorted by name).
pub fn assemble(
  env: &Env,
  gathered: Gathered,
  order: &[u32],
) -> std::result::Result<JsValue, Failure> {
  let (kept, flags) = gathered.into_kept(env)?;
  let order = crate::kept_order::kept_order(order, flags.as_deref());
  if order.iter().enumerate().all(|(i, &at)| at as usize == i) {
    return Ok(JsValue::of(&kept)); // found in order (a MEMORY listing)
  }
  // Found backwards: tmpfs lists newest first, so names made in order come in reverse.
  let backwards = order
    .iter()
    .rev()
    .enumerate()
    .all(|(i, &at)| at as usize == i);
  let build: Function<FnArgs<(Object, Option<Uint32ArraySlice>)>, Unknown> =
    helper(env, "assembleNames")?;
  let order = match backwards {
    true => None,
    false => Some(Uint32ArraySlice::copy_from(env, &order).map_err(Failure::Js)?),
  };
  let names = build.call((kept, order).into()).map_err(Failure::Js)?;
  Ok(JsValue::of(&names))
}

/// Calls `func` with `args`, for a helper that runs the caller's code (a `filter`). What that
/// throws becomes the failure exactly as thrown, whatever its type (napi's `Function::call`
/// would turn it into an `Error` through its `toString`, calling user code once more).
fn call_catching(
  env: &Env,
  func: &Function<Unknown, Unknown>,
  args: &[sys::napi_value],
) -> std::result::Result<sys::napi_value, Failure> {
  let this = or_undefined(env, None)?;
  let mut result = ptr::null_mut();
  // SAFETY: `func`, `this` and `args` are live values of `env`'s current handle scope, made or
  // borrowed back on this JS thread during this call; `args` outlives the call and `result` is a
  // valid out-pointer.
  let status = unsafe {
    sys::napi_call_function(
      env.raw(),
      this,
      func.raw(),
      args.len(),
      args.as_ptr(),
      &mut result,
    )
  };
  if status == sys::Status::napi_pending_exception {
    let mut thrown = ptr::null_mut();
    // SAFETY: the call left an exception pending on this thread; taking it clears it (it becomes
    // the rejection) and `thrown` is a valid out-pointer.
    let status = unsafe { sys::napi_get_and_clear_last_exception(env.raw(), &mut thrown) };
    if status == sys::Status::napi_ok {
      return Err(Failure::thrown(env.raw(), thrown));
    }
  }
  match status {
    sys::Status::napi_ok => Ok(result),
    _ => Err(Failure::Js(Error::new(
      Status::from(status),
      "building the result failed".to_string(),
    ))),
  }
}
