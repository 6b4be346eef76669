//! Replays the `post_body` fuzz target's seeds and kept inputs
//! (`fuzz/seeds/post_body`, `fuzz/regressions/post_body`) through the same
//! checks the target makes, so what the fuzzer once found stays fixed.

use std::path::PathBuf;

use jobs_domain::JobParameters;

fn inputs() -> Vec<(PathBuf, Vec<u8>)> {
    let fuzz = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fuzz");
    let mut out = Vec::new();
    for dir in ["seeds/post_body", "regressions/post_body"] {
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
