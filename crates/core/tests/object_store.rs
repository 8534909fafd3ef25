//! SPEC's behaviours against real object-store servers: S3 on moto and on s3s-fs (strict SigV4),
//! Azure Blob on Azurite. `scripts/test-servers.sh start` starts them and writes the
//! `STOWAGE_TEST_*` variables; without those variables every test here says it was skipped.
//!
//! Each case is a plain `async fn` taking a `Storage`, written once and run on every backend.
//! Every case gets its own key prefix, so cases run in parallel on one bucket.

use std::io::Write;
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use futures::stream::{self, StreamExt, TryStreamExt};
use stowage_core::{
  AzureOptions, DeleteDirectoryOptions, MultipartSettings, ObjectSettings, ObjectStoreProvider,
  RetrySettings, S3Options, Storage,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Backend {
  Moto,
  S3sFs,
  Azurite,
}

fn var(name: &str) -> Option<String> {
  std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// Says, past the test harness's capture, that a test did not run.
fn skipped(test: &str, variable: &str) {
  let _ = writeln!(
    std::io::stderr(),
    "SKIPPED {test}: {variable} is not set (run scripts/test-servers.sh start)"
  );
}

/// A fresh key prefix for one case.
fn unique_prefix(case: &str) -> String {
  static COUNTER: AtomicU32 = AtomicU32::new(0);
  let nanos = SystemTime::now()
    .duration_since(UNIX_EPOCH)
    .unwrap()
    .as_nanos();
  let n = COUNTER.fetch_add(1, Ordering::Relaxed);
  format!("stowage-it/{case}-{}-{nanos}-{n}", std::process::id())
}

impl Backend {
  fn variable(self) -> &'static str {
    match self {
      Backend::Moto => "STOWAGE_TEST_S3_ENDPOINT",
      Backend::S3sFs => "STOWAGE_TEST_S3_STRICT_ENDPOINT",
      Backend::Azurite => "STOWAGE_TEST_AZURE_CONNECTION_STRING",
    }
  }

  fn s3_options(self) -> Option<S3Options> {
    let infix = match self {
      Backend::Moto => "S3",
      Backend::S3sFs => "S3_STRICT",
      Backend::Azurite => return None,
    };
    Some(S3Options {
      endpoint: Some(var(&format!("STOWAGE_TEST_{infix}_ENDPOINT"))?),
      bucket: var(&format!("STOWAGE_TEST_{infix}_BUCKET")),
      access_key_id: var(&format!("STOWAGE_TEST_{infix}_ACCESS_KEY_ID")),
      secret_access_key: var(&format!("STOWAGE_TEST_{infix}_SECRET_ACCESS_KEY")),
      region: Some(var("STOWAGE_TEST_S3_REGION").unwrap_or_else(|| "us-east-1".into())),
      ..Default::default()
    })
  }

  fn azure_options(self) -> Option<AzureOptions> {
    if self != Backend::Azurite {
      return None;
    }
    Some(AzureOptions {
      connection_string: Some(var("STOWAGE_TEST_AZURE_CONNECTION_STRING")?),
      container: var("STOWAGE_TEST_AZURE_CONTAINER"),
      ..Default::default()
    })
  }

  /// A provider for `case`, after `tweak` edits the options; `None` when the server is not set up.
  fn provider(self, case: &str, tweak: impl FnOnce(&mut Options)) -> Option<ObjectStoreProvider> {
    let mut options = match self {
      Backend::Azurite => Options::Azure(self.azure_options()?),
      _ => Options::S3(self.s3_options()?),
    };
    options.settings().prefix = Some(unique_prefix(case));
    tweak(&mut options);
    Some(match options {
      Options::S3(o) => ObjectStoreProvider::s3(o).expect("S3 provider"),
      Options::Azure(o) => ObjectStoreProvider::azure(o).expect("Azure provider"),
    })
  }

  fn storage(self, case: &str) -> Option<Storage> {
    self.provider(case, |_| {}).map(Storage::new)
  }
}

enum Options {
  S3(S3Options),
  Azure(AzureOptions),
}

impl Options {
  fn settings(&mut self) -> &mut ObjectSettings {
    match self {
      Options::S3(o) => &mut o.settings,
      Options::Azure(o) => &mut o.settings,
    }
  }
}

fn dir_options(recursive: bool, force: bool) -> DeleteDirectoryOptions {
  DeleteDirectoryOptions { recursive, force }
}

/// The `fs` code of a failed call.
macro_rules! code {
  ($call:expr) => {
    match $call {
      Ok(v) => panic!("expected an error, got {:?}", v),
      Err(e) => e.code(),
    }
  };
}

// ---------------------------------------------------------------------------------------------
// The cases: written once, run on every backend.

pub async fn ensure_directory_creates_parents_and_is_idempotent(s: Storage) {
  s.ensure_directory("/replay/u1/1700000000").await.unwrap();
  s.ensure_directory("/replay/u1/1700000000").await.unwrap();
  for dir in ["replay", "replay/u1", "/replay/u1/1700000000"] {
    assert!(s.directory_exists(dir).await.unwrap(), "{dir}");
  }
  assert_eq!(s.list_files("replay").await.unwrap(), ["u1"]);
  assert_eq!(
    s.list_files("replay/u1/1700000000").await.unwrap(),
    Vec::<String>::new()
  );
  assert_eq!(s.list_files("/").await.unwrap(), ["replay"]);
  // Parents have markers of their own: they outlive a deleted child, as on LOCAL.
  s.delete_directory("replay/u1/1700000000", dir_options(false, false))
    .await
    .unwrap();
  assert!(s.directory_exists("replay/u1").await.unwrap());
  assert!(!s.directory_exists("replay/u1/1700000000").await.unwrap());
}

pub async fn ensure_directory_refuses_a_file_in_the_way(s: Storage) {
  s.write_file("f.txt", Bytes::from_static(b"x"))
    .await
    .unwrap();
  assert_eq!(code!(s.ensure_directory("f.txt").await), "EEXIST");
  assert_eq!(code!(s.ensure_directory("f.txt/sub").await), "ENOTDIR");
  assert_eq!(
    code!(s.ensure_directory("f.txt/sub/deeper").await),
    "ENOTDIR"
  );
}

pub async fn exists_checks_tell_files_from_directories(s: Storage) {
  s.write_file("d/x.txt", Bytes::from_static(b"x"))
    .await
    .unwrap();
  s.ensure_directory("empty").await.unwrap();
  assert!(
    s.directory_exists("d").await.unwrap(),
    "a prefix is a directory"
  );
  assert!(
    s.directory_exists("empty").await.unwrap(),
    "a marker is a directory"
  );
  assert!(!s.directory_exists("d/x.txt").await.unwrap());
  assert!(!s.directory_exists("nope").await.unwrap());
  assert!(s.file_exists("d/x.txt").await.unwrap());
  assert!(!s.file_exists("d").await.unwrap());
  assert!(!s.file_exists("empty").await.unwrap());
  assert!(!s.file_exists("nope").await.unwrap());
  assert!(s.directory_exists("/").await.unwrap());
}

pub async fn list_files_names_direct_children_without_markers(s: Storage) {
  s.ensure_directory("l/empty").await.unwrap();
  s.write_file("l/a.txt", Bytes::from_static(b"a"))
    .await
    .unwrap();
  s.write_file("l/b/c.txt", Bytes::from_static(b"c"))
    .await
    .unwrap();
  s.write_file("l/odd name+ü.txt", Bytes::from_static(b"o"))
    .await
    .unwrap();
  assert_eq!(
    s.list_files("l").await.unwrap(),
    ["a.txt", "b", "empty", "odd name+ü.txt"]
  );
  assert_eq!(
    s.list_files("./l/").await.unwrap(),
    ["a.txt", "b", "empty", "odd name+ü.txt"]
  );
  assert_eq!(s.list_files("l/b").await.unwrap(), ["c.txt"]);
  assert!(s.list_files("l/empty").await.unwrap().is_empty());
  assert_eq!(code!(s.list_files("missing").await), "ENOENT");
  assert_eq!(code!(s.list_files("l/a.txt").await), "ENOTDIR");
  assert_eq!(code!(s.list_files("l/a.txt/x").await), "ENOTDIR");
}

pub async fn listing_and_recursive_delete_cover_more_than_one_page(s: Storage) {
  const FILES: usize = 1_050;
  s.ensure_directory("many/sub").await.unwrap();
  stream::iter(0..FILES)
    .map(|i| {
      let s = s.clone();
      async move {
        s.write_file(&format!("many/f{i:05}.txt"), Bytes::from(format!("{i}")))
          .await
      }
    })
    .buffer_unordered(32)
    .try_collect::<Vec<()>>()
    .await
    .unwrap();
  let names = s.list_files("many").await.unwrap();
  assert_eq!(names.len(), FILES + 1);
  assert_eq!(names.first().map(String::as_str), Some("f00000.txt"));
  assert_eq!(names.last().map(String::as_str), Some("sub"));
  assert_eq!(
    code!(s.delete_directory("many", dir_options(false, false)).await),
    "ENOTEMPTY"
  );
  s.delete_directory("many", dir_options(true, false))
    .await
    .unwrap();
  assert!(!s.directory_exists("many").await.unwrap());
  assert!(!s.directory_exists("many/sub").await.unwrap());
  assert!(s.list_files("/").await.unwrap().is_empty());
}

pub async fn delete_directory_follows_the_enoent_enotempty_enotdir_rules(s: Storage) {
  s.ensure_directory("e").await.unwrap();
  s.delete_directory("e", dir_options(false, false))
    .await
    .unwrap();
  assert!(!s.directory_exists("e").await.unwrap());

  assert_eq!(
    code!(s.delete_directory("e", dir_options(false, false)).await),
    "ENOENT"
  );
  assert_eq!(
    code!(s.delete_directory("e", dir_options(true, false)).await),
    "ENOENT"
  );
  s.delete_directory("e", dir_options(true, true))
    .await
    .unwrap();
  s.delete_directory("e", dir_options(false, true))
    .await
    .unwrap();

  s.write_file("n/f", Bytes::from_static(b"x")).await.unwrap();
  assert_eq!(
    code!(s.delete_directory("n", dir_options(false, false)).await),
    "ENOTEMPTY"
  );
  assert!(s.file_exists("n/f").await.unwrap());

  s.write_file("file", Bytes::from_static(b"x"))
    .await
    .unwrap();
  assert_eq!(
    code!(s.delete_directory("file", dir_options(false, false)).await),
    "ENOTDIR"
  );
  assert_eq!(
    code!(s.delete_directory("file", dir_options(true, true)).await),
    "ENOTDIR"
  );
  assert!(s.file_exists("file").await.unwrap());

  s.ensure_directory("t/a/b").await.unwrap();
  s.write_file("t/a/b/f", Bytes::from_static(b"x"))
    .await
    .unwrap();
  s.write_file("t/x", Bytes::from_static(b"")).await.unwrap();
  s.write_file("t2/keep", Bytes::from_static(b"x"))
    .await
    .unwrap();
  s.delete_directory("t", dir_options(true, false))
    .await
    .unwrap();
  for gone in ["t", "t/a", "t/a/b"] {
    assert!(!s.directory_exists(gone).await.unwrap(), "{gone}");
  }
  assert!(
    s.file_exists("t2/keep").await.unwrap(),
    "a sibling sharing the name's start stays"
  );
  assert_eq!(
    code!(s.delete_directory("/", dir_options(true, true)).await),
    "EACCES"
  );
}

pub async fn delete_file_is_enoent_when_missing_and_eisdir_for_directories(s: Storage) {
  s.write_file("f", Bytes::from_static(b"x")).await.unwrap();
  s.delete_file("f").await.unwrap();
  assert!(!s.file_exists("f").await.unwrap());
  assert_eq!(code!(s.delete_file("f").await), "ENOENT");
  s.ensure_directory("d").await.unwrap();
  assert_eq!(code!(s.delete_file("d").await), "EISDIR");
  s.write_file("p/q", Bytes::from_static(b"x")).await.unwrap();
  assert_eq!(code!(s.delete_file("p").await), "EISDIR");
  assert_eq!(code!(s.delete_file("p/q/r").await), "ENOTDIR");
}

pub async fn read_write_and_stats_round_trip(s: Storage) {
  let before = SystemTime::now() - Duration::from_secs(5);
  s.write_file("r/x.bin", Bytes::from_static(b"first"))
    .await
    .unwrap();
  s.write_file("r/x.bin", Bytes::from_static(b"second!"))
    .await
    .unwrap();
  assert_eq!(
    s.read_file("r/x.bin").await.unwrap(),
    Bytes::from_static(b"second!")
  );
  let stats = s.get_file_stats("/r/x.bin").await.unwrap();
  assert_eq!(stats.size, 7);
  assert!(stats.mtime > before && stats.mtime < SystemTime::now() + Duration::from_secs(5));
  assert_eq!(stats.ctime, stats.mtime);

  s.write_file("r/empty", Bytes::new()).await.unwrap();
  assert_eq!(s.read_file("r/empty").await.unwrap().len(), 0);
  assert!(s.file_exists("r/empty").await.unwrap());

  for name in ["sp ace.txt", "plus+sign.txt", "ünïcødé ✓.txt", "100%.txt"] {
    let path = format!("keys/{name}");
    s.write_file(&path, Bytes::from(name.to_string()))
      .await
      .unwrap();
    assert_eq!(
      s.read_file(&path).await.unwrap(),
      Bytes::from(name.to_string()),
      "{name}"
    );
  }
  assert_eq!(s.list_files("keys").await.unwrap().len(), 4);

  assert_eq!(
    code!(s.write_file("r", Bytes::from_static(b"x")).await),
    "EISDIR"
  );
  assert_eq!(
    code!(s.write_file("r/x.bin/y", Bytes::from_static(b"x")).await),
    "ENOTDIR"
  );
  assert_eq!(code!(s.read_file("r").await), "EISDIR");
  assert_eq!(code!(s.read_file("r/missing").await), "ENOENT");
  assert_eq!(code!(s.get_file_stats("r").await), "EISDIR");
  assert_eq!(code!(s.get_file_stats("r/missing").await), "ENOENT");
  assert_eq!(code!(s.read_file("../escape").await), "EACCES");
}

pub async fn delete_old_files_uses_listing_times_and_keeps_directories(s: Storage) {
  assert_eq!(
    s.delete_old_files("ret", SystemTime::now()).await.unwrap(),
    0,
    "missing directory"
  );
  s.ensure_directory("ret/sub").await.unwrap();
  s.write_file("ret/sub/deep-old", Bytes::from_static(b"x"))
    .await
    .unwrap();
  stream::iter(0..25)
    .map(|i| {
      let s = s.clone();
      async move {
        s.write_file(&format!("ret/old{i}"), Bytes::from_static(b"x"))
          .await
      }
    })
    .buffer_unordered(8)
    .try_collect::<Vec<()>>()
    .await
    .unwrap();
  // Stores keep whole seconds: a cutoff on a second boundary, with a second of margin each side.
  tokio::time::sleep(Duration::from_millis(1_200)).await;
  let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
  let cutoff = UNIX_EPOCH + Duration::from_secs(now.as_secs());
  tokio::time::sleep(Duration::from_millis(1_200)).await;
  s.write_file("ret/new", Bytes::from_static(b"x"))
    .await
    .unwrap();

  assert_eq!(s.delete_old_files("ret", cutoff).await.unwrap(), 25);
  assert_eq!(s.list_files("ret").await.unwrap(), ["new", "sub"]);
  assert!(s.file_exists("ret/sub/deep-old").await.unwrap());
}

/// Files in one directory only: what every S3-compatible server supports, s3s-fs included (it
/// keeps keys as files, so nested keys and `dir/` markers do not behave as on S3 there).
pub async fn flat_files_round_trip(s: Storage) {
  s.write_file("a.txt", Bytes::from_static(b"one"))
    .await
    .unwrap();
  s.write_file("a.txt", Bytes::from_static(b"two!"))
    .await
    .unwrap();
  s.write_file("sp ace+ü.txt", Bytes::from_static(b"odd"))
    .await
    .unwrap();
  assert_eq!(
    s.read_file("a.txt").await.unwrap(),
    Bytes::from_static(b"two!")
  );
  assert_eq!(
    s.read_file("/sp ace+ü.txt").await.unwrap(),
    Bytes::from_static(b"odd")
  );
  assert_eq!(s.get_file_stats("a.txt").await.unwrap().size, 4);
  assert!(s.file_exists("a.txt").await.unwrap());
  assert!(!s.directory_exists("a.txt").await.unwrap());
  assert_eq!(s.list_files("/").await.unwrap(), ["a.txt", "sp ace+ü.txt"]);
  assert_eq!(code!(s.list_files("a.txt").await), "ENOTDIR");
  assert_eq!(code!(s.read_file("missing").await), "ENOENT");
  assert_eq!(code!(s.get_file_stats("missing").await), "ENOENT");
  assert_eq!(code!(s.delete_file("missing").await), "ENOENT");
  s.delete_file("a.txt").await.unwrap();
  assert!(!s.file_exists("a.txt").await.unwrap());
  let later = SystemTime::now() + Duration::from_secs(5);
  assert_eq!(s.delete_old_files("/", later).await.unwrap(), 1);
  assert!(s.list_files("/").await.unwrap().is_empty());
}

// ---------------------------------------------------------------------------------------------
// Cases that need their own configuration.

async fn large_writes_use_multipart(backend: Backend) -> Option<()> {
  let settings = MultipartSettings {
    threshold: 1024 * 1024,
    part_size: 5 * 1024 * 1024,
    max_concurrency: 2,
    ..Default::default()
  };
  let mut prefix = None;
  let provider = backend.provider("multipart", |o| {
    if let Options::S3(s3) = o {
      prefix = s3.settings.prefix.clone();
    }
    o.settings().multipart = settings;
  })?;
  let s = Storage::new(provider);
  let data: Vec<u8> = (0..11 * 1024 * 1024 + 17)
    .map(|i: usize| (i * 31 % 251) as u8)
    .collect();
  s.write_file("blob.bin", Bytes::from(data.clone()))
    .await
    .unwrap();
  if let (Backend::Moto, Some(key)) = (backend, &prefix) {
    // An S3 multipart object's ETag ends in `-<parts>`.
    let etag = raw_s3_head(backend, &format!("{key}/blob.bin"))
      .await
      .e_tag
      .unwrap_or_default();
    assert!(etag.trim_matches('"').ends_with("-3"), "ETag {etag}");
  }
  assert_eq!(
    s.get_file_stats("blob.bin").await.unwrap().size,
    data.len() as u64
  );
  assert!(
    s.read_file("blob.bin").await.unwrap() == data,
    "bytes differ"
  );
  // Replacing works the same way.
  s.write_file("blob.bin", Bytes::from(data[..2 * 1024 * 1024].to_vec()))
    .await
    .unwrap();
  assert_eq!(
    s.read_file("blob.bin").await.unwrap().len(),
    2 * 1024 * 1024
  );
  // Up to the threshold a write is one PUT: an ETag without a part count.
  s.write_file("one.bin", Bytes::from(data[..1024 * 1024].to_vec()))
    .await
    .unwrap();
  if let (Backend::Moto, Some(key)) = (backend, &prefix) {
    let etag = raw_s3_head(backend, &format!("{key}/one.bin"))
      .await
      .e_tag
      .unwrap_or_default();
    assert!(!etag.contains('-'), "ETag {etag}");
  }
  Some(())
}

/// A write of 1 MiB or more sends its body while the write checks run, its last bytes held back
/// until they pass: when they refuse (`EISDIR`, `ENOTDIR`), the PUT is broken off and nothing is
/// stored; when they pass, the whole object is.
async fn large_writes_refused_by_the_checks_store_nothing(backend: Backend) -> Option<()> {
  let s = backend.storage("gated")?;
  let big = || {
    Bytes::from(
      (0..2 * 1024 * 1024 + 5)
        .map(|i: usize| (i % 253) as u8)
        .collect::<Vec<_>>(),
    )
  };
  s.write_file("d/x.txt", Bytes::from_static(b"x"))
    .await
    .unwrap();
  s.write_file("f.txt", Bytes::from_static(b"f"))
    .await
    .unwrap();
  assert_eq!(code!(s.write_file("d", big()).await), "EISDIR");
  assert_eq!(
    code!(s.write_file("f.txt/under.bin", big()).await),
    "ENOTDIR"
  );
  // What a server does with a broken-off body, it does by now.
  tokio::time::sleep(Duration::from_millis(300)).await;
  assert!(
    !s.file_exists("d").await.unwrap(),
    "the refused write left d"
  );
  s.delete_file("f.txt").await.unwrap();
  assert!(
    !s.file_exists("f.txt/under.bin").await.unwrap(),
    "the refused write left f.txt/under.bin"
  );
  // Passing checks: the whole object.
  s.delete_directory("d", dir_options(true, false))
    .await
    .unwrap();
  s.write_file("d", big()).await.unwrap();
  assert!(s.read_file("d").await.unwrap() == big(), "bytes differ");
  Some(())
}

/// `skip_write_checks`: writes are the PUT alone, so what the checks refuse gets written; every
/// other operation keeps its checks.
async fn skip_write_checks_leaves_out_the_write_checks(backend: Backend) -> Option<()> {
  let provider = backend.provider("nochecks", |o| o.settings().skip_write_checks = true)?;
  let s = Storage::new(provider);
  s.write_file("f.txt", Bytes::from_static(b"f"))
    .await
    .unwrap();
  s.write_file("d/x.txt", Bytes::from_static(b"x"))
    .await
    .unwrap();
  // Refused by default (ENOTDIR, EISDIR); written without the checks.
  s.write_file("f.txt/under.txt", Bytes::from_static(b"u"))
    .await
    .unwrap();
  s.write_file("d", Bytes::from_static(b"d")).await.unwrap();
  assert_eq!(&s.read_file("f.txt/under.txt").await.unwrap()[..], b"u");
  assert_eq!(&s.read_file("d").await.unwrap()[..], b"d");
  assert_eq!(code!(s.ensure_directory("f.txt/sub").await), "ENOTDIR");
  Some(())
}

/// What the write checks remember (`write_check_cache`): this provider's own changes count at
/// once (a directory its writes made refuses a file, a deleted one no longer does), another
/// client's are seen only after the window, and a zero window sees them at once.
async fn write_checks_remember_for_the_window_but_never_miss_their_own_changes(
  backend: Backend,
) -> Option<()> {
  let mut prefix = None;
  let here = backend.provider("memo", |o| {
    let settings = o.settings();
    settings.write_check_cache = Some(Duration::from_secs(600));
    prefix = settings.prefix.clone();
  })?;
  let prefix = prefix?;
  let client = |window: Option<Duration>| {
    let provider = backend.provider("memo", |o| {
      let settings = o.settings();
      settings.prefix = Some(prefix.clone());
      settings.write_check_cache = window;
    });
    Storage::new(provider.expect("the same backend"))
  };
  let (here, other, strict) = (
    Storage::new(here),
    client(None),
    client(Some(Duration::ZERO)),
  );
  let data = || Bytes::from_static(b"data");

  // The second write into `d` reads its listing: it has the directories there before it, a
  // marker alone or keys under a prefix.
  other.ensure_directory("d/marked").await.unwrap();
  other.write_file("d/implied/x", data()).await.unwrap();
  here.write_file("d/a", data()).await.unwrap();
  here.write_file("d/b", data()).await.unwrap();
  assert_eq!(code!(here.write_file("d/marked", data()).await), "EISDIR");
  assert_eq!(code!(here.write_file("d/implied", data()).await), "EISDIR");
  // What this provider does after the listing still counts.
  here.write_file("d/sub/x", data()).await.unwrap();
  assert_eq!(code!(here.write_file("d/sub", data()).await), "EISDIR");
  assert_eq!(code!(here.write_file("d/a/under", data()).await), "ENOTDIR");
  here
    .delete_directory("d/sub", dir_options(true, false))
    .await
    .unwrap();
  here.write_file("d/sub", data()).await.unwrap();
  here.ensure_directory("d/made").await.unwrap();
  assert_eq!(code!(here.write_file("d/made", data()).await), "EISDIR");
  here.write_file("d/c", data()).await.unwrap();

  // Another client's directory, made after that listing was read: missed for the window.
  other.write_file("d/theirs/x", data()).await.unwrap();
  here.write_file("d/theirs", data()).await.unwrap();
  other
    .delete_directory("d/made", dir_options(false, false))
    .await
    .unwrap();
  here.ensure_directory("d/made").await.unwrap();
  assert!(!here.directory_exists("d/made").await.unwrap());
  // A directory another client deleted still refuses a write here for the window.
  other
    .delete_directory("d/implied", dir_options(true, false))
    .await
    .unwrap();
  assert_eq!(code!(here.write_file("d/implied", data()).await), "EISDIR");

  // No window: every write asks the store.
  other.write_file("d/later/x", data()).await.unwrap();
  strict.write_file("d/e", data()).await.unwrap();
  strict.write_file("d/f", data()).await.unwrap();
  assert_eq!(code!(strict.write_file("d/later", data()).await), "EISDIR");
  strict.ensure_directory("d/gone").await.unwrap();
  other
    .delete_directory("d/gone", dir_options(false, false))
    .await
    .unwrap();
  strict.ensure_directory("d/gone").await.unwrap();
  assert!(strict.directory_exists("d/gone").await.unwrap());
  strict.write_file("d/implied", data()).await.unwrap();
  Some(())
}

/// A loopback TCP proxy in front of the server at `upstream` (`host:port`) that counts the HEAD
/// requests going through it: how many questions a provider asks the store.
struct HeadCounter {
  endpoint: String,
  heads: Arc<AtomicUsize>,
}

impl HeadCounter {
  async fn start(upstream: String) -> HeadCounter {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let endpoint = format!("127.0.0.1:{}", listener.local_addr().unwrap().port());
    let heads = Arc::new(AtomicUsize::new(0));
    let count = heads.clone();
    tokio::spawn(async move {
      while let Ok((client, _)) = listener.accept().await {
        let (upstream, count) = (upstream.clone(), count.clone());
        tokio::spawn(async move {
          let Ok(server) = TcpStream::connect(&upstream).await else {
            return;
          };
          let (mut from_client, mut to_client) = client.into_split();
          let (mut from_server, mut to_server) = server.into_split();
          let requests = async {
            let mut buf = vec![0; 64 * 1024];
            while let Ok(n @ 1..) = from_client.read(&mut buf).await {
              // A request's head comes in one write; bodies here never hold "HEAD /".
              let heads = buf[..n].windows(6).filter(|w| w == b"HEAD /").count();
              count.fetch_add(heads, Ordering::Relaxed);
              if to_server.write_all(&buf[..n]).await.is_err() {
                break;
              }
            }
            let _ = to_server.shutdown().await;
          };
          let responses = async {
            let _ = tokio::io::copy(&mut from_server, &mut to_client).await;
            let _ = to_client.shutdown().await;
          };
          tokio::join!(requests, responses);
        });
      }
    });
    HeadCounter { endpoint, heads }
  }

  fn heads(&self) -> usize {
    self.heads.load(Ordering::Relaxed)
  }
}

/// The `host:port` of `backend`'s server, from its test variables.
fn server_address(backend: Backend) -> Option<String> {
  let url = match backend {
    Backend::Azurite => {
      let connection = var("STOWAGE_TEST_AZURE_CONNECTION_STRING")?;
      let at = connection.find("BlobEndpoint=")? + "BlobEndpoint=".len();
      connection[at..].split(';').next()?.to_string()
    }
    Backend::Moto => var("STOWAGE_TEST_S3_ENDPOINT")?,
    Backend::S3sFs => var("STOWAGE_TEST_S3_STRICT_ENDPOINT")?,
  };
  let rest = url.strip_prefix("http://")?;
  Some(rest.split('/').next()?.to_string())
}

/// Points `options` at `address` (`host:port`) instead of the server's own.
fn through(options: &mut Options, server: &str, address: &str) {
  match options {
    Options::S3(o) => o.endpoint = o.endpoint.as_ref().map(|e| e.replace(server, address)),
    Options::Azure(o) => {
      o.connection_string = o
        .connection_string
        .as_ref()
        .map(|c| c.replace(server, address))
    }
  }
}

/// Writes that check the same parent at the same time share one HEAD of it (per
/// `write_check_cache` window): 16 writes at once into a new `a/b/c/` ask about `a`, `a/b` and
/// `a/b/c` once each, where a zero window asks 16 times each. A file in the way is still seen by
/// every one of them.
async fn concurrent_writes_share_their_parent_checks(backend: Backend) -> Option<()> {
  let server = server_address(backend)?;
  let proxy = HeadCounter::start(server.clone()).await;
  let storage = |window: Duration| {
    let provider = backend.provider("shared-checks", |o| {
      through(o, &server, &proxy.endpoint);
      o.settings().write_check_cache = Some(window);
    });
    Storage::new(provider.expect("the same backend"))
  };
  let data = || Bytes::from_static(b"data");
  // 16 writes into `dir` at once; each one's error code, if any.
  let burst = |s: Storage, dir: &'static str| async move {
    let names: Vec<String> = (0..16).map(|i| format!("{dir}/f{i}")).collect();
    let writes = names.iter().map(|name| s.write_file(name, data()));
    let results = futures::future::join_all(writes).await;
    results
      .into_iter()
      .map(|r| r.err().map(|e| e.code()))
      .collect::<Vec<_>>()
  };

  let shared = storage(Duration::from_secs(600));
  let before = proxy.heads();
  assert_eq!(burst(shared.clone(), "a/b/c").await, [None; 16]);
  let heads = proxy.heads() - before;
  // Three parents, and the marker of the new directory's first key (checked on its own; the
  // other writes share one listing of `a/b/c`).
  assert!(heads <= 5, "{heads} HEADs for 16 writes into a/b/c/");

  let strict = storage(Duration::ZERO);
  let before = proxy.heads();
  assert_eq!(burst(strict, "x/y/z").await, [None; 16]);
  let heads = proxy.heads() - before;
  assert!(
    heads >= 48,
    "with a zero window every write asks for itself: {heads} HEADs"
  );

  // A file in the way of a parent: every write of the burst is refused.
  shared.write_file("a/file", data()).await.unwrap();
  assert_eq!(burst(shared, "a/file/under").await, [Some("ENOTDIR"); 16]);
  Some(())
}

