//! `StorageService` forwards streams, signed URLs and `transfer`'s provider methods like the ten:
//! to the JS methods of the provider `getProvider()` returns.

use napi::bindgen_prelude::*;
use napi::Env;
use napi_derive::napi;

use crate::service::StorageService;

#[napi]
impl StorageService {
  /// A Node Readable of the file (or of bytes `start` to `end`, both inclusive, as in
  /// `fs.createReadStream`), `chunkSize` bytes (default 1 MiB) per pull. `ENOENT`/`EISDIR` arrive
  /// as an `'error'` event.
  #[napi(
    ts_args_type = "path: string, options?: ReadStreamOptions",
    ts_return_type = "Readable"
  )]
  pub fn create_read_stream<'e>(
    &mut self,
    env: &'e Env,
    path: Option<Unknown>,
    options: Option<Unknown>,
  ) -> Result<Unknown<'e>> {
    self.forward(env, "createReadStream", &[path, options])
  }

  /// A Node Writable that publishes the file atomically when it finishes, and leaves nothing behind
  /// when destroyed, failed or aborted through `signal`.
  #[napi(
    ts_args_type = "path: string, options?: WriteStreamOptions & WriteFileOptions",
    ts_return_type = "Writable"
  )]
  pub fn create_write_stream<'e>(
    &mut self,
    env: &'e Env,
    path: Option<Unknown>,
    options: Option<Unknown>,
  ) -> Result<Unknown<'e>> {
    self.forward(env, "createWriteStream", &[path, options])
  }

  /// A URL that allows one `GET` or `PUT` of the file without credentials for `expiresIn` seconds
  /// (default 3600). S3 and Azure Blob; `ENOTSUP` on LOCAL and MEMORY.
  #[napi(
    ts_args_type = "path: string, options?: SignedUrlOptions",
    ts_return_type = "Promise<string>"
  )]
  pub fn get_signed_url<'e>(
    &mut self,
    env: &'e Env,
    path: Option<Unknown>,
    options: Option<Unknown>,
  ) -> Result<Unknown<'e>> {
    self.forward(env, "getSignedUrl", &[path, options])
  }
}
