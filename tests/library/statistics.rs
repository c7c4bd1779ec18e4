//! Statistical tests with known answers: closed forms and binomial bounds,
//! at tolerances derived from the Monte Carlo error, with fixed seeds.

use crate::common::*;

/// Four standard errors: a correct engine fails this about once in 16,000 runs,
/// and with fixed seeds the outcome is reproducible anyway.
const K: f64 = 4.0;

fn assert_prob(hits: u64, n: u64, p: f64, what: &str) {
    let est = hits as f64 / n as f64;
    let se = (p * (1.0 - p) / n as f64).sqrt();
    assert!(
        (est - p).abs() <= K * se,
        "{what}: estimated {est}, exact {p}, 4 SE = {}",
        K * se
    );
}

fn mean_var(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    let m = xs.iter().sum::<f64>() / n;
    let v = xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1.0);
    (m, v)
}

fn shock_indicator_scenario(op: &str, threshold: f64, tolerance: f64) -> String {
    format!(
        "{}[[sectors]]\nid = \"a\"\nlabel = \"A\"\nvalue_added = 1.0\ngrowth = 0.0\nvolatility = 0.0\n\n\
         [[shocks]]\nid = \"z\"\nlabel = \"Z\"\n\n\
         [[indicators]]\nid = \"x\"\nlabel = \"X\"\nkind = \"linear\"\nintercept = 5.0\nterms = {{ z = 2.0 }}\n\n\
         [[targets]]\nid = \"t\"\nlabel = \"T\"\nindicator = \"x\"\nyear = 2022\nop = \"{op}\"\nthreshold = {threshold}\ntolerance = {tolerance}\n",
        header(1)
    )
}

#[test]
fn gaussian_shock_threshold_probability_matches_closed_form() {
    // x = 5 + 2 Z with Z the annual shock value, exactly N(0, 1).
    let n = 200_000;
    let m = model(&shock_indicator_scenario("at_least", 6.0, 0.0));
    let acc = run(&m, n, 11);
    assert_prob(acc.targets[0].hits, n, 1.0 - normal_cdf(0.5), "P(x >= 6)");

    let m = model(&shock_indicator_scenario("at_least", 6.0, 0.5));
    assert_prob(
        run(&m, n, 12).targets[0].hits,
        n,
        1.0 - normal_cdf(0.25),
        "P(x >= 5.5)",
    );

    let m = model(&shock_indicator_scenario("at_most", 3.0, 0.0));
    assert_prob(
        run(&m, n, 13).targets[0].hits,
        n,
        normal_cdf(-1.0),
        "P(x <= 3)",
    );

    let m = model(&shock_indicator_scenario("about", 5.0, 1.0));
    assert_prob(
        run(&m, n, 14).targets[0].hits,
        n,
        2.0 * normal_cdf(0.5) - 1.0,
        "P(|x - 5| <= 1)",
    );
}

