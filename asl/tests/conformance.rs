//! Runs the fixtures in `conformance/fixtures` through this interpreter and through the npm
//! package aws-local-stepfunctions, and asserts the same final status, output, error and path;
//! and the fixtures in `conformance/documented` (JSONata and variables, which that package does
//! not run) through this interpreter against the results the AWS documentation gives.
//! See `conformance/README.md` for the fixture format.

mod node;

use async_trait::async_trait;
use jobs_asl::{
    substitute, DirObjects, ExecutionSpec, Executor, StateMachine, TaskContext, TaskError,
    TaskHandler,
};
use serde_json::Value;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

const EXECUTION_ARN: &str = "arn:aws:states:local:000000000000:execution:conformance:exec-1";

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("conformance")
}

/// Each Task state answers from its script, one outcome per call; the last one repeats.
struct ByState {
    script: HashMap<String, Vec<Value>>,
    calls: Mutex<HashMap<String, Vec<Value>>>,
}

#[async_trait]
impl TaskHandler for ByState {
    async fn invoke(
        &self,
        _resource: &str,
        input: Value,
        ctx: &TaskContext,
    ) -> Result<Value, TaskError> {
        let n = {
            let mut calls = self.calls.lock().unwrap();
            let c = calls.entry(ctx.state_name.to_string()).or_default();
            c.push(input.clone());
            c.len() - 1
        };
        let Some(script) = self.script.get(&*ctx.state_name) else {
            return Ok(input);
        };
        let o = &script[n.min(script.len() - 1)];
        if let Some(s) = o.get("sleepSeconds").and_then(Value::as_f64) {
            tokio::time::sleep(Duration::from_secs_f64(s)).await;
        }
        if let Some(t) = o.get("throw") {
            return Err(TaskError::new(
                t["error"].as_str().unwrap_or_default(),
                t["cause"].as_str().unwrap_or_default(),
            ));
        }
        // A result too big to write in a fixture: `{"Payload": "xxx..."}` of this many bytes.
        if let Some(n) = o.get("returnPayloadBytes").and_then(Value::as_u64) {
            return Ok(serde_json::json!({"Payload": "x".repeat(n as usize)}));
        }
        Ok(o.get("return").cloned().unwrap_or(input))
    }
}

fn run_rust(fx: &Value) -> Value {
    let def = match fx.get("definition") {
        Some(d) => d.to_string(),
        None => {
            let text = std::fs::read_to_string(
                Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("..")
                    .join(fx["definitionFile"].as_str().unwrap()),
            )
            .unwrap();
            let vars: HashMap<String, String> =
                serde_json::from_value(fx.get("substitutions").cloned().unwrap_or_default())
                    .unwrap_or_default();
            substitute(&text, &vars)
        }
    };
    // A definition AWS refuses is a fixture too: `expect.status` is then INVALID_DEFINITION.
    let machine = match StateMachine::from_json(&def) {
        Ok(m) => m,
        Err(e) => {
            return serde_json::json!({"status": "INVALID_DEFINITION", "cause": e.to_string()});
        }
    };
    let script: HashMap<String, Vec<Value>> = serde_json::from_value(
        fx.get("tasks")
            .cloned()
            .unwrap_or(Value::Object(Default::default())),
    )
    .unwrap();
    let handler = std::sync::Arc::new(ByState {
        script,
        calls: Mutex::default(),
    });
    let mut exec = Executor::new(machine.into(), handler.clone());
    let s3_root = fx.get("s3").map(s3_dir);
    if let Some(root) = &s3_root {
        exec = exec.with_objects(std::sync::Arc::new(DirObjects::new(root)));
    }
    // Paused time: retry waits and sleeps cost nothing, and the outcome is the same.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .unwrap();
    let input = fx
        .get("input")
        .cloned()
        .unwrap_or(Value::Object(Default::default()));
    let r =
        rt.block_on(exec.run(ExecutionSpec::new("exec-1", EXECUTION_ARN, input).with_history()));
    // Map Run ids are derived here and random on AWS: they read as `<MapRunId>`.
    let run_ids: Vec<String> = r
        .history
        .iter()
        .filter_map(|e| e.map_run_started_event_details.as_ref())
        .filter_map(|d| d.map_run_arn.rsplit(':').next().map(str::to_owned))
        .collect();
    let mask = |text: String| {
        run_ids
            .iter()
            .fold(text, |t, id| t.replace(id.as_str(), "<MapRunId>"))
    };
    let events: Vec<Value> = r
        .history
        .iter()
        .map(|e| serde_json::to_value(e.event_type).unwrap())
        .collect();
    let output =
        serde_json::from_str::<Value>(&mask(r.output.unwrap_or(Value::Null).to_string())).unwrap();
    let written: Vec<String> = match (&s3_root, fx.get("s3")) {
        (Some(root), Some(given)) => files_under(root)
            .into_iter()
            .filter(|k| {
                let (bucket, key) = k.split_once('/').unwrap();
                given[bucket].get(key).is_none()
            })
            .map(mask)
            .collect(),
        _ => vec![],
    };
    let calls: serde_json::Map<String, Value> = handler
        .calls
        .lock()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), Value::Array(v.clone())))
        .collect();
    serde_json::json!({
        "status": r.status.as_str(),
        "output": output,
        "events": events,
        "written": written,
        "error": r.error,
        "cause": r.cause,
        "path": r.path,
        "calls": calls,
    })
}

