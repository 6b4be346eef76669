//! `jobs local ...`: the local stack in the foreground.

use std::process::ExitCode;

use clap::Subcommand;
use jobs_client::ClientArgs;
use jobs_local::{Config, Stack, StartArgs};
use tracing_subscriber::EnvFilter;

#[derive(Subcommand, Debug)]
pub enum LocalCommand {
    /// Start the local stack: gateway, API, workflow runtime, SQLite store and failed-jobs bus
    Start(Box<StartArgs>),
    /// Print the URL that opens the running local stack's console in a
    /// browser (asked of the stack with the local credentials)
    Console,
}

/// `client` holds the global options, shared with the client commands.
pub async fn run(cmd: LocalCommand, client: &ClientArgs) -> ExitCode {
    match cmd {
        LocalCommand::Start(args) => {
            start(Config::from_args(&args, client.region.as_deref())).await
        }
        LocalCommand::Console => jobs_client::print_console_url(client).await,
    }
}

async fn start(config: Config) -> ExitCode {
    tracing_subscriber::fmt()
        .json()
        .with_current_span(true)
        .with_span_list(false)
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let stack = match Stack::start(config).await {
        Ok(stack) => stack,
        Err(e) => {
            eprintln!("jobs: could not start the local stack: {e:#}");
            return ExitCode::FAILURE;
        }
    };
    print!("{}", banner(&stack));
    wait_for_stop_signal().await;
    eprintln!("jobs: stopping the local stack; running executions resume at the next start");
    stack.stop().await;
    ExitCode::SUCCESS
}

fn banner(stack: &Stack) -> String {
    let c = &stack.config;
    let url = stack.base_url();
    let faults = if c.faults.is_empty() {
        "none".to_owned()
    } else {
        c.faults.join(", ")
    };
    let recovered = match (
        stack.recovery.executions_resumed,
        stack.recovery.jobs_started,
    ) {
        (0, 0) => String::new(),
        (r, s) => format!("  Recovered     {r} execution(s) resumed, {s} queued job(s) started\n"),
    };
    format!(
        "\
The local jobs stack is running
  URL           {url}
  Console       {console}
  Region        {region}
  Access key    {key}
  Secret key    {secret}
  Data          {data} (SQLite: {db})
  Workflow      {workflow_type}
  Faults        {faults}
{mocks}{recovered}
Every request must be signed with AWS Signature V4 (service execute-api), e.g.:
  curl --aws-sigv4 'aws:amz:{region}:execute-api' --user '{key}:{secret}' \\
       -H 'content-type: application/json' -d '{example}' {url}/jobs
  jobs submit {pairs} --wait
Stop with Ctrl-C.
",
        example = example_body(),
        pairs = example_pairs(),
        console = stack.console_url(),
        region = c.region,
        workflow_type = c.workflow_type,
        mocks = match &c.mocks {
            Some(m) => format!(
                "  Mocks         {} (the Task states the stack does not run)\n",
                m.file.display()
            ),
            None => String::new(),
        },
        key = c.access_key_id,
        secret = c.secret_access_key,
        data = stack.data_dir.display(),
        db = stack.db.path().display(),
    )
}

async fn wait_for_stop_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("installing a SIGTERM handler");
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}

/// The job's example parameters, as a request body.
fn example_body() -> String {
    jobs_domain::work::DynWork::example(&jobs_job::Job)
        .as_value()
        .to_string()
}

/// The job's example parameters as `KEY=VALUE` pairs (strings bare, the rest as JSON).
fn example_pairs() -> String {
    let example = jobs_domain::work::DynWork::example(&jobs_job::Job);
    let pairs: Vec<String> = example
        .as_value()
        .as_object()
        .into_iter()
        .flatten()
        .map(|(k, v)| match v {
            serde_json::Value::String(s) => format!("{k}={s}"),
            other => format!("{k}={other}"),
        })
        .collect();
    pairs.join(" ")
}
