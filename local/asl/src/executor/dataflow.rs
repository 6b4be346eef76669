//! The data flow between a state's input and output: InputPath, ResultPath, OutputPath, and
//! the fields that take a number from a path.

use crate::definition::{IoPath, ResultPath, Seconds};
use crate::error::Failure;
use crate::history::DataDetails;
use chrono::{DateTime, Utc};
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::time::Duration;

pub(super) fn no_data() -> Option<DataDetails> {
    Some(DataDetails { truncated: false })
}

fn missing_io(path: &crate::path::Path, field: &str) -> Failure {
    Failure::runtime(format!(
        "Invalid path '{path}' : No results for path: {path} (field {field})"
    ))
}

/// Applies an InputPath/OutputPath to an owned document, moving the selected part out.
pub(super) fn apply_io(p: &IoPath, v: Value, ctx: &Value, field: &str) -> Result<Value, Failure> {
    match p {
        IoPath::Root => Ok(v),
        IoPath::Null => Ok(Value::Object(Map::new())),
        IoPath::Path(path) => path.take(v, ctx).ok_or_else(|| missing_io(path, field)),
    }
}

/// Applies an InputPath to a borrowed document, copying nothing when it can.
pub(super) fn select_io<'v>(
    p: &IoPath,
    v: &'v Value,
    ctx: &'v Value,
    field: &str,
) -> Result<Cow<'v, Value>, Failure> {
    match p {
        IoPath::Root => Ok(Cow::Borrowed(v)),
        IoPath::Null => Ok(Cow::Owned(Value::Object(Map::new()))),
        IoPath::Path(path) => path.select(v, ctx).ok_or_else(|| missing_io(path, field)),
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

pub(super) fn resolve_seconds(
    s: &Seconds,
    input: &Value,
    ctx: &Value,
    field: &str,
) -> Result<u64, Failure> {
    match s {
        Seconds::Fixed(n) => Ok(*n),
        Seconds::Path(p) => p
            .select(input, ctx)
            .and_then(|v| v.as_u64())
            .ok_or_else(|| {
                Failure::runtime(format!(
                    "The {field} path '{p}' does not point to a non-negative integer"
                ))
            }),
    }
}

/// How long from `now` until `t` (zero when `t` has passed).
pub(super) fn until(now: DateTime<Utc>, t: DateTime<Utc>) -> Duration {
    (t - now).to_std().unwrap_or(Duration::ZERO)
}
