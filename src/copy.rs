//! Copies of the caller's bytes that a write owns (see `args::data`: a write never reads the
//! caller's buffer after the call returns). Large copies go into anonymous mappings the kernel
//! populates in one go; a piecewise write recycles its pieces' mappings as it finishes with them.

#[cfg(target_os = "linux")]
use std::sync::{Arc, Mutex, PoisonError};

use bytes::Bytes;

/// From this size on, a copy goes into memory mapped for it alone.
#[cfg(target_os = "linux")]
const MAPPED_COPY: usize = 8 << 20;

/// A copy of `src` that the write owns. Copying a large buffer into fresh memory is mostly page
/// faults, one per 4 KiB; on Linux a large copy goes into an anonymous mapping the kernel fills in
/// one go (`MAP_POPULATE`), which made a 256 MiB copy take ~100 ms instead of ~190 ms here.
pub fn snapshot(src: &[u8]) -> Bytes {
  #[cfg(target_os = "linux")]
  if src.len() >= MAPPED_COPY {
    if let Some(copy) = Mapped::copy_of(src) {
      return Bytes::from_owner(copy);
    }
  }
  Bytes::copy_from_slice(src)
}

/// Anonymous memory holding a copy, unmapped when the last `Bytes` of it goes.
#[cfg(target_os = "linux")]
struct Mapped {
  ptr: std::ptr::NonNull<u8>,
  len: usize,
}

// SAFETY: the mapping belongs to this value alone and is only read after `copy_of` filled it.
#[cfg(target_os = "linux")]
unsafe impl Send for Mapped {}
#[cfg(target_os = "linux")]
unsafe impl Sync for Mapped {}

#[cfg(target_os = "linux")]
impl Mapped {
  /// `None` when the kernel refuses the mapping (the caller copies into the heap instead).
  fn copy_of(src: &[u8]) -> Option<Mapped> {
    use rustix::mm::{mmap_anonymous, MapFlags, ProtFlags};
    // SAFETY: a fresh private mapping, no address asked for; nothing else refers to it.
    let ptr = unsafe {
      mmap_anonymous(
        std::ptr::null_mut(),
        src.len(),
        ProtFlags::READ | ProtFlags::WRITE,
        MapFlags::PRIVATE | MapFlags::POPULATE,
      )
    }
    .ok()?;
    let ptr = std::ptr::NonNull::new(ptr.cast::<u8>())?;
    // SAFETY: the mapping is `src.len()` writable bytes and cannot overlap `src`.
    unsafe { std::ptr::copy_nonoverlapping(src.as_ptr(), ptr.as_ptr(), src.len()) };
    Some(Mapped {
      ptr,
      len: src.len(),
    })
  }

  /// Copies `src` (at most `len` bytes) to the start of the mapping.
  fn fill_from(&mut self, src: &[u8]) {
    assert!(src.len() <= self.len);
    // SAFETY: the mapping has `len` writable bytes, this value owns it, and it cannot overlap
    // `src` (the caller's memory).
    unsafe { std::ptr::copy_nonoverlapping(src.as_ptr(), self.ptr.as_ptr(), src.len()) };
  }
}

#[cfg(target_os = "linux")]
impl AsRef<[u8]> for Mapped {
  fn as_ref(&self) -> &[u8] {
    // SAFETY: `len` initialized bytes, mapped until `drop`.
    unsafe { std::slice::from_raw_parts(self.ptr.as_ptr(), self.len) }
  }
}

#[cfg(target_os = "linux")]
impl Drop for Mapped {
  fn drop(&mut self) {
    // SAFETY: the mapping `copy_of` made; no `Bytes` refers to it any more.
    let _ = unsafe { rustix::mm::munmap(self.ptr.as_ptr().cast(), self.len) };
  }
}

/// The copies of one piecewise write (`ops::write_in_pieces`): a piece's memory, once the write
/// is done with it, is used again for a later piece, so most pieces are copied into memory that is
/// already there instead of fresh pages the kernel must zero first.
#[derive(Default)]
pub struct Pieces {
  #[cfg(target_os = "linux")]
  free: Arc<Mutex<Vec<Mapped>>>,
}

impl Pieces {
  /// A copy of `src`, in a recycled mapping when one is free and large enough.
  pub fn copy(&self, src: &[u8]) -> Bytes {
    #[cfg(target_os = "linux")]
    if src.len() >= MAPPED_COPY {
      let free = self
        .free
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .pop();
      let mapped = match free.filter(|m| m.len >= src.len()) {
        Some(mut mapped) => {
          mapped.fill_from(src);
          Some(mapped)
        }
        None => Mapped::copy_of(src),
      };
      if let Some(mapped) = mapped {
        let piece = Recycled {
          mapped: Some(mapped),
          free: self.free.clone(),
        };
        return Bytes::from_owner(piece).slice(..src.len());
      }
    }
    snapshot(src)
  }
}

/// A piece's mapping, handed back to its [`Pieces`] when the write drops it; unmapped with the
/// last piece of the write.
#[cfg(target_os = "linux")]
struct Recycled {
  mapped: Option<Mapped>,
  free: Arc<Mutex<Vec<Mapped>>>,
}

#[cfg(target_os = "linux")]
impl AsRef<[u8]> for Recycled {
  fn as_ref(&self) -> &[u8] {
    self.mapped.as_ref().map_or(&[], |m| m.as_ref())
  }
}

#[cfg(target_os = "linux")]
impl Drop for Recycled {
  fn drop(&mut self) {
    if let Some(mapped) = self.mapped.take() {
      self
        .free
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push(mapped);
    }
  }
}
