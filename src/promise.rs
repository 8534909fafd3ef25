//! Running core futures as Promises whose rejections carry coded errors.

use std::convert::Infallible;
use std::future::Future;

use napi::bindgen_prelude::*;
use napi::Env;
use stowage_core::Storage;

use crate::dispatch::On;
use crate::errors::Failure;

/// Runs a short operation of `storage`: on Stowage's own pool with its syscalls inline where the
/// provider allows it (LOCAL, MEMORY), on the tokio runtime otherwise; either way settled through
/// the JS thread's one threadsafe function ([`crate::dispatch`]).
/// `convert` as in [`spawn`].
pub fn run<'env, T, V, Op, Fut, C>(
  env: &'env Env,
  storage: &Storage,
  op: Op,
  convert: C,
) -> Result<PromiseRaw<'env, V>>
where
  T: Send + 'static,
  V: ToNapiValue,
  Op: FnOnce(Storage) -> Fut,
  Fut: Future<Output = std::result::Result<T, Failure>> + Send + 'static,
  C: FnOnce(&Env, T) -> std::result::Result<V, Failure> + 'static,
{
  let fut = op(storage.clone());
  crate::dispatch::submit(env, on(storage), fut, convert)
}

/// Where [`run`] runs `storage`'s short operations.
pub fn on(storage: &Storage) -> On {
  match storage.runs_inline() {
    true => On::Pool,
    false => On::Runtime,
  }
}

/// Runs `fut` on the tokio runtime; `convert` turns its value into JS on the JS thread, where
/// a failure also becomes its coded JS error.
pub fn spawn<'env, T, V, Fut, C>(
  env: &'env Env,
  fut: Fut,
  convert: C,
) -> Result<PromiseRaw<'env, V>>
where
  T: Send + 'static,
  V: ToNapiValue,
  Fut: Future<Output = std::result::Result<T, Failure>> + Send + 'static,
  C: FnOnce(&Env, T) -> std::result::Result<V, Failure> + 'static,
{
  crate::dispatch::submit(env, On::Runtime, fut, convert)
}

/// A promise that rejects with `failure` (argument errors reject rather than throw).
pub fn reject<'env, V: ToNapiValue + 'static>(
  env: &'env Env,
  failure: Failure,
) -> Result<PromiseRaw<'env, V>> {
  spawn(
    env,
    async move { Err::<Infallible, _>(failure) },
    |_, never| match never {},
  )
}
