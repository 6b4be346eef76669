//! A distributed Map's iterations are child executions of a Map Run, each with its own name,
//! ARN, input and history, as on AWS. The [`ChildExecutions`] port lets a host record them
//! (the local stack keeps them as executions of their own) and, after a restart, hand back
//! the children that had ended and resume those that had not. Without a host the children
//! run in-process and are not recorded.
//!
//! AWS's ids are not reproducible, so the Map Run id and the children's names are derived
//! (UUID-shaped) from the parent execution ARN, the state name and the event that started the
//! Map: a rerun of the same execution names them the same way.

use super::execution::{ExecutionResult, ExecutionStatus, Resume};
use super::scope::Scope;
use crate::definition::{Distributed, State, StateSet};
use crate::error::Failure;
use crate::history::HistorySink;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use md5::{Digest, Md5};
use serde_json::Value;
use std::sync::Arc;

/// A Map Run, as its host sees it.
#[derive(Debug, Clone)]
pub struct MapRunInfo {
    pub arn: String,
    /// The execution whose Map state started it.
    pub execution_arn: String,
    pub state_name: String,
    /// The state machine its children run as: the parent's, with the Map's label.
    pub state_machine_arn: String,
    /// `ExecutionType` EXPRESS.
    pub express: bool,
    /// How many children run at once (0: no limit).
    pub max_concurrency: usize,
    pub tolerated_failure_count: Option<f64>,
    pub tolerated_failure_percentage: Option<f64>,
    pub start_date: DateTime<Utc>,
}

/// One child execution of a Map Run.
#[derive(Debug, Clone)]
pub struct ChildExecution {
    /// Its item's (or batch's) index.
    pub index: usize,
    pub name: String,
    pub arn: String,
    pub input: Value,
}

/// What a host wants done with a child about to run.
pub enum ChildPlan {
    /// Run it, recording its history in `sink`; from `resume` when it had started before.
    Run {
        sink: Option<Arc<dyn HistorySink>>,
        resume: Option<Resume>,
    },
    /// It ended before a restart: its result stands and it does not run again.
    Ended(ExecutionResult),
}

/// Told about each Map Run and its child executions as they start and end.
#[async_trait]
pub trait ChildExecutions: Send + Sync {
    /// The run started (again, under the same ARN, when its execution was resumed).
    async fn map_run_started(&self, run: &MapRunInfo);
    /// Its items were read: it has `total` children.
    async fn map_run_items(&self, run: &MapRunInfo, total: usize);
    async fn child_starting(&self, run: &MapRunInfo, child: &ChildExecution) -> ChildPlan;
    /// A child that ran here ended (one handed back as [`ChildPlan::Ended`] is not told).
    async fn child_ended(&self, run: &MapRunInfo, child: &ChildExecution, result: &ExecutionResult);
    /// The run ended: `Succeeded`, or `Failed` with its error and cause. Children that never
    /// started stay pending; the host may count them.
    async fn map_run_ended(
        &self,
        run: &MapRunInfo,
        status: ExecutionStatus,
        failure: Option<&Failure>,
    );
}

/// The ids a Map Run names itself and its children with.
pub(super) struct MapRun {
    pub info: MapRunInfo,
    /// `arn:...:states:R:A`, and the parent's state machine name with the label.
    head: String,
    labelled: String,
    id: String,
    /// What the children run as, computed once for the run.
    pub keeps_input: bool,
}

impl MapRun {
    /// The Map Run `st` starts, its MapStateStarted event being `started`.
    pub(super) fn new(
        sc: &Scope<'_>,
        st: &State,
        d: &Distributed,
        processor: &StateSet,
        started: u64,
        max_concurrency: usize,
        tolerance: (Option<f64>, Option<f64>),
    ) -> Self {
        let ex = sc.ex;
        let (head, machine) = ex
            .sm_arn
            .split_once(":stateMachine:")
            .unwrap_or((&ex.sm_arn, "stateMachine"));
        // Without a Label, AWS names the run's state machine with a UUID.
        let label = d
            .label
            .clone()
            .unwrap_or_else(|| id_of(&[&ex.sm_arn, &st.name]));
        let labelled = format!("{machine}/{label}");
        let resumed = sc.top.then(|| ex.take_resumed_map_run(&st.name)).flatten();
        let (arn, id) = match resumed {
            Some(arn) => {
                let id = arn.rsplit(':').next().unwrap_or_default().to_owned();
                (arn, id)
            }
            None => {
                let id = id_of(&[&ex.arn, &st.name, &started.to_string()]);
                (format!("{head}:mapRun:{labelled}:{id}"), id)
            }
        };
        MapRun {
            info: MapRunInfo {
                arn,
                execution_arn: ex.arn.to_string(),
                state_name: st.name.to_string(),
                state_machine_arn: format!("{head}:stateMachine:{labelled}"),
                express: d.express,
                max_concurrency,
                tolerated_failure_count: tolerance.0,
                tolerated_failure_percentage: tolerance.1,
                start_date: ex.now(),
            },
            head: head.to_owned(),
            labelled,
            id,
            keeps_input: processor.reads_execution_input(),
        }
    }

    /// The run's id: the last part of its ARN, and the folder its ResultWriter writes to.
    pub(super) fn id(&self) -> &str {
        &self.id
    }

    pub(super) fn child(&self, index: usize, input: Value) -> ChildExecution {
        let name = id_of(&[&self.id, &index.to_string()]);
        let arn = if self.info.express {
            format!("{}:express:{}:{name}:{}", self.head, self.labelled, self.id)
        } else {
            format!("{}:execution:{}:{name}", self.head, self.labelled)
        };
        ChildExecution {
            index,
            name,
            arn,
            input,
        }
    }
}

/// A child's result as its Map sees it: its output, or its error and cause.
pub(super) fn outcome(r: &ExecutionResult) -> Result<Value, Failure> {
    match r.status {
        ExecutionStatus::Succeeded => Ok(r.output.clone().unwrap_or(Value::Null)),
        _ => Err(Failure::new(
            r.error.clone().unwrap_or_default(),
            r.cause.clone().unwrap_or_default(),
        )),
    }
}

/// A UUID-shaped id that depends only on `parts`.
pub(super) fn id_of(parts: &[&str]) -> String {
    let mut h = Md5::new();
    for p in parts {
        h.update(p.as_bytes());
        h.update([0]);
    }
    let x = format!("{:x}", h.finalize());
    format!(
        "{}-{}-{}-{}-{}",
        &x[..8],
        &x[8..12],
        &x[12..16],
        &x[16..20],
        &x[20..]
    )
}
