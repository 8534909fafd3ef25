//! `createReadStream` and `createWriteStream`: Node streams over the core's chunked reads and
//! writes. The stream classes are lib/streams.js's, each around a native handle made here: the
//! Readable pulls one chunk per `_read`, the Writable's callback runs once Rust accepted the
//! chunk, `_final` publishes the file and `_destroy` aborts it.

use std::cell::Cell;
use std::sync::Arc;

use napi::bindgen_prelude::*;
use napi::{sys, Env, ValueType};
use stowage_core::{
  ByteRange, Error as StorageError, ErrorKind, Storage, StorageReader, StorageWriter,
  DEFAULT_CHUNK_SIZE,
};
use tokio::sync::Mutex;

use crate::args;
use crate::errors::Failure;
use crate::promise::spawn;

/// Builds the Node stream around a native handle: lib/streams.js's `readStream` or `writeStream`.
fn make<'e>(
  env: &'e Env,
  class: &str,
  handle: Object<'e>,
  signal: Option<Unknown<'e>>,
) -> Result<Unknown<'e>> {
  let factory: Function<FnArgs<(Object, Option<Unknown>)>, Unknown> =
    crate::helpers::helper(env, class).map_err(|f| f.into_napi(env))?;
  factory.call((handle, signal).into())
}

/// Adds a method to a handle object: a native closure returning a promise.
fn method<F>(env: &Env, handle: &mut Object, name: &str, f: F) -> Result<()>
where
  F: Fn(&Env, &FunctionCallContext) -> Result<sys::napi_value> + 'static,
{
  let func =
    env.create_function_from_closure::<Unknown, _, _>(name, move |ctx| f(ctx.env, &ctx))?;
  handle.set_named_property(name, func)
}

/// `spawn`, as a raw value a closure can return.
fn promise<T, V, Fut, C>(env: &Env, fut: Fut, convert: C) -> Result<sys::napi_value>
where
  T: Send + 'static,
  V: ToNapiValue + 'static,
  Fut: std::future::Future<Output = std::result::Result<T, Failure>> + Send + 'static,
  C: FnOnce(&Env, T) -> std::result::Result<V, Failure> + 'static,
{
  Ok(spawn(env, fut, convert)?.raw())
}

/// The native side of a read stream: `open()`, `read()` (a Buffer, or `null` at the end) and
/// `close()`, each returning a promise.
fn read_handle<'e>(
  env: &'e Env,
  s: Storage,
  path: String,
  range: ByteRange,
  chunk_size: usize,
) -> Result<Object<'e>> {
  let slot: Arc<Mutex<Option<StorageReader>>> = Arc::default();
  let mut handle = Object::new(env)?;
  let open_slot = slot.clone();
  method(env, &mut handle, "open", move |env, _| {
    let (s, path, slot) = (s.clone(), path.clone(), open_slot.clone());
    let fut = async move {
      let reader = s.open_read(&path, range, chunk_size).await?;
      *slot.lock().await = Some(reader);
      Ok(())
    };
    promise(env, fut, |_, v| Ok(v))
  })?;
  let read_slot = slot.clone();
  method(env, &mut handle, "read", move |env, _| {
    let slot = read_slot.clone();
    let fut = async move {
      let mut guard = slot.lock().await;
      let Some(reader) = guard.as_mut() else {
        return Ok(None);
      };
      let chunk = reader.next_chunk().await?;
      if chunk.is_none() {
        *guard = None;
      }
      Ok(chunk)
    };
    promise(env, fut, |env, chunk| match chunk {
      Some(c) => {
        let buffer = node_buffer(env, &c).map_err(Failure::Js)?;
        collect_dead_chunks(env);
        Ok(Some(buffer))
      }
      None => Ok(None),
    })
  })?;
  method(env, &mut handle, "close", move |env, _| {
    let slot = slot.clone();
    let fut = async move {
      slot.lock().await.take();
      Ok(())
    };
    promise(env, fut, |_, v| Ok(v))
  })?;
  Ok(handle)
}

