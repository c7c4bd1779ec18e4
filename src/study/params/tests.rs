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
