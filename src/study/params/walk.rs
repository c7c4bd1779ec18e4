//! The walker: paths are read off the scenario's own structure.
//!
//! The scenario is serialized (serde) to a JSON tree; a path walks it key by
//! key. Three structural rules, and nothing per field:
//!
//! * an array of tables is entered by an element's `id`, or, for elements
//!   with no `id` (impacts), by the string that names what the element
//!   refers to (an impact's sector or indicator); two matches are ambiguous;
//! * an array of rows beside an `order` list (the correlation matrix) is
//!   entered by two names of `order`, and a setting writes both symmetric
//!   entries;
//! * a map of numbers (loadings, terms) takes a key it does not have yet when
//!   the key names something of the kind [`KEY_DOMAINS`] says it refers to.
//!
//! Whether a leaf is a number, and a whole number, comes from the tree (an
//! integer field serializes as an integer) or, for an optional field the file
//! leaves out, from deserializing a probe value back into [`RawScenario`].
//! A setting is written into the tree and the tree deserialized back, so a
//! numeric field added to the format is addressable without touching this.

use serde_json::Value;

use super::list;
use crate::error::{Error, Result};
use crate::scenario::raw::RawScenario;
use crate::scenario::validate;

/// Map fields whose new keys must name an existing id, and of what kinds
/// (the arrays whose ids count, and the words for messages).
const KEY_DOMAINS: [(&str, &[&str], &str); 2] = [
    ("loadings", &["shocks"], "shock"),
    (
        "terms",
        &["sectors", "shocks", "indicators"],
        "sector, shock or indicator",
    ),
];

/// Optional fields that read as a default where the file leaves them out
/// (array, field, default): they apply to every event and indicator.
const DEFAULTS: [(&str, &str, f64); 3] = [
    ("events", "recovery", 1.0),
    ("indicators", "noise", 0.0),
    ("shocks", "scale", 1.0),
];

/// One step from a node of the tree to a child.
#[derive(Debug, Clone, PartialEq)]
enum Step {
    Key(String),
    Index(usize),
}

/// What a path points at, resolved against a scenario's tree.
#[derive(Debug, Clone, PartialEq)]
struct Slot {
    /// Steps from the root to the number.
    at: Vec<Step>,
    /// The symmetric entry of a correlation, written together with `at`.
    mirror: Option<Vec<Step>>,
    /// The number there now; `None` for an optional field the file leaves
    /// out or a map key not in the map.
    current: Option<f64>,
    /// What an absent value reads as.
    default: Option<f64>,
    /// Only whole values fit (years, quarters).
    integer: bool,
    /// How a per-year field is addressed (`Plain` for every other number).
    shape: Shape,
}

/// A per-year field (a number, or an array with one value per simulated
/// year, the last repeating) addressed as a whole or one year at a time.
#[derive(Debug, Clone, PartialEq)]
enum Shape {
    /// One number (a field that is not per year, or a per-year field
    /// written as one number and addressed as a whole).
    Plain,
    /// A per-year array addressed as a whole: its first year's value; a
    /// setting moves every year the same way (see [`moved`]).
    Whole { values: Vec<f64>, shift: bool },
    /// One simulated year (`index` 0 = `base_year + 1`) of a per-year field
    /// written as `values` (one value for a number; empty when the file
    /// leaves an optional field out, which then reads as its default).
    Year {
        index: usize,
        values: Vec<f64>,
        horizon: usize,
    },
}

/// Per-year fields whose whole-list setting shifts every year by the same
/// difference (growth rates, which may be zero or negative); every other
/// per-year field (probabilities, volatilities, scales, impact sizes) is
/// scaled by the same factor.
const SHIFTED: [(&str, &str); 2] = [("sectors", "growth"), ("indicators", "mean")];

pub(super) fn tree(raw: &RawScenario) -> Result<Value> {
    serde_json::to_value(raw).map_err(|e| Error::Internal(format!("scenario serialization: {e}")))
}

pub(super) fn from_tree(v: Value) -> std::result::Result<RawScenario, serde_json::Error> {
    serde_json::from_value(v)
}

fn node_mut<'a>(root: &'a mut Value, at: &[Step]) -> Option<&'a mut Value> {
    let mut v = root;
    for s in at {
        v = match s {
            Step::Key(k) => v.as_object_mut()?.get_mut(k)?,
            Step::Index(i) => v.as_array_mut()?.get_mut(*i)?,
        };
    }
    Some(v)
}

