//! Integration tests that use the library API only (no `attain` binary):
//! one module per topic, one test binary for all of them, so a change to the
//! library relinks one binary here rather than one per file.

#[macro_use]
#[path = "../common/mod.rs"]
mod common;

mod central;
mod correlation;
mod engine_reference;
mod fuzz_loader;
mod model_years;
mod needs;
mod nowcast;
mod nowcast_jilin;
mod recording;
mod report_snapshot;
mod sampler_bits;
mod schedule;
mod semantics;
mod sharing;
mod stability;
mod statistics;
