//! Target semantics and assumption uncertainty against known answers:
//! excused targets, count and exogenous indicators, joints, the expected
//! number of headline targets met, and assumptions drawn once per path.

use attain::engine::{NoProgress, RunConfig};
use attain::report::Report;

use crate::common::*;

/// Four standard errors (fixed seeds make each outcome reproducible).
const K: f64 = 4.0;

fn assert_prob(est: f64, n: u64, p: f64, what: &str) {
    let se = (p * (1.0 - p) / n as f64).sqrt();
    assert!(
        (est - p).abs() <= K * se,
        "{what}: estimated {est}, exact {p}, 4 SE = {}",
        K * se
    );
}

/// A flat sector (no randomness) so that nothing but the pieces under test moves.
fn flat_sector() -> &'static str {
    "[[sectors]]\nid = \"a\"\nlabel = \"A\"\nvalue_added = 100.0\ngrowth = 5.0\nvolatility = 0.0\n\n"
}

fn report(text: &str, paths: u64, seed: u64) -> Report {
    let s = attain::scenario::load(text, "test").unwrap_or_else(|e| panic!("{e}"));
    attain::run(&s, "test", &RunConfig { paths, seed }, &NoProgress).unwrap()
}

#[test]
fn excused_probability_matches_event_probability() {
    // The event may start only in Q1 and lasts one quarter, so it is under
    // way in 2022 with probability exactly p = 0.2. `never` cannot be met
    // (x = N(0,1) >= 10): met-or-excused is the event's probability. `half`
    // is met with probability 1/2 independently: 1 - 0.5 * 0.8 = 0.6.
    let text = format!(
        "{}{}[[events]]\nid = \"drought\"\nlabel = \"Drought\"\nprobability = 0.2\nduration = 1\nquarters = [1]\n\n\
         [[indicators]]\nid = \"x\"\nlabel = \"X\"\nkind = \"linear\"\nnoise = 1.0\n\n\
         [[targets]]\nid = \"never\"\nlabel = \"Never\"\nindicator = \"x\"\nyear = 2022\nop = \"at_least\"\nthreshold = 10.0\nexcused_by = [\"drought\"]\n\n\
         [[targets]]\nid = \"half\"\nlabel = \"Half\"\nindicator = \"x\"\nyear = 2022\nop = \"at_least\"\nthreshold = 0.0\nexcused_by = [\"drought\"]\n\n\
         [[targets]]\nid = \"plain\"\nlabel = \"Plain\"\nindicator = \"x\"\nyear = 2022\nop = \"at_least\"\nthreshold = 0.0\n",
        header(1),
        flat_sector()
    );
    let n = 100_000;
    let r = report(&text, n, 5);
    assert_eq!(r.targets[0].probability, 0.0);
    assert_prob(r.targets[0].probability_excused.unwrap(), n, 0.2, "never");
    assert_prob(r.targets[1].probability_excused.unwrap(), n, 0.6, "half");
    assert_prob(r.targets[1].probability, n, 0.5, "half met");
    // The interval brackets the estimate; a target without excused_by has none.
    let ci = r.targets[0].ci95_excused.unwrap();
    assert!(ci[0] < r.targets[0].probability_excused.unwrap() && ci[1] > ci[0]);
    assert!(r.targets[2].probability_excused.is_none());
}

