//! The ten operations as the JS classes expose them: check the arguments, run the core facade,
//! convert the result. Every provider class calls these, so the conversions live once.

use napi::bindgen_prelude::*;
use napi::{Env, JsValue, ValueType};
use napi_derive::napi;
use std::cell::RefCell;
use std::rc::Rc;

use stowage_core::{Listed, NameList, NamePieces, Storage};

use crate::args::{self, DateValue};
use crate::errors::Failure;
use crate::promise::{on, reject, run, spawn};

/// What `getFileStats` resolves to. May grow fields; never loses these.
#[napi(object, object_from_js = false)]
#[allow(dead_code)] // the type of index.d.ts; the values are built by `js::stats`
pub struct FileStats {
  /// Bytes.
  pub size: f64,
  /// Last modification.
  #[napi(ts_type = "Date")]
  pub mtime: DateValue,
  /// Inode change time on LOCAL (as `fs.stat` gives); the last modification on S3, Azure Blob,
  /// GCS (object_store does not expose an object's creation time) and MEMORY.
  #[napi(ts_type = "Date")]
  pub ctime: DateValue,
  /// The version `ifMatch` compares with: the service's ETag on S3, Azure Blob and GCS; on LOCAL a strong
  /// validator from device, inode, size and mtime (ns); on MEMORY a version number.
  pub etag: Option<String>,
  /// The stored MIME type; where none was stored, guessed from the name. Always set by Stowage's
  /// providers (optional so that objects passed as `providers` need not have it).
  pub content_type: Option<String>,
  /// Present when set by the write.
  pub cache_control: Option<String>,
  /// Present when set by the write.
  pub content_disposition: Option<String>,
  /// Present when set by the write.
  pub content_encoding: Option<String>,
  /// Present when set by the write.
  pub content_language: Option<String>,
  /// User metadata (keys lowercased), present when any is stored.
  pub metadata: Option<std::collections::HashMap<String, String>>,
}

/// Checks the arguments with `check`; a failure rejects the returned promise.
macro_rules! checked {
  ($env:expr, $check:expr) => {
    match $check {
      Ok(value) => value,
      Err(failure) => return reject($env, failure),
    }
  };
}

pub fn ensure_directory<'e>(
  env: &'e Env,
  s: &Storage,
  path: Unknown,
) -> Result<PromiseRaw<'e, ()>> {
  let path = checked!(env, args::path("path", &path));
  run(
    env,
    s,
    move |s| async move { Ok(s.ensure_directory(&path).await?) },
    |_, v| Ok(v),
  )
}

pub fn directory_exists<'e>(
  env: &'e Env,
  s: &Storage,
  path: Unknown,
) -> Result<PromiseRaw<'e, bool>> {
  let path = checked!(env, args::path("path", &path));
  run(
    env,
    s,
    move |s| async move { Ok(s.directory_exists(&path).await?) },
    |_, v| Ok(v),
  )
}

pub fn delete_file<'e>(
  env: &'e Env,
  s: &Storage,
  path: Unknown,
  options: Option<Unknown>,
) -> Result<PromiseRaw<'e, ()>> {
  let path = checked!(env, args::path("path", &path));
  let if_match = checked!(env, crate::metadata::delete_condition(options.as_ref()));
  run(
    env,
    s,
    move |s| async move {
      match if_match {
        Some(etag) => s.delete_file_if_match(&path, etag).await?,
        None => s.delete_file(&path).await?,
      }
      Ok(())
    },
    |_, v| Ok(v),
  )
}

pub fn file_exists<'e>(env: &'e Env, s: &Storage, path: Unknown) -> Result<PromiseRaw<'e, bool>> {
  let path = checked!(env, args::path("path", &path));
  run(
    env,
    s,
    move |s| async move { Ok(s.file_exists(&path).await?) },
    |_, v| Ok(v),
  )
}

/// Lists in Rust, then applies the caller's `filter` on the JS thread (it is a JS function).
/// A filter that throws rejects with what it threw; its result counts by truthiness, as in
/// `Array.prototype.filter`.
///
/// A long LOCAL listing comes in pieces while the directory is read: each piece of names is
/// split and put through the filter on the JS thread as it arrives, the kept names gathered in
/// one array, while the kernel reads on; the end brings the order by name (`Listed::Order`), in
/// which the kept names are returned (as gathered when they came in that order). So the strings
/// are made and filtered alongside the reading instead of after it, and the filter sees the
/// names in no particular order.
pub fn list_files<'e>(
  env: &'e Env,
  s: &Storage,
  path: Unknown,
  options: Option<Unknown>,
) -> Result<PromiseRaw<'e, crate::js::JsValue>> {
  let path = checked!(env, args::path("dirPath", &path));
  let (filter, recursive) = match options {
    Some(o) => checked!(env, filter_of(&o)),
    None => (None, false),
  };
  if recursive {
    return run(
      env,
      s,
      move |s| async move { Ok(s.list_files_recursive(&path).await?) },
      move |env, names| crate::js::to_js(env, names, borrowed(env, filter.as_ref())?),
    );
  }
  // The filter goes with the gathered names: the pieces go through it as they arrive.
  let gathered = Rc::new(RefCell::new((crate::js::Gathered::default(), filter)));
  let pieces = gathered.clone();
  let s = s.clone();
  crate::dispatch::submit_with_progress(
    env,
    on(&s),
    move |progress| async move {
      let pieces: NamePieces = Box::new(move |piece: String| progress.send(piece));
      // A failure too goes to the end below, which lets go of what the pieces gathered.
      Ok(s.list_names_in_pieces(&path, pieces).await)
    },
    move |env, piece: String| {
      let (gathered, filter) = &mut *pieces.borrow_mut();
      match borrowed(env, filter.as_ref()) {
        Ok(filter) => crate::js::append_piece(env, gathered, &piece, filter),
        Err(failure) => gathered.fail(env, failure),
      }
    },
    move |env, listed| {
      let (gathered, filter) = gathered.take();
      match listed.map_err(Failure::from) {
        Err(failure) => Err(gathered.abandon(env, failure)),
        // The pieces went through the filter already.
        Ok(Listed::Order(order)) => crate::js::assemble(env, gathered, &order),
        Ok(Listed::Sorted(NameList::Joined { joined, .. })) => {
          crate::js::joined_to_js(env, joined, borrowed(env, filter.as_ref())?)
        }
        Ok(Listed::Sorted(NameList::Names(names))) => {
          crate::js::to_js(env, names, borrowed(env, filter.as_ref())?)
        }
      }
    },
  )
}

