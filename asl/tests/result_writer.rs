//! A distributed Map's ResultWriter: the child results written under
//! `<Prefix>/<MapRunId>/` (SUCCEEDED_0.json, FAILED_0.json, manifest.json) with the fields AWS
//! documents, the Map's result naming the manifest; the tolerated-failure threshold; and what
//! goes wrong (no S3 stand-in, a missing bucket, definitions refused at load); WriterConfig's
//! Transformation and OutputType, with and without S3.

use async_trait::async_trait;
use jobs_asl::{
    DirObjects, ExecutionResult, ExecutionSpec, ExecutionStatus, Executor, StateMachine,
    TaskContext, TaskError, TaskHandler,
};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Doubles `n`; fails with `Item.Bad` for a negative one.
struct Double;

#[async_trait]
impl TaskHandler for Double {
    async fn invoke(&self, _: &str, input: Value, _: &TaskContext) -> Result<Value, TaskError> {
        let n = input["n"].as_i64().unwrap();
        if n < 0 {
            return Err(TaskError::new("Item.Bad", format!("{n} is negative")));
        }
        Ok(json!({"doubled": n * 2}))
    }
}

/// A distributed Map over `$.items` whose results go to bucket `out`, prefix `runs`, with
/// `extra` fields on the state.
fn writer_map(extra: Value) -> Value {
    let mut map = json!({
        "Type": "Map",
        "ItemsPath": "$.items",
        "ItemProcessor": {
            "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
            "StartAt": "Work",
            "States": {"Work": {"Type": "Task", "Resource": "arn:aws:lambda:local:1:function:double", "End": true}}
        },
        "ResultWriter": {
            "Resource": "arn:aws:states:::s3:putObject",
            "Parameters": {"Bucket": "out", "Prefix": "runs"}
        },
        "End": true
    });
    for (k, v) in extra.as_object().unwrap() {
        map[k] = v.clone();
    }
    json!({"StartAt": "Fan", "States": {"Fan": map}})
}

/// An empty folder standing in for S3 with bucket `out`.
fn s3(name: &str) -> PathBuf {
    let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("result-writer-{name}"));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(root.join("out")).unwrap();
    root
}

async fn run(def: Value, dir: Option<&Path>, input: Value) -> ExecutionResult {
    let machine = StateMachine::from_value(&def).expect("the definition loads");
    let mut ex = Executor::new(Arc::new(machine), Arc::new(Double));
    if let Some(d) = dir {
        ex = ex.with_objects(Arc::new(DirObjects::new(d)));
    }
    ex.run(ExecutionSpec::new(
        "e",
        "arn:aws:states:local:1:execution:m:e",
        input,
    ))
    .await
}

fn object(root: &Path, key: &str) -> Value {
    let bytes = std::fs::read(root.join("out").join(key)).unwrap_or_else(|e| panic!("{key}: {e}"));
    serde_json::from_slice(&bytes).unwrap()
}

/// The manifest the Map's result names, and the folder of the run.
fn manifest(root: &Path, out: &Value) -> (Value, String) {
    assert_eq!(out["ResultWriterDetails"]["Bucket"], "out");
    let key = out["ResultWriterDetails"]["Key"].as_str().unwrap();
    let dir = key.strip_suffix("/manifest.json").expect("a manifest key");
    (object(root, key), dir.to_owned())
}

