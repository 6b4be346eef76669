//! Replays the `post_body` fuzz target's seeds (`fuzz/seeds/post_body`) and
//! kept crash inputs (`fuzz/regressions/post_body`) through the same checks
//! the target makes, so what the fuzzer once found stays fixed.

use std::path::PathBuf;

use jobs_domain::JobParameters;

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

/// The fuzz target's property: no panic, and an accepted body is in range and
/// survives a JSON round trip.
fn check(body: &[u8]) -> Option<JobParameters> {
    let params = JobParameters::from_body(body).ok()?;
    assert!((1..=86_400).contains(&params.seconds), "{params:?}");
    let json = serde_json::to_vec(&params).unwrap();
    assert_eq!(JobParameters::from_body(&json).unwrap(), params);
    Some(params)
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
    assert_eq!(check(b"{\"seconds\": 86400}").unwrap().seconds, 86_400);
    assert_eq!(check(b" \n{\"seconds\":1}\t").unwrap().seconds, 1);
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
