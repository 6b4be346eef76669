//! Command-line client of the jobs API.
//!
//! Every request is signed with SigV4 (service `execute-api`), so the same
//! commands work against the local stack and a deployed API Gateway stage:
//! `--url https://abc123.execute-api.eu-west-1.amazonaws.com/prod` with AWS
//! credentials in the standard environment variables.
//!
//! The `jobs-local` binary flattens [`ClientArgs`] (global options) and
//! [`ClientCommand`] (subcommands) into its own command line and hands them to
//! [`run`] (or [`run_and_report`], which also prints errors).

pub mod api;
pub mod progress;
pub mod render;
pub mod signing;
pub mod when;

use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use chrono::{DateTime, SecondsFormat, Utc};
use clap::{Args, Subcommand, ValueEnum};
use http::Method;
use jobs_domain::{JobId, JobStatus};
use serde_json::{json, Value};

pub use api::{ApiClient, ApiError, Endpoint};
pub use signing::Credentials;

pub const DEFAULT_URL: &str = "http://127.0.0.1:3000";

/// Options shared by every client command.
#[derive(Args, Debug, Clone, PartialEq, Eq)]
pub struct ClientArgs {
    /// Base URL of the jobs API: the local stack, or a deployed stage such as
    /// https://abc123.execute-api.eu-west-1.amazonaws.com/prod
    #[arg(long, global = true, env = "JOBS_API_URL", default_value = DEFAULT_URL)]
    pub url: String,

    /// Region to sign requests for [default: the one in an execute-api URL,
    /// else AWS_REGION for AWS or JOBS_LOCAL_REGION for the local stack, else
    /// us-east-1]
    #[arg(long, global = true)]
    pub region: Option<String>,
}

impl Default for ClientArgs {
    fn default() -> Self {
        Self {
            url: DEFAULT_URL.to_owned(),
            region: None,
        }
    }
}

/// Where the client's credentials come from, for a binary's `after_help`.
pub const CREDENTIALS_HELP: &str = "Requests are signed with AWS Signature V4 using \
JOBS_LOCAL_ACCESS_KEY_ID and JOBS_LOCAL_SECRET_ACCESS_KEY, else AWS_ACCESS_KEY_ID, \
AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN, else the local stack's development credentials.";

// The client's commands (a plain comment: a doc comment here would become the
// `about` of the binary that flattens them).
#[derive(Subcommand, Debug, Clone, PartialEq, Eq)]
pub enum ClientCommand {
    /// Submit a job (POST /jobs) and print its id
    Submit(SubmitArgs),
    /// Show a job (GET /jobs/{jobId})
    Get {
        /// The job id printed by `submit`
        job_id: String,
    },
    /// Show a job's workflow executions as a timeline (local stack only)
    History {
        job_id: String,
        /// Print the raw executions JSON instead
        #[arg(long)]
        json: bool,
    },
    /// List the failed-jobs archive (local stack only)
    Archive {
        /// Start of the window: RFC 3339, `now`, or a duration ago (90s, 15m, 2h, 7d)
        /// [default: everything]
        #[arg(long, value_parser = parse_when_arg)]
        from: Option<DateTime<Utc>>,
        /// End of the window (exclusive) [default: now]
        #[arg(long, value_parser = parse_when_arg)]
        to: Option<DateTime<Utc>>,
        /// Print the raw archive JSON instead
        #[arg(long)]
        json: bool,
    },
    /// Replay archived failed jobs through the workflow again (local stack only)
    Replay {
        /// Start of the window: RFC 3339, `now`, or a duration ago [default: 24h]
        #[arg(long, value_parser = parse_when_arg)]
        from: Option<DateTime<Utc>>,
        /// End of the window (exclusive) [default: now]
        #[arg(long, value_parser = parse_when_arg)]
        to: Option<DateTime<Utc>>,
        /// Name of the replay [default: chosen by the stack]
        #[arg(long)]
        name: Option<String>,
    },
    /// Show or change the local stack's fault injection (local stack only)
    Faults {
        /// Make the error handler's store writes fail, so failed jobs land in
        /// the archive
        #[arg(long, value_enum)]
        error_handler_writes: Option<Switch>,
        /// Make the processor's store writes fail
        #[arg(long, value_enum)]
        processor_writes: Option<Switch>,
    },
}

