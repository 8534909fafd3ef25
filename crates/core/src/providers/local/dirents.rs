//! Reading a directory's entries with `getdents64` into buffers of our own, so that a large
//! directory can be read on one thread while its entries are taken on another: the kernel's part
//! (most of a listing's time) then runs back to back instead of taking turns with the handling of
//! each name. A large directory's reading holds up to `IN_FLIGHT + 2` buffers (1.5 MiB).

use std::io;
use std::os::fd::{AsRawFd, BorrowedFd};
use std::sync::mpsc;

use rustix::fs::FileType;

/// Bytes of directory entries read per `getdents64`: a 100,000-entry directory in a few calls.
const DIRENT_BUFFER: usize = 256 * 1024;

/// Buffers on their way to the taking thread at once (each [`DIRENT_BUFFER`] bytes).
const IN_FLIGHT: usize = 4;

/// A buffer for [`getdents`] (not zeroed: the kernel writes what is read).
fn buffer() -> Vec<u8> {
  Vec::with_capacity(DIRENT_BUFFER)
}

/// One `getdents64` of `dir` into `buf` (its contents replaced by the records read): how many
/// bytes it filled (0: no more).
pub(super) fn getdents(dir: BorrowedFd<'_>, buf: &mut Vec<u8>) -> io::Result<usize> {
  buf.clear();
  let spare = buf.spare_capacity_mut();
  loop {
    // SAFETY: `spare` is writable for `spare.len()` bytes; the kernel writes at most that many.
    let n = unsafe {
      libc::syscall(
        libc::SYS_getdents64,
        dir.as_raw_fd(),
        spare.as_mut_ptr(),
        spare.len(),
      )
    };
    if n >= 0 {
      // SAFETY: the kernel wrote the first `n` bytes.
      unsafe { buf.set_len(n as usize) };
      return Ok(n as usize);
    }
    let e = io::Error::last_os_error();
    if e.kind() != io::ErrorKind::Interrupted {
      return Err(e);
    }
  }
}

/// The entries (name, type) of the `linux_dirent64` records in `records`, `.` and `..` included.
pub fn records(records: &[u8]) -> impl Iterator<Item = (&[u8], FileType)> {
  // struct linux_dirent64 { u64 d_ino; i64 d_off; u16 d_reclen; u8 d_type; char d_name[]; }
  const NAME: usize = 19;
  let mut at = 0;
  std::iter::from_fn(move || {
    let record = records.get(at..)?;
    let len = usize::from(u16::from_ne_bytes([*record.get(16)?, *record.get(17)?]));
    if len <= NAME || len > record.len() {
      return None; // not a record: never from the kernel
    }
    at += len;
    let name = &record[NAME..len];
    let name = &name[..name.iter().position(|&b| b == 0).unwrap_or(name.len())];
    Some((name, file_type(record[18])))
  })
}

fn file_type(d_type: u8) -> FileType {
  match d_type {
    libc::DT_REG => FileType::RegularFile,
    libc::DT_DIR => FileType::Directory,
    libc::DT_LNK => FileType::Symlink,
    libc::DT_FIFO => FileType::Fifo,
    libc::DT_SOCK => FileType::Socket,
    libc::DT_CHR => FileType::CharacterDevice,
    libc::DT_BLK => FileType::BlockDevice,
    _ => FileType::Unknown,
  }
}

