//! `tracing` events from the core, forwarded to the JavaScript logger the user sets.
//!
//! One global subscriber, installed when the addon loads, so events from tokio worker threads are
//! seen too. Until a logger is set, warnings and errors are printed to stderr (a typo in
//! `STORAGE_TYPE` must not go unseen); `setLogger(fn)` sends every event to `fn` instead,
//! `setLogger(null)` silences them, `setLogger()` restores the stderr default. The callback is a
//! weak, non-blocking threadsafe function: it never keeps the process alive and never stalls a
//! storage thread.

use std::fmt::Write as _;
use std::io::Write as _;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, OnceLock, RwLock};

use napi::bindgen_prelude::*;
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi::{Env, ValueType};
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

/// Where events go: [`TO_STDERR`] (the default), [`OFF`], or [`TO_JS`] (the slot's function).
static MODE: AtomicU8 = AtomicU8::new(TO_STDERR);
const TO_STDERR: u8 = 0;
const OFF: u8 = 1;
const TO_JS: u8 = 2;

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

/// Sets the process-wide logger that receives Stowage's log events (every level), or silences them
/// with `null`. Without a logger (the default, and after `setLogger()` with no argument),
/// warnings and errors are printed to stderr and debug events are dropped.
/// Events arrive asynchronously, on a later tick of the event loop.
/// A logger that throws is ignored for that event: logging never breaks a storage call.
#[napi(ts_args_type = "logger?: ((event: LogEvent) => void) | null")]
pub fn set_logger(env: &Env, logger: Unknown) -> Result<()> {
  install();
  let (mode, tsfn) = match logger.get_type()? {
    ValueType::Undefined => (TO_STDERR, None),
    ValueType::Null => (OFF, None),
    ValueType::Function => {
      // lib/callbacks.js's `guardedLogger`: what the logger throws is dropped.
      let guard: Function<Unknown, Function<LogEvent, ()>> =
        crate::helpers::helper(env, "guardedLogger").map_err(|f| f.into_napi(env))?;
      let guarded = guard.call(logger)?;
      let tsfn = guarded
        .build_threadsafe_function()
        .weak::<true>()
        .callee_handled::<false>()
        .build()?;
      (TO_JS, Some(Arc::new(tsfn)))
    }
    _ => {
      return Err(
        crate::errors::Failure::Type(
          "The \"logger\" argument must be a function or null".to_string(),
        )
        .into_napi(env),
      )
    }
  };
  *slot().write().unwrap() = tsfn;
  MODE.store(mode, Ordering::Release);
  Ok(())
}

struct JsLayer;

impl<S: Subscriber> Layer<S> for JsLayer {
  fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
    let mode = MODE.load(Ordering::Acquire);
    let level = *event.metadata().level();
    if mode == OFF || !event.metadata().target().starts_with("stowage") {
      return;
    }
    if mode == TO_STDERR {
      if level <= Level::WARN {
        let mut fields = Fields::default();
        event.record(&mut fields);
        print_to_stderr(level, &fields.message);
      }
      return;
    }
    let Some(tsfn) = slot().read().unwrap().clone() else {
      return;
    };
    let level = match level {
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

/// One line, as Nest's console logger shapes it: `[stowage] WARN [StorageService] <message>`.
/// Control characters of the message (a path can hold none, but a server's reason might) are
/// escaped, so a line cannot forge another.
fn print_to_stderr(level: Level, message: &str) {
  let label = if level == Level::ERROR {
    "ERROR"
  } else {
    "WARN"
  };
  let mut line = format!("[stowage] {label} [StorageService] ");
  for c in message.chars() {
    match c.is_control() {
      true => line.extend(c.escape_debug()),
      false => line.push(c),
    }
  }
  line.push('\n');
  let _ = std::io::stderr().lock().write_all(line.as_bytes());
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
