use std::time::Duration;

use super::*;
use crate::ports::StatusChange;
use crate::status::Cause;
use crate::status::JobStatus;
use crate::testing::TestJob;
use crate::testing::{ManualClock, MemoryStore, RecordingStarter};

const TIMEOUT: Duration = Duration::from_secs(290);
const PERIOD: Duration = Duration::from_secs(60);

struct World {
    store: Arc<MemoryStore>,
    starter: Arc<RecordingStarter>,
    clock: Arc<ManualClock>,
    sweeper: Sweeper,
}

fn world(max_redrives: u32) -> World {
    let store = Arc::new(MemoryStore::default());
    let starter = Arc::new(RecordingStarter::default());
    let clock = Arc::new(ManualClock::default());
    let policy = SweepPolicy::new(TIMEOUT, PERIOD, max_redrives, 100).unwrap();
    let sweeper = Sweeper::new(store.clone(), starter.clone(), clock.clone(), policy);
    World {
        store,
        starter,
        clock,
        sweeper,
    }
}

impl World {
    async fn submit(&self) -> JobId {
        let job = Job::queued(JobId::random(), TestJob::params(2), self.clock.now());
        self.store.create(&job, None).await.unwrap();
        job.id
    }

    async fn job(&self, id: &JobId) -> Job {
        self.store.get(id).await.unwrap().unwrap()
    }

    fn redrives_started(&self, id: &JobId) -> Vec<Option<u32>> {
        self.starter
            .started()
            .iter()
            .filter(|i| i.id == *id)
            .map(|i| i.redrive)
            .collect()
    }
}

#[tokio::test]
async fn a_job_is_redriven_once_it_would_be_stale_by_the_next_sweep() {
    let w = world(2);
    let id = w.submit().await;
    w.clock.advance(TIMEOUT - PERIOD - Duration::from_secs(1));
    assert_eq!(w.sweeper.sweep().await.unwrap(), SweepReport::default());
    assert!(w.starter.started().is_empty());

    w.clock.advance(Duration::from_secs(1));
    let report = w.sweeper.sweep().await.unwrap();
    assert_eq!((report.found, report.redriven), (1, 1));
    let started = w.starter.started();
    assert_eq!(started.len(), 1);
    assert_eq!(started[0].redrive, Some(1));
    assert_eq!(started[0].execution_name(), format!("{id}-redrive-1"));
    assert_eq!(started[0].parameters, serde_json::json!({"n": 2}));
    let job = w.job(&id).await;
    assert_eq!(
        job.status,
        JobStatus::Queued,
        "a re-drive changes no status"
    );
    assert_eq!(job.updated_at, w.clock.now());

    // The sweep right after finds nothing: the re-drive restarted the clock.
    w.clock.advance(PERIOD);
    assert_eq!(w.sweeper.sweep().await.unwrap().found, 0);
}

#[tokio::test]
async fn a_job_whose_executions_are_all_lost_fails_within_the_bound() {
    let w = world(2);
    let id = w.submit().await;
    let policy = *w.sweeper.policy();
    assert_eq!(policy.bound(), Duration::from_secs(60 + 290 * 3));
    let mut waited = Duration::ZERO;
    // The sweeps run every period, the first one at a random-looking phase.
    w.clock.advance(Duration::from_secs(17));
    waited += Duration::from_secs(17);
    while !w.job(&id).await.status.is_final() {
        w.sweeper.sweep().await.unwrap();
        if w.job(&id).await.status.is_final() {
            break;
        }
        w.clock.advance(PERIOD);
        waited += PERIOD;
        assert!(
            waited <= policy.bound(),
            "still unfinished after {waited:?}"
        );
    }
    assert_eq!(w.redrives_started(&id), vec![Some(1), Some(2)]);
    let job = w.job(&id).await;
    assert_eq!(job.status, JobStatus::Failure);
    let error = job.error.unwrap();
    assert_eq!(error.error, EXECUTION_LOST);
    assert!(error.cause.contains("2 re-drive(s)"), "{}", error.cause);
    assert!(
        error.cause.contains("Submit the job again"),
        "{}",
        error.cause
    );
    // The last re-drive had its whole timeout before the job was given up.
    assert!(waited >= TIMEOUT * 3 - PERIOD * 2, "{waited:?}");
    assert_eq!(w.store.statuses_written(&id), vec![JobStatus::Failure]);
}

