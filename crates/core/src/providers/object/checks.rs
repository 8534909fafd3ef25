//! The checks before a write (`EISDIR`, `ENOTDIR`), and a short memory of what they found, so a
//! burst of writes into one directory does not ask the store the same questions again.
//!
//! Each write must refuse a directory at its key (`EISDIR`) and a file in the way of a parent
//! (`ENOTDIR`). Without this memory that is a one-key LIST (plus a HEAD of the marker) and a HEAD
//! per parent level, for every write. With it, for [`WriteChecks::ttl`]:
//! - a parent a check found not to be a file is not asked about again, and writes that want to
//!   know about the same parent at the same time share one HEAD (a burst of 16 writes into a new
//!   `a/b/c/` asks about `a`, `a/b` and `a/b/c` three times, not 48);
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

use bytes::Bytes;
use object_store::list::PaginatedListOptions;
use object_store::path::Path;
use object_store::{BodyGate, PutOptions, PutPayload};
use tokio::sync::{watch, OnceCell};

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
  /// Keys a parent check found not to be files, and when that check started.
  not_files: HashMap<String, Instant>,
  /// Keys this provider wrote a file at, and when: a check that started before cannot say "not
  /// a file" there.
  files_made: HashMap<String, Instant>,
  /// The last [`WriteChecks::forget`]: checks that started before it are not remembered.
  forgotten: Option<Instant>,
  /// Parent checks in flight, by key: writes that want the same answer wait for it.
  asking: HashMap<String, watch::Receiver<Answer>>,
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

/// A parent check's answer, `None` until its HEAD is back: whether a file is at the key.
type Answer = Option<Result<bool>>;

/// What a write does about one parent key ([`WriteChecks::ask`]).
pub(super) enum Flight<'a> {
  /// Another write is asking the store about this key: wait for its answer. When that write is
  /// dropped before the answer (the sender gone), ask the store yourself.
  Follow(watch::Receiver<Answer>),
  /// Ask the store, then give the answer to [`Leader::answer`].
  Lead(Leader<'a>),
}

/// The write that asks the store about a parent key for every write that wants to know meanwhile.
pub(super) struct Leader<'a> {
  checks: &'a WriteChecks,
  key: String,
  started: Instant,
  tx: watch::Sender<Answer>,
}

impl Leader<'_> {
  /// Gives the answer to the writes that waited for it, and remembers "not a file" for the TTL
  /// unless this provider wrote a file there, or forgot everything, since the check started.
  pub(super) fn answer(self, answer: &Result<bool>) {
    if matches!(answer, Ok(false)) {
      let mut state = lock(&self.checks.state);
      let since = |at: &Instant| *at >= self.started;
      if !state.forgotten.as_ref().is_some_and(since)
        && !state.files_made.get(&self.key).is_some_and(since)
      {
        state.not_files.insert(self.key.clone(), self.started);
        self.checks.bound(&mut state);
      }
    }
    self.tx.send_replace(Some(answer.clone()));
  }
}

