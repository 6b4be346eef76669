//! The failed-jobs archive: the archived events with both errors, a Replay
//! action over a time window (the same replay as `POST /local/replays`),
//! and the replays made, with what their executions did.

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use chrono::{DateTime, Utc};
use http::StatusCode;
use maud::{html, Markup};
use serde::Deserialize;
use serde_json::Value;

use super::shell::{self, region, slot, Live, Nav, Region};
use super::state::{unavailable, ConsoleState};
use super::views::{badge, execution_badge, json_block, time, when};
use crate::bus::{ReplayError, ARCHIVE_NAME};
use crate::runtime::executions::replay_execution_name;
use crate::store::listing::window;
use crate::store::{ArchivedEvent, ExecutionStatus, ReplayRecord};

#[derive(Debug, Default, Deserialize)]
pub(crate) struct Notice {
    /// The replay just made.
    #[serde(default)]
    pub replayed: Option<String>,
}

#[derive(Debug, Default, Clone, Deserialize)]
pub(crate) struct ReplayForm {
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
    #[serde(default)]
    pub name: String,
}

/// A replay with the statuses of the executions it started.
struct ReplayView {
    record: ReplayRecord,
    executions: Vec<(String, String, ExecutionStatus)>,
}

async fn read(state: &ConsoleState) -> Result<(Vec<ArchivedEvent>, Vec<ReplayView>), Response> {
    let archive = state.inner.bus.archive();
    let far = Utc::now() + chrono::TimeDelta::seconds(1);
    let events = archive
        .between(DateTime::UNIX_EPOCH, far)
        .await
        .map_err(unavailable)?;
    let mut replays = Vec::new();
    for record in archive.replays(20).await.map_err(unavailable)? {
        // The execution a replay starts for a job is named from the two, so
        // it is found by name, without a scan.
        let mut executions = Vec::new();
        for e in events
            .iter()
            .filter(|e| e.time >= record.from && e.time < record.to)
        {
            let Some(job) = job_of(e).and_then(|j| j.parse().ok()) else {
                continue;
            };
            let name = replay_execution_name(&record.name, &job);
            if let Some((x, _)) = state
                .inner
                .executions
                .named(&name)
                .await
                .map_err(unavailable)?
            {
                executions.push((name, job.to_string(), x.status));
            }
        }
        replays.push(ReplayView { record, executions });
    }
    Ok((events, replays))
}

fn job_of(e: &ArchivedEvent) -> Option<&str> {
    e.detail.get("id").and_then(Value::as_str)
}

pub(crate) async fn page(
    State(state): State<ConsoleState>,
    Query(notice): Query<Notice>,
    Query(live): Query<Live>,
) -> Response {
    let (events, replays) = match read(&state).await {
        Ok(r) => r,
        Err(r) => return r,
    };
    let regions = regions(&events, &replays);
    if live.wanted() {
        return shell::live_response(&regions, true);
    }
    let notice = notice
        .replayed
        .map(|n| format!("Replay {n} sent the archived events of its window to the bus again."));
    render(&regions, &default_form(&events), notice.as_deref(), None).into_response()
}

/// The two parts of the page that live updates replace.
fn regions(events: &[ArchivedEvent], replays: &[ReplayView]) -> Vec<Region> {
    vec![
        region("archive-events", events_table(events)),
        region("replays", replays_table(replays)),
    ]
}

fn default_form(events: &[ArchivedEvent]) -> ReplayForm {
    let from = events
        .iter()
        .map(|e| e.time)
        .min()
        .unwrap_or_else(|| Utc::now() - chrono::TimeDelta::hours(24));
    ReplayForm {
        from: time(&from),
        to: String::new(),
        name: String::new(),
    }
}

fn render(
    regions: &[Region],
    form: &ReplayForm,
    notice: Option<&str>,
    error: Option<&str>,
) -> Markup {
    shell::page(
        "Failed-jobs archive",
        Nav::Archive,
        true,
        html! {
            div class="page-head" {
                h1 { "Failed-jobs archive" }
                p class="sub" { "Jobs whose failure could not even be recorded land here (" code { (ARCHIVE_NAME) } "). A replay sends them to the bus again, and the replay rule starts the workflow for each." }
            }
            @if let Some(n) = notice { p class="notice" role="status" { (n) } }
            div class="columns" {
                section class="card grow" { h2 { "Archived events" } (slot(&regions[0])) }
                aside class="card submit" {
                    h2 { "Replay" }
                    form method="post" action="/console/replays" id="replay-form" {
                        label { "From (RFC 3339)" input type="text" name="from" value=(form.from) placeholder="the beginning"; }
                        label { "To (RFC 3339, exclusive)" input type="text" name="to" value=(form.to) placeholder="now"; }
                        label { span { "Name " span class="optional" { "(optional)" } } input type="text" name="name" value=(form.name) maxlength="64" placeholder="chosen by the stack"; }
                        @if let Some(e) = error { p class="form-error" role="alert" { (e) } }
                        button type="submit" class="primary" { "Replay the window" }
                    }
                    p class="hint" { "Heal the store first (Faults), or the replayed jobs fail the same way." }
                }
            }
            section class="card" { h2 { "Replays" } (slot(&regions[1])) }
        },
    )
}

