//! The facade: validates paths once, calls the provider, attaches error context, logs, and owns
//! the semantics that are the same on every provider (sorting, filtering, retention). Its other
//! operations are in `storage_streams.rs`, `metadata_ops.rs`, `files.rs` and `retention.rs`;
//! nothing of the provider contract (`provider.rs`, `listing.rs`, `stream.rs`) imports from them.

use std::future::Future;
use std::sync::Arc;
use std::time::SystemTime;

use bytes::Bytes;

use crate::cancel::Cancel;
use crate::error::{Error, ErrorKind, Result};
use crate::listing::{ListEntry, Lister};
use crate::names::{Listed, NameBuf, NameList, NamePieces};
use crate::path::StoragePath;
use crate::provider::{DeleteDirectoryOptions, FileStats, ListDetail, Provider};

/// What the facade logs for an operation: the success line (debug) and the failure prefix (error).
pub(crate) struct Op {
  pub(crate) name: &'static str,
  pub(crate) done: Option<&'static str>,
  pub(crate) failed: &'static str,
}

const ENSURE_DIRECTORY: Op = Op {
  name: "ensureDirectory",
  done: Some("Directory ensured"),
  failed: "Failed to ensure directory",
};
const DIRECTORY_EXISTS: Op = Op {
  name: "directoryExists",
  done: None,
  failed: "Failed to check directory",
};
pub(crate) const DELETE_DIRECTORY: Op = Op {
  name: "deleteDirectory",
  done: Some("Directory deleted"),
  failed: "Failed to delete directory",
};
pub(crate) const DELETE_FILE: Op = Op {
  name: "deleteFile",
  done: Some("File deleted"),
  failed: "Failed to delete file",
};
const FILE_EXISTS: Op = Op {
  name: "fileExists",
  done: None,
  failed: "Failed to check file",
};
const LIST_FILES: Op = Op {
  name: "listFiles",
  done: None,
  failed: "Failed to list files in",
};
pub(crate) const GET_FILE_STATS: Op = Op {
  name: "getFileStats",
  done: None,
  failed: "Failed to get file stats",
};
const READ_FILE: Op = Op {
  name: "readFile",
  done: None,
  failed: "Failed to read file",
};
pub(crate) const WRITE_FILE: Op = Op {
  name: "writeFile",
  done: Some("File written"),
  failed: "Failed to write file",
};
const CLEANUP_TEMP_FILES: Op = Op {
  name: "cleanupTempFiles",
  done: None,
  failed: "Failed to clean up temp files in",
};
pub(crate) const DELETE_OLD_FILES: Op = Op {
  name: "deleteOldFiles",
  done: None,
  failed: "Failed to delete old files in",
};

/// One provider behind the SPEC's ten operations. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Storage {
  provider: Arc<dyn Provider>,
  /// The provider's [`crate::Capabilities::runs_inline`], asked on every call by the binding.
  runs_inline: bool,
}

impl Storage {
  pub fn new(provider: impl Provider) -> Self {
    let runs_inline = provider.capabilities().runs_inline;
    Storage {
      provider: Arc::new(provider),
      runs_inline,
    }
  }

  /// The provider itself, for facade code in other modules (streams, transfer).
  pub(crate) fn provider_arc(&self) -> &Arc<dyn Provider> {
    &self.provider
  }

  /// See [`crate::Capabilities::runs_inline`].
  pub fn runs_inline(&self) -> bool {
    self.runs_inline
  }

