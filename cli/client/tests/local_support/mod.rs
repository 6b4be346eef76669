//! The real local stack for the client's tests, started in-process on
//! 127.0.0.1 with a random port and a temporary data directory, and a way to
//! run a command on it and read what it wrote.
#![allow(dead_code)]

use std::process::ExitCode;
use std::time::Duration;

use jobs_client::{resolve_region, ApiClient, ApiError, Endpoint};
use jobs_client::{
    run_with, ClientCommand, Credentials, Output, ReplayArgs, SubmitArgs, Switch, Target,
};
use jobs_domain::JobView;
use jobs_local::config::{DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY};
use jobs_local::{Config, Stack};
use jobs_wire::JobExecutions;

pub struct Local {
    pub stack: Stack,
    _dir: tempfile::TempDir,
}

impl Local {
    pub async fn start() -> Self {
        Self::start_with(|dir| Config::ephemeral(dir.to_path_buf())).await
    }

    /// A stack with the configuration `configure` makes in its temporary
    /// directory (where it may write a workflow or a mock file).
    pub async fn start_with(configure: impl FnOnce(&std::path::Path) -> Config) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let stack = Stack::start(configure(dir.path()))
            .await
            .expect("the local stack starts");
        Self { stack, _dir: dir }
    }

    pub fn target(&self) -> Target {
        target(&self.stack.base_url(), DEFAULT_SECRET_ACCESS_KEY)
    }

    /// The line `submit` and `history` print for the job's console page.
    pub fn console_line(&self, id: &str) -> String {
        format!(
            "console: {}/console/jobs/{id}?token={}",
            self.stack.base_url(),
            self.stack.console_token.as_str()
        )
    }

    pub async fn job_rows(&self) -> i64 {
        self.stack
            .db
            .read(|c| Ok(c.query_row("SELECT count(*) FROM jobs", [], |r| r.get(0))?))
            .await
            .unwrap()
    }
}

pub fn target(url: &str, secret: &str) -> Target {
    let endpoint = Endpoint::parse(url).unwrap();
    let region = resolve_region(None, &endpoint, |_| None);
    let credentials = Credentials::new(DEFAULT_ACCESS_KEY_ID, secret, None);
    Target::api(ApiClient::new(endpoint, region, credentials).unwrap())
}

pub struct Ran {
    pub result: anyhow::Result<ExitCode>,
    pub out: String,
    pub err: String,
}

pub async fn run(target: &Target, cmd: ClientCommand) -> Ran {
    run_on(target, cmd, false).await
}

pub async fn run_on(target: &Target, cmd: ClientCommand, err_is_tty: bool) -> Ran {
    let mut out = Vec::new();
    let mut err = Vec::new();
    let result = {
        let mut output = Output {
            out: &mut out,
            err: &mut err,
            err_is_tty,
        };
        run_with(target, cmd, &mut output).await
    };
    Ran {
        result,
        out: String::from_utf8(out).unwrap(),
        err: String::from_utf8(err).unwrap(),
    }
}

/// Submits the job's own example, whatever the job.
pub fn submit(wait: bool) -> SubmitArgs {
    submit_params(&jobs_local::testing::example(), wait)
}

/// Submits these parameters as `--params` JSON.
pub fn submit_params(parameters: &serde_json::Value, wait: bool) -> SubmitArgs {
    SubmitArgs {
        pairs: Vec::new(),
        params: Some(parameters.to_string()),
        params_file: None,
        help_params: false,
        idempotency_key: None,
        wait,
        wait_timeout: 60,
        poll_interval_ms: 20,
    }
}

pub fn replay(name: &str) -> ClientCommand {
    ClientCommand::Replay(ReplayArgs {
        from: None,
        to: None,
        name: Some(name.to_owned()),
        poll_interval_ms: 10,
    })
}

pub fn faults(error_handler: Option<Switch>, processor: Option<Switch>) -> ClientCommand {
    ClientCommand::Faults {
        error_handler_writes: error_handler,
        processor_writes: processor,
        job_runs: None,
    }
}

/// Holds every job in Running before its work starts (`hold`), or lets them
/// go on (`run`).
pub fn job_runs(runs: jobs_client::JobRuns) -> ClientCommand {
    ClientCommand::Faults {
        error_handler_writes: None,
        processor_writes: None,
        job_runs: Some(runs),
    }
}

pub fn api_error(result: anyhow::Result<ExitCode>) -> ApiError {
    result
        .expect_err("the command should fail")
        .downcast::<ApiError>()
        .expect("an API error")
}

/// Submits the job's example and returns its id.
pub async fn submitted(target: &Target) -> String {
    let ran = run(target, ClientCommand::Submit(submit(false))).await;
    assert_eq!(ran.result.unwrap(), ExitCode::SUCCESS, "{}", ran.err);
    ran.out.trim().to_owned()
}

/// Polls `get` until the job is `status`.
pub async fn job_reaches(target: &Target, id: &str, status: &str) -> JobView {
    for _ in 0..500 {
        let ran = run(target, ClientCommand::Get { job_id: id.into() }).await;
        let job: JobView = serde_json::from_str(&ran.out).unwrap();
        if job.status.as_str() == status {
            return job;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("job {id} never reached {status}");
}

/// A job archived for good: both store writes fail, so neither the processor
/// nor the error handler can record anything.
pub async fn archived_job(target: &Target) -> String {
    let set = run(target, faults(Some(Switch::Fail), Some(Switch::Fail))).await;
    set.result.unwrap();
    let id = submitted(target).await;
    let history = ClientCommand::History {
        job_id: id.clone(),
        json: true,
    };
    for _ in 0..500 {
        let ran = run(target, history.clone()).await;
        if let Ok(executions) = serde_json::from_str::<JobExecutions>(&ran.out) {
            if executions
                .executions
                .iter()
                .any(|e| e.error.as_deref() == Some("JobArchived"))
            {
                return id;
            }
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("job {id} was never archived");
}
