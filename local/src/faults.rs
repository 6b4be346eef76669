//! Fault injection: make the error handler's (or the processor's) job-store
//! writes fail as if the store were down, so the archive and replay path can
//! be tried by hand and in tests; or hold every job in `Running` before its
//! work starts, so a job stays unfinished whatever the job does.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use async_trait::async_trait;
use jobs_domain::ports::{
    CreateOutcome, JobStore, StaleClaim, StaleJob, StatusChange, StoreError, TransitionError,
};
use jobs_domain::work::{Document, DynWork, InvalidDocument, JobFailure, Limits, RunContext};
use jobs_domain::{IdempotencyKey, IdempotencyRecord, Job, JobId};
use serde_json::Value;
use tokio::sync::watch;

pub(crate) use jobs_wire::faults::{FaultSettings, FaultUpdate, Runs, Switch};

#[derive(Debug)]
pub struct Faults {
    error_handler_writes: AtomicBool,
    processor_writes: AtomicBool,
    hold_runs: watch::Sender<bool>,
}

impl Default for Faults {
    fn default() -> Self {
        Self {
            error_handler_writes: AtomicBool::default(),
            processor_writes: AtomicBool::default(),
            hold_runs: watch::channel(false).0,
        }
    }
}

impl Faults {
    /// Reads `JOBS_LOCAL_FAULTS`-style lists: `error-handler-writes`,
    /// `processor-writes`, `hold-runs`, comma-separated.
    pub fn parse_list(list: &str) -> Result<Self, String> {
        let faults = Self::default();
        for name in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            match name {
                "error-handler-writes" => faults.set_error_handler_writes(true),
                "processor-writes" => faults.set_processor_writes(true),
                "hold-runs" => faults.set_hold_runs(true),
                other => {
                    return Err(format!(
                        "unknown fault {other:?}; known: error-handler-writes, processor-writes, hold-runs"
                    ))
                }
            }
        }
        Ok(faults)
    }

    pub fn set_error_handler_writes(&self, fail: bool) {
        self.error_handler_writes.store(fail, Ordering::SeqCst);
    }

    pub fn set_processor_writes(&self, fail: bool) {
        self.processor_writes.store(fail, Ordering::SeqCst);
    }

    pub fn set_hold_runs(&self, hold: bool) {
        self.hold_runs.send_replace(hold);
    }

    /// Returns once runs are not held (at once when they are not).
    async fn runs_allowed(&self) {
        let mut held = self.hold_runs.subscribe();
        // The sender lives as long as `self`: the wait cannot fail.
        let _ = held.wait_for(|hold| !*hold).await;
    }

    pub fn settings(&self) -> FaultSettings {
        FaultSettings {
            error_handler_store_writes: Switch::from_bool(
                self.error_handler_writes.load(Ordering::SeqCst),
            ),
            processor_store_writes: Switch::from_bool(self.processor_writes.load(Ordering::SeqCst)),
            job_runs: if *self.hold_runs.borrow() {
                Runs::Hold
            } else {
                Runs::Run
            },
        }
    }

    pub fn apply(&self, update: FaultUpdate) -> FaultSettings {
        if let Some(s) = update.error_handler_store_writes {
            self.set_error_handler_writes(s == Switch::Fail);
        }
        if let Some(s) = update.processor_store_writes {
            self.set_processor_writes(s == Switch::Fail);
        }
        if let Some(runs) = update.job_runs {
            self.set_hold_runs(runs == Runs::Hold);
        }
        self.settings()
    }

    fn failing(&self, role: Role) -> bool {
        match role {
            Role::Processor => self.processor_writes.load(Ordering::SeqCst),
            Role::ErrorHandler => self.error_handler_writes.load(Ordering::SeqCst),
        }
    }
}

/// Whose writes a [`FaultyStore`] stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    Processor,
    ErrorHandler,
}

/// A `JobStore` whose writes fail while the fault for its role is on. Reads
/// always pass, as a store that throttles writes still serves reads.
pub(crate) struct FaultyStore {
    inner: Arc<dyn JobStore>,
    faults: Arc<Faults>,
    role: Role,
}

impl FaultyStore {
    pub(crate) fn new(inner: Arc<dyn JobStore>, faults: Arc<Faults>, role: Role) -> Self {
        Self {
            inner,
            faults,
            role,
        }
    }

    fn check(&self) -> Result<(), StoreError> {
        if self.faults.failing(self.role) {
            Err(StoreError::Unavailable(format!(
                "injected fault: {} store writes fail",
                match self.role {
                    Role::Processor => "processor",
                    Role::ErrorHandler => "error handler",
                }
            )))
        } else {
            Ok(())
        }
    }
}

#[async_trait]
impl JobStore for FaultyStore {
    async fn create(
        &self,
        job: &Job,
        idempotency: Option<&IdempotencyRecord>,
    ) -> Result<CreateOutcome, StoreError> {
        self.check()?;
        self.inner.create(job, idempotency).await
    }

    async fn get(&self, id: &JobId) -> Result<Option<Job>, StoreError> {
        self.inner.get(id).await
    }

    async fn transition(&self, change: &StatusChange) -> Result<Job, TransitionError> {
        self.check()?;
        self.inner.transition(change).await
    }