#[tokio::test]
async fn results_go_to_s3_and_the_map_result_names_the_manifest() {
    let root = s3("all-succeed");
    let r = run(
        writer_map(json!({})),
        Some(&root),
        json!({"items": [{"n": 1}, {"n": 2}]}),
    )
    .await;
    assert_eq!(r.status, ExecutionStatus::Succeeded, "{r:?}");
    let out = r.output.unwrap();
    let arn = out["MapRunArn"].as_str().unwrap();
    let run_id = arn.rsplit(':').next().unwrap();
    // Without a Label, AWS names the run's state machine with a UUID.
    let labelled = arn
        .strip_prefix("arn:aws:states:local:1:mapRun:m/")
        .unwrap_or_else(|| panic!("{arn}"));
    let (label, _) = labelled.split_once(':').unwrap();
    assert_eq!(label.len(), 36, "{arn}");
    assert_eq!(label.matches('-').count(), 4, "{arn}");
    let (m, dir) = manifest(&root, &out);
    assert_eq!(dir, format!("runs/{run_id}"));
    assert_eq!(m["DestinationBucket"], "out");
    assert_eq!(m["MapRunArn"], arn);
    assert_eq!(m["ResultFiles"]["FAILED"], json!([]));
    assert_eq!(m["ResultFiles"]["PENDING"], json!([]));
    let file = &m["ResultFiles"]["SUCCEEDED"][0];
    let key = format!("{dir}/SUCCEEDED_0.json");
    assert_eq!(file["Key"], key.as_str());
    let size = std::fs::metadata(root.join("out").join(&key))
        .unwrap()
        .len();
    assert_eq!(file["Size"], size);
    let results = object(&root, &key);
    let results = results.as_array().unwrap();
    assert_eq!(results.len(), 2);
    for (i, c) in results.iter().enumerate() {
        let n = i as i64 + 1;
        assert_eq!(c["Status"], "SUCCEEDED");
        // Input and Output are JSON text, as AWS writes them.
        let input: Value = serde_json::from_str(c["Input"].as_str().unwrap()).unwrap();
        assert_eq!(input, json!({"n": n}));
        let output: Value = serde_json::from_str(c["Output"].as_str().unwrap()).unwrap();
        assert_eq!(output, json!({"doubled": n * 2}));
        assert_eq!(c["InputDetails"], json!({"Included": true}));
        assert_eq!(c["OutputDetails"], json!({"Included": true}));
        assert_eq!(c["RedriveCount"], 0);
        assert_eq!(c["RedriveStatus"], "NOT_REDRIVABLE");
        // A child runs as the labelled state machine of the run.
        assert_eq!(
            c["StateMachineArn"],
            format!("arn:aws:states:local:1:stateMachine:m/{label}")
        );
        let name = c["Name"].as_str().unwrap();
        assert_eq!(
            c["ExecutionArn"],
            format!("arn:aws:states:local:1:execution:m/{label}:{name}")
        );
        for d in ["StartDate", "StopDate"] {
            let t = c[d].as_str().unwrap();
            chrono::DateTime::parse_from_rfc3339(t).unwrap_or_else(|e| panic!("{d} {t}: {e}"));
        }
    }
    assert_ne!(results[0]["Name"], results[1]["Name"]);
    assert!(!root
        .join("out")
        .join(format!("{dir}/FAILED_0.json"))
        .exists());
}

#[tokio::test]
async fn the_same_execution_writes_to_the_same_keys() {
    let root = s3("deterministic");
    let input = json!({"items": [{"n": 1}]});
    let a = run(writer_map(json!({})), Some(&root), input.clone()).await;
    let b = run(writer_map(json!({})), Some(&root), input).await;
    assert_eq!(a.output, b.output);
}

