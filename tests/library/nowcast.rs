//! Nowcasts: conditioning on published quarters (`[observed]`).
//!
//! The published figures must be reproduced exactly on every path, events in
//! published quarters must be the known ones, blended indicators must follow
//! their rule path by path, and the conditional distribution of the rest of
//! the year must agree with brute-force rejection sampling of the
//! unconditioned model.

use crate::common;

use attain::model::step::{NoObserver, PathObserver, PathView, simulate_paths};
use attain::{Model, scenario};

const BASE: &str = repo_file!("tests/fixtures/two-sector.toml");

/// The two-sector fixture plus an industry growth indicator and `extra`.
fn scenario_text(extra: &str) -> String {
    format!(
        "{BASE}\n[[indicators]]\nid = \"industry_growth\"\nlabel = \"Industry growth\"\nunit = \"%\"\nkind = \"growth\"\nof = \"industry\"\n\n{extra}"
    )
}

/// Per path: year-to-date growth of GDP and industry after the first
/// quarter, and the first year's GDP and industry growth.
#[derive(Default)]
struct Watch {
    base_q1: [f64; 2],
    q1_gdp: f64,
    q1_industry: f64,
    gdp_growth: f64,
    industry_growth: f64,
    gdp_index: usize,
    industry_index: usize,
}

impl PathObserver for Watch {
    fn quarter_end<const L: usize>(&mut self, year: usize, quarter: usize, st: PathView<'_, L>) {
        if year == 0 && quarter == 0 {
            let (a, b) = (st.sector_ytd(0), st.sector_ytd(1));
            self.q1_gdp = 100.0 * ((a + b) / (self.base_q1[0] + self.base_q1[1]) - 1.0);
            self.q1_industry = 100.0 * (a / self.base_q1[0] - 1.0);
        }
    }
    fn year_end<const L: usize>(&mut self, year: usize, st: PathView<'_, L>) {
        if year == 0 {
            self.gdp_growth = st.indicator(self.gdp_index);
            self.industry_growth = st.indicator(self.industry_index);
        }
    }
}

fn watch(model: &Model) -> Watch {
    let idx = |id: &str| model.indicators.iter().position(|i| i.id == id).unwrap();
    Watch {
        base_q1: [
            model.base_quarter_level(0, 0),
            model.base_quarter_level(1, 0),
        ],
        gdp_index: idx("gdp_growth"),
        industry_index: idx("industry_growth"),
        ..Watch::default()
    }
}

/// (q1 gdp, q1 industry, year gdp growth, year industry growth) per path.
fn paths(model: &Model, n: usize, seed: u64) -> Vec<[f64; 4]> {
    let mut out = Vec::with_capacity(n);
    simulate_paths::<1, _>(model, seed, 0..n as u64, &mut watch(model), |_, _, w| {
        out.push([w.q1_gdp, w.q1_industry, w.gdp_growth, w.industry_growth])
    });
    out
}

fn mean_sd(x: &[f64]) -> (f64, f64) {
    let n = x.len() as f64;
    let m = x.iter().sum::<f64>() / n;
    let v = x.iter().map(|a| (a - m) * (a - m)).sum::<f64>() / (n - 1.0);
    (m, v.sqrt())
}

#[test]
fn published_quarter_is_reproduced_on_every_path() {
    let model = common::model(&scenario_text(
        "[observed]\nquarters = 1\n\
         [[observed.values]]\nindicator = \"gdp_growth\"\nvalue = -2.0\n\
         [[observed.values]]\nindicator = \"industry_growth\"\nvalue = -6.5\n",
    ));
    for p in paths(&model, 20_000, 7) {
        assert!((p[0] - -2.0).abs() < 1e-9, "Q1 GDP growth {}", p[0]);
        assert!((p[1] - -6.5).abs() < 1e-9, "Q1 industry growth {}", p[1]);
        assert!(p[2].is_finite() && p[3].is_finite());
    }
}

