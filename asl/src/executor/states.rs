//! The states that do no work: Pass, Choice, Wait, Succeed and Fail, in either query
//! language. Each returns its output and what it assigns; `Assign` and `Output` both see the
//! variables as they were when the state was entered.

use super::dataflow::{apply_io, apply_result_path, resolve_seconds, select_io, until};
use super::jsonata as js;
use super::scope::Scope;
use super::vars::{eval_assign, Assigned};
use crate::choice::parse_timestamp;
use crate::definition::{Choice, Cond, QueryLanguage, ResultPath, State, Text, WaitFor};
use crate::error::{names, Failure};
use crate::jsonata::Site;
use crate::path::Env;
use chrono::Utc;
use serde_json::Value;
use std::time::Duration;

fn site<'a>(st: &'a State, field: &'a str) -> Site<'a> {
    Site {
        state: &st.name,
        field,
    }
}

/// A JSONata state's `Output` (or its input when it has none) and `Assign`, both evaluated
/// against `$states.input`.
fn jsonata_out(
    st: &State,
    raw: Value,
    env: &Env<'_>,
) -> Result<(Value, Option<Assigned>), Failure> {
    let states = js::states(st, &raw, env.context, None, None);
    let assigned = match &st.assign {
        Some(a) => Some(eval_assign(
            a,
            &Value::Null,
            Some(&states),
            env,
            &st.name,
            "Assign",
        )?),
        None => None,
    };
    let out = match &st.output {
        Some(t) => t.eval(&states, env.vars, &st.name, "Output")?,
        None => raw,
    };
    Ok((out, assigned))
}

pub(super) fn pass(
    st: &State,
    result: &Option<Value>,
    raw: Value,
    env: &Env<'_>,
) -> Result<(Value, Option<Assigned>), Failure> {
    if st.ql == QueryLanguage::Jsonata {
        return jsonata_out(st, raw, env);
    }
    // `$` in a JSONPath Pass state's Assign is its result, before ResultPath places it.
    let assign = |r: &Value| -> Result<Option<Assigned>, Failure> {
        st.assign
            .as_ref()
            .map(|a| eval_assign(a, r, None, env, &st.name, "Assign"))
            .transpose()
    };
    let (out, assigned) = match (result, &st.parameters, &st.result_path) {
        (Some(r), _, rp) => {
            let a = assign(r)?;
            (apply_result_path(rp, raw, r.clone())?, a)
        }
        (None, Some(t), rp) => {
            let eff = select_io(&st.input_path, &raw, env)?;
            let r = t.eval_in(&eff, env)?;
            drop(eff);
            let a = assign(&r)?;
            (apply_result_path(rp, raw, r)?, a)
        }
        (None, None, ResultPath::Replace) if st.assign.is_none() => {
            (apply_io(&st.input_path, raw, env)?, None)
        }
        (None, None, rp) => {
            let r = select_io(&st.input_path, &raw, env)?.into_owned();
            let a = assign(&r)?;
            (apply_result_path(rp, raw, r)?, a)
        }
    };
    Ok((apply_io(&st.output_path, out, env)?, assigned))
}

pub(super) fn succeed(st: &State, raw: Value, env: &Env<'_>) -> Result<Value, Failure> {
    if st.ql == QueryLanguage::Jsonata {
        return Ok(jsonata_out(st, raw, env)?.0);
    }
    let eff = apply_io(&st.input_path, raw, env)?;
    apply_io(&st.output_path, eff, env)
}

/// Returns the output, the state the first matching rule (or the Default) names, and what
/// is assigned: the matching rule's `Assign`, or the state's when the Default is taken.
pub(super) fn choice(
    st: &State,
    choices: &[Choice],
    default: Option<usize>,
    raw: Value,
    env: &Env<'_>,
) -> Result<(Value, Option<usize>, Option<Assigned>), Failure> {
    let jsonata = st.ql == QueryLanguage::Jsonata;
    let eff = if jsonata {
        raw
    } else {
        apply_io(&st.input_path, raw, env)?
    };
    let states = jsonata.then(|| js::states(st, &eff, env.context, None, None));
    let mut matched = None;
    for (i, c) in choices.iter().enumerate() {
        let hit = match &c.cond {
            Cond::Rule(r) => r.eval_in(&eff, env)?,
            Cond::Jsonata(e) => {
                let field = format!("Choices[{i}]/Condition");
                js::condition(
                    e,
                    states.as_ref().expect("JSONata"),
                    env.vars,
                    site(st, &field),
                )?
            }
        };
        if hit {
            matched = Some((i, c));
            break;
        }
    }
    let (next, assign, output, field) = match matched {
        Some((i, c)) => (
            c.next,
            c.assign.as_ref(),
            c.output.as_ref(),
            format!("Choices[{i}]"),
        ),
        None => {
            let next = default.ok_or_else(|| {
                Failure::new(
                    names::NO_CHOICE_MATCHED,
                    format!(
                        "No Choice Rule matched in state '{}' and no Default was given",
                        st.name
                    ),
                )
            })?;
            (next, st.assign.as_ref(), st.output.as_ref(), String::new())
        }
    };
    let prefix = if field.is_empty() {
        String::new()
    } else {
        format!("{field}/")
    };
    let assigned = assign
        .map(|a| {
            eval_assign(
                a,
                &eff,
                states.as_ref(),
                env,
                &st.name,
                &format!("{prefix}Assign"),
            )
        })
        .transpose()?;
    let out = match (jsonata, output) {
        (true, Some(t)) => t.eval(
            states.as_ref().expect("JSONata"),
            env.vars,
            &st.name,
            &format!("{prefix}Output"),
        )?,
        (true, None) => eff,
        (false, _) => apply_io(&st.output_path, eff, env)?,
    };
    Ok((out, Some(next), assigned))
}

