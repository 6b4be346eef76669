//! `Retry` and `Catch` of Task, Parallel and Map states.

use super::fields::Raw;
use super::model::Catcher;
use crate::error::{names, DefinitionError};
use crate::retry::Retrier;
use serde_json::Value;

pub(super) fn parse_retry(s: &Raw<'_>) -> Result<Vec<Retrier>, DefinitionError> {
    let mut retry = Vec::new();
    let Some(r) = s.get("Retry") else {
        return Ok(retry);
    };
    let list = r
        .as_array()
        .ok_or_else(|| s.err("Retry", "must be an array"))?;
    for (i, rv) in list.iter().enumerate() {
        let f = |sub: &str| format!("Retry[{i}].{sub}");
        let rm = rv
            .as_object()
            .ok_or_else(|| s.err(&format!("Retry[{i}]"), "must be an object"))?;
        for k in rm.keys() {
            if !matches!(
                k.as_str(),
                "ErrorEquals"
                    | "IntervalSeconds"
                    | "MaxAttempts"
                    | "BackoffRate"
                    | "MaxDelaySeconds"
                    | "JitterStrategy"
                    | "Comment"
            ) {
                return Err(s.err(&f(k), "unsupported field"));
            }
        }
        let errors = s.error_equals(&f("ErrorEquals"), rm.get("ErrorEquals"))?;
        if errors.iter().any(|e| e == names::ALL) && i + 1 != list.len() {
            return Err(s.err(&f("ErrorEquals"), "States.ALL must be in the last retrier"));
        }
        let num = |k: &str, default: f64, min: f64| -> Result<f64, DefinitionError> {
            match rm.get(k) {
                None => Ok(default),
                Some(v) => v
                    .as_f64()
                    .filter(|x| *x >= min)
                    .ok_or_else(|| s.err(&f(k), format!("must be a number >= {min}, not {v}"))),
            }
        };
        let max_attempts = match rm.get("MaxAttempts") {
            None => 3,
            Some(v) => v
                .as_u64()
                .and_then(|n| u32::try_from(n).ok())
                .ok_or_else(|| {
                    s.err(
                        &f("MaxAttempts"),
                        format!("must be a non-negative integer, not {v}"),
                    )
                })?,
        };
        let full_jitter = match rm.get("JitterStrategy") {
            None => false,
            Some(Value::String(j)) if j == "FULL" => true,
            Some(Value::String(j)) if j == "NONE" => false,
            Some(v) => {
                return Err(s.err(
                    &f("JitterStrategy"),
                    format!("must be FULL or NONE, not {v}"),
                ))
            }
        };
        retry.push(Retrier {
            error_equals: errors,
            interval_seconds: num("IntervalSeconds", 1.0, 1.0)?,
            max_attempts,
            backoff_rate: num("BackoffRate", 2.0, 1.0)?,
            max_delay_seconds: rm
                .get("MaxDelaySeconds")
                .map(|_| num("MaxDelaySeconds", 0.0, 1.0))
                .transpose()?,
            full_jitter,
        });
    }
    Ok(retry)
}

pub(super) fn parse_catch(s: &Raw<'_>) -> Result<Vec<Catcher>, DefinitionError> {
    let mut catch = Vec::new();
    let Some(c) = s.get("Catch") else {
        return Ok(catch);
    };
    let list = c
        .as_array()
        .ok_or_else(|| s.err("Catch", "must be an array"))?;
    for (i, cv) in list.iter().enumerate() {
        let f = |sub: &str| format!("Catch[{i}].{sub}");
        let cm = cv
            .as_object()
            .ok_or_else(|| s.err(&format!("Catch[{i}]"), "must be an object"))?;
        for k in cm.keys() {
            let ok = match k.as_str() {
                "ErrorEquals" | "Next" | "Comment" | "Assign" => true,
                "ResultPath" => !s.jsonata(),
                "Output" => s.jsonata(),
                _ => false,
            };
            if !ok {
                return Err(s.err(
                    &f(k),
                    if s.jsonata() {
                        "unsupported field for a JSONata catcher (it takes ErrorEquals, Next, Output and Assign)"
                    } else {
                        "unsupported field"
                    },
                ));
            }
        }
        let errors = s.error_equals(&f("ErrorEquals"), cm.get("ErrorEquals"))?;
        if errors.iter().any(|e| e == names::ALL) && i + 1 != list.len() {
            return Err(s.err(&f("ErrorEquals"), "States.ALL must be in the last catcher"));
        }
        let next = s.target(
            &f("Next"),
            cm.get("Next").ok_or_else(|| s.err(&f("Next"), "missing"))?,
        )?;
        let output = match cm.get("Output") {
            Some(v) => Some(s.jtemplate_of(&f("Output"), v)?),
            None => None,
        };
        catch.push(Catcher {
            error_equals: errors,
            result_path: s.result_path(cm.get("ResultPath"), &f("ResultPath"))?,
            output,
            assign: s.assign(&f("Assign"), cm.get("Assign"))?,
            next,
        });
    }
    Ok(catch)
}