#[tokio::test]
async fn a_job_that_moves_on_is_left_alone() {
    let w = world(2);
    let id = w.submit().await;
    w.clock.advance(TIMEOUT);
    w.sweeper.sweep().await.unwrap();
    // The re-driven execution runs the job to success.
    for to in [JobStatus::Running, JobStatus::Success] {
        let change = StatusChange::new(id, to, Cause::Execution, w.clock.now());
        w.store.transition(&change).await.unwrap();
    }
    for _ in 0..20 {
        w.clock.advance(PERIOD);
        assert_eq!(w.sweeper.sweep().await.unwrap(), SweepReport::default());
    }
    assert_eq!(w.redrives_started(&id), vec![Some(1)]);
    assert_eq!(w.job(&id).await.status, JobStatus::Success);
}

#[tokio::test]
async fn a_running_job_still_written_to_is_not_redriven() {
    let w = world(2);
    let id = w.submit().await;
    let change = StatusChange::new(id, JobStatus::Running, Cause::Execution, w.clock.now());
    w.store.transition(&change).await.unwrap();
    w.clock.advance(TIMEOUT - PERIOD - Duration::from_secs(1));
    assert_eq!(w.sweeper.sweep().await.unwrap().found, 0);
    assert!(w.starter.started().is_empty());
}

#[tokio::test]
async fn a_failed_start_uses_up_a_redrive_and_a_later_sweep_tries_again() {
    let w = world(2);
    let id = w.submit().await;
    w.starter
        .fail_with(StartError::Unavailable("throttled".into()));
    w.clock.advance(TIMEOUT);
    let report = w.sweeper.sweep().await.unwrap();
    assert_eq!((report.redriven, report.start_failures), (0, 1));
    w.starter.stop_failing();
    w.clock.advance(TIMEOUT);
    let report = w.sweeper.sweep().await.unwrap();
    assert_eq!(report.redriven, 1);
    assert_eq!(w.redrives_started(&id), vec![Some(2)]);
}

#[tokio::test]
async fn overlapping_sweeps_redrive_a_job_once() {
    let w = world(2);
    let id = w.submit().await;
    w.clock.advance(TIMEOUT);
    let other = w.sweeper.clone();
    let (a, b) = tokio::join!(w.sweeper.sweep(), other.sweep());
    assert_eq!(a.unwrap().redriven + b.unwrap().redriven, 1);
    assert_eq!(w.redrives_started(&id), vec![Some(1)]);
}

#[tokio::test]
async fn a_cut_off_execution_is_resumed_as_a_redrive_until_they_are_spent() {
    let w = world(1);
    let id = w.submit().await;
    // Cut off a moment after it started: its age does not matter.
    w.clock.advance(Duration::from_secs(1));
    match w.sweeper.redrive_cut_off(&id).await.unwrap() {
        Decision::Redrive { job, attempt } => {
            assert_eq!((job.id, attempt), (id, 1));
        }
        other => panic!("{other:?}"),
    }
    match w.sweeper.redrive_cut_off(&id).await.unwrap() {
        Decision::GaveUp(job) => {
            assert_eq!(job.status, JobStatus::Failure);
            assert_eq!(job.error.unwrap().error, EXECUTION_LOST);
        }
        other => panic!("{other:?}"),
    }
    match w.sweeper.redrive_cut_off(&id).await.unwrap() {
        Decision::Left(Some(job)) => assert_eq!(job.status, JobStatus::Failure),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        w.sweeper.redrive_cut_off(&JobId::random()).await.unwrap(),
        Decision::Left(None)
    );
    assert!(
        w.starter.started().is_empty(),
        "the caller resumes, not the sweep"
    );
}

#[test]
fn the_policy_needs_a_period_shorter_than_the_timeout() {
    assert!(SweepPolicy::new(TIMEOUT, TIMEOUT, 2, 10).is_err());
    assert!(SweepPolicy::new(TIMEOUT, Duration::ZERO, 2, 10).is_err());
    assert!(SweepPolicy::new(TIMEOUT, PERIOD, 2, 0).is_err());
    let message = SweepPolicy::new(TIMEOUT, Duration::from_secs(300), 2, 10)
        .unwrap_err()
        .to_string();
    assert!(message.contains("TimeoutSeconds"), "{message}");
}
