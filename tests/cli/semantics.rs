//! The binary on a scenario with every target-semantics and assumption
//! feature (`tests/fixtures/features/semantics.toml`), and the explain
//! warning on the shipped scenario.

use crate::common;

use assert_cmd::Command;

fn attain() -> Command {
    Command::cargo_bin("attain").unwrap()
}

use common::cli_json as json;

#[test]
fn run_reports_the_new_readings() {
    let f = common::fixture("features/semantics.toml");
    let d = json(&["run", &f, "--paths", "8192", "--format", "json", "--quiet"]);
    let t0 = &d["targets"][0];
    let (p, px) = (
        t0["probability"].as_f64().unwrap(),
        t0["probability_excused"].as_f64().unwrap(),
    );
    assert!(px > p, "met or excused {px} must exceed met {p}");
    assert!(t0["assumption_share"].as_f64().unwrap() > 0.0);
    assert!(t0["probability_fixed"].as_f64().is_some());
    // Only the excused target has the excused reading.
    assert!(d["targets"][1].get("probability_excused").is_none());
    assert_eq!(d["joints"][0]["id"], "growth_and_prices");
    let e = &d["headline_expected_met"];
    assert_eq!(e["of"], 3);
    let sum: f64 = d["targets"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["headline"] == true)
        .map(|t| t["probability"].as_f64().unwrap())
        .sum();
    assert!((e["mean"].as_f64().unwrap() - sum).abs() < 1e-12);
    // The upside event raises the growth target's probability when it happens.
    let up = d["drivers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["target"] == "gdp_growth" && x["event"] == "policy_support")
        .unwrap();
    assert!(up["probability_with"].as_f64() > up["probability_without"].as_f64());
    // CSV carries the optional columns.
    let out = attain()
        .args(["run", &f, "--paths", "4096", "--format", "csv", "--quiet"])
        .output()
        .unwrap();
    let header = String::from_utf8(out.stdout).unwrap();
    let header = header.lines().next().unwrap().to_string();
    assert!(header.ends_with(
        ",verdict,probability_excused,ci95_excused_low,ci95_excused_high,assumption_share,probability_fixed"
    ));
}

#[test]
fn sensitivity_moves_assumptions_to_their_quantiles() {
    let f = common::fixture("features/semantics.toml");
    let d = json(&[
        "sensitivity",
        &f,
        "--target",
        "cpi",
        "--paths",
        "8192",
        "--format",
        "json",
    ]);
    let bars = d["targets"][0]["bars"].as_array().unwrap();
    let bar = |input: &str| bars.iter().find(|b| b["input"] == input).cloned();
    let a = bar("assumption indicators.prices.intercept").expect("an assumption row");
    assert_eq!(a["kind"], "assumption");
    // Uniform on [1.5, 2.5]: 5% and 95% quantiles 1.55 and 2.45.
    assert!((a["low"].as_f64().unwrap() - 1.55).abs() < 1e-9);
    assert!((a["high"].as_f64().unwrap() - 2.45).abs() < 1e-9);
    assert!(a["probability_low"].as_f64() > a["probability_high"].as_f64());
    // The drawn intercept is not moved as a plain parameter (it would have no effect).
    assert!(bar("indicators.prices.intercept").is_none());
    // Forcing an event whose probability is drawn still works (pinned at 0 and 1).
    let ev = bar("event outage").unwrap();
    assert!(ev["swing"].as_f64().unwrap() > 0.01, "{ev}");
}

#[test]
fn explain_warns_when_one_family_is_counted_twice() {
    // The shipped Jilin file counts each risk once (the lockdown has its own family), so explain
    // is silent on it; put the lockdown in the chip squeeze's family and both move the car chain down.
    let shipped = common::repo_str("scenarios/jilin-2022.toml");
    let out = attain().args(["explain", &shipped]).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(!text.contains("counted twice"), "{text}");
    let original = std::fs::read_to_string(&shipped).unwrap();
    let merged = original.replace("family = \"covid_lockdown\"", "family = \"chip_episode\"");
    assert_ne!(merged, original);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("one-family.toml");
    std::fs::write(&path, merged).unwrap();
    let out = attain().arg("explain").arg(&path).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("warning: family \"chip_episode\": event chip_squeeze and event covid_major_lockdown both move automobile down"),
        "{text}"
    );
    // Sources of different families, or moving things the other way, are not reported.
    let f = common::fixture("features/semantics.toml");
    let out = attain().args(["explain", &f]).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(!text.contains("counted twice"), "{text}");
    assert!(text.contains("upside: raises the targets it helps"));
}
