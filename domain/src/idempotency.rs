use chrono::{DateTime, Duration, Utc};
use sha2::{Digest, Sha256};

use crate::id::JobId;
use crate::work::Document;

/// How long an idempotency key is remembered.
pub const IDEMPOTENCY_TTL: Duration = Duration::hours(24);

/// A client-chosen key that makes `POST /jobs` safe to retry.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct IdempotencyKey(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "an idempotency key must be 1 to 255 visible ASCII characters (letters, digits, punctuation)"
)]
pub struct InvalidIdempotencyKey;

impl IdempotencyKey {
    pub fn parse(raw: &[u8]) -> Result<Self, InvalidIdempotencyKey> {
        if raw.is_empty() || raw.len() > 255 || !raw.iter().all(|b| b.is_ascii_graphic()) {
            return Err(InvalidIdempotencyKey);
        }
        Ok(Self(
            String::from_utf8(raw.to_vec()).map_err(|_| InvalidIdempotencyKey)?,
        ))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What a key remembers: the job it created and a fingerprint of the request,
/// so the same key sent with another body can be refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdempotencyRecord {
    pub key: IdempotencyKey,
    pub job_id: JobId,
    pub request_hash: String,
    pub expires_at: DateTime<Utc>,
}

impl IdempotencyRecord {
    pub fn new(
        key: IdempotencyKey,
        job_id: JobId,
        parameters: &Document,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            key,
            job_id,
            request_hash: request_hash(parameters),
            expires_at: whole_seconds(now + IDEMPOTENCY_TTL),
        }
    }

    pub fn is_expired(&self, now: DateTime<Utc>) -> bool {
        self.expires_at <= now
    }
}

/// DynamoDB's TTL attribute holds epoch seconds: an expiry on a whole second
/// reads back, and compares, the same in every store.
fn whole_seconds(at: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp(at.timestamp(), 0).expect("a time the clock gave is in range")
}

/// The fingerprint is taken over the parameters' canonical form, not the raw
/// bytes, so whitespace or key order in a retried body does not count as
/// another request; for a flat document it is the text earlier versions
/// hashed, so keys they stored still match.
pub fn request_hash(parameters: &Document) -> String {
    hex::encode(Sha256::digest(parameters.canonical()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_visible_ascii_up_to_255() {
        assert!(IdempotencyKey::parse(b"order-42").is_ok());
        assert!(IdempotencyKey::parse(&[b'k'; 255]).is_ok());
        assert!(IdempotencyKey::parse(&[b'k'; 256]).is_err());
        assert!(IdempotencyKey::parse(b"").is_err());
        assert!(IdempotencyKey::parse(b"has space").is_err());
        assert!(IdempotencyKey::parse("caf\u{e9}".as_bytes()).is_err());
    }

    fn doc(value: serde_json::Value) -> Document {
        Document::from_value(value).unwrap()
    }

    #[test]
    fn same_parameters_same_fingerprint_whatever_the_key_order() {
        let a = request_hash(&doc(serde_json::json!({"n": 3, "tag": "x"})));
        let reordered: Document = serde_json::from_str(r#"{ "tag":"x", "n" : 3 }"#).unwrap();
        assert_eq!(a, request_hash(&reordered));
        assert_ne!(
            a,
            request_hash(&doc(serde_json::json!({"n": 4, "tag": "x"})))
        );
    }

    #[test]
    fn records_expire_after_the_ttl() {
        let now = Utc::now();
        let record = IdempotencyRecord::new(
            IdempotencyKey::parse(b"k").unwrap(),
            JobId::random(),
            &doc(serde_json::json!({"n": 1})),
            now,
        );
        assert!(!record.is_expired(now + Duration::hours(23)));
        assert!(record.is_expired(now + Duration::hours(24)));
    }
}
