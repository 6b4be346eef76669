//! The client's part of the `jobs` command line: the global options that
//! choose the stack, and the commands. The `jobs` binary flattens both into
//! its own command line.

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use clap::{ArgGroup, Args, Subcommand, ValueEnum};

use crate::when;

pub(crate) const DEFAULT_URL: &str = "http://127.0.0.1:3000";

/// Options shared by every client command: which stack to talk to.
#[derive(Args, Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientArgs {
    /// Base URL of the jobs API; wins over --stack [default: the stack's
    /// ApiEndpoint output with --stack, else the local stack at
    /// http://127.0.0.1:3000]
    #[arg(long, global = true, env = "JOBS_API_URL")]
    pub url: Option<String>,

    /// The deployed CloudFormation stack (e.g. JobsApi): its outputs give the
    /// API's URL, the failed-jobs archive, the bus, the replay rule and the
    /// workflow's log group
    #[arg(long, global = true, env = "JOBS_STACK")]
    pub stack: Option<String>,

    /// Sign API calls as this role, assumed with your own credentials
    /// [without an ARN: the stack's JobsAPIInvokeRoleArn output]. AWS calls
    /// other than the API's keep your own credentials
    #[arg(
        long,
        global = true,
        value_name = "ARN",
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = ""
    )]
    pub assume_role: Option<String>,

    /// Region [default: the one in an execute-api URL; else, for AWS, the
    /// standard AWS region settings (AWS_REGION, the profile); for the local
    /// stack, JOBS_LOCAL_REGION, else us-east-1]
    #[arg(long, global = true)]
    pub region: Option<String>,
}

impl ClientArgs {
    /// `--assume-role` as given: `Some(None)` without an ARN.
    pub fn role_to_assume(&self) -> Option<Option<&str>> {
        self.assume_role
            .as_deref()
            .map(|arn| Some(arn.trim()).filter(|arn| !arn.is_empty()))
    }

    /// Whether the options name a deployed stack rather than the local one.
    pub fn wants_aws(&self) -> bool {
        self.stack.is_some() || self.assume_role.is_some()
    }
}

/// Where the client's credentials come from, for a binary's `after_help`.
pub const CREDENTIALS_HELP: &str = "\
Against the local stack, requests are signed with JOBS_LOCAL_ACCESS_KEY_ID and \
JOBS_LOCAL_SECRET_ACCESS_KEY, else AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, else the local \
stack's development credentials. Against AWS (--stack, or an AWS --url), with the `aws` build \
feature, credentials come from the standard AWS chain: environment variables, AWS_PROFILE and \
the shared config and credentials files (SSO, credential_process, assume-role profiles), then \
container and instance roles; AWS_ENDPOINT_URL is honoured. Without the feature, only the AWS_* \
environment variables sign API calls.";

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
    /// Show a job's workflow executions as a timeline (on AWS: from the
    /// workflow's CloudWatch log group)
    History {
        job_id: String,
        /// Print the raw events instead (on AWS: the log events)
        #[arg(long)]
        json: bool,
    },
    /// Show the failed-jobs archive (locally: its events; on AWS: its state,
    /// size and retention, as EventBridge cannot list archived events)
    Archive {
        /// Start of the window (local stack): RFC 3339, `now`, or a duration
        /// ago (90s, 15m, 2h, 7d) [default: everything]
        #[arg(long, value_parser = parse_when_arg)]
        from: Option<DateTime<Utc>>,
        /// End of the window (exclusive) [default: now]
        #[arg(long, value_parser = parse_when_arg)]
        to: Option<DateTime<Utc>>,
        /// Print the raw JSON instead
        #[arg(long)]
        json: bool,
    },
    /// Replay archived failed jobs through the workflow again (on AWS:
    /// EventBridge StartReplay to the replay rule, followed to its end;
    /// Ctrl-C cancels it)
    Replay(ReplayArgs),
    /// Show or change the local stack's fault injection (local stack only)
    Faults {
        /// Make the error handler's store writes fail, so failed jobs land in
        /// the archive
        #[arg(long, value_enum)]
        error_handler_writes: Option<Switch>,
        /// Make the processor's store writes fail
        #[arg(long, value_enum)]
        processor_writes: Option<Switch>,
        /// Hold every job in Running before its work starts, or run them
        /// again (held jobs then go on)
        #[arg(long, value_enum)]
        job_runs: Option<JobRuns>,
    },
    /// Answer a task that waits for its token (a `.waitForTaskToken` callback
    /// of a STANDARD workflow): success, failure or heartbeat (on AWS: Step
    /// Functions SendTaskSuccess, SendTaskFailure, SendTaskHeartbeat)
    #[command(subcommand)]
    Task(TaskCommand),
}

