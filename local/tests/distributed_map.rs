//! `--s3-dir`: a distributed Map reads its items from the stand-in S3 folder (DIR/bucket/key)
//! in the stack's executions, batches them and hands each batch to a Pass and a mocked Task;
//! without the flag such a Map fails saying so, a folder that is not there stops the start
//! before anything is written, and EXPRESS refuses the Map at start as AWS does.

mod common;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::{Api, QUICK};
use http::{Method, StatusCode};
use jobs_asl::WorkflowType;
use jobs_local::config::Mocks;
use jobs_local::{Config, Stack};
use jobs_wire as wire;
use serde_json::{json, Value};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// A STANDARD stack running `rows.asl.json`, its Store step answered by `rows.mocks.json`,
/// reading objects from `s3_dir`.
fn rows_config(dir: &Path, s3_dir: Option<PathBuf>) -> Config {
    let mut config = Config::ephemeral(dir.join("data"));
    config.workflow = Some(fixture("rows.asl.json"));
    config.workflow_type = WorkflowType::Standard;
    config.mocks = Some(Mocks {
        file: fixture("rows.mocks.json"),
        state_machine: None,
        test_case: None,
    });
    config.s3_dir = s3_dir;
    config
}

/// Writes `csv` as the object the fixture reads, local-items/rows.csv, under `dir/s3`.
fn write_rows(dir: &Path, csv: &str) -> PathBuf {
    let s3 = dir.join("s3");
    std::fs::create_dir_all(s3.join("local-items")).unwrap();
    std::fs::write(s3.join("local-items/rows.csv"), csv).unwrap();
    s3
}

/// Submits a job and waits for its execution to end; the job itself succeeds first, and the
/// time from then to the execution's end (the Map's run, give or take a poll) comes back.
async fn run(api: &Api, within: Duration) -> (String, Value, Duration) {
    let id = api.submit_example().await;
    api.wait_for(&id, "Success", QUICK).await;
    let job_done = Instant::now();
    let execution = api
        .wait_for_execution(&id, within, |e| e["status"] != "RUNNING")
        .await;
    (id, execution, job_done.elapsed())
}

