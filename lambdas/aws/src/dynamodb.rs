//! The job store on DynamoDB. One table, partition key `id`:
//! - a job item per job, keyed by its id;
//! - an idempotency item per idempotency key, keyed `idempotency#<key>`,
//!   with `expiresAt` (epoch seconds) as the table's TTL attribute.
//!
//! Every status write is an `UpdateItem` whose condition is the set of
//! statuses the domain allows the change from, so the rules hold even when
//! two executions of one job race.
//!
//! An unfinished job carries `unfinishedShard` (the first hex digit of its
//! id), the partition key of the sparse index `unfinished` sorted by
//! `updatedAt`: the index holds only unfinished jobs, spread over 16
//! partitions so its writes never throttle the table's (see `sweep`).

use async_trait::async_trait;
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{
    AttributeValue, Put, ReturnValue, ReturnValuesOnConditionCheckFailure, TransactWriteItem,
};
use aws_sdk_dynamodb::Client;
use chrono::{DateTime, Utc};

use jobs_domain::job::timestamp;
use jobs_domain::ports::{
    CreateOutcome, JobStore, StaleClaim, StaleJob, StatusChange, StoreError, TransitionError,
};
use jobs_domain::{IdempotencyKey, IdempotencyRecord, Job, JobId, JobStatus};

mod index;
mod item;
mod sweep;

use index::shard;
pub use index::{SHARD_ATTRIBUTE, UNFINISHED_INDEX};
use item::{
    document_to_attribute, error_to_attribute, idempotency_id, record_from_item, record_to_item,
    Item,
};
pub use item::{job_from_item, job_to_item, IDEMPOTENCY_PREFIX};

#[derive(Clone, Debug)]
pub struct DynamoJobStore {
    client: Client,
    table: String,
}

impl DynamoJobStore {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }

    pub fn table(&self) -> &str {
        &self.table
    }

    async fn get_item(&self, id: String) -> Result<Option<Item>, StoreError> {
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("id", AttributeValue::S(id))
            // A client reads its job right after creating it.
            .consistent_read(true)
            .send()
            .await
            .map_err(store_error)?;
        Ok(output.item)
    }

    async fn get_idempotency(
        &self,
        key: &IdempotencyKey,
    ) -> Result<Option<IdempotencyRecord>, StoreError> {
        self.get_item(idempotency_id(key))
            .await?
            .map(|item| record_from_item(key, &item))
            .transpose()
    }

    async fn create_with_key(
        &self,
        job: &Job,
        record: &IdempotencyRecord,
    ) -> Result<CreateOutcome, StoreError> {
        let put_job = Put::builder()
            .table_name(&self.table)
            .set_item(Some(job_to_item(job)?))
            .condition_expression("attribute_not_exists(id)")
            .build()
            .map_err(|e| StoreError::Other(e.to_string()))?;
        let put_key = Put::builder()
            .table_name(&self.table)
            .set_item(Some(record_to_item(record)))
            // An expired key may linger until TTL deletes it (up to days later).
            .condition_expression("attribute_not_exists(id) OR expiresAt <= :now")
            .expression_attribute_values(
                ":now",
                AttributeValue::N(job.created_at.timestamp().to_string()),
            )
            .build()
            .map_err(|e| StoreError::Other(e.to_string()))?;
        let result = self
            .client
            .transact_write_items()
            .transact_items(TransactWriteItem::builder().put(put_job).build())
            .transact_items(TransactWriteItem::builder().put(put_key).build())
            .send()
            .await;
        let err = match result {
            Ok(_) => return Ok(CreateOutcome::Created),
            Err(err) => err,
        };
        let canceled = match &err {
            SdkError::ServiceError(service) => match service.err() {
                TransactWriteItemsError::TransactionCanceledException(e) => {
                    Some(e.cancellation_reasons().to_vec())
                }
                _ => None,
            },
            _ => None,
        };
        let Some(reasons) = canceled else {
            return Err(store_error(err));
        };
        let failed =
            |i: usize| reasons.get(i).and_then(|r| r.code()) == Some("ConditionalCheckFailed");
        if failed(0) {
            return Err(StoreError::AlreadyExists(job.id));
        }
        if failed(1) || reasons.is_empty() {
            if let Some(existing) = self.get_idempotency(&record.key).await? {
                if !existing.is_expired(job.created_at) {
                    return Ok(CreateOutcome::IdempotencyKeyTaken(existing));
                }
            }
            // The key was released or expired between the write and the read:
            // the client's retry will find it free.
            return Err(StoreError::Unavailable(
                "the idempotency key changed while the job was being created; retry".into(),
            ));
        }
        // Cancelled for another reason, such as a conflicting transaction.
        Err(StoreError::Unavailable(format!(
            "the create transaction was cancelled: {}",
            reasons
                .iter()
                .filter_map(|r| r.code())
                .collect::<Vec<_>>()
                .join(", ")
        )))
    }
}

