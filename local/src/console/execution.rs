//! An execution's page, as in the Step Functions console: the graph of its
//! own definition coloured by what happened, the table of states entered,
//! the event history, its input, output, error and cause, and the
//! definition itself; and, while a task waits for its token, the forms that
//! answer it (see [`approval`](super::approval)).

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use jobs_asl::{HistoryEvent, WaitingTask};
use maud::{html, Markup};
use serde_json::{Map, Value};

use super::approval::{self, Notice, Refused};
use super::graph;
use super::map_run;
use super::outline::Outline;
use super::shell::{self, region, slot, Live, Nav, Region};
use super::state::{not_found, unavailable, ConsoleState};
use super::states::{self, Ended, Run, Runs, StateStatus};
use super::views::{badge, duration, execution_badge, json_block, maybe_json, raw, when};
use crate::runtime::workflow::processor_of;
use crate::store::{ExecutionRecord, ExecutionStatus, MapRunRecord};

/// An execution with everything read from its history.
struct Seen {
    record: ExecutionRecord,
    events: Vec<HistoryEvent>,
    runs: Runs,
    definition: Value,
    /// Whether the definition is the execution's own or, for one recorded
    /// before definitions were kept, the current one.
    own_definition: bool,
    outline: Option<Outline>,
    hash: String,
    /// The Task states the mock file (`--mocks`) answered.
    mocked: Vec<String>,
    /// Its callback tasks waiting for their tokens now.
    waiting: Vec<WaitingTask>,
    /// For a Map Run's child: the run, and the name of the execution that started it.
    parent: Option<(MapRunRecord, String)>,
    /// The Map Runs its distributed Maps started: the Map's name and the run's ARN.
    map_runs: Vec<(String, String)>,
}

/// What the page says besides the execution: the answer just sent, or one
/// refused.
#[derive(Default)]
pub(crate) struct Said<'a> {
    pub notice: Option<String>,
    pub refused: Option<&'a Refused>,
}

fn ended(status: ExecutionStatus) -> Ended {
    match status {
        ExecutionStatus::Running => Ended::Running,
        ExecutionStatus::Succeeded => Ended::Succeeded,
        ExecutionStatus::Failed => Ended::Failed,
        ExecutionStatus::TimedOut => Ended::TimedOut,
        ExecutionStatus::Aborted => Ended::Aborted,
    }
}

async fn read(state: &ConsoleState, name: &str) -> Result<Option<Seen>, Response> {
    let Some((record, events)) = state
        .inner
        .executions
        .named(name)
        .await
        .map_err(unavailable)?
    else {
        return Ok(None);
    };
    let recorded = match &record.definition {
        Some(hash) => state
            .inner
            .executions
            .definition(hash)
            .await
            .map_err(unavailable)?
            .map(|t| (hash.clone(), t)),
        None => None,
    };
    let own_definition = recorded.is_some();
    let (hash, text) = recorded.unwrap_or_else(|| {
        (
            state.inner.workflow.hash.clone(),
            state.inner.workflow.text.to_string(),
        )
    });
    let mut definition: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
    let mut hash = hash;
    let parent = match &record.map_run {
        Some(link) => child_of(state, &link.arn).await?,
        None => None,
    };
    // A child runs its Map's processor, not the whole definition: that is what it draws.
    if let Some((run, _)) = &parent {
        if let Some(p) = processor_of(&definition, &run.state_name) {
            definition = p.clone();
            hash = format!("{hash}#{}", run.state_name);
        }
    }
    let outline = Outline::from_definition(&definition);
    let waiting = state.inner.callbacks.waiting(&record.arn);
    let mut runs = states::read(&events, outline.as_ref(), ended(record.status));
    runs.settle_answered(&waiting);
    let mocked = crate::runtime::tasks::mocked_states(&state.inner.functions, &events);
    let map_runs = events
        .iter()
        .filter_map(|e| {
            let arn = e
                .map_run_started_event_details
                .as_ref()?
                .map_run_arn
                .clone();
            let step = runs
                .run_of_event
                .get(&e.id)
                .map(|&i| runs.runs[i].state.clone());
            Some((step.unwrap_or_default(), arn))
        })
        .collect();
    Ok(Some(Seen {
        parent,
        map_runs,
        mocked,
        waiting,
        record,
        events,
        runs,
        definition,
        own_definition,
        outline,
        hash,
    }))
}

