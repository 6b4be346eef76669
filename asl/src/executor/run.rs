//! The run loop: an execution's start (or resume), its states one after another, and its end
//! (success, failure, timeout or abort) with the events that record it.

use super::dataflow::no_data;
use super::retry_catch::Outcome;
use super::scope::{Boxed, Exec, Scope};
use super::size;
use super::states;
use super::vars::{Assigned, Vars};
use super::{state_machine_name, ExecutionResult, ExecutionSpec, ExecutionStatus, Executor};
use crate::definition::{Kind, State, StateSet};
use crate::error::{names, Failure};
use crate::history::*;
use crate::path::Env;
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use tokio::time::Instant;

fn entered_type(k: &Kind) -> EventType {
    match k {
        Kind::Pass { .. } => EventType::PassStateEntered,
        Kind::Task { .. } => EventType::TaskStateEntered,
        Kind::Choice { .. } => EventType::ChoiceStateEntered,
        Kind::Wait(_) => EventType::WaitStateEntered,
        Kind::Succeed => EventType::SucceedStateEntered,
        Kind::Fail { .. } => EventType::FailStateEntered,
        Kind::Parallel { .. } => EventType::ParallelStateEntered,
        Kind::Map { .. } => EventType::MapStateEntered,
    }
}

fn exited_type(k: &Kind) -> EventType {
    match k {
        Kind::Pass { .. } => EventType::PassStateExited,
        Kind::Task { .. } => EventType::TaskStateExited,
        Kind::Choice { .. } => EventType::ChoiceStateExited,
        Kind::Wait(_) => EventType::WaitStateExited,
        Kind::Succeed => EventType::SucceedStateExited,
        Kind::Parallel { .. } => EventType::ParallelStateExited,
        Kind::Map { .. } => EventType::MapStateExited,
        Kind::Fail { .. } => unreachable!("a Fail state never exits"),
    }
}

/// How the body of an execution ended.
enum End {
    Done(Result<Value, Failure>),
    TimedOut,
    Aborted,
}

/// What an execution runs: the definition's top-level states, or a distributed Map's item
/// processor for one of its child executions.
pub(super) struct Body<'a> {
    pub set: &'a StateSet,
    pub timeout: Option<std::time::Duration>,
    pub keeps_input: bool,
    /// When it started, for a child execution: the parent's clock, so that paused-time runs
    /// date a child's events on the parent's timeline.
    pub start_wall: Option<DateTime<Utc>>,
}

impl Executor {
    pub async fn run(&self, spec: ExecutionSpec) -> ExecutionResult {
        let body = Body {
            set: &self.machine.top,
            timeout: self.machine.timeout,
            keeps_input: self.machine.keeps_input,
            start_wall: None,
        };
        self.run_body(spec, body).await
    }

    pub(super) async fn run_body(&self, spec: ExecutionSpec, body: Body<'_>) -> ExecutionResult {
        let sm_arn: Arc<str> = match spec.state_machine_arn {
            Some(a) => a.into(),
            None => self.state_machine_arn_for(&spec.arn),
        };
        let arn: Arc<str> = spec.arn.into();
        let recorder = (spec.sink.is_some() || spec.collect_history)
            .then(|| Recorder::new(arn.clone(), spec.sink, spec.collect_history));
        let mut ex = Exec {
            name: spec.name.into(),
            arn,
            sm_arn,
            role_arn: spec.role_arn.map(Into::into),
            input: Value::Null,
            start_wall: body.start_wall.unwrap_or_else(Utc::now),
            start: Instant::now(),
            recorder,
            path: Mutex::new(Vec::new()),
            var_bytes: AtomicUsize::new(0),
            unrecorded_ids: AtomicU64::new(1),
            resumed_wait: Mutex::new(
                spec.resume
                    .as_ref()
                    .and_then(|r| Some((r.state.clone(), r.wait.clone()?))),
            ),
            resumes_wait: spec.resume.as_ref().is_some_and(|r| r.wait.is_some()),
            resumed_map_run: Mutex::new(
                spec.resume
                    .as_ref()
                    .and_then(|r| Some((r.state.clone(), r.map_run_arn.clone()?))),
            ),
        };
        let mut input = spec.input;
        if body.keeps_input {
            ex.input = input.clone();
        }
        let ex = ex;
        let top = body.set;
        let scope = Scope {
            ex: &ex,
            last: AtomicU64::new(0),
            top: true,
        };
        let (start, input) = match spec.resume {
            Some(r) => {
                if let Some(rec) = &ex.recorder {
                    rec.skip_to(r.after_event_id);
                }
                scope.last.store(r.after_event_id, Ordering::Relaxed);
                match top.index.get(r.state.as_str()) {
                    Some(&i) => (Ok(i), r.input),
                    None => (
                        Err(Failure::runtime(format!(
                            "cannot resume: state \"{}\" does not exist",
                            r.state
                        ))),
                        r.input,
                    ),
                }
            }
            None => {
                scope.emit(|| {
                    let mut e = HistoryEvent::new(EventType::ExecutionStarted);
                    e.execution_started_event_details = Some(ExecutionStartedEventDetails {
                        input: Some(input.to_string()),
                        input_details: no_data(),
                        role_arn: ex.role_arn.as_deref().map(str::to_owned),
                    });
                    e
                });
                (Ok(top.start), std::mem::take(&mut input))
            }
        };
        let end = match start {
            Err(f) => End::Done(Err(f)),
            Ok(start) => self.drive(&scope, &body, start, input, &spec.abort).await,
        };
        let (status, output, error, cause) = self.finish(&scope, end, body.timeout, &spec.abort);
        self.handler.execution_ended(&ex.arn);
        let history = ex.recorder.as_ref().map(Recorder::take).unwrap_or_default();
        let path = std::mem::take(&mut *ex.path.lock().expect("path lock"))
            .into_iter()
            .map(|s| s.to_string())
            .collect();
        ExecutionResult {
            status,
            output,
            error,
            cause,
            history,
            path,
            start_date: ex.start_wall,
            stop_date: ex.now(),
        }
    }

