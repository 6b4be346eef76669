//! `jobs generate`: writes the files that follow from the job crate's types
//! and limits, so that nothing else states them by hand. With `--check` it
//! writes nothing and fails when a committed file differs from what the job
//! derives (the test command runs it that way).
//!
//! Layout: `model` turns the parameters type's JSON Schema into the draft-04
//! request model API Gateway and the local gateway load; `timeouts` writes
//! the job's time limit into the workflow definitions; `openapi` writes the
//! job's schemas and example into the OpenAPI description; `postman` the
//! bodies the Postman collection sends; `functions` the registry of the workflow functions
//! the local stack runs in-process, from the functions manifests.

mod functions;
mod model;
mod openapi;
mod postman;
mod timeouts;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;
use jobs_domain::work::{DynWork, Work};
use serde_json::{json, Map, Value};

/// The request model, relative to the repository root.
pub(crate) const MODEL: &str = "lambdas/api/schema/create-job.json";
/// The workflow definitions whose time limits follow the job's.
pub(crate) const DEFINITIONS: [&str; 2] = [
    "statemachine/jobs.asl.json",
    "statemachine/jobs.jsonata.asl.json",
];
/// Bodies for the tests and scripts of any job: its example, another valid
/// one, one with a value of the wrong type, one with an unknown key.
pub(crate) const BODIES: &str = "lambdas/api/schema/create-job.bodies.json";
/// The OpenAPI description, whose job-specific parts sit between markers.
pub(crate) const OPENAPI: &str = "openapi/jobs-api.yaml";
pub(crate) use postman::COLLECTION;

type Parameters = <jobs_job::Job as Work>::Parameters;
type Results = <jobs_job::Job as Work>::Results;

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
    let read = |relative: &str| {
        let path = root.join(relative);
        std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))
    };
    let schema = schemars::schema_for!(Parameters);
    let model = model::request_model(schema.to_value())?;
    let mut files = vec![(MODEL.to_owned(), model::pretty(&model))];
    let limits = timeouts::Timeouts::for_limit(jobs_job::Job::LIMITS.time);
    for definition in DEFINITIONS {
        let written = limits
            .write_into(&read(definition)?)
            .map_err(|e| format!("{definition}: {e}"))?;
        files.push((definition.to_owned(), written));
    }
    let example = DynWork::example(&jobs_job::Job).to_value();
    files.push((
        OPENAPI.to_owned(),
        openapi_written(&read(OPENAPI)?, &model, &example)
            .map_err(|e| format!("{OPENAPI}: {e}"))?,
    ));
    let validator = model::Validator::new(&model)?;
    let judge = postman::Judge {
        model: &|body| validator.accepts(body),
        job: &|body| jobs_job::Job.check(body).is_ok(),
    };
    let variables =
        postman::variables(&model, &example, &judge).map_err(|e| format!("{COLLECTION}: {e}"))?;
    let collection = postman::write_variables(&read(COLLECTION)?, &variables)
        .map_err(|e| format!("{COLLECTION}: {e}"))?;
    files.push((COLLECTION.to_owned(), collection));
    files.push((BODIES.to_owned(), bodies(&variables)?));
    let manifests = functions::MANIFESTS
        .iter()
        .map(|m| jobs_local::functions::Manifest::parse(&read(m)?, m))
        .collect::<Result<Vec<_>, String>>()?;
    let crates = functions::built_in(&manifests)?;
    files.push((functions::CARGO.to_owned(), functions::cargo_toml(&crates)));
    files.push((functions::LIB.to_owned(), functions::lib_rs(&crates)));
    Ok(files)
}

/// The Postman variables as one JSON document (`exampleBody` as `example`,
/// and so on), for tests and scripts that are not Postman.
fn bodies(variables: &[(&str, String)]) -> Result<String, String> {
    let mut out = Map::new();
    for (name, text) in variables {
        let key = name.strip_suffix("Body").unwrap_or(name);
        let value = serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.clone()));
        out.insert(key.to_owned(), value);
    }
    Ok(model::pretty(&Value::Object(out)))
}

fn openapi_written(text: &str, model: &Value, example: &Value) -> Result<String, String> {
    let mut schemas = Map::new();
    schemas.insert(
        "CreateJobRequest".into(),
        openapi::schema_object(model, "CreateJobRequest")?,
    );
    let probe = &Probe::<Results>(std::marker::PhantomData);
    let results = match probe.schema() {
        Some(schema) => {
            let converted = model::convert_schema(schema)?;
            openapi::schema_object(&converted, "JobResults")?
        }
        // The results type derives no schema: say only that it is an object.
        None => json!({"type": "object"}),
    };
    schemas.insert("JobResults".into(), results);
    let text = openapi::write_region(text, "schemas", &schemas)?;
    let mut request = Map::new();
    request.insert("example".into(), example.clone());
    openapi::write_region(&text, "request example", &request)
}

/// Tells whether a type derives a JSON Schema, at a concrete type: the
/// job crate need not derive one for its results, and the OpenAPI
/// description then says less. (Method resolution prefers `Derived`, which
/// takes `&Probe`, over `NotDerived`, which takes `&&Probe`, when it applies.)
struct Probe<T>(std::marker::PhantomData<T>);

trait Derived {
    fn schema(&self) -> Option<Value>;
}

impl<T: schemars::JsonSchema> Derived for Probe<T> {
    fn schema(&self) -> Option<Value> {
        Some(schemars::schema_for!(T).to_value())
    }
}

// Unused while the job's results derive a schema.
#[allow(dead_code)]
trait NotDerived {
    fn schema(&self) -> Option<Value>;
}

impl<T> NotDerived for &Probe<T> {
    fn schema(&self) -> Option<Value> {
        None
    }
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
        } else if let Err(e) = path
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| std::fs::write(&path, content))
        {
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

#[cfg(test)]
mod tests;
