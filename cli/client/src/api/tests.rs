use std::time::SystemTime;

use http::Method;
use jobs_wire::api;
use serde_json::json;

use super::*;
use crate::signing::tests::{authorization, doc_time};

const LOCAL: &str = "http://127.0.0.1:3000";
const AWS: &str = "https://abc123.execute-api.us-east-1.amazonaws.com/prod";

fn client_for(url: &str, credentials: Credentials) -> ApiClient {
    let endpoint = Endpoint::parse(url).unwrap();
    let region = resolve_region(None, &endpoint, |_| None);
    ApiClient::new(endpoint, region, credentials).unwrap()
}

#[test]
fn api_requests_are_signed_for_execute_api_over_host_path_and_body() {
    let client = client_for("http://127.0.0.1:3000", Credentials::local_default());
    let body = json!({"n": 2});
    let request = client
        .signed_request(
            Method::POST,
            api::JOBS,
            &[],
            json_body(&body),
            &[(api::IDEMPOTENCY_KEY, "k1")],
            doc_time(),
        )
        .unwrap();
    assert_eq!(request.uri(), "http://127.0.0.1:3000/jobs");
    assert_eq!(request.headers()["host"], "127.0.0.1:3000");
    assert_eq!(request.body(), br#"{"n":2}"#);
    let auth = authorization(&request);
    let expected = format!(
        "AWS4-HMAC-SHA256 Credential=AKIDLOCALJOBS0000000/20150830/us-east-1/execute-api/aws4_request, \
         SignedHeaders=content-type;host;{};x-amz-date, Signature=",
        api::IDEMPOTENCY_KEY
    );
    assert!(auth.starts_with(&expected), "{auth}");
    // The body is part of the signature: another body, another signature.
    let other = client
        .signed_request(
            Method::POST,
            api::JOBS,
            &[],
            json_body(&json!({"n": 3})),
            &[(api::IDEMPOTENCY_KEY, "k1")],
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
        .signed_request(Method::GET, &api::job("x"), &[], None, &[], doc_time())
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
    let err = credentials_for(&aws, local_vars).unwrap_err();
    assert!(err.to_string().contains("AWS_ACCESS_KEY_ID"), "{err}");
    let both = |name: &str| {
        local_vars(name).or_else(|| match name {
            "AWS_ACCESS_KEY_ID" => Some("AKIAAWS".to_owned()),
            "AWS_SECRET_ACCESS_KEY" => Some("aws-secret".to_owned()),
            _ => None,
        })
    };
    assert_eq!(
        credentials_for(&aws, both).unwrap().access_key_id,
        "AKIAAWS"
    );
    let local = Endpoint::parse(LOCAL).unwrap();
    assert_eq!(
        credentials_for(&local, both).unwrap().access_key_id,
        "LOCAL"
    );
    assert_eq!(
        credentials_for(&local, |_| None).unwrap(),
        Credentials::local_default()
    );
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
            api::JOBS,
            &[],
            json_body(&json!({"n": 2})),
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
    let staged = format!("/prod{}", api::JOBS);
    assert_eq!(
        verifier.verify(&arrived_at(&staged), now),
        Ok("AKIDSTAGE".to_owned())
    );
    assert_eq!(
        verifier.verify(&arrived_at(api::JOBS), now),
        Err(AuthError::BadSignature)
    );
}
