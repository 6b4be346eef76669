//! The console: jobs, their executions drawn as in the Step Functions
//! console, the failed-jobs archive with replay, and the fault switches, in
//! a browser, from the same store the CLI reads. Its routes sit under
//! `/console` with their own auth (see [`auth`]); the public API keeps
//! SigV4.

pub mod archive;
pub mod assets;
pub mod auth;
pub mod execution;
pub mod faults;
pub mod graph;
pub mod job;
pub mod jobs;
pub mod outline;
pub mod shell;
pub mod states;
pub mod views;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use http::StatusCode;
use tracing::error;

use crate::bus::Bus;
use crate::faults::Faults;
use crate::runtime::Workflow;
use crate::store::{ExecutionStore, SqliteJobStore};

pub use auth::Token;

/// Everything the console reads and changes.
#[derive(Clone)]
pub struct ConsoleState {
    inner: Arc<Inner>,
}

struct Inner {
    token: Token,
    jobs: SqliteJobStore,
    executions: ExecutionStore,
    bus: Arc<Bus>,
    faults: Arc<Faults>,
    /// The API's own routes with the gateway's body model: the console's
    /// form submits through them.
    api: Router,
    /// The definition new executions run (also drawn for executions
    /// recorded before definitions were kept).
    workflow: Workflow,
    /// Layouts by definition hash: a definition is laid out once.
    drawings: Mutex<HashMap<String, Option<Arc<graph::Drawing>>>>,
}

/// What the console is built from.
pub struct Parts {
    pub token: Token,
    pub jobs: SqliteJobStore,
    pub executions: ExecutionStore,
    pub bus: Arc<Bus>,
    pub faults: Arc<Faults>,
    pub api: Router,
    pub workflow: Workflow,
}

impl ConsoleState {
    pub fn new(parts: Parts) -> Self {
        Self {
            inner: Arc::new(Inner {
                token: parts.token,
                jobs: parts.jobs,
                executions: parts.executions,
                bus: parts.bus,
                faults: parts.faults,
                api: parts.api,
                workflow: parts.workflow,
                drawings: Mutex::new(HashMap::new()),
            }),
        }
    }

    pub fn token(&self) -> &Token {
        &self.inner.token
    }

    fn drawing(&self, hash: &str, outline: &outline::Outline) -> Option<Arc<graph::Drawing>> {
        if let Some(d) = self.inner.drawings.lock().expect("drawings lock").get(hash) {
            return d.clone();
        }
        let drawing = graph::lay_out(outline).map(Arc::new);
        if drawing.is_none() {
            error!(
                definition = hash,
                "the graph of a definition could not be laid out"
            );
        }
        self.inner
            .drawings
            .lock()
            .expect("drawings lock")
            .insert(hash.to_owned(), drawing.clone());
        drawing
    }
}

/// The URL that opens the console, for the stack at `base` (`http://host:port`).
pub fn url(base: &str, token: &Token) -> String {
    format!("{base}/console?token={}", token.as_str())
}

/// A job's page, opened with the token.
pub fn job_url(base: &str, token: &Token, job: &str) -> String {
    format!("{base}/console/jobs/{job}?token={}", token.as_str())
}

/// Every console route, behind the console's auth.
pub fn router(state: ConsoleState) -> Router {
    let token = state.inner.token.clone();
    Router::new()
        .route("/console", get(|| async { Redirect::to("/console/jobs") }))
        .route("/console/jobs", get(jobs::page).post(jobs::submit))
        .route("/console/jobs/{jobId}", get(job::page))
        .route("/console/executions/{name}", get(execution::page))
        .route("/console/archive", get(archive::page))
        .route("/console/replays", post(archive::replay))
        .route("/console/faults", get(faults::page).post(faults::change))
        .route("/console/assets/{file}", get(assets::serve))
        .route_layer(axum::middleware::from_fn_with_state(token, auth::guard))
        .with_state(state)
}

/// The store failed: say so, and log it.
fn unavailable(e: impl std::fmt::Display) -> Response {
    error!(error = %e, "the console could not read the store");
    (
        StatusCode::SERVICE_UNAVAILABLE,
        shell::message_page(
            "The store is unavailable",
            &format!("Reading the local store failed: {e}. Try again."),
        ),
    )
        .into_response()
}

fn not_found(title: &str, why: &str) -> Response {
    (StatusCode::NOT_FOUND, shell::message_page(title, why)).into_response()
}

#[cfg(test)]
mod tests;
