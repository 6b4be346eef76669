//! The HTTP side: where the API lives, signed calls to it, and what its
//! errors mean for the person at the terminal.

use std::time::{Duration, SystemTime};

use http::header::{CONTENT_TYPE, HOST};
use http::{Method, StatusCode};
use reqwest::Url;
use serde_json::Value;

use crate::signing::{self, CredentialSource, Credentials};

pub const START_LOCAL_STACK: &str = "cargo run --profile local -p jobs -- local start";

/// The base URL of a jobs API: the local stack (`http://127.0.0.1:3000`) or a
/// deployed stage (`https://abc123.execute-api.eu-west-1.amazonaws.com/prod`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoint {
    base: Url,
}

impl Endpoint {
    pub fn parse(text: &str) -> Result<Self, ApiError> {
        let bad = |why: &str| ApiError::BadUrl(format!("--url {text:?} {why}"));
        let base = Url::parse(text.trim()).map_err(|e| bad(&format!("is not a URL ({e})")))?;
        if !matches!(base.scheme(), "http" | "https") {
            return Err(bad("must start with http:// or https://"));
        }
        if base.host_str().is_none_or(str::is_empty) {
            return Err(bad("has no host"));
        }
        if base.query().is_some() || base.fragment().is_some() {
            return Err(bad("must not have a query or a fragment"));
        }
        if !base.username().is_empty() || base.password().is_some() {
            return Err(bad(
                "must not carry credentials; requests are signed with SigV4",
            ));
        }
        Ok(Self { base })
    }

    /// The URL of `path` (which starts with `/`) under the base URL, keeping
    /// any base path such as an API Gateway stage (`/prod`).
    pub fn url(&self, path: &str, query: &[(&str, &str)]) -> Url {
        debug_assert!(path.starts_with('/'));
        let mut url = self.base.clone();
        let joined = format!("{}{}", self.base.path().trim_end_matches('/'), path);
        url.set_path(&joined);
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        url
    }

    /// The `Host` header as it goes on the wire: the port only when it is not
    /// the scheme's default, as HTTP clients and SigV4 verifiers expect.
    pub fn host_header(&self) -> String {
        let host = self.base.host_str().unwrap_or_default();
        match self.base.port() {
            Some(port) => format!("{host}:{port}"),
            None => host.to_owned(),
        }
    }

    /// True for AWS endpoints (API Gateway's own host names).
    pub fn is_aws(&self) -> bool {
        let host = self.base.host_str().unwrap_or_default();
        host.ends_with(".amazonaws.com") || host.ends_with(".amazonaws.com.cn")
    }

    /// The region named by an API Gateway host
    /// (`{api-id}.execute-api.{region}.amazonaws.com`).
    pub fn region_in_host(&self) -> Option<String> {
        let host = self.base.host_str()?;
        let mut labels = host.split('.');
        let (_api, service, region) = (labels.next()?, labels.next()?, labels.next()?);
        (service == "execute-api" && labels.next() == Some("amazonaws")).then(|| region.to_owned())
    }

    pub fn as_str(&self) -> &str {
        self.base.as_str().trim_end_matches('/')
    }

    /// Refuses an HTTPS endpoint when the binary was built without TLS,
    /// with what to do instead of a transport error.
    pub fn check_reachable(&self, tls_built: bool) -> Result<(), ApiError> {
        if self.base.scheme() == "https" && !tls_built {
            return Err(ApiError::NoTls {
                url: self.to_string(),
            });
        }
        Ok(())
    }
}

impl std::fmt::Display for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The region to sign for: `--region`, else the one in an API Gateway host
/// name, else the environment (the AWS variables for AWS, the local stack's
/// for anything else), else the local stack's default.
pub fn resolve_region(
    flag: Option<&str>,
    endpoint: &Endpoint,
    lookup: impl Fn(&str) -> Option<String>,
) -> String {
    let get = |name: &str| lookup(name).filter(|v| !v.is_empty());
    if let Some(region) = flag.filter(|r| !r.is_empty()) {
        return region.to_owned();
    }
    if let Some(region) = endpoint.region_in_host() {
        return region;
    }
    let from_env = if endpoint.is_aws() {
        get("AWS_REGION").or_else(|| get("AWS_DEFAULT_REGION"))
    } else {
        get("JOBS_LOCAL_REGION")
    };
    from_env.unwrap_or_else(|| signing::LOCAL_REGION.to_owned())
}

