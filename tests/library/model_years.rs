//! Per-year values, the base year's quarterly profile (carry-over) and the
//! policy reaction function (docs/MODEL.md 2.1, 2.4, 2.5): closed forms
//! with no noise, binomial bounds and exact moments with it, fixed seeds.

use attain::model::step::{NoObserver, PathObserver, PathView, simulate_paths};

use crate::common::*;

/// Four standard errors (as in `statistics.rs`).
const K: f64 = 4.0;

/// Every target's value on each of `n` paths (`out[path][target]`).
fn all_values(m: &attain::Model, n: usize, seed: u64) -> Vec<Vec<f64>> {
    let mut out = Vec::with_capacity(n);
    simulate_paths::<8, _>(m, seed, 0..n as u64, &mut NoObserver, |_, p, _| {
        out.push(p.values.clone())
    });
    out
}

/// One sector `a` (value added 100) with the given extra lines, its growth
/// indicator `g`, and one target on `g` per simulated year (`g2022`, ...).
fn one_sector(horizon: u32, sector: &str, extra: &str) -> String {
    let mut t = format!(
        "{}[[sectors]]\nid = \"a\"\nlabel = \"A\"\nvalue_added = 100.0\n{sector}\n\
         [[indicators]]\nid = \"g\"\nlabel = \"growth\"\nkind = \"growth\"\nof = \"a\"\n\n{extra}\n",
        header(horizon)
    );
    for y in 0..horizon {
        let year = 2022 + y;
        t.push_str(&format!(
            "[[targets]]\nid = \"g{year}\"\nlabel = \"T\"\nindicator = \"g\"\nyear = {year}\nop = \"at_least\"\nthreshold = 0\n\n"
        ));
    }
    t
}

/// The one value every path gives for each target (asserting there is one).
fn exact_values(m: &attain::Model) -> Vec<f64> {
    let xs = all_values(m, 50, 1);
    for x in &xs {
        for (a, b) in x.iter().zip(&xs[0]) {
            assert!(
                a.to_bits() == b.to_bits(),
                "paths differ: {x:?} vs {:?}",
                xs[0]
            );
        }
    }
    xs[0].clone()
}

fn close(a: f64, b: f64, what: &str) {
    assert!((a - b).abs() < 1e-9, "{what}: {a} vs {b}");
}

/// The sum of four quarterly levels `q4 · exp(Σ_{t≤q} step_t)`.
fn year_sum(q4: f64, steps: [f64; 4]) -> f64 {
    let mut l = q4.ln();
    steps
        .iter()
        .map(|s| {
            l += s;
            l.exp()
        })
        .sum()
}

#[test]
fn per_year_growth_without_shocks_gives_each_years_growth_exactly() {
    let g = [5.0, 8.0, -2.0, -2.0, 3.0];
    let text = one_sector(
        6,
        "growth = [5.0, 8.0, -2.0, -2.0, 3.0]\nvolatility = 0.0\npersistence = 0.4\n",
        "",
    );
    let v = exact_values(&model(&text));
    for y in 0..6 {
        // The last value repeats.
        close(v[y], g[y.min(4)], &format!("year {}", 2022 + y));
    }
}

#[test]
fn a_constant_per_year_array_is_the_same_model_as_one_number() {
    let a = model(&one_sector(
        3,
        "growth = 6.0\nvolatility = 2.0\npersistence = 0.3\n",
        "",
    ));
    let b = model(&one_sector(
        3,
        "growth = [6.0, 6.0]\nvolatility = [2.0]\npersistence = 0.3\n",
        "",
    ));
    assert_eq!(a.mu_by_year, b.mu_by_year);
    assert_eq!(a.idio_by_year, b.idio_by_year);
    assert_eq!(all_values(&a, 200, 4), all_values(&b, 200, 4));
}

