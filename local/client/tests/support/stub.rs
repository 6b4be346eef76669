//! A small stand-in for the jobs API on 127.0.0.1: it checks every request's
//! SigV4 signature like the real gateway, scripts each job's statuses, and
//! records what it received.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use super::sigv4;

pub const ACCESS_KEY: &str = "AKIDSTUB000000000000";
pub const SECRET: &str = "stub-secret";
pub const HISTORY: &str = include_str!("../fixtures/history.json");

#[derive(Clone, Debug)]
pub struct Received {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub body: Value,
}

#[derive(Default)]
struct Job {
    seconds: i64,
    /// Statuses still to show; the last one stays.
    statuses: VecDeque<&'static str>,
}

#[derive(Default)]
struct Inner {
    jobs: HashMap<String, Job>,
    keys: HashMap<String, (Value, String)>,
    faults: Value,
    received: Vec<Received>,
}

#[derive(Clone)]
pub struct Stub {
    prefix: &'static str,
    inner: Arc<Mutex<Inner>>,
}

pub struct Running {
    pub url: String,
    stub: Stub,
    task: tokio::task::JoinHandle<()>,
}

impl Running {
    pub fn received(&self) -> Vec<Received> {
        self.stub.inner.lock().unwrap().received.clone()
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Starts a stub on a random port, serving under `prefix` ("" or "/prod").
pub async fn start(prefix: &'static str) -> Running {
    let stub = Stub {
        prefix,
        inner: Arc::new(Mutex::new(Inner {
            faults: json!({"errorHandlerStoreWrites": "ok", "processorStoreWrites": "ok"}),
            ..Inner::default()
        })),
    };
    let app = axum::Router::new()
        .fallback(handle)
        .with_state(stub.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    Running {
        url: format!("http://{addr}{prefix}"),
        stub,
        task,
    }
}

fn message(status: StatusCode, text: &str) -> Response {
    (status, Json(json!({"message": text}))).into_response()
}

async fn handle(
    State(stub): State<Stub>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if headers.get("authorization").is_none() {
        return message(StatusCode::FORBIDDEN, "Missing Authentication Token");
    }
    match sigv4::verify(method.as_str(), &uri, &headers, &body, SECRET) {
        Ok(signed) if signed.access_key_id != ACCESS_KEY => {
            return message(
                StatusCode::FORBIDDEN,
                "The security token included in the request is invalid.",
            )
        }
        Ok(signed) if signed.service != "execute-api" || signed.region != "us-east-1" => {
            return message(
                StatusCode::FORBIDDEN,
                "Credential should be scoped to a valid region.",
            )
        }
        Ok(_) => {}
        Err(_) => {
            return message(
                StatusCode::FORBIDDEN,
                "The request signature we calculated does not match the signature you provided. \
                 Check your AWS Secret Access Key and signing method. Consult the service \
                 documentation for details.",
            )
        }
    }
    let Some(path) = uri.path().strip_prefix(stub.prefix) else {
        return message(StatusCode::FORBIDDEN, "Missing Authentication Token");
    };
    let json_body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let mut inner = stub.inner.lock().unwrap();
    inner.received.push(Received {
        method: method.to_string(),
        path: path.to_owned(),
        query: uri.query().map(str::to_owned),
        body: json_body.clone(),
    });
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match (method.as_str(), segments.as_slice()) {
        ("POST", ["jobs"]) => {
            let seconds = match json_body.get("seconds").and_then(Value::as_i64) {
                Some(s) if s >= 1 => s,
                _ => {
                    return (
                        StatusCode::BAD_REQUEST,
                        Json(json!({
                            "message": "Invalid request body",
                            "details": "seconds must be an integer of at least 1"
                        })),
                    )
                        .into_response()
                }
            };
            let key = headers
                .get("idempotency-key")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            if let Some(key) = &key {
                if let Some((seen_body, id)) = inner.keys.get(key) {
                    if *seen_body != json_body {
                        return message(
                            StatusCode::UNPROCESSABLE_ENTITY,
                            "Idempotency-Key was already used with another body",
                        );
                    }
                    let id = id.clone();
                    return created(&id);
                }
            }
            let id = uuid::Uuid::new_v4().to_string();
            // 999 seconds: a job whose failure went to the archive, so it
            // stays Queued while its execution has ended.
            let statuses = if seconds == 999 {
                ["Queued"].as_slice()
            } else if seconds > 180 {
                ["Queued", "Running", "Failure"].as_slice()
            } else {
                ["Queued", "Queued", "Running", "Running", "Success"].as_slice()
            };
            inner.jobs.insert(
                id.clone(),
                Job {
                    seconds,
                    statuses: statuses.iter().copied().collect(),
                },
            );
            if let Some(key) = key {
                inner.keys.insert(key, (json_body, id.clone()));
            }
            created(&id)
        }
        ("GET", ["local", "console"]) => Json(json!({
            "url": "http://stub/console?token=t0k3n",
            "base": "http://stub/console",
            "token": "t0k3n",
        }))
        .into_response(),
        ("GET", ["jobs", id]) => {
            if id.parse::<uuid::Uuid>().is_err() {
                return message(
                    StatusCode::BAD_REQUEST,
                    &format!("\"{id}\" is not a job id"),
                );
            }
            let Some(job) = inner.jobs.get_mut(*id) else {
                return message(StatusCode::NOT_FOUND, &format!("job {id} not found"));
            };
            let status = if job.statuses.len() > 1 {
                job.statuses.pop_front().unwrap()
            } else {
                job.statuses[0]
            };
            let mut view = json!({
                "id": id, "status": status, "parameters": {"seconds": job.seconds},
                "createdAt": "2026-11-25T12:00:00.000Z", "updatedAt": "2026-11-25T12:00:01.000Z"
            });
            match status {
                "Success" => {
                    view["results"] =
                        json!({"message": format!("I slept for {} seconds", job.seconds)})
                }
                "Failure" => {
                    view["error"] = json!({"error": "JobTooLong", "cause": "seconds is too long"})
                }
                _ => {}
            }
            Json(view).into_response()
        }
        ("GET", ["local", "jobs", id, "executions"]) => match inner.jobs.get(*id) {
            Some(job) if job.seconds != 999 => Json(json!({"executions": [{
                "name": id, "status": "RUNNING", "startDate": "2026-11-25T12:00:00.000Z",
                "events": []
            }]}))
            .into_response(),
            // An archived job, or one the stub never saw: the recorded history.
            _ => Json(serde_json::from_str::<Value>(HISTORY).unwrap()).into_response(),
        },
        ("GET", ["local", "archive"]) => Json(json!({
            "archiveName": "failed-jobs-archive",
            "events": [{
                "eventId": "e-1", "time": "2026-11-25T12:00:00.060Z", "source": "jobs.workflow",
                "detailType": "JobFailed",
                "detail": {
                    "id": "3f2c9a4e-8d1b-4c6a-9e2f-0b7d5a1c3e9f", "parameters": {"seconds": 2},
                    "processorError": {"Error": "StoreUnavailable", "Cause": "injected"},
                    "errorHandlerError": {"Error": "StoreUnavailable", "Cause": "injected"}
                }
            }]
        }))
        .into_response(),
        ("POST", ["local", "replays"]) => {
            let name = json_body
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or("replay-generated");
            (
                StatusCode::ACCEPTED,
                Json(json!({"replayName": name, "state": "COMPLETED", "eventsReplayed": 2})),
            )
                .into_response()
        }
        ("GET", ["local", "faults"]) => Json(inner.faults.clone()).into_response(),
        ("PUT", ["local", "faults"]) => {
            inner.faults = json_body;
            Json(inner.faults.clone()).into_response()
        }
        _ => message(StatusCode::FORBIDDEN, "Missing Authentication Token"),
    }
}

fn created(id: &str) -> Response {
    (
        StatusCode::ACCEPTED,
        [("location", format!("/jobs/{id}"))],
        Json(json!({"id": id})),
    )
        .into_response()
}
