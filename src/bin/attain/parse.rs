//! Value parsers: each flag's syntax and bounds, checked once, by clap,
//! before any command runs (so no command checks `--paths >= 1` itself).
//!
//! A parser that rejects a value returns the library's `Error::Argument`
//! naming the flag in the library's words (`paths`); `main` prints it as the
//! library's errors are printed (`error: invalid argument --paths: must be at
//! least 1`). A value that is not a number at all is rejected with the
//! standard library's parse error, as clap's own number parsers do, so those
//! messages read as they always did.
//!
//! `--set PATH=SPEC`, `--vary PATH=LOW:HIGH` and `--sd PATH=AMOUNT` are
//! command-line syntax, split here; the library only parses the SPEC grammar
//! ([`attain::study::parse_spec`]).

use attain::engine::Shard;
use attain::error::{Error, Result};
use attain::study::{self, Axis};

type Boxed = Box<dyn std::error::Error + Send + Sync>;

/// A whole number of at least 1, for the flag `name`.
fn at_least_one<T: std::str::FromStr<Err = std::num::ParseIntError> + PartialEq + From<u8>>(
    name: &str,
    s: &str,
) -> std::result::Result<T, Boxed> {
    let v: T = s.parse()?;
    if v == T::from(0) {
        return Err(Error::argument(name, "must be at least 1").into());
    }
    Ok(v)
}

/// The most paths of one run (`--paths`, `--max-paths`, a sweep file's
/// `paths`): 2^36 = 68,719,476,736. That is a million times the default,
/// hours on a large machine (at ten million paths a second, two hours), and
/// far beyond any precision a probability needs (the 95% half-width of 2^36
/// paths is below 0.0004 percentage points). Nothing is allocated in
/// proportion to the path count (the runner makes its work items one wave at
/// a time), so the bound is about time, not memory; a larger run is sharded.
pub const MAX_PATHS: u64 = 1 << 36;

/// The most worker threads (`--threads`): 1024, more than the cores of any
/// single machine; each thread reserves its own stack.
pub const MAX_THREADS: usize = 1024;

/// The message for a path count over [`MAX_PATHS`].
pub fn too_many_paths(n: u64) -> String {
    format!(
        "at most {MAX_PATHS} (2^36) paths in one run, got {n}; shard a larger run (--shard K/N)"
    )
}

/// A whole number of at least 1 and at most `max`, for the flag `name`.
fn bounded(name: &str, s: &str, max: u64, why: &str) -> std::result::Result<u64, Boxed> {
    // A number too large for 64 bits is over the bound too, not a parse error.
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && s.parse::<u64>().is_err() {
        return Err(Error::argument(name, format!("must be at most {max}{why}, got {s}")).into());
    }
    let v: u64 = at_least_one(name, s)?;
    if v > max {
        return Err(Error::argument(name, format!("must be at most {max}{why}, got {v}")).into());
    }
    Ok(v)
}

/// `--paths N`: at least 1, at most [`MAX_PATHS`]; also `1e5`, `100k`, `1M`.
pub fn paths(s: &str) -> std::result::Result<u64, Boxed> {
    bounded(
        "paths",
        &whole_number("paths", s)?,
        MAX_PATHS,
        " (2^36; shard a larger run)",
    )
}

/// `--max-paths N`: at least 1, at most [`MAX_PATHS`]; also `1e5`, `100k`, `1M`.
pub fn max_paths(s: &str) -> std::result::Result<u64, Boxed> {
    bounded(
        "max-paths",
        &whole_number("max-paths", s)?,
        MAX_PATHS,
        " (2^36)",
    )
}

