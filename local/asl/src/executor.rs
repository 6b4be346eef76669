//! Running a state machine: one async task per execution, no threads held while waiting.

use crate::choice::parse_timestamp;
use crate::definition::{
    IoPath, Kind, ResultPath, Seconds, State, StateMachine, StateSet, Text, WaitFor,
};
use crate::error::{names, Failure, TaskError};
use crate::history::*;
use crate::retry;
use async_trait::async_trait;
use chrono::{DateTime, SecondsFormat, Utc};
use futures_util::{FutureExt, StreamExt};
use serde_json::{json, Map, Value};
use std::borrow::Cow;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// Runs the `Resource` of Task states.
#[async_trait]
pub trait TaskHandler: Send + Sync {
    async fn invoke(
        &self,
        resource: &str,
        input: Value,
        ctx: &TaskContext,
    ) -> Result<Value, TaskError>;
}

/// What a task handler knows about the task it runs.
#[derive(Debug, Clone)]
pub struct TaskContext {
    pub execution_name: Arc<str>,
    pub execution_arn: Arc<str>,
    pub state_machine_arn: Arc<str>,
    pub state_name: Arc<str>,
    /// 0 for the first attempt.
    pub retry_count: u32,
    pub timeout: Option<Duration>,
}

/// Re-drives an execution from `state` (a top-level state) with `input`, e.g. after a crash.
/// Event ids continue after `after_event_id`, so a persisted history stays consistent.
#[derive(Debug, Clone, Default)]
pub struct Resume {
    pub state: String,
    pub input: Value,
    pub after_event_id: u64,
}

/// Stops a running execution; it then ends ABORTED.
#[derive(Debug, Clone, Default)]
pub struct AbortHandle {
    token: CancellationToken,
    reason: Arc<Mutex<Option<(String, String)>>>,
}

impl AbortHandle {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn abort(&self) {
        self.token.cancel();
    }

    /// Aborts with the error and cause that StopExecution takes.
    pub fn abort_with(&self, error: impl Into<String>, cause: impl Into<String>) {
        *self.reason.lock().expect("abort lock") = Some((error.into(), cause.into()));
        self.token.cancel();
    }

    pub fn is_aborted(&self) -> bool {
        self.token.is_cancelled()
    }
}

pub struct ExecutionSpec {
    pub name: String,
    pub arn: String,
    pub input: Value,
    /// Receives each history event as it happens.
    pub sink: Option<Arc<dyn HistorySink>>,
    /// Whether to return the history in the result.
    pub collect_history: bool,
    pub resume: Option<Resume>,
    pub abort: Option<AbortHandle>,
    /// `$$.StateMachine.Id`; derived from an execution ARN of the usual shape when absent.
    pub state_machine_arn: Option<String>,
}

impl ExecutionSpec {
    pub fn new(name: impl Into<String>, arn: impl Into<String>, input: Value) -> Self {
        ExecutionSpec {
            name: name.into(),
            arn: arn.into(),
            input,
            sink: None,
            collect_history: false,
            resume: None,
            abort: None,
            state_machine_arn: None,
        }
    }

    pub fn with_history(mut self) -> Self {
        self.collect_history = true;
        self
    }

    pub fn with_sink(mut self, sink: Arc<dyn HistorySink>) -> Self {
        self.sink = Some(sink);
        self
    }

    pub fn with_resume(mut self, resume: Resume) -> Self {
        self.resume = Some(resume);
        self
    }

    pub fn with_abort(mut self, abort: AbortHandle) -> Self {
        self.abort = Some(abort);
        self
    }
}

/// The status of an execution, as DescribeExecution reports it. An [`ExecutionResult`] is
/// never `Running`; a store that records executions while they run is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ExecutionStatus {
    Running,
    Succeeded,
    Failed,
    TimedOut,
    Aborted,
}

