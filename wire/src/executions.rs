//! `GET /local/jobs/{jobId}/executions`: a job's workflow executions, each as
//! Step Functions' DescribeExecution shows it, with its history events.

use chrono::{DateTime, Utc};
use jobs_asl::{ExecutionStatus, HistoryEvent};
use jobs_domain::job::rfc3339_millis;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Every execution of one job, oldest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobExecutions {
    pub executions: Vec<ExecutionView>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExecutionView {
    pub execution_arn: String,
    pub name: String,
    pub status: ExecutionStatus,
    #[serde(with = "rfc3339_millis")]
    pub start_date: DateTime<Utc>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "rfc3339_millis::option"
    )]
    pub stop_date: Option<DateTime<Utc>>,
    pub input: Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cause: Option<String>,
    /// Set on executions started by a replay of the archive.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replay_name: Option<String>,
    #[serde(default)]
    pub events: Vec<HistoryEvent>,
    /// The Task states the local stack's mock file (`--mocks`) answered.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mocked_states: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_back_what_it_writes_and_leaves_out_what_is_not_set() {
        let view: ExecutionView = serde_json::from_value(json!({
            "executionArn": "arn:aws:states:us-east-1:000000000000:execution:jobs-workflow:n",
            "name": "n", "status": "RUNNING", "startDate": "2026-11-25T12:00:00.000Z",
            "input": {"id": "x"},
            "events": [{"id": 1, "previousEventId": 0, "timestamp": 1795608000.0,
                        "type": "ExecutionStarted",
                        "executionStartedEventDetails": {"input": "{}"}}]
        }))
        .unwrap();
        assert_eq!(view.status, ExecutionStatus::Running);
        assert_eq!(view.stop_date, None);
        assert_eq!(view.events[0].timestamp, view.start_date);
        let back = serde_json::to_value(&view).unwrap();
        assert!(back.get("stopDate").is_none() && back.get("replayName").is_none());
        assert_eq!(serde_json::from_value::<ExecutionView>(back).unwrap(), view);
        let finished = ExecutionView {
            status: ExecutionStatus::Succeeded,
            stop_date: Some(view.start_date + chrono::TimeDelta::milliseconds(1_500)),
            ..view
        };
        let json = serde_json::to_value(&finished).unwrap();
        assert_eq!(json["status"], "SUCCEEDED");
        assert_eq!(json["stopDate"], "2026-11-25T12:00:01.500Z");
    }
}
