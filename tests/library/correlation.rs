//! Correlated shocks: the sample correlation of simulated shocks matches the
//! matrix the model uses, within sampling error (SE of r ~ (1 - rho^2)/sqrt(n)).

use crate::common;
use attain::model::step::{NoObserver, simulate_paths};

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
    let mut xs = vec![[0.0; 3]; n];
    simulate_paths::<8, _>(m, 9, 0..n as u64, &mut NoObserver, |path, p, _| {
        xs[path as usize].copy_from_slice(&p.values)
    });
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

// ---------------------------------------------------------------------------
// The Higham repair itself (`attain::model::corr::nearest_correlation`).
//
// The unit test in src/model/corr.rs checks only that the result is a
// correlation matrix with a symmetry of the input, which the identity also
// satisfies. These check that it is the *nearest* one.

type Rows = Vec<Vec<f64>>;

fn frobenius_distance(a: &[Vec<f64>], b: &[Vec<f64>]) -> f64 {
    a.iter()
        .zip(b)
        .flat_map(|(ra, rb)| ra.iter().zip(rb).map(|(x, y)| (x - y).powi(2)))
        .sum::<f64>()
        .sqrt()
}

/// Unit diagonal, symmetric, entries in [-1, 1], positive semi-definite.
fn assert_correlation_matrix(x: &[Vec<f64>]) {
    let n = x.len();
    for i in 0..n {
        assert!((x[i][i] - 1.0).abs() < 1e-12, "diagonal {i}: {}", x[i][i]);
        for j in 0..n {
            assert!(
                (x[i][j] - x[j][i]).abs() < 1e-12,
                "not symmetric at ({i}, {j})"
            );
            assert!(x[i][j].abs() <= 1.0 + 1e-12, "({i}, {j}) = {}", x[i][j]);
        }
    }
    let min = attain::model::corr::min_eigenvalue(x);
    assert!(min >= -1e-9, "smallest eigenvalue {min}");
}

#[test]
fn nearest_correlation_matches_higham_2002_section_4_example() {
    // Higham (2002), "Computing the nearest correlation matrix - a problem
    // from finance", IMA J. Numer. Anal. 22:329-343, section 4: the nearest
    // correlation matrix to A = [[1,1,0],[1,1,1],[0,1,1]] (unit weights) has
    // off-diagonal entries 0.7607, 0.1573, 0.7607 (to 4 decimals).
    let a: Rows = vec![
        vec![1.0, 1.0, 0.0],
        vec![1.0, 1.0, 1.0],
        vec![0.0, 1.0, 1.0],
    ];
    let x = attain::model::corr::nearest_correlation(&a);
    assert_correlation_matrix(&x);
    for (i, j, published) in [(0, 1, 0.7607), (0, 2, 0.1573), (1, 2, 0.7607)] {
        assert!(
            (x[i][j] - published).abs() < 0.5e-4,
            "X[{i}][{j}] = {} vs Higham's {published}",
            x[i][j]
        );
    }
    // Higham's matrix is singular (the minimum lies on the PSD boundary).
    assert!(attain::model::corr::min_eigenvalue(&x).abs() < 1e-6);
}

/// A random correlation matrix of rank at most `rank`: G·Gᵀ, G n × rank,
/// scaled to unit diagonal. Low ranks give the boundary of the set (rank 1:
/// its corners), where the descent directions from a wrong boundary point are.
fn random_correlation(rng: &mut rand_xoshiro::Xoshiro256PlusPlus, n: usize, rank: usize) -> Rows {
    use rand_distr::{Distribution, Uniform};
    let u = Uniform::new(-1.0, 1.0).unwrap();
    let g: Rows = (0..n)
        .map(|_| (0..rank).map(|_| u.sample(rng)).collect())
        .collect();
    let gg: Rows = (0..n)
        .map(|i| {
            (0..n)
                .map(|j| (0..rank).map(|k| g[i][k] * g[j][k]).sum())
                .collect()
        })
        .collect();
    (0..n)
        .map(|i| {
            (0..n)
                .map(|j| gg[i][j] / (gg[i][i] * gg[j][j]).sqrt())
                .collect()
        })
        .collect()
}

