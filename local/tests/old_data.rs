//! A data directory written by the version before parameters were generic
//! documents (the sample job's `{"seconds": N}` in every row), opened by
//! this version: its jobs, executions and idempotency keys still read.
//! The fixture is that version's own output: three jobs submitted to its
//! local stack (one succeeded, one failed with JobTooLong, one with an
//! idempotency key), then the stack stopped.

mod common;

use common::Api;
use jobs_domain::idempotency::request_hash;
use jobs_domain::Document;
use serde_json::json;

const FIXTURE: &str = "tests/fixtures/data-before-documents/jobs.sqlite3";
const SUCCEEDED: &str = "01965976-ee72-47f4-82fc-dcdcb2bf7616";
const FAILED: &str = "42b53243-7825-4f93-b536-4d62beb590dc";
const KEYED: &str = "10b0c05d-d464-4596-86f3-296948fa56d5";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_data_directory_of_the_previous_version_still_reads() {
    let dir = tempfile::tempdir().unwrap();
    let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(FIXTURE);
    std::fs::copy(&fixture, dir.path().join("jobs.sqlite3")).unwrap();
    // Read before the stack starts: it forgets keys past their day.
    let stored: String = rusqlite::Connection::open(dir.path().join("jobs.sqlite3"))
        .unwrap()
        .query_row(
            "SELECT request_hash FROM idempotency_keys WHERE key = 'order-7'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let stack = common::start(dir.path()).await;
    let api = Api::of(&stack);

    let ok = api.job(SUCCEEDED).await;
    assert_eq!(ok.status, http::StatusCode::OK, "{:?}", ok.body);
    assert_eq!(ok.body["status"], "Success");
    assert_eq!(ok.body["parameters"], json!({"seconds": 1}));
    assert_eq!(
        ok.body["results"],
        json!({"message": "I slept for 1 seconds"})
    );

    let failed = api.job(FAILED).await.body;
    assert_eq!(failed["status"], "Failure");
    assert_eq!(failed["error"]["error"], "JobTooLong");

    // Its execution history reads too, events in order.
    let executions = api.executions(SUCCEEDED).await;
    let execution = &executions.body["executions"][0];
    assert_eq!(execution["status"], "SUCCEEDED");
    assert_eq!(execution["events"][0]["type"], "ExecutionStarted");

    // The key it stored fingerprints the parameters as this version does.
    let keyed = api.job(KEYED).await.body;
    let parameters = Document::from_value(keyed["parameters"].clone()).unwrap();
    assert_eq!(stored, request_hash(&parameters));
    stack.stop().await;
}
