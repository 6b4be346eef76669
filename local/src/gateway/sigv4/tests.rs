use std::time::SystemTime;

use aws_sigv4::http_request::{sign, SignableBody, SignableRequest, SigningSettings};
use aws_sigv4::sign::v4;
use chrono::TimeZone;
use http::{HeaderMap, HeaderName, HeaderValue};

use super::*;

mod documented;
mod presigned;

// Requests signed by the official SDK signer, then checked by ours.

const KEY: &str = "AKIDLOCALJOBS0000000";
const SECRET: &str = "local-jobs-secret-do-not-use-in-production";

fn local_verifier() -> Verifier {
    Verifier::new(
        Credentials {
            access_key_id: KEY.into(),
            secret_access_key: SECRET.into(),
        },
        "us-east-1",
        "execute-api",
    )
}

struct Signed {
    method: String,
    path: String,
    query: Option<String>,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl Signed {
    fn verify_at(&self, verifier: &Verifier, now: DateTime<Utc>) -> Result<String, AuthError> {
        verifier.verify(
            &SignedRequest {
                method: &self.method,
                path: &self.path,
                query: self.query.as_deref(),
                headers: &self.headers,
                body: &self.body,
            },
            now,
        )
    }

    fn verify(&self, verifier: &Verifier) -> Result<String, AuthError> {
        self.verify_at(verifier, Utc::now())
    }
}

fn sdk_sign(
    method: &str,
    path_and_query: &str,
    extra: &[(&str, &str)],
    body: &[u8],
    region: &str,
    secret: &str,
    token: Option<&str>,
) -> Signed {
    let how = How {
        settings: SigningSettings::default(),
        at: SystemTime::now(),
        region,
        secret,
        token,
    };
    sdk_sign_with(&how, method, path_and_query, extra, body)
}

/// How the SDK signs: where the signature goes, when, and with what.
struct How<'a> {
    settings: SigningSettings,
    at: SystemTime,
    region: &'a str,
    secret: &'a str,
    token: Option<&'a str>,
}

fn sdk_sign_with(
    how: &How<'_>,
    method: &str,
    path_and_query: &str,
    extra: &[(&str, &str)],
    body: &[u8],
) -> Signed {
    let How {
        region,
        secret,
        token,
        ..
    } = *how;
    let uri: http::Uri = format!("http://127.0.0.1:3000{path_and_query}")
        .parse()
        .unwrap();
    let mut builder = http::Request::builder()
        .method(method)
        .uri(uri.clone())
        .header("host", "127.0.0.1:3000");
    for (k, v) in extra {
        builder = builder.header(*k, *v);
    }
    let mut request = builder.body(body.to_vec()).unwrap();
    let identity =
        aws_credential_types::Credentials::new(KEY, secret, token.map(str::to_owned), None, "test")
            .into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name("execute-api")
        .time(how.at)
        .settings(how.settings.clone())
        .build()
        .unwrap()
        .into();
    let headers: Vec<(String, String)> = request
        .headers()
        .iter()
        .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap().to_owned()))
        .collect();
    let signable = SignableRequest::new(
        method,
        uri.to_string(),
        headers.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        SignableBody::Bytes(body),
    )
    .unwrap();
    let (instructions, _) = sign(signable, &params).unwrap().into_parts();
    instructions.apply_to_request_http1x(&mut request);
    let (parts, body) = request.into_parts();
    Signed {
        method: parts.method.to_string(),
        path: parts.uri.path().to_owned(),
        query: parts.uri.query().map(str::to_owned),
        headers: parts.headers,
        body,
    }
}

fn sdk(method: &str, path_and_query: &str, body: &[u8]) -> Signed {
    sdk_sign(
        method,
        path_and_query,
        &[("content-type", "application/json")],
        body,
        "us-east-1",
        SECRET,
        None,
    )
}

