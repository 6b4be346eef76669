//! The API's use cases: submit a job, read a job.

use std::sync::Arc;

use tracing::{error, info, warn};

use crate::id::JobId;
use crate::idempotency::{IdempotencyKey, IdempotencyRecord};
use crate::job::Job;
use crate::job::JobError;
use crate::ports::{
    Clock, CreateOutcome, StartError, StatusChange, StoreError, TransitionError, WorkflowInput,
    WorkflowStarter,
};
use crate::status::Cause;
use crate::status::JobStatus;
use crate::work::{Document, DynWork, InvalidDocument};

/// A submission the API accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Submitted {
    pub id: JobId,
    /// False when an earlier request with the same idempotency key made the job.
    pub created: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SubmitError {
    #[error("this idempotency key was already used with a different request body")]
    IdempotencyConflict,
    #[error("the job could not be stored: {0}")]
    Store(StoreError),
    /// The job was stored but its execution could not be started; the job was
    /// marked `Failure` with the reason (unless the store failed too).
    #[error("job {id} could not be started: {reason}")]
    StartFailed { id: JobId, reason: StartError },
}

#[derive(Clone)]
pub struct JobService {
    work: Arc<dyn DynWork>,
    store: Arc<dyn crate::ports::JobStore>,
    workflow: Arc<dyn WorkflowStarter>,
    clock: Arc<dyn Clock>,
}

