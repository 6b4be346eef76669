use chrono::Utc;
use jobs_domain::work::InvalidDocument;
use jobs_domain::work::{DynWork, RunContext};
use jobs_domain::JobId;
use serde_json::json;

use super::*;

fn context() -> RunContext {
    RunContext {
        id: JobId::random(),
        deadline: Utc::now(),
        span: tracing::Span::none(),
    }
}

#[test]
fn bodies_are_checked_by_type_and_range() {
    assert_eq!(
        Job.parse_body(br#"{"seconds": 5}"#).unwrap().to_value(),
        json!({"seconds": 5})
    );
    for bad in ["0", "86401", "1.5", "-1", r#""3""#, "null"] {
        let body = format!(r#"{{"seconds": {bad}}}"#);
        assert!(Job.parse_body(body.as_bytes()).is_err(), "{body}");
    }
    assert!(matches!(
        Job.parse_body(br#"{"seconds": 3, "priority": "high"}"#),
        Err(InvalidDocument::Mismatch(m)) if m.contains("priority")
    ));
    assert!(matches!(
        Job.parse_body(b"{}"),
        Err(InvalidDocument::Mismatch(m)) if m.contains("seconds")
    ));
    let msg = Job
        .parse_body(br#"{"seconds": 0}"#)
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("from 1 to 86400") && msg.contains("got 0"),
        "{msg}"
    );
    let padded = format!(r#"{{"seconds": 3}}{}"#, " ".repeat(1024));
    assert!(matches!(
        Job.parse_body(padded.as_bytes()),
        Err(InvalidDocument::TooLarge(_, 1024))
    ));
}

#[test]
fn more_than_the_time_limit_is_admitted_by_the_api_but_not_run() {
    let long = Job.parse_body(br#"{"seconds": 181}"#).unwrap();
    let failure = DynWork::admit(&Job, &long).unwrap_err();
    assert_eq!(failure.error, "JobTooLong");
    assert!(failure.message.contains("at most 180 seconds"), "{failure}");
    let fits = Job.parse_body(br#"{"seconds": 180}"#).unwrap();
    assert!(DynWork::admit(&Job, &fits).is_ok());
}

#[tokio::test(start_paused = true)]
async fn the_job_sleeps_then_says_so() {
    let parameters = Job.parse_body(br#"{"seconds": 2}"#).unwrap();
    let started = tokio::time::Instant::now();
    let results = DynWork::run(&Job, context(), &parameters).await.unwrap();
    assert_eq!(started.elapsed(), Duration::from_secs(2));
    assert_eq!(results, json!({"message": "I slept for 2 seconds"}));
}

#[test]
fn an_idempotency_key_stored_by_the_typed_version_still_matches() {
    // The fingerprint the version with a typed parameters struct stored for
    // {"seconds": 3}: sha256 of `{"seconds":3}`.
    let stored = "785592697ab4149bc8e47f3d89c18352e8569b1e3e0056bce52e5848a3d9df6a";
    let parameters = Job.parse_body(br#"{ "seconds" : 3 }"#).unwrap();
    let hash = hex_sha256(parameters.canonical().as_bytes());
    assert_eq!(hash, stored);
}

fn hex_sha256(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
