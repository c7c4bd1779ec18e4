//! Published quarters of the first simulated year (the `[observed]` section):
//! what the engine needs to condition each path on them.
//!
//! Two kinds of figure are handled differently (docs/MODEL.md, "Nowcasts"):
//!
//! * **Exact**: the growth of a sum of sectors (GDP, industry, one sector).
//!   Each path's published quarters reproduce the figure exactly. After a
//!   quarter's shocks are drawn, they are moved along the direction of
//!   steepest likelihood, the conditional mean of a Gaussian given a linear
//!   constraint, until the year-to-date sum matches (see [`solve`]).
//! * **Blended**: any other indicator (investment, retail sales) has only an
//!   annual value in the model, so the published period enters as
//!   `share * observed + (1 - share) * simulated`.

use nalgebra::{DMatrix, SymmetricEigen};

use crate::error::{Problem, ScenarioError};
use crate::scenario::Scenario;

/// One published year-to-date growth of a sum of sectors.
#[derive(Debug, Clone, PartialEq)]
pub struct ExactCondition {
    /// The indicator observed.
    pub indicator: usize,
    /// (sector, weight) of the sum whose growth is observed.
    pub weights: Vec<(usize, f64)>,
    /// The year-to-date weighted level the path must reach: the base year's
    /// same quarters times (1 + value / 100).
    pub target_ytd: f64,
    /// `ln(target_ytd)`, computed once.
    pub ln_target: f64,
}

/// The compiled `[observed]` section (empty when the scenario has none).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Observed {
    /// Published quarters of the first simulated year (0 = none).
    pub quarters: usize,
    /// Per event, the 0-based quarter it is known to have started in.
    pub event_start: Vec<Option<usize>>,
    /// Exact conditions by 0-based quarter of the first year.
    pub exact: [Vec<ExactCondition>; 4],
    /// Per indicator, `(share, value)` when its first-year value is blended.
    pub blends: Vec<Option<(f64, f64)>>,
    /// Whether any indicator is blended (skips the check per indicator otherwise).
    pub any_blend: bool,
    /// The published figures as written, for reports.
    pub published: Vec<Published>,
    /// Events known to have started: (event id, 1-based quarter), for reports.
    pub known_events: Vec<(String, u8)>,
    /// What solving a published quarter needs that does not depend on the path.
    pub solver: Solver,
}

/// A published figure as the scenario gives it (for reports).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Published {
    /// Indicator id.
    pub indicator: String,
    /// Last quarter covered (1-based).
    pub quarter: u8,
    /// Year-to-date value.
    pub value: f64,
    /// Reproduced exactly on every path (`true`) or blended with `share`.
    pub exact: bool,
    /// The published period's share of the year, for a blended figure.
    pub share: Option<f64>,
}

/// The sector parts of the model that conditioning needs, already compiled.
pub(super) struct SectorParams<'a> {
    pub idio: &'a [f64],
    pub load: &'a [f64],
    pub load_stride: usize,
    pub correlation: &'a [Vec<f64>],
    /// The base year's quarterly levels (on the trend, or from `[base_quarters]`).
    pub base_quarters: &'a [[f64; 4]],
}

impl SectorParams<'_> {
    /// Base-year level of sector `i` in 0-based quarter `q`.
    pub fn base_quarter(&self, i: usize, q: usize) -> f64 {
        self.base_quarters[i][q]
    }

    /// Covariance of the sectors' quarterly innovations, with every shock at
    /// unit scale: `L R L' + diag(idio^2)`.
    fn innovation_covariance(&self, scales: &[f64]) -> DMatrix<f64> {
        let ns = self.idio.len();
        let nk = self.correlation.len();
        let v = DMatrix::from_fn(ns, nk, |i, k| {
            self.load[i * self.load_stride + k] * scales[k]
        });
        let r = DMatrix::from_fn(nk, nk, |a, b| self.correlation[a][b]);
        let mut m = &v * r * v.transpose();
        for i in 0..ns {
            m[(i, i)] += self.idio[i] * self.idio[i];
        }
        m
    }
}

fn problem(field: String, message: String) -> Problem {
    Problem {
        field,
        line: None,
        column: None,
        message,
    }
}

