//! Many concurrent executions of the jobs workflow whose processor sleeps 1 s (tokio sleep):
//! wall time until all finish, and peak RSS of the process.
//!
//! cargo run --profile local -p jobs-asl --example bench_concurrent [executions] [jsonata]
//!
//! With `jsonata` the workflow is `statemachine/jobs.jsonata.asl.json`, the same one written
//! in JSONata. With `distributed`, one execution runs a distributed Map over that many jobs
//! instead, read from a CSV in a stand-in S3 folder (an input of 10,000 jobs would be over
//! the 256 KiB a state's input may hold): each job is a child execution of its Map Run
//! calling the same sleepy processor (no host records them), all at once; their results go
//! to the folder through a ResultWriter, as 10,000 results are over the limit too.
//!
//! `SLEEP_MS` changes the processor's sleep (default 1000), e.g. 0 to count the CPU work alone.

use async_trait::async_trait;
use jobs_asl::{
    substitute, ExecutionSpec, ExecutionStatus, Executor, StateMachine, TaskContext, TaskError,
    TaskHandler,
};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

struct SleepyProcessor;

#[async_trait]
impl TaskHandler for SleepyProcessor {
    async fn invoke(&self, _: &str, input: Value, _: &TaskContext) -> Result<Value, TaskError> {
        tokio::time::sleep(Duration::from_millis(sleep_ms())).await;
        let p = &input["Payload"];
        Ok(json!({"StatusCode": 200, "Payload": {
            "id": p["id"], "status": "Success", "results": {"message": "I slept for 1 seconds"}
        }}))
    }
}

fn sleep_ms() -> u64 {
    static MS: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *MS.get_or_init(|| {
        std::env::var("SLEEP_MS")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(1000)
    })
}

fn peak_rss_mb() -> f64 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    s.lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map(|kb| kb / 1024.0)
        .unwrap_or(f64::NAN)
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .map(|a| a.parse().unwrap())
        .unwrap_or(10_000);
    let mode = std::env::args().nth(2).unwrap_or_default();
    if mode == "distributed" {
        return map_run(n);
    }
    let jsonata = mode == "jsonata";
    let file = if jsonata {
        "jobs.jsonata.asl.json"
    } else {
        "jobs.asl.json"
    };
    let text = std::fs::read_to_string(format!(
        "{}/../statemachine/{file}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let vars = HashMap::from([
        (
            "ProcessorFunctionArn".to_owned(),
            "arn:aws:lambda:local:0:function:processor".to_owned(),
        ),
        (
            "ErrorHandlerFunctionArn".to_owned(),
            "arn:aws:lambda:local:0:function:error-handler".to_owned(),
        ),
        (
            "FailedJobsEventBusName".to_owned(),
            "failed-jobs".to_owned(),
        ),
    ]);
    let m = Arc::new(StateMachine::from_json(&substitute(&text, &vars)).unwrap());
    let ex = Arc::new(Executor::new(m, Arc::new(SleepyProcessor)));
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_time()
        .build()
        .unwrap();
    let before = peak_rss_mb();
    let t0 = Instant::now();
    // Completion is counted inside the runtime and signalled once, so the figure measures the
    // executions rather than 10,000 wake-ups of a thread waiting on join handles one by one.
    let done = Arc::new(AtomicUsize::new(0));
    let ok = Arc::new(AtomicUsize::new(0));
    let all_done = Arc::new(tokio::sync::Notify::new());
    rt.block_on(async {
        let (d, o, a, e) = (done.clone(), ok.clone(), all_done.clone(), ex.clone());
        tokio::spawn(async move {
            for i in 0..n {
                let (d, o, a, ex) = (d.clone(), o.clone(), a.clone(), e.clone());
                tokio::spawn(async move {
                    let id = format!("job-{i}");
                    let arn = format!("arn:aws:states:local:0:execution:jobs:{id}");
                    let input = json!({"id": id, "parameters": {"n": 1}});
                    let r = ex.run(ExecutionSpec::new(id, arn, input)).await;
                    if r.status == ExecutionStatus::Succeeded {
                        o.fetch_add(1, Ordering::Relaxed);
                    }
                    if d.fetch_add(1, Ordering::AcqRel) + 1 == n {
                        a.notify_one();
                    }
                });
            }
        });
        all_done.notified().await;
    });
    let ok = ok.load(Ordering::Relaxed);
    let el = t0.elapsed();
    println!(
        "{n} concurrent {} executions ({ok} succeeded): {:.3} s wall, peak RSS {:.1} MB (at start {:.1} MB)",
        if jsonata { "JSONata" } else { "JSONPath" },
        el.as_secs_f64(),
        peak_rss_mb(),
        before
    );
}