pub(super) async fn wait(
    sc: &Scope<'_>,
    st: &State,
    w: &WaitFor,
    raw: Value,
    env: &Env<'_>,
) -> Result<(Value, Option<Assigned>), Failure> {
    let jsonata = st.ql == QueryLanguage::Jsonata;
    let eff = if jsonata {
        raw
    } else {
        apply_io(&st.input_path, raw, env)?
    };
    let d = {
        let states = jsonata.then(|| js::states(st, &eff, env.context, None, None));
        let states = states.as_ref();
        match w {
            WaitFor::Seconds(s) => Duration::from_secs(resolve_seconds(
                s, &eff, env, "Seconds", states, &st.name, true,
            )?),
            WaitFor::Timestamp(t) => until(sc.ex.now(), t.with_timezone(&Utc)),
            WaitFor::TimestampPath(p) => {
                let t = p.select_in(&eff, env).ok_or_else(|| {
                    Failure::runtime(format!(
                        "Invalid path '{p}' : No results for path: {}",
                        p.bracketed()
                    ))
                })?;
                let t = t.as_str().and_then(parse_timestamp).ok_or_else(|| {
                    let shown = match &*t {
                        Value::String(s) => s.clone(),
                        v => v.to_string(),
                    };
                    Failure::runtime(format!(
                        "The TimestampPath parameter does not reference a valid ISO-8601 \
                         extended offset date-time format string: {p} == {shown}"
                    ))
                })?;
                until(sc.ex.now(), t.with_timezone(&Utc))
            }
            WaitFor::TimestampExpr(e) => {
                let t =
                    js::timestamp(e, states.expect("JSONata"), env.vars, site(st, "Timestamp"))?;
                until(sc.ex.now(), t)
            }
        }
    };
    if !d.is_zero() {
        tokio::time::sleep(d).await;
    }
    if jsonata {
        return jsonata_out(st, eff, env);
    }
    let assigned = st
        .assign
        .as_ref()
        .map(|a| eval_assign(a, &eff, None, env, &st.name, "Assign"))
        .transpose()?;
    Ok((apply_io(&st.output_path, eff, env)?, assigned))
}

/// The failure a Fail state ends its state set with (or the one met resolving its fields).
/// The error and cause a Fail state ends with (`Ok`), or the interpreter's own failure to
/// work them out (`Err`, which the run loop words as AWS does).
pub(super) fn fail(
    st: &State,
    error: &Text,
    cause: &Text,
    raw: &Value,
    env: &Env<'_>,
) -> Result<Failure, Failure> {
    let states =
        (st.ql == QueryLanguage::Jsonata).then(|| js::states(st, raw, env.context, None, None));
    let text = |t: &Text, field: &str| -> Result<Option<String>, Failure> {
        Ok(match t {
            Text::None => None,
            Text::Literal(s) => Some(s.clone()),
            Text::Path(p) => match p.select_in(raw, env) {
                None => {
                    return Err(Failure::runtime(format!(
                        "The JSONPath '{p}' specified for the field '{field}Path' could not be \
                         found in the input '{raw}'"
                    )))
                }
                Some(v) => Some(v.as_str().map(str::to_owned).ok_or_else(|| {
                    Failure::runtime(format!("The path '{p}' does not point to a string"))
                })?),
            },
            Text::Intrinsic(i) => Some(match i.eval_in(raw, env)? {
                Value::String(s) => s,
                other => other.to_string(),
            }),
            Text::Jsonata(e) => Some(js::text(
                e,
                states.as_ref().expect("JSONata"),
                env.vars,
                site(st, field),
            )?),
        })
    };
    Ok(Failure {
        error: text(error, "Error")?.unwrap_or_default(),
        cause: text(cause, "Cause")?.unwrap_or_default(),
    })
}
