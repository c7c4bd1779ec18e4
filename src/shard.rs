//! Sharded runs: a partial summary per shard, and merging them into the
//! report a single run would have given.
//!
//! A partial carries everything a merge needs and nothing machine-specific:
//! the scenario text, seed, path count, the shard's accumulator (integer
//! counts, histogram pages) and its per-block sums; for a scenario with
//! `[[assumptions]]`, the same for the central-value pass (every assumption
//! at its central value, same draws), from which the merge computes the
//! assumption split as a single run does. Parts belong together
//! when their fingerprints (SHA-256 of version, block size, seed, paths and
//! the scenario's fingerprint, [`scenario::fingerprint`]) agree.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::engine::{BLOCK_SIZE, BlockSums, Plan, Progress, RunConfig, Shard, check_domain, run};
use crate::error::{Error, Result};
use crate::model::Model;
use crate::model::step::NoObserver;
use crate::report::Report;
use crate::scenario;
use crate::stats::Accumulator;

/// Format tag of partial files.
pub const FORMAT: &str = "attain-partial/2";

/// One shard's partial summary (the JSON written by `run --shard K/N`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Partial {
    /// Always [`FORMAT`].
    pub format: String,
    /// SHA-256 of version, block size, seed, paths and scenario fingerprint.
    pub fingerprint: String,
    /// This shard's index (0-based).
    pub shard_index: u64,
    /// Number of shards.
    pub shard_count: u64,
    /// Paths of the whole run (all shards).
    pub paths: u64,
    /// Run seed.
    pub seed: u64,
    /// Paths per block.
    pub block_size: u64,
    /// attain version that wrote it.
    pub version: String,
    /// Where the scenario came from (for messages).
    pub origin: String,
    /// The scenario file's text.
    pub scenario: String,
    /// Seconds this shard took.
    pub elapsed_s: f64,
    /// The shard's accumulated outcomes.
    pub accumulator: Accumulator,
    /// The shard's per-block sums, for exact means (a sum that overflowed is
    /// written as the string `"inf"`, `"-inf"` or `"NaN"`).
    #[serde(with = "crate::stats::float::block_sums")]
    pub block_sums: BlockSums,
    /// The central-value pass, for a scenario with `[[assumptions]]`
    /// (absent otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fixed: Option<FixedPass>,
    /// SHA-256 of the payload (`accumulator`, `block_sums` and `fixed` as
    /// canonical JSON), see [`payload_digest`] and [`Partial::payload_digest`].
    /// It catches an accidental edit or a truncated copy; it is not a
    /// signature (anyone can recompute it).
    pub digest: String,
}

/// A shard's pass with every assumption at its central value: the same
/// blocks and draws as the main pass, for the split of each target's spread
/// between the assumptions and the shocks and events.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FixedPass {
    /// The pass's accumulated outcomes.
    pub accumulator: Accumulator,
    /// Its per-block sums, as the main pass's.
    #[serde(with = "crate::stats::float::block_sums")]
    pub block_sums: BlockSums,
}

/// What one shard's simulation gave: the main pass and, for a scenario
/// with assumptions, the central-value pass.
#[derive(Debug, Clone)]
pub struct ShardResult {
    /// The scenario as written.
    pub main: (Accumulator, BlockSums),
    /// Every assumption at its central value.
    pub fixed: Option<(Accumulator, BlockSums)>,
}

/// The payload a part's digest covers.
#[derive(Serialize)]
struct Payload<'a> {
    accumulator: &'a Accumulator,
    #[serde(with = "crate::stats::float::block_sums")]
    block_sums: &'a BlockSums,
    #[serde(skip_serializing_if = "Option::is_none")]
    fixed: Option<&'a FixedPass>,
}

/// SHA-256 (hex) of a part's payload: its accumulator and block sums
/// serialized as compact JSON in field order (the same bytes for the same
/// values: floats are written in their shortest round-tripping form).
/// This is the digest of a part without a central-value pass; see
/// [`Partial::payload_digest`] for any part.
pub fn payload_digest(accumulator: &Accumulator, block_sums: &BlockSums) -> String {
    digest_of(accumulator, block_sums, None)
}

fn digest_of(
    accumulator: &Accumulator,
    block_sums: &BlockSums,
    fixed: Option<&FixedPass>,
) -> String {
    let json = serde_json::to_vec(&Payload {
        accumulator,
        block_sums,
        fixed,
    })
    .expect("an accumulator always serializes");
    scenario::fingerprint::hex(&Sha256::digest(&json))
}

impl Partial {
    /// The digest of this part's payload (its accumulator, block sums and
    /// central-value pass); a part without that pass digests as
    /// [`payload_digest`].
    pub fn payload_digest(&self) -> String {
        digest_of(&self.accumulator, &self.block_sums, self.fixed.as_ref())
    }
}