/// A correlation matrix of the form Y = (1 - t) X + t C, C the identity or
/// one of 2000 random correlation matrices of every rank, that is closer to `a` than `x` is
/// (by more than 1e-9: the iteration stops at a relative change of 1e-12),
/// if there is one.
fn closer_correlation_matrix(a: &[Vec<f64>], x: &[Vec<f64>], seed: u64) -> Option<(Rows, f64)> {
    use rand::SeedableRng;
    let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(seed);
    let n = a.len();
    let d = frobenius_distance(a, x);
    let mut identity = vec![vec![0.0; n]; n];
    for (i, row) in identity.iter_mut().enumerate() {
        row[i] = 1.0;
    }
    let mut candidates = vec![identity];
    candidates.extend((0..2000).map(|k| random_correlation(&mut rng, n, 1 + k % n)));
    for c in &candidates {
        for t in [1e-4, 1e-3, 1e-2, 0.1, 0.5, 1.0] {
            let y: Rows = (0..n)
                .map(|i| (0..n).map(|j| (1.0 - t) * x[i][j] + t * c[i][j]).collect())
                .collect();
            let dy = frobenius_distance(a, &y);
            if dy < d - 1e-9 {
                return Some((y, dy));
            }
        }
    }
    None
}

/// The usual shortcut that is *not* the nearest correlation matrix: clip
/// the negative eigenvalues, then rescale to unit diagonal.
fn clip_and_rescale(a: &[Vec<f64>]) -> Rows {
    let n = a.len();
    let m = nalgebra::DMatrix::from_fn(n, n, |r, c| a[r][c]);
    let e = nalgebra::SymmetricEigen::new(m);
    let l = e.eigenvalues.map(|v| v.max(0.0));
    let p = &e.eigenvectors * nalgebra::DMatrix::from_diagonal(&l) * e.eigenvectors.transpose();
    (0..n)
        .map(|i| {
            (0..n)
                .map(|j| {
                    if i == j {
                        1.0
                    } else {
                        p[(i, j)] / (p[(i, i)] * p[(j, j)]).sqrt()
                    }
                })
                .collect()
        })
        .collect()
}

#[test]
fn nearest_correlation_is_closer_than_any_nearby_correlation_matrix() {
    // Optimality: the correlation matrices form a convex set, so if X is the
    // nearest to A then every Y = (1 - t) X + t C with C a correlation matrix
    // (Y is one too) is at least as far from A.
    let inputs: [Rows; 3] = [
        vec![
            vec![1.0, 0.9, -0.9],
            vec![0.9, 1.0, 0.9],
            vec![-0.9, 0.9, 1.0],
        ],
        vec![
            vec![1.0, 1.0, 0.0],
            vec![1.0, 1.0, 1.0],
            vec![0.0, 1.0, 1.0],
        ],
        vec![
            vec![1.0, 0.8, 0.7, -0.6],
            vec![0.8, 1.0, -0.5, 0.6],
            vec![0.7, -0.5, 1.0, 0.9],
            vec![-0.6, 0.6, 0.9, 1.0],
        ],
    ];
    let mut wrong_answers_rejected = 0;
    for a in &inputs {
        assert!(
            attain::model::corr::min_eigenvalue(a) < -1e-3,
            "{a:?} is PSD"
        );
        let x = attain::model::corr::nearest_correlation(a);
        assert_correlation_matrix(&x);
        let d = frobenius_distance(a, &x);
        if let Some((y, dy)) = closer_correlation_matrix(a, &x, 2002) {
            panic!("for A = {a:?}, Y = {y:?} is closer than X = {x:?}: {dy} < {d}");
        }
        // The check has the power to fail: the identity and the
        // clip-and-rescale shortcut are correlation matrices too, but not
        // the nearest, and it finds a closer one for each.
        let n = a.len();
        let identity: Rows = (0..n)
            .map(|i| (0..n).map(|j| f64::from(u8::from(i == j))).collect())
            .collect();
        let shortcut = clip_and_rescale(a);
        eprintln!(
            "DEBUG {} {}",
            frobenius_distance(a, &x),
            frobenius_distance(a, &shortcut)
        );
        assert_correlation_matrix(&shortcut);
        for (name, wrong) in [("identity", identity), ("clip and rescale", shortcut)] {
            if frobenius_distance(a, &wrong) < d + 1e-6 {
                // For the +-0.9 matrix the shortcut happens to be the answer.
                continue;
            }
            assert!(
                closer_correlation_matrix(a, &wrong, 2002).is_some(),
                "the optimality check accepts the {name} for A = {a:?}"
            );
            wrong_answers_rejected += 1;
        }
    }
    // The identity for all three, the shortcut for the last two.
    assert_eq!(wrong_answers_rejected, 5);
}
