//! What every console page reads and changes, and the answers they share
//! when the store fails or a thing is not there.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::response::{IntoResponse, Response};
use axum::Router;
use http::StatusCode;
use tracing::error;

use super::auth::Token;
use super::{graph, outline, shell};
use crate::bus::Bus;
use crate::faults::Faults;
use crate::functions::Functions;
use crate::runtime::{StackCallbacks, Workflow};
use crate::store::{ExecutionStore, MapRunStore, SqliteJobStore};

/// Everything the console reads and changes.
#[derive(Clone)]
pub(crate) struct ConsoleState {
    pub(super) inner: Arc<Inner>,
}

pub(super) struct Inner {
    pub(super) token: Token,
    pub(super) jobs: SqliteJobStore,
    pub(super) executions: ExecutionStore,
    /// Distributed Maps' runs, whose children are executions too.
    pub(super) map_runs: MapRunStore,
    pub(super) bus: Arc<Bus>,
    pub(super) faults: Arc<Faults>,
    /// The tokens the executions' callback tasks wait on, which the
    /// execution page's Approve and Reject complete.
    pub(super) callbacks: Arc<StackCallbacks>,
    /// The API's own routes with the gateway's body model: the console's
    /// form submits through them.
    pub(super) api: Router,
    /// The definition new executions run (also drawn for executions
    /// recorded before definitions were kept).
    pub(super) workflow: Workflow,
    /// The functions the stack runs itself: a task of another resource was mocked.
    pub(super) functions: Functions,
    /// Layouts by definition hash: a definition is laid out once.
    drawings: Mutex<HashMap<String, Option<Arc<graph::Drawing>>>>,
}

/// What the console is built from.
pub(crate) struct Parts {
    pub token: Token,
    pub jobs: SqliteJobStore,
    pub executions: ExecutionStore,
    pub bus: Arc<Bus>,
    pub faults: Arc<Faults>,
    pub callbacks: Arc<StackCallbacks>,
    pub api: Router,
    pub workflow: Workflow,
    pub functions: Functions,
}

impl ConsoleState {
    pub(crate) fn new(parts: Parts) -> Self {
        Self {
            inner: Arc::new(Inner {
                token: parts.token,
                jobs: parts.jobs,
                map_runs: MapRunStore::new(parts.executions.db().clone()),
                executions: parts.executions,
                bus: parts.bus,
                faults: parts.faults,
                callbacks: parts.callbacks,
                api: parts.api,
                workflow: parts.workflow,
                functions: parts.functions,
                drawings: Mutex::new(HashMap::new()),
            }),
        }
    }

    pub(super) fn drawing(
        &self,
        hash: &str,
        outline: &outline::Outline,
    ) -> Option<Arc<graph::Drawing>> {
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

/// The store failed: say so, and log it.
pub(super) fn unavailable(e: impl std::fmt::Display) -> Response {
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

pub(super) fn not_found(title: &str, why: &str) -> Response {
    (StatusCode::NOT_FOUND, shell::message_page(title, why)).into_response()
}
