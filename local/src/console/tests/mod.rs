//! The console's routes on a whole stack's store, called through the
//! router as a browser would call them.

use std::time::Duration;

use crate::testing::{example, other_than_example};
use axum::body::Body;
use axum::Router;
use chrono::{TimeZone, Utc};
use http::{Request, StatusCode};
use jobs_domain::ports::JobStore;
use jobs_domain::testing::TestJob;
use jobs_domain::{Job, JobId};
use jobs_wire::model::{fields, request_model, Kind};
use serde_json::Value;
use tower::ServiceExt as _;

use crate::{Config, Stack};

mod approval;
mod map_run;

const HOST: &str = "127.0.0.1:3000";

struct Console {
    stack: Stack,
    router: Router,
    cookie: String,
    _dir: tempfile::TempDir,
}

async fn console() -> Console {
    let dir = tempfile::tempdir().unwrap();
    let config = Config::ephemeral(dir.path().join("data"));
    console_with(dir, config).await
}

async fn console_with(dir: tempfile::TempDir, config: Config) -> Console {
    let stack = Stack::start(config).await.unwrap();
    let router = stack.console_router();
    let cookie = format!(
        "{}={}",
        super::auth::COOKIE_NAME,
        stack.console_token.as_str()
    );
    Console {
        stack,
        router,
        cookie,
        _dir: dir,
    }
}

struct Reply {
    status: StatusCode,
    headers: http::HeaderMap,
    body: String,
}

