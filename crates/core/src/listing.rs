//! Listings that come page by page (`list`, recursive `listFiles`, recursive `deleteOldFiles`),
//! so a tree of a million files never sits in memory at once.

use std::time::SystemTime;

use async_trait::async_trait;

use crate::error::Result;
use crate::storage::{log_failure, Op, Storage};

/// Entries a page holds at most (ListObjectsV2's page size).
pub const PAGE_SIZE: usize = 1000;

/// One file or directory met by a listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListEntry {
  /// Relative to the listed directory, `/`-separated.
  pub path: String,
  pub is_dir: bool,
  /// Bytes; 0 for a directory.
  pub size: u64,
  /// Last modification of a file; `None` for a directory.
  pub mtime: Option<SystemTime>,
  /// The file's ETag where the listing gives it without another request (S3, Azure, MEMORY);
  /// `None` for a directory and on LOCAL.
  pub etag: Option<String>,
}

impl ListEntry {
  pub fn dir(path: String) -> Self {
    ListEntry {
      path,
      is_dir: true,
      size: 0,
      mtime: None,
      etag: None,
    }
  }
}

/// A listing in progress. Providers yield in their own order (LOCAL: directory by directory, a
/// directory's entries before what follows it; object stores: key order per prefix).
#[async_trait]
pub trait Lister: Send {
  /// The next page of at most [`PAGE_SIZE`] entries, or `None` once the listing is done.
  async fn next_page(&mut self) -> Result<Option<Vec<ListEntry>>>;
}

/// `dir/name`, or `name` at the top.
pub fn join(dir: &str, name: &str) -> String {
  if dir.is_empty() {
    name.to_string()
  } else {
    format!("{dir}/{name}")
  }
}

const LIST: Op = Op {
  name: "list",
  done: None,
  failed: "Failed to list",
};
const LIST_FILES: Op = Op {
  name: "listFiles",
  done: None,
  failed: "Failed to list files in",
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
