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
/// position. Returns `None` when the text does not parse. To locate many
/// paths in one text, use a [`Locator`], which parses it once.
pub fn locate(text: &str, path: &[Segment]) -> Option<(usize, usize)> {
    Locator::new(text).locate(path)
}

/// A text parsed once into toml's spanned tree, with the offset of each
/// line, so that locating each of thousands of problems costs a walk down
/// its path and a binary search, not a parse and a scan of the text.
pub struct Locator<'a> {
    text: &'a str,
    doc: Option<toml::Spanned<DeTable<'a>>>,
    line_starts: Vec<usize>,
}

impl<'a> Locator<'a> {
    /// Parse `text` (a text that does not parse locates nothing).
    pub fn new(text: &'a str) -> Self {
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Locator {
            text,
            doc: DeTable::parse(text).ok(),
            line_starts,
        }
    }

    /// [`line_col`], by binary search.
    fn line_col(&self, offset: usize) -> (usize, usize) {
        let text = self.text;
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.line_starts.partition_point(|&s| s <= offset);
        let start = self.line_starts[line - 1];
        (line, text[start..offset].chars().count() + 1)
    }

    /// [`locate`] in this text.
    pub fn locate(&self, path: &[Segment]) -> Option<(usize, usize)> {
        let doc = self.doc.as_ref()?;
        self.walk(doc.get_ref(), path)
    }

    fn walk(&self, root: &DeTable<'a>, path: &[Segment]) -> Option<(usize, usize)> {
        let mut best = None;
        let mut current: Option<&DeValue<'_>> = None;
        let mut table = Some(root);
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
            best = Some(self.line_col(span.start));
            current = Some(value.get_ref());
            table = match value.get_ref() {
                DeValue::Table(t) => Some(t),
                _ => None,
            };
        }
        best
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locator_line_col_matches_line_col() {
        let text = "a = 1\n\nb = \"吉林\" x\nc";
        let l = Locator::new(text);
        for offset in 0..=text.len() + 2 {
            assert_eq!(l.line_col(offset), line_col(text, offset), "{offset}");
        }
    }

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