/// Where a task token comes from, for the help of each `task` command.
const TASK_TOKEN_HELP: &str = "\
TOKEN is the task's `$$.Task.Token`, which the task hands on (in the message it publishes, say). \
Locally, `jobs history JOB_ID --json` shows it in the parameters of the task's TaskScheduled \
event. A token is answered once: after a success or a failure, or once the task timed out, \
it is refused with TaskTimedOut.";

#[derive(Subcommand, Debug, Clone, PartialEq, Eq)]
pub enum TaskCommand {
    /// The task succeeded: its execution goes on with OUTPUT as the task's
    /// result (SendTaskSuccess)
    #[command(after_help = TASK_TOKEN_HELP)]
    Success(TaskSuccessArgs),
    /// The task failed with ERROR: its Retry and Catch see it, else the
    /// execution fails (SendTaskFailure)
    #[command(after_help = TASK_TOKEN_HELP)]
    Failure(TaskFailureArgs),
    /// The task is still at work: its HeartbeatSeconds count again from now
    /// (SendTaskHeartbeat)
    #[command(after_help = TASK_TOKEN_HELP)]
    Heartbeat {
        /// The task token
        token: String,
    },
}

#[derive(Args, Debug, Clone, PartialEq, Eq)]
#[command(group(ArgGroup::new("task_output").required(true).args(["output", "output_file"])))]
pub struct TaskSuccessArgs {
    /// The task token
    pub token: String,
    /// The task's output, as JSON text: an object ('{"approved": true}') or
    /// any JSON value (a string is quoted: '"done"'); checked before it is sent
    #[arg(long, value_name = "JSON")]
    pub output: Option<String>,
    /// Read the task's output (JSON) from a file, for outputs too long for a
    /// command line; `-` reads stdin
    #[arg(long, value_name = "PATH")]
    pub output_file: Option<PathBuf>,
}

#[derive(Args, Debug, Clone, PartialEq, Eq)]
pub struct TaskFailureArgs {
    /// The task token
    pub token: String,
    /// The error's name, which the task's Retry and Catch match
    /// (ErrorEquals) and the execution fails with when none does
    #[arg(long, value_name = "E")]
    pub error: Option<String>,
    /// What went wrong, in words
    #[arg(long, value_name = "C")]
    pub cause: Option<String>,
}

