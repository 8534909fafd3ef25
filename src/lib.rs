//! The napi binding: conversions between JavaScript and the `stowage-core` facade, nothing more.

mod args;
#[macro_use]
mod providers;
mod cloud;
mod errors;
mod logger;
mod ops;
mod promise;
mod service;

#[napi_derive::module_init]
fn init() {
  logger::install();
}
