//! `jobs workflow run`: runs a state machine definition on this machine, without the stack,
//! with its Task states answered from a Step Functions Local mock configuration file.

use clap::{Args, Subcommand};
use jobs_asl::mock::{offline, MockConfig};
use jobs_asl::{DirObjects, ExecutionResult, ExecutionSpec, ExecutionStatus, Executor};
use jobs_wire::executions::ExecutionView;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

#[derive(Subcommand, Debug)]
pub enum WorkflowCommand {
    /// Run a definition offline with mocked task results, and print how it ended
    ///
    /// Task states get their results from the mock file's test case (Step Functions Local's
    /// format: StateMachines -> TestCases -> state -> mocked response; MockedResponses ->
    /// "0", "1-2", ... -> Return or Throw). Waits and retry back-offs are not slept: the
    /// clock skips ahead. Exits 0 when the execution succeeded, 1 when it did not, 2 when it
    /// could not run.
    Run(RunArgs),
}

#[derive(Args, Debug)]
pub struct RunArgs {
    /// The definition (Amazon States Language, JSONPath or JSONata)
    pub definition: PathBuf,
    /// The execution input, as JSON text (default {})
    #[arg(long, conflicts_with = "input_file")]
    pub input: Option<String>,
    /// A file holding the execution input
    #[arg(long, value_name = "PATH")]
    pub input_file: Option<PathBuf>,
    /// The mock configuration file (without one, every Task state fails saying so)
    #[arg(long, value_name = "PATH")]
    pub mocks: Option<PathBuf>,
    /// The state machine of the mock file to use (default: the only one)
    #[arg(long, value_name = "NAME")]
    pub state_machine: Option<String>,
    /// The test case to use (default: the only one)
    #[arg(long, value_name = "NAME")]
    pub test_case: Option<String>,
    /// Fills a ${NAME} placeholder of the definition, as CloudFormation's
    /// DefinitionSubstitutions do (repeatable)
    #[arg(long = "sub", value_name = "NAME=VALUE")]
    pub subs: Vec<String>,
    /// A folder standing in for S3, read by distributed Maps' ItemReader and written by their
    /// ResultWriter: the object KEY of BUCKET is the file DIR/BUCKET/KEY (a key's slashes are
    /// subfolders)
    #[arg(long, value_name = "DIR")]
    pub s3_dir: Option<PathBuf>,
    /// Print the result as one JSON document
    #[arg(long)]
    pub json: bool,
    /// Also print the execution's events
    #[arg(long)]
    pub history: bool,
}

pub fn run(cmd: WorkflowCommand) -> ExitCode {
    let WorkflowCommand::Run(args) = cmd;
    match execute(&args) {
        Ok((r, input)) => {
            print!("{}", report(&args, &r, input));
            if r.status == ExecutionStatus::Succeeded {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Err(e) => {
            eprintln!("jobs workflow run: {e}");
            ExitCode::from(2)
        }
    }
}

fn read(path: &Path, what: &str) -> Result<String, String> {
    std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read the {what} {}: {e}", path.display()))
}

fn substitutions(subs: &[String]) -> Result<HashMap<String, String>, String> {
    subs.iter()
        .map(|s| match s.split_once('=') {
            Some((k, v)) if !k.is_empty() => Ok((k.to_owned(), v.to_owned())),
            _ => Err(format!("--sub takes NAME=VALUE, not '{s}'")),
        })
        .collect()
}

/// Loads everything, then runs the execution on a clock that skips waits.
pub fn execute(args: &RunArgs) -> Result<(ExecutionResult, Value), String> {
    let definition = read(&args.definition, "definition")?;
    let input: Value = match (&args.input, &args.input_file) {
        (Some(text), _) => {
            serde_json::from_str(text).map_err(|e| format!("--input is not JSON: {e}"))?
        }
        (None, Some(p)) => serde_json::from_str(&read(p, "input file")?)
            .map_err(|e| format!("the input file {} is not JSON: {e}", p.display()))?,
        (None, None) => json!({}),
    };
    if args.mocks.is_none() && (args.state_machine.is_some() || args.test_case.is_some()) {
        return Err(
            "--state-machine and --test-case choose from a mock file: give it with --mocks".into(),
        );
    }
    let mocks = match &args.mocks {
        Some(p) => Some(
            MockConfig::from_json(&read(p, "mock file")?)
                .map_err(|e| format!("{}: {e}", p.display()))?,
        ),
        None => None,
    };
    let (machine, tasks) = offline(
        &definition,
        &substitutions(&args.subs)?,
        mocks.as_ref(),
        args.state_machine.as_deref(),
        args.test_case.as_deref(),
    )?;
    let name = tasks.test_case().machine.clone();
    let mut executor = Executor::new(Arc::new(machine), Arc::new(tasks));
    if let Some(dir) = &args.s3_dir {
        if !dir.is_dir() {
            return Err(format!(
                "--s3-dir {} is not a folder (it holds one folder per bucket)",
                dir.display()
            ));
        }
        executor = executor.with_objects(Arc::new(DirObjects::new(dir)));
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    let arn = format!("arn:aws:states:local:000000000000:execution:{name}:workflow-run");
    let spec = ExecutionSpec::new("workflow-run", arn, input.clone()).with_history();
    Ok((runtime.block_on(executor.run(spec)), input))
}

fn report(args: &RunArgs, r: &ExecutionResult, input: Value) -> String {
    if args.json {
        let mut doc = json!({
            "status": r.status.as_str(),
            "output": r.output,
            "error": r.error,
            "cause": r.cause,
            "states": r.path,
        });
        if args.history {
            doc["history"] = json!(r.history);
        }
        return format!("{}\n", serde_json::to_string_pretty(&doc).expect("JSON"));
    }
    let mut out = format!("status  {}\n", r.status.as_str());
    if let Some(o) = &r.output {
        out += &format!("output  {o}\n");
    }
    if let Some(e) = &r.error {
        out += &format!("error   {e}\n");
    }
    if let Some(c) = &r.cause {
        out += &format!("cause   {c}\n");
    }
    out += &format!("states  {}\n", r.path.join(" -> "));
    if args.history {
        let view = ExecutionView {
            execution_arn: "workflow-run".into(),
            name: "workflow-run".into(),
            status: r.status,
            start_date: r.start_date,
            stop_date: Some(r.stop_date),
            input,
            output: r.output.clone(),
            error: r.error.clone(),
            cause: r.cause.clone(),
            replay_name: None,
            events: r.history.clone(),
            mocked_states: Vec::new(),
        };
        out += "\n";
        out += &jobs_client::render::timeline(&[view]);
    }
    out
}
