//! `attain params`: one line per number of a scenario that sweep, solve and
//! sensitivity can address.

use std::path::PathBuf;

use attain::error::Result;

use crate::output::stdout;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Scenario file (TOML). Without it, the embedded Jilin 2022 scenario.
    scenario: Option<PathBuf>,
}

pub fn run(args: Args) -> Result<()> {
    let (scenario, _) = super::load(args.scenario.as_deref())?;
    let list = attain::study::params::list(scenario.raw());
    let width = list.iter().map(|p| p.path.len()).max().unwrap_or(0);
    let values: Vec<String> = list.iter().map(|p| format!("{}", p.value)).collect();
    let vwidth = values.iter().map(String::len).max().unwrap_or(0);
    let mut text = String::new();
    for (p, v) in list.iter().zip(&values) {
        text.push_str(&format!("{:<width$}  {:>vwidth$}  {}\n", p.path, v, p.unit));
    }
    stdout(text.as_bytes())
}
