//! Helpers shared by the integration tests: a stack on 127.0.0.1 with a
//! random port and a temporary data directory, and a signing HTTP client
//! that shows every response, errors included.
#![allow(dead_code, unused_imports)]

use jobs_wire as wire;
use std::time::{Duration, SystemTime};

use http::{HeaderMap, Method, StatusCode};
use jobs_client::signing::{sign_request, Credentials};
use jobs_local::{Config, Stack};
use serde_json::Value;

pub const KEY: &str = jobs_local::config::DEFAULT_ACCESS_KEY_ID;
pub const SECRET: &str = jobs_local::config::DEFAULT_SECRET_ACCESS_KEY;

pub async fn start(dir: &std::path::Path) -> Stack {
    start_with(Config::ephemeral(dir.to_path_buf())).await
}

pub async fn start_with(config: Config) -> Stack {
    Stack::start(config).await.expect("the stack starts")
}

/// A stack on STANDARD running `tests/fixtures/approval.asl.json`: the job, a Lambda step of
/// its own run in-process (the example notify function, declared in the fixture manifest
/// `functions.json`), a mocked SNS publish, then Approve, which publishes its task token
/// (`.waitForTaskToken`, answered by the mock file) and waits. Data lives in `dir/data`, so
/// a second call on the same `dir` is the same stack restarted.
pub fn approval_config(dir: &std::path::Path) -> Config {
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut config = Config::ephemeral(dir.join("data"));
    config.workflow = Some(fixtures.join("approval.asl.json"));
    config.functions = Some(fixtures.join("functions.json"));
    config.workflow_type = "STANDARD".parse().expect("a workflow type");
    config.mocks = Some(jobs_local::config::Mocks {
        file: fixtures.join("approval.mocks.json"),
        state_machine: None,
        test_case: None,
    });
    config
}

/// The token an approval step handed on (its publish's Message), once it is scheduled.
pub fn approval_token(execution: &Value) -> Option<String> {
    execution["events"].as_array()?.iter().find_map(|ev| {
        let d = &ev["taskScheduledEventDetails"];
        (d["resource"] == "publish.waitForTaskToken").then(|| {
            let p: Value = serde_json::from_str(d["parameters"].as_str().unwrap()).unwrap();
            let message = p["Message"].as_str().unwrap();
            let (_, token) = message.split_once("its task token: ").unwrap();
            token.to_owned()
        })
    })
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
}

#[derive(Clone)]
pub struct Api {
    pub base: String,
    pub credentials: Credentials,
    pub region: String,
    http: reqwest::Client,
}

/// How to sign a request, or not.
#[derive(Clone, Copy)]
pub enum Signing<'a> {
    Signed,
    Unsigned,
    At(SystemTime),
    With(&'a Credentials),
}

impl Api {
    pub fn new(base: &str) -> Self {
        Self {
            base: base.to_owned(),
            credentials: Credentials::new(KEY, SECRET, None),
            region: "us-east-1".into(),
            http: reqwest::Client::builder().no_proxy().build().unwrap(),
        }
    }

    pub fn of(stack: &Stack) -> Self {
        Self::new(&stack.base_url())
    }

    pub fn request(
        &self,
        method: Method,
        path: &str,
        body: Option<&[u8]>,
        headers: &[(&str, &str)],
        signing: Signing<'_>,
    ) -> http::Request<Vec<u8>> {
        let host = self.base.trim_start_matches("http://").to_owned();
        let mut builder = http::Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.base))
            .header("host", host);
        if body.is_some() {
            builder = builder.header("content-type", "application/json");
        }
        for (k, v) in headers {
            builder = builder.header(*k, *v);
        }
        let mut request = builder.body(body.unwrap_or_default().to_vec()).unwrap();
        let (credentials, time) = match signing {
            Signing::Unsigned => return request,
            Signing::Signed => (&self.credentials, SystemTime::now()),
            Signing::At(t) => (&self.credentials, t),
            Signing::With(c) => (c, SystemTime::now()),
        };
        sign_request(&mut request, credentials, &self.region, time).unwrap();
        request
    }

    pub async fn send(&self, request: http::Request<Vec<u8>>) -> Reply {
        let request = reqwest::Request::try_from(request).unwrap();
        let response = self.http.execute(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.unwrap();
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into()))
        };
        Reply {
            status,
            headers,
            body,
        }
    }

    pub async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<&str>,
        headers: &[(&str, &str)],
    ) -> Reply {
        let request = self.request(
            method,
            path,
            body.map(str::as_bytes),
            headers,
            Signing::Signed,
        );
        self.send(request).await
    }

    /// Submits the job's own example: a body any job accepts.
    pub async fn submit_example(&self) -> String {
        self.submit(&example()).await
    }

    pub async fn submit(&self, parameters: &Value) -> String {
        let reply = self
            .call(
                Method::POST,
                wire::api::JOBS,
                Some(&parameters.to_string()),
                &[],
            )
            .await;
        assert_eq!(reply.status, StatusCode::ACCEPTED, "{:?}", reply.body);
        reply.body["id"].as_str().unwrap().to_owned()
    }

    pub async fn job(&self, id: &str) -> Reply {
        self.call(Method::GET, &wire::api::job(id), None, &[]).await
    }

    pub async fn executions(&self, id: &str) -> Reply {
        self.call(Method::GET, &wire::local::executions(id), None, &[])
            .await
    }

    /// Polls until the job reaches `status`; panics after `within`.
    pub async fn wait_for(&self, id: &str, status: &str, within: Duration) -> Value {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let reply = self.job(id).await;
            if reply.status == StatusCode::OK && reply.body["status"] == status {
                return reply.body;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "job {id} did not reach {status}: {:?}",
                reply.body
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Polls until the job has an execution matching `pred`.
    pub async fn wait_for_execution(
        &self,
        id: &str,
        within: Duration,
        pred: impl Fn(&Value) -> bool,
    ) -> Value {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let reply = self.executions(id).await;
            if reply.status == StatusCode::OK {
                if let Some(e) = reply.body["executions"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|e| pred(e))
                {
                    return e.clone();
                }
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "job {id} has no such execution: {:?}",
                reply.body
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

pub async fn count(stack: &Stack, table: &'static str) -> i64 {
    stack
        .db
        .read(move |c| Ok(c.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))?))
        .await
        .unwrap()
}

/// Long enough for the job's example to run, with room for a slow machine.
pub const QUICK: Duration = Duration::from_secs(30);

pub use jobs_local::testing::{example, other_than_example};

/// A `/local/tasks/*` answer refused with the Step Functions error `name` (400, its message
/// starting with the name).
pub fn assert_refused(reply: &Reply, name: &str) {
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    let message = reply.body["message"].as_str().unwrap_or_default();
    assert!(message.starts_with(&format!("{name}: ")), "{}", reply.body);
}
