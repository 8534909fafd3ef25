//! The checks before a write (`EISDIR`, `ENOTDIR`), and a short memory of what they found, so a
//! burst of writes into one directory does not ask the store the same questions again.
//!
//! Each write must refuse a directory at its key (`EISDIR`) and a file in the way of a parent
//! (`ENOTDIR`). Without this memory that is a one-key LIST (plus a HEAD of the marker) and a HEAD
//! per parent level, for every write. With it, for [`WriteChecks::ttl`]:
//! - a parent a check found not to be a file is not asked about again;
//! - `ensureDirectory` of a directory it made does nothing;
//! - the second write into a directory reads one page of the directory's sub-directories (one LIST
//!   with the `/` delimiter); writes after it look their name up in that page. A directory with
//!   more than one page of entries is checked key by key, as without the memory.
//!
//! What this provider changes is never stale: directories its writes create are added, and every
//! delete or move through it forgets everything. What another client changes is seen at most `ttl` late: a
//! directory another client made at a key, or a file it put where a parent is, within that window
//! can be missed by a write here, and a directory it deleted can still refuse one (`EISDIR`). A `ttl` of zero checks every write with the store.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use object_store::list::PaginatedListOptions;
use tokio::sync::OnceCell;

use super::ObjectStoreProvider;
use crate::error::{Error, ErrorKind, Result};
use crate::path::StoragePath;

/// Entries a map of the memory holds before stale ones are dropped.
const MAX_ENTRIES: usize = 4096;

/// Default [`WriteChecks::ttl`]: 2 s.
pub const DEFAULT_WRITE_CHECK_CACHE: Duration = Duration::from_secs(2);

/// The sub-directory names of one directory, from one listing page; `None` when the directory has
/// more entries than a page.
pub(super) type Subdirs = Option<HashSet<String>>;

pub(super) struct WriteChecks {
  ttl: Duration,
  state: Mutex<State>,
}

#[derive(Default)]
struct State {
  /// Keys a parent check found not to be files, and when.
  not_files: HashMap<String, Instant>,
  /// Directories `ensureDirectory` made, and when.
  ensured: HashMap<String, Instant>,
  /// Directories written into, by key.
  dirs: HashMap<String, Arc<Dir>>,
  /// The size past which [`WriteChecks::bound`] looks again (never below [`MAX_ENTRIES`]).
  prune_at: usize,
}

/// A directory written into since `since`.
pub(super) struct Dir {
  since: Instant,
  /// Read once, by the second write within the TTL.
  listing: OnceCell<Subdirs>,
  /// Sub-directories this process made since `since`: a listing may have been read before them.
  made: Mutex<HashSet<String>>,
}

impl Dir {
  /// The directory's sub-directories, read with `list` the first time they are asked for.
  pub(super) async fn subdirs<F, Fut>(&self, list: F) -> Option<&HashSet<String>>
  where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Subdirs>,
  {
    self.listing.get_or_init(list).await.as_ref()
  }

  /// Whether `name` is a sub-directory, given the listing `subdirs`.
  pub(super) fn has_subdir(&self, subdirs: &HashSet<String>, name: &str) -> bool {
    subdirs.contains(name) || lock(&self.made).contains(name)
  }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
  mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// `(directory, name)` for every level of `key`: `a/b/c` gives `("", a)`, `(a, b)`, `(a/b, c)`.
fn levels(key: &str) -> impl Iterator<Item = (&str, &str)> {
  let mut start: usize = 0;
  key
    .split('/')
    .map(move |segment| {
      let dir = &key[..start.saturating_sub(1)];
      start += segment.len() + 1;
      (dir, segment)
    })
    .filter(|(_, segment)| !segment.is_empty())
}

impl WriteChecks {
  pub(super) fn new(ttl: Duration) -> Self {
    WriteChecks {
      ttl,
      state: Mutex::default(),
    }
  }

  fn fresh(&self, since: Instant) -> bool {
    since.elapsed() < self.ttl
  }

  /// Whether a parent check found `key` not to be a file within the TTL.
  pub(super) fn known_not_file(&self, key: &str) -> bool {
    let state = lock(&self.state);
    state.not_files.get(key).is_some_and(|at| self.fresh(*at))
  }

  /// Whether `ensureDirectory` made `key` within the TTL.
  pub(super) fn ensured(&self, key: &str) -> bool {
    let state = lock(&self.state);
    state.ensured.get(key).is_some_and(|at| self.fresh(*at))
  }

  /// After `ensureDirectory` made `key` and its parents.
  pub(super) fn note_ensured(&self, key: &str) {
    if self.ttl.is_zero() {
      return;
    }
    let mut state = lock(&self.state);
    state.ensured.insert(key.to_string(), Instant::now());
    self.bound(&mut state);
    drop(state);
    self.created(key, true);
  }

