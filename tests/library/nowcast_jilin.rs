//! The shipped nowcast scenario: the January Jilin scenario plus what was
//! published for 2022 Q1, and nothing else changed.

use attain::engine::RunConfig;
use attain::{Model, scenario};

const JANUARY: &str = repo_file!("scenarios/jilin-2022.toml");
const AFTER_Q1: &str = repo_file!("scenarios/jilin-2022-after-q1.toml");

#[test]
fn after_q1_is_the_january_scenario_plus_the_published_quarter() {
    let jan = scenario::load(JANUARY, "jilin-2022.toml").unwrap();
    let q1 = scenario::load(AFTER_Q1, "jilin-2022-after-q1.toml").unwrap();
    let (jan, q1) = (jan.raw(), q1.raw());
    assert_eq!(jan.sectors, q1.sectors);
    assert_eq!(jan.shocks, q1.shocks);
    assert_eq!(jan.shock_correlation, q1.shock_correlation);
    assert_eq!(jan.events, q1.events);
    assert_eq!(jan.targets, q1.targets);
    assert_eq!(jan.scenario.base_year, q1.scenario.base_year);
    assert_eq!(jan.scenario.horizon, q1.scenario.horizon);
    // The January indicators come first, unchanged; the additions only define
    // industrial value added, which the published figures need.
    assert_eq!(jan.indicators[..], q1.indicators[..jan.indicators.len()]);
    let added: Vec<&str> = q1.indicators[jan.indicators.len()..]
        .iter()
        .map(|i| i.id.as_str())
        .collect();
    assert_eq!(added, ["industry_va", "industry_va_growth"]);
    assert!(jan.observed.is_none());
    let obs = q1.observed.as_ref().unwrap();
    assert_eq!(obs.quarters, 1);
    let values: Vec<(&str, f64)> = obs
        .values
        .iter()
        .map(|v| (v.indicator.as_str(), v.value))
        .collect();
    assert_eq!(
        values,
        [
            ("gdp_growth", -7.9),
            ("industry_va_growth", -10.5),
            ("fai_growth", -31.8),
            ("retail_sales_growth", -4.2)
        ]
    );
}

#[test]
fn the_published_quarter_is_what_every_path_shows() {
    let s = scenario::load(AFTER_Q1, "jilin-2022-after-q1.toml").unwrap();
    let (model, _) = Model::compile(&s, "after-q1").unwrap();
    let idx = |id: &str| model.indicators.iter().position(|i| i.id == id).unwrap();
    let config = RunConfig {
        paths: 8_192,
        seed: 5,
    };
    let fans = attain::fan::simulate_fan(
        &model,
        &config,
        &[idx("gdp_growth"), idx("industry_va_growth")],
    )
    .unwrap();
    // The fan's quantiles come from a histogram with relative error 2^-9.
    for (fan, want) in fans.iter().zip([-7.9, -10.5]) {
        let q1 = &fan.points[0];
        assert_eq!((q1.year, q1.quarter), (2022, 1));
        for v in [q1.p5, q1.p50, q1.p95] {
            assert!(
                (v - want).abs() <= want.abs() * 2f64.powi(-8),
                "{}: Q1 {v}, published {want}",
                fan.indicator
            );
        }
        // Later quarters are uncertain again.
        let h1 = &fan.points[1];
        assert!(h1.p95 - h1.p5 > 0.5, "{}: H1 band {h1:?}", fan.indicator);
    }
}
