//! AWS Signature Version 4 verification, header-based (`Authorization:
//! AWS4-HMAC-SHA256 ...`), as API Gateway does it for IAM-authorized routes.
//!
//! The verifier rebuilds the canonical request from what arrived on the wire,
//! derives the signing key from the configured secret and compares signatures
//! in constant time. Paths are double-encoded, as every SDK signs for
//! `execute-api`, and the payload hash is always computed from the body
//! received, so a body changed in flight can never verify.

use std::fmt::Write as _;

use chrono::{DateTime, NaiveDateTime, TimeDelta, Utc};
use hmac::{Hmac, Mac};
use http::HeaderMap;
use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use sha2::{Digest, Sha256};

pub const ALGORITHM: &str = "AWS4-HMAC-SHA256";
const AMZ_DATE_FORMAT: &str = "%Y%m%dT%H%M%SZ";

/// Everything but the unreserved characters of RFC 3986.
const STRICT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');
/// As [`STRICT`], but a path keeps its slashes.
const PATH: &AsciiSet = &STRICT.remove(b'/');

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

#[derive(Debug, Clone, PartialEq, Eq)]
struct Authorization<'a> {
    access_key_id: &'a str,
    date: &'a str,
    region: &'a str,
    service: &'a str,
    signed_headers: Vec<&'a str>,
    signature: &'a str,
}

pub struct Verifier {
    credentials: Credentials,
    region: String,
    service: String,
    max_skew: TimeDelta,
}

impl Verifier {
    pub fn new(
        credentials: Credentials,
        region: impl Into<String>,
        service: impl Into<String>,
    ) -> Self {
        Self {
            credentials,
            region: region.into(),
            service: service.into(),
            max_skew: TimeDelta::minutes(5),
        }
    }

    /// Checks the request's signature as of `now`; returns the access key id.
    pub fn verify(&self, req: &SignedRequest<'_>, now: DateTime<Utc>) -> Result<String, AuthError> {
        let header = match req.headers.get(http::header::AUTHORIZATION) {
            None => return Err(AuthError::Missing),
            Some(value) => value
                .to_str()
                .map_err(|_| AuthError::Malformed("Authorization header is not ASCII".into()))?,
        };
        let auth = parse_authorization(header)?;

        if auth.access_key_id != self.credentials.access_key_id {
            return Err(AuthError::UnknownAccessKey);
        }
        if auth.region != self.region {
            return Err(AuthError::WrongScope(format!(
                "a valid region, not '{}'. ",
                auth.region
            )));
        }
        if auth.service != self.service {
            return Err(AuthError::WrongScope(format!(
                "correct service: '{}'. ",
                self.service
            )));
        }

        let amz_date = req
            .headers
            .get("x-amz-date")
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| {
                AuthError::Malformed(
                    "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."
                        .into(),
                )
            })?;
        let signed_at = NaiveDateTime::parse_from_str(amz_date, AMZ_DATE_FORMAT)
            .map_err(|_| AuthError::Malformed(format!("Invalid X-Amz-Date: {amz_date}")))?
            .and_utc();
        if !amz_date.starts_with(auth.date) || auth.date.len() != 8 {
            return Err(AuthError::WrongScope(format!(
                "a valid date: the credential date '{}' is not the X-Amz-Date day. ",
                auth.date
            )));
        }
        self.check_skew(amz_date, signed_at, now)?;
        if !auth.signed_headers.contains(&"host") {
            return Err(AuthError::BadSignature);
        }

        let canonical = canonical_request(req, &auth.signed_headers)?;
        let scope = format!(
            "{}/{}/{}/aws4_request",
            auth.date, auth.region, auth.service
        );
        let to_sign = string_to_sign(amz_date, &scope, &canonical);
        let key = signing_key(
            &self.credentials.secret_access_key,
            auth.date,
            auth.region,
            auth.service,
        );
        let expected = hex::encode(hmac(&key, to_sign.as_bytes()));
        if constant_time_eq(expected.as_bytes(), auth.signature.as_bytes()) {
            Ok(auth.access_key_id.to_owned())
        } else {
            Err(AuthError::BadSignature)
        }
    }

    fn check_skew(
        &self,
        amz_date: &str,
        signed_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<(), AuthError> {
        let show = |at: DateTime<Utc>| at.format(AMZ_DATE_FORMAT).to_string();
        if signed_at < now - self.max_skew {
            return Err(AuthError::Expired {
                signed: amz_date.to_owned(),
                earliest: show(now - self.max_skew),
                now: show(now),
            });
        }
        if signed_at > now + self.max_skew {
            return Err(AuthError::NotYetCurrent {
                signed: amz_date.to_owned(),
                latest: show(now + self.max_skew),
                now: show(now),
            });
        }
        Ok(())
    }
}

