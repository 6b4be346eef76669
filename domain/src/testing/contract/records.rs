//! Creating jobs, reading them back, and idempotency keys.

use super::subject::*;

use chrono::{Duration, Utc};

use crate::id::JobId;
use crate::idempotency::{IdempotencyKey, IdempotencyRecord};
use crate::job::{parse_timestamp, timestamp};
use crate::job::{Job, JobError};
use crate::ports::StatusChange;
use crate::ports::{CreateOutcome, StoreError};
use crate::status::Cause;
use crate::status::JobStatus;

fn key(text: &str) -> IdempotencyKey {
    IdempotencyKey::parse(text.as_bytes()).expect("a valid key")
}

fn keyed(text: &str, n: u64, at: chrono::DateTime<Utc>) -> (Job, IdempotencyRecord) {
    let job = new_job(n, at);
    let record = IdempotencyRecord::new(key(text), job.id, &job.parameters, at);
    (job, record)
}

pub async fn create_then_get_reads_back_what_was_written(subject: &Subject) {
    let store = subject.store().as_ref();
    let mut job = new_job(7, start());
    job.updated_at = job.created_at + Duration::milliseconds(1);
    assert_eq!(
        store.create(&job, None).await.unwrap(),
        CreateOutcome::Created
    );
    assert_eq!(stored(store, &job.id).await, job);
    assert_eq!(store.get(&JobId::random()).await.unwrap(), None);
}

pub async fn timestamps_are_kept_to_the_millisecond(subject: &Subject) {
    let store = subject.store().as_ref();
    let exact = start() + Duration::nanoseconds(123_456_789);
    let to_the_ms = parse_timestamp(&timestamp(&exact)).unwrap();
    assert_ne!(exact, to_the_ms, "the time has a sub-millisecond part");
    let job = new_job(1, exact);
    create(store, &job).await;
    let read = stored(store, &job.id).await;
    assert_eq!((read.created_at, read.updated_at), (to_the_ms, to_the_ms));
    let later = exact + Duration::seconds(1);
    let running = StatusChange::new(job.id, JobStatus::Running, Cause::Execution, later);
    let written = store.transition(&running).await.unwrap();
    let later_ms = parse_timestamp(&timestamp(&later)).unwrap();
    assert_eq!(written.updated_at, later_ms);
    assert_eq!(written.created_at, to_the_ms);
    assert_eq!(stored(store, &job.id).await, written);
}

pub async fn results_and_error_read_back_as_written(subject: &Subject) {
    let store = subject.store().as_ref();
    let done = job_in(store, JobStatus::Success, start()).await;
    assert_eq!(stored(store, &done.id).await.results, Some(results("to")));
    let failed = job_in(store, JobStatus::Failure, start()).await;
    assert_eq!(stored(store, &failed.id).await.error, Some(error("To")));
    // An empty cause is a value, not a missing one.
    let job = new_job(1, start());
    create(store, &job).await;
    let bare = JobError {
        error: "States.Timeout".into(),
        cause: String::new(),
    };
    let change = StatusChange::new(job.id, JobStatus::Failure, Cause::Execution, start())
        .with_error(bare.clone());
    store.transition(&change).await.unwrap();
    assert_eq!(stored(store, &job.id).await.error, Some(bare));
}

pub async fn create_of_an_existing_id_is_refused_and_changes_nothing(subject: &Subject) {
    let store = subject.store().as_ref();
    let running = job_in(store, JobStatus::Running, start()).await;
    let mut again = new_job(9, start() + Duration::minutes(1));
    again.id = running.id;
    assert_eq!(
        store.create(&again, None).await,
        Err(StoreError::AlreadyExists(running.id))
    );
    // With a free key the refusal takes nothing either: the key stays free.
    let record = IdempotencyRecord::new(key("dup-id"), again.id, &again.parameters, start());
    assert_eq!(
        store.create(&again, Some(&record)).await,
        Err(StoreError::AlreadyExists(running.id))
    );
    assert_eq!(stored(store, &running.id).await, running);
    let (fresh, fresh_record) = keyed("dup-id", 9, start());
    assert_eq!(
        store.create(&fresh, Some(&fresh_record)).await.unwrap(),
        CreateOutcome::Created,
        "the key was not taken by the refused create"
    );
}

