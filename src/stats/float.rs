//! Serde for floats that may not be finite, for the files attain reads back
//! (shard parts). JSON has no infinity or NaN (`serde_json` would write
//! `null` and then refuse to read it), so a non-finite value is written as
//! the string `"inf"`, `"-inf"` or `"NaN"`; finite values stay numbers, so
//! a part of an ordinary run is unchanged.

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An `f64` that serializes non-finite values as strings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Float(pub f64);

impl Serialize for Float {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let x = self.0;
        if x.is_finite() {
            s.serialize_f64(x)
        } else if x.is_nan() {
            s.serialize_str("NaN")
        } else if x > 0.0 {
            s.serialize_str("inf")
        } else {
            s.serialize_str("-inf")
        }
    }
}

impl<'de> Deserialize<'de> for Float {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Float;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a number, \"inf\", \"-inf\" or \"NaN\"")
            }
            fn visit_f64<E: de::Error>(self, x: f64) -> Result<Float, E> {
                Ok(Float(x))
            }
            fn visit_u64<E: de::Error>(self, x: u64) -> Result<Float, E> {
                Ok(Float(x as f64))
            }
            fn visit_i64<E: de::Error>(self, x: i64) -> Result<Float, E> {
                Ok(Float(x as f64))
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Float, E> {
                match s {
                    "inf" => Ok(Float(f64::INFINITY)),
                    "-inf" => Ok(Float(f64::NEG_INFINITY)),
                    "NaN" => Ok(Float(f64::NAN)),
                    _ => Err(E::invalid_value(de::Unexpected::Str(s), &self)),
                }
            }
        }
        d.deserialize_any(V)
    }
}

/// `#[serde(with = "crate::stats::float::scalar")]` for an `f64` field.
pub mod scalar {
    use super::*;

    /// Serialize.
    pub fn serialize<S: Serializer>(x: &f64, s: S) -> Result<S::Ok, S::Error> {
        Float(*x).serialize(s)
    }

    /// Deserialize.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        Ok(Float::deserialize(d)?.0)
    }
}

/// `#[serde(with = "crate::stats::float::block_sums")]` for per-block sums.
pub mod block_sums {
    use super::*;

    /// Serialize.
    pub fn serialize<S: Serializer>(v: &[(u64, Vec<f64>)], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(
            v.iter()
                .map(|(b, xs)| (b, xs.iter().map(|&x| Float(x)).collect::<Vec<_>>())),
        )
    }

    /// Deserialize.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<(u64, Vec<f64>)>, D::Error> {
        let v: Vec<(u64, Vec<Float>)> = Vec::deserialize(d)?;
        Ok(v.into_iter()
            .map(|(b, xs)| (b, xs.into_iter().map(|x| x.0).collect()))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_finite_values_round_trip_and_finite_ones_stay_numbers() {
        for x in [0.0, -1.5, 1e300, f64::MAX, f64::INFINITY, f64::NEG_INFINITY] {
            let json = serde_json::to_string(&Float(x)).unwrap();
            assert_eq!(serde_json::from_str::<Float>(&json).unwrap().0, x);
        }
        assert_eq!(serde_json::to_string(&Float(2.5)).unwrap(), "2.5");
        assert_eq!(
            serde_json::to_string(&Float(f64::INFINITY)).unwrap(),
            "\"inf\""
        );
        assert!(serde_json::from_str::<Float>("\"NaN\"").unwrap().0.is_nan());
        assert!(serde_json::from_str::<Float>("null").is_err());
    }
}
