//! The caller's path, checked once by the facade before any provider sees it.
//!
//! SPEC "Paths": LOCAL without a root behaves like `fs`; LOCAL with a root and every object store
//! map a path to a location inside the root. Leaving the root is `EACCES`; control characters and
//! NUL are `EINVAL`.
//!
//! Paths from any OS (README "Paths"): a rooted path or a key means the same thing whichever OS the
//! caller runs on, so the same string names the same object key from Linux, macOS and Windows.
//! - `/` is the only separator. A backslash is `EINVAL`, never a separator and never part of a
//!   name: Linux would store it in a name and Windows would split on it, so no reading is portable.
//! - A drive letter (`C:/x`, `c:x`; `C:\x` has a backslash) is `EINVAL`: a key has no drive, and a
//!   path relative to the root cannot name one.
//! - Case is kept: `A.txt` and `a.txt` are two keys on S3, Azure and MEMORY. LOCAL follows its
//!   filesystem (one file on the default macOS and Windows filesystems, two on Linux).
//! - Windows reserved names (`CON`, `PRN`, `AUX`, `NUL`, `COM1`-`COM9`, `LPT1`-`LPT9`, `CONIN$`,
//!   `CONOUT$`, also with an extension: `nul.txt`), a name ending in a dot or a space (`file.`,
//!   which Windows stores as `file`) and the characters `<>:"|?*` are literal names on S3, Azure,
//!   MEMORY and LOCAL on Linux and macOS, and `EINVAL` for LOCAL with a root on Windows, which
//!   cannot store them as given (it opens a device, drops the dot, or writes a stream).

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

/// Whose filesystem a rooted path lands on: Windows refuses names it cannot store as given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameRules {
  /// Linux and macOS: any name without `/` and NUL is stored as given.
  Posix,
  /// Windows: reserved device names, a trailing dot or space and `<>:"|?*` are refused.
  Windows,
}

impl NameRules {
  /// The rules of the OS this was built for.
  pub const HOST: NameRules = if cfg!(windows) {
    NameRules::Windows
  } else {
    NameRules::Posix
  };
}

/// Names Windows reserves for devices, with or without an extension (`NUL`, `nul.txt`,
/// `COM1.log`); `¹²³` are digits to Windows there too.
const WINDOWS_DEVICES: [&str; 6] = ["CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"];
const WINDOWS_NUMBERED: [&str; 2] = ["COM", "LPT"];
const WINDOWS_DIGITS: &str = "123456789\u{b9}\u{b2}\u{b3}";
/// Characters a Windows file name cannot hold (`:` would also name an alternate data stream).
const WINDOWS_FORBIDDEN: [char; 7] = ['<', '>', ':', '"', '|', '?', '*'];

/// Why Windows cannot store `name` as given, if it cannot.
pub fn windows_name_problem(name: &str) -> Option<&'static str> {
  if name.ends_with('.') || name.ends_with(' ') {
    return Some("Windows drops a trailing dot or space from a name");
  }
  if name.contains(WINDOWS_FORBIDDEN) {
    return Some("Windows does not allow < > : \" | ? * in a name");
  }
  // `CON.txt` and `CON .txt` are the device too: the part before the first dot, less trailing spaces.
  let stem = name.split('.').next().unwrap_or(name).trim_end_matches(' ');
  let upper = stem.to_ascii_uppercase();
  let numbered = WINDOWS_NUMBERED.iter().any(|prefix| {
    upper
      .strip_prefix(prefix)
      .is_some_and(|digit| digit.chars().count() == 1 && WINDOWS_DIGITS.contains(digit))
  });
  if numbered || WINDOWS_DEVICES.contains(&upper.as_str()) {
    return Some("the name is a Windows device name (CON, NUL, COM1, ...)");
  }
  None
}

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
    Self::parse_for(raw, rules, NameRules::HOST)
  }

  /// [`StoragePath::parse`] as it runs on an OS whose names follow `names` (tests check the
  /// Windows rules on any OS with it). Only [`PathRules::Rooted`] depends on `names`: keys are the
  /// same from every OS.
  pub fn parse_for(raw: &str, rules: &PathRules, names: NameRules) -> Result<Self> {
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
        normalize(raw, relative, MAX_LOCAL_PATH_BYTES, names)?
      }
      PathRules::Keyed => normalize(raw, raw, MAX_KEY_BYTES, NameRules::Posix)?,
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

