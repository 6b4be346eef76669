//! Where a request carries its signature and what the signature claims: the
//! `Authorization` header, or the `X-Amz-*` parameters of a presigned URL.

use std::fmt::Write as _;

use percent_encoding::percent_decode_str;

use super::request::{AuthError, SignedRequest, ALGORITHM};

/// Where the signature was found, with what only a presigned URL has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Location {
    Header,
    Query { expires: i64 },
}

/// A signature as the client stated it, before any check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Signature {
    pub access_key_id: String,
    pub date: String,
    pub region: String,
    pub service: String,
    pub signed_headers: Vec<String>,
    pub signature: String,
    /// Checked after the credential scope, as API Gateway orders its errors.
    pub amz_date: Option<String>,
    pub location: Location,
}

/// The query parameters of a presigned URL, decoded.
struct QueryAuth {
    algorithm: String,
    credential: String,
    date: Option<String>,
    expires: Option<String>,
    signed_headers: Option<String>,
    signature: Option<String>,
}

impl Signature {
    /// The header wins when both are present, as on API Gateway; a request
    /// with neither is missing its token.
    pub(super) fn find(req: &SignedRequest<'_>) -> Result<Signature, AuthError> {
        if let Some(value) = req.headers.get(http::header::AUTHORIZATION) {
            let header = value
                .to_str()
                .map_err(|_| AuthError::Malformed("Authorization header is not ASCII".into()))?;
            let amz_date = req.headers.get("x-amz-date").and_then(|v| v.to_str().ok());
            let (credential, signed_headers, signature) = header_parts(header)?;
            return Signature::build(
                credential,
                signed_headers,
                signature,
                amz_date,
                Location::Header,
            );
        }
        match query_auth(req.query.unwrap_or("")) {
            None => Err(AuthError::Missing),
            Some(q) => Signature::from_query(q),
        }
    }

    fn from_query(q: QueryAuth) -> Result<Signature, AuthError> {
        if q.algorithm != ALGORITHM {
            return Err(AuthError::Malformed(format!(
                "X-Amz-Algorithm must be {ALGORITHM}, not '{}'.",
                q.algorithm
            )));
        }
        let mut missing = String::new();
        for (name, value) in [
            ("X-Amz-Date", &q.date),
            ("X-Amz-Expires", &q.expires),
            ("X-Amz-SignedHeaders", &q.signed_headers),
            ("X-Amz-Signature", &q.signature),
        ] {
            if value.as_deref().is_none_or(str::is_empty) {
                let _ = write!(missing, "A presigned URL requires the '{name}' parameter. ");
            }
        }
        if !missing.is_empty() {
            return Err(AuthError::Malformed(missing.trim_end().to_owned()));
        }
        let expires = q.expires.unwrap_or_default();
        let expires = expires.parse::<i64>().map_err(|_| {
            AuthError::Malformed(format!(
                "X-Amz-Expires must be a number of seconds, not '{expires}'."
            ))
        })?;
        Signature::build(
            &q.credential,
            q.signed_headers.as_deref().unwrap_or_default(),
            q.signature.as_deref().unwrap_or_default(),
            q.date.as_deref(),
            Location::Query { expires },
        )
    }

    fn build(
        credential: &str,
        signed_headers: &str,
        signature: &str,
        amz_date: Option<&str>,
        location: Location,
    ) -> Result<Signature, AuthError> {
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
        let signed_headers: Vec<String> = signed_headers.split(';').map(str::to_owned).collect();
        if signed_headers
            .iter()
            .any(|h| h.is_empty() || h.bytes().any(|b| b.is_ascii_uppercase()))
        {
            return Err(AuthError::BadSignature);
        }
        Ok(Signature {
            access_key_id: access_key_id.to_owned(),
            date: date.to_owned(),
            region: region.to_owned(),
            service: service.to_owned(),
            signed_headers,
            signature: signature.to_owned(),
            amz_date: amz_date.map(str::to_owned),
            location,
        })
    }
}

/// `Credential=..., SignedHeaders=..., Signature=...` after the algorithm.
fn header_parts(header: &str) -> Result<(&str, &str, &str), AuthError> {
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
    Ok((
        credential.unwrap_or_default(),
        signed_headers.unwrap_or_default(),
        signature.unwrap_or_default(),
    ))
}

fn decode(s: &str) -> String {
    percent_decode_str(&s.replace('+', " "))
        .decode_utf8_lossy()
        .into_owned()
}

/// The presigned-URL parameters, or `None` when the query has no
/// `X-Amz-Algorithm` or `X-Amz-Credential` (then it is not presigned).
fn query_auth(query: &str) -> Option<QueryAuth> {
    let (mut algorithm, mut credential) = (None, None);
    let (mut date, mut expires, mut signed_headers, mut signature) = (None, None, None, None);
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let slot = match decode(name).as_str() {
            "X-Amz-Algorithm" => &mut algorithm,
            "X-Amz-Credential" => &mut credential,
            "X-Amz-Date" => &mut date,
            "X-Amz-Expires" => &mut expires,
            "X-Amz-SignedHeaders" => &mut signed_headers,
            "X-Amz-Signature" => &mut signature,
            _ => continue,
        };
        *slot = Some(decode(value));
    }
    Some(QueryAuth {
        algorithm: algorithm?,
        credential: credential?,
        date,
        expires,
        signed_headers,
        signature,
    })
}

/// The query as the client signed it: every parameter but the signature.
pub(super) fn query_without_signature(query: Option<&str>) -> String {
    query
        .unwrap_or("")
        .split('&')
        .filter(|p| {
            let name = p.split_once('=').map_or(*p, |(n, _)| n);
            decode(name) != "X-Amz-Signature"
        })
        .collect::<Vec<_>>()
        .join("&")
}