/// Write `x` at `at` (the last step a key, which is added to its object if
/// missing).
fn put(root: &mut Value, at: &[Step], x: Value) -> bool {
    let Some((Step::Key(last), parent)) = at.split_last() else {
        return match node_mut(root, at) {
            Some(v) => {
                *v = x;
                true
            }
            None => false,
        };
    };
    match node_mut(root, parent).and_then(Value::as_object_mut) {
        Some(obj) => {
            obj.insert(last.clone(), x);
            true
        }
        None => false,
    }
}

/// Whether the scenario still deserializes with `x` at `at`.
fn fits(root: &Value, at: &[Step], x: Value) -> bool {
    let mut probe = root.clone();
    put(&mut probe, at, x) && from_tree(probe).is_ok()
}

/// The number at a leaf as JSON: an integer where only whole values fit.
fn number(x: f64, integer: bool) -> Value {
    if integer {
        Value::from(x as i64)
    } else {
        serde_json::Number::from_f64(x).map_or(Value::Null, Value::Number)
    }
}

/// "a sector", "an event".
fn a(noun: &str) -> String {
    let article = if noun.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    };
    format!("{article} {noun}")
}

/// The kind of an array's elements: `sectors` -> `sector`.
fn singular(key: &str) -> &str {
    key.strip_suffix('s').unwrap_or(key)
}

/// Ids of the elements of a top-level array (`sectors`, ...).
fn ids<'a>(root: &'a Value, array: &str) -> impl Iterator<Item = &'a str> {
    root.get(array)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|e| e.get("id").and_then(Value::as_str))
}

/// Whether an array element answers to `name`: its `id`, or where it has
/// none, a string naming what it refers to.
fn answers_to(element: &Value, name: &str) -> bool {
    let Some(obj) = element.as_object() else {
        return false;
    };
    match obj.get("id") {
        Some(id) => id.as_str() == Some(name),
        None => obj.values().any(|v| v.as_str() == Some(name)),
    }
}

/// The numbers an object has (set, or optional and settable), for messages.
fn numbers_of(root: &Value, at: &[Step], obj: &serde_json::Map<String, Value>) -> Vec<String> {
    obj.iter()
        .filter(|(k, v)| match v {
            Value::Number(_) => true,
            Value::Null => {
                let mut here = at.to_vec();
                here.push(Step::Key((*k).clone()));
                fits(root, &here, Value::from(0))
            }
            Value::Object(_) => true,
            _ => false,
        })
        .map(|(k, v)| {
            if v.is_object() {
                format!("{k}.KEY")
            } else {
                k.clone()
            }
        })
        .collect()
}

/// The error for a path that does not resolve, with the nearest listed path.
pub(super) fn unknown_path(raw: &RawScenario, path: &str, why: &str) -> Error {
    let known = list(raw);
    let mut msg = format!("unknown parameter path ({why})");
    if let Some(n) = validate::nearest(path, known.iter().map(|p| p.path.as_str())) {
        msg.push_str(&format!("; did you mean {n}?"));
    } else {
        msg.push_str("; `attain params SCENARIO` lists every path");
    }
    Error::argument(path, msg)
}

/// Where the listed paths start (`scenario`, `sectors`, `shock_correlation.matrix` ...).
fn path_starts(raw: &RawScenario, root: &Value) -> String {
    let mut starts: Vec<String> = vec![];
    for p in list(raw) {
        let parts: Vec<&str> = p.path.split('.').collect();
        let head = match root.get(parts[0]) {
            Some(Value::Object(o)) if o.get(parts[1]).is_some_and(|v| !v.is_number()) => {
                format!("{}.{}", parts[0], parts[1])
            }
            _ => parts[0].to_string(),
        };
        if !starts.contains(&head) {
            starts.push(head);
        }
    }
    match starts.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        Some((last, _)) => last.clone(),
        None => "nothing (the scenario has no numbers)".into(),
    }
}

