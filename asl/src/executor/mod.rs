//! Running a state machine: one async task per execution, no threads held while waiting.
//!
//! `run` is the run loop (an execution's start and end, one state after another); `states`
//! runs the states that do no work (Pass, Choice, Wait, Succeed, Fail); `retry_catch` runs the
//! work of Task, Parallel and Map states under their Retry and Catch; `task`, `parallel` and
//! `map` are those three kinds; `dataflow` applies InputPath, ResultPath and OutputPath;
//! `jsonata` evaluates the fields of JSONata states; `vars` holds the workflow variables;
//! `size` measures a state's data against the 256 KiB AWS allows it; `callbacks` is the port
//! through which `.waitForTaskToken` tasks are completed; `objects` is the port through which
//! a distributed Map's `reader` reads its items from S3 (decoded by `formats`) and its
//! `writer` puts its results, and `batch` groups the items for its `ItemBatcher`; `map_run`
//! runs a distributed Map's iterations as the child executions of `children`.

mod batch;
mod callbacks;
mod children;

mod dataflow;
mod formats;
mod jsonata;
mod map;
mod map_run;
mod objects;
mod parallel;
mod reader;
mod retry_catch;
mod run;
mod scope;
mod size;
mod states;
mod task;
mod vars;
mod writer;

pub use children::{ChildExecution, ChildExecutions, ChildPlan, MapRunInfo};
pub use objects::{DirObjects, ObjectError, ObjectInfo, ObjectSource};

pub use callbacks::{
    CallbackError, Callbacks, MemoryCallbacks, Signal, TokenOwner, WaitingTask, ENDED_TOKENS_KEPT,
};

use crate::definition::StateMachine;
use crate::error::TaskError;
use crate::history::{HistoryEvent, HistorySink};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde_json::Value;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// Runs the `Resource` of Task states.
#[async_trait]
pub trait TaskHandler: Send + Sync {
    async fn invoke(
        &self,
        resource: &str,
        input: Value,
        ctx: &TaskContext,
    ) -> Result<Value, TaskError>;

    /// Told when an execution ends, so a handler that keeps something per execution (a mock's
    /// invocation counts) can let it go.
    fn execution_ended(&self, _execution_arn: &str) {}
}

/// What a task handler knows about the task it runs.
#[derive(Debug, Clone)]
pub struct TaskContext {
    pub execution_name: Arc<str>,
    pub execution_arn: Arc<str>,
    pub state_machine_arn: Arc<str>,
    pub state_name: Arc<str>,
    /// 0 for the first attempt.
    pub retry_count: u32,
    pub timeout: Option<Duration>,
}

/// Re-drives an execution from `state` (a top-level state) with `input`, e.g. after a crash.
/// Event ids continue after `after_event_id`, so a persisted history stays consistent.
#[derive(Debug, Clone, Default)]
pub struct Resume {
    pub state: String,
    pub input: Value,
    pub after_event_id: u64,
    /// `state` is a callback task whose call was made and which was waiting for `token`: the
    /// resumed execution waits for it again without entering the state or calling anything.
    pub wait: Option<ResumedWait>,
    /// `state` is a distributed Map that had started this Map Run (its ARN): the resumed Map
    /// runs it again under the same ARN, so a host that recorded its child executions can
    /// hand back the ones that ended and resume the others.
    pub map_run_arn: Option<String>,
}

/// A callback task's wait, picked up again after the process that ran it stopped.
#[derive(Debug, Clone)]
pub struct ResumedWait {
    pub token: String,
    /// How long the task had run: its timeout counts on from there. Heartbeats are not
    /// recorded, so the heartbeat interval starts afresh.
    pub elapsed: Duration,
}

/// Stops a running execution; it then ends ABORTED.
#[derive(Debug, Clone, Default)]
pub struct AbortHandle {
    token: CancellationToken,
    reason: Arc<Mutex<Option<(String, String)>>>,
}

impl AbortHandle {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn abort(&self) {
        self.token.cancel();
    }

