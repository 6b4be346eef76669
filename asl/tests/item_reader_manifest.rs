//! A distributed Map reading an Amazon S3 Inventory (ItemReader InputType MANIFEST): the
//! manifest names gzip-compressed CSV data files in its destination bucket, and their rows,
//! keyed by the manifest's fileSchema, are the items. And what it refuses: inventories that
//! are not CSV, data files that are missing or not gzip, rows that do not fit the schema.

use async_trait::async_trait;
use flate2::write::GzEncoder;
use flate2::Compression;
use jobs_asl::{
    DirObjects, ExecutionResult, ExecutionSpec, ExecutionStatus, Executor, StateMachine,
    TaskContext, TaskError, TaskHandler,
};
use serde_json::{json, Value};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

struct Echo;

#[async_trait]
impl TaskHandler for Echo {
    async fn invoke(&self, _: &str, input: Value, _: &TaskContext) -> Result<Value, TaskError> {
        Ok(input)
    }
}

const MANIFEST_KEY: &str = "inv/source/daily/2026-12-06T01-00Z/manifest.json";

/// A Map reading the manifest `MANIFEST_KEY` of bucket `reports`, with `config` added to its
/// ReaderConfig.
fn inventory_map(config: Value) -> Value {
    let mut reader_config = json!({"InputType": "MANIFEST"});
    for (k, v) in config.as_object().unwrap() {
        reader_config[k] = v.clone();
    }
    json!({"StartAt": "Fan", "States": {"Fan": {
        "Type": "Map",
        "ItemReader": {
            "Resource": "arn:aws:states:::s3:getObject",
            "ReaderConfig": reader_config,
            "Parameters": {"Bucket": "reports", "Key": MANIFEST_KEY}
        },
        "ItemProcessor": {
            "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
            "StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}
        },
        "End": true
    }}})
}

/// A manifest as S3 Inventory writes it, for data files `keys` in bucket `inventory`.
fn manifest(format: &str, keys: &[&str]) -> Vec<u8> {
    let files: Vec<Value> = keys
        .iter()
        .map(|k| json!({"key": k, "size": 100, "MD5checksum": "00"}))
        .collect();
    serde_json::to_vec(&json!({
        "sourceBucket": "source",
        "destinationBucket": "arn:aws:s3:::inventory",
        "version": "2016-11-30",
        "creationTimestamp": "1765000000000",
        "fileFormat": format,
        "fileSchema": "Bucket, Key, Size, LastModifiedDate",
        "files": files
    }))
    .unwrap()
}

fn gzip(text: &str) -> Vec<u8> {
    let mut enc = GzEncoder::new(Vec::new(), Compression::default());
    enc.write_all(text.as_bytes()).unwrap();
    enc.finish().unwrap()
}

/// A folder standing in for S3: `objects` are (bucket, key, bytes); buckets `reports` (the
/// manifest's) and `inventory` (its data files') always exist.
fn s3(name: &str, objects: &[(&str, &str, Vec<u8>)]) -> PathBuf {
    let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("item-reader-inv-{name}"));
    let _ = std::fs::remove_dir_all(&root);
    for bucket in ["reports", "inventory"] {
        std::fs::create_dir_all(root.join(bucket)).unwrap();
    }
    for (bucket, key, bytes) in objects {
        let path = root.join(bucket).join(key);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }
    root
}

async fn run(def: Value, dir: PathBuf) -> ExecutionResult {
    let machine = StateMachine::from_value(&def).expect("the definition loads");
    let ex = Executor::new(Arc::new(machine), Arc::new(Echo))
        .with_objects(Arc::new(DirObjects::new(dir)));
    ex.run(ExecutionSpec::new(
        "e",
        "arn:aws:states:local:1:execution:m:e",
        json!({}),
    ))
    .await
}

/// The error and cause of a failed execution.
fn failed(r: ExecutionResult) -> (String, String) {
    assert_eq!(r.status, ExecutionStatus::Failed, "{r:?}");
    (r.error.unwrap(), r.cause.unwrap())
}

const FIRST: &str = "\"source\",\"csvDataset/\",\"0\",\"2022-11-16T00:27:19.000Z\"\n\
                     \"source\",\"csvDataset/titles.csv\",\"3399671\",\"2022-11-16T00:29:32.000Z\"\n";
const SECOND: &str =
    "\"source\",\"imageDataset/a, b.jpg\",\"27034\",\"2022-11-15T20:02:16.000Z\"\n";

#[tokio::test]
async fn rows_of_every_data_file_in_order_are_items_keyed_by_the_schema() {
    let dir = s3(
        "order",
        &[
            (
                "reports",
                MANIFEST_KEY,
                manifest("CSV", &["data/1.csv.gz", "data/0.csv.gz"]),
            ),
            // Listed second though its key sorts first: the manifest's order counts.
            ("inventory", "data/0.csv.gz", gzip(SECOND)),
            ("inventory", "data/1.csv.gz", gzip(FIRST)),
        ],
    );
    let r = run(inventory_map(json!({})), dir).await;
    assert_eq!(r.status, ExecutionStatus::Succeeded, "{r:?}");
    let out = r.output.unwrap();
    assert_eq!(
        out,
        json!([
            {"Bucket": "source", "Key": "csvDataset/", "Size": "0",
             "LastModifiedDate": "2022-11-16T00:27:19.000Z"},
            {"Bucket": "source", "Key": "csvDataset/titles.csv", "Size": "3399671",
             "LastModifiedDate": "2022-11-16T00:29:32.000Z"},
            {"Bucket": "source", "Key": "imageDataset/a, b.jpg", "Size": "27034",
             "LastModifiedDate": "2022-11-15T20:02:16.000Z"},
        ])
    );
    // The fields come in the schema's order, trimmed of the spaces after its commas.
    let keys: Vec<&String> = out[0].as_object().unwrap().keys().collect();
    assert_eq!(keys, ["Bucket", "Key", "Size", "LastModifiedDate"]);
}

