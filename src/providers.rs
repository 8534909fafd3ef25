//! The provider classes JavaScript sees. Each wraps one core `Storage`; the ten methods are the
//! same for all of them and come from `storage_methods!`, which forwards to `ops`.

use std::path::PathBuf;

use napi::bindgen_prelude::*;
use napi::Env;
use napi_derive::napi;
use stowage_core::{LocalOptions, LocalProvider, MemoryProvider, Storage};

use crate::args::{OptionTable, OptionType as T};
use crate::errors::Failure;
use crate::ops;
use crate::service::Settings;

/// The provider table: one row per provider class, in `StorageType`'s order, as
/// `TYPE => module::Class (key)`: the class in `crate::module`, and `key` the
/// `StorageServiceOptions` field of its options (none for a provider without options).
/// `provider_table!(then)` hands the rows to the macro `then`. The rows make `StorageType`
/// (below), the provider `StorageService` creates, finds in `providers` and checks the options of
/// (service.rs), and the classes `transfer` takes (transfer.rs). What a row's class must say
/// itself is its [`ProviderClass`] implementation, next to the class.
macro_rules! provider_table {
  ($then:ident) => {
    $then! {
      LOCAL => providers::LocalStorageProvider (local),
      S3 => cloud::S3StorageProvider (s3),
      AZURE_BLOB => cloud::AzureBlobStorageProvider (azure),
      MEMORY => providers::MemoryStorageProvider (),
      GCS => cloud::GcsStorageProvider (gcs),
    }
  };
}

/// What `StorageService` and `transfer` need of a provider class beyond its napi class.
pub trait ProviderClass: Sized {
  /// Its options, as its constructor and `StorageServiceOptions` take them (`()` for none).
  type Options: Default + Clone + 'static;
  /// The options its constructor checks (`args::check_options`), also under its
  /// `StorageServiceOptions` key.
  const OPTIONS: OptionTable;
  /// An object store over the network, not a provider in the process (LOCAL, MEMORY): errors
  /// that list the provider classes name these after the others.
  const OBJECT_STORE: bool;
  /// The provider `StorageService` creates from its `options` under the service's key, unset
  /// ones filled from the service's configuration.
  fn for_service(env: &Env, options: Self::Options, settings: &Settings) -> Result<Self>;
}

/// `StorageType` from the provider table, with its names.
macro_rules! storage_type {
  ($($kind:ident => $module:ident::$class:ident ($($key:ident)?),)*) => {
    /// Which backend a provider talks to.
    #[napi(string_enum)]
    #[allow(non_camel_case_types, clippy::upper_case_acronyms)]
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub enum StorageType {
      $($kind,)*
    }

    impl StorageType {
      /// Every type, in the table's order.
      pub const ALL: &'static [StorageType] = &[$(StorageType::$kind,)*];

      pub fn as_str(self) -> &'static str {
        match self {
          $(StorageType::$kind => stringify!($kind),)*
        }
      }

      pub fn parse(value: &str) -> Option<Self> {
        match value {
          $(stringify!($kind) => Some(StorageType::$kind),)*
          _ => None,
        }
      }
    }
  };
}

provider_table!(storage_type);

