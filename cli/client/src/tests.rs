use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http::{Method, StatusCode};
use serde_json::json;

use super::*;
use crate::api::{error_from_response, json_body, resolve_region, ErrorContext};
use crate::signing::{sign_for_service, CredentialSource};

// --- signing -------------------------------------------------------------

/// 2015-08-30T12:36:00Z, the time of every example in the AWS SigV4 documentation.
fn doc_time() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_440_938_160)
}

fn doc_credentials() -> Credentials {
    Credentials::new(
        "AKIDEXAMPLE",
        "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        None,
    )
}

fn authorization(request: &http::Request<Vec<u8>>) -> &str {
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

fn client_for(url: &str, credentials: Credentials) -> ApiClient {
    let endpoint = Endpoint::parse(url).unwrap();
    let region = resolve_region(None, &endpoint, |_| None);
    ApiClient::new(endpoint, region, credentials).unwrap()
}

#[test]
fn api_requests_are_signed_for_execute_api_over_host_path_and_body() {
    let client = client_for("http://127.0.0.1:3000", Credentials::local_default());
    let body = json!({"seconds": 2});
    let request = client
        .signed_request(
            Method::POST,
            "/jobs",
            &[],
            json_body(&body),
            &[("idempotency-key", "k1")],
            doc_time(),
        )
        .unwrap();
    assert_eq!(request.uri(), "http://127.0.0.1:3000/jobs");
    assert_eq!(request.headers()["host"], "127.0.0.1:3000");
    assert_eq!(request.body(), br#"{"seconds":2}"#);
    let auth = authorization(&request);
    assert!(
        auth.starts_with(
            "AWS4-HMAC-SHA256 Credential=AKIDLOCALJOBS0000000/20150830/us-east-1/execute-api/aws4_request, \
             SignedHeaders=content-type;host;idempotency-key;x-amz-date, Signature="
        ),
        "{auth}"
    );
    // The body is part of the signature: another body, another signature.
    let other = client
        .signed_request(
            Method::POST,
            "/jobs",
            &[],
            json_body(&json!({"seconds": 3})),
            &[("idempotency-key", "k1")],
            doc_time(),
        )
        .unwrap();
    assert_ne!(authorization(&other), auth);
}

#[test]
fn a_session_token_is_sent_and_signed() {
    let credentials = Credentials::from_lookup(|name| {
        Some(
            match name {
                "AWS_ACCESS_KEY_ID" => "ASIAEXAMPLE",
                "AWS_SECRET_ACCESS_KEY" => "secret",
                "AWS_SESSION_TOKEN" => "token-1",
                _ => return None,
            }
            .to_owned(),
        )
    });
    assert_eq!(credentials.source, CredentialSource::AwsEnv);
    let client = client_for(
        "https://abc123.execute-api.eu-west-1.amazonaws.com/prod",
        credentials,
    );
    let request = client
        .signed_request(Method::GET, "/jobs/x", &[], None, &[], doc_time())
        .unwrap();
    assert_eq!(request.headers()["x-amz-security-token"], "token-1");
    let auth = authorization(&request);
    assert!(
        auth.contains("/eu-west-1/execute-api/aws4_request"),
        "{auth}"
    );
    assert!(
        auth.contains("SignedHeaders=host;x-amz-date;x-amz-security-token"),
        "{auth}"
    );
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
    assert_eq!(none.access_key_id, signing::LOCAL_ACCESS_KEY_ID);
    // The secret never shows in debug output.
    assert!(!format!("{both:?}").contains("local-secret"));
}

#[test]
fn an_aws_endpoint_signs_only_with_aws_credentials() {
    let aws = Endpoint::parse(AWS).unwrap();
    let local_vars = |name: &str| {
        Some(
            match name {
                "JOBS_LOCAL_ACCESS_KEY_ID" => "LOCAL",
                "JOBS_LOCAL_SECRET_ACCESS_KEY" => "local-secret",
                _ => return None,
            }
            .to_owned(),
        )
    };
    let err = api::credentials_for(&aws, local_vars).unwrap_err();
    assert!(err.to_string().contains("AWS_ACCESS_KEY_ID"), "{err}");
    let both = |name: &str| {
        local_vars(name).or_else(|| match name {
            "AWS_ACCESS_KEY_ID" => Some("AKIAAWS".to_owned()),
            "AWS_SECRET_ACCESS_KEY" => Some("aws-secret".to_owned()),
            _ => None,
        })
    };
    assert_eq!(
        api::credentials_for(&aws, both).unwrap().access_key_id,
        "AKIAAWS"
    );
    let local = Endpoint::parse(LOCAL).unwrap();
    assert_eq!(
        api::credentials_for(&local, both).unwrap().access_key_id,
        "LOCAL"
    );
    assert_eq!(
        api::credentials_for(&local, |_| None).unwrap(),
        Credentials::local_default()
    );
}

// --- URLs and regions ----------------------------------------------------

#[test]
fn urls_keep_the_base_path_of_a_deployed_stage() {
    let cases = [
        ("http://127.0.0.1:3000", "/jobs", "http://127.0.0.1:3000/jobs"),
        ("http://127.0.0.1:3000/", "/jobs", "http://127.0.0.1:3000/jobs"),
        (
            "https://abc123.execute-api.eu-west-1.amazonaws.com/prod",
            "/jobs/3f2c9a4e-8d1b-4c6a-9e2f-0b7d5a1c3e9f",
            "https://abc123.execute-api.eu-west-1.amazonaws.com/prod/jobs/3f2c9a4e-8d1b-4c6a-9e2f-0b7d5a1c3e9f",
        ),
        (
            "https://abc123.execute-api.eu-west-1.amazonaws.com/prod/",
            "/jobs",
            "https://abc123.execute-api.eu-west-1.amazonaws.com/prod/jobs",
        ),
        (
            "https://api.example.com/v1/jobs-api//",
            "/jobs",
            "https://api.example.com/v1/jobs-api/jobs",
        ),
    ];
    for (base, path, expected) in cases {
        let endpoint = Endpoint::parse(base).unwrap();
        assert_eq!(
            endpoint.url(path, &[]).as_str(),
            expected,
            "{base} + {path}"
        );
    }
}

#[test]
fn query_values_are_encoded() {
    let endpoint = Endpoint::parse("http://localhost:3000/base").unwrap();
    let url = endpoint.url(
        "/local/archive",
        &[("from", "2026-11-25T12:00:00+01:00"), ("to", "a b&c")],
    );
    assert_eq!(
        url.as_str(),
        "http://localhost:3000/base/local/archive?from=2026-11-25T12%3A00%3A00%2B01%3A00&to=a+b%26c"
    );
}

#[test]
fn host_header_has_the_port_only_when_it_is_not_the_default() {
    let host = |url: &str| Endpoint::parse(url).unwrap().host_header();
    assert_eq!(host("http://127.0.0.1:3000"), "127.0.0.1:3000");
    assert_eq!(host("http://localhost:80/x"), "localhost");
    assert_eq!(host("https://a.example.com:443/prod"), "a.example.com");
    assert_eq!(
        host("https://a.example.com:8443/prod"),
        "a.example.com:8443"
    );
    assert_eq!(host("http://[::1]:3000"), "[::1]:3000");
}

#[test]
fn rejects_urls_it_cannot_use() {
    for bad in [
        "127.0.0.1:3000",
        "ftp://example.com",
        "http://",
        "http://localhost:3000/?x=1",
        "http://user:pass@localhost:3000",
        "not a url",
    ] {
        let err = Endpoint::parse(bad).unwrap_err();
        assert!(matches!(err, ApiError::BadUrl(_)), "{bad}: {err:?}");
        assert!(err.to_string().contains("--url"), "{err}");
    }
}

#[test]
fn the_region_comes_from_the_flag_the_url_or_the_environment() {
    let aws =
        Endpoint::parse("https://abc123.execute-api.ap-southeast-2.amazonaws.com/prod").unwrap();
    let custom_aws = Endpoint::parse("https://x.lambda-url.eu-west-3.on.aws").unwrap();
    let local = Endpoint::parse("http://127.0.0.1:3000").unwrap();
    let env = |name: &str| match name {
        "AWS_REGION" => Some("eu-central-1".to_owned()),
        "JOBS_LOCAL_REGION" => Some("eu-north-1".to_owned()),
        _ => None,
    };
    assert_eq!(resolve_region(Some("sa-east-1"), &aws, env), "sa-east-1");
    assert_eq!(resolve_region(None, &aws, env), "ap-southeast-2");
    assert_eq!(resolve_region(None, &local, env), "eu-north-1");
    // An AWS_REGION meant for AWS must not break signing for the local stack.
    assert_eq!(
        resolve_region(None, &local, |n| (n == "AWS_REGION")
            .then(|| "eu-central-1".into())),
        "us-east-1"
    );
    assert_eq!(resolve_region(None, &custom_aws, |_| None), "us-east-1");
    assert!(aws.is_aws());
    assert!(!local.is_aws());
}

// --- error messages ------------------------------------------------------

fn error_for(url: &str, path: &str, status: u16, body: &str) -> ApiError {
    let endpoint = Endpoint::parse(url).unwrap();
    let ctx = ErrorContext {
        endpoint: &endpoint,
        region: "us-east-1",
        credentials: &CredentialSource::LocalDefault,
        path,
    };
    error_from_response(
        &ctx,
        StatusCode::from_u16(status).unwrap(),
        body.as_bytes(),
        Some("req-1"),
    )
}

const LOCAL: &str = "http://127.0.0.1:3000";
const AWS: &str = "https://abc123.execute-api.us-east-1.amazonaws.com/prod";

#[test]
fn client_errors_show_the_servers_message() {
    let err = error_for(
        LOCAL,
        "/jobs",
        400,
        r#"{"message":"Invalid request body","details":"/seconds: must be >=1, but got 0"}"#,
    );
    assert_eq!(err.status(), Some(StatusCode::BAD_REQUEST));
    assert_eq!(
        err.to_string(),
        "Invalid request body: /seconds: must be >=1, but got 0"
    );
    let err = error_for(LOCAL, "/jobs/x", 404, r#"{"message":"job x not found"}"#);
    assert_eq!(err.to_string(), "job x not found");
    let err = error_for(
        LOCAL,
        "/jobs",
        422,
        r#"{"message":"Idempotency-Key k1 was used with another body"}"#,
    );
    assert_eq!(err.status(), Some(StatusCode::UNPROCESSABLE_ENTITY));
    assert_eq!(
        err.to_string(),
        "Idempotency-Key k1 was used with another body"
    );
    // Not JSON (a proxy's page, say): the text itself.
    let err = error_for(LOCAL, "/jobs", 404, "Not Found\n");
    assert_eq!(err.to_string(), "Not Found");
}

#[test]
fn forbidden_shows_the_gateways_message_and_a_hint() {
    let mismatch = error_for(
        LOCAL,
        "/jobs",
        403,
        r#"{"message":"The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."}"#,
    );
    let text = mismatch.to_string();
    assert!(
        text.starts_with("The request signature we calculated does not match"),
        "{text}"
    );
    assert!(text.contains("(request id req-1)"), "{text}");
    assert!(text.contains("hint: "), "{text}");
    assert!(text.contains("the local development credentials"), "{text}");
    assert!(text.contains("--region"), "{text}");

    let unknown_key = error_for(
        LOCAL,
        "/jobs",
        403,
        r#"{"message":"The security token included in the request is invalid."}"#,
    )
    .to_string();
    assert!(
        unknown_key.contains("JOBS_LOCAL_ACCESS_KEY_ID"),
        "{unknown_key}"
    );
    let unknown_key_aws = error_for(
        AWS,
        "/jobs",
        403,
        r#"{"message":"The security token included in the request is invalid."}"#,
    )
    .to_string();
    assert!(
        unknown_key_aws.contains("AWS_ACCESS_KEY_ID"),
        "{unknown_key_aws}"
    );

    let expired = error_for(
        LOCAL,
        "/jobs",
        403,
        r#"{"message":"Signature expired: 20150830T123600Z is now earlier than 20260101T000000Z"}"#,
    );
    assert!(expired.to_string().contains("clock"), "{expired}");

    let no_route = error_for(
        AWS,
        "/jobs",
        403,
        r#"{"message":"Missing Authentication Token"}"#,
    );
    assert!(no_route.to_string().contains("stage"), "{no_route}");
}

#[test]
fn a_missing_local_route_means_a_deployed_api_reached_without_its_stack() {
    let err = error_for(
        "https://api.example.com/prod",
        "/local/replays",
        403,
        r#"{"message":"Missing Authentication Token"}"#,
    );
    assert!(matches!(err, ApiError::LocalOnly(_)), "{err:?}");
    assert!(err.to_string().contains("pass --stack NAME"), "{err}");
    let faults = error_for(
        "https://api.example.com/prod",
        "/local/faults",
        403,
        r#"{"message":"Missing Authentication Token"}"#,
    );
    assert!(
        faults
            .to_string()
            .contains("exists only in the local stack"),
        "{faults}"
    );
}

#[test]
fn server_errors_carry_the_request_id() {
    let err = error_for(
        LOCAL,
        "/jobs",
        500,
        r#"{"message":"Internal server error"}"#,
    );
    assert_eq!(
        err.to_string(),
        "the jobs API failed with 500 Internal Server Error: Internal server error (request id req-1)"
    );
}

#[test]
fn faults_on_a_deployed_api_is_refused_with_the_reason() {
    let aws = Endpoint::parse(AWS).unwrap();
    let text = errors::local_only("faults", &aws).to_string();
    assert!(text.contains("local-stack command"), "{text}");
    assert!(text.contains(AWS), "{text}");
}

#[test]
fn a_403_on_aws_says_to_assume_the_invoke_role_or_which_role_was_used() {
    let endpoint = Endpoint::parse(AWS).unwrap();
    let forbidden = |credentials: &CredentialSource| {
        let ctx = ErrorContext {
            endpoint: &endpoint,
            region: "us-east-1",
            credentials,
            path: "/jobs",
        };
        error_from_response(
            &ctx,
            StatusCode::FORBIDDEN,
            br#"{"Message":"User: arn:aws:iam::123456789012:user/dev is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:123456789012:abc123/prod/POST/jobs"}"#,
            None,
        )
        .to_string()
    };
    let own = forbidden(&CredentialSource::AwsChain("Profile".into()));
    assert!(
        own.starts_with("User: arn:aws:iam::123456789012:user/dev is not authorized"),
        "{own}"
    );
    assert!(own.contains("--assume-role"), "{own}");
    assert!(own.contains("execute-api:Invoke"), "{own}");
    assert!(own.contains("default chain (Profile)"), "{own}");
    let role = "arn:aws:iam::123456789012:role/Other";
    let assumed = forbidden(&CredentialSource::AssumedRole(role.into()));
    assert!(
        assumed.contains(&format!("the role {role} needs execute-api:Invoke")),
        "{assumed}"
    );
}

#[test]
fn a_stage_in_the_base_url_is_part_of_the_signed_canonical_path() {
    use jobs_local::gateway::sigv4::{self, AuthError, SignedRequest, Verifier};
    // The local stack serves no stage, so this is checked here: the
    // gateway's verifier accepts the signature for the path that goes on the
    // wire, stage included, and no other.
    let client = client_for(
        "https://abc123.execute-api.eu-west-1.amazonaws.com/prod",
        Credentials::new("AKIDSTAGE", "stage-secret", None),
    );
    let request = client
        .signed_request(
            Method::POST,
            "/jobs",
            &[],
            json_body(&json!({"seconds": 2})),
            &[],
            SystemTime::now(),
        )
        .unwrap();
    assert_eq!(
        request.uri().to_string(),
        "https://abc123.execute-api.eu-west-1.amazonaws.com/prod/jobs"
    );
    let verifier = Verifier::new(
        sigv4::Credentials {
            access_key_id: "AKIDSTAGE".into(),
            secret_access_key: "stage-secret".into(),
        },
        "eu-west-1",
        "execute-api",
    );
    let arrived_at = |path| SignedRequest {
        method: "POST",
        path,
        query: None,
        headers: request.headers(),
        body: request.body(),
    };
    let now = chrono::Utc::now();
    assert_eq!(
        verifier.verify(&arrived_at("/prod/jobs"), now),
        Ok("AKIDSTAGE".to_owned())
    );
    assert_eq!(
        verifier.verify(&arrived_at("/jobs"), now),
        Err(AuthError::BadSignature)
    );
}

#[test]
fn https_needs_a_build_with_tls_and_says_how_to_get_one() {
    let aws = Endpoint::parse(AWS).unwrap();
    let local = Endpoint::parse("http://127.0.0.1:3000").unwrap();
    assert!(aws.check_reachable(true).is_ok());
    assert!(local.check_reachable(false).is_ok());
    let err = aws.check_reachable(false).unwrap_err().to_string();
    assert!(err.contains("--features aws"), "{err}");
    assert!(err.starts_with(AWS), "{err}");
}