/// A count written with a power of ten, as digits: `1e5`, `2.5e3`, `100k`,
/// `1M`, `2G` (k = 10^3, M = 10^6, G = 10^9; an exponent and a suffix may
/// not be combined). The value must be a whole number: `1.5e0` is refused,
/// not rounded. Plain digits, and anything else, pass through unchanged
/// (for the integer parser and its messages).
fn whole_number(name: &str, s: &str) -> std::result::Result<String, Boxed> {
    let t = s.trim();
    let (body, suffix_exp) = match t.char_indices().last() {
        Some((i, 'k' | 'K')) => (&t[..i], 3i64),
        Some((i, 'M')) => (&t[..i], 6),
        Some((i, 'G')) => (&t[..i], 9),
        _ => (t, 0),
    };
    let (mantissa, exp) = match body.find(['e', 'E']) {
        Some(i) if suffix_exp == 0 => match body[i + 1..].parse::<i64>() {
            Ok(e) if e.abs() <= 40 => (&body[..i], e),
            _ => return Ok(s.to_string()),
        },
        _ => (body, 0),
    };
    if suffix_exp == 0 && mantissa.len() == body.len() && !mantissa.contains('.') {
        return Ok(s.to_string());
    }
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digit = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
    if (int.is_empty() && frac.is_empty()) || !digit(int) || !digit(frac) {
        return Ok(s.to_string());
    }
    // digits x 10^shift, exactly.
    let mut digits = format!("{int}{frac}");
    let shift = exp + suffix_exp - frac.len() as i64;
    if shift >= 0 {
        digits.extend(std::iter::repeat_n('0', shift as usize));
    } else {
        let cut = (-shift) as usize;
        let keep = digits.len().saturating_sub(cut);
        if digits[keep..].bytes().any(|b| b != b'0') {
            return Err(Error::argument(name, format!("must be a whole number, got {t}")).into());
        }
        digits.truncate(keep);
    }
    let digits = digits.trim_start_matches('0');
    Ok(if digits.is_empty() {
        "0".into()
    } else {
        digits.to_string()
    })
}

/// `--threads N`: at least 1, at most [`MAX_THREADS`].
pub fn threads(s: &str) -> std::result::Result<usize, Boxed> {
    Ok(bounded("threads", s, MAX_THREADS as u64, "")? as usize)
}

/// `--precision E`: in (0, 0.5].
pub fn precision(s: &str) -> std::result::Result<f64, Boxed> {
    let e: f64 = s.parse()?;
    if !(e > 0.0 && e <= 0.5) {
        return Err(Error::argument("precision", format!("must be in (0, 0.5], got {e}")).into());
    }
    Ok(e)
}

/// `--probability P` of solve: in [0, 1].
pub fn probability(s: &str) -> std::result::Result<f64, Boxed> {
    let p: f64 = s.parse()?;
    if !(0.0..=1.0).contains(&p) {
        return Err(Error::argument("probability", format!("must be in [0, 1], got {p}")).into());
    }
    Ok(p)
}

/// `--shard K/N` (K counts from 0, as Kubernetes' JOB_COMPLETION_INDEX does).
pub fn shard(text: &str) -> Result<Shard> {
    let bad = |why: &str| {
        Error::argument(
            "shard",
            format!("{why} (got {text:?}; expected K/N with 0 <= K < N, e.g. 0/8)"),
        )
    };
    let (k, n) = text.split_once('/').ok_or_else(|| bad("missing '/'"))?;
    let index: u64 = k
        .trim()
        .parse()
        .map_err(|_| bad("K is not a whole number"))?;
    let count: u64 = n
        .trim()
        .parse()
        .map_err(|_| bad("N is not a whole number"))?;
    if count == 0 {
        return Err(bad("N must be at least 1"));
    }
    if index >= count {
        return Err(bad("K must be below N"));
    }
    Ok(Shard { index, count })
}

/// A finite number in a PATH=... flag; errors name the path.
fn number(path: &str, s: &str, spec: &str) -> Result<f64> {
    let t = s.trim();
    match t.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        _ => Err(Error::argument(
            path,
            format!("{t:?} in {spec:?} is not a finite number"),
        )),
    }
}

/// `--set PATH=SPEC`: one axis of a sweep.
pub fn set(arg: &str) -> Result<Axis> {
    let Some((path, spec)) = arg.split_once('=') else {
        return Err(Error::argument(
            "set",
            format!("expected PATH=SPEC (e.g. sectors.automobile.growth=0:20:5), got {arg:?}"),
        ));
    };
    let path = path.trim();
    if path.is_empty() {
        return Err(Error::argument(
            "set",
            format!("no path before '=' in {arg:?}"),
        ));
    }
    Ok(Axis {
        path: path.to_string(),
        values: study::parse_spec(path, spec)?,
    })
}