  /// `LOCAL`, `MEMORY`, `S3` or `AZURE_BLOB`.
  pub fn provider_name(&self) -> &'static str {
    self.provider.name()
  }

  pub async fn ensure_directory(&self, path: &str) -> Result<()> {
    self
      .run(&ENSURE_DIRECTORY, path, |p, path| async move {
        p.ensure_directory(&path).await
      })
      .await
  }

  pub async fn directory_exists(&self, path: &str) -> Result<bool> {
    self
      .run(&DIRECTORY_EXISTS, path, |p, path| async move {
        p.directory_exists(&path).await
      })
      .await
  }

  pub async fn delete_directory(&self, path: &str, options: DeleteDirectoryOptions) -> Result<()> {
    self
      .run(&DELETE_DIRECTORY, path, |p, path| async move {
        if path.is_root() {
          return Err(Error::new(
            ErrorKind::PermissionDenied,
            "refusing to delete the storage root",
          ));
        }
        p.delete_directory(&path, options, &Cancel::default()).await
      })
      .await
  }

  pub async fn delete_file(&self, path: &str) -> Result<()> {
    self
      .run(&DELETE_FILE, path, |p, path| async move {
        p.delete_file(&path).await
      })
      .await
  }

  pub async fn file_exists(&self, path: &str) -> Result<bool> {
    self
      .run(&FILE_EXISTS, path, |p, path| async move {
        p.file_exists(&path).await
      })
      .await
  }

  /// Names of the direct children, files and directories, sorted by name (byte order).
  /// Filtering with a caller's predicate happens above, where the predicate lives.
  pub async fn list_files(&self, path: &str) -> Result<Vec<String>> {
    self
      .run(&LIST_FILES, path, |p, path| async move {
        let entries = p.list_dir(&path, ListDetail::Names).await?;
        let names: Vec<String> = entries.into_iter().map(|e| e.name).collect();
        Ok(crate::names::sorted_by(names, |a, b| a.cmp(b)))
      })
      .await
  }

  /// [`Storage::list_files`] for a caller that builds its list while the directory is read:
  /// where the provider lists compactly (LOCAL), the names go to `pieces` as they are found
  /// (NUL-joined, in the order found, [`crate::names::PIECE_NAMES`] at a time), and once any
  /// did, the rest follow as one more piece before the sort, and the result is
  /// [`Listed::Order`]: the order of them all. A shorter listing, or another provider's, is
  /// [`Listed::Sorted`], and nothing went to `pieces`.
  pub async fn list_names_in_pieces(&self, path: &str, pieces: NamePieces) -> Result<Listed> {
    self
      .run(&LIST_FILES, path, |p, path| async move {
        if let Some(listing) = p.capabilities().name_listing {
          let mut names = listing
            .list_names(&path, NameBuf::with_pieces(pieces))
            .await?;
          if names.sent() == 0 {
            return Ok(Listed::Sorted(names.sorted()));
          }
          // The rest goes out first: the JS thread takes it in while the names are sorted here.
          names.flush();
          return Ok(Listed::Order(names.order()));
        }
        let entries = p.list_dir(&path, ListDetail::Names).await?;
        Ok(Listed::Sorted(NameList::from_names(
          entries.into_iter().map(|e| e.name).collect(),
        )))
      })
      .await
  }

  pub async fn get_file_stats(&self, path: &str) -> Result<FileStats> {
    self
      .run(&GET_FILE_STATS, path, |p, path| async move {
        p.get_file_stats(&path).await
      })
      .await
  }

  pub async fn read_file(&self, path: &str) -> Result<Bytes> {
    self
      .run(&READ_FILE, path, |p, path| async move {
        p.read_file(&path).await
      })
      .await
  }

  pub async fn write_file(&self, path: &str, data: Bytes) -> Result<()> {
    self
      .run(&WRITE_FILE, path, |p, path| async move {
        if path.is_root() {
          return Err(Error::of(ErrorKind::IsADirectory));
        }
        p.write_file(&path, data).await
      })
      .await
  }

  /// Deletes the files directly in `dir` modified before `older_than`; sub-directories stay.
  /// A missing directory deletes nothing. A file that fails is logged and skipped.
  pub async fn delete_old_files(&self, dir: &str, older_than: SystemTime) -> Result<u32> {
    let options = crate::retention::DeleteOldFilesOptions::default();
    self.delete_old_files_with(dir, older_than, options).await
  }

  /// Removes leftover temp files of interrupted writes under `dir` modified before `older_than`.
  pub async fn cleanup_temp_files(&self, dir: &str, older_than: SystemTime) -> Result<u32> {
    self
      .run(&CLEANUP_TEMP_FILES, dir, |p, dir| async move {
        let removed = p.cleanup_temp_files(&dir, older_than).await?;
        if removed > 0 {
          tracing::debug!(
            path = dir.as_str(),
            "Removed {removed} leftover temp files under {}",
            dir.as_str()
          );
        }
        Ok(removed)
      })
      .await
  }

  /// Validates `raw`, runs `f`, and gives every error its context and a log line.
  pub(crate) async fn run<'a, T, F, Fut>(&'a self, op: &Op, raw: &str, f: F) -> Result<T>
  where
    F: FnOnce(&'a dyn Provider, StoragePath) -> Fut,
    Fut: Future<Output = Result<T>> + 'a,
  {
    let provider = self.provider.name();
    let result = match StoragePath::parse(raw, self.provider.path_rules()) {
      Ok(path) => f(self.provider.as_ref(), path).await,
      Err(e) => Err(e),
    };
    match result {
      Ok(value) => {
        if let Some(done) = op.done {
          tracing::debug!(operation = op.name, provider, path = raw, "{done}: {raw}");
        }
        Ok(value)
      }
      Err(e) => {
        let e = e.with_context(op.name, raw, provider);
        log_failure(
          op.name,
          provider,
          raw,
          &e,
          format_args!("{} {raw}", op.failed),
        );
        Err(e)
      }
    }
  }
}

