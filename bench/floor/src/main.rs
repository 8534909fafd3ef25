//! The floor: each benchmark workload done with `std::fs` and a plain thread pool, no JavaScript.
//! Same files, same checks as the Node implementations; prints one JSON line that `run.js` reads.
//!
//! Usage: stowage-bench-floor <workload> <dir> <threads> [key=value ...]

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

use sha2::{Digest, Sha256};

mod common;
use common::{arg, small_content, small_ok, status_kib};

/// Where small file `i` of a tree lives (the same layout as bench/workloads.js).
fn small_path(root: &Path, i: usize, dirs: usize) -> PathBuf {
  root.join(format!("d{:02}", i % dirs)).join(format!("f{i:05}.bin"))
}

/// Runs `job(i)` for every `i < n` on `threads` threads; the sum of what they return.
fn pool(n: usize, threads: usize, job: impl Fn(usize) -> io::Result<u64> + Sync) -> io::Result<u64> {
  let next = AtomicUsize::new(0);
  let total = Mutex::new(Ok(0u64));
  std::thread::scope(|s| {
    for _ in 0..threads.max(1) {
      s.spawn(|| {
        let mut sum = 0u64;
        let mut outcome = Ok(());
        loop {
          let i = next.fetch_add(1, Ordering::Relaxed);
          if i >= n {
            break;
          }
          match job(i) {
            Ok(v) => sum += v,
            Err(e) => {
              outcome = Err(e);
              next.store(n, Ordering::Relaxed);
              break;
            }
          }
        }
        let mut t = total.lock().unwrap();
        match (outcome, t.as_mut()) {
          (Err(e), _) => *t = Err(e),
          (Ok(()), Ok(acc)) => *acc += sum,
          _ => {}
        }
      });
    }
  });
  total.into_inner().unwrap()
}

/// Writes like Stowage does: a temp file next to the target, then a rename over it.
fn write_atomic(target: &Path, data: &[u8]) -> io::Result<()> {
  let mut temp = target.as_os_str().to_owned();
  temp.push(".floor-tmp");
  let temp = PathBuf::from(temp);
  let mut f = fs::OpenOptions::new().write(true).create_new(true).open(&temp)?;
  f.write_all(data)?;
  drop(f);
  fs::rename(&temp, target)
}

fn fail(msg: String) -> io::Error {
  io::Error::other(msg)
}

fn hex(bytes: &[u8]) -> String {
  bytes.iter().map(|b| format!("{b:02x}")).collect()
}

struct Outcome {
  ops: u64,
  bytes: u64,
  check: String,
}

fn main() {
  let args: Vec<String> = std::env::args().collect();
  if args.len() < 4 {
    eprintln!("usage: stowage-bench-floor <workload> <dir> <threads> [files=N dirs=N size=N]");
    std::process::exit(2);
  }
  let (workload, dir, threads) = (args[1].as_str(), PathBuf::from(&args[2]), args[3].parse().expect("threads"));
  let files = arg(&args, "files", 10_000);
  let dirs = arg(&args, "dirs", 100);
  let size = arg(&args, "size", 4096);

  // What a small-file write needs is made before the clock starts, as in the Node runs.
  let contents: Vec<Vec<u8>> =
    if workload == "write_small" { (0..files).map(|i| small_content(i, size)).collect() } else { Vec::new() };
  let big: Vec<u8> = if workload == "write_big" { big_content(size) } else { Vec::new() };

  let _ = fs::write("/proc/self/clear_refs", "5"); // peak RSS from here on
  let start = Instant::now();
  let result = run(workload, &dir, threads, files, dirs, size, &contents, &big);
  let elapsed = start.elapsed();
  let peak = status_kib("VmHWM:");
  match result {
    Ok(o) => println!(
      "{{\"ms\":{:.3},\"ops\":{},\"bytes\":{},\"check\":\"{}\",\"peakRssKiB\":{}}}",
      elapsed.as_secs_f64() * 1e3,
      o.ops,
      o.bytes,
      o.check,
      peak
    ),
    Err(e) => {
      eprintln!("floor {workload}: {e}");
      std::process::exit(1);
    }
  }
}

/// The 256 MiB file's bytes (the same generator as bench/workloads.js: a repeating 64 KiB block).
fn big_content(size: usize) -> Vec<u8> {
  let block: Vec<u8> = (0..65536u32).map(|j| (j.wrapping_mul(2_654_435_761) >> 24) as u8).collect();
  block.iter().copied().cycle().take(size).collect()
}