/// Fingerprint of a run: parts with the same one belong together. SHA-256 of
/// the version, block size, seed, paths and the scenario's
/// [`scenario::fingerprint`] (its fields: comments and layout of the text do
/// not matter). Text that does not parse (an edited part) hashes its bytes
/// under another tag, so it can never match a part of a valid scenario.
pub fn fingerprint(scenario_text: &str, config: &RunConfig) -> String {
    let mut h = Sha256::new();
    h.update(env!("CARGO_PKG_VERSION").as_bytes());
    h.update(BLOCK_SIZE.to_le_bytes());
    h.update(config.seed.to_le_bytes());
    h.update(config.paths.to_le_bytes());
    match scenario::parse(scenario_text, "partial") {
        Ok(raw) => h.update(scenario::fingerprint(&raw).as_bytes()),
        Err(_) => {
            h.update(b"unparsed scenario text\0");
            h.update(scenario_text.as_bytes());
        }
    }
    scenario::fingerprint::hex(&h.finalize())
}

/// The central-value variant of a model with assumptions (every assumption
/// at its central value; the same draws), as a plain run makes it.
pub fn fixed_variant(model: &Model) -> Option<Model> {
    (!model.assumptions.is_empty()).then(|| {
        let mut m = model.clone();
        m.assumptions = m.assumptions.fixed();
        m
    })
}

/// Simulate one shard's blocks (a contiguous range of the run's blocks, see
/// [`Plan::shard`]), and for a scenario with assumptions the central-value
/// pass over the same blocks in the same runner call (common random
/// numbers). Returns each pass's accumulator and per-block sums.
///
/// # Errors
/// As [`crate::engine::simulate`].
pub fn simulate_shard(
    model: &Model,
    config: &RunConfig,
    shard: Shard,
    progress: &dyn Progress,
) -> Result<ShardResult> {
    if config.paths == 0 {
        return Err(Error::argument("paths", "must be at least 1"));
    }
    let plan = Plan::shard(config, shard);
    let fixed = fixed_variant(model);
    let mut variants = vec![model];
    variants.extend(fixed.as_ref());
    let mut outcomes = run(&variants, &plan, &|_| NoObserver, progress);
    check_domain(model, &outcomes[0].acc)?;
    let fixed_pass = match &fixed {
        Some(f) => {
            let o = outcomes.pop().expect("one outcome per variant");
            check_domain(f, &o.acc)?;
            Some((o.acc, o.block_sums))
        }
        None => None,
    };
    let main = outcomes.swap_remove(0);
    Ok(ShardResult {
        main: (main.acc, main.block_sums),
        fixed: fixed_pass,
    })
}

/// Merge shard results into the accumulator a single run would have given:
/// counts and histograms add exactly; each target's sum and scaled sum are
/// re-added block by block in block order, as a single run does.
pub fn merge_shards(model: &Model, parts: &[(Accumulator, BlockSums)]) -> Accumulator {
    let mut total = Accumulator::new(model);
    for (acc, _) in parts {
        total.merge(acc);
    }
    let mut blocks: Vec<&(u64, Vec<f64>)> = parts.iter().flat_map(|(_, s)| s.iter()).collect();
    blocks.sort_by_key(|(b, _)| *b);
    for t in total.targets.iter_mut() {
        t.sum = 0.0;
        t.scaled_sum = 0.0;
    }
    let nt = total.targets.len();
    for (_, sums) in blocks {
        for (t, s) in total.targets.iter_mut().zip(sums) {
            t.sum += s;
        }
        for (t, s) in total.targets.iter_mut().zip(&sums[nt..]) {
            t.scaled_sum += s;
        }
    }
    total
}

/// Build a partial from a shard's results.
pub fn partial(
    scenario_text: &str,
    origin: &str,
    config: &RunConfig,
    shard: Shard,
    elapsed_s: f64,
    result: ShardResult,
) -> Partial {
    let fixed = result.fixed.map(|(accumulator, block_sums)| FixedPass {
        accumulator,
        block_sums,
    });
    let (accumulator, block_sums) = result.main;
    let digest = digest_of(&accumulator, &block_sums, fixed.as_ref());
    Partial {
        format: FORMAT.to_string(),
        fingerprint: fingerprint(scenario_text, config),
        shard_index: shard.index,
        shard_count: shard.count,
        paths: config.paths,
        seed: config.seed,
        block_size: BLOCK_SIZE,
        version: env!("CARGO_PKG_VERSION").to_string(),
        origin: origin.to_string(),
        scenario: scenario_text.to_string(),
        elapsed_s,
        accumulator,
        block_sums,
        fixed,
        digest,
    }
}

