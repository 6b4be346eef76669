//! The console: jobs, their executions drawn as in the Step Functions
//! console (with Approve and Reject for a task waiting on its token), the
//! failed-jobs archive with replay, and the fault switches, in a browser, from the same store the CLI reads. Its routes sit under
//! `/console` with their own auth (see [`auth`]); the public API keeps
//! SigV4.

pub(crate) mod answer;
pub(crate) mod approval;
pub(crate) mod archive;
pub(crate) mod assets;
pub(crate) mod auth;
pub(crate) mod execution;
pub(crate) mod faults;
pub(crate) mod graph;
pub(crate) mod job;
pub(crate) mod jobs;
pub(crate) mod map_run;
pub(crate) mod outline;
pub(crate) mod shell;
pub(crate) mod state;
pub(crate) mod states;
pub(crate) mod views;

use axum::response::Redirect;
use axum::routing::{get, post};
use axum::Router;

pub(crate) use auth::Token;
pub(crate) use state::{ConsoleState, Parts};

/// The URL that opens the console, for the stack at `base` (`http://host:port`).
pub(crate) fn url(base: &str, token: &Token) -> String {
    format!("{base}/console?token={}", token.as_str())
}

/// Every console route, behind the console's auth.
pub(crate) fn router(state: ConsoleState) -> Router {
    let token = state.inner.token.clone();
    Router::new()
        .route("/console", get(|| async { Redirect::to("/console/jobs") }))
        .route("/console/jobs", get(jobs::page).post(jobs::submit))
        .route("/console/jobs/{jobId}", get(job::page))
        .route(
            "/console/executions/{name}",
            get(execution::page).post(answer::post),
        )
        .route("/console/map-runs/{id}", get(map_run::page))
        .route("/console/archive", get(archive::page))
        .route("/console/replays", post(archive::replay))
        .route("/console/faults", get(faults::page).post(faults::change))
        .route("/console/assets/{file}", get(assets::serve))
        .route_layer(axum::middleware::from_fn_with_state(token, auth::guard))
        .with_state(state)
}

#[cfg(test)]
mod tests;