#[allow(clippy::too_many_arguments)]
fn run(
  workload: &str,
  dir: &Path,
  threads: usize,
  files: usize,
  dirs: usize,
  size: usize,
  contents: &[Vec<u8>],
  big: &[u8],
) -> io::Result<Outcome> {
  match workload {
    "write_small" => {
      pool(dirs, threads, |d| fs::create_dir_all(dir.join(format!("d{d:02}"))).map(|_| 0))?;
      let bytes = pool(files, threads, |i| {
        write_atomic(&small_path(dir, i, dirs), &contents[i])?;
        Ok(contents[i].len() as u64)
      })?;
      Ok(Outcome { ops: files as u64, bytes, check: format!("wrote {files}") })
    }
    "read_small" => {
      let bytes = pool(files, threads, |i| {
        let buf = fs::read(small_path(dir, i, dirs))?;
        if !small_ok(i, size, &buf) {
          return Err(fail(format!("file {i} has the wrong content")));
        }
        Ok(buf.len() as u64)
      })?;
      Ok(Outcome { ops: files as u64, bytes, check: format!("read {files} files, {bytes} bytes") })
    }
    "stat_small" => {
      let bytes = pool(files, threads, |i| {
        let p = small_path(dir, i, dirs);
        let meta = fs::metadata(&p)?;
        let _mtime = meta.modified()?;
        if meta.is_dir() || !fs::metadata(&p).map(|m| m.is_file()).unwrap_or(false) {
          return Err(fail(format!("file {i} is not a file")));
        }
        Ok(meta.len())
      })?;
      Ok(Outcome { ops: files as u64, bytes, check: format!("stat {files} files, {bytes} bytes") })
    }
    "list_big" => {
      let mut names: Vec<String> = fs::read_dir(dir)?
        .map(|e| e.map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect::<io::Result<Vec<_>>>()?;
      let total = names.len();
      names.retain(|n| n.ends_with(".ts"));
      names.sort_unstable();
      let sum: u64 = names.iter().map(|n| n[4..10].parse::<u64>().unwrap_or(0)).sum();
      Ok(Outcome { ops: total as u64, bytes: 0, check: format!("kept {} sum {sum}", names.len()) })
    }
    "delete_old" => {
      let cutoff = SystemTime::now() - Duration::from_secs(20 * 60);
      let entries: Vec<PathBuf> = fs::read_dir(dir)?.map(|e| e.map(|e| e.path())).collect::<io::Result<_>>()?;
      let deleted = pool(entries.len(), threads, |i| {
        let meta = fs::metadata(&entries[i])?;
        if meta.is_file() && meta.modified()? < cutoff {
          fs::remove_file(&entries[i])?;
          return Ok(1);
        }
        Ok(0)
      })?;
      Ok(Outcome { ops: entries.len() as u64, bytes: 0, check: format!("deleted {deleted}") })
    }
    "write_big" => {
      write_atomic(&dir.join("big-written.bin"), big)?;
      Ok(Outcome { ops: 1, bytes: big.len() as u64, check: format!("wrote {}", big.len()) })
    }
    "read_big" => {
      let buf = fs::read(dir.join("big.bin"))?;
      let sum: u64 = buf.iter().step_by(4096).map(|&b| b as u64).sum();
      Ok(Outcome { ops: 1, bytes: buf.len() as u64, check: format!("read {} sample {sum}", buf.len()) })
    }
    "sha256_big" => {
      let buf = fs::read(dir.join("big.bin"))?;
      let digest = Sha256::digest(&buf);
      Ok(Outcome { ops: 1, bytes: buf.len() as u64, check: format!("sha256 {}", hex(&digest)) })
    }
    "rmtree" => {
      let subdirs: Vec<PathBuf> = fs::read_dir(dir)?.map(|e| e.map(|e| e.path())).collect::<io::Result<_>>()?;
      pool(subdirs.len(), threads, |i| fs::remove_dir_all(&subdirs[i]).map(|_| 0))?;
      fs::remove_dir(dir)?;
      Ok(Outcome { ops: files as u64, bytes: 0, check: "removed".to_string() })
    }
    other => Err(fail(format!("unknown workload {other}"))),
  }
}
