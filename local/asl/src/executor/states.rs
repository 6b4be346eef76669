//! The states that do no work: Pass, Choice, Wait, Succeed and Fail.

use super::dataflow::{apply_io, apply_result_path, resolve_seconds, select_io, until};
use super::run::Scope;
use crate::choice::{parse_timestamp, Rule};
use crate::definition::{ResultPath, State, Text, WaitFor};
use crate::error::{names, Failure};
use chrono::Utc;
use serde_json::Value;
use std::time::Duration;

pub(super) fn pass(
    st: &State,
    result: &Option<Value>,
    raw: Value,
    ctx: &Value,
) -> Result<Value, Failure> {
    let out = match (result, &st.parameters, &st.result_path) {
        (Some(r), _, rp) => apply_result_path(rp, raw, r.clone())?,
        (None, Some(t), rp) => {
            let eff = select_io(&st.input_path, &raw, ctx, "InputPath")?;
            let r = t.eval(&eff, ctx)?;
            drop(eff);
            apply_result_path(rp, raw, r)?
        }
        (None, None, ResultPath::Replace) => apply_io(&st.input_path, raw, ctx, "InputPath")?,
        (None, None, rp) => {
            let r = select_io(&st.input_path, &raw, ctx, "InputPath")?.into_owned();
            apply_result_path(rp, raw, r)?
        }
    };
    apply_io(&st.output_path, out, ctx, "OutputPath")
}

pub(super) fn succeed(st: &State, raw: Value, ctx: &Value) -> Result<Value, Failure> {
    let eff = apply_io(&st.input_path, raw, ctx, "InputPath")?;
    apply_io(&st.output_path, eff, ctx, "OutputPath")
}

/// Returns the output and the state the first matching rule (or the Default) names.
pub(super) fn choice(
    st: &State,
    choices: &[(Rule, usize)],
    default: Option<usize>,
    raw: Value,
    ctx: &Value,
) -> Result<(Value, Option<usize>), Failure> {
    let eff = apply_io(&st.input_path, raw, ctx, "InputPath")?;
    let mut next = None;
    for (rule, n) in choices {
        if rule.eval(&eff, ctx)? {
            next = Some(*n);
            break;
        }
    }
    let next = next.or(default).ok_or_else(|| {
        Failure::new(
            names::NO_CHOICE_MATCHED,
            format!(
                "No Choice Rule matched in state '{}' and no Default was given",
                st.name
            ),
        )
    })?;
    Ok((
        apply_io(&st.output_path, eff, ctx, "OutputPath")?,
        Some(next),
    ))
}

pub(super) async fn wait(
    sc: &Scope<'_>,
    st: &State,
    w: &WaitFor,
    raw: Value,
    ctx: &Value,
) -> Result<Value, Failure> {
    let eff = apply_io(&st.input_path, raw, ctx, "InputPath")?;
    let d = match w {
        WaitFor::Seconds(s) => Duration::from_secs(resolve_seconds(s, &eff, ctx, "SecondsPath")?),
        WaitFor::Timestamp(t) => until(sc.ex.now(), t.with_timezone(&Utc)),
        WaitFor::TimestampPath(p) => {
            let t = p
                .select(&eff, ctx)
                .and_then(|v| v.as_str().and_then(parse_timestamp))
                .ok_or_else(|| {
                    Failure::runtime(format!(
                        "The TimestampPath '{p}' does not point to a timestamp"
                    ))
                })?;
            until(sc.ex.now(), t.with_timezone(&Utc))
        }
    };
    if !d.is_zero() {
        tokio::time::sleep(d).await;
    }
    apply_io(&st.output_path, eff, ctx, "OutputPath")
}

/// The failure a Fail state ends its state set with (or the one met resolving its fields).
pub(super) fn fail(error: &Text, cause: &Text, raw: &Value, ctx: &Value) -> Failure {
    let text = |t: &Text| -> Result<Option<String>, Failure> {
        Ok(match t {
            Text::None => None,
            Text::Literal(s) => Some(s.clone()),
            Text::Path(p) => Some(
                p.select(raw, ctx)
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .ok_or_else(|| {
                        Failure::runtime(format!("The path '{p}' does not point to a string"))
                    })?,
            ),
            Text::Intrinsic(i) => Some(match i.eval(raw, ctx)? {
                Value::String(s) => s,
                other => other.to_string(),
            }),
        })
    };
    let (error, cause) = match (text(error), text(cause)) {
        (Ok(e), Ok(c)) => (e, c),
        (Err(f), _) | (_, Err(f)) => return f,
    };
    Failure {
        error: error.unwrap_or_default(),
        cause: cause.unwrap_or_default(),
    }
}