impl ExecutionStatus {
    const ALL: [ExecutionStatus; 5] = [
        ExecutionStatus::Running,
        ExecutionStatus::Succeeded,
        ExecutionStatus::Failed,
        ExecutionStatus::TimedOut,
        ExecutionStatus::Aborted,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ExecutionStatus::Running => "RUNNING",
            ExecutionStatus::Succeeded => "SUCCEEDED",
            ExecutionStatus::Failed => "FAILED",
            ExecutionStatus::TimedOut => "TIMED_OUT",
            ExecutionStatus::Aborted => "ABORTED",
        }
    }

    /// The status whose [`as_str`](Self::as_str) is `s`.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExecutionResult {
    pub status: ExecutionStatus,
    pub output: Option<Value>,
    pub error: Option<String>,
    pub cause: Option<String>,
    /// Empty unless `collect_history` was set.
    pub history: Vec<HistoryEvent>,
    /// The top-level states entered, in order (a retried state appears once per entry).
    pub path: Vec<String>,
    pub start_date: DateTime<Utc>,
    pub stop_date: DateTime<Utc>,
}

pub struct Executor {
    machine: Arc<StateMachine>,
    handler: Arc<dyn TaskHandler>,
    region: Arc<str>,
    /// The state machine ARN derived for the first execution; executions of one machine
    /// share it instead of each building its own.
    derived_arn: std::sync::OnceLock<Arc<str>>,
}

/// Per-execution facts shared by every branch.
struct Exec {
    name: Arc<str>,
    arn: Arc<str>,
    sm_arn: Arc<str>,
    input: Value,
    start_wall: DateTime<Utc>,
    start: Instant,
    recorder: Option<Recorder>,
    path: Mutex<Vec<Arc<str>>>,
}

impl Exec {
    /// Wall-clock time derived from tokio's clock, so paused-time tests see consistent times.
    fn now(&self) -> DateTime<Utc> {
        self.start_wall + (Instant::now() - self.start)
    }
}

/// One sequence of states: the top level, a Parallel branch or a Map iteration. Tracks the
/// last event it recorded, which is the previous event of its next one.
struct Scope<'a> {
    ex: &'a Exec,
    last: AtomicU64,
    top: bool,
}

impl Scope<'_> {
    #[inline]
    fn emit(&self, f: impl FnOnce() -> HistoryEvent) -> u64 {
        match &self.ex.recorder {
            None => 0,
            Some(r) => {
                let id = r.record(f(), self.last.load(Ordering::Relaxed), self.ex.now());
                self.last.store(id, Ordering::Relaxed);
                id
            }
        }
    }
}

type Boxed<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

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

fn no_data() -> Option<DataDetails> {
    Some(DataDetails { truncated: false })
}

fn missing_io(path: &crate::path::Path, field: &str) -> Failure {
    Failure::runtime(format!(
        "Invalid path '{path}' : No results for path: {path} (field {field})"
    ))
}

/// Applies an InputPath/OutputPath to an owned document, moving the selected part out.
fn apply_io(p: &IoPath, v: Value, ctx: &Value, field: &str) -> Result<Value, Failure> {
    match p {
        IoPath::Root => Ok(v),
        IoPath::Null => Ok(Value::Object(Map::new())),
        IoPath::Path(path) => path.take(v, ctx).ok_or_else(|| missing_io(path, field)),
    }
}

/// Applies an InputPath to a borrowed document, copying nothing when it can.
fn select_io<'v>(
    p: &IoPath,
    v: &'v Value,
    ctx: &'v Value,
    field: &str,
) -> Result<Cow<'v, Value>, Failure> {
    match p {
        IoPath::Root => Ok(Cow::Borrowed(v)),
        IoPath::Null => Ok(Cow::Owned(Value::Object(Map::new()))),
        IoPath::Path(path) => path.select(v, ctx).ok_or_else(|| missing_io(path, field)),
    }
}

fn apply_result_path(p: &ResultPath, raw: Value, result: Value) -> Result<Value, Failure> {
    match p {
        ResultPath::Replace => Ok(result),
        ResultPath::Discard => Ok(raw),
        ResultPath::At(path) => path.set(raw, result).map_err(Failure::runtime),
    }
}

fn resolve_seconds(s: &Seconds, input: &Value, ctx: &Value, field: &str) -> Result<u64, Failure> {
    match s {
        Seconds::Fixed(n) => Ok(*n),
        Seconds::Path(p) => p
            .select(input, ctx)
            .and_then(|v| v.as_u64())
            .ok_or_else(|| {
                Failure::runtime(format!(
                    "The {field} path '{p}' does not point to a non-negative integer"
                ))
            }),
    }
}

