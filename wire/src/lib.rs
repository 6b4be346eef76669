//! Every path, header and body of the public API and of the local stack's
//! `/local` endpoints: one definition of each, which the servers write and
//! the clients read.
//!
//! Layout: [`api`] is the public API (`/jobs`), which the Lambda build uses
//! too, so it needs nothing but the domain; [`local`] names the `/local`
//! routes, and the other modules are their bodies; [`model`] reads the
//! request model as a form. [`executions`] carries
//! the interpreter's history events and comes with the `history` feature,
//! which the Lambda builds leave off.
//!
//! The `/local` endpoints stand in for what the AWS consoles show: executions with their
//! history (Step Functions' DescribeExecution and GetExecutionHistory
//! shapes), the failed-jobs archive and its replays (EventBridge), and the
//! local stack's own fault switches, and where the stack's console is.

#![warn(unreachable_pub)]

pub mod api;
pub mod archive;
pub mod console;
#[cfg(feature = "history")]
pub mod executions;
pub mod faults;
pub mod local;
#[cfg(feature = "history")]
pub mod map_runs;
pub mod model;
pub mod replay;

pub use archive::{ArchiveListing, ArchivedEvent, FailedJobDetail, StateError};
pub use console::ConsoleLink;
#[cfg(feature = "history")]
pub use executions::{ExecutionView, JobExecutions};
pub use faults::{FaultSettings, FaultUpdate, Runs, Switch};
#[cfg(feature = "history")]
pub use map_runs::{ChildCounts, ChildView, MapRunView};
pub use replay::{ReplayRequest, ReplayState, ReplayView};
