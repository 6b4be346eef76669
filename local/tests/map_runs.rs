//! A distributed Map's Map Run and its child executions as the stack records them: the
//! parent's history names the run, the run lists its children with their own histories, the
//! job lists only its own execution, and a stack stopped while children run finishes the run
//! at the next start without running again the children that had ended.

mod common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use common::{Api, QUICK};
use http::{Method, StatusCode};
use jobs_asl::WorkflowType;
use jobs_local::config::Mocks;
use jobs_local::Config;
use jobs_wire as wire;
use serde_json::Value;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// A STANDARD stack running the rows fixture over `rows` CSV rows.
fn rows_config(dir: &Path, rows: usize) -> Config {
    let s3 = dir.join("s3");
    std::fs::create_dir_all(s3.join("local-items")).unwrap();
    let mut csv = String::from("id,amount\n");
    for i in 1..=rows {
        csv.push_str(&format!("row-{i},{i}\n"));
    }
    std::fs::write(s3.join("local-items/rows.csv"), csv).unwrap();
    let mut config = Config::ephemeral(dir.join("data"));
    config.workflow = Some(fixture("rows.asl.json"));
    config.workflow_type = WorkflowType::Standard;
    config.mocks = Some(Mocks {
        file: fixture("rows.mocks.json"),
        state_machine: None,
        test_case: None,
    });
    config.s3_dir = Some(s3);
    config
}

fn slow_config(dir: &Path) -> Config {
    let mut config = Config::ephemeral(dir.join("data"));
    config.workflow = Some(fixture("slow-children.asl.json"));
    config.workflow_type = WorkflowType::Standard;
    config
}

fn events_of<'a>(execution: &'a Value, kind: &str) -> Vec<&'a Value> {
    execution["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["type"] == kind)
        .collect()
}

/// The id of the Map Run the execution's (last) MapRunStarted names.
fn map_run_id(execution: &Value) -> String {
    let started = events_of(execution, "MapRunStarted");
    let arn = started.last().expect("a MapRunStarted event")["mapRunStartedEventDetails"]
        ["mapRunArn"]
        .as_str()
        .unwrap();
    assert!(arn.contains(":mapRun:"), "{arn}");
    arn.rsplit(':').next().unwrap().to_owned()
}

async fn get(api: &Api, path: &str) -> Value {
    let r = api.call(Method::GET, path, None, &[]).await;
    assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.body);
    r.body
}

async fn map_run(api: &Api, id: &str, page: u64) -> Value {
    get(api, &format!("{}?page={page}", wire::local::map_run(id))).await
}