#[test]
fn sdk_signed_requests_verify() {
    let verifier = local_verifier();
    for signed in [
        sdk("POST", "/things", br#"{"n": 3}"#),
        sdk("GET", "/things/3f2c9a4e-8d1b-4c6a-9e2f-0b7d5a1c3e9f", b""),
        sdk(
            "GET",
            "/reports?to=2026-11-25T13%3A00%3A00Z&from=2026-11-25T12%3A00%3A00%2B00%3A00",
            b"",
        ),
        sdk("GET", "/things/with%20space/and%2Fslash", b""),
        sdk("GET", "/a/./b/../things", b""),
        sdk_sign(
            "POST",
            "/things",
            &[("x-client-key", "order   42 ")],
            b"{}",
            "us-east-1",
            SECRET,
            Some("session-token-is-ignored-locally"),
        ),
    ] {
        assert_eq!(
            signed.verify(&verifier),
            Ok(KEY.to_owned()),
            "{} {}",
            signed.method,
            signed.path
        );
    }
}

#[test]
fn a_tampered_body_fails() {
    let mut signed = sdk("POST", "/things", br#"{"n": 3}"#);
    signed.body = br#"{"n": 4}"#.to_vec();
    assert_eq!(
        signed.verify(&local_verifier()),
        Err(AuthError::BadSignature)
    );
}

#[test]
fn a_tampered_signed_header_fails() {
    let mut signed = sdk("POST", "/things", br#"{"n": 3}"#);
    signed
        .headers
        .insert("content-type", HeaderValue::from_static("text/plain"));
    assert_eq!(
        signed.verify(&local_verifier()),
        Err(AuthError::BadSignature)
    );

    let mut signed = sdk("POST", "/things", br#"{"n": 3}"#);
    signed.headers.remove("content-type");
    assert_eq!(
        signed.verify(&local_verifier()),
        Err(AuthError::BadSignature)
    );

    let mut signed = sdk("POST", "/things", br#"{"n": 3}"#);
    let moved = (Utc::now() - TimeDelta::seconds(30))
        .format(AMZ_DATE_FORMAT)
        .to_string();
    signed.headers.insert("x-amz-date", moved.parse().unwrap());
    assert_eq!(
        signed.verify(&local_verifier()),
        Err(AuthError::BadSignature)
    );
}

#[test]
fn an_added_unsigned_header_does_not_matter() {
    let mut signed = sdk("POST", "/things", br#"{"n": 3}"#);
    signed
        .headers
        .insert("user-agent", HeaderValue::from_static("curl/8"));
    assert!(signed.verify(&local_verifier()).is_ok());
}

#[test]
fn a_tampered_path_query_or_method_fails() {
    let verifier = local_verifier();
    let mut signed = sdk("GET", "/things/3f2c9a4e-8d1b-4c6a-9e2f-0b7d5a1c3e9f", b"");
    signed.path = "/things/3f2c9a4e-8d1b-4c6a-9e2f-0b7d5a1c3e9e".into();
    assert_eq!(signed.verify(&verifier), Err(AuthError::BadSignature));

    let mut signed = sdk("GET", "/reports?from=a&to=b", b"");
    signed.query = Some("from=a&to=c".into());
    assert_eq!(signed.verify(&verifier), Err(AuthError::BadSignature));
    signed.query = Some("from=a&to=b&extra=1".into());
    assert_eq!(signed.verify(&verifier), Err(AuthError::BadSignature));
    signed.query = None;
    assert_eq!(signed.verify(&verifier), Err(AuthError::BadSignature));

    let mut signed = sdk("GET", "/things", b"");
    signed.method = "POST".into();
    assert_eq!(signed.verify(&verifier), Err(AuthError::BadSignature));
}

#[test]
fn the_query_order_does_not_matter() {
    let mut signed = sdk("GET", "/reports?from=a&to=b", b"");
    signed.query = Some("to=b&from=a".into());
    assert!(signed.verify(&local_verifier()).is_ok());
}

#[test]
fn the_wrong_secret_fails() {
    let signed = sdk_sign(
        "GET",
        "/things/x",
        &[],
        b"",
        "us-east-1",
        "not-the-secret",
        None,
    );
    assert_eq!(
        signed.verify(&local_verifier()),
        Err(AuthError::BadSignature)
    );
}

#[test]
fn an_unknown_access_key_is_an_invalid_token() {
    let signed = sdk("GET", "/things/x", b"");
    let other = Verifier::new(
        Credentials {
            access_key_id: "AKIDSOMEONEELSE00000".into(),
            secret_access_key: SECRET.into(),
        },
        "us-east-1",
        "execute-api",
    );
    assert_eq!(signed.verify(&other), Err(AuthError::UnknownAccessKey));
}

#[test]
fn another_region_or_service_is_refused() {
    let signed = sdk_sign("GET", "/things/x", &[], b"", "eu-west-1", SECRET, None);
    assert!(matches!(
        signed.verify(&local_verifier()),
        Err(AuthError::WrongScope(_))
    ));
    let signed = sdk("GET", "/things/x", b"");
    let s3 = Verifier::new(
        Credentials {
            access_key_id: KEY.into(),
            secret_access_key: SECRET.into(),
        },
        "us-east-1",
        "s3",
    );
    assert!(matches!(signed.verify(&s3), Err(AuthError::WrongScope(_))));
}

#[test]
fn skew_of_five_minutes_is_tolerated_and_more_is_not() {
    let verifier = local_verifier();
    let signed = sdk("GET", "/things/x", b"");
    let now = Utc::now();
    assert!(signed
        .verify_at(&verifier, now + TimeDelta::minutes(4))
        .is_ok());
    assert!(signed
        .verify_at(&verifier, now - TimeDelta::minutes(4))
        .is_ok());
    let late = signed.verify_at(&verifier, now + TimeDelta::minutes(6));
    assert!(matches!(late, Err(AuthError::Expired { .. })), "{late:?}");
    assert!(late
        .unwrap_err()
        .to_string()
        .starts_with("Signature expired: "));
    let early = signed.verify_at(&verifier, now - TimeDelta::minutes(6));
    assert!(
        matches!(early, Err(AuthError::NotYetCurrent { .. })),
        "{early:?}"
    );
}

#[test]
fn missing_or_malformed_authorization() {
    let verifier = local_verifier();
    let mut signed = sdk("GET", "/things/x", b"");
    let auth = signed.headers.remove("authorization").unwrap();
    assert_eq!(signed.verify(&verifier), Err(AuthError::Missing));

    for bad in [
        "Basic dXNlcjpwYXNz",
        "AWS4-HMAC-SHA256",
        "AWS4-HMAC-SHA256 Credential=AKIDLOCALJOBS0000000/20260101/us-east-1/execute-api/aws4_request",
        "AWS4-HMAC-SHA256 Credential=AKIDLOCALJOBS0000000/us-east-1/execute-api/aws4_request, SignedHeaders=host, Signature=00",
    ] {
        signed.headers.insert("authorization", bad.parse().unwrap());
        assert!(
            matches!(signed.verify(&verifier), Err(AuthError::Malformed(_))),
            "{bad}"
        );
    }

    // Host must be among the signed headers.
    let unsigned_host = auth.to_str().unwrap().replace(
        "SignedHeaders=content-type;host;",
        "SignedHeaders=content-type;",
    );
    signed
        .headers
        .insert("authorization", unsigned_host.parse().unwrap());
    assert_eq!(signed.verify(&verifier), Err(AuthError::BadSignature));
}

#[test]
fn constant_time_eq_compares_whole_strings() {
    assert!(constant_time_eq(b"abc", b"abc"));
    assert!(!constant_time_eq(b"abc", b"abd"));
    assert!(!constant_time_eq(b"abc", b"ab"));
    assert!(constant_time_eq(b"", b""));
}

#[test]
fn paths_are_normalized_then_encoded_again() {
    assert_eq!(canonical_path(""), "/");
    assert_eq!(canonical_path("/things"), "/things");
    assert_eq!(canonical_path("/a/./b/../things"), "/a/things");
    assert_eq!(canonical_path("//things//x"), "/things/x");
    assert_eq!(canonical_path("/things/a%20b"), "/things/a%2520b");
    assert_eq!(canonical_path("/things/"), "/things/");
}

#[test]
fn queries_are_sorted_and_strictly_encoded() {
    assert_eq!(canonical_query(""), "");
    assert_eq!(canonical_query("b=2&a=1&a=0"), "a=0&a=1&b=2");
    assert_eq!(
        canonical_query("t=2026-11-25T12%3A00%3A00Z"),
        "t=2026-11-25T12%3A00%3A00Z"
    );
    assert_eq!(canonical_query("t=12:00"), "t=12%3A00");
    assert_eq!(canonical_query("k"), "k=");
}
