//! Replays the `post_body` fuzz target's seeds (`fuzz/seeds/post_body`) and
//! kept crash inputs (`fuzz/regressions/post_body`) through the same checks
//! the target makes, so what the fuzzer once found stays fixed. The seeds
//! are bodies for this job: a new job brings its own.

use std::path::PathBuf;

use jobs_domain::{Document, DynWork};
use jobs_job::Job;

fn inputs() -> Vec<(PathBuf, Vec<u8>)> {
    let fuzz = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fuzz");
    inputs_in(&fuzz, &["seeds/post_body"])
}

/// Crash inputs kept from fuzzing, replayed by their own test until fixed.
fn crash_inputs() -> Vec<(PathBuf, Vec<u8>)> {
    let fuzz = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fuzz");
    inputs_in(&fuzz, &["regressions/post_body"])
}

fn inputs_in(fuzz: &std::path::Path, dirs: &[&str]) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    for dir in dirs {
        let Ok(entries) = std::fs::read_dir(fuzz.join(dir)) else {
            continue;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            let bytes = std::fs::read(&path).unwrap();
            out.push((path, bytes));
        }
    }
    out.sort();
    out
}

/// The fuzz target's property: no panic, and an accepted body survives a
/// round trip through its canonical form; here also, in range.
fn check(body: &[u8]) -> Option<Document> {
    let params = Job.parse_body(body).ok()?;
    let seconds = params.as_value()["seconds"].as_u64().unwrap();
    assert!((1..=86_400).contains(&seconds), "{params:?}");
    assert_eq!(
        Job.parse_body(params.canonical().as_bytes()).unwrap(),
        params
    );
    Some(params)
}

fn seconds(params: Document) -> u64 {
    params.as_value()["seconds"].as_u64().unwrap()
}

#[test]
fn every_kept_fuzz_input_passes_the_fuzz_checks() {
    let inputs = inputs();
    assert!(inputs.len() >= 10, "fuzz seeds not found: {}", inputs.len());
    let accepted = inputs.iter().filter(|(_, b)| check(b).is_some()).count();
    // The seeds hold both valid and invalid bodies; if either side vanished the
    // replay would no longer exercise both paths.
    assert!(accepted > 0 && accepted < inputs.len(), "{accepted}");
}

#[test]
fn edge_bodies_found_while_fuzzing() {
    assert_eq!(seconds(check(b"{\"seconds\": 86400}").unwrap()), 86_400);
    assert_eq!(seconds(check(b" \n{\"seconds\":1}\t").unwrap()), 1);
    for refused in [
        &b"{\"seconds\": 86401}"[..],
        b"{\"seconds\": 0}",
        b"{\"seconds\": 2.5}",
        b"{\"seconds\": -1}",
        b"{\"seconds\": 18446744073709551616}",
        b"{\"seconds\": \"5\"}",
        b"{\"seconds\": 2, \"extra\": 1}",
        b"\xff\xfe",
        b"",
    ] {
        assert!(
            check(refused).is_none(),
            "{:?}",
            String::from_utf8_lossy(refused)
        );
    }
}

#[test]
fn kept_crash_inputs_pass_the_fuzz_checks() {
    let inputs = crash_inputs();
    assert!(!inputs.is_empty());
    for (path, body) in inputs {
        let outcome = std::panic::catch_unwind(|| check(&body));
        assert!(outcome.is_ok(), "{} panics", path.display());
    }
}
