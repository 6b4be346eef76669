//! Execution history in the shape of Step Functions' GetExecutionHistory.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// Receives each event as it happens, e.g. to persist it.
pub trait HistorySink: Send + Sync {
    /// `execution` is the execution ARN.
    fn record(&self, execution: &str, event: &HistoryEvent);
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum EventType {
    ExecutionStarted,
    ExecutionSucceeded,
    ExecutionFailed,
    ExecutionTimedOut,
    ExecutionAborted,
    PassStateEntered,
    PassStateExited,
    TaskStateEntered,
    TaskStateExited,
    TaskScheduled,
    TaskStarted,
    /// A callback (`.waitForTaskToken`) task's call returned; the task now waits for its token.
    TaskSubmitted,
    TaskSucceeded,
    TaskFailed,
    TaskTimedOut,
    ChoiceStateEntered,
    ChoiceStateExited,
    WaitStateEntered,
    WaitStateExited,
    SucceedStateEntered,
    SucceedStateExited,
    FailStateEntered,
    ParallelStateEntered,
    ParallelStateStarted,
    ParallelStateSucceeded,
    ParallelStateFailed,
    ParallelStateAborted,
    ParallelStateExited,
    MapStateEntered,
    MapStateStarted,
    MapStateSucceeded,
    MapStateFailed,
    MapStateAborted,
    MapStateExited,
    MapIterationStarted,
    MapIterationSucceeded,
    MapIterationFailed,
    MapIterationAborted,
    MapRunStarted,
    MapRunSucceeded,
    MapRunFailed,
    MapRunAborted,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DataDetails {
    pub truncated: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExecutionStartedEventDetails {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input_details: Option<DataDetails>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role_arn: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExecutionSucceededEventDetails {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output_details: Option<DataDetails>,
}

/// Details of ExecutionFailed, ExecutionTimedOut and ExecutionAborted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorEventDetails {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cause: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StateEnteredEventDetails {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input_details: Option<DataDetails>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StateExitedEventDetails {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output_details: Option<DataDetails>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskScheduledEventDetails {
    pub resource_type: String,
    pub resource: String,
    pub region: String,
    pub parameters: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout_in_seconds: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub heartbeat_in_seconds: Option<u64>,
    /// The role of the task's `Credentials`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_credentials: Option<TaskCredentials>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskCredentials {
    pub role_arn: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskStartedEventDetails {
    pub resource_type: String,
    pub resource: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskSucceededEventDetails {
    pub resource_type: String,
    pub resource: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output_details: Option<DataDetails>,
}

/// Details of TaskFailed and TaskTimedOut.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskFailedEventDetails {
    pub resource_type: String,
    pub resource: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cause: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MapStateStartedEventDetails {
    pub length: usize,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MapRunStartedEventDetails {
    pub map_run_arn: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MapIterationEventDetails {
    pub name: String,
    pub index: usize,
}

/// One history event. Exactly one `*EventDetails` field is set, or none for events that carry
/// no details (e.g. ParallelStateStarted).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HistoryEvent {
    pub id: u64,
    pub previous_event_id: u64,
    /// On the wire, seconds since the Unix epoch with fractional milliseconds, as the API has it.
    #[serde(with = "epoch_seconds")]
    pub timestamp: DateTime<Utc>,
    #[serde(rename = "type")]
    pub event_type: EventType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub execution_started_event_details: Option<ExecutionStartedEventDetails>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub execution_succeeded_event_details: Option<ExecutionSucceededEventDetails>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub execution_failed_event_details: Option<ErrorEventDetails>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub execution_timed_out_event_details: Option<ErrorEventDetails>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub execution_aborted_event_details: Option<ErrorEventDetails>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state_entered_event_details: Option<StateEnteredEventDetails>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state_exited_event_details: Option<StateExitedEventDetails>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_scheduled_event_details: Option<TaskScheduledEventDetails>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_started_event_details: Option<TaskStartedEventDetails>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_submitted_event_details: Option<TaskSucceededEventDetails>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_succeeded_event_details: Option<TaskSucceededEventDetails>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_failed_event_details: Option<TaskFailedEventDetails>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_timed_out_event_details: Option<TaskFailedEventDetails>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub map_state_started_event_details: Option<MapStateStartedEventDetails>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub map_iteration_started_event_details: Option<MapIterationEventDetails>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub map_iteration_succeeded_event_details: Option<MapIterationEventDetails>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub map_iteration_failed_event_details: Option<MapIterationEventDetails>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub map_iteration_aborted_event_details: Option<MapIterationEventDetails>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub map_run_started_event_details: Option<MapRunStartedEventDetails>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub map_run_failed_event_details: Option<ErrorEventDetails>,
}

impl HistoryEvent {
    pub fn new(event_type: EventType) -> Self {
        HistoryEvent {
            id: 0,
            previous_event_id: 0,
            timestamp: DateTime::<Utc>::UNIX_EPOCH,
            event_type,
            execution_started_event_details: None,
            execution_succeeded_event_details: None,
            execution_failed_event_details: None,
            execution_timed_out_event_details: None,
            execution_aborted_event_details: None,
            state_entered_event_details: None,
            state_exited_event_details: None,
            task_scheduled_event_details: None,
            task_started_event_details: None,
            task_submitted_event_details: None,
            task_succeeded_event_details: None,
            task_failed_event_details: None,
            task_timed_out_event_details: None,
            map_state_started_event_details: None,
            map_iteration_started_event_details: None,
            map_iteration_succeeded_event_details: None,
            map_iteration_failed_event_details: None,
            map_iteration_aborted_event_details: None,
            map_run_started_event_details: None,
            map_run_failed_event_details: None,
        }
    }

    /// The state name, for state-level events.
    pub fn state_name(&self) -> Option<&str> {
        self.state_entered_event_details
            .as_ref()
            .map(|d| d.name.as_str())
            .or(self
                .state_exited_event_details
                .as_ref()
                .map(|d| d.name.as_str()))
    }
}

mod epoch_seconds {
    use chrono::{DateTime, TimeZone, Utc};
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(t.timestamp_millis() as f64 / 1000.0)
    }

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Either {
        Seconds(f64),
        Text(String),
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        match Either::deserialize(d)? {
            Either::Seconds(x) => Utc
                .timestamp_millis_opt((x * 1000.0).round() as i64)
                .single()
                .ok_or_else(|| serde::de::Error::custom("timestamp out of range")),
            Either::Text(s) => DateTime::parse_from_rfc3339(&s)
                .map(|t| t.with_timezone(&Utc))
                .map_err(serde::de::Error::custom),
        }
    }
}

/// Numbers events and hands them to the sink and/or the collected list. Absent entirely when
/// neither is wanted, so an unobserved execution builds no event at all.
pub(crate) struct Recorder {
    execution: Arc<str>,
    next_id: AtomicU64,
    sink: Option<Arc<dyn HistorySink>>,
    collected: Option<Mutex<Vec<HistoryEvent>>>,
}

impl Recorder {
    pub(crate) fn new(
        execution: Arc<str>,
        sink: Option<Arc<dyn HistorySink>>,
        collect: bool,
    ) -> Self {
        Recorder {
            execution,
            next_id: AtomicU64::new(1),
            sink,
            collected: collect.then(|| Mutex::new(Vec::new())),
        }
    }

    /// Stamps the event with the next id and `prev` as its previous id; returns the new id.
    pub(crate) fn record(&self, mut ev: HistoryEvent, prev: u64, at: DateTime<Utc>) -> u64 {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        ev.id = id;
        ev.previous_event_id = prev;
        ev.timestamp = at;
        if let Some(s) = &self.sink {
            s.record(&self.execution, &ev);
        }
        if let Some(c) = &self.collected {
            c.lock().expect("history lock").push(ev);
        }
        id
    }

    /// Makes the next id `after + 1`, to continue a history persisted elsewhere.
    pub(crate) fn skip_to(&self, after: u64) {
        self.next_id.store(after + 1, Ordering::Relaxed);
    }

    pub(crate) fn take(&self) -> Vec<HistoryEvent> {
        match &self.collected {
            Some(c) => std::mem::take(&mut *c.lock().expect("history lock")),
            None => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serializes_in_the_api_shape() {
        let mut e = HistoryEvent::new(EventType::TaskStateEntered);
        e.timestamp = chrono::DateTime::parse_from_rfc3339("2026-01-02T03:04:05.678Z")
            .unwrap()
            .with_timezone(&Utc);
        e.id = 2;
        e.previous_event_id = 1;
        e.state_entered_event_details = Some(StateEnteredEventDetails {
            name: "ProcessJob".into(),
            input: Some("{}".into()),
            input_details: Some(DataDetails { truncated: false }),
        });
        let v = serde_json::to_value(&e).unwrap();
        assert_eq!(v["type"], "TaskStateEntered");
        assert_eq!(v["timestamp"], 1767323045.678);
        assert_eq!(v["previousEventId"], 1);
        assert_eq!(v["stateEnteredEventDetails"]["name"], "ProcessJob");
        assert_eq!(
            v["stateEnteredEventDetails"]["inputDetails"]["truncated"],
            false
        );
        assert!(v.get("taskFailedEventDetails").is_none());
        let back: HistoryEvent = serde_json::from_value(v).unwrap();
        assert_eq!(back, e);
    }
}
