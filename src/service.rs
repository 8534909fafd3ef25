//! `StorageService`: picks the provider by `STORAGE_TYPE` and forwards the ten operations to the
//! JS object `getProvider()` returns, so a `jest.spyOn` on that provider sees every call.

use std::collections::HashMap;

use napi::bindgen_prelude::*;
use napi::{Env, ValueType};
use napi_derive::napi;
use stowage_core::{Error as StorageError, ErrorKind};

use crate::args::{OptionTable, OptionType as T};
use crate::config::process_env;
use crate::errors::Failure;
use crate::providers::{ProviderClass, StorageType};
use stowage_core::config::VARIABLES;

/// `StorageServiceOptions`, from the provider table: its own options, a `providers` object with
/// a member per `StorageType`, and each provider's options under its key.
macro_rules! service_options {
  ($($kind:ident => $module:ident::$class:ident ($($key:ident)?),)*) => {
    const SERVICE_OPTIONS: OptionTable = &[&[
      ("storageType", T::String),
      ("config", T::ObjectWith(&[("get", T::RequiredFunction)])),
      ("env", T::Object),
      ("providers", T::ObjectWith(&[$((stringify!($kind), T::Object),)*])),
      $($((stringify!($key), T::Options(<crate::$module::$class as ProviderClass>::OPTIONS)),)?)*
      ("logger", T::Function),
    ]];
  };
}

provider_table!(service_options);

/// How the service creates one provider: from the options it was given for it, and its settings.
type Create = Box<dyn for<'e> Fn(&'e Env, &Settings) -> Result<Object<'e>>>;

/// The [`Create`] of a provider class, over the options given for it.
fn create_with<C: ProviderClass + JavaScriptClassExt>(options: C::Options) -> Create {
  Box::new(move |env, settings| {
    let provider = C::for_service(env, options.clone(), settings)?;
    Ok(provider.into_instance(env)?.as_object(env))
  })
}

