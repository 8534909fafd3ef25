//! The JavaScript functions the binding calls, written in the package's hand-written layer (lib/,
//! see lib/index.js) and handed over once per JS thread by `registerHelpers` when the package
//! loads: building `listFiles` and `getFileStats` results, the stream classes, the `list`
//! iterator and the guards around user callbacks.
#![cfg_attr(test, allow(dead_code))] // reached from JavaScript only

use std::cell::RefCell;

use napi::bindgen_prelude::*;
use napi::{Env, ValueType};
use napi_derive::napi;

use crate::errors::Failure;

/// The names lib/index.js's `helpers` must hold, each a function.
const NAMES: [&str; 10] = [
  "fileStats",
  "appendNames",
  "assembleNames",
  "filterNames",
  "listEntries",
  "readStream",
  "writeStream",
  "heapUsed",
  "guardedLogger",
  "progressCalls",
];

thread_local! {
  /// The helpers object of this JS thread (the main thread, each worker: each loads the package).
  static HELPERS: RefCell<Option<ObjectRef<false>>> = const { RefCell::new(None) };
}

/// Internal: the package's entry point (main.js, through lib/index.js) hands the binding the
/// JavaScript functions it calls. Not for applications.
#[napi(ts_args_type = "helpers: Record<string, (...args: any[]) => unknown>")]
pub fn register_helpers(env: &Env, helpers: Object) -> Result<()> {
  for name in NAMES {
    let value: Unknown = helpers.get_named_property(name)?;
    if value.get_type()? != ValueType::Function {
      return Err(Error::new(
        Status::InvalidArg,
        format!("registerHelpers: \"{name}\" must be a function"),
      ));
    }
  }
  let held = helpers.create_ref::<false>()?;
  let previous = HELPERS.with(|slot| slot.borrow_mut().replace(held));
  if let Some(previous) = previous {
    previous.unref(env)?;
  }
  Ok(())
}

/// The helper `name` (one of [`NAMES`]) of this JS thread, as a function of `Args`.
pub fn helper<'e, Args: JsValuesTupleIntoVec, Return>(
  env: &'e Env,
  name: &str,
) -> std::result::Result<Function<'e, Args, Return>, Failure> {
  debug_assert!(NAMES.contains(&name));
  HELPERS.with(|slot| match &*slot.borrow() {
    Some(helpers) => helpers
      .get_value(env)
      .and_then(|h| h.get_named_property(name))
      .map_err(Failure::Js),
    None => Err(Failure::Js(Error::new(
      Status::GenericFailure,
      "stowage: the binding was loaded without the package's entry point (require('stowage'), not its index.js or .node)",
    ))),
  })
}
