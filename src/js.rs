//! Results that are cheaper to build in JavaScript than through N-API calls one property or one
//! element at a time, with small functions compiled once per JS thread:
//!
//! - a list of names: Rust joins them into one string, JS splits it (and applies the caller's
//!   `filter`) — instead of one string creation, one `filter` call and one element store across
//!   the boundary per name;
//! - a `getFileStats` result: one call with three numbers instead of an object, three named
//!   property stores and two `Date`s made through N-API.

use std::cell::Cell;
use std::ptr;
use std::thread::LocalKey;

use napi::bindgen_prelude::*;
use napi::{sys, Env};

use stowage_core::FileStats;

use crate::args::millis;
use crate::errors::Failure;

/// `(kept, piece, filter, flags)`: splits the NUL-joined names of `piece` and pushes onto `kept`
/// the ones `filter` keeps (by truthiness, like `Array#filter`; all when there is no filter),
/// setting `flags[i]` for each kept name `i` of the piece.
const APPEND: &str = "(function (kept, piece, filter, flags) {
  const names = piece.split('\\0');
  if (filter === undefined) {
    for (let i = 0; i < names.length; i++) kept.push(names[i]);
    return;
  }
  for (let i = 0; i < names.length; i++) {
    const name = names[i];
    if (filter(name)) {
      kept.push(name);
      flags[i] = 1;
    }
  }
})";

/// `(kept, order)` → the names of `kept` in `order`, a `Uint32Array` of indices into `kept`; or
/// `kept` backwards when `order` is `undefined` (a builtin, where the loop runs cold in a fresh
/// process: ~0.1 against ~2.5 ms for 50,000 names).
const ASSEMBLE: &str = "(function (kept, order) {
  if (order === undefined) return kept.reverse();
  const sorted = [];
  for (let i = 0; i < order.length; i++) sorted.push(kept[order[i]]);
  return sorted;
})";

/// `(size, mtime, ctime)` (times in ms since the epoch) → `{ size, mtime: Date, ctime: Date }`.
const STATS: &str = "(function (size, mtime, ctime) {
  return { size, mtime: new Date(mtime), ctime: new Date(ctime) };
})";

/// A JS value made on the JS thread, resolved as it is.
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
  /// The value itself, for code that adds to it on the JS thread.
  pub(crate) fn raw(&self) -> sys::napi_value {
    self.0
  }
}

impl ToNapiValue for JsValue {
  unsafe fn to_napi_value(_env: sys::napi_env, val: Self) -> Result<sys::napi_value> {
    Ok(val.0)
  }
}

thread_local! {
  /// The compiled `STATS`, `APPEND` and `ASSEMBLE` of this thread's environment.
  static STATS_FN: Cell<sys::napi_ref> = const { Cell::new(ptr::null_mut()) };
  static APPEND_FN: Cell<sys::napi_ref> = const { Cell::new(ptr::null_mut()) };
  static ASSEMBLE_FN: Cell<sys::napi_ref> = const { Cell::new(ptr::null_mut()) };
}

fn ok(status: sys::napi_status) -> std::result::Result<(), Failure> {
  match status {
    sys::Status::napi_ok => Ok(()),
    _ => Err(Failure::Js(Error::new(
      Status::GenericFailure,
      format!("building the result failed ({status})"),
    ))),
  }
}

/// The function `source` evaluates to, compiled on first use and kept in `slot`.
fn compiled(
  env: sys::napi_env,
  slot: &'static LocalKey<Cell<sys::napi_ref>>,
  source: &str,
) -> std::result::Result<sys::napi_value, Failure> {
  let mut func = ptr::null_mut();
  let cached = slot.with(Cell::get);
  if !cached.is_null() {
    ok(unsafe { sys::napi_get_reference_value(env, cached, &mut func) })?;
    if !func.is_null() {
      return Ok(func);
    }
  }
  let mut script = ptr::null_mut();
  ok(unsafe {
    sys::napi_create_string_latin1(
      env,
      source.as_ptr().cast(),
      source.len() as isize,
      &mut script,
    )
  })?;
  ok(unsafe { sys::napi_run_script(env, script, &mut func) })?;
  let mut reference = ptr::null_mut();
  ok(unsafe { sys::napi_create_reference(env, func, 1, &mut reference) })?;
  slot.with(|c| c.set(reference));
  Ok(func)
}

/// A `getFileStats` result: `{ size, mtime, ctime }` with the times as `Date`s.
pub fn stats(env: &Env, st: &FileStats) -> std::result::Result<JsValue, Failure> {
  let raw = env.raw();
  let mut args = [ptr::null_mut(); 3];
  let numbers = [st.size as f64, millis(st.mtime), millis(st.ctime)];
  for (arg, number) in args.iter_mut().zip(numbers) {
    ok(unsafe { sys::napi_create_double(raw, number, arg) })?;
  }
  call(raw, compiled(raw, &STATS_FN, STATS)?, &args)
}

