//! Where a jobs API lives: its base URL, and the URLs of its routes under it.

use reqwest::Url;

use crate::errors::ApiError;

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
    pub(crate) fn url(&self, path: &str, query: &[(&str, &str)]) -> Url {
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
    pub(crate) fn host_header(&self) -> String {
        let host = self.base.host_str().unwrap_or_default();
        match self.base.port() {
            Some(port) => format!("{host}:{port}"),
            None => host.to_owned(),
        }
    }

    /// True for AWS endpoints (API Gateway's own host names).
    pub(crate) fn is_aws(&self) -> bool {
        let host = self.base.host_str().unwrap_or_default();
        host.ends_with(".amazonaws.com") || host.ends_with(".amazonaws.com.cn")
    }

    /// The region named by an API Gateway host
    /// (`{api-id}.execute-api.{region}.amazonaws.com`).
    pub(crate) fn region_in_host(&self) -> Option<String> {
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
    pub(crate) fn check_reachable(&self, tls_built: bool) -> Result<(), ApiError> {
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

#[cfg(test)]
mod tests {
    use jobs_wire::{api, local};

    use super::*;

    const AWS: &str = "https://abc123.execute-api.us-east-1.amazonaws.com/prod";

    #[test]
    fn urls_keep_the_base_path_of_a_deployed_stage() {
        let one_job = api::job("3f2c9a4e-8d1b-4c6a-9e2f-0b7d5a1c3e9f");
        let cases = [
            ("http://127.0.0.1:3000", api::JOBS, "http://127.0.0.1:3000/jobs"),
            ("http://127.0.0.1:3000/", api::JOBS, "http://127.0.0.1:3000/jobs"),
            (
                "https://abc123.execute-api.eu-west-1.amazonaws.com/prod",
                one_job.as_str(),
                "https://abc123.execute-api.eu-west-1.amazonaws.com/prod/jobs/3f2c9a4e-8d1b-4c6a-9e2f-0b7d5a1c3e9f",
            ),
            (
                "https://abc123.execute-api.eu-west-1.amazonaws.com/prod/",
                api::JOBS,
                "https://abc123.execute-api.eu-west-1.amazonaws.com/prod/jobs",
            ),
            (
                "https://api.example.com/v1/jobs-api//",
                api::JOBS,
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
            local::ARCHIVE,
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
    fn https_needs_a_build_with_tls_and_says_how_to_get_one() {
        let aws = Endpoint::parse(AWS).unwrap();
        let local = Endpoint::parse("http://127.0.0.1:3000").unwrap();
        assert!(aws.check_reachable(true).is_ok());
        assert!(local.check_reachable(false).is_ok());
        let err = aws.check_reachable(false).unwrap_err().to_string();
        assert!(err.contains("--features aws"), "{err}");
        assert!(err.starts_with(AWS), "{err}");
    }
}
