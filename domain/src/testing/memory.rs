//! The in-memory job store: the same write conditions, and the same
//! precision, as the real stores.

use std::collections::HashMap;
use std::sync::Mutex;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::id::JobId;
use crate::idempotency::{IdempotencyKey, IdempotencyRecord};
use crate::job::Job;
use crate::job::{parse_timestamp, timestamp};
use crate::ports::{
    CreateOutcome, JobStore, StaleAction, StaleClaim, StaleJob, StatusChange, StoreError,
    TransitionError,
};
use crate::status::JobStatus;

#[derive(Default)]
pub struct MemoryStore {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    jobs: HashMap<JobId, Job>,
    keys: HashMap<String, IdempotencyRecord>,
    redrives: HashMap<JobId, u32>,
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

/// The real stores keep timestamps as RFC 3339 text to the millisecond.
fn as_stored(at: DateTime<Utc>) -> DateTime<Utc> {
    parse_timestamp(&timestamp(&at)).expect("a timestamp the domain wrote parses")
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
        let mut stored = job.clone();
        stored.created_at = as_stored(job.created_at);
        stored.updated_at = as_stored(job.updated_at);
        inner.jobs.insert(job.id, stored);
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
        job.updated_at = as_stored(change.at);
        if change.to == JobStatus::Running {
            job.error = None;
            job.results = None;
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

    async fn unfinished_since(
        &self,
        cutoff: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<StaleJob>, StoreError> {
        let inner = self.inner.lock().unwrap();
        let mut stale: Vec<StaleJob> = inner
            .jobs
            .values()
            .filter(|j| !j.status.is_final() && j.updated_at <= cutoff)
            .map(|j| StaleJob {
                job: j.clone(),
                redrives: inner.redrives.get(&j.id).copied().unwrap_or(0),
            })
            .collect();
        stale.sort_by_key(|s| (s.job.updated_at, s.job.id.to_string()));
        stale.truncate(limit);
        Ok(stale)
    }

    async fn claim_stale(&self, claim: &StaleClaim) -> Result<StaleJob, TransitionError> {
        let mut inner = self.inner.lock().unwrap();
        if inner.fail_writes {
            return Err(unavailable().into());
        }
        let redrives = inner.redrives.get(&claim.id).copied().unwrap_or(0);
        let Some(job) = inner.jobs.get_mut(&claim.id) else {
            return Err(TransitionError::Rejected { current: None });
        };
        let stale = !job.status.is_final() && job.updated_at <= claim.cutoff;
        let allowed = stale
            && match &claim.action {
                StaleAction::Redrive { below } => redrives < *below,
                StaleAction::GiveUp { .. } => true,
            };
        if !allowed {
            return Err(TransitionError::Rejected {
                current: Some(Box::new(job.clone())),
            });
        }
        job.updated_at = as_stored(claim.at);
        let redrives = match &claim.action {
            StaleAction::Redrive { .. } => redrives + 1,
            StaleAction::GiveUp { error } => {
                job.status = JobStatus::Failure;
                job.error = Some(error.clone());
                redrives
            }
        };
        let job = job.clone();
        inner.redrives.insert(claim.id, redrives);
        if job.status == JobStatus::Failure {
            inner.writes.push((claim.id, JobStatus::Failure));
        }
        Ok(StaleJob { job, redrives })
    }
}
