//! Reading jobs many at a time, for the console: newest first, by status or
//! by id prefix, a page at a time. Pages are keyed by the last row shown
//! (creation time, then id) rather than by an offset, so every page costs the
//! same however deep it is, and a job created meanwhile does not shift them.

use chrono::{DateTime, Utc};
use jobs_domain::job::{parse_timestamp, timestamp};
use jobs_domain::ports::StoreError;
use jobs_domain::{Job, JobStatus};
use rusqlite::types::Value as Sql;

use super::db_error::DbError;
use super::jobs::{raw_job, store_error, SqliteJobStore};

/// Where a page starts: just past the job with this creation time and id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    pub created_at: String,
    pub id: String,
}

impl Cursor {
    pub fn of(job: &Job) -> Self {
        Self {
            created_at: timestamp(&job.created_at),
            id: job.id.to_string(),
        }
    }

    /// `<createdAt>_<id>`, for a query string.
    pub fn encode(&self) -> String {
        format!("{}_{}", self.created_at, self.id)
    }

    pub fn decode(text: &str) -> Option<Self> {
        let (at, id) = text.split_once('_')?;
        parse_timestamp(at)?;
        id.parse::<jobs_domain::JobId>().ok()?;
        Some(Self {
            created_at: at.to_owned(),
            id: id.to_owned(),
        })
    }
}

/// Which way from the cursor a page goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum From {
    Newest,
    /// Jobs older than the cursor.
    Older(Cursor),
    /// Jobs newer than the cursor (the page before, going back).
    Newer(Cursor),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobQuery {
    pub status: Option<JobStatus>,
    /// Only ids that start with this (lowercase hex and dashes).
    pub id_prefix: Option<String>,
    pub from: From,
    pub limit: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct JobPage {
    /// Newest first.
    pub jobs: Vec<Job>,
    /// The cursor of the next older page, if there are older jobs.
    pub older: Option<Cursor>,
    /// The cursor of the next newer page, if there are newer jobs.
    pub newer: Option<Cursor>,
}

/// How many jobs have each status.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StatusCounts {
    pub queued: u64,
    pub running: u64,
    pub success: u64,
    pub failure: u64,
}

impl StatusCounts {
    pub fn total(&self) -> u64 {
        self.queued + self.running + self.success + self.failure
    }

    pub fn of(&self, status: JobStatus) -> u64 {
        match status {
            JobStatus::Queued => self.queued,
            JobStatus::Running => self.running,
            JobStatus::Success => self.success,
            JobStatus::Failure => self.failure,
        }
    }
}

/// The statement and its parameters for `query`: the filters, then the
/// cursor, in the order of the index that serves them.
pub(super) fn list_sql(query: &JobQuery) -> (String, Vec<Sql>) {
    let mut conditions = Vec::new();
    let mut params = Vec::new();
    if let Some(status) = query.status {
        conditions.push("status = ?".to_owned());
        params.push(Sql::Text(status.as_str().to_owned()));
    }
    if let Some(prefix) = &query.id_prefix {
        // A range on the primary key rather than LIKE, which is
        // case-insensitive and so cannot use it.
        conditions.push("id >= ? AND id < ?".to_owned());
        params.push(Sql::Text(prefix.clone()));
        params.push(Sql::Text(format!("{prefix}\u{ffff}")));
    }
    let order = match &query.from {
        From::Newest => "DESC",
        From::Older(c) => {
            conditions.push("(created_at, id) < (?, ?)".to_owned());
            params.push(Sql::Text(c.created_at.clone()));
            params.push(Sql::Text(c.id.clone()));
            "DESC"
        }
        From::Newer(c) => {
            conditions.push("(created_at, id) > (?, ?)".to_owned());
            params.push(Sql::Text(c.created_at.clone()));
            params.push(Sql::Text(c.id.clone()));
            "ASC"
        }
    };
    let filter = if conditions.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", conditions.join(" AND "))
    };
    params.push(Sql::Integer(query.limit as i64 + 1));
    (
        format!(
            "SELECT id, status, parameters, results, error, created_at, updated_at FROM jobs
             {filter} ORDER BY created_at {order}, id {order} LIMIT ?"
        ),
        params,
    )
}

impl SqliteJobStore {
    /// One page of jobs, newest first.
    pub async fn list(&self, query: &JobQuery) -> Result<JobPage, StoreError> {
        let query = query.clone();
        let (sql, params) = list_sql(&query);
        let mut jobs = self
            .db()
            .read(move |c| {
                let mut st = c.prepare_cached(&sql)?;
                let rows = st.query_map(rusqlite::params_from_iter(params), raw_job)?;
                let mut jobs = Vec::new();
                for row in rows {
                    jobs.push(row?.into_job().map_err(DbError::Sql)?);
                }
                Ok(jobs)
            })
            .await
            .map_err(store_error)?;
        let more = jobs.len() > query.limit;
        jobs.truncate(query.limit);
        let going_back = matches!(query.from, From::Newer(_));
        if going_back {
            jobs.reverse();
        }
        let first = jobs.first().map(Cursor::of);
        let last = jobs.last().map(Cursor::of);
        let (older, newer) = match &query.from {
            From::Newest => (last.filter(|_| more), None),
            From::Older(_) => (last.filter(|_| more), first),
            From::Newer(c) => (last.or_else(|| Some(c.clone())), first.filter(|_| more)),
        };
        Ok(JobPage { jobs, older, newer })
    }

    /// How many jobs have each status (from the status index alone).
    pub async fn counts(&self) -> Result<StatusCounts, StoreError> {
        self.db()
            .read(|c| {
                let mut st =
                    c.prepare_cached("SELECT status, count(*) FROM jobs GROUP BY status")?;
                let mut counts = StatusCounts::default();
                let rows =
                    st.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
                for row in rows {
                    let (status, n) = row?;
                    let n = n.max(0) as u64;
                    match status.parse::<JobStatus>() {
                        Ok(JobStatus::Queued) => counts.queued = n,
                        Ok(JobStatus::Running) => counts.running = n,
                        Ok(JobStatus::Success) => counts.success = n,
                        Ok(JobStatus::Failure) => counts.failure = n,
                        Err(_) => {
                            return Err(DbError::Sql(format!(
                                "corrupt: {n} job(s) have the unknown status {status:?}"
                            )))
                        }
                    }
                }
                Ok(counts)
            })
            .await
            .map_err(store_error)
    }
}

/// The time window a listing of the archive asks for, from the query's
/// text. Absent bounds mean "from the beginning" and "until now".
pub(crate) fn window(
    from: Option<&str>,
    to: Option<&str>,
) -> Result<(DateTime<Utc>, DateTime<Utc>), String> {
    let parse = |name: &str, text: Option<&str>, default: DateTime<Utc>| match text {
        None => Ok(default),
        Some(t) => parse_timestamp(t).ok_or_else(|| {
            format!("{name} must be an RFC 3339 time such as 2026-11-25T12:00:00Z, got {t:?}")
        }),
    };
    let from = parse("from", from, DateTime::UNIX_EPOCH)?;
    let to = parse("to", to, Utc::now() + chrono::TimeDelta::seconds(1))?;
    Ok((from, to))
}

#[cfg(test)]
mod tests;
