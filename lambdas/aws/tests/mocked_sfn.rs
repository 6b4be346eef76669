//! The Step Functions workflow starter against a mocked client.

use std::sync::{Arc, Mutex};

use aws_sdk_sfn::config::retry::RetryConfig;
use aws_sdk_sfn::operation::start_execution::{StartExecutionInput, StartExecutionOutput};
use aws_sdk_sfn::Client;
use aws_smithy_mocks::{mock, mock_client, Rule, RuleMode};
use aws_smithy_runtime_api::http::{Response as HttpResponse, StatusCode};
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::DateTime;
use serde_json::{json, Value};

use jobs_aws::SfnWorkflowStarter;
use jobs_domain::ports::{ReplayInfo, StartError, WorkflowInput, WorkflowStarter};
use jobs_domain::JobId;

const ARN: &str = "arn:aws:states:us-east-1:123456789012:stateMachine:JobsWorkflow";

fn starter(rules: &[&Rule]) -> SfnWorkflowStarter {
    let client: Client = mock_client!(aws_sdk_sfn, RuleMode::MatchAny, rules, |c| c
        .retry_config(RetryConfig::disabled()));
    SfnWorkflowStarter::new(client, ARN)
}

fn input() -> WorkflowInput {
    WorkflowInput {
        id: "3f2c9a4e-8d1b-4c6a-9e2f-0b7d5a1c3e9f"
            .parse::<JobId>()
            .unwrap(),
        parameters: json!({"n": 3}),
        replay: None,
        redrive: None,
    }
}

fn ok_rule(seen: Arc<Mutex<Vec<StartExecutionInput>>>) -> Rule {
    mock!(Client::start_execution).then_compute_output(move |req| {
        seen.lock().unwrap().push(req.clone());
        StartExecutionOutput::builder()
            .execution_arn(
                format!("{ARN}:{}", req.name().unwrap_or_default())
                    .replace("stateMachine", "express"),
            )
            .start_date(DateTime::from_secs(1_795_608_000))
            .build()
            .unwrap()
    })
}

#[tokio::test]
async fn starts_one_execution_named_with_the_job_id() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let rule = ok_rule(seen.clone());
    starter(&[&rule]).start(&input()).await.unwrap();
    let req = seen.lock().unwrap()[0].clone();
    assert_eq!(req.state_machine_arn(), Some(ARN));
    assert_eq!(req.name(), Some("3f2c9a4e-8d1b-4c6a-9e2f-0b7d5a1c3e9f"));
    let body: Value = serde_json::from_str(req.input().unwrap()).unwrap();
    assert_eq!(
        body,
        json!({"id": "3f2c9a4e-8d1b-4c6a-9e2f-0b7d5a1c3e9f", "parameters": {"n": 3}})
    );
    assert_eq!(rule.num_calls(), 1);
}

#[tokio::test]
async fn a_replay_input_carries_the_replay_name() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let rule = ok_rule(seen.clone());
    let mut replayed = input();
    replayed.replay = Some(ReplayInfo {
        name: "nightly".into(),
    });
    starter(&[&rule]).start(&replayed).await.unwrap();
    let body: Value = serde_json::from_str(seen.lock().unwrap()[0].input().unwrap()).unwrap();
    assert_eq!(body["replay"], json!({"name": "nightly"}));
}

fn aws_error(status: u16, kind: &str) -> HttpResponse {
    HttpResponse::new(
        StatusCode::try_from(status).unwrap(),
        SdkBody::from(json!({"__type": format!("com.amazonaws.swf.service.v2.model#{kind}"), "message": "injected"}).to_string()),
    )
}

#[tokio::test]
async fn every_aws_error_maps_to_a_start_error() {
    type Expect = fn(&StartError) -> bool;
    let cases: &[(u16, &str, Expect)] = &[
        (400, "ExecutionAlreadyExists", |e| {
            *e == StartError::AlreadyStarted
        }),
        (400, "ExecutionLimitExceeded", |e| {
            matches!(e, StartError::Unavailable(_))
        }),
        (400, "ThrottlingException", |e| {
            matches!(e, StartError::Unavailable(_))
        }),
        (500, "InternalFailure", |e| {
            matches!(e, StartError::Unavailable(_))
        }),
        (
            400,
            "StateMachineDoesNotExist",
            |e| matches!(e, StartError::Refused(m) if m.contains("STATE_MACHINE_ARN")),
        ),
        (400, "StateMachineDeleting", |e| {
            matches!(e, StartError::Refused(_))
        }),
        (
            400,
            "InvalidArn",
            |e| matches!(e, StartError::Refused(m) if m.contains("STATE_MACHINE_ARN")),
        ),
        (400, "InvalidName", |e| matches!(e, StartError::Refused(_))),
        (400, "InvalidExecutionInput", |e| {
            matches!(e, StartError::Refused(_))
        }),
        (400, "ValidationException", |e| {
            matches!(e, StartError::Refused(_))
        }),
        (400, "KmsAccessDeniedException", |e| {
            matches!(e, StartError::Refused(_))
        }),
        (400, "AccessDeniedException", |e| {
            matches!(e, StartError::Refused(_))
        }),
    ];
    for (status, kind, expected) in cases {
        let (status, k) = (*status, kind.to_string());
        let rule = mock!(Client::start_execution).then_http_response(move || aws_error(status, &k));
        let err = starter(&[&rule]).start(&input()).await.unwrap_err();
        assert!(expected(&err), "{kind}: {err:?}");
    }
}
