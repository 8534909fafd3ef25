//! `deleteOldFiles(dir, olderThan, { recursive, signal })` and `deleteDirectory(dir, { recursive,
//! force, signal })`: the long deletes an AbortSignal can stop.

use napi::bindgen_prelude::*;
use napi::Env;
use stowage_core::{DeleteOldFilesOptions, Storage};

use crate::abort::{signal_of, spawn_until};
use crate::args;
use crate::promise::reject;

macro_rules! checked {
  ($env:expr, $check:expr) => {
    match $check {
      Ok(value) => value,
      Err(failure) => return reject($env, failure),
    }
  };
}

pub fn delete_old_files<'e>(
  env: &'e Env,
  s: &Storage,
  path: Unknown,
  older_than: Unknown,
  options: Option<Unknown>,
) -> Result<PromiseRaw<'e, u32>> {
  let path = checked!(env, args::path("dirPath", &path));
  let cutoff = checked!(env, args::date("olderThan", &older_than));
  let obj = match &options {
    Some(o) => checked!(env, args::options_object("options", o)),
    None => None,
  };
  let Some(obj) = obj else {
    let s = s.clone();
    return spawn_until(
      env,
      None,
      async move { Ok(s.delete_old_files(&path, cutoff).await?) },
      |_, v| Ok(v),
    );
  };
  let recursive = checked!(env, args::flag(&obj, "recursive"));
  let (cancel, subscription) = checked!(env, signal_of(env, &obj)).unzip();
  let options = DeleteOldFilesOptions { recursive, cancel };
  let s = s.clone();
  spawn_until(
    env,
    subscription.flatten(),
    async move { Ok(s.delete_old_files_with(&path, cutoff, options).await?) },
    |_, v| Ok(v),
  )
}

pub fn delete_directory<'e>(
  env: &'e Env,
  s: &Storage,
  path: Unknown,
  options: Option<Unknown>,
) -> Result<PromiseRaw<'e, ()>> {
  let path = checked!(env, args::path("path", &path));
  let (parsed, signal) = match &options {
    Some(o) => {
      let parsed = checked!(env, args::delete_directory_options(o));
      let signal = match checked!(env, args::options_object("options", o)) {
        // Last: once subscribed, the promise must settle to unsubscribe.
        Some(obj) => checked!(env, signal_of(env, &obj)),
        None => None,
      };
      (parsed, signal)
    }
    None => Default::default(),
  };
  let s = s.clone();
  match signal {
    None => spawn_until(
      env,
      None,
      async move { Ok(s.delete_directory(&path, parsed).await?) },
      |_, v| Ok(v),
    ),
    Some((cancel, subscription)) => spawn_until(
      env,
      subscription,
      async move { Ok(s.delete_directory_with(&path, parsed, cancel).await?) },
      |_, v| Ok(v),
    ),
  }
}
