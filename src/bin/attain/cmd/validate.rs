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

pub fn run(args: Args) -> Result<()> {
    let (scenario, origin) = super::load(Some(&args.scenario))?;
    let (model, warnings) = Model::compile(&scenario, &origin)?;
    for w in &warnings {
        eprintln!("warning: {w}");
    }
    stdout(
        format!(
            "{origin}: valid ({} sectors, {} shocks, {} event(s), {} indicators, {} targets)\n",
            model.sectors.len(),
            model.shock_ids.len(),
            model.events.len(),
            model.indicators.len(),
            model.targets.len()
        )
        .as_bytes(),
    )
}