/// The first child execution of the execution's Map Run, which has `children` of them.
async fn only_child(api: &Api, execution: &Value, children: u64) -> Value {
    let arn = execution["events"]
        .as_array()
        .unwrap()
        .iter()
        .find_map(|e| e["mapRunStartedEventDetails"]["mapRunArn"].as_str())
        .expect("a MapRunStarted event");
    let id = arn.rsplit(':').next().unwrap();
    let get = |path: String| async move {
        let r = api.call(Method::GET, &path, None, &[]).await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.body);
        r.body
    };
    let run = get(wire::local::map_run(id)).await;
    assert_eq!(run["executionCounts"]["succeeded"], children, "{run}");
    let name = run["children"][0]["name"].as_str().unwrap().to_owned();
    get(wire::local::execution(name)).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_csv_rows_run_in_a_hundred_batches() {
    let dir = tempfile::tempdir().unwrap();
    let mut csv = String::from("id,amount\n");
    for i in 1..=10_000 {
        csv.push_str(&format!("row-{i},{i}\n"));
    }
    let s3 = write_rows(dir.path(), &csv);
    let stack = common::start_with(rows_config(dir.path(), Some(s3))).await;
    let api = Api::of(&stack);

    let started = Instant::now();
    let (id, execution, map) = run(&api, Duration::from_secs(300)).await;
    println!(
        "10,000 CSV rows in 100 batches: {:?} from the job's submission to the execution's \
         end, {map:?} of it after the job succeeded",
        started.elapsed()
    );
    assert_eq!(execution["status"], "SUCCEEDED", "{}", execution["cause"]);
    let output = &execution["output"];
    assert_eq!(output["rows"], 10_000, "{output}");
    assert_eq!(output["batches"], 100, "{output}");
    assert_eq!(output["stored"], 100, "{output}");
    // 1 + 2 + ... + 10,000.
    assert_eq!(output["amount"], 50_005_000, "{output}");
    assert_eq!(output["first"], "row-1", "{output}");
    assert_eq!(output["last"], "row-10000", "{output}");
    assert_eq!(output["id"], id.as_str());
    // The batches ran as the Map Run's children: the mocked step is in theirs, not the parent's.
    assert_eq!(execution.get("mockedStates"), None);
    let child = only_child(&api, &execution, 100).await;
    assert_eq!(child["mockedStates"], json!(["Store"]));
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_batch_carries_the_rows_values_and_the_batch_input() {
    let dir = tempfile::tempdir().unwrap();
    // A quoted field keeps its comma; CRLF line ends are read as well.
    let s3 = write_rows(dir.path(), "id,amount\r\n\"r,1\",2.5\r\nr2,4\r\nr3,-1\r\n");
    let stack = common::start_with(rows_config(dir.path(), Some(s3))).await;
    let api = Api::of(&stack);

    let (id, execution, _) = run(&api, QUICK).await;
    assert_eq!(execution["status"], "SUCCEEDED", "{}", execution["cause"]);
    let output = &execution["output"];
    assert_eq!(output["rows"], 3, "{output}");
    assert_eq!(output["batches"], 1, "{output}");
    assert_eq!(output["amount"], 5.5, "{output}");
    assert_eq!(output["first"], "r,1", "{output}");
    assert_eq!(output["last"], "r3", "{output}");
    // The BatchInput handed the parent's job id to the batch.
    assert_eq!(output["jobs"], json!(id), "{output}");
    // The mocked write got the batch's values, in the child execution that ran the batch.
    let child = only_child(&api, &execution, 1).await;
    let stored = child["events"]
        .as_array()
        .unwrap()
        .iter()
        .find_map(|ev| {
            let d = &ev["taskScheduledEventDetails"];
            (d["resource"] == "putItem").then(|| d["parameters"].as_str().unwrap().to_owned())
        })
        .expect("the Store step was scheduled");
    let stored: Value = serde_json::from_str(&stored).unwrap();
    assert_eq!(
        stored["Item"],
        json!({"first": {"S": "r,1"}, "rows": {"N": "3"}})
    );
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_folder_the_map_fails_naming_the_flag() {
    let dir = tempfile::tempdir().unwrap();
    let stack = common::start_with(rows_config(dir.path(), None)).await;
    let api = Api::of(&stack);

    let (_, execution, _) = run(&api, QUICK).await;
    assert_eq!(execution["status"], "FAILED");
    assert_eq!(execution["error"], "States.Runtime");
    let cause = execution["cause"].as_str().unwrap();
    assert!(
        cause.contains("Rows") && cause.contains("--s3-dir"),
        "{cause}"
    );
    stack.stop().await;
}

#[tokio::test]
async fn a_folder_that_is_not_there_stops_the_start_before_anything_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no-such-folder");
    let config = rows_config(dir.path(), Some(missing.clone()));
    let e = match Stack::start(config).await {
        Ok(_) => panic!("the stack started with an --s3-dir that is not there"),
        Err(e) => format!("{e:#}"),
    };
    assert!(
        e.contains("--s3-dir") && e.contains("no-such-folder"),
        "{e}"
    );
    assert!(e.contains("is not a folder"), "{e}");
    assert!(
        !dir.path().join("data").exists(),
        "the data directory was made"
    );
}

#[tokio::test]
async fn express_refuses_the_distributed_map_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let s3 = write_rows(dir.path(), "id,amount\nr1,1\n");
    let mut config = rows_config(dir.path(), Some(s3));
    config.workflow_type = WorkflowType::Express;
    let e = match Stack::start(config).await {
        Ok(_) => panic!("an EXPRESS stack started with a distributed Map"),
        Err(e) => format!("{e:#}"),
    };
    assert!(e.contains("cannot run as EXPRESS:"), "{e}");
    assert!(
        e.contains(
            "state Rows: a Map in DISTRIBUTED mode starts child executions, which an EXPRESS \
             workflow cannot"
        ),
        "{e}"
    );
    assert!(e.contains("--workflow-type STANDARD"), "{e}");
}
