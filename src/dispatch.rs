//! Short LOCAL and MEMORY operations on Stowage's own threads, settled on the JS thread in
//! batches.
//!
//! `spawn_future_with_callback` costs a threadsafe function per promise, a tokio task and a hop
//! to the blocking pool — more than reading a 4 KiB file. Here a call creates its promise and
//! queues one job; a fixed pool of threads runs each job with
//! [`stowage_core::inline::block_on`] (the syscalls right there, no further hop); finished jobs
//! wait in one queue per JS thread, and one long-lived threadsafe function drains that queue,
//! settling every promise that finished since the last drain. It keeps the event loop alive only
//! while something is in flight.
//!
//! The pool has `STOWAGE_LOCAL_THREADS` threads ([`DEFAULT_THREADS`] when unset), started on
//! first use and shared by every provider and JS thread of the process.

use std::any::Any;
use std::cell::RefCell;
use std::collections::{HashMap, VecDeque};
use std::ffi::c_void;
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock};

use futures::FutureExt;
use napi::bindgen_prelude::*;
use napi::{sys, Env, JsError};
use stowage_core::{Error as StorageError, ErrorKind};

use crate::errors::Failure;

/// Pool threads when `STOWAGE_LOCAL_THREADS` is unset (libuv's default, and what keeps a
/// 2-core machine's disk queue full without thrashing).
pub const DEFAULT_THREADS: usize = 4;
const MAX_THREADS: usize = 256;

type Output = Box<dyn Any + Send>;
type Work = Box<dyn FnOnce() -> Output + Send>;
/// Turns a job's output into the value to resolve with (`Ok`) or to reject with (`Err`).
type Settle =
  Box<dyn FnOnce(&Env, Output) -> std::result::Result<sys::napi_value, sys::napi_value>>;
/// Takes a job's intermediate outputs on the JS thread, in order, before its promise settles.
type OnProgress = Box<dyn FnMut(&Env, Output)>;

/// What a job hands its JS thread.
enum Item {
  /// Something on the way, for the job's [`OnProgress`].
  Progress(Output),
  /// The end: settles the job's promise.
  Done(Output),
}

struct Job {
  id: u64,
  home: Arc<Home>,
  work: Work,
}

/// Where one JS thread's finished jobs wait for it.
struct Home {
  done: Mutex<Done>,
  /// Set with `Done::tsfn` cleared: read without the lock on every call.
  closed: AtomicBool,
}

struct Done {
  /// `None` once Node has finalized the threadsafe function (the environment is going away).
  tsfn: Option<Tsfn>,
  items: Vec<(u64, Item)>,
  /// A drain is on its way; finishing jobs need not ask for another.
  scheduled: bool,
}

#[derive(Clone, Copy)]
struct Tsfn(sys::napi_threadsafe_function);

// SAFETY: a threadsafe function may be called from any thread; `Done` only calls it under its
// lock, and the finalizer clears it under the same lock, so no call can race its deletion.
unsafe impl Send for Tsfn {}

impl Home {
  fn lock(&self) -> MutexGuard<'_, Done> {
    self
      .done
      .lock()
      .unwrap_or_else(|poisoned| poisoned.into_inner())
  }

  /// Called on a pool thread: queue the output and wake the JS thread unless a drain is due.
  fn finish(&self, id: u64, output: Output) {
    self.hand_over(id, Item::Done(output));
  }

  fn hand_over(&self, id: u64, item: Item) {
    let mut done = self.lock();
    let Some(tsfn) = done.tsfn else {
      return; // the environment is gone: nobody is waiting
    };
    done.items.push((id, item));
    if !done.scheduled {
      done.scheduled = true;
      // SAFETY: `tsfn` is live: it is read under the lock, and the finalizer clears it under the
      // same lock before Node frees it. A threadsafe function may be called from any thread.
      unsafe {
        sys::napi_call_threadsafe_function(
          tsfn.0,
          ptr::null_mut(),
          sys::ThreadsafeFunctionCallMode::nonblocking,
        )
      };
    }
  }
}

struct Pool {
  state: Mutex<Queue>,
  ready: Condvar,
}

struct Queue {
  jobs: VecDeque<Job>,
  /// Threads waiting for a job.
  sleeping: usize,
  /// A wake-up was sent and not yet taken: at most one at a time, so a burst of small jobs does
  /// not cost a futex wake each; a woken thread passes the wake on while jobs remain.
  waking: bool,
}

fn threads() -> usize {
  stowage_core::config::from_env("process", "localThreads")
    .and_then(|v| v.trim().parse::<usize>().ok())
    .filter(|&n| n > 0)
    .map_or(DEFAULT_THREADS, |n| n.min(MAX_THREADS))
}

