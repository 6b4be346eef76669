//! The client's errors, each worded for the person at the terminal with what
//! to do about it.

use std::fmt::Display;

use http::StatusCode;

use crate::signing;

/// The command that starts the local stack, for messages.
const START_LOCAL_STACK: &str = "cargo run --profile local -p jobs -- local start";

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

/// `command` exists only in the local stack, and `endpoint` is not one.
pub(crate) fn local_only(command: &str, endpoint: &impl Display) -> ApiError {
    ApiError::LocalOnly(format!(
        "`{command}` is a local-stack command and {endpoint} is not a local stack; \
         fault injection exists only in the local stack"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_on_a_deployed_api_is_refused_with_the_reason() {
        let aws = "https://abc123.execute-api.us-east-1.amazonaws.com/prod";
        let text = local_only("faults", &aws).to_string();
        assert!(text.contains("`faults` is a local-stack command"), "{text}");
        assert!(text.contains(aws), "{text}");
    }
}
