//! `task success|failure|heartbeat`: the answer a callback task
//! (`.waitForTaskToken`) waits for. Locally, the stack's `/local/tasks/*`;
//! on AWS, Step Functions SendTaskSuccess, SendTaskFailure and
//! SendTaskHeartbeat. Both homes report the same way, and an output that is
//! not JSON is refused before anything is sent, as the task would never take
//! it.

mod refusal;

use std::io::Read;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use http::Method;
use jobs_wire::local::{self, TaskFailure, TaskHeartbeat, TaskSuccess};

use crate::api::json_body;
use crate::args::{TaskCommand, TaskSuccessArgs};
use crate::errors::ApiError;
use crate::output::Output;
use crate::target::{needs_stack, Home, Target};

pub use refusal::{Refusal, TaskError};

/// A task's answer, checked and ready to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskAnswer {
    pub token: String,
    pub answer: Answer,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// The output as given: JSON text, sent as it was written.
    Success {
        output: String,
    },
    Failure {
        error: Option<String>,
        cause: Option<String>,
    },
    Heartbeat,
}

impl TaskAnswer {
    /// The answer `command` asks for: the output read (from `--output-file`)
    /// and checked to be JSON, and the token not empty.
    pub fn read(command: TaskCommand) -> anyhow::Result<Self> {
        let (token, answer) = match command {
            TaskCommand::Success(args) => {
                let output = success_output(&args)?;
                (args.token, Answer::Success { output })
            }
            TaskCommand::Failure(args) => (
                args.token,
                Answer::Failure {
                    error: args.error,
                    cause: args.cause,
                },
            ),
            TaskCommand::Heartbeat { token } => (token, Answer::Heartbeat),
        };
        // A token pasted from a terminal often brings a newline along.
        let token = token.trim().to_owned();
        if token.is_empty() {
            anyhow::bail!(
                "the task token is empty: pass the `$$.Task.Token` the task handed on \
                 (`jobs task --help` says where to find it)"
            );
        }
        Ok(Self { token, answer })
    }

    /// The Step Functions call this answer is.
    pub fn action(&self) -> &'static str {
        match self.answer {
            Answer::Success { .. } => "SendTaskSuccess",
            Answer::Failure { .. } => "SendTaskFailure",
            Answer::Heartbeat => "SendTaskHeartbeat",
        }
    }

    /// The line printed once the answer was taken.
    fn taken(&self) -> String {
        match &self.answer {
            Answer::Success { .. } => {
                "task succeeded: its execution goes on with this output".to_owned()
            }
            Answer::Failure { error, .. } => {
                let error = match error.as_deref().filter(|e| !e.is_empty()) {
                    Some(error) => format!("with error {error}"),
                    None => "(no error name)".to_owned(),
                };
                format!(
                    "task failed {error}: its Retry or Catch takes it from here, else its \
                     execution fails"
                )
            }
            Answer::Heartbeat => {
                "heartbeat sent: the task's HeartbeatSeconds count again from now".to_owned()
            }
        }
    }
}

/// `--output`, or the text of `--output-file`, once it is known to be JSON.
fn success_output(args: &TaskSuccessArgs) -> anyhow::Result<String> {
    let (text, from) = match (&args.output, &args.output_file) {
        (Some(text), _) => (text.clone(), "--output".to_owned()),
        (None, Some(path)) => (
            read_file(path)?,
            format!("--output-file {}", path.display()),
        ),
        // The command line requires one of the two.
        (None, None) => anyhow::bail!("pass the task's output with --output or --output-file"),
    };
    if let Err(e) = serde_json::from_str::<serde_json::Value>(&text) {
        anyhow::bail!(
            "{from} is not JSON ({e}), so nothing was sent: a task's output must be JSON text \
             (Step Functions refuses anything else with InvalidOutput). Pass an object \
             ('{{\"approved\": true}}') or any JSON value, a string quoted ('\"done\"')"
        );
    }
    Ok(text)
}

fn read_file(path: &Path) -> anyhow::Result<String> {
    if path.as_os_str() == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .context("reading the task's output from stdin")?;
        return Ok(text);
    }
    std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))
}

