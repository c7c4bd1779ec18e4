//! The SVG charts: valid XML, the expected elements (title with the
//! probability, threshold line, shaded side, bands), no NaN or infinity in
//! any attribute, and the `--charts` / `--chart` flags of the binary.

use crate::common;

use assert_cmd::Command;
use attain::charts::{self, HIGH_SETTING, LINE, LOW_SETTING, MET, MISSED, THRESHOLD, hex};
use attain::engine::{NoProgress, RunConfig, simulate};
use attain::report::Report;
use attain::study as sweep;
use attain::{Model, scenario};

const TWO_SECTOR: &str = repo_file!("tests/fixtures/two-sector.toml");

/// Parse an SVG document, check that it is one, and that every attribute
/// that holds numbers holds finite ones.
fn parse(svg: &str) -> roxmltree::Document<'_> {
    let doc = roxmltree::Document::parse(svg).unwrap_or_else(|e| panic!("not XML: {e}\n{svg}"));
    assert_eq!(doc.root_element().tag_name().name(), "svg");
    for node in doc.descendants().filter(|n| n.is_element()) {
        for a in node.attributes() {
            let v = a.value();
            let lower = v.to_ascii_lowercase();
            assert!(
                !lower.contains("nan") && !lower.contains("inf"),
                "<{} {}=\"{v}\">",
                node.tag_name().name(),
                a.name()
            );
            if matches!(
                a.name(),
                "x" | "y"
                    | "width"
                    | "height"
                    | "cx"
                    | "cy"
                    | "r"
                    | "x1"
                    | "x2"
                    | "y1"
                    | "y2"
                    | "points"
                    | "font-size"
                    | "opacity"
            ) {
                for tok in v.split([' ', ',']).filter(|t| !t.is_empty()) {
                    let x: f64 = tok.parse().unwrap_or_else(|_| {
                        panic!(
                            "<{} {}=\"{v}\">: {tok} is not a number",
                            node.tag_name().name(),
                            a.name()
                        )
                    });
                    assert!(x.is_finite());
                }
            }
        }
    }
    doc
}

fn texts(doc: &roxmltree::Document) -> Vec<String> {
    doc.descendants()
        .filter(|n| n.has_tag_name("text") || n.has_tag_name("title"))
        .map(|n| n.text().unwrap_or("").trim().to_string())
        .collect()
}

fn with_attr<'a, 'i>(
    doc: &'a roxmltree::Document<'i>,
    tag: &str,
    name: &str,
    value: &str,
) -> impl Iterator<Item = roxmltree::Node<'a, 'i>> + use<'a, 'i> {
    let (tag, name, value) = (tag.to_string(), name.to_string(), value.to_string());
    doc.descendants().filter(move |n| {
        n.has_tag_name(tag.as_str()) && n.attribute(name.as_str()) == Some(value.as_str())
    })
}

fn points(n: &roxmltree::Node) -> Vec<(f64, f64)> {
    n.attribute("points")
        .unwrap()
        .split_whitespace()
        .map(|p| {
            let (x, y) = p.split_once(',').unwrap();
            (x.parse().unwrap(), y.parse().unwrap())
        })
        .collect()
}

/// A run of `text` with the report and the accumulator.
fn run(text: &str, paths: u64) -> (Report, attain::stats::Accumulator) {
    let s = scenario::load(text, "test").unwrap();
    let (model, w) = Model::compile(&s, "test").unwrap();
    let config = RunConfig { paths, seed: 7 };
    let acc = simulate(&model, &config, &NoProgress).unwrap();
    (Report::build(&model, &acc, &config, 0.0, 1, w), acc)
}

