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

/// The two-sector report with charts, as the `report` command writes it.
fn two_sector_page(dir: &std::path::Path) -> (std::path::PathBuf, String) {
    let out = dir.join("two.html");
    Command::cargo_bin("attain")
        .unwrap()
        .args([
            "report", "--paths", "2000", "--seed", "3", "--quiet", "--out",
        ])
        .arg(&out)
        .arg(repo_file_path("tests/fixtures/two-sector.toml"))
        .assert()
        .success();
    let h = std::fs::read_to_string(&out).unwrap();
    (out, h)
}

fn repo_file_path(rel: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// The page fits a phone and prints well, checked on its structure: every
/// table scrolls inside its own box (the results table also stacks below
/// 720 px, one block per target, each cell with its heading), every chart is
/// an SVG with a viewBox drawn at the width of its box, and the print rules
/// keep rows, charts and headings from splitting.
#[test]
fn the_page_is_responsive_and_has_print_rules() {
    let dir = tempfile::tempdir().unwrap();
    let (_, h) = two_sector_page(dir.path());
    check_structure(&h);
    let tables = count(&h, "<table");
    assert!(tables >= 3, "{tables}");
    assert_eq!(
        count(&h, "<div class=\"scroll\"><table"),
        tables,
        "a table outside a scrolling box"
    );
    // The results table stacks; each of its cells but the name says what it is.
    assert_eq!(count(&h, "<table class=\"targets stack\">"), 1);
    let start = h.find("<table class=\"targets stack\">").unwrap();
    let end = start + h[start..].find("</table>").unwrap();
    let results = &h[start..end];
    let body = &results[results.find("<tbody>").unwrap()..];
    assert_eq!(
        count(body, "<td"),
        count(body, "<td class=\"name\">") + count(body, "data-label=\""),
        "a results cell without a heading"
    );
    assert_eq!(count(body, "<td class=\"name\">"), 3);
    let css = &h[h.find("<style>").unwrap()..h.find("</style>").unwrap()];
    for rule in [
        "@media (max-width: 720px)",
        "table.stack thead { display:none; }",
        "content:attr(data-label)",
        ".scroll { overflow-x:auto;",
        "figure svg { display:block; width:100%; max-width:100%; height:auto;",
        "@page {",
        "@media print",
        "tr { break-inside:avoid;",
        "figure { margin:18px 0 28px; break-inside:avoid;",
        "h1, h2, h3 { break-after:avoid;",
        "figure { break-before:page;",
    ] {
        assert!(css.contains(rule), "missing CSS: {rule}");
    }
    // Every chart scales: a viewBox, the width it is drawn at.
    let svgs: Vec<&str> = h.match_indices("<svg").map(|(i, _)| &h[i..]).collect();
    assert_eq!(svgs.len(), 6, "a fan and a distribution per target");
    for s in svgs {
        let tag = &s[..s.find('>').unwrap()];
        let view = tag
            .split("viewBox=\"")
            .nth(1)
            .expect("viewBox")
            .split('"')
            .next()
            .unwrap();
        let w: f64 = view.split(' ').nth(2).unwrap().parse().unwrap();
        assert_eq!(w, f64::from(attain::charts::CHART_WIDTH), "{tag}");
        // The smallest text of a chart shown 360 px wide is at least 8 px.
        for fs in s[..s.find("</svg>").unwrap()].split("font-size=\"").skip(1) {
            let px: f64 = fs.split('"').next().unwrap().parse().unwrap();
            assert!(px * 360.0 / w >= 8.0, "font-size {px} in {tag}");
        }
    }
}

/// Chromium, when installed, lays the page out 390 px wide: nothing wider
/// than the window, no chart text below 8 px; and prints it to PDF. The
/// measuring script is in a wrapper page that holds the report in an
/// iframe: the report itself has no script. Run with `--ignored`.
#[test]
#[ignore = "needs chromium (apt-get install -y chromium); .ci/run runs it with --ignored"]
fn chromium_lays_the_page_out_at_phone_width_without_overflow() {
    let chromium = ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|c| {
            std::process::Command::new(c)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        });
    // Ignored by default; where it is run (.ci/run installs chromium), a
    // missing browser is a failure, not a pass.
    let chromium = chromium.expect("no chromium on PATH (apt-get install -y chromium)");
    let dir = tempfile::tempdir().unwrap();
    let (page, _) = two_sector_page(dir.path());
    let measure = r#"var f=document.getElementById("f");f.onload=function(){var d=f.contentDocument,e=d.documentElement,m=99;
d.querySelectorAll("svg text").forEach(function(t){var s=t.ownerSVGElement;var k=s.getBoundingClientRect().width/s.viewBox.baseVal.width;var px=parseFloat(f.contentWindow.getComputedStyle(t).fontSize)*k;if(px<m)m=px});
var z=document.createElement("pre");z.id="out";z.textContent="measured "+e.scrollWidth+" "+e.clientWidth+" "+m.toFixed(2)+" end";document.body.appendChild(z)}"#;
    let wrapper = dir.path().join("wrapper.html");
    std::fs::write(
        &wrapper,
        format!(
            "<!DOCTYPE html><html><body style=\"margin:0\"><iframe id=\"f\" src=\"file://{}\" \
             style=\"width:390px;height:2000px;border:0\"></iframe><script>{measure}</script></body></html>",
            page.display()
        ),
    )
    .unwrap();
    let profile = tempfile::tempdir().unwrap();
    let base = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
    ];
    let out = std::process::Command::new(chromium)
        .args(base)
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args([
            "--allow-file-access-from-files",
            "--window-size=1200,2000",
            "--virtual-time-budget=5000",
            "--dump-dom",
        ])
        .arg(format!("file://{}", wrapper.display()))
        .output()
        .unwrap();
    let dom = String::from_utf8_lossy(&out.stdout);
    let line = dom
        .split("<pre id=\"out\">measured ")
        .nth(1)
        .and_then(|s| s.split(" end").next())
        .unwrap_or_else(|| panic!("no measurement in the DOM:\n{dom}"));
    let v: Vec<f64> = line.split(' ').map(|x| x.parse().unwrap()).collect();
    let (scroll, client, smallest) = (v[0], v[1], v[2]);
    eprintln!(
        "at 390 px: page {scroll} px wide in a {client} px window; smallest chart text {smallest} px"
    );
    assert!(client > 300.0 && client <= 390.0, "{client}");
    assert!(scroll <= client, "the page is {scroll} px wide in {client}");
    assert!(smallest >= 8.0, "chart text {smallest} px");
    // It prints: a PDF of a few pages, one per target's charts and the tables.
    let pdf = dir.path().join("two.pdf");
    let profile = tempfile::tempdir().unwrap();
    std::process::Command::new(chromium)
        .args(base)
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg("--no-pdf-header-footer")
        .arg(format!("--print-to-pdf={}", pdf.display()))
        .arg(format!("file://{}", page.display()))
        .output()
        .unwrap();
    let bytes = std::fs::read(&pdf).unwrap();
    assert!(bytes.starts_with(b"%PDF"));
}

