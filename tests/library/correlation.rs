//! Correlated shocks: the sample correlation of simulated shocks matches the
//! matrix the model uses, within sampling error (SE of r ~ (1 - rho^2)/sqrt(n)).

use crate::common;
use attain::engine::block_rng;
use attain::model::step::PathState;

fn scenario(matrix: &str, repair: bool) -> String {
    let mut s = common::header(1);
    s.push_str("[[sectors]]\nid = \"a\"\nlabel = \"A\"\nvalue_added = 1.0\ngrowth = 0.0\nvolatility = 0.0\n\n");
    for k in ["x", "y", "z"] {
        s.push_str(&format!("[[shocks]]\nid = \"{k}\"\nlabel = \"{k}\"\n\n"));
        s.push_str(&format!(
            "[[indicators]]\nid = \"i{k}\"\nlabel = \"{k}\"\nkind = \"linear\"\nterms = {{ {k} = 1.0 }}\n\n"
        ));
        s.push_str(&format!(
            "[[targets]]\nid = \"t{k}\"\nlabel = \"{k}\"\nindicator = \"i{k}\"\nyear = 2022\nop = \"at_least\"\nthreshold = 0\n\n"
        ));
    }
    s.push_str(&format!(
        "[shock_correlation]\norder = [\"x\", \"y\", \"z\"]\nmatrix = {matrix}\nrepair = {repair}\n"
    ));
    s
}

/// Sample correlation matrix of the three annual shock values.
fn sample_correlation(m: &attain::Model, n: usize) -> [[f64; 3]; 3] {
    let mut rng = block_rng(9, 0);
    let mut st = PathState::new(m);
    let (mut v, mut j) = (vec![0.0; 3], vec![0.0; 3]);
    let mut xs = vec![[0.0; 3]; n];
    for x in xs.iter_mut() {
        m.simulate_path(&mut st, &mut rng, &mut v, &mut j);
        x.copy_from_slice(&v);
    }
    let mean: Vec<f64> = (0..3)
        .map(|k| xs.iter().map(|x| x[k]).sum::<f64>() / n as f64)
        .collect();
    let cov = |a: usize, b: usize| {
        xs.iter()
            .map(|x| (x[a] - mean[a]) * (x[b] - mean[b]))
            .sum::<f64>()
            / n as f64
    };
    let mut r = [[0.0; 3]; 3];
    for a in 0..3 {
        for b in 0..3 {
            r[a][b] = cov(a, b) / (cov(a, a) * cov(b, b)).sqrt();
        }
    }
    r
}

fn check(m: &attain::Model, n: usize) {
    let r = sample_correlation(m, n);
    for a in 0..3 {
        for b in 0..a {
            let rho = m.correlation[a][b];
            let se = (1.0 - rho * rho) / (n as f64).sqrt();
            assert!(
                (r[a][b] - rho).abs() <= 4.0 * se + 1e-12,
                "({a},{b}): sample {} vs {rho}",
                r[a][b]
            );
        }
    }
}

#[test]
fn positive_definite_matrix_is_reproduced() {
    let m = common::model(&scenario(
        "[[1.0, 0.6, -0.3], [0.6, 1.0, 0.2], [-0.3, 0.2, 1.0]]",
        false,
    ));
    check(&m, 100_000);
}

#[test]
fn repaired_singular_matrix_is_reproduced() {
    // Regression: the square root of a singular matrix is not triangular, and
    // reading only its lower triangle simulated the wrong correlations.
    let m = common::model(&scenario(
        "[[1.0, 0.9, -0.9], [0.9, 1.0, 0.9], [-0.9, 0.9, 1.0]]",
        true,
    ));
    assert!(m.repaired.is_some());
    check(&m, 100_000);
}

#[test]
fn perfectly_correlated_shocks_move_together() {
    let m = common::model(&scenario(
        "[[1.0, 1.0, 0.0], [1.0, 1.0, 0.0], [0.0, 0.0, 1.0]]",
        false,
    ));
    let r = sample_correlation(&m, 10_000);
    assert!((r[0][1] - 1.0).abs() < 1e-9, "{}", r[0][1]);
    assert!(r[0][2].abs() < 4.0 / 100.0);
}
