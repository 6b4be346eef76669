//! What a non-2xx answer of the API means for the person at the terminal,
//! and what to do about it: API Gateway's refusals, the local gateway's and
//! the API's own.

use http::StatusCode;
use jobs_wire::api::ErrorBody;
use jobs_wire::local;
use serde::Deserialize;

use crate::endpoint::Endpoint;
use crate::errors::{local_only, ApiError};
use crate::signing::CredentialSource;

/// What the caller knew when a response came back, for error messages.
#[derive(Clone, Debug)]
pub(crate) struct ErrorContext<'a> {
    pub(crate) endpoint: &'a Endpoint,
    pub(crate) region: &'a str,
    pub(crate) credentials: &'a CredentialSource,
    pub(crate) path: &'a str,
}

/// API Gateway's own refusal when IAM denies a caller, which spells the
/// key with a capital.
#[derive(Deserialize)]
struct IamDenial {
    #[serde(rename = "Message")]
    message: String,
}

/// The message and details a body carries, if it is one of the error
/// bodies: the API's and the gateways' ([`ErrorBody`]), or IAM's denial.
fn said(body: &[u8]) -> (Option<String>, Option<String>) {
    if let Ok(ErrorBody { message, details }) = serde_json::from_slice(body) {
        return (Some(message), details);
    }
    match serde_json::from_slice::<IamDenial>(body) {
        Ok(denial) => (Some(denial.message), None),
        Err(_) => (None, None),
    }
}

/// Turns a non-2xx response into an error that says what to do.
pub(crate) fn error_from_response(
    ctx: &ErrorContext<'_>,
    status: StatusCode,
    body: &[u8],
    request_id: Option<&str>,
) -> ApiError {
    let (said_message, said_details) = said(body);
    let text = || {
        let text = String::from_utf8_lossy(body);
        let text = text.trim();
        if text.is_empty() {
            status.canonical_reason().unwrap_or("no message").to_owned()
        } else {
            text.chars().take(300).collect()
        }
    };
    let mut message = said_message.filter(|m| !m.is_empty()).unwrap_or_else(text);
    if let Some(details) = said_details.filter(|d| !d.is_empty()) {
        message = format!("{message}: {details}");
    }
    let with_request_id = |message: String| match request_id {
        Some(id) => format!("{message} (request id {id})"),
        None => message,
    };

    if status == StatusCode::FORBIDDEN {
        if message.contains("Missing Authentication Token") && ctx.path.starts_with(local::PREFIX) {
            return not_a_local_stack(ctx);
        }
        return ApiError::Forbidden {
            hint: forbidden_hint(ctx, &message),
            message: with_request_id(message),
        };
    }
    if status.is_server_error() {
        return ApiError::Server {
            status,
            message: with_request_id(message),
        };
    }
    if status.is_client_error() {
        return ApiError::Rejected { status, message };
    }
    ApiError::Unexpected {
        url: ctx.endpoint.url(ctx.path, &[]).to_string(),
        detail: format!("{status}: {message}"),
    }
}

/// A `/local` route answered as API Gateway answers an unknown route: the
/// URL is a deployed API, reached without `--stack`.
fn not_a_local_stack(ctx: &ErrorContext<'_>) -> ApiError {
    if ctx.path.starts_with(local::FAULTS) {
        return local_only("faults", ctx.endpoint);
    }
    if [
        local::TASK_SUCCESS,
        local::TASK_FAILURE,
        local::TASK_HEARTBEAT,
    ]
    .contains(&ctx.path)
    {
        return ApiError::LocalOnly(format!(
            "{} is not a local stack: for a deployed stack, pass --stack NAME (its \
             CloudFormation stack) so that jobs sends the task's answer to Step Functions",
            ctx.endpoint
        ));
    }
    ApiError::LocalOnly(format!(
        "{} is not a local stack: for a deployed stack, pass --stack NAME (its CloudFormation \
         stack) so that jobs reads the archive and the workflow's logs from AWS",
        ctx.endpoint
    ))
}