fn error_cell(error: Option<&Value>) -> Markup {
    let name = error
        .and_then(|e| e.get("Error"))
        .and_then(Value::as_str)
        .unwrap_or("–");
    let cause = error
        .and_then(|e| e.get("Cause"))
        .and_then(Value::as_str)
        .unwrap_or("");
    // A Lambda error's cause is its error document: show the message.
    let message = serde_json::from_str::<Value>(cause)
        .ok()
        .and_then(|c| {
            c.get("errorMessage")
                .and_then(Value::as_str)
                .map(str::to_owned)
        })
        .unwrap_or_else(|| cause.to_owned());
    html! { span class="error-name" { (name) } br; span class="cause" { (message) } }
}

fn events_table(events: &[ArchivedEvent]) -> Markup {
    html! {
        @if events.is_empty() {
            p class="empty" { "The archive is empty: no job has failed so badly yet. Turn on both faults and submit a job to send one here." }
        } @else {
            table class="list" {
                thead { tr { th { "Archived (UTC)" } th { "Job" } th { "Processor error" } th { "Error handler error" } th { "Event" } } }
                tbody {
                    @for e in events.iter().rev() {
                        tr {
                            td { (when(&e.time)) }
                            td class="id" { @if let Some(j) = job_of(e) { a href={ "/console/jobs/" (j) } { (j) } } }
                            td { (error_cell(e.detail.get("processorError"))) }
                            td { (error_cell(e.detail.get("errorHandlerError"))) }
                            td { details { summary { code { (e.event_id.get(..8).unwrap_or(&e.event_id)) } } (json_block(&e.detail)) } }
                        }
                    }
                }
            }
        }
    }
}

fn replays_table(replays: &[ReplayView]) -> Markup {
    html! {
        @if replays.is_empty() {
            p class="empty" { "No replay yet." }
        } @else {
            table class="list" {
                thead { tr { th { "Name" } th { "State" } th { "Window (UTC)" } th { "Started (UTC)" } th class="num" { "Events" } th { "Executions started" } } }
                tbody {
                    @for r in replays {
                        tr {
                            td class="id" { (r.record.name) }
                            td { (badge(if r.record.state == "COMPLETED" { "succeeded" } else { "in-progress" }, &r.record.state)) }
                            td { (when(&r.record.from)) " – " (when(&r.record.to)) }
                            td { (when(&r.record.started_at)) }
                            td class="num" { (r.record.events_replayed) }
                            td {
                                @for (name, job, status) in &r.executions {
                                    div class="replayed" { a class="id" href={ "/console/executions/" (name) } title={ "job " (job) } { (job.get(..8).unwrap_or(job)) "…" } " " (execution_badge(status.as_str())) }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

pub(crate) async fn replay(
    State(state): State<ConsoleState>,
    Form(form): Form<ReplayForm>,
) -> Response {
    let text = |s: &str| Some(s.trim()).filter(|s| !s.is_empty()).map(str::to_owned);
    let outcome = match window(text(&form.from).as_deref(), text(&form.to).as_deref()) {
        Err(m) => Err((StatusCode::BAD_REQUEST, m)),
        Ok((from, to)) => match state.inner.bus.replay(text(&form.name), from, to).await {
            Ok(o) => Ok(o),
            Err(e @ ReplayError::NameTaken(_)) => Err((StatusCode::CONFLICT, e.to_string())),
            Err(e @ ReplayError::Invalid(_)) => Err((StatusCode::BAD_REQUEST, e.to_string())),
            Err(ReplayError::Store(e)) => return unavailable(e),
        },
    };
    match outcome {
        Ok(o) => Redirect::to(&format!("/console/archive?replayed={}", o.name)).into_response(),
        Err((status, message)) => {
            let (events, replays) = match read(&state).await {
                Ok(r) => r,
                Err(r) => return r,
            };
            let regions = regions(&events, &replays);
            (status, render(&regions, &form, None, Some(&message))).into_response()
        }
    }
}