/// Compile the scenario's `[observed]` section.
///
/// # Errors
/// When the values observed through one quarter cannot all be met: two of
/// them fix the same combination of sectors, or a sector without randomness.
pub(super) fn compile(
    scenario: &Scenario,
    params: &SectorParams,
    origin: &str,
) -> Result<Observed, ScenarioError> {
    let mut out = Observed {
        blends: vec![None; scenario.indicators().len()],
        event_start: vec![None; scenario.events().len()],
        ..Observed::default()
    };
    let Some(obs) = scenario.observed() else {
        return Ok(out);
    };
    out.quarters = obs.quarters;
    for &(k, start) in &obs.events {
        out.event_start[k] = Some(start - 1);
        out.known_events
            .push((scenario.events()[k].id.clone(), start as u8));
    }
    let mut fields: [Vec<String>; 4] = Default::default();
    for (n, v) in obs.values.iter().enumerate() {
        let j = v.indicator;
        let q = v.quarter - 1;
        out.published.push(Published {
            indicator: scenario.indicators()[j].id.clone(),
            quarter: q as u8 + 1,
            value: v.value,
            exact: v.share.is_none(),
            share: v.share,
        });
        // Validation gives a share exactly to the figures that are not
        // sector aggregates.
        match (&scenario.indicators()[j].aggregate, v.share) {
            (Some(weights), _) => {
                let base: f64 = weights
                    .iter()
                    .map(|&(i, w)| w * (0..=q).map(|r| params.base_quarter(i, r)).sum::<f64>())
                    .sum();
                let target_ytd = base * (1.0 + v.value / 100.0);
                out.exact[q].push(ExactCondition {
                    indicator: j,
                    weights: weights.clone(),
                    target_ytd,
                    ln_target: target_ytd.ln(),
                });
                fields[q].push(format!("observed.values[{n}]"));
            }
            (None, Some(share)) => {
                out.blends[j] = Some((share, v.value));
                out.any_blend = true;
            }
            (None, None) => {}
        }
    }

    let found = impossible(scenario, params.base_quarters);
    if !found.is_empty() {
        return Err(ScenarioError {
            origin: origin.to_string(),
            problems: found
                .into_iter()
                .map(|(k, m)| problem(format!("observed.values[{k}].value"), m))
                .collect(),
        });
    }

    // The conditions of one quarter must be independent: check the Gram
    // matrix of their directions at the base-year levels.
    let nk = params.correlation.len();
    let m = params.innovation_covariance(&vec![1.0; nk]);
    let mut problems = vec![];
    for (q, conds) in out.exact.iter().enumerate() {
        if conds.is_empty() {
            continue;
        }
        let a = directions(
            conds,
            params.idio.len(),
            |i| params.base_quarter(i, q),
            |_| 0.0,
        );
        let g = &a * &m * a.transpose();
        let eig = SymmetricEigen::new(g).eigenvalues;
        let (lo, hi) = eig.iter().fold((f64::INFINITY, 0.0f64), |(lo, hi), &x| {
            (lo.min(x), hi.max(x))
        });
        if !(lo > 1e-10 * hi.max(1e-300)) || !conds.iter().all(|c| c.target_ytd.is_finite()) {
            problems.push(problem(
                fields[q].join(", "),
                format!(
                    "the values observed through quarter {} cannot all be met: they fix the same \
                     combination of sectors twice, or sectors that have no volatility or loadings",
                    q + 1
                ),
            ));
        }
    }
    if problems.is_empty() {
        let most = out.exact.iter().map(Vec::len).max().unwrap_or(0);
        out.solver = Solver::new(params, most);
        Ok(out)
    } else {
        Err(ScenarioError {
            origin: origin.to_string(),
            problems,
        })
    }
}

/// Row `o`: the derivative of log(year-to-date sum of condition `o`) with
/// respect to each sector's log level this quarter.
fn directions(
    conds: &[ExactCondition],
    ns: usize,
    level: impl Fn(usize) -> f64,
    before: impl Fn(usize) -> f64,
) -> DMatrix<f64> {
    let mut a = DMatrix::zeros(conds.len(), ns);
    for (o, c) in conds.iter().enumerate() {
        let total: f64 = c
            .weights
            .iter()
            .map(|&(i, w)| w * (before(i) + level(i)))
            .sum();
        for &(i, w) in &c.weights {
            a[(o, i)] = w * level(i) / total;
        }
    }
    a
}

/// One path's quarter, before conditioning (per-lane inputs as slices, so a
/// batched kernel can pass one lane's columns).
pub(super) struct QuarterDraw<'a> {
    /// Each sector's year-to-date sum before this quarter.
    pub before: &'a [f64],
    /// Each sector's level this quarter as drawn.
    pub level: &'a [f64],
    /// Each shock's scale this quarter (Student-t mixing or two-piece side).
    pub scales: &'a [f64],
}

/// The adjustment that makes a quarter reproduce the published figures:
/// slices into the [`Workspace`] it was solved in, valid until its next solve.
pub(super) struct Adjustment<'w> {
    /// Change of each sector's innovation (log growth this quarter).
    pub innovation: &'w [f64],
    /// Change of each common shock's value.
    pub shock: &'w [f64],
}

/// How nalgebra rounded a matrix product `C = A B` in the solver as it was
/// first written (with `DMatrix` products), which [`solve`] reproduces bit
/// for bit so that conditioned runs keep their numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Rounding {
    /// A dimension of at most 5: nalgebra's own loop, column by column,
    /// `c = a_0 b_0`, then `c = a_l b_l + c` (each product and sum rounded).
    #[default]
    Small,
    /// matrixmultiply's kernel without fused multiply-add: `c = 0`, then
    /// `c = a_l b_l + c`.
    Kernel,
    /// matrixmultiply's kernel with fused multiply-add (x86-64 with AVX2 and
    /// FMA, or aarch64): `c = 0`, then `c = fma(a_l, b_l, c)`.
    KernelFused,
}

/// Whether matrixmultiply (under nalgebra's larger products) selects a
/// kernel that fuses multiply and add on this CPU; the same test it makes.
fn kernel_fuses() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("fma") && std::arch::is_x86_feature_detected!("avx2")
    }
    #[cfg(target_arch = "aarch64")]
    {
        std::arch::is_aarch64_feature_detected!("neon")
    }
    #[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
    {
        false
    }
}

/// The rounding of a product whose result is `rows x cols` from an
/// `rows x inner` left factor: nalgebra hands it to matrixmultiply when all
/// of these exceed 5.
fn rounding(rows: usize, inner: usize, cols: usize, fuses: bool) -> Rounding {
    if rows > 5 && inner > 5 && cols > 5 {
        if fuses {
            Rounding::KernelFused
        } else {
            Rounding::Kernel
        }
    } else {
        Rounding::Small
    }
}

/// What [`solve`] needs that does not depend on the path, computed once per
/// model when it is compiled.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Solver {
    /// Sectors, sectors rounded up to a multiple of 4 (the row stride of the
    /// workspace's matrices, so that their columns are whole 4-wide blocks),
    /// shocks.
    ns: usize,
    nsp: usize,
    nk: usize,
    /// The most exact figures through one quarter (sizes the workspace).
    max_conditions: usize,
    /// The loadings by shock (`load_t[k * nsp + i]`, rows past `ns` zero).
    load_t: Vec<f64>,
    /// The shock correlation `R`, dense, row-major (`nk x nk`).
    correlation: Vec<f64>,
    /// Each sector's idiosyncratic variance `sigma_i^2`.
    idio_sq: Vec<f64>,
    /// Whether matrixmultiply's kernel fuses multiply and add on this CPU.
    fuses: bool,
}

