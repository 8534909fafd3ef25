//! The paged listing of an object store.
//!
//! It walks the tree a directory at a time with `/` as the delimiter (so markers and
//! implied directories read as they do in `listFiles`), one ListObjectsV2 / List Blobs page at a
//! time: what it holds is at most one page per directory level.

use std::collections::VecDeque;
use std::sync::Arc;

use async_trait::async_trait;
use object_store::list::PaginatedListOptions;

use super::{foreign, stats, ErrorContext, ObjectBackend, ObjectStoreProvider};
use crate::error::{Error, ErrorKind, Result};
use crate::listing::{join, ListEntry, Lister, PAGE_SIZE};
use crate::path::StoragePath;

impl ObjectStoreProvider {
  /// Checks that the directory exists (ENOENT, ENOTDIR otherwise), then lists it lazily.
  pub(super) async fn open_lister(
    &self,
    path: &StoragePath,
    recursive: bool,
  ) -> Result<Box<dyn Lister>> {
    self.ready().await?;
    let full = self.full(path.key());
    if !self.dir_exists(&full).await? {
      return Err(match self.head_file(&full).await? {
        Some(_) => Error::of(ErrorKind::NotADirectory),
        None => self.missing(path).await,
      });
    }
    Ok(Box::new(ObjectLister {
      store: self.store.clone(),
      errors: self.config.errors.clone(),
      prefix: self.config.prefix.clone(),
      recursive,
      stack: vec![Frame::new(self.dir_prefix(&full), String::new())],
    }))
  }
}

struct ObjectLister {
  store: Arc<dyn ObjectBackend>,
  errors: ErrorContext,
  /// The provider's key prefix (`""` for none), to tell keys no path names.
  prefix: String,
  recursive: bool,
  /// Directories being listed, innermost last.
  stack: Vec<Frame>,
}

struct Frame {
  /// The directory's store prefix, `dir/` (`""` for the bucket root).
  prefix: String,
  /// Its path relative to the listed directory.
  rel: String,
  /// The fetched page's entries not handed out yet.
  pending: VecDeque<ListEntry>,
  /// `None` before the first page; then the token of the next page, if there is one.
  next: Option<Option<String>>,
}

impl Frame {
  fn new(prefix: String, rel: String) -> Self {
    Frame {
      prefix,
      rel,
      pending: VecDeque::new(),
      next: None,
    }
  }
}

#[async_trait]
impl Lister for ObjectLister {
  async fn next_page(&mut self) -> Result<Option<Vec<ListEntry>>> {
    let mut page = Vec::new();
    while page.len() < PAGE_SIZE {
      let Some(frame) = self.stack.last_mut() else {
        break;
      };
      let Some(entry) = frame.pending.pop_front() else {
        match frame.next.clone() {
          Some(None) => {
            self.stack.pop();
          }
          Some(Some(token)) => self.fetch(Some(token)).await?,
          None => self.fetch(None).await?,
        }
        continue;
      };
      if entry.is_dir && self.recursive {
        let prefix = format!("{}{}/", frame.prefix, last_name(&entry.path));
        self.stack.push(Frame::new(prefix, entry.path.clone()));
      }
      page.push(entry);
    }
    Ok((!page.is_empty()).then_some(page))
  }
}

impl ObjectLister {
  /// Reads the innermost directory's next page into its `pending` entries, sorted by name.
  async fn fetch(&mut self, token: Option<String>) -> Result<()> {
    let frame = self.stack.last_mut().expect("a frame is open");
    let options = PaginatedListOptions {
      delimiter: Some("/".into()),
      max_keys: Some(PAGE_SIZE),
      page_token: token,
      ..Default::default()
    };
    let prefix = (!frame.prefix.is_empty()).then_some(frame.prefix.as_str());
    let listed = self
      .store
      .list_paginated(prefix, options)
      .await
      .map_err(|e| self.errors.map(e))?;
    let own = frame.prefix.trim_end_matches('/');
    let mut entries: Vec<ListEntry> = Vec::new();
    let container = &self.errors.container;
    for dir in &listed.result.common_prefixes {
      if foreign::skipped(&self.prefix, dir, container, true) {
        continue;
      }
      if let Some(name) = dir.filename() {
        entries.push(ListEntry::dir(join(&frame.rel, name)));
      }
    }
    for meta in &listed.result.objects {
      if foreign::skipped(&self.prefix, &meta.location, container, false) {
        continue;
      }
      let Some(name) = meta.location.filename() else {
        continue;
      };
      let path = join(&frame.rel, name);
      // The directory's own marker; a file and a directory of one name (another tool): the directory.
      if meta.location.as_ref() == own || entries.iter().any(|e| e.is_dir && e.path == path) {
        continue;
      }
      let st = stats(meta);
      entries.push(ListEntry {
        path,
        is_dir: false,
        size: st.size,
        mtime: Some(st.mtime),
        etag: super::metadata::quoted(meta.e_tag.as_deref()),
      });
    }
    entries.sort_unstable_by(|a, b| a.path.cmp(&b.path));
    frame.pending = entries.into();
    frame.next = Some(listed.page_token);
    Ok(())
  }
}

fn last_name(path: &str) -> &str {
  path.rsplit('/').next().unwrap_or(path)
}