  /// Remembers that `keys` are not files (a parent check found none there).
  pub(super) fn not_files<'a>(&self, keys: impl IntoIterator<Item = &'a String>) {
    if self.ttl.is_zero() {
      return;
    }
    let now = Instant::now();
    let mut state = lock(&self.state);
    for key in keys {
      state.not_files.insert(key.clone(), now);
    }
    self.bound(&mut state);
  }

  /// The directory `dir`, when a write went into it within the TTL; otherwise notes this write
  /// (so the next one reads a listing) and gives `None`: the caller checks its key alone.
  pub(super) fn written_into(&self, dir: &str) -> Option<Arc<Dir>> {
    if self.ttl.is_zero() {
      return None;
    }
    let mut state = lock(&self.state);
    if let Some(entry) = state.dirs.get(dir).filter(|d| self.fresh(d.since)) {
      return Some(entry.clone());
    }
    let entry = Arc::new(Dir {
      since: Instant::now(),
      listing: OnceCell::new(),
      made: Mutex::default(),
    });
    state.dirs.insert(dir.to_string(), entry);
    self.bound(&mut state);
    None
  }

  /// Keeps the memory bounded: when a map grows past `prune_at` (at least [`MAX_ENTRIES`]),
  /// stale entries go from all of them, and a map still past four times [`MAX_ENTRIES`] (a burst
  /// into that many places within the TTL) is emptied; the next pass waits until the maps have
  /// doubled, so a burst costs amortized constant time. Forgetting only costs requests: a
  /// forgotten directory's next listing is read anew.
  fn bound(&self, state: &mut State) {
    let largest = |state: &State| {
      state
        .dirs
        .len()
        .max(state.not_files.len())
        .max(state.ensured.len())
    };
    if largest(state) <= state.prune_at.max(MAX_ENTRIES) {
      return;
    }
    state.dirs.retain(|_, d| self.fresh(d.since));
    state.not_files.retain(|_, at| self.fresh(*at));
    state.ensured.retain(|_, at| self.fresh(*at));
    if state.dirs.len() > 4 * MAX_ENTRIES {
      state.dirs.clear();
    }
    if state.not_files.len() > 4 * MAX_ENTRIES {
      state.not_files.clear();
    }
    if state.ensured.len() > 4 * MAX_ENTRIES {
      state.ensured.clear();
    }
    state.prune_at = 2 * largest(state);
  }

  /// After a write to `key` succeeded: every level above it is a directory now, and `key` itself
  /// too when `is_dir`; a file at `key` is no longer "not a file".
  pub(super) fn created(&self, key: &str, is_dir: bool) {
    if self.ttl.is_zero() {
      return;
    }
    let mut state = lock(&self.state);
    if !is_dir {
      state.not_files.remove(key);
    }
    let count = levels(key).count();
    for (i, (dir, name)) in levels(key).enumerate() {
      if i + 1 == count && !is_dir {
        break;
      }
      if let Some(entry) = state.dirs.get(dir) {
        lock(&entry.made).insert(name.to_string());
      }
    }
  }

  /// After a delete or a move: anything known may be gone.
  pub(super) fn forget(&self) {
    let mut state = lock(&self.state);
    state.not_files.clear();
    state.ensured.clear();
    state.dirs.clear();
  }
}

/// Keys in the one listing page a write check reads of a directory (S3's most per page).
const SUBDIRS_PAGE: usize = 1000;

impl ObjectStoreProvider {
  /// [`Self::check_parents`] before a write: parents found not to be files within the
  /// `write_check_cache` window are not asked about again.
  pub(super) async fn check_parents_for_write(&self, path: &StoragePath) -> Result<()> {
    let mut parents = self.parents(path);
    parents.retain(|p| !self.checks.known_not_file(p));
    self.no_files_at(&parents).await?;
    self.checks.not_files(&parents);
    Ok(())
  }

  /// Whether a directory is at `full`, before a write there: from the second write into the same
  /// directory within the `write_check_cache` window, one listing of that directory's
  /// sub-directories answers for all of them.
  async fn dir_at_write_target(&self, full: &str) -> Result<bool> {
    if full != self.config.prefix {
      let (dir, name) = full.rsplit_once('/').unwrap_or(("", full));
      if let Some(entry) = self.checks.written_into(dir) {
        if let Some(subdirs) = entry.subdirs(|| self.subdirs_page(dir)).await {
          return Ok(entry.has_subdir(subdirs, name));
        }
      }
    }
    self.dir_exists(full).await
  }