pub async fn a_taken_idempotency_key_returns_its_record_and_writes_nothing(subject: &Subject) {
    let store = subject.store().as_ref();
    let (first, record) = keyed("order-1", 2, start());
    assert_eq!(
        store.create(&first, Some(&record)).await.unwrap(),
        CreateOutcome::Created
    );
    // Another job with the same key, whatever its body, is not written.
    for n in [2, 3] {
        let (second, again) = keyed("order-1", n, start() + Duration::seconds(1));
        assert_eq!(
            store.create(&second, Some(&again)).await.unwrap(),
            CreateOutcome::IdempotencyKeyTaken(record.clone())
        );
        assert_eq!(
            store.get(&second.id).await.unwrap(),
            None,
            "nothing written"
        );
    }
    // Another key is another request.
    let (other, other_record) = keyed("order-2", 2, start());
    assert_eq!(
        store.create(&other, Some(&other_record)).await.unwrap(),
        CreateOutcome::Created
    );
}

pub async fn an_idempotency_key_is_free_again_once_it_expires(subject: &Subject) {
    let store = subject.store().as_ref();
    let (first, record) = keyed("retry-me", 2, start());
    store.create(&first, Some(&record)).await.unwrap();

    let (just_before, before_record) =
        keyed("retry-me", 2, record.expires_at - Duration::milliseconds(1));
    assert_eq!(
        store
            .create(&just_before, Some(&before_record))
            .await
            .unwrap(),
        CreateOutcome::IdempotencyKeyTaken(record.clone()),
        "a millisecond before it expires"
    );
    let (at_expiry, fresh) = keyed("retry-me", 2, record.expires_at);
    assert_eq!(
        store.create(&at_expiry, Some(&fresh)).await.unwrap(),
        CreateOutcome::Created,
        "once expired"
    );
    // The key now belongs to the new job.
    let (third, third_record) = keyed("retry-me", 2, record.expires_at + Duration::seconds(1));
    assert_eq!(
        store.create(&third, Some(&third_record)).await.unwrap(),
        CreateOutcome::IdempotencyKeyTaken(fresh)
    );
    assert_eq!(stored(store, &first.id).await, first, "the old job stays");
}

pub async fn a_released_key_is_free_again_but_only_for_its_own_job(subject: &Subject) {
    let store = subject.store().as_ref();
    let (first, record) = keyed("k", 1, start());
    store.create(&first, Some(&record)).await.unwrap();
    // Releasing for another job, or releasing a key nobody holds, does nothing.
    store
        .release_idempotency_key(&key("k"), &JobId::random())
        .await
        .unwrap();
    store
        .release_idempotency_key(&key("nobody"), &first.id)
        .await
        .unwrap();
    let (second, again) = keyed("k", 1, start());
    assert_eq!(
        store.create(&second, Some(&again)).await.unwrap(),
        CreateOutcome::IdempotencyKeyTaken(record)
    );
    store
        .release_idempotency_key(&key("k"), &first.id)
        .await
        .unwrap();
    assert_eq!(
        store.create(&second, Some(&again)).await.unwrap(),
        CreateOutcome::Created
    );
    assert_eq!(stored(store, &first.id).await, first, "the job stays");
}

/// The job's own example and the results its run gives read back as they
/// were written: the suite holds for the job the adapter serves, not only
/// for documents of its own making.
pub async fn the_jobs_own_documents_read_back(subject: &Subject) {
    let store = subject.store().as_ref();
    let work = subject.work();
    let parameters = work.example();
    let job = Job::queued(JobId::random(), parameters.clone(), start());
    store.create(&job, None).await.unwrap();
    let context = crate::work::RunContext {
        id: job.id,
        deadline: Utc::now() + work.limits().time,
        span: tracing::Span::none(),
    };
    let results = work
        .run(context, &parameters)
        .await
        .expect("the job runs its own example");
    let at = job.created_at + Duration::seconds(1);
    for (to, with) in [
        (JobStatus::Running, None),
        (JobStatus::Success, Some(results.clone())),
    ] {
        let mut change = StatusChange::new(job.id, to, Cause::Execution, at);
        change.results = with;
        store.transition(&change).await.unwrap();
    }
    let back = stored(store, &job.id).await;
    assert_eq!(back.parameters, parameters);
    assert_eq!(back.results, Some(results));
}