/// Check one part on its own: its digest, its version and block size, and
/// that its counts are those a shard of its run can give. Returns what is
/// wrong, for a message naming the part.
fn check_part(p: &Partial, model: &Model) -> std::result::Result<(), String> {
    let version = env!("CARGO_PKG_VERSION");
    if p.version != version {
        return Err(format!(
            "written by attain {}, this is attain {version} (merge parts with the version that wrote them)",
            p.version
        ));
    }
    if p.block_size != BLOCK_SIZE {
        return Err(format!(
            "block size {} (this build uses {BLOCK_SIZE})",
            p.block_size
        ));
    }
    if p.digest != p.payload_digest() {
        return Err(
            "its digest does not match its accumulator and block sums (edited or corrupted)".into(),
        );
    }
    check_pass(p, &p.accumulator, &p.block_sums, model)?;
    match (&p.fixed, fixed_variant(model)) {
        (Some(f), Some(fm)) => check_pass(p, &f.accumulator, &f.block_sums, &fm)
            .map_err(|e| format!("its central-value pass: {e}")),
        (None, None) => Ok(()),
        (None, Some(_)) => Err(
            "it has no central-value pass, which its scenario's [[assumptions]] need (written by an earlier build? run the shard again)"
                .into(),
        ),
        (Some(_), None) => {
            Err("it has a central-value pass, but its scenario has no [[assumptions]]".into())
        }
    }
}

/// Check one pass of a part (its accumulator and block sums) against the
/// part's shard and the model the pass ran.
fn check_pass(
    p: &Partial,
    a: &Accumulator,
    block_sums: &BlockSums,
    model: &Model,
) -> std::result::Result<(), String> {
    let nt = model.targets.len();
    if a.targets.len() != nt
        || a.event_paths.len() != model.events.len() * nt
        || a.event_hits.len() != a.event_paths.len()
        || block_sums.iter().any(|(_, s)| s.len() != 2 * nt)
    {
        return Err("its summary does not match its scenario".into());
    }
    let config = RunConfig {
        paths: p.paths,
        seed: p.seed,
    };
    let plan = Plan::shard(
        &config,
        Shard {
            index: p.shard_index,
            count: p.shard_count,
        },
    );
    // Compare lengths first: an edited path count could make the range huge.
    let blocks = block_sums.iter().map(|(b, _)| *b);
    if block_sums.len() as u64 != plan.blocks.end - plan.blocks.start
        || !blocks.eq(plan.blocks.clone())
    {
        return Err(format!(
            "its block sums are not one per block of its range {}..{}",
            plan.blocks.start, plan.blocks.end
        ));
    }
    if a.paths != plan.path_count() {
        return Err(format!(
            "it holds {} paths, shard {}/{} of a {}-path run has {}",
            a.paths,
            p.shard_index,
            p.shard_count,
            p.paths,
            plan.path_count()
        ));
    }
    for (t, (ta, target)) in a.targets.iter().zip(&model.targets).enumerate() {
        let what = |msg: String| format!("target {} ({}): {msg}", t, target.id);
        if ta.hits > a.paths {
            return Err(what(format!("{} hits of {} paths", ta.hits, a.paths)));
        }
        if ta.nonfinite > a.paths {
            return Err(what(format!(
                "{} non-finite values of {} paths",
                ta.nonfinite, a.paths
            )));
        }
        if ta.hits > a.paths - ta.nonfinite {
            return Err(what(format!(
                "{} hits but only {} finite values",
                ta.hits,
                a.paths - ta.nonfinite
            )));
        }
        if ta.hist.count() != a.paths - ta.nonfinite {
            return Err(what(format!(
                "its histogram holds {} values, it has {} finite values",
                ta.hist.count(),
                a.paths - ta.nonfinite
            )));
        }
        // The shard's sum is its block sums added in block order.
        let folded = block_sums.iter().fold(0.0, |s, (_, v)| s + v[t]);
        if folded.to_bits() != ta.sum.to_bits() && !(folded.is_nan() && ta.sum.is_nan()) {
            return Err(what("its sum is not the sum of its block sums".into()));
        }
        if !ta.scaled_sum.is_finite() {
            return Err(what("its scaled sum is not a finite number".into()));
        }
        let folded = block_sums.iter().fold(0.0, |s, (_, v)| s + v[nt + t]);
        if folded.to_bits() != ta.scaled_sum.to_bits() {
            return Err(what(
                "its scaled sum is not the sum of its block scaled sums".into(),
            ));
        }
        if ta.hist.count() > 0 && ta.hist.min() > ta.hist.max() {
            return Err(what("its histogram's minimum exceeds its maximum".into()));
        }
    }
    let fewest_hits = a.targets.iter().map(|t| t.hits).min().unwrap_or(a.paths);
    if a.joint_all > a.joint_headline || a.joint_headline > a.paths || a.joint_all > fewest_hits {
        return Err(format!(
            "joint counts {} (all) and {} (headline) do not fit {} paths",
            a.joint_all, a.joint_headline, a.paths
        ));
    }
    for (i, (&with, &hits)) in a.event_paths.iter().zip(&a.event_hits).enumerate() {
        if hits > with || with > a.paths || hits > a.targets[i % nt].hits {
            return Err(format!(
                "event {} / target {}: {hits} hits of {with} paths with the event, {} hits and {} paths in all",
                model.events[i / nt].id,
                model.targets[i % nt].id,
                a.targets[i % nt].hits,
                a.paths
            ));
        }
    }
    Ok(())
}

