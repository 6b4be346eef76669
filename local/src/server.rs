//! Wiring: the adapters built over one data directory, the same use cases
//! the Lambdas run, the API router and the local endpoints behind the
//! gateway, served on the configured address.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use jobs_domain::function::{AwsTarget, FunctionEnv};
use jobs_domain::ports::{Clock, JobStore, SystemClock};
use jobs_domain::service::JobService;
use jobs_domain::sweep::{SweepPolicy, Sweeper, DEFAULT_BATCH, DEFAULT_MAX_REDRIVES};
use jobs_domain::DynWork;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

use crate::bus::Bus;
use crate::config::Config;
use crate::console::{self, ConsoleState, Token};
use crate::faults::{Faults, FaultyStore, HeldWork, Role};
use crate::functions::{Functions, Manifest};
use crate::gateway::sigv4::{Credentials, Verifier};
use crate::gateway::Gateway;
use crate::local_api::LocalState;
use crate::runtime::executions::Recovery;
use crate::runtime::workflow::{with_bus, JOBS_DEFINITION};
use crate::runtime::{LocalTasks, Runtime, Workflow};
use crate::store::{ArchiveStore, Db, ExecutionStore, SqliteJobStore};

/// A running local stack.
pub struct Stack {
    pub addr: SocketAddr,
    pub config: Config,
    /// The data directory, absolute.
    pub data_dir: PathBuf,
    pub db: Db,
    pub jobs: SqliteJobStore,
    pub runtime: Runtime,
    pub faults: Arc<Faults>,
    pub recovery: Recovery,
    /// Opens the console; see [`Stack::console_url`].
    pub console_token: Token,
    console: axum::Router,
    stopping: CancellationToken,
    server: JoinHandle<std::io::Result<()>>,
}