#[tokio::test]
async fn max_items_counts_across_data_files_and_stops_the_reading() {
    // The third data file is missing: with MaxItems reached before it, it is never read.
    let keys = ["data/a.csv.gz", "data/b.csv.gz", "data/gone.csv.gz"];
    let objects = [
        ("reports", MANIFEST_KEY, manifest("CSV", &keys)),
        ("inventory", "data/a.csv.gz", gzip(FIRST)),
        (
            "inventory",
            "data/b.csv.gz",
            gzip(&format!("{SECOND}{SECOND}")),
        ),
    ];
    let r = run(inventory_map(json!({"MaxItems": 3})), s3("max", &objects)).await;
    assert_eq!(r.status, ExecutionStatus::Succeeded, "{r:?}");
    let keys: Vec<Value> = r
        .output
        .unwrap()
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["Key"].clone())
        .collect();
    assert_eq!(
        keys,
        [
            json!("csvDataset/"),
            json!("csvDataset/titles.csv"),
            json!("imageDataset/a, b.jpg")
        ]
    );

    // Without the limit the missing file is reached and fails the reader, named.
    let r = run(inventory_map(json!({})), s3("max-all", &objects)).await;
    let (error, cause) = failed(r);
    assert_eq!(error, "States.ItemReaderFailed");
    assert!(
        cause.contains("s3://inventory/data/gone.csv.gz") && cause.contains(MANIFEST_KEY),
        "{cause}"
    );
}

#[tokio::test]
async fn orc_and_parquet_inventories_are_refused_naming_the_format() {
    for format in ["ORC", "Parquet"] {
        let dir = s3(
            &format!("format-{format}"),
            &[("reports", MANIFEST_KEY, manifest(format, &["data/a.orc"]))],
        );
        let (error, cause) = failed(run(inventory_map(json!({})), dir).await);
        assert_eq!(error, "States.ItemReaderFailed");
        assert!(
            cause.contains(&format!("fileFormat is {format}")) && cause.contains("only CSV"),
            "{cause}"
        );
    }
}

#[tokio::test]
async fn a_data_file_that_is_not_gzip_is_refused_naming_it() {
    let mut corrupt = gzip(FIRST);
    let mid = corrupt.len() / 2;
    corrupt[mid..].iter_mut().for_each(|b| *b = !*b);
    for (name, bytes, says) in [
        ("corrupt", corrupt, "not valid gzip"),
        ("plain", FIRST.as_bytes().to_vec(), "not gzip-compressed"),
    ] {
        let dir = s3(
            &format!("gzip-{name}"),
            &[
                (
                    "reports",
                    MANIFEST_KEY,
                    manifest("CSV", &["data/a.csv.gz", "data/b.csv.gz"]),
                ),
                ("inventory", "data/a.csv.gz", gzip(SECOND)),
                ("inventory", "data/b.csv.gz", bytes),
            ],
        );
        let (error, cause) = failed(run(inventory_map(json!({})), dir).await);
        assert_eq!(error, "States.ItemReaderFailed");
        assert!(
            cause.contains("s3://inventory/data/b.csv.gz") && cause.contains(says),
            "{name}: {cause}"
        );
    }
}

#[tokio::test]
async fn a_row_that_does_not_fit_the_schema_is_refused_naming_file_and_row() {
    let short = format!("{SECOND}\"source\",\"k\",\"1\"\n");
    let dir = s3(
        "columns",
        &[
            ("reports", MANIFEST_KEY, manifest("CSV", &["data/a.csv.gz"])),
            ("inventory", "data/a.csv.gz", gzip(&short)),
        ],
    );
    let (error, cause) = failed(run(inventory_map(json!({})), dir).await);
    assert_eq!(error, "States.ItemReaderFailed");
    assert!(
        cause.contains("s3://inventory/data/a.csv.gz")
            && cause.contains("row 2 has 3 fields")
            && cause.contains("4 columns"),
        "{cause}"
    );
}

#[tokio::test]
async fn a_manifest_that_is_not_json_or_lists_no_files_is_refused() {
    let no_files = br#"{"destinationBucket": "arn:aws:s3:::inventory", "fileFormat": "CSV",
        "fileSchema": "Bucket, Key"}"#;
    for (name, bytes, says) in [
        ("not-json", b"Bucket,Key\n".to_vec(), "not valid JSON"),
        ("no-files", no_files.to_vec(), "no files"),
    ] {
        let dir = s3(
            &format!("manifest-{name}"),
            &[("reports", MANIFEST_KEY, bytes)],
        );
        let (error, cause) = failed(run(inventory_map(json!({})), dir).await);
        assert_eq!(error, "States.ItemReaderFailed");
        assert!(
            cause.contains(&format!("s3://reports/{MANIFEST_KEY}")) && cause.contains(says),
            "{name}: {cause}"
        );
    }
}

#[test]
fn csv_settings_are_refused_for_a_manifest_at_load() {
    for (k, v) in [
        ("CSVHeaderLocation", json!("FIRST_ROW")),
        ("CSVDelimiter", json!("PIPE")),
    ] {
        let e = StateMachine::from_value(&inventory_map(json!({ k: v })))
            .unwrap_err()
            .to_string();
        assert!(e.contains(k) && e.contains("not MANIFEST"), "{e}");
    }
}
