//! Replays the `asl_load`, `asl_paths` and `asl_run` fuzz targets' seeds
//! (`fuzz/seeds/<target>`) and kept crash inputs (`fuzz/regressions/<target>`)
//! through the same calls the targets make: loading and evaluating must never
//! panic.

use std::path::PathBuf;

use jobs_asl::internals::Intrinsic;
use jobs_asl::internals::Path;
use jobs_asl::internals::Template;
use jobs_asl::{ExecutionSpec, ExecutionStatus, Executor, StateMachine};
use jobs_asl::{TaskContext, TaskError, TaskHandler};
use serde_json::Value;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

fn inputs(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    inputs_in("seeds", target)
}

fn inputs_in(dir: &str, target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let fuzz = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fuzz");
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(fuzz.join(dir).join(target)) {
        for entry in entries {
            let path = entry.unwrap().path();
            let bytes = std::fs::read(&path).unwrap();
            out.push((path, bytes));
        }
    }
    out.sort();
    out
}

fn doc(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or(Value::Null)
}

/// What `asl_paths` does with one input (`expr NUL input NUL ctx NUL value`);
/// returns how many of the evaluations produced a value.
fn eval_all(data: &[u8]) -> usize {
    let mut parts = data
        .splitn(4, |b| *b == 0)
        .map(|p| String::from_utf8_lossy(p).into_owned());
    let mut next = || parts.next().unwrap_or_default();
    let (expr, input, ctx, value) = (next(), doc(&next()), doc(&next()), doc(&next()));
    let mut produced = 0;
    for path in [Path::parse(&expr), Path::parse_reference(&expr)]
        .into_iter()
        .flatten()
    {
        produced += usize::from(path.select(&input, &ctx).is_some());
        let _ = path.select_from(&input);
        let _ = path.take(input.clone(), &ctx);
        let _ = path.may_read_context(&["Execution", "Input"]);
    }
    // `set` is for reference paths only (a ResultPath), as the loader uses it.
    if let Ok(path) = Path::parse_reference(&expr) {
        let _ = path.set(input.clone(), value.clone());
    }
    if let Ok(call) = Intrinsic::parse(&expr) {
        produced += usize::from(call.eval(&input, &ctx).is_ok());
    }
    let template =
        serde_json::from_str(&expr).unwrap_or_else(|_| serde_json::json!({ "v.$": expr }));
    if let Ok(t) = Template::compile(&template) {
        produced += usize::from(t.eval(&input, &ctx).is_ok());
    }
    produced
}

#[test]
fn every_kept_asl_load_input_loads_or_errors() {
    let inputs = inputs("asl_load");
    assert!(inputs.len() >= 10, "fuzz seeds not found: {}", inputs.len());
    let loaded = inputs
        .iter()
        .filter(|(_, b)| StateMachine::from_json(&String::from_utf8_lossy(b)).is_ok())
        .count();
    // The seeds are the project's own definitions: most of them must load, or
    // the replay has stopped reaching the state parsers.
    assert!(loaded * 2 > inputs.len(), "{loaded} of {}", inputs.len());
}

#[test]
fn every_kept_asl_paths_input_evaluates_or_errors() {
    let inputs = inputs("asl_paths");
    assert!(inputs.len() >= 10, "fuzz seeds not found: {}", inputs.len());
    let produced: usize = inputs.iter().map(|(_, b)| eval_all(b)).sum();
    // Many seeds select something from their document; if none did, the replay
    // would only be exercising the error paths.
    assert!(
        produced * 2 > inputs.len(),
        "{produced} of {}",
        inputs.len()
    );
}

#[test]
fn kept_asl_load_crash_inputs_load_or_error() {
    let inputs = inputs_in("regressions", "asl_load");
    assert!(!inputs.is_empty());
    for (path, bytes) in inputs {
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let outcome = std::panic::catch_unwind(|| StateMachine::from_json(&text).is_ok());
        assert!(outcome.is_ok(), "{} panics", path.display());
    }
}

#[test]
fn a_non_ascii_character_after_a_path_segment_is_an_error() {
    for src in ["$é€", "$$ҝ", "$.a[0]é"] {
        let outcome = std::panic::catch_unwind(|| Path::parse(src).is_err());
        assert_eq!(outcome.ok(), Some(true), "{src}");
    }
    // A letter right after `$` starts a variable name, however it is encoded.
    assert_eq!(Path::parse("$é").unwrap().variable(), Some("é"));
    // A non-ASCII character inside a name is part of the name.
    assert!(Path::parse("$.a€").is_ok());
}

#[test]
fn kept_asl_paths_crash_inputs_evaluate_or_error() {
    let inputs = inputs_in("regressions", "asl_paths");
    assert!(!inputs.is_empty());
    for (path, bytes) in inputs {
        let outcome = std::panic::catch_unwind(|| eval_all(&bytes));
        assert!(outcome.is_ok(), "{} panics", path.display());
    }
}

/// The `asl_run` target's mocked tasks: they echo their input, and every third call fails.
struct Mocked(AtomicUsize);

#[async_trait::async_trait]
impl TaskHandler for Mocked {
    async fn invoke(&self, _: &str, input: Value, _: &TaskContext) -> Result<Value, TaskError> {
        if self.0.fetch_add(1, Ordering::Relaxed) % 3 == 2 {
            return Err(TaskError::new("Mock.Failure", "every third call fails"));
        }
        Ok(input)
    }
}

/// What `asl_run` does with one input (`definition NUL input`): the status, or None when the
/// definition is refused.
fn run_one(data: &[u8]) -> Option<ExecutionStatus> {
    let mut parts = data.splitn(2, |b| *b == 0);
    let definition = std::str::from_utf8(parts.next().unwrap_or_default()).ok()?;
    let machine = StateMachine::from_json(definition).ok()?;
    let input = parts
        .next()
        .and_then(|p| serde_json::from_slice(p).ok())
        .unwrap_or_else(|| serde_json::json!({}));
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .unwrap();
    let executor = Executor::new(Arc::new(machine), Arc::new(Mocked(AtomicUsize::new(0))));
    let spec = ExecutionSpec::new(
        "fuzz",
        "arn:aws:states:us-east-1:0:execution:fuzz:run",
        input,
    )
    .with_history();
    Some(rt.block_on(executor.run(spec)).status)
}

#[test]
fn every_kept_asl_run_input_runs_to_an_end() {
    let mut inputs = inputs("asl_run");
    assert!(inputs.len() >= 10, "fuzz seeds not found: {}", inputs.len());
    inputs.extend(inputs_in("regressions", "asl_run"));
    let mut succeeded = 0;
    for (path, bytes) in &inputs {
        let outcome = std::panic::catch_unwind(|| run_one(bytes));
        let status = outcome.unwrap_or_else(|_| panic!("{} panics", path.display()));
        succeeded += usize::from(status == Some(ExecutionStatus::Succeeded));
    }
    // The seeds are the conformance definitions: many succeed even with failing mocks, or
    // the replay has stopped reaching the executor.
    assert!(
        succeeded * 4 > inputs.len(),
        "{succeeded} of {}",
        inputs.len()
    );
}