/// The credentials to sign with. An AWS endpoint takes only the standard AWS
/// variables: the local stack's variables or development credentials could
/// never be valid there, and a clear message beats a 403.
pub fn credentials_for(
    endpoint: &Endpoint,
    lookup: impl Fn(&str) -> Option<String>,
) -> Result<Credentials, ApiError> {
    if !endpoint.is_aws() {
        return Ok(Credentials::from_lookup(lookup));
    }
    let aws_only = |name: &str| {
        if name.starts_with("AWS_") {
            lookup(name)
        } else {
            None
        }
    };
    let credentials = Credentials::from_lookup(aws_only);
    if credentials.source != CredentialSource::AwsEnv {
        return Err(ApiError::NoCredentials {
            url: endpoint.to_string(),
        });
    }
    Ok(credentials)
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error(
        "no AWS credentials to sign requests to {url}: set AWS_ACCESS_KEY_ID and \
         AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for temporary credentials), e.g. \
         `eval \"$(aws configure export-credentials --format env)\"`"
    )]
    NoCredentials { url: String },
    #[error("{0}")]
    BadUrl(String),
    /// The default build talks plain HTTP to a local stack only, so that it
    /// builds fast; TLS comes with the AWS side.
    #[error(
        "{url} needs HTTPS, and this jobs binary was built for the local stack only; \
         build it with the aws feature to call a deployed stack: \
         `cargo install --locked --path local/cli --features aws` (see docs/deploy.md)"
    )]
    NoTls { url: String },
    #[error(
        "no jobs API at {url}; start the local stack with `{START_LOCAL_STACK}` or pass --url"
    )]
    NoServer { url: String },
    #[error("cannot reach {url}: {detail}")]
    Unreachable { url: String, detail: String },
    #[error("{message}\nhint: {hint}")]
    Forbidden { message: String, hint: String },
    /// 400, 404, 422 and the like: the server's own words say what is wrong.
    #[error("{message}")]
    Rejected { status: StatusCode, message: String },
    #[error("the jobs API failed with {status}: {message}")]
    Server { status: StatusCode, message: String },
    #[error("{0}")]
    LocalOnly(String),
    #[error("unexpected response from {url}: {detail}")]
    Unexpected { url: String, detail: String },
    #[error(transparent)]
    Sign(#[from] signing::SignError),
}

impl ApiError {
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Self::Rejected { status, .. } | Self::Server { status, .. } => Some(*status),
            Self::Forbidden { .. } => Some(StatusCode::FORBIDDEN),
            _ => None,
        }
    }
}

/// What a command needs from the local stack only, and what to use on AWS
/// instead.
pub fn local_only(command: &str, endpoint: &Endpoint) -> ApiError {
    let instead = match command {
        "history" => {
            "on AWS, open the Step Functions console: executions are named with the job id \
             (Express workflows: the state machine's log group holds every event)"
        }
        "archive" => {
            "on AWS, see the failed-jobs event bus archive in the EventBridge console \
             (`aws events describe-archive --archive-name ...`)"
        }
        "replay" => "on AWS, use `aws events start-replay` on the failed-jobs archive",
        _ => "fault injection exists only in the local stack",
    };
    ApiError::LocalOnly(format!(
        "`{command}` is a local-stack command and {endpoint} is not a local stack; {instead}"
    ))
}

/// What the caller knew when a response came back, for error messages.
#[derive(Clone, Debug)]
pub struct ErrorContext<'a> {
    pub endpoint: &'a Endpoint,
    pub region: &'a str,
    pub credentials: CredentialSource,
    pub path: &'a str,
}