#[derive(Args, Debug, Clone, PartialEq, Eq)]
pub struct SubmitArgs {
    /// How long the sample job works, in seconds (an integer, at least 1)
    #[arg(long)]
    pub seconds: u64,
    /// Send an Idempotency-Key: the same key and body return the same job
    #[arg(long)]
    pub idempotency_key: Option<String>,
    /// Wait until the job is final, showing progress on stderr; print the
    /// job and exit 0 on Success, 1 on Failure
    #[arg(long)]
    pub wait: bool,
    /// Give up waiting after this many seconds
    #[arg(long, default_value_t = 600, requires = "wait")]
    pub wait_timeout: u64,
    /// Time between polls while waiting, in milliseconds
    #[arg(long, default_value_t = 500, hide = true)]
    pub poll_interval_ms: u64,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Switch {
    Fail,
    Ok,
}

impl Switch {
    fn as_str(self) -> &'static str {
        match self {
            Self::Fail => "fail",
            Self::Ok => "ok",
        }
    }
}

fn parse_when_arg(text: &str) -> Result<DateTime<Utc>, String> {
    when::parse_when(text, Utc::now())
}

fn timestamp(at: &DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Where a command writes: results on `out`, progress and notes on `err`.
pub struct Output<'a> {
    pub out: &'a mut (dyn Write + Send),
    pub err: &'a mut (dyn Write + Send),
    /// Draw a spinner on `err` (only when it is a terminal).
    pub err_is_tty: bool,
}

impl ApiClient {
    /// A client for `args`, with credentials from the environment.
    pub fn from_args(args: &ClientArgs) -> Result<Self, ApiError> {
        let lookup = |name: &str| std::env::var(name).ok();
        let endpoint = Endpoint::parse(&args.url)?;
        let region = api::resolve_region(args.region.as_deref(), &endpoint, lookup);
        let credentials = api::credentials_for(&endpoint, lookup)?;
        ApiClient::new(endpoint, region, credentials)
    }
}

/// Runs one command against the API named by `args`, printing to stdout and
/// stderr. Exit code 0, or 1 for `submit --wait` on a job that failed.
pub async fn run(args: &ClientArgs, cmd: ClientCommand) -> anyhow::Result<ExitCode> {
    let client = ApiClient::from_args(args)?;
    let mut stdout = std::io::stdout();
    let mut stderr = std::io::stderr();
    let err_is_tty = stderr.is_terminal();
    let mut output = Output {
        out: &mut stdout,
        err: &mut stderr,
        err_is_tty,
    };
    run_with(&client, cmd, &mut output).await
}

/// [`run`], printing any error as `error: ...` on stderr (exit code 2).
pub async fn run_and_report(args: &ClientArgs, cmd: ClientCommand) -> ExitCode {
    match run(args, cmd).await {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(2)
        }
    }
}

fn job_id(text: &str) -> anyhow::Result<JobId> {
    Ok(text.trim().parse::<JobId>()?)
}