/// A source over `max_server_copy` is copied through the process (S3's `CopyObject` stops at
/// 5 GiB): the bytes arrive whole, a move removes the source, a missing source is still ENOENT.
async fn copies_over_the_server_limit_stream_through(backend: Backend) -> Option<()> {
  let mut prefix = None;
  let provider = backend.provider("bigcopy", |o| {
    if let Options::S3(o) = o {
      o.max_server_copy = Some(1024);
      o.settings.multipart = MultipartSettings {
        threshold: 1024 * 1024,
        part_size: 5 * 1024 * 1024,
        max_concurrency: 2,
        ..Default::default()
      };
      prefix = o.settings.prefix.clone();
    }
  })?;
  let prefix = prefix?;
  let s = Storage::new(provider);
  let data: Vec<u8> = (0..11 * 1024 * 1024 + 17)
    .map(|i| (i % 251) as u8)
    .collect();
  let options = stowage_core::WriteOptions {
    metadata: stowage_core::FileMetadata {
      cache_control: Some("no-cache".into()),
      ..Default::default()
    },
    ..Default::default()
  };
  s.write_file_with("src.bin", Bytes::from(data.clone()), options)
    .await
    .unwrap();
  s.copy_file("src.bin", "copies/dst.bin").await.unwrap();
  // Streamed through the process, the copy still keeps the source's headers.
  let (_, copied) = s.file_details("copies/dst.bin").await.unwrap();
  assert_eq!(copied.metadata.cache_control.as_deref(), Some("no-cache"));
  assert_eq!(
    copied.metadata.content_type.as_deref(),
    Some("application/octet-stream")
  );
  assert!(
    s.read_file("copies/dst.bin").await.unwrap() == data,
    "bytes differ"
  );
  // Moto answers CopyObject with the content's MD5; a copy streamed through the process went
  // up in 5 MiB parts, and a multipart ETag ends in `-<parts>`.
  let etag = raw_s3_head(backend, &format!("{prefix}/copies/dst.bin"))
    .await
    .e_tag;
  assert!(
    etag.unwrap_or_default().trim_matches('"').ends_with("-3"),
    "not streamed"
  );
  s.move_file("copies/dst.bin", "moved.bin").await.unwrap();
  assert!(
    s.read_file("moved.bin").await.unwrap() == data,
    "bytes differ after the move"
  );
  assert!(!s.file_exists("copies/dst.bin").await.unwrap());
  assert!(s.file_exists("src.bin").await.unwrap());
  assert_eq!(code!(s.copy_file("missing.bin", "x.bin").await), "ENOENT");
  Some(())
}