const LIST: Op = Op {
  name: "list",
  done: None,
  failed: "Failed to list",
};

/// A listing with the facade's error context and logging on every page.
pub struct Listing {
  inner: Box<dyn Lister>,
  path: String,
  provider: &'static str,
}

impl Listing {
  /// The next page, or `None` once done. Errors carry `operation: "list"` and the listed path.
  pub async fn next_page(&mut self) -> Result<Option<Vec<ListEntry>>> {
    self.inner.next_page().await.map_err(|e| {
      let e = e.with_context(LIST.name, &self.path, self.provider);
      let what = format_args!("{} {}", LIST.failed, self.path);
      log_failure(LIST.name, self.provider, &self.path, &e, what);
      e
    })
  }
}

impl Storage {
  /// The entries under `dir` (with `recursive`, its whole tree), page by page.
  pub async fn list(&self, dir: &str, recursive: bool) -> Result<Listing> {
    let inner = self
      .run(&LIST, dir, |p, dir| async move {
        p.lister(&dir, recursive).await
      })
      .await?;
    Ok(Listing {
      inner,
      path: dir.to_string(),
      provider: self.provider_name(),
    })
  }

  /// Every file and directory under `dir`, at any depth: paths relative to `dir`, `/`-separated,
  /// sorted (byte order).
  pub async fn list_files_recursive(&self, dir: &str) -> Result<Vec<String>> {
    self
      .run(&LIST_FILES, dir, |p, dir| async move {
        let mut lister = p.lister(&dir, true).await?;
        let mut paths = Vec::new();
        while let Some(page) = lister.next_page().await? {
          paths.extend(page.into_iter().map(|e| e.path));
        }
        paths.sort_unstable();
        Ok(paths)
      })
      .await
  }
}

/// Logs a failed operation as `<what>: <reason>`: at `error`, except a missing path (`ENOENT`),
/// which many callers meet as an ordinary answer (a file already deleted, a read of a file not
/// there yet) and which is logged at `debug`. The caller gets the error either way.
pub(crate) fn log_failure(
  operation: &str,
  provider: &str,
  path: &str,
  e: &Error,
  what: std::fmt::Arguments,
) {
  let code = e.code();
  let reason = e.reason();
  if e.kind() == ErrorKind::NotFound {
    tracing::debug!(operation, provider, path, code, "{what}: {reason}");
  } else {
    tracing::error!(operation, provider, path, code, "{what}: {reason}");
  }
}
