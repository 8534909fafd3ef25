//! Core errors and argument errors as JavaScript errors, built on the JS thread.

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
pub struct Thrown(ObjectRef<false>);

const HELD: &str = "value";

impl From<StorageError> for Failure {
  fn from(e: StorageError) -> Self {
    Failure::Storage(e)
  }
}

impl Failure {
  /// What JavaScript threw: `value`, on the JS thread of `env`, just taken off its pending
  /// exception.
  pub fn thrown(env: sys::napi_env, value: sys::napi_value) -> Failure {
    let env = Env::from_raw(env);
    // SAFETY: the caller took `value` off `env`'s pending exception on this JS thread, during
    // this call: a live value of the current handle scope.
    let value = unsafe { Unknown::from_raw_unchecked(env.raw(), value) };
    let held = (|| {
      let mut holder = Object::new(&env)?;
      holder.set_named_property(HELD, value)?;
      holder.create_ref::<false>()
    })();
    match held {
      Ok(reference) => Failure::Thrown(Thrown(reference)),
      Err(_) => Failure::Js(napi::Error::from(value)),
    }
  }

  /// The value a promise rejects with: the JS error, or exactly what JavaScript threw.
  pub fn into_rejection(self, env: &Env) -> sys::napi_value {
    match self {
      Failure::Thrown(thrown) => match thrown.take(env) {
        Ok(value) => value.raw(),
        Err(e) => JsError::from(e).into_unknown(*env).raw(),
      },
      other => JsError::from(other.into_napi(env)).into_unknown(*env).raw(),
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
      Failure::Thrown(thrown) => Ok(napi::Error::from(thrown.take(env)?)),
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
      let _ = thrown.take(&Env::from_raw(env));
    }
  }
}

impl Thrown {
  /// The thrown value; lets go of the reference.
  fn take(self, env: &Env) -> Result<Unknown<'_>> {
    let value = self
      .0
      .get_value(env)
      .and_then(|holder| holder.get_named_property::<Unknown>(HELD));
    let _ = self.0.unref(env);
    value
  }
}
