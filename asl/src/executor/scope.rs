//! What every state of an execution shares: the execution's facts, and the scope (top level,
//! Parallel branch or Map iteration) whose events it records.

use crate::history::{HistoryEvent, Recorder};
use chrono::{DateTime, Utc};
use serde_json::Value;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use tokio::time::Instant;

/// Per-execution facts shared by every branch.
pub(super) struct Exec {
    pub name: Arc<str>,
    pub arn: Arc<str>,
    pub sm_arn: Arc<str>,
    pub role_arn: Option<Arc<str>>,
    pub input: Value,
    pub start_wall: DateTime<Utc>,
    pub start: Instant,
    pub recorder: Option<Recorder>,
    pub path: Mutex<Vec<Arc<str>>>,
    /// Bytes held by the variables of every live scope.
    pub var_bytes: AtomicUsize,
    /// The next event id when no history is recorded: causes name the event that entered
    /// the failing state, as AWS's do, with or without a history.
    pub unrecorded_ids: AtomicU64,
    /// A callback task's wait to pick up again, with the top-level state it belongs to.
    pub resumed_wait: Mutex<Option<(String, super::execution::ResumedWait)>>,
    /// Whether the run began with a wait to pick up: every other run skips the lock above.
    pub resumes_wait: bool,
    /// The Map Run a resumed distributed Map started before, with the top-level state it
    /// belongs to: the Map picks its children up again instead of starting a new run.
    pub resumed_map_run: Mutex<Option<(String, String)>>,
}

impl Exec {
    /// Wall-clock time derived from tokio's clock, so paused-time tests see consistent times.
    pub(super) fn now(&self) -> DateTime<Utc> {
        self.start_wall + (Instant::now() - self.start)
    }

    /// The token of the resumed wait of top-level state `state`, if it is still to come.
    pub(super) fn resumed_token(&self, state: &str) -> Option<String> {
        if !self.resumes_wait {
            return None;
        }
        let w = self.resumed_wait.lock().expect("resume lock");
        w.as_ref()
            .filter(|(s, _)| s == state)
            .map(|(_, w)| w.token.clone())
    }

    /// Takes the Map Run ARN that top-level state `state` started before a resume.
    pub(super) fn take_resumed_map_run(&self, state: &str) -> Option<String> {
        let mut m = self.resumed_map_run.lock().expect("resume lock");
        match m.as_ref() {
            Some((s, _)) if s == state => m.take().map(|(_, arn)| arn),
            _ => None,
        }
    }

    /// Takes the resumed wait of top-level state `state`: only its first attempt resumes.
    pub(super) fn take_resumed_wait(&self, state: &str) -> Option<super::execution::ResumedWait> {
        if !self.resumes_wait {
            return None;
        }
        let mut w = self.resumed_wait.lock().expect("resume lock");
        match w.as_ref() {
            Some((s, _)) if s == state => w.take().map(|(_, w)| w),
            _ => None,
        }
    }
}

/// One sequence of states: the top level, a Parallel branch or a Map iteration. Tracks the
/// last event it recorded, which is the previous event of its next one.
pub(super) struct Scope<'a> {
    pub ex: &'a Exec,
    pub last: AtomicU64,
    pub top: bool,
}

impl<'a> Scope<'a> {
    /// A scope nested in this execution whose first event follows `after`.
    pub(super) fn nested(ex: &'a Exec, after: u64) -> Self {
        Scope {
            ex,
            last: AtomicU64::new(after),
            top: false,
        }
    }

    #[inline]
    pub(super) fn emit(&self, f: impl FnOnce() -> HistoryEvent) -> u64 {
        match &self.ex.recorder {
            None => self.ex.unrecorded_ids.fetch_add(1, Ordering::Relaxed),
            Some(r) => {
                let id = r.record(f(), self.last.load(Ordering::Relaxed), self.ex.now());
                self.last.store(id, Ordering::Relaxed);
                id
            }
        }
    }
}

pub(super) type Boxed<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;
