//! Wire-level tests of the adapters against moto_server on 127.0.0.1.
//!
//! `scripts/test.sh` installs moto, starts the server, sets `MOTO_ENDPOINT`
//! and runs these with the ignored tests included; to run them by hand:
//! `MOTO_ENDPOINT=http://127.0.0.1:5000 cargo test -p jobs-aws --test moto -- --ignored`.

use std::sync::Arc;

use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
};
use chrono::{Duration, Utc};
use serde_json::json;

use jobs_aws::{DynamoJobStore, SfnWorkflowStarter};
use jobs_domain::ports::{
    CreateOutcome, JobStore, StartError, StatusChange, StoreError, TransitionError, WorkflowInput,
    WorkflowStarter,
};
use jobs_domain::status::Cause;
use jobs_domain::{
    IdempotencyKey, IdempotencyRecord, Job, JobError, JobId, JobParameters, JobStatus,
};

const NEEDS_MOTO: &str = "set MOTO_ENDPOINT to a running moto_server (scripts/test.sh does)";

fn endpoint() -> String {
    std::env::var("MOTO_ENDPOINT").expect(NEEDS_MOTO)
}

fn credentials() -> Credentials {
    Credentials::new("testing", "testing", None, None, "moto")
}

fn dynamodb() -> aws_sdk_dynamodb::Client {
    let config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .endpoint_url(endpoint())
        .region(Region::new("us-east-1"))
        .credentials_provider(credentials())
        .build();
    aws_sdk_dynamodb::Client::from_conf(config)
}

async fn fresh_table() -> DynamoJobStore {
    let client = dynamodb();
    let table = format!("jobs-{}", uuid::Uuid::new_v4());
    client
        .create_table()
        .table_name(&table)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name("id")
                .attribute_type(ScalarAttributeType::S)
                .build()
                .unwrap(),
        )
        .key_schema(
            KeySchemaElement::builder()
                .attribute_name("id")
                .key_type(KeyType::Hash)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .expect("create the table on moto");
    DynamoJobStore::new(client, table)
}

async fn queued(store: &DynamoJobStore, seconds: u64) -> Job {
    let job = Job::queued(JobId::random(), JobParameters { seconds }, Utc::now());
    assert_eq!(
        store.create(&job, None).await.unwrap(),
        CreateOutcome::Created
    );
    job
}

fn change(job: &Job, to: JobStatus, cause: Cause) -> StatusChange {
    StatusChange::new(job.id, to, cause, Utc::now())
}

fn rejected_with(result: Result<Job, TransitionError>, status: Option<JobStatus>) {
    match result {
        Err(TransitionError::Rejected { current }) => assert_eq!(current.map(|j| j.status), status),
        other => panic!("expected a refusal with {status:?}, got {other:?}"),
    }
}

#[tokio::test]
#[ignore = "needs moto_server; run scripts/test.sh"]
async fn create_then_read_back_and_refuse_a_second_create() {
    let store = fresh_table().await;
    let job = queued(&store, 3).await;
    let read = store.get(&job.id).await.unwrap().unwrap();
    assert_eq!(read.id, job.id);
    assert_eq!(read.status, JobStatus::Queued);
    assert_eq!(read.parameters.seconds, 3);
    assert_eq!(
        store.create(&job, None).await.unwrap_err(),
        StoreError::AlreadyExists(job.id)
    );
    assert_eq!(store.get(&JobId::random()).await.unwrap(), None);
}

#[tokio::test]
#[ignore = "needs moto_server; run scripts/test.sh"]
async fn the_happy_path_and_success_is_never_overwritten() {
    let store = fresh_table().await;
    let job = queued(&store, 1).await;
    store
        .transition(&change(&job, JobStatus::Running, Cause::Execution))
        .await
        .unwrap();
    let done = store
        .transition(
            &change(&job, JobStatus::Success, Cause::Execution)
                .with_results(json!({"message": "I slept for 1 seconds"})),
        )
        .await
        .unwrap();
    assert_eq!(done.status, JobStatus::Success);
    assert_eq!(
        done.results,
        Some(json!({"message": "I slept for 1 seconds"}))
    );

    // Every later write is refused and reports the stored Success.
    let late_failure = change(&job, JobStatus::Failure, Cause::Execution).with_error(JobError {
        error: "States.Timeout".into(),
        cause: String::new(),
    });
    rejected_with(
        store.transition(&late_failure).await,
        Some(JobStatus::Success),
    );
    rejected_with(
        store
            .transition(&change(&job, JobStatus::Running, Cause::Replay))
            .await,
        Some(JobStatus::Success),
    );
    rejected_with(
        store
            .transition(
                &change(&job, JobStatus::Success, Cause::Execution)
                    .with_results(json!({"other": 1})),
            )
            .await,
        Some(JobStatus::Success),
    );
    let stored = store.get(&job.id).await.unwrap().unwrap();
    assert_eq!(stored.status, JobStatus::Success);
    assert_eq!(
        stored.results,
        Some(json!({"message": "I slept for 1 seconds"}))
    );
    assert_eq!(stored.error, None);
}

