//! An execution as its caller sees it: what to run (`ExecutionSpec`, with a `Resume` to
//! re-drive one), how to stop it (`AbortHandle`), and how it ended (`ExecutionResult`).

use crate::history::{HistoryEvent, HistorySink};
use chrono::{DateTime, Utc};
use serde_json::Value;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio_util::sync::CancellationToken;

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
    pub(super) token: CancellationToken,
    pub(super) reason: Arc<Mutex<Option<(String, String)>>>,
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
}