impl JobService {
    pub fn new(
        work: Arc<dyn DynWork>,
        store: Arc<dyn crate::ports::JobStore>,
        workflow: Arc<dyn WorkflowStarter>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            work,
            store,
            workflow,
            clock,
        }
    }

    /// Parses and checks a `POST /jobs` body by the job's rules.
    pub fn parse(&self, body: &[u8]) -> Result<Document, InvalidDocument> {
        self.work.parse_body(body)
    }

    /// Stores the job as `Queued`, then starts its execution. The order
    /// matters: the execution may read the job at once, and a job whose start
    /// fails is marked `Failure` rather than left `Queued` forever.
    pub async fn submit(
        &self,
        parameters: Document,
        key: Option<IdempotencyKey>,
    ) -> Result<Submitted, SubmitError> {
        let now = self.clock.now();
        let id = JobId::random();
        let record = key.map(|key| IdempotencyRecord::new(key, id, &parameters, now));
        let job = Job::queued(id, parameters, now);

        match self
            .store
            .create(&job, record.as_ref())
            .await
            .map_err(SubmitError::Store)?
        {
            CreateOutcome::Created => {}
            CreateOutcome::IdempotencyKeyTaken(existing) => {
                let ours = record.as_ref().expect("a key was given");
                if existing.request_hash != ours.request_hash {
                    return Err(SubmitError::IdempotencyConflict);
                }
                info!(job_id = %existing.job_id, "idempotency key seen before; returning its job");
                return Ok(Submitted {
                    id: existing.job_id,
                    created: false,
                });
            }
        }
        info!(job_id = %id, "job queued");

        let input = WorkflowInput {
            id,
            parameters: job.parameters.to_value(),
            replay: None,
            redrive: None,
        };
        match self.workflow.start(&input).await {
            Ok(()) | Err(StartError::AlreadyStarted) => {
                info!(job_id = %id, "execution started");
                Ok(Submitted { id, created: true })
            }
            Err(reason) => {
                error!(job_id = %id, error = %reason, "execution could not be started");
                self.fail_unstarted(id, &reason).await;
                if let Some(record) = &record {
                    if let Err(e) = self.store.release_idempotency_key(&record.key, &id).await {
                        warn!(job_id = %id, error = %e, "could not release the idempotency key");
                    }
                }
                Err(SubmitError::StartFailed { id, reason })
            }
        }
    }

    async fn fail_unstarted(&self, id: JobId, reason: &StartError) {
        let change = StatusChange::new(id, JobStatus::Failure, Cause::Execution, self.clock.now())
            .with_error(JobError {
                error: "WorkflowStartFailed".into(),
                cause: reason.to_string(),
            });
        match self.store.transition(&change).await {
            Ok(_) => info!(job_id = %id, "job marked Failure"),
            // Another writer got there first: the job is not stuck in Queued.
            Err(TransitionError::Rejected { current }) => warn!(
                job_id = %id,
                status = current.map(|j| j.status.as_str()).unwrap_or("missing"),
                "job was not Queued when marking its start failure"
            ),
            Err(TransitionError::Store(e)) => error!(
                job_id = %id,
                error = %e,
                "job could not be marked Failure and stays Queued"
            ),
        }
    }

    pub async fn get(&self, id: &JobId) -> Result<Option<Job>, StoreError> {
        self.store.get(id).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ports::JobStore as _;
    use crate::testing::{FixedClock, MemoryStore, RecordingStarter, TestJob};

    fn service(store: &Arc<MemoryStore>, starter: &Arc<RecordingStarter>) -> JobService {
        JobService::new(
            Arc::new(TestJob::default()),
            store.clone(),
            starter.clone(),
            Arc::new(FixedClock::default()),
        )
    }

    #[tokio::test]
    async fn submit_queues_the_job_then_starts_one_execution_named_by_it() {
        let store = Arc::new(MemoryStore::default());
        let starter = Arc::new(RecordingStarter::watching(store.clone()));
        let submitted = service(&store, &starter)
            .submit(TestJob::params(2), None)
            .await
            .unwrap();
        assert!(submitted.created);
        let job = store.get(&submitted.id).await.unwrap().unwrap();
        assert_eq!(job.status, JobStatus::Queued);
        let started = starter.started();
        assert_eq!(started.len(), 1);
        assert_eq!(started[0].id, submitted.id);
        assert_eq!(started[0].parameters, serde_json::json!({"n": 2}));
        assert_eq!(started[0].replay, None);
        // The job existed before the execution was asked for.
        assert_eq!(starter.jobs_seen_at_start(), vec![Some(JobStatus::Queued)]);
    }

    #[tokio::test]
    async fn same_key_same_body_returns_the_same_job_and_starts_nothing() {
        let store = Arc::new(MemoryStore::default());
        let starter = Arc::new(RecordingStarter::default());
        let svc = service(&store, &starter);
        let key = || Some(IdempotencyKey::parse(b"order-1").unwrap());
        let first = svc.submit(TestJob::params(2), key()).await.unwrap();
        let second = svc.submit(TestJob::params(2), key()).await.unwrap();
        assert_eq!(first.id, second.id);
        assert!(!second.created);
        assert_eq!(starter.started().len(), 1);
        assert_eq!(store.job_count(), 1);
    }

    #[tokio::test]
    async fn same_key_other_body_is_a_conflict_and_changes_nothing() {
        let store = Arc::new(MemoryStore::default());
        let starter = Arc::new(RecordingStarter::default());
        let svc = service(&store, &starter);
        let key = || Some(IdempotencyKey::parse(b"order-1").unwrap());
        svc.submit(TestJob::params(2), key()).await.unwrap();
        let err = svc.submit(TestJob::params(3), key()).await.unwrap_err();
        assert_eq!(err, SubmitError::IdempotencyConflict);
        assert_eq!(starter.started().len(), 1);
        assert_eq!(store.job_count(), 1);
    }

    #[tokio::test]
    async fn a_failed_start_marks_the_job_failure_and_frees_the_key() {
        let store = Arc::new(MemoryStore::default());
        let starter = Arc::new(RecordingStarter::failing(StartError::Unavailable(
            "throttled".into(),
        )));
        let svc = service(&store, &starter);
        let key = || Some(IdempotencyKey::parse(b"k").unwrap());
        let err = svc.submit(TestJob::params(2), key()).await.unwrap_err();
        let SubmitError::StartFailed { id, .. } = err else {
            panic!("{err:?}")
        };
        let job = store.get(&id).await.unwrap().unwrap();
        assert_eq!(job.status, JobStatus::Failure);
        let error = job.error.unwrap();
        assert_eq!(error.error, "WorkflowStartFailed");
        assert!(error.cause.contains("throttled"), "{}", error.cause);
        // A retry with the same key is a new attempt, not the failed job.
        starter.stop_failing();
        let retry = svc.submit(TestJob::params(2), key()).await.unwrap();
        assert_ne!(retry.id, id);
        assert!(retry.created);
    }

    #[tokio::test]
    async fn an_execution_that_already_exists_counts_as_started() {
        let store = Arc::new(MemoryStore::default());
        let starter = Arc::new(RecordingStarter::failing(StartError::AlreadyStarted));
        let submitted = service(&store, &starter)
            .submit(TestJob::params(1), None)
            .await
            .unwrap();
        assert_eq!(
            store.get(&submitted.id).await.unwrap().unwrap().status,
            JobStatus::Queued
        );
    }

    #[tokio::test]
    async fn a_store_failure_starts_nothing() {
        let store = Arc::new(MemoryStore::default());
        store.fail_writes(true);
        let starter = Arc::new(RecordingStarter::default());
        let err = service(&store, &starter)
            .submit(TestJob::params(1), None)
            .await
            .unwrap_err();
        assert!(matches!(
            err,
            SubmitError::Store(StoreError::Unavailable(_))
        ));
        assert!(starter.started().is_empty());
        assert_eq!(store.job_count(), 0);
    }
}