  /// The sub-directory names of `dir` (markers and implied ones), when one page holds the whole
  /// directory. A listing that fails gives `None` as well: the writes then check their own key,
  /// which reports what is wrong if it concerns them (a key elsewhere in the directory that
  /// object_store cannot parse must not fail a write).
  async fn subdirs_page(&self, dir: &str) -> Subdirs {
    let options = PaginatedListOptions {
      delimiter: Some("/".into()),
      max_keys: Some(SUBDIRS_PAGE),
      ..Default::default()
    };
    let prefix = self.dir_prefix(dir);
    let page = self
      .store
      .list_paginated((!prefix.is_empty()).then_some(prefix.as_str()), options)
      .await;
    let page = page.ok().filter(|page| page.page_token.is_none())?;
    let names = page.result.common_prefixes.iter();
    Some(
      names
        .filter_map(|p| p.filename())
        .map(str::to_string)
        .collect(),
    )
  }

  /// Before a write to `path`: `EISDIR` when a directory is there, `ENOTDIR` when a file is in
  /// the way of a parent; nothing with `skip_write_checks`.
  pub(super) async fn check_write_target(&self, path: &StoragePath, full: &str) -> Result<()> {
    if self.config.skip_write_checks {
      return Ok(());
    }
    let (is_dir, parents) = tokio::join!(
      self.dir_at_write_target(full),
      self.check_parents_for_write(path)
    );
    if is_dir? {
      return Err(Error::of(ErrorKind::IsADirectory));
    }
    parents
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn levels_pair_each_name_with_its_directory() {
    let got: Vec<_> = levels("a/bc/d").collect();
    assert_eq!(got, vec![("", "a"), ("a", "bc"), ("a/bc", "d")]);
    assert_eq!(levels("x").collect::<Vec<_>>(), vec![("", "x")]);
  }

  #[tokio::test]
  async fn the_second_write_into_a_directory_reads_its_listing() {
    let checks = WriteChecks::new(Duration::from_secs(60));
    assert!(checks.written_into("d").is_none());
    let dir = checks.written_into("d").expect("known after one write");
    let listed = HashSet::from(["sub".to_string()]);
    let subdirs = dir.subdirs(|| async { Some(listed) }).await;
    let subdirs = subdirs.expect("one page");
    assert!(dir.has_subdir(subdirs, "sub"));
    assert!(!dir.has_subdir(subdirs, "file"));
    // Read once: a second call does not list again.
    let again = dir.subdirs(|| async { panic!("listed twice") }).await;
    assert!(again.is_some());
  }

  #[tokio::test]
  async fn directories_this_process_makes_are_added_to_a_listing() {
    let checks = WriteChecks::new(Duration::from_secs(60));
    checks.written_into("a/b");
    checks.written_into("a");
    let dir = checks.written_into("a/b").unwrap();
    let subdirs = dir.subdirs(|| async { Some(HashSet::new()) }).await;
    let subdirs = subdirs.unwrap();
    checks.created("a/b/c/file", false);
    assert!(dir.has_subdir(subdirs, "c"));
    checks.created("a/b/d", true);
    assert!(dir.has_subdir(subdirs, "d"));
    checks.created("a/b/file", false);
    assert!(!dir.has_subdir(subdirs, "file"));
  }

  #[test]
  fn deletes_forget_and_a_zero_ttl_remembers_nothing() {
    let checks = WriteChecks::new(Duration::from_secs(60));
    checks.not_files(&["a".to_string()]);
    checks.written_into("a");
    checks.note_ensured("e");
    assert!(checks.known_not_file("a") && checks.ensured("e"));
    checks.forget();
    assert!(!checks.known_not_file("a") && !checks.ensured("e"));
    assert!(checks.written_into("a").is_none());

    let off = WriteChecks::new(Duration::ZERO);
    off.not_files(&["a".to_string()]);
    off.note_ensured("e");
    assert!(!off.known_not_file("a") && !off.ensured("e"));
    off.written_into("a");
    assert!(off.written_into("a").is_none());
  }

  #[test]
  fn a_file_written_at_a_key_is_no_longer_known_as_not_a_file() {
    let checks = WriteChecks::new(Duration::from_secs(60));
    checks.not_files(&["a/b".to_string()]);
    checks.created("a/b", false);
    assert!(!checks.known_not_file("a/b"));
  }

  #[test]
  fn the_memory_stays_bounded() {
    let checks = WriteChecks::new(Duration::from_secs(600));
    for i in 0..5 * MAX_ENTRIES {
      checks.note_ensured(&format!("e{i}"));
      checks.not_files(&[format!("p{i}")]);
      checks.written_into(&format!("d{i}"));
    }
    let state = lock(&checks.state);
    for len in [state.ensured.len(), state.not_files.len(), state.dirs.len()] {
      assert!(len <= 4 * MAX_ENTRIES + 1, "{len} entries");
    }
  }

  #[test]
  fn entries_expire_after_the_ttl() {
    let checks = WriteChecks::new(Duration::from_millis(1));
    checks.not_files(&["a".to_string()]);
    checks.written_into("d");
    std::thread::sleep(Duration::from_millis(5));
    assert!(!checks.known_not_file("a"));
    assert!(checks.written_into("d").is_none());
  }
}