/// The cells of the first `<table class="CLASS stack">` of a page (its body).
fn table_body<'a>(h: &'a str, class: &str) -> &'a str {
    let open = format!("<table class=\"{class} stack\">");
    let start = h.find(&open).unwrap_or_else(|| panic!("no {class} table"));
    let end = start + h[start..].find("</table>").unwrap();
    let t = &h[start..end];
    &t[t.find("<tbody>").unwrap()..]
}

/// The Jilin page shows the named joints, the expected number of headline
/// targets met, the excused reading and the assumption split, with the
/// numbers of the JSON report of the same run, by label, in stacking tables
/// whose every cell but the name says what it is.
#[test]
fn the_page_shows_joints_excused_readings_and_the_assumption_split() {
    use attain::report::format::{num, pct};
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("jilin.html");
    let args = ["--paths", "3000", "--seed", "11", "--quiet"];
    Command::cargo_bin("attain")
        .unwrap()
        .arg("report")
        .args(args)
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let h = std::fs::read_to_string(&out).unwrap();
    check_structure(&h);
    let json = Command::cargo_bin("attain")
        .unwrap()
        .args(["run", "--format", "json"])
        .args(args)
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let f = |x: &serde_json::Value| x.as_f64().unwrap();

    // Expected headline targets met.
    let e = &v["headline_expected_met"];
    assert!(
        h.contains(&format!(
            "<div class=\"big\">{} of {}</div><div class=\"muted\">standard error {}</div>",
            num(f(&e["mean"])),
            e["of"],
            num(f(&e["se"]))
        )),
        "expected met"
    );

    // Named joints: label, member labels, probability and interval.
    let joints = table_body(&h, "joints");
    let named = v["joints"].as_array().unwrap();
    assert!(!named.is_empty());
    assert_eq!(count(joints, "<tr"), named.len());
    let label_of = |id: &str| -> String {
        v["targets"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["id"] == id)
            .unwrap()["label"]
            .as_str()
            .unwrap()
            .to_string()
    };
    for j in named {
        let id = j["id"].as_str().unwrap();
        let row = &joints[joints.find(&format!("id=\"joint-{id}\"")).unwrap()..];
        let row = &row[..row.find("</tr>").unwrap()];
        assert!(
            row.contains(&html_escape_like(j["label"].as_str().unwrap())),
            "{row}"
        );
        for t in j["targets"].as_array().unwrap() {
            let l = label_of(t.as_str().unwrap());
            assert!(row.contains(&html_escape_like(&l)), "{l} in {row}");
        }
        assert!(
            row.contains(&format!("<b>{}</b>", pct(f(&j["probability"])))),
            "{row}"
        );
        assert!(
            row.contains(&format!(
                "{}–{}",
                pct(f(&j["ci95"][0])),
                pct(f(&j["ci95"][1]))
            )),
            "{row}"
        );
    }

    // The excused reading: the grain target, excused by the drought or flood.
    let excused = table_body(&h, "excused");
    let grain = v["targets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == "grain_output")
        .unwrap();
    assert_eq!(count(excused, "<tr"), 1);
    assert!(excused.contains("<code>grain_output</code>"));
    assert!(
        excused.contains("<span>Drought, flood or typhoons in the growing season</span>"),
        "{excused}"
    );
    assert!(excused.contains(&format!("<b>{}</b>", pct(f(&grain["probability_excused"])))));
    assert!(excused.contains(&format!(">{}</td>", pct(f(&grain["probability"])))));

    // The split: only the unemployment target depends on the assumptions.
    let split = table_body(&h, "split");
    let with_share: Vec<&serde_json::Value> = v["targets"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| f(&t["assumption_share"]) > 0.0)
        .collect();
    assert_eq!(count(split, "<tr"), with_share.len());
    for t in &with_share {
        assert!(split.contains(&format!("<code>{}</code>", t["id"].as_str().unwrap())));
        assert!(split.contains(&format!("<b>{}</b>", pct(f(&t["assumption_share"])))));
        assert!(split.contains(&format!(">{}</td></tr>", pct(f(&t["probability_fixed"])))));
    }
    let others = v["targets"].as_array().unwrap().len() - with_share.len();
    assert!(h.contains(&format!(
        "The other {others} targets do not depend on the assumptions (0%)."
    )));

    for body in [joints, excused, split] {
        assert_eq!(
            count(body, "<td"),
            count(body, "<td class=\"name\">") + count(body, "data-label=\""),
            "a cell without a heading"
        );
    }
    // Every table still scrolls inside its own box.
    assert_eq!(
        count(&h, "<div class=\"scroll\"><table"),
        count(&h, "<table")
    );

    // A scenario with none of these shows none of them.
    let (_, two) = two_sector_page(dir.path());
    for absent in ["id=\"joints\"", "id=\"excused\"", "id=\"split\""] {
        assert!(!two.contains(absent), "{absent}");
    }
}
