//! `options.signal`: an `AbortSignal` wired to a core `Cancel`. Rust subscribes to the signal's
//! `abort` event with a JS callback that cancels the token, and unsubscribes when the operation
//! settles (a long-lived signal does not collect listeners).

use std::future::Future;

use napi::bindgen_prelude::*;
use napi::{Env, JsValue, ValueType};
use stowage_core::Cancel;

use crate::errors::Failure;
use crate::promise::spawn;

/// The subscription to one signal's `abort` event, removed by `release`.
pub struct Subscription {
  signal: ObjectRef<false>,
  listener: FunctionRef<(), ()>,
}

impl Subscription {
  /// Removes the listener and drops the reference to the signal (on the JS thread).
  pub fn release(self, env: &Env) {
    if let (Ok(signal), Ok(listener)) = (self.signal.get_value(env), self.listener.borrow_back(env))
    {
      let _ = call_method(&signal, "removeEventListener", listener.to_unknown());
    }
    let _ = self.signal.unref(env);
  }
}

/// `options.signal` when it is set: a `Cancel` already cancelled for an aborted signal, or one
/// the signal's `abort` event cancels. Anything but an AbortSignal-like object is a TypeError.
pub fn signal_of(
  env: &Env,
  options: &Object,
) -> std::result::Result<Option<(Cancel, Option<Subscription>)>, Failure> {
  let value: Unknown = options
    .get_named_property("signal")
    .map_err(|e| crate::args::thrown(env.raw(), e))?;
  match value.get_type().ok() {
    Some(ValueType::Undefined) | Some(ValueType::Null) => return Ok(None),
    Some(ValueType::Object) => {}
    _ => return Err(not_a_signal()),
  }
  let signal: Object = value.coerce_to_object().map_err(Failure::Js)?;
  let aborted: Unknown = signal.get_named_property("aborted").map_err(Failure::Js)?;
  let has_listener = signal
    .get_named_property::<Unknown>("addEventListener")
    .is_ok_and(|f| f.get_type().ok() == Some(ValueType::Function));
  if aborted.get_type().ok() != Some(ValueType::Boolean) || !has_listener {
    return Err(not_a_signal());
  }
  let cancel = Cancel::new();
  if aborted.coerce_to_bool().unwrap_or(false) {
    cancel.cancel();
    return Ok(Some((cancel, None)));
  }
  let token = cancel.clone();
  let listener = env
    .create_function_from_closure::<(), (), _>("onabort", move |_| {
      token.cancel();
      Ok(())
    })
    .map_err(Failure::Js)?;
  call_method(&signal, "addEventListener", listener.to_unknown()).map_err(Failure::Js)?;
  let subscription = Subscription {
    signal: signal.create_ref::<false>().map_err(Failure::Js)?,
    listener: listener.create_ref().map_err(Failure::Js)?,
  };
  Ok(Some((cancel, Some(subscription))))
}

fn not_a_signal() -> Failure {
  Failure::Type("The \"options.signal\" property must be an instance of AbortSignal".to_string())
}

/// `signal[method]('abort', listener)`.
fn call_method(signal: &Object, method: &str, listener: Unknown) -> Result<()> {
  let f: Function<FnArgs<(&str, Unknown)>, Unknown> = signal.get_named_property(method)?;
  f.apply(signal, ("abort", listener).into())?;
  Ok(())
}

/// `spawn`, releasing the signal's subscription when the operation settles, either way.
pub fn spawn_until<'env, T, V, Fut, C>(
  env: &'env Env,
  subscription: Option<Subscription>,
  fut: Fut,
  convert: C,
) -> Result<PromiseRaw<'env, V>>
where
  T: Send + 'static,
  V: ToNapiValue,
  Fut: Future<Output = std::result::Result<T, Failure>> + Send + 'static,
  C: FnOnce(&Env, T) -> std::result::Result<V, Failure> + 'static,
{
  spawn(env, async move { Ok(fut.await) }, move |env, outcome| {
    if let Some(subscription) = subscription {
      subscription.release(env);
    }
    convert(env, outcome?)
  })
}
