//! AWS Signature Version 4 verification, as API Gateway does it for
//! IAM-authorized routes: in the `Authorization` header, or in the query
//! string of a presigned URL (`X-Amz-Algorithm`, `X-Amz-Credential`, ...).
//!
//! The verifier rebuilds the canonical request from what arrived on the wire,
//! derives the signing key from the configured secret and compares signatures
//! in constant time. Paths are double-encoded, as every SDK signs for
//! `execute-api`, and the payload hash is always computed from the body
//! received, so a body changed in flight can never verify.

mod canonical;
mod parse;
mod request;

use chrono::{DateTime, NaiveDateTime, TimeDelta, Utc};

pub use canonical::{
    canonical_path, canonical_query, canonical_request, constant_time_eq, signing_key,
    string_to_sign,
};
use parse::{Location, Signature};
pub use request::{AuthError, Credentials, SignedRequest, ALGORITHM};

const AMZ_DATE_FORMAT: &str = "%Y%m%dT%H%M%SZ";
/// The longest a presigned URL may be valid for (seven days), as in SigV4.
const MAX_EXPIRES_SECONDS: i64 = 604_800;

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
        let sig = Signature::find(req)?;

        if sig.access_key_id != self.credentials.access_key_id {
            return Err(AuthError::UnknownAccessKey);
        }
        if sig.region != self.region {
            return Err(AuthError::WrongScope(format!(
                "a valid region, not '{}'. ",
                sig.region
            )));
        }
        if sig.service != self.service {
            return Err(AuthError::WrongScope(format!(
                "correct service: '{}'. ",
                self.service
            )));
        }
        let amz_date = sig.amz_date.as_deref().ok_or_else(|| {
            AuthError::Malformed(
                "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."
                    .into(),
            )
        })?;
        let signed_at = NaiveDateTime::parse_from_str(amz_date, AMZ_DATE_FORMAT)
            .map_err(|_| AuthError::Malformed(format!("Invalid X-Amz-Date: {amz_date}")))?
            .and_utc();
        if !amz_date.starts_with(&sig.date) || sig.date.len() != 8 {
            return Err(AuthError::WrongScope(format!(
                "a valid date: the credential date '{}' is not the X-Amz-Date day. ",
                sig.date
            )));
        }
        match sig.location {
            Location::Header => self.check_skew(amz_date, signed_at, now)?,
            Location::Query { expires } => self.check_presigned(signed_at, expires, now)?,
        }
        if !sig.signed_headers.iter().any(|h| h == "host") {
            return Err(AuthError::BadSignature);
        }

        // A presigned URL signs its query without the signature itself.
        let query = match sig.location {
            Location::Header => req.query.map(str::to_owned),
            Location::Query { .. } => Some(parse::query_without_signature(req.query)),
        };
        let covered = SignedRequest {
            query: query.as_deref(),
            ..*req
        };
        let signed_headers: Vec<&str> = sig.signed_headers.iter().map(String::as_str).collect();
        let canonical = canonical_request(&covered, &signed_headers)?;
        let scope = format!("{}/{}/{}/aws4_request", sig.date, sig.region, sig.service);
        let to_sign = string_to_sign(amz_date, &scope, &canonical);
        let key = signing_key(
            &self.credentials.secret_access_key,
            &sig.date,
            &sig.region,
            &sig.service,
        );
        let expected = hex::encode(canonical::hmac(&key, to_sign.as_bytes()));
        if constant_time_eq(expected.as_bytes(), sig.signature.as_bytes()) {
            Ok(sig.access_key_id)
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
        if signed_at < now - self.max_skew {
            return Err(AuthError::Expired {
                signed: amz_date.to_owned(),
                earliest: show(now - self.max_skew),
                now: show(now),
            });
        }
        self.check_not_in_future(amz_date, signed_at, now)
    }

    /// A presigned URL is good from its signing time (give or take the
    /// clock skew) until `expires` seconds later.
    fn check_presigned(
        &self,
        signed_at: DateTime<Utc>,
        expires: i64,
        now: DateTime<Utc>,
    ) -> Result<(), AuthError> {
        if !(1..=MAX_EXPIRES_SECONDS).contains(&expires) {
            return Err(AuthError::Malformed(format!(
                "X-Amz-Expires must be between 1 and {MAX_EXPIRES_SECONDS} seconds, not {expires}"
            )));
        }
        let until = signed_at + TimeDelta::seconds(expires);
        if now > until {
            return Err(AuthError::PresignedExpired {
                until: show(until),
                now: show(now),
            });
        }
        self.check_not_in_future(&show(signed_at), signed_at, now)
    }

    fn check_not_in_future(
        &self,
        amz_date: &str,
        signed_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<(), AuthError> {
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

fn show(at: DateTime<Utc>) -> String {
    at.format(AMZ_DATE_FORMAT).to_string()
}

#[cfg(test)]
mod tests;
