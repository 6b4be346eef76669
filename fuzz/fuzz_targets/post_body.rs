//! `POST /jobs` body validation by the job's rules: never panics, and
//! whatever it accepts survives a round trip through its canonical form and
//! is a document every job store holds.
#![no_main]

use jobs_domain::{Document, DynWork};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|body: &[u8]| {
    if let Ok(params) = jobs_job::Job.parse_body(body) {
        Document::storable(params.as_value()).expect("accepted documents are storable");
        let canonical = params.canonical();
        if canonical.len() <= jobs_job::Job.limits().body_bytes {
            let again = jobs_job::Job
                .parse_body(canonical.as_bytes())
                .expect("own canonical form is accepted");
            assert_eq!(again, params);
        }
    }
});