type Filter = FunctionRef<String, Unknown<'static>>;

/// The filter, back on the JS thread.
fn borrowed<'e>(
  env: &'e Env,
  filter: Option<&Filter>,
) -> std::result::Result<Option<Unknown<'e>>, Failure> {
  match filter {
    Some(f) => Ok(Some(f.borrow_back(env).map_err(Failure::Js)?.to_unknown())),
    None => Ok(None),
  }
}

/// `options.filter` and `options.recursive`.
fn filter_of(options: &Unknown) -> std::result::Result<(Option<Filter>, bool), Failure> {
  let Some(obj) = args::options_object("options", options)? else {
    return Ok((None, false));
  };
  let recursive = args::flag(&obj, "recursive")?;
  let value: Either<Function<String, Unknown<'static>>, Unknown> = obj
    .get_named_property("filter")
    .map_err(|e| args::thrown(obj.value().env, e))?;
  match value {
    Either::A(f) => Ok((Some(f.create_ref().map_err(Failure::Js)?), recursive)),
    Either::B(other) => match other.get_type().ok() {
      Some(ValueType::Undefined) | Some(ValueType::Null) => Ok((None, recursive)),
      _ => Err(Failure::Type(
        "The \"options.filter\" property must be a function".to_string(),
      )),
    },
  }
}

pub fn get_file_stats<'e>(
  env: &'e Env,
  s: &Storage,
  path: Unknown,
) -> Result<PromiseRaw<'e, crate::js::JsValue>> {
  let path = checked!(env, args::path("path", &path));
  run(
    env,
    s,
    move |s| async move { Ok(s.file_details(&path).await?) },
    |env, (st, details)| crate::js::stats(env, &st, &details),
  )
}

pub fn write_file<'e>(
  env: &'e Env,
  s: &Storage,
  path: Unknown,
  data: Unknown,
  options: Option<Unknown>,
) -> Result<PromiseRaw<'e, ()>> {
  let path = checked!(env, args::path("path", &path));
  let data = checked!(env, args::data_view(env, &data));
  let options = checked!(env, crate::metadata::write_options(options.as_ref()));
  if !options.is_plain() {
    let data = data.copied();
    return run(
      env,
      s,
      move |s| async move { Ok(s.write_file_with(&path, data, options).await?) },
      |_, v| Ok(v),
    );
  }
  match data {
    // Only where the write is local work (`runs_inline`: LOCAL, MEMORY) does the copy take about
    // as long as the write itself, so that overlapping the two pays; S3 and Azure wait on the
    // network and keep their own multipart path for a whole buffer.
    args::Data::Borrowed(view) if view.len() >= PIECEWISE_WRITE && s.runs_inline() => {
      write_in_pieces(env, s, path, view)
    }
    data => {
      let data = data.copied();
      run(
        env,
        s,
        move |s| async move { Ok(s.write_file(&path, data).await?) },
        |_, v| Ok(v),
      )
    }
  }
}

/// From this size on, `writeFile` on LOCAL and MEMORY writes a buffer from both ends
/// (`both_ends`).
const PIECEWISE_WRITE: usize = 32 << 20;

/// A large buffer's `writeFile`: the write starts at once, taking its pieces straight from the
/// caller's buffer while this (JS) thread waits, copying from the back when the write falls
/// behind (`both_ends`). Returns once nothing of the caller's buffer is still to be read, as with
/// any `writeFile`; a write that fails early stops the copying.
fn write_in_pieces<'e>(
  env: &'e Env,
  s: &Storage,
  path: String,
  view: &[u8],
) -> Result<PromiseRaw<'e, ()>> {
  crate::both_ends::from_both_ends(view, |pieces| {
    // On the pool (`run`), so that every piece is one `write` in place, with no hand-off to a
    // blocking thread between pieces.
    run(
      env,
      s,
      move |s| async move { Ok(s.write_file_in_pieces(&path, pieces).await?) },
      |_, v| Ok(v),
    )
  })
}

/// Removes the temp files (`.stowage\x7ftmp-*`) that interrupted writes left under `dirPath` (at any depth),
/// last modified before `olderThan` (default: an hour ago). Resolves how many it removed.
pub fn cleanup_temp_files<'e>(
  env: &'e Env,
  s: &Storage,
  path: Unknown,
  older_than: Option<Unknown>,
) -> Result<PromiseRaw<'e, u32>> {
  let path = checked!(env, args::path("dirPath", &path));
  let cutoff = match older_than {
    Some(v) if !matches!(v.get_type(), Ok(ValueType::Undefined)) => {
      checked!(env, args::date("olderThan", &v))
    }
    _ => std::time::SystemTime::now() - std::time::Duration::from_secs(3600),
  };
  let s = s.clone();
  spawn(
    env,
    async move { Ok(s.cleanup_temp_files(&path, cutoff).await?) },
    |_, v| Ok(v),
  )
}
