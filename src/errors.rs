//! Core errors and argument errors as JavaScript errors, built on the JS thread.

use std::ptr;

use napi::bindgen_prelude::*;
use napi::{sys, Env, JsError, JsTypeError};
use stowage_core::Error as StorageError;

/// Why a call failed before or after reaching the core.
pub enum Failure {
  /// A storage error: becomes an `Error` with `code`, `path`, `operation`, `provider`, `retryable`.
  Storage(StorageError),
  /// A wrong argument type from JavaScript: becomes a `TypeError` with `code` ERR_INVALID_ARG_TYPE.
  Type(String),
  /// An error made on the JS thread (a `RangeError`, say): passed on as it is.
  Js(napi::Error),
  /// Whatever JavaScript threw (a `filter` callback, an options getter): an `Error` or any other
  /// value, which a rejection passes on as it is.
  Thrown(Thrown),
}

/// A thrown value, held through an object (a reference cannot hold every kind of value) until
/// the rejection takes it, on the JS thread it was thrown on; one that does not become a
/// rejection is let go of there with [`Failure::let_go`] (merely dropped, it would leak).
pub struct Thrown(sys::napi_ref);

// SAFETY: the reference is only made and used on its JS thread; moving it through a job's
// outcome to that thread's settle is all that happens elsewhere (dropped there, it just leaks).
unsafe impl Send for Thrown {}

const HELD: &std::ffi::CStr = c"value";

impl From<StorageError> for Failure {
  fn from(e: StorageError) -> Self {
    Failure::Storage(e)
  }
}

impl Failure {
  /// What JavaScript threw: `value`, on the JS thread of `env`.
  pub fn thrown(env: sys::napi_env, value: sys::napi_value) -> Failure {
    let mut holder = ptr::null_mut();
    let mut reference = ptr::null_mut();
    // SAFETY: on the JS thread of `env`, where `value` was just thrown; out-pointers are valid.
    let held = unsafe {
      sys::napi_create_object(env, &mut holder) == sys::Status::napi_ok
        && sys::napi_set_named_property(env, holder, HELD.as_ptr(), value) == sys::Status::napi_ok
        && sys::napi_create_reference(env, holder, 1, &mut reference) == sys::Status::napi_ok
    };
    match held {
      true => Failure::Thrown(Thrown(reference)),
      // SAFETY: `value` is a live value of `env`'s current scope (see above).
      false => Failure::Js(napi::Error::from(unsafe {
        Unknown::from_raw_unchecked(env, value)
      })),
    }
  }

  /// The value a promise rejects with: the JS error, or exactly what JavaScript threw.
  pub fn into_rejection(self, env: &Env) -> sys::napi_value {
    match self {
      Failure::Thrown(thrown) => thrown.take(env.raw()),
      // SAFETY: on the JS thread of `env`, which builds the error value.
      other => unsafe { JsError::from(other.into_napi(env)).into_value(env.raw()) },
    }
  }

  /// The JS error object, as a `napi::Error` that rejects with exactly that object.
  pub fn into_napi(self, env: &Env) -> napi::Error {
    match self.build(env) {
      Ok(err) => err,
      Err(e) => e,
    }
  }

  fn build(self, env: &Env) -> Result<napi::Error> {
    match self {
      Failure::Js(err) => Ok(err),
      // SAFETY: `take` returns a live value of `env` (or undefined) on its JS thread.
      Failure::Thrown(thrown) => Ok(napi::Error::from(unsafe {
        Unknown::from_raw_unchecked(env.raw(), thrown.take(env.raw()))
      })),
      Failure::Type(message) => {
        let js =
          JsTypeError::from(napi::Error::new("ERR_INVALID_ARG_TYPE", message)).into_unknown(*env);
        Ok(napi::Error::from(js))
      }
      Failure::Storage(e) => {
        let js = JsError::from(napi::Error::new(e.code(), e.to_string())).into_unknown(*env);
        let mut obj = js.coerce_to_object()?;
        if let Some(path) = e.path() {
          obj.set_named_property("path", path)?;
        }
        if let Some(operation) = e.operation() {
          obj.set_named_property("operation", operation)?;
        }
        if let Some(provider) = e.provider() {
          obj.set_named_property("provider", provider)?;
        }
        obj.set_named_property("retryable", e.is_retryable())?;
        if e.kind() == stowage_core::ErrorKind::Aborted {
          obj.set_named_property("name", "AbortError")?; // as node's AbortError
        }
        Ok(napi::Error::from(js))
      }
    }
  }
}

impl Failure {
  /// Drops the failure on the JS thread of `env`, letting go of a thrown value's reference (any
  /// other failure holds none).
  pub fn let_go(self, env: sys::napi_env) {
    if let Failure::Thrown(thrown) = self {
      thrown.take(env);
    }
  }
}

impl Thrown {
  /// The thrown value; lets go of the reference.
  fn take(self, env: sys::napi_env) -> sys::napi_value {
    let mut holder = ptr::null_mut();
    let mut value = ptr::null_mut();
    // SAFETY: on the JS thread the reference was made on; a torn-down environment gives a null
    // holder, which is checked before it is read (napi-rs's ObjectRef would read it: segfault).
    unsafe {
      sys::napi_get_reference_value(env, self.0, &mut holder);
      sys::napi_delete_reference(env, self.0);
      if holder.is_null()
        || sys::napi_get_named_property(env, holder, HELD.as_ptr(), &mut value)
          != sys::Status::napi_ok
      {
        sys::napi_get_undefined(env, &mut value);
      }
    }
    value
  }
}