    /// Runs the top-level states under the execution's timeout and abort handle.
    async fn drive(
        &self,
        scope: &Scope<'_>,
        b: &Body<'_>,
        start: usize,
        input: Value,
        abort: &Option<super::AbortHandle>,
    ) -> End {
        let body = self.run_set(scope, b.set, start, input, None);
        let timed = async {
            match b.timeout {
                Some(d) => match tokio::time::timeout(d, body).await {
                    Ok(r) => End::Done(r),
                    Err(_) => End::TimedOut,
                },
                None => End::Done(body.await),
            }
        };
        match abort {
            Some(h) => {
                tokio::select! {
                    biased;
                    _ = h.token.cancelled() => End::Aborted,
                    r = timed => r,
                }
            }
            None => timed.await,
        }
    }

    /// Records the execution's last event; returns its status, output, error and cause.
    fn finish(
        &self,
        scope: &Scope<'_>,
        end: End,
        timeout: Option<std::time::Duration>,
        abort: &Option<super::AbortHandle>,
    ) -> (
        ExecutionStatus,
        Option<Value>,
        Option<String>,
        Option<String>,
    ) {
        match end {
            End::Done(Ok(out)) => {
                scope.emit(|| {
                    let mut e = HistoryEvent::new(EventType::ExecutionSucceeded);
                    e.execution_succeeded_event_details = Some(ExecutionSucceededEventDetails {
                        output: Some(out.to_string()),
                        output_details: no_data(),
                    });
                    e
                });
                (ExecutionStatus::Succeeded, Some(out), None, None)
            }
            End::Done(Err(f)) => {
                // A Fail state without Error or Cause leaves them out, as AWS does.
                let error = (!f.error.is_empty()).then_some(f.error);
                let cause = (!f.cause.is_empty()).then_some(f.cause);
                scope.emit(|| {
                    let mut e = HistoryEvent::new(EventType::ExecutionFailed);
                    e.execution_failed_event_details = Some(ErrorEventDetails {
                        error: error.clone(),
                        cause: cause.clone(),
                    });
                    e
                });
                (ExecutionStatus::Failed, None, error, cause)
            }
            End::TimedOut => {
                let cause = format!(
                    "The execution ran longer than its TimeoutSeconds ({} s)",
                    timeout.map(|d| d.as_secs()).unwrap_or_default()
                );
                scope.emit(|| {
                    let mut e = HistoryEvent::new(EventType::ExecutionTimedOut);
                    e.execution_timed_out_event_details = Some(ErrorEventDetails {
                        error: Some(names::TIMEOUT.into()),
                        cause: Some(cause.clone()),
                    });
                    e
                });
                (
                    ExecutionStatus::TimedOut,
                    None,
                    Some(names::TIMEOUT.to_owned()),
                    Some(cause),
                )
            }
            End::Aborted => {
                let reason = abort
                    .as_ref()
                    .and_then(|h| h.reason.lock().expect("abort lock").clone());
                let (error, cause) = reason
                    .map(|(e, c)| (Some(e), Some(c)))
                    .unwrap_or((None, None));
                scope.emit(|| {
                    let mut e = HistoryEvent::new(EventType::ExecutionAborted);
                    e.execution_aborted_event_details = Some(ErrorEventDetails {
                        error: error.clone(),
                        cause: cause.clone(),
                    });
                    e
                });
                (ExecutionStatus::Aborted, None, error, cause)
            }
        }
    }

