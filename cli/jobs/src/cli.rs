//! The `jobs` command line: `jobs local ...`, `jobs workflow run` and the client
//! commands, with the client's global options.

use clap::{Parser, Subcommand};
use jobs_client::{ClientArgs, ClientCommand};

use crate::generate::GenerateArgs;
use crate::local::LocalCommand;
use crate::workflow::WorkflowCommand;

#[derive(Parser, Debug)]
#[command(
    name = "jobs",
    version,
    about = "The jobs API: run it on this machine, or call a local or deployed stack",
    after_help = jobs_client::CREDENTIALS_HELP
)]
pub struct Cli {
    #[command(flatten)]
    pub client: ClientArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// The local stack: the whole system on this machine, with no AWS account
    #[command(subcommand)]
    Local(LocalCommand),
    /// Workflow definitions, run on this machine without the stack
    #[command(subcommand)]
    Workflow(WorkflowCommand),
    /// Write the files that follow from the job crate: the request model and the workflow's time limits
    Generate(GenerateArgs),
    #[command(flatten)]
    Client(ClientCommand),
}

#[cfg(test)]
mod tests;
