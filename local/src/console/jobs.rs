//! The job list (newest first, by status, by id, a page at a time) and the
//! form that submits a job through the API's own Router.

use axum::body::Body;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use http::{Request, StatusCode};
use jobs_domain::{Job, JobId, JobStatus};
use jobs_wire::api;
use jobs_wire::model::{Field, Kind};
use maud::{html, Markup};
use serde::Deserialize;
use serde_json::Value;
use tower::ServiceExt as _;

use super::shell::{self, region, slot, Live, Nav, Region};
use super::state::{unavailable, ConsoleState};
use super::views::{duration, job_badge, when};
use crate::store::listing::From;
use crate::store::{Cursor, JobPage, JobQuery, StatusCounts};

pub(crate) const PAGE_SIZE: usize = 50;

#[derive(Debug, Default, Deserialize)]
pub(crate) struct ListQuery {
    #[serde(default)]
    pub status: Option<String>,
    /// An id or the start of one.
    #[serde(default)]
    pub q: Option<String>,
    /// Older than this cursor.
    #[serde(default)]
    pub before: Option<String>,
    /// Newer than this cursor.
    #[serde(default)]
    pub after: Option<String>,
}

/// What the submit form sent, kept to show it again with an error: one text
/// per parameter of the request model, and the idempotency key.
#[derive(Debug, Default, Clone, Deserialize)]
pub(crate) struct SubmitForm {
    #[serde(flatten)]
    pub fields: std::collections::BTreeMap<String, String>,
}

/// The form's own field beside the parameters; no parameter may take its name.
const KEY_FIELD: &str = "idempotency_key";

impl SubmitForm {
    /// The form as first shown: the job's example parameters.
    fn example() -> Self {
        let example = jobs_domain::work::DynWork::example(&jobs_job::Job);
        let fields = example
            .as_value()
            .as_object()
            .into_iter()
            .flatten()
            .map(|(k, v)| match v {
                Value::String(s) => (k.clone(), s.clone()),
                other => (k.clone(), other.to_string()),
            })
            .collect();
        Self { fields }
    }

    fn get(&self, name: &str) -> &str {
        self.fields.get(name).map_or("", String::as_str)
    }
}

struct Listing {
    status: Option<JobStatus>,
    search: String,
    page: JobPage,
    counts: StatusCounts,
    /// Why the search found nothing it could search for.
    note: Option<String>,
}

fn is_prefix(text: &str) -> bool {
    !text.is_empty() && text.len() <= 36 && text.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-')
}

async fn listing(
    state: &ConsoleState,
    q: &ListQuery,
) -> Result<Result<Listing, Response>, Response> {
    let status = match q.status.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => match s.parse::<JobStatus>() {
            Ok(s) => Some(s),
            Err(_) => {
                return Ok(Err((
                    StatusCode::BAD_REQUEST,
                    shell::message_page(
                        "No such status",
                        &format!("{s:?} is not a status: Queued, Running, Success or Failure."),
                    ),
                )
                    .into_response()))
            }
        },
    };
    let search = q.q.as_deref().unwrap_or("").trim().to_ascii_lowercase();
    let mut note = None;
    if let Ok(id) = search.parse::<JobId>() {
        match state
            .inner
            .jobs
            .list(&JobQuery {
                status: None,
                id_prefix: Some(id.to_string()),
                from: From::Newest,
                limit: 1,
            })
            .await
        {
            Ok(p) if !p.jobs.is_empty() => {
                return Ok(Err(
                    Redirect::to(&format!("/console/jobs/{id}")).into_response()
                ))
            }
            Ok(_) => note = Some(format!("No job has the id {id}.")),
            Err(e) => return Err(unavailable(e)),
        }
    } else if !search.is_empty() && !is_prefix(&search) {
        note = Some("A job id is made of hexadecimal digits and dashes.".to_owned());
    }
    let from = match (
        q.before.as_deref().and_then(Cursor::decode),
        q.after.as_deref().and_then(Cursor::decode),
    ) {
        (Some(c), _) => From::Older(c),
        (None, Some(c)) => From::Newer(c),
        (None, None) => From::Newest,
    };
    let query = JobQuery {
        status,
        id_prefix: (!search.is_empty()).then(|| search.clone()),
        from,
        limit: PAGE_SIZE,
    };
    let page = if note.is_some() {
        JobPage {
            jobs: Vec::new(),
            older: None,
            newer: None,
        }
    } else {
        state.inner.jobs.list(&query).await.map_err(unavailable)?
    };
    let counts = state.inner.jobs.counts().await.map_err(unavailable)?;
    Ok(Ok(Listing {
        status,
        search,
        page,
        counts,
        note,
    }))
}

