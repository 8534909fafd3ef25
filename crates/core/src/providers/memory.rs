//! MEMORY: a tree in a map, for users' own unit tests. Keys follow the object-store path rules;
//! directories are real entries, so an empty directory exists after `ensureDirectory`.

use std::collections::BTreeMap;
use std::ops::Bound;
use std::sync::{Arc, RwLock};
use std::time::SystemTime;

use async_trait::async_trait;
use bytes::Bytes;

use crate::cancel::Cancel;
use crate::error::{Error, ErrorKind, Result};
use crate::listing::Lister;
use crate::path::{PathRules, StoragePath};
use crate::provider::{
  Capabilities, DeleteDirectoryOptions, DirEntry, FileStats, ListDetail, Metadata, OldFileReport,
  OldFiles, Provider,
};

mod metadata;
mod paged;

use self::metadata::Stored;
use crate::metadata::{FileDetails, WriteOptions};

#[derive(Debug, Clone)]
enum Node {
  Dir,
  File {
    data: Bytes,
    mtime: SystemTime,
    meta: Arc<Stored>,
  },
}

/// Keys are normalized paths; `""`, the root, is an implicit directory.
#[derive(Debug, Default)]
pub struct MemoryProvider {
  nodes: Arc<RwLock<BTreeMap<String, Node>>>,
}

impl MemoryProvider {
  pub fn new() -> Self {
    Self::default()
  }
}

fn fail(kind: ErrorKind) -> Error {
  Error::of(kind)
}

fn parents(key: &str) -> impl Iterator<Item = &str> {
  key.match_indices('/').map(move |(i, _)| &key[..i])
}

/// Keys strictly under `dir` (all depths).
fn descendants<'a>(
  nodes: &'a BTreeMap<String, Node>,
  dir: &str,
) -> impl Iterator<Item = (&'a String, &'a Node)> {
  let prefix = if dir.is_empty() {
    String::new()
  } else {
    format!("{dir}/")
  };
  nodes
    .range::<String, _>((Bound::Included(prefix.clone()), Bound::Unbounded))
    .take_while(move |(k, _)| k.starts_with(&prefix))
    .filter(|(k, _)| !k.is_empty())
}

fn kind_at(nodes: &BTreeMap<String, Node>, key: &str) -> Option<bool> {
  if key.is_empty() {
    return Some(true);
  }
  nodes.get(key).map(|n| matches!(n, Node::Dir))
}

/// Creates the parents of `key` as directories; a file among them is `ENOTDIR`.
fn make_parents(nodes: &mut BTreeMap<String, Node>, key: &str) -> Result<()> {
  for parent in parents(key) {
    match nodes.get(parent) {
      Some(Node::Dir) => {}
      Some(Node::File { .. }) => return Err(fail(ErrorKind::NotADirectory)),
      None => {
        nodes.insert(parent.to_string(), Node::Dir);
      }
    }
  }
  Ok(())
}

/// Checks that every parent of `key` is a directory, for operations that must find `key`.
fn check_parents(nodes: &BTreeMap<String, Node>, key: &str) -> Result<()> {
  for parent in parents(key) {
    match nodes.get(parent) {
      Some(Node::Dir) => {}
      Some(Node::File { .. }) => return Err(fail(ErrorKind::NotADirectory)),
      None => return Err(fail(ErrorKind::NotFound)),
    }
  }
  Ok(())
}

