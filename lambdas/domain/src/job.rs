use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{JobId, JobParameters, JobStatus};

/// Why a job failed, as stored on the job and shown by `GET /jobs/{jobId}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobError {
    pub error: String,
    pub cause: String,
}

/// A job as the store keeps it.
#[derive(Clone, Debug, PartialEq)]
pub struct Job {
    pub id: JobId,
    pub status: JobStatus,
    pub parameters: JobParameters,
    pub results: Option<Value>,
    pub error: Option<JobError>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Job {
    pub fn queued(id: JobId, parameters: JobParameters, now: DateTime<Utc>) -> Self {
        Self {
            id,
            status: JobStatus::Queued,
            parameters,
            results: None,
            error: None,
            created_at: now,
            updated_at: now,
        }
    }

    /// The `GET /jobs/{jobId}` body.
    pub fn to_view(&self) -> Value {
        let mut view = serde_json::json!({
            "id": self.id,
            "status": self.status,
            "parameters": self.parameters,
            "createdAt": timestamp(&self.created_at),
            "updatedAt": timestamp(&self.updated_at),
        });
        if let Some(results) = &self.results {
            view["results"] = results.clone();
        }
        if let Some(error) = &self.error {
            view["error"] = serde_json::to_value(error).expect("a JobError serializes");
        }
        view
    }
}

/// RFC 3339 in UTC with milliseconds: sortable as text, which the stores rely on.
pub fn timestamp(at: &DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

pub fn parse_timestamp(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|at| at.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn view_has_the_contract_fields_and_omits_absent_ones() {
        let at = Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).unwrap();
        let id: JobId = "3f2c9a4e-8d1b-4c6a-9e2f-0b7d5a1c3e9f".parse().unwrap();
        let mut job = Job::queued(id, JobParameters { seconds: 3 }, at);
        let view = job.to_view();
        assert_eq!(
            view,
            serde_json::json!({
                "id": "3f2c9a4e-8d1b-4c6a-9e2f-0b7d5a1c3e9f",
                "status": "Queued",
                "parameters": {"seconds": 3},
                "createdAt": "2026-11-25T12:00:00.000Z",
                "updatedAt": "2026-11-25T12:00:00.000Z",
            })
        );
        job.status = JobStatus::Failure;
        job.error = Some(JobError {
            error: "JobTooLong".into(),
            cause: "too long".into(),
        });
        let view = job.to_view();
        assert_eq!(view["error"]["error"], "JobTooLong");
        assert!(view.get("results").is_none());
    }

    #[test]
    fn timestamps_round_trip() {
        let at = Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap();
        assert_eq!(parse_timestamp(&timestamp(&at)), Some(at));
        assert_eq!(parse_timestamp("yesterday"), None);
    }
}