impl Stack {
    pub async fn start(config: Config) -> anyhow::Result<Self> {
        let faults =
            Arc::new(Faults::parse_list(&config.faults.join(",")).map_err(anyhow::Error::msg)?);
        // Before anything is written: a mock file that cannot serve changes nothing.
        let mocks = config.mocks.as_ref().map(load_mocks).transpose()?;
        // And a functions manifest the stack cannot serve.
        let manifest = match &config.functions {
            None => Manifest::deployed(),
            Some(path) => Manifest::read(path).map_err(anyhow::Error::msg)?,
        };
        Functions::check(&manifest).map_err(anyhow::Error::msg)?;
        // And a stand-in S3 folder that is not there.
        let objects = config.s3_dir.as_deref().map(s3_folder).transpose()?;
        std::fs::create_dir_all(&config.data_dir).with_context(|| {
            format!("creating the data directory {}", config.data_dir.display())
        })?;
        let data_dir = config
            .data_dir
            .canonicalize()
            .with_context(|| format!("reading the data directory {}", config.data_dir.display()))?;
        let db = Db::open(&data_dir)
            .with_context(|| format!("opening the database in {}", data_dir.display()))?;

        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        let jobs = SqliteJobStore::new(db.clone());
        let executions = ExecutionStore::new(db.clone());
        let archive = ArchiveStore::new(db.clone());
        let store: Arc<dyn JobStore> = Arc::new(jobs.clone());
        let faulty = |role| -> Arc<dyn JobStore> {
            Arc::new(FaultyStore::new(store.clone(), faults.clone(), role))
        };
        let work: Arc<dyn DynWork> = Arc::new(jobs_job::Job);
        let held: Arc<dyn DynWork> = Arc::new(HeldWork::new(work.clone(), faults.clone()));
        let aws = AwsTarget {
            region: config.region.clone(),
            endpoint: config.aws_endpoint.clone(),
        };
        let functions = Functions::build(&manifest, &config.region, |d| FunctionEnv {
            key: d.key.clone(),
            // The sample's two functions are the ones the store faults aim at.
            jobs: match d.crate_name.as_str() {
                "jobs-processor" => faulty(Role::Processor),
                "jobs-error-handler" => faulty(Role::ErrorHandler),
                _ => store.clone(),
            },
            clock: clock.clone(),
            work: held.clone(),
            aws: aws.clone(),
        })
        .map_err(anyhow::Error::msg)?;

        let bus = Arc::new(Bus::new(archive, clock.clone()));
        let mut tasks = LocalTasks::new(functions.clone(), bus.clone());
        if let Some(mocks) = mocks {
            tasks = tasks.with_mocks(mocks);
        }
        let tasks = Arc::new(tasks);
        let substitutions = with_bus(functions.substitutions().clone());
        let (workflow, file) = match &config.workflow {
            None => (
                Workflow::load_with(JOBS_DEFINITION, &substitutions).map_err(|e| {
                    anyhow::anyhow!("statemachine/jobs.asl.json with {}: {e}", manifest.source)
                })?,
                "statemachine/jobs.asl.json".to_owned(),
            ),
            Some(path) => {
                let source = std::fs::read_to_string(path)
                    .with_context(|| format!("reading the definition {}", path.display()))?;
                let workflow = Workflow::load_with(&source, &substitutions).map_err(|e| {
                    anyhow::anyhow!("the definition {} is not valid: {e}", path.display())
                })?;
                (workflow, path.display().to_string())
            }
        };
        let workflow = workflow
            .run_as(config.workflow_type)
            .map_err(|e| anyhow::anyhow!("the workflow {file}: {e}"))?;
        let runtime = Runtime::new(
            tasks,
            executions.clone(),
            clock.clone(),
            &config.region,
            workflow,
            objects,
        );
        runtime
            .record_definition()
            .await
            .context("recording the workflow definition")?;
        bus.set_workflow(Arc::new(runtime.clone()));
        let policy = SweepPolicy::new(
            runtime.workflow().timeout(),
            config.sweep_period,
            DEFAULT_MAX_REDRIVES,
            DEFAULT_BATCH,
        )
        .context("the sweep period (--sweep-period-seconds)")?;
        let sweeper = Sweeper::new(
            store.clone(),
            Arc::new(runtime.clone()),
            clock.clone(),
            policy,
        );
        let service = JobService::new(work, store, Arc::new(runtime.clone()), clock);
        let console_token = Token::random();

        let verifier = Verifier::new(
            Credentials {
                access_key_id: config.access_key_id.clone(),
                secret_access_key: config.secret_access_key.clone(),
            },
            &config.region,
            "execute-api",
        );
        let gateway = Arc::new(Gateway::new(verifier));
        let console = console::router(ConsoleState::new(console::Parts {
            token: console_token.clone(),
            jobs: jobs.clone(),
            executions: executions.clone(),
            bus: bus.clone(),
            faults: faults.clone(),
            callbacks: runtime.callbacks().clone(),
            api: gateway.validated(jobs_api::routes(service.clone())),
            workflow: runtime.workflow().clone(),
            functions: functions.clone(),
        }));
        let app = crate::app::router(
            &gateway,
            service,
            LocalState {
                map_runs: crate::store::MapRunStore::new(executions.db().clone()),
                executions,
                bus: bus.clone(),
                faults: faults.clone(),
                console: console_token.clone(),
                callbacks: runtime.callbacks().clone(),
                functions,
            },
            console.clone(),
        );

        let listener = tokio::net::TcpListener::bind(config.addr)
            .await
            .with_context(|| format!("listening on {}", config.addr))?;
        let addr = listener.local_addr()?;

        let recovery = runtime
            .recover(&jobs, &sweeper)
            .await
            .context("recovering executions")?;
        if recovery != Recovery::default() {
            info!(
                resumed = recovery.executions_resumed,
                started = recovery.jobs_started,
                lost = recovery.jobs_lost,
                "recovered work left by the last stop"
            );
        }
        bus.resume_replays()
            .await
            .context("resuming the replays a stop cut off")?;

        let stopping = CancellationToken::new();
        let shutdown = stopping.clone().cancelled_owned();
        let server = tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(shutdown)
                .await
        });
        tokio::spawn(purge_expired_keys(jobs.clone(), stopping.clone()));
        tokio::spawn(sweep_lost_jobs(sweeper, stopping.clone()));

        Ok(Self {
            addr,
            config,
            data_dir,
            db,
            jobs,
            runtime,
            faults,
            recovery,
            console_token,
            console,
            stopping,
            server,
        })
    }

    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The console's routes alone, as the stack serves them (for tests).
    pub fn console_router(&self) -> axum::Router {
        self.console.clone()
    }

    /// The URL that opens the console, valid while this stack runs.
    pub fn console_url(&self) -> String {
        console::url(&self.base_url(), &self.console_token)
    }

    /// Stops serving, leaves running executions to be resumed at the next
    /// start, and commits every queued write.
    pub async fn stop(self) {
        self.stopping.cancel();
        if let Err(e) = self.server.await {
            warn!(error = %e, "the server task ended badly");
        }
        self.runtime.stop().await;
        let db = self.db.clone();
        let _ = tokio::task::spawn_blocking(move || db.close()).await;
    }
}