fn resolve(raw: &RawScenario, root: &Value, path: &str) -> Result<Slot> {
    let parts: Vec<&str> = path.split('.').collect();
    let bad = |why: String| Err(unknown_path(raw, path, &why));
    if parts.iter().any(|p| p.is_empty()) {
        return bad("empty segment; a path is dotted, like sectors.automobile.growth".into());
    }
    let mut at: Vec<Step> = vec![];
    let mut node = root;
    // For messages: what the current object is ("[scenario]", "a sector"),
    // the element last entered (`event "chip_squeeze"`), the top-level array.
    let mut what = String::from("the scenario");
    let mut element = String::new();
    let mut array = "";
    let mut i = 0;
    while i < parts.len() {
        let seg = parts[i];
        let last = i + 1 == parts.len();
        match node {
            Value::Object(obj) => {
                let order = obj.get("order").and_then(Value::as_array);
                if let (Some(Value::Array(rows)), Some(order)) = (obj.get(seg), order) {
                    if rows.iter().all(Value::is_array) {
                        let [x, y] = parts[i + 1..] else {
                            return bad(format!(
                                "a matrix entry is {}.ID.ID, two ids of its order",
                                parts[..=i].join(".")
                            ));
                        };
                        let names: Vec<&str> = order.iter().filter_map(Value::as_str).collect();
                        let pos = |n: &str| names.iter().position(|o| *o == n);
                        let (Some(r), Some(k)) = (pos(x), pos(y)) else {
                            let n = if pos(x).is_none() { x } else { y };
                            return bad(format!(
                                "no shock in {}.order with id {n:?}",
                                parts[..i].join(".")
                            ));
                        };
                        let entry = |r: usize, k: usize| rows[r].get(k).and_then(Value::as_f64);
                        let (Some(v), Some(_)) = (entry(r, k), entry(k, r)) else {
                            return bad("the matrix has no such entry (it is not square)".into());
                        };
                        let cell = |r: usize, k: usize| {
                            let mut s = at.clone();
                            s.extend([Step::Key(seg.to_string()), Step::Index(r), Step::Index(k)]);
                            s
                        };
                        return Ok(Slot {
                            at: cell(r, k),
                            mirror: Some(cell(k, r)),
                            current: Some(v),
                            default: None,
                            integer: false,
                            shape: Shape::Plain,
                        });
                    }
                }
                let mut here = at.clone();
                here.push(Step::Key(seg.to_string()));
                match obj.get(seg) {
                    Some(child) => {
                        if at.is_empty() {
                            array = seg;
                            what = format!("[{seg}]");
                        }
                        at = here;
                        node = child;
                    }
                    None if at.is_empty() => {
                        return bad(format!("a path starts with {}", path_starts(raw, root)));
                    }
                    // A map takes new keys; a struct (which denies unknown
                    // fields) does not.
                    None if last && fits(root, &here, Value::from(0)) => {
                        let map = parts[i - 1];
                        if let Some((_, kinds, words)) =
                            KEY_DOMAINS.iter().find(|(name, _, _)| *name == map)
                        {
                            if !kinds.iter().any(|k| ids(root, k).any(|id| id == seg)) {
                                return bad(format!("no {words} with id {seg:?}"));
                            }
                        }
                        return Ok(Slot {
                            integer: !fits(root, &here, Value::from(0.5)),
                            at: here,
                            mirror: None,
                            current: None,
                            default: Some(0.0),
                            shape: Shape::Plain,
                        });
                    }
                    // An optional per-year field the file leaves out,
                    // addressed by year: it reads as its default.
                    None if i + 2 == parts.len() && per_year(root, &here) => {
                        let default = DEFAULTS
                            .iter()
                            .find(|(arr, f, _)| *arr == array && *f == seg && i == 2)
                            .map(|(_, _, d)| *d);
                        let Some(d) = default else {
                            return bad(format!(
                                "{} is not set in this scenario; set it as a whole first",
                                parts[..=i].join(".")
                            ));
                        };
                        return year_slot(
                            raw,
                            &parts[..=i],
                            &parts[i + 1..],
                            here,
                            vec![],
                            Some(d),
                        )
                        .map_err(|why| not_a_year(path, &why));
                    }
                    None => {
                        return bad(format!(
                            "{what} has no number {seg:?}; expected one of {}",
                            numbers_of(root, &at, obj).join(", ")
                        ));
                    }
                }
            }
            Value::Array(items) if items.iter().all(Value::is_number) && per_year(root, &at) => {
                let values: Vec<f64> = items.iter().filter_map(Value::as_f64).collect();
                return year_slot(raw, &parts[..i], &parts[i..], at, values, None)
                    .map_err(|why| not_a_year(path, &why));
            }
            Value::Number(n) if per_year(root, &at) => {
                let values = n.as_f64().into_iter().collect();
                return year_slot(raw, &parts[..i], &parts[i..], at, values, None)
                    .map_err(|why| not_a_year(path, &why));
            }
            Value::Array(items) => {
                let key = parts[i - 1];
                let noun = singular(key);
                if !items.iter().all(Value::is_object) {
                    return bad(format!(
                        "{} is a list, not one number",
                        parts[..i].join(".")
                    ));
                }
                let hits: Vec<usize> = (0..items.len())
                    .filter(|k| answers_to(&items[*k], seg))
                    .collect();
                let named_by_id = items.iter().any(|e| e.get("id").is_some());
                match hits.as_slice() {
                    [k] => {
                        at.push(Step::Index(*k));
                        node = &items[*k];
                        what = a(noun);
                        element = format!("{noun} {seg:?}");
                    }
                    [] if named_by_id => return bad(format!("no {noun} with id {seg:?}")),
                    [] => return bad(format!("{element} has no {noun} on {seg:?}")),
                    _ => {
                        return bad(format!(
                            "{element} has {} {key} on {seg:?}, so the path is ambiguous",
                            hits.len()
                        ));
                    }
                }
            }
            Value::Null if i == 1 => {
                return bad(format!("the scenario has no [{}] table", parts[0]));
            }
            Value::Null => {
                return bad(format!(
                    "{} is not set in this scenario",
                    parts[..i].join(".")
                ));
            }
            _ => {
                return bad(format!(
                    "{} is a number, so the path ends there",
                    parts[..i].join(".")
                ));
            }
        }
        i += 1;
    }
    let field = parts[parts.len() - 1];
    let default = DEFAULTS
        .iter()
        .find(|(arr, f, _)| *arr == array && *f == field && parts.len() == 3)
        .map(|(_, _, d)| *d);
    match node {
        Value::Number(n) => Ok(Slot {
            at,
            mirror: None,
            current: n.as_f64(),
            default,
            integer: !n.is_f64(),
            shape: Shape::Plain,
        }),
        Value::Null if fits(root, &at, Value::from(0)) => Ok(Slot {
            integer: !fits(root, &at, Value::from(0.5)),
            at,
            mirror: None,
            current: None,
            default,
            shape: Shape::Plain,
        }),
        Value::Array(items) if items.iter().all(Value::is_number) && per_year(root, &at) => {
            let values: Vec<f64> = items.iter().filter_map(Value::as_f64).collect();
            Ok(Slot {
                at,
                mirror: None,
                current: values.first().copied(),
                default: None,
                integer: false,
                shape: Shape::Whole {
                    values,
                    shift: SHIFTED.contains(&(array, field)),
                },
            })
        }
        _ => {
            let parent = &parts[..parts.len() - 1];
            let mut up = root;
            for s in &at[..at.len() - 1] {
                up = match s {
                    Step::Key(k) => &up[k.as_str()],
                    Step::Index(i) => &up[*i],
                };
            }
            let hint = up
                .as_object()
                .map(|o| numbers_of(root, &at[..at.len() - 1], o).join(", "))
                .unwrap_or_default();
            if parent.is_empty() {
                return bad(format!("{field} is a table, not a number"));
            }
            bad(format!(
                "{what} has no number {field:?}; expected one of {hint}"
            ))
        }
    }
}