fn forbidden_hint(ctx: &ErrorContext<'_>, message: &str) -> String {
    let signed_with = format!(
        "the request was signed with {} for region {}",
        ctx.credentials, ctx.region
    );
    let lower = message.to_ascii_lowercase();
    let aws = ctx.endpoint.is_aws() || ctx.credentials.is_aws();
    if lower.contains("missing authentication token") {
        return if ctx.endpoint.is_aws() {
            format!(
                "API Gateway has no such route: check that --url {} includes the stage (e.g. .../prod)",
                ctx.endpoint
            )
        } else {
            format!("the server has no such route: check --url {}", ctx.endpoint)
        };
    }
    if lower.contains("signature expired") || lower.contains("signature not yet current") {
        return "this machine's clock is more than 5 minutes off; fix the clock and retry"
            .to_owned();
    }
    if lower.contains("security token included in the request is invalid")
        || lower.contains("security token") && lower.contains("expired")
    {
        return if aws {
            format!(
                "{signed_with}; these credentials are not valid for this account or have expired: \
                 refresh them (e.g. `aws sso login`, or export fresh AWS_ACCESS_KEY_ID, \
                 AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN)"
            )
        } else {
            format!(
                "{signed_with}; the local stack knows only the access key it printed at start: \
                 set JOBS_LOCAL_ACCESS_KEY_ID and JOBS_LOCAL_SECRET_ACCESS_KEY to those"
            )
        };
    }
    if lower.contains("signature") && lower.contains("does not match") {
        return format!(
            "{signed_with}; check the secret access key and that --region matches the API's region"
        );
    }
    if lower.contains("credential should be scoped") || lower.contains("region") {
        return format!("{signed_with}; pass --region with the API's region");
    }
    if aws {
        let instead = match ctx.credentials {
            CredentialSource::AssumedRole(role) => format!(
                "the role {role} needs execute-api:Invoke on this API (the stack's \
                 JobsAPIInvokeRole has it): check --assume-role"
            ),
            _ => "these credentials need execute-api:Invoke on this API: sign as the stack's \
                  JobsAPIInvokeRole with --assume-role (with --stack, no ARN is needed), or \
                  grant the permission (docs/deploy.md)"
                .to_owned(),
        };
        format!("{signed_with}; {instead}")
    } else {
        format!("{signed_with}; check the credentials and --region")
    }
}

#[cfg(test)]
mod tests {
    use jobs_wire::api;

    use super::*;

    const LOCAL: &str = "http://127.0.0.1:3000";
    const AWS: &str = "https://abc123.execute-api.us-east-1.amazonaws.com/prod";

    fn error_for(url: &str, path: &str, status: u16, body: &str) -> ApiError {
        let endpoint = Endpoint::parse(url).unwrap();
        let ctx = ErrorContext {
            endpoint: &endpoint,
            region: "us-east-1",
            credentials: &CredentialSource::LocalDefault,
            path,
        };
        error_from_response(
            &ctx,
            StatusCode::from_u16(status).unwrap(),
            body.as_bytes(),
            Some("req-1"),
        )
    }

    #[test]
    fn client_errors_show_the_servers_message() {
        let err = error_for(
            LOCAL,
            api::JOBS,
            400,
            r#"{"message":"Invalid request body","details":"/n: must be >=1, but got 0"}"#,
        );
        assert_eq!(err.status(), Some(StatusCode::BAD_REQUEST));
        assert_eq!(
            err.to_string(),
            "Invalid request body: /n: must be >=1, but got 0"
        );
        let err = error_for(
            LOCAL,
            &api::job("x"),
            404,
            r#"{"message":"job x not found"}"#,
        );
        assert_eq!(err.to_string(), "job x not found");
        let err = error_for(
            LOCAL,
            api::JOBS,
            422,
            r#"{"message":"key k1 was used with another body"}"#,
        );
        assert_eq!(err.status(), Some(StatusCode::UNPROCESSABLE_ENTITY));
        assert_eq!(err.to_string(), "key k1 was used with another body");
        // Not JSON (a proxy's page, say): the text itself.
        let err = error_for(LOCAL, api::JOBS, 404, "Not Found\n");
        assert_eq!(err.to_string(), "Not Found");
    }