/// Exact first-year moments of one sector's growth (the closed form of
/// `statistics.rs`): a sum of four lognormal levels.
fn first_year_moments(g: f64, sigma: f64, rho: f64) -> (f64, f64) {
    let mu = (1.0 + g / 100.0).ln() / 4.0;
    let s = sigma / 100.0 / attain::model::first_year_variance(rho).sqrt() / (1.0 + g / 100.0);
    let a = |q: usize, j: usize| -> f64 {
        if j > q {
            0.0
        } else {
            (0..=(q - j)).map(|k| rho.powi(k as i32)).sum()
        }
    };
    let cov = |q: usize, r: usize| -> f64 { (1..=4).map(|j| s * s * a(q, j) * a(r, j)).sum() };
    let big_s: f64 = (0..4).map(|j| (-mu * j as f64).exp()).sum();
    let w = |q: usize| (mu * q as f64).exp() / big_s;
    let mean: f64 = (1..=4).map(|q| w(q) * (cov(q, q) / 2.0).exp()).sum::<f64>() - 1.0;
    let mut var = 0.0;
    for q in 1..=4 {
        for r in 1..=4 {
            let joint = ((cov(q, q) + cov(r, r) + 2.0 * cov(q, r)) / 2.0).exp();
            let prod = (cov(q, q) / 2.0).exp() * (cov(r, r) / 2.0).exp();
            var += w(q) * w(r) * (joint - prod);
        }
    }
    (100.0 * mean, 1e4 * var)
}

fn check_moments(xs: &[f64], (em, ev): (f64, f64), what: &str) {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    let m4 = xs.iter().map(|x| (x - mean).powi(4)).sum::<f64>() / n;
    assert!(
        (mean - em).abs() <= K * (ev / n).sqrt(),
        "{what}: mean {mean} vs {em}"
    );
    assert!(
        (var - ev).abs() <= K * ((m4 - var * var) / n).sqrt(),
        "{what}: var {var} vs {ev}"
    );
}

#[test]
fn per_year_volatility_and_shock_scale_set_each_years_spread() {
    // Year 1 without innovations stays on the trend with d = 0, so year 2 is
    // distributed like a first year with year 2's volatility: exact moments.
    let n = 100_000;
    // The same year-2 spread two ways: a per-year volatility, and a Gaussian
    // shock with loading 1.5 scaled by [0, 2] (1.5 x 2 = a volatility of 3).
    let cases = [
        (
            "growth = 6.0\nvolatility = [0.0, 3.0]\npersistence = 0.5\n",
            "",
            7,
            "volatility [0, 3]",
        ),
        (
            "growth = 6.0\nvolatility = 0.0\npersistence = 0.5\nloadings = { z = 1.5 }\n",
            "[[shocks]]\nid = \"z\"\nlabel = \"Z\"\nscale = [0.0, 2.0]\n",
            8,
            "shock scale [0, 2]",
        ),
    ];
    for (sector, shocks, seed, what) in cases {
        let m = model(&one_sector(2, sector, shocks));
        let xs = all_values(&m, n, seed);
        assert!(
            xs.iter().all(|x| (x[0] - 6.0).abs() < 1e-9),
            "{what}: year 1 is exact"
        );
        let year2: Vec<f64> = xs.iter().map(|x| x[1]).collect();
        check_moments(&year2, first_year_moments(6.0, 3.0, 0.5), what);
    }
}

/// A one-quarter event with per-year start probability, moving an indicator
/// that counts its quarters under way (size 4 per full year).
fn hazard_scenario(probability: &str) -> String {
    let mut t = format!(
        "{}[[sectors]]\nid = \"a\"\nlabel = \"A\"\nvalue_added = 100.0\ngrowth = 0.0\nvolatility = 0.0\n\n\
         [[events]]\nid = \"e\"\nlabel = \"E\"\nprobability = {probability}\nduration = 1\n\
         impacts = [ {{ indicator = \"count\", size = 4.0 }} ]\n\n\
         [[indicators]]\nid = \"count\"\nlabel = \"quarters under way\"\nkind = \"linear\"\n\n",
        header(3)
    );
    for year in 2022..=2024 {
        t.push_str(&format!(
            "[[targets]]\nid = \"c{year}\"\nlabel = \"C\"\nindicator = \"count\"\nyear = {year}\nop = \"at_least\"\nthreshold = 0.5\n\n"
        ));
    }
    t
}