/// A copy of `bytes` in a Buffer Node allocates. V8 frees such a buffer as soon as a GC finds it
/// unreachable, where an external buffer waits for a finalizer on a later tick: with 1 MiB chunks
/// that difference alone was tens of MiB of RSS.
fn node_buffer(env: &Env, bytes: &[u8]) -> Result<sys::napi_value> {
  Ok(BufferSlice::copy_from(env, bytes)?.raw())
}

/// How much dead chunk memory a stream lets pile up before it asks V8 to collect (8 MiB), unless
/// the JS heap is larger: then as much as the heap uses (see `collect_dead_chunks`).
///
/// Each chunk a stream moves is a Buffer of Node-allocated memory that is garbage once the
/// consumer took it; its bytes go back only when a GC finds it dead. V8 counts those bytes as
/// external memory but, left alone, collects only once 64 MiB of it piled up (Node 24, V8 13.6:
/// its scavenge for young Buffers now waits for 128 MiB of them; Node 20's V8 11.3 ran it at 32
/// MiB). That put a 1 GiB stream copy at ~135 MiB RSS on Node 24 (~96 MiB on Node 20).
pub const GC_NUDGE_BYTES: i64 = 8 * 1024 * 1024;

/// What a nudge reports for an instant: V8's own threshold (`kExternalAllocationSoftLimit`, 64
/// MiB), so that the report crosses it whatever the count stood at.
const GC_NUDGE_PULSE: i64 = 64 * 1024 * 1024;

#[derive(Clone, Copy)]
struct ExternalWatch {
  /// The lowest external-memory count seen since the last nudge.
  low: i64,
  /// The count at which to look again.
  next: i64,
}

thread_local! {
  /// Per JS thread, that is per V8 isolate (the main thread and each worker).
  static EXTERNAL_WATCH: Cell<ExternalWatch> =
    const { Cell::new(ExternalWatch { low: i64::MAX, next: i64::MAX }) };
}

/// Called for each chunk a stream moves, on the JS thread. V8's external-memory count (all
/// Buffers and ArrayBuffers, alive or awaiting collection) is read with
/// `napi_adjust_external_memory(0)`; when it grew by `max(GC_NUDGE_BYTES, JS heap in use)` since
/// the lowest value seen (no GC gave memory back meanwhile), the nudge reports `GC_NUDGE_PULSE`
/// bytes and takes them back at once. Crossing V8's threshold makes it start a collection (an
/// incremental mark, done in a few ms; the next nudge finishes it if not), and the count is left
/// as it was. A collection costs in proportion to the heap, so a large heap waits for as many dead
/// bytes as it holds live ones, and from 64 MiB on V8's own trigger comes first: a big app pays no
/// more GC than without the nudge. Otherwise the check is one atomic add.
fn collect_dead_chunks(env: &Env) {
  let adjust = |change: i64| env.adjust_external_memory(change).ok();
  let Some(now) = adjust(0) else {
    return;
  };
  let mut w = EXTERNAL_WATCH.with(Cell::get);
  if now < w.low {
    w = ExternalWatch {
      low: now,
      next: now.saturating_add(GC_NUDGE_BYTES),
    };
  } else if now >= w.next {
    let threshold = GC_NUDGE_BYTES.max(heap_used(env));
    if now - w.low >= threshold {
      if adjust(GC_NUDGE_PULSE).is_some() {
        adjust(-GC_NUDGE_PULSE);
      }
      w = ExternalWatch {
        low: now,
        next: now.saturating_add(GC_NUDGE_BYTES),
      };
    } else {
      w.next = w.low.saturating_add(threshold);
    }
  }
  EXTERNAL_WATCH.with(|cell| cell.set(w));
}