#[test]
fn half_year_figure_fixes_the_second_quarter_too() {
    let text = scenario_text(
        "[observed]\nquarters = 2\n\
         [[observed.values]]\nindicator = \"gdp_growth\"\nvalue = -2.0\nquarter = 1\n\
         [[observed.values]]\nindicator = \"gdp_growth\"\nvalue = 1.0\nquarter = 2\n",
    );
    let model = common::model(&text);
    struct H1 {
        base: f64,
        values: Vec<f64>,
    }
    impl PathObserver for H1 {
        fn quarter_end<const L: usize>(
            &mut self,
            year: usize,
            quarter: usize,
            st: PathView<'_, L>,
        ) {
            if year == 0 && quarter < 2 {
                let ytd = st.sector_ytd(0) + st.sector_ytd(1);
                self.values.push(100.0 * (ytd / self.base - 1.0));
            }
        }
    }
    let mut base = [0.0; 2];
    for (q, b) in base.iter_mut().enumerate() {
        *b = (0..=q)
            .map(|r| model.base_quarter_level(0, r) + model.base_quarter_level(1, r))
            .sum();
    }
    // Q1 against the base year's Q1, then H1 against its H1.
    let mut obs = H1 {
        base: base[0],
        values: vec![],
    };
    simulate_paths::<1, _>(&model, 3, 0..2_000, &mut obs, |_, _, obs| {
        assert!((obs.values[0] - -2.0).abs() < 1e-9);
        let h1 = (obs.values[1] / 100.0 + 1.0) * base[0] / base[1] * 100.0 - 100.0;
        assert!((h1 - 1.0).abs() < 1e-9, "H1 growth {h1}");
        obs.values.clear();
    });
}

#[test]
fn events_in_published_quarters_are_the_known_ones() {
    // The outage can only start in Q1, and would every year.
    let certain = scenario_text("").replace(
        "probability = 0.05\nduration = 1",
        "probability = 1.0\nduration = 1\nquarters = [1]",
    );
    let not_listed = common::model(&format!("{certain}\n[observed]\nquarters = 1\n"));
    let listed = common::model(&format!(
        "{certain}\n[observed]\nquarters = 1\n[[observed.events]]\nid = \"outage\"\nstart_quarter = 1\n"
    ));
    let first_years = |model: &Model| {
        let mut out = vec![];
        simulate_paths::<8, _>(model, 1, 0..500, &mut NoObserver, |_, p, _| {
            out.push(p.first_year[0])
        });
        out
    };
    // Not published as having happened: it did not happen in 2022 Q1, but
    // 2023 is not published and it starts then.
    assert!(first_years(&not_listed).iter().all(|&y| y == 1));
    assert!(first_years(&listed).iter().all(|&y| y == 0));
}

#[test]
fn blended_indicator_follows_its_rule_path_by_path() {
    // Same seed and no exact condition, so the draws are identical. (No
    // event either: a published quarter fixes which events happened in it.)
    let text = scenario_text("").replace("probability = 0.05", "probability = 0.0");
    let plain = common::model(&text);
    let blended = common::model(&format!(
        "{text}\n[observed]\nquarters = 1\n[[observed.values]]\nindicator = \"prices\"\nvalue = 10.0\nshare = 0.25\n"
    ));
    let cpi = |model: &Model| {
        let mut out = vec![];
        // Target "cpi": indicator prices, 2022.
        simulate_paths::<8, _>(model, 9, 0..2_000, &mut NoObserver, |_, p, _| {
            out.push(p.values[1])
        });
        out
    };
    for (a, b) in cpi(&plain).iter().zip(cpi(&blended)) {
        assert!((b - (0.25 * 10.0 + 0.75 * a)).abs() < 1e-12, "{a} -> {b}");
    }
}

