use std::time::SystemTime;

use aws_sigv4::http_request::{sign, SignableBody, SignableRequest, SigningSettings};
use aws_sigv4::sign::v4;
use chrono::TimeZone;
use http::{HeaderName, HeaderValue};

use super::*;

const DOC_KEY: &str = "AKIDEXAMPLE";
const DOC_SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

fn doc_verifier() -> Verifier {
    Verifier::new(
        Credentials {
            access_key_id: DOC_KEY.into(),
            secret_access_key: DOC_SECRET.into(),
        },
        "us-east-1",
        "service",
    )
}

fn doc_time() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2015, 8, 30, 12, 36, 0).unwrap()
}

/// One request of the AWS SigV4 test suite, with the signature the suite
/// gives for it.
struct Vector {
    method: &'static str,
    path: &'static str,
    query: Option<&'static str>,
    headers: &'static [(&'static str, &'static str)],
    body: &'static str,
    signed_headers: &'static str,
    signature: &'static str,
}

impl Vector {
    fn headers(&self) -> HeaderMap {
        let mut map = HeaderMap::new();
        map.append("host", HeaderValue::from_static("example.amazonaws.com"));
        map.append("x-amz-date", HeaderValue::from_static("20150830T123600Z"));
        for (k, v) in self.headers {
            map.append(HeaderName::from_static(k), HeaderValue::from_static(v));
        }
        let auth = format!(
            "AWS4-HMAC-SHA256 Credential={DOC_KEY}/20150830/us-east-1/service/aws4_request, SignedHeaders={}, Signature={}",
            self.signed_headers, self.signature
        );
        map.insert("authorization", auth.parse().unwrap());
        map
    }

    fn verify(&self, verifier: &Verifier) -> Result<String, AuthError> {
        let headers = self.headers();
        verifier.verify(
            &SignedRequest {
                method: self.method,
                path: self.path,
                query: self.query,
                headers: &headers,
                body: self.body.as_bytes(),
            },
            doc_time(),
        )
    }
}

const VECTORS: &[Vector] = &[
    // get-vanilla
    Vector {
        method: "GET",
        path: "/",
        query: None,
        headers: &[],
        body: "",
        signed_headers: "host;x-amz-date",
        signature: "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
    },
    // get-vanilla-query-order-key-case
    Vector {
        method: "GET",
        path: "/",
        query: Some("Param2=value2&Param1=value1"),
        headers: &[],
        body: "",
        signed_headers: "host;x-amz-date",
        signature: "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500",
    },
    // get-header-value-trim
    Vector {
        method: "GET",
        path: "/",
        query: None,
        headers: &[("my-header1", " value1"), ("my-header2", " \"a   b   c\"")],
        body: "",
        signed_headers: "host;my-header1;my-header2;x-amz-date",
        signature: "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736",
    },
    // get-header-key-duplicate
    Vector {
        method: "GET",
        path: "/",
        query: None,
        headers: &[
            ("my-header1", "value2"),
            ("my-header1", "value2"),
            ("my-header1", "value1"),
        ],
        body: "",
        signed_headers: "host;my-header1;x-amz-date",
        signature: "c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea",
    },
    // get-vanilla-with-session-token
    Vector {
        method: "GET",
        path: "/",
        query: None,
        headers: &[(
            "x-amz-security-token",
            "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267",
        )],
        body: "",
        signed_headers: "host;x-amz-date;x-amz-security-token",
        signature: "07ec1639c89043aa0e3e2de82b96708f198cceab042d4a97044c66dd9f74e7f8",
    },
    // post-vanilla-query
    Vector {
        method: "POST",
        path: "/",
        query: Some("Param1=value1"),
        headers: &[],
        body: "",
        signed_headers: "host;x-amz-date",
        signature: "28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11",
    },
    // post-x-www-form-urlencoded
    Vector {
        method: "POST",
        path: "/",
        query: None,
        headers: &[
            ("content-length", "13"),
            ("content-type", "application/x-www-form-urlencoded"),
            (
                "x-amz-content-sha256",
                "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e",
            ),
        ],
        body: "Param1=value1",
        signed_headers: "content-length;content-type;host;x-amz-content-sha256;x-amz-date",
        signature: "d3875051da38690788ef43de4db0d8f280229d82040bfac253562e56c3f20e0b",
    },
];

#[test]
fn the_documented_signing_key_derivation() {
    // From the AWS documentation's worked example of deriving a signing key.
    let key = signing_key(DOC_SECRET, "20120215", "us-east-1", "iam");
    assert_eq!(
        hex::encode(key),
        "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d"
    );
}