/// `names` as a JS array, kept by `filter` when there is one. A name that holds the separator
/// (NUL: never in a file name, possible in an object key made elsewhere) is listed correctly
/// through the slow path.
pub fn to_js(
  env: &Env,
  names: Vec<String>,
  filter: Option<sys::napi_value>,
) -> std::result::Result<JsValue, Failure> {
  if names.iter().any(|n| n.contains('\0')) {
    return slow(env, names, filter);
  }
  joined_to_js(env, names.join("\0"), filter)
}

/// Names already joined with NUL (none of them holding one) as a JS array, kept by `filter`:
/// one piece, gathered as a long listing's are.
pub fn joined_to_js(
  env: &Env,
  joined: String,
  filter: Option<sys::napi_value>,
) -> std::result::Result<JsValue, Failure> {
  let mut gathered = Gathered::default();
  if !joined.is_empty() {
    append_piece(env, &mut gathered, &joined, filter);
  }
  gathered.into_kept(env).map(|(kept, _)| JsValue(kept))
}

/// A JS string of `text` (Latin-1 when it is ASCII: cheaper for V8 to take).
fn string(env: sys::napi_env, text: &str) -> std::result::Result<sys::napi_value, Failure> {
  let mut string = ptr::null_mut();
  ok(unsafe {
    match text.is_ascii() {
      true => {
        sys::napi_create_string_latin1(env, text.as_ptr().cast(), text.len() as isize, &mut string)
      }
      false => {
        sys::napi_create_string_utf8(env, text.as_ptr().cast(), text.len() as isize, &mut string)
      }
    }
  })?;
  Ok(string)
}

fn or_undefined(
  env: sys::napi_env,
  value: Option<sys::napi_value>,
) -> std::result::Result<sys::napi_value, Failure> {
  match value {
    Some(v) => Ok(v),
    None => {
      let mut undefined = ptr::null_mut();
      ok(unsafe { sys::napi_get_undefined(env, &mut undefined) })?;
      Ok(undefined)
    }
  }
}

/// A listing's kept names while the directory is read ([`append_piece`], then [`assemble`]): a
/// JS array of them in the order found, held by a reference between the calls, and which names
/// the filter kept. Lives on its JS thread only; whatever it still holds when dropped (a listing
/// that failed, or never settled) is let go of there.
#[derive(Default)]
pub struct Gathered {
  /// The environment the references below belong to (set with the first of them).
  env: Option<sys::napi_env>,
  kept: Option<sys::napi_ref>,
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
        self.env = Some(env.raw());
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

  /// The kept names' array (lets go of its reference) and the filter's marks, or the failure.
  fn into_kept(
    mut self,
    env: &Env,
  ) -> std::result::Result<(sys::napi_value, Option<Vec<u8>>), Failure> {
    if let Some(failure) = self.failed.take() {
      return Err(failure);
    }
    let raw = env.raw();
    let kept = gathered_array(raw, &mut self.kept)?;
    if let Some(reference) = self.kept.take() {
      unsafe { sys::napi_delete_reference(raw, reference) };
    }
    Ok((kept, self.flags.take()))
  }
}

impl Drop for Gathered {
  fn drop(&mut self) {
    let Some(env) = self.env else { return };
    if let Some(reference) = self.kept.take() {
      unsafe { sys::napi_delete_reference(env, reference) };
    }
    if let Some(failure) = self.failed.take() {
      failure.let_go(env);
    }
  }
}