#[tokio::test]
async fn a_tolerated_failure_goes_to_failed_0_json_with_its_error_and_cause() {
    let root = s3("tolerated");
    let r = run(
        writer_map(json!({"ToleratedFailureCount": 1})),
        Some(&root),
        json!({"items": [{"n": 3}, {"n": -1}]}),
    )
    .await;
    assert_eq!(r.status, ExecutionStatus::Succeeded, "{r:?}");
    let (m, dir) = manifest(&root, &r.output.unwrap());
    assert_eq!(
        m["ResultFiles"]["FAILED"][0]["Key"],
        format!("{dir}/FAILED_0.json")
    );
    let failed = object(&root, &format!("{dir}/FAILED_0.json"));
    let [f] = failed.as_array().unwrap().as_slice() else {
        panic!("one failure: {failed}")
    };
    assert_eq!(f["Status"], "FAILED");
    assert_eq!(f["Error"], "Item.Bad");
    assert_eq!(f["Cause"], "-1 is negative");
    assert_eq!(f["Input"], r#"{"n":-1}"#);
    assert!(f.get("Output").is_none(), "{f}");
    let ok = object(&root, &format!("{dir}/SUCCEEDED_0.json"));
    assert_eq!(ok.as_array().unwrap().len(), 1);
    assert_eq!(ok[0]["Output"], r#"{"doubled":6}"#);
}

#[tokio::test]
async fn failures_over_the_tolerated_threshold_fail_the_map_after_writing_the_results() {
    let root = s3("threshold");
    let r = run(
        writer_map(json!({"ToleratedFailurePercentage": 40, "MaxConcurrency": 1})),
        Some(&root),
        json!({"items": [{"n": -1}, {"n": -2}, {"n": 3}]}),
    )
    .await;
    assert_eq!(r.status, ExecutionStatus::Failed, "{r:?}");
    assert_eq!(
        r.error.as_deref(),
        Some("States.ExceedToleratedFailureThreshold")
    );
    // One run of the Map, so one folder under the prefix, with its manifest.
    let runs: Vec<_> = std::fs::read_dir(root.join("out/runs")).unwrap().collect();
    assert_eq!(runs.len(), 1);
    let dir = runs[0].as_ref().unwrap().path();
    let m: Value =
        serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
    let failed: Value =
        serde_json::from_slice(&std::fs::read(dir.join("FAILED_0.json")).unwrap()).unwrap();
    assert_eq!(failed.as_array().unwrap().len(), 2);
    // The item the Map never finished is pending.
    let pending: Value =
        serde_json::from_slice(&std::fs::read(dir.join("PENDING_0.json")).unwrap()).unwrap();
    assert_eq!(pending[0]["Input"], r#"{"n":3}"#);
    assert_eq!(m["ResultFiles"]["SUCCEEDED"], json!([]));
}

#[tokio::test]
async fn without_a_writer_the_threshold_still_fails_the_map() {
    let def = json!({"StartAt": "Fan", "States": {"Fan": {
        "Type": "Map",
        "ToleratedFailureCount": 1,
        "MaxConcurrency": 1,
        "ItemProcessor": {
            "StartAt": "Work",
            "States": {"Work": {"Type": "Task", "Resource": "arn:aws:lambda:local:1:function:double", "End": true}}
        },
        "End": true
    }}});
    let one = run(def.clone(), None, json!([{"n": -1}, {"n": 2}])).await;
    assert_eq!(one.status, ExecutionStatus::Succeeded, "{one:?}");
    let two = run(def, None, json!([{"n": -1}, {"n": -2}, {"n": 2}])).await;
    assert_eq!(
        two.error.as_deref(),
        Some("States.ExceedToleratedFailureThreshold"),
        "{two:?}"
    );
}

#[tokio::test]
async fn jsonata_arguments_name_the_bucket_and_prefix() {
    let root = s3("jsonata");
    let mut def = writer_map(json!({}));
    def["QueryLanguage"] = json!("JSONata");
    let fan = &mut def["States"]["Fan"];
    fan.as_object_mut().unwrap().remove("ItemsPath");
    fan["Items"] = json!("{% $states.input.items %}");
    fan["ResultWriter"] = json!({
        "Resource": "arn:aws:states:::s3:putObject",
        "Arguments": {"Bucket": "{% $states.input.bucket %}", "Prefix": "j/"}
    });
    let r = run(
        def,
        Some(&root),
        json!({"bucket": "out", "items": [{"n": 5}]}),
    )
    .await;
    assert_eq!(r.status, ExecutionStatus::Succeeded, "{r:?}");
    let (_, dir) = manifest(&root, &r.output.unwrap());
    assert!(dir.starts_with("j/") && !dir.starts_with("j//"), "{dir}");
}

#[tokio::test]
async fn without_an_s3_stand_in_the_map_fails_naming_the_state_and_the_flag() {
    let r = run(writer_map(json!({})), None, json!({"items": [{"n": 1}]})).await;
    assert_eq!(r.status, ExecutionStatus::Failed);
    assert_eq!(r.error.as_deref(), Some("States.Runtime"));
    let cause = r.cause.unwrap();
    assert!(
        cause.contains("'Fan'") && cause.contains("ResultWriter") && cause.contains("--s3-dir"),
        "{cause}"
    );
}

#[tokio::test]
async fn a_missing_bucket_fails_with_result_writer_failed() {
    let root = s3("no-bucket");
    let mut def = writer_map(json!({}));
    def["States"]["Fan"]["ResultWriter"]["Parameters"]["Bucket"] = json!("elsewhere");
    let r = run(def, Some(&root), json!({"items": [{"n": 1}]})).await;
    assert_eq!(
        r.error.as_deref(),
        Some("States.ResultWriterFailed"),
        "{r:?}"
    );
    assert!(r.cause.unwrap().contains("elsewhere"));
}

fn refused(def: Value) -> String {
    StateMachine::from_value(&def).unwrap_err().to_string()
}

#[test]
fn writer_settings_are_checked_at_load() {
    let mut def = writer_map(json!({}));
    def["States"]["Fan"]["ResultWriter"]["Resource"] = json!("arn:aws:states:::s3:getObject");
    assert!(refused(def).contains("unsupported result writer"));
    let mut def = writer_map(json!({}));
    def["States"]["Fan"]["ResultWriter"]["WriterConfig"] = json!({"OutputType": "CSV"});
    let e = refused(def);
    assert!(e.contains("OutputType") && e.contains("JSONL"), "{e}");
    let mut def = writer_map(json!({}));
    def["States"]["Fan"]["ResultWriter"]["WriterConfig"] = json!({"Format": "X"});
    assert!(refused(def).contains("WriterConfig.Format"));
    let mut def = writer_map(json!({}));
    def["States"]["Fan"]["ResultWriter"] = json!({"Parameters": {"Bucket": "out"}});
    assert!(refused(def).contains("ResultWriter.Resource"));
    let mut def = writer_map(json!({}));
    def["States"]["Fan"]["ResultWriter"]
        .as_object_mut()
        .unwrap()
        .remove("Parameters");
    assert!(refused(def).contains("Bucket and Prefix"));
}

/// Each `n` gives a list of two results, so FLATTEN has arrays to flatten; one failure is
/// tolerated.
fn pairs_map(writer: Value) -> Value {
    let mut def = writer_map(json!({"ToleratedFailureCount": 1}));
    def["States"]["Fan"]["ResultSelector"] = json!({"r.$": "$"});
    def["States"]["Fan"]["ItemProcessor"]["States"]["Work"]["ResultSelector"] =
        json!({"pair.$": "States.Array($.doubled, $.doubled)"});
    def["States"]["Fan"]["ItemProcessor"]["States"]["Work"]["OutputPath"] = json!("$.pair");
    def["States"]["Fan"]["ResultWriter"] = writer;
    def
}

#[tokio::test]
async fn a_writer_config_alone_shapes_the_map_result_and_writes_nothing() {
    let root = s3("config-alone");
    let input = json!({"items": [{"n": 1}, {"n": -1}, {"n": 2}]});
    let compact = pairs_map(json!({"WriterConfig": {"Transformation": "COMPACT"}}));
    let r = run(compact, Some(&root), input.clone()).await;
    let out = r.output.expect("succeeds")["r"].clone();
    assert_eq!(out[0], json!([2, 2]));
    assert_eq!(out[2], json!([4, 4]));
    // A failed child's result is not transformed.
    assert_eq!(out[1]["Status"], "FAILED");
    assert_eq!(out[1]["Error"], "Item.Bad");

    let flatten = pairs_map(json!({"WriterConfig": {"Transformation": "FLATTEN"}}));
    let out = run(flatten, Some(&root), input.clone())
        .await
        .output
        .unwrap()["r"]
        .clone();
    let out = out.as_array().unwrap();
    assert_eq!(out.len(), 5);
    assert_eq!(out[..2], [json!(2), json!(2)]);
    assert_eq!(out[3..], [json!(4), json!(4)]);

    let none = pairs_map(json!({"WriterConfig": {"Transformation": "NONE"}}));
    let out = run(none, None, input).await.output.unwrap()["r"].clone();
    assert_eq!(out[0]["Output"], "[2,2]");
    assert_eq!(out[0]["Status"], "SUCCEEDED");
    assert_eq!(std::fs::read_dir(root.join("out")).unwrap().count(), 0);
}

#[tokio::test]
async fn flatten_and_json_lines_shape_the_written_files() {
    let root = s3("flatten-jsonl");
    let def = pairs_map(json!({
        "Resource": "arn:aws:states:::s3:putObject",
        "Parameters": {"Bucket": "out", "Prefix": "p"},
        "WriterConfig": {"Transformation": "FLATTEN", "OutputType": "JSONL"}
    }));
    let r = run(def, Some(&root), json!({"items": [{"n": 1}, {"n": -1}]})).await;
    let (m, dir) = manifest(&root, &r.output.unwrap()["r"]);
    assert_eq!(
        m["ResultFiles"]["SUCCEEDED"][0]["Key"],
        format!("{dir}/SUCCEEDED_0.json")
    );
    let lines = |status: &str| -> Vec<Value> {
        std::fs::read_to_string(root.join("out").join(format!("{dir}/{status}_0.json")))
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    };
    assert_eq!(lines("SUCCEEDED"), [json!(2), json!(2)]);
    let failed = lines("FAILED");
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0]["Cause"], "-1 is negative");
}
