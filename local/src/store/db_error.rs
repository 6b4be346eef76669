//! How a database call fails, for the writer, the migrations and the stores.

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DbError {
    #[error("the database is closed")]
    Closed,
    #[error("the database is busy: {0}")]
    Busy(String),
    #[error("{0}")]
    Sql(String),
}

impl From<rusqlite::Error> for DbError {
    fn from(e: rusqlite::Error) -> Self {
        match e.sqlite_error_code() {
            Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked) => {
                DbError::Busy(e.to_string())
            }
            _ => DbError::Sql(e.to_string()),
        }
    }
}