#[test]
fn count_indicator_is_binomial() {
    // share = 0.7 exactly; count = Binomial(9, 0.7).
    let text = format!(
        "{}{}[[indicators]]\nid = \"share\"\nlabel = \"Share\"\nkind = \"linear\"\nintercept = 0.7\n\n\
         [[indicators]]\nid = \"good\"\nlabel = \"Good sections\"\nkind = \"count\"\nof = \"share\"\ntrials = 9\n\n\
         [[targets]]\nid = \"t\"\nlabel = \"T\"\nindicator = \"good\"\nyear = 2022\nop = \"at_least\"\nthreshold = 8.0\n",
        header(1),
        flat_sector()
    );
    let m = model(&text);
    let n = 200_000;
    let xs = target_values(&m, n, 9);
    let mean = xs.iter().sum::<f64>() / n as f64;
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n as f64 - 1.0);
    let (em, ev) = (9.0 * 0.7, 9.0 * 0.7 * 0.3);
    assert!(
        xs.iter()
            .all(|x| x.fract() == 0.0 && (0.0..=9.0).contains(x))
    );
    assert!(
        (mean - em).abs() <= K * (ev / n as f64).sqrt(),
        "mean {mean} vs {em}"
    );
    // Var of a sample variance: (mu4 - v^2)/n, mu4 of a binomial = nv(1 + 3(n-2)pq)... use the sample.
    let m4 = xs.iter().map(|x| (x - mean).powi(4)).sum::<f64>() / n as f64;
    assert!(
        (var - ev).abs() <= K * ((m4 - var * var) / n as f64).sqrt(),
        "var {var} vs {ev}"
    );
    // P(count >= 8) = 9 p^8 q + p^9.
    let p8 = 9.0 * 0.7f64.powi(8) * 0.3 + 0.7f64.powi(9);
    let acc = run(&m, n as u64, 10);
    assert_prob(
        acc.targets[0].probability(acc.paths),
        n as u64,
        p8,
        "P(count >= 8)",
    );
    // One draw per count indicator per year.
    assert_eq!(m.draws_per_path(), 4 * (1 + 0) + 1);
}

#[test]
fn relative_to_an_exogenous_indicator_matches_normal_cdf() {
    // Regional growth is exactly 5; national growth is exogenous: mean 5.5,
    // noise sd 1.2. "At least national growth": P(5 - N >= 0) = Phi((5 - 5.5)/1.2).
    // A linear of it: 2 * national has mean 11 and sd 2.4.
    let text = format!(
        "{}{}[[indicators]]\nid = \"g\"\nlabel = \"Growth\"\nkind = \"growth\"\nof = \"a\"\n\n\
         [[indicators]]\nid = \"national\"\nlabel = \"National growth\"\nkind = \"exogenous\"\nmean = [5.5]\nnoise = 1.2\n\n\
         [[indicators]]\nid = \"double\"\nlabel = \"Twice national\"\nkind = \"linear\"\nterms = {{ national = 2.0 }}\n\n\
         [[targets]]\nid = \"in_step\"\nlabel = \"In step\"\nindicator = \"g\"\nrelative_to = \"national\"\nyear = 2022\nop = \"at_least\"\nthreshold = 0.0\n\n\
         [[targets]]\nid = \"double\"\nlabel = \"Double\"\nindicator = \"double\"\nyear = 2022\nop = \"at_most\"\nthreshold = 12.0\n",
        header(1),
        flat_sector()
    );
    let n = 200_000;
    let m = model(&text);
    let acc = run(&m, n, 21);
    assert_prob(
        acc.targets[0].probability(n),
        n,
        normal_cdf((5.0 - 5.5) / 1.2),
        "P(g >= national)",
    );
    assert_prob(
        acc.targets[1].probability(n),
        n,
        normal_cdf((12.0 - 11.0) / 2.4),
        "P(2 national <= 12)",
    );
    let mean = acc.targets[1].mean(n);
    assert!((mean - 11.0).abs() <= K * 2.4 / (n as f64).sqrt(), "{mean}");
}

fn two_noisy_targets(joints: &str) -> String {
    format!(
        "{}{}[[indicators]]\nid = \"x\"\nlabel = \"X\"\nkind = \"linear\"\nnoise = 1.0\n\n\
         [[indicators]]\nid = \"y\"\nlabel = \"Y\"\nkind = \"linear\"\nnoise = 1.0\n\n\
         [[targets]]\nid = \"tx\"\nlabel = \"TX\"\nindicator = \"x\"\nyear = 2022\nop = \"at_least\"\nthreshold = -1.0\nheadline = true\n\n\
         [[targets]]\nid = \"ty\"\nlabel = \"TY\"\nindicator = \"y\"\nyear = 2022\nop = \"at_least\"\nthreshold = 0.5\nheadline = true\n\n\
         [[targets]]\nid = \"tz\"\nlabel = \"TZ\"\nindicator = \"y\"\nyear = 2022\nop = \"at_most\"\nthreshold = 0.0\n\n{joints}",
        header(1),
        flat_sector()
    )
}

