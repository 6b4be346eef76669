//! The DynamoDB job store against a mocked client: the exact requests it
//! sends, and how each AWS error maps to a store error.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use aws_sdk_dynamodb::config::retry::RetryConfig;
use aws_sdk_dynamodb::operation::delete_item::DeleteItemOutput;
use aws_sdk_dynamodb::operation::get_item::{GetItemInput, GetItemOutput};
use aws_sdk_dynamodb::operation::put_item::{PutItemInput, PutItemOutput};
use aws_sdk_dynamodb::operation::transact_write_items::{
    TransactWriteItemsInput, TransactWriteItemsOutput,
};
use aws_sdk_dynamodb::operation::update_item::{UpdateItemInput, UpdateItemOutput};
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue, ReturnValuesOnConditionCheckFailure};
use aws_sdk_dynamodb::Client;
use aws_smithy_mocks::{mock, mock_client, Rule, RuleMode};
use aws_smithy_runtime_api::http::{Response as HttpResponse, StatusCode};
use aws_smithy_types::body::SdkBody;
use chrono::{TimeZone, Utc};
use serde_json::json;

use jobs_aws::dynamodb::{job_from_item, job_to_item};
use jobs_aws::DynamoJobStore;
use jobs_domain::ports::{CreateOutcome, JobStore, StatusChange, StoreError, TransitionError};
use jobs_domain::status::Cause;
use jobs_domain::{Document, IdempotencyKey, IdempotencyRecord, Job, JobError, JobId, JobStatus};

const TABLE: &str = "jobs-table";

fn store(rules: &[&Rule]) -> DynamoJobStore {
    let client: Client = mock_client!(aws_sdk_dynamodb, RuleMode::MatchAny, rules, |c| c
        .retry_config(RetryConfig::disabled()));
    DynamoJobStore::new(client, TABLE)
}

fn job() -> Job {
    let at = Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).unwrap();
    Job::queued(
        "3f2c9a4e-8d1b-4c6a-9e2f-0b7d5a1c3e9f".parse().unwrap(),
        Document::from_value(json!({"n": 3})).unwrap(),
        at,
    )
}

/// An error response as DynamoDB sends it on the wire (awsJson1_0).
fn aws_error(status: u16, kind: &str, message: &str) -> HttpResponse {
    HttpResponse::new(
        StatusCode::try_from(status).unwrap(),
        SdkBody::from(json!({"__type": format!("com.amazonaws.dynamodb.v20120810#{kind}"), "message": message}).to_string()),
    )
}

fn captured<T: Clone>() -> Arc<Mutex<Vec<T>>> {
    Arc::new(Mutex::new(Vec::new()))
}

#[tokio::test]
async fn create_puts_a_queued_job_only_if_its_id_is_new() {
    let seen = captured::<PutItemInput>();
    let s = seen.clone();
    let rule = mock!(Client::put_item).then_compute_output(move |req| {
        s.lock().unwrap().push(req.clone());
        PutItemOutput::builder().build()
    });
    let outcome = store(&[&rule]).create(&job(), None).await.unwrap();
    assert_eq!(outcome, CreateOutcome::Created);
    let req = seen.lock().unwrap()[0].clone();
    assert_eq!(req.table_name(), Some(TABLE));
    assert_eq!(req.condition_expression(), Some("attribute_not_exists(id)"));
    let item = req.item().unwrap();
    assert_eq!(
        item["id"],
        AttributeValue::S("3f2c9a4e-8d1b-4c6a-9e2f-0b7d5a1c3e9f".into())
    );
    assert_eq!(item["status"], AttributeValue::S("Queued".into()));
    assert_eq!(
        item["parameters"],
        AttributeValue::M(HashMap::from([("n".into(), AttributeValue::N("3".into()))]))
    );
    assert_eq!(
        item["createdAt"],
        AttributeValue::S("2026-11-25T12:00:00.000Z".into())
    );
    assert_eq!(
        item["updatedAt"],
        AttributeValue::S("2026-11-25T12:00:00.000Z".into())
    );
    assert!(!item.contains_key("results") && !item.contains_key("error"));
    // A new job is in the sparse index of unfinished jobs.
    assert_eq!(item["unfinishedShard"], AttributeValue::S("3".into()));
}

#[tokio::test]
async fn create_of_an_existing_id_is_refused() {
    let rule = mock!(Client::put_item).then_http_response(|| {
        aws_error(
            400,
            "ConditionalCheckFailedException",
            "The conditional request failed",
        )
    });
    let err = store(&[&rule]).create(&job(), None).await.unwrap_err();
    assert_eq!(err, StoreError::AlreadyExists(job().id));
}

