//! A distributed Map's child executions, recorded by the stack like any execution: RUNNING
//! with their input before they run, their events as they happen, their ending when they end,
//! each linked to its Map Run (kept in `map_runs`) and carrying its parent's job id.
//!
//! After a restart the parent, resumed at its Map, reruns the same Map Run: a child that had
//! ended is handed back as it ended, one left RUNNING picks up from its own history.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use jobs_asl::{
    ChildExecution, ChildExecutions, ChildPlan, ExecutionResult, ExecutionStatus, Failure,
    HistoryEvent, HistorySink, MapRunInfo,
};
use jobs_domain::ports::Clock;
use jobs_domain::JobId;
use serde_json::Value;
use tracing::{error, info};

use crate::runtime::resume::{plan_resume, resumed_wait};
use crate::runtime::workflow::processor_of;
use crate::store::{
    Ending, ExecutionRecord, ExecutionStore, MapRunLink, MapRunRecord, MapRunStore, TokenStore,
};

/// Persists each history event of one execution as the interpreter records it.
pub(super) struct Sink {
    pub(super) store: ExecutionStore,
    pub(super) seq: i64,
}

impl HistorySink for Sink {
    fn record(&self, execution: &str, event: &HistoryEvent) {
        if let Err(e) = self.store.append_event(self.seq, event) {
            error!(execution, error = %e, "a history event could not be serialized");
        }
    }
}

/// An execution running in this process, parent or child.
#[derive(Clone, Copy)]
struct Live {
    seq: i64,
    job_id: JobId,
}

/// What every definition's host shares: the stores, and the executions running now by ARN
/// (a run names its parent by ARN only).
pub(crate) struct Recorded {
    executions: ExecutionStore,
    runs: MapRunStore,
    tokens: TokenStore,
    clock: Arc<dyn Clock>,
    live: Mutex<HashMap<String, Live>>,
}

impl Recorded {
    pub(super) fn new(
        executions: ExecutionStore,
        tokens: TokenStore,
        clock: Arc<dyn Clock>,
    ) -> Arc<Self> {
        Arc::new(Self {
            runs: MapRunStore::new(executions.db().clone()),
            executions,
            tokens,
            clock,
            live: Mutex::new(HashMap::new()),
        })
    }

    /// A top-level execution starts running here.
    pub(super) fn enter(&self, record: &ExecutionRecord) {
        self.live_map().insert(
            record.arn.clone(),
            Live {
                seq: record.seq,
                job_id: record.job_id,
            },
        );
    }

    /// It ended: its Map Runs still RUNNING, and their children, are ABORTED.
    pub(super) async fn leave(&self, arn: &str, seq: i64) {
        self.live_map().remove(arn);
        self.abort_runs_of(seq, None).await;
    }

    /// Aborts the runs of execution `seq` still RUNNING but `keep`.
    pub(super) async fn abort_runs_of(&self, seq: i64, keep: Option<String>) {
        let now = self.clock.now();
        match self.runs.abort_of_execution(seq, now, keep).await {
            Ok(0) => {}
            Ok(n) => info!(
                execution = seq,
                runs = n,
                "map runs left running were aborted"
            ),
            Err(e) => {
                error!(execution = seq, error = %e, "could not abort the map runs left running")
            }
        }
    }

    fn live_map(&self) -> std::sync::MutexGuard<'_, HashMap<String, Live>> {
        self.live.lock().expect("live executions lock")
    }

    fn live(&self, arn: &str) -> Option<Live> {
        self.live_map().get(arn).copied()
    }
}

/// The host of one definition's Map Runs: it knows where each of its processors starts.
pub(super) struct StackChildren {
    recorded: Arc<Recorded>,
    /// The definition the children run (their parent's), by hash.
    definition: String,
    /// The definition, for each Map's processor's first state.
    parsed: Value,
}

impl StackChildren {
    pub(super) fn new(recorded: Arc<Recorded>, definition: &str, text: &str) -> Self {
        Self {
            recorded,
            definition: definition.to_owned(),
            parsed: serde_json::from_str(text).unwrap_or(Value::Null),
        }
    }

    fn unrecorded() -> ChildPlan {
        ChildPlan::Run {
            sink: None,
            resume: None,
        }
    }

    fn run_recorded(
        &self,
        record: &ExecutionRecord,
        resume: Option<jobs_asl::Resume>,
    ) -> ChildPlan {
        self.recorded.enter(record);
        ChildPlan::Run {
            sink: Some(Arc::new(Sink {
                store: self.recorded.executions.clone(),
                seq: record.seq,
            })),
            resume,
        }
    }