#[test]
fn joints_and_expected_headline_met_match_independence() {
    let text = two_noisy_targets(
        "[[joints]]\nid = \"xy\"\nlabel = \"Both\"\ntargets = [\"tx\", \"ty\"]\n\n\
         [[joints]]\nid = \"yz\"\nlabel = \"Exclusive\"\ntargets = [\"ty\", \"tz\"]\n",
    );
    let n = 200_000;
    let r = report(&text, n, 31);
    let (px, py) = (normal_cdf(1.0), 1.0 - normal_cdf(0.5));
    assert_prob(r.joints[0].probability, n, px * py, "joint xy");
    // y >= 0.5 and y <= 0 cannot both hold.
    assert_eq!(r.joints[1].probability, 0.0);
    assert_eq!(r.joints[0].targets, ["tx", "ty"]);
    // Expected number met: the sum of the probabilities (exactly, as estimates).
    let e = &r.headline_expected_met;
    assert_eq!(e.of, 2);
    let sum = r.targets[0].probability + r.targets[1].probability;
    assert!((e.mean - sum).abs() < 1e-12, "{} vs {sum}", e.mean);
    // Independent targets: Var(count) = sum p(1-p).
    let se = ((px * (1.0 - px) + py * (1.0 - py)) / n as f64).sqrt();
    assert!((e.se - se).abs() < 0.02 * se, "se {} vs {se}", e.se);
    // The all-headline joint is the first named joint here.
    assert_eq!(r.joint.probability, r.joints[0].probability);
}

#[test]
fn a_scenario_without_the_features_reports_none_of_them() {
    let r = report(&two_noisy_targets(""), 4096, 1);
    assert!(r.joints.is_empty());
    assert!(r.targets.iter().all(|t| t.probability_excused.is_none()
        && t.assumption_share.is_none()
        && t.probability_fixed.is_none()));
    let json = String::from_utf8(r.render(attain::Format::Json).unwrap()).unwrap();
    assert!(!json.contains("assumption_share") && !json.contains("probability_excused"));
}

/// One flat sector whose growth is an assumption; its growth indicator has noise 1.
fn growth_assumption(dist: &str) -> String {
    format!(
        "{}{}[[indicators]]\nid = \"g\"\nlabel = \"Growth\"\nkind = \"growth\"\nof = \"a\"\nnoise = 1.0\n\n\
         [[targets]]\nid = \"t\"\nlabel = \"T\"\nindicator = \"g\"\nyear = 2022\nop = \"at_least\"\nthreshold = 6.0\n\n\
         [[assumptions]]\nparameter = \"sectors.a.growth\"\n{dist}\n",
        header(1),
        flat_sector()
    )
}

#[test]
fn normal_growth_assumption_gives_the_normal_mixture_and_its_variance_split() {
    // g ~ N(5, 1), J = g + e with e ~ N(0, 1): P(J >= 6) = 1 - Phi(1/sqrt 2).
    // With growth at its central value 5: 1 - Phi(1). The assumption explains
    // half of the variance of J.
    let text = growth_assumption("distribution = \"normal\"\nmean = 5.0\nsd = 1.0");
    let n = 200_000;
    let r = report(&text, n, 41);
    let t = &r.targets[0];
    assert_prob(
        t.probability,
        n,
        1.0 - normal_cdf(1.0 / 2f64.sqrt()),
        "P(met), growth uncertain",
    );
    assert_prob(
        t.probability_fixed.unwrap(),
        n,
        1.0 - normal_cdf(1.0),
        "P(met), growth at 5",
    );
    let share = t.assumption_share.unwrap();
    // Each variance is estimated to about sqrt(2/n) relative: 4 SE of the ratio.
    assert!(
        (share - 0.5).abs() < K * (2.0 * 2.0 / n as f64).sqrt() * 0.5,
        "{share}"
    );
    // The mean of J is 5 + the small lognormal excess (none here: no volatility).
    assert!((t.mean - 5.0).abs() < K * 2f64.sqrt() / (n as f64).sqrt());
}

