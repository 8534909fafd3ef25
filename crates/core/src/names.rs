//! Directory listings as names only, held compactly: one string with every name (NUL between
//! them, never in a file name) and their spans, sorted by span, then joined for the binding to
//! split in one JavaScript call. A 100,000-name listing is two allocations instead of 100,000
//! `String`s. A long listing can also hand its names on in pieces while the directory is still
//! being read ([`NameBuf::with_pieces`]), and give their order by name at the end
//! ([`NameBuf::order`]), so that the names' JS strings are made while the kernel reads.

use std::cmp::Ordering;
use std::fmt;

/// Takes a listing's names in pieces, each the NUL-joined names found since the last piece.
pub type NamePieces = Box<dyn FnMut(String) + Send>;

/// Names per piece given to [`NamePieces`] (every piece but the last), so the name found at
/// index `i` is name `i % PIECE_NAMES` of piece `i / PIECE_NAMES`.
pub const PIECE_NAMES: usize = 1 << 12;

/// Names in the order they were found: one text (the names joined with NUL), and each name's
/// span in it.
#[derive(Default)]
pub struct NameBuf {
  text: String,
  spans: Vec<(u32, u32)>,
  /// Gets the names in pieces of [`PIECE_NAMES`] as they are pushed.
  pieces: Option<NamePieces>,
  /// Names already given out as pieces.
  sent: usize,
  /// How many leading bytes every name shares (the sort compares what follows).
  shared: usize,
}

impl fmt::Debug for NameBuf {
  fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    f.debug_struct("NameBuf")
      .field("names", &self.spans.len())
      .field("sent", &self.sent)
      .field("shared", &self.shared)
      .finish()
  }
}

impl NameBuf {
  /// A buffer that also gives its names to `pieces`, [`PIECE_NAMES`] at a time, as they are
  /// pushed; the last ones (fewer than a piece) go on [`NameBuf::flush`].
  pub fn with_pieces(pieces: NamePieces) -> NameBuf {
    NameBuf {
      pieces: Some(pieces),
      ..NameBuf::default()
    }
  }

  pub fn push(&mut self, name: &str) {
    match self.spans.first() {
      None => self.shared = name.len(),
      Some(&first) => {
        let first = &self.text.as_bytes()[first.0 as usize..][..self.shared];
        self.shared = first
          .iter()
          .zip(name.as_bytes())
          .take_while(|(a, b)| a == b)
          .count();
        self.text.push('\0');
      }
    }
    let start = self.text.len() as u32;
    self.text.push_str(name);
    self.spans.push((start, name.len() as u32));
    if self.spans.len() - self.sent >= PIECE_NAMES {
      self.flush();
    }
  }

  /// Gives the names not given out yet to the pieces, if there are pieces.
  pub fn flush(&mut self) {
    if let (Some(pieces), Some(&(from, _))) = (&mut self.pieces, self.spans.get(self.sent)) {
      pieces(self.text[from as usize..].to_string());
      self.sent = self.spans.len();
    }
  }

  /// How many names went out as pieces (the first ones found).
  pub fn sent(&self) -> usize {
    self.sent
  }

  pub fn len(&self) -> usize {
    self.spans.len()
  }

  pub fn is_empty(&self) -> bool {
    self.spans.is_empty()
  }

  /// The positions of the names (in the order found) sorted by their bytes: `order()[0]` is the
  /// index of the first name by name.
  ///
  /// Sorted by a key first: the 8 bytes after the prefix every name shares, as a big-endian
  /// number (zero-padded: no name holds a NUL, so a shorter name still sorts first). The sort
  /// then compares numbers, not names through two indirections; only names with equal keys are
  /// compared whole, among themselves.
  pub fn order(&self) -> Vec<u32> {
    let (text, spans, shared) = (self.text.as_bytes(), &self.spans, self.shared);
    let mut keyed: Vec<(u64, u32)> = (0..spans.len())
      .map(|i| (key(&name(text, spans[i])[shared..]), i as u32))
      .collect();
    // One thread: on numbers, a second thread's start and the merge cost more than they save.
    keyed.sort_unstable_by_key(|&(key, _)| key);
    for tied in keyed.chunk_by_mut(|a, b| a.0 == b.0) {
      if tied.len() > 1 {
        tied.sort_unstable_by(|a, b| {
          name(text, spans[a.1 as usize]).cmp(name(text, spans[b.1 as usize]))
        });
      }
    }
    keyed.into_iter().map(|(_, i)| i).collect()
  }

