//! The fault switches the CLI's `faults` command has: make the processor's
//! or the error handler's job-store writes fail, to reach the archive path;
//! hold every job in `Running` before its work starts, to watch one there.

use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use http::StatusCode;
use maud::{html, Markup};
use serde::Deserialize;
use tracing::warn;

use super::shell::{self, Nav};
use super::state::ConsoleState;
use crate::faults::{FaultSettings, FaultUpdate, Runs, Switch};

#[derive(Debug, Deserialize)]
pub(crate) struct Change {
    /// `processor`, `error-handler` or `runs`.
    pub role: String,
    /// `fail` or `ok` for a role's writes, `hold` or `run` for runs.
    pub writes: String,
}

pub(crate) async fn page(State(state): State<ConsoleState>) -> Response {
    render(state.inner.faults.settings()).into_response()
}

fn switch(role: &str, title: &str, what: &str, now: Switch) -> Markup {
    let failing = now == Switch::Fail;
    html! {
        div class={ "switch card" @if failing { " on" } } data-role=(role) {
            div class="switch-text" {
                h2 { (title) }
                p { (what) }
                p class="state" { "Store writes: " strong { @if failing { "fail" } @else { "ok" } } }
            }
            form method="post" action="/console/faults" {
                input type="hidden" name="role" value=(role);
                input type="hidden" name="writes" value=(if failing { "ok" } else { "fail" });
                button type="submit" class=(if failing { "primary" } else { "danger" }) {
                    @if failing { "Heal: writes ok" } @else { "Make writes fail" }
                }
            }
        }
    }
}

fn runs_switch(now: Runs) -> Markup {
    let held = now == Runs::Hold;
    html! {
        div class={ "switch card" @if held { " on" } } data-role="runs" {
            div class="switch-text" {
                h2 { "Job runs" }
                p { "Hold every job in Running before its work starts, whatever the job does; release them to let them finish." }
                p class="state" { "Runs: " strong { @if held { "held" } @else { "go on" } } }
            }
            form method="post" action="/console/faults" {
                input type="hidden" name="role" value="runs";
                input type="hidden" name="writes" value=(if held { "run" } else { "hold" });
                button type="submit" class=(if held { "primary" } else { "danger" }) {
                    @if held { "Release: runs go on" } @else { "Hold runs" }
                }
            }
        }
    }
}

fn render(now: FaultSettings) -> Markup {
    shell::page(
        "Faults",
        Nav::Faults,
        false,
        html! {
            div class="page-head" {
                h1 { "Faults" }
                p class="sub" { "The same switches as " code { "jobs faults" } ". With both on, a job's failure cannot be recorded, so it goes to the failed-jobs archive." }
            }
            div class="switches" {
                (switch("processor", "Processor", "ProcessJob's writes to the job store (Running, Success).", now.processor_store_writes))
                (switch("error-handler", "Error handler", "RecordFailure's write of the Failure.", now.error_handler_store_writes))
                (runs_switch(now.job_runs))
            }
        },
    )
}

pub(crate) async fn change(
    State(state): State<ConsoleState>,
    Form(change): Form<Change>,
) -> Response {
    if change.role == "runs" {
        let runs = match change.writes.as_str() {
            "hold" => Runs::Hold,
            "run" => Runs::Run,
            other => return unknown("runs must be hold or run", other),
        };
        let now = state.inner.faults.apply(FaultUpdate {
            job_runs: Some(runs),
            ..Default::default()
        });
        warn!(faults = ?now, "fault injection changed from the console");
        return Redirect::to("/console/faults").into_response();
    }
    let writes = match change.writes.as_str() {
        "fail" => Switch::Fail,
        "ok" => Switch::Ok,
        other => {
            return (
                StatusCode::BAD_REQUEST,
                shell::message_page(
                    "Unknown setting",
                    &format!("writes must be fail or ok, not {other:?}"),
                ),
            )
                .into_response()
        }
    };
    let update = match change.role.as_str() {
        "processor" => FaultUpdate {
            processor_store_writes: Some(writes),
            ..Default::default()
        },
        "error-handler" => FaultUpdate {
            error_handler_store_writes: Some(writes),
            ..Default::default()
        },
        other => {
            return (
                StatusCode::BAD_REQUEST,
                shell::message_page(
                    "Unknown fault",
                    &format!("role must be processor, error-handler or runs, not {other:?}"),
                ),
            )
                .into_response()
        }
    };
    let now = state.inner.faults.apply(update);
    warn!(faults = ?now, "fault injection changed from the console");
    Redirect::to("/console/faults").into_response()
}

fn unknown(what: &str, got: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        shell::message_page("Unknown setting", &format!("{what}, not {got:?}")),
    )
        .into_response()
}
