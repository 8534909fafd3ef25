//! A provider with only the required trait (no capabilities) behind the facade: every operation
//! beyond it either falls back to the required operations with the same result, or fails with
//! `ENOTSUP` and the message every such provider gives. The provider here passes the required
//! operations to MEMORY and declares nothing more.

use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use bytes::Bytes;
use stowage_core::metadata::SignedHeaders;
use stowage_core::{
  ByteRange, Cancel, DeleteDirectoryOptions, DeleteOldFilesOptions, DirEntry, FileMetadata,
  FileStats, ListDetail, Lister, MemoryProvider, PathRules, Provider, Result, SignedMethod,
  Storage, StoragePath, WriteOptions,
};

#[derive(Debug, Default)]
struct Bare(MemoryProvider);

#[async_trait]
impl Provider for Bare {
  fn name(&self) -> &'static str {
    "BARE"
  }

  fn path_rules(&self) -> &PathRules {
    self.0.path_rules()
  }

  async fn ensure_directory(&self, path: &StoragePath) -> Result<()> {
    self.0.ensure_directory(path).await
  }

  async fn directory_exists(&self, path: &StoragePath) -> Result<bool> {
    self.0.directory_exists(path).await
  }

  async fn delete_directory(
    &self,
    path: &StoragePath,
    options: DeleteDirectoryOptions,
    cancel: &Cancel,
  ) -> Result<()> {
    self.0.delete_directory(path, options, cancel).await
  }

  async fn delete_file(&self, path: &StoragePath) -> Result<()> {
    self.0.delete_file(path).await
  }

  async fn file_exists(&self, path: &StoragePath) -> Result<bool> {
    self.0.file_exists(path).await
  }

  async fn list_dir(&self, path: &StoragePath, detail: ListDetail) -> Result<Vec<DirEntry>> {
    self.0.list_dir(path, detail).await
  }

  async fn lister(&self, path: &StoragePath, recursive: bool) -> Result<Box<dyn Lister>> {
    self.0.lister(path, recursive).await
  }

  async fn get_file_stats(&self, path: &StoragePath) -> Result<FileStats> {
    self.0.get_file_stats(path).await
  }

  async fn read_file(&self, path: &StoragePath) -> Result<Bytes> {
    self.0.read_file(path).await
  }

  async fn write_file(&self, path: &StoragePath, data: Bytes) -> Result<()> {
    self.0.write_file(path, data).await
  }

  async fn copy_file(&self, src: &StoragePath, dst: &StoragePath) -> Result<()> {
    self.0.copy_file(src, dst).await
  }
}

fn bare() -> Storage {
  Storage::new(Bare::default())
}

fn with_metadata() -> WriteOptions {
  let mut metadata = FileMetadata::default();
  metadata.metadata.insert("owner".into(), "me".into());
  WriteOptions {
    metadata,
    ..Default::default()
  }
}

#[tokio::test]
async fn what_needs_a_capability_is_enotsup_with_one_message() {
  let s = bare();
  s.write_file("f.txt", Bytes::from_static(b"x"))
    .await
    .unwrap();
  let hour = Duration::from_secs(3600);
  let plain = s.signed_url("f.txt", SignedMethod::Get, hour).await;
  let e = plain.unwrap_err();
  assert_eq!(e.code(), "ENOTSUP");
  assert_eq!(
    e.reason(),
    "signed URLs need an object store (S3, Azure Blob or GCS)"
  );
  let headers = SignedHeaders {
    response_content_type: Some("text/plain".into()),
    ..Default::default()
  };
  let e = s
    .signed_url_with("f.txt", SignedMethod::Get, hour, headers)
    .await
    .unwrap_err();
  assert_eq!(e.code(), "ENOTSUP");
  assert!(e.reason().contains("response headers"), "{}", e.reason());
  let e = s
    .write_file_with("g.txt", Bytes::from_static(b"y"), with_metadata())
    .await
    .unwrap_err();
  assert_eq!(e.code(), "ENOTSUP");
  assert!(!s.file_exists("g.txt").await.unwrap());
  let e = s
    .delete_file_if_match("f.txt", "\"etag\"".into())
    .await
    .unwrap_err();
  assert_eq!(e.code(), "ENOTSUP");
  assert!(s.file_exists("f.txt").await.unwrap());
}