  /// The names sorted by their bytes, joined with NUL.
  pub fn sorted(self) -> NameList {
    let order = self.order();
    let mut joined = String::with_capacity(self.text.len());
    for (n, &i) in order.iter().enumerate() {
      if n > 0 {
        joined.push('\0');
      }
      let (start, len) = self.spans[i as usize];
      joined.push_str(&self.text[start as usize..(start + len) as usize]);
    }
    NameList::Joined {
      joined,
      len: order.len(),
    }
  }
}

/// The first 8 bytes of `rest` as a big-endian number, zero-padded.
fn key(rest: &[u8]) -> u64 {
  let mut bytes = [0u8; 8];
  let n = rest.len().min(8);
  bytes[..n].copy_from_slice(&rest[..n]);
  u64::from_be_bytes(bytes)
}

/// The bytes of the name at `span` in a [`NameBuf`]'s text.
fn name(text: &[u8], (start, len): (u32, u32)) -> &[u8] {
  &text[start as usize..(start + len) as usize]
}

/// What [`crate::Storage::list_names_in_pieces`] gives.
#[derive(Debug)]
pub enum Listed {
  /// The names went out in pieces; this is their order by name, as indices in the order found.
  Order(Vec<u32>),
  /// No pieces: the whole listing, sorted.
  Sorted(NameList),
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
  fn pieces_carry_every_name_in_the_order_found_and_order_sorts_them() {
    for len in [
      0,
      1,
      PIECE_NAMES - 1,
      PIECE_NAMES,
      2 * PIECE_NAMES + 5,
      PARALLEL_SORT_MIN + 3,
    ] {
      let found = names(len);
      let pieces = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
      let sink = pieces.clone();
      let mut buf = NameBuf::with_pieces(Box::new(move |p| sink.lock().unwrap().push(p)));
      for name in &found {
        buf.push(name);
      }
      let before_flush = pieces.lock().unwrap().len();
      assert_eq!(
        before_flush,
        len / PIECE_NAMES,
        "{len} names: whole pieces as pushed"
      );
      assert_eq!(buf.sent(), before_flush * PIECE_NAMES);
      buf.flush();
      assert_eq!(buf.sent(), len);
      let pieces = pieces.lock().unwrap().clone();
      assert_eq!(
        pieces.len(),
        len.div_ceil(PIECE_NAMES),
        "{len} names: and the rest"
      );
      let received: Vec<String> = pieces
        .iter()
        .flat_map(|p| p.split('\0').map(str::to_string))
        .collect();
      assert_eq!(received, found, "{len} names, as found");
      let by_order: Vec<String> = buf
        .order()
        .iter()
        .map(|&i| found[i as usize].clone())
        .collect();
      let mut expected = found.clone();
      expected.sort();
      assert_eq!(by_order, expected, "{len} names, ordered");
      assert_eq!(buf.sorted().into_vec(), expected, "{len} names, sorted");
    }
  }

  #[test]
  fn order_sorts_by_bytes_past_a_shared_prefix_and_its_key() {
    let cases: [&[&str]; 4] = [
      // A shared prefix, names ending inside and past the 8 key bytes, ties beyond them.
      &[
        "seg-abcdefgh2",
        "seg-abcdefgh1",
        "seg-abcdefgh",
        "seg-abc",
        "seg-abc\u{1}",
        "seg-",
        "seg-abcdefgh10",
        "seg-abcdefgi",
        "seg-\u{ff}",
        "seg-é",
      ],
      // Nothing shared; one name a prefix of all the others.
      &["b", "a", "ab", "", "aa", "a\u{7f}"],
      // All the same but the last byte.
      &["x-1", "x-3", "x-2"],
      // One name.
      &["only"],
    ];
    for names in cases {
      let mut buf = NameBuf::default();
      for name in names {
        buf.push(name);
      }
      let mut expected: Vec<&str> = names.to_vec();
      expected.sort();
      let ordered: Vec<&str> = buf.order().iter().map(|&i| names[i as usize]).collect();
      assert_eq!(ordered, expected);
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
