//! The facade's file operations beyond SPEC's ten: range reads, copy, move and checksums.

use bytes::Bytes;

use crate::checksum::{Algorithm, Hasher};
use crate::error::{Error, ErrorKind, Result};
use crate::path::StoragePath;
use crate::provider::Provider;
use crate::storage::{Op, Storage};
use crate::stream::ByteRange;

const READ_RANGE: Op = Op {
  name: "readFile",
  done: None,
  failed: "Failed to read file",
};
pub(crate) const COPY_FILE: Op = Op {
  name: "copyFile",
  done: Some("File copied"),
  failed: "Failed to copy file",
};
const MOVE_FILE: Op = Op {
  name: "moveFile",
  done: Some("File moved"),
  failed: "Failed to move file",
};
const CHECKSUM: Op = Op {
  name: "checksum",
  done: None,
  failed: "Failed to checksum file",
};

/// Bytes a checksum reads at a time: memory stays at about this much whatever the file's size.
pub const CHECKSUM_CHUNK_SIZE: usize = 1024 * 1024;

impl Storage {
  /// Bytes `start..=end` of a file (both inclusive, as in `fs.createReadStream`), clamped to its
  /// size: a range past the end gives what exists, or nothing.
  pub async fn read_range(&self, path: &str, range: ByteRange) -> Result<Bytes> {
    self
      .run(&READ_RANGE, path, |p, path| async move {
        if path.is_root() {
          return Err(Error::of(ErrorKind::IsADirectory));
        }
        p.read_range(&path, range).await
      })
      .await
  }

  /// Copies the file `src` to `dst` (parents created, `dst` replaced atomically).
  pub async fn copy_file(&self, src: &str, dst: &str) -> Result<()> {
    self
      .run(&COPY_FILE, src, |p, src| async move {
        let dst = target(p, &src, dst).await?;
        match dst {
          Some(dst) => {
            p.copy_file_with(&src, &dst, &crate::metadata::WriteOptions::default())
              .await
          }
          None => Ok(()),
        }
      })
      .await
  }

  /// Moves the file `src` to `dst`: a rename on LOCAL and MEMORY; copy, then delete, on object
  /// stores (not atomic there).
  pub async fn move_file(&self, src: &str, dst: &str) -> Result<()> {
    self
      .run(&MOVE_FILE, src, |p, src| async move {
        match target(p, &src, dst).await? {
          Some(dst) => p.move_file(&src, &dst).await,
          None => Ok(()),
        }
      })
      .await
  }

  /// The hex digest of the file, read in chunks of [`CHECKSUM_CHUNK_SIZE`] bytes.
  pub async fn checksum(&self, path: &str, algorithm: Algorithm) -> Result<String> {
    self
      .run(&CHECKSUM, path, |p, path| async move {
        if path.is_root() {
          return Err(Error::of(ErrorKind::IsADirectory));
        }
        let mut hasher = Hasher::new(algorithm);
        match p.capabilities().streaming {
          Some(streaming) => {
            let whole = ByteRange::default();
            let mut reader = streaming
              .open_read(&path, whole, CHECKSUM_CHUNK_SIZE)
              .await?;
            while let Some(chunk) = reader.next_chunk().await? {
              hasher.update(&chunk);
            }
          }
          // No streaming read (MEMORY): the bytes are in memory already.
          None => hasher.update(&p.read_file(&path).await?),
        }
        Ok(hasher.finish())
      })
      .await
  }
}

/// `dst` parsed, or `None` when it names `src` itself: then there is nothing to do once `src` is
/// known to be a file (a copy onto itself must never turn into a delete on object stores).
async fn target(p: &dyn Provider, src: &StoragePath, dst: &str) -> Result<Option<StoragePath>> {
  let dst = StoragePath::parse(dst, p.path_rules()).map_err(|e| e.with_path(dst))?;
  if src.is_root() {
    return Err(Error::of(ErrorKind::IsADirectory));
  }
  if dst.is_root() {
    return Err(Error::of(ErrorKind::IsADirectory).with_path(dst.as_str()));
  }
  if dst.key() != src.key() {
    return Ok(Some(dst));
  }
  p.get_file_stats(src).await?;
  Ok(None)
}