#[tokio::test]
async fn create_with_a_key_writes_job_and_key_in_one_transaction() {
    let seen = captured::<TransactWriteItemsInput>();
    let s = seen.clone();
    let rule = mock!(Client::transact_write_items).then_compute_output(move |req| {
        s.lock().unwrap().push(req.clone());
        TransactWriteItemsOutput::builder().build()
    });
    let job = job();
    let record = IdempotencyRecord::new(
        IdempotencyKey::parse(b"order-1").unwrap(),
        job.id,
        &job.parameters,
        job.created_at,
    );
    let outcome = store(&[&rule]).create(&job, Some(&record)).await.unwrap();
    assert_eq!(outcome, CreateOutcome::Created);
    let req = seen.lock().unwrap()[0].clone();
    let items = req.transact_items();
    assert_eq!(items.len(), 2);
    let put_job = items[0].put().unwrap();
    assert_eq!(put_job.table_name(), TABLE);
    assert_eq!(
        put_job.condition_expression(),
        Some("attribute_not_exists(id)")
    );
    assert_eq!(put_job.item()["status"], AttributeValue::S("Queued".into()));
    let put_key = items[1].put().unwrap();
    assert_eq!(put_key.table_name(), TABLE);
    assert_eq!(
        put_key.condition_expression(),
        Some("attribute_not_exists(id) OR expiresAt <= :now")
    );
    assert_eq!(
        put_key.expression_attribute_values().unwrap()[":now"],
        AttributeValue::N(job.created_at.timestamp().to_string())
    );
    let key_item = put_key.item();
    assert_eq!(
        key_item["id"],
        AttributeValue::S("idempotency#order-1".into())
    );
    assert_eq!(key_item["jobId"], AttributeValue::S(job.id.to_string()));
    assert_eq!(
        key_item["requestHash"],
        AttributeValue::S(record.request_hash.clone())
    );
    // The TTL attribute is epoch seconds, a day out.
    assert_eq!(
        key_item["expiresAt"],
        AttributeValue::N((job.created_at.timestamp() + 86_400).to_string())
    );
}

#[tokio::test]
async fn create_with_a_taken_key_returns_the_existing_record() {
    let job = job();
    let earlier: JobId = "11111111-2222-4333-8444-555555555555".parse().unwrap();
    let canceled = mock!(Client::transact_write_items).then_http_response(|| {
        HttpResponse::new(
            StatusCode::try_from(400).unwrap(),
            SdkBody::from(
                json!({
                    "__type": "com.amazonaws.dynamodb.v20120810#TransactionCanceledException",
                    "Message": "Transaction cancelled, please refer cancellation reasons for specific reasons [None, ConditionalCheckFailed]",
                    "CancellationReasons": [{"Code": "None"}, {"Code": "ConditionalCheckFailed", "Message": "The conditional request failed"}]
                })
                .to_string(),
            ),
        )
    });
    let hash = jobs_domain::idempotency::request_hash(&job.parameters);
    let expires = (job.created_at.timestamp() + 3600).to_string();
    let seen = captured::<GetItemInput>();
    let s = seen.clone();
    let lookup = mock!(Client::get_item).then_compute_output(move |req| {
        s.lock().unwrap().push(req.clone());
        GetItemOutput::builder()
            .item("id", AttributeValue::S("idempotency#order-1".into()))
            .item("jobId", AttributeValue::S(earlier.to_string()))
            .item("requestHash", AttributeValue::S(hash.clone()))
            .item("expiresAt", AttributeValue::N(expires.clone()))
            .build()
    });
    let record = IdempotencyRecord::new(
        IdempotencyKey::parse(b"order-1").unwrap(),
        job.id,
        &job.parameters,
        job.created_at,
    );
    let outcome = store(&[&canceled, &lookup])
        .create(&job, Some(&record))
        .await
        .unwrap();
    let CreateOutcome::IdempotencyKeyTaken(existing) = outcome else {
        panic!("{outcome:?}")
    };
    assert_eq!(existing.job_id, earlier);
    assert_eq!(existing.request_hash, record.request_hash);
    let get = seen.lock().unwrap()[0].clone();
    assert_eq!(
        get.key().unwrap()["id"],
        AttributeValue::S("idempotency#order-1".into())
    );
    assert_eq!(get.consistent_read(), Some(true));
}

