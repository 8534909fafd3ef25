//! How every LOCAL write reaches its name: `writeFile`, `copyFile`, `moveFile` across
//! filesystems and write streams all fill a temp file ([`super::TEMP_PREFIX`]) in the target's
//! directory and publish it here, so a reader sees the old bytes or the new ones, never a torn
//! file, and a killed process leaves at most a temp file that `cleanupTempFiles` sweeps.
//!
//! Publishing is: metadata onto the temp file (see [`super::metadata`]), `fsync` when asked,
//! then under the write's condition:
//! - none: a rename over the name;
//! - `ifNoneMatch: '*'`: a rename that never replaces (`renameat2(RENAME_NOREPLACE)` on Linux, a
//!   hard link of the temp file elsewhere, which also fails when the name exists), so two
//!   creators of one name cannot both win;
//! - `ifMatch`: a rename while holding the lock on the file at the name, after checking under
//!   the lock that it is still that version ([`super::metadata::locked_version`]).
//!
//! The temp file is removed when the write fails or is dropped unpublished.

use std::ffi::OsString;
use std::fs::File;
use std::io;

use super::sys::{self, DirHandle};
use super::{is_a_directory, metadata, temp_name, Place};
use crate::error::{Error, Result};
use crate::metadata::{exists, Condition, WriteOptions};

/// A temp file next to its target, filled by the caller, then published by [`Temp::publish`];
/// removed when dropped unpublished.
pub(super) struct Temp {
  dir: DirHandle,
  name: OsString,
  temp: String,
  pending: bool,
}

impl Temp {
  /// Creates the temp file for the file `place` names, its parents created. With `check_dir`, a
  /// directory at the path is `EISDIR` now (a stream fails when it opens, not when it ends);
  /// without, the final rename refuses it.
  pub(super) fn create(place: Place, check_dir: bool) -> io::Result<(Temp, File)> {
    let (dir, name) = sys::parent(place)?;
    if check_dir && sys::is_dir_in(&dir, &name) {
      return Err(is_a_directory());
    }
    let temp = temp_name(&name.to_string_lossy());
    let file = sys::create_new_in(&dir, &temp)?;
    let temp = Temp {
      dir,
      name,
      temp,
      pending: true,
    };
    Ok((temp, file))
  }

  /// Stores `options.metadata` on the filled `file`, syncs it with `fsync`, and publishes it under
  /// `options.condition` (see the module docs).
  pub(super) fn publish(&mut self, file: File, options: &WriteOptions, fsync: bool) -> Result<()> {
    metadata::store(&file, &options.metadata)?;
    if fsync {
      file.sync_all()?;
    }
    drop(file);
    let temp = OsString::from(&self.temp);
    match &options.condition {
      Condition::None => sys::rename_in(&self.dir, &temp, &self.name)?,
      Condition::IfNoneMatch => match sys::rename_noreplace_in(&self.dir, &temp, &self.name) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => return Err(exists()),
        Err(e) => return Err(Error::from(e)),
      },
      Condition::IfMatch(want) => {
        let _lock = metadata::locked_version(&self.dir, &self.name, want)?;
        sys::rename_in(&self.dir, &temp, &self.name)?;
      }
    }
    self.pending = false;
    Ok(())
  }
}

impl Drop for Temp {
  fn drop(&mut self) {
    if self.pending {
      let _ = sys::remove_in(&self.dir, self.temp.as_ref());
    }
  }
}

/// Writes what `fill` gives into a temp file for `place` and publishes it with `options`.
/// Nothing is left behind on failure.
pub(super) fn write(
  place: Place,
  options: &WriteOptions,
  fsync: bool,
  check_dir: bool,
  fill: impl FnOnce(&mut File) -> io::Result<()>,
) -> Result<()> {
  let (mut temp, mut file) = Temp::create(place, check_dir)?;
  fill(&mut file)?;
  temp.publish(file, options, fsync)
}
