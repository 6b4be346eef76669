//! Starting, recording and re-driving executions.
//!
//! An execution is recorded (RUNNING, with its input) before it runs, its
//! history events are written as they happen, and its ending is written when
//! it ends. A process that stops in between leaves the execution RUNNING in
//! SQLite; at the next start [`Runtime::recover`] resumes it from the last
//! state it entered (the tasks are safe to run twice), so none stays stuck.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use jobs_asl::{
    EventType, ExecutionSpec, Executor, HistoryEvent, HistorySink, ObjectSource, Resume,
    ResumedWait, TaskHandler,
};
use jobs_domain::ports::{Clock, StartError, StoreError, WorkflowInput, WorkflowStarter};
use jobs_domain::sweep::{Decision, Sweeper};
use serde_json::Value;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::{error, info, Instrument};

use crate::runtime::callbacks::StackCallbacks;
use crate::runtime::workflow::{Workflow, ACCOUNT};
use crate::store::{
    Ending, ExecutionRecord, ExecutionStatus, ExecutionStore, OpenToken, SqliteJobStore, TokenStore,
};

/// The local stand-in for the workflow's IAM role, in the account every local ARN carries.
pub const WORKFLOW_ROLE_ARN: &str = "arn:aws:iam::000000000000:role/jobs-local-workflow";

pub(crate) const STATE_MACHINE_NAME: &str = "jobs-workflow";

#[derive(Clone)]
pub struct Runtime {
    inner: Arc<Inner>,
}

struct Inner {
    /// The definition new executions run.
    current: Arc<Loaded>,
    /// Definitions that executions recorded by an earlier start ran, loaded
    /// when one of them is resumed.
    earlier: Mutex<HashMap<String, Arc<Loaded>>>,
    handler: Arc<dyn TaskHandler>,
    /// Where a distributed Map's ItemReader reads objects (`--s3-dir`), for every definition.
    objects: Option<Arc<dyn ObjectSource>>,
    /// The tokens of waiting callback tasks, which `/local/tasks/*` complete.
    callbacks: Arc<StackCallbacks>,
    tokens: TokenStore,
    executions: ExecutionStore,
    clock: Arc<dyn Clock>,
    region: String,
    tasks: TaskTracker,
    stopping: CancellationToken,
}

struct Loaded {
    workflow: Workflow,
    executor: Executor,
}

impl Loaded {
    fn new(
        workflow: Workflow,
        handler: Arc<dyn TaskHandler>,
        callbacks: Arc<StackCallbacks>,
        objects: Option<Arc<dyn ObjectSource>>,
        region: &str,
    ) -> Arc<Self> {
        let mut executor = Executor::new(workflow.machine.clone(), handler)
            .with_region(region)
            .with_callbacks(callbacks);
        if let Some(objects) = objects {
            executor = executor.with_objects(objects);
        }
        Arc::new(Self { workflow, executor })
    }
}

/// Persists each history event of one execution as the interpreter records it.
struct Sink {
    store: ExecutionStore,
    seq: i64,
}

impl HistorySink for Sink {
    fn record(&self, execution: &str, event: &HistoryEvent) {
        if let Err(e) = self.store.append_event(self.seq, event) {
            error!(execution, error = %e, "a history event could not be serialized");
        }
    }
}

/// What recovery found and did at start.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Recovery {
    pub executions_resumed: usize,
    pub jobs_started: usize,
    /// Jobs re-driven as often as allowed, now `Failure` with `ExecutionLost`.
    pub jobs_lost: usize,
}

