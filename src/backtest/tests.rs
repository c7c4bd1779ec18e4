//! Unit tests.

use super::*;

#[test]
fn cdf_interpolates_and_clamps() {
    let mut h = LogHistogram::new();
    for i in 0..1000 {
        h.insert(-5.0 + 10.0 * (i as f64 + 0.5) / 1000.0);
    }
    assert_eq!(cdf(&h, -6.0), Some(0.0));
    assert_eq!(cdf(&h, 6.0), Some(1.0));
    for x in [-4.0, -1.0, 0.0, 0.3, 2.5, 4.9] {
        let f = cdf(&h, x).unwrap();
        let exact = (x + 5.0) / 10.0;
        assert!((f - exact).abs() < 0.005, "{x}: {f} vs {exact}");
    }
    assert_eq!(cdf(&LogHistogram::new(), 1.0), None);
    assert_eq!(cdf(&h, f64::NAN), None);
}

#[test]
fn ks_of_a_uniform_grid_is_small_and_of_a_point_mass_large() {
    let u: Vec<f64> = (0..200).map(|i| (i as f64 + 0.5) / 200.0).collect();
    let (d, p) = ks_uniform(&u).unwrap();
    assert!(d <= 0.0025 + 1e-12 && p > 0.99, "{d} {p}");
    let (d, p) = ks_uniform(&[0.9; 50]).unwrap();
    assert!(d >= 0.9 - 1e-12 && p < 1e-6, "{d} {p}");
    assert_eq!(ks_uniform(&[]), None);
}

#[test]
fn outcomes_parse_and_reject() {
    let o = parse_outcomes(
        "target,year,value,source\ngdp,2022,6.1,x\ncpi,2022,not found,y\njobs,2023,\"1,0\",z\n",
        "t",
    );
    assert!(o.is_err());
    let o = parse_outcomes(
        "Year,Target,Value,judged\n2022,gdp,6.1 (prelim),\n2022,inc,7,0.5\n",
        "t",
    )
    .unwrap();
    assert_eq!(o.rows.len(), 2);
    assert_eq!(o.rows[0].judged, None);
    assert_eq!(o.rows[1].judged, Some(0.5));
    for bad in [
        "",
        "target,value\n",
        "target,year,value\ngdp,x,1\n",
        "target,year,value\ngdp,2022,abc\n",
        "target,year,value\ngdp,2022,1\ngdp,2022,2\n",
        "target,year,value\n,2022,1\n",
    ] {
        let e = parse_outcomes(bad, "t").unwrap_err();
        assert_eq!(e.exit_code(), 2, "{bad}: {e}");
    }
}
