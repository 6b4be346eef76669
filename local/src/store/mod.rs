//! Everything the local stack keeps, in one SQLite file.

mod archive;
mod db_error;
mod executions;
mod jobs;
pub(crate) mod listing;
mod map_run_view;
mod map_runs;
mod schema;
mod sqlite;
mod tokens;

pub use archive::{ArchiveStore, ArchivedEvent};
pub use db_error::DbError;
pub use sqlite::Db;

pub(crate) use archive::ReplayRecord;
pub(crate) use executions::{Ending, ExecutionRecord, ExecutionStore, MapRunLink};
pub(crate) use jobs::SqliteJobStore;
pub(crate) use jobs_asl::ExecutionStatus;
pub(crate) use listing::{Cursor, JobPage, JobQuery, StatusCounts};
pub(crate) use map_runs::{MapRunRecord, MapRunStore};
pub(crate) use tokens::{OpenToken, TokenStore};
