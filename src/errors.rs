//! Core errors and argument errors as JavaScript errors, built on the JS thread.

use napi::bindgen_prelude::*;
use napi::{Env, JsError, JsTypeError};
use stowage_core::Error as StorageError;

/// Why a call failed before or after reaching the core.
pub enum Failure {
  /// A storage error: becomes an `Error` with `code`, `path`, `operation`, `provider`, `retryable`.
  Storage(StorageError),
  /// A wrong argument type from JavaScript: becomes a `TypeError` with `code` ERR_INVALID_ARG_TYPE.
  Type(String),
  /// An error JavaScript threw (a `filter` callback, say): passed on as it is.
  Js(napi::Error),
}

impl From<StorageError> for Failure {
  fn from(e: StorageError) -> Self {
    Failure::Storage(e)
  }
}

impl Failure {
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
