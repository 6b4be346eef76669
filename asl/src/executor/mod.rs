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
mod execution;
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
pub use execution::{
    AbortHandle, ExecutionResult, ExecutionSpec, ExecutionStatus, Resume, ResumedWait,
};
pub use objects::{DirObjects, ObjectError, ObjectInfo, ObjectSource};

pub use callbacks::{
    CallbackError, Callbacks, MemoryCallbacks, Signal, TokenOwner, WaitingTask, ENDED_TOKENS_KEPT,
};

use crate::definition::StateMachine;
use crate::error::TaskError;
use async_trait::async_trait;
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;

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