impl Solver {
    fn new(params: &SectorParams, max_conditions: usize) -> Self {
        let ns = params.idio.len();
        let nk = params.correlation.len();
        let nsp = ns.div_ceil(4) * 4;
        let mut load_t = vec![0.0; nk * nsp];
        for k in 0..nk {
            for i in 0..ns {
                load_t[k * nsp + i] = params.load[i * params.load_stride + k];
            }
        }
        Solver {
            ns,
            nsp,
            nk,
            max_conditions,
            load_t,
            correlation: params.correlation.iter().flatten().copied().collect(),
            idio_sq: params.idio.iter().map(|s| s * s).collect(),
            fuses: kernel_fuses(),
        }
    }
}

/// Scratch for [`solve`], allocated once (per block, or per lane of a batched
/// kernel) and reused for every path: no solve allocates. Holds a copy of the
/// model's [`Solver`] constants, so a solve needs nothing else from the model.
/// Matrices are column-major with a row stride of `nsp` (rows past `ns` are
/// padding and never read back).
#[derive(Debug, Clone, Default)]
pub struct Workspace {
    c: Solver,
    /// `V = L S` (`ns x nk`), `V R` (`ns x nk`), `M = V R V' + diag(sigma^2)`
    /// (`ns x ns`).
    v: Vec<f64>,
    vr: Vec<f64>,
    cov: Vec<f64>,
    /// `A'` (`ns x m`, row-major: `at[i * m + o]` is condition `o`'s direction
    /// at sector `i`).
    at: Vec<f64>,
    /// `D = M A'` (`ns x m`): innovation change per unit `lambda`; and the
    /// same row-major (`dt[i * m + p]`), for the Jacobian.
    d: Vec<f64>,
    dt: Vec<f64>,
    /// `D lambda`, and `exp` of it for the sectors the figures use.
    shift: Vec<f64>,
    growth: Vec<f64>,
    used: Vec<bool>,
    /// Newton state (`m`): `lambda`, the trial point, the step, residuals.
    lambda: Vec<f64>,
    trial: Vec<f64>,
    step: Vec<f64>,
    f: Vec<f64>,
    f2: Vec<f64>,
    grad: Vec<f64>,
    /// Jacobians (`m x m`, column-major) and the LU factors of the current one.
    jac: Vec<f64>,
    jac2: Vec<f64>,
    lu: Vec<f64>,
    /// Row swaps of the LU factorisation, in order.
    swaps: Vec<(usize, usize)>,
    /// `A' lambda` (`ns`), `S L' A' lambda` and the shocks' change (`nk`).
    at_l: Vec<f64>,
    lt: Vec<f64>,
    shock: Vec<f64>,
    /// The sectors' innovation change (`ns`), returned in [`Adjustment`].
    innovation: Vec<f64>,
}

impl Workspace {
    /// Scratch sized for the model whose `[observed]` section is `observed`
    /// (empty, and allocating nothing, when it has no exact figures).
    pub fn new(observed: &Observed) -> Self {
        let c = observed.solver.clone();
        if c.max_conditions == 0 {
            return Workspace::default();
        }
        let (ns, nsp, nk, m) = (c.ns, c.nsp, c.nk, c.max_conditions);
        Workspace {
            v: vec![0.0; nsp * nk],
            vr: vec![0.0; nsp * nk],
            cov: vec![0.0; nsp * ns],
            at: vec![0.0; ns * m],
            d: vec![0.0; nsp * m],
            dt: vec![0.0; ns * m],
            shift: vec![0.0; ns],
            growth: vec![0.0; ns],
            used: vec![false; ns],
            lambda: vec![0.0; m],
            trial: vec![0.0; m],
            step: vec![0.0; m],
            f: vec![0.0; m],
            f2: vec![0.0; m],
            grad: vec![0.0; m],
            jac: vec![0.0; m * m],
            jac2: vec![0.0; m * m],
            lu: vec![0.0; m * m],
            swaps: Vec::with_capacity(m),
            at_l: vec![0.0; ns],
            lt: vec![0.0; nk],
            shock: vec![0.0; nk],
            innovation: vec![0.0; ns],
            c,
        }
    }

    /// The buffers' capacities, to check that solving never grows them.
    #[cfg(test)]
    fn capacities(&self) -> Vec<usize> {
        [
            &self.v,
            &self.vr,
            &self.cov,
            &self.at,
            &self.d,
            &self.dt,
            &self.shift,
            &self.growth,
            &self.lambda,
            &self.trial,
            &self.step,
            &self.f,
            &self.f2,
            &self.grad,
            &self.jac,
            &self.jac2,
            &self.lu,
            &self.at_l,
            &self.lt,
            &self.shock,
            &self.innovation,
        ]
        .iter()
        .map(|v| v.capacity())
        .chain([self.used.capacity(), self.swaps.capacity()])
        .collect()
    }
}

const SMALL: u8 = 0;
const KERNEL: u8 = 1;
const FUSED: u8 = 2;

/// One multiply-add of a product's chain in rounding `MODE`.
#[inline(always)]
fn mac<const MODE: u8>(first: bool, y: f64, x: f64, acc: f64) -> f64 {
    if MODE == SMALL && first {
        y * x
    } else if MODE == FUSED {
        y.mul_add(x, acc)
    } else {
        y * x + acc
    }
}

/// Columns `j0 .. j0 + NC` of `out = a b`, four rows at a time (each
/// element's chain over `l` in order, as nalgebra's rounding has it).
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn block<const MODE: u8, const NC: usize>(
    out: &mut [f64],
    ldo: usize,
    a: &[f64],
    lda: usize,
    b: &[f64],
    ldb: usize,
    rows: usize,
    inner: usize,
    j0: usize,
) {
    for i in (0..rows).step_by(4) {
        let mut acc = [[0.0f64; 4]; NC];
        for l in 0..inner {
            let y: [f64; 4] = a[l * lda + i..][..4].try_into().unwrap();
            let x: [f64; NC] = b[l * ldb + j0..][..NC].try_into().unwrap();
            for c in 0..NC {
                for t in 0..4 {
                    acc[c][t] = mac::<MODE>(l == 0, y[t], x[c], acc[c][t]);
                }
            }
        }
        for (c, acc) in acc.iter().enumerate() {
            out[(j0 + c) * ldo + i..][..4].copy_from_slice(acc);
        }
    }
}

