//! The local-only endpoints under `/local`: what the Step Functions and
//! EventBridge consoles show on AWS (executions with their history, the
//! archive, replays), plus fault injection.

mod tasks;

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use http::StatusCode;
use jobs_asl::HistoryEvent;
use jobs_domain::JobId;
use serde::Deserialize;
use tracing::error;

use jobs_wire::local as routes;
use jobs_wire::{
    ArchiveListing, ConsoleLink, ExecutionView, JobExecutions, ReplayRequest, ReplayState,
    ReplayView,
};

use crate::bus::{Bus, ReplayError, ARCHIVE_NAME};
use crate::console::{self, Token};
use crate::faults::{FaultUpdate, Faults};
use crate::gateway::message;
use crate::store::listing::window;
use crate::store::{ExecutionRecord, ExecutionStore, MapRunStore};

#[derive(Clone)]
pub(crate) struct LocalState {
    pub executions: ExecutionStore,
    pub map_runs: MapRunStore,
    pub bus: Arc<Bus>,
    pub faults: Arc<Faults>,
    /// The console's token, which `GET /local/console` hands to whoever
    /// holds the stack's credentials.
    pub console: Token,
    /// The tokens of waiting callback tasks.
    pub callbacks: Arc<crate::runtime::StackCallbacks>,
    /// The functions the stack runs itself, to tell mocked tasks.
    pub functions: crate::functions::Functions,
}

pub(crate) fn router(state: LocalState) -> Router {
    Router::new()
        .route(routes::EXECUTIONS_ROUTE, get(executions))
        .route(routes::EXECUTION_ROUTE, get(execution))
        .route(routes::MAP_RUN_ROUTE, get(map_run))
        .route(routes::ARCHIVE, get(archive))
        .route(routes::REPLAYS, post(replay))
        .route(routes::FAULTS, get(get_faults).put(put_faults))
        .route(routes::CONSOLE, get(console_url))
        .route(
            routes::TASK_SUCCESS,
            post(|s: State<LocalState>, b: Bytes| async move { tasks::success(&s.callbacks, &b).await }),
        )
        .route(
            routes::TASK_FAILURE,
            post(|s: State<LocalState>, b: Bytes| async move { tasks::failure(&s.callbacks, &b).await }),
        )
        .route(
            routes::TASK_HEARTBEAT,
            post(
                |s: State<LocalState>, b: Bytes| async move { tasks::heartbeat(&s.callbacks, &b).await },
            ),
        )
        .with_state(state)
}

/// The `/local/jobs/{jobId}/executions` shape of one stored execution.
fn view(
    record: ExecutionRecord,
    events: Vec<HistoryEvent>,
    functions: &crate::functions::Functions,
) -> ExecutionView {
    ExecutionView {
        execution_arn: record.arn,
        name: record.name,
        status: record.status,
        start_date: record.start_date,
        stop_date: record.stop_date,
        input: record.input,
        output: record.output,
        error: record.error,
        cause: record.cause,
        replay_name: record.replay_name,
        mocked_states: crate::runtime::tasks::mocked_states(functions, &events),
        events,
    }
}

fn internal(e: impl std::fmt::Display) -> Response {
    error!(error = %e, "local endpoint failed");
    message(StatusCode::INTERNAL_SERVER_ERROR, "Internal server error")
}

async fn executions(State(state): State<LocalState>, Path(raw): Path<String>) -> Response {
    let id: JobId = match raw.parse() {
        Ok(id) => id,
        Err(e) => return message(StatusCode::BAD_REQUEST, e.to_string()),
    };
    let mut response = match state.executions.for_job(&id).await {
        Ok(found) if found.is_empty() => {
            message(StatusCode::NOT_FOUND, format!("No executions for job {id}"))
        }
        Ok(found) => {
            let executions = found
                .into_iter()
                .map(|(record, events)| view(record, events, &state.functions))
                .collect();
            Json(JobExecutions { executions }).into_response()
        }
        Err(e) => internal(e),
    };
    response.extensions_mut().insert(id);
    response
}

#[derive(Debug, Deserialize)]
struct Window {
    from: Option<String>,
    to: Option<String>,
}

