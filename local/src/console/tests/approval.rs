//! Approve and Reject on the execution page of a STANDARD workflow whose
//! Approve step (`local/tests/fixtures/approval.asl.json`, its publish
//! answered by the fixture's mock file) waits for its task token, after a Lambda step of
//! its own (the example notify function, declared in `tests/fixtures/functions.json`) and a
//! mocked SNS publish.

use std::path::Path;
use std::time::Duration;

use http::StatusCode;
use serde_json::{json, Value};

use super::{console_with, form_of, location, Console};
use crate::config::Mocks;
use crate::store::{ExecutionRecord, ExecutionStatus, ExecutionStore};
use crate::testing::example;
use crate::Config;

async fn approval_console() -> Console {
    let dir = tempfile::tempdir().unwrap();
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut config = Config::ephemeral(dir.path().join("data"));
    config.workflow = Some(fixtures.join("approval.asl.json"));
    config.functions = Some(fixtures.join("functions.json"));
    config.workflow_type = jobs_asl::WorkflowType::Standard;
    config.mocks = Some(Mocks {
        file: fixtures.join("approval.mocks.json"),
        state_machine: None,
        test_case: None,
    });
    console_with(dir, config).await
}

/// Submits the example through the console's form and returns the job's
/// execution name once its page offers the Approve form.
async fn waiting_execution(c: &Console) -> String {
    let reply = c
        .post_same_origin("/console/jobs", &form_of(&example()))
        .await;
    let name = location(&reply)
        .strip_prefix("/console/jobs/")
        .expect("the form redirects to the job")
        .to_owned();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let live = live(c, &name).await;
        if live["regions"]["waiting-tasks"]
            .as_str()
            .is_some_and(|r| r.contains(r#"value="approve""#))
        {
            return name;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the execution never waited: {live}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn live(c: &Console, name: &str) -> Value {
    let reply = c.get(&format!("/console/executions/{name}?live=1")).await;
    serde_json::from_str(&reply.body).unwrap()
}

/// The execution as stored, once it has ended.
async fn ended(c: &Console, name: &str) -> ExecutionRecord {
    let store = ExecutionStore::new(c.stack.db.clone());
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let (record, _) = store.named(name).await.unwrap().unwrap();
        if record.status != ExecutionStatus::Running {
            return record;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the execution did not end"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The one token the execution's Approve task waits on, in the registry.
fn waiting_token(c: &Console, name: &str) -> Option<String> {
    let arn = c.stack.runtime.execution_arn(name);
    let waiting = c.stack.runtime.callbacks().waiting(&arn);
    assert!(waiting.len() <= 1, "{waiting:?}");
    waiting.into_iter().next().map(|t| {
        assert_eq!(t.state_name, "Approve");
        t.token
    })
}

fn answer(token: &str, fields: &[(&str, &str)]) -> String {
    let mut pairs = vec![("token", token)];
    pairs.extend_from_slice(fields);
    serde_urlencoded::to_string(pairs).unwrap()
}

fn forms_in(body: &str) -> usize {
    body.matches(r#"class="answer "#).count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_waiting_task_is_approved_from_its_page_and_bad_output_changes_nothing() {
    let c = approval_console().await;
    let name = waiting_execution(&c).await;
    let token = waiting_token(&c, &name).expect("the Approve task waits");
    let path = format!("/console/executions/{name}");

    let page = c.get(&path).await;
    assert_eq!(page.status, StatusCode::OK);
    let body = &page.body;
    assert!(
        body.contains(r#"<div class="waiting-task" data-state="Approve">"#),
        "{body}"
    );
    assert_eq!(forms_in(body), 2, "an Approve and a Reject form");
    assert!(body.contains(&format!(r#"name="token" value="{token}""#)));
    assert!(body.contains(&format!(
        r#"<textarea name="output" class="json" rows="3" spellcheck="false">{}</textarea>"#,
        super::super::approval::DEFAULT_OUTPUT
    )));
    assert!(body.contains(r#"name="error" value="Rejected""#));
    // The graph, the table and the panel say it waits; the event view shows
    // the call's return as a step in progress.
    assert!(body.contains(r#"class="node s-waiting" data-state="Approve""#));
    assert!(body.contains(r#"<span class="badge s-waiting">Waiting for token</span>"#));
    assert!(body.contains(r#"<span class="etype e-in-progress">TaskSubmitted</span>"#));
    assert!(body.contains(r#"class="node s-succeeded" data-state="ProcessJob""#));

    // From another origin, or with output that is not JSON: refused, and the
    // task still waits on the same token.
    let from_elsewhere = c
        .post(
            &path,
            &answer(&token, &[("answer", "approve"), ("output", "{}")]),
            Some("http://evil.example"),
        )
        .await;
    assert_eq!(from_elsewhere.status, StatusCode::FORBIDDEN);
    let bad = c
        .post_same_origin(
            &path,
            &answer(&token, &[("answer", "approve"), ("output", "{not json")]),
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.body);
    assert!(
        bad.body
            .contains("Approving <strong>Approve</strong> was refused: InvalidOutput: "),
        "{}",
        bad.body
    );
    assert!(
        bad.body.contains(">{not json</textarea>"),
        "the form keeps what was sent"
    );
    let unknown = c
        .post_same_origin(&path, &answer(&token, &[("answer", "maybe")]))
        .await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    assert_eq!(waiting_token(&c, &name).as_deref(), Some(token.as_str()));
    let still = live(&c, &name).await;
    assert_eq!(still["live"], true);
    assert!(still["regions"]["graph"]
        .as_str()
        .unwrap()
        .contains(r#"class="node s-waiting" data-state="Approve""#));

    let approved = c
        .post_same_origin(
            &path,
            &answer(
                &token,
                &[("answer", "approve"), ("output", r#"{"approved": true}"#)],
            ),
        )
        .await;
    assert_eq!(approved.status, StatusCode::SEE_OTHER, "{}", approved.body);
    assert_eq!(location(&approved), format!("{path}?approved=Approve"));
    let record = ended(&c, &name).await;
    assert_eq!(record.status, ExecutionStatus::Succeeded);
    let output = record.output.as_ref().unwrap();
    assert_eq!(output["approval"], json!({"approved": true}));
    // The Lambda step ran in-process over the job store; the publish was the mock's.
    assert_eq!(output["notification"]["status"], json!("Success"));
    assert!(output["notification"]["subject"]
        .as_str()
        .unwrap()
        .ends_with(": Success"));
    assert_eq!(output["published"], json!({"MessageId": "notice-1"}));
    let after = c.get(location(&approved)).await;
    assert!(after.body.contains("Approved Approve: "), "{}", after.body);
    assert!(after
        .body
        .contains(r#"<span class="badge s-succeeded">Succeeded</span>"#));
    assert!(after
        .body
        .contains(r#"class="node s-succeeded" data-state="Approve""#));
    assert_eq!(forms_in(&after.body), 0, "an ended execution has no form");

    // The form of a page opened before the answer: the task has ended.
    let late = c
        .post_same_origin(
            &path,
            &answer(&token, &[("answer", "reject"), ("error", "Late")]),
        )
        .await;
    assert_eq!(late.status, StatusCode::CONFLICT);
    assert!(
        late.body.contains("The answer was refused: TaskTimedOut: "),
        "{}",
        late.body
    );
    assert_eq!(forms_in(&late.body), 0);
    let record = ended(&c, &name).await;
    assert_eq!(record.status, ExecutionStatus::Succeeded);
    assert_eq!(record.error, None);
    c.stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rejecting_fails_the_execution_with_the_error_and_cause() {
    let c = approval_console().await;
    let name = waiting_execution(&c).await;
    let token = waiting_token(&c, &name).expect("the Approve task waits");
    let path = format!("/console/executions/{name}");
    let rejected = c
        .post_same_origin(
            &path,
            &answer(
                &token,
                &[
                    ("answer", "reject"),
                    ("error", "NotApproved"),
                    ("cause", "the totals do not add up"),
                ],
            ),
        )
        .await;
    assert_eq!(rejected.status, StatusCode::SEE_OTHER, "{}", rejected.body);
    assert_eq!(location(&rejected), format!("{path}?rejected=Approve"));
    let record = ended(&c, &name).await;
    assert_eq!(record.status, ExecutionStatus::Failed);
    assert_eq!(record.error.as_deref(), Some("NotApproved"));
    assert_eq!(record.cause.as_deref(), Some("the totals do not add up"));
    assert_eq!(waiting_token(&c, &name), None);

    let page = c.get(&path).await;
    assert!(page
        .body
        .contains(r#"class="node s-failed" data-state="Approve""#));
    assert!(page.body.contains("the totals do not add up"));
    assert_eq!(forms_in(&page.body), 0);
    c.stack.stop().await;
}