#[test]
fn per_year_hazard_fires_at_each_years_binomial_frequency() {
    let n = 100_000u64;
    let p: [f64; 3] = [0.05, 0.2, 0.0];
    let acc = run(&model(&hazard_scenario("[0.05, 0.2, 0.0]")), n, 31);
    for (y, &py) in p.iter().enumerate() {
        // At least one start among four quarters (one-quarter events never block).
        let exact = 1.0 - (1.0 - py).powi(4);
        let hits = acc.targets[y].hits;
        let est = hits as f64 / n as f64;
        let se = (exact * (1.0 - exact) / n as f64).sqrt();
        assert!(
            (est - exact).abs() <= K * se,
            "year {}: {est} vs {exact} (4 SE {})",
            2022 + y,
            K * se
        );
        // Quarters under way: Binomial(4, p) per year, mean 4p.
        let mean = acc.targets[y].sum / n as f64;
        let se = (4.0 * py * (1.0 - py) / n as f64).sqrt();
        assert!(
            (mean - 4.0 * py).abs() <= K * se,
            "year {}: mean {mean}",
            2022 + y
        );
    }
    assert_eq!(acc.targets[2].hits, 0, "probability 0 in 2024 never fires");
}

#[test]
fn per_year_impact_sizes_apply_by_start_year_and_by_indicator_year() {
    // Certain, starts only in Q1, one quarter: every year's Q1 is hit, by
    // -10% in 2022 and -20% in 2023; the indicator moves 1 then 2 (4 and 8
    // per full year, one quarter).
    let text = one_sector(
        2,
        "growth = 0.0\nvolatility = 0.0\n",
        "[[events]]\nid = \"e\"\nlabel = \"E\"\nprobability = 1.0\nduration = 1\nquarters = [1]\n\
         impacts = [ { sector = \"a\", size = [-10.0, -20.0] }, { indicator = \"count\", size = [4.0, 8.0] } ]\n\n\
         [[indicators]]\nid = \"count\"\nlabel = \"quarters under way\"\nkind = \"linear\"\n\n\
         [[targets]]\nid = \"c1\"\nlabel = \"C\"\nindicator = \"count\"\nyear = 2022\nop = \"at_least\"\nthreshold = 0\n\n\
         [[targets]]\nid = \"c2\"\nlabel = \"C\"\nindicator = \"count\"\nyear = 2023\nop = \"at_least\"\nthreshold = 0\n",
    );
    let v = exact_values(&model(&text));
    // Targets: the two counts (written first), then the two growth rates.
    close(v[0], 1.0, "2022 indicator");
    close(v[1], 2.0, "2023 indicator");
    close(v[2], 100.0 * (3.9 / 4.0 - 1.0), "2022 growth");
    close(v[3], 100.0 * (3.8 / 3.9 - 1.0), "2023 growth");
}

#[test]
fn base_year_profile_carries_the_base_effect_exactly() {
    // Closed form (MODEL.md 2.1): the base year's quarters are
    // V · e^{μ(j-3)}(1 + yoy_j/100) / Σ, the path starts from the fourth,
    // and with no shocks year 1 sums Q4 · e^{μq}; year 2 grows by g.
    let (g, yoy) = (6.0f64, [4.1, -14.9, 4.0, 2.5]);
    let text = one_sector(
        2,
        "growth = 6.0\nvolatility = 0.0\npersistence = 0.5\n",
        "[base_quarters]\nsource = \"test\"\n\n[[base_quarters.profiles]]\nof = \"a\"\nyoy = [4.1, -14.9, 4.0, 2.5]\n",
    );
    let m = model(&text);
    let mu = (1.0 + g / 100.0).ln() / 4.0;
    let raw: Vec<f64> = (0..4)
        .map(|j| (mu * (j as f64 - 3.0)).exp() * (1.0 + yoy[j] / 100.0))
        .collect();
    let total: f64 = raw.iter().sum();
    let q: Vec<f64> = raw.iter().map(|x| 100.0 * x / total).collect();
    for j in 0..4 {
        close(
            m.base_quarter_level(0, j),
            q[j],
            &format!("base quarter {}", j + 1),
        );
    }
    let v = exact_values(&m);
    let first = 100.0 * (year_sum(q[3], [mu; 4]) / 100.0 - 1.0);
    close(v[0], first, "first-year growth with the base effect");
    assert!(
        first - g > 1.0,
        "the weak second quarter lifts year 1: {first}"
    );
    close(v[1], g, "second year on the trend");

    // Shares instead of yoy; momentum d_0 fading at rho: d_t = rho^t d_0.
    let text = one_sector(
        1,
        "growth = 6.0\nvolatility = 0.0\npersistence = 0.5\n",
        "[base_quarters]\n\n[[base_quarters.profiles]]\nof = \"a\"\nshares = [0.22, 0.24, 0.26, 0.28]\nmomentum = 0.8\n",
    );
    let v = exact_values(&model(&text));
    let d0 = 0.8 / 100.0;
    let steps: [f64; 4] = std::array::from_fn(|t| mu + 0.5f64.powi(t as i32 + 1) * d0);
    close(
        v[0],
        100.0 * (year_sum(28.0, steps) / 100.0 - 1.0),
        "shares with momentum",
    );
}