    #[test]
    fn forbidden_shows_the_gateways_message_and_a_hint() {
        let mismatch = error_for(
            LOCAL,
            api::JOBS,
            403,
            r#"{"message":"The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."}"#,
        );
        let text = mismatch.to_string();
        assert!(
            text.starts_with("The request signature we calculated does not match"),
            "{text}"
        );
        assert!(text.contains("(request id req-1)"), "{text}");
        assert!(text.contains("hint: "), "{text}");
        assert!(text.contains("the local development credentials"), "{text}");
        assert!(text.contains("--region"), "{text}");

        let unknown_key = error_for(
            LOCAL,
            api::JOBS,
            403,
            r#"{"message":"The security token included in the request is invalid."}"#,
        )
        .to_string();
        assert!(
            unknown_key.contains("JOBS_LOCAL_ACCESS_KEY_ID"),
            "{unknown_key}"
        );
        let unknown_key_aws = error_for(
            AWS,
            api::JOBS,
            403,
            r#"{"message":"The security token included in the request is invalid."}"#,
        )
        .to_string();
        assert!(
            unknown_key_aws.contains("AWS_ACCESS_KEY_ID"),
            "{unknown_key_aws}"
        );

        let expired = error_for(
            LOCAL,
            api::JOBS,
            403,
            r#"{"message":"Signature expired: 20150830T123600Z is now earlier than 20260101T000000Z"}"#,
        );
        assert!(expired.to_string().contains("clock"), "{expired}");

        let no_route = error_for(
            AWS,
            api::JOBS,
            403,
            r#"{"message":"Missing Authentication Token"}"#,
        );
        assert!(no_route.to_string().contains("stage"), "{no_route}");
    }

    #[test]
    fn a_missing_local_route_means_a_deployed_api_reached_without_its_stack() {
        let err = error_for(
            "https://api.example.com/prod",
            local::REPLAYS,
            403,
            r#"{"message":"Missing Authentication Token"}"#,
        );
        assert!(matches!(err, ApiError::LocalOnly(_)), "{err:?}");
        assert!(err.to_string().contains("pass --stack NAME"), "{err}");
        let faults = error_for(
            "https://api.example.com/prod",
            local::FAULTS,
            403,
            r#"{"message":"Missing Authentication Token"}"#,
        );
        assert!(
            faults
                .to_string()
                .contains("exists only in the local stack"),
            "{faults}"
        );
        let task = error_for(
            "https://api.example.com/prod",
            local::TASK_HEARTBEAT,
            403,
            r#"{"message":"Missing Authentication Token"}"#,
        );
        assert!(
            task.to_string()
                .contains("sends the task's answer to Step Functions"),
            "{task}"
        );
    }

    #[test]
    fn server_errors_carry_the_request_id() {
        let err = error_for(
            LOCAL,
            api::JOBS,
            500,
            r#"{"message":"Internal server error"}"#,
        );
        assert_eq!(
            err.to_string(),
            "the jobs API failed with 500 Internal Server Error: Internal server error (request id req-1)"
        );
    }

    #[test]
    fn a_403_on_aws_says_to_assume_the_invoke_role_or_which_role_was_used() {
        let endpoint = Endpoint::parse(AWS).unwrap();
        let forbidden = |credentials: &CredentialSource| {
            let ctx = ErrorContext {
                endpoint: &endpoint,
                region: "us-east-1",
                credentials,
                path: api::JOBS,
            };
            error_from_response(
                &ctx,
                StatusCode::FORBIDDEN,
                br#"{"Message":"User: arn:aws:iam::123456789012:user/dev is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:123456789012:abc123/prod/POST/jobs"}"#,
                None,
            )
            .to_string()
        };
        let own = forbidden(&CredentialSource::AwsChain("Profile".into()));
        assert!(
            own.starts_with("User: arn:aws:iam::123456789012:user/dev is not authorized"),
            "{own}"
        );
        assert!(own.contains("--assume-role"), "{own}");
        assert!(own.contains("execute-api:Invoke"), "{own}");
        assert!(own.contains("default chain (Profile)"), "{own}");
        let role = "arn:aws:iam::123456789012:role/Other";
        let assumed = forbidden(&CredentialSource::AssumedRole(role.into()));
        assert!(
            assumed.contains(&format!("the role {role} needs execute-api:Invoke")),
            "{assumed}"
        );
    }
}
