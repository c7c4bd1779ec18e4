//! A self-contained HTML report: one file with inline CSS and inline SVG
//! charts, no script and no reference to anything outside it, so that it can
//! be e-mailed and opened offline.
//!
//! Every piece of text that comes from the scenario (labels, sources,
//! descriptions, ids) goes through `html-escape`; charts are SVG documents
//! produced by [`crate::charts`], whose text is escaped by plotters.

use std::fmt::Write;

use html_escape::{encode_double_quoted_attribute as attr, encode_text as text};

use super::format::{num, pct, short};
use super::table::condition;
use super::{Report, TargetResult};
use crate::scenario::{RawScenario, ShockDist};

/// The charts of one target, as SVG documents.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TargetCharts {
    /// Target id.
    pub id: String,
    /// Fan chart of the target's indicator, when available.
    pub fan: Option<String>,
    /// Outcome distribution in the target year.
    pub distribution: Option<String>,
}

/// Everything the HTML report shows.
#[derive(Debug, Clone, Copy)]
pub struct HtmlInput<'a> {
    /// The run's report.
    pub report: &'a Report,
    /// The scenario as written (assumptions and their sources).
    pub scenario: &'a RawScenario,
    /// Where the scenario was read from.
    pub origin: &'a str,
    /// Charts per target (targets without an entry get none).
    pub charts: &'a [TargetCharts],
    /// When the report was made, as it should be printed (the library reads
    /// no clock).
    pub generated: &'a str,
    /// Extra remarks for the run section (for example, charts left out).
    pub notes: &'a [String],
}

