//! `transfer(from, fromDir, to, toDir, options)`: the core's migration between any two provider
//! objects (the provider classes, or a `StorageService`, meaning its default provider).
#![cfg_attr(test, allow(dead_code))] // reached from JavaScript only

use std::sync::Arc;

use napi::bindgen_prelude::*;
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi::{Env, ValueType};
use napi_derive::napi;
use stowage_core::transfer::{self as core, TransferOptions as CoreOptions};
use stowage_core::Storage;

use crate::abort::{signal_of, spawn_until};
use crate::args;
use crate::errors::Failure;
use crate::promise::reject;
use crate::providers::ProviderClass;

/// The provider classes by name, from the provider table: `(class, ProviderClass::OBJECT_STORE)`.
macro_rules! classes {
  ($($kind:ident => $module:ident::$class:ident ($($key:ident)?),)*) => {
    const CLASSES: &[(&str, bool)] =
      &[$((stringify!($class), <crate::$module::$class as ProviderClass>::OBJECT_STORE),)*];
  };
}

provider_table!(classes);

/// A file `transfer` could not copy.
#[napi(object, object_from_js = false)]
pub struct TransferFailure {
  /// Relative to `fromDir` and `toDir`.
  pub path: String,
  /// `ENOENT`, `EACCES`, `EIO`, …
  pub code: String,
  pub message: String,
}

/// What `transfer` resolves to.
#[napi(object, object_from_js = false)]
pub struct TransferResult {
  pub copied: u32,
  /// Already identical at the destination (same size and SHA-256).
  pub skipped: u32,
  pub failed: Vec<TransferFailure>,
  /// Bytes of the copied files.
  pub bytes: f64,
  /// With `dryRun`: the files that would be copied (relative paths, sorted); absent otherwise.
  pub would_copy: Option<Vec<String>>,
}

/// What `onProgress` receives.
#[napi(object)]
#[derive(Clone, Copy)]
pub struct TransferProgress {
  pub copied: u32,
  pub skipped: u32,
  pub failed: u32,
  pub bytes: f64,
}

type ProgressTsfn = ThreadsafeFunction<TransferProgress, (), TransferProgress, Status, false, true>;

/// Streams every file under `fromDir` (any depth) to the same path under `toDir`, `concurrency` at a time (default 8), skipping files already identical there (same size, then the source ETag the copy recorded, else SHA-256). A missing `fromDir` rejects with `ENOENT`; files that fail are listed in `failed`. `signal` rejects with an AbortError.
#[napi(
  ts_args_type = "from: IStorageProvider | StorageService, fromDir: string, to: IStorageProvider | StorageService, toDir: string, options?: TransferOptions",
  ts_return_type = "Promise<TransferResult>"
)]
pub fn transfer<'e>(
  env: &'e Env,
  from: Unknown,
  from_dir: Unknown,
  to: Unknown,
  to_dir: Unknown,
  options: Option<Unknown>,
) -> Result<PromiseRaw<'e, TransferResult>> {
  let parsed = (|| {
    let from = storage_of(env, &from, "from")?;
    let to = storage_of(env, &to, "to")?;
    let from_dir = args::path("fromDir", &from_dir)?;
    let to_dir = args::path("toDir", &to_dir)?;
    Ok::<_, Failure>((from, from_dir, to, to_dir))
  })();
  let (from, from_dir, to, to_dir) = match parsed {
    Ok(v) => v,
    Err(failure) => return reject(env, failure),
  };
  let obj = match options.map(|o| args::options_object("options", &o)) {
    Some(Err(failure)) => return reject(env, failure),
    Some(Ok(obj)) => obj,
    None => None,
  };
  let mut core_options = CoreOptions::default();
  let mut subscription = None;
  let mut last_progress = None;
  if let Some(obj) = &obj {
    match read_options(env, obj, &mut core_options) {
      Ok(last) => last_progress = last,
      Err(failure) => return reject(env, failure),
    }
    match signal_of(env, obj) {
      Ok(Some((cancel, sub))) => {
        core_options.cancel = cancel;
        subscription = sub;
      }
      Ok(None) => {}
      Err(failure) => return reject(env, failure),
    }
  }
  let dry_run = core_options.dry_run;
  spawn_until(
    env,
    subscription,
    async move { Ok(core::transfer(&from, &from_dir, &to, &to_dir, core_options).await?) },
    move |env, mut report| {
      report.would_copy.sort_unstable();
      let result = TransferResult {
        would_copy: dry_run.then_some(report.would_copy),
        copied: report.copied as u32,
        skipped: report.skipped as u32,
        bytes: report.bytes as f64,
        failed: report
          .failed
          .into_iter()
          .map(|f| TransferFailure {
            path: f.path,
            code: f.error.code().to_string(),
            message: f.error.to_string(),
          })
          .collect(),
      };
      if let Some(last) = last_progress {
        let last = last.borrow_back(env).map_err(Failure::Js)?;
        let progress = TransferProgress {
          copied: result.copied,
          skipped: result.skipped,
          failed: result.failed.len() as u32,
          bytes: result.bytes,
        };
        last.call(progress).map_err(Failure::Js)?;
      }
      Ok(result)
    },
  )
}

