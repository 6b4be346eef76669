//! The `api` Lambda's Router driven by the API Gateway REST proxy events it
//! receives on AWS (IAM-authenticated requests, as API Gateway sends them).

use std::sync::Arc;

use axum::http::StatusCode;
use axum::Router;
use jobs_domain::service::JobService;
use jobs_domain::testing::{FixedClock, MemoryStore, RecordingStarter, TestJob};
use jobs_domain::JobId;
use jobs_wire::api;
use serde_json::{json, Value};
use tower::ServiceExt;

mod support;

const POST_EVENT: &str = include_str!("events/post-jobs.json");

fn app() -> (Arc<MemoryStore>, Arc<RecordingStarter>, Router) {
    let store = Arc::new(MemoryStore::default());
    let starter = Arc::new(RecordingStarter::default());
    let service = JobService::new(
        Arc::new(TestJob::default()),
        store.clone(),
        starter.clone(),
        Arc::new(FixedClock::default()),
    );
    (store, starter, jobs_api::lambda_router(service))
}

/// As CDK configures the function. `lambda_http` reads the variable as it
/// turns each event into a request; every test sets the same value.
fn ignore_stage_in_path() {
    static SET: std::sync::Once = std::sync::Once::new();
    SET.call_once(|| std::env::set_var(jobs_api::IGNORE_STAGE_IN_PATH, "true"));
}

fn event(edit: impl FnOnce(&mut Value)) -> lambda_http::Request {
    ignore_stage_in_path();
    let mut event: Value = serde_json::from_str(POST_EVENT).unwrap();
    edit(&mut event);
    lambda_http::request::from_str(&event.to_string()).unwrap()
}

fn get_event(id: &str) -> lambda_http::Request {
    event(|e| {
        e["resource"] = json!(api::JOB_ROUTE);
        e["path"] = json!(api::job(id));
        e["httpMethod"] = json!("GET");
        e["pathParameters"] = json!({ "jobId": id });
        e["requestContext"]["resourcePath"] = json!(api::JOB_ROUTE);
        e["requestContext"]["httpMethod"] = json!("GET");
        e["requestContext"]["path"] = json!(format!("/prod{}", api::job(id)));
        e["body"] = Value::Null;
    })
}

async fn call(
    app: &Router,
    request: lambda_http::Request,
) -> (StatusCode, axum::http::HeaderMap, Value) {
    support::read(app.clone().oneshot(request).await.unwrap()).await
}

#[tokio::test]
async fn post_through_the_stage_url_points_location_at_the_stage() {
    let (store, starter, app) = app();
    let (status, headers, body) = call(&app, event(|_| {})).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let id: JobId = body["id"].as_str().unwrap().parse().unwrap();
    assert_eq!(headers["location"], format!("/prod{}", api::job(id)));
    assert_eq!(store.job_count(), 1);
    assert_eq!(starter.started()[0].parameters, json!({"n": 4}));
}

#[tokio::test]
async fn post_through_a_custom_domain_keeps_location_at_the_root() {
    let (_, _, app) = app();
    let (status, headers, body) = call(
        &app,
        event(|e| e["requestContext"]["path"] = json!(api::JOBS)),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert_eq!(headers["location"], api::job(body["id"].as_str().unwrap()));
}

#[tokio::test]
async fn a_base64_body_is_decoded() {
    let (store, _, app) = app();
    // {"n": 4} in base64, as API Gateway sends binary media types.
    let (status, _, _) = call(
        &app,
        event(|e| {
            e["body"] = json!("eyJuIjogNH0=");
            e["isBase64Encoded"] = json!(true);
        }),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert_eq!(store.job_count(), 1);
}

#[tokio::test]
async fn an_invalid_body_is_400_and_creates_nothing() {
    let (store, starter, app) = app();
    for body in [
        json!("{\"n\": -1}"),
        json!("{\"n\": \"3\"}"),
        json!(""),
        Value::Null,
    ] {
        let (status, _, reply) = call(&app, event(|e| e["body"] = body.clone())).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(reply["message"], "Invalid request body");
    }
    assert_eq!(store.job_count(), 0);
    assert!(starter.started().is_empty());
}

#[tokio::test]
async fn get_reads_the_job_back() {
    let (_, _, app) = app();
    let (_, _, created) = call(&app, event(|_| {})).await;
    let id = created["id"].as_str().unwrap();
    let (status, _, body) = call(&app, get_event(id)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["id"], id);
    assert_eq!(body["status"], "Queued");
    assert_eq!(body["parameters"], json!({"n": 4}));
}

#[tokio::test]
async fn get_of_an_unknown_or_malformed_id() {
    let (_, _, app) = app();
    let (status, _, _) = call(&app, get_event(&JobId::random().to_string())).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, body) = call(&app, get_event("not-a-job")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["message"], "Invalid job id");
}

#[tokio::test]
async fn idempotency_key_header_from_api_gateway() {
    let (store, starter, app) = app();
    let with_key = |body: &'static str| {
        event(move |e| {
            e["headers"][api::IDEMPOTENCY_KEY_TITLE] = json!("retry-1");
            e["multiValueHeaders"][api::IDEMPOTENCY_KEY_TITLE] = json!(["retry-1"]);
            e["body"] = json!(body);
        })
    };
    let (_, _, first) = call(&app, with_key("{\"n\": 4}")).await;
    let (status, headers, second) = call(&app, with_key("{\"n\": 4}")).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert_eq!(first["id"], second["id"]);
    assert_eq!(headers[api::IDEMPOTENT_REPLAYED], "true");
    let (status, _, _) = call(&app, with_key("{\"n\": 9}")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(store.job_count(), 1);
    assert_eq!(starter.started().len(), 1);
}

#[tokio::test]
async fn lambda_http_hands_over_the_path_without_the_stage() {
    // What the routes rely on: with the variable set, the stage in the
    // request context stays out of the path the Router sees.
    let request = event(|_| {});
    assert_eq!(request.uri().path(), api::JOBS);
    let (_, _, app) = app();
    let (status, _, body) = call(
        &app,
        event(|e| {
            e["path"] = json!("/prod/jobs");
            e["httpMethod"] = json!("GET");
        }),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["message"], "Not found");
}
