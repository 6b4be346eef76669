//! `jobs generate`: writes the files that follow from the job crate's types
//! and limits, so that nothing else states them by hand. With `--check` it
//! writes nothing and fails when a committed file differs from what the job
//! derives (the test command runs it that way).
//!
//! Layout: `model` turns the parameters type's JSON Schema into the draft-04
//! request model API Gateway and the local gateway load; `timeouts` writes
//! the job's time limit into the workflow definitions.

mod model;
mod timeouts;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;
use jobs_domain::work::Work;

/// The request model, relative to the repository root.
pub(crate) const MODEL: &str = "lambdas/api/schema/create-job.json";
/// The workflow definitions whose time limits follow the job's.
pub(crate) const DEFINITIONS: [&str; 2] = [
    "statemachine/jobs.asl.json",
    "statemachine/jobs.jsonata.asl.json",
];

#[derive(Args, Debug)]
pub struct GenerateArgs {
    /// Write nothing; exit 1 if a file differs from what the job derives
    #[arg(long)]
    check: bool,
    /// The repository root (the current directory by default)
    #[arg(long, value_name = "DIR", default_value = ".")]
    root: PathBuf,
}

/// Every derived file: (path relative to the root, its content).
fn derived(root: &Path) -> Result<Vec<(String, String)>, String> {
    let schema = schemars::schema_for!(<jobs_job::Job as Work>::Parameters);
    let model = model::request_model(schema.to_value())?;
    let mut files = vec![(MODEL.to_owned(), model::pretty(&model))];
    let limits = timeouts::Timeouts::for_limit(jobs_job::Job::LIMITS.time);
    for definition in DEFINITIONS {
        let path = root.join(definition);
        let text =
            std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let written = limits
            .write_into(&text)
            .map_err(|e| format!("{definition}: {e}"))?;
        files.push((definition.to_owned(), written));
    }
    Ok(files)
}

pub fn run(args: GenerateArgs) -> ExitCode {
    let files = match derived(&args.root) {
        Ok(files) => files,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let mut stale = Vec::new();
    for (relative, content) in files {
        let path = args.root.join(&relative);
        let current = std::fs::read_to_string(&path).unwrap_or_default();
        if current == content {
            continue;
        }
        if args.check {
            stale.push(relative);
        } else if let Err(e) = std::fs::write(&path, content) {
            eprintln!("error: cannot write {}: {e}", path.display());
            return ExitCode::from(2);
        } else {
            eprintln!("wrote {relative}");
        }
    }
    if stale.is_empty() {
        if args.check {
            eprintln!("every derived file matches the job");
        }
        ExitCode::SUCCESS
    } else {
        eprintln!(
            "these files differ from what the job crate derives: {}\nrun `cargo run -p jobs -- generate` and commit the result",
            stale.join(", ")
        );
        ExitCode::FAILURE
    }
}
