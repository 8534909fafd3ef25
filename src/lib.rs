//! The napi binding: conversions between JavaScript and the `stowage-core` facade, nothing more.

mod abort;
mod args;
mod both_ends;
#[macro_use]
mod providers;
mod cloud;
mod config;
mod copy;
mod dispatch;
mod errors;
mod files;
mod helpers;
mod js;
mod kept_order;
mod listing;
mod logger;
mod metadata;
mod ops;
mod promise;
mod retention;
mod service;
mod service_files;
mod service_streams;
mod signing;
mod streams;
mod transfer;

#[napi_derive::module_init]
fn init() {
  logger::install();
}
