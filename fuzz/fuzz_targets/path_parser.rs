//! Fuzzes `StoragePath::parse` under every rule set: it must never panic, must refuse only with
//! EACCES or EINVAL, and every key it accepts must be a plain relative key that stays under the
//! root (no `.`/`..`/dot-only segment, no separator or lookalike, no control character, within
//! the length limits).
#![no_main]

use std::path::{Component, Path, PathBuf};

use libfuzzer_sys::fuzz_target;
use stowage_core::path::{MAX_KEY_BYTES, MAX_LOCAL_PATH_BYTES, MAX_NAME_BYTES};
use stowage_core::{PathRules, StoragePath};

const DOT_LIKE: [char; 5] = ['\u{2024}', '\u{FF0E}', '\u{FE52}', '\u{2025}', '\u{2026}'];
const SLASH_LIKE: [char; 9] =
  ['\u{2215}', '\u{2044}', '\u{FF0F}', '\u{29F8}', '\u{2571}', '\u{FE68}', '\u{FF3C}', '\u{2216}', '\u{29F9}'];

fn check(raw: &str, rules: &PathRules, key: &str) {
  assert!(!key.starts_with('/') && !key.ends_with('/'), "{raw:?} -> {key:?}");
  assert!(!key.contains('\\') && !key.contains(SLASH_LIKE), "{raw:?} -> {key:?}");
  assert!(!key.chars().any(char::is_control), "{raw:?} -> {key:?}");
  let limit = if *rules == PathRules::Keyed { MAX_KEY_BYTES } else { MAX_LOCAL_PATH_BYTES };
  assert!(key.len() <= limit, "{raw:?}");
  if !key.is_empty() {
    for segment in key.split('/') {
      assert!(!segment.is_empty() && segment.len() <= MAX_NAME_BYTES, "{raw:?} -> {key:?}");
      assert!(!segment.chars().all(|c| c == '.' || c == ' ' || DOT_LIKE.contains(&c)), "{raw:?} -> {key:?}");
    }
  }
  if let PathRules::Rooted(root) = rules {
    let joined = root.join(key);
    assert!(joined.starts_with(root), "{raw:?}");
    assert!(joined.components().all(|c| matches!(c, Component::RootDir | Component::Normal(_))), "{raw:?}");
  }
}

fuzz_target!(|data: &[u8]| {
  let Ok(raw) = std::str::from_utf8(data) else { return };
  let rooted = PathRules::Rooted(PathBuf::from("/srv/data"));
  for rules in [PathRules::Keyed, rooted, PathRules::Native] {
    match StoragePath::parse(raw, &rules) {
      Ok(p) if rules == PathRules::Native => assert_eq!(p.key(), raw),
      Ok(p) => {
        check(raw, &rules, p.key());
        assert_eq!(p.as_str(), raw);
        // Parsing is idempotent: the key names the same place when given again.
        let again = StoragePath::parse(p.key(), &rules).map(|q| q.key().to_string());
        if !p.key().is_empty() && !Path::new(p.key()).is_absolute() {
          assert_eq!(again.as_deref().ok(), Some(p.key()), "{raw:?}");
        }
      }
      Err(e) => assert!(matches!(e.code(), "EACCES" | "EINVAL"), "{raw:?}: {e}"),
    }
  }
});
