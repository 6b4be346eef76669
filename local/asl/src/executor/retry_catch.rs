//! The work of Task, Parallel and Map states: each attempt, the retries their Retry allows,
//! and the Catch that takes a failure that is not retried.

use super::dataflow::{apply_io, apply_result_path, select_io};
use super::run::Scope;
use super::Executor;
use crate::definition::{Kind, State};
use crate::error::Failure;
use crate::retry;
use chrono::{DateTime, Utc};
use serde_json::{json, Value};

/// How a work state ended when it did not fail its state set.
pub(super) enum Outcome {
    /// Its output.
    Done(Value),
    /// A catcher took its failure: the output and the catcher's next state.
    Caught(Value, usize),
}

impl Executor {
    /// Runs a Task, Parallel or Map state from its raw input to its output.
    pub(super) async fn run_work_state(
        &self,
        sc: &Scope<'_>,
        st: &State,
        raw: Value,
        ctx: &Value,
        entered: DateTime<Utc>,
    ) -> Result<Outcome, Failure> {
        match self.run_with_retry(sc, st, &raw, entered).await {
            Ok(result) => {
                let result = match &st.result_selector {
                    Some(t) => t.eval(&result, ctx)?,
                    None => result,
                };
                let out = apply_result_path(&st.result_path, raw, result)?;
                Ok(Outcome::Done(apply_io(
                    &st.output_path,
                    out,
                    ctx,
                    "OutputPath",
                )?))
            }
            Err(f) => {
                let Some(c) = st
                    .catch
                    .iter()
                    .find(|c| retry::matches(&c.error_equals, &f.error))
                else {
                    return Err(f);
                };
                let err = json!({"Error": f.error, "Cause": f.cause});
                let out = apply_result_path(&c.result_path, raw, err)?;
                Ok(Outcome::Caught(out, c.next))
            }
        }
    }

    /// Runs the work of a Task, Parallel or Map state, retrying as its Retry says.
    async fn run_with_retry(
        &self,
        sc: &Scope<'_>,
        st: &State,
        raw: &Value,
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
            let eff = select_io(&st.input_path, raw, &ctx, "InputPath")?;
            let eff = match &st.parameters {
                Some(t) => t.eval(&eff, &ctx)?,
                None => eff.into_owned(),
            };
            let r = match &st.kind {
                Kind::Task { .. } => self.attempt_task(sc, st, eff, &ctx, retries).await,
                Kind::Parallel { branches } => self.attempt_parallel(sc, branches, eff).await,
                Kind::Map { .. } => self.attempt_map(sc, st, eff, &ctx).await,
                _ => unreachable!("only work states retry"),
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
}
