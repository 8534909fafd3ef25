//! Running an operation to completion on the calling thread, with its blocking syscalls done
//! right there instead of on tokio's blocking pool.
//!
//! The LOCAL and MEMORY providers do their work as plain blocking calls; awaiting them from a
//! runtime costs a hand-off to a blocking thread and back for every operation. A caller that
//! already owns a thread meant for blocking work (the binding's pool for short operations) runs
//! the whole future with [`block_on`]: while it runs, [`is_active`] is true on that thread and
//! the local provider calls its blocking closures inline.

use std::cell::Cell;
use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, Thread};

thread_local! {
  static ACTIVE: Cell<bool> = const { Cell::new(false) };
}

/// True while this thread is inside [`block_on`].
pub(crate) fn is_active() -> bool {
  ACTIVE.with(Cell::get)
}

struct Unpark(Thread);

impl Wake for Unpark {
  fn wake(self: Arc<Self>) {
    self.0.unpark();
  }

  fn wake_by_ref(self: &Arc<Self>) {
    self.0.unpark();
  }
}

/// Polls `fut` on this thread until it is ready, parking between wake-ups. Blocking work the
/// future asks for runs on this thread. Needs no runtime; a future that waits on something else
/// (a cancellation token, say) is woken like on any executor.
pub fn block_on<F: Future>(fut: F) -> F::Output {
  struct Reset(bool);
  impl Drop for Reset {
    fn drop(&mut self) {
      ACTIVE.with(|a| a.set(self.0));
    }
  }
  thread_local! {
    static WAKER: Waker = Waker::from(Arc::new(Unpark(thread::current())));
  }
  let _reset = Reset(ACTIVE.with(|a| a.replace(true)));
  let waker = WAKER.with(Waker::clone);
  let mut cx = Context::from_waker(&waker);
  let mut fut = pin!(fut);
  loop {
    if let Poll::Ready(value) = fut.as_mut().poll(&mut cx) {
      return value;
    }
    thread::park();
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn runs_ready_futures_and_marks_the_thread() {
    assert!(!is_active());
    assert!(block_on(async { is_active() }));
    assert!(!is_active());
  }

  #[test]
  fn waits_for_a_wake_from_another_thread() {
    let (tx, rx) = tokio::sync::oneshot::channel();
    let sender = thread::spawn(move || {
      thread::sleep(std::time::Duration::from_millis(20));
      tx.send(42).unwrap();
    });
    assert_eq!(block_on(rx).unwrap(), 42);
    sender.join().unwrap();
  }
}
