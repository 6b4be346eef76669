//! A Map Run's page, as in the Step Functions console: the run's status and ARN, the
//! execution whose distributed Map started it, its children counted by status, and a page
//! of its child executions, each a link to its own execution page.

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use jobs_wire::MapRunView;
use maud::{html, Markup};
use serde::Deserialize;

use super::shell::{self, region, slot, Live, Nav, Region};
use super::state::{not_found, unavailable, ConsoleState};
use super::views::{duration, execution_badge, maybe_json, when};
use crate::store::ExecutionStatus;

/// The console's path of a Map Run, by the last part of its ARN.
pub(crate) fn path_of(map_run_arn: &str) -> String {
    let id = map_run_arn.rsplit(':').next().unwrap_or_default();
    format!("/console/map-runs/{id}")
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct Page {
    #[serde(default)]
    page: Option<u64>,
}

pub(crate) async fn page(
    State(state): State<ConsoleState>,
    Path(id): Path<String>,
    Query(live): Query<Live>,
    Query(page): Query<Page>,
) -> Response {
    let inner = &state.inner;
    let run = match inner
        .map_runs
        .view(&inner.executions, &id, page.page.unwrap_or(1))
        .await
    {
        Ok(Some(run)) => run,
        Ok(None) => return not_found("No such Map Run", &format!("No Map Run has the id {id}.")),
        Err(e) => return unavailable(e),
    };
    let running = run.status == ExecutionStatus::Running;
    let regions = vec![
        region("map-run-summary", summary(&run)),
        region("map-run-children", children(&run)),
    ];
    if live.wanted() {
        return shell::live_response(&regions, running);
    }
    render(&run, &regions, running).into_response()
}

fn render(run: &MapRunView, regions: &[Region], running: bool) -> Markup {
    shell::page(
        &format!("Map Run {}", run.map_run_id),
        Nav::Jobs,
        running,
        html! {
            nav class="crumbs" {
                a href="/console/jobs" { "Jobs" } " › "
                a class="id" href={ "/console/executions/" (run.execution_name) } { (run.execution_name) } " › "
                span class="id" { "Map Run " (run.map_run_id) }
            }
            div class="page-head" {
                h1 { "Map Run " span class="id" { (run.map_run_id) } }
                p class="sub" { "Started by the distributed Map " strong { (run.state_name) } " of execution "
                    a class="id parent-execution" href={ "/console/executions/" (run.execution_name) } { (run.execution_name) } }
            }
            (slot(&regions[0]))
            section class="card" {
                h2 { "Child executions" }
                p class="hint" { "One per item (or batch of items), each with its own history." }
                (slot(&regions[1]))
            }
        },
    )
}

fn summary(run: &MapRunView) -> Markup {
    let c = &run.execution_counts;
    let end = run.stop_date.unwrap_or_else(chrono::Utc::now);
    let limit = match run.max_concurrency {
        0 => "no limit".to_owned(),
        n => n.to_string(),
    };
    let tolerated = match (
        run.tolerated_failure_count,
        run.tolerated_failure_percentage,
    ) {
        (Some(n), Some(p)) => format!("{n} or {p}%"),
        (Some(n), None) => n.to_string(),
        (None, Some(p)) => format!("{p}%"),
        (None, None) => "0".to_owned(),
    };
    let counts = [
        (
            "Total",
            c.total
                .map(|t| t.to_string())
                .unwrap_or_else(|| "not read yet".into()),
            "total",
        ),
        ("Succeeded", c.succeeded.to_string(), "succeeded"),
        ("Failed", c.failed.to_string(), "failed"),
        ("Running", c.running.to_string(), "running"),
        ("Pending", c.pending.to_string(), "pending"),
        ("Aborted", c.aborted.to_string(), "aborted"),
        ("Timed out", c.timed_out.to_string(), "timed-out"),
    ];
    html! {
        div class="facts card" {
            div { span class="label" { "Status" } (execution_badge(run.status.as_str())) }
            div { span class="label" { "Started (UTC)" } span class="value" { (when(&run.start_date)) } }
            div { span class="label" { "Ended (UTC)" } span class="value" { @match &run.stop_date { Some(s) => { (when(s)) }, None => { "–" } } } }
            div { span class="label" { "Duration" } span class="value" { (duration(&run.start_date, &end)) } }
            div { span class="label" { "Max concurrency" } span class="value" { (limit) } }
            div { span class="label" { "Tolerated failures" } span class="value" { (tolerated) } }
        }
        div class="facts card counts" {
            @for (label, n, key) in &counts {
                div data-count=(key) { span class="label" { (label) } span class="value num" { (n) } }
            }
        }
        @if run.error.is_some() || run.cause.is_some() {
            div class="card bad" {
                h2 { "Error" }
                p class="error-name" { (run.error.clone().unwrap_or_default()) }
                @if let Some(cause) = &run.cause { (maybe_json(cause)) }
            }
        }
        p class="arn" { "ARN " code { (run.map_run_arn) } }
    }
}

fn children(run: &MapRunView) -> Markup {
    let base = format!("/console/map-runs/{}", run.map_run_id);
    html! {
        @if run.children.is_empty() {
            p class="empty" { "No child execution has started yet." }
        } @else {
            table class="list children" {
                thead { tr { th class="num" { "Item" } th { "Name" } th { "Status" } th { "Started (UTC)" } th class="num" { "Duration" } } }
                tbody {
                    @for child in &run.children {
                        tr {
                            td class="num" { (child.item) }
                            td { a class="id child-execution" href={ "/console/executions/" (child.name) } { (child.name) } }
                            td { (execution_badge(child.status.as_str())) }
                            td { (when(&child.start_date)) }
                            td class="num" { @match &child.stop_date { Some(s) => { (duration(&child.start_date, s)) }, None => { "…" } } }
                        }
                    }
                }
            }
        }
        @if run.pages > 1 {
            nav class="pager" {
                @if run.page > 1 { a rel="prev" href={ (base) "?page=" (run.page - 1) } { "‹ Previous" } " " }
                span { "Page " (run.page) " of " (run.pages) }
                @if run.page < run.pages { " " a rel="next" href={ (base) "?page=" (run.page + 1) } { "Next ›" } }
            }
        }
    }
}