/// Polls the run until `pred` holds.
async fn wait_for_run(api: &Api, id: &str, pred: impl Fn(&Value) -> bool) -> Value {
    let deadline = tokio::time::Instant::now() + QUICK;
    loop {
        let run = map_run(api, id, 1).await;
        if pred(&run) {
            return run;
        }
        assert!(tokio::time::Instant::now() < deadline, "{run}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_map_run_lists_its_children_each_with_its_own_history() {
    let dir = tempfile::tempdir().unwrap();
    // 1,050 rows in batches of 100: 11 children, the last with 50 rows.
    let stack = common::start_with(rows_config(dir.path(), 1_050)).await;
    let api = Api::of(&stack);
    let id = api.submit_example().await;
    let parent = api
        .wait_for_execution(&id, QUICK, |e| e["status"] != "RUNNING")
        .await;
    assert_eq!(parent["status"], "SUCCEEDED", "{}", parent["cause"]);
    assert_eq!(parent["output"]["batches"], 11);
    let kinds: Vec<&str> = parent["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .filter(|k| k.starts_with("Map"))
        .collect();
    assert_eq!(
        kinds,
        [
            "MapStateEntered",
            "MapStateStarted",
            "MapRunStarted",
            "MapRunSucceeded",
            "MapStateSucceeded",
            "MapStateExited"
        ]
    );

    // The job has one execution: its children are the run's, not the job's.
    let listed = get(&api, &wire::local::executions(&id)).await;
    assert_eq!(listed["executions"].as_array().unwrap().len(), 1);

    let run_id = map_run_id(&parent);
    let run = map_run(&api, &run_id, 1).await;
    assert_eq!(run["status"], "SUCCEEDED");
    assert_eq!(run["stateName"], "Rows");
    assert_eq!(run["executionArn"], parent["executionArn"]);
    assert!(run["stopDate"].is_string(), "{run}");
    let counts = &run["executionCounts"];
    assert_eq!(counts["total"], 11, "{run}");
    assert_eq!(counts["succeeded"], 11, "{run}");
    for none in ["pending", "running", "failed", "timedOut", "aborted"] {
        assert_eq!(counts[none], 0, "{none}: {run}");
    }
    assert_eq!(
        (run["page"].as_u64(), run["pages"].as_u64()),
        (Some(1), Some(1))
    );
    let children = run["children"].as_array().unwrap();
    assert_eq!(children.len(), 11);
    let items: Vec<u64> = children
        .iter()
        .map(|c| c["item"].as_u64().unwrap())
        .collect();
    assert_eq!(items, (0..11).collect::<Vec<_>>());
    let mut rows = 0;
    for child in children {
        assert_eq!(child["status"], "SUCCEEDED", "{child}");
        let name = child["name"].as_str().unwrap();
        let own = get(&api, &wire::local::execution(name)).await;
        assert_eq!(own["executionArn"], child["executionArn"]);
        assert_eq!(own["status"], "SUCCEEDED");
        let kinds: Vec<&str> = own["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["type"].as_str().unwrap())
            .collect();
        assert_eq!(kinds.first(), Some(&"ExecutionStarted"), "{kinds:?}");
        assert_eq!(kinds.last(), Some(&"ExecutionSucceeded"), "{kinds:?}");
        assert!(kinds.contains(&"PassStateEntered"), "{kinds:?}");
        assert!(kinds.contains(&"TaskScheduled"), "{kinds:?}");
        rows += own["output"]["rows"].as_u64().unwrap();
    }
    assert_eq!(rows, 1_050);
    assert_eq!(
        get(&api, &wire::local::execution(&id)).await["executionArn"],
        parent["executionArn"]
    );
    let r = api
        .call(Method::GET, &wire::local::map_run("no-such-run"), None, &[])
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stop_while_children_run_finishes_the_run_at_the_next_start() {
    let dir = tempfile::tempdir().unwrap();
    let stack = common::start_with(slow_config(dir.path())).await;
    let api = Api::of(&stack);
    let id = api.submit_example().await;
    let parent = api
        .wait_for_execution(&id, QUICK, |e| !events_of(e, "MapRunStarted").is_empty())
        .await;
    let run_id = map_run_id(&parent);
    let before = wait_for_run(&api, &run_id, |r| {
        r["executionCounts"]["succeeded"] == 4 && r["executionCounts"]["running"] == 2
    })
    .await;
    let mut ended = Vec::new();
    for child in before["children"].as_array().unwrap() {
        if child["status"] == "SUCCEEDED" {
            let name = child["name"].as_str().unwrap();
            ended.push((
                child.clone(),
                get(&api, &wire::local::execution(name)).await,
            ));
        }
    }
    assert_eq!(ended.len(), 4);
    stack.stop().await;

    let stack = common::start_with(slow_config(dir.path())).await;
    // Only the parent is resumed on its own; it resumes its children.
    assert_eq!(stack.recovery.executions_resumed, 1);
    let api = Api::of(&stack);
    let done = api
        .wait_for_execution(&id, QUICK, |e| e["status"] != "RUNNING")
        .await;
    assert_eq!(done["status"], "SUCCEEDED", "{}", done["cause"]);
    assert_eq!(done["output"]["sum"], 15, "{}", done["output"]);
    // The Map reran the same run.
    assert_eq!(map_run_id(&done), run_id);
    assert_eq!(events_of(&done, "MapRunSucceeded").len(), 1);

    let after = map_run(&api, &run_id, 1).await;
    assert_eq!(after["status"], "SUCCEEDED", "{after}");
    assert_eq!(after["executionCounts"]["succeeded"], 6, "{after}");
    assert_eq!(after["executionCounts"]["running"], 0, "{after}");
    assert_eq!(after["children"].as_array().unwrap().len(), 6);
    // The children that had ended were handed back, not run again.
    for (child, own) in &ended {
        let now = after["children"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == child["name"])
            .unwrap();
        assert_eq!(now, child);
        let own_now = get(
            &api,
            &wire::local::execution(child["name"].as_str().unwrap()),
        )
        .await;
        assert_eq!(own_now["events"], own["events"]);
    }
    // The two that were cut off picked up from their own history: one ExecutionStarted.
    for child in after["children"].as_array().unwrap() {
        let own = get(
            &api,
            &wire::local::execution(child["name"].as_str().unwrap()),
        )
        .await;
        assert_eq!(events_of(&own, "ExecutionStarted").len(), 1, "{own}");
        assert_eq!(events_of(&own, "ExecutionSucceeded").len(), 1, "{own}");
        let ids: Vec<u64> = own["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["id"].as_u64().unwrap())
            .collect();
        assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
    }
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_child_fails_the_run_and_aborts_the_children_still_running() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::ephemeral(dir.path().join("data"));
    config.workflow = Some(fixture("failing-child.asl.json"));
    config.workflow_type = WorkflowType::Standard;
    let stack = common::start_with(config).await;
    let api = Api::of(&stack);
    let id = api.submit_example().await;
    let parent = api
        .wait_for_execution(&id, QUICK, |e| e["status"] != "RUNNING")
        .await;
    assert_eq!(parent["status"], "FAILED");
    assert_eq!(parent["error"], "States.ExceedToleratedFailureThreshold");
    let failed = events_of(&parent, "MapRunFailed");
    assert_eq!(failed.len(), 1);
    assert_eq!(
        failed[0]["mapRunFailedEventDetails"]["error"],
        "States.ExceedToleratedFailureThreshold"
    );

    let run = map_run(&api, &map_run_id(&parent), 1).await;
    assert_eq!(run["status"], "FAILED", "{run}");
    assert_eq!(run["error"], "States.ExceedToleratedFailureThreshold");
    let counts = &run["executionCounts"];
    assert_eq!(counts["failed"], 1, "{run}");
    assert_eq!(counts["aborted"], 2, "{run}");
    assert_eq!(counts["running"], 0, "{run}");
    let broken = &run["children"][1];
    assert_eq!(broken["status"], "FAILED");
    let own = get(
        &api,
        &wire::local::execution(broken["name"].as_str().unwrap()),
    )
    .await;
    assert_eq!(own["error"], "RowBroken");
    assert_eq!(own["cause"], "this item cannot be handled");
    for aborted in [&run["children"][0], &run["children"][2]] {
        assert_eq!(aborted["status"], "ABORTED", "{aborted}");
        assert!(aborted["stopDate"].is_string(), "{aborted}");
    }
    stack.stop().await;
}