impl Runtime {
    /// A runtime whose new executions run `workflow`, a distributed Map reading its items
    /// from `objects` when given. Call [`Runtime::record_definition`] before the first start.
    pub fn new(
        handler: Arc<dyn TaskHandler>,
        executions: ExecutionStore,
        clock: Arc<dyn Clock>,
        region: &str,
        workflow: Workflow,
        objects: Option<Arc<dyn ObjectSource>>,
    ) -> Self {
        let tokens = TokenStore::new(executions.db().clone());
        let stopping = CancellationToken::new();
        let callbacks = Arc::new(StackCallbacks::new(
            tokens.clone(),
            clock.clone(),
            stopping.clone(),
        ));
        Self {
            inner: Arc::new(Inner {
                current: Loaded::new(
                    workflow,
                    handler.clone(),
                    callbacks.clone(),
                    objects.clone(),
                    region,
                ),
                callbacks,
                objects,
                tokens,
                earlier: Mutex::new(HashMap::new()),
                handler,
                executions,
                clock,
                region: region.to_owned(),
                tasks: TaskTracker::new(),
                stopping,
            }),
        }
    }

    /// Where waiting callback tasks' tokens are completed.
    pub fn callbacks(&self) -> &Arc<StackCallbacks> {
        &self.inner.callbacks
    }

    /// The definition new executions run.
    pub fn workflow(&self) -> &Workflow {
        &self.inner.current.workflow
    }

    /// Keeps the current definition's text in the store, where each
    /// execution's `definition` hash finds it.
    pub async fn record_definition(&self) -> Result<(), StoreError> {
        let w = &self.inner.current.workflow;
        self.inner
            .executions
            .save_definition(&w.hash, &w.text)
            .await
    }

    /// The definition an execution ran: the one it recorded, or the current
    /// one for executions recorded before definitions were kept.
    async fn loaded_for(&self, record: &ExecutionRecord) -> Result<Arc<Loaded>, String> {
        let current = &self.inner.current;
        let Some(hash) = record
            .definition
            .as_deref()
            .filter(|h| *h != current.workflow.hash)
        else {
            return Ok(current.clone());
        };
        if let Some(found) = self
            .inner
            .earlier
            .lock()
            .expect("definitions lock")
            .get(hash)
        {
            return Ok(found.clone());
        }
        let text = self
            .inner
            .executions
            .definition(hash)
            .await
            .map_err(|e| e.to_string())?
            .ok_or_else(|| format!("its definition {hash} is not in the store"))?;
        let workflow = Workflow::from_text(text)?;
        let loaded = Loaded::new(
            workflow,
            self.inner.handler.clone(),
            self.inner.callbacks.clone(),
            self.inner.objects.clone(),
            &self.inner.region,
        );
        self.inner
            .earlier
            .lock()
            .expect("definitions lock")
            .insert(hash.to_owned(), loaded.clone());
        Ok(loaded)
    }

    pub fn state_machine_arn(&self) -> String {
        format!(
            "arn:aws:states:{}:{ACCOUNT}:stateMachine:{STATE_MACHINE_NAME}",
            self.inner.region
        )
    }

    pub fn execution_arn(&self, name: &str) -> String {
        format!(
            "arn:aws:states:{}:{ACCOUNT}:execution:{STATE_MACHINE_NAME}:{name}",
            self.inner.region
        )
    }

    /// Executions running now.
    pub fn in_flight(&self) -> usize {
        self.inner.tasks.len()
    }