#[tokio::test]
async fn get_reads_consistently_and_maps_the_item() {
    let stored = {
        let mut j = job();
        j.status = JobStatus::Success;
        j.results = Some(json!({"message": "done in 3"}));
        j
    };
    let item = job_to_item(&stored).unwrap();
    let seen = captured::<GetItemInput>();
    let s = seen.clone();
    let rule = mock!(Client::get_item).then_compute_output(move |req| {
        s.lock().unwrap().push(req.clone());
        GetItemOutput::builder()
            .set_item(Some(item.clone()))
            .build()
    });
    let got = store(&[&rule]).get(&stored.id).await.unwrap().unwrap();
    assert_eq!(got, stored);
    let req = seen.lock().unwrap()[0].clone();
    assert_eq!(req.table_name(), Some(TABLE));
    assert_eq!(req.consistent_read(), Some(true));
    assert_eq!(
        req.key().unwrap()["id"],
        AttributeValue::S(stored.id.to_string())
    );
}

#[tokio::test]
async fn get_of_a_missing_job_is_none() {
    let rule = mock!(Client::get_item).then_output(|| GetItemOutput::builder().build());
    assert_eq!(store(&[&rule]).get(&JobId::random()).await.unwrap(), None);
}

#[tokio::test]
async fn a_corrupt_item_is_reported_not_guessed() {
    let rule = mock!(Client::get_item).then_output(|| {
        GetItemOutput::builder()
            .item(
                "id",
                AttributeValue::S("3f2c9a4e-8d1b-4c6a-9e2f-0b7d5a1c3e9f".into()),
            )
            .item("status", AttributeValue::S("Done".into()))
            .build()
    });
    let err = store(&[&rule]).get(&job().id).await.unwrap_err();
    assert!(
        matches!(err, StoreError::Corrupt(ref m) if m.contains("Done")),
        "{err:?}"
    );
}

fn update_rule(seen: Arc<Mutex<Vec<UpdateItemInput>>>, returned: Job) -> Rule {
    mock!(Client::update_item).then_compute_output(move |req| {
        seen.lock().unwrap().push(req.clone());
        UpdateItemOutput::builder()
            .set_attributes(Some(job_to_item(&returned).unwrap()))
            .build()
    })
}

#[tokio::test]
async fn running_is_written_only_from_the_allowed_statuses_and_clears_results_and_error() {
    let seen = captured::<UpdateItemInput>();
    let mut running = job();
    running.status = JobStatus::Running;
    let rule = update_rule(seen.clone(), running.clone());
    let at = Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 1).unwrap();
    let change = StatusChange::new(running.id, JobStatus::Running, Cause::Replay, at);
    let written = store(&[&rule]).transition(&change).await.unwrap();
    assert_eq!(written.status, JobStatus::Running);
    let req = seen.lock().unwrap()[0].clone();
    assert_eq!(req.table_name(), Some(TABLE));
    assert_eq!(
        req.key().unwrap()["id"],
        AttributeValue::S(running.id.to_string())
    );
    assert_eq!(
        req.update_expression(),
        Some("SET #status = :to, updatedAt = :at, unfinishedShard = :shard REMOVE results, #error")
    );
    assert_eq!(
        req.condition_expression(),
        Some("#status IN (:from0, :from1, :from2)")
    );
    let names = req.expression_attribute_names().unwrap();
    assert_eq!(names["#status"], "status");
    assert_eq!(names["#error"], "error");
    let values = req.expression_attribute_values().unwrap();
    assert_eq!(values[":to"], AttributeValue::S("Running".into()));
    assert_eq!(
        values[":at"],
        AttributeValue::S("2026-11-25T12:00:01.000Z".into())
    );
    assert_eq!(values[":from0"], AttributeValue::S("Queued".into()));
    assert_eq!(values[":from1"], AttributeValue::S("Running".into()));
    assert_eq!(values[":from2"], AttributeValue::S("Failure".into()));
    // Back in the index of unfinished jobs, in the partition of its id's first digit.
    assert_eq!(
        values[":shard"],
        AttributeValue::S(running.id.to_string()[..1].to_owned())
    );
    assert_eq!(req.return_values(), Some(&ReturnValue::AllNew));
    assert_eq!(
        req.return_values_on_condition_check_failure(),
        Some(&ReturnValuesOnConditionCheckFailure::AllOld)
    );
}

