//! More than one writer per job: Express executions are at-least-once, and a
//! late execution may write after the job moved on.

use super::subject::*;

use chrono::Duration;

use crate::ports::{StatusChange, TransitionError};
use crate::status::Cause;
use crate::status::JobStatus;

pub async fn duplicate_executions_are_harmless(subject: &Subject) {
    let store = subject.store().as_ref();
    let at = start();
    let job = new_job(1, at);
    create(store, &job).await;
    // Two executions of one job both start it...
    for i in 1..=2 {
        let running = StatusChange::new(
            job.id,
            JobStatus::Running,
            Cause::Execution,
            at + Duration::seconds(i),
        );
        let written = store.transition(&running).await.unwrap();
        assert_eq!(written.status, JobStatus::Running, "start {i}");
    }
    // ...one records success, the other is refused and is shown that success.
    let first = StatusChange::new(job.id, JobStatus::Success, Cause::Execution, at)
        .with_results(results("first"));
    let done = store.transition(&first).await.unwrap();
    let second = StatusChange::new(job.id, JobStatus::Success, Cause::Execution, at)
        .with_results(results("second"));
    assert_refused(store.transition(&second).await, &done, "the second success");
    assert_eq!(stored(store, &job.id).await.results, Some(results("first")));
}

pub async fn a_stale_writer_cannot_move_a_job_backwards(subject: &Subject) {
    let store = subject.store().as_ref();
    let at = start() + Duration::minutes(1);

    // A job that failed keeps its first error against a late failure and
    // a late start.
    let failed = job_in(store, JobStatus::Failure, start()).await;
    let late_failure = StatusChange::new(failed.id, JobStatus::Failure, Cause::Execution, at)
        .with_error(error("Late"));
    assert_refused(
        store.transition(&late_failure).await,
        &failed,
        "a late failure",
    );
    let late_start = StatusChange::new(failed.id, JobStatus::Running, Cause::Execution, at);
    assert_refused(store.transition(&late_start).await, &failed, "a late start");
    assert_eq!(stored(store, &failed.id).await, failed);

    // A running job is never put back to Queued, nor finished twice.
    let running = job_in(store, JobStatus::Running, start()).await;
    for cause in [Cause::Execution, Cause::Replay] {
        let back = StatusChange::new(running.id, JobStatus::Queued, cause, at);
        assert_refused(store.transition(&back).await, &running, "back to Queued");
    }
    let failure = StatusChange::new(running.id, JobStatus::Failure, Cause::Execution, at)
        .with_error(error("Timeout"));
    let ended = store.transition(&failure).await.unwrap();
    let late_success = StatusChange::new(running.id, JobStatus::Success, Cause::Execution, at)
        .with_results(results("late"));
    assert_refused(
        store.transition(&late_success).await,
        &ended,
        "a late success",
    );
}

pub async fn racing_final_writes_have_exactly_one_winner(subject: &Subject) {
    let store = subject.store().clone();
    let job = job_in(store.as_ref(), JobStatus::Running, start()).await;
    let mut writers = Vec::new();
    for i in 0..16 {
        let store = store.clone();
        let at = job.updated_at + Duration::seconds(1);
        let change = if i % 2 == 0 {
            StatusChange::new(job.id, JobStatus::Success, Cause::Execution, at)
                .with_results(results(&i.to_string()))
        } else {
            StatusChange::new(job.id, JobStatus::Failure, Cause::Execution, at)
                .with_error(error(&i.to_string()))
        };
        writers.push(async move { store.transition(&change).await });
    }
    let mut winners = Vec::new();
    let mut refusals = Vec::new();
    for result in subject.race(writers).await {
        match result {
            Ok(job) => winners.push(job),
            Err(TransitionError::Rejected { current: Some(c) }) => refusals.push(*c),
            Err(e) => panic!("a racing write failed instead of being refused: {e}"),
        }
    }
    assert_eq!(winners.len(), 1, "{winners:?}");
    let winner = &winners[0];
    assert_eq!(stored(store.as_ref(), &job.id).await, *winner);
    // Every loser was refused by the winner's write, and shown it.
    assert_eq!(refusals.len(), 15);
    for refusal in refusals {
        assert_eq!(refusal, *winner);
    }
}
