//! The AWS side with mocked clients: finding the stack, signing as the
//! caller or an assumed role, and what each AWS error says.

mod aws_support;

use std::time::SystemTime;

use aws_sdk_cloudformation::operation::describe_stacks::DescribeStacksOutput;
use aws_sdk_cloudformation::types::{Output as StackOutput, Stack, StackStatus};
use aws_sdk_eventbridge::primitives::DateTime as SdkTime;
use aws_sdk_sts::operation::assume_role::AssumeRoleOutput;
use aws_smithy_mocks::{mock, Rule};
use aws_support::*;
use jobs_client::aws::errors::{self, AwsErrorKind};
use jobs_client::aws::{connect_with, AwsError};
use jobs_client::signing::CredentialSource;
use jobs_client::{ClientArgs, Home, Target};

const JOB: &str = "3f2c9a4e-8d1b-4c6a-9e2f-0b7d5a1c3e9f";

fn stack_args(assume_role: Option<&str>) -> ClientArgs {
    ClientArgs {
        stack: Some(STACK.into()),
        assume_role: assume_role.map(str::to_owned),
        ..ClientArgs::default()
    }
}

fn described_stack() -> Rule {
    mock!(aws_sdk_cloudformation::Client::describe_stacks)
        .match_requests(|r| r.stack_name() == Some(STACK))
        .then_output(|| {
            let mut stack = Stack::builder()
                .stack_name(STACK)
                .stack_status(StackStatus::CreateComplete);
            for (key, value) in outputs() {
                stack = stack.outputs(
                    StackOutput::builder()
                        .output_key(key)
                        .output_value(value)
                        .build(),
                );
            }
            DescribeStacksOutput::builder()
                .stacks(stack.build())
                .build()
        })
}

fn authorization(target: &Target) -> (String, Option<String>) {
    let request = target
        .api
        .signed_request(
            http::Method::GET,
            &jobs_wire::api::job(JOB),
            &[],
            None,
            &[],
            SystemTime::now(),
        )
        .unwrap();
    let header = |name: &str| {
        request
            .headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
    };
    (
        header("authorization").unwrap(),
        header("x-amz-security-token"),
    )
}

#[tokio::test]
async fn the_stack_is_found_by_name_and_the_api_signed_with_the_callers_credentials() {
    let stacks = described_stack();
    let rules = Rules {
        cloudformation: vec![&stacks],
        ..Rules::default()
    };
    let target = Target::from(
        connect_with(&stack_args(None), rules.clients(), caller())
            .await
            .unwrap(),
    );
    assert_eq!(stacks.num_calls(), 1);
    assert_eq!(
        target.api.endpoint().as_str(),
        "https://abc123.execute-api.eu-west-1.amazonaws.com/prod"
    );
    assert_eq!(target.api.region(), REGION);
    assert!(matches!(target.home, Home::Stack(_)));
    let (auth, token) = authorization(&target);
    assert!(
        auth.starts_with("AWS4-HMAC-SHA256 Credential=AKIACALLER/"),
        "{auth}"
    );
    assert!(
        auth.contains("/eu-west-1/execute-api/aws4_request"),
        "{auth}"
    );
    assert_eq!(token, None);
}

fn assumed(role: &'static str) -> Rule {
    mock!(aws_sdk_sts::Client::assume_role)
        .match_requests(move |r| {
            r.role_arn() == Some(role) && r.role_session_name() == Some("jobs-cli")
        })
        .then_output(|| {
            AssumeRoleOutput::builder()
                .credentials(
                    aws_sdk_sts::types::Credentials::builder()
                        .access_key_id("ASIAASSUMED")
                        .secret_access_key("assumed-secret")
                        .session_token("assumed-token")
                        .expiration(SdkTime::from_secs(1_900_000_000))
                        .build()
                        .unwrap(),
                )
                .build()
        })
}

#[tokio::test]
async fn assume_role_without_an_arn_signs_as_the_stacks_invoke_role() {
    let stacks = described_stack();
    let role = assumed(ROLE);
    let rules = Rules {
        cloudformation: vec![&stacks],
        sts: vec![&role],
        ..Rules::default()
    };
    let target = Target::from(
        connect_with(&stack_args(Some("")), rules.clients(), caller())
            .await
            .unwrap(),
    );
    assert_eq!(role.num_calls(), 1, "AssumeRole of {ROLE} as jobs-cli");
    assert_eq!(
        target.api.credentials().source,
        CredentialSource::AssumedRole(ROLE.into())
    );
    let (auth, token) = authorization(&target);
    assert!(
        auth.starts_with("AWS4-HMAC-SHA256 Credential=ASIAASSUMED/"),
        "{auth}"
    );
    assert_eq!(token.as_deref(), Some("assumed-token"));
}