/// Bytes of the JS heap in use (lib/streams.js's `heapUsed`); 0 if that fails.
fn heap_used(env: &Env) -> i64 {
  let used = || -> std::result::Result<f64, Failure> {
    let f: Function<(), f64> = crate::helpers::helper(env, "heapUsed")?;
    f.call(()).map_err(Failure::Js)
  };
  used().map_or(0, |n| n as i64)
}

/// The native side of a write stream: `open()`, `write(chunk)`, `finish()` and `abort()`.
fn write_handle<'e>(
  env: &'e Env,
  s: Storage,
  path: String,
  options: stowage_core::WriteOptions,
) -> Result<Object<'e>> {
  let slot: Arc<Mutex<Option<StorageWriter>>> = Arc::default();
  let mut handle = Object::new(env)?;
  let open_slot = slot.clone();
  method(env, &mut handle, "open", move |env, _| {
    let (s, path, slot) = (s.clone(), path.clone(), open_slot.clone());
    let options = options.clone();
    let fut = async move {
      let writer = s.open_write_with(&path, options).await?;
      *slot.lock().await = Some(writer);
      Ok(())
    };
    promise(env, fut, |_, v| Ok(v))
  })?;
  let write_slot = slot.clone();
  let spare = std::sync::Mutex::new(bytes::BytesMut::new());
  method(env, &mut handle, "write", move |env, ctx| {
    // Copied here, on the JS thread: the caller may reuse its buffer once the callback ran.
    let chunk: Either<BufferSlice, Unknown> = ctx
      .get(0)
      .map_err(|_| napi::Error::from_reason("write needs a chunk"))?;
    let data = match chunk {
      Either::A(buffer) => {
        let bytes: &[u8] = &buffer;
        let mut spare = spare.lock().unwrap_or_else(|e| e.into_inner());
        spare.reserve(bytes.len()); // reuses the last chunk's allocation once Rust dropped it
        spare.extend_from_slice(bytes);
        spare.split().freeze()
      }
      Either::B(other) => args::data(env, &other).map_err(|f| f.into_napi(env))?,
    };
    // The chunks of whatever Readable feeds this are garbage at the same rate as ours.
    collect_dead_chunks(env);
    let slot = write_slot.clone();
    let fut = async move {
      match slot.lock().await.as_mut() {
        Some(writer) => Ok(writer.write(data).await?),
        None => Err(closed()),
      }
    };
    promise(env, fut, |_, v| Ok(v))
  })?;
  let finish_slot = slot.clone();
  method(env, &mut handle, "finish", move |env, _| {
    let slot = finish_slot.clone();
    let fut = async move {
      match slot.lock().await.as_mut() {
        Some(writer) => Ok(writer.finish().await?),
        None => Err(closed()),
      }
    };
    promise(env, fut, |_, v| Ok(v))
  })?;
  // Drops what was written (no file, no temp file, no pending upload); a no-op after finish.
  method(env, &mut handle, "abort", move |env, _| {
    let slot = slot.clone();
    let fut = async move {
      let taken = slot.lock().await.take();
      match taken {
        Some(mut writer) => Ok(writer.abort().await?),
        None => Ok(()),
      }
    };
    promise(env, fut, |_, v| Ok(v))
  })?;
  Ok(handle)
}

fn closed() -> Failure {
  Failure::Storage(StorageError::new(
    ErrorKind::InvalidInput,
    "write stream is closed",
  ))
}

/// `createReadStream(path, { start, end, chunkSize, signal })`.
pub fn create_read_stream<'e>(
  env: &'e Env,
  s: &Storage,
  path: Unknown,
  options: Option<Unknown<'e>>,
) -> Result<Unknown<'e>> {
  let path = args::path("path", &path).map_err(|f| f.into_napi(env))?;
  let o = read_options(options).map_err(|f| f.into_napi(env))?;
  let handle = read_handle(env, s.clone(), path, o.range, o.chunk_size)?;
  make(env, "readStream", handle, o.signal)
}

