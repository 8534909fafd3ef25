//! A large `writeFile` on LOCAL and MEMORY, written from both ends of the caller's buffer.
//!
//! A write may not read the caller's bytes after the call returns (`args::Data`),
//! so a plain write copies them first, and for a large buffer that copy costs about what the
//! write itself costs. Here the writer starts at once, on another thread, and takes its pieces
//! straight from the caller's memory, front to back, while the JS thread (which cannot return
//! yet) watches its pace: as long as the writer keeps [`PACE`], the JS thread only waits; when it
//! falls behind, the JS thread copies pieces from the back towards the front. When the two ends
//! meet, the JS thread waits until no piece of the caller's memory is still being written (at
//! most one piece of [`BORROWED_PIECE`]) and returns, and the writer goes on with the copies. So
//! no byte is read from the caller's memory after the call returns, the JS thread is held about
//! as long as a copy would hold it, and on a fast disk nothing is copied.
//!
//! A borrowed piece that takes longer than [`SLOW_PIECE`] to write (a disk under writeback
//! pressure) ends the borrowing: from then on the JS thread copies from the front, as a plain
//! piecewise copy would, so its wait at the end stays short.

use std::collections::BTreeMap;
use std::pin::Pin;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use bytes::Bytes;

/// The writer's pieces of the caller's memory: the most the JS thread can wait for at the end.
const BORROWED_PIECE: usize = 1 << 20;
/// The JS thread's copies (large enough for [`crate::copy::snapshot`]'s populated mappings).
const COPIED_PIECE: usize = 8 << 20;
/// A borrowed piece written slower than this (under ~50 MB/s) ends the borrowing.
const SLOW_PIECE: Duration = Duration::from_millis(20);
/// The least progress (bytes per second) the JS thread keeps up: while the writer alone moves
/// this fast, the JS thread only waits; when it falls behind, the JS thread copies. So the call
/// is held no longer than about `len / PACE` (128 ms for 256 MiB, about what a copy of it costs
/// here) or the time a copy of the whole buffer takes, and on a fast disk nothing is copied.
const PACE: usize = 2 << 30;

/// Writes `src` through the stream `start` is given (it starts the write and may return, say, its
/// promise), copying from the back while the writer borrows from the front. Returns once every
/// byte of `src` was either written by a piece that is gone again, or copied.
pub fn from_both_ends<R>(src: &[u8], start: impl FnOnce(BothEnds) -> R) -> R {
  let shared = Arc::new(Shared {
    base: src.as_ptr() as usize,
    state: Mutex::new(State {
      low: 0,
      high: src.len(),
      next: 0,
      len: src.len(),
      copies: BTreeMap::new(),
      borrowed: 0,
      borrowing: true,
      closed: false,
      waker: None,
    }),
    returned: Condvar::new(),
  });
  // Waits for the borrowed pieces however this function is left (a panic included).
  let _released = Released(&shared);
  let result = start(BothEnds(shared.clone()));
  copy_towards_the_writer(&shared, src);
  result
}

struct Shared {
  /// The caller's memory, readable until `from_both_ends` returns.
  base: usize,
  state: Mutex<State>,
  /// Signalled when a borrowed piece is dropped, and when the writer lets go of the stream.
  returned: Condvar,
}

struct State {
  /// `[0, low)` is taken from the front: borrowed by the writer, or copied by the JS thread once
  /// borrowing ended.
  low: usize,
  /// `[high, len)` is taken from the back by the JS thread.
  high: usize,
  /// Where the writer is: the offset of the next piece it hands on.
  next: usize,
  len: usize,
  /// Finished copies by offset, waiting for the writer to reach them.
  copies: BTreeMap<usize, Bytes>,
  /// Pieces of the caller's memory handed to the writer and not dropped yet.
  borrowed: usize,
  /// False once a borrowed piece was slow.
  borrowing: bool,
  /// The writer dropped the stream (it finished, or failed): nothing more to copy.
  closed: bool,
  waker: Option<Waker>,
}