/// The Map Run a child belongs to, and its parent execution's name.
async fn child_of(
    state: &ConsoleState,
    map_run_arn: &str,
) -> Result<Option<(MapRunRecord, String)>, Response> {
    let id = map_run_arn.rsplit(':').next().unwrap_or_default();
    let inner = &state.inner;
    let Some(run) = inner.map_runs.by_id(id).await.map_err(unavailable)? else {
        return Ok(None);
    };
    let parent = inner
        .executions
        .by_seq(run.execution)
        .await
        .map_err(unavailable)?
        .map(|p| p.name)
        .unwrap_or_default();
    Ok(Some((run, parent)))
}

pub(crate) async fn page(
    State(state): State<ConsoleState>,
    Path(name): Path<String>,
    Query(live): Query<Live>,
    Query(notice): Query<Notice>,
) -> Response {
    let said = Said {
        notice: notice.text(),
        refused: None,
    };
    show(&state, &name, live.wanted(), said).await
}

/// The page of the execution `name`, or its regions for a live update.
pub(crate) async fn show(state: &ConsoleState, name: &str, live: bool, said: Said<'_>) -> Response {
    let seen = match read(state, name).await {
        Ok(Some(s)) => s,
        Ok(None) => {
            return not_found(
                "No such execution",
                &format!("No execution is named {name}."),
            )
        }
        Err(r) => return r,
    };
    let drawing = seen
        .outline
        .as_ref()
        .and_then(|o| state.drawing(&seen.hash, o));
    let regions = regions(&seen, drawing.as_deref(), said.refused);
    let running = seen.record.status == ExecutionStatus::Running;
    if live {
        return shell::live_response(&regions, running);
    }
    render(&seen, &regions, running, &said).into_response()
}

fn regions(
    seen: &Seen,
    drawing: Option<&graph::Drawing>,
    refused: Option<&Refused>,
) -> Vec<Region> {
    let status = seen.runs.status_by_state();
    vec![
        region("execution-summary", summary(seen)),
        region(
            "graph",
            match drawing {
                Some(d) => raw(graph::svg(d, &status)),
                None => {
                    html! { p class="empty" { "This definition could not be drawn; the table view lists every state entered." } }
                }
            },
        ),
        region("state-panels", panels(seen, &status)),
        region("table-view", table(seen)),
        region("event-view", events(seen)),
        region("io-view", io(seen)),
        region(
            "waiting-tasks",
            approval::card(&seen.record.name, &seen.waiting, refused),
        ),
    ]
}