/// Object metadata straight from object_store, bypassing Stowage.
async fn raw_s3_head(backend: Backend, key: &str) -> object_store::ObjectMeta {
  use object_store::ObjectStoreExt;
  let o = backend.s3_options().unwrap();
  let store = object_store::aws::AmazonS3Builder::new()
    .with_endpoint(o.endpoint.unwrap())
    .with_allow_http(true)
    .with_bucket_name(o.bucket.unwrap())
    .with_region(o.region.unwrap())
    .with_access_key_id(o.access_key_id.unwrap())
    .with_secret_access_key(o.secret_access_key.unwrap())
    .build()
    .unwrap();
  store
    .head(&object_store::path::Path::parse(key).unwrap())
    .await
    .unwrap()
}

async fn a_missing_bucket_is_a_configuration_error(backend: Backend) -> Option<()> {
  let provider = backend.provider("nobucket", |o| match o {
    Options::S3(o) => o.bucket = Some("stowage-no-such-bucket".into()),
    Options::Azure(o) => o.container = Some("stowage-no-such-container".into()),
  })?;
  let s = Storage::new(provider);
  let err = s.file_exists("a.txt").await.unwrap_err();
  assert_eq!(err.code(), "EINVAL", "{err}");
  let variable = if backend == Backend::Azurite {
    "AZURE_CONTAINER_NAME"
  } else {
    "AWS_S3_BUCKET"
  };
  assert!(
    err.reason().contains(variable) && err.reason().contains("stowage-no-such-"),
    "{err}"
  );
  Some(())
}

