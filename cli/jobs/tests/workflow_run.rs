//! `jobs workflow run` on the project's own workflow and on a JSONata definition, through the
//! binary as a user runs it.

use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

const SUBS: [&str; 6] = [
    "--sub",
    "ProcessorFunctionArn=arn:aws:lambda:us-east-1:123456789012:function:processor",
    "--sub",
    "ErrorHandlerFunctionArn=arn:aws:lambda:us-east-1:123456789012:function:error-handler",
    "--sub",
    "FailedJobsEventBusName=failed-jobs",
];

const INPUT: &str = r#"{"id": "0b8f2d4e-1c3a-4f5b-9d6e-7a8b9c0d1e2f", "parameters": {"n": 1}}"#;

fn jobs(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_jobs"))
        .current_dir(repo())
        .args(["workflow", "run"])
        .args(args)
        .output()
        .expect("jobs runs")
}

fn json_of(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)))
}

#[test]
fn the_archive_test_case_takes_the_jobs_workflow_down_the_archive_path() {
    let mut args = vec![
        "statemachine/jobs.asl.json",
        "--mocks",
        "statemachine/mocks.json",
        "--test-case",
        "ArchivePath",
        "--input",
        INPUT,
        "--json",
        "--history",
    ];
    args.extend(SUBS);
    let out = jobs(&args);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r = json_of(&out);
    assert_eq!(r["status"], "FAILED");
    assert_eq!(r["error"], "JobArchived");
    assert_eq!(
        r["states"],
        json!([
            "ProcessJob",
            "RecordFailure",
            "ArchiveFailedJob",
            "JobArchived"
        ])
    );
    // The error handler was called four times: the first attempt and three retries.
    let scheduled = r["history"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["type"] == "TaskScheduled")
        .count();
    assert_eq!(scheduled, 1 + 4 + 1);
}

#[test]
fn the_success_test_case_succeeds_and_prints_the_output() {
    let mut args = vec![
        "statemachine/jobs.asl.json",
        "--mocks",
        "statemachine/mocks.json",
        "--test-case",
        "Success",
    ];
    args.extend(SUBS);
    let out = jobs(&args);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("status  SUCCEEDED\noutput  {"), "{text}");
    assert!(text.contains("\"status\":\"Success\""), "{text}");
    assert!(text.contains("states  ProcessJob\n"), "{text}");
}

#[test]
fn history_prints_the_event_timeline() {
    let mut args = vec![
        "statemachine/jobs.asl.json",
        "--mocks",
        "statemachine/mocks.json",
        "--test-case",
        "ArchivePath",
        "--input",
        INPUT,
        "--history",
    ];
    args.extend(SUBS);
    let text = String::from_utf8(jobs(&args).stdout).unwrap();
    assert!(text.contains("Execution workflow-run  FAILED"), "{text}");
    assert!(text.contains("TaskFailed        RecordFailure  Lambda.ServiceException: the error handler is unavailable"), "{text}");
}

#[test]
fn a_task_without_a_mock_fails_with_a_clear_message_and_bad_files_are_refused() {
    let mut args = vec!["statemachine/jobs.asl.json"];
    args.extend(SUBS);
    let out = jobs(&args);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains(
            "Task state \"ProcessJob\" (arn:aws:states:::lambda:invoke) has no mocked response"
        ),
        "{text}"
    );

    let out = jobs(&[
        "statemachine/jobs.asl.json",
        "--mocks",
        "statemachine/mocks.json",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("choose one with --test-case"));

    let out = jobs(&["statemachine/jobs.asl.json", "--input", "{not json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--input is not JSON"));
}