async fn archive(
    State(state): State<LocalState>,
    query: Result<Query<Window>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let Ok(Query(w)) = query else {
        return message(
            StatusCode::BAD_REQUEST,
            "the query takes from and to, RFC 3339 times",
        );
    };
    let (from, to) = match window(w.from.as_deref(), w.to.as_deref()) {
        Ok(bounds) => bounds,
        Err(m) => return message(StatusCode::BAD_REQUEST, m),
    };
    match state.bus.archive().between(from, to).await {
        Ok(events) => Json(ArchiveListing {
            archive_name: ARCHIVE_NAME.to_owned(),
            events,
        })
        .into_response(),
        Err(e) => internal(e),
    }
}

async fn replay(State(state): State<LocalState>, body: Bytes) -> Response {
    let request: ReplayRequest = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => {
            return message(
                StatusCode::BAD_REQUEST,
                format!("the body must be {{\"name\"?, \"from\", \"to\"}}: {e}"),
            )
        }
    };
    let (from, to) = match window(request.from.as_deref(), request.to.as_deref()) {
        Ok(bounds) => bounds,
        Err(m) => return message(StatusCode::BAD_REQUEST, m),
    };
    match state.bus.replay(request.name, from, to).await {
        Ok(outcome) => (
            StatusCode::ACCEPTED,
            Json(ReplayView {
                replay_name: outcome.name,
                state: ReplayState::Completed,
                events_replayed: outcome.events_replayed as u64,
            }),
        )
            .into_response(),
        Err(e @ ReplayError::NameTaken(_)) => message(StatusCode::CONFLICT, e.to_string()),
        Err(e @ ReplayError::Invalid(_)) => message(StatusCode::BAD_REQUEST, e.to_string()),
        Err(ReplayError::Store(e)) => internal(e),
    }
}

async fn get_faults(State(state): State<LocalState>) -> Response {
    Json(state.faults.settings()).into_response()
}

async fn put_faults(State(state): State<LocalState>, body: Bytes) -> Response {
    match serde_json::from_slice::<FaultUpdate>(&body) {
        Ok(update) => {
            let now = state.faults.apply(update);
            tracing::warn!(faults = ?now, "fault injection changed");
            Json(now).into_response()
        }
        Err(e) => message(
            StatusCode::BAD_REQUEST,
            format!(
                "the body must be {{\"errorHandlerStoreWrites\": \"fail\"|\"ok\", \"processorStoreWrites\": \"fail\"|\"ok\", \"jobRuns\": \"hold\"|\"run\"}}, each optional: {e}"
            ),
        ),
    }
}

/// The console's URL and token, for the host the request was sent to (the
/// CLI prints it; `submit` and `history` make job links of it).
async fn console_url(State(state): State<LocalState>, headers: http::HeaderMap) -> Response {
    let host = headers
        .get(http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1:3000");
    let base = format!("http://{host}");
    Json(ConsoleLink {
        url: console::url(&base, &state.console),
        base: format!("{base}/console"),
        token: state.console.as_str().to_owned(),
    })
    .into_response()
}

/// A Map Run with a page of its children.
#[derive(Debug, Deserialize)]
struct Page {
    page: Option<u64>,
}

async fn map_run(
    State(state): State<LocalState>,
    Path(id): Path<String>,
    query: Result<Query<Page>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let Ok(Query(page)) = query else {
        return message(
            StatusCode::BAD_REQUEST,
            "the query takes page, a whole number from 1",
        );
    };
    match state
        .map_runs
        .view(&state.executions, &id, page.page.unwrap_or(1))
        .await
    {
        Ok(Some(run)) => Json(run).into_response(),
        Ok(None) => message(StatusCode::NOT_FOUND, format!("No map run {id}")),
        Err(e) => internal(e),
    }
}

/// Any one execution, a Map Run's child too, with its history.
async fn execution(State(state): State<LocalState>, Path(name): Path<String>) -> Response {
    match state.executions.named(&name).await {
        Ok(Some((record, events))) => Json(view(record, events, &state.functions)).into_response(),
        Ok(None) => message(StatusCode::NOT_FOUND, format!("No execution {name}")),
        Err(e) => internal(e),
    }
}