/// Splits `piece` (NUL-joined names) and keeps what `filter` keeps, in the order found.
pub fn append_piece(
  env: &Env,
  gathered: &mut Gathered,
  piece: &str,
  filter: Option<sys::napi_value>,
) {
  if gathered.failed.is_some() {
    return;
  }
  gathered.env = Some(env.raw());
  let appended = (|| {
    let raw = env.raw();
    let kept = gathered_array(raw, &mut gathered.kept)?;
    let len = piece.bytes().filter(|&b| b == 0).count() + 1;
    let (flags, bytes) = match filter {
      Some(_) => {
        let (array, bytes) = typed_array::<u8>(raw, len)?;
        (array, Some(bytes))
      }
      None => (or_undefined(raw, None)?, None),
    };
    let piece = string(raw, piece)?;
    let filter = or_undefined(raw, filter)?;
    call(
      raw,
      compiled(raw, &APPEND_FN, APPEND)?,
      &[kept, piece, filter, flags],
    )?;
    if let Some(bytes) = bytes {
      // SAFETY: `flags`' fresh ArrayBuffer of `len` bytes, alive in this scope; nothing else
      // sees it (the filter is given names only).
      let set = unsafe { std::slice::from_raw_parts(bytes, len) };
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
  let raw = env.raw();
  let (kept, flags) = gathered.into_kept(env)?;
  let order = stowage_core::kept_order(order, flags.as_deref());
  if order.iter().enumerate().all(|(i, &at)| at as usize == i) {
    return Ok(JsValue(kept)); // found in order (a MEMORY listing)
  }
  // Found backwards: tmpfs lists newest first, so names made in order come in reverse.
  let backwards = order
    .iter()
    .rev()
    .enumerate()
    .all(|(i, &at)| at as usize == i);
  let order_array = match backwards {
    true => or_undefined(raw, None)?,
    false => {
      let (array, data) = typed_array::<u32>(raw, order.len())?;
      // SAFETY: a fresh ArrayBuffer of exactly `order`'s bytes (not empty: an empty order is
      // in order), suitably aligned by V8.
      unsafe { ptr::copy_nonoverlapping(order.as_ptr(), data, order.len()) };
      array
    }
  };
  call(
    raw,
    compiled(raw, &ASSEMBLE_FN, ASSEMBLE)?,
    &[kept, order_array],
  )
}

/// A number type a typed array holds.
trait Element {
  const KIND: sys::napi_typedarray_type;
}

impl Element for u8 {
  const KIND: sys::napi_typedarray_type = sys::TypedarrayType::uint8_array;
}

impl Element for u32 {
  const KIND: sys::napi_typedarray_type = sys::TypedarrayType::uint32_array;
}

/// A zeroed typed array of `len` elements, and where they are.
fn typed_array<T: Element>(
  env: sys::napi_env,
  len: usize,
) -> std::result::Result<(sys::napi_value, *mut T), Failure> {
  let mut data = ptr::null_mut();
  let mut buffer = ptr::null_mut();
  let bytes = len * std::mem::size_of::<T>();
  ok(unsafe { sys::napi_create_arraybuffer(env, bytes, &mut data, &mut buffer) })?;
  let mut array = ptr::null_mut();
  ok(unsafe { sys::napi_create_typedarray(env, T::KIND, len, buffer, 0, &mut array) })?;
  Ok((array, data.cast()))
}

/// The array `slot` refers to, made (and referred to) on first use.
fn gathered_array(
  env: sys::napi_env,
  slot: &mut Option<sys::napi_ref>,
) -> std::result::Result<sys::napi_value, Failure> {
  let mut array = ptr::null_mut();
  match slot {
    Some(reference) => ok(unsafe { sys::napi_get_reference_value(env, *reference, &mut array) })?,
    None => {
      ok(unsafe { sys::napi_create_array(env, &mut array) })?;
      let mut reference = ptr::null_mut();
      ok(unsafe { sys::napi_create_reference(env, array, 1, &mut reference) })?;
      *slot = Some(reference);
    }
  }
  Ok(array)
}

/// Calls `func` with `args`; what it throws comes back as the failure.
fn call(
  env: sys::napi_env,
  func: sys::napi_value,
  args: &[sys::napi_value],
) -> std::result::Result<JsValue, Failure> {
  let this = or_undefined(env, None)?;
  let mut result = ptr::null_mut();
  let status =
    unsafe { sys::napi_call_function(env, this, func, args.len(), args.as_ptr(), &mut result) };
  if status == sys::Status::napi_pending_exception {
    let mut thrown = ptr::null_mut();
    ok(unsafe { sys::napi_get_and_clear_last_exception(env, &mut thrown) })?;
    return Err(Failure::thrown(env, thrown));
  }
  ok(status)?;
  Ok(JsValue(result))
}

/// One string and one `filter` call per name: for the rare list with a NUL in a name.
fn slow(
  env: &Env,
  names: Vec<String>,
  filter: Option<sys::napi_value>,
) -> std::result::Result<JsValue, Failure> {
  let raw = env.raw();
  let mut array = ptr::null_mut();
  ok(unsafe { sys::napi_create_array(raw, &mut array) })?;
  let mut kept = 0;
  for name in names {
    let name = string(raw, &name)?;
    if let Some(f) = filter {
      let verdict = call(raw, f, &[name])?;
      let mut keep = false;
      let mut as_bool = ptr::null_mut();
      ok(unsafe { sys::napi_coerce_to_bool(raw, verdict.0, &mut as_bool) })?;
      ok(unsafe { sys::napi_get_value_bool(raw, as_bool, &mut keep) })?;
      if !keep {
        continue;
      }
    }
    ok(unsafe { sys::napi_set_element(raw, array, kept, name) })?;
    kept += 1;
  }
  Ok(JsValue(array))
}
