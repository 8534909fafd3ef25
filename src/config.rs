//! The configuration table (`stowage_core::config`) as JavaScript sees it, and the two things the
//! binding does with it: fill a provider's unset options from its variables, and show the
//! options a provider runs with, credentials redacted.

#![cfg_attr(test, allow(dead_code))] // configurationVariables() is reached from JavaScript only

use napi::bindgen_prelude::*;
use napi::{Env, ValueType};
use napi_derive::napi;
use stowage_core::config::{self, VARIABLES};

/// One row of the configuration table: the variable `name` sets `option` of `provider` when the
/// option is not given.
#[napi(object)]
pub struct ConfigurationVariable {
  /// The environment variable, also the key asked of a `config` (`ConfigService`).
  pub name: String,
  /// A `StorageType`, `"StorageService"` (the service's own options), `"signing"`
  /// (stowage/nest's `StorageModule` `signing` options) or `"process"` (a process-wide setting,
  /// read from the process environment only).
  pub provider: String,
  /// The option it fills, e.g. `accessKeyId` of `S3StorageOptions`. When two rows fill the same
  /// option, the first one set wins.
  pub option: String,
  /// A credential: never printed or logged, shown as `"set"`.
  pub secret: bool,
  pub description: String,
}

/// Every configuration variable Stowage reads, in the order the README lists them: the one
/// table `StorageService`, the provider constructors, stowage/nest and the CLI all read.
#[napi]
pub fn configuration_variables() -> Vec<ConfigurationVariable> {
  VARIABLES
    .iter()
    .map(|v| ConfigurationVariable {
      name: v.name.to_string(),
      provider: v.provider.to_string(),
      option: v.option.to_string(),
      secret: v.secret,
      description: v.description.to_string(),
    })
    .collect()
}

/// A variable of the process environment (the last place a setting is looked for).
pub fn process_env(name: &str) -> Option<String> {
  std::env::var(name).ok()
}

/// `options` with every option of `provider` that is unset (missing, `null` or `""`) filled from
/// its variables through `get`, the table's order deciding between two variables of one option.
pub fn fill<T: ToNapiValue + FromNapiValue>(
  env: &Env,
  options: T,
  provider: &str,
  get: impl Fn(&str) -> Option<String>,
) -> Result<T> {
  let mut object = as_object(env, options)?;
  for row in config::variables(provider) {
    if is_set(&object, row.option)? {
      continue;
    }
    if let Some(value) = config::lookup(provider, row.option, &get) {
      object.set_named_property(row.option, value)?;
    }
  }
  // SAFETY: `object` is a live object of `env`, made above on this JS thread; `T` is a napi(object)
  // struct, whose conversion reads its fields from any object (validating each).
  unsafe { T::from_napi_value(env.raw(), object.raw()) }
}

/// `options` as a plain object with the value of every secret option of `provider` replaced by
/// `"set"`: what a provider's `options` getter shows.
pub fn redacted<'e, T: ToNapiValue>(
  env: &'e Env,
  options: T,
  provider: &str,
) -> Result<Object<'e>> {
  let mut object = as_object(env, options)?;
  for row in config::variables(provider).filter(|row| row.secret) {
    if is_set(&object, row.option)? {
      object.set_named_property(row.option, "set")?;
    }
  }
  Ok(object)
}

fn as_object<'e, T: ToNapiValue>(env: &'e Env, value: T) -> Result<Object<'e>> {
  value.into_unknown(env)?.coerce_to_object()
}

fn is_set(object: &Object, option: &str) -> Result<bool> {
  let value: Unknown = object.get_named_property(option)?;
  Ok(match value.get_type()? {
    ValueType::Undefined | ValueType::Null => false,
    ValueType::String => value.coerce_to_string()?.utf8_len()? > 0,
    _ => true,
  })
}