/// Exact mean and variance of first-year annual growth (percent) of one
/// sector with growth `g`, volatility `sigma` and persistence `rho`: the
/// annual value is a sum of four lognormal quarterly levels, whose moments
/// are closed forms.
fn sector_growth_moments(g: f64, sigma: f64, rho: f64) -> (f64, f64) {
    let mu = (1.0 + g / 100.0).ln() / 4.0;
    let s = sigma / 100.0 / attain::model::first_year_variance(rho).sqrt() / (1.0 + g / 100.0);
    // D_q = sum_{j<=q} s u_j a_{qj}, a_{qj} = sum_{t=j..q} rho^(t-j).
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

fn one_sector(g: f64, sigma: f64, rho: f64) -> String {
    format!(
        "{}[[sectors]]\nid = \"a\"\nlabel = \"A\"\nvalue_added = 250.0\ngrowth = {g}\nvolatility = {sigma}\npersistence = {rho}\n\n\
         [[indicators]]\nid = \"a_growth\"\nlabel = \"growth\"\nkind = \"growth\"\nof = \"a\"\n\n\
         [[targets]]\nid = \"t\"\nlabel = \"T\"\nindicator = \"a_growth\"\nyear = 2022\nop = \"at_least\"\nthreshold = {g}\n",
        header(1)
    )
}

#[test]
fn one_sector_growth_moments_match_closed_form() {
    let n = 200_000;
    for (g, sigma, rho) in [(6.0, 2.0, 0.0), (6.0, 2.0, 0.5), (-3.0, 8.0, 0.8)] {
        let m = model(&one_sector(g, sigma, rho));
        let xs = target_values(&m, n, 3);
        let (mean, var) = mean_var(&xs);
        let (em, ev) = sector_growth_moments(g, sigma, rho);
        let se_mean = (ev / n as f64).sqrt();
        // SE of a sample variance: sqrt((m4 - v^2) / n); use the sample fourth moment.
        let m4 = xs.iter().map(|x| (x - mean).powi(4)).sum::<f64>() / n as f64;
        let se_var = ((m4 - var * var) / n as f64).sqrt();
        assert!(
            (mean - em).abs() <= K * se_mean,
            "g={g} s={sigma} r={rho}: mean {mean} vs {em}"
        );
        assert!(
            (var - ev).abs() <= K * se_var,
            "g={g} s={sigma} r={rho}: var {var} vs {ev}"
        );
        // The calibration makes the sd close to `volatility` (exact to first order).
        assert!(
            (ev.sqrt() - sigma).abs() / sigma < 0.01,
            "sd {} vs volatility {sigma}",
            ev.sqrt()
        );
    }
}

#[test]
fn independent_sectors_sum_moments_match_closed_form() {
    let text = format!(
        "{}[[sectors]]\nid = \"a\"\nlabel = \"A\"\nvalue_added = 300.0\ngrowth = 4.0\nvolatility = 3.0\npersistence = 0.2\n\n\
         [[sectors]]\nid = \"b\"\nlabel = \"B\"\nvalue_added = 700.0\ngrowth = 7.0\nvolatility = 1.5\n\n\
         [[indicators]]\nid = \"gdp\"\nlabel = \"GDP\"\nkind = \"sum\"\nterms = {{ a = 1.0, b = 1.0 }}\n\n\
         [[indicators]]\nid = \"g\"\nlabel = \"growth\"\nkind = \"growth\"\nof = \"gdp\"\n\n\
         [[targets]]\nid = \"t\"\nlabel = \"T\"\nindicator = \"g\"\nyear = 2022\nop = \"at_least\"\nthreshold = 6\n",
        header(1)
    );
    let n = 200_000;
    let xs = target_values(&model(&text), n, 5);
    let (mean, var) = mean_var(&xs);
    let (ma, va) = sector_growth_moments(4.0, 3.0, 0.2);
    let (mb, vb) = sector_growth_moments(7.0, 1.5, 0.0);
    let em = 0.3 * ma + 0.7 * mb;
    let ev = 0.09 * va + 0.49 * vb;
    assert!(
        (mean - em).abs() <= K * (ev / n as f64).sqrt(),
        "mean {mean} vs {em}"
    );
    let m4 = xs.iter().map(|x| (x - mean).powi(4)).sum::<f64>() / n as f64;
    let se_var = ((m4 - var * var) / n as f64).sqrt();
    assert!((var - ev).abs() <= K * se_var, "var {var} vs {ev}");
}

#[test]
fn zero_volatility_gives_a_single_exact_outcome() {
    let m = model(&one_sector(6.0, 0.0, 0.0));
    let acc = run(&m, 10_000, 1);
    let h = &acc.targets[0].hist;
    assert!((h.min() - 6.0).abs() < 1e-9, "growth {}", h.min());
    assert_eq!(h.min(), h.max());
    assert_eq!(h.quantile(0.05), h.quantile(0.95));
}

fn event_scenario(probability: f64, duration: u32, quarters: &str, recovery: f64) -> String {
    format!(
        "{}[[sectors]]\nid = \"a\"\nlabel = \"A\"\nvalue_added = 100.0\ngrowth = 0.0\nvolatility = 0.0\n\n\
         [[events]]\nid = \"e\"\nlabel = \"E\"\nprobability = {probability}\nduration = {duration}\n{quarters}recovery = {recovery}\n\
         impacts = [ {{ sector = \"a\", size = -20.0 }}, {{ indicator = \"count\", size = 4.0 }} ]\n\n\
         [[indicators]]\nid = \"g\"\nlabel = \"growth\"\nkind = \"growth\"\nof = \"a\"\n\n\
         [[indicators]]\nid = \"count\"\nlabel = \"quarters under way\"\nkind = \"linear\"\n\n\
         [[targets]]\nid = \"growth\"\nlabel = \"T\"\nindicator = \"g\"\nyear = 2022\nop = \"at_least\"\nthreshold = 0\n\n\
         [[targets]]\nid = \"quarters\"\nlabel = \"Q\"\nindicator = \"count\"\nyear = 2022\nop = \"at_least\"\nthreshold = 0\n",
        header(1)
    )
}

#[test]
fn event_fires_at_its_binomial_frequency() {
    // P(starts at least once in a year) = 1 - (1 - p)^4 with one-quarter events.
    let n = 100_000;
    let acc = run(&model(&event_scenario(0.1, 1, "", 1.0)), n, 21);
    assert_prob(
        acc.event_paths[0],
        n,
        1.0 - 0.9f64.powi(4),
        "event frequency",
    );
    // The count of active quarters is Binomial(4, 0.1); its mean is 0.4.
    let mean = acc.targets[1].sum / n as f64;
    let se = (4.0 * 0.1 * 0.9 / n as f64).sqrt();
    assert!((mean - 0.4).abs() <= K * se, "mean active quarters {mean}");
}

#[test]
fn event_impacts_last_exactly_their_duration() {
    // Certain, may start only in Q1, lasts two quarters: Q1 and Q2 at -20%.
    let m = model(&event_scenario(1.0, 2, "quarters = [1]\n", 1.0));
    let acc = run(&m, 100, 1);
    // Annual level (0.8 + 0.8 + 1 + 1) / 4 of the flat base: -10%.
    assert!(
        (acc.targets[0].hist.min() - -10.0).abs() < 1e-9,
        "{}",
        acc.targets[0].hist.min()
    );
    assert_eq!(acc.targets[0].hist.min(), acc.targets[0].hist.max());
    // Indicator impact: 4 per full year, pro rata 2 quarters = 2.
    assert!((acc.targets[1].hist.max() - 2.0).abs() < 1e-12);
    // With no recovery, the loss stays after the event ends: all four quarters at -20%.
    let acc = run(
        &model(&event_scenario(1.0, 2, "quarters = [1]\n", 0.0)),
        100,
        1,
    );
    assert!(
        (acc.targets[0].hist.min() - -20.0).abs() < 1e-9,
        "{}",
        acc.targets[0].hist.min()
    );
}

#[test]
fn probability_of_at_least_is_non_increasing_in_threshold() {
    let n = 20_000;
    let mut last = 1.0;
    for threshold in [3.0, 4.0, 5.0, 5.5, 6.0, 7.0, 9.0] {
        let m = model(
            &one_sector(6.0, 2.0, 0.3)
                .replace("threshold = 6", &format!("threshold = {threshold}")),
        );
        let p = run(&m, n, 99).targets[0].hits as f64 / n as f64;
        assert!(p <= last, "P(growth >= {threshold}) = {p} > {last}");
        last = p;
    }
}

#[test]
fn two_piece_shock_mean_and_variance_match_closed_form() {
    // docs/MODEL.md 3.4: per quarter f = down z for z < 0, up z otherwise, so
    // E f = (up - down) / sqrt(2 pi) and Var f = (down^2 + up^2) / 2
    // - (up - down)^2 / (2 pi). A linear indicator with loading 1 sees the
    // annual value F = (f_1 + ... + f_4) / 2: mean 2 E f = sqrt(2 / pi)
    // (up - down), variance 4 Var f / 4 = Var f.
    let n = 200_000;
    for (down, up, seed) in [(1.3, 0.8, 31), (0.6, 1.5, 32), (1.0, 1.0, 33)] {
        let text = format!(
            "{}[[sectors]]\nid = \"a\"\nlabel = \"A\"\nvalue_added = 1.0\ngrowth = 0.0\nvolatility = 0.0\n\n\
             [[shocks]]\nid = \"z\"\nlabel = \"Z\"\ndistribution = \"two_piece\"\ndown = {down}\nup = {up}\n\n\
             [[indicators]]\nid = \"x\"\nlabel = \"X\"\nkind = \"linear\"\nterms = {{ z = 1.0 }}\n\n\
             [[targets]]\nid = \"t\"\nlabel = \"T\"\nindicator = \"x\"\nyear = 2022\nop = \"at_least\"\nthreshold = 0\n",
            header(1)
        );
        let xs = target_values(&model(&text), n, seed);
        let (mean, var) = mean_var(&xs);
        let pi = std::f64::consts::PI;
        let em = (2.0 / pi).sqrt() * (up - down);
        let ev = (down * down + up * up) / 2.0 - (up - down).powi(2) / (2.0 * pi);
        // Tolerances: K = 4 Monte Carlo standard errors at n = 200,000:
        // sqrt(Var F / n) for the mean (about 0.0024 at 1.3 / 0.8, so
        // +-0.0095 against a mean of -0.399), sqrt((m4 - v^2) / n) with the
        // sample fourth moment for the variance (about 0.0035, so +-0.014
        // against 1.125). Light tails: the sample m4 is a good estimate.
        let se_mean = (ev / n as f64).sqrt();
        let m4 = xs.iter().map(|x| (x - mean).powi(4)).sum::<f64>() / n as f64;
        let se_var = ((m4 - var * var) / n as f64).sqrt();
        assert!(
            (mean - em).abs() <= K * se_mean,
            "down {down}, up {up}: mean {mean} vs {em} (4 SE = {})",
            K * se_mean
        );
        assert!(
            (var - ev).abs() <= K * se_var,
            "down {down}, up {up}: variance {var} vs {ev} (4 SE = {})",
            K * se_var
        );
    }
}
