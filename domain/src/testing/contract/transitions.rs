//! Status writes, case by case from the domain's transition table.

use super::subject::*;

use chrono::Duration;

use crate::id::JobId;
use crate::ports::{StatusChange, TransitionError};
use crate::status::Cause;
use crate::status::JobStatus;

/// Every (from, to, cause) the table knows, split by whether it allows it.
fn cases(allowed: bool) -> Vec<(JobStatus, JobStatus, Cause)> {
    let mut cases = Vec::new();
    for from in JobStatus::ALL {
        for to in JobStatus::ALL {
            for cause in [Cause::Execution, Cause::Replay] {
                if from.can_move_to(to, cause) == allowed {
                    cases.push((from, to, cause));
                }
            }
        }
    }
    assert!(!cases.is_empty(), "the table has cases of both kinds");
    cases
}

pub async fn every_transition_the_rules_allow_is_applied(subject: &Subject) {
    let store = subject.store().as_ref();
    let at = start();
    for (from, to, cause) in cases(true) {
        let what = format!("{from} -> {to} ({cause:?})");
        let before = job_in(store, from, at).await;
        let change = change_to(before.id, to, cause, at + Duration::seconds(10));
        let written = store
            .transition(&change)
            .await
            .unwrap_or_else(|e| panic!("{what} is allowed, but was refused: {e}"));
        let expected = applied(&before, &change);
        assert_eq!(written, expected, "{what}: the job as written");
        assert_eq!(
            stored(store, &before.id).await,
            expected,
            "{what}: read back"
        );
    }
}

pub async fn every_transition_the_rules_refuse_changes_nothing(subject: &Subject) {
    let store = subject.store().as_ref();
    let at = start();
    for (from, to, cause) in cases(false) {
        let what = format!("{from} -> {to} ({cause:?})");
        let before = job_in(store, from, at).await;
        let change = change_to(before.id, to, cause, at + Duration::seconds(10));
        assert_refused(store.transition(&change).await, &before, &what);
        assert_eq!(stored(store, &before.id).await, before, "{what}: unchanged");
    }
}

pub async fn a_transition_of_a_missing_job_is_refused_and_creates_nothing(subject: &Subject) {
    let store = subject.store().as_ref();
    let id = JobId::random();
    for to in JobStatus::ALL {
        for cause in [Cause::Execution, Cause::Replay] {
            let result = store.transition(&change_to(id, to, cause, start())).await;
            assert!(
                matches!(result, Err(TransitionError::Rejected { current: None })),
                "{to} ({cause:?}) of a missing job: {result:?}"
            );
        }
    }
    assert_eq!(
        store.get(&id).await.unwrap(),
        None,
        "a refused write creates nothing"
    );
}

pub async fn success_is_never_overwritten(subject: &Subject) {
    let store = subject.store().as_ref();
    let done = job_in(store, JobStatus::Success, start()).await;
    assert!(done.results.is_some());
    for to in JobStatus::ALL {
        for cause in [Cause::Execution, Cause::Replay] {
            let later = done.updated_at + Duration::minutes(1);
            let change = StatusChange::new(done.id, to, cause, later)
                .with_results(results("late"))
                .with_error(error("Late"));
            assert_refused(
                store.transition(&change).await,
                &done,
                &format!("Success -> {to} ({cause:?})"),
            );
        }
    }
    assert_eq!(stored(store, &done.id).await, done);
}

pub async fn only_a_replay_takes_a_failure_back_to_running(subject: &Subject) {
    let store = subject.store().as_ref();
    let failed = job_in(store, JobStatus::Failure, start()).await;
    let later = failed.updated_at + Duration::seconds(5);
    let stale = StatusChange::new(failed.id, JobStatus::Running, Cause::Execution, later);
    assert_refused(store.transition(&stale).await, &failed, "an execution");
    let replay = StatusChange::new(failed.id, JobStatus::Running, Cause::Replay, later);
    let revived = store
        .transition(&replay)
        .await
        .expect("a replay revives it");
    assert_eq!(revived.status, JobStatus::Running);
    assert_eq!(revived.updated_at, later);
    assert_eq!(revived.created_at, failed.created_at);
}

pub async fn a_job_moved_to_running_sheds_its_error_and_results(subject: &Subject) {
    let store = subject.store().as_ref();
    let at = start();
    let job = new_job(1, at);
    create(store, &job).await;
    // A failure that carries results too, so both must go.
    let failed = store
        .transition(
            &StatusChange::new(job.id, JobStatus::Failure, Cause::Execution, at)
                .with_error(error("First"))
                .with_results(results("partial")),
        )
        .await
        .unwrap();
    assert_eq!(failed.error, Some(error("First")));
    assert_eq!(failed.results, Some(results("partial")));

    let replay = StatusChange::new(job.id, JobStatus::Running, Cause::Replay, at);
    let running = store.transition(&replay).await.unwrap();
    assert_eq!(running.error, None, "the old error is shed");
    assert_eq!(running.results, None, "the old results are shed");
    assert_eq!(stored(store, &job.id).await, running);

    let success =
        StatusChange::new(job.id, JobStatus::Success, Cause::Replay, at).with_results(results("2"));
    let done = store.transition(&success).await.unwrap();
    assert_eq!(done.error, None);
    assert_eq!(done.results, Some(results("2")));
}