/// Splits on `/`, drops empty and `.` segments, refuses `..` and Windows-style tricks, and under
/// [`NameRules::Windows`] the names Windows cannot store.
fn normalize(raw: &str, relative: &str, max_bytes: usize, names: NameRules) -> Result<String> {
  if relative.contains('\\') {
    return Err(invalid(
      raw,
      "backslashes are not path separators here; use '/'",
    ));
  }
  if has_drive_letter(relative) {
    return Err(invalid(
      raw,
      "a drive letter (C:) has no meaning here; use a path relative to the storage root",
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
      _ => {
        if names == NameRules::Windows {
          if let Some(reason) = windows_name_problem(segment) {
            return Err(invalid(raw, reason));
          }
        }
      }
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

/// `C:`, `c:/x`, `C:x`: a drive letter at the start (after any leading `/` or `./`, which keys drop).
fn has_drive_letter(relative: &str) -> bool {
  let mut rest = relative;
  while let Some(after) = rest.strip_prefix('/').or_else(|| rest.strip_prefix("./")) {
    rest = after;
  }
  let mut chars = rest.chars();
  matches!((chars.next(), chars.next()), (Some(c), Some(':')) if c.is_ascii_alphabetic())
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

  /// Paths from any OS: what a backslash, a drive letter, a Windows reserved name, a trailing dot
  /// or space and a case-only difference mean, for keys (the same from every OS) and for LOCAL
  /// with a root on Linux/macOS (`Posix`) and on Windows. `Ok(key)` or the error code.
  #[test]
  fn paths_from_any_os() {
    use NameRules::{Posix, Windows};
    #[rustfmt::skip]
    let table: &[(&str, &str, &str, &str)] = &[
      // raw                       keyed (every OS)       rooted on Posix        rooted on Windows
      // backslashes: never a separator, never a name character
      ("a\\b",                     "EINVAL",              "EINVAL",              "EINVAL"),
      ("dir\\file.txt",            "EINVAL",              "EINVAL",              "EINVAL"),
      ("\\\\server\\share\\x",     "EINVAL",              "EINVAL",              "EINVAL"),
      // drive letters
      ("C:\\Windows\\win.ini",     "EINVAL",              "EINVAL",              "EINVAL"),
      ("C:/Windows/win.ini",       "EINVAL",              "EINVAL",              "EINVAL"),
      ("c:x",                      "EINVAL",              "EINVAL",              "EINVAL"),
      ("/C:/x",                    "EINVAL",              "EACCES",              "EACCES"),
      ("./d:",                     "EINVAL",              "EINVAL",              "EINVAL"),
      ("ab:c",                     "=ab:c",               "=ab:c",               "EINVAL"),
      ("1:x",                      "=1:x",                "=1:x",                "EINVAL"),
      ("dir/C:",                   "=dir/C:",             "=dir/C:",             "EINVAL"),
      // Windows reserved device names, any case, with an extension too
      ("CON",                      "=CON",                "=CON",                "EINVAL"),
      ("con",                      "=con",                "=con",                "EINVAL"),
      ("a/NUL",                    "=a/NUL",              "=a/NUL",              "EINVAL"),
      ("nul.txt",                  "=nul.txt",            "=nul.txt",            "EINVAL"),
      ("Aux.tar.gz",               "=Aux.tar.gz",         "=Aux.tar.gz",         "EINVAL"),
      ("PRN/x",                    "=PRN/x",              "=PRN/x",              "EINVAL"),
      ("COM1",                     "=COM1",               "=COM1",               "EINVAL"),
      ("lpt9.log",                 "=lpt9.log",           "=lpt9.log",           "EINVAL"),
      ("COM\u{b9}",                "=COM\u{b9}",          "=COM\u{b9}",          "EINVAL"),
      ("CON .txt",                 "=CON .txt",           "=CON .txt",           "EINVAL"),
      ("CONIN$",                   "=CONIN$",             "=CONIN$",             "EINVAL"),
      // names that only look like them are ordinary names everywhere
      ("COM0",                     "=COM0",               "=COM0",               "=COM0"),
      ("COM10",                    "=COM10",              "=COM10",              "=COM10"),
      ("CONSOLE",                  "=CONSOLE",            "=CONSOLE",            "=CONSOLE"),
      ("console.log",              "=console.log",        "=console.log",        "=console.log"),
      ("a.con",                    "=a.con",              "=a.con",              "=a.con"),
      ("nul-device",               "=nul-device",         "=nul-device",         "=nul-device"),
      // a trailing dot or space: a literal name, except where Windows would drop it
      ("file.",                    "=file.",              "=file.",              "EINVAL"),
      ("file ",                    "=file ",              "=file ",              "EINVAL"),
      ("dir./x",                   "=dir./x",             "=dir./x",             "EINVAL"),
      ("x/dir /y",                 "=x/dir /y",           "=x/dir /y",           "EINVAL"),
      (".hidden",                  "=.hidden",            "=.hidden",            "=.hidden"),
      ("a. b",                     "=a. b",               "=a. b",               "=a. b"),
      // characters a Windows name cannot hold
      ("a<b",                      "=a<b",                "=a<b",                "EINVAL"),
      ("what?",                    "=what?",              "=what?",              "EINVAL"),
      ("x/\"q\"",                  "=x/\"q\"",            "=x/\"q\"",            "EINVAL"),
      ("a|b*",                     "=a|b*",               "=a|b*",               "EINVAL"),
      ("file.txt:stream",          "=file.txt:stream",    "=file.txt:stream",    "EINVAL"),
      ("2024-01-01T10:00:00Z.log", "=2024-01-01T10:00:00Z.log", "=2024-01-01T10:00:00Z.log", "EINVAL"),
      // case is kept: two keys, never folded
      ("Photos/A.JPG",             "=Photos/A.JPG",       "=Photos/A.JPG",       "=Photos/A.JPG"),
      ("photos/a.jpg",             "=photos/a.jpg",       "=photos/a.jpg",       "=photos/a.jpg"),
    ];
    let rooted = rooted();
    for &(raw, keyed, posix, windows) in table {
      let cases = [
        (PathRules::Keyed, Posix, keyed),
        (PathRules::Keyed, Windows, keyed), // a key does not depend on the caller's OS
        (rooted.clone(), Posix, posix),
        (rooted.clone(), Windows, windows),
      ];
      for (rules, names, expected) in cases {
        let got = match StoragePath::parse_for(raw, &rules, names) {
          Ok(p) => format!("={}", p.key()),
          Err(e) => {
            assert_eq!(e.path(), Some(raw));
            e.code().to_string()
          }
        };
        assert_eq!(got, expected, "{raw:?} under {rules:?} on {names:?}");
      }
    }
  }

  #[test]
  fn windows_name_problems_say_why() {
    let table = [
      ("CON", Some("device")),
      ("com3.txt", Some("device")),
      ("file.", Some("trailing dot or space")),
      ("file ", Some("trailing dot or space")),
      ("a:b", Some("does not allow")),
      ("a*", Some("does not allow")),
      ("ok.txt", None),
      ("COM", None),
      ("LPT", None),
      ("\u{e9}t\u{e9}.txt", None),
    ];
    for (name, expected) in table {
      let problem = windows_name_problem(name);
      match expected {
        Some(words) => assert!(
          problem.is_some_and(|p| p.contains(words)),
          "{name:?}: {problem:?}"
        ),
        None => assert_eq!(problem, None, "{name:?}"),
      }
    }
  }

  #[test]
  fn the_host_rules_are_the_windows_ones_only_on_windows() {
    assert_eq!(NameRules::HOST == NameRules::Windows, cfg!(windows));
    // Native (LOCAL without a root) is `fs`: drive letters and backslashes are the OS's business.
    for raw in ["C:\\x", "C:/x", "CON", "file."] {
      assert_eq!(
        StoragePath::parse_for(raw, &PathRules::Native, NameRules::Windows)
          .unwrap()
          .key(),
        raw
      );
    }
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
      "C:",
      "CON",
      "nul.txt",
      "?",
      "COM1",
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
      // The same under Windows' name rules: fewer paths pass, each one Windows can store.
      match StoragePath::parse_for(&raw, &rooted(), NameRules::Windows) {
        Ok(p) => {
          check_key_invariants(&raw, &rooted(), p.key());
          assert!(!has_drive_letter(p.key()), "{raw:?}");
          for name in p.key().split('/').filter(|n| !n.is_empty()) {
            assert_eq!(windows_name_problem(name), None, "{raw:?}");
          }
        }
        Err(e) => assert!(matches!(e.code(), "EACCES" | "EINVAL"), "{raw:?}: {e}"),
      }
    }
  }
}