impl Shared {
  fn state(&self) -> MutexGuard<'_, State> {
    self.state.lock().unwrap_or_else(|e| e.into_inner())
  }
}

/// The JS thread's part: keep the two ends' progress at [`PACE`] at least, copying pieces from
/// the back (or, once borrowing ended, from the front) whenever the writer alone falls behind,
/// until nothing is left between the two ends. Each copy is made outside the lock.
fn copy_towards_the_writer(shared: &Shared, src: &[u8]) {
  let started = Instant::now();
  let mut st = shared.state();
  loop {
    if st.closed || st.low >= st.high {
      return;
    }
    if st.borrowing {
      let progress = st.low + (st.len - st.high);
      let due = started + Duration::from_secs_f64(progress as f64 / PACE as f64);
      let now = Instant::now();
      if due > now {
        // Ahead of the pace: wait for the writer (a piece returned) or for the pace to catch up.
        st = shared
          .returned
          .wait_timeout(st, due - now)
          .unwrap_or_else(|e| e.into_inner())
          .0;
        continue;
      }
    }
    let (start, end) = if st.borrowing {
      let start = st.high.saturating_sub(COPIED_PIECE).max(st.low);
      (start, std::mem::replace(&mut st.high, start))
    } else {
      let end = (st.low + COPIED_PIECE).min(st.high);
      (std::mem::replace(&mut st.low, end), end)
    };
    drop(st);
    let copy = crate::copy::snapshot(&src[start..end]);
    st = shared.state();
    st.copies.insert(start, copy);
    if let Some(waker) = st.waker.take() {
      waker.wake();
    }
  }
}

/// On leaving `from_both_ends`: no piece may be taken from the caller's memory any more, and the
/// ones taken must be dropped before the caller's memory may go.
struct Released<'a>(&'a Shared);

impl Drop for Released<'_> {
  fn drop(&mut self) {
    let mut st = self.0.state();
    st.borrowing = false;
    while st.borrowed > 0 {
      st = self.0.returned.wait(st).unwrap_or_else(|e| e.into_inner());
    }
  }
}

/// The pieces in file order, for `stowage_core::Storage::write_file_in_pieces`.
pub struct BothEnds(Arc<Shared>);

impl futures::Stream for BothEnds {
  type Item = Bytes;

  fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Bytes>> {
    let shared = &self.0;
    let mut st = shared.state();
    let next = st.next;
    if let Some(copy) = st.copies.remove(&next) {
      st.next += copy.len();
      return Poll::Ready(Some(copy));
    }
    if st.borrowing && st.next == st.low && st.low < st.high {
      let start = st.low;
      let end = (start + BORROWED_PIECE).min(st.high);
      (st.low, st.next) = (end, end);
      st.borrowed += 1;
      let piece = Borrowed {
        shared: shared.clone(),
        ptr: shared.base + start,
        len: end - start,
        since: Instant::now(),
      };
      return Poll::Ready(Some(Bytes::from_owner(piece)));
    }
    if st.next >= st.len {
      return Poll::Ready(None);
    }
    st.waker = Some(cx.waker().clone());
    Poll::Pending
  }
}

impl Drop for BothEnds {
  fn drop(&mut self) {
    self.0.state().closed = true;
    self.0.returned.notify_all();
  }
}

/// A piece of the caller's memory, valid while `from_both_ends` waits for it to be dropped.
struct Borrowed {
  shared: Arc<Shared>,
  ptr: usize,
  len: usize,
  since: Instant,
}

impl AsRef<[u8]> for Borrowed {
  fn as_ref(&self) -> &[u8] {
    // SAFETY: `len` bytes of the caller's memory, which `from_both_ends` keeps readable (it
    // does not return) until every `Borrowed` is dropped.
    unsafe { std::slice::from_raw_parts(self.ptr as *const u8, self.len) }
  }
}

