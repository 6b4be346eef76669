//! What happened to each state, read from an execution's history: every
//! time a state was entered (a *run*), with its input, output, attempts,
//! error and cause, and the colour the graph gives it.
//!
//! Events of Parallel branches and Map iterations interleave; each event's
//! `previousEventId` is the event before it in the same branch or
//! iteration, so following it tells which run an event belongs to.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use jobs_asl::{EventType, HistoryEvent};
use serde_json::Value;

use super::outline::Outline;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum StateStatus {
    Succeeded,
    Failed,
    /// Failed, and a Catch took the execution on.
    Caught,
    InProgress,
    /// A callback task whose call returned: it waits for its task token.
    Waiting,
    /// Stopped because a sibling branch or the execution ended first.
    Cancelled,
    /// Cut off by a stop of the stack, and entered again when it resumed.
    Interrupted,
    NotReached,
}

impl StateStatus {
    /// The CSS class and the word a user reads.
    pub(crate) fn class(self) -> &'static str {
        match self {
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
            Self::Caught => "caught",
            Self::InProgress => "in-progress",
            Self::Waiting => "waiting",
            Self::Cancelled => "cancelled",
            Self::Interrupted => "interrupted",
            Self::NotReached => "not-reached",
        }
    }

    pub(crate) fn label(self) -> &'static str {
        match self {
            Self::Succeeded => "Succeeded",
            Self::Failed => "Failed",
            Self::Caught => "Caught error",
            Self::InProgress => "In progress",
            Self::Waiting => "Waiting for token",
            Self::Cancelled => "Cancelled",
            Self::Interrupted => "Interrupted",
            Self::NotReached => "Not reached",
        }
    }
}

/// One try of a Task, Parallel or Map state's work.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Attempt {
    pub started: DateTime<Utc>,
    pub ended: Option<DateTime<Utc>>,
    pub error: Option<String>,
    pub cause: Option<String>,
    pub failed: bool,
    /// A callback task's call returned (TaskSubmitted): the attempt waits for its token.
    pub submitted: bool,
}

/// One entry into a state.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Run {
    pub state: String,
    /// Task, Pass, Choice, ... (from the event names).
    pub kind: String,
    pub entered_event: u64,
    pub entered: DateTime<Utc>,
    pub exited: Option<DateTime<Utc>>,
    pub input: Option<Value>,
    pub output: Option<Value>,
    pub attempts: Vec<Attempt>,
    pub status: StateStatus,
    /// The Map iteration it ran in, innermost.
    pub iteration: Option<usize>,
    /// How deep in Parallel branches and Map iterations (0: the top level).
    pub depth: usize,
    /// The run of the Parallel or Map state it ran inside.
    pub parent: Option<usize>,
}

impl Run {
    pub(crate) fn retries(&self) -> usize {
        self.attempts.len().saturating_sub(1)
    }

    pub(crate) fn ended(&self) -> Option<DateTime<Utc>> {
        self.exited
            .or_else(|| self.attempts.last().and_then(|a| a.ended))
    }
}

/// How an execution stands, as far as its states go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ended {
    Running,
    Succeeded,
    Failed,
    TimedOut,
    Aborted,
}

/// Every run of an execution, in the order they were entered, and which
/// run each event belongs to.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Runs {
    pub runs: Vec<Run>,
    pub run_of_event: HashMap<u64, usize>,
}

/// A branch, an iteration or the top level: a sequence of states.
struct Scope {
    parent_run: Option<usize>,
    parent_scope: Option<usize>,
    iteration: Option<usize>,
    depth: usize,
    current: Option<usize>,
    closed: bool,
}

struct Reader<'a> {
    outline: Option<&'a Outline>,
    scopes: Vec<Scope>,
    scope_of_event: HashMap<u64, usize>,
    kinds: HashMap<u64, EventType>,
    out: Runs,
    /// Runs another run followed in the same scope (a Catch, or a resume).
    left: Vec<bool>,
}

/// Reads `events` (any order) of an execution that stands at `ended`.
/// `outline` (the execution's definition) places a state entered after a
/// resume in the right scope; without it the events alone decide.
pub(crate) fn read(events: &[HistoryEvent], outline: Option<&Outline>, ended: Ended) -> Runs {
    let mut r = Reader {
        outline,
        scopes: vec![Scope {
            parent_run: None,
            parent_scope: None,
            iteration: None,
            depth: 0,
            current: None,
            closed: false,
        }],
        scope_of_event: HashMap::new(),
        kinds: HashMap::new(),
        out: Runs::default(),
        left: Vec::new(),
    };
    for event in events {
        r.take(event);
    }
    r.finish(ended)
}

