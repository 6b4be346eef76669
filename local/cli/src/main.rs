//! `jobs`: one command line for both homes of the jobs system. `jobs local
//! start` runs the local stack; every other command is the client of a
//! stack, local or deployed (submit, get, history, archive, replay, faults).

mod cli;
mod local;

use std::process::ExitCode;

use clap::Parser;
use cli::{Cli, Command};

fn main() -> ExitCode {
    let cli = Cli::parse();
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
    match cli.command {
        Command::Local(cmd) => runtime.block_on(local::run(cmd, &cli.client)),
        Command::Client(cmd) => runtime.block_on(jobs_client::run_and_report(&cli.client, cmd)),
    }
}
