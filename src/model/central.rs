//! The central-value pass of a model with assumptions, judged only on the
//! targets the assumptions can move.
//!
//! The pass draws the same numbers as the run and writes each assumption's
//! central value instead of its draw (docs/MODEL.md 8). A target that no
//! assumption reaches, through the formulas, has bit for bit the same
//! values in both passes, provided the indicator streams stay aligned: every
//! draw an indicator makes is then the same in both (a normal's and a
//! chi-square's use of the stream does not depend on the parameters an
//! assumption writes, a count's does, through its share). So the pass is
//! judged on the moved targets alone (`Model::keep_targets`) and the kernel
//! computes only what they need; [`CentralPass::widen`] gives the others the
//! run's own counts, which are theirs exactly.

use super::{Formula, Input, Model, Series};
use crate::stats::Accumulator;

/// The central-value variant of a model and the targets it is judged on.
#[derive(Debug, Clone)]
pub struct CentralPass {
    /// The variant (assumptions fixed; judged on `moved` when that is known).
    pub model: Model,
    /// The targets of the full model the assumptions can move, in order, or
    /// `None` when every target is judged (the analysis cannot tell).
    pub moved: Option<Vec<usize>>,
}

impl Formula {
    /// The indicators this formula reads (in any year).
    pub fn indicator_inputs(&self) -> Vec<usize> {
        let of = |s: &Series| match *s {
            Series::Indicator(k) => Some(k),
            Series::Sector(_) => None,
        };
        match self {
            Formula::Sum(terms) => terms.iter().filter_map(|(s, _)| of(s)).collect(),
            Formula::Ratio(a, b) => [a, b].into_iter().filter_map(of).collect(),
            Formula::Growth(s) | Formula::Compound(s) | Formula::Accumulate(s, _) => {
                of(s).into_iter().collect()
            }
            Formula::Linear { terms, .. } => terms
                .iter()
                .filter_map(|(input, _)| match *input {
                    Input::Indicator(k) => Some(k),
                    Input::Shock(_) => None,
                })
                .collect(),
            Formula::Exogenous(_) => vec![],
            Formula::Count { of, .. } => vec![*of],
        }
    }
}

impl Model {
    /// The targets whose verdicts can differ between this model and the same
    /// model with other values of its assumptions, or `None` when that is
    /// not known: an assumption writes the sector phase, a noise scale or a
    /// base, or a count reads a moved indicator (its draws would move).
    pub fn targets_assumptions_move(&self) -> Option<Vec<usize>> {
        let moved = self
            .assumptions
            .moves_only(self.indicators.len(), self.targets.len())?;
        let (mut changed, judged) = moved;
        // Downstream through the formulas, to a fixed point.
        let inputs: Vec<Vec<usize>> = self
            .indicators
            .iter()
            .map(|i| i.formula.indicator_inputs())
            .collect();
        loop {
            let mut grew = false;
            for j in 0..self.indicators.len() {
                if !changed[j] && inputs[j].iter().any(|&k| changed[k]) {
                    changed[j] = true;
                    grew = true;
                }
            }
            if !grew {
                break;
            }
        }
        let count_moves = self
            .indicators
            .iter()
            .zip(&changed)
            .any(|(i, &c)| c && matches!(i.formula, Formula::Count { .. }));
        if count_moves {
            return None;
        }
        Some(
            self.targets
                .iter()
                .enumerate()
                .filter(|(t, target)| {
                    judged[*t]
                        || changed[target.indicator]
                        || target.relative_to.is_some_and(|r| changed[r])
                })
                .map(|(t, _)| t)
                .collect(),
        )
    }

    /// The central-value pass of a model with assumptions (`None` without).
    pub fn central_pass(&self) -> Option<CentralPass> {
        if self.assumptions.is_empty() {
            return None;
        }
        let mut model = self.clone();
        model.assumptions = model.assumptions.fixed();
        // Read only for its probabilities, margins and domain check.
        model.recording = crate::stats::Recording::Probabilities;
        let moved = self.targets_assumptions_move();
        if let Some(keep) = &moved {
            model.keep_targets(keep);
        }
        Some(CentralPass { model, moved })
    }
}

impl CentralPass {
    /// The pass's accumulator over every target of the full model, for the
    /// split of each target's spread (`Report::add_assumption_split`, which
    /// reads each target's hits and margin sums): a moved target's from the
    /// pass, every other's from the run's accumulator `main`, whose values
    /// for it are the pass's bit for bit. Its other fields are the run's.
    pub fn widen(&self, main: &Accumulator, pass: Accumulator) -> Accumulator {
        let Some(moved) = &self.moved else {
            return pass;
        };
        let mut full = main.clone();
        for (i, &t) in moved.iter().enumerate() {
            full.targets[t] = pass.targets[i].clone();
            if let (Some(m), Some(&p)) = (full.margin_sums.get_mut(t), pass.margin_sums.get(i)) {
                *m = p;
            }
            if let Some(x) = full.excused_hits.get_mut(t) {
                // The pass keeps them only when one of its targets has `excused_by`.
                *x = pass
                    .excused_hits
                    .get(i)
                    .copied()
                    .unwrap_or(pass.targets[i].hits);
            }
        }
        full
    }
}
