//! Runs one recorded execution through the interpreter, for comparing with what AWS recorded
//! (`asl/conformance/localstack_snapshots.py` drives it, one process per case so that a hang
//! or a panic stays with its case).
//!
//! cargo run -p jobs-asl --example replay_case < case.json
//!
//! The case is `{"definition": {...} or "text", "input": {...}, "tasks": {"State": [outcome,
//! ...]}}`, an outcome being `{"return": value}` or `{"throw": {"error": "...", "cause":
//! "..."}}`: each call of a Task state takes its next recorded outcome. Waits take no time
//! (tokio's clock is paused). Prints `{"status", "output", "error", "cause", "unrecorded"}`
//! (`unrecorded`: some Task state had no recorded result, as when it ran in a distributed
//! Map's child execution, whose history the recording does not hold), or
//! `{"status": "INVALID_DEFINITION", "cause"}` when the definition is refused. A ResultWriter
//! writes to a fresh temporary folder standing in for S3.

use async_trait::async_trait;
use jobs_asl::{ExecutionSpec, Executor, StateMachine, TaskContext, TaskError, TaskHandler};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::io::Read;
use std::sync::{Arc, Mutex};

/// Task results as recorded, handed out in order per state name.
struct Recorded {
    script: HashMap<String, Vec<Value>>,
    calls: Mutex<HashMap<String, usize>>,
    unrecorded: std::sync::atomic::AtomicBool,
}

#[async_trait]
impl TaskHandler for Recorded {
    async fn invoke(&self, _: &str, _: Value, ctx: &TaskContext) -> Result<Value, TaskError> {
        let name = ctx.state_name.to_string();
        let n = {
            let mut calls = self.calls.lock().expect("calls lock");
            let n = calls.entry(name.clone()).or_default();
            *n += 1;
            *n - 1
        };
        let Some(list) = self.script.get(&name).filter(|l| !l.is_empty()) else {
            self.unrecorded
                .store(true, std::sync::atomic::Ordering::Relaxed);
            return Err(TaskError::new(
                "Replay.NoRecordedResult",
                format!("no recorded result for the Task state '{name}'"),
            ));
        };
        let o = &list[n.min(list.len() - 1)];
        if let Some(t) = o.get("throw") {
            return Err(TaskError::new(
                t["error"].as_str().unwrap_or_default(),
                t["cause"].as_str().unwrap_or_default(),
            ));
        }
        Ok(o.get("return").cloned().unwrap_or(Value::Null))
    }
}

fn main() {
    let mut text = String::new();
    std::io::stdin()
        .read_to_string(&mut text)
        .expect("a case on standard input");
    let case: Value = serde_json::from_str(&text).expect("the case is JSON");
    let definition = match &case["definition"] {
        Value::String(s) => s.clone(),
        v => v.to_string(),
    };
    let machine = match StateMachine::from_json(&definition) {
        Ok(m) => m,
        Err(e) => {
            println!(
                "{}",
                json!({"status": "INVALID_DEFINITION", "cause": e.to_string()})
            );
            return;
        }
    };
    let script: HashMap<String, Vec<Value>> =
        serde_json::from_value(case["tasks"].clone()).unwrap_or_default();
    let handler = Arc::new(Recorded {
        script,
        calls: Mutex::default(),
        unrecorded: Default::default(),
    });
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .expect("a runtime");
    let input = case.get("input").cloned().unwrap_or_else(|| json!({}));
    let arn = "arn:aws:states:us-east-1:111111111111:execution:replay:case";
    // The recordings mask the role; any role stands for it.
    let spec = ExecutionSpec::new("case", arn, input)
        .with_role_arn("arn:aws:iam::111111111111:role/replay");
    let s3 = std::env::temp_dir().join(format!("replay-case-{}", std::process::id()));
    let written = write_buckets(&s3, &definition);
    let executor = Executor::new(Arc::new(machine), handler.clone())
        .with_objects(Arc::new(jobs_asl::DirObjects::new(&s3)));
    let r = rt.block_on(executor.run(spec));
    if written {
        let _ = std::fs::remove_dir_all(&s3);
    }
    println!(
        "{}",
        json!({
            "status": r.status.as_str(),
            "output": r.output,
            "error": r.error,
            "cause": r.cause,
            "unrecorded": handler.unrecorded.load(std::sync::atomic::Ordering::Relaxed),
        })
    );
}

/// Makes the folder of each literal ResultWriter bucket of `definition` under `root`, so
/// that a Map writing its results has somewhere to write them; whether any was made.
fn write_buckets(root: &std::path::Path, definition: &str) -> bool {
    fn walk(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(m) => {
                if let Some(b) = m
                    .get("ResultWriter")
                    .and_then(|w| w.get("Parameters").or(w.get("Arguments")))
                    .and_then(|p| p.get("Bucket"))
                    .and_then(Value::as_str)
                {
                    out.push(b.to_owned());
                }
                m.values().for_each(|x| walk(x, out));
            }
            Value::Array(a) => a.iter().for_each(|x| walk(x, out)),
            _ => {}
        }
    }
    let mut buckets = vec![];
    if let Ok(v) = serde_json::from_str::<Value>(definition) {
        walk(&v, &mut buckets);
    }
    for b in &buckets {
        let _ = std::fs::create_dir_all(root.join(b));
    }
    !buckets.is_empty()
}
