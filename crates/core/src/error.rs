//! One error type for every provider: a kind that maps to an `fs`-style code, plus the context
//! (operation, path, provider) the facade attaches and whether retrying may help.

use std::fmt;
use std::io;

/// What went wrong, in the words code written for `fs` already understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
  NotFound,
  AlreadyExists,
  NotADirectory,
  IsADirectory,
  NotEmpty,
  PermissionDenied,
  InvalidInput,
  Unsupported,
  TimedOut,
  Io,
  /// Cancelled through an AbortSignal.
  Aborted,
  /// The file is not the version a condition (`ifMatch`) named. Not retryable as is.
  Conflict,
}

impl ErrorKind {
  /// The `err.code` JavaScript sees.
  pub fn code(self) -> &'static str {
    match self {
      ErrorKind::NotFound => "ENOENT",
      ErrorKind::AlreadyExists => "EEXIST",
      ErrorKind::NotADirectory => "ENOTDIR",
      ErrorKind::IsADirectory => "EISDIR",
      ErrorKind::NotEmpty => "ENOTEMPTY",
      ErrorKind::PermissionDenied => "EACCES",
      ErrorKind::InvalidInput => "EINVAL",
      ErrorKind::Unsupported => "ENOTSUP",
      ErrorKind::TimedOut => "ETIMEDOUT",
      ErrorKind::Io => "EIO",
      ErrorKind::Aborted => "ABORT_ERR",
      ErrorKind::Conflict => "ECONFLICT",
    }
  }

  /// The short description `fs` uses for the same code.
  pub fn description(self) -> &'static str {
    match self {
      ErrorKind::NotFound => "no such file or directory",
      ErrorKind::AlreadyExists => "file already exists",
      ErrorKind::NotADirectory => "not a directory",
      ErrorKind::IsADirectory => "illegal operation on a directory",
      ErrorKind::NotEmpty => "directory not empty",
      ErrorKind::PermissionDenied => "permission denied",
      ErrorKind::InvalidInput => "invalid argument",
      ErrorKind::Unsupported => "operation not supported",
      ErrorKind::TimedOut => "operation timed out",
      ErrorKind::Io => "i/o error",
      ErrorKind::Aborted => "the operation was aborted",
      ErrorKind::Conflict => "the file changed (version does not match)",
    }
  }
}

/// A storage error. Providers create it with a kind and a reason; the facade adds the
/// operation, the caller's path and the provider name.
#[derive(Debug, Clone)]
pub struct Error {
  kind: ErrorKind,
  reason: String,
  operation: Option<&'static str>,
  path: Option<String>,
  provider: Option<&'static str>,
  retryable: bool,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
  pub fn new(kind: ErrorKind, reason: impl Into<String>) -> Self {
    Error {
      kind,
      reason: reason.into(),
      operation: None,
      path: None,
      provider: None,
      retryable: matches!(kind, ErrorKind::TimedOut),
    }
  }

  /// An error with the standard description of its kind as the reason.
  pub fn of(kind: ErrorKind) -> Self {
    Self::new(kind, kind.description())
  }

  pub fn retryable(mut self, retryable: bool) -> Self {
    self.retryable = retryable;
    self
  }

  /// Attaches the facade's context; context already set by a lower layer is kept.
  pub fn with_context(
    mut self,
    operation: &'static str,
    path: &str,
    provider: &'static str,
  ) -> Self {
    self.operation.get_or_insert(operation);
    if self.path.is_none() {
      self.path = Some(path.to_string());
    }
    self.provider.get_or_insert(provider);
    self
  }

  pub fn with_path(mut self, path: impl Into<String>) -> Self {
    self.path = Some(path.into());
    self
  }

  pub fn kind(&self) -> ErrorKind {
    self.kind
  }
  pub fn code(&self) -> &'static str {
    self.kind.code()
  }
  pub fn reason(&self) -> &str {
    &self.reason
  }
  pub fn operation(&self) -> Option<&'static str> {
    self.operation
  }
  pub fn path(&self) -> Option<&str> {
    self.path.as_deref()
  }
  pub fn provider(&self) -> Option<&'static str> {
    self.provider
  }
  pub fn is_retryable(&self) -> bool {
    self.retryable
  }
}

impl fmt::Display for Error {
  /// `ENOENT: no such file or directory, readFile 'uploads/a.png'`, the shape `fs` uses.
  fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    write!(f, "{}: {}", self.code(), self.reason)?;
    match (self.operation, &self.path) {
      (Some(op), Some(path)) => write!(f, ", {op} '{path}'"),
      (Some(op), None) => write!(f, ", {op}"),
      (None, Some(path)) => write!(f, ", '{path}'"),
      (None, None) => Ok(()),
    }
  }
}

impl std::error::Error for Error {}

