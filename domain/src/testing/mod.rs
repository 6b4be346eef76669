//! Test doubles with the same behaviour as the real adapters, and the
//! contract suites every adapter of a port runs (see [`contract`]).

use std::sync::Mutex;

use async_trait::async_trait;
use chrono::{DateTime, TimeZone, Utc};

use crate::ports::{Clock, JobStore, StartError, WorkflowInput, WorkflowStarter};
use crate::status::JobStatus;

pub mod contract;
mod job;
mod memory;

pub use job::{TestJob, TestParameters, TEST_MAX_N, TEST_RUNNABLE_N};
pub use memory::MemoryStore;

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

    pub fn fail_with(&self, error: StartError) {
        *self.failure.lock().unwrap() = Some(error);
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

/// A clock that moves only when told to.
pub struct ManualClock(Mutex<DateTime<Utc>>);

impl ManualClock {
    pub fn at(now: DateTime<Utc>) -> Self {
        Self(Mutex::new(now))
    }

    pub fn advance(&self, by: std::time::Duration) {
        *self.0.lock().unwrap() += chrono::Duration::from_std(by).expect("a test duration fits");
    }
}

impl Default for ManualClock {
    fn default() -> Self {
        Self::at(FixedClock::default().0)
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap()
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
