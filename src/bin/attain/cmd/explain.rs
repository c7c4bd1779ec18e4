//! `attain explain`: print the compiled model in words.

use std::path::PathBuf;

use attain::Model;
use attain::error::Result;

use crate::output::stdout;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Scenario file (TOML). Without it, the embedded Jilin 2022 scenario.
    scenario: Option<PathBuf>,
}

pub fn run(args: Args) -> Result<()> {
    let (scenario, origin) = super::load(args.scenario.as_deref())?;
    let (model, warnings) = Model::compile(&scenario, &origin)?;
    stdout(attain::explain::explain(&model, &warnings).as_bytes())
}