    /// Resumes executions a stop left RUNNING, and starts the ones a stop
    /// kept from ever being recorded (jobs still `Queued` with none). Each is
    /// a re-drive of its job, decided by the same sweep use case as on AWS:
    /// a job re-driven as often as allowed is given up instead.
    pub async fn recover(
        &self,
        jobs: &SqliteJobStore,
        sweeper: &Sweeper,
    ) -> Result<Recovery, StoreError> {
        let mut recovery = Recovery::default();
        for record in self.inner.executions.running().await? {
            if let Decision::GaveUp(_) = sweeper.redrive_cut_off(&record.job_id).await? {
                self.end_lost(&record).await?;
                recovery.jobs_lost += 1;
                continue;
            }
            // A job already final is resumed too, so its execution ends.
            let loaded = match self.loaded_for(&record).await {
                Ok(loaded) => loaded,
                Err(why) => {
                    error!(job_id = %record.job_id, execution = %record.name, error = %why, "cannot resume an execution");
                    let ending = Ending {
                        status: ExecutionStatus::Failed,
                        at: self.inner.clock.now(),
                        output: None,
                        error: Some("States.Runtime".into()),
                        cause: Some(format!("The execution could not be resumed: {why}")),
                    };
                    self.inner.executions.finish(record.seq, ending).await?;
                    continue;
                }
            };
            let events = self.inner.executions.events(record.seq).await?;
            let start_at = loaded.workflow.start_at().to_owned();
            let mut resume = plan_resume(&events, &start_at, &record.input);
            if let Some(r) = resume.as_mut() {
                let open = self.inner.tokens.open_for(&record.arn).await?;
                r.wait = resumed_wait(&events, &r.state, &open, self.inner.clock.now());
            }
            self.inner.executions.begin_redrive(record.seq).await?;
            info!(
                job_id = %record.job_id,
                execution = %record.name,
                state = resume.as_ref().map(|r| r.state.as_str()).unwrap_or(start_at.as_str()),
                "resuming an execution cut off by a stop"
            );
            self.spawn(record, resume, loaded);
            recovery.executions_resumed += 1;
        }
        for job in jobs.queued_without_execution().await? {
            match sweeper.redrive_cut_off(&job.id).await? {
                Decision::Redrive { .. } => {}
                Decision::GaveUp(_) => {
                    recovery.jobs_lost += 1;
                    continue;
                }
                Decision::Left(_) => continue,
            }
            // Its first execution: named with the job id, as the API names it.
            let input = WorkflowInput::new(job.id, job.parameters.to_value());
            match self.start(&input).await {
                Ok(()) | Err(StartError::AlreadyStarted) => {
                    info!(job_id = %job.id, "started a queued job that had no execution");
                    recovery.jobs_started += 1;
                }
                Err(e) => error!(job_id = %job.id, error = %e, "could not start a queued job"),
            }
        }
        Ok(recovery)
    }

    /// Ends the record of an execution whose job was given up, so it is not
    /// resumed again at the next start.
    async fn end_lost(&self, record: &ExecutionRecord) -> Result<(), StoreError> {
        let ending = Ending {
            status: ExecutionStatus::Aborted,
            at: self.inner.clock.now(),
            output: None,
            error: Some(jobs_domain::sweep::EXECUTION_LOST.into()),
            cause: Some("cut off by a stop more often than the sweep re-drives a job".into()),
        };
        self.inner.executions.finish(record.seq, ending).await?;
        info!(job_id = %record.job_id, execution = %record.name, "execution ended: its job was given up");
        Ok(())
    }

    fn spawn(&self, record: ExecutionRecord, resume: Option<Resume>, loaded: Arc<Loaded>) {
        let inner = self.inner.clone();
        let span =
            tracing::info_span!("execution", job_id = %record.job_id, execution = %record.name);
        let sm_arn = self.state_machine_arn();
        self.inner.tasks.spawn(
            async move {
                let mut spec = ExecutionSpec::new(&record.name, &record.arn, record.input.clone())
                    .with_sink(Arc::new(Sink {
                        store: inner.executions.clone(),
                        seq: record.seq,
                    }));
                spec.state_machine_arn = Some(sm_arn);
                // The role the deployed state machine runs as, for $$.Execution.RoleArn and
                // the started event; nothing here assumes it.
                spec = spec.with_role_arn(WORKFLOW_ROLE_ARN);
                if let Some(resume) = resume {
                    spec = spec.with_resume(resume);
                }
                let result = tokio::select! {
                    // Stopping leaves the execution RUNNING, as a crash would,
                    // so the next start resumes it.
                    _ = inner.stopping.cancelled() => return,
                    result = loaded.executor.run(spec) => result,
                };
                let ending = Ending {
                    status: result.status,
                    at: result.stop_date,
                    output: result.output,
                    error: result.error.clone(),
                    cause: result.cause,
                };
                let status = ending.status;
                match inner.executions.finish(record.seq, ending).await {
                    Ok(()) => info!(
                        job_id = %record.job_id,
                        status = status.as_str(),
                        error = result.error.as_deref().unwrap_or(""),
                        "execution ended"
                    ),
                    Err(e) => error!(job_id = %record.job_id, error = %e, "the execution's ending could not be recorded"),
                }
            }
            .instrument(span),
        );
    }

