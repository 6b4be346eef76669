//! A job's page: its status, parameters, results or error, times, and its
//! executions (the API's and each replay's).

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use jobs_domain::ports::JobStore as _;
use jobs_domain::{Job, JobId, JobStatus};
use maud::{html, Markup};

use super::shell::{self, region, slot, Live, Nav, Region};
use super::state::{not_found, unavailable, ConsoleState};
use super::views::{duration, execution_badge, job_badge, json_block, maybe_json, when};
use crate::store::{ExecutionRecord, ExecutionStatus};

pub(crate) async fn page(
    State(state): State<ConsoleState>,
    Path(raw): Path<String>,
    Query(live): Query<Live>,
) -> Response {
    let Ok(id) = raw.parse::<JobId>() else {
        return (
            StatusCode::BAD_REQUEST,
            shell::message_page(
                "Not a job id",
                &format!("{raw:?} is not a job id: job ids are UUIDs."),
            ),
        )
            .into_response();
    };
    let job = match state.inner.jobs.get(&id).await {
        Ok(Some(job)) => job,
        Ok(None) => return not_found("No such job", &format!("No job has the id {id}.")),
        Err(e) => return unavailable(e),
    };
    let executions: Vec<ExecutionRecord> = match state.inner.executions.for_job(&id).await {
        Ok(found) => found.into_iter().map(|(r, _)| r).collect(),
        Err(e) => return unavailable(e),
    };
    let running = matches!(job.status, JobStatus::Queued | JobStatus::Running)
        || executions
            .iter()
            .any(|e| e.status == ExecutionStatus::Running);
    let regions = vec![
        region("job-summary", summary(&job)),
        region("job-executions", executions_table(&executions)),
    ];
    if live.wanted() {
        return shell::live_response(&regions, running);
    }
    render(&job, &regions, running).into_response()
}

fn render(job: &Job, regions: &[Region], running: bool) -> Markup {
    shell::page(
        &format!("Job {}", job.id),
        Nav::Jobs,
        running,
        html! {
            nav class="crumbs" { a href="/console/jobs" { "Jobs" } " › " span class="id" { (job.id) } }
            div class="page-head" { h1 { "Job " span class="id" { (job.id) } } }
            (slot(&regions[0]))
            section class="card" {
                h2 { "Executions" }
                p class="hint" { "The execution the API started is named with the job's id; each replay of the archive starts another." }
                (slot(&regions[1]))
            }
        },
    )
}

fn summary(job: &Job) -> Markup {
    let finished = matches!(job.status, JobStatus::Success | JobStatus::Failure);
    html! {
        div class="facts card" {
            div { span class="label" { "Status" } (job_badge(job.status)) }
            div { span class="label" { "Created (UTC)" } span class="value" { (when(&job.created_at)) } }
            div { span class="label" { "Updated (UTC)" } span class="value" { (when(&job.updated_at)) } }
            div { span class="label" { @if finished { "Took" } @else { "Running for" } } span class="value" { (duration(&job.created_at, &if finished { job.updated_at } else { chrono::Utc::now() })) } }
        }
        div class="columns" {
            section class="card grow" { h2 { "Parameters" } (json_block(job.parameters.as_value())) }
            @if let Some(results) = &job.results {
                section class="card grow ok" { h2 { "Results" } (json_block(results)) }
            }
            @if let Some(error) = &job.error {
                section class="card grow bad" {
                    h2 { "Error" }
                    p class="error-name" { (error.error) }
                    (maybe_json(&error.cause))
                }
            }
        }
    }
}

fn executions_table(executions: &[ExecutionRecord]) -> Markup {
    html! {
        @if executions.is_empty() {
            p class="empty" { "No execution yet: the job is waiting to start." }
        } @else {
            table class="list" {
                thead { tr { th { "Execution" } th { "Started by" } th { "Status" } th { "Started (UTC)" } th class="num" { "Duration" } th { "Error" } } }
                tbody {
                    @for e in executions {
                        tr {
                            td class="id" { a href={ "/console/executions/" (e.name) } { (e.name) } }
                            td { @match &e.replay_name { Some(r) => { span class="tag replay" { "Replay" } " " (r) }, None => { span class="tag api" { "API" } } } }
                            td { (execution_badge(e.status.as_str())) }
                            td { (when(&e.start_date)) }
                            td class="num" { @match &e.stop_date { Some(stop) => { (duration(&e.start_date, stop)) }, None => { "…" } } }
                            td class="summary" { (e.error.clone().unwrap_or_default()) }
                        }
                    }
                }
            }
        }
    }
}