async fn a_wrong_secret_is_eacces_and_never_shown(backend: Backend) -> Option<()> {
  // Valid base64, as an Azure key must be, of "V3ryWr0ng…".
  const WRONG: &str =
    "VjNyeVdyMG5nU2VjcmV0VmFsdWVWM3J5V3IwbmdTZWNyZXRWYWx1ZVYzcnlXcjBuZ1NlY3JldFZhbHVl";
  let provider = backend.provider("wrongsecret", |o| match o {
    Options::S3(o) => o.secret_access_key = Some(WRONG.into()),
    Options::Azure(o) => {
      o.account = var("STOWAGE_TEST_AZURE_ACCOUNT");
      o.access_key = Some(WRONG.into());
    }
  })?;
  let s = Storage::new(provider);
  for err in [
    s.file_exists("a.txt").await.unwrap_err(),
    s.write_file("a.txt", Bytes::from_static(b"x"))
      .await
      .unwrap_err(),
    s.list_files("/").await.unwrap_err(),
  ] {
    assert_eq!(err.code(), "EACCES", "{err}");
    assert!(!err.is_retryable(), "{err}");
    let shown = format!("{err} {err:?}");
    assert!(
      !shown.contains(WRONG) && !shown.contains("VjNyeVdyMG5n"),
      "{shown}"
    );
  }
  Some(())
}

