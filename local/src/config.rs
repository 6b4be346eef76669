//! `jobs-local start` options. Every flag has an environment fallback, so the
//! stack can be configured either way (flags win).

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Args;
use jobs_asl::WorkflowType;

pub const DEFAULT_ACCESS_KEY_ID: &str = "AKIDLOCALJOBS0000000";
pub const DEFAULT_SECRET_ACCESS_KEY: &str = "local-jobs-secret-do-not-use-in-production";
pub(crate) const DEFAULT_REGION: &str = "us-east-1";

#[derive(Debug, Clone, Args)]
pub struct StartArgs {
    /// Address to listen on.
    #[arg(long, env = "JOBS_LOCAL_ADDR", default_value = "127.0.0.1:3000")]
    pub addr: SocketAddr,
    /// Where the SQLite database lives.
    #[arg(long, env = "JOBS_LOCAL_DATA_DIR", default_value = "./local-data")]
    pub data_dir: PathBuf,
    /// Access key id requests must be signed with.
    #[arg(long, env = "JOBS_LOCAL_ACCESS_KEY_ID", default_value = DEFAULT_ACCESS_KEY_ID)]
    pub access_key_id: String,
    /// Secret access key requests must be signed with.
    #[arg(long, env = "JOBS_LOCAL_SECRET_ACCESS_KEY", default_value = DEFAULT_SECRET_ACCESS_KEY, hide_env_values = true)]
    pub secret_access_key: String,
    /// Make the error handler's job-store writes fail (fault injection).
    #[arg(long)]
    pub fail_error_handler_writes: bool,
    /// Faults to inject at start, comma-separated: error-handler-writes, processor-writes,
    /// hold-runs (jobs stay Running until `jobs faults --job-runs run`).
    #[arg(long, env = "JOBS_LOCAL_FAULTS", default_value = "")]
    pub faults: String,
    /// A workflow definition to run instead of statemachine/jobs.asl.json (JSONPath or
    /// JSONata, with the same ${...} placeholders), e.g. statemachine/jobs.jsonata.asl.json.
    #[arg(long, env = "JOBS_LOCAL_WORKFLOW", value_name = "PATH")]
    pub workflow: Option<PathBuf>,
    /// The workflow type to run as, the deployed stack's (`-c workflowType=...`): EXPRESS or
    /// STANDARD. What AWS refuses for that type, the stack refuses at start.
    #[arg(
        long,
        env = "JOBS_LOCAL_WORKFLOW_TYPE",
        default_value = "EXPRESS",
        value_name = "EXPRESS|STANDARD"
    )]
    pub workflow_type: WorkflowType,
    /// The functions manifest whose workflow functions the stack runs in-process, instead of
    /// lambdas/functions.json (as built in); each must be built into this binary (see
    /// examples/functions.json and `jobs generate`).
    #[arg(long, env = "JOBS_LOCAL_FUNCTIONS", value_name = "FILE")]
    pub functions: Option<PathBuf>,
    /// Where the workflow functions' own AWS calls go (an emulator on 127.0.0.1, such as
    /// moto_server); without it, a function that calls AWS fails saying so.
    #[arg(long, env = "JOBS_LOCAL_AWS_ENDPOINT", value_name = "URL")]
    pub aws_endpoint: Option<String>,
    /// A mock file in Step Functions Local's format (as `jobs workflow run --mocks` reads it):
    /// it answers the Task states the stack does not run itself (anything but the declared
    /// functions and events:putEvents), by state name.
    #[arg(long, env = "JOBS_LOCAL_MOCKS", value_name = "FILE")]
    pub mocks: Option<PathBuf>,
    /// The state machine of the mock file to use, when it has several.
    #[arg(
        long,
        env = "JOBS_LOCAL_STATE_MACHINE",
        value_name = "NAME",
        requires = "mocks"
    )]
    pub state_machine: Option<String>,
    /// A folder that stands in for S3 when a distributed Map reads its items (ItemReader):
    /// DIR/bucket/key is the object `key` of `bucket`. It must exist; without it, such a
    /// Map fails saying so.
    #[arg(long, env = "JOBS_LOCAL_S3_DIR", value_name = "DIR")]
    pub s3_dir: Option<PathBuf>,
    /// The test case of that state machine to use, when it has several.
    #[arg(
        long,
        env = "JOBS_LOCAL_TEST_CASE",
        value_name = "NAME",
        requires = "mocks"
    )]
    pub test_case: Option<String>,
    /// Seconds between two sweeps for jobs whose execution was lost; shorter
    /// than the workflow's TimeoutSeconds.
    #[arg(long, env = "JOBS_LOCAL_SWEEP_PERIOD_SECONDS", default_value_t = DEFAULT_SWEEP_PERIOD_SECONDS)]
    pub sweep_period_seconds: u64,
}

/// The local sweep runs as often as the deployed one (cdk/lib/sweeper.ts).
pub(crate) const DEFAULT_SWEEP_PERIOD_SECONDS: u64 = 60;

/// Everything the stack needs to start.
#[derive(Debug, Clone)]
pub struct Config {
    pub addr: SocketAddr,
    pub data_dir: PathBuf,
    pub access_key_id: String,
    pub secret_access_key: String,
    pub region: String,
    /// Fault names, as in `JOBS_LOCAL_FAULTS`.
    pub faults: Vec<String>,
    /// The workflow definition file; the project's own when `None`.
    pub workflow: Option<PathBuf>,
    /// The functions manifest (`--functions`); lambdas/functions.json when `None`.
    pub functions: Option<PathBuf>,
    /// `--aws-endpoint`.
    pub aws_endpoint: Option<String>,
    pub workflow_type: WorkflowType,
    /// The mock file and the state machine and test case chosen in it.
    pub mocks: Option<Mocks>,
    /// `--s3-dir`: where a distributed Map's ItemReader reads objects (DIR/bucket/key).
    pub s3_dir: Option<PathBuf>,
    pub sweep_period: std::time::Duration,
}

