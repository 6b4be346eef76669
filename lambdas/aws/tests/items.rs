//! Job items on DynamoDB: parameters and results as native maps, what
//! DynamoDB cannot hold refused with its place and reason, and items written
//! by earlier versions still read.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{TimeZone, Utc};
use jobs_aws::dynamodb::{job_from_item, job_to_item};
use jobs_domain::ports::StoreError;
use jobs_domain::{Document, Job, JobStatus};
use serde_json::{json, Value};

fn job(parameters: Value) -> Job {
    Job::queued(
        "3f2c9a4e-8d1b-4c6a-9e2f-0b7d5a1c3e9f".parse().unwrap(),
        Document::from_value(parameters).unwrap(),
        Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).unwrap(),
    )
}

fn n(text: &str) -> AttributeValue {
    AttributeValue::N(text.into())
}

#[test]
fn documents_are_native_maps_and_read_back_as_written() {
    let mut j = job(json!({
        "text": "héllo", "count": 3, "ratio": 0.25, "negative": -7, "big": u64::MAX,
        "flag": true, "nothing": null, "list": [1, "two", [3.5]], "empty": {}, "none": [],
    }));
    j.status = JobStatus::Success;
    j.results = Some(json!({"digest": "ab12", "rounds": 2, "nested": {"deep": [{"x": 1}]}}));
    let item = job_to_item(&j).unwrap();
    let AttributeValue::M(parameters) = &item["parameters"] else {
        panic!("parameters are not a map: {:?}", item["parameters"])
    };
    assert_eq!(parameters["text"], AttributeValue::S("héllo".into()));
    assert_eq!(parameters["count"], n("3"));
    assert_eq!(parameters["flag"], AttributeValue::Bool(true));
    assert_eq!(parameters["nothing"], AttributeValue::Null(true));
    assert!(matches!(&parameters["list"], AttributeValue::L(l) if l.len() == 3));
    let AttributeValue::M(results) = &item["results"] else {
        panic!("results are not a map")
    };
    assert_eq!(results["rounds"], n("2"));
    assert_eq!(job_from_item(&item).unwrap(), j);
}

#[test]
fn what_dynamodb_cannot_hold_is_refused_by_place_and_reason() {
    let deep = (0..32).fold(json!(1), |inner, _| json!([inner]));
    for (parameters, words) in [
        (
            json!({"x": {"y": 1e300}}),
            ["parameters", "$.x.y", "cannot hold"],
        ),
        (json!({"x": deep}), ["parameters", "32", "nested"]),
    ] {
        match job_to_item(&job(parameters.clone())) {
            Err(StoreError::Unstorable(message)) => {
                for word in words {
                    assert!(message.contains(word), "{parameters}: {message}");
                }
            }
            other => panic!("{parameters}: {other:?}"),
        }
    }
    let mut j = job(json!({"n": 1}));
    j.results = Some(json!({"tiny": 1e-200}));
    assert!(matches!(
        job_to_item(&j),
        Err(StoreError::Unstorable(m)) if m.starts_with("results")
    ));
}

/// An item as the version with a fixed parameters type wrote it: the
/// sample's one number field in a map, results as a map of strings.
#[test]
fn items_written_before_documents_still_read() {
    let item = HashMap::from([
        (
            "id".to_owned(),
            AttributeValue::S("3f2c9a4e-8d1b-4c6a-9e2f-0b7d5a1c3e9f".into()),
        ),
        ("status".to_owned(), AttributeValue::S("Success".into())),
        (
            "parameters".to_owned(),
            AttributeValue::M(HashMap::from([("seconds".to_owned(), n("3"))])),
        ),
        (
            "results".to_owned(),
            AttributeValue::M(HashMap::from([(
                "message".to_owned(),
                AttributeValue::S("I slept for 3 seconds".into()),
            )])),
        ),
        (
            "createdAt".to_owned(),
            AttributeValue::S("2026-11-25T12:00:00.000Z".into()),
        ),
        (
            "updatedAt".to_owned(),
            AttributeValue::S("2026-11-25T12:00:03.004Z".into()),
        ),
    ]);
    let job = job_from_item(&item).unwrap();
    assert_eq!(job.parameters.as_value(), &json!({"seconds": 3}));
    assert_eq!(
        job.results,
        Some(json!({"message": "I slept for 3 seconds"}))
    );
    assert_eq!(job.status, JobStatus::Success);
    // Written back, the item is the same.
    let again = job_to_item(&job).unwrap();
    assert_eq!(again["parameters"], item["parameters"]);
    assert_eq!(again["results"], item["results"]);
}

#[test]
fn an_item_without_parameters_is_corrupt_not_empty() {
    let mut item = job_to_item(&job(json!({"n": 1}))).unwrap();
    item.remove("parameters");
    assert!(
        matches!(job_from_item(&item), Err(StoreError::Corrupt(m)) if m.contains("no parameters"))
    );
    item.insert("parameters".into(), AttributeValue::S("{}".into()));
    assert!(matches!(job_from_item(&item), Err(StoreError::Corrupt(_))));
}