impl Executor {
    pub fn new(machine: Arc<StateMachine>, handler: Arc<dyn TaskHandler>) -> Self {
        Executor {
            machine,
            handler,
            region: Arc::from("local"),
            derived_arn: std::sync::OnceLock::new(),
        }
    }

    fn state_machine_arn_for(&self, execution_arn: &str) -> Arc<str> {
        let cached = self
            .derived_arn
            .get_or_init(|| derive_state_machine_arn(execution_arn).into());
        let same = match state_machine_arn_parts(execution_arn) {
            Some((prefix, machine)) => cached
                .strip_prefix(prefix)
                .and_then(|r| r.strip_prefix(":stateMachine:"))
                .is_some_and(|m| m == machine),
            None => cached.is_empty(),
        };
        if same {
            cached.clone()
        } else {
            derive_state_machine_arn(execution_arn).into()
        }
    }

    /// The region reported in TaskScheduled events.
    pub fn with_region(mut self, region: &str) -> Self {
        self.region = Arc::from(region);
        self
    }

    pub fn machine(&self) -> &Arc<StateMachine> {
        &self.machine
    }

    pub async fn run(&self, spec: ExecutionSpec) -> ExecutionResult {
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
            input: Value::Null,
            start_wall: Utc::now(),
            start: Instant::now(),
            recorder,
            path: Mutex::new(Vec::new()),
        };
        let mut input = spec.input;
        if self.machine.keeps_input {
            ex.input = input.clone();
        }
        let ex = ex;
        let top = &self.machine.top;
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
                        role_arn: None,
                    });
                    e
                });
                (Ok(top.start), std::mem::take(&mut input))
            }
        };

        enum End {
            Done(Result<Value, Failure>),
            TimedOut,
            Aborted,
        }
        let end = match start {
            Err(f) => End::Done(Err(f)),
            Ok(start) => {
                let body = self.run_set(&scope, top, start, input);
                let timed = async {
                    match self.machine.timeout {
                        Some(d) => match tokio::time::timeout(d, body).await {
                            Ok(r) => End::Done(r),
                            Err(_) => End::TimedOut,
                        },
                        None => End::Done(body.await),
                    }
                };
                match &spec.abort {
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
        };

        let (status, output, error, cause) = match end {
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
                scope.emit(|| {
                    let mut e = HistoryEvent::new(EventType::ExecutionFailed);
                    e.execution_failed_event_details = Some(ErrorEventDetails {
                        error: Some(f.error.clone()),
                        cause: Some(f.cause.clone()),
                    });
                    e
                });
                (ExecutionStatus::Failed, None, Some(f.error), Some(f.cause))
            }
            End::TimedOut => {
                let cause = format!(
                    "The execution ran longer than its TimeoutSeconds ({} s)",
                    self.machine
                        .timeout
                        .map(|d| d.as_secs())
                        .unwrap_or_default()
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
                let reason = spec
                    .abort
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
        };
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

    fn run_set<'a>(
        &'a self,
        sc: &'a Scope<'a>,
        set: &'a StateSet,
        start: usize,
        input: Value,
    ) -> Boxed<'a, Result<Value, Failure>> {
        Box::pin(async move {
            let mut cur = start;
            let mut input = input;
            loop {
                let st = &set.states[cur];
                let (out, next) = self.run_state(sc, st, input).await?;
                match next {
                    Some(n) => {
                        cur = n;
                        input = out;
                    }
                    None => return Ok(out),
                }
            }
        })
    }

    fn context(&self, sc: &Scope<'_>, st: &State, entered: DateTime<Utc>, retry: u32) -> Value {
        let ex = sc.ex;
        json!({
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
        })
    }

    /// Runs one state; returns its output and the next state (None: the set ends).
    async fn run_state(
        &self,
        sc: &Scope<'_>,
        st: &State,
        raw: Value,
    ) -> Result<(Value, Option<usize>), Failure> {
        if sc.top {
            sc.ex.path.lock().expect("path lock").push(st.name.clone());
        }
        let entered = if st.needs_context {
            sc.ex.now()
        } else {
            DateTime::<Utc>::UNIX_EPOCH
        };
        sc.emit(|| {
            let mut e = HistoryEvent::new(entered_type(&st.kind));
            e.state_entered_event_details = Some(StateEnteredEventDetails {
                name: st.name.to_string(),
                input: Some(raw.to_string()),
                input_details: no_data(),
            });
            e
        });
        let null = Value::Null;
        let ctx_owned;
        let ctx = if st.needs_context {
            ctx_owned = self.context(sc, st, entered, 0);
            &ctx_owned
        } else {
            &null
        };

        let (out, next) = match &st.kind {
            Kind::Fail { error, cause } => {
                let text = |t: &Text| -> Result<Option<String>, Failure> {
                    Ok(match t {
                        Text::None => None,
                        Text::Literal(s) => Some(s.clone()),
                        Text::Path(p) => Some(
                            p.select(&raw, ctx)
                                .and_then(|v| v.as_str().map(str::to_owned))
                                .ok_or_else(|| {
                                    Failure::runtime(format!(
                                        "The path '{p}' does not point to a string"
                                    ))
                                })?,
                        ),
                        Text::Intrinsic(i) => Some(match i.eval(&raw, ctx)? {
                            Value::String(s) => s,
                            other => other.to_string(),
                        }),
                    })
                };
                let error = text(error)?.unwrap_or_default();
                let cause = text(cause)?.unwrap_or_default();
                return Err(Failure { error, cause });
            }
            Kind::Succeed => {
                let eff = apply_io(&st.input_path, raw, ctx, "InputPath")?;
                (apply_io(&st.output_path, eff, ctx, "OutputPath")?, None)
            }
            Kind::Choice { choices, default } => {
                let eff = apply_io(&st.input_path, raw, ctx, "InputPath")?;
                let mut next = None;
                for (rule, n) in choices {
                    if rule.eval(&eff, ctx)? {
                        next = Some(*n);
                        break;
                    }
                }
                let next = next.or(*default).ok_or_else(|| {
                    Failure::new(
                        names::NO_CHOICE_MATCHED,
                        format!(
                            "No Choice Rule matched in state '{}' and no Default was given",
                            st.name
                        ),
                    )
                })?;
                (
                    apply_io(&st.output_path, eff, ctx, "OutputPath")?,
                    Some(next),
                )
            }
            Kind::Wait(w) => {
                let eff = apply_io(&st.input_path, raw, ctx, "InputPath")?;
                let d = match w {
                    WaitFor::Seconds(s) => {
                        Duration::from_secs(resolve_seconds(s, &eff, ctx, "SecondsPath")?)
                    }
                    WaitFor::Timestamp(t) => until(sc.ex.now(), t.with_timezone(&Utc)),
                    WaitFor::TimestampPath(p) => {
                        let t = p
                            .select(&eff, ctx)
                            .and_then(|v| v.as_str().and_then(parse_timestamp))
                            .ok_or_else(|| {
                                Failure::runtime(format!(
                                    "The TimestampPath '{p}' does not point to a timestamp"
                                ))
                            })?;
                        until(sc.ex.now(), t.with_timezone(&Utc))
                    }
                };
                if !d.is_zero() {
                    tokio::time::sleep(d).await;
                }
                (apply_io(&st.output_path, eff, ctx, "OutputPath")?, st.next)
            }
            Kind::Pass { result } => {
                let out = match (result, &st.parameters, &st.result_path) {
                    (Some(r), _, rp) => apply_result_path(rp, raw, r.clone())?,
                    (None, Some(t), rp) => {
                        let eff = select_io(&st.input_path, &raw, ctx, "InputPath")?;
                        let r = t.eval(&eff, ctx)?;
                        drop(eff);
                        apply_result_path(rp, raw, r)?
                    }
                    (None, None, ResultPath::Replace) => {
                        apply_io(&st.input_path, raw, ctx, "InputPath")?
                    }
                    (None, None, rp) => {
                        let r = select_io(&st.input_path, &raw, ctx, "InputPath")?.into_owned();
                        apply_result_path(rp, raw, r)?
                    }
                };
                (apply_io(&st.output_path, out, ctx, "OutputPath")?, st.next)
            }
            Kind::Task { .. } | Kind::Parallel { .. } | Kind::Map { .. } => {
                match self.run_with_retry(sc, st, &raw, entered).await {
                    Ok(result) => {
                        let result = match &st.result_selector {
                            Some(t) => t.eval(&result, ctx)?,
                            None => result,
                        };
                        let out = apply_result_path(&st.result_path, raw, result)?;
                        (apply_io(&st.output_path, out, ctx, "OutputPath")?, st.next)
                    }
                    Err(f) => {
                        let Some(c) = st
                            .catch
                            .iter()
                            .find(|c| retry::matches(&c.error_equals, &f.error))
                        else {
                            return Err(f);
                        };
                        let err = json!({"Error": f.error, "Cause": f.cause});
                        let out = apply_result_path(&c.result_path, raw, err)?;
                        return Ok((out, Some(c.next)));
                    }
                }
            }
        };
        sc.emit(|| {
            let mut e = HistoryEvent::new(exited_type(&st.kind));
            e.state_exited_event_details = Some(StateExitedEventDetails {
                name: st.name.to_string(),
                output: Some(out.to_string()),
                output_details: no_data(),
            });
            e
        });
        Ok((out, next))
    }

    /// Runs the work of a Task, Parallel or Map state, retrying as its Retry says.
    async fn run_with_retry(
        &self,
        sc: &Scope<'_>,
        st: &State,
        raw: &Value,
        entered: DateTime<Utc>,
    ) -> Result<Value, Failure> {
        let mut counts = [0u32; 8];
        let mut counts_vec = Vec::new();
        let counts: &mut [u32] = if st.retry.len() <= counts.len() {
            &mut counts[..st.retry.len()]
        } else {
            counts_vec.resize(st.retry.len(), 0);
            &mut counts_vec
        };
        let mut retries = 0u32;
        loop {
            let ctx = if st.needs_context {
                self.context(sc, st, entered, retries)
            } else {
                Value::Null
            };
            let eff = select_io(&st.input_path, raw, &ctx, "InputPath")?;
            let eff = match &st.parameters {
                Some(t) => t.eval(&eff, &ctx)?,
                None => eff.into_owned(),
            };
            let r = match &st.kind {
                Kind::Task { .. } => self.attempt_task(sc, st, eff, &ctx, retries).await,
                Kind::Parallel { branches } => self.attempt_parallel(sc, branches, eff).await,
                Kind::Map { .. } => self.attempt_map(sc, st, eff, &ctx).await,
                _ => unreachable!("only work states retry"),
            };
            let f = match r {
                Ok(v) => return Ok(v),
                Err(f) => f,
            };
            let Some(i) = st
                .retry
                .iter()
                .position(|r| retry::matches(&r.error_equals, &f.error))
            else {
                return Err(f);
            };
            let r = &st.retry[i];
            if counts[i] >= r.max_attempts {
                return Err(f);
            }
            let delay = r.delay(counts[i]);
            counts[i] += 1;
            retries += 1;
            tokio::time::sleep(delay).await;
        }
    }

    async fn attempt_task(
        &self,
        sc: &Scope<'_>,
        st: &State,
        params: Value,
        ctx: &Value,
        retries: u32,
    ) -> Result<Value, Failure> {
        let Kind::Task {
            resource,
            resource_type,
            resource_name,
            timeout,
            heartbeat,
        } = &st.kind
        else {
            unreachable!("a Task state")
        };
        let timeout = match timeout {
            Some(t) => Some(Duration::from_secs(resolve_seconds(
                t,
                &params,
                ctx,
                "TimeoutSecondsPath",
            )?)),
            None => None,
        };
        sc.emit(|| {
            let mut e = HistoryEvent::new(EventType::TaskScheduled);
            e.task_scheduled_event_details = Some(TaskScheduledEventDetails {
                resource_type: resource_type.to_string(),
                resource: resource_name.to_string(),
                region: self.region.to_string(),
                parameters: params.to_string(),
                timeout_in_seconds: timeout.map(|d| d.as_secs()),
                heartbeat_in_seconds: *heartbeat,
            });
            e
        });
        sc.emit(|| {
            let mut e = HistoryEvent::new(EventType::TaskStarted);
            e.task_started_event_details = Some(TaskStartedEventDetails {
                resource_type: resource_type.to_string(),
                resource: resource_name.to_string(),
            });
            e
        });
        let tctx = TaskContext {
            execution_name: sc.ex.name.clone(),
            execution_arn: sc.ex.arn.clone(),
            state_machine_arn: sc.ex.sm_arn.clone(),
            state_name: st.name.clone(),
            retry_count: retries,
            timeout,
        };
        // A handler that panics fails its task, like a crashed function, instead of taking the
        // whole execution (and whoever awaits it) down.
        let call = std::panic::AssertUnwindSafe(self.handler.invoke(resource, params, &tctx))
            .catch_unwind()
            .map(|r| {
                r.unwrap_or_else(|panic| {
                    let msg = panic
                        .downcast_ref::<&str>()
                        .map(|s| s.to_string())
                        .or_else(|| panic.downcast_ref::<String>().cloned())
                        .unwrap_or_else(|| "the task handler panicked".to_owned());
                    Err(TaskError::new(names::TASK_FAILED, msg))
                })
            });
        let r = match timeout {
            Some(d) => match tokio::time::timeout(d, call).await {
                Ok(r) => r.map_err(Failure::from),
                Err(_) => Err(Failure::new(
                    names::TIMEOUT,
                    format!("The task did not finish within {} seconds", d.as_secs()),
                )),
            },
            None => call.await.map_err(Failure::from),
        };
        match &r {
            Ok(out) => {
                sc.emit(|| {
                    let mut e = HistoryEvent::new(EventType::TaskSucceeded);
                    e.task_succeeded_event_details = Some(TaskSucceededEventDetails {
                        resource_type: resource_type.to_string(),
                        resource: resource_name.to_string(),
                        output: Some(out.to_string()),
                        output_details: no_data(),
                    });
                    e
                });
            }
            Err(f) => {
                sc.emit(|| {
                    let timed_out = f.error == names::TIMEOUT;
                    let mut e = HistoryEvent::new(if timed_out {
                        EventType::TaskTimedOut
                    } else {
                        EventType::TaskFailed
                    });
                    let d = Some(TaskFailedEventDetails {
                        resource_type: resource_type.to_string(),
                        resource: resource_name.to_string(),
                        error: Some(f.error.clone()),
                        cause: Some(f.cause.clone()),
                    });
                    if timed_out {
                        e.task_timed_out_event_details = d;
                    } else {
                        e.task_failed_event_details = d;
                    }
                    e
                });
            }
        }
        r
    }

    async fn attempt_parallel(
        &self,
        sc: &Scope<'_>,
        branches: &[StateSet],
        input: Value,
    ) -> Result<Value, Failure> {
        let started = sc.emit(|| HistoryEvent::new(EventType::ParallelStateStarted));
        let runs = branches.iter().map(|b| {
            let input = input.clone();
            async move {
                let bs = Scope {
                    ex: sc.ex,
                    last: AtomicU64::new(started),
                    top: false,
                };
                self.run_set(&bs, b, b.start, input).await
            }
        });
        let r = futures_util::future::try_join_all(runs).await;
        match r {
            Ok(outs) => {
                sc.emit(|| HistoryEvent::new(EventType::ParallelStateSucceeded));
                Ok(Value::Array(outs))
            }
            Err(f) => {
                sc.emit(|| HistoryEvent::new(EventType::ParallelStateFailed));
                Err(f)
            }
        }
    }

    async fn attempt_map(
        &self,
        sc: &Scope<'_>,
        st: &State,
        input: Value,
        ctx: &Value,
    ) -> Result<Value, Failure> {
        let Kind::Map {
            items_path,
            item_selector,
            max_concurrency,
            processor,
        } = &st.kind
        else {
            unreachable!("a Map state")
        };
        let items = match items_path {
            Some(p) => p.select(&input, ctx).map(|c| c.into_owned()),
            None => Some(input.clone()),
        };
        let items = match items {
            Some(Value::Array(a)) => a,
            _ => {
                return Err(Failure::runtime(format!(
                    "Map state '{}': the ItemsPath '{}' does not point to an array",
                    st.name,
                    items_path.as_ref().map(|p| p.as_str()).unwrap_or("$")
                )))
            }
        };
        let limit = match max_concurrency {
            Some(m) => resolve_seconds(m, &input, ctx, "MaxConcurrencyPath")? as usize,
            None => 0,
        };
        let limit = if limit == 0 {
            items.len().max(1)
        } else {
            limit
        };
        let started = sc.emit(|| {
            let mut e = HistoryEvent::new(EventType::MapStateStarted);
            e.map_state_started_event_details = Some(MapStateStartedEventDetails {
                length: items.len(),
            });
            e
        });
        let mut item_inputs = Vec::with_capacity(items.len());
        for (i, item) in items.into_iter().enumerate() {
            item_inputs.push(match item_selector {
                Some(t) if st.needs_context => {
                    let mut c = ctx.clone();
                    c["Map"] = json!({"Item": {"Index": i, "Value": item}});
                    t.eval(&input, &c)?
                }
                Some(t) => t.eval(&input, &Value::Null)?,
                None => item,
            });
        }
        let name = &st.name;
        let item_inputs_len = item_inputs.len();
        let runs = item_inputs
            .into_iter()
            .enumerate()
            .map(|(i, item)| async move {
                let it = Scope {
                    ex: sc.ex,
                    last: AtomicU64::new(started),
                    top: false,
                };
                let iter_ev = |t: EventType| {
                    let mut e = HistoryEvent::new(t);
                    let d = Some(MapIterationEventDetails {
                        name: name.to_string(),
                        index: i,
                    });
                    match t {
                        EventType::MapIterationStarted => e.map_iteration_started_event_details = d,
                        EventType::MapIterationSucceeded => {
                            e.map_iteration_succeeded_event_details = d
                        }
                        _ => e.map_iteration_failed_event_details = d,
                    }
                    e
                };
                it.emit(|| iter_ev(EventType::MapIterationStarted));
                let r = self.run_set(&it, processor, processor.start, item).await;
                it.emit(|| {
                    iter_ev(if r.is_ok() {
                        EventType::MapIterationSucceeded
                    } else {
                        EventType::MapIterationFailed
                    })
                });
                (i, r)
            });
        // Unordered, so that one slow iteration does not hold back the free slots.
        let n = item_inputs_len;
        let mut done = futures_util::stream::iter(runs).buffer_unordered(limit);
        let mut outs = vec![Value::Null; n];
        let mut r = Ok(());
        while let Some((i, out)) = done.next().await {
            match out {
                Ok(v) => outs[i] = v,
                Err(f) => {
                    r = Err(f);
                    break;
                }
            }
        }
        drop(done);
        match r {
            Ok(()) => {
                sc.emit(|| HistoryEvent::new(EventType::MapStateSucceeded));
                Ok(Value::Array(outs))
            }
            Err(f) => {
                sc.emit(|| HistoryEvent::new(EventType::MapStateFailed));
                Err(f)
            }
        }
    }
}