    async fn release_idempotency_key(
        &self,
        key: &IdempotencyKey,
        job_id: &JobId,
    ) -> Result<(), StoreError> {
        self.check()?;
        self.inner.release_idempotency_key(key, job_id).await
    }

    async fn unfinished_since(
        &self,
        cutoff: chrono::DateTime<chrono::Utc>,
        limit: usize,
    ) -> Result<Vec<StaleJob>, StoreError> {
        self.inner.unfinished_since(cutoff, limit).await
    }

    async fn claim_stale(&self, claim: &StaleClaim) -> Result<StaleJob, TransitionError> {
        self.check()?;
        self.inner.claim_stale(claim).await
    }
}

/// The job as the local processor runs it: the job itself, except that
/// `run` waits while runs are held (the job is `Running` by then).
pub(crate) struct HeldWork {
    inner: Arc<dyn DynWork>,
    faults: Arc<Faults>,
}

impl HeldWork {
    pub(crate) fn new(inner: Arc<dyn DynWork>, faults: Arc<Faults>) -> Self {
        Self { inner, faults }
    }
}

#[async_trait]
impl DynWork for HeldWork {
    fn limits(&self) -> Limits {
        self.inner.limits()
    }

    fn parse_body(&self, body: &[u8]) -> Result<Document, InvalidDocument> {
        self.inner.parse_body(body)
    }

    fn check(&self, parameters: &Value) -> Result<Document, InvalidDocument> {
        self.inner.check(parameters)
    }

    fn admit(&self, parameters: &Document) -> Result<(), JobFailure> {
        self.inner.admit(parameters)
    }

    async fn run(&self, context: RunContext, parameters: &Document) -> Result<Value, JobFailure> {
        self.faults.runs_allowed().await;
        self.inner.run(context, parameters).await
    }

    fn example(&self) -> Document {
        self.inner.example()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;
    use jobs_domain::status::Cause;
    use jobs_domain::testing::MemoryStore;
    use jobs_domain::testing::TestJob;
    use jobs_domain::JobStatus;

    #[tokio::test]
    async fn writes_fail_only_for_the_faulted_role_and_only_while_on() {
        let store: Arc<dyn JobStore> = Arc::new(MemoryStore::default());
        let faults = Arc::new(Faults::parse_list("error-handler-writes").unwrap());
        let handler = FaultyStore::new(store.clone(), faults.clone(), Role::ErrorHandler);
        let processor = FaultyStore::new(store.clone(), faults.clone(), Role::Processor);
        let job = Job::queued(JobId::random(), TestJob::params(1), Utc::now());
        store.create(&job, None).await.unwrap();
        let change = StatusChange::new(job.id, JobStatus::Failure, Cause::Execution, Utc::now());

        assert!(matches!(
            handler.transition(&change).await,
            Err(TransitionError::Store(StoreError::Unavailable(_)))
        ));
        assert_eq!(
            handler.get(&job.id).await.unwrap().unwrap().status,
            JobStatus::Queued
        );

        let running = StatusChange::new(job.id, JobStatus::Running, Cause::Execution, Utc::now());
        assert!(processor.transition(&running).await.is_ok());

        faults.apply(FaultUpdate {
            error_handler_store_writes: Some(Switch::Ok),
            processor_store_writes: Some(Switch::Fail),
            job_runs: None,
        });
        assert!(handler.transition(&change).await.is_ok());
        assert!(processor.transition(&running).await.is_err());
    }

    #[test]
    fn settings_read_and_write_as_the_contract_spells_them() {
        let faults = Faults::default();
        assert_eq!(
            serde_json::to_value(faults.settings()).unwrap(),
            serde_json::json!({"errorHandlerStoreWrites": "ok", "processorStoreWrites": "ok", "jobRuns": "run"})
        );
        let update: FaultUpdate =
            serde_json::from_value(serde_json::json!({"errorHandlerStoreWrites": "fail"})).unwrap();
        let now = faults.apply(update);
        assert_eq!(now.error_handler_store_writes, Switch::Fail);
        assert_eq!(now.processor_store_writes, Switch::Ok);
        assert!(
            serde_json::from_value::<FaultUpdate>(serde_json::json!({"other": "fail"})).is_err()
        );
        assert!(Faults::parse_list("nope").is_err());
        assert!(Faults::parse_list("").is_ok());
        assert_eq!(
            Faults::parse_list("hold-runs").unwrap().settings().job_runs,
            Runs::Hold
        );
    }

    #[tokio::test]
    async fn held_runs_wait_in_run_until_runs_go_on() {
        let faults = Arc::new(Faults::parse_list("hold-runs").unwrap());
        let work = HeldWork::new(Arc::new(TestJob::default()), faults.clone());
        let context = || RunContext {
            id: JobId::random(),
            deadline: Utc::now(),
            span: tracing::Span::none(),
        };
        let parameters = TestJob::params(2);
        // The checks are the job's own and are not held.
        assert!(work.admit(&TestJob::params(500)).is_err());
        let mut run = Box::pin(work.run(context(), &parameters));
        assert!(
            tokio::time::timeout(std::time::Duration::from_millis(50), &mut run)
                .await
                .is_err(),
            "a held run finished"
        );
        faults.set_hold_runs(false);
        assert_eq!(run.await.unwrap(), serde_json::json!({"doubled": 4}));
    }
}