#[tokio::test]
#[ignore = "needs moto_server; run scripts/test.sh"]
async fn duplicate_delivery_is_harmless() {
    let store = fresh_table().await;
    let job = queued(&store, 1).await;
    // Two executions of one job both start it...
    store
        .transition(&change(&job, JobStatus::Running, Cause::Execution))
        .await
        .unwrap();
    store
        .transition(&change(&job, JobStatus::Running, Cause::Execution))
        .await
        .unwrap();
    // ...one records success, the other is refused and sees that success.
    store
        .transition(
            &change(&job, JobStatus::Success, Cause::Execution).with_results(json!({"n": 1})),
        )
        .await
        .unwrap();
    rejected_with(
        store
            .transition(
                &change(&job, JobStatus::Success, Cause::Execution).with_results(json!({"n": 2})),
            )
            .await,
        Some(JobStatus::Success),
    );
    assert_eq!(
        store.get(&job.id).await.unwrap().unwrap().results,
        Some(json!({"n": 1}))
    );
}

#[tokio::test]
#[ignore = "needs moto_server; run scripts/test.sh"]
async fn stale_executions_cannot_move_a_job_backwards() {
    let store = fresh_table().await;
    let job = queued(&store, 1).await;
    // Success needs Running first.
    rejected_with(
        store
            .transition(&change(&job, JobStatus::Success, Cause::Execution))
            .await,
        Some(JobStatus::Queued),
    );
    store
        .transition(
            &change(&job, JobStatus::Failure, Cause::Execution).with_error(JobError {
                error: "E".into(),
                cause: "c".into(),
            }),
        )
        .await
        .unwrap();
    // A stale execution cannot revive the failed job; only a replay can.
    rejected_with(
        store
            .transition(&change(&job, JobStatus::Running, Cause::Execution))
            .await,
        Some(JobStatus::Failure),
    );
    rejected_with(
        store
            .transition(&change(&job, JobStatus::Failure, Cause::Execution))
            .await,
        Some(JobStatus::Failure),
    );
    let revived = store
        .transition(&change(&job, JobStatus::Running, Cause::Replay))
        .await
        .unwrap();
    assert_eq!(revived.status, JobStatus::Running);
    assert_eq!(revived.error, None, "a replayed job sheds its old error");
    // Nothing returns a job to Queued.
    rejected_with(
        store
            .transition(&change(&job, JobStatus::Queued, Cause::Replay))
            .await,
        Some(JobStatus::Running),
    );
}

#[tokio::test]
#[ignore = "needs moto_server; run scripts/test.sh"]
async fn racing_final_writes_have_exactly_one_winner() {
    let store = Arc::new(fresh_table().await);
    let job = queued(&store, 1).await;
    store
        .transition(&change(&job, JobStatus::Running, Cause::Execution))
        .await
        .unwrap();
    let mut tasks = Vec::new();
    for i in 0..16 {
        let store = store.clone();
        let c = if i % 2 == 0 {
            change(&job, JobStatus::Success, Cause::Execution).with_results(json!({"writer": i}))
        } else {
            change(&job, JobStatus::Failure, Cause::Execution).with_error(JobError {
                error: format!("E{i}"),
                cause: String::new(),
            })
        };
        tasks.push(tokio::spawn(async move { store.transition(&c).await }));
    }
    let mut winners = Vec::new();
    for task in tasks {
        if let Ok(job) = task.await.unwrap() {
            winners.push(job);
        }
    }
    assert_eq!(winners.len(), 1, "{winners:?}");
    let stored = store.get(&job.id).await.unwrap().unwrap();
    assert_eq!(stored.status, winners[0].status);
    assert_eq!(stored.results, winners[0].results);
    assert_eq!(stored.error, winners[0].error);
}

#[tokio::test]
#[ignore = "needs moto_server; run scripts/test.sh"]
async fn a_missing_job_is_reported_as_missing() {
    let store = fresh_table().await;
    let ghost = Job::queued(JobId::random(), JobParameters { seconds: 1 }, Utc::now());
    rejected_with(
        store
            .transition(&change(&ghost, JobStatus::Running, Cause::Execution))
            .await,
        None,
    );
    assert_eq!(
        store.get(&ghost.id).await.unwrap(),
        None,
        "a refused write creates nothing"
    );
}

