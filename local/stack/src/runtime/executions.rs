//! Starting, recording and re-driving executions.
//!
//! An execution is recorded (RUNNING, with its input) before it runs, its
//! history events are written as they happen, and its ending is written when
//! it ends. A process that stops in between leaves the execution RUNNING in
//! SQLite; at the next start [`Runtime::recover`] resumes it from the last
//! state it entered (the tasks are safe to run twice), so none stays stuck.

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;
use jobs_asl::{
    ExecutionSpec, Executor, HistoryEvent, HistorySink, Resume, StateMachine, TaskHandler,
};
use jobs_domain::ports::{Clock, StartError, StoreError, WorkflowInput, WorkflowStarter};
use jobs_domain::sweep::{Decision, Sweeper};
use serde_json::Value;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::{error, info, Instrument};

use crate::bus::BUS_NAME;
use crate::runtime::tasks::{ERROR_HANDLER_FUNCTION, PROCESSOR_FUNCTION};
use crate::store::{Ending, ExecutionRecord, ExecutionStatus, ExecutionStore, SqliteJobStore};

/// The workflow the deployed stack runs, and the local stack unless told otherwise.
pub const DEFINITION: &str = include_str!("../../../../statemachine/jobs.asl.json");
/// The account id every local ARN carries.
pub const ACCOUNT: &str = "000000000000";
pub const STATE_MACHINE_NAME: &str = "jobs-workflow";

/// The project's workflow definition with its `${...}` filled in for `region`.
pub fn load_machine(region: &str) -> StateMachine {
    load_definition(DEFINITION, region).expect("statemachine/jobs.asl.json is a valid definition")
}

