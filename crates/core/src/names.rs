//! Directory listings as names only, held compactly: one string with every name and their spans,
//! sorted by span, then joined with NUL (never in a file name) for the binding to split in one
//! JavaScript call. A 100,000-name listing is two allocations instead of 100,000 `String`s.

use std::cmp::Ordering;

/// Names in the order they were found: one text, and each name's span in it.
#[derive(Debug, Default)]
pub struct NameBuf {
  text: String,
  spans: Vec<(u32, u32)>,
}

impl NameBuf {
  pub fn push(&mut self, name: &str) {
    let start = self.text.len() as u32;
    self.text.push_str(name);
    self.spans.push((start, name.len() as u32));
  }

  pub fn len(&self) -> usize {
    self.spans.len()
  }

  pub fn is_empty(&self) -> bool {
    self.spans.is_empty()
  }

  /// The names sorted by their bytes, joined with NUL.
  pub fn sorted(self) -> NameList {
    let NameBuf { text, spans } = self;
    let name = |(start, len): (u32, u32)| &text.as_bytes()[start as usize..(start + len) as usize];
    let spans = sorted_by(spans, |a, b| name(*a).cmp(name(*b)));
    let mut joined = String::with_capacity(text.len() + spans.len());
    for (i, &(start, len)) in spans.iter().enumerate() {
      if i > 0 {
        joined.push('\0');
      }
      joined.push_str(&text[start as usize..(start + len) as usize]);
    }
    NameList::Joined {
      joined,
      len: spans.len(),
    }
  }
}

/// A sorted listing: joined with NUL, or (when a name itself holds a NUL, as an object key made
/// elsewhere may) as separate names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NameList {
  Joined { joined: String, len: usize },
  Names(Vec<String>),
}

impl NameList {
  /// From names in any order.
  pub fn from_names(names: Vec<String>) -> NameList {
    if names.iter().any(|n| n.contains('\0')) {
      return NameList::Names(sorted_by(names, |a, b| a.cmp(b)));
    }
    let mut buf = NameBuf::default();
    for name in &names {
      buf.push(name);
    }
    buf.sorted()
  }

  pub fn len(&self) -> usize {
    match self {
      NameList::Joined { len, .. } => *len,
      NameList::Names(names) => names.len(),
    }
  }

  pub fn is_empty(&self) -> bool {
    self.len() == 0
  }

  pub fn into_vec(self) -> Vec<String> {
    match self {
      NameList::Joined { len: 0, .. } => Vec::new(),
      NameList::Joined { joined, .. } => joined.split('\0').map(str::to_string).collect(),
      NameList::Names(names) => names,
    }
  }
}

/// Lists at least this long are sorted in two halves on two threads, then merged.
const PARALLEL_SORT_MIN: usize = 16 * 1024;

/// `items` sorted by `cmp`. A long list is sorted as two halves at once (a second thread), then
/// merged: on a 100,000-name directory that halves the sort, the largest part of a listing after
/// the kernel's.
pub(crate) fn sorted_by<T, F>(mut items: Vec<T>, cmp: F) -> Vec<T>
where
  T: Send,
  F: Fn(&T, &T) -> Ordering + Sync,
{
  if items.len() < PARALLEL_SORT_MIN {
    items.sort_unstable_by(&cmp);
    return items;
  }
  let mut back = items.split_off(items.len() / 2);
  std::thread::scope(|scope| {
    scope.spawn(|| back.sort_unstable_by(&cmp));
    items.sort_unstable_by(&cmp);
  });
  let mut merged = Vec::with_capacity(items.len() + back.len());
  let mut front = items.into_iter().peekable();
  let mut back = back.into_iter().peekable();
  while let (Some(a), Some(b)) = (front.peek(), back.peek()) {
    let next = match cmp(a, b) != Ordering::Greater {
      true => front.next(),
      false => back.next(),
    };
    merged.extend(next);
  }
  merged.extend(front);
  merged.extend(back);
  merged
}

#[cfg(test)]
mod tests {
  use super::*;

  fn names(len: usize) -> Vec<String> {
    // Out of order, with repeats, shared prefixes and non-ASCII.
    (0..len)
      .map(|i| format!("n-{}-é", (i * 7919) % (len / 2 + 1)))
      .collect()
  }

  #[test]
  fn long_and_short_lists_sort_by_bytes() {
    for len in [
      0,
      1,
      7,
      PARALLEL_SORT_MIN - 1,
      PARALLEL_SORT_MIN,
      PARALLEL_SORT_MIN * 3 + 1,
    ] {
      let mut expected = names(len);
      expected.sort();
      assert_eq!(
        sorted_by(names(len), |a, b| a.cmp(b)),
        expected,
        "{len} names"
      );
      let list = NameList::from_names(names(len));
      assert_eq!(list.len(), len);
      assert_eq!(list.into_vec(), expected, "{len} names, joined");
    }
  }

  #[test]
  fn a_name_with_a_nul_keeps_the_names_apart() {
    let list = NameList::from_names(vec!["b".into(), "a\0x".into(), "a".into()]);
    assert_eq!(
      list,
      NameList::Names(vec!["a".into(), "a\0x".into(), "b".into()])
    );
  }
}
