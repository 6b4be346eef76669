//! The HTTP contract of DESIGN.md, checked on the Router itself with
//! in-memory adapters.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use jobs_domain::ports::{JobStore, StartError};
use jobs_domain::service::JobService;
use jobs_domain::testing::{FixedClock, MemoryStore, RecordingStarter, TestJob};
use jobs_domain::{JobId, JobStatus};
use jobs_wire::api;
use serde_json::{json, Value};
use tower::ServiceExt;

mod support;

struct Harness {
    store: Arc<MemoryStore>,
    starter: Arc<RecordingStarter>,
    app: Router,
}

fn harness_with(starter: RecordingStarter) -> Harness {
    let store = Arc::new(MemoryStore::default());
    let starter = Arc::new(starter);
    let service = JobService::new(
        Arc::new(TestJob::default()),
        store.clone(),
        starter.clone(),
        Arc::new(FixedClock::default()),
    );
    Harness {
        store,
        starter,
        app: jobs_api::router(service),
    }
}

fn harness() -> Harness {
    harness_with(RecordingStarter::default())
}

struct Reply {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: Value,
}

async fn send(app: &Router, request: Request<Body>) -> Reply {
    let (status, headers, body) = support::read(app.clone().oneshot(request).await.unwrap()).await;
    Reply {
        status,
        headers,
        body,
    }
}

fn post(body: impl Into<Body>) -> Request<Body> {
    Request::post(api::JOBS)
        .header("content-type", "application/json")
        .body(body.into())
        .unwrap()
}

fn post_with_key(body: &str, key: &str) -> Request<Body> {
    Request::post(api::JOBS)
        .header("content-type", "application/json")
        .header(api::IDEMPOTENCY_KEY_TITLE, key)
        .body(Body::from(body.to_owned()))
        .unwrap()
}

fn get(path: &str) -> Request<Body> {
    Request::get(path).body(Body::empty()).unwrap()
}

