//! Map a field path back to a line and column of the scenario text.
//!
//! serde reports spans only for syntax and type errors. Validation happens
//! afterwards on plain structs, so to point at the offending line we re-read
//! the text into toml's spanned document tree and walk it along the path.

use toml::de::{DeTable, DeValue};

/// One step of a field path: a table key or an array index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    /// A table key.
    Key(String),
    /// An array element.
    Index(usize),
}

/// Line and column (1-based) of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

/// Find the deepest element of `path` present in the document and return its
/// position. Returns `None` when the text does not parse.
pub fn locate(text: &str, path: &[Segment]) -> Option<(usize, usize)> {
    let doc = DeTable::parse(text).ok()?;
    let mut best = None;
    let mut current: Option<&DeValue<'_>> = None;
    let mut table = Some(doc.get_ref());
    for seg in path {
        let next = match (seg, table, current) {
            (Segment::Key(k), Some(t), _) => t
                .iter()
                .find(|(key, _)| key.get_ref().as_ref() == k.as_str())
                .map(|(key, v)| (key.span(), v)),
            (Segment::Index(i), _, Some(DeValue::Array(a))) => a.get(*i).map(|v| (v.span(), v)),
            _ => None,
        };
        let Some((key_span, value)) = next else { break };
        // Point at the value for scalars, at the key (header) for tables.
        let span = match value.get_ref() {
            DeValue::Table(_) | DeValue::Array(_) => key_span,
            _ => value.span(),
        };
        best = Some(line_col(text, span.start));
        current = Some(value.get_ref());
        table = match value.get_ref() {
            DeValue::Table(t) => Some(t),
            _ => None,
        };
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_array_of_tables_field() {
        let text = "[scenario]\nname = 'x'\n\n[[sectors]]\nid = 'a'\n\n[[sectors]]\nid = 'b'\nvolatility = -1\n";
        let path = [
            Segment::Key("sectors".into()),
            Segment::Index(1),
            Segment::Key("volatility".into()),
        ];
        assert_eq!(locate(text, &path), Some((9, 14)));
    }

    #[test]
    fn falls_back_to_enclosing_element() {
        let text = "[[sectors]]\nid = 'a'\n";
        let path = [
            Segment::Key("sectors".into()),
            Segment::Index(0),
            Segment::Key("growth".into()),
        ];
        assert_eq!(locate(text, &path).map(|p| p.0), Some(1));
    }

    #[test]
    fn line_col_counts_chars_not_bytes() {
        assert_eq!(line_col("a = '吉林'\nb", 11), (1, 8));
        // An offset inside a multi-byte character does not panic.
        assert_eq!(line_col("a = '吉林'\nb", 10), (1, 7));
        assert_eq!(line_col("x\ny", 2), (2, 1));
    }
}
