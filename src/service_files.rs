//! `StorageService` forwards the operations beyond SPEC's ten like the ten: to the JS methods of
//! the provider `getProvider()` returns, so a `jest.spyOn` on that provider sees them.

use napi::bindgen_prelude::*;
use napi::Env;
use napi_derive::napi;

use crate::service::StorageService;

#[napi]
impl StorageService {
  /// Copies the file `src` to `dest` (parents created, `dest` replaced atomically; server-side on
  /// S3 and Azure). `ENOENT`, `EISDIR`, `ENOTDIR`.
  #[napi(
    ts_args_type = "src: string, dest: string, options?: WriteFileOptions",
    ts_return_type = "Promise<void>"
  )]
  pub fn copy_file<'e>(
    &mut self,
    env: &'e Env,
    src: Option<Unknown>,
    dest: Option<Unknown>,
    options: Option<Unknown>,
  ) -> Result<Unknown<'e>> {
    self.forward(env, "copyFile", &[src, dest, options])
  }

  /// Moves the file `src` to `dest`: a rename on LOCAL and MEMORY; a copy, then a delete, on S3 and
  /// Azure (not atomic there). `ENOENT`, `EISDIR`, `ENOTDIR`.
  #[napi(
    ts_args_type = "src: string, dest: string",
    ts_return_type = "Promise<void>"
  )]
  pub fn move_file<'e>(
    &mut self,
    env: &'e Env,
    src: Option<Unknown>,
    dest: Option<Unknown>,
  ) -> Result<Unknown<'e>> {
    self.forward(env, "moveFile", &[src, dest])
  }

  /// The lowercase hex digest of the file (`'sha256'`, the default, or `'md5'`), computed while it
  /// streams by. `ENOENT`, `EISDIR`, `EINVAL` for other algorithms.
  #[napi(
    ts_args_type = "path: string, algorithm?: ChecksumAlgorithm",
    ts_return_type = "Promise<string>"
  )]
  pub fn checksum<'e>(
    &mut self,
    env: &'e Env,
    path: Option<Unknown>,
    algorithm: Option<Unknown>,
  ) -> Result<Unknown<'e>> {
    self.forward(env, "checksum", &[path, algorithm])
  }

  /// The entries under `dirPath` (with `recursive`, its whole tree) as an async iterator of `{
  /// path, size, mtime, isDirectory }`, read a page of up to 1,000 at a time; in the provider's
  /// order, not sorted.
  #[napi(
    ts_args_type = "dirPath: string, options?: ListOptions",
    ts_return_type = "AsyncIterableIterator<ListEntry>"
  )]
  pub fn list<'e>(
    &mut self,
    env: &'e Env,
    dir_path: Option<Unknown>,
    options: Option<Unknown>,
  ) -> Result<Unknown<'e>> {
    self.forward(env, "list", &[dir_path, options])
  }
}