    /// Runs the states of `set` from `start` until one ends it; returns the last output. The
    /// set is a variable scope inside `outer`.
    pub(super) fn run_set<'a>(
        &'a self,
        sc: &'a Scope<'a>,
        set: &'a StateSet,
        start: usize,
        input: Value,
        outer: Option<&'a Vars<'a>>,
    ) -> Boxed<'a, Result<Value, Failure>> {
        Box::pin(async move {
            let mut vars = Vars::new(outer);
            let r = self.run_states(sc, set, start, input, &mut vars).await;
            vars.release(&sc.ex.var_bytes);
            r
        })
    }

    async fn run_states(
        &self,
        sc: &Scope<'_>,
        set: &StateSet,
        start: usize,
        input: Value,
        vars: &mut Vars<'_>,
    ) -> Result<Value, Failure> {
        let mut cur = start;
        let mut input = input;
        loop {
            let st = &set.states[cur];
            let step = self.run_state(sc, st, input, vars).await?;
            if let Some(a) = step.assigned {
                vars.apply(a, &sc.ex.var_bytes, &st.name)?;
            }
            match step.next {
                Some(n) => {
                    cur = n;
                    input = step.out;
                }
                None => return Ok(step.out),
            }
        }
    }

    /// The context object (`$$`) as a state sees it.
    pub(super) fn context(
        &self,
        sc: &Scope<'_>,
        st: &State,
        entered: DateTime<Utc>,
        retry: u32,
    ) -> Value {
        let ex = sc.ex;
        let mut ctx = json!({
            "Execution": {
                "Id": &*ex.arn,
                "Name": &*ex.name,
                "Input": ex.input.clone(),
                "StartTime": ex.start_wall.to_rfc3339_opts(SecondsFormat::Millis, true),
            },
            "State": {
                "Name": &*st.name,
                "EnteredTime": entered.to_rfc3339_opts(SecondsFormat::Millis, true),
                "RetryCount": retry,
            },
            "StateMachine": {
                "Id": &*ex.sm_arn,
                "Name": state_machine_name(&ex.sm_arn),
            },
        });
        // Only the states that can retry have a retry count, as on AWS.
        if !matches!(
            st.kind,
            Kind::Task { .. } | Kind::Parallel { .. } | Kind::Map { .. }
        ) {
            if let Some(state) = ctx["State"].as_object_mut() {
                state.remove("RetryCount");
            }
        }
        // Executions here are never redriven; the role is there when the caller gave one.
        ctx["Execution"]["RedriveCount"] = json!(0);
        if let Some(role) = &ex.role_arn {
            ctx["Execution"]["RoleArn"] = json!(&**role);
        }
        // A callback task's token, which the task hands on to whoever reports its result; a
        // `.sync` task has one too (an execution it starts may be given it, as on AWS).
        if let Kind::Task { resource, .. } = &st.kind {
            if crate::workflow_type::waits(resource) {
                let token = sc
                    .top
                    .then(|| ex.resumed_token(&st.name))
                    .flatten()
                    .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
                ctx["Task"] = json!({ "Token": token });
            }
        }
        ctx
    }

    /// Runs one state; returns its output, the next state (None: the set ends) and what it
    /// assigns, which takes effect only after it.
    async fn run_state(
        &self,
        sc: &Scope<'_>,
        st: &State,
        raw: Value,
        vars: &Vars<'_>,
    ) -> Result<Step, Failure> {
        if sc.top {
            sc.ex.path.lock().expect("path lock").push(st.name.clone());
        }
        let entered = if st.needs_context {
            sc.ex.now()
        } else {
            DateTime::<Utc>::UNIX_EPOCH
        };
        // A resumed wait continues the state its history already entered.
        let resumes_wait = sc.top && sc.ex.resumed_token(&st.name).is_some();
        let entered_id = if resumes_wait {
            sc.last.load(Ordering::Relaxed)
        } else {
            sc.emit(|| {
                let mut e = HistoryEvent::new(entered_type(&st.kind));
                e.state_entered_event_details = Some(StateEnteredEventDetails {
                    name: st.name.to_string(),
                    input: Some(raw.to_string()),
                    input_details: no_data(),
                });
                e
            })
        };
        if entered_id > MAX_EVENTS {
            return Err(Failure::runtime(format!(
                "The execution reached the maximum number of history events ({MAX_EVENTS}) \
                 when entering the state '{}'",
                st.name
            )));
        }
        let null = Value::Null;
        let ctx_owned;
        let ctx = if st.needs_context {
            ctx_owned = self.context(sc, st, entered, 0);
            &ctx_owned
        } else {
            &null
        };

        let env = Env { context: ctx, vars };
        let (out, next, assigned) = match self.dispatch(sc, st, raw, &env, vars, entered).await {
            Ok(Ended::Next(out, next, assigned)) => (out, next, assigned),
            Ok(Ended::Caught(step)) => {
                size::check_returned(&step.out, &st.name)?;
                return Ok(step);
            }
            Ok(Ended::Failed(f)) => return Err(f),
            Err(f) => return Err(located(f, st, entered_id)),
        };
        // Past the state's Catch: an output over the limit fails the state set.
        size::check_returned(&out, &st.name)?;
        sc.emit(|| {
            let mut e = HistoryEvent::new(exited_type(&st.kind));
            e.state_exited_event_details = Some(StateExitedEventDetails {
                name: st.name.to_string(),
                output: Some(out.to_string()),
                output_details: no_data(),
            });
            e
        });
        Ok(Step {
            out,
            next,
            assigned,
        })
    }

    /// Runs what a state of this kind does, between its entered and exited events.
    async fn dispatch(
        &self,
        sc: &Scope<'_>,
        st: &State,
        raw: Value,
        env: &Env<'_>,
        vars: &Vars<'_>,
        entered: DateTime<Utc>,
    ) -> Result<Ended, Failure> {
        Ok(match &st.kind {
            Kind::Fail { error, cause } => {
                Ended::Failed(states::fail(st, error, cause, &raw, env)?)
            }
            Kind::Succeed => Ended::Next(states::succeed(st, raw, env)?, None, None),
            Kind::Choice { choices, default } => {
                let (out, next, a) = states::choice(st, choices, *default, raw, env)?;
                Ended::Next(out, next, a)
            }
            Kind::Wait(w) => {
                let (out, a) = states::wait(sc, st, w, raw, env).await?;
                Ended::Next(out, st.next, a)
            }
            Kind::Pass { result } => {
                let (out, a) = states::pass(st, result, raw, env)?;
                Ended::Next(out, st.next, a)
            }
            Kind::Task { .. } | Kind::Parallel { .. } | Kind::Map { .. } => {
                match self.run_work_state(sc, st, raw, env, vars, entered).await? {
                    Outcome::Done(out, a) => Ended::Next(out, st.next, a),
                    // A caught failure records no exit event: the state did not complete.
                    Outcome::Caught(out, next, a) => Ended::Caught(Step {
                        out,
                        next: Some(next),
                        assigned: a,
                    }),
                }
            }
        })
    }
}

/// How a state ended.
pub(super) struct Step {
    pub out: Value,
    pub next: Option<usize>,
    pub assigned: Option<Assigned>,
}

/// The most events one execution's history holds on AWS; an execution that would go past it
/// fails there, and here too, which also ends a definition that loops for ever.
const MAX_EVENTS: u64 = 25_000;

/// How a state's own work ended.
enum Ended {
    /// It completed: its output, the next state and what it assigns.
    Next(Value, Option<usize>, Option<Assigned>),
    /// A catcher took its failure.
    Caught(Step),
    /// A Fail state failed the set, with its own error and cause.
    Failed(Failure),
}

/// The interpreter's own errors name the state and the event that entered it, as AWS words
/// them; a task's errors, and a failure already located in a nested state, stay as they are.
fn located(f: Failure, st: &State, entered_id: u64) -> Failure {
    const PREFIX: &str = "An error occurred while executing the state";
    if (f.error != names::RUNTIME && f.error != names::QUERY_EVALUATION_ERROR)
        || f.cause.starts_with(PREFIX)
    {
        return f;
    }
    Failure {
        error: f.error,
        cause: format!(
            "{PREFIX} '{}' (entered at the event id #{entered_id}). {}",
            st.name, f.cause
        ),
    }
}
