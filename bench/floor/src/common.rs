//! What both floors (bench/floor, bench/floor-cloud) need alike: the small files' contents and
//! their check (the same as bench/data.js), and the reading of arguments and of /proc.
//! bench/floor-cloud includes this file with `#[path]`: the two are separate Cargo workspaces.

/// Content of small file `i`: its index at both ends, so a read proves it got the right file.
pub fn small_content(i: usize, size: usize) -> Vec<u8> {
  let mut buf = vec![(i & 0xff) as u8; size];
  buf[..4].copy_from_slice(&(i as u32).to_le_bytes());
  buf[size - 4..].copy_from_slice(&((i as u32) ^ 0x5a5a_5a5a).to_le_bytes());
  buf
}

/// Whether `buf` is small file `i`'s content.
pub fn small_ok(i: usize, size: usize, buf: &[u8]) -> bool {
  buf.len() == size
    && buf[..4] == (i as u32).to_le_bytes()
    && buf[size - 4..] == ((i as u32) ^ 0x5a5a_5a5a).to_le_bytes()
}

/// A field of /proc/self/status in KiB (VmRSS, VmHWM); 0 when it cannot be read.
pub fn status_kib(field: &str) -> u64 {
  let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
  status
    .lines()
    .find(|l| l.starts_with(field))
    .and_then(|l| l.split_whitespace().nth(1))
    .and_then(|v| v.parse().ok())
    .unwrap_or(0)
}

/// The number given as `key=N` among the arguments, else `default`.
pub fn arg(args: &[String], key: &str, default: usize) -> usize {
  args
    .iter()
    .find_map(|a| {
      a.strip_prefix(&format!("{key}="))
        .map(|v| v.parse().expect(key))
    })
    .unwrap_or(default)
}