/// `--mocks FILE [--state-machine NAME] [--test-case NAME]`.
#[derive(Debug, Clone)]
pub struct Mocks {
    pub file: PathBuf,
    pub state_machine: Option<String>,
    pub test_case: Option<String>,
}

impl Config {
    /// `region` comes from the global `--region` (shared with the client
    /// commands), else `JOBS_LOCAL_REGION`, else us-east-1.
    pub fn from_args(args: &StartArgs, region: Option<&str>) -> Self {
        let region = region
            .map(str::to_owned)
            .or_else(|| {
                std::env::var("JOBS_LOCAL_REGION")
                    .ok()
                    .filter(|r| !r.is_empty())
            })
            .unwrap_or_else(|| DEFAULT_REGION.to_owned());
        let mut faults: Vec<String> = args
            .faults
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
        if args.fail_error_handler_writes && !faults.iter().any(|f| f == "error-handler-writes") {
            faults.push("error-handler-writes".into());
        }
        Self {
            addr: args.addr,
            data_dir: args.data_dir.clone(),
            access_key_id: args.access_key_id.clone(),
            secret_access_key: args.secret_access_key.clone(),
            region,
            faults,
            workflow: args.workflow.clone(),
            functions: args.functions.clone(),
            aws_endpoint: args.aws_endpoint.clone(),
            workflow_type: args.workflow_type,
            mocks: args.mocks.clone().map(|file| Mocks {
                file,
                state_machine: args.state_machine.clone(),
                test_case: args.test_case.clone(),
            }),
            s3_dir: args.s3_dir.clone(),
            sweep_period: std::time::Duration::from_secs(args.sweep_period_seconds),
        }
    }

    /// A configuration for tests and benchmarks: a random port on 127.0.0.1.
    pub fn ephemeral(data_dir: PathBuf) -> Self {
        Self {
            addr: "127.0.0.1:0".parse().expect("a socket address"),
            data_dir,
            access_key_id: DEFAULT_ACCESS_KEY_ID.into(),
            secret_access_key: DEFAULT_SECRET_ACCESS_KEY.into(),
            region: DEFAULT_REGION.into(),
            faults: Vec::new(),
            workflow: None,
            functions: None,
            aws_endpoint: None,
            workflow_type: WorkflowType::Express,
            mocks: None,
            s3_dir: None,
            sweep_period: std::time::Duration::from_secs(DEFAULT_SWEEP_PERIOD_SECONDS),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        start: StartArgs,
    }

    #[test]
    fn the_fault_flag_and_the_fault_list_combine_without_duplicates() {
        let cli = Cli::parse_from([
            "jobs-local",
            "--fail-error-handler-writes",
            "--faults",
            "processor-writes,error-handler-writes",
            "--data-dir",
            "/tmp/x",
        ]);
        let config = Config::from_args(&cli.start, Some("eu-west-1"));
        assert_eq!(
            config.faults,
            vec!["processor-writes", "error-handler-writes"]
        );
        assert_eq!(config.region, "eu-west-1");
        assert_eq!(config.data_dir, PathBuf::from("/tmp/x"));
    }

    #[test]
    fn a_test_case_is_chosen_only_with_a_mock_file() {
        let cli = Cli::parse_from(["jobs-local", "--mocks", "m.json", "--test-case", "Happy"]);
        let mocks = Config::from_args(&cli.start, None).mocks.unwrap();
        assert_eq!(mocks.file, PathBuf::from("m.json"));
        assert_eq!(mocks.test_case.as_deref(), Some("Happy"));
        assert_eq!(mocks.state_machine, None);
        assert!(
            Config::from_args(&Cli::parse_from(["jobs-local"]).start, None)
                .mocks
                .is_none()
        );
        let err = Cli::try_parse_from(["jobs-local", "--test-case", "Happy"])
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("--mocks"), "{err}");
    }

    #[test]
    fn the_workflow_type_is_express_unless_asked_and_nothing_else_is_taken() {
        let cli = Cli::parse_from(["jobs-local"]);
        assert_eq!(
            Config::from_args(&cli.start, None).workflow_type,
            WorkflowType::Express
        );
        let cli = Cli::parse_from(["jobs-local", "--workflow-type", "STANDARD"]);
        assert_eq!(
            Config::from_args(&cli.start, None).workflow_type,
            WorkflowType::Standard
        );
        let err = Cli::try_parse_from(["jobs-local", "--workflow-type", "FAST"])
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("EXPRESS or STANDARD"), "{err}");
    }

    #[test]
    fn the_s3_folder_comes_from_the_flag_and_is_unset_without_it() {
        let cli = Cli::parse_from(["jobs-local", "--s3-dir", "/tmp/objects"]);
        assert_eq!(
            Config::from_args(&cli.start, None).s3_dir,
            Some(PathBuf::from("/tmp/objects"))
        );
        let cli = Cli::parse_from(["jobs-local"]);
        assert_eq!(Config::from_args(&cli.start, None).s3_dir, None);
    }

    #[test]
    fn the_flag_alone_turns_on_the_error_handler_fault() {
        let cli = Cli::parse_from(["jobs-local", "--fail-error-handler-writes", "--faults", ""]);
        let config = Config::from_args(&cli.start, Some("us-east-1"));
        assert_eq!(config.faults, vec!["error-handler-writes"]);
        assert_eq!(config.access_key_id, DEFAULT_ACCESS_KEY_ID);
    }
}
