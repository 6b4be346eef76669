use chrono::Utc;
use jobs_domain::work::{DynWork, InvalidDocument, RunContext};
use jobs_domain::JobId;
use serde_json::{json, Value};

use super::*;

/// FIPS 180-2, appendix B.1: SHA-256 of "abc".
const SHA256_ABC: &str = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
/// BLAKE3's published value for "abc".
const BLAKE3_ABC: &str = "6437b3ac38465133ffb63b75273a8db548c558465d79db03fd359c6cd5bd9d85";
/// BLAKE3's official test vectors, input length 0.
const BLAKE3_EMPTY: &str = "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262";

fn context() -> RunContext {
    RunContext {
        id: JobId::random(),
        deadline: Utc::now(),
        span: tracing::Span::none(),
    }
}

async fn run(body: Value) -> Result<Value, JobFailure> {
    let parameters = Job.parse_body(body.to_string().as_bytes()).unwrap();
    DynWork::run(&Job, context(), &parameters).await
}

#[tokio::test]
async fn one_round_is_the_published_vector() {
    let results = run(json!({"text": "abc", "rounds": 1, "algorithm": "sha256"})).await;
    assert_eq!(results.unwrap(), json!({"digest": SHA256_ABC, "rounds": 1}));
    let results = run(json!({"text": "abc", "rounds": 1, "algorithm": "blake3"})).await;
    assert_eq!(results.unwrap(), json!({"digest": BLAKE3_ABC, "rounds": 1}));
    let results = run(json!({"text": "", "rounds": 1, "algorithm": "blake3"})).await;
    assert_eq!(
        results.unwrap(),
        json!({"digest": BLAKE3_EMPTY, "rounds": 1})
    );
}

#[tokio::test]
async fn each_round_hashes_the_previous_raw_digest() {
    use sha2::Digest;
    let first = hex::decode(SHA256_ABC).unwrap();
    let second = hex::encode(sha2::Sha256::digest(&first));
    let third = hex::encode(sha2::Sha256::digest(hex::decode(&second).unwrap()));
    let results = run(json!({"text": "abc", "rounds": 2, "algorithm": "sha256"})).await;
    assert_eq!(results.unwrap(), json!({"digest": second, "rounds": 2}));
    let results = run(json!({"text": "abc", "rounds": 3, "algorithm": "sha256"})).await;
    assert_eq!(results.unwrap(), json!({"digest": third, "rounds": 3}));

    let first = hex::decode(BLAKE3_ABC).unwrap();
    let second = blake3::hash(&first).to_hex().to_string();
    let results = run(json!({"text": "abc", "rounds": 2, "algorithm": "blake3"})).await;
    assert_eq!(results.unwrap(), json!({"digest": second, "rounds": 2}));
}