#[test]
fn triangular_growth_assumption_matches_numerical_integration() {
    // P(J >= 6) = ∫ (1 - Phi(6 - g)) f(g) dg, f triangular on [3, 8], mode 5.
    let text =
        growth_assumption("distribution = \"triangular\"\nlow = 3.0\nmode = 5.0\nhigh = 8.0");
    let (lo, mode, hi) = (3.0f64, 5.0f64, 8.0f64);
    let f = |g: f64| {
        if g < mode {
            2.0 * (g - lo) / ((hi - lo) * (mode - lo))
        } else {
            2.0 * (hi - g) / ((hi - lo) * (hi - mode))
        }
    };
    // Simpson's rule on each side of the mode (the density has a kink there).
    let simpson = |a: f64, b: f64| {
        let k = 2000;
        let h = (b - a) / k as f64;
        let y = |g: f64| (1.0 - normal_cdf(6.0 - g)) * f(g);
        (0..=k)
            .map(|i| {
                let w = if i == 0 || i == k {
                    1.0
                } else if i % 2 == 1 {
                    4.0
                } else {
                    2.0
                };
                w * y(a + i as f64 * h)
            })
            .sum::<f64>()
            * h
            / 3.0
    };
    let exact = simpson(lo, mode) + simpson(mode, hi);
    let n = 200_000;
    let r = report(&text, n, 43);
    assert_prob(r.targets[0].probability, n, exact, "triangular mixture");
    // Central value is the mode.
    assert_prob(
        r.targets[0].probability_fixed.unwrap(),
        n,
        1.0 - normal_cdf(1.0),
        "growth at the mode",
    );
}

#[test]
fn intercept_assumption_splits_variance_four_to_one() {
    // x = intercept + e, intercept ~ N(2, 2), e ~ N(0, 1): share 4/5.
    let text = format!(
        "{}{}[[indicators]]\nid = \"x\"\nlabel = \"X\"\nkind = \"linear\"\nintercept = 2.0\nnoise = 1.0\n\n\
         [[targets]]\nid = \"t\"\nlabel = \"T\"\nindicator = \"x\"\nyear = 2022\nop = \"at_most\"\nthreshold = 3.0\n\n\
         [[assumptions]]\nparameter = \"indicators.x.intercept\"\ndistribution = \"normal\"\nmean = 2.0\nsd = 2.0\n",
        header(1),
        flat_sector()
    );
    let n = 200_000;
    let r = report(&text, n, 47);
    let share = r.targets[0].assumption_share.unwrap();
    assert!((share - 0.8).abs() < 0.01, "{share}");
    assert_prob(
        r.targets[0].probability,
        n,
        normal_cdf(1.0 / 5f64.sqrt()),
        "P(x <= 3)",
    );
    assert_prob(
        r.targets[0].probability_fixed.unwrap(),
        n,
        normal_cdf(1.0),
        "P(x <= 3) at the central intercept",
    );
    // One extra variate per path for the assumption.
    assert_eq!(model(&text).draws_per_path(), 4 + 1 + 1);
}

#[test]
fn event_probability_assumption_integrates_over_the_probability() {
    // p ~ Uniform(0, 0.4), the event can start only in Q1: P(under way in 2022) = E p = 0.2.
    let text = format!(
        "{}{}[[events]]\nid = \"flood\"\nlabel = \"Flood\"\nprobability = 0.1\nduration = 1\nquarters = [1]\n\n\
         [[indicators]]\nid = \"x\"\nlabel = \"X\"\nkind = \"linear\"\nnoise = 1.0\n\n\
         [[targets]]\nid = \"never\"\nlabel = \"Never\"\nindicator = \"x\"\nyear = 2022\nop = \"at_least\"\nthreshold = 10.0\nexcused_by = [\"flood\"]\n\n\
         [[assumptions]]\nparameter = \"events.flood.probability\"\ndistribution = \"uniform\"\nlow = 0.0\nhigh = 0.4\n",
        header(1),
        flat_sector()
    );
    let n = 100_000;
    let r = report(&text, n, 53);
    assert_prob(r.targets[0].probability_excused.unwrap(), n, 0.2, "E p");
}
