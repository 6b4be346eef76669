//! No job left behind: the sweep use case. A job still `Queued` or `Running`
//! after the workflow could have finished it lost its execution (the API died
//! before starting it, the execution timed out as a whole, the processor was
//! killed past its Catch). The sweep re-drives such a job a bounded number of
//! times (safe: every status write is conditional, so a late or duplicate
//! execution cannot move it backwards), then marks it `Failure` with
//! `ExecutionLost`, so `GET /jobs/{id}` says why.
//!
//! Every decision is a conditional write ([`JobStore::claim_stale`]): two
//! sweeps that find the same job cannot both act on it.
//!
//! A job is final at the latest `period + timeout x (max_redrives + 1)` after
//! its last write by an execution: each round starts the job again when it
//! will be stale by the next sweep (a re-drive of a live execution is a
//! harmless duplicate), and the last round gives up only once the job has
//! been left alone for a whole `timeout`.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tracing::{error, info, warn};

use crate::id::JobId;
use crate::job::{Job, JobError};
use crate::ports::{
    Clock, JobStore, StaleAction, StaleClaim, StaleJob, StartError, StoreError, TransitionError,
    WorkflowInput, WorkflowStarter,
};

/// How often a job is re-driven before it is given up, on AWS and locally.
pub const DEFAULT_MAX_REDRIVES: u32 = 2;
/// The most jobs one sweep settles.
pub const DEFAULT_BATCH: usize = 100;

/// The name of the error a job shows when the sweep gave up on it.
pub const EXECUTION_LOST: &str = "ExecutionLost";

/// How long the workflow can take, how often the sweep runs, and how often a
/// job is re-driven before it is given up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SweepPolicy {
    /// The workflow definition's `TimeoutSeconds`: no execution runs longer.
    pub timeout: Duration,
    /// The time between two sweeps.
    pub period: Duration,
    pub max_redrives: u32,
    /// The most jobs one sweep settles; the next sweep takes the rest.
    pub batch: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidPolicy {
    #[error("the sweep period ({period:?}) must be shorter than the workflow's TimeoutSeconds ({timeout:?}), or a job would wait more than one period past it")]
    PeriodTooLong { period: Duration, timeout: Duration },
    #[error("the sweep batch must be at least 1")]
    EmptyBatch,
}

impl SweepPolicy {
    pub fn new(
        timeout: Duration,
        period: Duration,
        max_redrives: u32,
        batch: usize,
    ) -> Result<Self, InvalidPolicy> {
        if period.is_zero() || period >= timeout {
            return Err(InvalidPolicy::PeriodTooLong { period, timeout });
        }
        if batch == 0 {
            return Err(InvalidPolicy::EmptyBatch);
        }
        Ok(Self {
            timeout,
            period,
            max_redrives,
            batch,
        })
    }

    /// The longest a job stays unfinished after the last write of an
    /// execution: `period + timeout x (max_redrives + 1)`.
    pub fn bound(&self) -> Duration {
        self.period + self.timeout * (self.max_redrives + 1)
    }

    fn ago(now: DateTime<Utc>, d: Duration) -> DateTime<Utc> {
        now - chrono::Duration::from_std(d).expect("a sweep duration fits chrono")
    }

    /// Jobs last written before this are re-driven now: they are stale by
    /// the next sweep.
    fn redrive_cutoff(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        Self::ago(now, self.timeout - self.period)
    }

    /// Jobs last written before this have no execution left that could
    /// finish them.
    fn lost_cutoff(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        Self::ago(now, self.timeout)
    }
}

/// What one decision did.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    /// A re-drive was counted (the `attempt`-th): start the workflow again.
    Redrive { job: Job, attempt: u32 },
    /// The job is marked `Failure` with `ExecutionLost`.
    GaveUp(Job),
    /// Nothing to do: the job moved on (another writer or sweep got there
    /// first), it is not stale yet, or it is gone.
    Left(Option<Job>),
}

/// What one sweep did, for logs and metrics.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SweepReport {
    pub found: usize,
    pub redriven: usize,
    pub lost: usize,
    /// Re-drives counted whose start failed (the next sweep tries again).
    pub start_failures: usize,
}

#[derive(Clone)]
pub struct Sweeper {
    store: Arc<dyn JobStore>,
    workflow: Arc<dyn WorkflowStarter>,
    clock: Arc<dyn Clock>,
    policy: SweepPolicy,
}

impl Sweeper {
    pub fn new(
        store: Arc<dyn JobStore>,
        workflow: Arc<dyn WorkflowStarter>,
        clock: Arc<dyn Clock>,
        policy: SweepPolicy,
    ) -> Self {
        Self {
            store,
            workflow,
            clock,
            policy,
        }
    }

    pub fn policy(&self) -> &SweepPolicy {
        &self.policy
    }

