//! `GET /local/archive`: the failed-jobs archive, which EventBridge keeps
//! but cannot list; locally it can.

use chrono::{DateTime, Utc};
use jobs_domain::job::rfc3339_millis;
use jobs_domain::JobId;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The events archived in the window asked for, oldest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ArchiveListing {
    pub archive_name: String,
    pub events: Vec<ArchivedEvent>,
}

/// An event as the archive keeps it. `detail` is what was put on the bus,
/// whatever it is; [`ArchivedEvent::failed_job`] reads the workflow's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ArchivedEvent {
    pub event_id: String,
    #[serde(with = "rfc3339_millis")]
    pub time: DateTime<Utc>,
    pub source: String,
    pub detail_type: String,
    pub detail: Value,
}

impl ArchivedEvent {
    /// The detail as the workflow's `ArchiveFailedJob` state writes it, if
    /// it is one.
    pub fn failed_job(&self) -> Option<FailedJobDetail> {
        serde_json::from_value(self.detail.clone()).ok()
    }
}

/// The detail of a `JobFailed` event (statemachine/jobs.asl.json,
/// `ArchiveFailedJob`): the job and the errors of both tasks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FailedJobDetail {
    pub id: JobId,
    #[serde(default)]
    pub parameters: Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub processor_error: Option<StateError>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_handler_error: Option<StateError>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub execution_id: Option<String>,
}

/// What a Catch puts at its `ResultPath`: `{"Error", "Cause"}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StateError {
    #[serde(rename = "Error", alias = "error", default)]
    pub error: Option<String>,
    #[serde(rename = "Cause", alias = "cause", default)]
    pub cause: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_workflows_detail_reads_as_a_failed_job() {
        let event: ArchivedEvent = serde_json::from_value(json!({
            "eventId": "e-1", "time": "2026-11-25T12:00:00.060Z", "source": "jobs.workflow",
            "detailType": "JobFailed",
            "detail": {
                "id": "3f2c9a4e-8d1b-4c6a-9e2f-0b7d5a1c3e9f",
                "parameters": {"n": 1000},
                "processorError": {"Error": "JobTooLong", "Cause": "too long"},
                "errorHandlerError": {"error": "StoreUnavailable", "cause": "injected"},
                "executionId": "arn:aws:states:us-east-1:0:execution:jobs:x"
            }
        }))
        .unwrap();
        assert_eq!(event.time.timestamp_subsec_millis(), 60);
        let job = event.failed_job().unwrap();
        assert_eq!(job.id.to_string(), "3f2c9a4e-8d1b-4c6a-9e2f-0b7d5a1c3e9f");
        assert_eq!(
            job.processor_error.unwrap().error.as_deref(),
            Some("JobTooLong")
        );
        assert_eq!(
            job.error_handler_error.unwrap().cause.as_deref(),
            Some("injected")
        );
        let other = ArchivedEvent {
            detail: json!({"something": "else"}),
            ..event
        };
        assert_eq!(other.failed_job(), None);
    }
}