#[tokio::test]
async fn assume_role_with_an_arn_and_a_url_needs_no_stack() {
    const OTHER: &str = "arn:aws:iam::123456789012:role/Other";
    let role = assumed(OTHER);
    let rules = Rules {
        sts: vec![&role],
        ..Rules::default()
    };
    let args = ClientArgs {
        url: Some(API.into()),
        assume_role: Some(OTHER.into()),
        ..ClientArgs::default()
    };
    let target = Target::from(
        connect_with(&args, rules.clients(), caller())
            .await
            .unwrap(),
    );
    assert_eq!(role.num_calls(), 1);
    assert!(matches!(target.home, Home::DeployedApi));
    // A bare --assume-role has no stack to read the role from.
    let bare = ClientArgs {
        url: Some(API.into()),
        assume_role: Some(String::new()),
        ..ClientArgs::default()
    };
    let err = connect_with(&bare, Rules::default().clients(), caller())
        .await
        .err()
        .unwrap()
        .to_string();
    assert!(
        err.contains("pass --stack NAME, or give the role as --assume-role=ARN"),
        "{err}"
    );
}

#[tokio::test]
async fn a_role_that_may_not_be_assumed_says_which_permission_is_missing() {
    let stacks = described_stack();
    let denied = mock!(aws_sdk_sts::Client::assume_role).then_http_response(|| {
        xml_error(
            403,
            "AccessDenied",
            "User: arn:aws:iam::123456789012:user/dev is not authorized to perform: sts:AssumeRole",
        )
    });
    let rules = Rules {
        cloudformation: vec![&stacks],
        sts: vec![&denied],
        ..Rules::default()
    };
    let error = connect_with(&stack_args(Some("")), rules.clients(), caller())
        .await
        .err()
        .unwrap()
        .downcast::<AwsError>()
        .unwrap();
    assert_eq!(error.kind, AwsErrorKind::AccessDenied);
    let text = error.to_string();
    assert!(
        text.starts_with(&format!("sts:AssumeRole on {ROLE} failed: User: ")),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "hint: your AWS identity needs sts:AssumeRole on {ROLE}"
        )),
        "{text}"
    );
}

#[tokio::test]
async fn a_stack_that_does_not_exist_says_to_check_the_name_and_the_region() {
    let missing = mock!(aws_sdk_cloudformation::Client::describe_stacks)
        .match_requests(|r| r.stack_name() == Some("Nope"))
        .then_http_response(|| {
            xml_error(400, "ValidationError", "Stack with id Nope does not exist")
        });
    let rules = Rules {
        cloudformation: vec![&missing],
        ..Rules::default()
    };
    let args = ClientArgs {
        stack: Some("Nope".into()),
        ..ClientArgs::default()
    };
    let error = connect_with(&args, rules.clients(), caller())
        .await
        .err()
        .unwrap()
        .downcast::<AwsError>()
        .unwrap();
    assert_eq!(error.kind, AwsErrorKind::NotFound);
    assert_eq!(
        error.to_string(),
        "cloudformation:DescribeStacks on Nope failed: Stack with id Nope does not exist \
         (ValidationError)\n\
         hint: there is no stack Nope in eu-west-1: check --stack and the region (--region, \
         AWS_REGION or the profile's); deploy it with scripts/deploy.sh"
    );
}

#[test]
fn no_credentials_and_bad_ones_say_what_to_do() {
    use aws_credential_types::provider::error::CredentialsError;
    let none = errors::from_credentials(&CredentialsError::not_loaded_no_source());
    assert_eq!(none.kind, AwsErrorKind::NoCredentials);
    let text = none.to_string();
    assert!(text.starts_with("no AWS credentials found"), "{text}");
    assert!(text.contains("aws sso login --profile NAME"), "{text}");
    assert!(text.contains("AWS_ACCESS_KEY_ID"), "{text}");
    let broken = errors::from_credentials(&CredentialsError::provider_error(
        "the SSO session has expired",
    ));
    assert_eq!(broken.kind, AwsErrorKind::BadCredentials);
    assert!(
        broken.to_string().contains("the SSO session has expired"),
        "{broken}"
    );
    assert!(broken.to_string().contains("`aws sso login`"), "{broken}");
}