/// The ten SPEC operations as Promise-returning methods, and the `type` getter.
macro_rules! storage_methods {
  ($class:ident, $kind:expr) => {
    #[napi]
    impl $class {
      /// Which backend this provider talks to.
      #[napi(getter, js_name = "type")]
      pub fn storage_type(&self) -> StorageType {
        $kind
      }

      /// Creates the directory and its parents; fine when it exists. `EEXIST`/`ENOTDIR` when a file is in the way.
      #[napi(ts_args_type = "path: string", ts_return_type = "Promise<void>")]
      pub fn ensure_directory<'e>(
        &self,
        env: &'e Env,
        path: Unknown,
      ) -> Result<PromiseRaw<'e, ()>> {
        ops::ensure_directory(env, &self.storage, path)
      }

      /// `true` only for a directory; never rejects for a missing path.
      #[napi(ts_args_type = "path: string", ts_return_type = "Promise<boolean>")]
      pub fn directory_exists<'e>(
        &self,
        env: &'e Env,
        path: Unknown,
      ) -> Result<PromiseRaw<'e, bool>> {
        ops::directory_exists(env, &self.storage, path)
      }

      /// Removes an empty directory, or the whole tree with `recursive` (stopped by `signal` with an AbortError). `ENOENT` unless `force`, `ENOTEMPTY`, `ENOTDIR`.
      #[napi(
        ts_args_type = "path: string, options?: DeleteDirectoryOptions",
        ts_return_type = "Promise<void>"
      )]
      pub fn delete_directory<'e>(
        &self,
        env: &'e Env,
        path: Unknown,
        options: Option<Unknown>,
      ) -> Result<PromiseRaw<'e, ()>> {
        crate::retention::delete_directory(env, &self.storage, path, options)
      }

      /// Removes one file. `ENOENT` when missing, `EISDIR` for a directory; with `ifMatch`, only that version (`ECONFLICT` otherwise).
      #[napi(
        ts_args_type = "path: string, options?: DeleteFileOptions",
        ts_return_type = "Promise<void>"
      )]
      pub fn delete_file<'e>(
        &self,
        env: &'e Env,
        path: Unknown,
        options: Option<Unknown>,
      ) -> Result<PromiseRaw<'e, ()>> {
        ops::delete_file(env, &self.storage, path, options)
      }

      /// `true` only for a file; never rejects for a missing path.
      #[napi(ts_args_type = "path: string", ts_return_type = "Promise<boolean>")]
      pub fn file_exists<'e>(&self, env: &'e Env, path: Unknown) -> Result<PromiseRaw<'e, bool>> {
        ops::file_exists(env, &self.storage, path)
      }

      /// Names of the direct children (files and directories), sorted; with `recursive`, every path under `dirPath` relative to it; `filter` keeps a name when it returns true.
      #[napi(
        ts_args_type = "dirPath: string, options?: ListFilesOptions",
        ts_return_type = "Promise<string[]>"
      )]
      pub fn list_files<'e>(
        &self,
        env: &'e Env,
        dir_path: Unknown,
        options: Option<Unknown>,
      ) -> Result<PromiseRaw<'e, crate::js::JsValue>> {
        ops::list_files(env, &self.storage, dir_path, options)
      }

      /// `{ size, mtime, ctime }` of a file. `ENOENT`, `EISDIR`.
      #[napi(ts_args_type = "path: string", ts_return_type = "Promise<FileStats>")]
      pub fn get_file_stats<'e>(
        &self,
        env: &'e Env,
        path: Unknown,
      ) -> Result<PromiseRaw<'e, crate::js::JsValue>> {
        ops::get_file_stats(env, &self.storage, path)
      }

      /// The whole file as a Buffer; with `{ start, end }` the bytes `start` to `end`, both inclusive (as `fs.createReadStream`). `ENOENT`, `EISDIR`.
      #[napi(
        ts_args_type = "path: string, options?: ReadFileOptions",
        ts_return_type = "Promise<Buffer>"
      )]
      pub fn read_file<'e>(
        &self,
        env: &'e Env,
        path: Unknown,
        options: Option<Unknown>,
      ) -> Result<PromiseRaw<'e, crate::files::FileBytes>> {
        crate::files::read_file(env, &self.storage, path, options)
      }

      /// Writes a string (UTF-8) or the bytes of a Buffer, any TypedArray or a DataView (copied at the call), creating missing parents; replaces an existing file atomically. `EISDIR`, `ENOTDIR`; a `TypeError` for other types. Options: content type, headers, metadata, `ifNoneMatch`/`ifMatch`.
      #[napi(
        ts_args_type = "path: string, data: FileData, options?: WriteFileOptions",
        ts_return_type = "Promise<void>"
      )]
      pub fn write_file<'e>(
        &self,
        env: &'e Env,
        path: Unknown,
        data: Unknown,
        options: Option<Unknown>,
      ) -> Result<PromiseRaw<'e, ()>> {
        ops::write_file(env, &self.storage, path, data, options)
      }

      /// Deletes the files directly in `dirPath` (with `recursive`, at any depth) modified before `olderThan`; resolves how many. A missing directory is 0. `signal` stops it with an AbortError.
      #[napi(
        ts_args_type = "dirPath: string, olderThan: Date, options?: DeleteOldFilesOptions",
        ts_return_type = "Promise<number>"
      )]
      pub fn delete_old_files<'e>(
        &self,
        env: &'e Env,
        dir_path: Unknown,
        older_than: Unknown,
        options: Option<Unknown>,
      ) -> Result<PromiseRaw<'e, u32>> {
        crate::retention::delete_old_files(env, &self.storage, dir_path, older_than, options)
      }

      /// Copies the file `src` to `dest` (parents created, `dest` replaced atomically), keeping its metadata unless options set new. `ENOENT`, `EISDIR`, `ENOTDIR`.
      #[napi(
        ts_args_type = "src: string, dest: string, options?: WriteFileOptions",
        ts_return_type = "Promise<void>"
      )]
      pub fn copy_file<'e>(
        &self,
        env: &'e Env,
        src: Unknown,
        dest: Unknown,
        options: Option<Unknown>,
      ) -> Result<PromiseRaw<'e, ()>> {
        crate::files::relocate(
          env,
          &self.storage,
          src,
          dest,
          crate::files::Relocation::Copy,
          options,
        )
      }

      /// Moves the file `src` to `dest`: a rename on LOCAL and MEMORY; copy, then delete, on S3, Azure and GCS (not atomic there).
      #[napi(
        ts_args_type = "src: string, dest: string",
        ts_return_type = "Promise<void>"
      )]
      pub fn move_file<'e>(
        &self,
        env: &'e Env,
        src: Unknown,
        dest: Unknown,
      ) -> Result<PromiseRaw<'e, ()>> {
        crate::files::relocate(
          env,
          &self.storage,
          src,
          dest,
          crate::files::Relocation::Move,
          None,
        )
      }

      /// The hex digest of the file (`'sha256'`, the default, or `'md5'`), computed while it streams by. `EINVAL` for other algorithms.
      #[napi(
        ts_args_type = "path: string, algorithm?: ChecksumAlgorithm",
        ts_return_type = "Promise<string>"
      )]
      pub fn checksum<'e>(
        &self,
        env: &'e Env,
        path: Unknown,
        algorithm: Option<Unknown>,
      ) -> Result<PromiseRaw<'e, String>> {
        crate::files::checksum(env, &self.storage, path, algorithm)
      }

      /// The entries under `dirPath` (with `recursive`, its whole tree) as an async iterator of `{ path, size, mtime, isDirectory }`, read a page at a time.
      #[napi(
        ts_args_type = "dirPath: string, options?: ListOptions",
        ts_return_type = "AsyncIterableIterator<ListEntry>"
      )]
      pub fn list<'e>(
        &self,
        env: &'e Env,
        dir_path: Unknown,
        options: Option<Unknown>,
      ) -> Result<Unknown<'e>> {
        crate::listing::list(env, &self.storage, dir_path, options)
      }

      /// A Node Readable of the file (or of bytes `start` to `end`, both inclusive, as in `fs.createReadStream`), read `chunkSize` bytes (default 1 MiB) per pull. `ENOENT`/`EISDIR` arrive as an `'error'` event.
      #[napi(
        ts_args_type = "path: string, options?: ReadStreamOptions",
        ts_return_type = "Readable"
      )]
      pub fn create_read_stream<'e>(
        &self,
        env: &'e Env,
        path: Unknown,
        options: Option<Unknown<'e>>,
      ) -> Result<Unknown<'e>> {
        crate::streams::create_read_stream(env, &self.storage, path, options)
      }

      /// A Node Writable that publishes the file when it finishes (atomically) and leaves nothing behind when destroyed or failed.
      #[napi(
        ts_args_type = "path: string, options?: WriteStreamOptions & WriteFileOptions",
        ts_return_type = "Writable"
      )]
      pub fn create_write_stream<'e>(
        &self,
        env: &'e Env,
        path: Unknown,
        options: Option<Unknown<'e>>,
      ) -> Result<Unknown<'e>> {
        crate::streams::create_write_stream(env, &self.storage, path, options)
      }

      /// A URL that allows `GET` or `PUT` of the file without credentials for `expiresIn` seconds (default 3600). S3, Azure Blob and GCS; `ENOTSUP` on LOCAL and MEMORY.
      #[napi(
        ts_args_type = "path: string, options?: SignedUrlOptions",
        ts_return_type = "Promise<string>"
      )]
      pub fn get_signed_url<'e>(
        &self,
        env: &'e Env,
        path: Unknown,
        options: Option<Unknown>,
      ) -> Result<PromiseRaw<'e, String>> {
        crate::signing::get_signed_url(env, &self.storage, path, options)
      }

      /// Removes the temp files (`.stowage\x7ftmp-*`) that killed writes left under `dirPath` (any depth) modified before `olderThan` (default: an hour ago); resolves how many. Always 0 where writes leave no temp files.
      #[napi(
        ts_args_type = "dirPath: string, olderThan?: Date",
        ts_return_type = "Promise<number>"
      )]
      pub fn cleanup_temp_files<'e>(
        &self,
        env: &'e Env,
        dir_path: Unknown,
        older_than: Option<Unknown>,
      ) -> Result<PromiseRaw<'e, u32>> {
        ops::cleanup_temp_files(env, &self.storage, dir_path, older_than)
      }
    }

    impl $class {
      /// The core storage behind this provider (for `transfer`).
      #[cfg_attr(test, allow(dead_code))]
      pub(crate) fn core_storage(&self) -> &Storage {
        &self.storage
      }
    }
  };
}

