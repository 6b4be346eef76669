//! Evaluating the fields of JSONata states: `$states` for each point of a state's run, and
//! the fields that must give a value of one type (seconds, timestamps, error names,
//! conditions).

use crate::choice::parse_timestamp;
use crate::definition::State;
use crate::error::Failure;
use crate::jsonata::{states_value, Expr, JValue, Site};
use crate::path::VarSource;
use chrono::{DateTime, Utc};
use serde_json::Value;

/// `$states` with the state's input, the context object when the state reads it, and the
/// result or error output where there is one.
pub(super) fn states(
    st: &State,
    input: &Value,
    ctx: &Value,
    result: Option<&Value>,
    error_output: Option<&Value>,
) -> JValue {
    let ctx = st.needs_context.then_some(ctx);
    states_value(input, ctx, result, error_output)
}

/// A seconds field (TimeoutSeconds, HeartbeatSeconds, Wait Seconds, MaxConcurrency): an
/// integer, positive unless `zero_ok`.
pub(super) fn seconds(
    e: &Expr,
    states: &JValue,
    vars: &dyn VarSource,
    site: Site<'_>,
    zero_ok: bool,
) -> Result<u64, Failure> {
    let v = e.eval(states, vars, site)?;
    v.as_u64().filter(|n| zero_ok || *n > 0).ok_or_else(|| {
        e.unexpected(
            site,
            if zero_ok {
                "a non-negative integer"
            } else {
                "a positive integer"
            },
            &v,
        )
    })
}

pub(super) fn text(
    e: &Expr,
    states: &JValue,
    vars: &dyn VarSource,
    site: Site<'_>,
) -> Result<String, Failure> {
    match e.eval(states, vars, site)? {
        Value::String(s) => Ok(s),
        other => Err(e.unexpected(site, "a string", &other)),
    }
}

pub(super) fn timestamp(
    e: &Expr,
    states: &JValue,
    vars: &dyn VarSource,
    site: Site<'_>,
) -> Result<DateTime<Utc>, Failure> {
    let v = e.eval(states, vars, site)?;
    v.as_str()
        .and_then(parse_timestamp)
        .map(|t| t.with_timezone(&Utc))
        .ok_or_else(|| e.unexpected(site, "an RFC 3339 timestamp string", &v))
}

pub(super) fn condition(
    e: &Expr,
    states: &JValue,
    vars: &dyn VarSource,
    site: Site<'_>,
) -> Result<bool, Failure> {
    match e.eval(states, vars, site)? {
        Value::Bool(b) => Ok(b),
        other => Err(e.unexpected(site, "a boolean", &other)),
    }
}
