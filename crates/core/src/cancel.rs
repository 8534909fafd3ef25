//! Cancelling long operations (a JavaScript `AbortSignal`): the facade races the work against the
//! token, and blocking loops check it between batches so they stop too.

use tokio_util::sync::CancellationToken;

use crate::error::{Error, ErrorKind, Result};

/// A cancellation flag shared by the caller and the work. Cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct Cancel(CancellationToken);

impl Cancel {
  pub fn new() -> Self {
    Self::default()
  }

  pub fn cancel(&self) {
    self.0.cancel();
  }

  pub fn is_cancelled(&self) -> bool {
    self.0.is_cancelled()
  }

  /// `ABORT_ERR` once cancelled.
  pub fn check(&self) -> Result<()> {
    match self.is_cancelled() {
      true => Err(aborted()),
      false => Ok(()),
    }
  }

  /// Resolves when cancelled.
  pub async fn cancelled(&self) {
    self.0.cancelled().await
  }
}

pub fn aborted() -> Error {
  Error::of(ErrorKind::Aborted)
}