#[test]
fn outcome_distribution_marks_threshold_and_shades_the_attaining_side() {
    let (report, acc) = run(scenario::EMBEDDED_JILIN_2022, 4096);
    for (i, t) in report.targets.iter().enumerate() {
        let svg = charts::distribution::outcome_svg(t, &acc.targets[i].hist, acc.paths).unwrap();
        let doc = parse(&svg);
        let all = texts(&doc);
        let p = format!("P(met) = {:.1}%", 100.0 * t.probability);
        assert!(
            all.iter().any(|s| s.contains(&p) && s.contains(&t.label)),
            "{}: no title with {p}: {all:?}",
            t.id
        );
        // Bars on both sides when the probability is strictly between 0 and 1.
        let met = with_attr(&doc, "rect", "fill", &hex(MET)).count();
        let missed = with_attr(&doc, "rect", "fill", &hex(MISSED)).count();
        let lines: Vec<_> = with_attr(&doc, "polyline", "stroke", &hex(THRESHOLD)).collect();
        if t.relative_to.is_some() {
            // Judged on a difference the histogram does not hold: nothing shaded.
            assert_eq!((met, missed, lines.len()), (0, 0, 0), "{}", t.id);
            continue;
        }
        assert_eq!(lines.len(), 1, "{}: one threshold line", t.id);
        let pts = points(&lines[0]);
        assert!(
            pts.len() == 2 && pts[0].0 == pts[1].0,
            "{}: vertical {pts:?}",
            t.id
        );
        assert!(
            all.iter()
                .any(|s| s.starts_with("met if ")
                    && s.contains(&attain::report::table::condition(t))),
            "{}: {all:?}",
            t.id
        );
        if t.probability > 0.01 {
            assert!(met > 0, "{}: no attaining bar", t.id);
        }
        if t.probability < 0.99 {
            assert!(missed > 0, "{}: no missing bar", t.id);
        }
        // The attaining bars lie on the attaining side of the line.
        let x_line = pts[0].0;
        for r in with_attr(&doc, "rect", "fill", &hex(MET)) {
            let x: f64 = r.attribute("x").unwrap().parse().unwrap();
            let w: f64 = r.attribute("width").unwrap().parse().unwrap();
            if t.op == "at_least" {
                assert!(x >= x_line - 1.0, "{}: bar at {x} left of {x_line}", t.id);
            } else {
                assert!(
                    x + w <= x_line + 1.0,
                    "{}: bar at {x} right of {x_line}",
                    t.id
                );
            }
        }
    }
}

#[test]
fn about_targets_get_two_bounds_and_chinese_labels_are_kept() {
    let text = TWO_SECTOR.replace(
        "id = \"cpi\"\nlabel = \"CPI\"\nindicator = \"prices\"\nyear = 2022\nop = \"at_most\"\nthreshold = 3.0",
        "id = \"cpi\"\nlabel = \"CPI\"\nlabel_zh = \"居民消费价格\"\nindicator = \"prices\"\nyear = 2022\nop = \"about\"\nthreshold = 2.0\ntolerance = 0.5",
    );
    assert_ne!(text, TWO_SECTOR, "the fixture changed: update this test");
    let (report, acc) = run(&text, 4096);
    let t = &report.targets[1];
    let svg = charts::distribution::outcome_svg(t, &acc.targets[1].hist, acc.paths).unwrap();
    let doc = parse(&svg);
    assert_eq!(
        with_attr(&doc, "polyline", "stroke", &hex(THRESHOLD)).count(),
        2
    );
    let all = texts(&doc);
    assert!(
        all.iter()
            .any(|s| s.contains("居民消费价格") && s.contains("CPI")),
        "{all:?}"
    );
    assert!(
        all.iter().any(|s| s == "≥ 1.5") && all.iter().any(|s| s == "≤ 2.5"),
        "{all:?}"
    );
    // Every text element names fonts that can show Chinese.
    for n in doc.descendants().filter(|n| n.has_tag_name("text")) {
        assert_eq!(n.attribute("font-family"), Some(charts::FONT_FAMILY));
    }
}

#[test]
fn fan_has_two_bands_per_year_a_median_and_the_target() {
    let s = scenario::load(TWO_SECTOR, "test").unwrap();
    let (model, w) = Model::compile(&s, "test").unwrap();
    let config = RunConfig {
        paths: 4096,
        seed: 7,
    };
    let acc = simulate(&model, &config, &NoProgress).unwrap();
    let report = Report::build(&model, &acc, &config, 0.0, 1, w);
    let indicators: Vec<usize> = model.targets.iter().map(|t| t.indicator).collect();
    let fans = attain::fan::simulate_fan(&model, &config, &indicators).unwrap();
    for (k, t) in report.targets.iter().enumerate() {
        let fan = &fans[k];
        assert_eq!(fan.indicator, t.indicator);
        let svg = charts::fan::fan_svg(fan, t, 2021, config.paths).unwrap();
        let doc = parse(&svg);
        // A 90% and a 50% band per piece: per year for a quarterly (growth)
        // indicator, whose year-to-date value restarts each Q1; one for an
        // annual one.
        let pieces = if fan.quarterly { model.meta.horizon } else { 1 };
        let bands: Vec<_> = with_attr(&doc, "polygon", "fill", &hex(LINE)).collect();
        assert_eq!(bands.len(), 2 * pieces, "{}", t.id);
        let outer = bands
            .iter()
            .filter(|b| b.attribute("opacity") == Some(&*charts::fan::OUTER_BAND.to_string()))
            .count();
        assert_eq!(outer, pieces, "{}", t.id);
        let medians = with_attr(&doc, "polyline", "stroke", &hex(LINE)).count();
        assert_eq!(medians, pieces, "{}", t.id);
        // The target: a solid segment over its year.
        let solid: Vec<_> = with_attr(&doc, "polyline", "stroke", &hex(THRESHOLD))
            .filter(|n| n.attribute("opacity") == Some("1"))
            .collect();
        assert_eq!(solid.len(), 1, "{}", t.id);
        let pts = points(&solid[0]);
        assert_eq!(pts[0].1, pts[1].1, "horizontal");
        let all = texts(&doc);
        assert!(
            all.iter()
                .any(|s| s.starts_with(&t.label) || s.contains(&fan.label))
        );
        assert!(
            all.iter()
                .any(|s| s.contains(&format!("target ({})", t.year))),
            "{all:?}"
        );
        // The Q4 median is the run's median (the same paths).
        let q4 = fan
            .points
            .iter()
            .find(|p| p.year == t.year && p.quarter == 4)
            .unwrap();
        assert_eq!(q4.p50, t.quantiles.p50, "{}", t.id);
    }
}