/// Configuration values: from `config.get(name)` when given and set, else from `env` when given
/// (jest gives each test file its own copy of `process.env`, which native code cannot see),
/// else from the process environment.
#[derive(Debug, Default, Clone)]
pub(crate) struct Settings(HashMap<&'static str, String>);

impl Settings {
  fn read(config: Option<&Object>, env: Option<&Object>) -> Result<Self> {
    let mut values = HashMap::new();
    let get = match config {
      Some(c) => Some((c, c.get_named_property::<Function<String, Unknown>>("get")?)),
      None => None,
    };
    // `process` rows are read from the process environment only, where they are used.
    for name in VARIABLES
      .iter()
      .filter(|v| v.provider != "process")
      .map(|v| v.name)
    {
      let from_config = match &get {
        Some((config, get)) => text(get.apply(*config, name.to_string())?)?,
        None => None,
      };
      let from_env = match env {
        Some(env) => text(env.get_named_property(name)?)?,
        None => process_env(name).filter(|v| !v.is_empty()),
      };
      if let Some(value) = from_config.or(from_env) {
        values.insert(name, value);
      }
    }
    Ok(Settings(values))
  }

  pub fn get(&self, name: &str) -> Option<String> {
    self.0.get(name).cloned()
  }

  /// `provider`'s `option` from its variables.
  pub fn option(&self, provider: &str, option: &str) -> Option<String> {
    stowage_core::config::lookup(provider, option, |name| self.get(name))
  }
}

/// A config value as text; `undefined`, `null` and `""` are unset.
fn text(value: Unknown) -> Result<Option<String>> {
  match value.get_type()? {
    ValueType::Undefined | ValueType::Null => Ok(None),
    _ => {
      let s = value.coerce_to_string()?.into_utf8()?.into_owned()?;
      Ok(Some(s).filter(|s| !s.is_empty()))
    }
  }
}

/// The facade: one provider per `StorageType`, the default chosen by `STORAGE_TYPE` (or the
/// `storageType` option; an unknown value logs a warning and falls back to `LOCAL`). Each storage
/// method calls the same method of the provider `getProvider()` returns, so a `jest.spyOn` on that
/// provider sees the call.
#[napi(custom_finalize)]
pub struct StorageService {
  default_type: StorageType,
  settings: Settings,
  /// How each provider is created when first asked for.
  create: HashMap<StorageType, Create>,
  providers: HashMap<StorageType, ObjectRef<false>>,
}

#[napi]
impl StorageService {
  /// Options win over the configuration (`config`, then `env`, then the process environment).
  /// Providers are created when first asked for, so a LOCAL-only app needs no cloud settings. A
  /// wrong option type throws a `TypeError` (`ERR_INVALID_ARG_TYPE`) naming the option.
  #[napi(constructor, ts_args_type = "options?: StorageServiceOptions | null")]
  pub fn new(env: &Env, options: Option<Unknown>) -> Result<Self> {
    let options = match options {
      Some(o) => crate::args::check_options(&o, SERVICE_OPTIONS).map_err(|f| f.into_napi(env))?,
      None => None,
    };
    let get = |key: &str| -> Result<Option<Unknown>> {
      match &options {
        Some(o) => {
          let v: Unknown = o.get_named_property(key)?;
          Ok(match v.get_type()? {
            ValueType::Undefined | ValueType::Null => None,
            _ => Some(v),
          })
        }
        None => Ok(None),
      }
    };
    if let Some(logger) = get("logger")? {
      crate::logger::set_logger(env, logger)?;
    }
    let config = get("config")?.map(|c| c.coerce_to_object()).transpose()?;
    let env_object = get("env")?.map(|c| c.coerce_to_object()).transpose()?;
    let settings = Settings::read(config.as_ref(), env_object.as_ref())?;

    let mut providers = HashMap::new();
    if let Some(given) = get("providers")? {
      let given = given.coerce_to_object()?;
      for &kind in StorageType::ALL {
        let v: Unknown = given.get_named_property(kind.as_str())?;
        if v.get_type()? == ValueType::Object {
          providers.insert(kind, v.coerce_to_object()?.create_ref::<false>()?);
        }
      }
    }

    // Each provider's options object, converted as the provider's constructor converts it.
    fn provider_options<O: FromNapiValue + ValidateNapiValue + Default>(
      options: Option<&Object>,
      key: &str,
    ) -> Result<O> {
      match options {
        Some(o) => Ok(o.get_named_property::<Option<O>>(key)?.unwrap_or_default()),
        None => Ok(O::default()),
      }
    }
    macro_rules! given {
      () => {
        Default::default()
      };
      ($key:ident) => {
        provider_options(options.as_ref(), stringify!($key))?
      };
    }
    macro_rules! create {
      ($($kind:ident => $module:ident::$class:ident ($($key:ident)?),)*) => {
        HashMap::from([$((
          StorageType::$kind,
          create_with::<crate::$module::$class>(given!($($key)?)),
        ),)*])
      };
    }
    let create = provider_table!(create);

    let requested = match get("storageType")? {
      Some(v) => text(v)?,
      None => settings.option("StorageService", "storageType"),
    };
    let default_type = match requested.as_deref() {
      None => StorageType::LOCAL,
      Some(name) => StorageType::parse(name).unwrap_or_else(|| {
        tracing::warn!("Unknown STORAGE_TYPE \"{name}\", falling back to LOCAL");
        StorageType::LOCAL
      }),
    };
    Ok(StorageService {
      default_type,
      settings,
      create,
      providers,
    })
  }

  /// The provider `STORAGE_TYPE` chose.
  #[napi(getter)]
  pub fn default_type(&self) -> StorageType {
    self.default_type
  }

  /// The provider for `type` (default: `STORAGE_TYPE`'s), the same object every time. Throws a
  /// coded error naming the missing variables when that provider's configuration is incomplete.
  #[napi(
    ts_args_type = "type?: StorageType | `${StorageType}`",
    ts_return_type = "IExtendedStorageProvider"
  )]
  pub fn get_provider<'e>(&mut self, env: &'e Env, r#type: Option<Unknown>) -> Result<Object<'e>> {
    let kind = match r#type {
      None => self.default_type,
      Some(v) => match v.get_type()? {
        ValueType::Undefined | ValueType::Null => self.default_type,
        ValueType::String => {
          let name = v.coerce_to_string()?.into_utf8()?.into_owned()?;
          StorageType::parse(&name).ok_or_else(|| {
            let err = StorageError::new(
              ErrorKind::InvalidInput,
              format!("unknown storage type \"{name}\""),
            );
            Failure::Storage(err.with_context("getProvider", "", "StorageService")).into_napi(env)
          })?
        }
        _ => {
          return Err(
            Failure::Type("The \"type\" argument must be a StorageType".into()).into_napi(env),
          )
        }
      },
    };
    if let Some(existing) = self.providers.get(&kind) {
      return existing.get_value(env);
    }
    let created = self.create(env, kind)?;
    self.providers.insert(kind, created.create_ref::<false>()?);
    Ok(created)
  }

  fn create<'e>(&self, env: &'e Env, kind: StorageType) -> Result<Object<'e>> {
    (self.create[&kind])(env, &self.settings)
  }

  /// Calls `method` on the default provider's JS object with the arguments given.
  pub(crate) fn forward<'e>(
    &mut self,
    env: &'e Env,
    method: &str,
    args: &[Option<Unknown>],
  ) -> Result<Unknown<'e>> {
    let provider = self.get_provider(env, None)?;
    let f: Unknown = provider.get_named_property(method)?;
    if f.get_type()? != ValueType::Function {
      return Err(Failure::Type(format!("the provider has no method \"{method}\"")).into_napi(env));
    }
    // As many arguments as the caller gave (up to the last one given), as a spy records them.
    let count = args.iter().rposition(Option::is_some).map_or(0, |i| i + 1);
    let arg = |i: usize| match args[i] {
      Some(v) => Ok(v),
      None => ().into_unknown(env),
    };
    // A throw of the provider method stays pending and propagates as it is.
    match count {
      0 => provider
        .get_named_property::<Function<(), Unknown>>(method)?
        .apply(provider, ()),
      1 => provider
        .get_named_property::<Function<Unknown, Unknown>>(method)?
        .apply(provider, arg(0)?),
      2 => provider
        .get_named_property::<Function<FnArgs<(Unknown, Unknown)>, Unknown>>(method)?
        .apply(provider, (arg(0)?, arg(1)?).into()),
      _ => provider
        .get_named_property::<Function<FnArgs<(Unknown, Unknown, Unknown)>, Unknown>>(method)?
        .apply(provider, (arg(0)?, arg(1)?, arg(2)?).into()),
    }
  }

  /// Creates the directory and its parents on the default provider; fine when it exists.
  /// `EEXIST`/`ENOTDIR` when a file is in the way.
  #[napi(ts_args_type = "path: string", ts_return_type = "Promise<void>")]
  pub fn ensure_directory<'e>(
    &mut self,
    env: &'e Env,
    path: Option<Unknown>,
  ) -> Result<Unknown<'e>> {
    self.forward(env, "ensureDirectory", &[path])
  }

  /// `true` only for a directory (a file gives `false`); never rejects for a missing path.
  #[napi(ts_args_type = "path: string", ts_return_type = "Promise<boolean>")]
  pub fn directory_exists<'e>(
    &mut self,
    env: &'e Env,
    path: Option<Unknown>,
  ) -> Result<Unknown<'e>> {
    self.forward(env, "directoryExists", &[path])
  }

  /// Removes an empty directory, or the whole tree with `recursive` (stopped by `signal` with an
  /// AbortError). `ENOENT` unless `force`, `ENOTEMPTY` without `recursive`, `ENOTDIR` for a file.
  #[napi(
    ts_args_type = "path: string, options?: DeleteDirectoryOptions",
    ts_return_type = "Promise<void>"
  )]
  pub fn delete_directory<'e>(
    &mut self,
    env: &'e Env,
    path: Option<Unknown>,
    options: Option<Unknown>,
  ) -> Result<Unknown<'e>> {
    self.forward(env, "deleteDirectory", &[path, options])
  }

  /// Removes one file. `ENOENT` when missing, `EISDIR` for a directory; `ifMatch` removes only that
  /// version (`ECONFLICT` otherwise).
  #[napi(
    ts_args_type = "path: string, options?: DeleteFileOptions",
    ts_return_type = "Promise<void>"
  )]
  pub fn delete_file<'e>(
    &mut self,
    env: &'e Env,
    path: Option<Unknown>,
    options: Option<Unknown>,
  ) -> Result<Unknown<'e>> {
    self.forward(env, "deleteFile", &[path, options])
  }

  /// `true` only for a file (a directory gives `false`); never rejects for a missing path.
  #[napi(ts_args_type = "path: string", ts_return_type = "Promise<boolean>")]
  pub fn file_exists<'e>(&mut self, env: &'e Env, path: Option<Unknown>) -> Result<Unknown<'e>> {
    self.forward(env, "fileExists", &[path])
  }

  /// Names of the direct children of `dirPath` (files and directories), sorted by byte order; with
  /// `recursive`, every path under `dirPath` relative to it. `filter` keeps a name when it returns
  /// a truthy value. `ENOENT`, `ENOTDIR`.
  #[napi(
    ts_args_type = "dirPath: string, options?: ListFilesOptions",
    ts_return_type = "Promise<string[]>"
  )]
  pub fn list_files<'e>(
    &mut self,
    env: &'e Env,
    dir_path: Option<Unknown>,
    options: Option<Unknown>,
  ) -> Result<Unknown<'e>> {
    self.forward(env, "listFiles", &[dir_path, options])
  }

  /// `{ size, mtime, ctime }` of a file (`ctime`: the inode change time on LOCAL, the last
  /// modification elsewhere). `ENOENT`, `EISDIR`.
  #[napi(ts_args_type = "path: string", ts_return_type = "Promise<FileStats>")]
  pub fn get_file_stats<'e>(&mut self, env: &'e Env, path: Option<Unknown>) -> Result<Unknown<'e>> {
    self.forward(env, "getFileStats", &[path])
  }

  /// The whole file as a Buffer; with `{ start, end }` the bytes `start` to `end`, both inclusive
  /// (as `fs.createReadStream`). `ENOENT`, `EISDIR`.
  #[napi(
    ts_args_type = "path: string, options?: ReadFileOptions",
    ts_return_type = "Promise<Buffer>"
  )]
  pub fn read_file<'e>(
    &mut self,
    env: &'e Env,
    path: Option<Unknown>,
    options: Option<Unknown>,
  ) -> Result<Unknown<'e>> {
    self.forward(env, "readFile", &[path, options])
  }

  /// Writes a string (UTF-8) or the bytes of a Buffer, any TypedArray or a DataView (copied at the
  /// call), creating missing parents; replaces an existing file atomically. `EISDIR`, `ENOTDIR`; a
  /// `TypeError` for other types.
  #[napi(
    ts_args_type = "path: string, data: FileData, options?: WriteFileOptions",
    ts_return_type = "Promise<void>"
  )]
  pub fn write_file<'e>(
    &mut self,
    env: &'e Env,
    path: Option<Unknown>,
    data: Option<Unknown>,
    options: Option<Unknown>,
  ) -> Result<Unknown<'e>> {
    self.forward(env, "writeFile", &[path, data, options])
  }

  /// Deletes the files directly in `dirPath` (with `recursive`, at any depth) modified before
  /// `olderThan`; resolves how many. Sub-directories stay; a missing directory is 0; a file that
  /// fails is logged and skipped. `signal` stops it with an AbortError.
  #[napi(
    ts_args_type = "dirPath: string, olderThan: Date, options?: DeleteOldFilesOptions",
    ts_return_type = "Promise<number>"
  )]
  pub fn delete_old_files<'e>(
    &mut self,
    env: &'e Env,
    dir_path: Option<Unknown>,
    older_than: Option<Unknown>,
    options: Option<Unknown>,
  ) -> Result<Unknown<'e>> {
    self.forward(env, "deleteOldFiles", &[dir_path, older_than, options])
  }

  /// Removes the `.stowage-tmp-*` files that killed writes left under `dirPath` (any depth)
  /// modified before `olderThan` (default: an hour ago); resolves how many. 0 where writes leave no
  /// temp files (MEMORY, S3, Azure). Not part of `IStorageProvider`.
  #[napi(
    ts_args_type = "dirPath: string, olderThan?: Date",
    ts_return_type = "Promise<number>"
  )]
  pub fn cleanup_temp_files<'e>(
    &mut self,
    env: &'e Env,
    dir_path: Option<Unknown>,
    older_than: Option<Unknown>,
  ) -> Result<Unknown<'e>> {
    self.forward(env, "cleanupTempFiles", &[dir_path, older_than])
  }
}

impl ObjectFinalize for StorageService {
  fn finalize(self, env: Env) -> Result<()> {
    for (_, reference) in self.providers {
      reference.unref(&env)?;
    }
    Ok(())
  }
}
