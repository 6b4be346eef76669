//! A distributed Map's ItemReader and ItemBatcher where things go wrong: no S3 stand-in, a
//! missing bucket or object, a malformed object, bad reader parameters; and the definitions
//! refused at load (unsupported input types, a batcher without a limit).

use async_trait::async_trait;
use jobs_asl::{
    DirObjects, ExecutionResult, ExecutionSpec, ExecutionStatus, Executor, StateMachine,
    TaskContext, TaskError, TaskHandler,
};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::sync::Arc;

struct Echo;

#[async_trait]
impl TaskHandler for Echo {
    async fn invoke(&self, _: &str, input: Value, _: &TaskContext) -> Result<Value, TaskError> {
        Ok(input)
    }
}

/// A Map reading `key` of bucket `data` as `input_type`, with `extra` fields on the state.
fn reader_map(input_type: &str, key: &str, extra: Value) -> Value {
    let mut map = json!({
        "Type": "Map",
        "ItemReader": {
            "Resource": "arn:aws:states:::s3:getObject",
            "ReaderConfig": {"InputType": input_type},
            "Parameters": {"Bucket": "data", "Key": key}
        },
        "ItemProcessor": {
            "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
            "StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}
        },
        "End": true
    });
    for (k, v) in extra.as_object().unwrap() {
        map[k] = v.clone();
    }
    json!({"StartAt": "Fan", "States": {"Fan": map}})
}

/// A folder standing in for S3 with bucket `data` holding `objects` (key, content).
fn s3(name: &str, objects: &[(&str, &str)]) -> PathBuf {
    let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("item-reader-{name}"));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(root.join("data")).unwrap();
    for (key, content) in objects {
        std::fs::write(root.join("data").join(key), content).unwrap();
    }
    root
}