/// Runs one command with `client`, writing to `output`.
pub async fn run_with(
    client: &ApiClient,
    cmd: ClientCommand,
    output: &mut Output<'_>,
) -> anyhow::Result<ExitCode> {
    let local_only = |command: &str| -> anyhow::Result<()> {
        if client.endpoint().is_aws() {
            return Err(api::local_only(command, client.endpoint()).into());
        }
        Ok(())
    };
    match cmd {
        ClientCommand::Submit(submit) => return submit_job(client, submit, output).await,
        ClientCommand::Get { job_id: id } => {
            let id = job_id(&id)?;
            let job = client
                .call(Method::GET, &format!("/jobs/{id}"), &[], None, &[])
                .await?;
            writeln!(output.out, "{}", render::job_json(&job.body))?;
        }
        ClientCommand::History { job_id: id, json } => {
            local_only("history")?;
            let id = job_id(&id)?;
            let history = client
                .call(
                    Method::GET,
                    &format!("/local/jobs/{id}/executions"),
                    &[],
                    None,
                    &[],
                )
                .await?;
            if json {
                writeln!(output.out, "{}", render::pretty(&history.body))?;
            } else {
                write!(output.out, "{}", render::timeline(&history.body))?;
            }
            if let Some(link) = console_link(client, &id).await {
                writeln!(output.err, "console: {link}")?;
            }
        }
        ClientCommand::Archive { from, to, json } => {
            local_only("archive")?;
            // An open bound is left to the stack: from the beginning, until now.
            let from = from.map(|at| timestamp(&at));
            let to = to.map(|at| timestamp(&at));
            let query: Vec<(&str, &str)> = [("from", &from), ("to", &to)]
                .into_iter()
                .filter_map(|(name, value)| value.as_deref().map(|v| (name, v)))
                .collect();
            let archive = client
                .call(Method::GET, "/local/archive", &query, None, &[])
                .await?;
            if json {
                writeln!(output.out, "{}", render::pretty(&archive.body))?;
            } else {
                write!(output.out, "{}", render::archive_table(&archive.body))?;
            }
        }
        ClientCommand::Replay { from, to, name } => {
            local_only("replay")?;
            let from = from.unwrap_or_else(|| Utc::now() - chrono::Duration::hours(24));
            if let Some(to) = to.filter(|to| from >= *to) {
                anyhow::bail!(
                    "--from ({}) must be before --to ({})",
                    timestamp(&from),
                    timestamp(&to)
                );
            }
            // Without --to the stack replays up to its own now, so an event
            // archived this very moment is not missed.
            let mut body = json!({"from": timestamp(&from)});
            if let Some(to) = to {
                body["to"] = Value::from(timestamp(&to));
            }
            if let Some(name) = name {
                body["name"] = Value::from(name);
            }
            let replay = client
                .call(Method::POST, "/local/replays", &[], Some(&body), &[])
                .await?;
            let count = replay.body.get("eventsReplayed").and_then(Value::as_u64);
            let replay_name = replay
                .body
                .get("replayName")
                .and_then(Value::as_str)
                .unwrap_or("(unnamed)");
            let count = count.context("the replay response has no eventsReplayed count")?;
            writeln!(
                output.out,
                "{count} event{} replayed by {replay_name} (archived from {} {})",
                if count == 1 { "" } else { "s" },
                timestamp(&from),
                to.map_or("until now".to_owned(), |to| format!(
                    "to {}",
                    timestamp(&to)
                ))
            )?;
            if count > 0 {
                writeln!(
                    output.err,
                    "follow a replayed job with `history JOB_ID` or `get JOB_ID`"
                )?;
            }
        }
        ClientCommand::Faults {
            error_handler_writes,
            processor_writes,
        } => {
            local_only("faults")?;
            let mut faults = client
                .call(Method::GET, "/local/faults", &[], None, &[])
                .await?
                .body;
            if error_handler_writes.is_some() || processor_writes.is_some() {
                // The stack takes the whole fault set; start from the current
                // one so that a flag left out keeps its value.
                if !faults.is_object() {
                    faults = json!({});
                }
                if let Some(switch) = error_handler_writes {
                    faults["errorHandlerStoreWrites"] = switch.as_str().into();
                }
                if let Some(switch) = processor_writes {
                    faults["processorStoreWrites"] = switch.as_str().into();
                }
                faults = client
                    .call(Method::PUT, "/local/faults", &[], Some(&faults), &[])
                    .await?
                    .body;
            }
            writeln!(output.out, "{}", render::pretty(&faults))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn submit_job(
    client: &ApiClient,
    submit: SubmitArgs,
    output: &mut Output<'_>,
) -> anyhow::Result<ExitCode> {
    let body = json!({"seconds": submit.seconds});
    let headers: Vec<(&str, &str)> = submit
        .idempotency_key
        .as_deref()
        .map(|key| ("idempotency-key", key))
        .into_iter()
        .collect();
    let created = client
        .call(Method::POST, "/jobs", &[], Some(&body), &headers)
        .await?;
    let id = created
        .body
        .get("id")
        .and_then(Value::as_str)
        .context("the API accepted the job but its answer has no id")?
        .to_owned();
    let location = created
        .headers
        .get(http::header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let id = job_id(&id)?;
    let link = console_link(client, &id).await;
    if !submit.wait {
        writeln!(output.out, "{id}")?;
        if let Some(location) = location {
            writeln!(output.err, "location: {location}")?;
        }
        if let Some(link) = link {
            writeln!(output.err, "console: {link}")?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(link) = link {
        writeln!(output.err, "console: {link}")?;
    }

    let job = wait_for(client, id, &submit, output).await?;
    writeln!(output.out, "{}", render::job_json(&job))?;
    let status = job.get("status").and_then(Value::as_str).unwrap_or("");
    Ok(if status == JobStatus::Success.as_str() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// `jobs local console`: prints the URL that opens the local stack's console
/// (with the token it made at start), for whoever holds its credentials.
pub async fn print_console_url(args: &ClientArgs) -> ExitCode {
    let run = async {
        let client = ApiClient::from_args(args)?;
        if client.endpoint().is_aws() {
            return Err(api::local_only("local console", client.endpoint()).into());
        }
        let console = client
            .call(Method::GET, "/local/console", &[], None, &[])
            .await?;
        console
            .body
            .get("url")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .context("the stack's answer has no console url")
    };
    match run.await {
        Ok(url) => {
            println!("{url}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(2)
        }
    }
}

/// The job's page in the local stack's console, opened with its token;
/// `None` for a deployed API, or a stack without a console.
async fn console_link(client: &ApiClient, id: &JobId) -> Option<String> {
    if client.endpoint().is_aws() {
        return None;
    }
    let console = client
        .call(Method::GET, "/local/console", &[], None, &[])
        .await
        .ok()?;
    let base = console.body.get("base")?.as_str()?;
    let token = console.body.get("token")?.as_str()?;
    Some(format!("{base}/jobs/{id}?token={token}"))
}

/// Polls the job until it is final, reporting each status change.
async fn wait_for(
    client: &ApiClient,
    id: JobId,
    submit: &SubmitArgs,
    output: &mut Output<'_>,
) -> anyhow::Result<Value> {
    const TICK: Duration = Duration::from_millis(100);
    let poll_every = Duration::from_millis(submit.poll_interval_ms.max(10));
    let give_up = Duration::from_secs(submit.wait_timeout);
    let path = format!("/jobs/{id}");
    let started = Instant::now();
    let mut progress = progress::Progress::new(&mut *output.err, output.err_is_tty);
    progress.message(&format!("job {id} submitted, waiting for it to finish"));
    let status_of = |job: &Value| {
        job.get("status")
            .and_then(Value::as_str)
            .unwrap_or("(no status)")
            .to_owned()
    };
    let is_final = |status: &str| {
        status
            .parse::<JobStatus>()
            .is_ok_and(|status| status.is_final())
    };
    for poll in 0u64.. {
        let job = match client.call(Method::GET, &path, &[], None, &[]).await {
            Ok(job) => job.body,
            Err(error) => {
                progress.finish();
                return Err(error.into());
            }
        };
        let status = status_of(&job);
        progress.status(&status, started.elapsed());
        if is_final(&status) {
            progress.finish();
            return Ok(job);
        }
        // A job whose failure could not be recorded stays Queued or Running
        // until a replay: the local stack can tell, so say so rather than
        // wait for nothing.
        if poll % 4 == 3 && !client.endpoint().is_aws() {
            if let Some(ended) = ended_execution(client, id).await {
                let job = client.call(Method::GET, &path, &[], None, &[]).await?.body;
                let status = status_of(&job);
                progress.status(&status, started.elapsed());
                progress.finish();
                if is_final(&status) {
                    return Ok(job);
                }
                anyhow::bail!(
                    "job {id} is still {status} but its workflow has ended ({ended}): \
                     its failure went to the failed-jobs archive. See `history {id}` and \
                     `archive`; once the cause is fixed (e.g. `faults --error-handler-writes ok`), \
                     `replay` runs it again"
                );
            }
        }
        if started.elapsed() >= give_up {
            progress.finish();
            anyhow::bail!(
                "gave up waiting after {}s; job {id} is still {status}: check it later with `get {id}`",
                submit.wait_timeout
            );
        }
        let next_poll = Instant::now() + poll_every;
        if output.err_is_tty {
            while Instant::now() < next_poll {
                progress.tick(started.elapsed());
                tokio::time::sleep(TICK.min(next_poll.saturating_duration_since(Instant::now())))
                    .await;
            }
        } else {
            tokio::time::sleep(poll_every).await;
        }
    }
    unreachable!("the poll loop only ends by returning")
}

/// The last execution of the job when none is running any more, as
/// `STATUS: error`; `None` while one runs, before the first one starts, or if
/// the executions cannot be read (this is only a diagnosis).
async fn ended_execution(client: &ApiClient, id: JobId) -> Option<String> {
    let path = format!("/local/jobs/{id}/executions");
    let history = client.call(Method::GET, &path, &[], None, &[]).await.ok()?;
    let executions = history.body.get("executions")?.as_array()?;
    let status = |e: &Value| e.get("status").and_then(Value::as_str).map(str::to_owned);
    if executions.is_empty()
        || executions
            .iter()
            .any(|e| status(e).is_none_or(|s| s == "RUNNING"))
    {
        return None;
    }
    let last = executions.last()?;
    let error = last.get("error").and_then(Value::as_str).unwrap_or("");
    Some(format!("{} {error}", status(last)?).trim().to_owned())
}

#[cfg(test)]
mod tests;