impl Console {
    async fn send(&self, request: Request<Body>) -> Reply {
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = axum::body::to_bytes(response.into_body(), 16 << 20)
            .await
            .unwrap();
        Reply {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    async fn get(&self, path: &str) -> Reply {
        let request = Request::get(path)
            .header("host", HOST)
            .header("cookie", &self.cookie)
            .body(Body::empty())
            .unwrap();
        self.send(request).await
    }

    async fn post(&self, path: &str, form: &str, origin: Option<&str>) -> Reply {
        let mut request = Request::post(path)
            .header("host", HOST)
            .header("cookie", &self.cookie)
            .header("content-type", "application/x-www-form-urlencoded");
        if let Some(origin) = origin {
            request = request.header("origin", origin);
        }
        self.send(request.body(Body::from(form.to_owned())).unwrap())
            .await
    }

    async fn post_same_origin(&self, path: &str, form: &str) -> Reply {
        self.post(path, form, Some(&format!("http://{HOST}"))).await
    }
}

/// Parameters as the submit form sends them: each field's text.
fn form_of(parameters: &Value) -> String {
    let pairs: Vec<(String, String)> = parameters
        .as_object()
        .expect("parameters are an object")
        .iter()
        .map(|(k, v)| {
            let text = match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            (k.clone(), text)
        })
        .collect();
    serde_urlencoded::to_string(pairs).unwrap()
}

/// Submits the job's example through the form and waits until its execution ends; returns
/// the job id and the execution page's last live update.
async fn run_example(c: &Console) -> (String, Value) {
    let reply = c
        .post_same_origin("/console/jobs", &form_of(&example()))
        .await;
    let id = location(&reply)
        .strip_prefix("/console/jobs/")
        .unwrap()
        .to_owned();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    loop {
        let reply = c.get(&format!("/console/executions/{id}?live=1")).await;
        let v: Value = serde_json::from_str(&reply.body).unwrap();
        if v["live"] == false {
            return (id, v);
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the execution did not end"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn location(reply: &Reply) -> &str {
    reply
        .headers
        .get("location")
        .and_then(|l| l.to_str().ok())
        .unwrap_or("")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_cookie_every_page_is_refused_and_the_token_link_sets_it() {
    let c = console().await;
    for path in [
        "/console",
        "/console/jobs",
        "/console/archive",
        "/console/faults",
        "/console/assets/console.js",
        "/console/executions/x",
    ] {
        let request = Request::get(path)
            .header("host", HOST)
            .body(Body::empty())
            .unwrap();
        let reply = c.send(request).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{path}");
        assert!(
            reply.body.contains("Open the console with its link"),
            "{path}"
        );
    }
    let wrong = Request::get("/console/jobs")
        .header("host", HOST)
        .header("cookie", "jobs_console=nope")
        .body(Body::empty())
        .unwrap();
    assert_eq!(c.send(wrong).await.status, StatusCode::UNAUTHORIZED);
    let bad_link = Request::get("/console/jobs?token=0000")
        .header("host", HOST)
        .body(Body::empty())
        .unwrap();
    let reply = c.send(bad_link).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert!(reply.headers.get("set-cookie").is_none());

    let token = c.stack.console_token.as_str().to_owned();
    let link = Request::get(format!("/console/jobs?status=Running&token={token}"))
        .header("host", HOST)
        .body(Body::empty())
        .unwrap();
    let reply = c.send(link).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    assert_eq!(
        location(&reply),
        "/console/jobs?status=Running",
        "the token leaves the address bar"
    );
    let cookie = reply.headers["set-cookie"].to_str().unwrap();
    assert!(
        cookie.starts_with(&format!("jobs_console={token};")),
        "{cookie}"
    );
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/console"] {
        assert!(cookie.contains(attribute), "{cookie}");
    }
    let reply = c.get("/console/jobs").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.headers["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("frame-ancestors 'none'"));
    assert_eq!(reply.headers["cache-control"], "no-store");
    c.stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_post_from_another_origin_or_none_changes_nothing() {
    let c = console().await;
    for origin in [
        Some("http://evil.example"),
        Some("http://127.0.0.1:3001"),
        Some("null"),
        None,
    ] {
        let reply = c
            .post("/console/faults", "role=processor&writes=fail", origin)
            .await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{origin:?}");
        let reply = c.post("/console/jobs", &form_of(&example()), origin).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{origin:?}");
    }
    assert_eq!(
        c.stack.faults.settings().processor_store_writes,
        crate::faults::Switch::Ok
    );
    assert_eq!(c.stack.jobs.counts().await.unwrap().total(), 0);

    let reply = c
        .post_same_origin("/console/faults", "role=processor&writes=fail")
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    assert_eq!(
        c.stack.faults.settings().processor_store_writes,
        crate::faults::Switch::Fail
    );
    let reply = c
        .post_same_origin("/console/faults", "role=processor&writes=maybe")
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    let reply = c
        .post_same_origin("/console/faults", "role=runs&writes=hold")
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    assert_eq!(
        c.stack.faults.settings().job_runs,
        crate::faults::Runs::Hold
    );
    assert!(c
        .get("/console/faults")
        .await
        .body
        .contains("Release: runs go on"));
    let reply = c
        .post_same_origin("/console/faults", "role=runs&writes=pause")
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    c.stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_form_submits_through_the_api_and_bad_input_creates_nothing() {
    let c = console().await;
    // Values past each bound the request model states, and a fraction where
    // it wants an integer: the gateway's refusal shows on the form.
    let mut probes = Vec::new();
    for field in fields(request_model()) {
        let with = |value: Value| {
            let mut body = example();
            body[&field.name] = value;
            form_of(&body)
        };
        let at = format!("/{}: ", field.name);
        if matches!(field.kind, Kind::Integer) {
            probes.push((with(1.5.into()), format!("{at}want integer")));
            if let Some(min) = field.minimum.as_ref().and_then(Value::as_i64) {
                probes.push((with((min - 1).into()), format!("{at}must be &gt;={min}")));
            }
            if let Some(max) = field.maximum.as_ref().and_then(Value::as_i64) {
                probes.push((with((max + 1).into()), format!("{at}must be &lt;={max}")));
            }
        }
    }
    assert!(
        !probes.is_empty(),
        "the job's model states no bound to probe"
    );
    for (form, says) in &probes {
        let reply = c.post_same_origin("/console/jobs", form).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{form}");
        assert!(
            reply.body.contains("Invalid request body") && reply.body.contains(says),
            "{form}: {}",
            reply.body
        );
    }
    assert_eq!(c.stack.jobs.counts().await.unwrap().total(), 0);

    let keyed = |parameters: &Value| format!("{}&idempotency_key=order-42", form_of(parameters));
    let reply = c
        .post_same_origin("/console/jobs", &keyed(&example()))
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    let id: JobId = location(&reply)
        .strip_prefix("/console/jobs/")
        .unwrap()
        .parse()
        .unwrap();
    let again = c
        .post_same_origin("/console/jobs", &keyed(&example()))
        .await;
    assert_eq!(
        location(&again),
        location(&reply),
        "the same key and body give the same job"
    );
    let conflict = c
        .post_same_origin("/console/jobs", &keyed(&other_than_example()))
        .await;
    assert_eq!(conflict.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(conflict
        .body
        .contains(jobs_wire::api::IDEMPOTENCY_KEY_TITLE));
    assert_eq!(c.stack.jobs.counts().await.unwrap().total(), 1);

    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    let job = loop {
        let job = c.stack.jobs.get(&id).await.unwrap().unwrap();
        if job.status == jobs_domain::JobStatus::Success {
            break job;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the job did not finish"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(job.parameters.to_value(), example());
    let page = c.get(&format!("/console/jobs/{id}")).await;
    let results = job.results.expect("a job that succeeded has results");
    for key in results.as_object().expect("results are an object").keys() {
        assert!(page.body.contains(key.as_str()), "{key}: {}", page.body);
    }
    assert!(page.body.contains(&format!("/console/executions/{id}")));
    c.stack.stop().await;
}

async fn seed(c: &Console, n: usize) -> Vec<Job> {
    let t0 = Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).unwrap();
    let mut jobs = Vec::new();
    for i in 0..n {
        let job = Job::queued(
            JobId::random(),
            TestJob::params(1),
            t0 + chrono::Duration::seconds(i as i64),
        );
        c.stack.jobs.create(&job, None).await.unwrap();
        jobs.push(job);
    }
    jobs
}

fn ids_in(body: &str) -> Vec<String> {
    body.match_indices("data-job=\"")
        .map(|(i, m)| body[i + m.len()..i + m.len() + 36].to_owned())
        .collect()
}

fn link(body: &str, rel: &str) -> Option<String> {
    let at = body.find(&format!("rel=\"{rel}\""))?;
    let start = body[..at].rfind("href=\"")? + 6;
    let end = start + body[start..].find('"')?;
    Some(body[start..end].replace("&amp;", "&"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_list_pages_newest_first_filters_by_status_and_finds_by_id() {
    let c = console().await;
    let jobs = seed(&c, super::jobs::PAGE_SIZE + 5).await;
    let newest: Vec<String> = jobs.iter().rev().map(|j| j.id.to_string()).collect();

    let first = c.get("/console/jobs").await;
    assert_eq!(ids_in(&first.body), newest[..super::jobs::PAGE_SIZE]);
    assert!(link(&first.body, "prev").is_none());
    let older = link(&first.body, "next").expect("an older page");
    let second = c.get(&older).await;
    assert_eq!(ids_in(&second.body), newest[super::jobs::PAGE_SIZE..]);
    assert!(link(&second.body, "next").is_none());
    let back = c.get(&link(&second.body, "prev").unwrap()).await;
    assert_eq!(ids_in(&back.body), newest[..super::jobs::PAGE_SIZE]);

    let none_running = c.get("/console/jobs?status=Running").await;
    assert!(ids_in(&none_running.body).is_empty());
    assert!(c.get("/console/jobs?status=Sleeping").await.status == StatusCode::BAD_REQUEST);
    let queued = c.get("/console/jobs?status=Queued").await;
    assert_eq!(ids_in(&queued.body).len(), super::jobs::PAGE_SIZE);

    let target = &jobs[3].id.to_string();
    let exact = c.get(&format!("/console/jobs?q={target}")).await;
    assert_eq!(exact.status, StatusCode::SEE_OTHER);
    assert_eq!(location(&exact), format!("/console/jobs/{target}"));
    let prefix = c.get(&format!("/console/jobs?q={}", &target[..13])).await;
    assert_eq!(ids_in(&prefix.body), std::slice::from_ref(target));
    let unknown = c.get(&format!("/console/jobs?q={}", JobId::random())).await;
    assert!(unknown.body.contains("No job has the id"));
    assert!(c
        .get("/console/jobs?q=%3Cscript%3E")
        .await
        .body
        .contains("hexadecimal"));

    let live = c.get("/console/jobs?live=1").await;
    let regions: serde_json::Value = serde_json::from_str(&live.body).unwrap();
    assert!(regions["regions"]["job-rows"]
        .as_str()
        .unwrap()
        .contains(&newest[0]));
    assert!(regions["regions"]["filters"]
        .as_str()
        .unwrap()
        .contains(&format!("{}", jobs.len())));
    c.stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_execution_page_colours_its_graph_from_its_history() {
    let c = console().await;
    c.stack.faults.apply(crate::faults::FaultUpdate {
        processor_store_writes: Some(crate::faults::Switch::Fail),
        error_handler_store_writes: Some(crate::faults::Switch::Fail),
        job_runs: None,
    });
    let (id, live) = run_example(&c).await;
    let graph = live["regions"]["graph"].as_str().unwrap();
    for (state, class) in [
        ("ProcessJob", "s-caught"),
        ("RecordFailure", "s-caught"),
        ("ArchiveFailedJob", "s-succeeded"),
        ("JobArchived", "s-failed"),
        ("JobFailed", "s-not-reached"),
    ] {
        assert!(
            graph.contains(&format!(r#"class="node {class}" data-state="{state}""#)),
            "{state} {class}: {graph}"
        );
    }
    let page = c.get(&format!("/console/executions/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("JobArchived") && page.body.contains("JobStoreUnavailable"));
    assert!(
        page.body.contains("ExecutionFailed"),
        "the event view lists the events"
    );
    let archive = c.get("/console/archive").await;
    assert!(archive.body.contains(&id));

    c.stack.faults.apply(crate::faults::FaultUpdate {
        processor_store_writes: Some(crate::faults::Switch::Ok),
        error_handler_store_writes: Some(crate::faults::Switch::Ok),
        job_runs: None,
    });
    let replayed = c
        .post_same_origin("/console/replays", "from=&to=&name=from-console")
        .await;
    assert_eq!(replayed.status, StatusCode::SEE_OTHER, "{}", replayed.body);
    let again = c
        .post_same_origin("/console/replays", "name=from-console")
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    let bad = c
        .post_same_origin("/console/replays", "from=yesterday")
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("RFC 3339"));
    c.stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_jobs_and_executions_are_answered_plainly() {
    let c = console().await;
    assert_eq!(
        c.get(&format!("/console/jobs/{}", JobId::random()))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        c.get("/console/jobs/not-an-id").await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        c.get("/console/executions/nope").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        c.get("/console/assets/nope.css").await.status,
        StatusCode::NOT_FOUND
    );
    c.stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_event_view_marks_the_tasks_the_mock_file_answered() {
    let dir = tempfile::tempdir().unwrap();
    let (workflow, mocks) = crate::testing::workflow_with_notify(dir.path());
    let mut config = Config::ephemeral(dir.path().join("data"));
    config.workflow = Some(workflow);
    config.mocks = Some(crate::config::Mocks {
        file: mocks,
        state_machine: None,
        test_case: None,
    });
    let c = console_with(dir, config).await;
    let (id, _) = run_example(&c).await;
    let page = c.get(&format!("/console/executions/{id}")).await;
    let mark = r#"Notify <span class="badge s-not-reached">mocked</span>"#;
    // Notify's scheduled, started and succeeded events; not its entered and exited ones, and
    // no task of the processor.
    assert_eq!(page.body.matches(mark).count(), 3, "{}", page.body);
    assert!(!page
        .body
        .contains(r#"ProcessJob <span class="badge s-not-reached">mocked"#));
}
