//! What the API's errors mean for the person at the terminal, and what to
//! do about them.

use http::StatusCode;
use serde::Deserialize;

use crate::api::Endpoint;
use crate::signing::{self, CredentialSource};

/// The command that starts the local stack, for messages.
pub const START_LOCAL_STACK: &str = "cargo run --profile local -p jobs -- local start";

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error(
        "no AWS credentials to sign requests to {url}: set AWS_ACCESS_KEY_ID and \
         AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for temporary credentials), e.g. \
         `eval \"$(aws configure export-credentials --format env)\"`; a build with \
         `--features aws` also reads profiles, SSO and instance roles (docs/deploy.md)"
    )]
    NoCredentials { url: String },
    #[error("{0}")]
    BadUrl(String),
    /// The default build talks plain HTTP to a local stack only, so that it
    /// builds fast; TLS comes with the AWS side.
    #[error(
        "{url} needs HTTPS, and this jobs binary was built for the local stack only; \
         build it with the aws feature to call a deployed stack: \
         `cargo install --locked --path cli/jobs --features aws` (see docs/deploy.md)"
    )]
    NoTls { url: String },
    #[error(
        "no jobs API at {url}; start the local stack with `{START_LOCAL_STACK}` or pass --url"
    )]
    NoServer { url: String },
    #[error("cannot reach {url}: {detail}")]
    Unreachable { url: String, detail: String },
    #[error("{message}\nhint: {hint}")]
    Forbidden { message: String, hint: String },
    /// 400, 404, 422 and the like: the server's own words say what is wrong.
    #[error("{message}")]
    Rejected { status: StatusCode, message: String },
    #[error("the jobs API failed with {status}: {message}")]
    Server { status: StatusCode, message: String },
    #[error("{0}")]
    LocalOnly(String),
    #[error(
        "{what} needs the `aws` build feature, and this `jobs` was built without it: \
         build it with `cargo install --locked --path cli/jobs --features aws` (docs/deploy.md)"
    )]
    NeedsAwsBuild { what: String },
    #[error("unexpected response from {url}: {detail}")]
    Unexpected { url: String, detail: String },
    #[error(transparent)]
    Sign(#[from] signing::SignError),
}

impl ApiError {
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Self::Rejected { status, .. } | Self::Server { status, .. } => Some(*status),
            Self::Forbidden { .. } => Some(StatusCode::FORBIDDEN),
            _ => None,
        }
    }
}

/// `faults` exists only in the local stack.
pub fn local_only(command: &str, endpoint: &Endpoint) -> ApiError {
    ApiError::LocalOnly(format!(
        "`{command}` is a local-stack command and {endpoint} is not a local stack; \
         fault injection exists only in the local stack"
    ))
}

/// What the caller knew when a response came back, for error messages.
#[derive(Clone, Debug)]
pub struct ErrorContext<'a> {
    pub endpoint: &'a Endpoint,
    pub region: &'a str,
    pub credentials: &'a CredentialSource,
    pub path: &'a str,
}

/// The error bodies of API Gateway, the local gateway and the API itself.
#[derive(Debug, Default, Deserialize)]
struct ErrorBody {
    #[serde(alias = "Message")]
    message: Option<String>,
    details: Option<String>,
}

/// Turns a non-2xx response into an error that says what to do.
pub fn error_from_response(
    ctx: &ErrorContext<'_>,
    status: StatusCode,
    body: &[u8],
    request_id: Option<&str>,
) -> ApiError {
    let parsed: ErrorBody = serde_json::from_slice(body).unwrap_or_default();
    let text = || {
        let text = String::from_utf8_lossy(body);
        let text = text.trim();
        if text.is_empty() {
            status.canonical_reason().unwrap_or("no message").to_owned()
        } else {
            text.chars().take(300).collect()
        }
    };
    let mut message = parsed
        .message
        .filter(|m| !m.is_empty())
        .unwrap_or_else(text);
    if let Some(details) = parsed.details.filter(|d| !d.is_empty()) {
        message = format!("{message}: {details}");
    }
    let with_request_id = |message: String| match request_id {
        Some(id) => format!("{message} (request id {id})"),
        None => message,
    };

    if status == StatusCode::FORBIDDEN {
        if message.contains("Missing Authentication Token") && ctx.path.starts_with("/local/") {
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
    if ctx.path.starts_with("/local/faults") {
        return local_only("faults", ctx.endpoint);
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
