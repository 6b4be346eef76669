//! What the tests of anything built on the local stack submit: the job's own
//! example, and a variation of it, so the tests hold for whatever job the
//! workspace builds.

use jobs_domain::DynWork;
use jobs_wire::model::{fields, request_model, Kind};
use serde_json::Value;

/// The job's example parameters.
pub fn example() -> Value {
    jobs_job::Job.example().to_value()
}

/// The example with one integer parameter moved by one within its bounds:
/// another request the job accepts. Panics for a job without one, whose
/// tests need a variation of their own.
pub fn other_than_example() -> Value {
    let mut other = example();
    let field = fields(request_model())
        .into_iter()
        .find(|f| matches!(f.kind, Kind::Integer) && other.get(&f.name).is_some())
        .expect("the job's example has an integer parameter");
    let n = other[&field.name].as_i64().expect("an integer");
    let max = field
        .maximum
        .as_ref()
        .and_then(Value::as_i64)
        .unwrap_or(i64::MAX);
    other[&field.name] = (if n < max { n + 1 } else { n - 1 }).into();
    other
}