    /// Aborts with the error and cause that StopExecution takes.
    pub fn abort_with(&self, error: impl Into<String>, cause: impl Into<String>) {
        *self.reason.lock().expect("abort lock") = Some((error.into(), cause.into()));
        self.token.cancel();
    }

    pub fn is_aborted(&self) -> bool {
        self.token.is_cancelled()
    }
}

pub struct ExecutionSpec {
    pub name: String,
    pub arn: String,
    pub input: Value,
    /// Receives each history event as it happens.
    pub sink: Option<Arc<dyn HistorySink>>,
    /// Whether to return the history in the result.
    pub collect_history: bool,
    pub resume: Option<Resume>,
    pub abort: Option<AbortHandle>,
    /// `$$.StateMachine.Id`; derived from an execution ARN of the usual shape when absent.
    pub state_machine_arn: Option<String>,
    /// `$$.Execution.RoleArn`: the role the execution runs as, when it has one.
    pub role_arn: Option<String>,
}

impl ExecutionSpec {
    pub fn new(name: impl Into<String>, arn: impl Into<String>, input: Value) -> Self {
        ExecutionSpec {
            name: name.into(),
            arn: arn.into(),
            input,
            sink: None,
            collect_history: false,
            resume: None,
            abort: None,
            state_machine_arn: None,
            role_arn: None,
        }
    }

    pub fn with_role_arn(mut self, role_arn: impl Into<String>) -> Self {
        self.role_arn = Some(role_arn.into());
        self
    }

    pub fn with_history(mut self) -> Self {
        self.collect_history = true;
        self
    }

    pub fn with_sink(mut self, sink: Arc<dyn HistorySink>) -> Self {
        self.sink = Some(sink);
        self
    }

    pub fn with_resume(mut self, resume: Resume) -> Self {
        self.resume = Some(resume);
        self
    }

    pub fn with_abort(mut self, abort: AbortHandle) -> Self {
        self.abort = Some(abort);
        self
    }
}

/// The status of an execution, as DescribeExecution reports it. An [`ExecutionResult`] is
/// never `Running`; a store that records executions while they run is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ExecutionStatus {
    Running,
    Succeeded,
    Failed,
    TimedOut,
    Aborted,
}

impl ExecutionStatus {
    const ALL: [ExecutionStatus; 5] = [
        ExecutionStatus::Running,
        ExecutionStatus::Succeeded,
        ExecutionStatus::Failed,
        ExecutionStatus::TimedOut,
        ExecutionStatus::Aborted,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ExecutionStatus::Running => "RUNNING",
            ExecutionStatus::Succeeded => "SUCCEEDED",
            ExecutionStatus::Failed => "FAILED",
            ExecutionStatus::TimedOut => "TIMED_OUT",
            ExecutionStatus::Aborted => "ABORTED",
        }
    }

    /// The status whose [`as_str`](Self::as_str) is `s`.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExecutionResult {
    pub status: ExecutionStatus,
    pub output: Option<Value>,
    pub error: Option<String>,
    pub cause: Option<String>,
    /// Empty unless `collect_history` was set.
    pub history: Vec<HistoryEvent>,
    /// The top-level states entered, in order (a retried state appears once per entry).
    pub path: Vec<String>,
    pub start_date: DateTime<Utc>,
    pub stop_date: DateTime<Utc>,
}

pub struct Executor {
    machine: Arc<StateMachine>,
    handler: Arc<dyn TaskHandler>,
    region: Arc<str>,
    /// The state machine ARN derived for the first execution; executions of one machine
    /// share it instead of each building its own.
    derived_arn: std::sync::OnceLock<Arc<str>>,
    /// Where `.waitForTaskToken` tasks wait for their token; without it such a task ends
    /// with its resource's result, as a mock that answers the callback does.
    callbacks: Option<Arc<dyn Callbacks>>,
    /// Where a distributed Map's ItemReader reads S3; without it such a Map fails saying so.
    objects: Option<Arc<dyn ObjectSource>>,
    /// Told about the child executions of distributed Maps; without it they run unrecorded.
    children: Option<Arc<dyn ChildExecutions>>,
}

