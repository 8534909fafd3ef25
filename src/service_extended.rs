//! `StorageService` forwards the operations beyond SPEC's ten like the ten: to the JS methods of
//! the provider `getProvider()` returns, so a `jest.spyOn` on that provider sees them.

use napi::bindgen_prelude::*;
use napi::Env;
use napi_derive::napi;

use crate::service::StorageService;

#[napi]
impl StorageService {
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