/// Copies `src` to `dst` (a new mtime), or with `moving` moves it (mtime kept).
fn copy(
  nodes: &mut BTreeMap<String, Node>,
  src: &StoragePath,
  dst: &StoragePath,
  moving: bool,
) -> Result<()> {
  let (data, mtime, meta) = match nodes.get(src.key()) {
    Some(Node::File { data, mtime, meta }) => (data.clone(), *mtime, meta.clone()),
    Some(Node::Dir) => return Err(fail(ErrorKind::IsADirectory)),
    None if src.is_root() => return Err(fail(ErrorKind::IsADirectory)),
    None => {
      check_parents(nodes, src.key())?;
      return Err(fail(ErrorKind::NotFound));
    }
  };
  if kind_at(nodes, dst.key()) == Some(true) {
    return Err(fail(ErrorKind::IsADirectory).with_path(dst.as_str()));
  }
  make_parents(nodes, dst.key()).map_err(|e| e.with_path(dst.as_str()))?;
  // A copy is a new version with the source's metadata; a move keeps the file as it was.
  let (mtime, meta) = if moving {
    nodes.remove(src.key());
    (mtime, meta)
  } else {
    (SystemTime::now(), meta.renewed())
  };
  nodes.insert(dst.key().to_string(), Node::File { data, mtime, meta });
  Ok(())
}

#[async_trait]
impl Provider for MemoryProvider {
  fn name(&self) -> &'static str {
    "MEMORY"
  }

  fn path_rules(&self) -> &PathRules {
    &PathRules::Keyed
  }

  fn capabilities(&self) -> Capabilities<'_> {
    Capabilities {
      runs_inline: true,
      // Reads and writes are whole files in memory already: the facade's slices and buffers.
      streaming: None,
      name_listing: None,
      metadata: Some(self),
      signing: None,
      old_files: Some(self),
      temp_files: None,
    }
  }

  async fn ensure_directory(&self, path: &StoragePath) -> Result<()> {
    let key = path.key();
    if key.is_empty() {
      return Ok(());
    }
    let mut nodes = self.nodes.write().unwrap();
    make_parents(&mut nodes, key)?;
    match nodes.get(key) {
      Some(Node::File { .. }) => Err(fail(ErrorKind::AlreadyExists)),
      Some(Node::Dir) => Ok(()),
      None => {
        nodes.insert(key.to_string(), Node::Dir);
        Ok(())
      }
    }
  }

  async fn directory_exists(&self, path: &StoragePath) -> Result<bool> {
    Ok(kind_at(&self.nodes.read().unwrap(), path.key()) == Some(true))
  }

  async fn delete_directory(
    &self,
    path: &StoragePath,
    options: DeleteDirectoryOptions,
    _cancel: &Cancel,
  ) -> Result<()> {
    let key = path.key();
    let mut nodes = self.nodes.write().unwrap();
    match kind_at(&nodes, key) {
      None if options.force => return Ok(()),
      None => return Err(fail(ErrorKind::NotFound)),
      Some(false) => return Err(fail(ErrorKind::NotADirectory)),
      Some(true) => {}
    }
    let below: Vec<String> = descendants(&nodes, key).map(|(k, _)| k.clone()).collect();
    if !below.is_empty() && !options.recursive {
      return Err(fail(ErrorKind::NotEmpty));
    }
    for k in below {
      nodes.remove(&k);
    }
    nodes.remove(key);
    Ok(())
  }

  async fn delete_file(&self, path: &StoragePath) -> Result<()> {
    let mut nodes = self.nodes.write().unwrap();
    match kind_at(&nodes, path.key()) {
      None => {
        check_parents(&nodes, path.key())?;
        Err(fail(ErrorKind::NotFound))
      }
      Some(true) => Err(fail(ErrorKind::IsADirectory)),
      Some(false) => {
        nodes.remove(path.key());
        Ok(())
      }
    }
  }

  async fn file_exists(&self, path: &StoragePath) -> Result<bool> {
    Ok(kind_at(&self.nodes.read().unwrap(), path.key()) == Some(false))
  }

  async fn list_dir(&self, path: &StoragePath, _detail: ListDetail) -> Result<Vec<DirEntry>> {
    let key = path.key();
    let nodes = self.nodes.read().unwrap();
    match kind_at(&nodes, key) {
      None => {
        check_parents(&nodes, key)?;
        return Err(fail(ErrorKind::NotFound));
      }
      Some(false) => return Err(fail(ErrorKind::NotADirectory)),
      Some(true) => {}
    }
    let skip = if key.is_empty() { 0 } else { key.len() + 1 };
    Ok(
      descendants(&nodes, key)
        .filter(|(k, _)| !k[skip..].contains('/'))
        .map(|(k, node)| DirEntry {
          name: k[skip..].to_string(),
          is_dir: matches!(node, Node::Dir),
          mtime: match node {
            Node::File { mtime, .. } => Some(*mtime),
            Node::Dir => None,
          },
        })
        .collect(),
    )
  }

  async fn get_file_stats(&self, path: &StoragePath) -> Result<FileStats> {
    let nodes = self.nodes.read().unwrap();
    match nodes.get(path.key()) {
      Some(Node::File { data, mtime, .. }) => Ok(FileStats {
        size: data.len() as u64,
        mtime: *mtime,
        ctime: *mtime,
      }),
      Some(Node::Dir) => Err(fail(ErrorKind::IsADirectory)),
      None if path.is_root() => Err(fail(ErrorKind::IsADirectory)),
      None => {
        check_parents(&nodes, path.key())?;
        Err(fail(ErrorKind::NotFound))
      }
    }
  }

  async fn read_file(&self, path: &StoragePath) -> Result<Bytes> {
    let nodes = self.nodes.read().unwrap();
    match nodes.get(path.key()) {
      Some(Node::File { data, .. }) => Ok(data.clone()),
      Some(Node::Dir) => Err(fail(ErrorKind::IsADirectory)),
      None if path.is_root() => Err(fail(ErrorKind::IsADirectory)),
      None => {
        check_parents(&nodes, path.key())?;
        Err(fail(ErrorKind::NotFound))
      }
    }
  }

  async fn write_file(&self, path: &StoragePath, data: Bytes) -> Result<()> {
    self
      .write_file_with(path, data, &WriteOptions::default())
      .await
  }

  async fn copy_file(&self, src: &StoragePath, dst: &StoragePath) -> Result<()> {
    copy(&mut self.nodes.write().unwrap(), src, dst, false)
  }

  async fn move_file(&self, src: &StoragePath, dst: &StoragePath) -> Result<()> {
    copy(&mut self.nodes.write().unwrap(), src, dst, true)
  }

  async fn lister(&self, path: &StoragePath, recursive: bool) -> Result<Box<dyn Lister>> {
    paged::lister(self.nodes.clone(), path, recursive)
  }
}

