//! What "the same scenario" means, once for the whole crate: two scenarios
//! are the same when their fields are equal. The fingerprint is the SHA-256
//! of a canonical serialization of the [`RawScenario`]: compact JSON with the
//! fields in the order the structs declare them, maps (loadings, terms) in
//! key order and numbers in their shortest round-trip form. Comments,
//! whitespace, key order, quoting style and `1.0` versus `1.00` in the file
//! do not change it; any changed number, id or label does.
//!
//! The sweep journal records it as `scenario_sha256`; a shard part hashes it
//! (with version, block size, seed and paths) into its `fingerprint`.

use sha2::{Digest, Sha256};

use super::raw::RawScenario;

/// SHA-256 (64 lowercase hex digits) of the scenario's canonical serialization.
pub fn fingerprint(raw: &RawScenario) -> String {
    // Serializing plain structs, strings, numbers and string-keyed maps to
    // JSON cannot fail.
    let bytes = serde_json::to_vec(raw).unwrap_or_default();
    hex(&Sha256::digest(&bytes))
}

/// Lowercase hex of a digest.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_and_layout_do_not_matter_numbers_do() {
        let a = "[scenario]\nname = \"x\"\nregion = \"r\"\nbase_year = 2021\nhorizon = 1\n";
        let b = "# a comment\n[scenario]\nregion   = 'r'\nname = \"x\"\n\nhorizon = 1\nbase_year = 2021 # year\n";
        let c = "[scenario]\nname = \"x\"\nregion = \"r\"\nbase_year = 2021\nhorizon = 2\n";
        let f = |t: &str| fingerprint(&crate::scenario::parse(t, "t").unwrap());
        assert_eq!(f(a), f(b));
        assert_ne!(f(a), f(c));
        assert_eq!(f(a).len(), 64);
    }
}
