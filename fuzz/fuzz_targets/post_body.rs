//! `POST /jobs` body validation: never panics, and whatever it accepts is a
//! runnable-or-failable job that survives a JSON round trip unchanged.
#![no_main]

use jobs_domain::JobParameters;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|body: &[u8]| {
    if let Ok(params) = JobParameters::from_body(body) {
        assert!(
            (1..=86_400).contains(&params.seconds),
            "accepted seconds = {}",
            params.seconds
        );
        let json = serde_json::to_vec(&params).expect("parameters serialize");
        let again = JobParameters::from_body(&json).expect("own JSON is accepted");
        assert_eq!(again, params);
    }
});
