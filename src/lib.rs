//! The napi binding: conversions between JavaScript and the `stowage-core` facade, nothing more.

mod args;
mod errors;
mod logger;
mod ops;
mod promise;
mod providers;
mod service;

#[napi_derive::module_init]
fn init() {
  logger::install();
}
