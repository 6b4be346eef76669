//! The stack's one Router as API Gateway would front it: every declared
//! route needs a signature, everything else is "Missing Authentication
//! Token" signed or not, and only `POST /jobs` has a body model.

mod common;

use jobs_wire as wire;
use std::time::{Duration, SystemTime};

use aws_sigv4::http_request::{
    sign, SignableBody, SignableRequest, SignatureLocation, SigningSettings,
};
use aws_sigv4::sign::v4;
use common::{count, Api, Signing};
use http::{Method, StatusCode};
use serde_json::json;

const ID: &str = "3f2c9a4e-8d1b-4c6a-9e2f-0b7d5a1c3e9f";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_needs_a_signature_and_nothing_else_is_routed() {
    let dir = tempfile::tempdir().unwrap();
    let stack = common::start(dir.path()).await;
    let api = Api::of(&stack);

    let example = common::example().to_string();
    let routes: [(Method, String, Option<&[u8]>); 7] = [
        (
            Method::POST,
            wire::api::JOBS.into(),
            Some(example.as_bytes()),
        ),
        (Method::GET, wire::api::job(ID), None),
        (Method::GET, wire::local::executions(ID), None),
        (Method::GET, wire::local::ARCHIVE.into(), None),
        (Method::POST, wire::local::REPLAYS.into(), Some(b"{}")),
        (Method::GET, wire::local::FAULTS.into(), None),
        (Method::PUT, wire::local::FAULTS.into(), Some(b"{}")),
    ];
    for (method, path, body) in &routes {
        let unsigned = api
            .send(api.request(method.clone(), path, *body, &[], Signing::Unsigned))
            .await;
        assert_eq!(unsigned.status, StatusCode::FORBIDDEN, "{method} {path}");
        assert_eq!(
            unsigned.body,
            json!({"message": "Missing Authentication Token"}),
            "{method} {path}"
        );
        let signed = api
            .send(api.request(method.clone(), path, *body, &[], Signing::Signed))
            .await;
        assert_ne!(signed.status, StatusCode::FORBIDDEN, "{method} {path}");
        assert!(signed.headers.contains_key("x-amzn-requestid"));
    }

    for (method, path) in [
        (Method::GET, wire::api::JOBS),
        (Method::DELETE, wire::api::job(ID).as_str()),
        (Method::GET, format!("{}/", wire::api::JOBS).as_str()),
        (Method::GET, wire::api::job("a/b").as_str()),
        (Method::POST, wire::api::job("x").as_str()),
        (Method::GET, "/"),
        (Method::DELETE, wire::local::FAULTS),
        (Method::GET, wire::local::REPLAYS),
        (Method::GET, format!("{}jobs", wire::local::PREFIX).as_str()),
    ] {
        let signed = api.call(method.clone(), path, None, &[]).await;
        assert_eq!(signed.status, StatusCode::FORBIDDEN, "{method} {path}");
        assert_eq!(
            signed.body,
            json!({"message": "Missing Authentication Token"}),
            "{method} {path}"
        );
        assert!(signed.headers.contains_key("x-amzn-requestid"));
    }
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_route_with_a_model_validates_its_body() {
    let dir = tempfile::tempdir().unwrap();
    let stack = common::start(dir.path()).await;
    let api = Api::of(&stack);

    let mut unknown = common::example();
    unknown["surely_not_a_parameter"] = json!(0);
    let bad = api
        .call(
            Method::POST,
            wire::api::JOBS,
            Some(&unknown.to_string()),
            &[],
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(bad.body["message"], "Invalid request body");
    assert!(bad.body["details"]
        .as_str()
        .unwrap()
        .contains("surely_not_a_parameter"));
    assert_eq!(count(&stack, "jobs").await, 0);

    // The faults endpoint has no model: its own handler explains the body.
    let faults = api
        .call(
            Method::PUT,
            wire::local::FAULTS,
            Some(&unknown.to_string()),
            &[],
        )
        .await;
    assert_eq!(faults.status, StatusCode::BAD_REQUEST);
    assert_ne!(faults.body["message"], "Invalid request body");
    assert!(faults.body["message"]
        .as_str()
        .unwrap()
        .contains("errorHandlerStoreWrites"));
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_presigned_get_reads_a_job() {
    let dir = tempfile::tempdir().unwrap();
    let stack = common::start(dir.path()).await;
    let api = Api::of(&stack);
    let id = api.submit_example().await;

    let presigned = presign(&api, &wire::api::job(&id), 300);
    let reply = api.send(presigned).await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    assert_eq!(reply.body["id"], id.as_str());

    let mut moved = presign(&api, &wire::api::job(&id), 300);
    *moved.uri_mut() = moved.uri().to_string().replace(&id, ID).parse().unwrap();
    let reply = api.send(moved).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert!(reply.body["message"]
        .as_str()
        .unwrap()
        .starts_with("The request signature we calculated does not match"));
    stack.stop().await;
}

/// A presigned GET, the signature in the query string, as an SDK makes it.
fn presign(api: &Api, path: &str, expires: u64) -> http::Request<Vec<u8>> {
    let mut request = api.request(Method::GET, path, None, &[], Signing::Unsigned);
    let identity = aws_credential_types::Credentials::new(
        &api.credentials.access_key_id,
        &api.credentials.secret_access_key,
        None,
        None,
        "test",
    )
    .into();
    let mut settings = SigningSettings::default();
    settings.signature_location = SignatureLocation::QueryParams;
    settings.expires_in = Some(Duration::from_secs(expires));
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(&api.region)
        .name("execute-api")
        .time(SystemTime::now())
        .settings(settings)
        .build()
        .unwrap()
        .into();
    let headers: Vec<(String, String)> = request
        .headers()
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_str().unwrap().to_owned()))
        .collect();
    let signable = SignableRequest::new(
        "GET",
        request.uri().to_string(),
        headers.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        SignableBody::Bytes(b""),
    )
    .unwrap();
    let (instructions, _) = sign(signable, &params).unwrap().into_parts();
    instructions.apply_to_request_http1x(&mut request);
    request
}