#[async_trait]
impl Metadata for MemoryProvider {
  async fn write_file_with(
    &self,
    path: &StoragePath,
    data: Bytes,
    options: &WriteOptions,
  ) -> Result<()> {
    metadata::write(&mut self.nodes.write().unwrap(), path, data, options)
  }

  async fn file_details(&self, path: &StoragePath) -> Result<(FileStats, FileDetails)> {
    metadata::details(&self.nodes.read().unwrap(), path)
  }

  async fn copy_file_with(
    &self,
    src: &StoragePath,
    dst: &StoragePath,
    options: &WriteOptions,
  ) -> Result<()> {
    match options.is_plain() {
      true => self.copy_file(src, dst).await,
      false => metadata::copy(&mut self.nodes.write().unwrap(), src, dst, options),
    }
  }

  async fn delete_file_if_match(&self, path: &StoragePath, etag: &str) -> Result<()> {
    metadata::delete_if_match(&mut self.nodes.write().unwrap(), path, etag)
  }
}

#[async_trait]
impl OldFiles for MemoryProvider {
  async fn delete_old_files(
    &self,
    dir: &StoragePath,
    older_than: SystemTime,
    recursive: bool,
    cancel: &Cancel,
    report: &OldFileReport,
  ) -> Result<u32> {
    paged::delete_old(&self.nodes, dir, older_than, recursive, cancel, report)
  }
}