/// The error for a per-year path whose year is not one of the simulated
/// years: the message names them, so no nearest path is suggested.
fn not_a_year(path: &str, why: &str) -> Error {
    Error::argument(path, format!("unknown parameter path ({why})"))
}

/// Whether the field at `at` is per year: it takes one number and also an
/// array of numbers (a plain number field takes no array, a list of
/// quarters no single number).
fn per_year(root: &Value, at: &[Step]) -> bool {
    fits(root, at, Value::from(0.5)) && fits(root, at, serde_json::json!([0.5]))
}

/// The simulated years of the scenario, `base_year + 1 ..= base_year + horizon`.
pub(super) fn years(raw: &RawScenario) -> std::ops::RangeInclusive<i64> {
    let first = i64::from(raw.scenario.base_year) + 1;
    first..=first + i64::from(raw.scenario.horizon) - 1
}

/// The slot of one year (`rest`, a single segment) of the per-year field
/// at `field` (`at` in the tree), written as `values` (empty: absent, read
/// as `default`). `Err` is the reason for an unknown-path message.
fn year_slot(
    raw: &RawScenario,
    field: &[&str],
    rest: &[&str],
    at: Vec<Step>,
    values: Vec<f64>,
    default: Option<f64>,
) -> std::result::Result<Slot, String> {
    let name = field.join(".");
    let span = years(raw);
    let valid = if span.is_empty() {
        "the scenario simulates no year (horizon 0)".to_string()
    } else if span.start() == span.end() {
        format!("the only simulated year is {}", span.start())
    } else {
        format!("the simulated years are {} to {}", span.start(), span.end())
    };
    let [seg] = rest else {
        return Err(format!(
            "{name} is per year, so a path ends with its field ({name}) or a year ({name}.{}); {valid}",
            span.start()
        ));
    };
    let index = match seg.parse::<i64>() {
        Ok(y) if span.contains(&y) => (y - span.start()) as usize,
        Ok(y) => return Err(format!("{name} has no year {y}; {valid}")),
        Err(_) => {
            return Err(format!(
                "{name} is per year, so what follows it is a simulated year, not {seg:?}; {valid}"
            ));
        }
    };
    let current = values.get(index).or(values.last()).copied();
    Ok(Slot {
        at,
        mirror: None,
        current,
        default,
        integer: false,
        shape: Shape::Year {
            index,
            values,
            horizon: span.count(),
        },
    })
}

