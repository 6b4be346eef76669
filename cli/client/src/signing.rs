//! Credentials and AWS Signature Version 4 for the jobs API.
//!
//! The same signer serves the local stack and a deployed API Gateway: both
//! check a SigV4 signature for service `execute-api`.

use std::fmt;
use std::time::SystemTime;

use aws_credential_types::Credentials as AwsCredentials;
use aws_sigv4::http_request::{sign, SignableBody, SignableRequest, SigningSettings};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;

/// The signing name API Gateway checks for IAM-authorized REST APIs.
pub(crate) const SERVICE: &str = "execute-api";

/// The local stack's development credentials (see `jobs local start`). They
/// only ever sign requests to a stack running on this machine.
pub(crate) const LOCAL_ACCESS_KEY_ID: &str = "AKIDLOCALJOBS0000000";
pub(crate) const LOCAL_SECRET_ACCESS_KEY: &str = "local-jobs-secret-do-not-use-in-production";
pub(crate) const LOCAL_REGION: &str = "us-east-1";

/// Where the credentials came from, so a 403 can say which ones were used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CredentialSource {
    /// `JOBS_LOCAL_ACCESS_KEY_ID` / `JOBS_LOCAL_SECRET_ACCESS_KEY`.
    JobsLocalEnv,
    /// `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` (/ `AWS_SESSION_TOKEN`).
    AwsEnv,
    /// Nothing set: the local development credentials.
    LocalDefault,
    /// The AWS default credential chain; the provider that answered.
    AwsChain(String),
    /// A role assumed with `--assume-role`; its ARN.
    AssumedRole(String),
}

impl CredentialSource {
    /// Credentials meant for AWS rather than for the local stack.
    pub(crate) fn is_aws(&self) -> bool {
        matches!(
            self,
            Self::AwsEnv | Self::AwsChain(_) | Self::AssumedRole(_)
        )
    }
}

impl fmt::Display for CredentialSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::JobsLocalEnv => {
                f.write_str("JOBS_LOCAL_ACCESS_KEY_ID/JOBS_LOCAL_SECRET_ACCESS_KEY")
            }
            Self::AwsEnv => f.write_str("AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY"),
            Self::LocalDefault => f.write_str("the local development credentials"),
            Self::AwsChain(provider) => {
                write!(f, "AWS credentials from the default chain ({provider})")
            }
            Self::AssumedRole(arn) => write!(f, "the assumed role {arn}"),
        }
    }
}

#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: Option<String>,
    pub source: CredentialSource,
}

// Never print the secret or the token, even in debug output.
impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .field("session_token", &self.session_token.as_ref().map(|_| "***"))
            .field("source", &self.source)
            .finish_non_exhaustive()
    }
}

impl Credentials {
    pub fn new(access_key_id: &str, secret_access_key: &str, session_token: Option<&str>) -> Self {
        Self {
            access_key_id: access_key_id.to_owned(),
            secret_access_key: secret_access_key.to_owned(),
            session_token: session_token.map(str::to_owned),
            source: CredentialSource::JobsLocalEnv,
        }
    }

    pub(crate) fn local_default() -> Self {
        Self {
            source: CredentialSource::LocalDefault,
            ..Self::new(LOCAL_ACCESS_KEY_ID, LOCAL_SECRET_ACCESS_KEY, None)
        }
    }