impl Drop for Leader<'_> {
  /// The check is no longer in flight, answered or not (a write dropped mid-way: its followers see
  /// the sender go and ask themselves). A newer flight for the key is left alone.
  fn drop(&mut self) {
    let mut state = lock(&self.checks.state);
    if let Some(rx) = state.asking.get(&self.key) {
      if rx.same_channel(&self.tx.subscribe()) {
        state.asking.remove(&self.key);
      }
    }
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

  /// How a write checks parent `key`: by waiting for a check of it already in flight, or as the
  /// one that asks the store; `None` with a zero TTL (every write asks for itself).
  pub(super) fn ask(&self, key: &str) -> Option<Flight<'_>> {
    if self.ttl.is_zero() {
      return None;
    }
    let mut state = lock(&self.state);
    if let Some(rx) = state.asking.get(key) {
      return Some(Flight::Follow(rx.clone()));
    }
    let (tx, rx) = watch::channel(None);
    state.asking.insert(key.to_string(), rx);
    Some(Flight::Lead(Leader {
      checks: self,
      key: key.to_string(),
      started: Instant::now(),
      tx,
    }))
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
        .max(state.files_made.len())
        .max(state.ensured.len())
    };
    if largest(state) <= state.prune_at.max(MAX_ENTRIES) {
      return;
    }
    state.dirs.retain(|_, d| self.fresh(d.since));
    state.not_files.retain(|_, at| self.fresh(*at));
    state.files_made.retain(|_, at| self.fresh(*at));
    state.ensured.retain(|_, at| self.fresh(*at));
    if state.dirs.len() > 4 * MAX_ENTRIES {
      state.dirs.clear();
    }
    if state.not_files.len() > 4 * MAX_ENTRIES {
      state.not_files.clear();
    }
    if state.files_made.len() > 4 * MAX_ENTRIES {
      // Only checks in flight longer than the TTL could still be misled by what this forgets.
      state.files_made.clear();
      state.forgotten = Some(Instant::now());
    }
    if state.ensured.len() > 4 * MAX_ENTRIES {
      state.ensured.clear();
    }
    state.prune_at = 2 * largest(state);
  }

  /// After a write to `key` succeeded: every level above it is a directory now, and `key` itself
  /// too when `is_dir`; a file at `key` is no longer "not a file", and a check of `key` that
  /// started before cannot make it one again, nor answer a write that starts after this.
  pub(super) fn created(&self, key: &str, is_dir: bool) {
    if self.ttl.is_zero() {
      return;
    }
    let mut state = lock(&self.state);
    if !is_dir {
      state.not_files.remove(key);
      state.asking.remove(key);
      state.files_made.insert(key.to_string(), Instant::now());
      self.bound(&mut state);
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

  /// After a delete or a move: anything known may be gone, and checks in flight may have been
  /// answered before it (they still answer the writes already waiting, which ran alongside).
  pub(super) fn forget(&self) {
    let mut state = lock(&self.state);
    state.not_files.clear();
    state.files_made.clear();
    state.asking.clear();
    state.forgotten = Some(Instant::now());
    state.ensured.clear();
    state.dirs.clear();
  }
}

/// Keys in the one listing page a write check reads of a directory (S3's most per page).
const SUBDIRS_PAGE: usize = 1000;

impl ObjectStoreProvider {
  /// [`Self::check_parents`] before a write: parents found not to be files within the
  /// `write_check_cache` window are not asked about again, and writes checking the same parent at
  /// the same time share one HEAD.
  pub(super) async fn check_parents_for_write(&self, path: &StoragePath) -> Result<()> {
    let mut parents = self.parents(path);
    parents.retain(|p| !self.checks.known_not_file(p));
    self.no_files_at(&parents).await
  }

  /// Whether a file is at the parent key `key`: the answer of a check already in flight, or of a
  /// HEAD this call sends for all that ask meanwhile.
  pub(super) async fn parent_is_file(&self, key: &str) -> Result<bool> {
    let head = || async { Ok(self.head_file(key).await?.is_some()) };
    match self.checks.ask(key) {
      None => head().await,
      Some(Flight::Follow(mut rx)) => {
        // Taken out of the channel's guard before anything else is awaited.
        let answer = rx.wait_for(Option::is_some).await.map(|a| a.clone());
        match answer {
          Ok(Some(answer)) => answer,
          _ => head().await,
        }
      }
      Some(Flight::Lead(leader)) => {
        let answer = head().await;
        leader.answer(&answer);
        answer
      }
    }
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
    let prefix = &self.config.prefix;
    let names = page.result.common_prefixes.iter();
    let names = names.filter(|p| super::foreign::foreign_key(prefix, p).is_none());
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

  /// One PUT of `data` to `path` with the write checks ([`Self::check_write_target`]) running
  /// while the body is sent: from [`OVERLAPPED_CHECKS`] bytes on, the body's last
  /// [`HELD_BACK`] bytes wait for the checks ([`BodyGate`]), so the object cannot be complete on
  /// the server before they passed. When they refuse, the request is broken off before its last
  /// bytes (the server stores nothing) and the checks' error is returned. Smaller writes check
  /// first, then put. `map_err` turns the PUT's error into the caller's.
  pub(super) async fn put_after_checks(
    &self,
    path: &StoragePath,
    full: &str,
    location: &Path,
    data: Bytes,
    mut options: PutOptions,
    map_err: impl FnOnce(object_store::Error) -> Error,
  ) -> Result<()> {
    if self.config.skip_write_checks || data.len() < OVERLAPPED_CHECKS {
      self.check_write_target(path, full).await?;
      let put = self
        .store
        .put_opts(location, PutPayload::from(data), options);
      return put.await.map(drop).map_err(map_err);
    }
    let mut data = data;
    let last = data.split_off(data.len() - HELD_BACK);
    let gate = BodyGate::new();
    options.extensions.insert(gate.clone());
    // Refused however this call ends before the checks passed (dropped, or failed).
    let _refused = RefuseUnlessOpened(gate.clone());
    let put = self
      .store
      .put_opts(location, PutPayload::from_iter([data, last]), options);
    let checks = self.check_write_target(path, full);
    tokio::pin!(put, checks);
    let put_done_first = tokio::select! {
      checked = &mut checks => {
        checked?;
        gate.open();
        None
      }
      // Only a failure can end the PUT before the gate opens: the checks' answer comes first.
      done = &mut put => Some(done),
    };
    let done = match put_done_first {
      Some(done) => {
        checks.await?;
        done
      }
      None => put.await,
    };
    done.map(drop).map_err(map_err)
  }
}

/// From this size on, a single-PUT write sends its body while the write checks run
/// ([`ObjectStoreProvider::put_after_checks`]); below it the checks' requests come first, as the
/// PUT of a small object is about one round trip itself.
pub(super) const OVERLAPPED_CHECKS: usize = 1 << 20;

/// The end of a body that waits for the write checks.
const HELD_BACK: usize = 4096;

/// Refuses the gate when dropped: a no-op once it was opened.
struct RefuseUnlessOpened(BodyGate);

impl Drop for RefuseUnlessOpened {
  fn drop(&mut self) {
    self.0.refuse();
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  /// A parent check of `key` that found no file there, as a write's would.
  fn found_not_file(checks: &WriteChecks, key: &str) {
    match checks.ask(key) {
      Some(Flight::Lead(leader)) => leader.answer(&Ok(false)),
      Some(Flight::Follow(_)) => panic!("a check of {key} is in flight"),
      None => {}
    }
  }

  fn leads<'a>(checks: &'a WriteChecks, key: &str) -> Leader<'a> {
    match checks.ask(key) {
      Some(Flight::Lead(leader)) => leader,
      _ => panic!("expected to lead the check of {key}"),
    }
  }

  fn follows(checks: &WriteChecks, key: &str) -> watch::Receiver<Answer> {
    match checks.ask(key) {
      Some(Flight::Follow(rx)) => rx,
      _ => panic!("expected to follow a check of {key}"),
    }
  }

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
    found_not_file(&checks, "a");
    checks.written_into("a");
    checks.note_ensured("e");
    assert!(checks.known_not_file("a") && checks.ensured("e"));
    checks.forget();
    assert!(!checks.known_not_file("a") && !checks.ensured("e"));
    assert!(checks.written_into("a").is_none());

    let off = WriteChecks::new(Duration::ZERO);
    assert!(
      off.ask("a").is_none(),
      "with a zero window every write asks for itself"
    );
    found_not_file(&off, "a");
    off.note_ensured("e");
    assert!(!off.known_not_file("a") && !off.ensured("e"));
    off.written_into("a");
    assert!(off.written_into("a").is_none());
  }

  #[test]
  fn a_file_written_at_a_key_is_no_longer_known_as_not_a_file() {
    let checks = WriteChecks::new(Duration::from_secs(60));
    found_not_file(&checks, "a/b");
    checks.created("a/b", false);
    assert!(!checks.known_not_file("a/b"));
  }

  #[test]
  fn the_memory_stays_bounded() {
    let checks = WriteChecks::new(Duration::from_secs(600));
    for i in 0..5 * MAX_ENTRIES {
      checks.note_ensured(&format!("e{i}"));
      found_not_file(&checks, &format!("p{i}"));
      checks.created(&format!("f{i}"), false);
      checks.written_into(&format!("d{i}"));
    }
    let state = lock(&checks.state);
    let lens = [
      state.ensured.len(),
      state.not_files.len(),
      state.files_made.len(),
      state.dirs.len(),
      state.asking.len(),
    ];
    for len in lens {
      assert!(len <= 4 * MAX_ENTRIES + 1, "{len} entries");
    }
  }

  #[test]
  fn entries_expire_after_the_ttl() {
    let checks = WriteChecks::new(Duration::from_millis(1));
    found_not_file(&checks, "a");
    checks.written_into("d");
    std::thread::sleep(Duration::from_millis(5));
    assert!(!checks.known_not_file("a"));
    assert!(checks.written_into("d").is_none());
  }

  #[tokio::test]
  async fn writes_asking_about_the_same_parent_share_one_check() {
    let checks = WriteChecks::new(Duration::from_secs(60));
    let leader = leads(&checks, "a");
    let (mut first, mut second) = (follows(&checks, "a"), follows(&checks, "a"));
    let other = leads(&checks, "b"); // another key is its own check
    assert!(!checks.known_not_file("a"));
    leader.answer(&Ok(false));
    for rx in [&mut first, &mut second] {
      let answer = rx.wait_for(Option::is_some).await.expect("answered");
      assert!(matches!(*answer, Some(Ok(false))));
    }
    assert!(checks.known_not_file("a"));
    // Answered and gone: the next check of `a` asks the store again.
    drop(leads(&checks, "a"));
    drop(other);

    // A file found is shared and not remembered; so is a failure.
    let leader = leads(&checks, "f");
    let mut rx = follows(&checks, "f");
    leader.answer(&Ok(true));
    assert!(matches!(
      *rx.wait_for(Option::is_some).await.unwrap(),
      Some(Ok(true))
    ));
    let leader = leads(&checks, "e");
    let mut rx = follows(&checks, "e");
    leader.answer(&Err(Error::new(ErrorKind::Io, "the store failed")));
    let answer = rx.wait_for(Option::is_some).await.unwrap().clone();
    assert_eq!(answer.unwrap().unwrap_err().code(), "EIO");
    assert!(!checks.known_not_file("f") && !checks.known_not_file("e"));
  }

  #[tokio::test]
  async fn a_check_dropped_before_its_answer_lets_the_waiting_writes_ask_themselves() {
    let checks = WriteChecks::new(Duration::from_secs(60));
    let leader = leads(&checks, "a");
    let mut rx = follows(&checks, "a");
    drop(leader);
    assert!(
      rx.wait_for(Option::is_some).await.is_err(),
      "the sender is gone"
    );
    // And the next write leads a new check.
    drop(leads(&checks, "a"));
  }

  #[test]
  fn a_check_that_started_before_this_provider_wrote_a_file_there_does_not_count() {
    let checks = WriteChecks::new(Duration::from_secs(60));
    let before = leads(&checks, "a/b");
    checks.created("a/b", false);
    // A write starting now does not wait for the older check: it asks anew.
    let after = leads(&checks, "a/b");
    before.answer(&Ok(false));
    assert!(
      !checks.known_not_file("a/b"),
      "the older check's \"not a file\" is not kept"
    );
    // Its dropping leaves the newer check in place.
    drop(follows(&checks, "a/b"));
    after.answer(&Ok(true));
    assert!(!checks.known_not_file("a/b"));

    // The same for a delete or a move (forget) during a check.
    let before = leads(&checks, "c");
    checks.forget();
    drop(leads(&checks, "c"));
    before.answer(&Ok(false));
    assert!(!checks.known_not_file("c"));
    // A directory made at a key is no file there: a check of it still counts.
    let check = leads(&checks, "d");
    checks.created("d", true);
    check.answer(&Ok(false));
    assert!(checks.known_not_file("d"));
  }
}
