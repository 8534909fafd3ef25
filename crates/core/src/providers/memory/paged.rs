//! MEMORY's walks over the map a page of keys at a time: the paged listing and
//! `deleteOldFiles`.

use std::collections::BTreeMap;
use std::ops::Bound;
use std::sync::{Arc, RwLock};
use std::time::SystemTime;

use async_trait::async_trait;

use super::{check_parents, fail, kind_at, Node};
use crate::cancel::Cancel;
use crate::error::{ErrorKind, Result};
use crate::listing::{ListEntry, Lister, PAGE_SIZE};
use crate::path::StoragePath;
use crate::provider::OldFileReport;

pub fn lister(
  nodes: Arc<RwLock<BTreeMap<String, Node>>>,
  path: &StoragePath,
  recursive: bool,
) -> Result<Box<dyn Lister>> {
  let base = path.key().to_string();
  {
    let map = nodes.read().unwrap();
    match kind_at(&map, &base) {
      Some(true) => {}
      Some(false) => return Err(fail(ErrorKind::NotADirectory)),
      None => {
        check_parents(&map, &base)?;
        return Err(fail(ErrorKind::NotFound));
      }
    }
  }
  let prefix = if base.is_empty() {
    base
  } else {
    format!("{base}/")
  };
  Ok(Box::new(MemoryLister {
    nodes,
    prefix,
    recursive,
    after: None,
  }))
}

/// Pages through the map in key order, from just after the last key it gave.
struct MemoryLister {
  nodes: Arc<RwLock<BTreeMap<String, Node>>>,
  /// `dir/`, or `""` for the root.
  prefix: String,
  recursive: bool,
  after: Option<String>,
}

#[async_trait]
impl Lister for MemoryLister {
  async fn next_page(&mut self) -> Result<Option<Vec<ListEntry>>> {
    let map = self.nodes.read().unwrap();
    let from = match &self.after {
      Some(key) => Bound::Excluded(key.clone()),
      None => Bound::Included(self.prefix.clone()),
    };
    let mut page = Vec::new();
    for (key, node) in map.range::<String, _>((from, Bound::Unbounded)) {
      if !key.starts_with(&self.prefix) || page.len() == PAGE_SIZE {
        break;
      }
      self.after = Some(key.clone());
      let rel = &key[self.prefix.len()..];
      if rel.is_empty() || (!self.recursive && rel.contains('/')) {
        continue;
      }
      page.push(match node {
        Node::Dir => ListEntry::dir(rel.to_string()),
        Node::File { data, mtime, meta } => ListEntry {
          path: rel.to_string(),
          is_dir: false,
          size: data.len() as u64,
          mtime: Some(*mtime),
          etag: Some(meta.etag()),
        },
      });
    }
    Ok((!page.is_empty()).then_some(page))
  }
}

/// Deletes the files under `path` (with `recursive`, at any depth) older than `cutoff`, a page
/// of keys at a time: each file is judged and removed under the same write lock, so a file
/// rewritten after it was judged old is never deleted. Checks `cancel` between pages.
pub fn delete_old(
  nodes: &RwLock<BTreeMap<String, Node>>,
  path: &StoragePath,
  cutoff: SystemTime,
  recursive: bool,
  cancel: &Cancel,
  report: &OldFileReport,
) -> Result<u32> {
  let base = path.key();
  {
    let map = nodes.read().unwrap();
    match kind_at(&map, base) {
      Some(true) => {}
      Some(false) => return Err(fail(ErrorKind::NotADirectory)),
      None => {
        check_parents(&map, base)?;
        return Err(fail(ErrorKind::NotFound));
      }
    }
  }
  let prefix = match base.is_empty() {
    true => String::new(),
    false => format!("{base}/"),
  };
  let (mut deleted, mut after) = (0, None::<String>);
  loop {
    cancel.check()?;
    let mut map = nodes.write().unwrap();
    let from = match &after {
      Some(key) => Bound::Excluded(key.clone()),
      None => Bound::Included(prefix.clone()),
    };
    let mut old = Vec::new();
    let mut scanned = 0;
    for (key, node) in map.range::<String, _>((from, Bound::Unbounded)) {
      if !key.starts_with(&prefix) || scanned == PAGE_SIZE {
        break;
      }
      scanned += 1;
      after = Some(key.clone());
      let rel = &key[prefix.len()..];
      let is_old = matches!(node, Node::File { mtime, .. } if *mtime < cutoff);
      if is_old && !rel.is_empty() && (recursive || !rel.contains('/')) {
        old.push(key.clone());
      }
    }
    for key in old {
      map.remove(&key);
      report(&key[prefix.len()..], None);
      deleted += 1;
    }
    if scanned < PAGE_SIZE {
      return Ok(deleted);
    }
  }
}