async fn purge_expired_keys(jobs: SqliteJobStore, stopping: CancellationToken) {
    let mut every = tokio::time::interval(Duration::from_secs(600));
    loop {
        tokio::select! {
            _ = stopping.cancelled() => return,
            _ = every.tick() => {}
        }
        match jobs.purge_expired_keys(chrono::Utc::now()).await {
            Ok(0) => {}
            Ok(n) => info!(keys = n, "expired idempotency keys forgotten"),
            Err(e) => warn!(error = %e, "could not purge expired idempotency keys"),
        }
    }
}

/// The local twin of the sweeper Lambda's schedule: the same use case, on a
/// timer. The first sweep waits one period: recovery just settled the jobs a
/// stop left behind.
async fn sweep_lost_jobs(sweeper: Sweeper, stopping: CancellationToken) {
    let period = sweeper.policy().period;
    let mut every = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = stopping.cancelled() => return,
            _ = every.tick() => {}
        }
        match sweeper.sweep().await {
            Ok(report) if report.found == 0 => {}
            Ok(report) => info!(
                found = report.found,
                redriven = report.redriven,
                lost = report.lost,
                start_failures = report.start_failures,
                "swept jobs whose execution was lost"
            ),
            Err(e) => warn!(error = %e, "the sweep failed; the next one tries again"),
        }
    }
}

/// `--s3-dir DIR`: the folder a distributed Map's ItemReader reads, DIR/bucket/key.
fn s3_folder(dir: &std::path::Path) -> anyhow::Result<Arc<dyn jobs_asl::ObjectSource>> {
    if !dir.is_dir() {
        anyhow::bail!(
            "--s3-dir {} is not a folder: create it, with one folder per bucket holding the \
             objects by key (DIR/bucket/key), or leave the flag out",
            dir.display()
        );
    }
    Ok(Arc::new(jobs_asl::DirObjects::new(dir)))
}

/// The test case of `--mocks` that answers the Task states the stack does not run; a file that
/// cannot serve stops the start with the reader's words.
fn load_mocks(mocks: &crate::config::Mocks) -> anyhow::Result<jobs_asl::mock::MockTasks> {
    let file = mocks.file.display();
    let text = std::fs::read_to_string(&mocks.file)
        .with_context(|| format!("reading the mock file {file}"))?;
    let config = jobs_asl::mock::MockConfig::from_json(&text)
        .map_err(|e| anyhow::anyhow!("the mock file {file}: {e}"))?;
    let case = config
        .test_case(mocks.state_machine.as_deref(), mocks.test_case.as_deref())
        .map_err(|e| anyhow::anyhow!("the mock file {file}: {e}"))?;
    Ok(jobs_asl::mock::MockTasks::new(case))
}
