//! The HTML report: one self-contained document (no script, nothing fetched
//! from outside), every target in it, the scenario's text escaped.

use crate::common;

use assert_cmd::Command;
use attain::engine::{NoProgress, RunConfig, simulate};
use attain::report::Report;
use attain::report::html::{HtmlInput, TargetCharts, render};
use attain::{Model, scenario};

const TWO_SECTOR: &str = repo_file!("tests/fixtures/two-sector.toml");

fn count(h: &str, s: &str) -> usize {
    h.matches(s).count()
}

/// Values of every `src`, `href` and `xlink:href` attribute.
fn references(h: &str) -> Vec<String> {
    let mut out = vec![];
    for key in ["src=", "href="] {
        for (i, _) in h.match_indices(key) {
            let rest = &h[i + key.len()..];
            let quote = rest.chars().next().unwrap();
            let value = if quote == '"' || quote == '\'' {
                rest[1..].split(quote).next().unwrap()
            } else {
                rest.split([' ', '>']).next().unwrap()
            };
            out.push(value.to_string());
        }
    }
    out
}

/// Structure every report must have.
fn check_structure(h: &str) {
    assert!(h.starts_with("<!DOCTYPE html>\n<html"), "{}", &h[..60]);
    assert!(h.trim_end().ends_with("</html>"));
    assert!(h.contains("<meta charset=\"utf-8\">"));
    for tag in [
        "<html ", "</html>", "<head>", "</head>", "<body>", "</body>", "<main>", "</main>",
        "<style>", "</style>",
    ] {
        assert_eq!(count(h, tag), 1, "{tag}");
    }
    let head = &h[..h.find("</head>").unwrap()];
    assert_eq!(count(head, "<title>"), 1);
    for tag in ["section", "table", "thead", "tbody", "figure", "svg", "dl"] {
        assert_eq!(
            count(h, &format!("<{tag}")),
            count(h, &format!("</{tag}>")),
            "unbalanced <{tag}>"
        );
    }
    // Self-contained: nothing loaded, nothing run.
    assert!(!h.contains("<script"), "a script");
    assert!(!h.contains("<link"), "a linked resource");
    assert!(
        !h.contains("@import") && !h.contains("url("),
        "CSS that loads something"
    );
    for r in references(h) {
        let r = r.to_ascii_lowercase();
        assert!(
            !(r.starts_with("http:") || r.starts_with("https:") || r.starts_with("//")),
            "external reference {r}"
        );
    }
    // Every inline chart is a well-formed SVG document.
    let mut rest = h;
    while let Some(start) = rest.find("<svg") {
        let end = rest[start..].find("</svg>").expect("unclosed <svg>") + start + 6;
        roxmltree::Document::parse(&rest[start..end])
            .unwrap_or_else(|e| panic!("inline SVG is not XML: {e}"));
        rest = &rest[end..];
    }
}

#[test]
fn report_command_writes_a_self_contained_page_with_every_target() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("jilin.html");
    Command::cargo_bin("attain")
        .unwrap()
        .args([
            "report",
            "--paths",
            "3000",
            "--seed",
            "11",
            "--threads",
            "2",
            "--quiet",
            "--out",
        ])
        .arg(&out)
        .assert()
        .success()
        .stdout("")
        .stderr("");
    let h = std::fs::read_to_string(&out).unwrap();
    check_structure(&h);
    let s = scenario::embedded().unwrap();
    let raw = s.raw();
    for t in &raw.targets {
        assert!(
            h.contains(&format!("id=\"target-{}\"", t.id)),
            "row of {}",
            t.id
        );
        assert!(
            h.contains(&format!("id=\"chart-{}\"", t.id)),
            "charts of {}",
            t.id
        );
    }
    // A fan chart and an outcome distribution per target.
    assert_eq!(count(&h, "<svg"), 2 * raw.targets.len());
    // Assumptions with their sources, and the run's metadata.
    for sector in &raw.sectors {
        assert!(
            h.contains(&format!("<code>{}</code>", sector.id)),
            "{}",
            sector.id
        );
        if let Some(src) = &sector.source {
            assert!(
                h.contains(&*html_escape_like(src)),
                "source of {}",
                sector.id
            );
        }
    }
    for e in &raw.events {
        assert!(h.contains(&format!("<code>{}</code>", e.id)), "{}", e.id);
    }
    assert!(h.contains("<dt>Seed</dt><dd>11</dd>"));
    assert!(h.contains("<dt>Paths</dt><dd>3000</dd>"));
    assert!(h.contains(&format!("<dd>{}</dd>", env!("CARGO_PKG_VERSION"))));
    assert!(h.contains("headline targets met together"));
}

