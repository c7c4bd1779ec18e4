//! Unit tests of parameter paths.

use super::walk::{from_tree, tree};
use super::*;

fn jilin() -> Scenario {
    crate::scenario::embedded().unwrap()
}

#[test]
fn every_listed_path_reads_back_and_sets() {
    let s = jilin();
    let params = list(s.raw());
    assert!(params.len() > 200, "{}", params.len());
    for p in &params {
        assert_eq!(get(s.raw(), &p.path).unwrap(), p.value, "{}", p.path);
        let mut raw = s.raw().clone();
        set(&mut raw, &p.path, p.value).unwrap();
        // Re-setting the current value keeps a valid scenario valid.
        Scenario::from_raw(raw, "t").unwrap_or_else(|e| panic!("{}: {e}", p.path));
    }
}

#[test]
fn known_paths_and_values() {
    let s = jilin();
    let raw = s.raw();
    assert_eq!(get(raw, "sectors.automobile.growth").unwrap(), 7.0);
    assert_eq!(
        get(raw, "events.covid_major_lockdown.probability").unwrap(),
        0.04
    );
    assert_eq!(get(raw, "targets.gdp_growth.threshold").unwrap(), 6.0);
    assert_eq!(
        get(raw, "sectors.automobile.loadings.chip_supply").unwrap(),
        4.0
    );
    assert_eq!(get(raw, "indicators.cpi.intercept").unwrap(), 2.0);
    assert_eq!(
        get(raw, "indicators.cpi.terms.commodity_price").unwrap(),
        0.7
    );
    assert_eq!(get(raw, "scenario.horizon").unwrap(), 4.0);
    assert_eq!(
        get(raw, "shock_correlation.matrix.macro_demand.property").unwrap(),
        0.5
    );
    assert_eq!(
        get(raw, "events.chip_squeeze.impacts.automobile.size").unwrap(),
        -8.0
    );
}

#[test]
fn the_tree_round_trips_and_every_number_is_reachable() {
    for s in [
        jilin(),
        crate::scenario::load(
            include_str!("../../../scenarios/jilin-2022-after-q1.toml"),
            "q1",
        )
        .unwrap(),
    ] {
        let raw = s.raw();
        assert_eq!(&from_tree(tree(raw).unwrap()).unwrap(), raw);
    }
    // A field the hand list never had is addressable: the walker reads
    // the structure.
    let s = crate::scenario::load(
        include_str!("../../../scenarios/jilin-2022-after-q1.toml"),
        "q1",
    )
    .unwrap();
    let q = get(s.raw(), "observed.quarters").unwrap();
    assert!(q >= 1.0);
    assert!(is_integer_path(s.raw(), "observed.quarters").unwrap());
}

#[test]
fn unknown_fields_are_errors_never_writes_elsewhere() {
    let s = jilin();
    let mut raw = s.raw().clone();
    let e = set(&mut raw, "sectors.automobile.persistance", 0.5)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("did you mean sectors.automobile.persistence"),
        "{e}"
    );
    assert_eq!(&raw, s.raw());
    for bad in [
        "sectors.automobile.label",
        "sectors.automobile.loadings",
        "sectors.automobile.loadings.grain",
        "sectors.automobile.growth.x",
        "events.chip_squeeze.quarters",
        "events.chip_squeeze.impacts.nothing.size",
        "indicators.cpi.terms.nothing",
        "shock_correlation.matrix.property",
        "shock_correlation.matrix.property.nothing",
    ] {
        assert!(set(&mut raw, bad, 1.0).is_err(), "{bad}");
    }
    assert_eq!(&raw, s.raw());
    assert!(!is_integer_path(s.raw(), "indicators.cpi.noise_df").unwrap());
    assert!(is_integer_path(s.raw(), "targets.gdp_growth.year").unwrap());
    let e = set(&mut raw, "scenario.horizon", -1.0)
        .unwrap_err()
        .to_string();
    assert!(e.contains("out of range"), "{e}");
}