#[async_trait]
impl JobStore for DynamoJobStore {
    async fn create(
        &self,
        job: &Job,
        idempotency: Option<&IdempotencyRecord>,
    ) -> Result<CreateOutcome, StoreError> {
        if let Some(record) = idempotency {
            return self.create_with_key(job, record).await;
        }
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(job_to_item(job)?))
            .condition_expression("attribute_not_exists(id)")
            .send()
            .await;
        match result {
            Ok(_) => Ok(CreateOutcome::Created),
            Err(err)
                if err
                    .as_service_error()
                    .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
            {
                Err(StoreError::AlreadyExists(job.id))
            }
            Err(err) => Err(store_error(err)),
        }
    }

    async fn get(&self, id: &JobId) -> Result<Option<Job>, StoreError> {
        self.get_item(id.to_string())
            .await?
            .map(|item| job_from_item(&item))
            .transpose()
    }

    async fn transition(&self, change: &StatusChange) -> Result<Job, TransitionError> {
        let mut set = vec!["#status = :to", "updatedAt = :at"];
        let mut remove = Vec::new();
        // In the index of unfinished jobs while unfinished, out of it once final.
        if change.to.is_final() {
            remove.push(SHARD_ATTRIBUTE);
        } else {
            set.push("unfinishedShard = :shard");
        }
        let mut request = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("id", AttributeValue::S(change.id.to_string()))
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":to", AttributeValue::S(change.to.to_string()))
            .expression_attribute_values(":at", AttributeValue::S(timestamp(&change.at)))
            .return_values(ReturnValue::AllNew)
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld);
        if !change.to.is_final() {
            request = request.expression_attribute_values(":shard", shard(&change.id));
        }
        // A job moved to Running starts from a clean slate (see `StatusChange`):
        // its earlier results and error go unless the change carries new ones.
        let shed = change.to == JobStatus::Running;
        if let Some(results) = &change.results {
            set.push("results = :results");
            request = request.expression_attribute_values(
                ":results",
                document_to_attribute("results", results)?,
            );
        } else if shed {
            remove.push("results");
        }
        if let Some(error) = &change.error {
            set.push("#error = :error");
            request = request
                .expression_attribute_names("#error", "error")
                .expression_attribute_values(":error", error_to_attribute(error));
        } else if shed {
            remove.push("#error");
            request = request.expression_attribute_names("#error", "error");
        }
        let mut allowed = Vec::new();
        for (i, status) in change.allowed_from.iter().enumerate() {
            let name = format!(":from{i}");
            request =
                request.expression_attribute_values(&name, AttributeValue::S(status.to_string()));
            allowed.push(name);
        }
        if allowed.is_empty() {
            // Nothing may move a job into this status (e.g. back to Queued).
            let current = self.get(&change.id).await?;
            return Err(TransitionError::Rejected {
                current: current.map(Box::new),
            });
        }
        let mut update = format!("SET {}", set.join(", "));
        if !remove.is_empty() {
            update.push_str(&format!(" REMOVE {}", remove.join(", ")));
        }
        let result = request
            .update_expression(update)
            .condition_expression(format!("#status IN ({})", allowed.join(", ")))
            .send()
            .await;
        let item = self.conditional_update(result, &change.id).await?;
        Ok(job_from_item(&item)?)
    }

    async fn unfinished_since(
        &self,
        cutoff: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<StaleJob>, StoreError> {
        self.query_unfinished(cutoff, limit).await
    }

    async fn claim_stale(&self, claim: &StaleClaim) -> Result<StaleJob, TransitionError> {
        self.claim(claim).await
    }

    async fn release_idempotency_key(
        &self,
        key: &IdempotencyKey,
        job_id: &JobId,
    ) -> Result<(), StoreError> {
        let result = self
            .client
            .delete_item()
            .table_name(&self.table)
            .key("id", AttributeValue::S(idempotency_id(key)))
            .condition_expression("jobId = :job")
            .expression_attribute_values(":job", AttributeValue::S(job_id.to_string()))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            // The key now belongs to another job, or is gone: nothing to release.
            Err(err)
                if err
                    .as_service_error()
                    .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
            {
                Ok(())
            }
            Err(err) => Err(store_error(err)),
        }
    }
}