#[tokio::test]
#[ignore = "needs moto_server; run scripts/test.sh"]
async fn idempotency_keys_hold_until_they_expire_or_are_released() {
    let store = fresh_table().await;
    let now = Utc::now();
    let key = IdempotencyKey::parse(b"order-77").unwrap();
    let first = Job::queued(JobId::random(), JobParameters { seconds: 2 }, now);
    let record = IdempotencyRecord::new(key.clone(), first.id, &first.parameters, now);
    assert_eq!(
        store.create(&first, Some(&record)).await.unwrap(),
        CreateOutcome::Created
    );

    let second = Job::queued(JobId::random(), JobParameters { seconds: 2 }, now);
    let record2 = IdempotencyRecord::new(key.clone(), second.id, &second.parameters, now);
    match store.create(&second, Some(&record2)).await.unwrap() {
        CreateOutcome::IdempotencyKeyTaken(existing) => {
            assert_eq!(existing.job_id, first.id);
            assert_eq!(existing.request_hash, record.request_hash);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        store.get(&second.id).await.unwrap(),
        None,
        "the refused transaction wrote no job"
    );

    // Once expired (TTL deletion is lazy), the key is free again.
    let later = now + Duration::hours(25);
    let third = Job::queued(JobId::random(), JobParameters { seconds: 2 }, later);
    let record3 = IdempotencyRecord::new(key.clone(), third.id, &third.parameters, later);
    assert_eq!(
        store.create(&third, Some(&record3)).await.unwrap(),
        CreateOutcome::Created
    );

    // Released by its own job only.
    store
        .release_idempotency_key(&key, &first.id)
        .await
        .unwrap();
    let fourth = Job::queued(JobId::random(), JobParameters { seconds: 2 }, later);
    let record4 = IdempotencyRecord::new(key.clone(), fourth.id, &fourth.parameters, later);
    assert!(
        matches!(store.create(&fourth, Some(&record4)).await.unwrap(), CreateOutcome::IdempotencyKeyTaken(r) if r.job_id == third.id)
    );
    store
        .release_idempotency_key(&key, &third.id)
        .await
        .unwrap();
    assert_eq!(
        store.create(&fourth, Some(&record4)).await.unwrap(),
        CreateOutcome::Created
    );
}

#[tokio::test]
#[ignore = "needs moto_server; run scripts/test.sh"]
async fn a_missing_table_says_which_setting_to_check() {
    let store = DynamoJobStore::new(dynamodb(), "no-such-table");
    let err = store.get(&JobId::random()).await.unwrap_err();
    assert!(
        matches!(err, StoreError::Other(ref m) if m.contains("JOBS_TABLE_NAME")),
        "{err:?}"
    );
}

#[tokio::test]
#[ignore = "needs moto_server; run scripts/test.sh"]
async fn executions_are_named_with_the_job_id_and_started_once() {
    let config = aws_sdk_sfn::Config::builder()
        .behavior_version(aws_sdk_sfn::config::BehaviorVersion::latest())
        .endpoint_url(endpoint())
        .region(aws_sdk_sfn::config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_sfn::config::Credentials::new(
            "testing", "testing", None, None, "moto",
        ))
        .build();
    let client = aws_sdk_sfn::Client::from_conf(config);
    let machine = client
        .create_state_machine()
        .name(format!("jobs-{}", uuid::Uuid::new_v4()))
        .definition(r#"{"StartAt":"Done","States":{"Done":{"Type":"Succeed"}}}"#)
        .role_arn("arn:aws:iam::123456789012:role/jobs-workflow")
        .send()
        .await
        .expect("create a state machine on moto");
    let arn = machine.state_machine_arn().to_owned();
    let starter = SfnWorkflowStarter::new(client.clone(), &arn);
    let input = WorkflowInput {
        id: JobId::random(),
        parameters: json!({"seconds": 2}),
        replay: None,
    };
    starter.start(&input).await.unwrap();
    let listed = client
        .list_executions()
        .state_machine_arn(&arn)
        .send()
        .await
        .unwrap();
    let names: Vec<_> = listed
        .executions()
        .iter()
        .map(|e| e.name().to_owned())
        .collect();
    assert_eq!(names, vec![input.id.to_string()]);
    let described = client
        .describe_execution()
        .execution_arn(listed.executions()[0].execution_arn())
        .send()
        .await
        .unwrap();
    let sent: serde_json::Value = serde_json::from_str(described.input().unwrap()).unwrap();
    assert_eq!(sent, json!({"id": input.id, "parameters": {"seconds": 2}}));
    // Starting the same job again never makes a second execution: with the
    // same input, Step Functions answers as for the first call; with another,
    // it refuses the name.
    let _ = starter.start(&input).await;
    let mut other = input.clone();
    other.parameters = json!({"seconds": 3});
    assert_eq!(
        starter.start(&other).await.unwrap_err(),
        StartError::AlreadyStarted
    );
    let listed = client
        .list_executions()
        .state_machine_arn(&arn)
        .send()
        .await
        .unwrap();
    assert_eq!(listed.executions().len(), 1);

    let missing = SfnWorkflowStarter::new(client, arn.replace("jobs-", "gone-"));
    assert!(
        matches!(missing.start(&input).await.unwrap_err(), StartError::Refused(m) if m.contains("STATE_MACHINE_ARN"))
    );
}
