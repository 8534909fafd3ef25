//! Checksums computed while the file streams by in chunks: memory stays constant whatever the
//! file's size.

use md5::Md5;
use sha2::{Digest, Sha256};

use crate::error::{Error, ErrorKind, Result};

/// The algorithms `checksum` knows, named as `crypto.createHash` names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
  Sha256,
  Md5,
}

impl Algorithm {
  /// `sha256` or `md5` (any case); anything else is `EINVAL`.
  pub fn parse(name: &str) -> Result<Self> {
    match name.to_ascii_lowercase().as_str() {
      "sha256" => Ok(Algorithm::Sha256),
      "md5" => Ok(Algorithm::Md5),
      _ => Err(Error::new(
        ErrorKind::InvalidInput,
        format!("unknown checksum algorithm \"{name}\" (expected \"sha256\" or \"md5\")"),
      )),
    }
  }
}

/// A digest being computed, chunk by chunk.
pub enum Hasher {
  Sha256(Sha256),
  Md5(Md5),
}

impl Hasher {
  pub fn new(algorithm: Algorithm) -> Self {
    match algorithm {
      Algorithm::Sha256 => Hasher::Sha256(Sha256::new()),
      Algorithm::Md5 => Hasher::Md5(Md5::new()),
    }
  }

  pub fn update(&mut self, chunk: &[u8]) {
    match self {
      Hasher::Sha256(h) => h.update(chunk),
      Hasher::Md5(h) => h.update(chunk),
    }
  }

  /// The lowercase hex digest, as `createHash(...).digest('hex')` gives it.
  pub fn finish(self) -> String {
    match self {
      Hasher::Sha256(h) => hex(&h.finalize()),
      Hasher::Md5(h) => hex(&h.finalize()),
    }
  }
}

fn hex(bytes: &[u8]) -> String {
  const DIGITS: &[u8; 16] = b"0123456789abcdef";
  let mut out = String::with_capacity(bytes.len() * 2);
  for b in bytes {
    out.push(DIGITS[(b >> 4) as usize] as char);
    out.push(DIGITS[(b & 15) as usize] as char);
  }
  out
}

#[cfg(test)]
mod tests {
  use super::*;

  fn digest(algorithm: Algorithm, parts: &[&[u8]]) -> String {
    let mut hasher = Hasher::new(algorithm);
    for part in parts {
      hasher.update(part);
    }
    hasher.finish()
  }

  #[test]
  fn digests_match_the_known_values_whatever_the_chunking() {
    let sha = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    assert_eq!(digest(Algorithm::Sha256, &[b"abc"]), sha);
    assert_eq!(digest(Algorithm::Sha256, &[b"a", b"", b"bc"]), sha);
    let md5_empty = "d41d8cd98f00b204e9800998ecf8427e";
    assert_eq!(digest(Algorithm::Md5, &[]), md5_empty);
  }

  #[test]
  fn unknown_algorithms_are_einval() {
    assert_eq!(Algorithm::parse("SHA256").unwrap(), Algorithm::Sha256);
    assert_eq!(Algorithm::parse("sha1").unwrap_err().code(), "EINVAL");
  }
}
