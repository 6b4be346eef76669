//! The same scenarios as the domain's `MemoryStore`, run against SQLite: the
//! two must accept and refuse exactly the same writes.

use std::sync::Arc;

use chrono::{Duration, TimeZone, Utc};
use jobs_domain::status::Cause;
use serde_json::json;

use super::*;

fn store() -> (tempfile::TempDir, SqliteJobStore) {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(dir.path()).unwrap();
    (dir, SqliteJobStore::new(db))
}

fn at() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).unwrap()
}

fn job(seconds: u64) -> Job {
    Job::queued(JobId::random(), JobParameters { seconds }, at())
}

fn key(k: &str) -> IdempotencyKey {
    IdempotencyKey::parse(k.as_bytes()).unwrap()
}

#[tokio::test]
async fn create_then_get_round_trips() {
    let (_d, store) = store();
    let j = job(3);
    assert_eq!(
        store.create(&j, None).await.unwrap(),
        CreateOutcome::Created
    );
    assert_eq!(store.get(&j.id).await.unwrap(), Some(j.clone()));
    assert_eq!(store.get(&JobId::random()).await.unwrap(), None);
    assert_eq!(
        store.create(&j, None).await,
        Err(StoreError::AlreadyExists(j.id))
    );
}

#[tokio::test]
async fn an_idempotency_key_is_taken_until_it_expires() {
    let (_d, store) = store();
    let first = job(3);
    let record = IdempotencyRecord::new(key("k1"), first.id, &first.parameters, at());
    store.create(&first, Some(&record)).await.unwrap();

    let second = job(3);
    let again = IdempotencyRecord::new(key("k1"), second.id, &second.parameters, at());
    match store.create(&second, Some(&again)).await.unwrap() {
        CreateOutcome::IdempotencyKeyTaken(existing) => assert_eq!(existing, record),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        store.get(&second.id).await.unwrap(),
        None,
        "nothing written"
    );

    let mut later = job(3);
    later.created_at = at() + Duration::hours(25);
    let fresh = IdempotencyRecord::new(key("k1"), later.id, &later.parameters, later.created_at);
    assert_eq!(
        store.create(&later, Some(&fresh)).await.unwrap(),
        CreateOutcome::Created
    );
}

#[tokio::test]
async fn a_released_key_is_free_but_only_for_its_own_job() {
    let (_d, store) = store();
    let first = job(1);
    let record = IdempotencyRecord::new(key("k"), first.id, &first.parameters, at());
    store.create(&first, Some(&record)).await.unwrap();
    store
        .release_idempotency_key(&key("k"), &JobId::random())
        .await
        .unwrap();
    let second = job(1);
    let again = IdempotencyRecord::new(key("k"), second.id, &second.parameters, at());
    assert!(matches!(
        store.create(&second, Some(&again)).await.unwrap(),
        CreateOutcome::IdempotencyKeyTaken(_)
    ));
    store
        .release_idempotency_key(&key("k"), &first.id)
        .await
        .unwrap();
    assert_eq!(
        store.create(&second, Some(&again)).await.unwrap(),
        CreateOutcome::Created
    );
}

