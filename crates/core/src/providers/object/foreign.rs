//! Keys that other clients wrote and that no Stowage path can name: `a//b.txt`, `d/./x.txt`,
//! `..` segments, control characters, backslashes (on Azure only `//` can be written at all).
//!
//! object_store is patched (vendor/object_store/PATCHES.md) to hand such keys over unchanged
//! instead of failing the whole listing page. Listings skip them with a warning that names them
//! escaped; existence checks still count them (a directory holding only such keys exists and is
//! not empty: a non-recursive `deleteDirectory` refuses it with `ENOTEMPTY`); a recursive
//! `deleteDirectory` of a prefix removes them with the rest of the tree.

use object_store::path::Path;

use crate::path::{PathRules, StoragePath};

/// The key of `location` below the provider's key `prefix` (`""` for none) when no path names
/// it; `None` for a key a path names.
pub(super) fn foreign_key<'a>(prefix: &str, location: &'a Path) -> Option<&'a str> {
  let full = location.as_ref();
  let key = match prefix.is_empty() {
    true => full,
    false => full
      .strip_prefix(prefix)
      .and_then(|rest| rest.strip_prefix('/'))
      .unwrap_or(full),
  };
  let named = StoragePath::parse(key, &PathRules::Keyed).is_ok_and(|p| p.key() == key);
  (!named).then_some(full)
}

/// Whether a listing must leave `location` out: a foreign key, or (`common_prefix`) a prefix of
/// foreign keys the listing gave without the `/` it ends with, logged as skipped.
pub(super) fn skipped(prefix: &str, location: &Path, container: &str, common_prefix: bool) -> bool {
  let Some(key) = foreign_key(prefix, location) else {
    return false;
  };
  let slash = if common_prefix { "/" } else { "" };
  let shown = format!("{}{slash}", key.escape_debug());
  tracing::warn!(
    key = shown.as_str(),
    "Skipped key \"{shown}\" in {container}: no path can name it (written by another client); a recursive deleteDirectory of a directory above it removes it"
  );
  true
}

#[cfg(test)]
mod tests {
  use super::*;

  fn raw(key: &str) -> Path {
    // As the patched listing hands them over: unchanged.
    super::super::raw_path(key.to_string())
  }

  #[test]
  fn keys_no_path_names_are_foreign() {
    for key in [
      "a//b.txt",
      "d/./x.txt",
      "d/../x.txt",
      "..",
      "x\u{1}y",
      "a\\b",
    ] {
      assert!(foreign_key("", &raw(key)).is_some(), "{key:?}");
    }
    for key in ["a/b.txt", "d", "na me", "é/ü"] {
      assert!(foreign_key("", &raw(key)).is_none(), "{key:?}");
    }
    assert!(foreign_key("tenant", &raw("tenant/a/b")).is_none());
    assert!(foreign_key("tenant", &raw("tenant/a//b")).is_some());
  }
}
