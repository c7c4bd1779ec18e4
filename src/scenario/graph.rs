//! The indicator graph: what each indicator reads, the order that evaluates
//! inputs first (the one place the cycle check lives), and everything
//! upstream of a target (what sensitivity analysis moves).
//!
//! The raw-form functions serve validation, which must walk scenarios that
//! may still be wrong; the typed-form ones serve everything after it.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::raw::{RawIndicator, RawScenario};
use super::types::{Formula, Input, Scenario, Series};

/// The ids an indicator reads, as written (terms, then `of`, `numerator`,
/// `denominator`).
pub fn indicator_inputs(ind: &RawIndicator) -> Vec<&str> {
    let mut v: Vec<&str> = ind.terms.keys().map(String::as_str).collect();
    for s in [&ind.of, &ind.numerator, &ind.denominator]
        .into_iter()
        .flatten()
    {
        v.push(s);
    }
    v
}

/// Indicator indices in an order where every input comes first, or the ids
/// of a dependency cycle (first id repeated at the end).
pub fn indicator_order(raw: &RawScenario) -> Result<Vec<usize>, Vec<String>> {
    let index: HashMap<&str, usize> = raw
        .indicators
        .iter()
        .enumerate()
        .map(|(i, x)| (x.id.as_str(), i))
        .collect();
    let mut walk = Walk {
        raw,
        index,
        state: vec![0; raw.indicators.len()],
        order: Vec::with_capacity(raw.indicators.len()),
        stack: vec![],
    };
    for i in 0..raw.indicators.len() {
        walk.visit(i)?;
    }
    Ok(walk.order)
}

/// Depth-first search state of [`indicator_order`].
struct Walk<'a> {
    raw: &'a RawScenario,
    index: HashMap<&'a str, usize>,
    /// 0 = unvisited, 1 = on the stack, 2 = done.
    state: Vec<u8>,
    order: Vec<usize>,
    stack: Vec<usize>,
}

impl Walk<'_> {
    fn visit(&mut self, i: usize) -> Result<(), Vec<String>> {
        match self.state[i] {
            2 => return Ok(()),
            1 => {
                let start = self.stack.iter().position(|&s| s == i).unwrap_or(0);
                let mut cycle: Vec<String> = self.stack[start..]
                    .iter()
                    .map(|&s| self.raw.indicators[s].id.clone())
                    .collect();
                cycle.push(self.raw.indicators[i].id.clone());
                return Err(cycle);
            }
            _ => {}
        }
        self.state[i] = 1;
        self.stack.push(i);
        let raw = self.raw;
        for dep in indicator_inputs(&raw.indicators[i]) {
            if let Some(&j) = self.index.get(dep) {
                self.visit(j)?;
            }
        }
        self.stack.pop();
        self.state[i] = 2;
        self.order.push(i);
        Ok(())
    }
}

/// When indicator `id` is the growth of a weighted sum of sectors (directly,
/// or through `sum` indicators of sectors), the sectors and their weights.
/// Such an indicator has quarters: its year-to-date value is the growth of
/// the year-to-date sum.
pub fn sector_aggregate(raw: &RawScenario, id: &str) -> Option<Vec<(usize, f64)>> {
    let ind = raw.indicators.iter().find(|i| i.id == id)?;
    if ind.kind != "growth" || ind.noise.unwrap_or(0.0) != 0.0 {
        return None;
    }
    let mut weights = BTreeMap::new();
    flatten_sum(raw, ind.of.as_deref()?, 1.0, &mut weights, 0)?;
    Some(weights.into_iter().filter(|&(_, w)| w != 0.0).collect())
}

/// The (sector, weight) sum that `id` names, when it names one: a sector
/// (weight 1), a `sum` of sectors without noise and with non-negative
/// weights (flattened), or the `growth` of either (see [`sector_aggregate`]).
/// Policy rules read the year-to-date growth of such a sum.
pub fn sector_weights(raw: &RawScenario, id: &str) -> Option<Vec<(usize, f64)>> {
    if let Some(w) = sector_aggregate(raw, id) {
        return Some(w);
    }
    let mut weights = BTreeMap::new();
    flatten_sum(raw, id, 1.0, &mut weights, 0)?;
    Some(weights.into_iter().filter(|&(_, w)| w != 0.0).collect())
}

fn flatten_sum(
    raw: &RawScenario,
    id: &str,
    scale: f64,
    out: &mut BTreeMap<usize, f64>,
    depth: usize,
) -> Option<()> {
    if depth > raw.indicators.len() {
        return None; // a cycle, reported elsewhere
    }
    if let Some(i) = raw.sectors.iter().position(|s| s.id == id) {
        *out.entry(i).or_insert(0.0) += scale;
        return Some(());
    }
    let ind = raw.indicators.iter().find(|i| i.id == id)?;
    if ind.kind != "sum" || ind.noise.unwrap_or(0.0) != 0.0 {
        return None;
    }
    for (term, &w) in &ind.terms {
        if !w.is_finite() || w < 0.0 {
            return None;
        }
        flatten_sum(raw, term, scale * w, out, depth + 1)?;
    }
    Some(())
}

/// A node of the validated graph: one entry of the shared id namespace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Node {
    /// Sector index.
    Sector(usize),
    /// Shock index (file order).
    Shock(usize),
    /// Indicator index.
    Indicator(usize),
}