    /// Stops running executions without recording an ending (they are
    /// resumed at the next start) and waits for their tasks to let go.
    pub async fn stop(&self) {
        self.inner.stopping.cancel();
        self.inner.tasks.close();
        self.inner.tasks.wait().await;
    }

    /// Waits until no execution is running (for tests and benchmarks).
    pub async fn idle(&self) {
        while !self.inner.tasks.is_empty() {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }
}

/// A name-based UUID (version 5) of the replay and the job.
pub(crate) fn replay_execution_name(replay: &str, job: &jobs_domain::JobId) -> String {
    const NAMESPACE: uuid::Uuid = uuid::uuid!("1bb4d675-cb1d-4283-afd3-e1bfa38a4073");
    uuid::Uuid::new_v5(&NAMESPACE, format!("{replay}/{job}").as_bytes()).to_string()
}

/// Where to pick an execution up: the last top-level state it entered, with
/// the input it entered with; or its first state if it entered none.
fn plan_resume(events: &[HistoryEvent], start_at: &str, input: &Value) -> Option<Resume> {
    let last_id = events.iter().map(|e| e.id).max()?;
    let entered = events.iter().rev().find_map(|e| {
        if !entered_a_state(e.event_type) {
            return None;
        }
        let details = e.state_entered_event_details.as_ref()?;
        let input: Value = serde_json::from_str(details.input.as_deref()?).ok()?;
        Some((details.name.clone(), input))
    });
    let (state, input) = entered.unwrap_or_else(|| (start_at.to_owned(), input.clone()));
    Some(Resume {
        state,
        input,
        after_event_id: last_id,
        wait: None,
    })
}

/// The wait to pick up when the state resumed is a callback task whose call returned
/// (TaskSubmitted, and nothing after it) and whose token is still open. A task cut off before
/// its call returned runs again, with a new token.
fn resumed_wait(
    events: &[HistoryEvent],
    state: &str,
    open: &[OpenToken],
    now: chrono::DateTime<chrono::Utc>,
) -> Option<ResumedWait> {
    let entered = events.iter().rposition(|e| entered_a_state(e.event_type))?;
    let tail = &events[entered + 1..];
    let scheduled = tail
        .iter()
        .rfind(|e| e.event_type == EventType::TaskScheduled)?;
    if tail.last()?.event_type != EventType::TaskSubmitted {
        return None;
    }
    // The newest token this state opened: a retried task opens one per attempt.
    let token = open.iter().rfind(|t| t.state == state)?;
    Some(ResumedWait {
        token: token.token.clone(),
        elapsed: (now - scheduled.timestamp).to_std().unwrap_or_default(),
    })
}

/// The events that open a state, whose input the state starts again with.
fn entered_a_state(event: EventType) -> bool {
    use EventType::*;
    matches!(
        event,
        PassStateEntered
            | TaskStateEntered
            | ChoiceStateEntered
            | WaitStateEntered
            | SucceedStateEntered
            | FailStateEntered
            | ParallelStateEntered
            | MapStateEntered
    )
}

#[async_trait]
impl WorkflowStarter for Runtime {
    /// API starts are named with the job id (so a second start for the same
    /// job is refused). Replay starts carry the job id in their input, as with
    /// StartExecution from an EventBridge rule, and a name made from the
    /// replay and the job: a replay resumed after a stop then cannot start a
    /// job twice.
    async fn start(&self, input: &WorkflowInput) -> Result<(), StartError> {
        let name = match &input.replay {
            None => input.execution_name(),
            Some(replay) => replay_execution_name(&replay.name, &input.id),
        };
        let mut record = ExecutionRecord {
            seq: 0,
            arn: self.execution_arn(&name),
            name,
            job_id: input.id,
            status: ExecutionStatus::Running,
            start_date: self.inner.clock.now(),
            stop_date: None,
            input: serde_json::to_value(input).map_err(|e| StartError::Refused(e.to_string()))?,
            output: None,
            error: None,
            cause: None,
            replay_name: input.replay.as_ref().map(|r| r.name.clone()),
            definition: Some(self.inner.current.workflow.hash.clone()),
        };
        if self.inner.stopping.is_cancelled() {
            return Err(StartError::Unavailable(
                "the local stack is stopping".into(),
            ));
        }
        match self.inner.executions.insert(&record).await {
            Ok(Some(seq)) => record.seq = seq,
            Ok(None) => return Err(StartError::AlreadyStarted),
            Err(StoreError::Unavailable(m)) => return Err(StartError::Unavailable(m)),
            Err(e) => return Err(StartError::Refused(e.to_string())),
        }
        self.spawn(record, None, self.inner.current.clone());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jobs_asl::history::StateEnteredEventDetails;
    use serde_json::json;

    #[test]
    fn resume_picks_the_last_state_entered_with_its_input() {
        let input = json!({"id": "x", "parameters": {"n": 1}});
        let failure_input = json!({"id": "x", "parameters": {"n": 1}, "processorError": {"Error": "E", "Cause": ""}});
        let event = |id, event_type, details: Option<(&str, &Value)>| HistoryEvent {
            id,
            state_entered_event_details: details.map(|(name, input)| StateEnteredEventDetails {
                name: name.into(),
                input: Some(input.to_string()),
                input_details: None,
            }),
            ..HistoryEvent::new(event_type)
        };
        let events = vec![
            event(1, EventType::ExecutionStarted, None),
            event(2, EventType::TaskStateEntered, Some(("ProcessJob", &input))),
            event(3, EventType::TaskFailed, None),
            event(4, EventType::TaskStateExited, None),
            event(
                5,
                EventType::TaskStateEntered,
                Some(("RecordFailure", &failure_input)),
            ),
            event(6, EventType::TaskScheduled, None),
        ];
        let resume = plan_resume(&events, "ProcessJob", &input).unwrap();
        assert_eq!(resume.state, "RecordFailure");
        assert_eq!(resume.input, failure_input);
        assert_eq!(resume.after_event_id, 6);

        let only_started = plan_resume(&events[..1], "ProcessJob", &input).unwrap();
        assert_eq!(only_started.state, "ProcessJob");
        assert_eq!(only_started.input, input);
        assert_eq!(only_started.after_event_id, 1);

        assert!(plan_resume(&[], "ProcessJob", &input).is_none());
    }

    #[test]
    fn only_a_task_whose_call_returned_resumes_its_wait() {
        let t0 = chrono::Utc::now();
        let event = |id, event_type, secs| HistoryEvent {
            id,
            timestamp: t0 + chrono::Duration::seconds(secs),
            state_entered_event_details: (event_type == EventType::TaskStateEntered).then(|| {
                StateEnteredEventDetails {
                    name: "Approve".into(),
                    input: Some("{}".into()),
                    input_details: None,
                }
            }),
            ..HistoryEvent::new(event_type)
        };
        let open = vec![
            OpenToken {
                token: "old".into(),
                state: "Approve".into(),
            },
            OpenToken {
                token: "new".into(),
                state: "Approve".into(),
            },
        ];
        let mut events = vec![
            event(1, EventType::ExecutionStarted, 0),
            event(2, EventType::TaskStateEntered, 1),
            event(3, EventType::TaskScheduled, 2),
            event(4, EventType::TaskStarted, 2),
        ];
        let now = t0 + chrono::Duration::seconds(32);
        // Cut off during the call: it runs again.
        assert!(resumed_wait(&events, "Approve", &open, now).is_none());
        events.push(event(5, EventType::TaskSubmitted, 3));
        let w = resumed_wait(&events, "Approve", &open, now).unwrap();
        assert_eq!(w.token, "new");
        assert_eq!(w.elapsed, std::time::Duration::from_secs(30));
        // No open token (it ended, or another state's): nothing to wait on.
        assert!(resumed_wait(&events, "Approve", &open[..0], now).is_none());
        assert!(resumed_wait(&events, "Review", &open, now).is_none());
    }
}
