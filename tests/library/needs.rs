//! The kernel computes only what the targets read (`Needs`): a run whose
//! observer reads nothing must give, path by path and bit for bit, what the
//! run that computes every indicator and sector of every year gives.

use attain::Model;
use attain::engine::{NoProgress, Observer, Plan, RunConfig, run};
use attain::model::step::{Needs, NoObserver, PathObserver, PathOutcome, PathView, simulate_paths};

use crate::common;

/// An observer that reads nothing but says it reads the state, so the
/// kernel computes everything.
#[derive(Default)]
struct Everything;
impl PathObserver for Everything {
    fn year_end<const L: usize>(&mut self, _year: usize, _path: PathView<'_, L>) {}
}
impl Observer for Everything {
    fn merge(&mut self, _next: Self) {}
}

/// Every path's outcome (its bits) with batch width `L`.
fn outcomes<const L: usize, O: PathObserver>(m: &Model, observer: &mut O, n: u64) -> Vec<String> {
    let mut out = vec![];
    simulate_paths::<L, _>(m, 11, 0..n, observer, |path, p: &PathOutcome, _| {
        out.push(format!("{path} {:?}", bits(p)));
    });
    out
}

fn bits(p: &PathOutcome) -> (Vec<u64>, Vec<u64>, Vec<u32>, Vec<bool>) {
    (
        p.values.iter().map(|v| v.to_bits()).collect(),
        p.judged.iter().map(|v| v.to_bits()).collect(),
        p.first_year.clone(),
        p.excused.clone(),
    )
}

/// The first path on which two runs differ, if any.
fn same(a: &[String], b: &[String], what: &str) {
    assert_eq!(a.len(), b.len(), "{what}");
    if let Some((x, y)) = a.iter().zip(b).find(|(x, y)| x != y) {
        panic!("{what}: first difference\n  {x}\n  {y}");
    }
}

fn check(name: &str, m: &Model) {
    let lean = outcomes::<8, _>(m, &mut NoObserver, 400);
    same(
        &lean,
        &outcomes::<8, _>(m, &mut Everything, 400),
        &format!("{name}, width 8"),
    );
    same(
        &lean,
        &outcomes::<1, _>(m, &mut NoObserver, 400),
        &format!("{name}, width 1"),
    );
    // The runner's summaries, with the central-value pass of assumptions.
    let plan = Plan::full(&RunConfig {
        paths: 3_000,
        seed: 5,
    });
    let mut fixed = m.clone();
    fixed.assumptions = fixed.assumptions.fixed();
    let variants = [m, &fixed];
    let lean = run(&variants, &plan, &|_| NoObserver, &NoProgress);
    let full = run(&variants, &plan, &|_| Everything, &NoProgress);
    for (a, b) in lean.iter().zip(&full) {
        assert_eq!(
            format!("{:?}", a.acc),
            format!("{:?}", b.acc),
            "{name}, run"
        );
    }
}

/// Four years, targets in the first three only, and each rule of the
/// analysis exercised: a persistent noise needed only in a later year, a
/// Student-t noise nobody reads (drawn, as later draws follow), a count
/// drawn before a needed draw, compound and accumulate values that need
/// their own earlier years, a growth of an indicator, a shock input, a
/// relative target, an event on an indicator, and an unread indicator last.
pub const SCENARIO: &str = r#"
[[sectors]]
id = "a"
label = "A"
value_added = 400.0
growth = 5.0
volatility = 2.0
persistence = 0.3
loadings = { demand = 1.5 }

[[sectors]]
id = "b"
label = "B"
value_added = 600.0
growth = 6.0
volatility = 1.0

[[shocks]]
id = "demand"
label = "Demand"
distribution = "student_t"
df = 5

[[events]]
id = "storm"
label = "Storm"
probability = 0.1
duration = 2
impacts = [ { sector = "a", size = -5.0 }, { indicator = "prices", size = 1.0 } ]

[[indicators]]
id = "gdp"
label = "GDP"
kind = "sum"
terms = { a = 1.0, b = 1.0 }

[[indicators]]
id = "gdp_growth"
label = "GDP growth"
kind = "growth"
of = "gdp"

[[indicators]]
id = "prices"
label = "CPI"
kind = "linear"
intercept = 2.0
terms = { demand = 0.5 }
noise = 0.5
noise_df = 6

[[indicators]]
id = "share"
label = "Share"
kind = "linear"
intercept = 0.3
noise = 0.05

[[indicators]]
id = "passing"
label = "Passing"
kind = "count"
of = "share"
trials = 12

[[indicators]]
id = "mood"
label = "Mood"
kind = "linear"
intercept = 1.0
noise = 2.0
persistence = 0.7

[[indicators]]
id = "level"
label = "Level"
kind = "compound"
of = "gdp_growth"
base = 50.0
noise = 0.3

[[indicators]]
id = "level_growth"
label = "Growth of the level"
kind = "growth"
of = "level"

[[indicators]]
id = "stock"
label = "Stock"
kind = "accumulate"
of = "mood"
base = 10.0
from_year = 2023

[[indicators]]
id = "outside"
label = "Outside growth"
kind = "exogenous"
mean = [5.0, 5.0, 5.0, 5.0]
noise = 1.0

[[targets]]
id = "gdp"
label = "GDP growth"
indicator = "gdp_growth"
year = 2022
op = "at_least"
threshold = 5.0
excused_by = ["storm"]

[[targets]]
id = "level"
label = "Level growth"
indicator = "level_growth"
relative_to = "outside"
year = 2023
op = "at_least"
threshold = 0.0

[[targets]]
id = "stock"
label = "Stock"
indicator = "stock"
year = 2024
op = "at_least"
threshold = 11.0

[[targets]]
id = "prices"
label = "Prices"
indicator = "prices"
year = 2022
op = "at_most"
threshold = 3.0
"#;

#[test]
fn computing_only_what_targets_need_changes_no_path() {
    let m = common::model(&format!("{}{SCENARIO}", common::header(4)));
    let needs = Needs::of_targets(&m);
    assert!(
        !needs.is_everything(),
        "the analysis found nothing to leave out"
    );
    check("synthetic", &m);
    for rel in [
        "scenarios/jilin-2022.toml",
        "scenarios/jilin-2022-after-q1.toml",
        "scenarios/jilin-2019.toml",
        "scenarios/jilin-2023.toml",
        "tests/fixtures/features/semantics.toml",
        "tests/fixtures/two-sector.toml",
        "tests/fixtures/one-year.toml",
    ] {
        let m = common::model(&std::fs::read_to_string(common::repo(rel)).unwrap());
        check(rel, &m);
    }
}
