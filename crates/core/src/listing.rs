//! Listings as providers give them, page by page (`list`, recursive `listFiles`, recursive
//! `deleteOldFiles`), so a tree of a million files never sits in memory at once.

use std::time::SystemTime;

use async_trait::async_trait;

use crate::error::Result;

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
