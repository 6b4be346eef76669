//! What the sweep needs from the table: a query of the sparse index of
//! unfinished jobs (never a scan), and the conditional claims.
//!
//! The index's partition key is one hex digit of the job id, so its writes
//! spread over 16 partitions (one index partition takes about 1,000 writes a
//! second); a query asks each of them for its oldest jobs.

use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue, ReturnValuesOnConditionCheckFailure};
use chrono::{DateTime, Utc};

use jobs_domain::job::timestamp;
use jobs_domain::ports::{StaleAction, StaleClaim, StaleJob, StoreError, TransitionError};
use jobs_domain::JobStatus;

use super::index::{SHARDS, SHARD_ATTRIBUTE, UNFINISHED_INDEX};
use super::{error_to_attribute, job_from_item, store_error, DynamoJobStore, Item};

const UNFINISHED: &str = "#status IN (:queued, :running) AND updatedAt <= :cutoff";

impl DynamoJobStore {
    pub(super) async fn query_unfinished(
        &self,
        cutoff: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<StaleJob>, StoreError> {
        let page = i32::try_from(limit.clamp(1, 1000)).expect("clamped");
        let mut stale = Vec::new();
        for digit in SHARDS {
            let output = self
                .client
                .query()
                .table_name(&self.table)
                .index_name(UNFINISHED_INDEX)
                .key_condition_expression("#shard = :shard AND updatedAt <= :cutoff")
                .expression_attribute_names("#shard", SHARD_ATTRIBUTE)
                .expression_attribute_values(":shard", AttributeValue::S((*digit as char).into()))
                .expression_attribute_values(":cutoff", AttributeValue::S(timestamp(&cutoff)))
                .scan_index_forward(true)
                .limit(page)
                .send()
                .await
                .map_err(store_error)?;
            for item in output.items() {
                stale.push(stale_from_item(item)?);
            }
        }
        // The index is eventually consistent: a job may have finished since.
        stale.retain(|s| !s.job.status.is_final());
        stale.sort_by_key(|s| (s.job.updated_at, s.job.id.to_string()));
        stale.truncate(limit);
        Ok(stale)
    }

    pub(super) async fn claim(&self, claim: &StaleClaim) -> Result<StaleJob, TransitionError> {
        let mut request = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("id", AttributeValue::S(claim.id.to_string()))
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":queued", status(JobStatus::Queued))
            .expression_attribute_values(":running", status(JobStatus::Running))
            .expression_attribute_values(":cutoff", AttributeValue::S(timestamp(&claim.cutoff)))
            .expression_attribute_values(":at", AttributeValue::S(timestamp(&claim.at)))
            .return_values(ReturnValue::AllNew)
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld);
        request = match &claim.action {
            StaleAction::Redrive { below } => request
                .update_expression(
                    "SET redrives = if_not_exists(redrives, :zero) + :one, updatedAt = :at",
                )
                .condition_expression(format!(
                    "{UNFINISHED} AND (attribute_not_exists(redrives) OR redrives < :below)"
                ))
                .expression_attribute_values(":zero", AttributeValue::N("0".into()))
                .expression_attribute_values(":one", AttributeValue::N("1".into()))
                .expression_attribute_values(":below", AttributeValue::N(below.to_string())),
            StaleAction::GiveUp { error } => request
                .update_expression(
                    "SET #status = :failure, #error = :error, updatedAt = :at REMOVE #shard",
                )
                .condition_expression(UNFINISHED)
                .expression_attribute_names("#error", "error")
                .expression_attribute_names("#shard", SHARD_ATTRIBUTE)
                .expression_attribute_values(":failure", status(JobStatus::Failure))
                .expression_attribute_values(":error", error_to_attribute(error)),
        };
        let item = self
            .conditional_update(request.send().await, &claim.id)
            .await?;
        Ok(stale_from_item(&item)?)
    }
}

fn status(status: JobStatus) -> AttributeValue {
    AttributeValue::S(status.to_string())
}

fn stale_from_item(item: &Item) -> Result<StaleJob, StoreError> {
    let job = job_from_item(item)?;
    let redrives = match item.get("redrives") {
        None => 0,
        Some(AttributeValue::N(n)) => n
            .parse()
            .map_err(|_| StoreError::Corrupt(format!("job {}: redrives is not a count", job.id)))?,
        Some(_) => {
            return Err(StoreError::Corrupt(format!(
                "job {}: redrives is not a number",
                job.id
            )))
        }
    };
    Ok(StaleJob { job, redrives })
}
