//! A scripted task handler shared by the integration tests.
#![allow(dead_code)]

use async_trait::async_trait;
use jobs_asl::{HistoryEvent, HistorySink, TaskContext, TaskError, TaskHandler};
use serde_json::{json, Value};
use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::Duration;

#[derive(Clone, Debug)]
pub enum Outcome {
    Ok(Value),
    /// Return the task's own input as its result.
    Echo,
    Fail(&'static str, &'static str),
    /// Sleep (tokio time), then the inner outcome.
    After(Duration, Box<Outcome>),
}

/// Answers each call with the next scripted outcome for its key: the `FunctionName` of a
/// `lambda:invoke`, otherwise the resource ARN. Lambda results are wrapped as
/// `{"Payload": ..., "StatusCode": 200}` as the optimized integration does.
#[derive(Default)]
pub struct Scripted {
    script: Mutex<HashMap<String, VecDeque<Outcome>>>,
    pub calls: Mutex<Vec<(String, Value, u32)>>,
}

impl Scripted {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn on(self, key: &str, outcomes: Vec<Outcome>) -> Self {
        self.script
            .lock()
            .unwrap()
            .entry(key.to_owned())
            .or_default()
            .extend(outcomes);
        self
    }

    pub fn calls_to(&self, key: &str) -> Vec<Value> {
        self.calls
            .lock()
            .unwrap()
            .iter()
            .filter(|(k, _, _)| k == key)
            .map(|(_, v, _)| v.clone())
            .collect()
    }
}

#[async_trait]
impl TaskHandler for Scripted {
    async fn invoke(
        &self,
        resource: &str,
        input: Value,
        ctx: &TaskContext,
    ) -> Result<Value, TaskError> {
        let lambda = resource == "arn:aws:states:::lambda:invoke";
        let key = if lambda {
            input["FunctionName"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        } else {
            resource.to_owned()
        };
        self.calls
            .lock()
            .unwrap()
            .push((key.clone(), input.clone(), ctx.retry_count));
        let mut outcome = self
            .script
            .lock()
            .unwrap()
            .get_mut(&key)
            .and_then(VecDeque::pop_front)
            .unwrap_or(Outcome::Echo);
        loop {
            match outcome {
                Outcome::After(d, next) => {
                    tokio::time::sleep(d).await;
                    outcome = *next;
                }
                Outcome::Ok(v) => return Ok(wrap(lambda, v)),
                Outcome::Echo => {
                    let v = if lambda {
                        input["Payload"].clone()
                    } else {
                        input
                    };
                    return Ok(wrap(lambda, v));
                }
                Outcome::Fail(e, c) => return Err(TaskError::new(e, c)),
            }
        }
    }
}

fn wrap(lambda: bool, v: Value) -> Value {
    if lambda {
        json!({"Payload": v, "StatusCode": 200, "ExecutedVersion": "$LATEST"})
    } else {
        v
    }
}

#[derive(Default)]
pub struct Collect(pub Mutex<Vec<(String, HistoryEvent)>>);

impl HistorySink for Collect {
    fn record(&self, execution: &str, event: &HistoryEvent) {
        self.0
            .lock()
            .unwrap()
            .push((execution.to_owned(), event.clone()));
    }
}

pub fn types(history: &[HistoryEvent]) -> Vec<String> {
    history
        .iter()
        .map(|e| format!("{:?}", e.event_type))
        .collect()
}
