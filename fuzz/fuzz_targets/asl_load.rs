//! Loading a workflow definition: errors are fine, panics are not.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let _ = jobs_asl::StateMachine::from_json(text);
});