/// The conditional distribution of the rest of the year, against rejection
/// sampling: run the unconditioned model, keep the paths whose Q1 GDP growth
/// falls within +-EPS of the published figure, and compare the first year's
/// growth (mean and standard deviation) with the conditioned run.
#[test]
fn conditioning_agrees_with_rejection_sampling() {
    // Without the event and with Gaussian shocks, so that only the
    // conditioning itself is tested (events and fat tails are not reweighted
    // by the observation; docs/MODEL.md says so).
    let text = scenario_text("")
        .replace("probability = 0.05", "probability = 0.0")
        .replace(
            "distribution = \"student_t\"\ndf = 5",
            "distribution = \"gaussian\"",
        )
        .replace(
            "distribution = \"two_piece\"\ndown = 1.3\nup = 0.8",
            "distribution = \"gaussian\"",
        );
    let plain = common::model(&text);
    let all = paths(&plain, 1_500_000, 11);
    let q1: Vec<f64> = all.iter().map(|p| p[0]).collect();
    let (m, sd) = mean_sd(&q1);
    // One standard deviation below the mean: a bad, not absurd, first quarter.
    let observed = m - sd;
    const EPS: f64 = 0.02;
    let kept: Vec<&[f64; 4]> = all
        .iter()
        .filter(|p| (p[0] - observed).abs() < EPS)
        .collect();
    assert!(kept.len() > 5_000, "only {} paths kept", kept.len());

    let conditioned = common::model(&format!(
        "{text}\n[observed]\nquarters = 1\n[[observed.values]]\nindicator = \"gdp_growth\"\nvalue = {observed}\n"
    ));
    let cond = paths(&conditioned, 200_000, 12);
    for (k, name) in [(2, "GDP growth"), (3, "industry growth")] {
        let r: Vec<f64> = kept.iter().map(|p| p[k]).collect();
        let c: Vec<f64> = cond.iter().map(|p| p[k]).collect();
        let (rm, rs) = mean_sd(&r);
        let (cm, cs) = mean_sd(&c);
        let se = (rs * rs / r.len() as f64 + cs * cs / c.len() as f64).sqrt();
        eprintln!(
            "{name}: rejection {rm:.4} (sd {rs:.4}, n {}), conditioned {cm:.4} (sd {cs:.4}), se {se:.4}",
            r.len()
        );
        assert!(
            (rm - cm).abs() < 4.0 * se,
            "{name}: mean {rm} vs {cm}, se {se}"
        );
        // Standard deviations: the sampling sd of a sample sd is about sd / sqrt(2n).
        let se_sd = (rs * rs / (2.0 * r.len() as f64) + cs * cs / (2.0 * c.len() as f64)).sqrt();
        assert!(
            (rs - cs).abs() < 4.0 * se_sd,
            "{name}: sd {rs} vs {cs}, se {se_sd}"
        );
        // And the condition moved the distribution: the unconditioned mean is elsewhere.
        let (um, _) = mean_sd(&all.iter().map(|p| p[k]).collect::<Vec<_>>());
        assert!(
            (um - cm).abs() > 10.0 * se,
            "{name}: conditioning changed nothing"
        );
    }
}

fn problems(text: &str) -> String {
    match scenario::load(text, "test") {
        Err(e) => e.to_string(),
        Ok(s) => match Model::compile(&s, "test") {
            Err(e) => e.to_string(),
            Ok(_) => String::from("valid"),
        },
    }
}

#[test]
fn bad_observed_sections_are_clear_errors() {
    let cases = [
        (
            "[observed]\nquarters = 4\n",
            "observed.quarters",
            "must be 1, 2 or 3",
        ),
        (
            "[observed]\nquarters = 1\n[[observed.values]]\nindicator = \"gdp_growht\"\nvalue = 1.0\n",
            "observed.values[0].indicator",
            "did you mean \"gdp_growth\"",
        ),
        (
            "[observed]\nquarters = 1\n[[observed.values]]\nindicator = \"gdp_growth\"\nvalue = 1.0\nshare = 0.2\n",
            "observed.values[0].share",
            "whose published quarters are reproduced exactly",
        ),
        (
            "[observed]\nquarters = 1\n[[observed.values]]\nindicator = \"prices\"\nvalue = 1.0\n",
            "observed.values[0].indicator",
            "give `share`",
        ),
        (
            "[observed]\nquarters = 1\n[[observed.values]]\nindicator = \"prices\"\nvalue = 1.0\nshare = 1.5\n",
            "observed.values[0].share",
            "share must be in (0, 1)",
        ),
        (
            "[observed]\nquarters = 1\n[[observed.values]]\nindicator = \"gdp_growth\"\nvalue = 1.0\nquarter = 2\n",
            "observed.values[0].quarter",
            "must be a published quarter (1-1)",
        ),
        (
            "[observed]\nquarters = 1\n[[observed.values]]\nindicator = \"gdp_growth\"\nvalue = -120.0\n",
            "observed.values[0].value",
            "above -100",
        ),
        (
            "[observed]\nquarters = 1\n[[observed.values]]\nindicator = \"gdp_growth\"\nvalue = 1.0\n[[observed.values]]\nindicator = \"gdp_growth\"\nvalue = 2.0\n",
            "observed.values[1].indicator",
            "observed twice",
        ),
        (
            "[observed]\nquarters = 1\n[[observed.events]]\nid = \"outtage\"\nstart_quarter = 1\n",
            "observed.events[0].id",
            "did you mean \"outage\"",
        ),
        (
            "[observed]\nquarters = 1\n[[observed.events]]\nid = \"outage\"\nstart_quarter = 3\n",
            "observed.events[0].start_quarter",
            "must be a published quarter",
        ),
        (
            "[observed]\nquarters = 1\nvalus = []\n",
            "line 128, column 1: valus",
            "unknown field `valus`, expected one of `quarters`, `source`, `values`, `events`",
        ),
        (
            // Industry observed twice under two names: the same sum twice.
            "[[indicators]]\nid = \"industry_growth_2\"\nlabel = \"Again\"\nkind = \"growth\"\nof = \"industry\"\n\
             [observed]\nquarters = 1\n\
             [[observed.values]]\nindicator = \"industry_growth\"\nvalue = 1.0\n\
             [[observed.values]]\nindicator = \"industry_growth_2\"\nvalue = 2.0\n",
            "observed.values[0], observed.values[1]",
            "cannot all be met",
        ),
    ];
    for (extra, field, message) in cases {
        let text = scenario_text(extra);
        let err = problems(&text);
        assert!(
            err.contains(field) && err.contains(message),
            "for\n{extra}\nexpected {field:?} and {message:?}, got:\n{err}"
        );
    }
}