#[test]
fn the_listing_names_every_number_the_walker_finds() {
    // No listed path is unknown to the walker, and for the shipped scenarios
    // the walker finds no number the listing lacks (so `attain params` is
    // the hand-ordered, unit-labelled list, nothing appended).
    for s in [
        jilin(),
        crate::scenario::load(
            include_str!("../../../scenarios/jilin-2022-after-q1.toml"),
            "q1",
        )
        .unwrap(),
    ] {
        let params = list(s.raw());
        assert!(params.iter().all(|p| !p.unit.is_empty()), "appended paths");
        for p in &params {
            assert_eq!(
                is_integer_path(s.raw(), &p.path).unwrap(),
                p.integer,
                "{}",
                p.path
            );
        }
    }
}

#[test]
fn correlation_sets_both_entries() {
    let s = jilin();
    let out = apply(
        &s,
        &[("shock_correlation.matrix.property.macro_demand".into(), 0.4)],
        "t",
    )
    .unwrap();
    let c = out.raw().shock_correlation.as_ref().unwrap();
    assert_eq!(c.matrix[0][5], 0.4);
    assert_eq!(c.matrix[5][0], 0.4);
}

#[test]
fn unknown_paths_suggest_the_nearest() {
    let s = jilin();
    let e = get(s.raw(), "sectors.automobil.growth")
        .unwrap_err()
        .to_string();
    assert!(e.contains("sectors.automobil.growth"), "{e}");
    assert!(e.contains("did you mean sectors.automobile.growth"), "{e}");
    let e = get(s.raw(), "events.covid_major_lockdown.probabilty")
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("did you mean events.covid_major_lockdown.probability"),
        "{e}"
    );
    for bad in [
        "",
        "sectors",
        "sectors..growth",
        "foo.bar",
        "targets.gdp_growth.label",
    ] {
        assert!(get(s.raw(), bad).is_err(), "{bad}");
    }
}

#[test]
fn invalid_values_are_rejected_with_the_path() {
    let s = jilin();
    let e = apply(
        &s,
        &[("events.covid_major_lockdown.probability".into(), 1.2)],
        "j",
    )
    .unwrap_err();
    assert_eq!(e.exit_code(), 2);
    let m = e.to_string();
    assert!(
        m.contains("events.covid_major_lockdown.probability = 1.2"),
        "{m}"
    );
    assert!(m.contains("[0, 1], got 1.2"), "{m}");
    let e = apply(&s, &[("events.chip_squeeze.duration".into(), 1.5)], "j").unwrap_err();
    assert!(e.to_string().contains("whole number"), "{e}");
    let e = apply(&s, &[("sectors.automobile.growth".into(), f64::NAN)], "j").unwrap_err();
    assert!(e.to_string().contains("finite"), "{e}");
    let e = apply(&s, &[("scenario.horizon".into(), -1.0)], "j").unwrap_err();
    assert_eq!(e.exit_code(), 2);
}

use crate::scenario::raw::PerYear;

/// Jilin with the lockdown hazard written per year and, where given, the
/// automobile growth too.
fn per_year_jilin(probability: &[f64], growth: Option<&[f64]>) -> RawScenario {
    let mut raw = jilin().raw().clone();
    let e = raw
        .events
        .iter_mut()
        .find(|e| e.id == "covid_major_lockdown")
        .unwrap();
    e.probability = PerYear::Years(probability.to_vec());
    if let Some(g) = growth {
        let s = raw
            .sectors
            .iter_mut()
            .find(|s| s.id == "automobile")
            .unwrap();
        s.growth = PerYear::Years(g.to_vec());
    }
    raw
}

fn lockdown(raw: &RawScenario) -> &PerYear {
    &raw.events
        .iter()
        .find(|e| e.id == "covid_major_lockdown")
        .unwrap()
        .probability
}

fn automobile_growth(raw: &RawScenario) -> &PerYear {
    &raw.sectors
        .iter()
        .find(|s| s.id == "automobile")
        .unwrap()
        .growth
}

const P: &str = "events.covid_major_lockdown.probability";

