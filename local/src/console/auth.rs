//! Who may use the console: whoever holds the token the stack printed at
//! start (random per start, valid while it runs). Opening any console URL
//! with `?token=` sets it as an HttpOnly, SameSite=Strict cookie and drops
//! it from the address bar; every other request must carry the cookie.
//! Requests that change something must also come from the console's own
//! origin, so another site open in the same browser cannot make them.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::header::{CACHE_CONTROL, COOKIE, HOST, LOCATION, ORIGIN, SET_COOKIE};
use http::{HeaderMap, HeaderValue, Method, StatusCode};
use maud::html;
use tracing::warn;

pub(crate) const COOKIE_NAME: &str = "jobs_console";

/// The secret that opens the console.
#[derive(Clone)]
pub struct Token(Arc<str>);

impl Token {
    /// 256 random bits, as hex.
    pub fn random() -> Self {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).expect("the operating system gives random bytes");
        Self(hex::encode(bytes).into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Compares in time independent of where the texts differ.
    pub fn matches(&self, candidate: &str) -> bool {
        let (a, b) = (self.0.as_bytes(), candidate.as_bytes());
        a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
    }
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Token(..)")
    }
}

fn cookie_token(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE_NAME)
        .map(|(_, value)| value)
}

/// The `token` query parameter, and the query without it.
fn split_token(query: Option<&str>) -> (Option<String>, String) {
    let mut token = None;
    let mut rest = Vec::new();
    for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        match pair.strip_prefix("token=") {
            Some(t) => token = Some(t.to_owned()),
            None => rest.push(pair),
        }
    }
    (token, rest.join("&"))
}

/// Whether a state-changing request comes from the console's own origin:
/// its `Origin` is `http://` and the `Host` it was sent to. Browsers send
/// `Origin` on every POST; a request without one is refused too.
fn same_origin(headers: &HeaderMap) -> bool {
    let origin = headers.get(ORIGIN).and_then(|v| v.to_str().ok());
    let host = headers.get(HOST).and_then(|v| v.to_str().ok());
    match (origin, host) {
        (Some(origin), Some(host)) => origin == format!("http://{host}"),
        _ => false,
    }
}

fn refusal(status: StatusCode, title: &str, why: &str) -> Response {
    let page = html! {
        (maud::DOCTYPE)
        html lang="en" {
            head { meta charset="utf-8"; title { "Jobs console: " (title) } }
            body {
                h1 { (title) }
                p { (why) }
            }
        }
    };
    (status, [(CACHE_CONTROL, "no-store")], page).into_response()
}

pub(crate) async fn guard(State(token): State<Token>, request: Request, next: Next) -> Response {
    let safe = matches!(*request.method(), Method::GET | Method::HEAD);
    let (offered, rest) = split_token(request.uri().query());
    if let (true, Some(offered)) = (safe, offered) {
        if !token.matches(&offered) {
            warn!(path = %request.uri().path(), "console opened with a wrong token");
            return refusal(
                StatusCode::FORBIDDEN,
                "This console link is not valid",
                "The token in the link is not the one this stack printed. Each start of the stack \
                 makes a new one: open the Console URL it printed, or print it again with `jobs local console`.",
            );
        }
        let path = request.uri().path();
        let target = if rest.is_empty() {
            path.to_owned()
        } else {
            format!("{path}?{rest}")
        };
        let cookie = format!(
            "{COOKIE_NAME}={}; Path=/console; HttpOnly; SameSite=Strict",
            token.as_str()
        );
        let mut response = StatusCode::SEE_OTHER.into_response();
        let headers = response.headers_mut();
        headers.insert(
            LOCATION,
            HeaderValue::from_str(&target).unwrap_or(HeaderValue::from_static("/console/jobs")),
        );
        headers.insert(
            SET_COOKIE,
            HeaderValue::from_str(&cookie).expect("hex is a header value"),
        );
        return response;
    }
    if !cookie_token(request.headers()).is_some_and(|c| token.matches(c)) {
        return refusal(
            StatusCode::UNAUTHORIZED,
            "Open the console with its link",
            "The console opens with the link the local stack printed at start (the Console line). \
             `jobs local console` prints it again for whoever holds the stack's credentials.",
        );
    }
    if !safe && !same_origin(request.headers()) {
        warn!(method = %request.method(), path = %request.uri().path(), "cross-origin console request refused");
        return refusal(
            StatusCode::FORBIDDEN,
            "Cross-origin request refused",
            "Changes can only be made from the console's own pages.",
        );
    }
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert("x-frame-options", HeaderValue::from_static("DENY"));
    headers.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    // Not no-referrer: with it, a browser sends `Origin: null` on the
    // console's own form posts, which the origin check must refuse.
    headers.insert("referrer-policy", HeaderValue::from_static("same-origin"));
    headers.insert(
        "content-security-policy",
        HeaderValue::from_static(
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; \
             connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_random_and_compared_whole() {
        let (a, b) = (Token::random(), Token::random());
        assert_eq!(a.as_str().len(), 64);
        assert_ne!(a.as_str(), b.as_str());
        assert!(a.matches(a.as_str()));
        assert!(!a.matches(b.as_str()));
        assert!(!a.matches(&a.as_str()[..63]));
        assert!(!a.matches(""));
    }

    #[test]
    fn the_token_is_taken_out_of_the_query() {
        assert_eq!(
            split_token(Some("token=abc")),
            (Some("abc".into()), String::new())
        );
        assert_eq!(
            split_token(Some("status=Running&token=abc&q=1")),
            (Some("abc".into()), "status=Running&q=1".into())
        );
        assert_eq!(split_token(None), (None, String::new()));
    }

    #[test]
    fn the_cookie_is_found_among_others() {
        let mut h = HeaderMap::new();
        h.insert(
            COOKIE,
            HeaderValue::from_static("a=1; jobs_console=xyz; b=2"),
        );
        assert_eq!(cookie_token(&h), Some("xyz"));
        h.insert(COOKIE, HeaderValue::from_static("jobs_console_other=xyz"));
        assert_eq!(cookie_token(&h), None);
    }
}
