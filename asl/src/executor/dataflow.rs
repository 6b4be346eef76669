//! The data flow between a state's input and output: InputPath, ResultPath, OutputPath, and
//! the fields that take a number from a path.

use crate::definition::{Amount, IoPath, ResultPath, Seconds};
use crate::error::Failure;
use crate::history::DataDetails;
use crate::jsonata::{JValue, Site};
use crate::path::Env;
use chrono::{DateTime, Utc};
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::time::Duration;

pub(super) fn no_data() -> Option<DataDetails> {
    Some(DataDetails { truncated: false })
}

fn missing_io(path: &crate::path::Path, doc: &Value) -> Failure {
    Failure::runtime(missing_path(path, doc))
}

/// AWS's words for a definite path that finds nothing in `doc`: the missing field in the
/// middle of the path, or the whole path when only its last step is missing.
pub(super) fn missing_path(path: &crate::path::Path, doc: &Value) -> String {
    match path.missing_prefix(doc) {
        Some(prefix) => format!("Invalid path '{path}' : Missing property in path {prefix}"),
        None => format!(
            "Invalid path '{path}' : No results for path: {}",
            path.bracketed()
        ),
    }
}

/// Applies an InputPath/OutputPath to an owned document, moving the selected part out.
pub(super) fn apply_io(p: &IoPath, v: Value, env: &Env<'_>) -> Result<Value, Failure> {
    match p {
        IoPath::Root => Ok(v),
        IoPath::Null => Ok(Value::Object(Map::new())),
        // A definite path is checked by reference first, so the cause can name what is
        // missing without a copy of the document.
        IoPath::Path(path) if path.is_definite() && path.select_in(&v, env).is_none() => {
            Err(missing_io(path, &v))
        }
        IoPath::Path(path) => path
            .take_in(v, env)
            .ok_or_else(|| missing_io(path, &Value::Null)),
    }
}

/// Applies an InputPath to a borrowed document, copying nothing when it can.
pub(super) fn select_io<'v>(
    p: &IoPath,
    v: &'v Value,
    env: &Env<'v>,
) -> Result<Cow<'v, Value>, Failure> {
    match p {
        IoPath::Root => Ok(Cow::Borrowed(v)),
        IoPath::Null => Ok(Cow::Owned(Value::Object(Map::new()))),
        IoPath::Path(path) => path.select_in(v, env).ok_or_else(|| missing_io(path, v)),
    }
}

pub(super) fn apply_result_path(
    p: &ResultPath,
    raw: Value,
    result: Value,
) -> Result<Value, Failure> {
    match p {
        ResultPath::Replace => Ok(result),
        ResultPath::Discard => Ok(raw),
        ResultPath::At(path) => path.set(raw, result).map_err(Failure::runtime),
    }
}

/// A number of seconds (or a concurrency): fixed, from a JSONPath path (`field` is the
/// path field's name), or from a JSONata expression evaluated against `states`.
pub(super) fn resolve_seconds(
    s: &Seconds,
    input: &Value,
    env: &Env<'_>,
    field: &str,
    states: Option<&JValue>,
    state: &str,
    zero_ok: bool,
) -> Result<u64, Failure> {
    match s {
        Seconds::Fixed(n) => Ok(*n),
        Seconds::Jsonata(e) => super::jsonata::seconds(
            e,
            states.expect("a JSONata state has $states"),
            env.vars,
            Site { state, field },
            zero_ok,
        ),
        Seconds::Path(p) if p.select_in(input, env).is_none() => {
            Err(Failure::runtime(if field == "Seconds" {
                format!("The SecondsPath parameter does not reference an input value: {p}")
            } else {
                format!(
                    "Invalid path '{p}' : No results for path: {}",
                    p.bracketed()
                )
            }))
        }
        Seconds::Path(p) if field == "Seconds" => {
            let v = p.select_in(input, env).expect("checked above");
            match (v.as_i64(), v.as_f64()) {
                (Some(n), _) if n >= 0 => Ok(n as u64),
                (Some(n), _) => Err(Failure::runtime(format!(
                    "The SecondsPath parameter references a negative value: {p} == {n}"
                ))),
                _ => Err(Failure::runtime(format!(
                    "The SecondsPath parameter cannot be parsed as a long value: {p} == {}",
                    match &*v {
                        Value::String(s) => s.clone(),
                        v => v.to_string(),
                    }
                ))),
            }
        }
        Seconds::Path(p) => p
            .select_in(input, env)
            .and_then(|v| match &*v {
                // AWS runs a MaxConcurrencyPath that points to a number written as text.
                Value::String(t) if field == "MaxConcurrency" => t.trim().parse().ok(),
                v => v.as_u64(),
            })
            .ok_or_else(|| {
                let v = p.select_in(input, env).expect("checked above");
                Failure::runtime(if field == "MaxConcurrency" {
                    format!(
                        "The MaxConcurrencyPath field refers to value \"{}\" which is not a \
                         valid integer: {p}",
                        shown(&v)
                    )
                } else {
                    format!("The {field}Path path '{p}' does not point to a non-negative integer")
                })
            }),
    }
}

/// How long from `now` until `t` (zero when `t` has passed).
pub(super) fn until(now: DateTime<Utc>, t: DateTime<Utc>) -> Duration {
    (t - now).to_std().unwrap_or(Duration::ZERO)
}

/// A value as AWS shows it inside quotes in a cause: a text as it is, anything else as JSON.
pub(super) fn shown(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        v => v.to_string(),
    }
}

/// The value an amount field of `state` gives as it runs: its literal, what its path selects
/// in `input`, or what its expression yields (`field` names it for an expression's errors).
pub(super) fn amount_value(
    a: &Amount,
    state: &str,
    input: &Value,
    env: &Env<'_>,
    states: Option<&JValue>,
    field: &str,
) -> Result<Value, Failure> {
    match a {
        Amount::Fixed(v) => Ok(v.clone()),
        Amount::Path(p) => p
            .select_in(input, env)
            .map(|v| v.into_owned())
            .ok_or_else(|| Failure::runtime(missing_path(p, input))),
        Amount::Jsonata(e) => Ok(e.eval(
            states.expect("a JSONata state has $states"),
            env.vars,
            Site { state, field },
        )?),
    }
}
