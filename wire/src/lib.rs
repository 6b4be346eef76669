//! The local stack's `/local` endpoints on the wire: one definition of each
//! request and response, which the stack writes and the client reads.
//!
//! They stand in for what the AWS consoles show: executions with their
//! history (Step Functions' DescribeExecution and GetExecutionHistory
//! shapes), the failed-jobs archive and its replays (EventBridge), and the
//! local stack's own fault switches, and where the stack's console is.

pub mod archive;
pub mod console;
pub mod executions;
pub mod faults;
pub mod replay;

pub use archive::{ArchiveListing, ArchivedEvent, FailedJobDetail, StateError};
pub use console::ConsoleLink;
pub use executions::{ExecutionView, JobExecutions};
pub use faults::{FaultSettings, FaultUpdate, Switch};
pub use replay::{ReplayRequest, ReplayState, ReplayView};