fn render(seen: &Seen, regions: &[Region], running: bool, said: &Said<'_>) -> Markup {
    let r = &seen.record;
    shell::page(
        &format!("Execution {}", r.name),
        Nav::Jobs,
        running,
        html! {
            nav class="crumbs" {
                a href="/console/jobs" { "Jobs" } " › "
                a class="id" href={ "/console/jobs/" (r.job_id) } { (r.job_id) } " › "
                @if let Some((run, parent)) = &seen.parent {
                    a class="id" href={ "/console/executions/" (parent) } { (parent) } " › "
                    a class="id" href=(map_run::path_of(&run.arn)) { "Map Run " (run.id) } " › "
                }
                span class="id" { (r.name) }
            }
            div class="page-head" {
                h1 { "Execution " span class="id" { (r.name) } }
                @if let Some((run, _)) = &seen.parent {
                    p class="sub" { span class="tag child" { "Child" } " item " (r.map_run.as_ref().map_or(0, |m| m.item)) " of "
                        a class="map-run-link" href=(map_run::path_of(&run.arn)) { "Map Run " (run.id) }
                        ", run by the distributed Map " strong { (run.state_name) } }
                }
                @else if let Some(replay) = &r.replay_name { p class="sub" { span class="tag replay" { "Replay" } " started by replay " strong { (replay) } " of the failed-jobs archive" } }
                @else { p class="sub" { span class="tag api" { "API" } " started by POST /jobs" } }
            }
            @if let Some(n) = &said.notice { p class="notice" role="status" { (n) } }
            @if let Some(r) = said.refused {
                p class="form-error" role="alert" {
                    @match (&r.state, r.answer.answer.as_str()) {
                        (Some(s), "approve") => { "Approving " strong { (s) } " was refused: " },
                        (Some(s), _) => { "Rejecting " strong { (s) } " was refused: " },
                        (None, _) => { "The answer was refused: " },
                    }
                    (r.message)
                }
            }
            (slot(&regions[0]))
            (slot(&regions[6]))
            div class="tabs big" role="tablist" {
                button role="tab" data-tab="graph-tab" aria-selected="true" { "Graph view" }
                button role="tab" data-tab="table-tab" { "Table view" }
                button role="tab" data-tab="event-tab" { "Event view" }
                button role="tab" data-tab="io-tab" { "Input and output" }
                button role="tab" data-tab="definition-tab" { "Definition" }
            }
            section id="graph-tab" class="tab-panel" {
                div class="graph-layout" {
                    div class="card graph-box" {
                        (slot(&regions[1]))
                        (legend())
                    }
                    aside class="card details" {
                        div id="state-details" { p class="empty" { "Select a state in the graph to see its input, output, error and retries." } }
                        (slot(&regions[2]))
                    }
                }
            }
            section id="table-tab" class="tab-panel card" hidden { (slot(&regions[3])) }
            section id="event-tab" class="tab-panel card" hidden { (slot(&regions[4])) }
            section id="io-tab" class="tab-panel" hidden { (slot(&regions[5])) }
            section id="definition-tab" class="tab-panel card" hidden {
                @if !seen.own_definition {
                    p class="note" { "This execution was recorded before executions kept their definition; this is the definition the stack runs now." }
                }
                (json_block(&seen.definition))
            }
        },
    )
}

fn legend() -> Markup {
    html! {
        ul class="legend" {
            @for s in [StateStatus::InProgress, StateStatus::Waiting, StateStatus::Succeeded, StateStatus::Failed, StateStatus::Caught, StateStatus::Cancelled, StateStatus::NotReached] {
                li { span class={ "swatch s-" (s.class()) } {} (s.label()) }
            }
        }
    }
}

fn summary(seen: &Seen) -> Markup {
    let r = &seen.record;
    let end = r.stop_date.unwrap_or_else(Utc::now);
    html! {
        div class="facts card" {
            div { span class="label" { "Status" } (execution_badge(r.status.as_str())) }
            div { span class="label" { "Started (UTC)" } span class="value" { (when(&r.start_date)) } }
            div { span class="label" { "Ended (UTC)" } span class="value" { @match &r.stop_date { Some(s) => { (when(s)) }, None => { "–" } } } }
            div { span class="label" { "Duration" } span class="value" { (duration(&r.start_date, &end)) } }
            div { span class="label" { "Job" } a class="value id" href={ "/console/jobs/" (r.job_id) } { (r.job_id) } }
            div { span class="label" { "Events" } span class="value" { (seen.events.len()) } }
        }
        @if !seen.map_runs.is_empty() {
            div class="card map-runs" {
                h2 { "Map Runs" }
                ul {
                    @for (state, arn) in &seen.map_runs {
                        li { strong { (state) } " " a class="map-run-link id" href=(map_run::path_of(arn)) { (arn) } }
                    }
                }
            }
        }
        @if r.error.is_some() || r.cause.is_some() {
            div class="card bad" {
                h2 { "Error" }
                p class="error-name" { (r.error.clone().unwrap_or_default()) }
                @if let Some(cause) = &r.cause { (maybe_json(cause)) }
            }
        }
        p class="arn" { "ARN " code { (r.arn) } }
    }
}