pub(crate) async fn page(
    State(state): State<ConsoleState>,
    Query(q): Query<ListQuery>,
    Query(live): Query<Live>,
) -> Response {
    let listing = match listing(&state, &q).await {
        Ok(Ok(l)) => l,
        Ok(Err(r)) | Err(r) => return r,
    };
    let regions = regions(&listing);
    if live.wanted() {
        return shell::live_response(&regions, true);
    }
    render(&regions, &SubmitForm::example(), None, &listing).into_response()
}

fn regions(l: &Listing) -> Vec<Region> {
    vec![region("filters", filters(l)), region("job-rows", rows(l))]
}

fn render(regions: &[Region], form: &SubmitForm, error: Option<&str>, l: &Listing) -> Markup {
    shell::page(
        "Jobs",
        Nav::Jobs,
        true,
        html! {
            div class="page-head" {
                h1 { "Jobs" }
                p class="sub" { "Every job in the local store, newest first. The list follows running jobs as they change." }
            }
            div class="columns" {
                section class="card grow" {
                    div class="toolbar" {
                        form class="search" method="get" action="/console/jobs" {
                            @if let Some(s) = l.status { input type="hidden" name="status" value=(s.as_str()); }
                            input type="search" name="q" value=(l.search) placeholder="Find by job id (or its start)" aria-label="Find by job id";
                            button type="submit" { "Find" }
                        }
                    }
                    (slot(&regions[0]))
                    (slot(&regions[1]))
                }
                aside class="card submit" {
                    h2 { "Submit a job" }
                    p class="hint" { "Sent through the API's own handler (POST /jobs), with the same body checks." }
                    form method="post" action="/console/jobs" id="submit-form" {
                        @for field in jobs_wire::model::fields(jobs_wire::model::request_model()) {
                            (form_field(&field, form.get(&field.name)))
                        }
                        label { span { (api::IDEMPOTENCY_KEY_TITLE) " " span class="optional" { "(optional)" } } input type="text" name=(KEY_FIELD) maxlength="255" value=(form.get(KEY_FIELD)) placeholder="e.g. order-42"; }
                        @if let Some(e) = error { p class="form-error" role="alert" { (e) } }
                        button type="submit" class="primary" { "Submit job" }
                    }
                }
            }
        },
    )
}

fn filters(l: &Listing) -> Markup {
    let tab = |s: Option<JobStatus>, label: &str, n: u64| {
        let mut href = "/console/jobs".to_owned();
        let mut params = Vec::new();
        if let Some(s) = s {
            params.push(format!("status={}", s.as_str()));
        }
        if is_prefix(&l.search) {
            params.push(format!("q={}", l.search));
        }
        if !params.is_empty() {
            href = format!("{href}?{}", params.join("&"));
        }
        html! { a href=(href) class={ "tab" @if l.status == s { " current" } } { (label) span class="count" { (n) } } }
    };
    let c = &l.counts;
    html! {
        nav class="tabs" aria-label="Filter by status" {
            (tab(None, "All", c.total()))
            @for s in [JobStatus::Queued, JobStatus::Running, JobStatus::Success, JobStatus::Failure] {
                (tab(Some(s), s.as_str(), c.of(s)))
            }
        }
    }
}

