//! Chooses LOCAL's implementation: `local_linux` (the Linux fast path: getdents64, O_PATH,
//! renameat2, hand-written resolution beneath the root) on Linux unless the `portable-local`
//! feature asks for the portable one, which every other OS builds.
fn main() {
  println!("cargo::rustc-check-cfg=cfg(local_linux)");
  let linux = std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux");
  if linux && std::env::var_os("CARGO_FEATURE_PORTABLE_LOCAL").is_none() {
    println!("cargo::rustc-cfg=local_linux");
  }
}