fn pool() -> &'static Pool {
  static POOL: OnceLock<&'static Pool> = OnceLock::new();
  POOL.get_or_init(|| {
    let pool: &'static Pool = Box::leak(Box::new(Pool {
      state: Mutex::new(Queue {
        jobs: VecDeque::new(),
        sleeping: 0,
        waking: false,
      }),
      ready: Condvar::new(),
    }));
    for n in 0..threads() {
      std::thread::Builder::new()
        .name(format!("stowage-io-{n}"))
        .spawn(move || pool.work())
        .expect("cannot start a Stowage I/O thread");
    }
    pool
  })
}

impl Pool {
  fn lock(&self) -> MutexGuard<'_, Queue> {
    self.state.lock().unwrap_or_else(|p| p.into_inner())
  }

  fn push(&self, job: Job) {
    let mut state = self.lock();
    state.jobs.push_back(job);
    let wake = state.sleeping > 0 && !state.waking;
    state.waking |= wake;
    drop(state);
    if wake {
      self.ready.notify_one();
    }
  }

  fn work(&self) {
    let mut state = self.lock();
    loop {
      let Some(job) = state.jobs.pop_front() else {
        state.sleeping += 1;
        state = self.ready.wait(state).unwrap_or_else(|p| p.into_inner());
        state.sleeping -= 1;
        state.waking = false;
        continue;
      };
      // More work than this thread: pass the wake-up on.
      let wake = !state.jobs.is_empty() && state.sleeping > 0 && !state.waking;
      state.waking |= wake;
      drop(state);
      if wake {
        self.ready.notify_one();
      }
      let Job { id, home, work } = job;
      // A panic rejects that one promise (its output does not downcast) and the thread goes on.
      let output = catch_unwind(AssertUnwindSafe(work)).unwrap_or_else(|_| Box::new(Panicked));
      home.finish(id, output);
      state = self.lock();
    }
  }
}

struct Panicked;

/// The JS thread's side: its `Home`, and the promises still waiting.
struct Local {
  home: Arc<Home>,
  tsfn: Tsfn,
  pending: HashMap<u64, Pending>,
  next_id: u64,
  /// The threadsafe function is referenced (keeps the loop alive) while anything is pending.
  referenced: bool,
}

struct Pending {
  deferred: sys::napi_deferred,
  settle: Settle,
  /// Taken out while it runs.
  progress: Option<OnProgress>,
}

/// Sends a job's intermediate outputs to its JS thread ([`submit_with_progress`]); they arrive
/// in the order sent, all before the job's promise settles.
pub struct Progress {
  id: u64,
  home: Arc<Home>,
}

impl Progress {
  pub fn send<P: Send + 'static>(&self, value: P) {
    self
      .home
      .hand_over(self.id, Item::Progress(Box::new(value)));
  }
}

thread_local! {
  static LOCAL: RefCell<Option<Local>> = const { RefCell::new(None) };
}

fn check(status: sys::napi_status, what: &str) -> Result<()> {
  match status {
    sys::Status::napi_ok => Ok(()),
    _ => Err(Error::new(
      Status::GenericFailure,
      format!("{what} failed ({status})"),
    )),
  }
}

impl Local {
  fn new(env: &Env) -> Result<Local> {
    let home = Arc::new(Home {
      done: Mutex::new(Done {
        tsfn: None,
        items: Vec::new(),
        scheduled: false,
      }),
      closed: AtomicBool::new(false),
    });
    let name = env.create_string("stowage")?;
    let mut raw = ptr::null_mut();
    let finalize_data = Arc::into_raw(home.clone()) as *mut c_void;
    // SAFETY: on the JS thread of `env`; `name` is a live string of it; `finalized` takes back the
    // `Arc` passed as its data exactly once, and `drain` matches the call-js signature.
    let status = unsafe {
      sys::napi_create_threadsafe_function(
        env.raw(),
        ptr::null_mut(),
        ptr::null_mut(),
        name.raw(),
        0,
        1,
        finalize_data,
        Some(finalized),
        ptr::null_mut(),
        Some(drain),
        &mut raw,
      )
    };
    if let Err(e) = check(status, "napi_create_threadsafe_function") {
      // SAFETY: not created, so Node will never call `finalized`: the `Arc` is still ours.
      drop(unsafe { Arc::from_raw(finalize_data as *const Home) });
      return Err(e);
    }
    let tsfn = Tsfn(raw);
    check(
      // SAFETY: the threadsafe function was just created on this JS thread.
      unsafe { sys::napi_unref_threadsafe_function(env.raw(), raw) },
      "napi_unref_threadsafe_function",
    )?;
    home.lock().tsfn = Some(tsfn);
    Ok(Local {
      home,
      tsfn,
      pending: HashMap::new(),
      next_id: 0,
      referenced: false,
    })
  }