impl Executor {
    pub fn new(machine: Arc<StateMachine>, handler: Arc<dyn TaskHandler>) -> Self {
        Executor {
            machine,
            handler,
            region: Arc::from("local"),
            derived_arn: std::sync::OnceLock::new(),
            callbacks: None,
            objects: None,
            children: None,
        }
    }

    fn state_machine_arn_for(&self, execution_arn: &str) -> Arc<str> {
        let cached = self
            .derived_arn
            .get_or_init(|| derive_state_machine_arn(execution_arn).into());
        let same = match state_machine_arn_parts(execution_arn) {
            Some((prefix, machine)) => cached
                .strip_prefix(prefix)
                .and_then(|r| r.strip_prefix(":stateMachine:"))
                .is_some_and(|m| m == machine),
            None => cached.is_empty(),
        };
        if same {
            cached.clone()
        } else {
            derive_state_machine_arn(execution_arn).into()
        }
    }

    /// The region reported in TaskScheduled events.
    pub fn with_region(mut self, region: &str) -> Self {
        self.region = Arc::from(region);
        self
    }

    /// Callback tasks wait for their token to be completed through `callbacks`.
    pub fn with_callbacks(mut self, callbacks: Arc<dyn Callbacks>) -> Self {
        self.callbacks = Some(callbacks);
        self
    }

    /// Distributed Maps read their `ItemReader` objects from `objects`.
    pub fn with_objects(mut self, objects: Arc<dyn ObjectSource>) -> Self {
        self.objects = Some(objects);
        self
    }

    /// Distributed Maps tell `children` about their Map Runs and child executions.
    pub fn with_children(mut self, children: Arc<dyn ChildExecutions>) -> Self {
        self.children = Some(children);
        self
    }

    pub fn machine(&self) -> &Arc<StateMachine> {
        &self.machine
    }
}

/// The parts of `arn:aws:states:R:A:execution:Machine:Name` that make the state machine ARN
/// `arn:aws:states:R:A:stateMachine:Machine`: (`arn:aws:states:R:A`, `Machine`).
fn state_machine_arn_parts(execution_arn: &str) -> Option<(&str, &str)> {
    let mut colons = [0usize; 7];
    let mut n = 0;
    for (i, _) in execution_arn.match_indices(':').take(7) {
        colons[n] = i;
        n += 1;
    }
    if n < 7 || !execution_arn.starts_with("arn:") {
        return None;
    }
    let kind = &execution_arn[colons[4] + 1..colons[5]];
    if kind != "execution" && kind != "express" {
        return None;
    }
    Some((
        &execution_arn[..colons[4]],
        &execution_arn[colons[5] + 1..colons[6]],
    ))
}

fn derive_state_machine_arn(execution_arn: &str) -> String {
    state_machine_arn_parts(execution_arn)
        .map(|(prefix, machine)| format!("{prefix}:stateMachine:{machine}"))
        .unwrap_or_default()
}

fn state_machine_name(arn: &str) -> &str {
    arn.rsplit(':').next().unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_names_round_trip() {
        for s in ExecutionStatus::ALL {
            assert_eq!(ExecutionStatus::parse(s.as_str()), Some(s));
            let json = serde_json::to_value(s).unwrap();
            assert_eq!(json, s.as_str());
        }
        assert_eq!(ExecutionStatus::parse("running"), None);
        assert_eq!(ExecutionStatus::parse("PENDING_REDRIVE"), None);
    }

    #[test]
    fn state_machine_arn_from_execution_arn() {
        assert_eq!(
            derive_state_machine_arn("arn:aws:states:eu-west-1:123:execution:jobs:job-1"),
            "arn:aws:states:eu-west-1:123:stateMachine:jobs"
        );
        assert_eq!(
            derive_state_machine_arn("arn:aws:states:eu-west-1:123:express:jobs:job-1:run"),
            "arn:aws:states:eu-west-1:123:stateMachine:jobs"
        );
        assert_eq!(derive_state_machine_arn("exec-1"), "");
        assert_eq!(
            derive_state_machine_arn("arn:aws:states:r:1:other:jobs:x"),
            ""
        );
    }
}