impl From<Series> for Node {
    fn from(s: Series) -> Self {
        match s {
            Series::Sector(i) => Node::Sector(i),
            Series::Indicator(j) => Node::Indicator(j),
        }
    }
}

/// What indicator `j` of a validated scenario reads.
pub fn inputs(scenario: &Scenario, j: usize) -> Vec<Node> {
    match &scenario.indicators[j].formula {
        Formula::Sum(terms) => terms.iter().map(|&(s, _)| s.into()).collect(),
        Formula::Ratio(n, d) => vec![(*n).into(), (*d).into()],
        Formula::Exogenous(_) => vec![],
        Formula::Count { of, .. } => vec![Node::Indicator(*of)],
        Formula::Growth(s) | Formula::Compound(s) | Formula::Accumulate(s, _) => {
            vec![(*s).into()]
        }
        Formula::Linear { terms, .. } => terms
            .iter()
            .map(|&(i, _)| match i {
                Input::Indicator(k) => Node::Indicator(k),
                Input::Shock(k) => Node::Shock(k),
            })
            .collect(),
    }
}

/// The ids (sectors, shocks, indicators: one namespace) that can move
/// `id`: for a target id, its indicator and `relative_to` and all they read;
/// otherwise, for an indicator, sector or shock id, itself and all it reads.
/// A sector reads the shocks it loads on. Empty for an unknown id. Target
/// ids are looked up first, as sensitivity analysis names targets.
pub fn upstream(scenario: &Scenario, id: &str) -> BTreeSet<String> {
    let mut stack: Vec<Node> = vec![];
    if let Some(t) = scenario.targets.iter().find(|t| t.id == id) {
        stack.push(Node::Indicator(t.indicator));
        stack.extend(t.relative_to.map(Node::Indicator));
    } else if let Some(n) = node(scenario, id) {
        stack.push(n);
    }
    let mut set = BTreeSet::new();
    while let Some(n) = stack.pop() {
        let name = match n {
            Node::Sector(i) => &scenario.sectors[i].id,
            Node::Shock(k) => &scenario.shocks[k].id,
            Node::Indicator(j) => &scenario.indicators[j].id,
        };
        if !set.insert(name.clone()) {
            continue;
        }
        match n {
            Node::Indicator(j) => stack.extend(inputs(scenario, j)),
            Node::Sector(i) => stack.extend(
                scenario.sectors[i]
                    .loadings
                    .iter()
                    .map(|&(k, _)| Node::Shock(k)),
            ),
            Node::Shock(_) => {}
        }
    }
    set
}

/// The node an id of the shared namespace names.
fn node(scenario: &Scenario, id: &str) -> Option<Node> {
    if let Some(j) = scenario.indicator_index(id) {
        return Some(Node::Indicator(j));
    }
    if let Some(i) = scenario.sectors.iter().position(|s| s.id == id) {
        return Some(Node::Sector(i));
    }
    scenario
        .shocks
        .iter()
        .position(|s| s.id == id)
        .map(Node::Shock)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// sweep.rs's walk over the raw form, which `upstream` replaces.
    fn upstream_raw(raw: &RawScenario, start: Vec<String>) -> BTreeSet<String> {
        let mut set = BTreeSet::new();
        let mut stack = start;
        while let Some(id) = stack.pop() {
            if !set.insert(id.clone()) {
                continue;
            }
            if let Some(ind) = raw.indicators.iter().find(|i| i.id == id) {
                stack.extend(indicator_inputs(ind).into_iter().map(String::from));
            } else if let Some(s) = raw.sectors.iter().find(|s| s.id == id) {
                stack.extend(s.loadings.keys().cloned());
            }
        }
        set
    }

    #[test]
    fn upstream_matches_the_raw_walk() {
        let after_q1 = include_str!("../../scenarios/jilin-2022-after-q1.toml");
        for text in [super::super::EMBEDDED_JILIN_2022, after_q1] {
            let s = super::super::load(text, "test").unwrap();
            let raw = s.raw();
            for t in &raw.targets {
                let mut start = vec![t.indicator.clone()];
                start.extend(t.relative_to.clone());
                assert_eq!(upstream(&s, &t.id), upstream_raw(raw, start), "{}", t.id);
            }
            for i in &raw.indicators {
                assert_eq!(upstream(&s, &i.id), upstream_raw(raw, vec![i.id.clone()]));
            }
            assert!(upstream(&s, "no_such_id").is_empty());
        }
        let s = super::super::embedded().unwrap();
        let up = upstream(&s, "faw_sales");
        // the revised car block runs market -> FAW share -> FAW sales, so the market is two steps upstream
        assert!(up.contains("car_market_growth") && up.contains("faw_sales_growth"));
        assert!(!up.contains("grain_output"));
    }

    #[test]
    fn order_puts_inputs_first() {
        let s = super::super::embedded().unwrap();
        let pos: Vec<usize> = {
            let mut p = vec![0; s.order().len()];
            for (n, &j) in s.order().iter().enumerate() {
                p[j] = n;
            }
            p
        };
        for (j, _) in s.indicators().iter().enumerate() {
            for n in inputs(&s, j) {
                if let Node::Indicator(k) = n {
                    assert!(pos[k] < pos[j]);
                }
            }
        }
    }
}