/// A per-year array moved as a whole so that its first year reads `to`:
/// every year shifted by the same difference (`shift`), or scaled by the
/// same factor, which keeps the ratios between years. A scaled array whose
/// first value is 0 cannot move unless all its values are 0.
fn moved(values: &[f64], shift: bool, to: f64) -> std::result::Result<Vec<f64>, String> {
    let Some(&first) = values.first() else {
        return Err("the per-year array is empty".into());
    };
    if !shift && first == 0.0 && values.iter().any(|x| *x != 0.0) {
        return Err(
            "its first simulated year is 0, so the later years cannot be scaled with it; set the years one at a time (PATH.YEAR)"
                .into(),
        );
    }
    Ok(values
        .iter()
        .enumerate()
        .map(|(k, &x)| match k {
            0 => to,
            _ if shift => x + (to - first),
            _ if first == 0.0 => to,
            _ => x * (to / first),
        })
        .collect())
}

/// A per-year array with year `index` set to `to` and every other simulated
/// year (of `horizon`) reading as before: an array shorter than the year is
/// lengthened with its last value, and one more value restores the years
/// after it.
fn with_year(values: &[f64], index: usize, horizon: usize, to: f64) -> Vec<f64> {
    let last = values.last().copied().unwrap_or(to);
    let mut out = values.to_vec();
    if index < out.len() {
        out[index] = to;
        return out;
    }
    out.resize(index, last);
    out.push(to);
    if index + 1 < horizon {
        out.push(last);
    }
    out
}

/// Tables whose numbers are data the run is conditioned on, or the
/// distributions of `[[assumptions]]` (whose entries have no id, only a
/// parameter path): not listed.
const NOT_LISTED: [&str; 2] = ["observed", "assumptions"];

/// Append to `listed` every number the scenario sets that the listing above
/// does not name (a numeric field newer than the listing), with no unit, so
/// that `attain params` and "did you mean" know every addressable number.
/// Elements without a unique name, number lists and the correlation matrix
/// (listed by pairs) are skipped.
pub(super) fn append_unlisted(raw: &RawScenario, listed: &mut Vec<super::Param>) {
    let Ok(root) = tree(raw) else {
        return;
    };
    let known: std::collections::HashSet<String> = listed.iter().map(|p| p.path.clone()).collect();
    let mut found = vec![];
    if let Value::Object(top) = &root {
        for (k, v) in top {
            if !NOT_LISTED.contains(&k.as_str()) && k != "shock_correlation" {
                leaves(k, v, &mut found);
            }
        }
    }
    for (path, value, integer) in found {
        if !known.contains(&path) {
            listed.push(super::Param {
                path,
                value,
                unit: String::new(),
                integer,
            });
        }
    }
}

/// Every number under `v`, with its path.
fn leaves(path: &str, v: &Value, out: &mut Vec<(String, f64, bool)>) {
    match v {
        Value::Number(n) => {
            if let Some(x) = n.as_f64() {
                out.push((path.to_string(), x, !n.is_f64()));
            }
        }
        Value::Object(o) => {
            for (k, c) in o {
                leaves(&format!("{path}.{k}"), c, out);
            }
        }
        Value::Array(items) if items.iter().all(Value::is_object) => {
            let names: Vec<Option<&str>> = items
                .iter()
                .map(|e| match e.get("id") {
                    Some(id) => id.as_str(),
                    None => e
                        .as_object()
                        .and_then(|o| o.values().find_map(Value::as_str)),
                })
                .collect();
            for (e, name) in items.iter().zip(&names) {
                let Some(name) = name else { continue };
                if names.iter().filter(|n| *n == &Some(*name)).count() == 1 {
                    leaves(&format!("{path}.{name}"), e, out);
                }
            }
        }
        _ => {}
    }
}

