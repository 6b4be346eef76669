//! The HTTP side: where the API lives and signed calls to it.

use std::time::{Duration, SystemTime};

use http::header::{CONTENT_TYPE, HOST};
use http::{Method, StatusCode};
use reqwest::Url;
use serde::de::DeserializeOwned;

pub use crate::errors::{error_from_response, ApiError, ErrorContext};
use crate::signing::{self, CredentialSource, Credentials};

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

/// A 2xx response.
#[derive(Debug)]
pub struct Response {
    pub status: StatusCode,
    pub headers: http::HeaderMap,
    pub body: Vec<u8>,
    url: String,
}

impl Response {
    /// The body read as `T`: the one definition of what the API sends.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, ApiError> {
        serde_json::from_slice(&self.body).map_err(|e| ApiError::Unexpected {
            url: self.url.clone(),
            detail: format!(
                "the body is not the {} expected ({e})",
                short_type_name::<T>()
            ),
        })
    }

    /// The body as any JSON, for `--json` output.
    pub fn raw(&self) -> Result<serde_json::Value, ApiError> {
        self.json()
    }

    pub fn header(&self, name: http::header::HeaderName) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

fn short_type_name<T>() -> &'static str {
    let full = std::any::type_name::<T>();
    full.rsplit("::").next().unwrap_or(full)
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

    pub fn credentials(&self) -> &Credentials {
        &self.credentials
    }

    /// Builds the signed request; separate from sending so that tests can
    /// check exactly what goes on the wire.
    pub fn signed_request(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, &str)],
        body: Option<Vec<u8>>,
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
                body
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
        body: Option<Vec<u8>>,
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
                credentials: &self.credentials.source,
                path,
            };
            return Err(error_from_response(&ctx, status, &bytes, request_id));
        }
        Ok(Response {
            status,
            headers,
            body: bytes.to_vec(),
            url,
        })
    }

    fn transport_error(&self, url: &str, error: reqwest::Error) -> ApiError {
        if error.is_connect() && !self.endpoint.is_aws() && !self.credentials.source.is_aws() {
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

/// A JSON request body for [`ApiClient::call`].
pub fn json_body(body: &impl serde::Serialize) -> Option<Vec<u8>> {
    Some(serde_json::to_vec(body).expect("a request body serializes"))
}