#[tokio::test]
async fn success_is_written_only_from_running_with_its_results() {
    let seen = captured::<UpdateItemInput>();
    let mut done = job();
    done.status = JobStatus::Success;
    done.results = Some(json!({"message": "done in 3"}));
    let rule = update_rule(seen.clone(), done.clone());
    let change = StatusChange::new(
        done.id,
        JobStatus::Success,
        Cause::Execution,
        done.updated_at,
    )
    .with_results(json!({"message": "done in 3"}));
    assert_eq!(store(&[&rule]).transition(&change).await.unwrap(), done);
    let req = seen.lock().unwrap()[0].clone();
    assert_eq!(
        req.update_expression(),
        Some("SET #status = :to, updatedAt = :at, results = :results REMOVE unfinishedShard")
    );
    assert_eq!(req.condition_expression(), Some("#status IN (:from0)"));
    let values = req.expression_attribute_values().unwrap();
    assert_eq!(values[":from0"], AttributeValue::S("Running".into()));
    assert_eq!(
        values[":results"],
        AttributeValue::M(HashMap::from([(
            "message".into(),
            AttributeValue::S("done in 3".into())
        )]))
    );
}

#[tokio::test]
async fn failure_is_written_from_queued_or_running_with_its_error() {
    let seen = captured::<UpdateItemInput>();
    let mut failed = job();
    failed.status = JobStatus::Failure;
    failed.error = Some(JobError {
        error: "JobTooLong".into(),
        cause: "too long".into(),
    });
    let rule = update_rule(seen.clone(), failed.clone());
    let change = StatusChange::new(
        failed.id,
        JobStatus::Failure,
        Cause::Execution,
        failed.updated_at,
    )
    .with_error(failed.error.clone().unwrap());
    store(&[&rule]).transition(&change).await.unwrap();
    let req = seen.lock().unwrap()[0].clone();
    assert_eq!(
        req.update_expression(),
        Some("SET #status = :to, updatedAt = :at, #error = :error REMOVE unfinishedShard")
    );
    assert_eq!(
        req.condition_expression(),
        Some("#status IN (:from0, :from1)")
    );
    let values = req.expression_attribute_values().unwrap();
    assert_eq!(values[":from0"], AttributeValue::S("Queued".into()));
    assert_eq!(values[":from1"], AttributeValue::S("Running".into()));
    assert_eq!(
        values[":error"],
        AttributeValue::M(HashMap::from([
            ("error".into(), AttributeValue::S("JobTooLong".into())),
            ("cause".into(), AttributeValue::S("too long".into())),
        ]))
    );
}

