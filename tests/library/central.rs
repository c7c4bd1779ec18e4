//! The central-value pass judged only on the targets the assumptions can
//! move (`Model::central_pass`): every target's split between assumptions
//! and shocks must be, bit for bit, what the pass over every target gives.

use attain::engine::{NoProgress, Plan, RunConfig, run};
use attain::model::step::NoObserver;
use attain::{Model, Report};

use crate::common;
use crate::needs::SCENARIO;

/// Each target's (assumption share, probability with the assumptions
/// fixed), as bits, from the run and the central-value variant `fixed`;
/// `widen` maps the variant's accumulator back onto every target.
fn split(
    m: &Model,
    fixed: &Model,
    widen: &dyn Fn(
        &attain::stats::Accumulator,
        attain::stats::Accumulator,
    ) -> attain::stats::Accumulator,
) -> Vec<(Option<u64>, Option<u64>)> {
    let config = RunConfig {
        paths: 3_000,
        seed: 9,
    };
    let mut out = run(
        &[m, fixed],
        &Plan::full(&config),
        &|_| NoObserver,
        &NoProgress,
    );
    let pass = out.pop().unwrap().acc;
    let main = out.pop().unwrap().acc;
    let mut report = Report::build(m, &main, &config, 0.0, 1, vec![]);
    report.add_assumption_split(&main, &widen(&main, pass));
    report
        .targets
        .iter()
        .map(|t| {
            (
                t.assumption_share.map(f64::to_bits),
                t.probability_fixed.map(f64::to_bits),
            )
        })
        .collect()
}

/// The split with the pass on the moved targets equals the full pass's;
/// returns the moved targets' ids (`None`: every target judged).
fn check(name: &str, m: &Model) -> Option<Vec<String>> {
    let central = m.central_pass().expect("a model with assumptions");
    let mut full = m.clone();
    full.assumptions = full.assumptions.fixed();
    let lean = split(m, &central.model, &|main, pass| central.widen(main, pass));
    let reference = split(m, &full, &|_, pass| pass);
    assert_eq!(lean, reference, "{name}");
    assert!(
        lean.iter().all(|(a, p)| a.is_some() && p.is_some()),
        "{name}: every target has a split"
    );
    central
        .moved
        .map(|v| v.iter().map(|&t| m.targets[t].id.clone()).collect())
}

fn with(assumptions: &str) -> Model {
    common::model(&format!("{}{SCENARIO}{assumptions}", common::header(4)))
}

#[test]
fn an_indicator_assumption_moves_only_the_targets_downstream() {
    // `mood` feeds `stock` (accumulated from 2023); nothing else reads it.
    let m = with(
        "[[assumptions]]\nparameter = \"indicators.mood.intercept\"\n\
         distribution = \"normal\"\nmean = 1.0\nsd = 1.0\n",
    );
    assert_eq!(check("mood", &m), Some(vec!["stock".to_string()]));
    // An event impact's size on prices, and a coefficient of prices.
    let m = with(
        "[[assumptions]]\nparameter = \"indicators.prices.terms.demand\"\n\
         distribution = \"uniform\"\nlow = 0.2\nhigh = 0.8\n",
    );
    assert_eq!(check("prices", &m), Some(vec!["prices".to_string()]));
}

#[test]
fn a_threshold_assumption_moves_its_target_at_its_new_position() {
    // The pass keeps `level` and `stock` only: the threshold of `stock`
    // (third of four targets in the model, second in the pass) must be
    // written at its new position.
    let m = with(
        "[[assumptions]]\nparameter = \"targets.stock.threshold\"\n\
         distribution = \"uniform\"\nlow = 10.0\nhigh = 12.0\n\n\
         [[assumptions]]\nparameter = \"indicators.outside.mean\"\n\
         distribution = \"normal\"\nmean = 5.0\nsd = 1.0\n",
    );
    assert_eq!(
        check("threshold", &m),
        Some(vec!["level".to_string(), "stock".to_string()])
    );
}

#[test]
fn what_the_analysis_cannot_follow_is_judged_on_every_target() {
    // A count reads `share`: its draws would move with it.
    let m = with(
        "[[assumptions]]\nparameter = \"indicators.share.intercept\"\n\
         distribution = \"uniform\"\nlow = 0.2\nhigh = 0.4\n",
    );
    assert_eq!(check("count", &m), None);
    // A sector's growth moves the sector phase.
    let m = with(
        "[[assumptions]]\nparameter = \"sectors.a.growth\"\n\
         distribution = \"normal\"\nmean = 5.0\nsd = 1.0\n",
    );
    assert_eq!(check("sector", &m), None);
}

#[test]
fn the_shipped_scenarios_split_as_with_every_target() {
    for rel in [
        "scenarios/jilin-2022.toml",
        "scenarios/jilin-2022-after-q1.toml",
        "tests/fixtures/features/semantics.toml",
    ] {
        let m = common::model(&std::fs::read_to_string(common::repo(rel)).unwrap());
        let moved = check(rel, &m);
        if rel.starts_with("scenarios/") {
            // The unemployment rate's intercept and Okun slope.
            assert_eq!(moved, Some(vec!["unemployment_rate".to_string()]), "{rel}");
        }
    }
}
