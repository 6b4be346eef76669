//! `jobs`: one command line for both homes of the jobs system. `jobs local
//! start` runs the local stack; every other command is the client of a
//! stack, local or deployed (submit, get, history, archive, replay, faults).

mod local;

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use jobs_client::{ClientArgs, ClientCommand};

#[derive(Parser, Debug)]
#[command(
    name = "jobs",
    version,
    about = "The jobs API: run it on this machine, or call a local or deployed stack",
    after_help = jobs_client::CREDENTIALS_HELP
)]
struct Cli {
    #[command(flatten)]
    client: ClientArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// The local stack: the whole system on this machine, with no AWS account
    #[command(subcommand)]
    Local(local::LocalCommand),
    #[command(flatten)]
    Client(ClientCommand),
}

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
