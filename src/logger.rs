//! `tracing` events from the core, forwarded to the JavaScript logger the user sets.
//!
//! One global subscriber, installed when the addon loads, so events from tokio worker threads are
//! seen too. It formats nothing while no logger is set. The callback is a weak, non-blocking
//! threadsafe function: it never keeps the process alive and never stalls a storage thread.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock, RwLock};

use napi::bindgen_prelude::*;
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi::Env;
use napi_derive::napi;
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};

/// What the logger callback receives.
#[napi(object)]
#[derive(Clone, Debug)]
pub struct LogEvent {
  #[napi(ts_type = "'debug' | 'info' | 'warn' | 'error'")]
  pub level: String,
  pub message: String,
  /// Always `StorageService`, the context the original service logged under.
  pub context: String,
  pub operation: Option<String>,
  pub path: Option<String>,
  pub provider: Option<String>,
  pub code: Option<String>,
}

type LogFn = ThreadsafeFunction<LogEvent, (), LogEvent, Status, false, true>;

static ACTIVE: AtomicBool = AtomicBool::new(false);

fn slot() -> &'static RwLock<Option<Arc<LogFn>>> {
  static SLOT: OnceLock<RwLock<Option<Arc<LogFn>>>> = OnceLock::new();
  SLOT.get_or_init(|| RwLock::new(None))
}

/// Installs the global subscriber; later calls do nothing.
pub fn install() {
  static ONCE: OnceLock<()> = OnceLock::new();
  ONCE.get_or_init(|| {
    let subscriber = tracing_subscriber::registry().with(JsLayer);
    let _ = tracing::subscriber::set_global_default(subscriber);
  });
}

/// Sets the process-wide logger that receives Stowage's log events, or removes it with `null`.
/// Events arrive asynchronously, on a later tick of the event loop.
/// A logger that throws is ignored for that event: logging never breaks a storage call.
#[napi(ts_args_type = "logger?: ((event: LogEvent) => void) | null")]
pub fn set_logger(env: &Env, logger: Option<Function<LogEvent, ()>>) -> Result<()> {
  install();
  let tsfn = match logger {
    Some(f) => {
      let guard: Function<Function<LogEvent, ()>, Function<LogEvent, ()>> =
        env.run_script("(fn) => (event) => { try { fn(event) } catch {} }")?;
      let guarded = guard.call(f)?;
      Some(Arc::new(
        guarded
          .build_threadsafe_function()
          .weak::<true>()
          .callee_handled::<false>()
          .build()?,
      ))
    }
    None => None,
  };
  ACTIVE.store(tsfn.is_some(), Ordering::Release);
  *slot().write().unwrap() = tsfn;
  Ok(())
}

struct JsLayer;

impl<S: Subscriber> Layer<S> for JsLayer {
  fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
    if !ACTIVE.load(Ordering::Acquire) || !event.metadata().target().starts_with("stowage") {
      return;
    }
    let Some(tsfn) = slot().read().unwrap().clone() else {
      return;
    };
    let level = match *event.metadata().level() {
      Level::ERROR => "error",
      Level::WARN => "warn",
      Level::INFO => "info",
      _ => "debug",
    };
    let mut fields = Fields::default();
    event.record(&mut fields);
    let log = LogEvent {
      level: level.to_string(),
      message: fields.message,
      context: "StorageService".to_string(),
      operation: fields.operation,
      path: fields.path,
      provider: fields.provider,
      code: fields.code,
    };
    tsfn.call(log, ThreadsafeFunctionCallMode::NonBlocking);
  }
}

#[derive(Default)]
struct Fields {
  message: String,
  operation: Option<String>,
  path: Option<String>,
  provider: Option<String>,
  code: Option<String>,
}

impl Visit for Fields {
  fn record_str(&mut self, field: &Field, value: &str) {
    let slot = match field.name() {
      "operation" => &mut self.operation,
      "path" => &mut self.path,
      "provider" => &mut self.provider,
      "code" => &mut self.code,
      "message" => {
        self.message = value.to_string();
        return;
      }
      _ => return,
    };
    *slot = Some(value.to_string());
  }

  fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
    if field.name() == "message" {
      let _ = write!(self.message, "{value:?}");
    } else {
      self.record_str(field, &format!("{value:?}"));
    }
  }
}