const CSS: &str = r#"
:root { --ink:#222; --muted:#666; --line:#ddd; --met:#2ca02c; --toss:#e6a117; --miss:#d62728; --accent:#1f77b4; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust:100%; text-size-adjust:100%; }
body { margin:0; background:#f6f6f4; color:var(--ink);
  font: 15px/1.5 "Noto Sans CJK SC","Source Han Sans SC","Microsoft YaHei","PingFang SC",system-ui,-apple-system,"Segoe UI",Roboto,sans-serif; }
main { max-width:1180px; margin:0 auto; padding:28px 32px 48px; background:#fff; overflow-wrap:break-word; }
h1 { font-size:26px; margin:0 0 4px; }
h2 { font-size:20px; margin:36px 0 10px; padding-bottom:4px; border-bottom:2px solid var(--line); }
h3 { font-size:16px; margin:22px 0 8px; }
h1, h2, h3 { break-after:avoid; page-break-after:avoid; }
p { margin:6px 0; }
.sub, .muted, figcaption, .source { color:var(--muted); }
.source { font-size:13px; }
.desc { white-space:pre-wrap; font-size:14px; color:#444; background:#fafafa; border-left:3px solid var(--line); padding:8px 12px; }
.joint { display:flex; gap:16px; flex-wrap:wrap; margin:14px 0; }
.card { flex:1 1 240px; min-width:0; border:1px solid var(--line); border-radius:6px; padding:12px 16px; }
.card .big { font-size:28px; font-weight:700; }
.scroll { overflow-x:auto; max-width:100%; }
table { border-collapse:collapse; width:100%; font-size:14px; margin:6px 0 12px; }
th, td { text-align:left; padding:5px 8px; border-bottom:1px solid var(--line); vertical-align:top; }
th { background:#f0f0ee; font-weight:600; white-space:nowrap; }
tr { break-inside:avoid; page-break-inside:avoid; }
thead { display:table-header-group; }
tbody tr:nth-child(even) { background:#fbfbfa; }
td.num, th.num { text-align:right; white-space:nowrap; font-variant-numeric:tabular-nums; }
td.nowrap { white-space:nowrap; }
.zh { display:block; }
.en { display:block; color:var(--muted); font-size:13px; }
.star { color:var(--toss); }
.bar { display:inline-block; width:70px; height:9px; background:#eee; border-radius:2px; margin-left:6px; vertical-align:middle; position:relative; }
.bar > span { position:absolute; left:0; top:0; bottom:0; background:var(--accent); border-radius:2px; }
.verdict { display:inline-block; padding:1px 8px; border-radius:10px; font-size:13px; white-space:nowrap; }
.v-met { background:#e3f4e3; color:#1d6b1d; }
.v-toss { background:#fdf1d6; color:#8a5a00; }
.v-miss { background:#fbe3e3; color:#9b1c1c; }
.v-none { background:#eee; color:#444; }
figure { margin:18px 0 28px; break-inside:avoid; page-break-inside:avoid; }
figure svg { display:block; width:100%; max-width:100%; height:auto; border:1px solid #eee; margin:6px 0; }
figcaption { font-size:14px; }
.charts-pair { display:flex; flex-wrap:wrap; gap:8px; }
.charts-pair > div { flex:1 1 520px; min-width:0; max-width:640px; }
dl.meta { display:grid; grid-template-columns:max-content minmax(0,1fr); gap:2px 18px; font-size:14px; }
dl.meta dt { color:var(--muted); }
dl.meta dd { margin:0; min-width:0; }
code { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size:13px; overflow-wrap:anywhere; }
.warn { color:#9b1c1c; }
footer { margin-top:36px; font-size:13px; color:var(--muted); }
@media (max-width: 720px) {
  main { padding:16px 12px 32px; }
  h1 { font-size:22px; }
  h2 { font-size:18px; margin-top:28px; }
  .card { flex-basis:100%; }
  dl.meta { grid-template-columns:minmax(0,1fr); }
  dl.meta dd { margin-bottom:6px; }
  /* The results table stacks: one block per target, each cell on its own line with its heading. */
  table.stack, table.stack tbody, table.stack tr, table.stack td { display:block; width:100%; }
  table.stack thead { display:none; }
  table.stack tr { border:1px solid var(--line); border-radius:6px; margin:0 0 10px; padding:4px 0; }
  table.stack td { border:0; padding:3px 10px; text-align:left; white-space:normal; display:flex; gap:12px; justify-content:space-between; }
  table.stack td::before { content:attr(data-label); color:var(--muted); font-size:13px; flex:0 0 auto; }
  table.stack td.name { display:block; font-weight:600; }
  table.stack td.name::before { content:none; }
  table.stack td > * { text-align:right; }
  table.stack td.name > * { text-align:left; }
}
@page { margin:14mm 12mm; }
@media print {
  body { background:#fff; font-size:11pt; }
  main { max-width:none; padding:0; }
  .scroll { overflow:visible; }
  table { font-size:9pt; }
  th, td { padding:3px 5px; }
  .joint { break-inside:avoid; }
  /* One target per page: its fan and its distribution, one above the other. */
  #charts > h2 { break-before:page; }
  figure { break-before:page; margin:0; }
  #charts > h2 + figure { break-before:avoid; }
  .charts-pair { display:block; }
  .charts-pair > div { max-width:none; }
  figure svg { width:auto; max-width:100%; max-height:112mm; margin:2mm auto; border:0; }
  section#assumptions > h2 { break-before:page; }
  a { color:inherit; text-decoration:none; }
}
"#;

fn verdict_class(v: &str) -> &'static str {
    match v {
        "virtually certain" | "very likely" | "likely" => "v-met",
        "about as likely as not" => "v-toss",
        "unlikely" | "very unlikely" | "exceptionally unlikely" => "v-miss",
        _ => "v-none",
    }
}

/// A label pair: local label on top, English below.
fn labels(label: &str, label_zh: Option<&str>) -> String {
    match label_zh {
        Some(zh) if !zh.is_empty() => format!(
            "<span class=\"zh\">{}</span><span class=\"en\">{}</span>",
            text(zh),
            text(label)
        ),
        _ => format!("<span class=\"zh\">{}</span>", text(label)),
    }
}

fn opt(s: Option<&str>) -> String {
    s.map(|s| text(s).into_owned()).unwrap_or_default()
}

/// An inline SVG document, without an XML declaration.
fn inline_svg(svg: &str) -> &str {
    match svg.find("<svg") {
        Some(at) => &svg[at..],
        None => "",
    }
}

/// Render the report as one HTML document.
pub fn render(input: &HtmlInput) -> String {
    let r = input.report;
    let raw = input.scenario;
    let mut h = String::with_capacity(64 * 1024);
    let region = match &r.scenario.region_zh {
        Some(zh) => format!("{} {}", r.scenario.region, zh),
        None => r.scenario.region.clone(),
    };
    let _ = writeln!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"attain {}\">\n<title>{} — attain report</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>",
        text(&r.run.version),
        text(&r.scenario.name)
    );

    // Header.
    let _ = writeln!(
        h,
        "<header>\n<h1>{}</h1>\n<p class=\"sub\">{} · base year {} · {} simulated year{} · {} paths</p>",
        text(&r.scenario.name),
        text(&region),
        r.scenario.base_year,
        r.scenario.horizon,
        if r.scenario.horizon == 1 { "" } else { "s" },
        r.run.paths
    );
    if let Some(s) = &raw.scenario.source {
        let _ = writeln!(h, "<p class=\"source\">Targets from: {}</p>", text(s));
    }
    if let Some(o) = &r.scenario.observed {
        // A nowcast: say what every path was made to reproduce.
        let mut items: Vec<String> = o
            .values
            .iter()
            .map(|v| {
                let how = match v.share {
                    None => "reproduced on every path".to_string(),
                    Some(s) => format!("{}% of the year", num(100.0 * s)),
                };
                format!(
                    "<code>{}</code> {} through Q{} ({how})",
                    text(&v.indicator),
                    num(v.value),
                    v.quarter
                )
            })
            .collect();
        items.extend(
            o.events
                .iter()
                .map(|e| format!("<code>{}</code> began in Q{}", text(&e.id), e.start_quarter)),
        );
        let _ = writeln!(
            h,
            "<p class=\"source\">Conditioned on {} published quarter{} of {}: {}</p>",
            o.quarters,
            if o.quarters == 1 { "" } else { "s" },
            r.scenario.base_year + 1,
            items.join("; ")
        );
    }
    h.push_str("</header>\n");

    // Headline.
    h.push_str(
        "<section id=\"headline\">\n<h2>Will the targets be met?</h2>\n<div class=\"joint\">\n",
    );
    if r.joint.targets.is_empty() {
        let _ = writeln!(
            h,
            "<div class=\"card\"><div class=\"muted\">Every target met together</div><div class=\"big\">{}</div></div>",
            pct(r.joint.all_probability)
        );
    } else {
        let _ = writeln!(
            h,
            "<div class=\"card\"><div class=\"muted\">{}</div>\
             <div class=\"big\">{}</div><div class=\"muted\">95% CI {}–{}</div></div>\n\
             <div class=\"card\"><div class=\"muted\">Every one of the {} targets met</div><div class=\"big\">{}</div></div>",
            match r.joint.targets.len() {
                1 => "The 1 headline target met".to_string(),
                n => format!("All {n} headline targets met together"),
            },
            pct(r.joint.probability),
            pct(r.joint.ci95[0]),
            pct(r.joint.ci95[1]),
            r.targets.len(),
            pct(r.joint.all_probability)
        );
    }
    if r.headline_expected_met.of > 0 {
        let e = &r.headline_expected_met;
        let _ = writeln!(
            h,
            "<div class=\"card\"><div class=\"muted\">Headline targets met, expected</div>\
             <div class=\"big\">{} of {}</div><div class=\"muted\">standard error {}</div></div>",
            num(e.mean),
            e.of,
            num(e.se)
        );
    }
    h.push_str(&at_risk_card(r));
    h.push_str("</div>\n");
    h.push_str(&headline_table(r));
    h.push_str(
        "<p class=\"muted\">P(met): share of simulated paths on which the target is attained. \
         95% CI: Monte Carlo error only (Wilson interval), not model error. \
         Verdicts use the IPCC likelihood scale. ★ headline target (counts towards the joint probability).</p>\n",
    );
    h.push_str(&joints_table(r));
    h.push_str(&excused_table(r, raw));
    h.push_str(&split_table(r));
    h.push_str("</section>\n");

    // Charts.
    if input
        .charts
        .iter()
        .any(|c| c.fan.is_some() || c.distribution.is_some())
    {
        h.push_str("<section id=\"charts\">\n<h2>Charts</h2>\n");
        for t in &r.targets {
            let Some(c) = input.charts.iter().find(|c| c.id == t.id) else {
                continue;
            };
            if c.fan.is_none() && c.distribution.is_none() {
                continue;
            }
            let _ = writeln!(
                h,
                "<figure id=\"chart-{}\">\n<h3>{}</h3>\n<div class=\"charts-pair\">",
                attr(&t.id),
                title_of(t)
            );
            for svg in [&c.fan, &c.distribution].into_iter().flatten() {
                let _ = writeln!(h, "<div>{}</div>", inline_svg(svg));
            }
            let _ = writeln!(
                h,
                "</div>\n<figcaption>{}{}</figcaption>\n</figure>",
                match &t.wording {
                    Some(w) => format!("As worded: “{}”. ", text(w)),
                    None => String::new(),
                },
                text(&format!(
                    "Met if {} in {}: P(met) {}.",
                    condition(t),
                    t.year,
                    pct(t.probability)
                ))
            );
        }
        h.push_str("</section>\n");
    }

    h.push_str(&assumptions(r, raw));
    h.push_str(&run_section(input));
    let _ = writeln!(
        h,
        "<footer>Made by attain {} from <code>{}</code>. The probabilities are conditional on the \
         scenario's assumptions above; change them and run again to see how much they matter.</footer>\n\
         </main>\n</body>\n</html>",
        text(&r.run.version),
        text(input.origin)
    );
    h
}

fn title_of(t: &TargetResult) -> String {
    match &t.label_zh {
        Some(zh) => format!(
            "{} · {} <span class=\"muted\">({})</span>",
            text(zh),
            text(&t.label),
            t.year
        ),
        None => format!(
            "{} <span class=\"muted\">({})</span>",
            text(&t.label),
            t.year
        ),
    }
}

fn at_risk_card(r: &Report) -> String {
    let mut h = String::from("<div class=\"card\"><div class=\"muted\">Most at risk</div><ul>\n");
    for t in r.most_at_risk(3) {
        let _ = write!(
            h,
            "<li><a href=\"#target-{}\">{}</a> {}",
            attr(&t.id),
            text(t.label_zh.as_deref().unwrap_or(&t.label)),
            pct(t.probability)
        );
        if let Some(d) = r.worst_driver(&t.id) {
            let _ = write!(
                h,
                "<br><span class=\"muted\">if “{}” happens ({} of paths): {}, otherwise {}</span>",
                text(&d.event_label),
                pct(d.event_share),
                pct(d.probability_with.unwrap_or(f64::NAN)),
                pct(d.probability_without.unwrap_or(f64::NAN))
            );
        }
        h.push_str("</li>\n");
    }
    h.push_str("</ul></div>\n");
    h
}

/// A target's label for lists (English, or the local label alone).
fn target_label(r: &Report, id: &str) -> String {
    r.targets
        .iter()
        .find(|t| t.id == id)
        .map_or_else(|| id.to_string(), |t| t.label.clone())
}

/// `[[joints]]`: each named set's probability of being met together.
fn joints_table(r: &Report) -> String {
    if r.joints.is_empty() {
        return String::new();
    }
    let mut h = String::from(
        "<h3 id=\"joints\">Sets of targets met together</h3>\n<div class=\"scroll\"><table class=\"joints stack\">\n\
         <thead><tr><th>Set</th><th>Targets</th><th class=\"num\">P(all met)</th><th class=\"num\">95% CI</th></tr></thead>\n<tbody>\n",
    );
    for j in &r.joints {
        let members: Vec<String> = j.targets.iter().map(|t| target_label(r, t)).collect();
        let _ = writeln!(
            h,
            "<tr id=\"joint-{}\"><td class=\"name\">{}<span class=\"en\"><code>{}</code></span></td>\
             <td data-label=\"Targets\"><span>{}</span></td><td class=\"num\" data-label=\"P(all met)\"><b>{}</b></td>\
             <td class=\"num\" data-label=\"95% CI\">{}–{}</td></tr>",
            attr(&j.id),
            text(&j.label),
            text(&j.id),
            text(&members.join("; ")),
            pct(j.probability),
            pct(j.ci95[0]),
            pct(j.ci95[1])
        );
    }
    h.push_str("</tbody>\n</table></div>\n");
    h
}

/// Conditional targets (`excused_by`): P(met) beside P(met or excused).
fn excused_table(r: &Report, raw: &RawScenario) -> String {
    let rows: Vec<&TargetResult> = r
        .targets
        .iter()
        .filter(|t| t.probability_excused.is_some())
        .collect();
    if rows.is_empty() {
        return String::new();
    }
    let mut h = String::from(
        "<h3 id=\"excused\">Targets excused by an event</h3>\n<div class=\"scroll\"><table class=\"excused stack\">\n\
         <thead><tr><th>Target</th><th>Excused if</th><th class=\"num\">P(met)</th>\
         <th class=\"num\">P(met or excused)</th><th class=\"num\">95% CI</th></tr></thead>\n<tbody>\n",
    );
    for t in rows {
        let events: Vec<String> = raw
            .targets
            .iter()
            .find(|x| x.id == t.id)
            .map(|x| x.excused_by.as_slice())
            .unwrap_or_default()
            .iter()
            .map(|id| {
                raw.events
                    .iter()
                    .find(|e| &e.id == id)
                    .map_or_else(|| id.clone(), |e| e.label.clone())
            })
            .collect();
        let ci = t.ci95_excused.unwrap_or([f64::NAN, f64::NAN]);
        let _ = writeln!(
            h,
            "<tr><td class=\"name\">{}<span class=\"en\"><code>{}</code></span></td>\
             <td data-label=\"Excused if\"><span>{}</span></td><td class=\"num\" data-label=\"P(met)\">{}</td>\
             <td class=\"num\" data-label=\"P(met or excused)\"><b>{}</b></td><td class=\"num\" data-label=\"95% CI\">{}–{}</td></tr>",
            labels(&t.label, t.label_zh.as_deref()),
            text(&t.id),
            text(&events.join(" or ")),
            pct(t.probability),
            pct(t.probability_excused.unwrap_or(f64::NAN)),
            pct(ci[0]),
            pct(ci[1])
        );
    }
    h.push_str(
        "</tbody>\n</table></div>\n<p class=\"muted\">A conditional target (“in a normal year”) is also read as met when \
         the named event occurs by its year.</p>\n",
    );
    h
}

/// The assumption split: how much of each target's spread comes from the
/// uncertain assumptions, and P(met) with them at their central values.
fn split_table(r: &Report) -> String {
    let rows: Vec<(&TargetResult, f64, f64)> = r
        .targets
        .iter()
        .filter_map(|t| Some((t, t.assumption_share?, t.probability_fixed?)))
        .collect();
    if rows.is_empty() {
        return String::new();
    }
    let shown: Vec<&(&TargetResult, f64, f64)> =
        rows.iter().filter(|(_, share, _)| *share > 0.0).collect();
    let mut h = String::from("<h3 id=\"split\">Assumptions against shocks and events</h3>\n");
    if !shown.is_empty() {
        h.push_str(
            "<div class=\"scroll\"><table class=\"split stack\">\n\
             <thead><tr><th>Target</th><th class=\"num\">Spread from assumptions</th>\
             <th class=\"num\">P(met)</th><th class=\"num\">P(met), assumptions at central values</th></tr></thead>\n<tbody>\n",
        );
        for (t, share, fixed) in &shown {
            let _ = writeln!(
                h,
                "<tr><td class=\"name\">{}<span class=\"en\"><code>{}</code></span></td>\
                 <td class=\"num\" data-label=\"Spread from assumptions\"><span><b>{}</b><span class=\"bar\"><span style=\"width:{:.1}%\"></span></span></span></td>\
                 <td class=\"num\" data-label=\"P(met)\">{}</td><td class=\"num\" data-label=\"P(met), assumptions at central values\">{}</td></tr>",
                labels(&t.label, t.label_zh.as_deref()),
                text(&t.id),
                pct(*share),
                (100.0 * share).clamp(0.0, 100.0),
                pct(t.probability),
                pct(*fixed)
            );
        }
        h.push_str("</tbody>\n</table></div>\n");
    }
    let others = rows.len() - shown.len();
    let _ = writeln!(
        h,
        "<p class=\"muted\">Spread from assumptions: the share of the variance of the target's margin (value − threshold) \
         that goes when every uncertain assumption sits at its central value (same paths, same draws); the rest comes from \
         the shocks and events.{}</p>",
        match others {
            0 => String::new(),
            1 => " The other target does not depend on the assumptions (0%).".to_string(),
            n => format!(" The other {n} targets do not depend on the assumptions (0%)."),
        }
    );
    h
}

fn headline_table(r: &Report) -> String {
    let mut h = String::from(
        "<div class=\"scroll\"><table class=\"targets stack\">\n<thead><tr><th>Target</th><th>Year</th><th class=\"num\">Official</th>\
         <th>Met if</th><th class=\"num\">P(met)</th><th class=\"num\">95% CI</th>\
         <th class=\"num\">p05 · median · p95</th><th>Verdict</th></tr></thead>\n<tbody>\n",
    );
    for t in &r.targets {
        let unit = if t.unit.is_empty() {
            String::new()
        } else {
            format!(" {}", t.unit)
        };
        let official = match t.relative_to_label.as_ref().or(t.relative_to.as_ref()) {
            Some(rel) => format!("= {rel}"),
            None => format!("{}{}", short(t.threshold), unit),
        };
        let width = if t.probability.is_finite() {
            (100.0 * t.probability).clamp(0.0, 100.0)
        } else {
            0.0
        };
        let _ = writeln!(
            h,
            "<tr id=\"target-{}\"><td class=\"name\">{}<span class=\"en\">{}<code>{}</code></span></td><td data-label=\"Year\">{}</td>\
             <td class=\"num\" data-label=\"Official\">{}</td><td class=\"nowrap\" data-label=\"Met if\"><span>{}</span></td>\
             <td class=\"num\" data-label=\"P(met)\"><span><b>{}</b><span class=\"bar\"><span style=\"width:{:.1}%\"></span></span></span></td>\
             <td class=\"num\" data-label=\"95% CI\">{}–{}</td><td class=\"num\" data-label=\"p05 · median · p95\">{} · {} · {}</td>\
             <td data-label=\"Verdict\"><span class=\"verdict {}\">{}</span></td></tr>",
            attr(&t.id),
            labels(&t.label, t.label_zh.as_deref()),
            if t.headline {
                "<span class=\"star\" title=\"headline target\">★</span> "
            } else {
                ""
            },
            text(&t.id),
            t.year,
            text(&official),
            text(&condition(t)),
            pct(t.probability),
            width,
            pct(t.ci95[0]),
            pct(t.ci95[1]),
            num(t.quantiles.p05),
            num(t.quantiles.p50),
            num(t.quantiles.p95),
            verdict_class(&t.verdict),
            text(&t.verdict)
        );
    }
    h.push_str("</tbody>\n</table></div>\n");
    h
}

fn assumptions(r: &Report, raw: &RawScenario) -> String {
    let mut h = String::from("<section id=\"assumptions\">\n<h2>Assumptions</h2>\n");
    if let Some(d) = &raw.scenario.description {
        let _ = writeln!(h, "<div class=\"desc\">{}</div>", text(d.trim()));
    }

    let unit = raw.scenario.value_unit.as_deref().unwrap_or("");
    let _ = writeln!(
        h,
        "<h3>Sectors</h3>\n<p class=\"muted\">Base year {}: value added {} {} in all.</p>\n\
         <div class=\"scroll\"><table>\n<thead><tr><th>Sector</th><th class=\"num\">Value added ({})</th><th class=\"num\">Share</th>\
         <th class=\"num\">Growth %</th><th class=\"num\">Volatility pp</th><th class=\"num\">Persistence</th>\
         <th>Loadings on shocks (pp)</th><th>Source</th></tr></thead>\n<tbody>",
        r.baseline.year,
        short(r.baseline.gdp),
        text(unit),
        text(unit)
    );
    let total: f64 = raw.sectors.iter().map(|s| s.value_added).sum();
    for s in &raw.sectors {
        let loadings: Vec<String> = s
            .loadings
            .iter()
            .map(|(k, v)| format!("{} {}", text(k), short(*v)))
            .collect();
        let _ = writeln!(
            h,
            "<tr><td>{}<span class=\"en\"><code>{}</code></span></td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
             <td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td><td class=\"source\">{}</td></tr>",
            labels(&s.label, s.label_zh.as_deref()),
            text(&s.id),
            short(s.value_added),
            if total > 0.0 {
                pct(s.value_added / total)
            } else {
                "n/a".into()
            },
            s.growth.format_with(short),
            s.volatility.format_with(short),
            short(s.persistence),
            loadings.join(", "),
            opt(s.source.as_deref())
        );
    }
    h.push_str("</tbody>\n</table></div>\n");

    if !raw.shocks.is_empty() {
        h.push_str(
            "<h3>Common shocks</h3>\n<div class=\"scroll\"><table>\n<thead><tr><th>Shock</th><th>Distribution</th><th>Source</th></tr></thead>\n<tbody>\n",
        );
        for s in &raw.shocks {
            let dist = match ShockDist::of_raw(s) {
                Some(ShockDist::Gaussian) => "gaussian".to_string(),
                Some(ShockDist::StudentT { df }) => {
                    format!("Student t, {} degrees of freedom", short(df))
                }
                Some(ShockDist::TwoPiece { down, up }) => {
                    format!("two-piece: down {}, up {}", short(down), short(up))
                }
                // Not reached for a validated scenario: show what is written.
                None => s.distribution.clone().unwrap_or_default(),
            };
            let _ = writeln!(
                h,
                "<tr><td>{}<span class=\"en\"><code>{}</code></span></td><td>{}</td><td class=\"source\">{}</td></tr>",
                labels(&s.label, s.label_zh.as_deref()),
                text(&s.id),
                text(&dist),
                opt(s.source.as_deref())
            );
        }
        h.push_str("</tbody>\n</table></div>\n");
        if let Some(c) = &raw.shock_correlation {
            let _ = writeln!(
                h,
                "<p class=\"source\">Correlation of the shocks ({} × {} matrix{}): {}</p>",
                c.order.len(),
                c.order.len(),
                if c.repair { ", repaired if needed" } else { "" },
                opt(c.source.as_deref())
            );
        }
    }

    if !raw.events.is_empty() {
        h.push_str(
            "<h3>Rare events</h3>\n<div class=\"scroll\"><table>\n<thead><tr><th>Event</th><th class=\"num\">P(start) per quarter</th>\
             <th class=\"num\">Lasts (quarters)</th><th>May start in</th><th class=\"num\">Recovery</th>\
             <th>Impacts while it lasts</th><th>Source</th></tr></thead>\n<tbody>\n",
        );
        for e in &raw.events {
            let quarters = match &e.quarters {
                Some(q) => q
                    .iter()
                    .map(|q| format!("Q{q}"))
                    .collect::<Vec<_>>()
                    .join(", "),
                None => "any quarter".into(),
            };
            let impacts: Vec<String> = e
                .impacts
                .iter()
                .map(|i| match (&i.sector, &i.indicator) {
                    (Some(s), _) => format!("{} {}%", text(s), i.size.format_with(short)),
                    (_, Some(ind)) => {
                        format!("{} {}", text(ind), i.size.format_with(|x| format!("{x:+}")))
                    }
                    _ => String::new(),
                })
                .collect();
            let _ = writeln!(
                h,
                "<tr><td>{}<span class=\"en\"><code>{}</code></span></td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
                 <td>{}</td><td class=\"num\">{}</td><td>{}</td><td class=\"source\">{}</td></tr>",
                labels(&e.label, e.label_zh.as_deref()),
                text(&e.id),
                e.probability.format_with(short),
                e.duration,
                quarters,
                pct(e.recovery.unwrap_or(1.0)),
                impacts.join(", "),
                opt(e.source.as_deref())
            );
        }
        h.push_str("</tbody>\n</table></div>\n");
    }

    h.push_str(
        "<h3>Targets as written</h3>\n<div class=\"scroll\"><table>\n<thead><tr><th>Target</th><th>Indicator</th><th>Wording</th><th>Source</th></tr></thead>\n<tbody>\n",
    );
    for t in &raw.targets {
        let _ = writeln!(
            h,
            "<tr><td>{}<span class=\"en\"><code>{}</code></span></td><td><code>{}</code></td><td>{}</td><td class=\"source\">{}</td></tr>",
            labels(&t.label, t.label_zh.as_deref()),
            text(&t.id),
            text(&t.indicator),
            opt(t.wording.as_deref()),
            opt(t.source.as_deref())
        );
    }
    h.push_str("</tbody>\n</table></div>\n");

    let sourced: Vec<_> = raw
        .indicators
        .iter()
        .filter(|i| i.source.is_some())
        .collect();
    if !sourced.is_empty() {
        h.push_str(
            "<h3>Indicators</h3>\n<div class=\"scroll\"><table>\n<thead><tr><th>Indicator</th><th>Kind</th><th>Source</th></tr></thead>\n<tbody>\n",
        );
        for i in sourced {
            let _ = writeln!(
                h,
                "<tr><td>{}<span class=\"en\"><code>{}</code></span></td><td>{}</td><td class=\"source\">{}</td></tr>",
                labels(&i.label, i.label_zh.as_deref()),
                text(&i.id),
                text(&i.kind),
                opt(i.source.as_deref())
            );
        }
        h.push_str("</tbody>\n</table></div>\n");
    }
    h.push_str("</section>\n");
    h
}

fn run_section(input: &HtmlInput) -> String {
    let run = &input.report.run;
    let mut h = String::from(
        "<section id=\"run\">\n<h2>How the numbers were made</h2>\n<dl class=\"meta\">\n",
    );
    let rows = [
        (
            "Scenario file",
            format!("<code>{}</code>", text(input.origin)),
        ),
        ("Paths", run.paths.to_string()),
        ("Seed", run.seed.to_string()),
        (
            "Random numbers",
            format!(
                "{}, {} per path, blocks of {} paths",
                text(&run.rng),
                run.draws_per_path,
                run.block_size
            ),
        ),
        (
            "Threads",
            format!("{} (results do not depend on it)", run.threads),
        ),
        ("Simulation time", format!("{:.2} s", run.elapsed_s)),
        ("attain version", text(&run.version).into_owned()),
        ("Generated", text(input.generated).into_owned()),
    ];
    for (k, v) in rows {
        let _ = writeln!(h, "<dt>{k}</dt><dd>{v}</dd>");
    }
    h.push_str("</dl>\n");
    let _ = writeln!(
        h,
        "<p class=\"muted\">Same scenario, seed and paths give the same numbers: \
         <code>attain report {} --paths {} --seed {}</code></p>",
        text(input.origin),
        run.paths,
        run.seed
    );
    for w in &input.report.warnings {
        let _ = writeln!(h, "<p class=\"warn\">warning: {}</p>", text(w));
    }
    for n in input.notes {
        let _ = writeln!(h, "<p class=\"muted\">{}</p>", text(n));
    }
    h.push_str("</section>\n");
    h
}