#[test]
fn non_finite_inputs_are_refused_not_drawn() {
    let (mut report, acc) = run(TWO_SECTOR, 1000);
    let t = &mut report.targets[0];
    t.probability = f64::NAN;
    assert!(charts::distribution::outcome_svg(t, &acc.targets[0].hist, 1000).is_err());
    let empty = attain::stats::histogram::LogHistogram::new();
    report.targets[0].probability = 0.5;
    assert!(charts::distribution::outcome_svg(&report.targets[0], &empty, 0).is_err());
}

#[test]
fn tornado_has_a_bar_pair_per_input_and_the_baseline_in_the_title() {
    let s = scenario::load(TWO_SECTOR, "test").unwrap();
    let config = RunConfig {
        paths: 2000,
        seed: 3,
    };
    let result =
        sweep::sensitivity(&s, "test", Some("gdp_growth"), &[], &config, &|_, _| {}).unwrap();
    let svg = charts::tornado::tornado_svg(&result).unwrap();
    let doc = parse(&svg);
    let t = &result.targets[0];
    let bars = t.bars.len().min(charts::tornado::MAX_BARS);
    assert!(bars > 0);
    // One low and one high segment per bar, plus one of each in the legend.
    assert_eq!(
        with_attr(&doc, "rect", "fill", &hex(LOW_SETTING)).count(),
        bars + 1
    );
    assert_eq!(
        with_attr(&doc, "rect", "fill", &hex(HIGH_SETTING)).count(),
        bars + 1
    );
    let all = texts(&doc);
    let baseline = format!("baseline P(met) {:.1}%", 100.0 * t.probability);
    assert!(all.iter().any(|s| s.contains(&baseline)), "{all:?}");
    for b in t.bars.iter().take(bars) {
        assert!(
            all.iter().any(|s| s.starts_with(&b.input)),
            "{}: {all:?}",
            b.input
        );
    }
}

fn sweep_of(sets: &[&str], paths: u64) -> sweep::SweepResult {
    let s = scenario::load(TWO_SECTOR, "test").unwrap();
    let axes: Vec<_> = sets
        .iter()
        .map(|a| {
            let (path, spec) = a.split_once('=').unwrap();
            sweep::Axis {
                path: path.to_string(),
                values: sweep::parse_spec(path, spec).unwrap(),
            }
        })
        .collect();
    let config = RunConfig { paths, seed: 5 };
    sweep::sweep(&s, "test", &axes, &[], &config, &|_, _| {}).unwrap()
}

#[test]
fn one_parameter_sweep_is_a_line_with_a_band_per_target() {
    let result = sweep_of(&["sectors.industry.growth=2:8:4"], 2000);
    let svg = charts::study::sweep_svg(&result).unwrap();
    let doc = parse(&svg);
    let bands: Vec<_> = with_attr(&doc, "polygon", "fill", &hex(LINE)).collect();
    assert_eq!(bands.len(), result.labels.len(), "one band per target");
    for b in &bands {
        // Upper edge then lower edge through the 4 points.
        assert_eq!(points(b).len(), 8);
    }
    let lines = with_attr(&doc, "polyline", "stroke", &hex(LINE)).count();
    assert_eq!(lines, result.labels.len());
    let all = texts(&doc);
    assert!(all.iter().any(|s| s.contains("sectors.industry.growth")));
    for r in &result.rows {
        let p = format!("{:.1}%", 100.0 * r.probability);
        assert!(all.contains(&p), "{p} missing: {all:?}");
    }
}

