//! `list(dir, { recursive })`: an async iterator over `{ path, size, mtime, isDirectory }`, fed
//! page by page by a `StorageListing`; and `listFiles(dir, { recursive: true })`.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use napi::bindgen_prelude::*;
use napi::Env;
use napi_derive::napi;
use stowage_core::{ListEntry, Listing, Storage};
use tokio::sync::Mutex;

use crate::args::{self, DateValue};
use crate::errors::Failure;
use crate::promise::{reject, spawn};

/// One entry of `list()`.
#[napi(object, js_name = "ListEntry", object_from_js = false)]
pub struct ListEntryObject {
  /// Relative to the listed directory, `/`-separated.
  pub path: String,
  /// Bytes; 0 for a directory.
  pub size: f64,
  /// Last modification of a file; `null` for a directory.
  #[napi(ts_type = "Date | null")]
  pub mtime: Either<DateValue, Null>,
  pub is_directory: bool,
  /// The file's ETag where the listing gives it without another request (S3, Azure, MEMORY); absent on LOCAL and for directories.
  pub etag: Option<String>,
}

impl From<ListEntry> for ListEntryObject {
  fn from(e: ListEntry) -> Self {
    ListEntryObject {
      path: e.path,
      size: e.size as f64,
      mtime: match e.mtime {
        Some(t) => Either::A(DateValue::from(t)),
        None => Either::B(Null),
      },
      is_directory: e.is_dir,
      etag: e.etag,
    }
  }
}

enum State {
  /// Not started: the first page opens the listing (and reports a missing directory).
  Ready {
    storage: Storage,
    path: String,
    recursive: bool,
  },
  Open(Listing),
  Done,
}

/// The pages under a `list()` iterator. `nextPage()` resolves up to 1,000 entries, or `null` at
/// the end; `close()` ends the listing early.
#[napi]
pub struct StorageListing {
  state: Arc<Mutex<State>>,
  closed: Arc<AtomicBool>,
  /// An argument error, reported by the first `nextPage()`.
  failure: Option<Failure>,
}

#[napi]
impl StorageListing {
  #[napi(ts_return_type = "Promise<ListEntry[] | null>")]
  pub fn next_page<'e>(
    &mut self,
    env: &'e Env,
  ) -> Result<PromiseRaw<'e, Option<Vec<ListEntryObject>>>> {
    if let Some(failure) = self.failure.take() {
      self.closed.store(true, Ordering::Relaxed);
      return reject(env, failure);
    }
    let (state, closed) = (self.state.clone(), self.closed.clone());
    spawn(
      env,
      async move {
        let mut state = state.lock().await;
        if closed.load(Ordering::Relaxed) {
          *state = State::Done;
        }
        if let State::Ready {
          storage,
          path,
          recursive,
        } = &*state
        {
          let listing = storage.list(path, *recursive).await;
          *state = State::Done;
          *state = State::Open(listing?);
        }
        let State::Open(listing) = &mut *state else {
          return Ok(None);
        };
        let page = listing.next_page().await;
        if !matches!(page, Ok(Some(_))) {
          *state = State::Done; // finished or failed: let go of what the listing holds
        }
        Ok(page?)
      },
      |_, page| Ok(page.map(|entries| entries.into_iter().map(ListEntryObject::from).collect())),
    )
  }

  /// Ends the listing; what it holds open is released with the next page request or at once.
  #[napi]
  pub fn close(&self) {
    self.closed.store(true, Ordering::Relaxed);
    if let Ok(mut state) = self.state.try_lock() {
      *state = State::Done;
    }
  }
}

pub fn list<'e>(
  env: &'e Env,
  s: &Storage,
  dir: Unknown,
  options: Option<Unknown>,
) -> Result<Unknown<'e>> {
  let parsed = args::path("dirPath", &dir).and_then(|path| {
    let recursive = match &options {
      Some(o) => match args::options_object("options", o)? {
        Some(obj) => args::flag(&obj, "recursive")?,
        None => false,
      },
      None => false,
    };
    Ok((path, recursive))
  });
  let (state, failure) = match parsed {
    Ok((path, recursive)) => (
      State::Ready {
        storage: s.clone(),
        path,
        recursive,
      },
      None,
    ),
    Err(failure) => (State::Done, Some(failure)),
  };
  let pager = StorageListing {
    state: Arc::new(Mutex::new(state)),
    closed: Arc::new(AtomicBool::new(false)),
    failure,
  }
  .into_instance(env)?;
  // lib/list.js's `listEntries`: `return()` (a `break` out of `for await`) closes the listing.
  let iterate: Function<ClassInstance<StorageListing>, Unknown> =
    crate::helpers::helper(env, "listEntries").map_err(|f| f.into_napi(env))?;
  iterate.call(pager)
}
