//! The table on a terminal: the wide layout where there is room (or when the
//! output is piped or written to a file, whose bytes never depend on the
//! terminal), the compact one on a terminal narrower than
//! [`COMPACT_BELOW`](attain::report::table::COMPACT_BELOW) columns.

use attain::error::Result;
use attain::report::table::{self, COMPACT_BELOW, Labels};
use attain::{Format, Report};

use crate::cli::LabelsArg;

/// The width of the terminal standard output is, or `None` when it is not one:
/// `COLUMNS` when set to a number, else what the terminal says.
fn terminal_width() -> Option<u16> {
    use std::io::IsTerminal;
    if !std::io::stdout().is_terminal() {
        return None;
    }
    let columns = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse().ok());
    columns
        .or_else(|| comfy_table::Table::new().width())
        .filter(|&w| w > 0)
}

/// The language of the labels when `--labels` is not given on a narrow
/// terminal: Chinese when the locale (`LC_ALL`, else `LANG`) starts with `zh`.
fn locale_labels() -> Labels {
    let locale = ["LC_ALL", "LANG"]
        .iter()
        .filter_map(|v| std::env::var(v).ok())
        .find(|v| !v.is_empty())
        .unwrap_or_default();
    if locale.starts_with("zh") {
        Labels::Zh
    } else {
        Labels::En
    }
}

/// A report's bytes, as [`crate::output::report_bytes`] gives them, except that a table
/// on a narrow terminal gets the compact layout, and `--labels` chooses the labels.
pub fn report_bytes(
    report: &Report,
    format: Format,
    to_stdout: bool,
    labels: Option<LabelsArg>,
) -> Result<Vec<u8>> {
    if format != Format::Table {
        return crate::output::report_bytes(report, format, to_stdout);
    }
    let width = if to_stdout { terminal_width() } else { None };
    let colour = to_stdout && crate::errors::colour(&std::io::stdout());
    match (width, labels) {
        (Some(w), labels) if w < COMPACT_BELOW => {
            let labels = labels.map_or_else(locale_labels, Labels::from);
            Ok(table::render_compact(report, w, labels, colour).into_bytes())
        }
        (_, None | Some(LabelsArg::Both)) => crate::output::report_bytes(report, format, to_stdout),
        (_, Some(l)) => {
            Ok(
                table::render_wide(report, attain::report::TABLE_WIDTH, colour, Labels::from(l))
                    .into_bytes(),
            )
        }
    }
}
