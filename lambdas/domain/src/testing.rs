//! In-memory adapters with the same write conditions as the real stores, for
//! tests of the use cases and of the entrypoints.

use std::collections::HashMap;
use std::sync::Mutex;

use async_trait::async_trait;
use chrono::{DateTime, TimeZone, Utc};

use crate::ports::{
    Clock, CreateOutcome, JobStore, StartError, StatusChange, StoreError, TransitionError,
    WorkflowInput, WorkflowStarter,
};
use crate::{IdempotencyKey, IdempotencyRecord, Job, JobId, JobStatus};

#[derive(Default)]
pub struct MemoryStore {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    jobs: HashMap<JobId, Job>,
    keys: HashMap<String, IdempotencyRecord>,
    writes: Vec<(JobId, JobStatus)>,
    fail_writes: bool,
}

impl MemoryStore {
    pub fn fail_writes(&self, fail: bool) {
        self.inner.lock().unwrap().fail_writes = fail;
    }

    pub fn job_count(&self) -> usize {
        self.inner.lock().unwrap().jobs.len()
    }

    /// The status writes that were applied to a job, in order.
    pub fn statuses_written(&self, id: &JobId) -> Vec<JobStatus> {
        let inner = self.inner.lock().unwrap();
        inner
            .writes
            .iter()
            .filter(|(j, _)| j == id)
            .map(|(_, s)| *s)
            .collect()
    }

    /// Sets a status without the rules, to stage a test.
    pub fn force_status(&self, id: &JobId, status: JobStatus) {
        let mut inner = self.inner.lock().unwrap();
        inner.jobs.get_mut(id).expect("job exists").status = status;
    }
}

fn unavailable() -> StoreError {
    StoreError::Unavailable("injected fault: writes fail".into())
}

#[async_trait]
impl JobStore for MemoryStore {
    async fn create(
        &self,
        job: &Job,
        idempotency: Option<&IdempotencyRecord>,
    ) -> Result<CreateOutcome, StoreError> {
        let mut inner = self.inner.lock().unwrap();
        if inner.fail_writes {
            return Err(unavailable());
        }
        if let Some(record) = idempotency {
            if let Some(existing) = inner.keys.get(record.key.as_str()) {
                if !existing.is_expired(job.created_at) {
                    return Ok(CreateOutcome::IdempotencyKeyTaken(existing.clone()));
                }
            }
        }
        if inner.jobs.contains_key(&job.id) {
            return Err(StoreError::AlreadyExists(job.id));
        }
        inner.jobs.insert(job.id, job.clone());
        if let Some(record) = idempotency {
            inner
                .keys
                .insert(record.key.as_str().to_owned(), record.clone());
        }
        Ok(CreateOutcome::Created)
    }

    async fn get(&self, id: &JobId) -> Result<Option<Job>, StoreError> {
        Ok(self.inner.lock().unwrap().jobs.get(id).cloned())
    }

    async fn transition(&self, change: &StatusChange) -> Result<Job, TransitionError> {
        let mut inner = self.inner.lock().unwrap();
        if inner.fail_writes {
            return Err(unavailable().into());
        }
        let Some(job) = inner.jobs.get_mut(&change.id) else {
            return Err(TransitionError::Rejected { current: None });
        };
        if !change.allowed_from.contains(&job.status) {
            return Err(TransitionError::Rejected {
                current: Some(Box::new(job.clone())),
            });
        }
        job.status = change.to;
        job.updated_at = change.at;
        if change.to == JobStatus::Running {
            job.error = None;
        }
        if let Some(results) = &change.results {
            job.results = Some(results.clone());
        }
        if let Some(error) = &change.error {
            job.error = Some(error.clone());
        }
        let job = job.clone();
        inner.writes.push((change.id, change.to));
        Ok(job)
    }

    async fn release_idempotency_key(
        &self,
        key: &IdempotencyKey,
        job_id: &JobId,
    ) -> Result<(), StoreError> {
        let mut inner = self.inner.lock().unwrap();
        if inner
            .keys
            .get(key.as_str())
            .is_some_and(|r| &r.job_id == job_id)
        {
            inner.keys.remove(key.as_str());
        }
        Ok(())
    }
}

/// Records what it was asked to start; can be told to fail.
#[derive(Default)]
pub struct RecordingStarter {
    started: Mutex<Vec<WorkflowInput>>,
    failure: Mutex<Option<StartError>>,
    store: Option<std::sync::Arc<dyn JobStore>>,
    seen: Mutex<Vec<Option<JobStatus>>>,
}

impl RecordingStarter {
    pub fn failing(error: StartError) -> Self {
        Self {
            failure: Mutex::new(Some(error)),
            ..Self::default()
        }
    }

    /// Also notes each job's status at the moment its start was asked for.
    pub fn watching(store: std::sync::Arc<dyn JobStore>) -> Self {
        Self {
            store: Some(store),
            ..Self::default()
        }
    }

    pub fn stop_failing(&self) {
        *self.failure.lock().unwrap() = None;
    }

    pub fn started(&self) -> Vec<WorkflowInput> {
        self.started.lock().unwrap().clone()
    }

    pub fn jobs_seen_at_start(&self) -> Vec<Option<JobStatus>> {
        self.seen.lock().unwrap().clone()
    }
}

#[async_trait]
impl WorkflowStarter for RecordingStarter {
    async fn start(&self, input: &WorkflowInput) -> Result<(), StartError> {
        if let Some(store) = &self.store {
            let status = store.get(&input.id).await.ok().flatten().map(|j| j.status);
            self.seen.lock().unwrap().push(status);
        }
        if let Some(error) = self.failure.lock().unwrap().clone() {
            return Err(error);
        }
        self.started.lock().unwrap().push(input.clone());
        Ok(())
    }
}

/// A clock stopped at one instant.
pub struct FixedClock(pub DateTime<Utc>);

impl Default for FixedClock {
    fn default() -> Self {
        Self(Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).unwrap())
    }
}

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        self.0
    }
}
