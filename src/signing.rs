//! `getSignedUrl(path, { expiresIn, method })`: a URL a browser or `fetch()` can use without
//! credentials. S3 (SigV4 query signing) and Azure Blob (service SAS); `ENOTSUP` elsewhere.

use std::time::Duration;

use napi::bindgen_prelude::*;
use napi::{Env, ValueType};
use stowage_core::{Error as StorageError, ErrorKind, SignedMethod, Storage};

use crate::args;
use crate::errors::Failure;
use crate::promise::{reject, spawn};

/// Default lifetime of a signed URL: one hour.
const DEFAULT_EXPIRES_IN_SECS: f64 = 3600.0;

pub fn get_signed_url<'e>(
  env: &'e Env,
  s: &Storage,
  path: Unknown,
  options: Option<Unknown>,
) -> Result<PromiseRaw<'e, String>> {
  let headers = match crate::metadata::signed_headers(options.as_ref()) {
    Ok(headers) => headers,
    Err(failure) => return reject(env, failure),
  };
  let checked = args::path("path", &path).and_then(|path| Ok((path, parse(options)?)));
  let (path, (method, expires_in)) = match checked {
    Ok(v) => v,
    Err(failure) => return reject(env, failure),
  };
  let s = s.clone();
  spawn(
    env,
    async move {
      Ok(
        s.signed_url_with(&path, method, expires_in, headers)
          .await?,
      )
    },
    |_, url| Ok(url),
  )
}

fn parse(options: Option<Unknown>) -> std::result::Result<(SignedMethod, Duration), Failure> {
  let obj = match options {
    Some(o) => args::options_object("options", &o)?,
    None => None,
  };
  let Some(obj) = obj else {
    return Ok((SignedMethod::Get, secs(DEFAULT_EXPIRES_IN_SECS)?));
  };
  let get = |name: &str| -> std::result::Result<Unknown, Failure> {
    obj
      .get_named_property(name)
      .map_err(|e| args::thrown(obj.value().env, e))
  };
  let expires = get("expiresIn")?;
  let expires = match expires.get_type().ok() {
    Some(ValueType::Undefined) | Some(ValueType::Null) => DEFAULT_EXPIRES_IN_SECS,
    Some(ValueType::Number) => expires
      .coerce_to_number()
      .and_then(|n| n.get_double())
      .map_err(Failure::Js)?,
    _ => {
      return Err(Failure::Type(
        "The \"options.expiresIn\" property must be of type number (seconds)".into(),
      ))
    }
  };
  let method = get("method")?;
  let method = match method.get_type().ok() {
    Some(ValueType::Undefined) | Some(ValueType::Null) => SignedMethod::Get,
    Some(ValueType::String) => {
      let name = method
        .coerce_to_string()
        .and_then(|s| s.into_utf8())
        .and_then(|s| s.into_owned())
        .map_err(Failure::Js)?;
      match name.to_ascii_uppercase().as_str() {
        "GET" => SignedMethod::Get,
        "PUT" => SignedMethod::Put,
        _ => {
          return Err(invalid(format!(
            "method must be \"GET\" or \"PUT\" (received \"{name}\")"
          )))
        }
      }
    }
    _ => {
      return Err(Failure::Type(
        "The \"options.method\" property must be \"GET\" or \"PUT\"".into(),
      ))
    }
  };
  Ok((method, secs(expires)?))
}

fn secs(value: f64) -> std::result::Result<Duration, Failure> {
  match value.is_finite() && value >= 1.0 {
    true => Ok(Duration::from_secs(value as u64)),
    false => Err(invalid(format!(
      "expiresIn must be a number of seconds between 1 and 604800 (received {value})"
    ))),
  }
}

fn invalid(message: String) -> Failure {
  Failure::Storage(StorageError::new(ErrorKind::InvalidInput, message))
}