pub(super) async fn run(
    target: &Target,
    command: TaskCommand,
    output: &mut Output<'_>,
) -> anyhow::Result<ExitCode> {
    let task = TaskAnswer::read(command)?;
    match &target.home {
        Home::Local => send_local(target, &task).await?,
        Home::DeployedApi => return Err(needs_stack("task").into()),
        #[cfg(feature = "aws")]
        Home::Stack(deployed) => aws::send(&deployed.clients.sfn, &task).await?,
    }
    report(&task, output)
}

fn report(task: &TaskAnswer, output: &mut Output<'_>) -> anyhow::Result<ExitCode> {
    writeln!(output.out, "{}", task.taken())?;
    Ok(ExitCode::SUCCESS)
}

/// POSTs the answer to the local stack, whose refusals (400s) start with the
/// name Step Functions gives the same error.
async fn send_local(target: &Target, task: &TaskAnswer) -> anyhow::Result<()> {
    let task_token = task.token.clone();
    let (path, body) = match &task.answer {
        Answer::Success { output } => (
            local::TASK_SUCCESS,
            json_body(&TaskSuccess {
                task_token,
                output: output.clone(),
            }),
        ),
        Answer::Failure { error, cause } => (
            local::TASK_FAILURE,
            json_body(&TaskFailure {
                task_token,
                error: error.clone().unwrap_or_default(),
                cause: cause.clone().unwrap_or_default(),
            }),
        ),
        Answer::Heartbeat => (
            local::TASK_HEARTBEAT,
            json_body(&TaskHeartbeat { task_token }),
        ),
    };
    match target.api.call(Method::POST, path, &[], body, &[]).await {
        Ok(_) => Ok(()),
        Err(ApiError::Rejected { status, message }) => {
            match refusal::named_in(task.action(), &message) {
                Some(refused) => Err(refused.into()),
                None => Err(ApiError::Rejected { status, message }.into()),
            }
        }
        Err(other) => Err(other.into()),
    }
}

/// The AWS side: SendTaskSuccess, SendTaskFailure, SendTaskHeartbeat.
#[cfg(feature = "aws")]
pub mod aws {
    use std::process::ExitCode;

    use aws_sdk_sfn::error::{ProvideErrorMetadata, SdkError};

    use super::{refusal, Answer, TaskAnswer};
    use crate::args::TaskCommand;
    use crate::aws::{errors, Deployed};
    use crate::output::Output;

    /// The task of a token is named by nothing else, in messages.
    const TASK: &str = "the task of this token";

    /// Checks the answer `command` asks for, sends it, and says it was taken.
    pub async fn run(
        deployed: &Deployed,
        command: TaskCommand,
        output: &mut Output<'_>,
    ) -> anyhow::Result<ExitCode> {
        let task = TaskAnswer::read(command)?;
        send(&deployed.clients.sfn, &task).await?;
        super::report(&task, output)
    }

    pub(super) async fn send(sfn: &aws_sdk_sfn::Client, task: &TaskAnswer) -> anyhow::Result<()> {
        let action = task.action();
        match &task.answer {
            Answer::Success { output } => sfn
                .send_task_success()
                .task_token(&task.token)
                .output(output)
                .send()
                .await
                .map(drop)
                .map_err(|e| refused(action, e)),
            Answer::Failure { error, cause } => sfn
                .send_task_failure()
                .task_token(&task.token)
                .set_error(error.clone())
                .set_cause(cause.clone())
                .send()
                .await
                .map(drop)
                .map_err(|e| refused(action, e)),
            Answer::Heartbeat => sfn
                .send_task_heartbeat()
                .task_token(&task.token)
                .send()
                .await
                .map(drop)
                .map_err(|e| refused(action, e)),
        }
    }

    /// The task's own errors by their name, with what to do; any other
    /// failure (credentials, permissions, the network) as every AWS call
    /// reports it.
    fn refused<E, R>(action: &'static str, error: SdkError<E, R>) -> anyhow::Error
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
        R: std::fmt::Debug,
    {
        let named = error.as_service_error().and_then(|service| {
            let code = service.code()?;
            refusal::named(action, code, service.message().unwrap_or_default())
        });
        match named {
            Some(refused) => refused.into(),
            None => errors::from_sdk(&format!("states:{action}"), TASK, error).into(),
        }
    }
}
