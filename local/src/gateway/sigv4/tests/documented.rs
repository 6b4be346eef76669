//! The AWS SigV4 test suite's documented requests and signatures, checked
//! by our verifier.

use super::*;

const DOC_KEY: &str = "AKIDEXAMPLE";
const DOC_SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

fn doc_verifier() -> Verifier {
    Verifier::new(
        Credentials {
            access_key_id: DOC_KEY.into(),
            secret_access_key: DOC_SECRET.into(),
        },
        "us-east-1",
        "service",
    )
}

fn doc_time() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2015, 8, 30, 12, 36, 0).unwrap()
}

/// One request of the AWS SigV4 test suite, with the signature the suite
/// gives for it.
struct Vector {
    method: &'static str,
    path: &'static str,
    query: Option<&'static str>,
    headers: &'static [(&'static str, &'static str)],
    body: &'static str,
    signed_headers: &'static str,
    signature: &'static str,
}

impl Vector {
    fn headers(&self) -> HeaderMap {
        let mut map = HeaderMap::new();
        map.append("host", HeaderValue::from_static("example.amazonaws.com"));
        map.append("x-amz-date", HeaderValue::from_static("20150830T123600Z"));
        for (k, v) in self.headers {
            map.append(HeaderName::from_static(k), HeaderValue::from_static(v));
        }
        let auth = format!(
            "AWS4-HMAC-SHA256 Credential={DOC_KEY}/20150830/us-east-1/service/aws4_request, SignedHeaders={}, Signature={}",
            self.signed_headers, self.signature
        );
        map.insert("authorization", auth.parse().unwrap());
        map
    }

    fn verify(&self, verifier: &Verifier) -> Result<String, AuthError> {
        let headers = self.headers();
        verifier.verify(
            &SignedRequest {
                method: self.method,
                path: self.path,
                query: self.query,
                headers: &headers,
                body: self.body.as_bytes(),
            },
            doc_time(),
        )
    }
}

const VECTORS: &[Vector] = &[
    // get-vanilla
    Vector {
        method: "GET",
        path: "/",
        query: None,
        headers: &[],
        body: "",
        signed_headers: "host;x-amz-date",
        signature: "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
    },
    // get-vanilla-query-order-key-case
    Vector {
        method: "GET",
        path: "/",
        query: Some("Param2=value2&Param1=value1"),
        headers: &[],
        body: "",
        signed_headers: "host;x-amz-date",
        signature: "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500",
    },
    // get-header-value-trim
    Vector {
        method: "GET",
        path: "/",
        query: None,
        headers: &[("my-header1", " value1"), ("my-header2", " \"a   b   c\"")],
        body: "",
        signed_headers: "host;my-header1;my-header2;x-amz-date",
        signature: "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736",
    },
    // get-header-key-duplicate
    Vector {
        method: "GET",
        path: "/",
        query: None,
        headers: &[
            ("my-header1", "value2"),
            ("my-header1", "value2"),
            ("my-header1", "value1"),
        ],
        body: "",
        signed_headers: "host;my-header1;x-amz-date",
        signature: "c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea",
    },
    // get-vanilla-with-session-token
    Vector {
        method: "GET",
        path: "/",
        query: None,
        headers: &[(
            "x-amz-security-token",
            "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267",
        )],
        body: "",
        signed_headers: "host;x-amz-date;x-amz-security-token",
        signature: "07ec1639c89043aa0e3e2de82b96708f198cceab042d4a97044c66dd9f74e7f8",
    },
    // post-vanilla-query
    Vector {
        method: "POST",
        path: "/",
        query: Some("Param1=value1"),
        headers: &[],
        body: "",
        signed_headers: "host;x-amz-date",
        signature: "28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11",
    },
    // post-x-www-form-urlencoded
    Vector {
        method: "POST",
        path: "/",
        query: None,
        headers: &[
            ("content-length", "13"),
            ("content-type", "application/x-www-form-urlencoded"),
            (
                "x-amz-content-sha256",
                "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e",
            ),
        ],
        body: "Param1=value1",
        signed_headers: "content-length;content-type;host;x-amz-content-sha256;x-amz-date",
        signature: "d3875051da38690788ef43de4db0d8f280229d82040bfac253562e56c3f20e0b",
    },
];

#[test]
fn the_documented_signing_key_derivation() {
    // From the AWS documentation's worked example of deriving a signing key.
    let key = signing_key(DOC_SECRET, "20120215", "us-east-1", "iam");
    assert_eq!(
        hex::encode(key),
        "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d"
    );
}

#[test]
fn the_documented_canonical_request_and_string_to_sign() {
    let v = &VECTORS[1];
    let headers = v.headers();
    let req = SignedRequest {
        method: v.method,
        path: v.path,
        query: v.query,
        headers: &headers,
        body: b"",
    };
    let canonical = canonical_request(&req, &["host", "x-amz-date"]).unwrap();
    assert_eq!(
        canonical,
        "GET\n/\nParam1=value1&Param2=value2\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
    let to_sign = string_to_sign(
        "20150830T123600Z",
        "20150830/us-east-1/service/aws4_request",
        &canonical,
    );
    assert_eq!(
        to_sign,
        "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n816cd5b414d056048ba4f7c5386d6e0533120fb1fcfa93762cf0fc39e2cf19e0"
    );
}

#[test]
fn the_documented_test_suite_requests_verify() {
    let verifier = doc_verifier();
    for (i, v) in VECTORS.iter().enumerate() {
        assert_eq!(v.verify(&verifier), Ok(DOC_KEY.to_owned()), "vector {i}");
    }
}

#[test]
fn a_documented_signature_off_by_one_digit_fails() {
    let verifier = doc_verifier();
    let mut v = VECTORS[0]
        .clone_with_signature("5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf30");
    assert_eq!(v.verify(&verifier), Err(AuthError::BadSignature));
    v.signature = "short";
    assert_eq!(v.verify(&verifier), Err(AuthError::BadSignature));
}

impl Vector {
    fn clone_with_signature(&self, signature: &'static str) -> Vector {
        Vector {
            method: self.method,
            path: self.path,
            query: self.query,
            headers: self.headers,
            body: self.body,
            signed_headers: self.signed_headers,
            signature,
        }
    }
}
