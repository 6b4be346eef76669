//! Jobs and idempotency records as DynamoDB items. Parameters and results
//! are native maps (readable in the DynamoDB console, queryable by
//! attribute), converted by `serde_dynamo` from the JSON documents the
//! domain carries; what DynamoDB cannot hold is refused with the place and
//! the reason, never dropped.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, TimeZone, Utc};
use serde_json::Value;

use jobs_domain::job::{parse_timestamp, timestamp};
use jobs_domain::ports::StoreError;
use jobs_domain::{Document, IdempotencyKey, IdempotencyRecord, Job, JobError, JobId, JobStatus};

use super::index::{shard, SHARD_ATTRIBUTE};

pub const IDEMPOTENCY_PREFIX: &str = "idempotency#";

pub(crate) type Item = HashMap<String, AttributeValue>;

pub(crate) fn idempotency_id(key: &IdempotencyKey) -> String {
    format!("{IDEMPOTENCY_PREFIX}{}", key.as_str())
}

/// The item for a job. Fails, writing nothing, when its parameters or
/// results hold what DynamoDB cannot (see [`Document::storable`]).
pub fn job_to_item(job: &Job) -> Result<Item, StoreError> {
    let mut item = HashMap::from([
        ("id".to_owned(), AttributeValue::S(job.id.to_string())),
        (
            "status".to_owned(),
            AttributeValue::S(job.status.to_string()),
        ),
        (
            "parameters".to_owned(),
            document_to_attribute("parameters", job.parameters.as_value())?,
        ),
        (
            "createdAt".to_owned(),
            AttributeValue::S(timestamp(&job.created_at)),
        ),
        (
            "updatedAt".to_owned(),
            AttributeValue::S(timestamp(&job.updated_at)),
        ),
    ]);
    if let Some(results) = &job.results {
        item.insert(
            "results".to_owned(),
            document_to_attribute("results", results)?,
        );
    }
    if let Some(error) = &job.error {
        item.insert("error".to_owned(), error_to_attribute(error));
    }
    if !job.status.is_final() {
        item.insert(SHARD_ATTRIBUTE.to_owned(), shard(&job.id));
    }
    Ok(item)
}

/// Reads a job item, including those written before parameters were
/// generic documents: theirs were maps of numbers too, and read the same.
pub fn job_from_item(item: &Item) -> Result<Job, StoreError> {
    let text = |name: &str| -> Result<&str, StoreError> {
        match item.get(name) {
            Some(AttributeValue::S(s)) => Ok(s.as_str()),
            _ => Err(StoreError::Corrupt(format!(
                "job item has no string attribute {name:?}"
            ))),
        }
    };
    let id: JobId = text("id")?
        .parse()
        .map_err(|e: jobs_domain::InvalidJobId| StoreError::Corrupt(e.to_string()))?;
    let status: JobStatus =
        text("status")?
            .parse()
            .map_err(|e: jobs_domain::status::UnknownStatus| {
                StoreError::Corrupt(format!("job {id}: {e}"))
            })?;
    let document = |name: &str| -> Result<Option<Value>, StoreError> {
        item.get(name)
            .map(|v| {
                serde_dynamo::from_attribute_value::<_, Value>(v.clone())
                    .map_err(|e| StoreError::Corrupt(format!("job {id}: {name}: {e}")))
            })
            .transpose()
    };
    let parameters = document("parameters")?
        .ok_or_else(|| StoreError::Corrupt(format!("job {id} has no parameters")))
        .and_then(|value| {
            Document::from_value(value)
                .map_err(|e| StoreError::Corrupt(format!("job {id}: parameters: {e}")))
        })?;
    let time = |name: &str| -> Result<DateTime<Utc>, StoreError> {
        parse_timestamp(text(name)?)
            .ok_or_else(|| StoreError::Corrupt(format!("job {id}: {name} is not a timestamp")))
    };
    let error = match item.get("error") {
        Some(AttributeValue::M(m)) => {
            let field = |name: &str| match m.get(name) {
                Some(AttributeValue::S(s)) => s.clone(),
                _ => String::new(),
            };
            Some(JobError {
                error: field("error"),
                cause: field("cause"),
            })
        }
        _ => None,
    };
    Ok(Job {
        id,
        status,
        parameters,
        results: document("results")?,
        error,
        created_at: time("createdAt")?,
        updated_at: time("updatedAt")?,
    })
}

pub(crate) fn record_to_item(record: &IdempotencyRecord) -> Item {
    HashMap::from([
        (
            "id".to_owned(),
            AttributeValue::S(idempotency_id(&record.key)),
        ),
        (
            "jobId".to_owned(),
            AttributeValue::S(record.job_id.to_string()),
        ),
        (
            "requestHash".to_owned(),
            AttributeValue::S(record.request_hash.clone()),
        ),
        (
            "expiresAt".to_owned(),
            AttributeValue::N(record.expires_at.timestamp().to_string()),
        ),
    ])
}

pub(crate) fn record_from_item(
    key: &IdempotencyKey,
    item: &Item,
) -> Result<IdempotencyRecord, StoreError> {
    let corrupt = || {
        StoreError::Corrupt(format!(
            "idempotency item for key {:?} is malformed",
            key.as_str()
        ))
    };
    let job_id = match item.get("jobId") {
        Some(AttributeValue::S(s)) => s.parse().map_err(|_| corrupt())?,
        _ => return Err(corrupt()),
    };
    let request_hash = match item.get("requestHash") {
        Some(AttributeValue::S(s)) => s.clone(),
        _ => return Err(corrupt()),
    };
    let expires_at = match item.get("expiresAt") {
        Some(AttributeValue::N(n)) => n
            .parse::<i64>()
            .ok()
            .and_then(|secs| Utc.timestamp_opt(secs, 0).single())
            .ok_or_else(corrupt)?,
        _ => return Err(corrupt()),
    };
    Ok(IdempotencyRecord {
        key: key.clone(),
        job_id,
        request_hash,
        expires_at,
    })
}

/// A parameters or results document as a native attribute. Checked first
/// against what DynamoDB holds, so the refusal names the place and the
/// limit rather than coming back as a `ValidationException`.
pub(crate) fn document_to_attribute(
    name: &str,
    value: &Value,
) -> Result<AttributeValue, StoreError> {
    Document::storable(value).map_err(|e| StoreError::Unstorable(format!("{name}: {e}")))?;
    serde_dynamo::to_attribute_value(value)
        .map_err(|e| StoreError::Unstorable(format!("{name}: {e}")))
}

pub(crate) fn error_to_attribute(error: &JobError) -> AttributeValue {
    AttributeValue::M(HashMap::from([
        ("error".to_owned(), AttributeValue::S(error.error.clone())),
        ("cause".to_owned(), AttributeValue::S(error.cause.clone())),
    ]))
}
