//! Everything the local stack keeps, in one SQLite file.

pub mod archive;
pub mod db_error;
pub mod executions;
pub mod jobs;
pub mod listing;
pub mod schema;
pub mod sqlite;

pub use archive::{ArchiveStore, ArchivedEvent, ReplayRecord};
pub use db_error::DbError;
pub use executions::{Ending, ExecutionRecord, ExecutionStore};
pub use jobs::SqliteJobStore;
pub use jobs_asl::ExecutionStatus;
pub use listing::{Cursor, JobPage, JobQuery, StatusCounts};
pub use sqlite::Db;