fn is_entered(t: EventType) -> bool {
    format!("{t:?}").ends_with("StateEntered")
}

fn is_exited(t: EventType) -> bool {
    format!("{t:?}").ends_with("StateExited")
}

impl Reader<'_> {
    fn take(&mut self, e: &HistoryEvent) {
        self.kinds.insert(e.id, e.event_type);
        let prev_kind = self.kinds.get(&e.previous_event_id).copied();
        let prev_scope = self
            .scope_of_event
            .get(&e.previous_event_id)
            .copied()
            .unwrap_or(0);
        let scope = match e.event_type {
            EventType::MapIterationStarted => {
                let parent = &self.scopes[prev_scope];
                let index = e
                    .map_iteration_started_event_details
                    .as_ref()
                    .map(|d| d.index);
                let scope = Scope {
                    parent_run: parent.current,
                    parent_scope: Some(prev_scope),
                    iteration: index,
                    depth: parent.depth + 1,
                    current: None,
                    closed: false,
                };
                self.scopes.push(scope);
                self.scopes.len() - 1
            }
            t if is_entered(t) && prev_kind == Some(EventType::ParallelStateStarted) => {
                let parent = &self.scopes[prev_scope];
                let scope = Scope {
                    parent_run: parent.current,
                    parent_scope: Some(prev_scope),
                    iteration: parent.iteration,
                    depth: parent.depth + 1,
                    current: None,
                    closed: false,
                };
                self.scopes.push(scope);
                self.scopes.len() - 1
            }
            t if is_entered(t) => self.scope_for_state(prev_scope, e),
            _ => prev_scope,
        };
        self.scope_of_event.insert(e.id, scope);

        if is_entered(e.event_type) {
            self.enter(scope, e);
            return;
        }
        let Some(run) = self.scopes[scope].current else {
            return;
        };
        self.out.run_of_event.insert(e.id, run);
        let at = e.timestamp;
        let run_ref = &mut self.out.runs[run];
        match e.event_type {
            EventType::TaskScheduled
            | EventType::ParallelStateStarted
            | EventType::MapStateStarted => run_ref.attempts.push(Attempt {
                started: at,
                ended: None,
                error: None,
                cause: None,
                failed: false,
                submitted: false,
            }),
            EventType::TaskSubmitted => {
                if let Some(a) = run_ref.attempts.last_mut() {
                    a.submitted = true;
                }
            }
            EventType::TaskSucceeded
            | EventType::ParallelStateSucceeded
            | EventType::MapStateSucceeded => {
                if let Some(a) = run_ref.attempts.last_mut() {
                    a.ended = Some(at);
                }
                self.close_children(run);
            }
            EventType::TaskFailed | EventType::TaskTimedOut => {
                let details = e
                    .task_failed_event_details
                    .as_ref()
                    .or(e.task_timed_out_event_details.as_ref());
                if let Some(a) = run_ref.attempts.last_mut() {
                    a.ended = Some(at);
                    a.failed = true;
                    a.error = details.and_then(|d| d.error.clone());
                    a.cause = details.and_then(|d| d.cause.clone());
                }
            }
            EventType::ParallelStateFailed | EventType::MapStateFailed => {
                if let Some(a) = run_ref.attempts.last_mut() {
                    a.ended = Some(at);
                    a.failed = true;
                }
                self.close_children(run);
            }
            t if is_exited(t) => {
                run_ref.exited = Some(at);
                run_ref.output = e
                    .state_exited_event_details
                    .as_ref()
                    .and_then(|d| d.output.as_deref())
                    .and_then(|o| serde_json::from_str(o).ok());
                self.close_children(run);
            }
            _ => {}
        }
    }

    /// The scope a state entered after `prev` runs in: `prev`'s, unless the
    /// definition puts the state in an enclosing one (a resume continues
    /// the top level after the last event of any branch).
    fn scope_for_state(&self, prev_scope: usize, e: &HistoryEvent) -> usize {
        let (Some(outline), Some(name)) = (self.outline, e.state_name()) else {
            return prev_scope;
        };
        let mut scope = prev_scope;
        loop {
            let belongs = match self.scopes[scope].parent_run {
                None => outline.states.iter().any(|s| s.name == name),
                Some(run) => outline.find(&self.out.runs[run].state).is_some_and(|p| {
                    p.children
                        .iter()
                        .any(|c| c.states.iter().any(|s| s.name == name))
                }),
            };
            match self.scopes[scope].parent_scope {
                _ if belongs => return scope,
                Some(up) => scope = up,
                None => return prev_scope,
            }
        }
    }

    fn enter(&mut self, scope: usize, e: &HistoryEvent) {
        if let Some(previous) = self.scopes[scope].current {
            if self.out.runs[previous].exited.is_none() {
                self.left[previous] = true;
            }
        }
        let details = e.state_entered_event_details.as_ref();
        let kind = format!("{:?}", e.event_type)
            .trim_end_matches("StateEntered")
            .to_owned();
        let s = &self.scopes[scope];
        let run = Run {
            state: details.map(|d| d.name.clone()).unwrap_or_default(),
            kind,
            entered_event: e.id,
            entered: e.timestamp,
            exited: None,
            input: details
                .and_then(|d| d.input.as_deref())
                .and_then(|i| serde_json::from_str(i).ok()),
            output: None,
            attempts: Vec::new(),
            status: StateStatus::InProgress,
            iteration: s.iteration,
            depth: s.depth,
            parent: s.parent_run,
        };
        self.out.runs.push(run);
        self.left.push(false);
        let index = self.out.runs.len() - 1;
        self.out.run_of_event.insert(e.id, index);
        self.scopes[scope].current = Some(index);
    }

    /// The branches and iterations of a Parallel or Map run are over.
    fn close_children(&mut self, run: usize) {
        for scope in self.scopes.iter_mut() {
            if scope.parent_run == Some(run) {
                scope.closed = true;
            }
        }
    }

    fn finish(mut self, ended: Ended) -> Runs {
        let mut closed_runs = vec![false; self.out.runs.len()];
        for scope in &self.scopes {
            if scope.closed {
                for (i, run) in self.out.runs.iter().enumerate() {
                    if run.parent == scope.parent_run && run.iteration == scope.iteration {
                        closed_runs[i] = true;
                    }
                }
            }
        }
        for (i, run) in self.out.runs.iter_mut().enumerate() {
            let last_failed = run.attempts.last().is_some_and(|a| a.failed);
            run.status = if run.kind == "Fail" {
                StateStatus::Failed
            } else if run.exited.is_some() || self.left[i] {
                match (last_failed, run.exited.is_some()) {
                    (true, _) => StateStatus::Caught,
                    (false, true) => StateStatus::Succeeded,
                    (false, false) => StateStatus::Interrupted,
                }
            } else if last_failed {
                StateStatus::Failed
            } else if closed_runs[i] || ended == Ended::Aborted {
                StateStatus::Cancelled
            } else if ended == Ended::Running {
                let waits = run
                    .attempts
                    .last()
                    .is_some_and(|a| a.submitted && a.ended.is_none());
                if waits {
                    StateStatus::Waiting
                } else {
                    StateStatus::InProgress
                }
            } else {
                StateStatus::Failed
            };
        }
        self.out
    }
}