/// Check that `parts` form one complete run and merge them into its report.
///
/// # Errors
/// `Argument` naming `PARTS` when parts are missing, repeated, from different
/// runs, of another format, or inconsistent with their scenario.
pub fn merge(parts: Vec<(String, Partial)>) -> Result<Report> {
    let bad = |msg: String| Error::argument("PARTS", msg);
    let Some((first_name, first)) = parts.first() else {
        return Err(bad("no partial files given".into()));
    };
    for (name, p) in &parts {
        if p.format != FORMAT {
            return Err(bad(format!(
                "{name}: not an attain partial (format {:?}, expected {FORMAT:?})",
                p.format
            )));
        }
        if p.fingerprint != first.fingerprint {
            return Err(bad(format!(
                "{name} belongs to a different run than {first_name} (fingerprints differ: \
                 scenario, seed, paths or version are not the same)"
            )));
        }
        if p.shard_count != first.shard_count {
            return Err(bad(format!(
                "{name} is one of {} shards, {first_name} one of {}",
                p.shard_count, first.shard_count
            )));
        }
        if p.fingerprint
            != fingerprint(
                &p.scenario,
                &RunConfig {
                    paths: p.paths,
                    seed: p.seed,
                },
            )
        {
            return Err(bad(format!(
                "{name}: its fingerprint does not match its contents (edited or corrupted)"
            )));
        }
    }
    let n = first.shard_count;
    let mut seen = vec![None; n as usize];
    for (name, p) in &parts {
        let slot = seen.get_mut(p.shard_index as usize).ok_or_else(|| {
            bad(format!(
                "{name}: shard {} of {n} is out of range",
                p.shard_index
            ))
        })?;
        if let Some(prev) = slot.replace(name.clone()) {
            return Err(bad(format!(
                "shard {}/{n} given twice: {prev} and {name}",
                p.shard_index
            )));
        }
    }
    let missing: Vec<String> = seen
        .iter()
        .enumerate()
        .filter(|(_, s)| s.is_none())
        .map(|(i, _)| format!("{i}/{n}"))
        .collect();
    if !missing.is_empty() {
        return Err(bad(format!("missing shard(s) {}", missing.join(", "))));
    }

    let scenario = scenario::load(&first.scenario, &first.origin)?;
    let (model, warnings) = Model::compile(&scenario, &first.origin)?;
    for (name, p) in &parts {
        check_part(p, &model).map_err(|e| bad(format!("{name}: {e}")))?;
    }
    // Each part holds exactly its own range of blocks (checked above), and
    // the shard indices are distinct, so no block is in two parts; check it
    // anyway, as the merge relies on it.
    let mut owner = std::collections::HashMap::new();
    for (name, p) in &parts {
        for (b, _) in &p.block_sums {
            if let Some(prev) = owner.insert(*b, name) {
                return Err(bad(format!("block {b} is in both {prev} and {name}")));
            }
        }
    }
    let expected_paths: u64 = parts
        .iter()
        .map(|(_, p)| p.accumulator.paths)
        .fold(0u64, u64::saturating_add);
    if expected_paths != first.paths {
        return Err(bad(format!(
            "the parts hold {expected_paths} paths, the run had {}",
            first.paths
        )));
    }
    let config = RunConfig {
        paths: first.paths,
        seed: first.seed,
    };
    let elapsed: f64 = parts.iter().map(|(_, p)| p.elapsed_s).sum();
    // Merge in shard order, whatever order the files were given in.
    let mut parts = parts;
    parts.sort_by_key(|(_, p)| p.shard_index);
    let mut results: Vec<(Accumulator, BlockSums)> = vec![];
    let mut fixed_results: Vec<(Accumulator, BlockSums)> = vec![];
    for (_, p) in parts {
        results.push((p.accumulator, p.block_sums));
        if let Some(f) = p.fixed {
            fixed_results.push((f.accumulator, f.block_sums));
        }
    }
    let total = merge_shards(&model, &results);
    let mut report = Report::build(&model, &total, &config, elapsed, 0, warnings);
    // Every part carries the central-value pass exactly when the scenario
    // has assumptions (checked above).
    if let Some(fm) = fixed_variant(&model) {
        let fixed_total = merge_shards(&fm, &fixed_results);
        report.add_assumption_split(&total, &fixed_total);
    }
    Ok(report)
}