/// Figures that no path can reproduce are found at load, located at the
/// figure's value (docs/MODEL.md 11.2), and figures just inside the limit
/// still load and are reproduced.
#[test]
fn impossible_figures_are_found_in_closed_form_at_load() {
    // GDP and industry +5% through Q1; through H1 GDP +5% and industry
    // +100%: year to date, industry stays below GDP, but in Q2 alone the
    // services would need a negative level.
    let h1 = |industry_h1: f64| {
        scenario_text(&format!(
            "[observed]\nquarters = 2\n\
             [[observed.values]]\nindicator = \"gdp_growth\"\nvalue = 5.0\nquarter = 1\n\
             [[observed.values]]\nindicator = \"industry_growth\"\nvalue = 5.0\nquarter = 1\n\
             [[observed.values]]\nindicator = \"gdp_growth\"\nvalue = 5.0\nquarter = 2\n\
             [[observed.values]]\nindicator = \"industry_growth\"\nvalue = {industry_h1:?}\nquarter = 2\n"
        ))
    };
    let err = problems(&h1(100.0));
    assert!(
        err.contains(
            "observed.values[3].value: impossible beside \"gdp_growth\" +5%: through quarter 2"
        ) && err.contains("in quarter 2, and a level must be positive")
            && err.contains(": line "),
        "{err}"
    );
    // Year to date the rest of GDP is positive: only the quarter is impossible.
    let model = common::model(&h1(40.0));
    struct Ytd(Vec<f64>);
    impl PathObserver for Ytd {
        fn quarter_end<const L: usize>(
            &mut self,
            year: usize,
            quarter: usize,
            st: PathView<'_, L>,
        ) {
            if year == 0 && quarter == 1 {
                self.0.push(st.sector_ytd(0));
            }
        }
    }
    let base_h1 = model.base_quarter_level(0, 0) + model.base_quarter_level(0, 1);
    let mut obs = Ytd(vec![]);
    simulate_paths::<8, _>(&model, 1, 0..200, &mut obs, |_, _, _| {});
    for ytd in obs.0 {
        assert!((100.0 * (ytd / base_h1 - 1.0) - 40.0).abs() < 1e-9, "{ytd}");
    }
    // A figure after the same indicator's earlier one that leaves the
    // quarter without a positive level; and a part above the whole.
    let err = problems(&scenario_text(
        "[observed]\nquarters = 2\n\
         [[observed.values]]\nindicator = \"gdp_growth\"\nvalue = 5.0\nquarter = 1\n\
         [[observed.values]]\nindicator = \"gdp_growth\"\nvalue = -50.0\nquarter = 2\n",
    ));
    assert!(
        err.contains("observed.values[1].value: impossible after +5% through quarter 1")
            && err.contains("leaves quarter 2 with a level of"),
        "{err}"
    );
    let err = problems(&scenario_text(
        "[observed]\nquarters = 1\n\
         [[observed.values]]\nindicator = \"industry_growth\"\nvalue = 200.0\n\
         [[observed.values]]\nindicator = \"gdp_growth\"\nvalue = 0.0\n",
    ));
    assert!(
        err.contains("observed.values[1].value: impossible beside \"industry_growth\" +200%")
            && err.contains("in quarter 1, and a level must be positive"),
        "{err}"
    );
}