/// Reads all of `dir`, giving `take` each filled buffer of records in order. When the first
/// buffer comes back more than half full (a large directory), `take` runs on a thread of its own
/// while this one reads on (on this thread after all when no thread can be started); otherwise
/// on this thread. The first failure of either ends it.
pub fn read<T, F>(dir: BorrowedFd<'_>, mut state: T, take: F) -> io::Result<T>
where
  T: Send,
  F: Fn(&mut T, &[u8]) -> io::Result<()> + Sync,
{
  let mut buf = buffer();
  if getdents(dir, &mut buf)? > DIRENT_BUFFER / 2 {
    match overlapped(dir, &mut state, &take, buf) {
      Ok(read) => return read.map(|()| state),
      Err(first) => buf = first,
    }
  }
  while !buf.is_empty() {
    take(&mut state, &buf)?;
    getdents(dir, &mut buf)?;
  }
  Ok(state)
}

/// [`read`] from its first buffer on, `take` on a thread of its own; gives the first buffer back
/// when that thread cannot be started.
fn overlapped<T, F>(
  dir: BorrowedFd<'_>,
  state: &mut T,
  take: &F,
  first: Vec<u8>,
) -> Result<io::Result<()>, Vec<u8>>
where
  T: Send,
  F: Fn(&mut T, &[u8]) -> io::Result<()> + Sync,
{
  std::thread::scope(|scope| {
    let (full, to_take) = mpsc::sync_channel::<Vec<u8>>(IN_FLIGHT);
    let (taken, empty) = mpsc::channel::<Vec<u8>>();
    let taker = std::thread::Builder::new()
      .name("stowage-io-names".to_string())
      .spawn_scoped(scope, move || -> io::Result<()> {
        for buf in to_take {
          take(state, &buf)?;
          let _ = taken.send(buf);
        }
        Ok(())
      });
    let Ok(taker) = taker else {
      return Err(first);
    };
    let mut next = first;
    let read = loop {
      if full.send(next).is_err() {
        break Ok(()); // the taker failed: its error is the one to give
      }
      next = empty.try_recv().unwrap_or_else(|_| buffer());
      match getdents(dir, &mut next) {
        Ok(0) => break Ok(()),
        Ok(_) => {}
        Err(e) => break Err(e),
      }
    };
    drop(full);
    let taken = taker
      .join()
      .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
    Ok(read.and(taken))
  })
}

#[cfg(test)]
mod tests {
  use super::*;
  use std::fs;
  use std::os::fd::AsFd;

  /// The names in `dir`, and whether they were taken on a thread of their own.
  fn names_of(dir: &std::path::Path) -> (Vec<String>, bool) {
    let fd = fs::File::open(dir).unwrap();
    let here = std::thread::current().id();
    let (mut names, elsewhere) = read(
      fd.as_fd(),
      (Vec::new(), false),
      |(names, elsewhere): &mut (Vec<String>, bool), records| {
        *elsewhere |= std::thread::current().id() != here;
        for (name, _) in super::records(records) {
          names.push(String::from_utf8(name.to_vec()).unwrap());
        }
        Ok(())
      },
    )
    .unwrap();
    names.sort();
    (names, elsewhere)
  }

  #[test]
  fn every_entry_once_small_or_large_and_types_as_stat_says() {
    let base = tempfile::tempdir().unwrap();
    for count in [0usize, 3, 20_000] {
      let dir = base.path().join(format!("d{count}"));
      fs::create_dir(&dir).unwrap();
      let mut want = vec![".".to_string(), "..".to_string()];
      for i in 0..count {
        let name = format!("entry-with-a-longish-name-{i:06}");
        fs::write(dir.join(&name), b"").unwrap();
        want.push(name);
      }
      want.sort();
      assert_eq!(names_of(&dir), (want, count > 10_000), "{count} entries");
    }
    let dir = base.path().join("types");
    fs::create_dir_all(dir.join("sub")).unwrap();
    fs::write(dir.join("file"), b"").unwrap();
    std::os::unix::fs::symlink("file", dir.join("link")).unwrap();
    let fd = fs::File::open(&dir).unwrap();
    let mut types = read(fd.as_fd(), Vec::new(), |all: &mut Vec<_>, records| {
      all.extend(super::records(records).map(|(n, t)| (n.to_vec(), t)));
      Ok(())
    })
    .unwrap();
    types.sort_by(|a, b| a.0.cmp(&b.0));
    let types: Vec<_> = types.into_iter().filter(|(n, _)| n[0] != b'.').collect();
    let want = [
      (b"file".to_vec(), FileType::RegularFile),
      (b"link".to_vec(), FileType::Symlink),
      (b"sub".to_vec(), FileType::Directory),
    ];
    // A filesystem may say "unknown" (then the listing asks stat); where it says, it is right.
    for ((name, got), (want_name, want)) in types.iter().zip(want.iter()) {
      assert_eq!(name, want_name);
      assert!(
        *got == *want || *got == FileType::Unknown,
        "{name:?}: {got:?}"
      );
    }
  }

  #[test]
  fn a_failure_of_the_taker_ends_the_reading_with_it_on_either_thread() {
    let base = tempfile::tempdir().unwrap();
    for count in [3usize, 20_000] {
      let dir = base.path().join(format!("d{count}"));
      fs::create_dir(&dir).unwrap();
      for i in 0..count {
        fs::write(dir.join(format!("entry-with-a-longish-name-{i:06}")), b"").unwrap();
      }
      let fd = fs::File::open(&dir).unwrap();
      let e = read(fd.as_fd(), 0usize, |calls: &mut usize, _| {
        *calls += 1;
        Err(io::Error::other(format!("stop {count}")))
      })
      .unwrap_err();
      assert_eq!(e.to_string(), format!("stop {count}"));
    }
  }

  #[test]
  fn records_stop_at_what_is_not_a_record() {
    assert_eq!(records(&[]).count(), 0);
    assert_eq!(records(&[0u8; 18]).count(), 0);
    let mut one = vec![0u8; 24];
    one[16] = 24; // d_reclen
    one[18] = libc::DT_REG;
    one[19..22].copy_from_slice(b"abc");
    let got: Vec<_> = records(&one).collect();
    assert_eq!(got, [(&b"abc"[..], FileType::RegularFile)]);
    one[16] = 200; // longer than the buffer
    assert_eq!(records(&one).count(), 0);
  }
}