/// The escaping the report applies to text (only `&`, `<` and `>` matter
/// for the sources of the shipped scenario).
fn html_escape_like(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[test]
fn scenario_text_is_escaped_everywhere() {
    let evil = "<script>alert(1)</script>";
    let text = TWO_SECTOR
        .replace(
            "label = \"Industry\"",
            &format!("label = \"Industry {evil}\"\nlabel_zh = \"工业 & <img src=x onerror=alert(2)>\"\nsource = \"a \\\"quoted\\\" {evil}\""),
        )
        .replace("label = \"CPI\"", &format!("label = \"CPI {evil}\""))
        .replace(
            "name = \"Two-sector test economy\"",
            &format!("name = \"Test {evil}\"\ndescription = \"{evil}\""),
        );
    assert_ne!(text, TWO_SECTOR);
    let s = scenario::load(&text, "evil.toml").unwrap();
    let (model, w) = Model::compile(&s, "evil.toml").unwrap();
    let config = RunConfig {
        paths: 2000,
        seed: 1,
    };
    let acc = simulate(&model, &config, &NoProgress).unwrap();
    let report = Report::build(&model, &acc, &config, 0.0, 1, w);
    let charts: Vec<TargetCharts> = report
        .targets
        .iter()
        .zip(&acc.targets)
        .map(|(t, a)| TargetCharts {
            id: t.id.clone(),
            fan: None,
            distribution: Some(
                attain::charts::distribution::outcome_svg(t, &a.hist, acc.paths).unwrap(),
            ),
        })
        .collect();
    let h = render(&HtmlInput {
        report: &report,
        scenario: s.raw(),
        origin: "evil <origin>.toml",
        charts: &charts,
        generated: "2022-01-24 00:00 UTC",
        notes: &[],
    });
    check_structure(&h);
    assert!(!h.contains("<script"), "unescaped script");
    assert!(!h.contains("<img"), "unescaped tag");
    assert!(!h.contains("<origin>"));
    assert!(h.contains("Industry &lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(h.contains("工业 &amp; &lt;img src=x onerror=alert(2)&gt;"));
    assert!(h.contains("CPI &lt;script&gt;"));
    assert!(h.contains("evil &lt;origin&gt;.toml"));
    for id in ["gdp_growth", "cpi", "jobs_2y"] {
        assert!(h.contains(&format!("id=\"target-{id}\"")));
    }
}

#[test]
fn a_nowcast_report_says_what_it_is_conditioned_on() {
    let out = Command::cargo_bin("attain")
        .unwrap()
        .args([
            "report",
            &common::repo_str("scenarios/jilin-2022-after-q1.toml"),
            "--paths",
            "512",
            "--quiet",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let h = String::from_utf8(out.stdout).unwrap();
    check_structure(&h);
    assert!(
        h.contains("Conditioned on 1 published quarter of 2022: <code>gdp_growth</code> -7.90 through Q1 (reproduced on every path)"),
        "{}",
        &h[..h.len().min(3000)]
    );
    assert!(h.contains("<code>fai_growth</code> -31.8 through Q1 (12.0% of the year)"));
    assert!(h.contains("<code>covid_major_lockdown</code> began in Q1"));
}