/// Check that a path exists in the scenario (without reading it).
///
/// # Errors
/// `Argument` naming the path, with the nearest valid path when there is one.
pub fn check_path(raw: &RawScenario, path: &str) -> Result<()> {
    resolve(raw, &tree(raw)?, path).map(|_| ())
}

/// Whether the path's field is an integer (years, quarters).
///
/// # Errors
/// `Argument` for an unknown path.
pub fn is_integer_path(raw: &RawScenario, path: &str) -> Result<bool> {
    resolve(raw, &tree(raw)?, path).map(|s| s.integer)
}

/// The current value at a path (the default where the file leaves an
/// optional field with a default out; 0 for a loading or term not in its
/// table).
///
/// # Errors
/// `Argument` for an unknown path, or an optional field the file does not set
/// and that has no default.
pub fn get(raw: &RawScenario, path: &str) -> Result<f64> {
    let slot = resolve(raw, &tree(raw)?, path)?;
    slot.current.or(slot.default).ok_or_else(|| {
        Error::argument(
            path,
            "is not set in this scenario (it has no value to read, though it can be set)",
        )
    })
}

/// Words for a whole-number field, from its unit.
fn whole_words(raw: &RawScenario, path: &str) -> String {
    let unit = list(raw)
        .into_iter()
        .find(|p| p.path == path)
        .map(|p| p.unit)
        .unwrap_or_default();
    match unit.as_str() {
        "year" => "a year".into(),
        "years" => "a number of years, >= 0".into(),
        "quarters" => "quarters, >= 0".into(),
        "" => "an integer field".into(),
        u => u.to_string(),
    }
}

/// Set one number in the tree.
fn set_in(raw: &RawScenario, root: &mut Value, path: &str, value: f64) -> Result<()> {
    let slot = resolve(raw, root, path)?;
    if !value.is_finite() {
        return Err(Error::argument(
            path,
            format!("must be a finite number, got {value}"),
        ));
    }
    if slot.integer && (value.fract() != 0.0 || value.abs() > 9.0e15) {
        return Err(Error::argument(
            path,
            format!(
                "is a whole number ({}), got {value}",
                whole_words(raw, path)
            ),
        ));
    }
    let written = match &slot.shape {
        Shape::Plain => number(value, slot.integer),
        Shape::Whole { values, shift } => {
            let moved = moved(values, *shift, value).map_err(|why| {
                Error::argument(path, format!("cannot set the whole list: {why}"))
            })?;
            Value::from(moved)
        }
        Shape::Year {
            index,
            values,
            horizon,
        } => {
            let written: Vec<f64> = match values.as_slice() {
                [] => slot.default.into_iter().collect(),
                v => v.to_vec(),
            };
            Value::from(with_year(&written, *index, *horizon, value))
        }
    };
    for at in std::iter::once(&slot.at).chain(slot.mirror.as_ref()) {
        put(root, at, written.clone());
    }
    if slot.integer && !fits(root, &[], root.clone()) {
        return Err(Error::argument(
            path,
            format!("{} out of range, got {value}", whole_words(raw, path)),
        ));
    }
    Ok(())
}

/// A copy of `raw` with the settings written in.
pub(super) fn with_settings(raw: &RawScenario, settings: &[(String, f64)]) -> Result<RawScenario> {
    let mut root = tree(raw)?;
    for (path, value) in settings {
        set_in(raw, &mut root, path, *value)?;
    }
    from_tree(root).map_err(|e| Error::Internal(format!("scenario after settings: {e}")))
}

/// Set the number at a path. Ranges are not checked here: validate the
/// result (see [`apply`]). Setting an optional field the file leaves out adds
/// it; setting a correlation sets both symmetric entries.
///
/// # Errors
/// `Argument` naming the path: unknown path, a non-finite value, or a
/// fractional value for an integer field.
pub fn set(raw: &mut RawScenario, path: &str, value: f64) -> Result<()> {
    *raw = with_settings(raw, &[(path.to_string(), value)])?;
    Ok(())
}
