//! Integration tests that run the `attain` binary (some also call the
//! library to compare with it): one module per topic in one test binary.
//! Everything for this binary lives under `tests/cli/`, and repository paths
//! come from `common::repo`, so the binary can move into a separate crate.

#[macro_use]
#[path = "../common/mod.rs"]
mod common;

mod backtest;
mod calibrate;
mod charts;
mod cli;
mod cli_comfort;
mod doc_examples;
mod error_messages;
mod flags;
mod hardening;
mod integrity;
mod reliability;
mod report_html;
mod semantics;
mod shard;
mod sweep;
mod sweep_resume;
mod validation;
mod xlsx;