#[tokio::test]
async fn the_rest_falls_back_to_the_required_operations() {
  let s = bare();
  assert!(!s.runs_inline());
  s.write_file("d/f.txt", Bytes::from_static(b"0123456789"))
    .await
    .unwrap();
  // Details without stored metadata: no ETag, the type guessed from the name.
  let (stats, details) = s.file_details("d/f.txt").await.unwrap();
  assert_eq!(stats.size, 10);
  assert_eq!(details.etag, None);
  assert_eq!(details.metadata.content_type.as_deref(), Some("text/plain"));
  // A read stream slices the whole file; a range read too.
  let range = ByteRange {
    start: 2,
    end: Some(6),
  };
  let mut reader = s.open_read("d/f.txt", range, 2).await.unwrap();
  let mut chunks = Vec::new();
  while let Some(chunk) = reader.next_chunk().await.unwrap() {
    chunks.push(chunk);
  }
  assert_eq!(chunks, ["23", "45", "6"]);
  assert_eq!(s.read_range("d/f.txt", range).await.unwrap(), "23456");
  // A write stream is buffered and published on finish.
  let mut writer = s.open_write("d/w.txt").await.unwrap();
  writer.write(Bytes::from_static(b"ab")).await.unwrap();
  assert!(!s.file_exists("d/w.txt").await.unwrap());
  writer.finish().await.unwrap();
  assert_eq!(s.read_file("d/w.txt").await.unwrap(), "ab");
  // Names come from `list_dir`; nothing to clean up.
  assert_eq!(s.list_files("d").await.unwrap(), ["f.txt", "w.txt"]);
  assert_eq!(
    s.cleanup_temp_files("d", SystemTime::now()).await.unwrap(),
    0
  );
  // A plain copy works; one with metadata is ENOTSUP.
  s.copy_file("d/f.txt", "d/c.txt").await.unwrap();
  let e = s
    .copy_file_with("d/f.txt", "d/m.txt", with_metadata())
    .await
    .unwrap_err();
  assert_eq!(e.code(), "ENOTSUP");
  // A recursive delete, also through the abortable path.
  s.write_file("t/a/b.txt", Bytes::new()).await.unwrap();
  let recursive = DeleteDirectoryOptions {
    recursive: true,
    force: false,
  };
  s.delete_directory_with("t", recursive, Cancel::new())
    .await
    .unwrap();
  assert!(!s.directory_exists("t").await.unwrap());
}

#[tokio::test]
async fn delete_old_files_goes_through_the_listing() {
  let s = bare();
  for path in ["d/a", "d/b", "d/sub/c", "d/sub/deeper/e"] {
    s.write_file(path, Bytes::from_static(b"old"))
      .await
      .unwrap();
  }
  let cutoff = SystemTime::now() + Duration::from_secs(3600);
  assert_eq!(s.delete_old_files("d", cutoff).await.unwrap(), 2);
  assert_eq!(s.list_files("d").await.unwrap(), ["sub"]);
  let recursive = DeleteOldFilesOptions {
    recursive: true,
    cancel: None,
  };
  let deleted = s.delete_old_files_with("d", cutoff, recursive).await;
  assert_eq!(deleted.unwrap(), 2);
  assert_eq!(
    s.list_files_recursive("d").await.unwrap(),
    ["sub", "sub/deeper"]
  );
  let earlier = SystemTime::now() - Duration::from_secs(3600);
  s.write_file("d/new", Bytes::new()).await.unwrap();
  assert_eq!(s.delete_old_files("d", earlier).await.unwrap(), 0);
  assert_eq!(s.delete_old_files("missing", cutoff).await.unwrap(), 0);
  let cancel = Cancel::new();
  cancel.cancel();
  let options = DeleteOldFilesOptions {
    recursive: true,
    cancel: Some(cancel),
  };
  let e = s.delete_old_files_with("d", cutoff, options).await;
  assert_eq!(e.unwrap_err().code(), "ABORT_ERR");
  assert!(s.file_exists("d/new").await.unwrap());
}