/// `out = a b`: `out(i, j) = out[j * ldo + i]`, `a(i, l) = a[l * lda + i]`,
/// `b(l, j) = b[l * ldb + j]`, for `i < rows` (a multiple of 4), `l < inner`,
/// `j < cols`, rounded as `rounding` says.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn product(
    rounding: Rounding,
    out: &mut [f64],
    ldo: usize,
    a: &[f64],
    lda: usize,
    b: &[f64],
    ldb: usize,
    (rows, inner, cols): (usize, usize, usize),
) {
    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    fn columns<const MODE: u8>(
        out: &mut [f64],
        ldo: usize,
        a: &[f64],
        lda: usize,
        b: &[f64],
        ldb: usize,
        rows: usize,
        inner: usize,
        cols: usize,
    ) {
        let mut j = 0;
        while j + 4 <= cols {
            block::<MODE, 4>(out, ldo, a, lda, b, ldb, rows, inner, j);
            j += 4;
        }
        if j + 2 <= cols {
            block::<MODE, 2>(out, ldo, a, lda, b, ldb, rows, inner, j);
            j += 2;
        }
        if j < cols {
            block::<MODE, 1>(out, ldo, a, lda, b, ldb, rows, inner, j);
        }
    }
    match rounding {
        Rounding::Small => columns::<SMALL>(out, ldo, a, lda, b, ldb, rows, inner, cols),
        Rounding::Kernel => columns::<KERNEL>(out, ldo, a, lda, b, ldb, rows, inner, cols),
        Rounding::KernelFused => columns::<FUSED>(out, ldo, a, lda, b, ldb, rows, inner, cols),
    }
}

/// The path's `D = M A'` with `M = V R V' + diag(sigma^2)`, `V = L S`: the
/// products in nalgebra's rounding (see [`Rounding`]).
#[inline(always)]
fn conditioning_directions(ws: &mut Workspace, m: usize) {
    let Workspace {
        c,
        v,
        vr,
        cov,
        at,
        d,
        ..
    } = ws;
    let (ns, nsp, nk) = (c.ns, c.nsp, c.nk);
    let r = rounding(ns, nk, nk, c.fuses);
    product(r, vr, nsp, v, nsp, &c.correlation, nk, (nsp, nk, nk));
    let r = rounding(ns, nk, ns, c.fuses);
    product(r, cov, nsp, vr, nsp, v, nsp, (nsp, nk, ns));
    for (i, s) in c.idio_sq.iter().enumerate() {
        cov[i * nsp + i] += s;
    }
    let r = rounding(ns, ns, m, c.fuses);
    product(r, d, nsp, cov, nsp, at, m, (nsp, ns, m));
}

/// [`conditioning_directions`] compiled with FMA, so that the fused rounding
/// costs one instruction per multiply-add.
///
/// # Safety
/// The CPU must have AVX2 and FMA (`Solver::fuses` says so).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn conditioning_directions_fma(ws: &mut Workspace, m: usize) {
    conditioning_directions(ws, m);
}

#[cfg(target_arch = "x86_64")]
fn form_directions(ws: &mut Workspace, m: usize) {
    if ws.c.fuses {
        // SAFETY: `fuses` is true only when the CPU has AVX2 and FMA.
        unsafe { conditioning_directions_fma(ws, m) }
    } else {
        conditioning_directions(ws, m)
    }
}

#[cfg(not(target_arch = "x86_64"))]
fn form_directions(ws: &mut Workspace, m: usize) {
    conditioning_directions(ws, m)
}

/// nalgebra's `amax`: the largest absolute value, as its fold takes it
/// (a NaN is kept only when it comes last).
fn amax(x: &[f64]) -> f64 {
    x[1..].iter().fold(x[0].abs(), |a, &b| {
        let b = b.abs();
        if a >= b { a } else { b }
    })
}

/// `y = D x` (`D` with column stride `ld`), in nalgebra's rounding of a
/// product with one column.
fn apply(y: &mut [f64], d: &[f64], ld: usize, x: &[f64]) {
    let ns = y.len();
    for (c, &z) in y.iter_mut().zip(&d[..ns]) {
        *c = z * x[0];
    }
    for (p, &xp) in x.iter().enumerate().skip(1) {
        for (c, &z) in y.iter_mut().zip(&d[p * ld..p * ld + ns]) {
            *c = z * xp + *c;
        }
    }
}

/// Solve `J x = b` in place (`b` becomes `x`), `J` `m x m` column-major and
/// overwritten by its LU factors: nalgebra's partial-pivoting LU and
/// triangular solves, operation for operation. `false` when `J` is singular.
fn lu_solve(lu: &mut [f64], m: usize, b: &mut [f64], swaps: &mut Vec<(usize, usize)>) -> bool {
    swaps.clear();
    for i in 0..m {
        let mut piv = i;
        let mut best = lu[i + i * m].abs();
        for r in i + 1..m {
            let x = lu[r + i * m].abs();
            if x > best {
                best = x;
                piv = r;
            }
        }
        let diag = lu[piv + i * m];
        if diag == 0.0 {
            continue;
        }
        if piv != i {
            swaps.push((i, piv));
            for c in 0..m {
                lu.swap(i + c * m, piv + c * m);
            }
        }
        let inv = 1.0 / diag;
        for r in i + 1..m {
            lu[r + i * m] *= inv;
        }
        for c in i + 1..m {
            let p = -lu[i + c * m];
            for r in i + 1..m {
                lu[r + c * m] = p * lu[r + i * m] + lu[r + c * m];
            }
        }
    }
    for &(i, piv) in swaps.iter() {
        b.swap(i, piv);
    }
    // Unit lower triangle (nalgebra divides by the unit diagonal: exact).
    for i in 0..m.saturating_sub(1) {
        let coeff = -b[i];
        for r in i + 1..m {
            b[r] = coeff * lu[r + i * m] + b[r];
        }
    }
    for i in (0..m).rev() {
        let diag = lu[i + i * m];
        if diag == 0.0 {
            return false;
        }
        let coeff = b[i] / diag;
        b[i] = coeff;
        for r in 0..i {
            b[r] = -coeff * lu[r + i * m] + b[r];
        }
    }
    true
}