/// Turns a non-2xx response into an error that says what to do.
pub fn error_from_response(
    ctx: &ErrorContext<'_>,
    status: StatusCode,
    body: &[u8],
    request_id: Option<&str>,
) -> ApiError {
    let json: Option<Value> = serde_json::from_slice(body).ok();
    let text = || {
        let text = String::from_utf8_lossy(body);
        let text = text.trim();
        if text.is_empty() {
            status.canonical_reason().unwrap_or("no message").to_owned()
        } else {
            text.chars().take(300).collect()
        }
    };
    let field = |name: &str| {
        json.as_ref()
            .and_then(|j| j.get(name))
            .and_then(|v| match v {
                Value::String(s) => Some(s.clone()),
                Value::Null => None,
                other => Some(other.to_string()),
            })
            .filter(|s| !s.is_empty())
    };
    let mut message = field("message")
        .or_else(|| field("Message"))
        .unwrap_or_else(text);
    if let Some(details) = field("details") {
        message = format!("{message}: {details}");
    }
    let with_request_id = |message: String| match request_id {
        Some(id) => format!("{message} (request id {id})"),
        None => message,
    };

    if status == StatusCode::FORBIDDEN {
        if message.contains("Missing Authentication Token") && ctx.path.starts_with("/local/") {
            let command = local_command_of(ctx.path);
            return local_only(command, ctx.endpoint);
        }
        return ApiError::Forbidden {
            hint: forbidden_hint(ctx, &message),
            message: with_request_id(message),
        };
    }
    if status.is_server_error() {
        return ApiError::Server {
            status,
            message: with_request_id(message),
        };
    }
    if status.is_client_error() {
        return ApiError::Rejected { status, message };
    }
    ApiError::Unexpected {
        url: ctx.endpoint.url(ctx.path, &[]).to_string(),
        detail: format!("{status}: {message}"),
    }
}

fn local_command_of(path: &str) -> &'static str {
    if path.starts_with("/local/jobs/") {
        "history"
    } else if path.starts_with("/local/archive") {
        "archive"
    } else if path.starts_with("/local/replays") {
        "replay"
    } else {
        "faults"
    }
}

fn forbidden_hint(ctx: &ErrorContext<'_>, message: &str) -> String {
    let signed_with = format!(
        "the request was signed with {} for region {}",
        ctx.credentials, ctx.region
    );
    let lower = message.to_ascii_lowercase();
    if lower.contains("missing authentication token") {
        return if ctx.endpoint.is_aws() {
            format!(
                "API Gateway has no such route: check that --url {} includes the stage (e.g. .../prod)",
                ctx.endpoint
            )
        } else {
            format!("the server has no such route: check --url {}", ctx.endpoint)
        };
    }
    if lower.contains("signature expired") || lower.contains("signature not yet current") {
        return "this machine's clock is more than 5 minutes off; fix the clock and retry"
            .to_owned();
    }
    if lower.contains("security token included in the request is invalid")
        || lower.contains("security token") && lower.contains("expired")
    {
        return if ctx.endpoint.is_aws() {
            format!(
                "{signed_with}; these credentials are not valid for this account: export fresh ones \
                 (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), e.g. \
                 `eval \"$(aws configure export-credentials --format env)\"`"
            )
        } else {
            format!(
                "{signed_with}; the local stack knows only the access key it printed at start: \
                 set JOBS_LOCAL_ACCESS_KEY_ID and JOBS_LOCAL_SECRET_ACCESS_KEY to those"
            )
        };
    }
    if lower.contains("signature") && lower.contains("does not match") {
        return format!(
            "{signed_with}; check the secret access key and that --region matches the API's region"
        );
    }
    if lower.contains("credential should be scoped") || lower.contains("region") {
        return format!("{signed_with}; pass --region with the API's region");
    }
    if ctx.endpoint.is_aws() {
        format!(
            "{signed_with}; the caller needs execute-api:Invoke on this API: check the credentials \
             and --region"
        )
    } else {
        format!("{signed_with}; check the credentials and --region")
    }
}

/// A 2xx response with its JSON body (`Value::Null` when empty).
#[derive(Debug)]
pub struct Response {
    pub status: StatusCode,
    pub headers: http::HeaderMap,
    pub body: Value,
}