#[test]
fn two_parameter_sweep_is_a_heat_map_with_a_cell_per_point() {
    let result = sweep_of(
        &[
            "sectors.industry.growth=3,6",
            "events.outage.probability=0,0.1,0.3",
        ],
        1000,
    );
    let svg = charts::study::sweep_svg(&result).unwrap();
    let doc = parse(&svg);
    for r in &result.rows {
        let colour = hex(charts::study::heat(r.probability));
        assert!(
            with_attr(&doc, "rect", "fill", &colour).count() >= 1,
            "no cell coloured {colour} for {r:?}"
        );
    }
    let cells: usize = result.rows.len();
    let labelled = texts(&doc)
        .iter()
        .filter(|s| s.ends_with('%') && !s.contains(' '))
        .count();
    // Every cell's probability, plus each panel's colour bar: 0%, 50%, 100%.
    assert_eq!(labelled, cells + 3 * result.labels.len());
}

#[test]
fn three_parameter_sweeps_are_refused() {
    let result = sweep_of(
        &[
            "sectors.industry.growth=3,6",
            "sectors.services.growth=5,7",
            "events.outage.probability=0,0.1",
        ],
        200,
    );
    assert!(charts::study::sweep_svg(&result).is_err());
}

fn attain() -> Command {
    Command::cargo_bin("attain").unwrap()
}

#[test]
fn run_charts_writes_a_fan_and_a_distribution_per_target() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("charts");
    attain()
        .args([
            "run",
            &common::fixture("two-sector.toml"),
            "--paths",
            "3000",
            "--quiet",
            "--charts",
        ])
        .arg(&out)
        .assert()
        .success();
    for id in ["gdp_growth", "cpi", "jobs_2y"] {
        for kind in ["fan", "distribution"] {
            let svg = std::fs::read_to_string(out.join(format!("{id}-{kind}.svg"))).unwrap();
            parse(&svg);
        }
    }
}

#[test]
fn sweep_and_sensitivity_write_their_chart() {
    let dir = tempfile::tempdir().unwrap();
    let s = dir.path().join("sweep.svg");
    attain()
        .args([
            "sweep",
            &common::fixture("two-sector.toml"),
            "--set",
            "sectors.industry.growth=2,5,8",
            "--paths",
            "1000",
            "--format",
            "csv",
            "--quiet",
            "--chart",
        ])
        .arg(&s)
        .assert()
        .success();
    parse(&std::fs::read_to_string(&s).unwrap());
    let t = dir.path().join("tornado.svg");
    attain()
        .args([
            "sensitivity",
            &common::fixture("two-sector.toml"),
            "--target",
            "cpi",
            "--paths",
            "1000",
            "--format",
            "csv",
            "--quiet",
            "--chart",
        ])
        .arg(&t)
        .assert()
        .success();
    parse(&std::fs::read_to_string(&t).unwrap());
}

#[test]
fn chart_flags_are_checked_before_simulating() {
    let dir = tempfile::tempdir().unwrap();
    let s = dir.path().join("sweep.svg");
    attain()
        .args([
            "sweep",
            &common::fixture("two-sector.toml"),
            "--set",
            "sectors.industry.growth=2,5",
            "--set",
            "sectors.services.growth=2,5",
            "--set",
            "events.outage.probability=0,0.1",
            "--chart",
        ])
        .arg(&s)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("--chart"));
    assert!(!s.exists());
    attain()
        .args(["run", "--precision", "0.01", "--charts"])
        .arg(dir.path())
        .assert()
        .code(2);
}

/// A growth rate has no base-year value: the base year's entry of its
/// `history` is the origin of its fan, which is then joined to history.
#[test]
fn a_growth_fan_starts_from_the_base_year_entry_of_its_history() {
    let subtitle = |history: &str| -> String {
        let text = TWO_SECTOR.replace("of = \"gdp\"\n", &format!("of = \"gdp\"\n{history}\n"));
        let s = scenario::load(&text, "test").unwrap();
        let (model, w) = Model::compile(&s, "test").unwrap();
        let config = RunConfig {
            paths: 1000,
            seed: 7,
        };
        let acc = simulate(&model, &config, &NoProgress).unwrap();
        let report = Report::build(&model, &acc, &config, 0.0, 1, w);
        let g = model
            .indicators
            .iter()
            .position(|i| i.id == "gdp_growth")
            .unwrap();
        let fans = attain::fan::simulate_fan(&model, &config, &[g]).unwrap();
        let t = report
            .targets
            .iter()
            .find(|t| t.indicator == "gdp_growth")
            .unwrap();
        let svg = charts::fan::fan_svg(&fans[0], t, 2021, config.paths).unwrap();
        texts(&parse(&svg))
            .into_iter()
            .find(|s| s.starts_with("1000 paths"))
            .unwrap()
    };
    let with = subtitle("history = { 2020 = 2.125, 2021 = 6.5 }");
    assert!(
        with.starts_with("1000 paths, from 6.5 in 2021 (history from 2020)"),
        "{with}"
    );
    let without = subtitle("history = { 2020 = 2.125 }");
    assert!(!without.contains(" in 2021"), "{without}");
}