/// The residuals `F(D lambda)` of the figures and their Jacobian (`m x m`,
/// column-major) at `lambda`.
#[allow(clippy::too_many_arguments)]
fn residual(
    conds: &[ExactCondition],
    draw: &QuarterDraw,
    (d, ld, dt): (&[f64], usize, &[f64]),
    lambda: &[f64],
    shift: &mut [f64],
    growth: &mut [f64],
    used: &[bool],
    grad: &mut [f64],
    f: &mut [f64],
    jac: &mut [f64],
) {
    let m = conds.len();
    apply(shift, d, ld, lambda);
    for ((g, &s), &u) in growth.iter_mut().zip(shift.iter()).zip(used) {
        if u {
            *g = s.exp();
        }
    }
    for (o, c) in conds.iter().enumerate() {
        let mut total = 0.0;
        grad.fill(0.0);
        for &(i, w) in &c.weights {
            let l = w * draw.level[i] * growth[i];
            total += w * draw.before[i] + l;
            for (g, &x) in grad.iter_mut().zip(&dt[i * m..(i + 1) * m]) {
                *g += l * x;
            }
        }
        f[o] = total.ln() - c.ln_target;
        for p in 0..m {
            jac[o + p * m] = grad[p] / total;
        }
    }
}

/// Solve for the adjustment of one quarter's innovations.
///
/// Given the shock scales, the quarter's innovations are Gaussian with
/// covariance `M`; the conditional mean given `A u = c` moves them by
/// `M A' lambda`. The constraint is nonlinear (a sum of exponentials), so
/// `A` is taken at the drawn point and `lambda` is found by damped Newton
/// iteration until every year-to-date sum matches to 1e-12 relative.
/// Returns `None` if the figures cannot be reached.
///
/// Inputs are plain slices (one path, or one lane of a batch: `draw`'s
/// `before` and `level` of length `ns`, `scales` of length `nk`); `ws` is
/// scratch made by [`Workspace::new`] for this model, reused from path to
/// path. Nothing is allocated: the result borrows `ws`. What does not depend
/// on the path (the loadings by shock, the dense shock correlation, the
/// idiosyncratic variances, `ln` of each target) was computed when the model
/// was compiled; per path the shock scales enter `V = L S`, from which `M`
/// and `D = M A'` are formed with the rounding nalgebra's `DMatrix` products
/// had (see [`Rounding`]), so the results are bit for bit those of the first
/// version. `params` is not read beyond a check of its size.
pub(super) fn solve<'w>(
    conds: &[ExactCondition],
    params: &SectorParams,
    draw: &QuarterDraw,
    ws: &'w mut Workspace,
) -> Option<Adjustment<'w>> {
    let (ns, nsp, nk, m) = (ws.c.ns, ws.c.nsp, ws.c.nk, conds.len());
    assert!(
        m <= ws.c.max_conditions && params.idio.len() == ns,
        "observed::solve: workspace made for another model"
    );
    if m == 0 {
        ws.innovation.fill(0.0);
        ws.shock.fill(0.0);
        return Some(Adjustment {
            innovation: &ws.innovation,
            shock: &ws.shock,
        });
    }
    for k in 0..nk {
        let s = draw.scales[k];
        let row = k * nsp..(k + 1) * nsp;
        for (v, &l) in ws.v[row.clone()].iter_mut().zip(&ws.c.load_t[row]) {
            *v = l * s;
        }
    }
    directions_into(conds, &mut ws.at[..ns * m], draw);
    form_directions(ws, m);
    for i in 0..ns {
        for p in 0..m {
            ws.dt[i * m + p] = ws.d[p * nsp + i];
        }
    }

    ws.used.fill(false);
    for c in conds {
        for &(i, _) in &c.weights {
            ws.used[i] = true;
        }
    }
    let Workspace {
        c: consts,
        at,
        d,
        dt,
        shift,
        growth,
        used,
        lambda,
        trial,
        step,
        f,
        f2,
        grad,
        jac,
        jac2,
        lu,
        swaps,
        at_l,
        lt,
        shock,
        innovation,
        ..
    } = ws;
    let dd = (&d[..], nsp, &dt[..ns * m]);
    let (lambda, trial, step) = (&mut lambda[..m], &mut trial[..m], &mut step[..m]);
    let (f, f2, grad) = (&mut f[..m], &mut f2[..m], &mut grad[..m]);
    let (jac, jac2, lu) = (&mut jac[..m * m], &mut jac2[..m * m], &mut lu[..m * m]);

    lambda.fill(0.0);
    residual(conds, draw, dd, lambda, shift, growth, used, grad, f, jac);
    for _ in 0..100 {
        let err = amax(f);
        if !err.is_finite() {
            return None;
        }
        if err < 1e-12 {
            apply(innovation, d, nsp, lambda);
            // Shocks move by S R S L' A' lambda (the covariance of the shocks
            // with the constrained combination).
            for (x, a) in at_l.iter_mut().zip(at[..ns * m].chunks_exact(m)) {
                *x = a[0] * lambda[0];
                for (&a, &l) in a.iter().zip(lambda.iter()).skip(1) {
                    *x = a * l + *x;
                }
            }
            for (k, x) in lt.iter_mut().enumerate() {
                *x = draw.scales[k]
                    * consts.load_t[k * nsp..k * nsp + ns]
                        .iter()
                        .zip(at_l.iter())
                        .map(|(l, a)| l * a)
                        .sum::<f64>();
            }
            for (x, (s, r)) in shock
                .iter_mut()
                .zip(draw.scales.iter().zip(consts.correlation.chunks(nk.max(1))))
            {
                let mut y = r[0] * lt[0];
                for (&r, &l) in r.iter().zip(lt.iter()).skip(1) {
                    y = r * l + y;
                }
                *x = s * y;
            }
            return Some(Adjustment { innovation, shock });
        }
        lu.copy_from_slice(jac);
        for (s, &x) in step.iter_mut().zip(f.iter()) {
            *s = -x;
        }
        if !lu_solve(lu, m, step, swaps) {
            return None;
        }
        // Damped: halve the step until the largest residual falls.
        let mut t = 1.0;
        loop {
            for p in 0..m {
                trial[p] = lambda[p] + step[p] * t;
            }
            residual(conds, draw, dd, trial, shift, growth, used, grad, f2, jac2);
            if amax(f2) < err || t < 1e-6 {
                lambda.copy_from_slice(trial);
                f.copy_from_slice(f2);
                jac.copy_from_slice(jac2);
                break;
            }
            t *= 0.5;
        }
    }
    None
}