#[test]
fn a_per_year_field_as_a_whole_scales_or_shifts_every_year() {
    let mut raw = per_year_jilin(&[0.04, 0.025, 0.015, 0.01], Some(&[5.0, 6.0]));
    // The whole path reads the first simulated year.
    assert_eq!(get(&raw, P).unwrap(), 0.04);
    assert!(!is_integer_path(&raw, P).unwrap());
    // A probability is scaled: the ratios between years are kept.
    set(&mut raw, P, 0.08).unwrap();
    assert_eq!(
        lockdown(&raw),
        &PerYear::Years(vec![0.08, 0.05, 0.03, 0.02])
    );
    // 0 switches every year off; re-setting the value read keeps the array.
    let mut off = raw.clone();
    set(&mut off, P, 0.0).unwrap();
    assert_eq!(lockdown(&off), &PerYear::Years(vec![0.0; 4]));
    let before = raw.clone();
    let now = get(&raw, P).unwrap();
    set(&mut raw, P, now).unwrap();
    assert_eq!(raw, before);
    // Growth is shifted: the differences between years are kept.
    set(&mut raw, "sectors.automobile.growth", 7.5).unwrap();
    assert_eq!(automobile_growth(&raw), &PerYear::Years(vec![7.5, 8.5]));
    set(&mut raw, "sectors.automobile.growth", -1.0).unwrap();
    assert_eq!(automobile_growth(&raw), &PerYear::Years(vec![-1.0, 0.0]));
    // The result is validated like a file: a first year of 0.5 scales the
    // later ones into range, one of 1.2 is out of range.
    let s = Scenario::from_raw(raw, "t").unwrap();
    let e = apply(&s, &[(P.into(), 1.2)], "t").unwrap_err();
    assert_eq!(e.exit_code(), 2);
    assert!(e.to_string().contains("probability"), "{e}");
}

#[test]
fn a_first_year_of_zero_cannot_be_scaled_unless_all_are() {
    let mut raw = per_year_jilin(&[0.0, 0.02], None);
    let e = set(&mut raw, P, 0.05).unwrap_err().to_string();
    assert!(
        e.contains(P) && e.contains("first simulated year is 0"),
        "{e}"
    );
    assert!(e.contains("one at a time"), "{e}");
    assert_eq!(lockdown(&raw), &PerYear::Years(vec![0.0, 0.02]));
    let mut zero = per_year_jilin(&[0.0, 0.0], None);
    set(&mut zero, P, 0.05).unwrap();
    assert_eq!(lockdown(&zero), &PerYear::Years(vec![0.05, 0.05]));
}

#[test]
fn one_year_of_a_per_year_field_is_addressed_by_the_year() {
    // Jilin 2022: base year 2021, horizon 4, so 2022 to 2025.
    let mut raw = per_year_jilin(&[0.04, 0.025, 0.015, 0.01], None);
    assert_eq!(get(&raw, &format!("{P}.2022")).unwrap(), 0.04);
    assert_eq!(get(&raw, &format!("{P}.2024")).unwrap(), 0.015);
    set(&mut raw, &format!("{P}.2023"), 0.03).unwrap();
    assert_eq!(
        lockdown(&raw),
        &PerYear::Years(vec![0.04, 0.03, 0.015, 0.01])
    );

    // A shorter array repeats its last value: setting a later year
    // lengthens it and keeps the years after it as they read before.
    let mut short = per_year_jilin(&[0.04, 0.02], None);
    assert_eq!(get(&short, &format!("{P}.2025")).unwrap(), 0.02);
    set(&mut short, &format!("{P}.2024"), 0.01).unwrap();
    assert_eq!(
        lockdown(&short),
        &PerYear::Years(vec![0.04, 0.02, 0.01, 0.02])
    );
    let mut short = per_year_jilin(&[0.04, 0.02], None);
    set(&mut short, &format!("{P}.2025"), 0.01).unwrap();
    assert_eq!(
        lockdown(&short),
        &PerYear::Years(vec![0.04, 0.02, 0.02, 0.01])
    );

    // A per-year field written as one number takes a year too: it becomes
    // an array that reads as before in every other year.
    let mut one = jilin().raw().clone();
    assert_eq!(get(&one, "sectors.automobile.growth.2025").unwrap(), 7.0);
    set(&mut one, "sectors.automobile.growth.2023", 9.0).unwrap();
    assert_eq!(
        automobile_growth(&one),
        &PerYear::Years(vec![7.0, 9.0, 7.0])
    );
    assert_eq!(automobile_growth(&one).resolve(4), vec![7.0, 9.0, 7.0, 7.0]);
    Scenario::from_raw(one, "t").unwrap();

    // An optional per-year field the file leaves out reads as its default
    // (a shock's scale, 1) in the other years.
    let mut scaled = jilin().raw().clone();
    assert_eq!(get(&scaled, "shocks.covid.scale.2024").unwrap(), 1.0);
    set(&mut scaled, "shocks.covid.scale.2024", 0.5).unwrap();
    let covid = scaled.shocks.iter().find(|s| s.id == "covid").unwrap();
    assert_eq!(covid.scale, Some(PerYear::Years(vec![1.0, 1.0, 0.5, 1.0])));
    Scenario::from_raw(scaled, "t").unwrap();
}