#[test]
fn bodies_are_checked_by_type_and_range() {
    let good = json!({"text": "x", "rounds": 100_000, "algorithm": "blake3"});
    assert_eq!(
        Job.parse_body(good.to_string().as_bytes())
            .unwrap()
            .to_value(),
        good
    );
    for (field, bad) in [
        ("rounds", json!(0)),
        ("rounds", json!(100_001)),
        ("rounds", json!(-1)),
        ("rounds", json!(1.5)),
        ("rounds", json!("3")),
        ("algorithm", json!("md5")),
        ("algorithm", json!("SHA256")),
        ("text", json!(7)),
        ("text", Value::Null),
    ] {
        let mut body = good.clone();
        body[field] = bad;
        let refused = Job.parse_body(body.to_string().as_bytes());
        assert!(refused.is_err(), "{body} was accepted");
    }
    let message = Job
        .parse_body(br#"{"text": "x", "rounds": 0, "algorithm": "sha256"}"#)
        .unwrap_err()
        .to_string();
    assert!(
        message.contains("from 1 to 100000") && message.contains("got 0"),
        "{message}"
    );
    for missing in ["text", "rounds", "algorithm"] {
        let mut body = good.clone();
        body.as_object_mut().unwrap().remove(missing);
        assert!(matches!(
            Job.parse_body(body.to_string().as_bytes()),
            Err(InvalidDocument::Mismatch(m)) if m.contains(missing)
        ));
    }
}

#[test]
fn an_unknown_key_is_refused() {
    let body = br#"{"text": "x", "rounds": 1, "algorithm": "sha256", "salt": "y"}"#;
    assert!(matches!(
        Job.parse_body(body),
        Err(InvalidDocument::Mismatch(m)) if m.contains("salt")
    ));
}

/// The longest body a valid request can take without whitespace: every
/// byte of a 4096-byte text, and every character of the keys and the
/// algorithm, written as a `\u00XX` escape.
fn largest_valid_body(text_bytes: usize) -> String {
    let escaped = |s: &str| -> String { s.bytes().map(|b| format!("\\u{b:04x}")).collect() };
    let text = "\u{1}".repeat(text_bytes);
    format!(
        r#"{{"{}":"{}","{}":{MAX_ROUNDS},"{}":"{}"}}"#,
        escaped("text"),
        escaped(&text),
        escaped("rounds"),
        escaped("algorithm"),
        escaped("sha256"),
    )
}

#[test]
fn the_largest_valid_body_fits_the_body_limit() {
    let body = largest_valid_body(MAX_TEXT_BYTES);
    assert!(body.len() > 6 * MAX_TEXT_BYTES, "{} bytes", body.len());
    let limit = Job::LIMITS.body_bytes;
    assert!(body.len() <= limit, "{} > {limit}", body.len());
    let parameters = Job.parse_body(body.as_bytes()).unwrap();
    assert_eq!(
        parameters.as_value()["text"].as_str().unwrap().len(),
        MAX_TEXT_BYTES
    );

    // One byte more of text is within the body limit, and refused by the
    // byte count the schema cannot make.
    let over = json!({"text": "a".repeat(MAX_TEXT_BYTES + 1), "rounds": 1, "algorithm": "sha256"});
    let message = Job
        .parse_body(over.to_string().as_bytes())
        .unwrap_err()
        .to_string();
    assert!(
        message.contains("4097 bytes") && message.contains("4096"),
        "{message}"
    );

    // The schema counts characters: 2049 of two bytes each pass maxLength.
    let wide = json!({"text": "é".repeat(2049), "rounds": 1, "algorithm": "sha256"});
    assert!(matches!(
        Job.parse_body(wide.to_string().as_bytes()),
        Err(InvalidDocument::Refused(m)) if m.contains("4098 bytes")
    ));
    let fits = json!({"text": "é".repeat(2048), "rounds": 1, "algorithm": "sha256"});
    assert!(Job.parse_body(fits.to_string().as_bytes()).is_ok());
}

#[test]
fn a_body_past_the_limit_is_refused_before_it_is_parsed() {
    let padded = format!(
        "{}{}",
        largest_valid_body(MAX_TEXT_BYTES),
        " ".repeat(Job::LIMITS.body_bytes)
    );
    assert!(matches!(
        Job.parse_body(padded.as_bytes()),
        Err(InvalidDocument::TooLarge(_, limit)) if limit == Job::LIMITS.body_bytes
    ));
}

#[tokio::test]
async fn the_largest_results_fit_the_result_limit() {
    let results = run(json!({"text": "abc", "rounds": MAX_ROUNDS, "algorithm": "sha256"}))
        .await
        .unwrap();
    let digest = results["digest"].as_str().unwrap();
    assert_eq!(digest.len(), 64);
    assert!(digest
        .bytes()
        .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')));
    assert!(serde_json::to_vec(&results).unwrap().len() <= Job::LIMITS.result_bytes);
}

#[test]
fn the_example_is_valid() {
    let example = DynWork::example(&Job);
    let again = Job.parse_body(example.canonical().as_bytes()).unwrap();
    assert_eq!(again, example);
}

#[test]
fn the_schema_states_the_bounds() {
    let schema = schemars::schema_for!(Parameters).to_value();
    let properties = &schema["properties"];
    assert_eq!(properties["text"]["maxLength"], json!(MAX_TEXT_BYTES));
    assert_eq!(properties["rounds"]["minimum"], json!(1));
    assert_eq!(properties["rounds"]["maximum"], json!(MAX_ROUNDS));
    assert_eq!(properties["algorithm"]["enum"], json!(["sha256", "blake3"]));
    assert_eq!(schema["additionalProperties"], json!(false));
    assert_eq!(schema["required"], json!(["text", "rounds", "algorithm"]));
}
