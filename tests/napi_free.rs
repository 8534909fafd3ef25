//! The binding's modules that make no napi call, compiled on their own so that their unit tests
//! run: the addon's own test binary cannot link outside Node (Cargo.toml, `[lib] test = false`).
//! A module listed here must not use napi or the rest of the binding.

#[path = "../src/both_ends.rs"]
mod both_ends;
#[path = "../src/copy.rs"]
mod copy;
#[path = "../src/kept_order.rs"]
mod kept_order;