impl From<io::Error> for Error {
  fn from(err: io::Error) -> Self {
    let kind = kind_of_io(&err);
    let reason = match err.raw_os_error() {
      // The OS text without the "(os error N)" suffix that std appends.
      Some(_) => {
        let text = err.to_string();
        match text.find(" (os error") {
          Some(i) => text[..i].to_lowercase(),
          None => text,
        }
      }
      None => err.to_string(),
    };
    let retryable = matches!(
      err.kind(),
      io::ErrorKind::TimedOut | io::ErrorKind::Interrupted | io::ErrorKind::WouldBlock
    );
    Error::new(kind, reason).retryable(retryable)
  }
}

/// Maps an OS error to the code `fs` would report for it.
pub fn kind_of_io(err: &io::Error) -> ErrorKind {
  #[cfg(unix)]
  if let Some(errno) = err.raw_os_error() {
    match errno {
      libc_errno::ENOENT => return ErrorKind::NotFound,
      libc_errno::EEXIST => return ErrorKind::AlreadyExists,
      libc_errno::ENOTDIR => return ErrorKind::NotADirectory,
      libc_errno::EISDIR => return ErrorKind::IsADirectory,
      libc_errno::ENOTEMPTY => return ErrorKind::NotEmpty,
      libc_errno::EACCES | libc_errno::EPERM | libc_errno::ELOOP | libc_errno::EROFS => {
        return ErrorKind::PermissionDenied
      }
      libc_errno::EINVAL | libc_errno::ENAMETOOLONG | libc_errno::EILSEQ => {
        return ErrorKind::InvalidInput
      }
      libc_errno::ENOTSUP => return ErrorKind::Unsupported,
      libc_errno::ETIMEDOUT => return ErrorKind::TimedOut,
      _ => {}
    }
  }
  match err.kind() {
    io::ErrorKind::NotFound => ErrorKind::NotFound,
    io::ErrorKind::AlreadyExists => ErrorKind::AlreadyExists,
    io::ErrorKind::NotADirectory => ErrorKind::NotADirectory,
    io::ErrorKind::IsADirectory => ErrorKind::IsADirectory,
    io::ErrorKind::DirectoryNotEmpty => ErrorKind::NotEmpty,
    io::ErrorKind::PermissionDenied | io::ErrorKind::ReadOnlyFilesystem => {
      ErrorKind::PermissionDenied
    }
    io::ErrorKind::InvalidInput | io::ErrorKind::InvalidFilename | io::ErrorKind::InvalidData => {
      ErrorKind::InvalidInput
    }
    io::ErrorKind::Unsupported => ErrorKind::Unsupported,
    io::ErrorKind::TimedOut => ErrorKind::TimedOut,
    _ => ErrorKind::Io,
  }
}

/// The errno values we map, from `libc` (they differ between Linux and macOS). Windows reports
/// its own error codes, which `io::Error::kind` already maps: none are matched by number there.
#[cfg(unix)]
mod libc_errno {
  pub use libc::{
    EACCES, EEXIST, EILSEQ, EINVAL, EISDIR, ELOOP, ENAMETOOLONG, ENOENT, ENOTDIR, ENOTEMPTY,
    ENOTSUP, EPERM, EROFS, ETIMEDOUT,
  };
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  #[cfg(unix)] // errno values; Windows' error codes map through `io::Error::kind`
  fn io_errors_map_to_fs_codes() {
    let table = [
      (libc::ENOENT, "ENOENT"),
      (libc::EEXIST, "EEXIST"),
      (libc::ENOTDIR, "ENOTDIR"),
      (libc::EISDIR, "EISDIR"),
      (libc::ENOTEMPTY, "ENOTEMPTY"),
      (libc::EACCES, "EACCES"),
      (libc::EPERM, "EACCES"),
      (libc::EINVAL, "EINVAL"),
      (libc::ENAMETOOLONG, "EINVAL"),
      (libc::ENOTSUP, "ENOTSUP"),
      (libc::ETIMEDOUT, "ETIMEDOUT"),
      (libc::EIO, "EIO"),
      (libc::ENOSPC, "EIO"),
    ];
    for (errno, code) in table {
      let err = Error::from(io::Error::from_raw_os_error(errno));
      assert_eq!(err.code(), code, "errno {errno}");
      assert!(!err.reason().contains("os error"), "{}", err.reason());
    }
  }

  #[test]
  fn display_names_operation_and_path_like_fs() {
    let err = Error::of(ErrorKind::NotFound).with_context("readFile", "a/b.txt", "LOCAL");
    assert_eq!(
      err.to_string(),
      "ENOENT: no such file or directory, readFile 'a/b.txt'"
    );
    assert_eq!(err.provider(), Some("LOCAL"));
  }

  #[test]
  fn lower_layer_context_wins() {
    let err = Error::of(ErrorKind::NotFound)
      .with_path("inner")
      .with_context("readFile", "outer", "MEMORY");
    assert_eq!(err.path(), Some("inner"));
  }

  #[test]
  fn only_timeouts_are_retryable_by_default() {
    assert!(Error::of(ErrorKind::TimedOut).is_retryable());
    assert!(!Error::of(ErrorKind::NotFound).is_retryable());
    assert!(Error::of(ErrorKind::Io).retryable(true).is_retryable());
  }
}