/// Needs no server: nothing listens on port 1.
#[tokio::test]
async fn an_unreachable_endpoint_is_a_retryable_eio_without_secrets() {
  let options = S3Options {
    bucket: Some("b".into()),
    endpoint: Some("http://127.0.0.1:1".into()),
    access_key_id: Some("AKIDUNREACHABLE".into()),
    secret_access_key: Some("UnreachableSecretValue".into()),
    settings: ObjectSettings {
      retry: RetrySettings {
        max_retries: 1,
        retry_timeout: Duration::from_secs(2),
        ..Default::default()
      },
      ..Default::default()
    },
    ..Default::default()
  };
  let s = Storage::new(ObjectStoreProvider::s3(options).unwrap());
  let err = s.read_file("a.txt").await.unwrap_err();
  assert_eq!(err.code(), "EIO", "{err}");
  assert!(err.is_retryable(), "{err}");
  assert!(
    !format!("{err:?}").contains("UnreachableSecretValue"),
    "{err:?}"
  );
}

// ---------------------------------------------------------------------------------------------
// Wiring: every case on every backend, one #[tokio::test] each.

macro_rules! on_backend {
  ($module:ident, $backend:expr, [$($case:ident),* $(,)?], [$($special:ident),* $(,)?]) => {
    mod $module {
      use super::*;
      $(
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $case() {
          match $backend.storage(stringify!($case)) {
            Some(storage) => super::$case(storage).await,
            None => skipped(concat!(stringify!($module), "::", stringify!($case)), $backend.variable()),
          }
        }
      )*
      $(
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $special() {
          if super::$special($backend).await.is_none() {
            skipped(concat!(stringify!($module), "::", stringify!($special)), $backend.variable());
          }
        }
      )*
    }
  };
}

