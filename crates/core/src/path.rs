//! The caller's path, checked once by the facade before any provider sees it.
//!
//! SPEC "Paths": LOCAL without a root behaves like `fs`; LOCAL with a root and every object store
//! map a path to a location inside the root. Leaving the root is `EACCES`; control characters and
//! NUL are `EINVAL`.

use std::path::{Component, Path, PathBuf};

use crate::error::{Error, ErrorKind, Result};

/// Longest key an object store accepts (S3 and Azure Blob both stop at 1,024).
pub const MAX_KEY_BYTES: usize = 1024;
/// Longest single name a filesystem accepts.
pub const MAX_NAME_BYTES: usize = 255;
/// Longest path Linux accepts.
pub const MAX_LOCAL_PATH_BYTES: usize = 4096;

/// Characters that NFKC-normalise to dots (`\u{2024}` ․, `\u{FF0E}` ．, `\u{FE52}` ﹒, `\u{2025}` ‥,
/// `\u{2026}` …): a segment made only of them (and dots and spaces) is refused like `...`, so no
/// layer that normalises names can turn it into `.` or `..`.
const DOT_LOOKALIKES: [char; 5] = ['\u{2024}', '\u{FF0E}', '\u{FE52}', '\u{2025}', '\u{2026}'];

/// Characters that look like `/` or `\` (several NFKC-normalise to them): refused anywhere in a
/// rooted path or key, so a name can never be mistaken for, or turned into, a separator.
const SLASH_LOOKALIKES: [char; 9] = [
  '\u{2215}', '\u{2044}', '\u{FF0F}', '\u{29F8}', '\u{2571}', '\u{FE68}', '\u{FF3C}', '\u{2216}',
  '\u{29F9}',
];

/// How a provider maps a caller's path to a location.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathRules {
  /// LOCAL without a root: the path goes to the OS as given, relative to the working directory.
  Native,
  /// LOCAL with a root (absolute, canonical): absolute paths must lie under it, relative ones
  /// are taken from it, `..` is refused.
  Rooted(PathBuf),
  /// Object stores and MEMORY: a `/`-separated key; a leading `/` or `./` is dropped.
  Keyed,
}

/// A validated path: what the caller gave (for messages) and the location it names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoragePath {
  raw: String,
  key: String,
}

impl StoragePath {
  /// Checks `raw` against `rules`. For [`PathRules::Native`] the key is `raw` itself; otherwise
  /// it is the normalized location relative to the root (`""` is the root).
  pub fn parse(raw: &str, rules: &PathRules) -> Result<Self> {
    check_characters(raw)?;
    let key = match rules {
      PathRules::Native => {
        if raw.len() > MAX_LOCAL_PATH_BYTES {
          return Err(invalid(raw, "path is too long"));
        }
        raw.to_string()
      }
      PathRules::Rooted(root) => {
        let relative = if raw.starts_with('/') {
          strip_root(raw, root).ok_or_else(|| outside(raw))?
        } else {
          raw
        };
        normalize(raw, relative, MAX_LOCAL_PATH_BYTES)?
      }
      PathRules::Keyed => normalize(raw, raw, MAX_KEY_BYTES)?,
    };
    Ok(StoragePath {
      raw: raw.to_string(),
      key,
    })
  }

  /// The path as the caller wrote it.
  pub fn as_str(&self) -> &str {
    &self.raw
  }

  /// The location: the OS path for `Native`, otherwise the key relative to the root.
  pub fn key(&self) -> &str {
    &self.key
  }

  /// True when the path names the root itself (never for `Native`).
  pub fn is_root(&self) -> bool {
    self.key.is_empty()
  }

  /// The path of a child named `name` (a name from a listing, never user input).
  pub fn child(&self, name: &str) -> StoragePath {
    let join = |base: &str| {
      if base.is_empty() {
        name.to_string()
      } else if base.ends_with('/') {
        format!("{base}{name}")
      } else {
        format!("{base}/{name}")
      }
    };
    StoragePath {
      raw: join(&self.raw),
      key: join(&self.key),
    }
  }
}

fn check_characters(raw: &str) -> Result<()> {
  if raw.is_empty() {
    return Err(invalid(raw, "path must not be empty"));
  }
  if raw.contains('\0') {
    return Err(invalid(raw, "path contains a NUL character"));
  }
  if raw.chars().any(|c| c.is_control()) {
    return Err(invalid(raw, "path contains a control character"));
  }
  Ok(())
}

/// `/root/a/b` → `a/b` when `raw` lies lexically under `root`.
fn strip_root<'a>(raw: &'a str, root: &Path) -> Option<&'a str> {
  let root = root.to_str()?.trim_end_matches('/');
  let rest = raw.strip_prefix(root)?;
  if rest.is_empty() {
    Some("")
  } else if let Some(rest) = rest.strip_prefix('/') {
    Some(rest)
  } else {
    None // `/rootother/x` shares a prefix with `/root` but is outside it
  }
}

