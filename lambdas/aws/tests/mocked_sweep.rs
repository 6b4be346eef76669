//! The sweep's reads and claims, as requests: the unfinished jobs come from
//! the sparse index (a Query per shard, never a Scan), and each claim is one
//! conditional UpdateItem.

use std::sync::{Arc, Mutex};

use aws_sdk_dynamodb::config::retry::RetryConfig;
use aws_sdk_dynamodb::operation::query::{QueryInput, QueryOutput};
use aws_sdk_dynamodb::operation::update_item::{UpdateItemInput, UpdateItemOutput};
use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_dynamodb::Client;
use aws_smithy_mocks::{mock, mock_client, RuleMode};
use chrono::{TimeZone, Utc};

use jobs_aws::dynamodb::{job_to_item, SHARD_ATTRIBUTE, UNFINISHED_INDEX};
use jobs_aws::DynamoJobStore;
use jobs_domain::ports::{JobStore, StaleAction, StaleClaim};
use jobs_domain::{Document, Job, JobError, JobId, JobStatus};

fn job(id: &str, minute: u32) -> Job {
    let at = Utc.with_ymd_and_hms(2026, 11, 25, 12, minute, 0).unwrap();
    Job::queued(
        id.parse().unwrap(),
        Document::from_value(serde_json::json!({"n": 1})).unwrap(),
        at,
    )
}

#[tokio::test]
async fn unfinished_jobs_are_queried_from_each_shard_of_the_index() {
    let seen: Arc<Mutex<Vec<QueryInput>>> = Arc::default();
    let s = seen.clone();
    let old = job("a0000000-0000-4000-8000-000000000000", 1);
    let older = job("b0000000-0000-4000-8000-000000000000", 0);
    let (o1, o2) = (old.clone(), older.clone());
    let rule = mock!(Client::query).then_compute_output(move |req| {
        s.lock().unwrap().push(req.clone());
        let shard = req.expression_attribute_values().unwrap()[":shard"].clone();
        let items: Vec<_> = [&o1, &o2]
            .into_iter()
            .map(|j| job_to_item(j).unwrap())
            .filter(|i| i[SHARD_ATTRIBUTE] == shard)
            .collect();
        QueryOutput::builder().set_items(Some(items)).build()
    });
    let client: Client = mock_client!(aws_sdk_dynamodb, RuleMode::MatchAny, [&rule], |c| c
        .retry_config(RetryConfig::disabled()));
    let store = DynamoJobStore::new(client, "jobs");
    let cutoff = Utc.with_ymd_and_hms(2026, 11, 25, 12, 5, 0).unwrap();

    let found = store.unfinished_since(cutoff, 10).await.unwrap();
    let ids: Vec<JobId> = found.iter().map(|s| s.job.id).collect();
    assert_eq!(ids, vec![older.id, old.id], "oldest first, across shards");
    let requests = seen.lock().unwrap().clone();
    let mut shards: Vec<String> = requests
        .iter()
        .map(
            |r| match &r.expression_attribute_values().unwrap()[":shard"] {
                AttributeValue::S(s) => s.clone(),
                other => panic!("{other:?}"),
            },
        )
        .collect();
    shards.sort();
    assert_eq!(shards.concat(), "0123456789abcdef");
    for r in &requests {
        assert_eq!(r.index_name(), Some(UNFINISHED_INDEX));
        assert_eq!(
            r.key_condition_expression(),
            Some("#shard = :shard AND updatedAt <= :cutoff")
        );
        assert_eq!(
            r.expression_attribute_values().unwrap()[":cutoff"],
            AttributeValue::S("2026-11-25T12:05:00.000Z".into())
        );
        assert_eq!(r.limit(), Some(10));
    }
}

#[tokio::test]
async fn a_give_up_is_one_conditional_write_that_leaves_the_index() {
    let seen: Arc<Mutex<Vec<UpdateItemInput>>> = Arc::default();
    let s = seen.clone();
    let mut lost = job("c0000000-0000-4000-8000-000000000000", 0);
    lost.status = JobStatus::Failure;
    let returned = lost.clone();
    let rule = mock!(Client::update_item).then_compute_output(move |req| {
        s.lock().unwrap().push(req.clone());
        let mut item = job_to_item(&returned).unwrap();
        item.insert("redrives".into(), AttributeValue::N("2".into()));
        UpdateItemOutput::builder()
            .set_attributes(Some(item))
            .build()
    });
    let client: Client = mock_client!(aws_sdk_dynamodb, RuleMode::MatchAny, [&rule], |c| c
        .retry_config(RetryConfig::disabled()));
    let store = DynamoJobStore::new(client, "jobs");
    let at = Utc.with_ymd_and_hms(2026, 11, 25, 12, 30, 0).unwrap();
    let claim = StaleClaim {
        id: lost.id,
        cutoff: at,
        at,
        action: StaleAction::GiveUp {
            error: JobError {
                error: "ExecutionLost".into(),
                cause: "lost".into(),
            },
        },
    };
    let written = store.claim_stale(&claim).await.unwrap();
    assert_eq!(
        (written.job.status, written.redrives),
        (JobStatus::Failure, 2)
    );
    let req = seen.lock().unwrap()[0].clone();
    assert_eq!(
        req.update_expression(),
        Some("SET #status = :failure, #error = :error, updatedAt = :at REMOVE #shard")
    );
    assert_eq!(
        req.condition_expression(),
        Some("#status IN (:queued, :running) AND updatedAt <= :cutoff")
    );
    assert_eq!(
        req.expression_attribute_names().unwrap()["#shard"],
        SHARD_ATTRIBUTE
    );
}
