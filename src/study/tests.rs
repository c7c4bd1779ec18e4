//! Unit tests of the study modules.

use super::*;

#[test]
fn specs() {
    assert_eq!(
        parse_spec("p", "0:1:5").unwrap(),
        vec![0.0, 0.25, 0.5, 0.75, 1.0]
    );
    assert_eq!(
        parse_spec("p", "0:0.3:4").unwrap(),
        vec![0.0, 0.1, 0.2, 0.3]
    );
    assert_eq!(parse_spec("p", "1, 2.5,4").unwrap(), vec![1.0, 2.5, 4.0]);
    assert_eq!(parse_spec("p", "3").unwrap(), vec![3.0]);
    for bad in [
        "", "0:1", "0:1:1", "0:1:x", "a,b", "1,,2", "0:1:2:3", "nan", "0:inf:3",
    ] {
        let e = parse_spec("sectors.a.growth", bad).unwrap_err().to_string();
        assert!(e.contains("sectors.a.growth"), "{bad}: {e}");
    }
}

#[test]
fn grid_is_full_and_ordered() {
    let axes = vec![
        Axis {
            path: "a".into(),
            values: vec![1.0, 2.0],
        },
        Axis {
            path: "b".into(),
            values: vec![10.0, 20.0, 30.0],
        },
    ];
    let g = grid(&axes);
    assert_eq!(g.len(), 6);
    assert_eq!(g[0], vec![1.0, 10.0]);
    assert_eq!(g[1], vec![1.0, 20.0]);
    assert_eq!(g[5], vec![2.0, 30.0]);
}

#[test]
fn sweep_files_parse() {
    let text = "[sweep]\nscenario = \"../jilin-2022.toml\"\npaths = 100\n\n[[sweep.set]]\npath = \"a.b\"\nvalues = \"0:1:3\"\n\n[[sweep.set]]\npath = \"c.d\"\nvalues = [1, 2.5]\n";
    assert!(is_sweep_file(text));
    let f = parse_sweep_file(text, "f.toml").unwrap();
    assert_eq!(f.axes.len(), 2);
    assert_eq!(f.axes[1].values, vec![1.0, 2.5]);
    assert_eq!(f.paths, Some(100));
    assert!(!is_sweep_file("[scenario]\nname = \"x\"\n"));
    let e = parse_sweep_file("[sweep]\nscenario = \"x\"\nfoo = 1\n", "f.toml")
        .unwrap_err()
        .to_string();
    assert!(e.contains("line 3") && e.contains("foo"), "{e}");
}

#[test]
fn upstream_of_faw_sales_excludes_grain() {
    let s = crate::scenario::embedded().unwrap();
    let up = crate::scenario::graph::upstream(&s, "faw_sales");
    // the revised car block runs market -> FAW share -> FAW sales, so the market is two steps upstream
    assert!(up.contains("car_market_growth") && up.contains("faw_sales_growth"));
    assert!(!up.contains("grain_output"));
}

#[test]
fn a_sweep_file_with_a_syntax_error_is_still_a_sweep_file() {
    let text = "[sweep]\nscenario = \"x.toml\"\n[[sweep.set]]\npath = \"a.b\"\nvalues = \"0, 1\n";
    assert!(is_sweep_file(text));
    assert!(is_sweep_file(&format!("\u{feff}{text}")));
    assert!(!is_sweep_file("[scenario]\nname = \"x\n"));
    let e = parse_sweep_file(text, "f.toml").unwrap_err().to_string();
    assert!(e.contains("invalid sweep file: line 5, column 15:"), "{e}");
    assert!(e.contains("5 | values = \"0, 1"), "{e}");
}

#[test]
fn a_journal_line_with_nan_numbers_is_not_trusted_even_with_its_checksum() {
    let base = crate::scenario::load(
        include_str!("../../tests/fixtures/two-sector.toml"),
        "two-sector.toml",
    )
    .unwrap();
    let axes = vec![Axis {
        path: "sectors.industry.growth".into(),
        values: vec![1.0, 2.0],
    }];
    let config = RunConfig {
        paths: 64,
        ..RunConfig::default()
    };
    let header = JournalHeader::new(&base, &axes, &config).unwrap();
    let numbers = |p: f64, q: f64| TargetNumbers {
        probability: p,
        ci95_low: 0.0,
        ci95_high: 1.0,
        p05: q,
        p50: q,
        p95: q,
    };
    let point = |index: usize, p: f64, q: f64| PointResult {
        index,
        values: vec![axes[0].values[index]],
        targets: vec![numbers(p, q); header.targets.len()],
    };
    let good = journal_line(&point(0, 0.5, 5.0));
    for bad in [
        point(1, f64::NAN, 5.0),
        point(1, 0.5, f64::NAN),
        point(1, 1.5, 5.0),
    ] {
        // The checksum of each line is right: only its numbers are wrong.
        let text = format!(
            "{}{good}{}{good}",
            header.line().unwrap(),
            journal_line(&bad)
        );
        let e = read_journal(text.as_bytes(), &header, "j").unwrap_err();
        assert!(e.to_string().contains("line 3 of j is damaged"), "{e}");
    }
    let text = format!("{}{good}", header.line().unwrap());
    assert_eq!(
        read_journal(text.as_bytes(), &header, "j")
            .unwrap()
            .points
            .len(),
        1
    );
}