    /// Finds the jobs left unfinished too long and settles each: re-drives
    /// it (starts the workflow again), or gives it up.
    pub async fn sweep(&self) -> Result<SweepReport, StoreError> {
        let now = self.clock.now();
        let stale = self
            .store
            .unfinished_since(self.policy.redrive_cutoff(now), self.policy.batch)
            .await?;
        let mut report = SweepReport {
            found: stale.len(),
            ..SweepReport::default()
        };
        for found in stale {
            match self.decide(&found, now).await? {
                Decision::Redrive { job, attempt } => {
                    let mut input = WorkflowInput::new(job.id, job.parameters.to_value());
                    input.redrive = Some(attempt);
                    match self.workflow.start(&input).await {
                        Ok(()) | Err(StartError::AlreadyStarted) => {
                            info!(job_id = %job.id, attempt, status = %job.status, "job re-driven");
                            report.redriven += 1;
                        }
                        Err(e) => {
                            error!(job_id = %job.id, attempt, error = %e, "the re-drive could not start the workflow; the next sweep tries again");
                            report.start_failures += 1;
                        }
                    }
                }
                Decision::GaveUp(_) => report.lost += 1,
                Decision::Left(_) => {}
            }
        }
        Ok(report)
    }

    /// The local stack's start-up recovery: `id`'s execution was cut off by
    /// a stop, whatever its age. Resuming it counts as a re-drive.
    pub async fn redrive_cut_off(&self, id: &JobId) -> Result<Decision, StoreError> {
        let Some(job) = self.store.get(id).await? else {
            return Ok(Decision::Left(None));
        };
        let now = self.clock.now();
        // Whatever its last write, nothing is running it now.
        let cutoff = now.max(job.updated_at);
        let redrive = self
            .claim(
                id,
                cutoff,
                now,
                StaleAction::Redrive {
                    below: self.policy.max_redrives,
                },
            )
            .await?;
        match redrive {
            Ok(claimed) => Ok(Decision::Redrive {
                attempt: claimed.redrives,
                job: claimed.job,
            }),
            Err(current) if current.as_ref().is_some_and(|j| !j.status.is_final()) => {
                self.give_up(id, cutoff, now, self.policy.max_redrives)
                    .await
            }
            Err(current) => Ok(Decision::Left(current)),
        }
    }

    async fn decide(&self, found: &StaleJob, now: DateTime<Utc>) -> Result<Decision, StoreError> {
        let id = &found.job.id;
        if found.redrives < self.policy.max_redrives {
            let action = StaleAction::Redrive {
                below: self.policy.max_redrives,
            };
            return Ok(
                match self
                    .claim(id, self.policy.redrive_cutoff(now), now, action)
                    .await?
                {
                    Ok(claimed) => Decision::Redrive {
                        attempt: claimed.redrives,
                        job: claimed.job,
                    },
                    Err(current) => Decision::Left(current),
                },
            );
        }
        if found.job.updated_at > self.policy.lost_cutoff(now) {
            // Re-driven as often as allowed; the last one still has time.
            return Ok(Decision::Left(Some(found.job.clone())));
        }
        self.give_up(id, self.policy.lost_cutoff(now), now, found.redrives)
            .await
    }

    async fn give_up(
        &self,
        id: &JobId,
        cutoff: DateTime<Utc>,
        now: DateTime<Utc>,
        redrives: u32,
    ) -> Result<Decision, StoreError> {
        let error = lost_error(id, &self.policy, redrives);
        let cause = error.cause.clone();
        match self
            .claim(id, cutoff, now, StaleAction::GiveUp { error })
            .await?
        {
            Ok(lost) => {
                warn!(job_id = %id, redrives, cause = %cause, "job given up: its execution was lost");
                Ok(Decision::GaveUp(lost.job))
            }
            Err(current) => Ok(Decision::Left(current)),
        }
    }

    /// A claim whose refusal is an answer, not an error.
    async fn claim(
        &self,
        id: &JobId,
        cutoff: DateTime<Utc>,
        at: DateTime<Utc>,
        action: StaleAction,
    ) -> Result<Result<StaleJob, Option<Job>>, StoreError> {
        let claim = StaleClaim {
            id: *id,
            cutoff,
            at,
            action,
        };
        match self.store.claim_stale(&claim).await {
            Ok(claimed) => Ok(Ok(claimed)),
            Err(TransitionError::Rejected { current }) => Ok(Err(current.map(|j| *j))),
            Err(TransitionError::Store(e)) => Err(e),
        }
    }
}

/// The error a lost job shows: what happened and what to do.
pub fn lost_error(id: &JobId, policy: &SweepPolicy, redrives: u32) -> JobError {
    JobError {
        error: EXECUTION_LOST.into(),
        cause: format!(
            "job {id} stayed unfinished longer than its workflow can run ({} s), and {redrives} \
             re-drive(s) did not finish it either: its execution was lost (stopped before it \
             could record an outcome). Submit the job again; the workflow's logs for job id {id} \
             show where it stopped.",
            policy.timeout.as_secs()
        ),
    }
}

#[cfg(test)]
mod tests;