impl Runs {
    /// The colour of each state in the graph: its latest run in each
    /// branch or iteration, the most pressing first (waiting for a token, in
    /// progress, failed, caught, then succeeded).
    pub(crate) fn status_by_state(&self) -> HashMap<String, StateStatus> {
        let mut latest: HashMap<(&str, Option<usize>, Option<usize>), &Run> = HashMap::new();
        for run in &self.runs {
            latest.insert((run.state.as_str(), run.parent, run.iteration), run);
        }
        let rank = |s: StateStatus| match s {
            StateStatus::Waiting => 7,
            StateStatus::InProgress => 6,
            StateStatus::Failed => 5,
            StateStatus::Caught => 4,
            StateStatus::Cancelled => 3,
            StateStatus::Succeeded => 2,
            StateStatus::Interrupted => 1,
            StateStatus::NotReached => 0,
        };
        let mut out: HashMap<String, StateStatus> = HashMap::new();
        for ((state, _, _), run) in latest {
            let slot = out
                .entry(state.to_owned())
                .or_insert(StateStatus::NotReached);
            if rank(run.status) > rank(*slot) {
                *slot = run.status;
            }
        }
        out
    }

    /// Runs the history shows waiting for their token whose state no task
    /// of the execution waits on now (`waiting`, the registry's list): the
    /// answer was sent and the execution is taking it in.
    pub(crate) fn settle_answered(&mut self, waiting: &[jobs_asl::WaitingTask]) {
        for run in self.runs.iter_mut() {
            if run.status == StateStatus::Waiting
                && !waiting.iter().any(|t| t.state_name == run.state)
            {
                run.status = StateStatus::InProgress;
            }
        }
    }

    /// The runs of one state, in the order entered.
    pub(crate) fn of_state<'a>(
        &'a self,
        state: &'a str,
    ) -> impl Iterator<Item = (usize, &'a Run)> + 'a {
        self.runs
            .iter()
            .enumerate()
            .filter(move |(_, r)| r.state == state)
    }
}

#[cfg(test)]
mod tests;