  /// Keeps the event loop alive exactly while promises are pending.
  fn keep_alive(&mut self, env: sys::napi_env) {
    let want = !self.pending.is_empty();
    if want == self.referenced || self.home.closed.load(Ordering::Acquire) {
      return;
    }
    // SAFETY: on the JS thread that owns the threadsafe function, which is not finalized (`closed`
    // is checked above; it is set by the finalizer, on this same thread).
    let status = unsafe {
      match want {
        true => sys::napi_ref_threadsafe_function(env, self.tsfn.0),
        false => sys::napi_unref_threadsafe_function(env, self.tsfn.0),
      }
    };
    if status == sys::Status::napi_ok {
      self.referenced = want;
    }
  }
}

/// Node finalized the threadsafe function: the environment is going away.
unsafe extern "C" fn finalized(_env: sys::napi_env, data: *mut c_void, _hint: *mut c_void) {
  // SAFETY: `data` is the `Arc::into_raw` of `Local::new`, and Node finalizes once.
  let home = unsafe { Arc::from_raw(data as *const Home) };
  let mut done = home.lock();
  done.tsfn = None;
  done.items.clear();
  home.closed.store(true, Ordering::Release);
}

/// Runs `f` on this JS thread's pending promises (none when Stowage never ran here).
fn with_pending<T>(f: impl FnOnce(&mut HashMap<u64, Pending>) -> Option<T>) -> Option<T> {
  LOCAL.with(|local| f(&mut local.borrow_mut().as_mut()?.pending))
}

/// On the JS thread: settles every promise whose job finished.
unsafe extern "C" fn drain(
  env: sys::napi_env,
  _js_callback: sys::napi_value,
  _context: *mut c_void,
  _data: *mut c_void,
) {
  if env.is_null() {
    return; // the environment is being torn down
  }
  let items = LOCAL.with(|local| {
    let local = local.borrow();
    let Some(local) = local.as_ref() else {
      return Vec::new();
    };
    let mut done = local.home.lock();
    done.scheduled = false;
    std::mem::take(&mut done.items)
  });
  // Settling may run JS (a listFiles filter) that starts more work: no borrow held while an
  // item is handled.
  let js = Env::from_raw(env);
  for (id, item) in items {
    let mut scope = ptr::null_mut();
    // SAFETY: Node calls `drain` on the JS thread of `env` (not null, checked above); the scope
    // is closed below, before the next item, so the values of one item die with it.
    unsafe { sys::napi_open_handle_scope(env, &mut scope) };
    match item {
      Item::Done(output) => {
        if let Some(pending) = with_pending(|pending| pending.remove(&id)) {
          // SAFETY: `deferred` was made on this thread by `register` and is settled once (its
          // entry is removed above); `value`/`error` are live in the open scope.
          match (pending.settle)(&js, output) {
            Ok(value) => unsafe { sys::napi_resolve_deferred(env, pending.deferred, value) },
            Err(error) => unsafe { sys::napi_reject_deferred(env, pending.deferred, error) },
          };
        }
      }
      Item::Progress(output) => {
        let taken = with_pending(|pending| pending.get_mut(&id)?.progress.take());
        if let Some(mut progress) = taken {
          progress(&js, output);
          with_pending(|pending| pending.get_mut(&id).map(|p| p.progress = Some(progress)));
        }
      }
    }
    // SAFETY: the scope opened above, on this thread.
    unsafe { sys::napi_close_handle_scope(env, scope) };
  }
  LOCAL.with(|local| {
    if let Some(local) = local.borrow_mut().as_mut() {
      local.keep_alive(env);
    }
  });
}

/// Where a job's future runs.
#[derive(Clone, Copy)]
pub enum On {
  /// On the pool, its blocking work done in place (LOCAL, MEMORY).
  Pool,
  /// On the tokio runtime (network work: S3, Azure; streams, transfers, long deletes).
  Runtime,
}

/// Runs `fut` where `on` says; `convert` turns its value into JS on the JS thread, where a
/// failure also becomes its coded JS error. Either way the promise settles through the JS
/// thread's one threadsafe function, not one of its own.
pub fn submit<'env, T, V, Fut, C>(
  env: &'env Env,
  on: On,
  fut: Fut,
  convert: C,
) -> Result<PromiseRaw<'env, V>>
where
  T: Send + 'static,
  V: ToNapiValue,
  Fut: Future<Output = std::result::Result<T, Failure>> + Send + 'static,
  C: FnOnce(&Env, T) -> std::result::Result<V, Failure> + 'static,
{
  let (promise, id, home) = register(env, convert)?;
  start(on, id, home, fut);
  Ok(promise)
}

