//! Unit tests.

use super::*;

#[test]
fn leading_numbers() {
    assert_eq!(leading_number("6.9 (preliminary, 预计)"), Some(6.9));
    assert_eq!(leading_number("2.1 (same-basis, 同口径)"), Some(2.1));
    assert_eq!(leading_number("33000+ (+602%)"), Some(33000.0));
    assert_eq!(leading_number(" -6.6 "), Some(-6.6));
    assert_eq!(leading_number("−1.5"), Some(-1.5));
    assert_eq!(leading_number("1e3"), Some(1000.0));
    assert_eq!(leading_number("about 200000"), None);
    assert_eq!(leading_number("12.2:51.5:36.3"), None);
    assert_eq!(leading_number("6.2 / 6.7 / 6.9"), None);
    assert_eq!(leading_number("6.5-7"), None);
    assert_eq!(leading_number("6.5 ~ 7"), None);
    assert_eq!(leading_number("17797 (+15.5%)"), Some(17797.0));
    assert_eq!(leading_number("NaN"), None);
    assert_eq!(leading_number("inf"), None);
    assert_eq!(leading_number(""), None);
    assert_eq!(leading_number("."), None);
    assert_eq!(leading_number("1e999"), None);
}

#[test]
fn classification_rule() {
    assert_eq!(classify("gdp_level", "%"), SeriesKind::Rate);
    assert_eq!(classify("gdp_growth", "亿元"), SeriesKind::Level);
    assert_eq!(classify("gdp_growth", ""), SeriesKind::Rate);
    assert_eq!(classify("gdp", ""), SeriesKind::Level);
}

#[test]
fn time_averaging_autocorrelation() {
    assert!((annual_autocorrelation(0.0) - 10.0 / 44.0).abs() < 1e-12);
    for phi in [0.3, 0.5, 0.8, 0.88] {
        let rho = quarterly_persistence(phi);
        assert!((annual_autocorrelation(rho) - phi).abs() < 1e-9, "{phi}");
    }
    assert_eq!(quarterly_persistence(0.1), 0.0);
    assert_eq!(quarterly_persistence(-0.5), 0.0);
    assert_eq!(quarterly_persistence(f64::NAN), 0.0);
    assert_eq!(quarterly_persistence(1.5), MAX_PERSISTENCE);
}

#[test]
fn degenerate_inputs_do_not_panic() {
    let o = Options::default();
    for text in [
        "",
        "year,value\n",
        "year,series,value\n",
        "year,series,value\n2020,a,1\n",
        "year,series,value\n2020,a,1\n2021,a,1\n2022,a,1\n2023,a,1\n",
        "year,series,value\nx,a,1\n2020,,1\n2020\n",
        "year,series,value\n2020,a,NaN\n2021,a,inf\n",
        "year,series,value\n2020,a,0\n2021,a,-1\n2022,a,5\n",
        "year,series,value\n2019,a_rate,1e300\n2020,a_rate,-1e300\n2021,a_rate,1e300\n\
         2022,a_rate,5\n2019,b_rate,1\n2020,b_rate,2\n2021,b_rate,4\n2022,b_rate,3\n\
         2019,c_rate,1e-300\n2020,c_rate,3e-300\n2021,c_rate,2e-300\n2022,c_rate,5e-300\n",
    ] {
        match calibrate(text, &o) {
            Ok(c) => {
                let f = c.fragment();
                f.parse::<toml::Table>()
                    .unwrap_or_else(|e| panic!("{e}\n{f}"));
            }
            Err(e) => assert_eq!(e.exit_code(), 2, "{e}"),
        }
    }
}