#[tokio::test]
async fn post_accepts_a_job_with_202_location_and_id() {
    let h = harness();
    let reply = send(&h.app, post(r#"{"n": 3}"#)).await;
    assert_eq!(reply.status, StatusCode::ACCEPTED);
    let id = reply.body["id"].as_str().unwrap();
    let parsed: JobId = id.parse().unwrap();
    assert_eq!(reply.body, json!({ "id": id }));
    assert_eq!(reply.headers["location"], api::job(id));
    assert_eq!(reply.headers["content-type"], "application/json");
    assert!(reply.headers.get(api::IDEMPOTENT_REPLAYED).is_none());
    let job = h.store.get(&parsed).await.unwrap().unwrap();
    assert_eq!(job.status, JobStatus::Queued);
    assert_eq!(job.parameters, TestJob::params(3));
    let started = h.starter.started();
    assert_eq!(started.len(), 1);
    assert_eq!(started[0].id, parsed);
}

#[tokio::test]
async fn invalid_bodies_get_400_and_change_nothing() {
    let h = harness();
    let oversized = format!(r#"{{"n": 3, "data": "{}"}}"#, "x".repeat(2000));
    let too_deep = format!(
        r#"{{"n": 3, "data": {}1{}}}"#,
        "[".repeat(32),
        "]".repeat(32)
    );
    let cases: Vec<(&str, String)> = vec![
        ("missing n", "{}".into()),
        ("negative", r#"{"n": -1}"#.into()),
        ("fraction", r#"{"n": 1.5}"#.into()),
        ("string", r#"{"n": "3"}"#.into()),
        ("huge", r#"{"n": 99999999999999999999999}"#.into()),
        ("above the job's maximum", r#"{"n": 1001}"#.into()),
        ("extra key", r#"{"n": 3, "extra": true}"#.into()),
        (
            "a number no store holds",
            r#"{"n": 3, "data": 1e300}"#.into(),
        ),
        ("nested past what a store holds", too_deep),
        ("not json", "n=3".into()),
        ("empty", String::new()),
        ("array", "[3]".into()),
        ("oversized", oversized),
    ];
    for (name, body) in cases {
        let reply = send(&h.app, post(body)).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{name}");
        assert_eq!(reply.body["message"], "Invalid request body", "{name}");
        assert!(
            reply.body["details"]
                .as_str()
                .is_some_and(|d| !d.is_empty()),
            "{name}"
        );
    }
    assert_eq!(h.store.job_count(), 0);
    assert!(h.starter.started().is_empty());
}

#[tokio::test]
async fn a_refusal_names_the_field_and_what_is_wrong() {
    let h = harness();
    for (body, words) in [
        (r#"{"n": "3"}"#, ["n:", "invalid type"]),
        (r#"{"n": 3, "hold": 1}"#, ["hold:", "expected a boolean"]),
        ("{}", ["missing field", "n"]),
        (r#"{"n": 1001}"#, ["n must be at most 1000", "1001"]),
        (
            r#"{"n": 1, "data": {"x": [1e300]}}"#,
            ["$.data.x[0]", "cannot hold"],
        ),
    ] {
        let reply = send(&h.app, post(body)).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{body}");
        let details = reply.body["details"].as_str().unwrap();
        for word in words {
            assert!(details.contains(word), "{body}: {details}");
        }
    }
}

#[tokio::test]
async fn get_returns_the_job_in_the_contract_shape() {
    let h = harness();
    let id = send(&h.app, post(r#"{"n": 2}"#)).await.body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let reply = send(&h.app, get(&api::job(&id))).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(
        reply.body,
        json!({
            "id": id,
            "status": "Queued",
            "parameters": {"n": 2},
            "createdAt": "2026-11-25T12:00:00.000Z",
            "updatedAt": "2026-11-25T12:00:00.000Z",
        })
    );
}

#[tokio::test]
async fn unknown_job_is_404_and_a_malformed_id_is_400() {
    let h = harness();
    let reply = send(&h.app, get(&api::job(JobId::random()))).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert_eq!(reply.body["message"], "Job not found");
    for bad in [
        "nope",
        "123",
        "3F2C9A4E-8D1B-4C6A-9E2F-0B7D5A1C3E9F",
        "idempotency%23k",
    ] {
        let reply = send(&h.app, get(&api::job(bad))).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{bad}");
        assert_eq!(reply.body["message"], "Invalid job id", "{bad}");
    }
}

#[tokio::test]
async fn idempotency_key_returns_the_same_job_and_refuses_another_body() {
    let h = harness();
    let first = send(&h.app, post_with_key(r#"{"n": 2}"#, "order-7")).await;
    assert_eq!(first.status, StatusCode::ACCEPTED);
    // Same parameters, other spelling: the same request.
    let again = send(&h.app, post_with_key(r#"{ "n" : 2 }"#, "order-7")).await;
    assert_eq!(again.status, StatusCode::ACCEPTED);
    assert_eq!(again.body["id"], first.body["id"]);
    assert_eq!(again.headers["location"], first.headers["location"]);
    assert_eq!(again.headers[api::IDEMPOTENT_REPLAYED], "true");
    let other = send(&h.app, post_with_key(r#"{"n": 5}"#, "order-7")).await;
    assert_eq!(other.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(other.body["message"]
        .as_str()
        .unwrap()
        .contains(api::IDEMPOTENCY_KEY_TITLE));
    assert_eq!(h.starter.started().len(), 1);
    assert_eq!(h.store.job_count(), 1);
    // A different key is a different job.
    let fresh = send(&h.app, post_with_key(r#"{"n": 2}"#, "order-8")).await;
    assert_ne!(fresh.body["id"], first.body["id"]);
}

#[tokio::test]
async fn a_malformed_idempotency_key_is_400() {
    let h = harness();
    let long = "k".repeat(300);
    let reply = send(&h.app, post_with_key(r#"{"n": 2}"#, &long)).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(h.store.job_count(), 0);
}

#[tokio::test]
async fn a_failed_start_is_5xx_and_the_job_is_not_left_queued() {
    let h = harness_with(RecordingStarter::failing(StartError::Unavailable(
        "throttled".into(),
    )));
    let reply = send(&h.app, post(r#"{"n": 2}"#)).await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
    let id: JobId = reply.headers[api::JOB_ID]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let job = h.store.get(&id).await.unwrap().unwrap();
    assert_eq!(job.status, JobStatus::Failure);
    assert_eq!(job.error.unwrap().error, "WorkflowStartFailed");
}

#[tokio::test]
async fn a_store_outage_is_503_and_starts_nothing() {
    let h = harness();
    h.store.fail_writes(true);
    let reply = send(&h.app, post(r#"{"n": 2}"#)).await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(h.starter.started().is_empty());
}

#[tokio::test]
async fn other_routes_are_404_and_other_methods_405() {
    let h = harness();
    assert_eq!(send(&h.app, get("/")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        send(&h.app, get(api::JOBS)).await.status,
        StatusCode::METHOD_NOT_ALLOWED
    );
    let delete = Request::delete(api::job(JobId::random()))
        .body(Body::empty())
        .unwrap();
    assert_eq!(
        send(&h.app, delete).await.status,
        StatusCode::METHOD_NOT_ALLOWED
    );
}