/// Records each quarter's year-to-date sum of sector 0.
struct Ytd(Vec<f64>);
impl PathObserver for Ytd {
    fn quarter_end<const L: usize>(
        &mut self,
        year: usize,
        _quarter: usize,
        state: PathView<'_, L>,
    ) {
        if year == 0 {
            self.0.push(state.sector_ytd(0));
        }
    }
}

#[test]
fn observed_year_to_date_growth_is_measured_against_the_profiled_base_quarters() {
    // H1 growth published as 3.0 over a base year whose first half was weak:
    // every path's H1 sum is 1.03 times the profiled base quarters' H1 sum.
    let text = one_sector(
        1,
        "growth = 6.0\nvolatility = 2.0\npersistence = 0.3\n",
        "[base_quarters]\n\n[[base_quarters.profiles]]\nof = \"a\"\nyoy = [-2.0, -10.0, 3.0, 4.0]\n\n\
         [observed]\nquarters = 2\n\n[[observed.values]]\nindicator = \"g\"\nvalue = 3.0\n",
    );
    let m = model(&text);
    let base_h1 = m.base_quarter_level(0, 0) + m.base_quarter_level(0, 1);
    simulate_paths::<1, _>(&m, 5, 0..200, &mut Ytd(vec![]), |_, _, ytd| {
        let g = 100.0 * (ytd.0[1] / base_h1 - 1.0);
        assert!((g - 3.0).abs() < 1e-9, "H1 growth {g}");
        ytd.0.clear();
    });
}

/// One sector with growth 5 and no noise on the trend, and a rule reading
/// its year-to-date growth.
fn policy_scenario(horizon: u32, rule: &str) -> String {
    one_sector(
        horizon,
        "growth = 5.0\nvolatility = 0.0\npersistence = 0.6\n",
        &format!(
            "[[policies]]\nid = \"p\"\nlabel = \"P\"\nindicator = \"a\"\nsectors = [\"a\"]\n{rule}\n"
        ),
    )
}

#[test]
fn a_policy_rule_moves_growth_by_its_closed_form() {
    // On the trend, H1 growth is exactly 5; trigger 7 gives a shortfall of
    // 2, response 0.5 adds 1 point annualized (1/400 of log growth) in Q3
    // and Q4 of 2022 only (lag 1, duration 2). The trend keeps it.
    let mu = 1.05f64.ln() / 4.0;
    let v0 = 100.0 / (0..4).map(|j| (-mu * j as f64).exp()).sum::<f64>();
    let d = 1.0 / 400.0;
    let rule = "trigger = 7.0\ncheck_quarters = [2]\nyears = [2022]\nlag = 1\nduration = 2\nresponse = 0.5\ncap = 10.0\n";
    let v = exact_values(&model(&policy_scenario(2, rule)));
    let y1 = year_sum(v0, [mu, mu, mu + d, mu + d]);
    close(v[0], 100.0 * (y1 / 100.0 - 1.0), "2022 with the stimulus");
    let y2 = year_sum(v0 * (4.0 * mu + 2.0 * d).exp(), [mu; 4]);
    close(v[1], 100.0 * (y2 / y1 - 1.0), "2023 keeps the level");

    // The cap binds: response 5 would add 10 points; cap 1.5 adds 1.5.
    let rule = "trigger = 7.0\nyears = [2022]\nduration = 2\nresponse = 5.0\ncap = 1.5\n";
    let v = exact_values(&model(&policy_scenario(1, rule)));
    let d = 1.5 / 400.0;
    close(
        v[0],
        100.0 * (year_sum(v0, [mu, mu, mu + d, mu + d]) - 100.0) / 100.0,
        "capped",
    );

    // `above` cools: ytd 5 above trigger 4 by 1, response 1, lag 2: Q4 only.
    let rule = "trigger = 4.0\nop = \"above\"\ncheck_quarters = [1]\nlag = 3\nduration = 5\nresponse = 1.0\ncap = 3.0\n";
    let v = exact_values(&model(&policy_scenario(1, rule)));
    let d = -1.0 / 400.0;
    close(
        v[0],
        100.0 * (year_sum(v0, [mu, mu, mu, mu + d]) - 100.0) / 100.0,
        "above, cut off at the horizon",
    );
}