/// [`submit`] for a job that also sends intermediate outputs: `start` makes its future from a
/// [`Progress`], and `on_progress` takes each value sent on the JS thread, in order, before
/// `convert` takes the outcome.
pub fn submit_with_progress<'env, T, V, P, S, Fut, G, C>(
  env: &'env Env,
  on: On,
  start_with: S,
  mut on_progress: G,
  convert: C,
) -> Result<PromiseRaw<'env, V>>
where
  T: Send + 'static,
  V: ToNapiValue,
  P: Send + 'static,
  S: FnOnce(Progress) -> Fut,
  Fut: Future<Output = std::result::Result<T, Failure>> + Send + 'static,
  G: FnMut(&Env, P) + 'static,
  C: FnOnce(&Env, T) -> std::result::Result<V, Failure> + 'static,
{
  let (promise, id, home) = register(env, convert)?;
  let progress: OnProgress = Box::new(move |env, output| {
    if let Ok(value) = output.downcast::<P>() {
      on_progress(env, *value);
    }
  });
  with_pending(|pending| pending.get_mut(&id).map(|p| p.progress = Some(progress)));
  let fut = start_with(Progress {
    id,
    home: home.clone(),
  });
  start(on, id, home, fut);
  Ok(promise)
}

/// Runs a registered job's future where `on` says and hands its outcome home.
fn start<T, Fut>(on: On, id: u64, home: Arc<Home>, fut: Fut)
where
  T: Send + 'static,
  Fut: Future<Output = std::result::Result<T, Failure>> + Send + 'static,
{
  match on {
    On::Pool => pool().push(Job {
      id,
      home,
      work: Box::new(move || Box::new(stowage_core::inline::block_on(fut)) as Output),
    }),
    On::Runtime => {
      napi::bindgen_prelude::spawn(async move {
        // A panic rejects that one promise (its output does not downcast).
        let output = match AssertUnwindSafe(fut).catch_unwind().await {
          Ok(outcome) => Box::new(outcome) as Output,
          Err(_) => Box::new(Panicked),
        };
        home.finish(id, output);
      });
    }
  }
}

/// Creates the promise and files how to settle it; the caller starts the work and hands its
/// output to `home.finish(id, ..)`.
fn register<'env, T, V, C>(
  env: &'env Env,
  convert: C,
) -> Result<(PromiseRaw<'env, V>, u64, Arc<Home>)>
where
  T: Send + 'static,
  V: ToNapiValue,
  C: FnOnce(&Env, T) -> std::result::Result<V, Failure> + 'static,
{
  let settle: Settle = Box::new(move |env, output| {
    let outcome = match output.downcast::<std::result::Result<T, Failure>>() {
      Ok(outcome) => *outcome,
      Err(_) => Err(Failure::Storage(StorageError::new(
        ErrorKind::Io,
        "internal error: the operation panicked",
      ))),
    };
    match outcome.and_then(|value| convert(env, value)) {
      Ok(value) => match value.into_unknown(env) {
        Ok(value) => Ok(value.raw()),
        Err(e) => Err(JsError::from(e).into_unknown(*env).raw()),
      },
      Err(failure) => Err(failure.into_rejection(env)),
    }
  });

  let mut deferred = ptr::null_mut();
  let mut promise = ptr::null_mut();
  check(
    // SAFETY: on the JS thread of `env`, with valid out-pointers.
    unsafe { sys::napi_create_promise(env.raw(), &mut deferred, &mut promise) },
    "napi_create_promise",
  )?;
  let (id, home) = LOCAL.with(|local| -> Result<(u64, Arc<Home>)> {
    let mut local = local.borrow_mut();
    if local.is_none() {
      *local = Some(Local::new(env)?);
    }
    let local = local.as_mut().expect("set above");
    if local.home.closed.load(Ordering::Acquire) {
      return Err(Error::new(
        Status::Closing,
        "the JavaScript environment is shutting down".to_string(),
      ));
    }
    let id = local.next_id;
    local.next_id += 1;
    local.pending.insert(
      id,
      Pending {
        deferred,
        settle,
        progress: None,
      },
    );
    local.keep_alive(env.raw());
    Ok((id, local.home.clone()))
  })?;
  Ok((PromiseRaw::new(env.raw(), promise), id, home))
}