impl DynamoJobStore {
    /// The outcome of a conditional UpdateItem: the item as written, or the
    /// refusal with the job as it is (or `None` if there is none).
    async fn conditional_update(
        &self,
        result: Result<
            aws_sdk_dynamodb::operation::update_item::UpdateItemOutput,
            SdkError<
                aws_sdk_dynamodb::operation::update_item::UpdateItemError,
                aws_sdk_dynamodb::config::http::HttpResponse,
            >,
        >,
        id: &JobId,
    ) -> Result<Item, TransitionError> {
        use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
        match result {
            Ok(output) => Ok(output
                .attributes
                .ok_or_else(|| StoreError::Corrupt("UpdateItem returned no attributes".into()))?),
            Err(err) => {
                let failed = match err.as_service_error() {
                    Some(UpdateItemError::ConditionalCheckFailedException(c)) => c,
                    _ => return Err(store_error(err).into()),
                };
                let current = match failed.item() {
                    Some(item) => Some(job_from_item(item)?),
                    // Older emulators omit the item; read it to say why.
                    None => self.get(id).await?,
                };
                Err(TransitionError::Rejected {
                    current: current.map(Box::new),
                })
            }
        }
    }
}

/// Maps an SDK failure to the domain's store errors: throttling, capacity,
/// server-side and transport failures are worth a retry; the rest are not.
pub fn store_error<E, R>(err: SdkError<E, R>) -> StoreError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug,
{
    match &err {
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => {
            StoreError::Unavailable(describe(&err))
        }
        SdkError::ServiceError(service) => {
            let e = service.err();
            match e.code() {
                Some(
                    "ProvisionedThroughputExceededException"
                    | "RequestLimitExceeded"
                    | "ThrottlingException"
                    | "InternalServerError"
                    | "ServiceUnavailable"
                    | "TransactionConflictException"
                    | "TransactionInProgressException"
                    | "LimitExceededException",
                ) => StoreError::Unavailable(describe_service(e)),
                Some("ResourceNotFoundException") => StoreError::Other(format!(
                    "{} (does the table named by JOBS_TABLE_NAME exist in this region?)",
                    describe_service(e)
                )),
                _ => StoreError::Other(describe_service(e)),
            }
        }
        _ => StoreError::Other(describe(&err)),
    }
}

fn describe<E: std::error::Error + 'static, R: std::fmt::Debug>(err: &SdkError<E, R>) -> String {
    let mut text = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

fn describe_service<E: ProvideErrorMetadata>(e: &E) -> String {
    format!(
        "{}: {}",
        e.code().unwrap_or("UnknownError"),
        e.message().unwrap_or("no message")
    )
}