    /// A child recorded before a restart: its result if it ended, else where it picks up.
    async fn again(&self, run: &MapRunInfo, child: &ChildExecution) -> ChildPlan {
        let found = match self.recorded.executions.named(&child.name).await {
            Ok(Some(found)) => found,
            Ok(None) => return Self::unrecorded(),
            Err(e) => {
                error!(execution = %child.name, error = %e, "could not read a child execution");
                return Self::unrecorded();
            }
        };
        let (record, events) = found;
        if record.map_run.as_ref().map(|m| m.arn.as_str()) != Some(run.arn.as_str()) {
            error!(execution = %record.name, map_run = %run.arn, "a child's name is taken by another execution; it runs unrecorded");
            return Self::unrecorded();
        }
        if record.status != ExecutionStatus::Running {
            return ChildPlan::Ended(ExecutionResult {
                status: record.status,
                output: record.output,
                error: record.error,
                cause: record.cause,
                history: Vec::new(),
                path: Vec::new(),
                start_date: record.start_date,
                stop_date: record.stop_date.unwrap_or(record.start_date),
            });
        }
        let processor = processor_of(&self.parsed, &run.state_name)
            .cloned()
            .unwrap_or(Value::Null);
        let mut resume = plan_resume(&events, &processor, &record.input);
        if let Some(r) = resume.as_mut() {
            let open = match self.recorded.tokens.open_for(&record.arn).await {
                Ok(open) => open,
                Err(e) => {
                    error!(execution = %record.name, error = %e, "could not read a child's tokens");
                    Vec::new()
                }
            };
            r.wait = resumed_wait(&events, &r.state, &open, self.recorded.clock.now());
        }
        if let Err(e) = self.recorded.executions.begin_redrive(record.seq).await {
            error!(execution = %record.name, error = %e, "could not note a child's re-drive");
        }
        info!(execution = %record.name, map_run = %run.arn, "resuming a child execution cut off by a stop");
        self.run_recorded(&record, resume)
    }
}

#[async_trait]
impl ChildExecutions for StackChildren {
    async fn map_run_started(&self, run: &MapRunInfo) {
        let Some(parent) = self.recorded.live(&run.execution_arn) else {
            return;
        };
        let record = MapRunRecord {
            arn: run.arn.clone(),
            id: run.arn.rsplit(':').next().unwrap_or_default().to_owned(),
            execution: parent.seq,
            state_name: run.state_name.clone(),
            total: None,
            status: ExecutionStatus::Running,
            start_date: run.start_date,
            stop_date: None,
            error: None,
            cause: None,
            max_concurrency: run.max_concurrency as i64,
            tolerated_failure_count: run.tolerated_failure_count,
            tolerated_failure_percentage: run.tolerated_failure_percentage,
        };
        if let Err(e) = self.recorded.runs.started(&record).await {
            error!(map_run = %run.arn, error = %e, "could not record a map run");
        }
    }

    async fn map_run_items(&self, run: &MapRunInfo, total: usize) {
        if let Err(e) = self.recorded.runs.items(&run.arn, total as i64).await {
            error!(map_run = %run.arn, error = %e, "could not record a map run's item count");
        }
    }

    async fn child_starting(&self, run: &MapRunInfo, child: &ChildExecution) -> ChildPlan {
        // A parent not recorded here (none is, today) has its children unrecorded too.
        let Some(parent) = self.recorded.live(&run.execution_arn) else {
            return Self::unrecorded();
        };
        let mut record = ExecutionRecord {
            seq: 0,
            arn: child.arn.clone(),
            name: child.name.clone(),
            job_id: parent.job_id,
            status: ExecutionStatus::Running,
            start_date: self.recorded.clock.now(),
            stop_date: None,
            input: child.input.clone(),
            output: None,
            error: None,
            cause: None,
            replay_name: None,
            definition: Some(self.definition.clone()),
            map_run: Some(MapRunLink {
                arn: run.arn.clone(),
                item: child.index as i64,
            }),
        };
        match self.recorded.executions.insert(&record).await {
            Ok(Some(seq)) => {
                record.seq = seq;
                self.run_recorded(&record, None)
            }
            // Recorded before: the run is rerun after a restart.
            Ok(None) => self.again(run, child).await,
            Err(e) => {
                error!(execution = %child.name, error = %e, "could not record a child execution; it runs unrecorded");
                Self::unrecorded()
            }
        }
    }

    async fn child_ended(
        &self,
        _run: &MapRunInfo,
        child: &ChildExecution,
        result: &ExecutionResult,
    ) {
        let Some(live) = self.recorded.live_map().remove(&child.arn) else {
            return;
        };
        let ending = Ending {
            status: result.status,
            at: result.stop_date,
            output: result.output.clone(),
            error: result.error.clone(),
            cause: result.cause.clone(),
        };
        if let Err(e) = self.recorded.executions.finish(live.seq, ending).await {
            error!(execution = %child.name, error = %e, "a child execution's ending could not be recorded");
        }
        // Its own Map Runs, if its processor had any, end with it.
        self.recorded.abort_runs_of(live.seq, None).await;
    }

    async fn map_run_ended(
        &self,
        run: &MapRunInfo,
        status: ExecutionStatus,
        failure: Option<&Failure>,
    ) {
        let r = self
            .recorded
            .runs
            .ended(
                &run.arn,
                status,
                self.recorded.clock.now(),
                failure.map(|f| f.error.clone()),
                failure.map(|f| f.cause.clone()),
            )
            .await;
        if let Err(e) = r {
            error!(map_run = %run.arn, error = %e, "could not record a map run's ending");
        }
    }
}