/// [`directions`] at a path's draw, into `at` (`A'`: `ns x m`, row-major).
fn directions_into(conds: &[ExactCondition], at: &mut [f64], draw: &QuarterDraw) {
    let m = conds.len();
    at.fill(0.0);
    for (o, c) in conds.iter().enumerate() {
        let total: f64 = c
            .weights
            .iter()
            .map(|&(i, w)| w * (draw.before[i] + draw.level[i]))
            .sum();
        for &(i, w) in &c.weights {
            at[i * m + o] = w * draw.level[i] / total;
        }
    }
}

/// One exact figure, as [`impossible`] reads it.
struct Figure {
    /// Index in `observed.values`.
    index: usize,
    indicator: usize,
    /// 0-based last quarter covered.
    quarter: usize,
    value: f64,
    /// Weight of each sector (dense).
    weights: Vec<f64>,
    /// The base year's same quarters, weighted, and the level they must reach.
    base: f64,
    target: f64,
}

fn percent(x: f64) -> String {
    let s = format!("{:.2}", 100.0 * x);
    let s = s.trim_end_matches('0').trim_end_matches('.');
    format!("{s}%")
}

fn quarters_text(from: usize, to: usize) -> String {
    if from == to {
        format!("quarter {}", to + 1)
    } else {
        format!("quarters {}-{}", from + 1, to + 1)
    }
}

