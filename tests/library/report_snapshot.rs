//! Snapshots (insta) of the three report formats of the shipped scenario,
//! built through the library at a small fixed path count and seed. Any change
//! to the numbers, the layout or the JSON schema shows up as a snapshot diff
//! to review (`cargo insta review`, or accept with `INSTA_UPDATE=always`);
//! in CI (CI=true) a missing or different snapshot fails the test.
//!
//! What depends on the machine or the moment is fixed before rendering:
//! elapsed seconds 0, one thread (the results do not depend on the thread
//! count), and the version replaced by a placeholder so a version bump alone
//! does not churn the snapshots.

use attain::engine::{NoProgress, RunConfig, simulate};
use attain::{Format, Model, Report, scenario};

const PATHS: u64 = 4096;
const SEED: u64 = 1;

fn jilin_report() -> Report {
    let text = repo_file!("scenarios/jilin-2022.toml");
    let s = scenario::load(text, "scenarios/jilin-2022.toml").unwrap_or_else(|e| panic!("{e}"));
    let (model, warnings) =
        Model::compile(&s, "scenarios/jilin-2022.toml").unwrap_or_else(|e| panic!("{e}"));
    let config = RunConfig {
        paths: PATHS,
        seed: SEED,
    };
    let acc = simulate(&model, &config, &NoProgress).unwrap();
    let mut report = Report::build(&model, &acc, &config, 0.0, 1, warnings);
    report.run.version = "[version]".to_string();
    report
}

fn rendered(format: Format) -> String {
    String::from_utf8(jilin_report().render(format).unwrap()).unwrap()
}

#[test]
fn jilin_2022_table_is_unchanged() {
    insta::assert_snapshot!(rendered(Format::Table));
}

#[test]
fn jilin_2022_csv_is_unchanged() {
    insta::assert_snapshot!(rendered(Format::Csv));
}

#[test]
fn jilin_2022_json_is_unchanged() {
    let json = rendered(Format::Json);
    // The fixed fields really are fixed (else the snapshot would be unstable).
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["run"]["elapsed_s"], 0.0);
    assert_eq!(v["run"]["threads"], 1);
    assert_eq!(v["run"]["paths"], PATHS);
    assert_eq!(v["run"]["seed"], SEED);
    insta::assert_snapshot!(json);
}

/// The compact layout (a terminal narrower than 120 columns): every line fits the width
/// in display columns (Chinese characters are two), and each target is one line.
#[test]
fn compact_table_fits_100_and_80_columns_with_one_line_per_target() {
    use attain::report::table::{Labels, render_compact};
    use unicode_width::UnicodeWidthStr;
    let report = jilin_report();
    for width in [100u16, 80] {
        for labels in [Labels::En, Labels::Zh, Labels::Both] {
            for colour in [false, true] {
                let text = render_compact(&report, width, labels, colour);
                let plain = strip_ansi(&text);
                for line in plain.lines() {
                    assert!(
                        line.width() <= usize::from(width),
                        "{width} {labels:?}: {} columns: {line}",
                        line.width()
                    );
                }
                let header = plain.lines().position(|l| l.starts_with("Target")).unwrap();
                let rows: Vec<&str> = plain
                    .lines()
                    .skip(header + 2)
                    .take(report.targets.len())
                    .collect();
                for (t, row) in report.targets.iter().zip(&rows) {
                    let label = match (labels, &t.label_zh) {
                        (Labels::En, _) | (_, None) => t.label.as_str(),
                        (_, Some(zh)) => zh.as_str(),
                    };
                    let first = label.chars().take(4).collect::<String>();
                    assert!(row.starts_with(&first), "{width} {labels:?}: {row}");
                    assert!(row.contains(&attain::report::format::pct_of_paths(t.probability)));
                    assert!(
                        row.ends_with(t.verdict.as_str()) || row.ends_with('…'),
                        "{row}"
                    );
                }
                assert!(
                    plain
                        .lines()
                        .nth(header + 2 + rows.len())
                        .unwrap()
                        .is_empty()
                );
                assert!(plain.contains("headline targets met together"));
            }
        }
    }
    // At 100 columns the interval and the median are there; at 80 they give way.
    let head = |w| {
        render_compact(&report, w, Labels::En, false)
            .lines()
            .find(|l| l.starts_with("Target"))
            .unwrap()
            .to_string()
    };
    assert!(head(100).contains("95% CI") && head(100).contains("Median"));
    assert!(!head(80).contains("95% CI") && head(80).contains("Met if"));
}

/// The wide layout with both labels is the snapshotted table, byte for byte.
#[test]
fn wide_layout_with_both_labels_is_the_default_table() {
    use attain::report::table::{Labels, render_wide};
    let report = jilin_report();
    let default = String::from_utf8(report.render(Format::Table).unwrap()).unwrap();
    assert_eq!(
        render_wide(&report, attain::report::TABLE_WIDTH, false, Labels::Both),
        default
    );
    let en = render_wide(&report, attain::report::TABLE_WIDTH, false, Labels::En);
    assert!(!en.contains("地区生产总值增长") && en.contains("GDP growth"));
}

fn strip_ansi(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            for d in chars.by_ref() {
                if d == 'm' {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}
