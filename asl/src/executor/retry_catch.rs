//! The work of Task, Parallel and Map states: each attempt, the retries their Retry allows,
//! and the Catch that takes a failure that is not retried.

use super::dataflow::{apply_io, apply_result_path, resolve_seconds, select_io};
use super::jsonata as js;
use super::scope::Scope;
use super::size;
use super::vars::{eval_assign, Assigned, Vars};
use super::Executor;
use crate::definition::{Catcher, Credentials, Kind, QueryLanguage, Seconds, State};
use crate::error::Failure;
use crate::path::Env;
use crate::retry;
use chrono::{DateTime, Utc};
use serde_json::Value;
use std::time::Duration;

/// How a work state ended when it did not fail its state set.
pub(super) enum Outcome {
    /// Its output and what it assigns.
    Done(Value, Option<Assigned>),
    /// A catcher took its failure: the output, the catcher's next state and what the
    /// catcher assigns.
    Caught(Value, usize, Option<Assigned>),
}

impl Executor {
    /// Runs a Task, Parallel or Map state from its raw input to its output.
    pub(super) async fn run_work_state(
        &self,
        sc: &Scope<'_>,
        st: &State,
        raw: Value,
        env: &Env<'_>,
        vars: &Vars<'_>,
        entered: DateTime<Utc>,
    ) -> Result<Outcome, Failure> {
        let r = self.run_with_retry(sc, st, &raw, vars, entered).await;
        let r = match r {
            Ok(result) => match st.ql {
                QueryLanguage::JsonPath => return self.jsonpath_result(st, raw, result, env),
                // In JSONata a failing Output or Assign is the state's failure, which its
                // catchers may take.
                QueryLanguage::Jsonata => jsonata_result(st, &raw, result, env),
            },
            Err(f) => Err(f),
        };
        match r {
            Ok(o) => Ok(o),
            Err(f) => {
                let Some((i, c)) = st
                    .catch
                    .iter()
                    .enumerate()
                    .find(|(_, c)| retry::matches(&c.error_equals, &f.error))
                else {
                    return Err(f);
                };
                caught(st, c, i, raw, f, env)
            }
        }
    }

    fn jsonpath_result(
        &self,
        st: &State,
        raw: Value,
        result: Value,
        env: &Env<'_>,
    ) -> Result<Outcome, Failure> {
        let result = match &st.result_selector {
            Some(t) => t.eval_in(&result, env)?,
            None => result,
        };
        // `$` in a JSONPath work state's Assign is its result after ResultSelector.
        let assigned = st
            .assign
            .as_ref()
            .map(|a| eval_assign(a, &result, None, env, &st.name, "Assign"))
            .transpose()?;
        let out = apply_result_path(&st.result_path, raw, result)?;
        Ok(Outcome::Done(
            apply_io(&st.output_path, out, env)?,
            assigned,
        ))
    }

    /// Runs the work of a Task, Parallel or Map state, retrying as its Retry says.
    async fn run_with_retry(
        &self,
        sc: &Scope<'_>,
        st: &State,
        raw: &Value,
        vars: &Vars<'_>,
        entered: DateTime<Utc>,
    ) -> Result<Value, Failure> {
        // Attempts per retrier; on the stack for the usual few retriers.
        let mut counts = [0u32; 8];
        let mut counts_vec = Vec::new();
        let counts: &mut [u32] = if st.retry.len() <= counts.len() {
            &mut counts[..st.retry.len()]
        } else {
            counts_vec.resize(st.retry.len(), 0);
            &mut counts_vec
        };
        let mut retries = 0u32;
        loop {
            let ctx = if st.needs_context {
                self.context(sc, st, entered, retries)
            } else {
                Value::Null
            };
            let env = Env {
                context: &ctx,
                vars,
            };
            let r = match self.effective_input(st, raw, &env) {
                Ok((eff, timing)) => match &st.kind {
                    Kind::Task { .. } => {
                        let token = ctx.pointer("/Task/Token").and_then(Value::as_str);
                        self.attempt_task(sc, st, eff, timing, retries, token).await
                    }
                    // Their results are held to the limit as a task's are (the task checks
                    // its own, naming its service).
                    Kind::Parallel { branches } => self
                        .attempt_parallel(sc, branches, eff, vars)
                        .await
                        .and_then(|v| size::check_returned(&v, &st.name).map(|()| v)),
                    Kind::Map { .. } => self
                        .attempt_map(sc, st, eff, &env, vars)
                        .await
                        .and_then(|v| size::check_returned(&v, &st.name).map(|()| v)),
                    _ => unreachable!("only work states retry"),
                },
                Err(f) => Err(f),
            };
            let f = match r {
                Ok(v) => return Ok(v),
                Err(f) => f,
            };
            let Some(i) = st
                .retry
                .iter()
                .position(|r| retry::matches(&r.error_equals, &f.error))
            else {
                return Err(f);
            };
            let r = &st.retry[i];
            if counts[i] >= r.max_attempts {
                return Err(f);
            }
            let delay = r.delay(counts[i]);
            counts[i] += 1;
            retries += 1;
            tokio::time::sleep(delay).await;
        }
    }

