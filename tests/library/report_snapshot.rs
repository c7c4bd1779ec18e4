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