/// One parent execution whose distributed Map runs `n` children, each calling the processor.
fn map_run(n: usize) {
    let def = json!({
        "StartAt": "Fan",
        "States": {"Fan": {
            "Type": "Map",
            "ItemReader": {
                "Resource": "arn:aws:states:::s3:getObject",
                "ReaderConfig": {"InputType": "CSV", "CSVHeaderLocation": "FIRST_ROW"},
                "Parameters": {"Bucket": "bench", "Key": "jobs.csv"}
            },
            "ItemSelector": {"id.$": "$$.Map.Item.Value.id", "parameters": {"n": 1}},
            "ResultWriter": {
                "Resource": "arn:aws:states:::s3:putObject",
                "Parameters": {"Bucket": "bench", "Prefix": "results"}
            },
            "ItemProcessor": {
                "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                "StartAt": "ProcessJob",
                "States": {"ProcessJob": {
                    "Type": "Task",
                    "Resource": "arn:aws:states:::lambda:invoke",
                    "Parameters": {
                        "FunctionName": "arn:aws:lambda:local:0:function:processor",
                        "Payload.$": "$"
                    },
                    "ResultSelector": {"job.$": "$.Payload"},
                    "End": true
                }}
            },
            "End": true
        }}
    });
    let m = Arc::new(StateMachine::from_value(&def).unwrap());
    let dir = std::env::temp_dir().join(format!("bench-map-run-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("bench")).unwrap();
    let csv: String = std::iter::once("id\n".to_owned())
        .chain((0..n).map(|i| format!("job-{i}\n")))
        .collect();
    std::fs::write(dir.join("bench/jobs.csv"), csv).unwrap();
    let ex = Executor::new(m, Arc::new(SleepyProcessor))
        .with_objects(Arc::new(jobs_asl::DirObjects::new(&dir)));
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_time()
        .build()
        .unwrap();
    let before = peak_rss_mb();
    let t0 = Instant::now();
    let r = rt.block_on(ex.run(ExecutionSpec::new(
        "fan",
        "arn:aws:states:local:0:execution:jobs:fan",
        json!({}),
    )));
    let el = t0.elapsed();
    let succeeded = r.output.as_ref().and_then(|o| {
        let key = o["ResultWriterDetails"]["Key"].as_str()?;
        let file = dir
            .join("bench")
            .join(key.replace("manifest.json", "SUCCEEDED_0.json"));
        let results: Vec<Value> = serde_json::from_slice(&std::fs::read(file).ok()?).ok()?;
        Some(results)
    });
    let _ = std::fs::remove_dir_all(&dir);
    let ok = succeeded.map_or(0, |a| {
        a.iter()
            .filter(|c| c["Output"].as_str().is_some_and(|o| o.contains("Success")))
            .count()
    });
    println!(
        "one distributed Map over {n} items ({:?} {}, {ok} children succeeded): {:.3} s wall, peak RSS {:.1} MB (at start {:.1} MB)",
        r.status,
        r.cause.as_deref().unwrap_or(""),
        el.as_secs_f64(),
        peak_rss_mb(),
        before
    );
}