fn until(now: DateTime<Utc>, t: DateTime<Utc>) -> Duration {
    (t - now).to_std().unwrap_or(Duration::ZERO)
}

/// The parts of `arn:aws:states:R:A:execution:Machine:Name` that make the state machine ARN
/// `arn:aws:states:R:A:stateMachine:Machine`: (`arn:aws:states:R:A`, `Machine`).
fn state_machine_arn_parts(execution_arn: &str) -> Option<(&str, &str)> {
    let mut colons = [0usize; 7];
    let mut n = 0;
    for (i, _) in execution_arn.match_indices(':').take(7) {
        colons[n] = i;
        n += 1;
    }
    if n < 7 || !execution_arn.starts_with("arn:") {
        return None;
    }
    let kind = &execution_arn[colons[4] + 1..colons[5]];
    if kind != "execution" && kind != "express" {
        return None;
    }
    Some((
        &execution_arn[..colons[4]],
        &execution_arn[colons[5] + 1..colons[6]],
    ))
}

fn derive_state_machine_arn(execution_arn: &str) -> String {
    state_machine_arn_parts(execution_arn)
        .map(|(prefix, machine)| format!("{prefix}:stateMachine:{machine}"))
        .unwrap_or_default()
}

fn state_machine_name(arn: &str) -> &str {
    arn.rsplit(':').next().unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_machine_arn_from_execution_arn() {
        assert_eq!(
            derive_state_machine_arn("arn:aws:states:eu-west-1:123:execution:jobs:job-1"),
            "arn:aws:states:eu-west-1:123:stateMachine:jobs"
        );
        assert_eq!(
            derive_state_machine_arn("arn:aws:states:eu-west-1:123:express:jobs:job-1:run"),
            "arn:aws:states:eu-west-1:123:stateMachine:jobs"
        );
        assert_eq!(derive_state_machine_arn("exec-1"), "");
        assert_eq!(
            derive_state_machine_arn("arn:aws:states:r:1:other:jobs:x"),
            ""
        );
    }
}
