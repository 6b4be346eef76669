//! The commands, one file each, with the local stack's version and the AWS
//! one side by side: `submit`, `get`, `history`, `archive`, `replay`,
//! `faults`, `task`, and `console` (`jobs local console`). This module routes a
//! parsed command to its file, and runs one from the command line.

pub mod archive;
pub mod console;
mod faults;
mod get;
pub mod history;
pub mod replay;
mod submit;
pub mod task;

use std::io::IsTerminal;
use std::process::ExitCode;

use jobs_domain::JobId;

use crate::args::{ClientArgs, ClientCommand};
use crate::output::Output;
use crate::target::Target;

/// A job id as typed, refused before any request when it is not one.
fn job_id(text: &str) -> anyhow::Result<JobId> {
    Ok(text.trim().parse::<JobId>()?)
}

/// Runs one command on `target`, writing to `output`. Exit code 0, or 1 for
/// `submit --wait` on a job that failed and a replay that did not complete.
pub async fn run_with(
    target: &Target,
    cmd: ClientCommand,
    output: &mut Output<'_>,
) -> anyhow::Result<ExitCode> {
    match cmd {
        ClientCommand::Submit(args) => submit::run(target, args, output).await,
        ClientCommand::Get { job_id: id } => get::run(target, job_id(&id)?, output).await,
        ClientCommand::History { job_id: id, json } => {
            history::run(target, job_id(&id)?, json, output).await
        }
        ClientCommand::Archive { from, to, json } => {
            archive::run(target, from, to, json, output).await
        }
        ClientCommand::Replay(args) => replay::run(target, args, output).await,
        ClientCommand::Faults {
            error_handler_writes,
            processor_writes,
            job_runs,
        } => {
            let update = jobs_wire::FaultUpdate {
                error_handler_store_writes: error_handler_writes.map(Into::into),
                processor_store_writes: processor_writes.map(Into::into),
                job_runs: job_runs.map(Into::into),
            };
            faults::run(target, update, output).await
        }
        ClientCommand::Task(command) => task::run(target, command, output).await,
    }
}

/// Runs one command against the stack named by `args`, printing to stdout
/// and stderr.
async fn run(args: &ClientArgs, cmd: ClientCommand) -> anyhow::Result<ExitCode> {
    let target = Target::connect(args).await?;
    let mut stdout = std::io::stdout();
    let mut stderr = std::io::stderr();
    let err_is_tty = stderr.is_terminal();
    let mut output = Output {
        out: &mut stdout,
        err: &mut stderr,
        err_is_tty,
    };
    run_with(&target, cmd, &mut output).await
}

/// Runs one command, printing any error as `error: ...` on stderr (exit
/// code 2).
pub async fn run_and_report(args: &ClientArgs, cmd: ClientCommand) -> ExitCode {
    match run(args, cmd).await {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(2)
        }
    }
}