/// A fresh folder standing in for S3, holding the fixture's `s3` objects: bucket -> key ->
/// content (a string is the object's text; any other JSON value is written as JSON). The
/// content of a key ending in `.gz` is written gzip-compressed, as S3 Inventory data files are.
fn s3_dir(s3: &Value) -> PathBuf {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let root = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("conformance-s3-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    for (bucket, objects) in s3.as_object().expect("s3 is an object of buckets") {
        std::fs::create_dir_all(root.join(bucket)).unwrap();
        for (key, content) in objects.as_object().expect("a bucket is an object of keys") {
            let path = root.join(bucket).join(key);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            let text = match content {
                Value::String(text) => text.clone(),
                other => other.to_string(),
            };
            let bytes = if key.ends_with(".gz") {
                gzip(&text)
            } else {
                text.into_bytes()
            };
            std::fs::write(path, bytes).unwrap();
        }
    }
    root
}

/// Every file under `root`, as `bucket/key`, sorted.
fn files_under(root: &Path) -> Vec<String> {
    fn walk(dir: &Path, root: &Path, out: &mut Vec<String>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, root, out);
            } else {
                let rel = p.strip_prefix(root).unwrap();
                out.push(rel.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    let mut out = vec![];
    walk(root, root, &mut out);
    out.sort();
    out
}

fn gzip(text: &str) -> Vec<u8> {
    use std::io::Write;
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(text.as_bytes()).unwrap();
    enc.finish().unwrap()
}

fn node_results() -> Option<HashMap<String, Value>> {
    let out = node::run(&dir(), "run.mjs", "conformance comparison")?;
    let list: Vec<Value> = serde_json::from_slice(&out).expect("run.mjs prints JSON");
    Some(
        list.into_iter()
            .map(|r| (r["name"].as_str().unwrap().to_owned(), r))
            .collect(),
    )
}

#[test]
fn same_outcomes_as_aws_local_stepfunctions() {
    let Some(node) = node_results() else { return };
    let mut fixtures: Vec<_> = std::fs::read_dir(dir().join("fixtures"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    fixtures.sort();
    assert!(fixtures.len() >= 10, "fixtures are missing");
    let mut failures = Vec::new();
    for p in &fixtures {
        let name = p.file_stem().unwrap().to_str().unwrap();
        let fx: Value = serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap();
        let ours = run_rust(&fx);
        let theirs = node
            .get(name)
            .unwrap_or_else(|| panic!("no Node result for {name}"));
        let mut check = |what: &str, a: &Value, b: &Value| {
            if a != b {
                failures.push(format!(
                    "{name}: {what}: jobs-asl {a} vs aws-local-stepfunctions {b}"
                ));
            }
        };
        check("status", &ours["status"], &theirs["status"]);
        check("path", &ours["path"], &theirs["path"]);
        if ours["status"] == "SUCCEEDED" {
            check("output", &ours["output"], &theirs["output"]);
        }
        if ours["status"] == "FAILED" {
            check("error", &ours["error"], &theirs["error"]);
            // Causes of the interpreters' own errors are worded differently.
            if !ours["error"].as_str().unwrap_or("").starts_with("States.") {
                check("cause", &ours["cause"], &theirs["cause"]);
            }
        }
        // The fixture's own expectations hold too, so a shared mistake is still caught.
        check_expect(name, &fx, &ours, &mut failures);
    }
    assert!(
        failures.is_empty(),
        "conformance failures:\n{}",
        failures.join("\n")
    );
}

/// Checks the fixture's `expect` against this interpreter's outcome. `calls` names, per Task
/// state, the inputs it must have been called with (none: `[]`).
fn check_expect(name: &str, fx: &Value, ours: &Value, failures: &mut Vec<String>) {
    let Some(exp) = fx.get("expect").and_then(Value::as_object) else {
        return;
    };
    for (k, v) in exp {
        if k == "calls" {
            for (state, inputs) in v.as_object().expect("calls is an object") {
                let got = ours["calls"]
                    .get(state)
                    .cloned()
                    .unwrap_or(Value::Array(vec![]));
                if &got != inputs {
                    failures.push(format!(
                        "{name}: expected {state} called with {inputs}, got {got}"
                    ));
                }
            }
        } else if &ours[k.as_str()] != v {
            failures.push(format!(
                "{name}: expected {k} = {v}, got {}",
                ours[k.as_str()]
            ));
        }
    }
}

#[test]
fn documented_examples_give_the_documented_results() {
    let mut fixtures: Vec<_> = std::fs::read_dir(dir().join("documented"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    fixtures.sort();
    assert!(fixtures.len() >= 15, "documented fixtures are missing");
    let mut failures = Vec::new();
    for p in &fixtures {
        let name = p.file_stem().unwrap().to_str().unwrap();
        let fx: Value = serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap();
        assert!(fx.get("expect").is_some(), "{name} has no expect");
        let ours = run_rust(&fx);
        check_expect(name, &fx, &ours, &mut failures);
    }
    assert!(
        failures.is_empty(),
        "documented results not met:\n{}",
        failures.join("\n")
    );
}