#[tokio::test]
async fn a_refused_write_reports_the_current_job_from_the_error() {
    let mut current = job();
    current.status = JobStatus::Success;
    let item = job_to_item(&current).unwrap();
    let body = json!({
        "__type": "com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException",
        "message": "The conditional request failed",
        "Item": serde_json::to_value(item.iter().map(|(k, v)| (k.clone(), wire(v))).collect::<HashMap<_, _>>()).unwrap()
    })
    .to_string();
    let rule = mock!(Client::update_item).then_http_response(move || {
        HttpResponse::new(
            StatusCode::try_from(400).unwrap(),
            SdkBody::from(body.clone()),
        )
    });
    let change = StatusChange::new(
        current.id,
        JobStatus::Failure,
        Cause::Execution,
        current.updated_at,
    );
    let err = store(&[&rule]).transition(&change).await.unwrap_err();
    match err {
        TransitionError::Rejected { current: Some(job) } => assert_eq!(*job, current),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_refused_write_without_the_item_reads_it() {
    let rule = mock!(Client::update_item).then_http_response(|| {
        aws_error(
            400,
            "ConditionalCheckFailedException",
            "The conditional request failed",
        )
    });
    let missing = mock!(Client::get_item).then_output(|| GetItemOutput::builder().build());
    let change = StatusChange::new(job().id, JobStatus::Running, Cause::Execution, Utc::now());
    let err = store(&[&rule, &missing])
        .transition(&change)
        .await
        .unwrap_err();
    assert_eq!(err, TransitionError::Rejected { current: None });
    assert_eq!(missing.num_calls(), 1);
}

#[tokio::test]
async fn nothing_may_move_a_job_back_to_queued() {
    let update = mock!(Client::update_item).then_output(|| UpdateItemOutput::builder().build());
    let read = mock!(Client::get_item).then_output(move || {
        let mut j = job();
        j.status = JobStatus::Running;
        GetItemOutput::builder()
            .set_item(Some(job_to_item(&j).unwrap()))
            .build()
    });
    let change = StatusChange::new(job().id, JobStatus::Queued, Cause::Replay, Utc::now());
    let err = store(&[&update, &read])
        .transition(&change)
        .await
        .unwrap_err();
    assert!(
        matches!(err, TransitionError::Rejected { current: Some(ref j) } if j.status == JobStatus::Running)
    );
    assert_eq!(update.num_calls(), 0);
}

#[tokio::test]
async fn release_deletes_the_key_only_if_it_is_still_this_jobs() {
    let seen = captured::<aws_sdk_dynamodb::operation::delete_item::DeleteItemInput>();
    let s = seen.clone();
    let rule = mock!(Client::delete_item).then_compute_output(move |req| {
        s.lock().unwrap().push(req.clone());
        DeleteItemOutput::builder().build()
    });
    let key = IdempotencyKey::parse(b"k-1").unwrap();
    store(&[&rule])
        .release_idempotency_key(&key, &job().id)
        .await
        .unwrap();
    let req = seen.lock().unwrap()[0].clone();
    assert_eq!(
        req.key().unwrap()["id"],
        AttributeValue::S("idempotency#k-1".into())
    );
    assert_eq!(req.condition_expression(), Some("jobId = :job"));
    assert_eq!(
        req.expression_attribute_values().unwrap()[":job"],
        AttributeValue::S(job().id.to_string())
    );

    let taken = mock!(Client::delete_item).then_http_response(|| {
        aws_error(
            400,
            "ConditionalCheckFailedException",
            "The conditional request failed",
        )
    });
    assert!(store(&[&taken])
        .release_idempotency_key(&key, &job().id)
        .await
        .is_ok());
}

#[tokio::test]
async fn every_aws_error_maps_to_a_store_error() {
    type Expect = fn(&StoreError) -> bool;
    let cases: &[(u16, &str, Expect)] = &[
        (400, "ProvisionedThroughputExceededException", |e| {
            matches!(e, StoreError::Unavailable(_))
        }),
        (400, "RequestLimitExceeded", |e| {
            matches!(e, StoreError::Unavailable(_))
        }),
        (400, "ThrottlingException", |e| {
            matches!(e, StoreError::Unavailable(_))
        }),
        (500, "InternalServerError", |e| {
            matches!(e, StoreError::Unavailable(_))
        }),
        (400, "TransactionConflictException", |e| {
            matches!(e, StoreError::Unavailable(_))
        }),
        (
            400,
            "ResourceNotFoundException",
            |e| matches!(e, StoreError::Other(m) if m.contains("JOBS_TABLE_NAME")),
        ),
        (
            400,
            "AccessDeniedException",
            |e| matches!(e, StoreError::Other(m) if m.contains("AccessDeniedException")),
        ),
        (400, "ValidationException", |e| {
            matches!(e, StoreError::Other(_))
        }),
        (400, "ItemCollectionSizeLimitExceededException", |e| {
            matches!(e, StoreError::Other(_))
        }),
    ];
    for (status, kind, expected) in cases {
        let (status, kind) = (*status, kind.to_string());
        let k = kind.clone();
        let get =
            mock!(Client::get_item).then_http_response(move || aws_error(status, &k, "injected"));
        let err = store(&[&get]).get(&job().id).await.unwrap_err();
        assert!(expected(&err), "GetItem {kind}: {err:?}");
        let k = kind.clone();
        let put =
            mock!(Client::put_item).then_http_response(move || aws_error(status, &k, "injected"));
        let err = store(&[&put]).create(&job(), None).await.unwrap_err();
        assert!(expected(&err), "PutItem {kind}: {err:?}");
        let k = kind.clone();
        let update = mock!(Client::update_item)
            .then_http_response(move || aws_error(status, &k, "injected"));
        let change = StatusChange::new(job().id, JobStatus::Running, Cause::Execution, Utc::now());
        match store(&[&update]).transition(&change).await.unwrap_err() {
            TransitionError::Store(err) => assert!(expected(&err), "UpdateItem {kind}: {err:?}"),
            other => panic!("UpdateItem {kind}: {other:?}"),
        }
    }
}

#[test]
fn items_round_trip() {
    let mut j = job();
    j.status = JobStatus::Failure;
    j.error = Some(JobError {
        error: "E".into(),
        cause: "C".into(),
    });
    j.results = Some(json!({"nested": {"list": [1, "two", true, null]}}));
    assert_eq!(job_from_item(&job_to_item(&j).unwrap()).unwrap(), j);
}

/// The DynamoDB JSON form of an attribute, as it travels on the wire.
fn wire(value: &AttributeValue) -> serde_json::Value {
    match value {
        AttributeValue::S(s) => json!({"S": s}),
        AttributeValue::N(n) => json!({"N": n}),
        AttributeValue::Bool(b) => json!({"BOOL": b}),
        AttributeValue::Null(_) => json!({"NULL": true}),
        AttributeValue::M(m) => {
            json!({"M": m.iter().map(|(k, v)| (k.clone(), wire(v))).collect::<serde_json::Map<_, _>>()})
        }
        AttributeValue::L(l) => json!({"L": l.iter().map(wire).collect::<Vec<_>>()}),
        other => panic!("not used here: {other:?}"),
    }
}
