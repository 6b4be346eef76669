//! The store under test and what every part of the contract builds on:
//! jobs at a given status, changes, and the checks that follow them.

use std::any::Any;
use std::sync::Arc;

use chrono::{DateTime, Duration, DurationRound, Utc};
use serde_json::{json, Value};

use crate::id::JobId;
use crate::job::{Job, JobError};
use crate::ports::{JobStore, StatusChange, TransitionError};
use crate::status::Cause;
use crate::status::JobStatus;
use crate::testing::TestJob;
use crate::work::{Document, DynWork};

/// A store under test, with whatever must live as long as it (a temporary
/// directory, a server handle).
pub struct Subject {
    store: Arc<dyn JobStore>,
    _keep: Option<Box<dyn Any + Send + Sync>>,
    concurrent: bool,
    work: Arc<dyn DynWork>,
}

impl Subject {
    pub fn new(store: impl JobStore + 'static) -> Self {
        Self {
            store: Arc::new(store),
            _keep: None,
            concurrent: true,
            work: Arc::new(TestJob::default()),
        }
    }

    pub fn keeping(store: impl JobStore + 'static, keep: impl Any + Send + Sync) -> Self {
        Self {
            store: Arc::new(store),
            _keep: Some(Box::new(keep)),
            concurrent: true,
            work: Arc::new(TestJob::default()),
        }
    }

    /// For a server that does not isolate concurrent conditional writes of
    /// one item (moto_server checks a condition and writes in two steps, on
    /// a thread per request; DynamoDB itself is atomic per item): the racing
    /// writers of the suite take turns, so what is tested is that each
    /// condition refuses every writer after the first.
    pub fn taking_turns(mut self) -> Self {
        self.concurrent = false;
        self
    }

    /// The job whose own documents the suite also stores: the one the
    /// adapter serves (the test job otherwise).
    pub fn with_job(mut self, work: impl DynWork) -> Self {
        self.work = Arc::new(work);
        self
    }

    pub(crate) fn work(&self) -> &Arc<dyn DynWork> {
        &self.work
    }

    pub fn store(&self) -> &Arc<dyn JobStore> {
        &self.store
    }

    /// Runs the writers at once (or in turn, see [`Subject::taking_turns`])
    /// and returns their results in order.
    pub(crate) async fn race<T, F>(&self, writers: Vec<F>) -> Vec<T>
    where
        T: Send + 'static,
        F: std::future::Future<Output = T> + Send + 'static,
    {
        let mut results = Vec::with_capacity(writers.len());
        if self.concurrent {
            let tasks: Vec<_> = writers.into_iter().map(tokio::spawn).collect();
            for task in tasks {
                results.push(task.await.expect("the writer task ran"));
            }
        } else {
            for writer in writers {
                results.push(writer.await);
            }
        }
        results
    }
}

/// A start time on a whole millisecond, near now: servers that expire items
/// by time (TTL) see nothing expired.
pub(crate) fn start() -> DateTime<Utc> {
    Utc::now()
        .duration_trunc(Duration::seconds(1))
        .expect("now truncates to a second")
        + Duration::milliseconds(250)
}

/// Parameters of several JSON kinds, so a store that flattens, retypes or
/// drops one shows; `n` tells jobs apart.
pub(crate) fn new_job(n: u64, at: DateTime<Utc>) -> Job {
    let parameters = json!({
        "n": n,
        "label": "café ☕",
        "ratio": 0.25,
        "negative": -7,
        "big": u64::MAX,
        "flag": false,
        "nothing": null,
        "list": [1, "two", [3.5], {"four": 4}],
        "nested": {"a": {"b": {"c": []}}, "empty": {}},
    });
    Job::queued(
        JobId::random(),
        Document::from_value(parameters).expect("an object"),
        at,
    )
}

pub(crate) async fn create(store: &dyn JobStore, job: &Job) {
    store
        .create(job, None)
        .await
        .unwrap_or_else(|e| panic!("create job {}: {e}", job.id));
}

/// Results of several JSON kinds, so a store that flattens or drops one shows.
pub(crate) fn results(tag: &str) -> Value {
    json!({
        "message": format!("done: {tag}"),
        "count": 3,
        "ratio": 0.5,
        "flags": [true, false],
        "nested": {"list": [1, "two", {"three": 3}], "empty": {}},
    })
}

pub(crate) fn error(tag: &str) -> JobError {
    JobError {
        error: format!("{tag}Error"),
        cause: format!("{tag} went wrong; see the logs"),
    }
}

/// The write an execution would make for `to`: `Success` carries results,
/// `Failure` an error.
pub(crate) fn change_to(id: JobId, to: JobStatus, cause: Cause, at: DateTime<Utc>) -> StatusChange {
    let change = StatusChange::new(id, to, cause, at);
    match to {
        JobStatus::Success => change.with_results(results("to")),
        JobStatus::Failure => change.with_error(error("To")),
        _ => change,
    }
}

/// What a store must hold after applying `change` to `before`: the status and
/// time, a clean slate on `Running`, then whatever the change carries.
pub(crate) fn applied(before: &Job, change: &StatusChange) -> Job {
    let mut job = before.clone();
    job.status = change.to;
    job.updated_at = change.at;
    if change.to == JobStatus::Running {
        job.results = None;
        job.error = None;
    }
    if let Some(results) = &change.results {
        job.results = Some(results.clone());
    }
    if let Some(error) = &change.error {
        job.error = Some(error.clone());
    }
    job
}

/// The shortest way the rules allow from `Queued` to `status`, found by
/// walking the domain's own table.
pub(crate) fn path_to(status: JobStatus) -> Vec<(JobStatus, Cause)> {
    let mut paths = vec![(JobStatus::Queued, Vec::new())];
    let mut next = 0;
    while next < paths.len() {
        let (at, path) = paths[next].clone();
        if at == status {
            return path;
        }
        for to in JobStatus::ALL {
            for cause in [Cause::Execution, Cause::Replay] {
                if at.can_move_to(to, cause) && paths.iter().all(|(seen, _)| *seen != to) {
                    let mut longer = path.clone();
                    longer.push((to, cause));
                    paths.push((to, longer));
                }
            }
        }
        next += 1;
    }
    panic!("the rules allow no way from Queued to {status}")
}

/// A new job brought to `status` by allowed writes, one second apart from
/// `at`, as the store holds it.
pub(crate) async fn job_in(store: &dyn JobStore, status: JobStatus, at: DateTime<Utc>) -> Job {
    let job = new_job(2, at);
    create(store, &job).await;
    let mut current = job;
    for (i, (to, cause)) in path_to(status).into_iter().enumerate() {
        let change = change_to(current.id, to, cause, at + Duration::seconds(i as i64 + 1));
        current = store
            .transition(&change)
            .await
            .unwrap_or_else(|e| panic!("staging a {status} job, the write of {to} failed: {e}"));
    }
    current
}

/// Asserts a refusal that reports `expected` as the current job.
pub(crate) fn assert_refused(result: Result<Job, TransitionError>, expected: &Job, what: &str) {
    match result {
        Err(TransitionError::Rejected {
            current: Some(current),
        }) => assert_eq!(*current, *expected, "{what}: the refusal reports the job"),
        other => panic!("{what}: expected a refusal reporting the job, got {other:?}"),
    }
}

pub(crate) async fn stored(store: &dyn JobStore, id: &JobId) -> Job {
    store
        .get(id)
        .await
        .unwrap_or_else(|e| panic!("get job {id}: {e}"))
        .unwrap_or_else(|| panic!("job {id} is missing"))
}
