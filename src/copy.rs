//! Copies of the caller's bytes that a write owns (`args::data`: a write never reads the
//! caller's buffer after the call returns). Large copies go into anonymous mappings the kernel
//! populates in one go.

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