#[derive(Args, Debug, Clone, PartialEq, Eq)]
pub struct SubmitArgs {
    /// The job's parameters as KEY=VALUE pairs, each value typed by the
    /// request model (`jobs submit --help-params` lists them)
    #[arg(value_name = "KEY=VALUE")]
    pub pairs: Vec<String>,
    /// The job's parameters as one JSON object; KEY=VALUE pairs override its keys
    #[arg(long, value_name = "JSON", conflicts_with = "params_file")]
    pub params: Option<String>,
    /// Read the job's parameters (a JSON object) from a file; `-` reads stdin
    #[arg(long, value_name = "PATH")]
    pub params_file: Option<std::path::PathBuf>,
    /// List the job's parameters, as the request model describes them, and exit
    #[arg(long)]
    pub help_params: bool,
    // The help names the header as HTTP documents spell it.
    #[arg(long, help = idempotency_help())]
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

#[derive(Args, Debug, Clone, PartialEq, Eq)]
pub struct ReplayArgs {
    /// Replay events archived from this time: RFC 3339, `now`, or a duration
    /// ago (90s, 15m, 2h, 7d) [default: 24h ago]
    #[arg(long, value_parser = parse_when_arg)]
    pub from: Option<DateTime<Utc>>,
    /// ... until this time (exclusive) [default: now]
    #[arg(long, value_parser = parse_when_arg)]
    pub to: Option<DateTime<Utc>>,
    /// Name of the replay [default: locally, chosen by the stack; on AWS,
    /// jobs-replay-<UTC time>]
    #[arg(long)]
    pub name: Option<String>,
    /// Time between DescribeReplay calls on AWS, in milliseconds
    #[arg(long, default_value_t = 2000, hide = true)]
    pub poll_interval_ms: u64,
}

impl ReplayArgs {
    /// The window to replay: `--from` (24 hours ago by default) to `--to`
    /// (`None`: now), refused when it is empty.
    pub(crate) fn window(
        &self,
        now: DateTime<Utc>,
    ) -> anyhow::Result<(DateTime<Utc>, Option<DateTime<Utc>>)> {
        let from = self.from.unwrap_or(now - chrono::Duration::hours(24));
        let end = self.to.unwrap_or(now);
        if from >= end {
            anyhow::bail!(
                "--from ({}) must be before --to ({})",
                jobs_domain::job::timestamp(&from),
                jobs_domain::job::timestamp(&end)
            );
        }
        Ok((from, self.to))
    }
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Switch {
    Fail,
    Ok,
}

impl From<Switch> for jobs_wire::Switch {
    fn from(switch: Switch) -> Self {
        match switch {
            Switch::Fail => Self::Fail,
            Switch::Ok => Self::Ok,
        }
    }
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobRuns {
    Hold,
    Run,
}

impl From<JobRuns> for jobs_wire::Runs {
    fn from(runs: JobRuns) -> Self {
        match runs {
            JobRuns::Hold => Self::Hold,
            JobRuns::Run => Self::Run,
        }
    }
}

fn idempotency_help() -> String {
    format!(
        "Send an {}: the same key and body return the same job",
        title_case(jobs_wire::api::IDEMPOTENCY_KEY)
    )
}

/// A header name with each word capitalised, as HTTP documents spell it.
fn title_case(header: &str) -> String {
    header
        .split('-')
        .map(|word| {
            let mut chars = word.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_ascii_uppercase().to_string() + chars.as_str()
            })
        })
        .collect::<Vec<_>>()
        .join("-")
}

fn parse_when_arg(text: &str) -> Result<DateTime<Utc>, String> {
    when::parse_when(text, Utc::now())
}

#[cfg(test)]
mod tests {
    use clap::{CommandFactory, Parser};

    use super::*;

    #[derive(Parser)]
    struct Cli {
        #[command(subcommand)]
        command: ClientCommand,
    }

    #[test]
    fn header_names_are_shown_as_http_documents_spell_them() {
        assert_eq!(title_case("content-type"), "Content-Type");
        assert_eq!(title_case("x-amz-date"), "X-Amz-Date");
        assert_eq!(title_case("host"), "Host");
    }

    #[test]
    fn the_submit_help_names_the_idempotency_header() {
        let mut cli = Cli::command();
        let help = cli
            .find_subcommand_mut("submit")
            .expect("a submit command")
            .render_help()
            .to_string();
        let sentence = format!(
            "Send an {}: the same key and body return the same job",
            title_case(jobs_wire::api::IDEMPOTENCY_KEY)
        );
        assert!(help.contains(&sentence), "{help}");
    }
}