fn summary(job: &Job) -> String {
    if let Some(e) = &job.error {
        return format!("{}: {}", e.error, e.cause);
    }
    match &job.results {
        Some(Value::Object(m)) => m
            .get("message")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .unwrap_or_else(|| Value::Object(m.clone()).to_string()),
        Some(other) => other.to_string(),
        None => String::new(),
    }
}

fn page_link(l: &Listing, key: &str, cursor: &Cursor) -> String {
    let mut params = vec![format!("{key}={}", cursor.encode())];
    if let Some(s) = l.status {
        params.push(format!("status={}", s.as_str()));
    }
    if is_prefix(&l.search) {
        params.push(format!("q={}", l.search));
    }
    format!("/console/jobs?{}", params.join("&"))
}

fn rows(l: &Listing) -> Markup {
    html! {
        @if let Some(note) = &l.note { p class="empty" { (note) } }
        @else if l.page.jobs.is_empty() {
            p class="empty" { "No jobs here yet. Submit one with the form, " code { "jobs submit --help-params" } ", or a signed POST /jobs." }
        } @else {
            table class="list" {
                thead { tr { th { "Job id" } th { "Status" } th { "Parameters" } th { "Created (UTC)" } th class="num" { "Took" } th { "Result or error" } } }
                tbody {
                    @for job in &l.page.jobs {
                        tr data-job=(job.id) {
                            td class="id" { a href={ "/console/jobs/" (job.id) } { (job.id) } }
                            td { (job_badge(job.status)) }
                            td class="summary" { (parameters_text(&job.parameters)) }
                            td { (when(&job.created_at)) }
                            td class="num" { @if matches!(job.status, JobStatus::Success | JobStatus::Failure) { (duration(&job.created_at, &job.updated_at)) } @else { "…" } }
                            td class="summary" title=(summary(job)) { (summary(job)) }
                        }
                    }
                }
            }
        }
        nav class="pager" {
            @if l.page.newer.is_some() {
                a href=(status_only(l)) { "« Newest" }
            }
            @if let Some(c) = &l.page.newer { a href=(page_link(l, "after", c)) rel="prev" { "‹ Newer" } }
            @if let Some(c) = &l.page.older { a href=(page_link(l, "before", c)) rel="next" { "Older ›" } }
        }
    }
}

fn status_only(l: &Listing) -> String {
    match l.status {
        Some(s) => format!("/console/jobs?status={}", s.as_str()),
        None => "/console/jobs".to_owned(),
    }
}

/// The form's fields as the body of `POST /jobs`, each typed by the request
/// model; a text that is not of its type is sent as given, for the body
/// check to refuse in its own words. Empty optional fields are left out.
fn body_of(form: &SubmitForm) -> String {
    let mut body = serde_json::Map::new();
    for field in jobs_wire::model::fields(jobs_wire::model::request_model()) {
        let raw = form.get(&field.name);
        if raw.trim().is_empty() && !field.required {
            continue;
        }
        let value = jobs_wire::model::typed(raw, &field.schema)
            .unwrap_or_else(|_| Value::String(raw.trim().to_owned()));
        body.insert(field.name, value);
    }
    Value::Object(body).to_string()
}

/// One parameter's input, as its schema types it: numbers with their bounds,
/// a choice for an enum or a boolean, text otherwise (JSON for objects and
/// arrays), with the required mark and the model's description.
fn form_field(field: &Field, value: &str) -> Markup {
    let bound = |v: &Option<Value>| v.as_ref().map(Value::to_string);
    html! {
        label {
            span {
                (field.name)
                @if !field.required { " " span class="optional" { "(optional)" } }
            }
            @match &field.kind {
                Kind::Integer | Kind::Number => {
                    input type="number" name=(field.name) required[field.required] value=(value)
                        min=[bound(&field.minimum)] max=[bound(&field.maximum)]
                        step=(if field.kind == Kind::Integer { "1" } else { "any" });
                }
                Kind::Boolean => {
                    select name=(field.name) required[field.required] {
                        @if !field.required { option value="" selected[value.is_empty()] { "" } }
                        option value="true" selected[value == "true"] { "true" }
                        option value="false" selected[value == "false"] { "false" }
                    }
                }
                Kind::Enum(values) => {
                    select name=(field.name) required[field.required] {
                        @if !field.required { option value="" selected[value.is_empty()] { "" } }
                        @for v in values {
                            @let text = v.as_str().map_or_else(|| v.to_string(), str::to_owned);
                            option value=(text) selected[value == text] { (text) }
                        }
                    }
                }
                Kind::String => {
                    input type="text" name=(field.name) required[field.required] value=(value)
                        maxlength=[field.max_length];
                }
                Kind::Json => {
                    textarea name=(field.name) class="json" rows="4" required[field.required]
                        placeholder="JSON" { (value) }
                }
            }
            @if let Some(text) = &field.description { span class="field-hint" { (text) } }
        }
    }
}