    /// The local stack's own variables first (so a shell set up for AWS can
    /// still talk to the local stack), then the standard AWS ones, then the
    /// local development credentials.
    pub(crate) fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Self {
        let get = |name: &str| lookup(name).filter(|value| !value.is_empty());
        if let (Some(id), Some(secret)) = (
            get("JOBS_LOCAL_ACCESS_KEY_ID"),
            get("JOBS_LOCAL_SECRET_ACCESS_KEY"),
        ) {
            return Self {
                source: CredentialSource::JobsLocalEnv,
                ..Self::new(&id, &secret, None)
            };
        }
        if let (Some(id), Some(secret)) = (get("AWS_ACCESS_KEY_ID"), get("AWS_SECRET_ACCESS_KEY")) {
            return Self {
                source: CredentialSource::AwsEnv,
                ..Self::new(&id, &secret, get("AWS_SESSION_TOKEN").as_deref())
            };
        }
        Self::local_default()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SignError {
    #[error("cannot sign the request: {0}")]
    Sign(String),
}

/// Signs `request` in place: adds `x-amz-date`, `authorization` and, with a
/// session token, `x-amz-security-token`.
///
/// The request must carry a `host` header equal to the one that goes on the
/// wire (port included when it is not the scheme's default), because the
/// verifier recomputes the signature from what it receives.
pub fn sign_request(
    request: &mut http::Request<Vec<u8>>,
    credentials: &Credentials,
    region: &str,
    time: SystemTime,
) -> Result<(), SignError> {
    sign_for_service(request, credentials, region, SERVICE, time)
}

/// [`sign_request`] for any service; the AWS documentation's examples sign
/// for other services, and the tests check against them.
pub(crate) fn sign_for_service(
    request: &mut http::Request<Vec<u8>>,
    credentials: &Credentials,
    region: &str,
    service: &str,
    time: SystemTime,
) -> Result<(), SignError> {
    let identity: Identity = AwsCredentials::new(
        credentials.access_key_id.clone(),
        credentials.secret_access_key.clone(),
        credentials.session_token.clone(),
        None,
        "jobs-client",
    )
    .into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name(service)
        .time(time)
        .settings(SigningSettings::default())
        .build()
        .map_err(|e| SignError::Sign(e.to_string()))?
        .into();
    let uri = request.uri().to_string();
    let headers = request
        .headers()
        .iter()
        .map(|(name, value)| {
            value
                .to_str()
                .map(|value| (name.as_str(), value))
                .map_err(|_| SignError::Sign(format!("header {name} is not text")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let signable = SignableRequest::new(
        request.method().as_str(),
        uri,
        headers.into_iter(),
        SignableBody::Bytes(request.body()),
    )
    .map_err(|e| SignError::Sign(e.to_string()))?;
    let (instructions, _signature) = sign(signable, &params)
        .map_err(|e| SignError::Sign(e.to_string()))?
        .into_parts();
    instructions.apply_to_request_http1x(request);
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use super::*;

    /// 2015-08-30T12:36:00Z, the time of every example in the AWS SigV4 documentation.
    pub(crate) fn doc_time() -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(1_440_938_160)
    }

    fn doc_credentials() -> Credentials {
        Credentials::new(
            "AKIDEXAMPLE",
            "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            None,
        )
    }

    pub(crate) fn authorization(request: &http::Request<Vec<u8>>) -> &str {
        request.headers()["authorization"].to_str().unwrap()
    }

    #[test]
    fn signs_the_aws_documentation_iam_example() {
        // GET https://iam.amazonaws.com/?Action=ListUsers&Version=2010-05-08 with
        // the documented content type. Its canonical request hashes to
        // f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59 and
        // the documentation publishes the resulting header.
        let mut request = http::Request::builder()
            .method("GET")
            .uri("https://iam.amazonaws.com/?Action=ListUsers&Version=2010-05-08")
            .header("host", "iam.amazonaws.com")
            .header(
                "content-type",
                "application/x-www-form-urlencoded; charset=utf-8",
            )
            .body(Vec::new())
            .unwrap();
        sign_for_service(
            &mut request,
            &doc_credentials(),
            "us-east-1",
            "iam",
            doc_time(),
        )
        .unwrap();
        assert_eq!(
            authorization(&request),
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, \
             SignedHeaders=content-type;host;x-amz-date, \
             Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"
        );
        assert_eq!(request.headers()["x-amz-date"], "20150830T123600Z");
    }

    #[test]
    fn signs_the_aws_test_suite_get_vanilla_and_post_vanilla() {
        for (method, signature) in [
            (
                "GET",
                "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
            ),
            (
                "POST",
                "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b",
            ),
        ] {
            let mut request = http::Request::builder()
                .method(method)
                .uri("https://example.amazonaws.com/")
                .header("host", "example.amazonaws.com")
                .body(Vec::new())
                .unwrap();
            sign_for_service(
                &mut request,
                &doc_credentials(),
                "us-east-1",
                "service",
                doc_time(),
            )
            .unwrap();
            assert_eq!(
                authorization(&request),
                format!(
                    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, \
                     SignedHeaders=host;x-amz-date, Signature={signature}"
                ),
                "{method}"
            );
        }
    }

    #[test]
    fn credentials_prefer_the_local_variables_then_aws_then_the_defaults() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| v.to_string())
            }
        };
        let both = Credentials::from_lookup(env(&[
            ("JOBS_LOCAL_ACCESS_KEY_ID", "LOCAL"),
            ("JOBS_LOCAL_SECRET_ACCESS_KEY", "local-secret"),
            ("AWS_ACCESS_KEY_ID", "AWS"),
            ("AWS_SECRET_ACCESS_KEY", "aws-secret"),
        ]));
        assert_eq!(both.access_key_id, "LOCAL");
        assert_eq!(both.source, CredentialSource::JobsLocalEnv);
        let aws = Credentials::from_lookup(env(&[
            ("JOBS_LOCAL_ACCESS_KEY_ID", "LOCAL"), // no secret: ignored
            ("AWS_ACCESS_KEY_ID", "AWS"),
            ("AWS_SECRET_ACCESS_KEY", "aws-secret"),
        ]));
        assert_eq!(aws.access_key_id, "AWS");
        assert_eq!(aws.session_token, None);
        let none = Credentials::from_lookup(env(&[("AWS_ACCESS_KEY_ID", "")]));
        assert_eq!(none, Credentials::local_default());
        assert_eq!(none.access_key_id, LOCAL_ACCESS_KEY_ID);
        // The secret never shows in debug output.
        assert!(!format!("{both:?}").contains("local-secret"));
    }
}
