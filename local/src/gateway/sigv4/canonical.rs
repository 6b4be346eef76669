//! The canonical request, the string to sign and the signing key, as the
//! SigV4 specification builds them for `execute-api`.

use hmac::{Hmac, Mac};
use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use sha2::{Digest, Sha256};

use super::request::{AuthError, SignedRequest, ALGORITHM};

/// Everything but the unreserved characters of RFC 3986.
const STRICT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');
/// As [`STRICT`], but a path keeps its slashes.
const PATH: &AsciiSet = &STRICT.remove(b'/');

/// The canonical request over the headers the client said it signed.
pub fn canonical_request(
    req: &SignedRequest<'_>,
    signed_headers: &[&str],
) -> Result<String, AuthError> {
    let mut out = String::with_capacity(256);
    out.push_str(req.method);
    out.push('\n');
    out.push_str(&canonical_path(req.path));
    out.push('\n');
    out.push_str(&canonical_query(req.query.unwrap_or("")));
    out.push('\n');
    for name in signed_headers {
        let mut values = req.headers.get_all(*name).iter().peekable();
        if values.peek().is_none() {
            // A header the client claims it signed is not here: the request
            // was altered on the way.
            return Err(AuthError::BadSignature);
        }
        out.push_str(name);
        out.push(':');
        let mut first = true;
        for value in values {
            if !first {
                out.push(',');
            }
            first = false;
            let value =
                std::str::from_utf8(value.as_bytes()).map_err(|_| AuthError::BadSignature)?;
            push_trimmed(&mut out, value);
        }
        out.push('\n');
    }
    out.push('\n');
    out.push_str(&signed_headers.join(";"));
    out.push('\n');
    out.push_str(&hex::encode(Sha256::digest(req.body)));
    Ok(out)
}

/// Trims the value and folds each run of spaces into one.
fn push_trimmed(out: &mut String, value: &str) {
    let mut last_space = false;
    for c in value.trim().chars() {
        if c == ' ' || c == '\t' {
            if !last_space {
                out.push(' ');
            }
            last_space = true;
        } else {
            out.push(c);
            last_space = false;
        }
    }
}

/// Removes dot and empty segments, then encodes the path once more: the wire
/// form is already encoded once, and `execute-api` signs it encoded twice.
pub fn canonical_path(raw: &str) -> String {
    let mut segments: Vec<&str> = Vec::new();
    for segment in raw.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            s => segments.push(s),
        }
    }
    let mut path = String::from("/");
    path.push_str(&segments.join("/"));
    let trailing = ["/", "/.", "/..", "/./", "/../"]
        .iter()
        .any(|s| raw.ends_with(s));
    if trailing && !path.ends_with('/') {
        path.push('/');
    }
    utf8_percent_encode(&path, PATH).to_string()
}

/// Decodes each name and value as a form would, re-encodes them strictly,
/// and sorts by name then value.
pub fn canonical_query(raw: &str) -> String {
    let decode = |s: &str| -> String {
        let s = s.replace('+', " ");
        percent_decode_str(&s).decode_utf8_lossy().into_owned()
    };
    let mut pairs: Vec<(String, String)> = raw
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (
                utf8_percent_encode(&decode(k), STRICT).to_string(),
                utf8_percent_encode(&decode(v), STRICT).to_string(),
            )
        })
        .collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

pub fn string_to_sign(amz_date: &str, scope: &str, canonical_request: &str) -> String {
    format!(
        "{ALGORITHM}\n{amz_date}\n{scope}\n{}",
        hex::encode(Sha256::digest(canonical_request.as_bytes()))
    )
}

pub fn signing_key(secret: &str, date: &str, region: &str, service: &str) -> [u8; 32] {
    let k_date = hmac(format!("AWS4{secret}").as_bytes(), date.as_bytes());
    let k_region = hmac(&k_date, region.as_bytes());
    let k_service = hmac(&k_region, service.as_bytes());
    hmac(&k_service, b"aws4_request")
}

pub(super) fn hmac(key: &[u8], data: &[u8]) -> [u8; 32] {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes a key of any length");
    mac.update(data);
    mac.finalize().into_bytes().into()
}

/// Compares without an early exit, so the time taken says nothing about how
/// much of a guessed signature was right.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