fn offset(start: &DateTime<Utc>, at: &DateTime<Utc>) -> String {
    format!("+{}", duration(start, at))
}

/// The details of each state, shown when it is selected in the graph.
fn panels(seen: &Seen, status: &HashMap<String, StateStatus>) -> Markup {
    let names: Vec<String> = match &seen.outline {
        Some(o) => o.all_names().into_iter().map(str::to_owned).collect(),
        None => Vec::new(),
    };
    html! {
        @for name in &names {
            @let s = status.get(name).copied().unwrap_or(StateStatus::NotReached);
            @let runs: Vec<(usize, &Run)> = seen.runs.of_state(name).collect();
            section class="state-panel" data-panel=(name) hidden {
                h2 { (name) }
                p { (badge(s.class(), s.label())) " " span class="kind" { (seen.outline.as_ref().and_then(|o| o.find(name)).map(|n| n.kind.clone()).unwrap_or_default()) } }
                @if runs.is_empty() {
                    p class="empty" { "Not entered in this execution." }
                }
                @if s == StateStatus::Waiting {
                    p class="hint" { "Its task waits for its token: answer it with Approve or Reject above." }
                }
                @for (i, (_, run)) in runs.iter().enumerate() {
                    @if runs.len() > 1 {
                        h3 { "Entry " (i + 1) " of " (runs.len()) @if let Some(it) = run.iteration { " · iteration " (it) } " " (badge(run.status.class(), run.status.label())) }
                    }
                    (run_details(seen, run))
                }
                @if let Some(node) = seen.outline.as_ref().and_then(|o| o.find(name)) {
                    details class="state-source" { summary { "Definition of the state" } (json_block(&node.source)) }
                }
            }
        }
    }
}

fn run_details(seen: &Seen, run: &Run) -> Markup {
    let start = seen.record.start_date;
    html! {
        dl class="run" {
            dt { "Entered" } dd { (offset(&start, &run.entered)) }
            dt { "Duration" } dd { @match run.ended() { Some(end) => { (duration(&run.entered, &end)) }, None => { "running…" } } }
            @if !run.attempts.is_empty() {
                dt { "Retries" } dd { (run.retries()) }
            }
        }
        @if run.attempts.iter().any(|a| a.failed) {
            div class="attempts" {
                @for (i, a) in run.attempts.iter().enumerate() {
                    @if a.failed {
                        div class="attempt bad" {
                            p { strong { "Attempt " (i + 1) } " failed: " span class="error-name" { (a.error.clone().unwrap_or_else(|| "error".into())) } }
                            @if let Some(cause) = &a.cause { (maybe_json(cause)) }
                        }
                    }
                }
            }
        }
        h4 { "Input" }
        @match &run.input { Some(v) => { (json_block(v)) }, None => { p class="empty" { "–" } } }
        h4 { "Output" }
        @match &run.output { Some(v) => { (json_block(v)) }, None => { p class="empty" { @if matches!(run.status, StateStatus::InProgress | StateStatus::Waiting) { "Not yet." } @else { "None: the state did not exit normally." } } } }
    }
}

