//! The order of the names a `listFiles` filter kept. A long listing's names reach JavaScript in
//! pieces while the directory is still read (`js::append_piece`), the filter keeps some of each,
//! and the core's order by name (`Listed::Order`) counts every name found: [`kept_order`] turns it
//! into the order of the kept ones (`js::assemble`).

/// The order of the kept names: `order` (indices in the order found, sorted by name) without the
/// names `kept` leaves out, each given as its index among the kept ones in the order found — so a
/// consumer that kept the names in one array as they came takes them in this order. `kept` has
/// one byte per name found, non-zero for a kept one (an index past its end counts as left out);
/// `None` keeps them all.
pub fn kept_order(order: &[u32], kept: Option<&[u8]>) -> Vec<u32> {
  let Some(kept) = kept else {
    return order.to_vec();
  };
  let mut among = Vec::with_capacity(kept.len());
  let mut before = 0u32;
  for &k in kept {
    among.push(before);
    before += u32::from(k != 0);
  }
  order
    .iter()
    .filter(|&&i| kept.get(i as usize).is_some_and(|&k| k != 0))
    .map(|&i| among[i as usize])
    .collect()
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn kept_order_gives_the_kept_names_places_among_themselves_in_name_order() {
    // Found: c a d b e; by name: a b c d e = found indices 1 3 0 2 4.
    let order = [1, 3, 0, 2, 4];
    assert_eq!(kept_order(&order, None), order);
    // Kept in the order found: c (0), d (1), e (2); by name: c d e.
    assert_eq!(kept_order(&order, Some(&[1, 0, 1, 0, 1])), [0, 1, 2]);
    // Kept: a (0), b (1), e (2); by name: a b e.
    assert_eq!(kept_order(&order, Some(&[0, 1, 0, 1, 1])), [0, 1, 2]);
    // Kept: c (0), a (1), b (2); by name: a b c.
    assert_eq!(kept_order(&order, Some(&[1, 1, 0, 1, 0])), [1, 2, 0]);
    assert_eq!(kept_order(&order, Some(&[0; 5])), [] as [u32; 0]);
    // An index with no byte counts as left out.
    assert_eq!(kept_order(&order, Some(&[1, 1])), [1, 0]);
    assert_eq!(kept_order(&[], Some(&[])), [] as [u32; 0]);
  }
}
