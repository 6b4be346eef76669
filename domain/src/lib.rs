//! The jobs domain. It knows nothing of AWS, SQLite or HTTP: adapters implement
//! the ports in [`ports`], and every entrypoint (the Lambdas and the local stack)
//! drives the same use cases in [`service`] and [`workflow`].

pub mod id;
pub mod idempotency;
pub mod job;
pub mod parameters;
pub mod ports;
pub mod service;
pub mod status;
pub mod sweep;
pub mod task;
pub mod workflow;

#[cfg(any(test, feature = "test-support"))]
pub mod testing;

pub use id::{InvalidJobId, JobId};
pub use idempotency::{IdempotencyKey, IdempotencyRecord, InvalidIdempotencyKey};
pub use job::{Job, JobError, JobView};
pub use parameters::{InvalidParameters, JobParameters, MAX_RUNNABLE_SECONDS};
pub use status::JobStatus;
