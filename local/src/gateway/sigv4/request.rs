//! What the verifier is given, and why it refuses a request: shared by the
//! verifier, the parsing of the signature and the canonical request.

use http::HeaderMap;

pub const ALGORITHM: &str = "AWS4-HMAC-SHA256";

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Credentials {
    pub access_key_id: String,
    pub secret_access_key: String,
}

/// Why a request was refused. Each maps to the body API Gateway sends.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    #[error("Missing Authentication Token")]
    Missing,
    #[error("{0}")]
    Malformed(String),
    #[error("The security token included in the request is invalid.")]
    UnknownAccessKey,
    #[error("Credential should be scoped to {0}")]
    WrongScope(String),
    #[error("Signature expired: {signed} is now earlier than {earliest} ({now} - 5 min.)")]
    Expired {
        signed: String,
        earliest: String,
        now: String,
    },
    #[error("Signature not yet current: {signed} is still later than {latest} ({now} + 5 min.)")]
    NotYetCurrent {
        signed: String,
        latest: String,
        now: String,
    },
    #[error("Signature expired: the presigned URL was valid until {until}; it is now {now}")]
    PresignedExpired { until: String, now: String },
    #[error("The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.")]
    BadSignature,
}

/// The parts of a request the signature covers.
pub struct SignedRequest<'a> {
    pub method: &'a str,
    /// The path as it arrived, still percent-encoded.
    pub path: &'a str,
    pub query: Option<&'a str>,
    pub headers: &'a HeaderMap,
    pub body: &'a [u8],
}
