//! The jobs domain. It knows nothing of AWS, SQLite or HTTP: adapters implement
//! the ports in [`ports`], and every entrypoint (the Lambdas and the local stack)
//! drives the same use cases in [`service`] and [`workflow`].
//!
//! Layout: the values are [`id`], [`idempotency`], [`job`] and [`status`]
//! (the transition rules); [`work`] is the contract a job crate fulfils, and
//! parameters and results travel as its JSON [`Document`]s; [`ports`] names what adapters
//! provide (the store, the workflow starter, the clock). The use cases:
//! [`service`] (submit and read, behind the API), [`workflow`] (the
//! processor's and error handler's work), [`task`] (one workflow task as its
//! Lambda runs it) and [`sweep`] (re-driving lost jobs); [`function`] is the contract of a
//! workflow function that the local stack runs in-process. `testing` (feature
//! `test-support`) holds the in-memory adapters and the store contract
//! every adapter's tests run.

#![warn(unreachable_pub)]

pub mod function;
pub mod id;
pub mod idempotency;
pub mod job;
pub mod ports;
pub mod service;
pub mod status;
pub mod sweep;
pub mod task;
pub mod work;
pub mod workflow;

#[cfg(any(test, feature = "test-support"))]
pub mod testing;

pub use id::{InvalidJobId, JobId};
pub use idempotency::{IdempotencyKey, IdempotencyRecord, InvalidIdempotencyKey};
pub use job::{Job, JobError, JobView};
pub use status::JobStatus;
pub use work::{Document, DynWork, InvalidDocument, JobFailure, Limits, RunContext, Work};