fn parse_authorization(header: &str) -> Result<Authorization<'_>, AuthError> {
    let rest = header
        .strip_prefix(ALGORITHM)
        .filter(|r| r.starts_with(' '))
        .ok_or_else(|| {
            AuthError::Malformed(format!(
                "Authorization header requires the {ALGORITHM} algorithm."
            ))
        })?;
    let (mut credential, mut signed_headers, mut signature) = (None, None, None);
    for part in rest.split(',') {
        let part = part.trim();
        if let Some(v) = part.strip_prefix("Credential=") {
            credential = Some(v);
        } else if let Some(v) = part.strip_prefix("SignedHeaders=") {
            signed_headers = Some(v);
        } else if let Some(v) = part.strip_prefix("Signature=") {
            signature = Some(v);
        }
    }
    let mut missing = String::new();
    for (name, value) in [
        ("Credential", credential),
        ("Signature", signature),
        ("SignedHeaders", signed_headers),
    ] {
        if value.is_none_or(str::is_empty) {
            let _ = write!(
                missing,
                "Authorization header requires '{name}' parameter. "
            );
        }
    }
    if !missing.is_empty() {
        return Err(AuthError::Malformed(format!(
            "{missing}Authorization={header}"
        )));
    }
    let (credential, signed_headers, signature) = (
        credential.unwrap_or_default(),
        signed_headers.unwrap_or_default(),
        signature.unwrap_or_default(),
    );
    let scope: Vec<&str> = credential.split('/').collect();
    let [access_key_id, date, region, service, terminator] = scope[..] else {
        return Err(AuthError::Malformed(format!(
            "Credential should be scoped to a valid region, service and date: {credential}"
        )));
    };
    if terminator != "aws4_request" {
        return Err(AuthError::Malformed(format!(
            "Credential should be scoped with a valid terminator: 'aws4_request', not '{terminator}'."
        )));
    }
    let signed_headers: Vec<&str> = signed_headers.split(';').collect();
    if signed_headers
        .iter()
        .any(|h| h.is_empty() || h.bytes().any(|b| b.is_ascii_uppercase()))
    {
        return Err(AuthError::BadSignature);
    }
    Ok(Authorization {
        access_key_id,
        date,
        region,
        service,
        signed_headers,
        signature,
    })
}

/// The canonical request over the headers the client said it signed.
pub fn canonical_request(
    req: &SignedRequest<'_>,
    signed_headers: &[&str],
) -> Result<String, AuthError> {
    let mut out = String::with_capacity(256);
    out.push_str(req.method);
    out.push('\n');
    out.push_str(&canonical_path(req.path));
    out.push('\n');
    out.push_str(&canonical_query(req.query.unwrap_or("")));
    out.push('\n');
    for name in signed_headers {
        let mut values = req.headers.get_all(*name).iter().peekable();
        if values.peek().is_none() {
            // A header the client claims it signed is not here: the request
            // was altered on the way.
            return Err(AuthError::BadSignature);
        }
        out.push_str(name);
        out.push(':');
        let mut first = true;
        for value in values {
            if !first {
                out.push(',');
            }
            first = false;
            let value =
                std::str::from_utf8(value.as_bytes()).map_err(|_| AuthError::BadSignature)?;
            push_trimmed(&mut out, value);
        }
        out.push('\n');
    }
    out.push('\n');
    out.push_str(&signed_headers.join(";"));
    out.push('\n');
    out.push_str(&hex::encode(Sha256::digest(req.body)));
    Ok(out)
}

/// Trims the value and folds each run of spaces into one.
fn push_trimmed(out: &mut String, value: &str) {
    let mut last_space = false;
    for c in value.trim().chars() {
        if c == ' ' || c == '\t' {
            if !last_space {
                out.push(' ');
            }
            last_space = true;
        } else {
            out.push(c);
            last_space = false;
        }
    }
}

/// Removes dot and empty segments, then encodes the path once more: the wire
/// form is already encoded once, and `execute-api` signs it encoded twice.
pub fn canonical_path(raw: &str) -> String {
    let mut segments: Vec<&str> = Vec::new();
    for segment in raw.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            s => segments.push(s),
        }
    }
    let mut path = String::from("/");
    path.push_str(&segments.join("/"));
    let trailing = ["/", "/.", "/..", "/./", "/../"]
        .iter()
        .any(|s| raw.ends_with(s));
    if trailing && !path.ends_with('/') {
        path.push('/');
    }
    utf8_percent_encode(&path, PATH).to_string()
}

/// Decodes each name and value as a form would, re-encodes them strictly,
/// and sorts by name then value.
pub fn canonical_query(raw: &str) -> String {
    let decode = |s: &str| -> String {
        let s = s.replace('+', " ");
        percent_decode_str(&s).decode_utf8_lossy().into_owned()
    };
    let mut pairs: Vec<(String, String)> = raw
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (
                utf8_percent_encode(&decode(k), STRICT).to_string(),
                utf8_percent_encode(&decode(v), STRICT).to_string(),
            )
        })
        .collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

pub fn string_to_sign(amz_date: &str, scope: &str, canonical_request: &str) -> String {
    format!(
        "{ALGORITHM}\n{amz_date}\n{scope}\n{}",
        hex::encode(Sha256::digest(canonical_request.as_bytes()))
    )
}

pub fn signing_key(secret: &str, date: &str, region: &str, service: &str) -> [u8; 32] {
    let k_date = hmac(format!("AWS4{secret}").as_bytes(), date.as_bytes());
    let k_region = hmac(&k_date, region.as_bytes());
    let k_service = hmac(&k_region, service.as_bytes());
    hmac(&k_service, b"aws4_request")
}

fn hmac(key: &[u8], data: &[u8]) -> [u8; 32] {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes a key of any length");
    mac.update(data);
    mac.finalize().into_bytes().into()
}

/// Compares without an early exit, so the time taken says nothing about how
/// much of a guessed signature was right.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests;
