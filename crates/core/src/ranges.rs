//! Range reads (`readFile(path, { start, end })`) where a provider has no faster way.

use bytes::{Bytes, BytesMut};

use crate::error::Result;
use crate::path::StoragePath;
use crate::provider::Provider;
use crate::stream::ByteRange;

/// Bytes a range read asks a streaming reader for at a time.
const CHUNK: usize = 1024 * 1024;

/// `start..end` (end exclusive) of a file of `size` bytes; empty when `start` is past the end.
pub fn clamp(range: ByteRange, size: u64) -> std::ops::Range<u64> {
  let start = range.start.min(size);
  let end = range
    .end
    .map_or(size, |e| e.saturating_add(1).min(size))
    .max(start);
  start..end
}

/// Through the provider's streaming read, or a slice of the whole file without one.
pub async fn read_range_default<P: Provider + ?Sized>(
  provider: &P,
  path: &StoragePath,
  range: ByteRange,
) -> Result<Bytes> {
  match provider.capabilities().streaming {
    Some(streaming) => {
      let mut reader = streaming.open_read(path, range, CHUNK).await?;
      let mut out = BytesMut::new();
      while let Some(chunk) = reader.next_chunk().await? {
        out.extend_from_slice(&chunk);
      }
      Ok(out.freeze())
    }
    None => {
      let data = provider.read_file(path).await?;
      let r = clamp(range, data.len() as u64);
      Ok(data.slice(r.start as usize..r.end as usize))
    }
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn ranges_are_inclusive_and_clamped_like_create_read_stream() {
    let r = |start, end| ByteRange { start, end };
    assert_eq!(clamp(r(0, None), 10), 0..10);
    assert_eq!(clamp(r(2, Some(4)), 10), 2..5);
    assert_eq!(clamp(r(8, Some(100)), 10), 8..10);
    assert_eq!(clamp(r(20, None), 10), 10..10);
    assert_eq!(clamp(r(0, Some(0)), 0), 0..0);
  }
}
