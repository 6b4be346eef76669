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
use jobs_asl::{ExecutionSpec, Executor, ObjectSource, Resume, TaskHandler};
use jobs_domain::ports::{Clock, StartError, StoreError, WorkflowInput, WorkflowStarter};
use jobs_domain::sweep::{Decision, Sweeper};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::{error, info, Instrument};

use crate::runtime::callbacks::StackCallbacks;
use crate::runtime::children::{Recorded, Sink, StackChildren};
use crate::runtime::resume::{plan_resume, resumed_map_run, resumed_wait};
use crate::runtime::workflow::{Workflow, ACCOUNT};
use crate::store::{
    Ending, ExecutionRecord, ExecutionStatus, ExecutionStore, SqliteJobStore, TokenStore,
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
    /// Where the executions running now, and their Map Runs' children, are recorded.
    recorded: Arc<Recorded>,
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
        recorded: Arc<Recorded>,
        objects: Option<Arc<dyn ObjectSource>>,
        region: &str,
    ) -> Arc<Self> {
        let children = StackChildren::new(recorded, &workflow.hash, &workflow.text);
        let mut executor = Executor::new(workflow.machine.clone(), handler)
            .with_region(region)
            .with_callbacks(callbacks)
            .with_children(Arc::new(children));
        if let Some(objects) = objects {
            executor = executor.with_objects(objects);
        }
        Arc::new(Self { workflow, executor })
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
        let recorded = Recorded::new(executions.clone(), tokens.clone(), clock.clone());
        Self {
            inner: Arc::new(Inner {
                current: Loaded::new(
                    workflow,
                    handler.clone(),
                    callbacks.clone(),
                    recorded.clone(),
                    objects.clone(),
                    region,
                ),
                callbacks,
                recorded,
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
            self.inner.recorded.clone(),
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
                    self.inner.recorded.abort_runs_of(record.seq, None).await;
                    continue;
                }
            };
            let events = self.inner.executions.events(record.seq).await?;
            let start_at = loaded.workflow.start_at().to_owned();
            let mut resume = plan_resume(&events, &loaded.workflow.json(), &record.input);
            if let Some(r) = resume.as_mut() {
                let open = self.inner.tokens.open_for(&record.arn).await?;
                r.wait = resumed_wait(&events, &r.state, &open, self.inner.clock.now());
                r.map_run_arn = resumed_map_run(&events);
            }
            // Its Map reruns the run it had started; any other run left RUNNING is over.
            let keep = resume.as_ref().and_then(|r| r.map_run_arn.clone());
            self.inner.recorded.abort_runs_of(record.seq, keep).await;
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
        self.inner.recorded.abort_runs_of(record.seq, None).await;
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
                inner.recorded.enter(&record);
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
                // Whatever it ended with, no child of its Map Runs runs on.
                inner.recorded.leave(&record.arn, record.seq).await;
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
            map_run: None,
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
