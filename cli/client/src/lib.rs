//! The client commands of the `jobs` CLI, for the local stack and for a
//! deployed one.
//!
//! Every API request is signed with SigV4 (service `execute-api`), so
//! `submit` and `get` are the same calls in both homes. The rest read what
//! the AWS consoles would show: locally from the stack's `/local` endpoints,
//! on AWS (cargo feature `aws`) with the AWS SDK, from the resources the
//! stack's CloudFormation outputs name (`--stack NAME`): EventBridge for the
//! archive and replays, CloudWatch Logs for the workflow's history.
//!
//! The `jobs` binary flattens [`ClientArgs`] (global options) and
//! [`ClientCommand`] (subcommands) into its own command line and hands them
//! to [`run_and_report`].

pub mod api;
pub mod args;
#[cfg(feature = "aws")]
pub mod aws;
pub mod commands;
pub mod errors;
pub mod progress;
pub mod render;
pub mod signing;
pub mod target;
pub mod wait;
pub mod when;

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

pub use api::{ApiClient, ApiError, Endpoint};
pub use args::{
    ClientArgs, ClientCommand, ReplayArgs, SubmitArgs, Switch, CREDENTIALS_HELP, DEFAULT_URL,
};
pub use commands::run_with;
pub use signing::Credentials;
pub use target::{Home, Target};

/// Where a command writes: results on `out`, progress and notes on `err`.
pub struct Output<'a> {
    pub out: &'a mut (dyn Write + Send),
    pub err: &'a mut (dyn Write + Send),
    /// Draw a spinner on `err` (only when it is a terminal).
    pub err_is_tty: bool,
}

/// Runs one command against the stack named by `args`, printing to stdout
/// and stderr.
pub async fn run(args: &ClientArgs, cmd: ClientCommand) -> anyhow::Result<ExitCode> {
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

/// `jobs local console`: prints the URL that opens the local stack's
/// console. Exit code 0, or 2 with the error on stderr.
pub async fn print_console_url(args: &ClientArgs) -> ExitCode {
    let url = async {
        let target = Target::connect(args).await?;
        commands::console_url(&target).await
    };
    match url.await {
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

#[cfg(test)]
mod tests;