#[test]
fn a_year_outside_the_horizon_names_the_field_and_the_valid_years() {
    let raw = per_year_jilin(&[0.04, 0.025, 0.015, 0.01], None);
    for year in ["2021", "2026"] {
        let e = get(&raw, &format!("{P}.{year}")).unwrap_err().to_string();
        assert!(
            e.contains(&format!(
                "{P} has no year {year}; the simulated years are 2022 to 2025"
            )),
            "{e}"
        );
    }
    let mut raw2 = raw.clone();
    let e = set(&mut raw2, "sectors.automobile.growth.2030", 1.0)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains(
            "sectors.automobile.growth has no year 2030; the simulated years are 2022 to 2025"
        ),
        "{e}"
    );
    for bad in [
        format!("{P}.first"),
        format!("{P}.2023.size"),
        "sectors.automobile.persistence.2023".to_string(),
        "targets.gdp_growth.threshold.2022".to_string(),
    ] {
        let e = set(&mut raw2, &bad, 0.01).unwrap_err().to_string();
        assert!(e.contains("unknown parameter path"), "{bad}: {e}");
    }
    assert_eq!(raw2, raw);
    let e = get(&raw, &format!("{P}.first")).unwrap_err().to_string();
    assert!(
        e.contains("is per year") && e.contains("2022 to 2025"),
        "{e}"
    );
}

#[test]
fn the_listing_names_each_year_of_a_per_year_array() {
    let raw = per_year_jilin(&[0.04, 0.025], None);
    let params = list(&raw);
    let of = |path: &str| params.iter().find(|p| p.path == path).map(|p| p.value);
    assert_eq!(of(P), Some(0.04));
    for (year, v) in [(2022, 0.04), (2023, 0.025), (2024, 0.025), (2025, 0.025)] {
        assert_eq!(of(&format!("{P}.{year}")), Some(v), "{year}");
    }
    assert_eq!(of(&format!("{P}.2026")), None);
    // A field written as one number is listed once.
    assert_eq!(of("sectors.automobile.growth"), Some(7.0));
    assert_eq!(of("sectors.automobile.growth.2022"), None);
    for p in &params {
        assert_eq!(get(&raw, &p.path).unwrap(), p.value, "{}", p.path);
    }
}

#[test]
fn every_year_names_the_years_of_a_per_year_array_only() {
    let raw = per_year_jilin(&[0.04, 0.025], None);
    assert_eq!(
        every_year(&raw, P),
        (2022..=2025)
            .map(|y| format!("{P}.{y}"))
            .collect::<Vec<_>>()
    );
    let s = Scenario::from_raw(raw.clone(), "t").unwrap();
    let settings: Vec<(String, f64)> = every_year(&raw, P).into_iter().map(|p| (p, 1.0)).collect();
    let on = apply(&s, &settings, "t").unwrap();
    assert_eq!(lockdown(on.raw()).resolve(4), vec![1.0; 4]);
    assert_eq!(
        every_year(&raw, "sectors.automobile.growth"),
        vec!["sectors.automobile.growth".to_string()]
    );
}