/// Splits on `/`, drops empty and `.` segments, refuses `..` and Windows-style tricks.
fn normalize(raw: &str, relative: &str, max_bytes: usize) -> Result<String> {
  if relative.contains('\\') {
    return Err(invalid(
      raw,
      "backslashes are not path separators here; use '/'",
    ));
  }
  if relative.contains(SLASH_LOOKALIKES) {
    return Err(invalid(
      raw,
      "a character that looks like a slash is not allowed in a path",
    ));
  }
  let mut key = String::with_capacity(relative.len());
  for segment in relative.split('/') {
    match segment {
      "" | "." => continue,
      ".." => return Err(outside(raw)),
      _ if segment
        .trim_end_matches(|c| c == ' ' || c == '.' || DOT_LOOKALIKES.contains(&c))
        .is_empty() =>
      {
        // `...`, `.. ` or `\u{2025}` (NFKC: `..`) mean `..` to some systems; never a name we store.
        return Err(invalid(
          raw,
          "a path segment made only of dots and spaces is not allowed",
        ));
      }
      _ if segment.len() > MAX_NAME_BYTES => {
        return Err(invalid(raw, "a name in the path is too long"))
      }
      _ => {}
    }
    if !key.is_empty() {
      key.push('/');
    }
    key.push_str(segment);
  }
  if key.len() > max_bytes {
    return Err(invalid(raw, "path is too long"));
  }
  Ok(key)
}

fn invalid(raw: &str, reason: &str) -> Error {
  Error::new(ErrorKind::InvalidInput, reason).with_path(raw)
}

fn outside(raw: &str) -> Error {
  Error::new(
    ErrorKind::PermissionDenied,
    "path leads outside the storage root",
  )
  .with_path(raw)
}

/// Makes `root` absolute and canonical so that lexical and symlink checks compare like with like.
pub fn canonical_root(root: &Path) -> std::io::Result<PathBuf> {
  std::fs::create_dir_all(root)?;
  let canonical = std::fs::canonicalize(root)?;
  debug_assert!(canonical.components().next() == Some(Component::RootDir));
  Ok(canonical)
}

#[cfg(test)]
mod tests {
  use super::*;

  fn rooted() -> PathRules {
    PathRules::Rooted(PathBuf::from("/srv/data"))
  }

  #[test]
  fn keyed_paths_normalize_to_keys() {
    let table = [
      ("a/b.txt", "a/b.txt"),
      ("/a/b.txt", "a/b.txt"),
      ("./uploads/ab12.png", "uploads/ab12.png"),
      ("a//b///c", "a/b/c"),
      ("a/./b", "a/b"),
      ("dir/", "dir"),
      ("/", ""),
      ("./", ""),
      ("%2e%2e/x", "%2e%2e/x"),
      ("a b/c+d/ü.txt", "a b/c+d/ü.txt"),
      ("file.", "file."),
      ("name ", "name "),
      ("a\u{2024}b", "a\u{2024}b"),
      ("%2F..%2Fx", "%2F..%2Fx"),
    ];
    for (raw, key) in table {
      let p = StoragePath::parse(raw, &PathRules::Keyed).unwrap_or_else(|e| panic!("{raw}: {e}"));
      assert_eq!(p.key(), key, "{raw}");
      assert_eq!(p.as_str(), raw);
    }
  }

  #[test]
  fn traversal_vectors_are_refused_with_eacces_or_einval() {
    let long_name = "x".repeat(256);
    let long_path = "d/".repeat(2100);
    let table: Vec<(&str, &str)> = vec![
      ("..", "EACCES"),
      ("../x", "EACCES"),
      ("a/../../x", "EACCES"),
      ("a/..", "EACCES"),
      ("a/../b", "EACCES"),
      ("/..", "EACCES"),
      ("./../x", "EACCES"),
      ("a/b/../../../etc/passwd", "EACCES"),
      ("..\\x", "EINVAL"),
      ("a\\..\\..\\x", "EINVAL"),
      ("...", "EINVAL"),
      (".. ", "EINVAL"),
      ("a/. ./b", "EINVAL"),
      ("a\0b", "EINVAL"),
      ("a\nb", "EINVAL"),
      ("a\rb", "EINVAL"),
      ("a\u{7f}b", "EINVAL"),
      ("a\u{1b}[31m", "EINVAL"),
      ("a\u{85}b", "EINVAL"),
      ("\u{2025}/x", "EINVAL"),
      ("a/\u{FF0E}\u{FF0E}/x", "EINVAL"),
      ("\u{2024}\u{2024}", "EINVAL"),
      ("a/\u{2026}", "EINVAL"),
      ("a/.\u{FE52}/b", "EINVAL"),
      ("..\u{2215}x", "EINVAL"),
      ("a\u{FF0F}..\u{FF0F}x", "EINVAL"),
      ("a\u{2044}b", "EINVAL"),
      ("a\u{FF3C}b", "EINVAL"),
      ("", "EINVAL"),
      (&long_name, "EINVAL"),
      (&long_path, "EINVAL"),
    ];
    for (raw, code) in &table {
      for rules in [PathRules::Keyed, rooted()] {
        let err = StoragePath::parse(raw, &rules).expect_err(raw);
        assert_eq!(err.code(), *code, "{raw:?} under {rules:?}");
        assert_eq!(err.path(), Some(*raw));
      }
    }
  }