/// Options of `LocalStorageProvider`.
#[napi(object)]
#[derive(Clone, Debug, Default)]
pub struct LocalStorageOptions {
  /// Confine every path to this directory (created when missing). Default: its variable
  /// (`STORAGE_LOCAL_ROOT`, see `configurationVariables()`), else none.
  pub root: Option<String>,
  /// `fsync` each file before it replaces the old one: survives power loss, costs speed. Default `false`.
  pub fsync: Option<bool>,
}

/// The local filesystem, through `fs`-like paths; atomic writes.
#[napi]
pub struct LocalStorageProvider {
  storage: Storage,
  root: Option<String>,
  options: LocalStorageOptions,
}

#[napi]
impl LocalStorageProvider {
  #[napi(
    constructor,
    ts_args_type = "options?: LocalStorageOptions | undefined | null"
  )]
  pub fn new(env: &Env, options: Option<Unknown>) -> Result<Self> {
    let options: LocalStorageOptions =
      crate::args::constructor_options(env, options, Self::OPTIONS)
        .map_err(|f| f.into_napi(env))?;
    // An empty `root` is EINVAL (LocalProvider::new), never "no root"; an empty variable is unset.
    let root = match options.root {
      Some(root) => Some(root),
      None => stowage_core::config::from_env("LOCAL", "root"),
    };
    Self::create(root, options.fsync.unwrap_or(false)).map_err(|f| f.into_napi(env))
  }

  /// The options this provider runs with: `root` as given (or from its variable), `fsync`.
  #[napi(getter)]
  pub fn options(&self) -> LocalStorageOptions {
    self.options.clone()
  }

  /// The confining root directory (absolute, symbolic links resolved), or `null` without one.
  #[napi(getter)]
  pub fn root(&self) -> Option<String> {
    self.root.clone()
  }
}

