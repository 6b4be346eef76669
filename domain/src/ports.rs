//! The ports: what the use cases need from the outside world. Adapters (DynamoDB
//! and Step Functions on AWS, SQLite and the embedded interpreter locally)
//! implement them.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::id::JobId;
use crate::idempotency::{IdempotencyKey, IdempotencyRecord};
use crate::job::{Job, JobError};
use crate::status::Cause;
use crate::status::JobStatus;

/// A store failure. `Unavailable` is worth retrying (throttling, timeouts,
/// a dropped connection); the others are not.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    #[error("a job with id {0} already exists")]
    AlreadyExists(JobId),
    #[error("the job store is unavailable: {0}")]
    Unavailable(String),
    #[error("the job store holds an item it cannot read: {0}")]
    Corrupt(String),
    /// A document the store cannot hold; nothing was written.
    #[error("the job store cannot hold this document: {0}")]
    Unstorable(String),
    #[error("the job store failed: {0}")]
    Other(String),
}

/// What creating a job led to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CreateOutcome {
    Created,
    /// The idempotency key is already held (and not expired): nothing was written.
    IdempotencyKeyTaken(IdempotencyRecord),
}

/// One conditional status write: it happens only if the job's current status
/// is one of `allowed_from`. A job moved to `Running` sheds any earlier error
/// (a replayed job runs again from a clean slate); results and error, when
/// given, are written with the status.
#[derive(Debug, Clone, PartialEq)]
pub struct StatusChange {
    pub id: JobId,
    pub to: JobStatus,
    pub allowed_from: &'static [JobStatus],
    pub results: Option<Value>,
    pub error: Option<JobError>,
    pub at: DateTime<Utc>,
}

impl StatusChange {
    pub fn new(id: JobId, to: JobStatus, cause: Cause, at: DateTime<Utc>) -> Self {
        Self {
            id,
            to,
            allowed_from: to.allowed_sources(cause),
            results: None,
            error: None,
            at,
        }
    }

    pub fn with_results(mut self, results: Value) -> Self {
        self.results = Some(results);
        self
    }

    pub fn with_error(mut self, error: JobError) -> Self {
        self.error = Some(error);
        self
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TransitionError {
    /// The condition did not hold: the job is in another status (shown), or
    /// does not exist (`None`). Nothing was written.
    #[error("the job is {}, so the change was refused", .current.as_ref().map(|j| j.status.as_str()).unwrap_or("missing"))]
    Rejected { current: Option<Box<Job>> },
    #[error(transparent)]
    Store(#[from] StoreError),
}

#[async_trait]
pub trait JobStore: Send + Sync {
    /// Writes a new `Queued` job, only if no job has its id, and atomically
    /// with it the idempotency record, only if the key is free or expired.
    async fn create(
        &self,
        job: &Job,
        idempotency: Option<&IdempotencyRecord>,
    ) -> Result<CreateOutcome, StoreError>;

    async fn get(&self, id: &JobId) -> Result<Option<Job>, StoreError>;

    /// Applies a conditional status write and returns the job as written.
    async fn transition(&self, change: &StatusChange) -> Result<Job, TransitionError>;

    /// Forgets a key, only if it still points at `job_id`: used when the job
    /// it created could not be started, so a retry with that key starts afresh.
    async fn release_idempotency_key(
        &self,
        key: &IdempotencyKey,
        job_id: &JobId,
    ) -> Result<(), StoreError>;

    /// Unfinished (`Queued` or `Running`) jobs last written at or before
    /// `cutoff`, oldest first, at most `limit`. On DynamoDB this reads a
    /// sparse index, so it may lag a write by a moment: callers act on what it
    /// returns only through [`JobStore::claim_stale`].
    async fn unfinished_since(
        &self,
        cutoff: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<StaleJob>, StoreError>;

    /// One conditional write on a job that is still unfinished and was last
    /// written at or before `claim.cutoff`; returns the job as written.
    /// Refused (`Rejected`, with the current job) otherwise, so two sweeps
    /// that found the same job cannot both act on it.
    async fn claim_stale(&self, claim: &StaleClaim) -> Result<StaleJob, TransitionError>;
}

/// A job with the number of times a sweep re-drove it.
#[derive(Debug, Clone, PartialEq)]
pub struct StaleJob {
    pub job: Job,
    pub redrives: u32,
}

/// What a sweep does to a job that stayed unfinished too long.
#[derive(Debug, Clone, PartialEq)]
pub enum StaleAction {
    /// Counts one more re-drive, only while fewer than `below` were made, and
    /// sets `updatedAt`, so the job is not stale again until the re-driven
    /// execution had its time.
    Redrive { below: u32 },
    /// Marks the job `Failure` with `error`.
    GiveUp { error: JobError },
}

#[derive(Debug, Clone, PartialEq)]
pub struct StaleClaim {
    pub id: JobId,
    pub cutoff: DateTime<Utc>,
    pub at: DateTime<Utc>,
    pub action: StaleAction,
}

/// Set on workflow input by the replay rule: the name of the archive replay
/// that re-sent the failed job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplayInfo {
    pub name: String,
}

/// The workflow's input: `{"id", "parameters", "replay"?, "redrive"?}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkflowInput {
    pub id: JobId,
    pub parameters: Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replay: Option<ReplayInfo>,
    /// Set by the sweeper on an execution it re-drove: which re-drive it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redrive: Option<u32>,
}

impl WorkflowInput {
    pub fn new(id: JobId, parameters: Value) -> Self {
        Self {
            id,
            parameters,
            replay: None,
            redrive: None,
        }
    }

    /// The execution's name: the job id, so a job is found in the console by
    /// it; a re-drive adds its number, as the first execution may still be
    /// listed under the plain id.
    pub fn execution_name(&self) -> String {
        match self.redrive {
            None => self.id.to_string(),
            Some(n) => format!("{}-redrive-{n}", self.id),
        }
    }

    pub fn cause(&self) -> Cause {
        if self.replay.is_some() {
            Cause::Replay
        } else {
            Cause::Execution
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StartError {
    /// An execution with this name exists already: the job is under way.
    #[error("an execution for this job already exists")]
    AlreadyStarted,
    #[error("the workflow service is unavailable: {0}")]
    Unavailable(String),
    #[error("the workflow service refused to start the job: {0}")]
    Refused(String),
}

#[async_trait]
pub trait WorkflowStarter: Send + Sync {
    /// Starts one execution for the job, named with the job id.
    async fn start(&self, input: &WorkflowInput) -> Result<(), StartError>;
}

pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}
