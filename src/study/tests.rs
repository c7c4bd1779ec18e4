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
    assert!(up.contains("automobile") && up.contains("faw_sales_growth"));
    assert!(!up.contains("grain_output"));
}