#[test]
fn a_policy_rule_checked_in_a_later_year_compares_with_the_previous_year() {
    // Year 2's Q2 ytd over year 1's same quarters is exactly 5 on the trend,
    // so a rule checked only in 2023 with trigger 6 adds 0.5 points in Q3-Q4
    // of 2023 and leaves 2022 alone.
    let mu = 1.05f64.ln() / 4.0;
    let v0 = 100.0 / (0..4).map(|j| (-mu * j as f64).exp()).sum::<f64>();
    let rule = "trigger = 6.0\nyears = [2023]\nduration = 2\nresponse = 0.5\ncap = 5.0\n";
    let v = exact_values(&model(&policy_scenario(2, rule)));
    close(v[0], 5.0, "2022 untouched");
    let d = 0.5 / 400.0;
    let y1 = year_sum(v0, [mu; 4]);
    let y2 = year_sum(v0 * (4.0 * mu).exp(), [mu, mu, mu + d, mu + d]);
    close(v[1], 100.0 * (y2 / y1 - 1.0), "2023 stimulus");
}

#[test]
fn a_policy_rule_that_never_fires_changes_nothing() {
    let noisy = "growth = 5.0\nvolatility = 2.0\npersistence = 0.3\n";
    let without = model(&one_sector(2, noisy, ""));
    let with = model(&one_sector(
        2,
        noisy,
        "[[policies]]\nid = \"p\"\nlabel = \"P\"\nindicator = \"a\"\ntrigger = -90.0\nduration = 2\nresponse = 1.0\ncap = 2.0\nsectors = [\"a\"]\n",
    ));
    let (a, b) = (run(&without, 20_000, 9), run(&with, 20_000, 9));
    assert_eq!(a.targets, b.targets);
    // And one that does fire on some paths changes them.
    let fires = model(&one_sector(
        2,
        noisy,
        "[[policies]]\nid = \"p\"\nlabel = \"P\"\nindicator = \"a\"\ntrigger = 5.0\nduration = 2\nresponse = 1.0\ncap = 2.0\nsectors = [\"a\"]\n",
    ));
    assert_ne!(run(&fires, 20_000, 9).targets, a.targets);
}

#[test]
fn per_year_values_are_located_at_their_element() {
    let text = one_sector(2, "growth = [5.0, -120.0]\nvolatility = 1.0\n", "");
    let e = attain::scenario::load(&text, "t").unwrap_err();
    assert_eq!(e.problems.len(), 1, "{e}");
    let p = &e.problems[0];
    assert_eq!(p.field, "sectors[a].growth[1]");
    assert_eq!(p.message, "growth must be above -100%, got -120");
    assert_eq!(p.line, Some(11));
    assert_eq!(p.column, Some(16));
}

#[test]
fn explain_shows_per_year_values_profiles_and_rules() {
    let text = one_sector(
        2,
        "growth = [6.0, 5.0]\nvolatility = 0.0\n",
        "[base_quarters]\n\n[[base_quarters.profiles]]\nof = \"a\"\nyoy = [4.1, -15.3, 3.1, 0.2]\n\n\
         [[policies]]\nid = \"p\"\nlabel = \"P\"\nindicator = \"a\"\ntrigger = -50.0\nduration = 2\nresponse = 0.5\ncap = 2.0\nsectors = [\"a\"]\n",
    );
    let m = model(&text);
    let e = attain::explain::explain(&m, &[]);
    assert!(e.contains("growth 6.00, 5.00"), "{e}");
    // The printed first-year growth is the one every path gives (the rule never fires).
    let v = exact_values(&m);
    let shown = format!(
        "first-year growth with no shocks {}%",
        attain::report::format::num(v[0])
    );
    assert!(e.contains(&shown), "{shown:?} not in\n{e}");
    assert!(e.contains("Policy rules (1), a reaction function:"), "{e}");
    // Nothing of this for a scenario without the features.
    let plain = attain::explain::explain(
        &model(&one_sector(1, "growth = 6.0\nvolatility = 1.0\n", "")),
        &[],
    );
    assert!(
        !plain.contains("Per-year") && !plain.contains("Base year") && !plain.contains("Policy")
    );
}
