//! Mocked AWS clients for the tests of the AWS side: each client answers
//! only the rules it is given, so an unexpected call fails the test.
#![allow(dead_code)]

use aws_sdk_sfn::operation::describe_state_machine::DescribeStateMachineOutput;
use aws_sdk_sfn::types::StateMachineType;
use aws_smithy_mocks::{mock, mock_client, Rule, RuleMode};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::http::StatusCode;
use aws_smithy_types::body::SdkBody;
use jobs_client::aws::{AwsClients, Deployed, Settings, StackOutputs};
use jobs_client::signing::CredentialSource;
use jobs_client::{Credentials, Output};

pub const STACK: &str = "JobsApi";
pub const REGION: &str = "eu-west-1";
pub const API: &str = "https://abc123.execute-api.eu-west-1.amazonaws.com/prod/";
pub const ROLE: &str = "arn:aws:iam::123456789012:role/JobsApi-JobsAPIInvokeRole-1A2B3C";
pub const ARCHIVE_NAME: &str = "JobsApi-failed-jobs";
pub const ARCHIVE_ARN: &str = "arn:aws:events:eu-west-1:123456789012:archive/JobsApi-failed-jobs";
pub const BUS_ARN: &str =
    "arn:aws:events:eu-west-1:123456789012:event-bus/JobsApiFailedJobsBus1A2B3C4D";
pub const RULE_ARN: &str =
    "arn:aws:events:eu-west-1:123456789012:rule/JobsApiFailedJobsBus1A2B3C4D/JobsApi-FailedJobsReplayRule-XYZ";
pub const STATE_MACHINE: &str =
    "arn:aws:states:eu-west-1:123456789012:stateMachine:WorkflowStateMachineA1B2C3D4";
pub const LOG_GROUP: &str = "/aws/vendedlogs/states/JobsApi-jobs";

/// Every output the CLI reads, as the CDK stack declares them.
pub fn outputs() -> Vec<(String, String)> {
    [
        ("ApiEndpoint", API),
        ("JobsAPIInvokeRoleArn", ROLE),
        ("StateMachineArn", STATE_MACHINE),
        ("StateMachineLogGroupName", LOG_GROUP),
        ("FailedJobsArchiveName", ARCHIVE_NAME),
        ("FailedJobsArchiveArn", ARCHIVE_ARN),
        ("FailedJobsBusArn", BUS_ARN),
        ("ReplayRuleArn", RULE_ARN),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

/// DescribeStateMachine of the stack's state machine, of type `kind`.
pub fn state_machine(kind: StateMachineType) -> Rule {
    mock!(aws_sdk_sfn::Client::describe_state_machine)
        .match_requests(|r| r.state_machine_arn() == Some(STATE_MACHINE))
        .then_output(move || {
            DescribeStateMachineOutput::builder()
                .state_machine_arn(STATE_MACHINE)
                .name("WorkflowStateMachineA1B2C3D4")
                .definition("{}")
                .role_arn("arn:aws:iam::123456789012:role/JobsApi-WorkflowRole")
                .r#type(kind.clone())
                .creation_date(aws_smithy_types::DateTime::from_secs(1_795_000_000))
                .build()
                .unwrap()
        })
}

/// The caller's own settings: the region and the credentials of its
/// profile.
pub fn caller() -> Settings {
    Settings {
        region: Some(REGION.to_owned()),
        credentials: Credentials {
            access_key_id: "AKIACALLER".into(),
            secret_access_key: "caller-secret".into(),
            session_token: None,
            source: CredentialSource::AwsChain("profile dev".into()),
        },
    }
}

/// Rules for each client; a client with none answers nothing.
#[derive(Default)]
pub struct Rules<'a> {
    pub cloudformation: Vec<&'a Rule>,
    pub events: Vec<&'a Rule>,
    pub logs: Vec<&'a Rule>,
    pub sfn: Vec<&'a Rule>,
    pub sts: Vec<&'a Rule>,
}

impl Rules<'_> {
    pub fn clients(&self) -> AwsClients {
        AwsClients {
            cloudformation: mock_client!(
                aws_sdk_cloudformation,
                RuleMode::MatchAny,
                &self.cloudformation
            ),
            events: mock_client!(aws_sdk_eventbridge, RuleMode::MatchAny, &self.events),
            logs: mock_client!(aws_sdk_cloudwatchlogs, RuleMode::MatchAny, &self.logs),
            sfn: mock_client!(aws_sdk_sfn, RuleMode::MatchAny, &self.sfn),
            sts: mock_client!(aws_sdk_sts, RuleMode::MatchAny, &self.sts),
        }
    }

    pub fn deployed(&self) -> Deployed {
        self.deployed_with(outputs())
    }

    pub fn deployed_with(&self, outputs: Vec<(String, String)>) -> Deployed {
        Deployed {
            clients: self.clients(),
            outputs: StackOutputs::new(STACK, outputs),
        }
    }
}

/// An error answer in the JSON protocols (EventBridge, CloudWatch Logs, Step
/// Functions).
pub fn json_error(status: u16, code: &str, message: &str) -> HttpResponse {
    HttpResponse::new(
        StatusCode::try_from(status).unwrap(),
        SdkBody::from(format!(r#"{{"__type":"{code}","message":"{message}"}}"#)),
    )
}

/// An error answer in the query protocols (CloudFormation, STS).
pub fn xml_error(status: u16, code: &str, message: &str) -> HttpResponse {
    HttpResponse::new(
        StatusCode::try_from(status).unwrap(),
        SdkBody::from(format!(
            "<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code>\
             <Message>{message}</Message></Error><RequestId>r-1</RequestId></ErrorResponse>"
        )),
    )
}

/// What a command wrote on stdout and stderr.
#[derive(Default)]
pub struct Captured {
    out: Vec<u8>,
    err: Vec<u8>,
}

impl Captured {
    pub fn output(&mut self) -> Output<'_> {
        Output {
            out: &mut self.out,
            err: &mut self.err,
            err_is_tty: false,
        }
    }

    pub fn out(&self) -> String {
        String::from_utf8(self.out.clone()).unwrap()
    }

    pub fn err(&self) -> String {
        String::from_utf8(self.err.clone()).unwrap()
    }
}
