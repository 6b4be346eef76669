//! `jobs`: one command line for both homes of the jobs system. `jobs local
//! start` runs the local stack; every other command is the client of a
//! stack, local or deployed (submit, get, history, archive, replay, faults).
//!
//! Layout: `cli` is the command line, flattening the client's global options
//! and commands (the `jobs-client` crate runs those); `local` is `jobs local
//! ...`, the local stack in the foreground (the `jobs-local` crate); and
//! `workflow` is `jobs workflow run`, a workflow definition run on this
//! machine without the stack.

mod cli;
mod generate;
mod local;
mod workflow;

use std::process::ExitCode;

use clap::Parser;
use cli::{Cli, Command};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let command = match cli.command {
        // An offline run has its own runtime, whose clock skips the waits.
        Command::Workflow(cmd) => return workflow::run(cmd),
        Command::Generate(args) => return generate::run(args),
        Command::Local(cmd) => Ok(cmd),
        Command::Client(cmd) => Err(cmd),
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("jobs: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match command {
        Ok(cmd) => runtime.block_on(local::run(cmd, &cli.client)),
        Err(cmd) => runtime.block_on(jobs_client::run_and_report(&cli.client, cmd)),
    }
}
