//! Which variants of a scenario can share one simulation of the sectors.
//!
//! A path's sector phase (shocks, events, sector levels, policy rules, a
//! nowcast's conditioning) reads only part of the compiled model and draws
//! only from the path's sector stream (docs/MODEL.md 7.1). Two variants
//! whose sector parts are equal and whose assumptions draw the same
//! variates and write the same sector values have identical sector paths,
//! so the engine simulates them once and evaluates each variant's
//! indicators on them: the central-value pass of a run with assumptions, a
//! sensitivity's or a sweep's moves of indicator-level inputs.

use super::{Event, Model, Sector, observed::Observed};

impl Model {
    /// Whether `other` has exactly this model's sector phase: the same
    /// values of everything the quarter step reads, and assumptions that
    /// draw the same variates from the sector stream and write the same
    /// sector-level values. Then every path's sector values, and the sector
    /// stream's state after them, are bit-identical in both.
    ///
    /// Conservative: a field it cannot tell apart is compared whole.
    pub fn shares_sector_phase(&self, other: &Model) -> bool {
        // Every field is named, so a new one must be sorted into one of the
        // two groups below before this compiles.
        let Model {
            // Read by the sector phase.
            meta,
            sectors,
            mu,
            mu_by_year,
            idio_by_year,
            shock_scale,
            base_quarters,
            momentum,
            policies,
            base_cumulative,
            ar,
            idio,
            load,
            load_stride,
            load_by_shock,
            base_log_level,
            shock_ids,
            shock_shapes,
            t_groups,
            t_chi,
            chol,
            correlation,
            events,
            event_probability,
            observed,
            assumptions,
            // Read only by the indicator phase, the targets and the reports.
            shock_labels: _,
            repaired: _,
            indicators: _,
            order: _,
            indicator_events: _,
            indicator_events_by_year: _,
            targets: _,
            aggregates: _,
            joints: _,
            shock_families: _,
            recording: _,
        } = self;
        meta.horizon == other.meta.horizon
            && same_sectors(sectors, &other.sectors)
            && *mu == other.mu
            && *mu_by_year == other.mu_by_year
            && *idio_by_year == other.idio_by_year
            && *shock_scale == other.shock_scale
            && *base_quarters == other.base_quarters
            && *momentum == other.momentum
            && *policies == other.policies
            && *base_cumulative == other.base_cumulative
            && *ar == other.ar
            && *idio == other.idio
            && *load == other.load
            && *load_stride == other.load_stride
            && *load_by_shock == other.load_by_shock
            && *base_log_level == other.base_log_level
            && shock_ids.len() == other.shock_ids.len()
            && *shock_shapes == other.shock_shapes
            && *t_groups == other.t_groups
            && *t_chi == other.t_chi
            && *chol == other.chol
            && *correlation == other.correlation
            && same_events(events, &other.events)
            && *event_probability == other.event_probability
            && same_observed(observed, &other.observed)
            && assumptions.same_sector_phase(&other.assumptions)
    }
}

/// Sectors are compared whole but for their labels (assumptions on sectors
/// recompute the compiled arrays from these fields).
fn same_sectors(a: &[Sector], b: &[Sector]) -> bool {
    a.len() == b.len()
        && a.iter().zip(b).all(|(x, y)| {
            x.value_added == y.value_added
                && x.growth == y.growth
                && x.volatility == y.volatility
                && x.persistence == y.persistence
                && x.loadings == y.loadings
                && x.growth_by_year == y.growth_by_year
                && x.volatility_by_year == y.volatility_by_year
        })
}

/// The parts of events the quarter step reads (their probabilities are in
/// `Model::event_probability`; their indicator impacts are indicator-level).
fn same_events(a: &[Event], b: &[Event]) -> bool {
    a.len() == b.len()
        && a.iter().zip(b).all(|(x, y)| {
            x.duration == y.duration
                && x.may_start == y.may_start
                && x.recovery == y.recovery
                && x.sector_impacts == y.sector_impacts
                && x.sector_impacts_by_year == y.sector_impacts_by_year
        })
}

/// The sector part of a nowcast: published quarters, known events and the
/// exact conditions with their solver (blended indicators are
/// indicator-level).
fn same_observed(a: &Observed, b: &Observed) -> bool {
    a.quarters == b.quarters
        && a.event_start == b.event_start
        && a.exact == b.exact
        && a.solver == b.solver
}
