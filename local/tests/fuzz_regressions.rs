//! Requests of the kinds the `sigv4_verify` fuzz target builds, through the
//! same checks: the verifier never panics, and it accepts a request only if
//! it was signed with the configured secret.

use chrono::{DateTime, TimeZone, Utc};
use hmac::{Hmac, Mac};
use http::{HeaderMap, HeaderValue};
use jobs_local::gateway::sigv4::{
    canonical_request, signing_key, string_to_sign, Credentials, SignedRequest, Verifier, ALGORITHM,
};
use jobs_wire as wire;

const ACCESS_KEY: &str = "AKIDLOCALJOBS0000000";
const SECRET: &str = "local-jobs-secret-do-not-use-in-production";

fn verifier(secret: &str) -> Verifier {
    Verifier::new(
        Credentials {
            access_key_id: ACCESS_KEY.into(),
            secret_access_key: secret.into(),
        },
        "us-east-1",
        "execute-api",
    )
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).unwrap()
}

struct Request {
    method: &'static str,
    path: &'static str,
    query: Option<&'static str>,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl Request {
    fn new(method: &'static str, path: &'static str, query: Option<&'static str>) -> Self {
        let mut headers = HeaderMap::new();
        headers.insert("host", HeaderValue::from_static("127.0.0.1:3000"));
        headers.insert("x-amz-date", HeaderValue::from_static("20261125T120000Z"));
        Request {
            method,
            path,
            query,
            headers,
            body: Vec::new(),
        }
    }

    fn as_signed(&self) -> SignedRequest<'_> {
        SignedRequest {
            method: self.method,
            path: self.path,
            query: self.query,
            headers: &self.headers,
            body: &self.body,
        }
    }

    /// Signs as a client would, over `signed` headers, with `secret`.
    fn sign(mut self, secret: &str, signed: &[&str]) -> Self {
        let canonical = canonical_request(&self.as_signed(), signed).unwrap();
        let scope = "20261125/us-east-1/execute-api/aws4_request";
        let to_sign = string_to_sign("20261125T120000Z", scope, &canonical);
        let key = signing_key(secret, "20261125", "us-east-1", "execute-api");
        let mut mac = Hmac::<sha2::Sha256>::new_from_slice(&key).unwrap();
        mac.update(to_sign.as_bytes());
        let signature = hex::encode(mac.finalize().into_bytes());
        let value = format!(
            "{ALGORITHM} Credential={ACCESS_KEY}/{scope}, SignedHeaders={}, Signature={signature}",
            signed.join(";")
        );
        self.headers
            .insert("authorization", HeaderValue::from_str(&value).unwrap());
        self
    }

    fn raw_authorization(mut self, value: &'static [u8]) -> Self {
        self.headers
            .insert("authorization", HeaderValue::from_bytes(value).unwrap());
        self
    }
}

/// The fuzz target's property; returns whether the request was accepted.
fn check(req: &Request) -> bool {
    let accepted = verifier(SECRET).verify(&req.as_signed(), now()).is_ok();
    if accepted {
        let other = format!("{SECRET}-not");
        assert!(
            verifier(&other).verify(&req.as_signed(), now()).is_err(),
            "the same request verifies under two different secrets"
        );
    }
    accepted
}

#[test]
fn requests_signed_with_the_secret_are_accepted_over_odd_paths_queries_and_bodies() {
    let mut req = Request::new("POST", "/a/./b/../jobs//", Some("b=2&a=1+1&a=%zz&=&&"));
    req.body = "{\"n\": 2, \"é\": \"\u{1F600}\"}".into();
    req.headers
        .append("x-multi", HeaderValue::from_static("  one   two "));
    req.headers
        .append("x-multi", HeaderValue::from_static("three"));
    let req = req.sign(SECRET, &["host", "x-amz-date", "x-multi"]);
    assert!(check(&req));
}

#[test]
fn requests_signed_with_another_secret_or_altered_are_refused() {
    let other = Request::new("POST", wire::api::JOBS, None).sign("guess", &["host", "x-amz-date"]);
    assert!(!check(&other));

    let mut altered =
        Request::new("POST", wire::api::JOBS, None).sign(SECRET, &["host", "x-amz-date"]);
    altered.body = b"{\"n\": 3}".to_vec();
    assert!(!check(&altered));

    let mut moved = Request::new("GET", "/things/a", None).sign(SECRET, &["host", "x-amz-date"]);
    moved.path = "/things/b";
    assert!(!check(&moved));
}

#[test]
fn a_signed_header_that_is_missing_or_not_utf8_is_refused() {
    let mut req = Request::new("GET", wire::api::JOBS, None);
    req.headers
        .insert("x-bin", HeaderValue::from_bytes(b"caf\xe9").unwrap());
    let scope = "20261125/us-east-1/execute-api/aws4_request";
    for signed in ["host;x-amz-date;x-bin", "host;x-amz-date;x-absent"] {
        let value = format!(
            "{ALGORITHM} Credential={ACCESS_KEY}/{scope}, SignedHeaders={signed}, Signature={}",
            "0".repeat(64)
        );
        req.headers
            .insert("authorization", HeaderValue::from_str(&value).unwrap());
        assert!(!check(&req), "{signed}");
    }
}

#[test]
fn malformed_authorization_headers_are_errors_not_panics() {
    for raw in [
        &b"AWS4-HMAC-SHA256"[..],
        b"AWS4-HMAC-SHA256 ",
        b"AWS4-HMAC-SHA256 Credential=, SignedHeaders=, Signature=",
        b"AWS4-HMAC-SHA256 Credential=////, SignedHeaders=;, Signature=x",
        b"AWS4-HMAC-SHA256 Credential=AKIDLOCALJOBS0000000/2026112/us-east-1/execute-api/aws4_request, SignedHeaders=host, Signature=00",
        b"AWS4-HMAC-SHA256 Credential=AKIDLOCALJOBS0000000/20261125/us-east-1/execute-api/aws4_request, SignedHeaders=Host, Signature=00",
        b"AWS4-HMAC-SHA256 Credential=AKIDLOCALJOBS0000000/\xc3\xa9/us-east-1/execute-api/aws4_request, SignedHeaders=host, Signature=00",
    ] {
        let req = Request::new("GET", wire::api::JOBS, None).raw_authorization(raw);
        assert!(!check(&req), "{}", String::from_utf8_lossy(raw));
    }
}