#[tokio::test]
async fn transitions_follow_the_domain_rules() {
    let (_d, store) = store();
    let j = job(2);
    store.create(&j, None).await.unwrap();
    let later = at() + Duration::seconds(5);

    // Success straight from Queued is refused, and nothing changes.
    let refused = store
        .transition(&StatusChange::new(
            j.id,
            JobStatus::Success,
            Cause::Execution,
            later,
        ))
        .await
        .unwrap_err();
    match refused {
        TransitionError::Rejected {
            current: Some(current),
        } => {
            assert_eq!(current.status, JobStatus::Queued)
        }
        other => panic!("{other:?}"),
    }

    let running = store
        .transition(&StatusChange::new(
            j.id,
            JobStatus::Running,
            Cause::Execution,
            later,
        ))
        .await
        .unwrap();
    assert_eq!(running.status, JobStatus::Running);
    assert_eq!(running.updated_at, later);
    assert_eq!(running.created_at, at());

    let done = store
        .transition(
            &StatusChange::new(j.id, JobStatus::Success, Cause::Execution, later)
                .with_results(json!({"message": "I slept for 2 seconds"})),
        )
        .await
        .unwrap();
    assert_eq!(done.results.unwrap()["message"], "I slept for 2 seconds");

    // Nothing leaves Success, not even a replay.
    for (to, cause) in [
        (JobStatus::Running, Cause::Replay),
        (JobStatus::Failure, Cause::Execution),
        (JobStatus::Success, Cause::Execution),
    ] {
        assert!(matches!(
            store
                .transition(&StatusChange::new(j.id, to, cause, later))
                .await,
            Err(TransitionError::Rejected { current: Some(_) })
        ));
    }
    assert_eq!(
        store.get(&j.id).await.unwrap().unwrap().status,
        JobStatus::Success
    );
}

#[tokio::test]
async fn only_a_replay_revives_a_failure_and_the_error_is_kept() {
    let (_d, store) = store();
    let j = job(1);
    store.create(&j, None).await.unwrap();
    let error = JobError {
        error: "JobTooLong".into(),
        cause: "too long".into(),
    };
    store
        .transition(
            &StatusChange::new(j.id, JobStatus::Failure, Cause::Execution, at())
                .with_error(error.clone()),
        )
        .await
        .unwrap();
    assert!(store
        .transition(&StatusChange::new(
            j.id,
            JobStatus::Running,
            Cause::Execution,
            at()
        ))
        .await
        .is_err());
    let revived = store
        .transition(&StatusChange::new(
            j.id,
            JobStatus::Running,
            Cause::Replay,
            at(),
        ))
        .await
        .unwrap();
    assert_eq!(revived.status, JobStatus::Running);
    assert_eq!(
        revived.error,
        Some(error),
        "a write without an error keeps the old one"
    );
}

#[tokio::test]
async fn a_transition_of_a_missing_job_is_rejected_with_none() {
    let (_d, store) = store();
    assert!(matches!(
        store
            .transition(&StatusChange::new(
                JobId::random(),
                JobStatus::Running,
                Cause::Execution,
                at()
            ))
            .await,
        Err(TransitionError::Rejected { current: None })
    ));
}

#[tokio::test]
async fn concurrent_writers_apply_success_exactly_once() {
    let (_d, store) = store();
    let store = Arc::new(store);
    let j = job(1);
    store.create(&j, None).await.unwrap();
    store
        .transition(&StatusChange::new(
            j.id,
            JobStatus::Running,
            Cause::Execution,
            at(),
        ))
        .await
        .unwrap();
    let mut tasks = Vec::new();
    for i in 0..20 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            store
                .transition(
                    &StatusChange::new(j.id, JobStatus::Success, Cause::Execution, at())
                        .with_results(json!({ "writer": i })),
                )
                .await
        }));
    }
    let mut wins = Vec::new();
    for t in tasks {
        if let Ok(job) = t.await.unwrap() {
            wins.push(job.results.unwrap());
        }
    }
    assert_eq!(wins.len(), 1);
    assert_eq!(
        store.get(&j.id).await.unwrap().unwrap().results.unwrap(),
        wins[0]
    );
}

#[tokio::test]
async fn queued_jobs_without_executions_are_found() {
    let (_d, store) = store();
    let lonely = job(1);
    store.create(&lonely, None).await.unwrap();
    let running = job(1);
    store.create(&running, None).await.unwrap();
    store
        .transition(&StatusChange::new(
            running.id,
            JobStatus::Running,
            Cause::Execution,
            at(),
        ))
        .await
        .unwrap();
    let found: Vec<JobId> = store
        .queued_without_execution()
        .await
        .unwrap()
        .into_iter()
        .map(|j| j.id)
        .collect();
    assert_eq!(found, vec![lonely.id]);
}