#[test]
fn the_documented_canonical_request_and_string_to_sign() {
    let v = &VECTORS[1];
    let headers = v.headers();
    let req = SignedRequest {
        method: v.method,
        path: v.path,
        query: v.query,
        headers: &headers,
        body: b"",
    };
    let canonical = canonical_request(&req, &["host", "x-amz-date"]).unwrap();
    assert_eq!(
        canonical,
        "GET\n/\nParam1=value1&Param2=value2\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
    let to_sign = string_to_sign(
        "20150830T123600Z",
        "20150830/us-east-1/service/aws4_request",
        &canonical,
    );
    assert_eq!(
        to_sign,
        "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n816cd5b414d056048ba4f7c5386d6e0533120fb1fcfa93762cf0fc39e2cf19e0"
    );
}

#[test]
fn the_documented_test_suite_requests_verify() {
    let verifier = doc_verifier();
    for (i, v) in VECTORS.iter().enumerate() {
        assert_eq!(v.verify(&verifier), Ok(DOC_KEY.to_owned()), "vector {i}");
    }
}

#[test]
fn a_documented_signature_off_by_one_digit_fails() {
    let verifier = doc_verifier();
    let mut v = VECTORS[0]
        .clone_with_signature("5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf30");
    assert_eq!(v.verify(&verifier), Err(AuthError::BadSignature));
    v.signature = "short";
    assert_eq!(v.verify(&verifier), Err(AuthError::BadSignature));
}

impl Vector {
    fn clone_with_signature(&self, signature: &'static str) -> Vector {
        Vector {
            method: self.method,
            path: self.path,
            query: self.query,
            headers: self.headers,
            body: self.body,
            signed_headers: self.signed_headers,
            signature,
        }
    }
}

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

mod presigned;

#[test]
fn sdk_signed_requests_verify() {
    let verifier = local_verifier();
    for signed in [
        sdk("POST", "/jobs", br#"{"seconds": 3}"#),
        sdk("GET", "/jobs/3f2c9a4e-8d1b-4c6a-9e2f-0b7d5a1c3e9f", b""),
        sdk(
            "GET",
            "/local/archive?to=2026-11-25T13%3A00%3A00Z&from=2026-11-25T12%3A00%3A00%2B00%3A00",
            b"",
        ),
        sdk("GET", "/jobs/with%20space/and%2Fslash", b""),
        sdk("GET", "/a/./b/../jobs", b""),
        sdk_sign(
            "POST",
            "/jobs",
            &[("idempotency-key", "order   42 ")],
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
    let mut signed = sdk("POST", "/jobs", br#"{"seconds": 3}"#);
    signed.body = br#"{"seconds": 4}"#.to_vec();
    assert_eq!(
        signed.verify(&local_verifier()),
        Err(AuthError::BadSignature)
    );
}

#[test]
fn a_tampered_signed_header_fails() {
    let mut signed = sdk("POST", "/jobs", br#"{"seconds": 3}"#);
    signed
        .headers
        .insert("content-type", HeaderValue::from_static("text/plain"));
    assert_eq!(
        signed.verify(&local_verifier()),
        Err(AuthError::BadSignature)
    );

    let mut signed = sdk("POST", "/jobs", br#"{"seconds": 3}"#);
    signed.headers.remove("content-type");
    assert_eq!(
        signed.verify(&local_verifier()),
        Err(AuthError::BadSignature)
    );

    let mut signed = sdk("POST", "/jobs", br#"{"seconds": 3}"#);
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
    let mut signed = sdk("POST", "/jobs", br#"{"seconds": 3}"#);
    signed
        .headers
        .insert("user-agent", HeaderValue::from_static("curl/8"));
    assert!(signed.verify(&local_verifier()).is_ok());
}

#[test]
fn a_tampered_path_query_or_method_fails() {
    let verifier = local_verifier();
    let mut signed = sdk("GET", "/jobs/3f2c9a4e-8d1b-4c6a-9e2f-0b7d5a1c3e9f", b"");
    signed.path = "/jobs/3f2c9a4e-8d1b-4c6a-9e2f-0b7d5a1c3e9e".into();
    assert_eq!(signed.verify(&verifier), Err(AuthError::BadSignature));

    let mut signed = sdk("GET", "/local/archive?from=a&to=b", b"");
    signed.query = Some("from=a&to=c".into());
    assert_eq!(signed.verify(&verifier), Err(AuthError::BadSignature));
    signed.query = Some("from=a&to=b&extra=1".into());
    assert_eq!(signed.verify(&verifier), Err(AuthError::BadSignature));
    signed.query = None;
    assert_eq!(signed.verify(&verifier), Err(AuthError::BadSignature));

    let mut signed = sdk("GET", "/jobs", b"");
    signed.method = "POST".into();
    assert_eq!(signed.verify(&verifier), Err(AuthError::BadSignature));
}

#[test]
fn the_query_order_does_not_matter() {
    let mut signed = sdk("GET", "/local/archive?from=a&to=b", b"");
    signed.query = Some("to=b&from=a".into());
    assert!(signed.verify(&local_verifier()).is_ok());
}

#[test]
fn the_wrong_secret_fails() {
    let signed = sdk_sign(
        "GET",
        "/jobs/x",
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
    let signed = sdk("GET", "/jobs/x", b"");
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
    let signed = sdk_sign("GET", "/jobs/x", &[], b"", "eu-west-1", SECRET, None);
    assert!(matches!(
        signed.verify(&local_verifier()),
        Err(AuthError::WrongScope(_))
    ));
    let signed = sdk("GET", "/jobs/x", b"");
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
    let signed = sdk("GET", "/jobs/x", b"");
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
    let mut signed = sdk("GET", "/jobs/x", b"");
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
    assert_eq!(canonical_path("/jobs"), "/jobs");
    assert_eq!(canonical_path("/a/./b/../jobs"), "/a/jobs");
    assert_eq!(canonical_path("//jobs//x"), "/jobs/x");
    assert_eq!(canonical_path("/jobs/a%20b"), "/jobs/a%2520b");
    assert_eq!(canonical_path("/jobs/"), "/jobs/");
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
