use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::id::JobId;
use crate::status::JobStatus;
use crate::work::Document;

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
    pub parameters: Document,
    pub results: Option<Value>,
    pub error: Option<JobError>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Job {
    pub fn queued(id: JobId, parameters: Document, now: DateTime<Utc>) -> Self {
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
    pub fn to_view(&self) -> JobView {
        JobView {
            id: self.id,
            status: self.status,
            parameters: self.parameters.clone(),
            results: self.results.clone(),
            error: self.error.clone(),
            created_at: self.created_at,
            updated_at: self.updated_at,
        }
    }
}

/// A job as `GET /jobs/{jobId}` shows it: the one definition of that body,
/// written by the API and read by the client. Fields are in the contract's
/// order, which is the order they are written in.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JobView {
    pub id: JobId,
    pub status: JobStatus,
    pub parameters: Document,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub results: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<JobError>,
    #[serde(with = "rfc3339_millis")]
    pub created_at: DateTime<Utc>,
    #[serde(with = "rfc3339_millis")]
    pub updated_at: DateTime<Utc>,
}

/// Times on the wire: [`timestamp`] text, read back by [`parse_timestamp`].
pub mod rfc3339_millis {
    use chrono::{DateTime, Utc};
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(at: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::timestamp(at))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        let text = String::deserialize(d)?;
        super::parse_timestamp(&text)
            .ok_or_else(|| serde::de::Error::custom(format!("{text:?} is not an RFC 3339 time")))
    }

    /// The same for an optional time (absent or null is `None`); use with
    /// `#[serde(default, skip_serializing_if = "Option::is_none")]`.
    pub mod option {
        use chrono::{DateTime, Utc};
        use serde::{Deserialize, Deserializer, Serializer};

        pub fn serialize<S: Serializer>(
            at: &Option<DateTime<Utc>>,
            s: S,
        ) -> Result<S::Ok, S::Error> {
            match at {
                Some(at) => super::serialize(at, s),
                None => s.serialize_none(),
            }
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(
            d: D,
        ) -> Result<Option<DateTime<Utc>>, D::Error> {
            match Option::<String>::deserialize(d)? {
                None => Ok(None),
                Some(text) => super::super::parse_timestamp(&text)
                    .map(Some)
                    .ok_or_else(|| {
                        serde::de::Error::custom(format!("{text:?} is not an RFC 3339 time"))
                    }),
            }
        }
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

    fn params(n: u64) -> Document {
        Document::from_value(serde_json::json!({ "n": n })).unwrap()
    }

    #[test]
    fn view_has_the_contract_fields_and_omits_absent_ones() {
        let at = Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).unwrap();
        let id: JobId = "3f2c9a4e-8d1b-4c6a-9e2f-0b7d5a1c3e9f".parse().unwrap();
        let mut job = Job::queued(id, params(3), at);
        let view = serde_json::to_value(job.to_view()).unwrap();
        assert_eq!(
            view,
            serde_json::json!({
                "id": "3f2c9a4e-8d1b-4c6a-9e2f-0b7d5a1c3e9f",
                "status": "Queued",
                "parameters": {"n": 3},
                "createdAt": "2026-11-25T12:00:00.000Z",
                "updatedAt": "2026-11-25T12:00:00.000Z",
            })
        );
        job.status = JobStatus::Failure;
        job.error = Some(JobError {
            error: "JobTooLong".into(),
            cause: "too long".into(),
        });
        let view = serde_json::to_value(job.to_view()).unwrap();
        assert_eq!(view["error"]["error"], "JobTooLong");
        assert!(view.get("results").is_none());
    }

    #[test]
    fn the_view_reads_back_what_it_writes_in_the_contracts_key_order() {
        let at = Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).unwrap();
        let id: JobId = "3f2c9a4e-8d1b-4c6a-9e2f-0b7d5a1c3e9f".parse().unwrap();
        let mut job = Job::queued(id, params(3), at);
        job.status = JobStatus::Success;
        job.results = Some(serde_json::json!({"message": "I slept for 3 seconds"}));
        job.updated_at = at + chrono::TimeDelta::milliseconds(3_004);
        let text = serde_json::to_string(&job.to_view()).unwrap();
        assert_eq!(
            text,
            r#"{"id":"3f2c9a4e-8d1b-4c6a-9e2f-0b7d5a1c3e9f","status":"Success","parameters":{"n":3},"results":{"message":"I slept for 3 seconds"},"createdAt":"2026-11-25T12:00:00.000Z","updatedAt":"2026-11-25T12:00:03.004Z"}"#
        );
        let back: JobView = serde_json::from_str(&text).unwrap();
        assert_eq!(back, job.to_view());
    }

    #[test]
    fn a_view_with_a_bad_time_or_status_is_refused() {
        let good = serde_json::json!({
            "id": "3f2c9a4e-8d1b-4c6a-9e2f-0b7d5a1c3e9f", "status": "Queued",
            "parameters": {"n": 1},
            "createdAt": "2026-11-25T12:00:00.000Z", "updatedAt": "2026-11-25T12:00:00.000Z",
        });
        assert!(serde_json::from_value::<JobView>(good.clone()).is_ok());
        let mut bad_time = good.clone();
        bad_time["createdAt"] = "yesterday".into();
        let err = serde_json::from_value::<JobView>(bad_time).unwrap_err();
        assert!(err.to_string().contains("not an RFC 3339 time"), "{err}");
        let mut bad_status = good;
        bad_status["status"] = "Done".into();
        assert!(serde_json::from_value::<JobView>(bad_status).is_err());
    }

    #[test]
    fn timestamps_round_trip() {
        let at = Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap();
        assert_eq!(parse_timestamp(&timestamp(&at)), Some(at));
        assert_eq!(parse_timestamp("yesterday"), None);
    }
}