/// A job's parameters, shown whole as compact JSON.
fn parameters_text(parameters: &impl serde::Serialize) -> String {
    serde_json::to_string(parameters).unwrap_or_default()
}

pub(crate) async fn submit(
    State(state): State<ConsoleState>,
    Form(form): Form<SubmitForm>,
) -> Response {
    let body = body_of(&form);
    let mut request = Request::post(api::JOBS).header("content-type", "application/json");
    let key = form.get(KEY_FIELD).trim();
    if !key.is_empty() {
        request = request.header(api::IDEMPOTENCY_KEY, key);
    }
    let request = match request.body(Body::from(body)) {
        Ok(r) => r,
        Err(_) => {
            return refused(
                &state,
                &form,
                StatusCode::BAD_REQUEST,
                &format!("The {} must be printable text.", api::IDEMPOTENCY_KEY_TITLE),
            )
            .await
        }
    };
    let response = match state.inner.api.clone().oneshot(request).await {
        Ok(r) => r,
        Err(never) => match never {},
    };
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), 64 * 1024)
        .await
        .unwrap_or_default();
    let reply: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    if status == StatusCode::ACCEPTED {
        if let Some(id) = reply["id"].as_str() {
            return Redirect::to(&format!("/console/jobs/{id}")).into_response();
        }
    }
    let message = match (reply["message"].as_str(), reply["details"].as_str()) {
        (Some(m), Some(d)) => format!("{m}: {d}"),
        (Some(m), None) => m.to_owned(),
        _ => format!("The API answered {status}"),
    };
    refused(&state, &form, status, &message).await
}

async fn refused(
    state: &ConsoleState,
    form: &SubmitForm,
    status: StatusCode,
    message: &str,
) -> Response {
    let listing = match listing(state, &ListQuery::default()).await {
        Ok(Ok(l)) => l,
        Ok(Err(r)) | Err(r) => return r,
    };
    (
        status,
        render(&regions(&listing), form, Some(message), &listing),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_example_form_becomes_the_jobs_example_body() {
        let body: Value = serde_json::from_str(&body_of(&SubmitForm::example())).unwrap();
        let example = jobs_domain::work::DynWork::example(&jobs_job::Job);
        // Compared as values: key order is serde_json's business.
        assert_eq!(&body, example.as_value());
    }

    #[test]
    fn text_that_is_not_its_fields_type_is_sent_for_the_api_to_refuse() {
        let fields = jobs_wire::model::fields(jobs_wire::model::request_model());
        let Some(numeric) = fields
            .iter()
            .find(|f| matches!(f.kind, Kind::Integer | Kind::Number))
        else {
            return; // a job with no numeric parameter has nothing to mistype here
        };
        let mut form = SubmitForm::example();
        form.fields.insert(numeric.name.clone(), " x1 ".into());
        let body: Value = serde_json::from_str(&body_of(&form)).unwrap();
        assert_eq!(body[&numeric.name], Value::String("x1".into()));
    }

    #[test]
    fn prefixes_are_hex_and_dashes() {
        assert!(is_prefix("3f2c-9a"));
        assert!(!is_prefix(""));
        assert!(!is_prefix("xyz"));
        assert!(!is_prefix("' or 1=1"));
    }
}