fn table(seen: &Seen) -> Markup {
    let start = seen.record.start_date;
    html! {
        @if seen.runs.runs.is_empty() {
            p class="empty" { "No state entered yet." }
        } @else {
            table class="list states" {
                thead { tr { th { "Name" } th { "Type" } th { "Status" } th class="num" { "Retries" } th { "Started after" } th class="num" { "Duration" } } }
                tbody {
                    @for run in &seen.runs.runs {
                        tr data-state=(run.state) class="clickable" {
                            td class={ "depth-" (run.depth.min(4)) } { (run.state) @if let Some(i) = run.iteration { span class="iteration" { " #" (i) } } }
                            td { (run.kind) }
                            td { (badge(run.status.class(), run.status.label())) }
                            td class="num" { (run.retries()) }
                            td { (offset(&start, &run.entered)) }
                            td class="num" { @match run.ended() { Some(end) => { (duration(&run.entered, &end)) }, None => { "…" } } }
                        }
                    }
                }
            }
        }
    }
}

/// An event's details with the JSON it carries as text (input, output,
/// parameters) shown as JSON.
fn readable(event: &HistoryEvent) -> Value {
    let mut v = serde_json::to_value(event).unwrap_or(Value::Null);
    if let Some(obj) = v.as_object_mut() {
        for (_, details) in obj.iter_mut().filter(|(k, _)| k.ends_with("EventDetails")) {
            if let Some(d) = details.as_object_mut() {
                let parsed: Map<String, Value> = d
                    .iter()
                    .filter_map(|(k, v)| {
                        let text = v.as_str()?;
                        matches!(k.as_str(), "input" | "output" | "parameters")
                            .then(|| serde_json::from_str::<Value>(text).ok())
                            .flatten()
                            .map(|p| (k.clone(), p))
                    })
                    .collect();
                d.extend(parsed);
            }
        }
    }
    v
}

fn event_class(kind: &str) -> &'static str {
    if kind.ends_with("Failed") || kind.ends_with("TimedOut") || kind.ends_with("Aborted") {
        "failed"
    } else if kind.ends_with("Succeeded") {
        "succeeded"
    } else if kind.ends_with("Started")
        || kind.ends_with("Scheduled")
        || kind.ends_with("Submitted")
    {
        "in-progress"
    } else {
        "plain"
    }
}

fn events(seen: &Seen) -> Markup {
    let start = seen.record.start_date;
    html! {
        div class="events" {
            div class="event head" { span { "ID" } span { "Type" } span { "Step" } span { "Elapsed" } span { "Timestamp (UTC)" } }
            @for e in &seen.events {
                @let kind = format!("{:?}", e.event_type);
                @let step = e.state_name().map(str::to_owned)
                    .or_else(|| seen.runs.run_of_event.get(&e.id).map(|&i| seen.runs.runs[i].state.clone()))
                    .unwrap_or_default();
                details class="event" data-key={ "event-" (e.id) } {
                    summary {
                        span class="num" { (e.id) }
                        span class={ "etype e-" (event_class(&kind)) } { (kind) }
                        span {
                            (step)
                            @if kind.starts_with("Task") && !kind.starts_with("TaskState") && seen.mocked.contains(&step) {
                                " " (badge("not-reached", "mocked"))
                            }
                        }
                        span class="num" { (offset(&start, &e.timestamp)) }
                        span { (when(&e.timestamp)) }
                    }
                    (json_block(&readable(e)))
                }
            }
        }
    }
}

fn io(seen: &Seen) -> Markup {
    let r = &seen.record;
    html! {
        div class="columns" {
            section class="card grow" { h2 { "Input" } (json_block(&r.input)) }
            section class="card grow" {
                h2 { "Output" }
                @match &r.output {
                    Some(o) => { (json_block(o)) },
                    None => { p class="empty" { @if r.status == ExecutionStatus::Running { "The execution is still running." } @else { "No output: the execution did not succeed." } } },
                }
            }
        }
        @if r.error.is_some() || r.cause.is_some() {
            section class="card bad" {
                h2 { "Error and cause" }
                p class="error-name" { (r.error.clone().unwrap_or_default()) }
                @if let Some(cause) = &r.cause { (maybe_json(cause)) }
            }
        }
    }
}