impl Drop for Borrowed {
  fn drop(&mut self) {
    let mut st = self.shared.state();
    st.borrowed -= 1;
    if self.since.elapsed() > SLOW_PIECE {
      st.borrowing = false;
    }
    drop(st);
    self.shared.returned.notify_all();
  }
}

#[cfg(test)]
mod tests {
  use super::*;
  use futures::StreamExt;

  fn data(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 31 % 251) as u8).collect()
  }

  /// Writes what the stream yields, in order, on another thread, each piece after `delay`.
  fn written(src: &[u8], delay: Duration) -> Vec<u8> {
    let (tx, rx) = std::sync::mpsc::channel();
    from_both_ends(src, |mut pieces| {
      std::thread::spawn(move || {
        let mut out = Vec::new();
        futures::executor::block_on(async {
          while let Some(piece) = pieces.next().await {
            std::thread::sleep(delay);
            out.extend_from_slice(&piece);
          }
        });
        tx.send(out).unwrap();
      });
    });
    rx.recv().unwrap()
  }

  #[test]
  fn every_byte_arrives_once_in_order() {
    for len in [
      1,
      BORROWED_PIECE - 1,
      BORROWED_PIECE + 1,
      3 * COPIED_PIECE + 12_345,
    ] {
      let src = data(len);
      assert_eq!(written(&src, Duration::ZERO), src, "{len} bytes");
    }
  }

  #[test]
  fn a_slow_writer_gets_copies_in_order() {
    let src = data(2 * COPIED_PIECE + 777);
    assert_eq!(written(&src, SLOW_PIECE * 2), src);
  }

  #[test]
  fn a_stalled_writer_does_not_hold_the_call() {
    // The writer takes one piece, then stalls without holding any: the JS thread copies the rest
    // and returns long before the writer goes on.
    let src = data(3 * COPIED_PIECE);
    let (tx, rx) = std::sync::mpsc::channel();
    let started = Instant::now();
    from_both_ends(&src, |mut pieces| {
      std::thread::spawn(move || {
        let mut out = Vec::new();
        futures::executor::block_on(async {
          out.extend_from_slice(&pieces.next().await.unwrap());
          std::thread::sleep(Duration::from_secs(2));
          while let Some(piece) = pieces.next().await {
            out.extend_from_slice(&piece);
          }
        });
        tx.send(out).unwrap();
      });
    });
    assert!(
      started.elapsed() < Duration::from_secs(1),
      "{:?}",
      started.elapsed()
    );
    assert_eq!(rx.recv().unwrap(), src);
  }

  #[test]
  fn nothing_borrowed_outlives_the_call() {
    let src = data(4 * COPIED_PIECE);
    let held = Arc::new(Mutex::new(Vec::new()));
    let keep = held.clone();
    from_both_ends(&src, |mut pieces| {
      std::thread::spawn(move || {
        futures::executor::block_on(async {
          // Takes two pieces and keeps them a while, as a slow write would.
          let a = pieces.next().await.unwrap();
          let b = pieces.next().await.unwrap();
          std::thread::sleep(Duration::from_millis(50));
          keep.lock().unwrap().push(a.len() + b.len());
        });
      });
    });
    // The call returned only after the writer let go of what it borrowed.
    assert_eq!(held.lock().unwrap().len(), 1);
  }

  #[test]
  fn a_writer_that_stops_early_ends_the_copying() {
    // A writer that fails at once drops the stream: the call returns without copying anything.
    let src = data(8 * COPIED_PIECE);
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
      let mut shared = None;
      from_both_ends(&src, |pieces| shared = Some(pieces.0.clone()));
      tx.send(shared.unwrap()).unwrap();
    });
    let shared = rx.recv_timeout(Duration::from_secs(10)).expect("returned");
    let st = shared.state();
    assert!(st.copies.is_empty());
    assert_eq!(st.high, st.len);
  }
}