impl LocalStorageProvider {
  pub fn create(root: Option<String>, fsync: bool) -> std::result::Result<Self, Failure> {
    let options = LocalStorageOptions {
      root: root.clone(),
      fsync: Some(fsync),
    };
    let provider = LocalProvider::new(LocalOptions {
      root: root.map(PathBuf::from),
      fsync,
    })?;
    let root = provider.root().map(|r| r.display().to_string());
    Ok(LocalStorageProvider {
      storage: Storage::new(provider),
      root,
      options,
    })
  }
}

impl ProviderClass for LocalStorageProvider {
  type Options = LocalStorageOptions;
  const OPTIONS: OptionTable = &[&[("root", T::String), ("fsync", T::Boolean)]];
  const OBJECT_STORE: bool = false;

  fn for_service(env: &Env, options: LocalStorageOptions, settings: &Settings) -> Result<Self> {
    let root = options.root.or_else(|| settings.option("LOCAL", "root"));
    Self::create(root, options.fsync.unwrap_or(false)).map_err(|f| f.into_napi(env))
  }
}

storage_methods!(LocalStorageProvider, StorageType::LOCAL);

/// Everything in memory, gone with the process: the provider for your own unit tests.
#[napi]
pub struct MemoryStorageProvider {
  storage: Storage,
}

#[napi]
impl MemoryStorageProvider {
  #[napi(constructor)]
  #[allow(clippy::new_without_default)]
  pub fn new() -> Self {
    MemoryStorageProvider {
      storage: Storage::new(MemoryProvider::new()),
    }
  }
}

impl ProviderClass for MemoryStorageProvider {
  type Options = ();
  const OPTIONS: OptionTable = &[];
  const OBJECT_STORE: bool = false;

  fn for_service(_env: &Env, _options: (), _settings: &Settings) -> Result<Self> {
    Ok(Self::new())
  }
}

storage_methods!(MemoryStorageProvider, StorageType::MEMORY);