/// `createWriteStream(path, { signal, ...WriteFileOptions })`.
pub fn create_write_stream<'e>(
  env: &'e Env,
  s: &Storage,
  path: Unknown,
  options: Option<Unknown<'e>>,
) -> Result<Unknown<'e>> {
  let path = args::path("path", &path).map_err(|f| f.into_napi(env))?;
  let signal = match options {
    Some(o) => option_signal(&o).map_err(|f| f.into_napi(env))?,
    None => None,
  };
  let write_options = crate::metadata::write_options(options.as_ref());
  let write_options = write_options.map_err(|f| f.into_napi(env))?;
  let handle = write_handle(env, s.clone(), path, write_options)?;
  make(env, "writeStream", handle, signal)
}

struct ReadOptions<'e> {
  range: ByteRange,
  chunk_size: usize,
  signal: Option<Unknown<'e>>,
}

fn read_options(options: Option<Unknown>) -> std::result::Result<ReadOptions, Failure> {
  let mut o = ReadOptions {
    range: ByteRange::default(),
    chunk_size: DEFAULT_CHUNK_SIZE,
    signal: None,
  };
  let Some(options) = options else {
    return Ok(o);
  };
  o.signal = option_signal(&options)?;
  let Some(obj) = args::options_object("options", &options)? else {
    return Ok(o);
  };
  let get = |name: &str| -> std::result::Result<Option<f64>, Failure> {
    let v: Unknown = obj
      .get_named_property(name)
      .map_err(|e| args::thrown(obj.value().env, e))?;
    match v.get_type().ok() {
      Some(ValueType::Undefined) | Some(ValueType::Null) => Ok(None),
      Some(ValueType::Number) => Ok(Some(
        v.coerce_to_number()
          .and_then(|n| n.get_double())
          .map_err(Failure::Js)?,
      )),
      _ => Err(Failure::Type(format!(
        "The \"options.{name}\" property must be of type number"
      ))),
    }
  };
  let whole = |name: &str, v: f64| match v >= 0.0 && v.fract() == 0.0 && v <= 2f64.powi(53) {
    true => Ok(v as u64),
    false => Err(invalid(format!(
      "options.{name} must be a non-negative integer (received {v})"
    ))),
  };
  if let Some(start) = get("start")? {
    o.range.start = whole("start", start)?;
  }
  if let Some(end) = get("end")?.filter(|e| *e != f64::INFINITY) {
    let end = whole("end", end)?;
    if end < o.range.start {
      return Err(invalid(format!(
        "options.end ({end}) must not be less than options.start ({})",
        o.range.start
      )));
    }
    o.range.end = Some(end);
  }
  if let Some(size) = get("chunkSize")? {
    let size = whole("chunkSize", size)?;
    if size == 0 || size > 1 << 30 {
      return Err(invalid(
        "options.chunkSize must be between 1 and 1 GiB".into(),
      ));
    }
    o.chunk_size = size as usize;
  }
  Ok(o)
}

fn invalid(message: String) -> Failure {
  Failure::Storage(StorageError::new(ErrorKind::InvalidInput, message))
}

/// `options.signal`, handed to Node's stream constructor (which checks it is an AbortSignal).
fn option_signal<'e>(options: &Unknown<'e>) -> std::result::Result<Option<Unknown<'e>>, Failure> {
  let Some(obj) = args::options_object("options", options)? else {
    return Ok(None);
  };
  let v: Unknown<'e> = obj
    .get_named_property("signal")
    .map_err(|e| args::thrown(obj.value().env, e))?;
  match v.get_type().ok() {
    Some(ValueType::Undefined) | Some(ValueType::Null) => Ok(None),
    Some(ValueType::Object) => Ok(Some(v)),
    _ => Err(Failure::Type(
      "The \"options.signal\" property must be an AbortSignal".into(),
    )),
  }
}