/// A workflow definition (JSONPath or JSONata) with the project's `${...}` placeholders
/// filled in for `region`; the error says why it cannot run.
pub fn load_definition(definition: &str, region: &str) -> Result<StateMachine, String> {
    let function = |name: &str| format!("arn:aws:lambda:{region}:{ACCOUNT}:function:{name}");
    let vars: HashMap<String, String> = [
        ("ProcessorFunctionArn", function(PROCESSOR_FUNCTION)),
        ("ErrorHandlerFunctionArn", function(ERROR_HANDLER_FUNCTION)),
        ("FailedJobsEventBusName", BUS_NAME.to_owned()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    StateMachine::from_json(&jobs_asl::substitute(definition, &vars))
        .map_err(|e| format!("the workflow definition cannot run: {e}"))
}

/// The workflow's `TimeoutSeconds`: no execution runs longer. The sweep's
/// bound is derived from it, here as on AWS (where CDK reads the same file).
pub fn workflow_timeout() -> std::time::Duration {
    let v: Value = serde_json::from_str(DEFINITION).expect("the definition is JSON");
    let seconds = v["TimeoutSeconds"]
        .as_u64()
        .expect("statemachine/jobs.asl.json sets a whole TimeoutSeconds");
    std::time::Duration::from_secs(seconds)
}

#[derive(Clone)]
pub struct Runtime {
    inner: Arc<Inner>,
}

struct Inner {
    executor: Executor,
    executions: ExecutionStore,
    clock: Arc<dyn Clock>,
    region: String,
    start_at: String,
    tasks: TaskTracker,
    stopping: CancellationToken,
}

/// Persists each history event of one execution as the interpreter records it.
struct Sink {
    store: ExecutionStore,
    seq: i64,
}

impl HistorySink for Sink {
    fn record(&self, execution: &str, event: &HistoryEvent) {
        match serde_json::to_value(event) {
            Ok(value) => self.store.append_event(self.seq, event.id, value),
            Err(e) => error!(execution, error = %e, "a history event could not be serialized"),
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
    /// A runtime for `machine` (see [`load_definition`]).
    pub fn new(
        handler: Arc<dyn TaskHandler>,
        executions: ExecutionStore,
        clock: Arc<dyn Clock>,
        region: &str,
        machine: StateMachine,
    ) -> Self {
        let start_at = machine.start_at().to_owned();
        let machine = Arc::new(machine);
        Self {
            inner: Arc::new(Inner {
                executor: Executor::new(machine, handler).with_region(region),
                executions,
                clock,
                region: region.to_owned(),
                start_at,
                tasks: TaskTracker::new(),
                stopping: CancellationToken::new(),
            }),
        }
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
            let events = self.inner.executions.events(record.seq).await?;
            let resume = plan_resume(&events, &self.inner.start_at, &record.input);
            self.inner.executions.begin_redrive(record.seq).await?;
            info!(
                job_id = %record.job_id,
                execution = %record.name,
                state = resume.as_ref().map(|r| r.state.as_str()).unwrap_or(self.inner.start_at.as_str()),
                "resuming an execution cut off by a stop"
            );
            self.spawn(record, resume);
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

    fn spawn(&self, record: ExecutionRecord, resume: Option<Resume>) {
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
                if let Some(resume) = resume {
                    spec = spec.with_resume(resume);
                }
                let result = tokio::select! {
                    // Stopping leaves the execution RUNNING, as a crash would,
                    // so the next start resumes it.
                    _ = inner.stopping.cancelled() => return,
                    result = inner.executor.run(spec) => result,
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
pub fn replay_execution_name(replay: &str, job: &jobs_domain::JobId) -> String {
    const NAMESPACE: uuid::Uuid = uuid::uuid!("1bb4d675-cb1d-4283-afd3-e1bfa38a4073");
    uuid::Uuid::new_v5(&NAMESPACE, format!("{replay}/{job}").as_bytes()).to_string()
}

/// Where to pick an execution up: the last top-level state it entered, with
/// the input it entered with; or its first state if it entered none.
fn plan_resume(events: &[Value], start_at: &str, input: &Value) -> Option<Resume> {
    let last_id = events.iter().filter_map(|e| e["id"].as_u64()).max()?;
    let entered = events.iter().rev().find_map(|e| {
        let kind = e["type"].as_str()?;
        if !kind.ends_with("StateEntered") {
            return None;
        }
        let details = &e["stateEnteredEventDetails"];
        let name = details["name"].as_str()?;
        let input: Value = serde_json::from_str(details["input"].as_str()?).ok()?;
        Some((name.to_owned(), input))
    });
    let (state, input) = entered.unwrap_or_else(|| (start_at.to_owned(), input.clone()));
    Some(Resume {
        state,
        input,
        after_event_id: last_id,
    })
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
        self.spawn(record, None);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_definition_loads_with_local_arns() {
        let machine = load_machine("eu-west-1");
        assert_eq!(machine.start_at(), "ProcessJob");
        let jsonata = load_definition(
            include_str!("../../../../statemachine/jobs.jsonata.asl.json"),
            "eu-west-1",
        )
        .unwrap();
        assert_eq!(jsonata.start_at(), "ProcessJob");
        let e = load_definition(r#"{"StartAt": "A", "States": {}}"#, "eu-west-1").unwrap_err();
        assert!(e.starts_with("the workflow definition cannot run: "), "{e}");
    }

    #[test]
    fn resume_picks_the_last_state_entered_with_its_input() {
        let input = json!({"id": "x", "parameters": {"seconds": 1}});
        let failure_input = json!({"id": "x", "parameters": {"seconds": 1}, "processorError": {"Error": "E", "Cause": ""}});
        let events = vec![
            json!({"id": 1, "type": "ExecutionStarted"}),
            json!({"id": 2, "type": "TaskStateEntered", "stateEnteredEventDetails": {"name": "ProcessJob", "input": input.to_string()}}),
            json!({"id": 3, "type": "TaskFailed"}),
            json!({"id": 4, "type": "TaskStateExited", "stateExitedEventDetails": {"name": "ProcessJob"}}),
            json!({"id": 5, "type": "TaskStateEntered", "stateEnteredEventDetails": {"name": "RecordFailure", "input": failure_input.to_string()}}),
            json!({"id": 6, "type": "TaskScheduled"}),
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
}
