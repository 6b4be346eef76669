//! Finding unfinished jobs and claiming them: what the sweep relies on.

use super::subject::*;

use chrono::{DateTime, Duration, Utc};

use crate::id::JobId;
use crate::ports::{JobStore, StatusChange, TransitionError};
use crate::ports::{StaleAction, StaleClaim, StaleJob};
use crate::status::Cause;
use crate::status::JobStatus;

fn redrive(id: JobId, cutoff: DateTime<Utc>, at: DateTime<Utc>, below: u32) -> StaleClaim {
    StaleClaim {
        id,
        cutoff,
        at,
        action: StaleAction::Redrive { below },
    }
}

fn give_up(id: JobId, cutoff: DateTime<Utc>, at: DateTime<Utc>) -> StaleClaim {
    StaleClaim {
        id,
        cutoff,
        at,
        action: StaleAction::GiveUp {
            error: error("Lost"),
        },
    }
}

async fn found(store: &dyn JobStore, cutoff: DateTime<Utc>, limit: usize) -> Vec<(JobId, u32)> {
    store
        .unfinished_since(cutoff, limit)
        .await
        .expect("the query runs")
        .into_iter()
        .map(|s| (s.job.id, s.redrives))
        .collect()
}

pub async fn unfinished_jobs_written_by_the_cutoff_are_found_oldest_first(subject: &Subject) {
    let store = subject.store().as_ref();
    let t0 = start() - Duration::hours(1);
    // Staged jobs take one second per write: Running is written at t0 + 1 s.
    let running = job_in(store, JobStatus::Running, t0 - Duration::seconds(2)).await;
    let queued = job_in(store, JobStatus::Queued, t0).await;
    job_in(store, JobStatus::Success, t0 - Duration::seconds(10)).await;
    job_in(store, JobStatus::Failure, t0 - Duration::seconds(10)).await;
    let fresh = job_in(store, JobStatus::Queued, t0 + Duration::seconds(1)).await;

    assert_eq!(running.updated_at, t0 - Duration::seconds(1));
    let all = store.unfinished_since(t0, 10).await.unwrap();
    assert_eq!(
        all,
        vec![
            StaleJob {
                job: running.clone(),
                redrives: 0
            },
            StaleJob {
                job: queued.clone(),
                redrives: 0
            },
        ],
        "a job written at the cutoff counts; finished and newer ones do not"
    );
    assert_eq!(found(store, t0, 1).await, vec![(running.id, 0)], "limit");
    let later = found(store, t0 + Duration::seconds(1), 10).await;
    assert_eq!(later.len(), 3);
    assert_eq!(later[2], (fresh.id, 0));
}

pub async fn a_redrive_is_counted_once_per_claim_and_restarts_the_clock(subject: &Subject) {
    let store = subject.store().as_ref();
    let t0 = start() - Duration::hours(1);
    let job = job_in(store, JobStatus::Running, t0).await;
    let cutoff = job.updated_at;
    let at = t0 + Duration::minutes(5);

    let first = store
        .claim_stale(&redrive(job.id, cutoff, at, 2))
        .await
        .unwrap();
    let mut expected = job.clone();
    expected.updated_at = at;
    assert_eq!(
        first,
        StaleJob {
            job: expected.clone(),
            redrives: 1
        }
    );
    assert_eq!(
        stored(store, &job.id).await,
        expected,
        "only the time moved"
    );
    assert!(
        found(store, cutoff, 10).await.is_empty(),
        "not stale any more"
    );

    // A second sweep that read the job before the claim is refused.
    assert_refused(
        store
            .claim_stale(&redrive(job.id, cutoff, at, 2))
            .await
            .map(|s| s.job),
        &expected,
        "an overlapping sweep",
    );
    let again = at + Duration::minutes(5);
    let second = store
        .claim_stale(&redrive(job.id, at, again, 2))
        .await
        .unwrap();
    assert_eq!(second.redrives, 2);
    assert_eq!(found(store, again, 10).await, vec![(job.id, 2)]);
    expected.updated_at = again;
    assert_refused(
        store
            .claim_stale(&redrive(job.id, again, again, 2))
            .await
            .map(|s| s.job),
        &expected,
        "a third re-drive with two allowed",
    );
}

pub async fn a_stale_job_given_up_is_a_failure_with_its_error(subject: &Subject) {
    let store = subject.store().as_ref();
    let t0 = start() - Duration::hours(1);
    let job = job_in(store, JobStatus::Queued, t0).await;
    let at = t0 + Duration::minutes(10);
    store
        .claim_stale(&redrive(job.id, t0, t0, 5))
        .await
        .unwrap();

    let lost = store.claim_stale(&give_up(job.id, t0, at)).await.unwrap();
    assert_eq!(lost.redrives, 1, "the count is kept");
    assert_eq!(lost.job.status, JobStatus::Failure);
    assert_eq!(lost.job.error, Some(error("Lost")));
    assert_eq!(lost.job.updated_at, at);
    assert_eq!(stored(store, &job.id).await, lost.job);
    assert!(
        found(store, at, 10).await.is_empty(),
        "a failed job is finished"
    );
    assert_refused(
        store
            .claim_stale(&give_up(job.id, at, at))
            .await
            .map(|s| s.job),
        &lost.job,
        "a second give-up",
    );
    // A replay may still run it again, and then it is unfinished again.
    let replay = StatusChange::new(job.id, JobStatus::Running, Cause::Replay, at);
    let running = store.transition(&replay).await.unwrap();
    assert_eq!(found(store, at, 10).await, vec![(running.id, 1)]);
}

pub async fn claims_are_refused_for_finished_fresh_or_missing_jobs(subject: &Subject) {
    let store = subject.store().as_ref();
    let t0 = start() - Duration::hours(1);
    let at = t0 + Duration::minutes(10);
    let done = job_in(store, JobStatus::Success, t0).await;
    let failed = job_in(store, JobStatus::Failure, t0).await;
    let fresh = job_in(store, JobStatus::Running, t0 + Duration::minutes(1)).await;
    for job in [&done, &failed, &fresh] {
        for claim in [redrive(job.id, t0, at, 3), give_up(job.id, t0, at)] {
            assert_refused(
                store.claim_stale(&claim).await.map(|s| s.job),
                job,
                &format!("{:?} of a {} job", claim.action, job.status),
            );
        }
        assert_eq!(stored(store, &job.id).await, *job);
    }
    let missing = store
        .claim_stale(&redrive(JobId::random(), at, at, 3))
        .await;
    assert!(
        matches!(missing, Err(TransitionError::Rejected { current: None })),
        "{missing:?}"
    );
}

pub async fn overlapping_sweeps_claim_a_job_once(subject: &Subject) {
    let store = subject.store().clone();
    let t0 = start() - Duration::hours(1);
    let job = job_in(store.as_ref(), JobStatus::Queued, t0).await;
    let mut claims = Vec::new();
    for i in 0..8 {
        let store = store.clone();
        let claim = if i % 4 == 3 {
            give_up(job.id, t0, t0 + Duration::minutes(5))
        } else {
            redrive(job.id, t0, t0 + Duration::minutes(5), 3)
        };
        claims.push(async move { store.claim_stale(&claim).await });
    }
    let mut wins = Vec::new();
    for result in subject.race(claims).await {
        match result {
            Ok(won) => wins.push(won),
            Err(TransitionError::Rejected { current: Some(_) }) => {}
            Err(e) => panic!("a racing claim failed instead of being refused: {e}"),
        }
    }
    assert_eq!(wins.len(), 1, "{wins:?}");
    assert_eq!(stored(store.as_ref(), &job.id).await, wins[0].job);
}
