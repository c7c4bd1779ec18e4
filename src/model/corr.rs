//! Correlation matrices: positive semi-definiteness, Higham repair, factoring.

use nalgebra::{DMatrix, SymmetricEigen};

/// Smallest eigenvalue accepted as "zero" when testing positive semi-definiteness.
/// Hand-typed matrices with entries rounded to 2-3 decimals are PSD only up to
/// rounding, so a slightly negative eigenvalue from floating point is allowed.
pub const PSD_TOLERANCE: f64 = 1e-10;

fn to_matrix(rows: &[Vec<f64>]) -> DMatrix<f64> {
    let n = rows.len();
    DMatrix::from_fn(n, n, |r, c| rows[r][c])
}

/// Smallest eigenvalue of a symmetric matrix given as rows.
pub fn min_eigenvalue(rows: &[Vec<f64>]) -> f64 {
    if rows.is_empty() {
        return 1.0;
    }
    SymmetricEigen::new(to_matrix(rows))
        .eigenvalues
        .iter()
        .cloned()
        .fold(f64::INFINITY, f64::min)
}

/// Projection onto the positive semi-definite cone: clip negative eigenvalues.
fn project_psd(m: &DMatrix<f64>) -> DMatrix<f64> {
    let eig = SymmetricEigen::new(m.clone());
    let clipped = eig.eigenvalues.map(|l| l.max(0.0));
    &eig.eigenvectors * DMatrix::from_diagonal(&clipped) * eig.eigenvectors.transpose()
}

/// Nearest correlation matrix in the Frobenius norm, by Higham's (2002)
/// alternating projections with Dykstra's correction. Returns the repaired
/// matrix as rows.
pub fn nearest_correlation(rows: &[Vec<f64>]) -> Vec<Vec<f64>> {
    let n = rows.len();
    let a = to_matrix(rows);
    let mut y = a.clone();
    let mut ds = DMatrix::<f64>::zeros(n, n);
    for _ in 0..10_000 {
        let r = &y - &ds;
        let x = project_psd(&r);
        ds = &x - &r;
        let mut next = x.clone();
        for i in 0..n {
            next[(i, i)] = 1.0;
        }
        let change = (&next - &y).norm() / next.norm().max(1.0);
        y = next;
        if change < 1e-12 {
            break;
        }
    }
    // Symmetrize against rounding.
    (0..n)
        .map(|r| (0..n).map(|c| 0.5 * (y[(r, c)] + y[(c, r)])).collect())
        .collect()
}

/// A lower-triangular (or, for singular matrices, any) square root `B` with
/// `B Bᵀ = R`, row-major. Cholesky when `R` is positive definite; for a
/// singular PSD matrix (for example two perfectly correlated shocks) Cholesky
/// does not exist, so the symmetric square root from the eigen-decomposition
/// is used instead.
pub fn factor(rows: &[Vec<f64>]) -> Vec<f64> {
    let n = rows.len();
    let m = to_matrix(rows);
    let b = match m.clone().cholesky() {
        Some(ch) => ch.l(),
        None => {
            let eig = SymmetricEigen::new(m);
            let sqrt = eig.eigenvalues.map(|l| l.max(0.0).sqrt());
            &eig.eigenvectors * DMatrix::from_diagonal(&sqrt) * eig.eigenvectors.transpose()
        }
    };
    let mut out = Vec::with_capacity(n * n);
    for r in 0..n {
        for c in 0..n {
            out.push(b[(r, c)]);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reconstruct(b: &[f64], n: usize) -> Vec<Vec<f64>> {
        (0..n)
            .map(|r| {
                (0..n)
                    .map(|c| (0..n).map(|k| b[r * n + k] * b[c * n + k]).sum())
                    .collect()
            })
            .collect()
    }

    #[test]
    fn factor_reproduces_matrix() {
        let r = vec![
            vec![1.0, 0.5, 0.2],
            vec![0.5, 1.0, -0.3],
            vec![0.2, -0.3, 1.0],
        ];
        let b = factor(&r);
        let back = reconstruct(&b, 3);
        for i in 0..3 {
            for j in 0..3 {
                assert!((back[i][j] - r[i][j]).abs() < 1e-12);
            }
        }
        // Cholesky: upper triangle is zero.
        assert_eq!(b[1], 0.0);
        assert_eq!(b[2], 0.0);
        assert_eq!(b[5], 0.0);
    }

    #[test]
    fn singular_psd_matrix_still_factors() {
        let r = vec![vec![1.0, 1.0], vec![1.0, 1.0]];
        assert!(min_eigenvalue(&r).abs() < 1e-12);
        let back = reconstruct(&factor(&r), 2);
        assert!((back[0][1] - 1.0).abs() < 1e-9);
    }

    #[test]
    fn higham_repairs_indefinite_matrix() {
        // Classic example: pairwise plausible, jointly impossible.
        let r = vec![
            vec![1.0, 0.9, -0.9],
            vec![0.9, 1.0, 0.9],
            vec![-0.9, 0.9, 1.0],
        ];
        assert!(min_eigenvalue(&r) < -0.5);
        let fixed = nearest_correlation(&r);
        assert!(min_eigenvalue(&fixed) > -1e-9);
        for i in 0..3 {
            assert!((fixed[i][i] - 1.0).abs() < 1e-12);
        }
        // Higham's published answer for the 3x3 case with +-0.9 is symmetric in this way.
        assert!((fixed[0][1] - fixed[1][2]).abs() < 1e-6);
        // The identity is a correlation matrix too, but not the nearest one:
        // the repair must keep most of the stated correlations.
        assert!(fixed[0][1] > 0.5 && fixed[0][2] < -0.5, "{fixed:?}");
    }

    #[test]
    fn higham_matches_the_published_example() {
        // Higham (2002), "Computing the nearest correlation matrix", IMA J.
        // Numer. Anal. 22:329-343, section 4: A = [[1,1,0],[1,1,1],[0,1,1]]
        // has nearest correlation matrix with off-diagonals 0.7607, 0.1573,
        // 0.7607 (to 4 decimals).
        let a = vec![
            vec![1.0, 1.0, 0.0],
            vec![1.0, 1.0, 1.0],
            vec![0.0, 1.0, 1.0],
        ];
        let x = nearest_correlation(&a);
        for (got, want) in [(x[0][1], 0.7607), (x[0][2], 0.1573), (x[1][2], 0.7607)] {
            assert!((got - want).abs() < 5e-5, "{x:?}");
        }
    }
}
