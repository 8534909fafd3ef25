//! MEMORY's metadata: what a write stores with the bytes, a version number per write (its ETag),
//! and the conditions, checked under the same lock as the write itself (so they are atomic).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::SystemTime;

use bytes::Bytes;

use super::{check_parents, fail, kind_at, make_parents, Node};
use crate::error::{ErrorKind, Result};
use crate::metadata::{self, Condition, FileDetails, FileMetadata, WriteOptions};
use crate::path::StoragePath;
use crate::provider::FileStats;

/// What a file holds besides its bytes. Shared between a file and its moved self.
#[derive(Debug, PartialEq, Eq)]
pub struct Stored {
  pub metadata: FileMetadata,
  /// Unique per write in this process: the file's ETag.
  pub version: u64,
}

impl Stored {
  pub fn new(metadata: FileMetadata) -> Arc<Self> {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    Arc::new(Stored {
      metadata,
      version: NEXT.fetch_add(1, Ordering::Relaxed),
    })
  }

  /// A new version with the same metadata (a copy).
  pub fn renewed(&self) -> Arc<Self> {
    Stored::new(self.metadata.clone())
  }

  pub fn etag(&self) -> String {
    format!("\"{}\"", self.version)
  }
}

type Nodes = BTreeMap<String, Node>;

/// `ENOENT`, `EISDIR` or `ENOTDIR` for a key that holds no file.
fn not_a_file(nodes: &Nodes, path: &StoragePath) -> crate::error::Error {
  match kind_at(nodes, path.key()) {
    Some(true) => fail(ErrorKind::IsADirectory),
    _ => check_parents(nodes, path.key())
      .err()
      .unwrap_or_else(|| fail(ErrorKind::NotFound)),
  }
}

/// Fails unless `condition` holds for what is at `key` now.
fn check(nodes: &Nodes, key: &str, condition: &Condition) -> Result<()> {
  let current = match nodes.get(key) {
    Some(Node::File { meta, .. }) => Some(meta.etag()),
    _ => None,
  };
  match (condition, current) {
    (Condition::None, _) => Ok(()),
    (Condition::IfNoneMatch, Some(_)) => Err(metadata::exists()),
    (Condition::IfNoneMatch, None) => Ok(()),
    (Condition::IfMatch(want), Some(etag)) if *want == etag => Ok(()),
    (Condition::IfMatch(_), _) => Err(metadata::conflict()),
  }
}

pub fn write(
  nodes: &mut Nodes,
  path: &StoragePath,
  data: Bytes,
  options: &WriteOptions,
) -> Result<()> {
  let key = path.key();
  if kind_at(nodes, key) == Some(true) {
    return Err(fail(ErrorKind::IsADirectory));
  }
  check(nodes, key, &options.condition)?;
  make_parents(nodes, key)?;
  // Own the bytes: a caller's buffer may be reused after the promise resolves.
  let data = Bytes::copy_from_slice(&data);
  let meta = Stored::new(options.metadata.clone().typed_for(key));
  let mtime = SystemTime::now();
  nodes.insert(key.to_string(), Node::File { data, mtime, meta });
  Ok(())
}

pub fn details(nodes: &Nodes, path: &StoragePath) -> Result<(FileStats, FileDetails)> {
  match nodes.get(path.key()) {
    Some(Node::File { data, mtime, meta }) => Ok((
      FileStats {
        size: data.len() as u64,
        mtime: *mtime,
        ctime: *mtime,
      },
      FileDetails {
        etag: Some(meta.etag()),
        metadata: meta.metadata.clone(),
      },
    )),
    _ => Err(not_a_file(nodes, path)),
  }
}

/// A copy with options: metadata given replaces the source's; the condition is on `dst`.
pub fn copy(
  nodes: &mut Nodes,
  src: &StoragePath,
  dst: &StoragePath,
  options: &WriteOptions,
) -> Result<()> {
  let (data, kept) = match nodes.get(src.key()) {
    Some(Node::File { data, meta, .. }) => (data.clone(), meta.metadata.clone()),
    _ => return Err(not_a_file(nodes, src)),
  };
  let mut options = options.clone();
  if options.metadata.is_empty() {
    options.metadata = kept;
  }
  write(nodes, dst, data, &options).map_err(|e| e.with_path(dst.as_str()))
}

pub fn delete_if_match(nodes: &mut Nodes, path: &StoragePath, etag: &str) -> Result<()> {
  match nodes.get(path.key()) {
    Some(Node::File { meta, .. }) if meta.etag() == etag => {
      nodes.remove(path.key());
      Ok(())
    }
    Some(Node::File { .. }) => Err(metadata::conflict()),
    _ => Err(not_a_file(nodes, path)),
  }
}