/// Exact figures that no path can reproduce, found in closed form from the
/// base-year quarters (MODEL.md 11.2): a year-to-date figure that implies a
/// quarter without a positive level, after the same indicator's earlier
/// figure; and a figure on a sum whose sectors are part of another figure's
/// sum, when the remaining sectors would need a level that is not positive.
/// Returns `(index in observed.values, message)`, at most one per figure.
pub(crate) fn impossible(scenario: &Scenario, base_quarters: &[[f64; 4]]) -> Vec<(usize, String)> {
    let Some(obs) = scenario.observed() else {
        return vec![];
    };
    let ns = base_quarters.len();
    let ids = |j: usize| &scenario.indicators()[j].id;
    let unit = &scenario.header().value_unit;
    let figures: Vec<Figure> = obs
        .values
        .iter()
        .enumerate()
        .filter(|(_, v)| v.share.is_none())
        .filter_map(|(index, v)| {
            let agg = scenario.indicators()[v.indicator].aggregate.as_ref()?;
            let q = v.quarter - 1;
            let mut weights = vec![0.0; ns];
            for &(i, w) in agg {
                weights[i] += w;
            }
            let base: f64 = (0..ns)
                .map(|i| weights[i] * base_quarters[i][..=q].iter().sum::<f64>())
                .sum();
            Some(Figure {
                index,
                indicator: v.indicator,
                quarter: q,
                value: v.value,
                weights,
                base,
                target: base * (1.0 + v.value / 100.0),
            })
        })
        .collect();
    // The latest earlier figure of the same indicator, if any.
    let earlier = |f: &Figure| {
        figures
            .iter()
            .filter(|e| e.indicator == f.indicator && e.quarter < f.quarter)
            .max_by_key(|e| e.quarter)
    };
    let mut out: Vec<(usize, String)> = vec![];
    // (1) A year-to-date figure after an earlier one of the same indicator.
    for f in &figures {
        let Some(e) = earlier(f) else { continue };
        let level = f.target - e.target;
        let base = f.base - e.base;
        if base > 0.0 && !(level > 0.0) {
            out.push((
                f.index,
                format!(
                    "impossible after {:+}% through quarter {}: {:?} {:+}% through quarter {} \
                     leaves {} with a level of {} of the base year's ({:.4} {unit}), \
                     and a quarter's level must be positive",
                    e.value,
                    e.quarter + 1,
                    ids(f.indicator),
                    f.value,
                    f.quarter + 1,
                    quarters_text(e.quarter + 1, f.quarter),
                    percent(level / base),
                    level
                ),
            ));
        }
    }
    // (2) A part of a sum beside the whole, through the same quarter.
    let positive = |i: usize| base_quarters[i].iter().all(|&b| b > 0.0);
    for whole in &figures {
        for part in &figures {
            if part.index == whole.index
                || part.quarter != whole.quarter
                || out.iter().any(|(k, _)| *k == part.index.max(whole.index))
            {
                continue;
            }
            let rest: Vec<f64> = (0..ns)
                .map(|i| whole.weights[i] - part.weights[i])
                .collect();
            let nested = rest.iter().all(|&r| r >= 0.0)
                && (0..ns).any(|i| rest[i] > 0.0 && positive(i))
                && (0..ns).any(|i| part.weights[i] > 0.0);
            if !nested {
                continue;
            }
            // The rest's year-to-date level, less its level before this
            // quarter when both figures were also published before.
            let mut level = whole.target - part.target;
            let mut from = 0;
            if let (Some(we), Some(pe)) = (earlier(whole), earlier(part)) {
                if we.quarter == pe.quarter {
                    level -= we.target - pe.target;
                    from = we.quarter + 1;
                }
            }
            if level > 0.0 {
                continue;
            }
            let (named, other) = if part.index > whole.index {
                (part, whole)
            } else {
                (whole, part)
            };
            out.push((
                named.index,
                format!(
                    "impossible beside {:?} {:+}%: through quarter {}, {:?} would reach {:.4} {unit} \
                     ({} of the base year's) but the whole, {:?}, only {:.4} {unit} ({}), so the \
                     other sectors of {:?} would need a level of {:.4} {unit} in {}, and a level \
                     must be positive",
                    ids(other.indicator),
                    other.value,
                    whole.quarter + 1,
                    ids(part.indicator),
                    part.target,
                    percent(part.target / part.base),
                    ids(whole.indicator),
                    whole.target,
                    percent(whole.target / whole.base),
                    ids(whole.indicator),
                    level,
                    quarters_text(from, whole.quarter),
                ),
            ));
        }
    }
    // (3) Several parts of one whole that do not overlap (their weights
    // together at most the whole's): together below the whole, year to date.
    for whole in &figures {
        let parts: Vec<&Figure> = figures
            .iter()
            .filter(|p| {
                p.index != whole.index
                    && p.quarter == whole.quarter
                    && (0..ns).all(|i| p.weights[i] <= whole.weights[i])
                    && (0..ns).any(|i| p.weights[i] > 0.0)
            })
            .collect();
        if parts.len() < 2 {
            continue;
        }
        let rest: Vec<f64> = (0..ns)
            .map(|i| whole.weights[i] - parts.iter().map(|p| p.weights[i]).sum::<f64>())
            .collect();
        if !(rest.iter().all(|&r| r >= 0.0) && (0..ns).any(|i| rest[i] > 0.0 && positive(i))) {
            continue;
        }
        let level = whole.target - parts.iter().map(|p| p.target).sum::<f64>();
        let last = parts
            .iter()
            .map(|p| p.index)
            .chain([whole.index])
            .max()
            .unwrap_or(whole.index);
        if level > 0.0 || out.iter().any(|(k, _)| *k == last) {
            continue;
        }
        let names: Vec<String> = parts
            .iter()
            .map(|p| format!("{:?} {:+}%", ids(p.indicator), p.value))
            .collect();
        out.push((
            last,
            format!(
                "impossible beside the other figures through quarter {}: {} together would reach \
                 {:.4} {unit} but the whole, {:?} {:+}%, only {:.4} {unit} ({} of the base year's), \
                 so the other sectors of {:?} would need a level of {:.4} {unit} in {}, and a \
                 level must be positive",
                whole.quarter + 1,
                names.join(", "),
                parts.iter().map(|p| p.target).sum::<f64>(),
                ids(whole.indicator),
                whole.value,
                whole.target,
                percent(whole.target / whole.base),
                ids(whole.indicator),
                level,
                quarters_text(0, whole.quarter),
            ),
        ));
    }
    out.sort_by_key(|(k, _)| *k);
    out
}