    /// The input a work state gives its task or branches (InputPath and Parameters, or
    /// Arguments), and a Task's timeout for this attempt.
    fn effective_input(
        &self,
        st: &State,
        raw: &Value,
        env: &Env<'_>,
    ) -> Result<(Value, Timing), Failure> {
        let timeout_of = |input: &Value, states| -> Result<Timing, Failure> {
            let secs = |s: &Option<Seconds>, field| {
                s.as_ref()
                    .map(|s| {
                        resolve_seconds(s, input, env, field, states, &st.name, false)
                            .map(Duration::from_secs)
                    })
                    .transpose()
            };
            match &st.kind {
                Kind::Task {
                    timeout,
                    heartbeat,
                    credentials,
                    ..
                } => Ok(Timing {
                    // A HeartbeatSecondsPath that finds nothing fails the state as on AWS.
                    heartbeat: secs(heartbeat, "HeartbeatSeconds")?,
                    timeout: secs(timeout, "TimeoutSeconds")?,
                    role_arn: credentials
                        .as_ref()
                        .map(|c| role_arn(c, input, env, states, &st.name))
                        .transpose()?,
                }),
                _ => Ok(Timing::default()),
            }
        };
        match st.ql {
            QueryLanguage::JsonPath => {
                let eff = select_io(&st.input_path, raw, env)?;
                let eff = match &st.parameters {
                    Some(t) => {
                        let eff = t.eval_in(&eff, env)?;
                        size::check_effective_input(&eff, &st.name, "Parameters")?;
                        eff
                    }
                    None => eff.into_owned(),
                };
                // TimeoutSecondsPath reads the state's input, not what Parameters made of it.
                let timeout = timeout_of(raw, None)?;
                Ok((eff, timeout))
            }
            QueryLanguage::Jsonata => {
                let states = js::states(st, raw, env.context, None, None);
                let eff = match &st.arguments {
                    Some(t) => {
                        let eff = t.eval(&states, env.vars, &st.name, "Arguments")?;
                        size::check_effective_input(&eff, &st.name, "Arguments")?;
                        eff
                    }
                    None => raw.clone(),
                };
                let timeout = timeout_of(raw, Some(&states))?;
                Ok((eff, timeout))
            }
        }
    }
}

/// A Task attempt's time limits (the whole task's, and between heartbeats of a callback), and
/// the role its `Credentials` name.
#[derive(Debug, Clone, Default)]
pub(super) struct Timing {
    pub(super) timeout: Option<Duration>,
    pub(super) heartbeat: Option<Duration>,
    pub(super) role_arn: Option<String>,
}

/// The role a Task's `Credentials` name, read from the state's input as its timeout paths
/// are. Nothing here assumes it: it is recorded in the TaskScheduled event, as AWS does.
fn role_arn(
    c: &Credentials,
    input: &Value,
    env: &Env<'_>,
    states: Option<&crate::jsonata::JValue>,
    state: &str,
) -> Result<String, Failure> {
    let v = match (c, states) {
        (Credentials::Path(t), _) => t.eval_in(input, env)?,
        (Credentials::Jsonata(t), Some(states)) => {
            t.eval(states, env.vars, state, "Credentials")?
        }
        // A JSONata state always has its `$states`; JSONPath templates serve the other.
        (Credentials::Jsonata(_), None) => unreachable!("JSONata Credentials in a JSONPath state"),
    };
    match v.get("RoleArn").and_then(Value::as_str) {
        Some(arn) if !arn.is_empty() => Ok(arn.to_owned()),
        _ => Err(Failure::runtime(format!(
            "The Credentials field of state '{state}' must give a RoleArn string, not {}",
            v.get("RoleArn").unwrap_or(&Value::Null)
        ))),
    }
}

/// A JSONata work state's output and assignments from its result.
fn jsonata_result(
    st: &State,
    raw: &Value,
    result: Value,
    env: &Env<'_>,
) -> Result<Outcome, Failure> {
    let states = js::states(st, raw, env.context, Some(&result), None);
    let assigned = st
        .assign
        .as_ref()
        .map(|a| eval_assign(a, &Value::Null, Some(&states), env, &st.name, "Assign"))
        .transpose()?;
    let out = match &st.output {
        Some(t) => t.eval(&states, env.vars, &st.name, "Output")?,
        None => result,
    };
    Ok(Outcome::Done(out, assigned))
}

/// The output of a state whose failure catcher `c` (number `i`) took.
fn caught(
    st: &State,
    c: &Catcher,
    i: usize,
    raw: Value,
    f: Failure,
    env: &Env<'_>,
) -> Result<Outcome, Failure> {
    let err = f.error_output();
    let field = format!("Catch[{i}]");
    match st.ql {
        QueryLanguage::JsonPath => {
            let assigned = c
                .assign
                .as_ref()
                .map(|a| eval_assign(a, &err, None, env, &st.name, &format!("{field}/Assign")))
                .transpose()?;
            let out = apply_result_path(&c.result_path, raw, err)?;
            Ok(Outcome::Caught(out, c.next, assigned))
        }
        QueryLanguage::Jsonata => {
            let states = js::states(st, &raw, env.context, None, Some(&err));
            let assigned = c
                .assign
                .as_ref()
                .map(|a| {
                    eval_assign(
                        a,
                        &Value::Null,
                        Some(&states),
                        env,
                        &st.name,
                        &format!("{field}/Assign"),
                    )
                })
                .transpose()?;
            let out = match &c.output {
                Some(t) => t.eval(&states, env.vars, &st.name, &format!("{field}/Output"))?,
                None => err,
            };
            Ok(Outcome::Caught(out, c.next, assigned))
        }
    }
}
