//! `GET /local/map-runs/{id}` (a Map Run with a page of its children) and
//! `GET /local/executions/{name}` (any one execution, a child too, with its history).

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use http::StatusCode;
use serde::Deserialize;

use super::{internal, view, LocalState};
use crate::gateway::message;

#[derive(Debug, Deserialize)]
pub(super) struct Page {
    page: Option<u64>,
}

pub(super) async fn map_run(
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

pub(super) async fn execution(
    State(state): State<LocalState>,
    Path(name): Path<String>,
) -> Response {
    match state.executions.named(&name).await {
        Ok(Some((record, events))) => Json(view(record, events, &state.functions)).into_response(),
        Ok(None) => message(StatusCode::NOT_FOUND, format!("No execution {name}")),
        Err(e) => internal(e),
    }
}