/// Signs and sends requests to one jobs API.
#[derive(Clone, Debug)]
pub struct ApiClient {
    endpoint: Endpoint,
    region: String,
    credentials: Credentials,
    http: reqwest::Client,
}

impl ApiClient {
    pub fn new(
        endpoint: Endpoint,
        region: String,
        credentials: Credentials,
    ) -> Result<Self, ApiError> {
        endpoint.check_reachable(cfg!(feature = "aws"))?;
        let mut builder = reqwest::Client::builder();
        if !endpoint.is_aws() {
            // A proxy from the environment cannot reach a stack on this machine.
            builder = builder.no_proxy();
        }
        let http = builder
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(30))
            .user_agent(concat!("jobs-client/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ApiError::Unreachable {
                url: endpoint.to_string(),
                detail: format!("cannot set up an HTTP client: {e}"),
            })?;
        Ok(Self {
            endpoint,
            region,
            credentials,
            http,
        })
    }

    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    pub fn region(&self) -> &str {
        &self.region
    }

    /// Builds the signed request; separate from sending so that tests can
    /// check exactly what goes on the wire.
    pub fn signed_request(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, &str)],
        body: Option<&Value>,
        headers: &[(&str, &str)],
        time: SystemTime,
    ) -> Result<http::Request<Vec<u8>>, ApiError> {
        let url = self.endpoint.url(path, query);
        let mut builder = http::Request::builder()
            .method(method)
            .uri(url.as_str())
            .header(HOST, self.endpoint.host_header());
        let bytes = match body {
            Some(body) => {
                builder = builder.header(CONTENT_TYPE, "application/json");
                serde_json::to_vec(body).expect("a JSON value serializes")
            }
            None => Vec::new(),
        };
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        let mut request = builder.body(bytes).map_err(|e| ApiError::Unexpected {
            url: url.to_string(),
            detail: format!("cannot build the request: {e}"),
        })?;
        signing::sign_request(&mut request, &self.credentials, &self.region, time)?;
        Ok(request)
    }

    /// Sends one signed request; any non-2xx status becomes an [`ApiError`].
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, &str)],
        body: Option<&Value>,
        headers: &[(&str, &str)],
    ) -> Result<Response, ApiError> {
        let request = self.signed_request(method, path, query, body, headers, SystemTime::now())?;
        let url = request.uri().to_string();
        let request = reqwest::Request::try_from(request).map_err(|e| ApiError::Unexpected {
            url: url.clone(),
            detail: e.to_string(),
        })?;
        let response = self
            .http
            .execute(request)
            .await
            .map_err(|e| self.transport_error(&url, e))?;
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response
            .bytes()
            .await
            .map_err(|e| self.transport_error(&url, e))?;
        if !status.is_success() {
            let request_id = headers
                .get("x-amzn-requestid")
                .and_then(|v| v.to_str().ok());
            let ctx = ErrorContext {
                endpoint: &self.endpoint,
                region: &self.region,
                credentials: self.credentials.source,
                path,
            };
            return Err(error_from_response(&ctx, status, &bytes, request_id));
        }
        let body = if bytes.iter().all(u8::is_ascii_whitespace) {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).map_err(|e| ApiError::Unexpected {
                url,
                detail: format!("the body is not JSON ({e})"),
            })?
        };
        Ok(Response {
            status,
            headers,
            body,
        })
    }

    fn transport_error(&self, url: &str, error: reqwest::Error) -> ApiError {
        if error.is_connect() && !self.endpoint.is_aws() {
            return ApiError::NoServer {
                url: self.endpoint.to_string(),
            };
        }
        let mut detail = error.to_string();
        let mut source = std::error::Error::source(&error);
        while let Some(cause) = source {
            detail = format!("{detail}: {cause}");
            source = cause.source();
        }
        if error.is_timeout() {
            detail = format!("no answer in time ({detail})");
        }
        ApiError::Unreachable {
            url: url.to_owned(),
            detail,
        }
    }
}