  #[test]
  fn rooted_paths_stay_under_the_root() {
    let ok = [
      ("/srv/data", ""),
      ("/srv/data/", ""),
      ("/srv/data/a/b", "a/b"),
      ("a/b", "a/b"),
      ("./a", "a"),
    ];
    for (raw, key) in ok {
      assert_eq!(
        StoragePath::parse(raw, &rooted()).unwrap().key(),
        key,
        "{raw}"
      );
    }
    for raw in [
      "/etc/passwd",
      "/srv/database/x",
      "/srv",
      "/srv/data/../x",
      "/",
    ] {
      let err = StoragePath::parse(raw, &rooted()).expect_err(raw);
      assert_eq!(err.code(), "EACCES", "{raw}");
    }
  }

  #[test]
  fn native_paths_pass_through_like_fs() {
    for raw in ["../x", "/etc/hosts", "a\\b", "./a//b/"] {
      assert_eq!(
        StoragePath::parse(raw, &PathRules::Native).unwrap().key(),
        raw
      );
    }
    assert_eq!(
      StoragePath::parse("a\0", &PathRules::Native)
        .unwrap_err()
        .code(),
      "EINVAL"
    );
  }

  #[test]
  fn children_join_with_one_slash() {
    let dir = StoragePath::parse("/a/", &PathRules::Keyed).unwrap();
    let child = dir.child("x.txt");
    assert_eq!(child.key(), "a/x.txt");
    assert_eq!(child.as_str(), "/a/x.txt");
    let root = StoragePath::parse("/", &PathRules::Keyed).unwrap();
    assert_eq!(root.child("x").key(), "x");
  }

  /// What every accepted rooted or keyed path guarantees, whatever the input: a key of plain
  /// names (no empty, `.`, `..` or dot-only segment, no separator lookalike, no control
  /// character) within the length limits, which joined to the root stays under it.
  pub(crate) fn check_key_invariants(raw: &str, rules: &PathRules, key: &str) {
    assert!(
      !key.starts_with('/') && !key.ends_with('/'),
      "{raw:?} -> {key:?}"
    );
    assert!(
      !key.contains('\\') && !key.chars().any(char::is_control),
      "{raw:?} -> {key:?}"
    );
    assert!(!key.contains(SLASH_LOOKALIKES), "{raw:?} -> {key:?}");
    let limit = if matches!(rules, PathRules::Keyed) {
      MAX_KEY_BYTES
    } else {
      MAX_LOCAL_PATH_BYTES
    };
    assert!(key.len() <= limit, "{raw:?}");
    if key.is_empty() {
      return;
    }
    for segment in key.split('/') {
      assert!(segment.len() <= MAX_NAME_BYTES, "{raw:?}");
      let dots_only = segment
        .chars()
        .all(|c| c == '.' || c == ' ' || DOT_LOOKALIKES.contains(&c));
      assert!(!dots_only, "{raw:?} -> {key:?}");
    }
    if let PathRules::Rooted(root) = rules {
      let joined = root.join(key);
      assert!(joined.starts_with(root), "{raw:?}");
      assert!(
        joined
          .components()
          .all(|c| !matches!(c, Component::ParentDir | Component::CurDir)),
        "{raw:?}"
      );
    }
  }

  /// A tiny deterministic generator (xorshift), so this needs no extra crate: the same idea as
  /// the cargo-fuzz target in fuzz/, run on every `cargo test` (also without nightly).
  #[test]
  fn random_paths_never_panic_and_accepted_ones_keep_the_invariants() {
    let pieces = [
      "a",
      "b.txt",
      "..",
      ".",
      "/",
      "//",
      "\\",
      "%2e",
      "%2f",
      "%00",
      "\0",
      "\n",
      "\u{7f}",
      "\u{85}",
      " ",
      "...",
      "\u{2024}",
      "\u{2025}",
      "\u{FF0E}",
      "\u{2215}",
      "\u{FF0F}",
      "\u{202E}",
      "é",
      "\u{FFFD}",
      "/srv/data",
      "/srv",
      "/srv/database",
      "~",
      ":",
      "\u{1F600}",
    ];
    let long = "n".repeat(250);
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
      state ^= state << 13;
      state ^= state >> 7;
      state ^= state << 17;
      state
    };
    for _ in 0..20_000 {
      let mut raw = String::new();
      for _ in 0..(next() % 12) {
        match next() % 40 {
          0 => raw.push_str(&long),
          n => raw.push_str(pieces[(n as usize) % pieces.len()]),
        }
      }
      for rules in [PathRules::Keyed, rooted(), PathRules::Native] {
        match StoragePath::parse(&raw, &rules) {
          Ok(p) if rules != PathRules::Native => check_key_invariants(&raw, &rules, p.key()),
          Ok(p) => assert_eq!(p.key(), raw),
          Err(e) => assert!(matches!(e.code(), "EACCES" | "EINVAL"), "{raw:?}: {e}"),
        }
      }
    }
  }
}