/// `concurrency`, `dryRun`, `skipIdentical` and `onProgress`; returns the function that makes the
/// last progress call (synchronously, before the promise settles; later queued calls are dropped).
fn read_options(
  env: &Env,
  obj: &Object,
  o: &mut CoreOptions,
) -> std::result::Result<Option<FunctionRef<TransferProgress, ()>>, Failure> {
  let get = |name: &str| -> std::result::Result<Unknown, Failure> {
    obj
      .get_named_property(name)
      .map_err(|e| args::thrown(env.raw(), e))
  };
  let concurrency = get("concurrency")?;
  match concurrency.get_type().ok() {
    Some(ValueType::Undefined) | Some(ValueType::Null) => {}
    Some(ValueType::Number) => {
      let n = concurrency
        .coerce_to_number()
        .and_then(|n| n.get_double())
        .map_err(Failure::Js)?;
      if !(1.0..=256.0).contains(&n) || n.fract() != 0.0 {
        return Err(Failure::Storage(stowage_core::Error::new(
          stowage_core::ErrorKind::InvalidInput,
          format!("concurrency must be an integer from 1 to 256 (received {n})"),
        )));
      }
      o.concurrency = n as usize;
    }
    _ => {
      return Err(Failure::Type(
        "The \"options.concurrency\" property must be of type number".into(),
      ))
    }
  }
  o.dry_run = flag(&get("dryRun")?, "dryRun")?.unwrap_or(false);
  o.skip_identical = flag(&get("skipIdentical")?, "skipIdentical")?.unwrap_or(true);
  let on_progress = get("onProgress")?;
  match on_progress.get_type().ok() {
    Some(ValueType::Undefined) | Some(ValueType::Null) => Ok(None),
    Some(ValueType::Function) => {
      // lib/callbacks.js's `progressCalls`: [the calls while it runs, the last call].
      let pair: Function<Unknown, Array> = crate::helpers::helper(env, "progressCalls")?;
      let pair = pair.call(on_progress).map_err(Failure::Js)?;
      let live: Function<TransferProgress, ()> = pair.get_element(0).map_err(Failure::Js)?;
      let last: Function<TransferProgress, ()> = pair.get_element(1).map_err(Failure::Js)?;
      let tsfn: Arc<ProgressTsfn> = Arc::new(
        live
          .build_threadsafe_function()
          .weak::<true>()
          .callee_handled::<false>()
          .build()
          .map_err(Failure::Js)?,
      );
      o.progress = Some(Arc::new(move |p: core::TransferProgress| {
        let p = TransferProgress {
          copied: p.copied as u32,
          skipped: p.skipped as u32,
          failed: p.failed as u32,
          bytes: p.bytes as f64,
        };
        tsfn.call(p, ThreadsafeFunctionCallMode::NonBlocking);
      }));
      Ok(Some(last.create_ref().map_err(Failure::Js)?))
    }
    _ => Err(Failure::Type(
      "The \"options.onProgress\" property must be a function".into(),
    )),
  }
}

fn flag(value: &Unknown, name: &str) -> std::result::Result<Option<bool>, Failure> {
  match value.get_type().ok() {
    Some(ValueType::Undefined) | Some(ValueType::Null) => Ok(None),
    Some(ValueType::Boolean) => Ok(Some(value.coerce_to_bool().map_err(Failure::Js)?)),
    _ => Err(Failure::Type(format!(
      "The \"options.{name}\" property must be of type boolean"
    ))),
  }
}

/// The core storage of a provider object: one of the provider classes, or a `StorageService` (its
/// default provider).
fn storage_of(env: &Env, value: &Unknown, name: &str) -> std::result::Result<Storage, Failure> {
  if let Some(storage) = native(env, value) {
    return Ok(storage);
  }
  if value.get_type().ok() == Some(ValueType::Object) {
    let obj: Object = value.coerce_to_object().map_err(Failure::Js)?;
    let get: Unknown = obj.get_named_property("getProvider").map_err(Failure::Js)?;
    if get.get_type().ok() == Some(ValueType::Function) {
      let get: Function<(), Unknown> =
        obj.get_named_property("getProvider").map_err(Failure::Js)?;
      let provider = get.apply(obj, ()).map_err(Failure::Js)?;
      if let Some(storage) = native(env, &provider) {
        return Ok(storage);
      }
    }
  }
  // The providers in the process first, then the object stores, each in the table's order.
  let classes: Vec<&str> = (CLASSES.iter().filter(|(_, remote)| !remote))
    .chain(CLASSES.iter().filter(|(_, remote)| *remote))
    .map(|(class, _)| *class)
    .collect();
  Err(Failure::Type(format!(
    "The \"{name}\" argument must be a {} or StorageService",
    classes.join(", ")
  )))
}

fn native(env: &Env, value: &Unknown) -> Option<Storage> {
  // The class's type tag first (napi8 tags every instance), then the wrapped native pointer.
  macro_rules! try_class {
    ($class:ty) => {
      let tag = <$class as TypeTag>::type_tag();
      // SAFETY: `value` is a live value of `env` on its JS thread. An object whose type tag is
      // `$class`'s was wrapped by napi's constructor of that class, so the pointer `napi_unwrap`
      // gives is a `$class` that lives as long as the object, which `value` holds for this call;
      // the reference taken is only used to clone its storage handle.
      let storage = unsafe {
        let mut wrapped = std::ptr::null_mut();
        let tagged = validate_type_tag(env.raw(), value.raw(), &tag, stringify!($class)).is_ok();
        match tagged
          && napi::sys::napi_unwrap(env.raw(), value.raw(), &mut wrapped)
            == napi::sys::Status::napi_ok
          && !wrapped.is_null()
        {
          true => Some((*(wrapped as *const $class)).core_storage().clone()),
          false => None,
        }
      };
      if storage.is_some() {
        return storage;
      }
    };
  }
  macro_rules! try_classes {
    ($($kind:ident => $module:ident::$class:ident ($($key:ident)?),)*) => {
      $(try_class!(crate::$module::$class);)*
    };
  }
  provider_table!(try_classes);
  None
}
