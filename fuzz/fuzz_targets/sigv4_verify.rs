//! The local gateway's SigV4 verifier on arbitrary requests: it never panics,
//! and it accepts a request only if it was signed with the configured secret.
//!
//! Half the inputs carry a raw, arbitrary `Authorization` header; the other
//! half are signed properly (with the real secret or another one) over
//! arbitrary method, path, query, headers and body, so the fuzzer reaches the
//! canonicalisation and comparison code rather than stopping at the parser.
#![no_main]

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use http::{HeaderMap, HeaderName, HeaderValue};
use jobs_local::gateway::sigv4::{
    canonical_request, signing_key, string_to_sign, Credentials, SignedRequest, Verifier, ALGORITHM,
};
use libfuzzer_sys::{arbitrary, fuzz_target};

const ACCESS_KEY: &str = "AKIDLOCALJOBS0000000";
const SECRET: &str = "local-jobs-secret-do-not-use-in-production";
const REGION: &str = "us-east-1";
const SERVICE: &str = "execute-api";

#[derive(Debug, arbitrary::Arbitrary)]
enum Auth {
    Raw(Vec<u8>),
    Signed {
        with_real_secret: bool,
        other_secret: String,
        skew_seconds: i16,
        scope_from_fuzz: bool,
        access_key: String,
        region: String,
        service: String,
        signed_headers: Vec<String>,
        tamper_signature: bool,
    },
}

#[derive(Debug, arbitrary::Arbitrary)]
struct Input {
    method: String,
    path: String,
    query: Option<String>,
    headers: Vec<(String, Vec<u8>)>,
    body: Vec<u8>,
    auth: Auth,
}

fn verifier(secret: &str) -> Verifier {
    Verifier::new(
        Credentials {
            access_key_id: ACCESS_KEY.into(),
            secret_access_key: secret.into(),
        },
        REGION,
        SERVICE,
    )
}

/// The signature a client sends: HMAC-SHA256 of the string to sign under the
/// derived key, computed here independently of the verifier.
fn hmac_hex(key: &[u8; 32], data: &str) -> String {
    use hmac::{Hmac, Mac};
    use std::fmt::Write as _;
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(key).expect("any key length");
    mac.update(data.as_bytes());
    mac.finalize()
        .into_bytes()
        .iter()
        .fold(String::new(), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).unwrap()
}

fuzz_target!(|x: Input| {
    let mut headers = HeaderMap::new();
    for (name, value) in &x.headers {
        if let (Ok(n), Ok(v)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_bytes(value),
        ) {
            if n != http::header::AUTHORIZATION {
                headers.append(n, v);
            }
        }
    }
    let mut signed_with_other_secret = false;
    match &x.auth {
        Auth::Raw(raw) => {
            if let Ok(v) = HeaderValue::from_bytes(raw) {
                headers.insert(http::header::AUTHORIZATION, v);
            }
        }
        Auth::Signed {
            with_real_secret,
            other_secret,
            skew_seconds,
            scope_from_fuzz,
            access_key,
            region,
            service,
            signed_headers,
            tamper_signature,
        } => {
            let at = now() + TimeDelta::seconds(i64::from(*skew_seconds));
            let amz_date = at.format("%Y%m%dT%H%M%SZ").to_string();
            headers.insert("x-amz-date", HeaderValue::from_str(&amz_date).unwrap());
            if !headers.contains_key(http::header::HOST) {
                headers.insert(http::header::HOST, HeaderValue::from_static("127.0.0.1"));
            }
            let mut names: Vec<String> = vec!["host".into(), "x-amz-date".into()];
            names.extend(signed_headers.iter().map(|h| h.to_ascii_lowercase()));
            names.sort();
            names.dedup();
            let names: Vec<&str> = names.iter().map(String::as_str).collect();
            let (key_id, region, service) = if *scope_from_fuzz {
                (access_key.as_str(), region.as_str(), service.as_str())
            } else {
                (ACCESS_KEY, REGION, SERVICE)
            };
            let secret = if *with_real_secret {
                SECRET
            } else {
                signed_with_other_secret = other_secret != SECRET;
                other_secret.as_str()
            };
            let req = SignedRequest {
                method: &x.method,
                path: &x.path,
                query: x.query.as_deref(),
                headers: &headers,
                body: &x.body,
            };
            let canonical = canonical_request(&req, &names).unwrap_or_default();
            let date = &amz_date[..8];
            let scope = format!("{date}/{region}/{service}/aws4_request");
            let to_sign = string_to_sign(&amz_date, &scope, &canonical);
            let mut signature = hmac_hex(&signing_key(secret, date, region, service), &to_sign);
            if *tamper_signature {
                signature.replace_range(..1, if signature.starts_with('0') { "1" } else { "0" });
            }
            let value = format!(
                "{ALGORITHM} Credential={key_id}/{date}/{region}/{service}/aws4_request, SignedHeaders={}, Signature={signature}",
                names.join(";")
            );
            if let Ok(v) = HeaderValue::from_str(&value) {
                headers.insert(http::header::AUTHORIZATION, v);
            }
        }
    }

    let req = SignedRequest {
        method: &x.method,
        path: &x.path,
        query: x.query.as_deref(),
        headers: &headers,
        body: &x.body,
    };
    if verifier(SECRET).verify(&req, now()).is_ok() {
        assert!(
            !signed_with_other_secret,
            "accepted a request signed with another secret"
        );
        if let Auth::Signed {
            tamper_signature, ..
        } = &x.auth
        {
            assert!(!tamper_signature, "accepted a tampered signature");
        }
        let wrong = format!("{SECRET}-not");
        assert!(
            verifier(&wrong).verify(&req, now()).is_err(),
            "the same request verifies under two different secrets"
        );
    }
});