async fn run(def: Value, dir: Option<PathBuf>, input: Value) -> ExecutionResult {
    let machine = StateMachine::from_value(&def).expect("the definition loads");
    let mut ex = Executor::new(Arc::new(machine), Arc::new(Echo));
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

fn failed(r: &ExecutionResult) -> (&str, &str) {
    assert_eq!(r.status, ExecutionStatus::Failed, "{r:?}");
    (r.error.as_deref().unwrap(), r.cause.as_deref().unwrap())
}

#[tokio::test]
async fn without_an_s3_stand_in_the_map_fails_naming_the_state_and_the_flag() {
    let r = run(reader_map("JSON", "a.json", json!({})), None, json!({})).await;
    let (error, cause) = failed(&r);
    assert_eq!(error, "States.Runtime");
    assert!(
        cause.contains("'Fan'") && cause.contains("--s3-dir"),
        "{cause}"
    );
}

#[tokio::test]
async fn a_missing_object_or_bucket_fails_the_reader() {
    let dir = s3("missing", &[]);
    let r = run(
        reader_map("JSON", "nope.json", json!({})),
        Some(dir.clone()),
        json!({}),
    )
    .await;
    let (error, cause) = failed(&r);
    assert_eq!(error, "States.ItemReaderFailed");
    assert!(cause.contains("s3://data/nope.json"), "{cause}");

    let mut def = reader_map("JSON", "a.json", json!({}));
    def["States"]["Fan"]["ItemReader"]["Parameters"]["Bucket"] = json!("elsewhere");
    let r = run(def, Some(dir), json!({})).await;
    let (error, cause) = failed(&r);
    assert_eq!(error, "States.ItemReaderFailed");
    assert!(cause.contains("elsewhere"), "{cause}");
}

#[tokio::test]
async fn malformed_objects_fail_the_reader_and_can_be_caught() {
    let dir = s3(
        "malformed",
        &[("obj.json", "{\"a\": 1}"), ("rows.csv", "a,b\n1,2,3\n")],
    );
    let r = run(
        reader_map("JSON", "obj.json", json!({})),
        Some(dir.clone()),
        json!({}),
    )
    .await;
    let (error, cause) = failed(&r);
    assert_eq!(error, "States.ItemReaderFailed");
    assert!(cause.contains("not an array"), "{cause}");

    let r = run(
        reader_map("CSV", "rows.csv", json!({})),
        Some(dir.clone()),
        json!({}),
    )
    .await;
    let (error, cause) = failed(&r);
    assert_eq!(error, "States.ItemReaderFailed");
    assert!(cause.contains("3 fields"), "{cause}");

    // The state's Catch sees the reader's failure like any other.
    let mut def = reader_map("CSV", "rows.csv", json!({}));
    def["States"]["Fan"]["Catch"] = json!([{
        "ErrorEquals": ["States.ItemReaderFailed"], "Next": "Handled"}]);
    def["States"]["Handled"] = json!({"Type": "Pass", "End": true});
    let r = run(def, Some(dir), json!({})).await;
    assert_eq!(r.status, ExecutionStatus::Succeeded);
    assert_eq!(r.output.unwrap()["Error"], "States.ItemReaderFailed");
}

#[tokio::test]
async fn reader_parameters_without_a_key_fail_at_run_time() {
    let mut def = reader_map("JSON", "a.json", json!({}));
    def["States"]["Fan"]["ItemReader"]["Parameters"] = json!({"Bucket": "data", "Key.$": "$.key"});
    let r = run(def, Some(s3("params", &[])), json!({"key": 7})).await;
    let (error, cause) = failed(&r);
    assert_eq!(error, "States.Runtime");
    assert!(cause.contains("Key") && cause.contains('7'), "{cause}");
}

#[tokio::test]
async fn max_items_path_and_batch_bytes_from_the_input() {
    let dir = s3("paths", &[("n.json", "[1, 22, 333, 4444, 55555]")]);
    let def = reader_map(
        "JSON",
        "n.json",
        json!({"ItemBatcher": {"MaxInputBytesPerBatchPath": "$.bytes"}}),
    );
    let mut def = def;
    def["States"]["Fan"]["ItemReader"]["ReaderConfig"]["MaxItemsPath"] = json!("$.max");
    // {"Items":[1,22]} is 16 bytes; one more item would pass 18.
    let r = run(def, Some(dir), json!({"max": 4, "bytes": 18})).await;
    assert_eq!(r.status, ExecutionStatus::Succeeded, "{r:?}");
    assert_eq!(
        r.output.unwrap(),
        json!([{"Items": [1, 22]}, {"Items": [333]}, {"Items": [4444]}])
    );
}

fn refused(def: Value) -> String {
    StateMachine::from_value(&def).unwrap_err().to_string()
}

#[test]
fn unsupported_readers_are_refused_at_load_saying_so() {
    let e = refused(reader_map("PARQUET", "items.parquet", json!({})));
    assert!(
        e.contains("ItemReader.ReaderConfig.InputType") && e.contains("PARQUET"),
        "{e}"
    );
    let mut def = reader_map("JSON", "a.json", json!({}));
    def["States"]["Fan"]["ItemReader"]["Resource"] = json!("arn:aws:states:::athena:getQuery");
    assert!(refused(def).contains("unsupported item reader"));
}

#[test]
fn reader_and_batcher_settings_are_checked_at_load() {
    let e = refused(reader_map(
        "JSON",
        "a.json",
        json!({"ItemBatcher": {"BatchInput": {"a": 1}}}),
    ));
    assert!(e.contains("MaxItemsPerBatch"), "{e}");
    let mut def = reader_map("CSV", "a.csv", json!({}));
    def["States"]["Fan"]["ItemReader"]["ReaderConfig"]["CSVHeaderLocation"] = json!("GIVEN");
    assert!(refused(def).contains("CSVHeaders"));
    let mut def = reader_map("JSON", "a.json", json!({}));
    def["States"]["Fan"]["ItemReader"]["ReaderConfig"]["CSVDelimiter"] = json!("PIPE");
    assert!(refused(def).contains("InputType CSV"));
    let e = refused(reader_map(
        "JSON",
        "a.json",
        json!({"ItemBatcher": {"MaxItemsPerBatch": 2, "MaxItemsPerBatchPath": "$.n"}}),
    ));
    assert!(e.contains("exclusive"), "{e}");
}