#[test]
fn a_jsonata_definition_with_variables_runs_with_its_mocks() {
    let dir = tempfile::tempdir().unwrap();
    let def = dir.path().join("def.json");
    let mocks = dir.path().join("mocks.json");
    std::fs::write(
        &def,
        json!({"QueryLanguage": "JSONata", "StartAt": "Get", "States": {
            "Get": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                    "Arguments": {"FunctionName": "${Fn}", "Payload": {"id": "{% $states.input.id %}"}},
                    "Assign": {"price": "{% $states.result.Payload.price %}", "id": "{% $states.input.id %}"},
                    "Retry": [{"ErrorEquals": ["Busy"], "MaxAttempts": 2}],
                    "Next": "Quote"},
            "Quote": {"Type": "Pass", "Output": {"id": "{% $id %}", "total": "{% $price * 2 %}"}, "End": true}}})
        .to_string(),
    )
    .unwrap();
    std::fs::write(
        &mocks,
        json!({"StateMachines": {"quote": {"TestCases": {"Busy": {"Get": "BusyThenPrice"}}}},
               "MockedResponses": {"BusyThenPrice": {
                   "0": {"Throw": {"Error": "Busy", "Cause": "try again"}},
                   "1": {"Return": {"Payload": {"price": 21}}}}}})
        .to_string(),
    )
    .unwrap();
    let out = jobs(&[
        def.to_str().unwrap(),
        "--mocks",
        mocks.to_str().unwrap(),
        "--input",
        r#"{"id": "q-1"}"#,
        "--sub",
        "Fn=quote-fn",
        "--json",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let r = json_of(&out);
    assert_eq!(r["output"], json!({"id": "q-1", "total": 42}));
    assert_eq!(r["states"], json!(["Get", "Quote"]));
}

#[test]
fn the_jsonata_rendering_of_the_workflow_takes_the_same_paths() {
    for case in ["Success", "ArchivePath"] {
        let run = |def: &str| {
            let mut args = vec![
                def,
                "--mocks",
                "statemachine/mocks.json",
                "--test-case",
                case,
                "--input",
                INPUT,
                "--json",
            ];
            args.extend(SUBS);
            json_of(&jobs(&args))
        };
        let (a, b) = (
            run("statemachine/jobs.asl.json"),
            run("statemachine/jobs.jsonata.asl.json"),
        );
        for k in ["status", "output", "error", "cause", "states"] {
            assert_eq!(a[k], b[k], "{case}: {k}");
        }
    }
}

#[test]
fn a_mock_answers_a_callback_task_with_the_callback_result() {
    let dir = tempfile::tempdir().unwrap();
    let def = dir.path().join("def.json");
    let mocks = dir.path().join("mocks.json");
    std::fs::write(
        &def,
        json!({"StartAt": "Approve", "States": {
            "Approve": {"Type": "Task",
                "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                "Parameters": {"QueueUrl": "q", "MessageBody": {"token.$": "$$.Task.Token"}},
                "HeartbeatSeconds": 60, "TimeoutSeconds": 3600,
                "Catch": [{"ErrorEquals": ["Rejected"], "Next": "Denied"}],
                "End": true},
            "Denied": {"Type": "Fail", "Error": "Denied"}}})
        .to_string(),
    )
    .unwrap();
    std::fs::write(
        &mocks,
        json!({"StateMachines": {"Approval": {"TestCases": {
                "Yes": {"Approve": "Approved"}, "No": {"Approve": "Refused"}}}},
               "MockedResponses": {
                "Approved": {"0": {"Return": {"approved": true, "by": "ops"}}},
                "Refused": {"0": {"Throw": {"Error": "Rejected", "Cause": "no"}}}}})
        .to_string(),
    )
    .unwrap();
    let (def, mocks) = (def.to_str().unwrap(), mocks.to_str().unwrap());
    let out = jobs(&[def, "--mocks", mocks, "--test-case", "Yes", "--json"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The mocked response is what the token's holder sent back, not the queue's answer.
    assert_eq!(
        json_of(&out)["output"],
        json!({"approved": true, "by": "ops"})
    );

    let out = jobs(&[def, "--mocks", mocks, "--test-case", "No", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let r = json_of(&out);
    assert_eq!(r["error"], "Denied");
    assert_eq!(r["states"], json!(["Approve", "Denied"]));
}

#[test]
fn a_distributed_map_reads_its_items_from_the_s3_dir() {
    let dir = tempfile::tempdir().unwrap();
    let def = dir.path().join("def.json");
    std::fs::write(
        &def,
        json!({"StartAt": "Orders", "States": {
            "Orders": {"Type": "Map",
                "ItemReader": {"Resource": "arn:aws:states:::s3:getObject",
                               "ReaderConfig": {"InputType": "CSV"},
                               "Parameters": {"Bucket.$": "$.bucket", "Key": "in/orders.csv"}},
                "ItemBatcher": {"MaxItemsPerBatch": 2},
                "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                                  "StartAt": "Ids",
                                  "States": {"Ids": {"Type": "Pass", "Parameters": {"ids.$": "$.Items[*].id"}, "End": true}}},
                "End": true}}})
        .to_string(),
    )
    .unwrap();
    let s3 = dir.path().join("s3");
    std::fs::create_dir_all(s3.join("orders-bucket/in")).unwrap();
    std::fs::write(
        s3.join("orders-bucket/in/orders.csv"),
        "id,qty\na,1\nb,2\nc,3\n",
    )
    .unwrap();
    let input = r#"{"bucket": "orders-bucket"}"#;
    let out = jobs(&[
        def.to_str().unwrap(),
        "--s3-dir",
        s3.to_str().unwrap(),
        "--input",
        input,
        "--json",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        json_of(&out)["output"],
        json!([{"ids": ["a", "b"]}, {"ids": ["c"]}])
    );

    // Without the flag the Map fails, saying which flag gives it its objects.
    let out = jobs(&[def.to_str().unwrap(), "--input", input, "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let r = json_of(&out);
    assert_eq!(r["error"], "States.Runtime");
    assert!(r["cause"].as_str().unwrap().contains("--s3-dir"), "{r}");

    // A folder that is not there is refused before running.
    let missing = dir.path().join("nowhere");
    let out = jobs(&[def.to_str().unwrap(), "--s3-dir", missing.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--s3-dir"));
}

#[test]
fn a_distributed_map_writes_its_results_to_the_s3_dir() {
    let dir = tempfile::tempdir().unwrap();
    let def = dir.path().join("def.json");
    std::fs::write(
        &def,
        json!({"StartAt": "Square", "States": {
            "Square": {"Type": "Map",
                "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                                  "StartAt": "S",
                                  "States": {"S": {"Type": "Pass", "Parameters": {"seen.$": "$"}, "End": true}}},
                "ResultWriter": {"Resource": "arn:aws:states:::s3:putObject",
                                 "Parameters": {"Bucket": "results", "Prefix": "squares"}},
                "End": true}}})
        .to_string(),
    )
    .unwrap();
    let s3 = dir.path().join("s3");
    std::fs::create_dir_all(s3.join("results")).unwrap();
    let out = jobs(&[
        def.to_str().unwrap(),
        "--s3-dir",
        s3.to_str().unwrap(),
        "--input",
        "[1, 2]",
        "--json",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let output = json_of(&out)["output"].clone();
    assert_eq!(output["ResultWriterDetails"]["Bucket"], "results");
    let key = output["ResultWriterDetails"]["Key"].as_str().unwrap();
    assert!(
        key.starts_with("squares/") && key.ends_with("/manifest.json"),
        "{key}"
    );
    let read = |key: &str| -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(s3.join("results").join(key)).unwrap()).unwrap()
    };
    let manifest = read(key);
    assert_eq!(manifest["DestinationBucket"], "results");
    assert_eq!(manifest["MapRunArn"], output["MapRunArn"]);
    let succeeded = manifest["ResultFiles"]["SUCCEEDED"][0]["Key"]
        .as_str()
        .unwrap();
    let results = read(succeeded);
    let outputs: Vec<_> = results
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["Output"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(outputs, [r#"{"seen":1}"#, r#"{"seen":2}"#]);

    // Without the flag the Map fails, naming the ResultWriter and the flag.
    let out = jobs(&[def.to_str().unwrap(), "--input", "[1]", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let cause = json_of(&out)["cause"].as_str().unwrap().to_owned();
    assert!(
        cause.contains("ResultWriter") && cause.contains("--s3-dir"),
        "{cause}"
    );
}