/// A fan starts from history: the years before the base year (indicator
/// field `history`, display only) are drawn and labelled; the bands have
/// legend swatches; every quarter of a year-to-date axis is under its year.
#[test]
fn fan_starts_from_history_with_a_legend_and_quarters_under_their_year() {
    let text = TWO_SECTOR.replace(
        "of = \"gdp\"\n",
        "of = \"gdp\"\nhistory = { 2019 = 6.25, 2020 = 2.125 }\n",
    );
    assert_ne!(text, TWO_SECTOR);
    let s = scenario::load(&text, "test").unwrap();
    let plain = scenario::load(TWO_SECTOR, "test").unwrap();
    let (model, w) = Model::compile(&s, "test").unwrap();
    let (model0, _) = Model::compile(&plain, "test").unwrap();
    let config = RunConfig {
        paths: 2000,
        seed: 7,
    };
    let acc = simulate(&model, &config, &NoProgress).unwrap();
    // Display only: the same numbers with and without history.
    let acc0 = simulate(&model0, &config, &NoProgress).unwrap();
    assert_eq!(acc.targets[0].hits, acc0.targets[0].hits);
    let report = Report::build(&model, &acc, &config, 0.0, 1, w);
    let g = model
        .indicators
        .iter()
        .position(|i| i.id == "gdp_growth")
        .unwrap();
    let fans = attain::fan::simulate_fan(&model, &config, &[g]).unwrap();
    assert_eq!(fans[0].history, vec![(2019, 6.25), (2020, 2.125)]);
    let t = report
        .targets
        .iter()
        .find(|t| t.indicator == "gdp_growth")
        .unwrap();
    let svg = charts::fan::fan_svg(&fans[0], t, 2021, config.paths).unwrap();
    let doc = parse(&svg);
    let all = texts(&doc);
    for label in [
        "2019", "2020", "2021", "2022", "2023", "Q1", "Q2", "Q3", "Q4",
    ] {
        assert!(all.iter().any(|s| s == label), "{label} in {all:?}");
    }
    // Each year's label is centred under its four quarters.
    let x_of = |label: &str| -> Vec<f64> {
        doc.descendants()
            .filter(|n| n.has_tag_name("text") && n.text().map(str::trim) == Some(label))
            .map(|n| n.attribute("x").unwrap().parse().unwrap())
            .collect()
    };
    let (q1, q4, y2022) = (x_of("Q1"), x_of("Q4"), x_of("2022"));
    assert_eq!(q1.len(), 2, "a Q1 per simulated year");
    assert!(
        y2022.len() == 1 && q1[0] < y2022[0] && y2022[0] < q4[0],
        "{q1:?} {y2022:?} {q4:?}"
    );
    assert!(x_of("2019")[0] < x_of("2020")[0] && x_of("2020")[0] < x_of("2021")[0]);
    // Legend swatches in the colours and opacities of the two bands.
    let swatches: Vec<_> = with_attr(&doc, "rect", "fill", &hex(LINE)).collect();
    let opacity = |o: f64| {
        swatches
            .iter()
            .filter(|r| r.attribute("opacity") == Some(&*o.to_string()))
            .count()
    };
    assert_eq!(
        opacity(charts::fan::OUTER_BAND),
        2,
        "90% swatch, and under the 50% one"
    );
    assert_eq!(opacity(charts::fan::INNER_BAND), 1, "50% swatch");
    assert!(all.iter().any(|s| s == "90% of paths") && all.iter().any(|s| s == "50% of paths"));
    // The axis names the indicator by its label and unit, not its id.
    assert!(all.iter().any(|s| s == "GDP growth (%)"), "{all:?}");
    assert!(!all.iter().any(|s| s.contains("gdp_growth")), "{all:?}");
    // A history year after the base year is refused, naming the field.
    let bad = TWO_SECTOR.replace("of = \"gdp\"\n", "of = \"gdp\"\nhistory = { 2022 = 1.0 }\n");
    let e = scenario::load(&bad, "bad.toml").unwrap_err().to_string();
    assert!(e.contains("indicators[gdp_growth].history.2022"), "{e}");
}