macro_rules! conformance {
  ($($module:ident => $backend:expr, [$($special:ident),* $(,)?];)*) => {
    $(
      on_backend!($module, $backend, [
        flat_files_round_trip,
        ensure_directory_creates_parents_and_is_idempotent,
        ensure_directory_refuses_a_file_in_the_way,
        exists_checks_tell_files_from_directories,
        list_files_names_direct_children_without_markers,
        listing_and_recursive_delete_cover_more_than_one_page,
        delete_directory_follows_the_enoent_enotempty_enotdir_rules,
        delete_file_is_enoent_when_missing_and_eisdir_for_directories,
        read_write_and_stats_round_trip,
        delete_old_files_uses_listing_times_and_keeps_directories,
      ], [$($special),*]);
    )*
  };
}

conformance! {
  moto => Backend::Moto, [large_writes_use_multipart, large_writes_refused_by_the_checks_store_nothing, a_missing_bucket_is_a_configuration_error, skip_write_checks_leaves_out_the_write_checks, write_checks_remember_for_the_window_but_never_miss_their_own_changes, concurrent_writes_share_their_parent_checks, copies_over_the_server_limit_stream_through];
  azurite => Backend::Azurite, [large_writes_use_multipart, large_writes_refused_by_the_checks_store_nothing, a_missing_bucket_is_a_configuration_error, a_wrong_secret_is_eacces_and_never_shown, skip_write_checks_leaves_out_the_write_checks, write_checks_remember_for_the_window_but_never_miss_their_own_changes, concurrent_writes_share_their_parent_checks];
}

// s3s-fs maps keys to files: `dir/` markers become bare directories it cannot HEAD (500) or list,
// so only the flat cases and the credential checks run there.
on_backend!(
  s3s_fs,
  Backend::S3sFs,
  [flat_files_round_trip],
  [
    large_writes_use_multipart,
    a_missing_bucket_is_a_configuration_error,
    a_wrong_secret_is_eacces_and_never_shown,
  ]
);
