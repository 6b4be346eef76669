//! Parallel states: every branch runs on the same input, concurrently; the first failure
//! fails the state.

use super::scope::Scope;
use super::vars::Vars;
use super::Executor;
use crate::definition::StateSet;
use crate::error::Failure;
use crate::history::*;
use serde_json::Value;

impl Executor {
    pub(super) async fn attempt_parallel(
        &self,
        sc: &Scope<'_>,
        branches: &[StateSet],
        input: Value,
        vars: &Vars<'_>,
    ) -> Result<Value, Failure> {
        let started = sc.emit(|| HistoryEvent::new(EventType::ParallelStateStarted));
        let runs = branches.iter().map(|b| {
            let input = input.clone();
            async move {
                let bs = Scope::nested(sc.ex, started);
                self.run_set(&bs, b, b.start, input, Some(vars)).await
            }
        });
        let r = futures_util::future::try_join_all(runs).await;
        match r {
            Ok(outs) => {
                sc.emit(|| HistoryEvent::new(EventType::ParallelStateSucceeded));
                Ok(Value::Array(outs))
            }
            Err(f) => {
                sc.emit(|| HistoryEvent::new(EventType::ParallelStateFailed));
                Err(f)
            }
        }
    }
}
