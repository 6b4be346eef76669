//! The HTTP side: the region and credentials to sign with, and signed calls
//! to the API.

use std::time::{Duration, SystemTime};

use http::header::{CONTENT_TYPE, HOST};
use http::Method;
use serde::de::DeserializeOwned;

use crate::diagnosis::{error_from_response, ErrorContext};
use crate::endpoint::Endpoint;
use crate::errors::ApiError;
use crate::signing::{self, CredentialSource, Credentials};

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
pub(crate) fn credentials_for(
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
pub(crate) struct Response {
    pub(crate) headers: http::HeaderMap,
    pub(crate) body: Vec<u8>,
    url: String,
}

impl Response {
    /// The body read as `T`: the one definition of what the API sends.
    pub(crate) fn json<T: DeserializeOwned>(&self) -> Result<T, ApiError> {
        serde_json::from_slice(&self.body).map_err(|e| ApiError::Unexpected {
            url: self.url.clone(),
            detail: format!(
                "the body is not the {} expected ({e})",
                short_type_name::<T>()
            ),
        })
    }

    /// The body as any JSON, for `--json` output.
    pub(crate) fn raw(&self) -> Result<serde_json::Value, ApiError> {
        self.json()
    }

    pub(crate) fn header(&self, name: http::header::HeaderName) -> Option<&str> {
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
    pub(crate) async fn call(
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
pub(crate) fn json_body(body: &impl serde::Serialize) -> Option<Vec<u8>> {
    Some(serde_json::to_vec(body).expect("a request body serializes"))
}

#[cfg(test)]
mod tests;
