//! AWS errors as a person at the terminal needs them: what failed, in AWS's
//! words, and what to do about it.

use std::fmt;

use aws_credential_types::provider::error::CredentialsError;
use aws_sdk_eventbridge::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};

/// Where the CLI user's IAM policy is written down.
const POLICY_DOC: &str = "docs/deploy.md lists the policy a CLI user needs";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AwsErrorKind {
    /// No credential source of the chain had any.
    NoCredentials,
    /// Credentials were found but AWS refused them (expired, unknown).
    BadCredentials,
    /// The credentials may not make this call.
    AccessDenied,
    NotFound,
    AlreadyExists,
    /// A service limit, such as the number of replays running at once.
    Limit,
    Throttled,
    /// AWS (or the endpoint set with AWS_ENDPOINT_URL) could not be reached.
    Unreachable,
    /// The stack lacks an output the command needs.
    MissingOutput,
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwsError {
    pub kind: AwsErrorKind,
    pub message: String,
    pub hint: Option<String>,
}

impl fmt::Display for AwsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, "\nhint: {hint}")?;
        }
        Ok(())
    }
}

impl std::error::Error for AwsError {}

impl AwsError {
    pub(crate) fn new(
        kind: AwsErrorKind,
        message: impl Into<String>,
        hint: Option<String>,
    ) -> Self {
        Self {
            kind,
            message: message.into(),
            hint,
        }
    }
}

const NO_CREDENTIALS_HINT: &str = "set AWS_PROFILE to a profile of ~/.aws/config (for an SSO \
profile, run `aws sso login --profile NAME` first), or export AWS_ACCESS_KEY_ID and \
AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN), or run where a container or instance role is \
available";

/// The credential chain's failure.
pub fn from_credentials(error: &CredentialsError) -> AwsError {
    match error {
        CredentialsError::CredentialsNotLoaded(_) => AwsError::new(
            AwsErrorKind::NoCredentials,
            "no AWS credentials found: none of the environment, the shared config and \
             credentials files, SSO, credential_process, or a container or instance role \
             had any",
            Some(NO_CREDENTIALS_HINT.to_owned()),
        ),
        other => AwsError::new(
            AwsErrorKind::BadCredentials,
            format!(
                "could not load AWS credentials: {}",
                DisplayErrorContext(other)
            ),
            Some(
                "check the profile named by AWS_PROFILE; for SSO, `aws sso login` renews an \
                 expired session"
                    .to_owned(),
            ),
        ),
    }
}

/// An SDK call's failure. `action` is the IAM action (`events:StartReplay`),
/// `resource` what it was called on.
pub(crate) fn from_sdk<E, R>(action: &str, resource: &str, error: SdkError<E, R>) -> AwsError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: fmt::Debug,
{
    let service = match &error {
        SdkError::ServiceError(context) => context.err(),
        SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) => {
            return AwsError::new(
                AwsErrorKind::Unreachable,
                format!(
                    "cannot reach AWS for {action}: {}",
                    DisplayErrorContext(&error)
                ),
                Some(
                    "check the network and the region (and AWS_ENDPOINT_URL, when it is set)"
                        .to_owned(),
                ),
            );
        }
        _ => {
            return AwsError::new(
                AwsErrorKind::Other,
                format!(
                    "{action} on {resource} failed: {}",
                    DisplayErrorContext(&error)
                ),
                None,
            )
        }
    };
    let code = service.code().unwrap_or("");
    let text = service
        .message()
        .filter(|m| !m.is_empty())
        .map(str::to_owned)
        .unwrap_or_else(|| code.to_owned());
    let said = format!("{action} on {resource} failed: {text}");
    match code {
        "AccessDenied"
        | "AccessDeniedException"
        | "UnauthorizedOperation"
        | "AuthorizationError" => AwsError::new(
            AwsErrorKind::AccessDenied,
            said,
            Some(format!(
                "your AWS credentials may not call {action} on {resource}: add it to their \
                 IAM policy ({POLICY_DOC})"
            )),
        ),
        "ExpiredToken"
        | "ExpiredTokenException"
        | "InvalidClientTokenId"
        | "UnrecognizedClientException"
        | "SignatureDoesNotMatch"
        | "InvalidSignatureException"
        | "IncompleteSignature" => AwsError::new(
            AwsErrorKind::BadCredentials,
            said,
            Some(
                "AWS refused the credentials (expired or unknown): renew them, e.g. \
                 `aws sso login`, or export fresh AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY \
                 and AWS_SESSION_TOKEN"
                    .to_owned(),
            ),
        ),
        "ResourceNotFoundException" | "NoSuchEntity" => AwsError::new(
            AwsErrorKind::NotFound,
            said,
            Some(format!(
                "{resource} does not exist in this account and region: check --stack and the \
                 region, and that the stack was deployed from this version of cdk/"
            )),
        ),
        "ResourceAlreadyExistsException" => AwsError::new(
            AwsErrorKind::AlreadyExists,
            said,
            Some("pick another --name".to_owned()),
        ),
        "LimitExceededException" => AwsError::new(
            AwsErrorKind::Limit,
            said,
            Some(
                "EventBridge runs a limited number of replays at a time: wait for one to end, \
                 or cancel one (`aws events cancel-replay --replay-name NAME`)"
                    .to_owned(),
            ),
        ),
        "ThrottlingException" | "Throttling" | "TooManyRequestsException" => AwsError::new(
            AwsErrorKind::Throttled,
            said,
            Some("AWS is throttling these calls: retry in a moment".to_owned()),
        ),
        _ => AwsError::new(
            AwsErrorKind::Other,
            if code.is_empty() || text == code {
                said
            } else {
                format!("{said} ({code})")
            },
            None,
        ),
    }
}