/// The first version of [`solve`], with nalgebra matrices built per path and
/// per Newton step: the reference that the workspace solve must reproduce
/// bit for bit.
#[cfg(test)]
fn solve_reference(
    conds: &[ExactCondition],
    params: &SectorParams,
    draw: &QuarterDraw,
) -> Option<(Vec<f64>, Vec<f64>)> {
    use nalgebra::DVector;
    let ns = params.idio.len();
    let nk = params.correlation.len();
    let m = conds.len();
    let cov = params.innovation_covariance(draw.scales);
    let a = directions(conds, ns, |i| draw.level[i], |i| draw.before[i]);
    let d = &cov * a.transpose();

    let residual = |lambda: &DVector<f64>| -> (DVector<f64>, DMatrix<f64>) {
        let shift = &d * lambda;
        let mut f = DVector::zeros(m);
        let mut jac = DMatrix::zeros(m, m);
        for (o, c) in conds.iter().enumerate() {
            let mut total = 0.0;
            let mut grad = vec![0.0; m];
            for &(i, w) in &c.weights {
                let l = w * draw.level[i] * shift[i].exp();
                total += w * draw.before[i] + l;
                for (p, g) in grad.iter_mut().enumerate() {
                    *g += l * d[(i, p)];
                }
            }
            f[o] = total.ln() - c.target_ytd.ln();
            for p in 0..m {
                jac[(o, p)] = grad[p] / total;
            }
        }
        (f, jac)
    };

    let mut lambda = DVector::zeros(m);
    let (mut f, mut jac) = residual(&lambda);
    for _ in 0..100 {
        let err = f.amax();
        if !err.is_finite() {
            return None;
        }
        if err < 1e-12 {
            let shift = &d * &lambda;
            let at_l = a.transpose() * &lambda;
            let r = DMatrix::from_fn(nk, nk, |x, y| params.correlation[x][y]);
            let lt = DVector::from_fn(nk, |k, _| {
                draw.scales[k]
                    * (0..ns)
                        .map(|i| params.load[i * params.load_stride + k] * at_l[i])
                        .sum::<f64>()
            });
            let shock = r * lt;
            return Some((
                shift.iter().copied().collect(),
                (0..nk).map(|k| draw.scales[k] * shock[k]).collect(),
            ));
        }
        let step = jac.clone().lu().solve(&(-&f))?;
        let mut t = 1.0;
        loop {
            let trial = &lambda + &step * t;
            let (f2, j2) = residual(&trial);
            if f2.amax() < err || t < 1e-6 {
                lambda = trial;
                f = f2;
                jac = j2;
                break;
            }
            t *= 0.5;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Model;
    use crate::scenario;
    use rand::{RngExt, SeedableRng};
    use rand_xoshiro::Xoshiro256PlusPlus;

    /// Random sector parameters: `ns` sectors, `nk` shocks (loadings padded
    /// to a stride of `nk + 1`, some zero), a valid correlation matrix.
    fn random_params(
        rng: &mut Xoshiro256PlusPlus,
        ns: usize,
        nk: usize,
    ) -> (Vec<f64>, Vec<f64>, Vec<Vec<f64>>) {
        let idio = (0..ns)
            .map(|_| 0.002 + 0.02 * rng.random::<f64>())
            .collect();
        let stride = nk + 1;
        let mut load = vec![0.0; ns * stride];
        for i in 0..ns {
            for k in 0..nk {
                if rng.random::<f64>() < 0.7 {
                    load[i * stride + k] = 0.03 * (rng.random::<f64>() - 0.3);
                }
            }
        }
        // R = B B' with unit-norm rows of B: a correlation matrix.
        let b: Vec<Vec<f64>> = (0..nk)
            .map(|_| {
                let row: Vec<f64> = (0..nk).map(|_| rng.random::<f64>() - 0.2).collect();
                let n = row.iter().map(|x| x * x).sum::<f64>().sqrt();
                row.iter().map(|x| x / n).collect()
            })
            .collect();
        let corr = (0..nk)
            .map(|x| {
                (0..nk)
                    .map(|y| (0..nk).map(|z| b[x][z] * b[y][z]).sum())
                    .collect()
            })
            .collect();
        (idio, load, corr)
    }

    /// The workspace solve gives exactly the bits of the nalgebra version,
    /// with every rounding of the products (dimensions of at most 5 and
    /// more, one figure and six), and never grows its buffers.
    #[test]
    fn solve_reproduces_the_nalgebra_version_bit_for_bit() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(11);
        let mut solved = 0;
        for &(ns, nk, m) in &[
            (17, 6, 2),
            (17, 6, 1),
            (8, 7, 6),
            (4, 3, 2),
            (6, 6, 3),
            (9, 2, 2),
            (3, 0, 1),
            (12, 8, 7),
        ] {
            let (idio, load, correlation) = random_params(&mut rng, ns, nk);
            let base = vec![[100.0; 4]; ns];
            let params = SectorParams {
                idio: &idio,
                load: &load,
                load_stride: nk + 1,
                correlation: &correlation,
                base_quarters: &base,
            };
            let observed = Observed {
                solver: Solver::new(&params, m),
                ..Observed::default()
            };
            let mut ws = Workspace::new(&observed);
            let capacities = ws.capacities();
            for _ in 0..200 {
                let level: Vec<f64> = (0..ns)
                    .map(|_| 50.0 + 100.0 * rng.random::<f64>())
                    .collect();
                let before: Vec<f64> = (0..ns).map(|_| 300.0 * rng.random::<f64>()).collect();
                let scales: Vec<f64> = (0..nk).map(|_| 0.5 + 1.5 * rng.random::<f64>()).collect();
                // Condition 0 on all sectors, the others on disjoint pieces.
                let conds: Vec<ExactCondition> = (0..m)
                    .map(|o| {
                        let weights: Vec<(usize, f64)> = if o == 0 {
                            (0..ns).map(|i| (i, 1.0)).collect()
                        } else {
                            (0..ns)
                                .filter(|i| i % m == o)
                                .map(|i| (i, 0.5 + rng.random::<f64>()))
                                .collect()
                        };
                        let now: f64 = weights
                            .iter()
                            .map(|&(i, w)| w * (before[i] + level[i]))
                            .sum();
                        let target_ytd = now * (0.97 + 0.06 * rng.random::<f64>());
                        ExactCondition {
                            indicator: o,
                            weights,
                            target_ytd,
                            ln_target: target_ytd.ln(),
                        }
                    })
                    .collect();
                let draw = QuarterDraw {
                    before: &before,
                    level: &level,
                    scales: &scales,
                };
                let want = solve_reference(&conds, &params, &draw);
                let got = solve(&conds, &params, &draw, &mut ws)
                    .map(|adj| (adj.innovation.to_vec(), adj.shock.to_vec()));
                let bits = |x: &Option<(Vec<f64>, Vec<f64>)>| {
                    x.as_ref().map(|(u, s)| {
                        (
                            u.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
                            s.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
                        )
                    })
                };
                assert_eq!(bits(&got), bits(&want), "ns {ns}, nk {nk}, m {m}");
                solved += usize::from(want.is_some());
                assert_eq!(ws.capacities(), capacities, "a buffer grew");
            }
        }
        // Nearly every draw can reach its figures: the comparison is not
        // one of two failures.
        assert!(solved > 1500, "{solved} of 1600 solved");
    }

    /// The base-year quarters that load-time checking uses are those the
    /// compiled model simulates from, with and without a profile.
    #[test]
    fn load_time_base_quarters_are_the_compiled_ones() {
        let base = include_str!("../../tests/fixtures/two-sector.toml");
        for extra in [
            "",
            "[base_quarters]\n\n[[base_quarters.profiles]]\nof = \"industry\"\nyoy = [-12.0, 3.0, 4.0, 6.0]\n",
            "[base_quarters]\n\n[[base_quarters.profiles]]\nof = \"gdp\"\nshares = [0.2, 0.24, 0.26, 0.3]\n",
        ] {
            let s = scenario::load(&format!("{base}\n{extra}"), "test").unwrap();
            let (model, _) = Model::compile(&s, "test").unwrap();
            assert_eq!(
                crate::model::base_quarters(&s),
                model.base_quarters,
                "{extra}"
            );
        }
    }
}
