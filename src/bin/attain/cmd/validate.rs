//! `attain validate`: check a scenario file and say what it holds.

use std::path::PathBuf;

use attain::Model;
use attain::error::Result;

use crate::output::stdout;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Scenario file (TOML).
    scenario: PathBuf,
}

use attain::report::format::count;

pub fn run(args: Args) -> Result<()> {
    let (scenario, origin) = super::load(Some(&args.scenario))?;
    let (model, warnings) = Model::compile(&scenario, &origin)?;
    for w in &warnings {
        eprintln!("warning: {w}");
    }
    stdout(
        format!(
            "{origin}: valid ({}, {}, {}, {}, {})\n",
            count(model.sectors.len(), "sector", "sectors"),
            count(model.shock_ids.len(), "shock", "shocks"),
            count(model.events.len(), "event", "events"),
            count(model.indicators.len(), "indicator", "indicators"),
            count(model.targets.len(), "target", "targets")
        )
        .as_bytes(),
    )
}