/// The lever of `solve` and its search range.
#[derive(Debug, Clone, PartialEq)]
pub struct Vary {
    pub path: String,
    pub low: f64,
    pub high: f64,
}

/// `--vary PATH=LOW:HIGH`.
pub fn vary(arg: &str) -> Result<Vary> {
    let Some((path, range)) = arg.split_once('=') else {
        return Err(Error::argument(
            "vary",
            format!("expected PATH=LOW:HIGH (e.g. sectors.automobile.growth=0:30), got {arg:?}"),
        ));
    };
    let path = path.trim().to_string();
    if path.is_empty() {
        return Err(Error::argument(
            "vary",
            format!("no path before '=' in {arg:?}"),
        ));
    }
    let parts: Vec<&str> = range.split(':').collect();
    let [a, b] = parts.as_slice() else {
        return Err(Error::argument(
            &path,
            format!("bad range {range:?}: expected LOW:HIGH, e.g. 0:30"),
        ));
    };
    let low = number(&path, a, range)?;
    let high = number(&path, b, range)?;
    if low >= high {
        return Err(Error::argument(
            &path,
            format!("bad range {range:?}: LOW must be below HIGH"),
        ));
    }
    Ok(Vary { path, low, high })
}

/// `--sd PATH=AMOUNT`: a stated standard deviation for sensitivity.
pub fn sd(arg: &str) -> Result<(String, f64)> {
    let Some((path, amount)) = arg.split_once('=') else {
        return Err(Error::argument(
            "sd",
            format!("expected PATH=AMOUNT (e.g. sectors.automobile.growth=2), got {arg:?}"),
        ));
    };
    let path = path.trim().to_string();
    let a = number(&path, amount, amount)?;
    if a <= 0.0 {
        return Err(Error::argument(
            &path,
            format!("a standard deviation must be > 0, got {a}"),
        ));
    }
    Ok((path, a))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds() {
        assert_eq!(paths("5").unwrap(), 5);
        assert!(
            paths("0")
                .unwrap_err()
                .to_string()
                .contains("must be at least 1")
        );
        assert_eq!(
            paths("abc").unwrap_err().to_string(),
            "invalid digit found in string"
        );
        assert!(precision("0.6").is_err() && precision("0.5").is_ok());
        for (text, n) in [
            ("1e5", 100_000),
            ("100k", 100_000),
            ("1M", 1_000_000),
            ("2.5e3", 2500),
            ("1.5k", 1500),
            ("3G", 3_000_000_000),
            ("10E0", 10),
            ("1200e-2", 12),
        ] {
            assert_eq!(paths(text).unwrap(), n, "{text}");
        }
        for text in ["1.5e0", "1.5", "1.2345k", "1e-1"] {
            let e = paths(text).unwrap_err().to_string();
            assert!(e.contains("must be a whole number"), "{text}: {e}");
        }
        assert!(paths("0k").unwrap_err().to_string().contains("at least 1"));
        assert!(paths("1e12").unwrap_err().to_string().contains("at most"));
        assert!(paths("1e5k").is_err() && paths("k").is_err() && paths("1m").is_err());
        assert!(probability("1").is_ok() && probability("NaN").is_err());
    }

    #[test]
    fn shards() {
        assert_eq!(shard("1/3").unwrap(), Shard { index: 1, count: 3 });
        assert!(shard("3/3").is_err() && shard("0/0").is_err() && shard("x").is_err());
    }

    #[test]
    fn path_flags() {
        let a = set("sectors.automobile.growth=0:20:5").unwrap();
        assert_eq!(a.path, "sectors.automobile.growth");
        assert_eq!(a.values.len(), 5);
        let v = vary(" a.b =1:2").unwrap();
        assert_eq!((v.path.as_str(), v.low, v.high), ("a.b", 1.0, 2.0));
        assert!(vary("a.b=2:1").is_err());
        assert_eq!(sd("a.b=2").unwrap(), ("a.b".to_string(), 2.0));
        assert!(sd("a.b=0").is_err());
    }
}
