//! The jobs table behind the domain's `JobStore` port, with the same write
//! conditions as the DynamoDB store: each conditional write is one statement
//! (or a few in one savepoint) on the single writer, so no two can interleave.

use async_trait::async_trait;
use jobs_domain::job::{parse_timestamp, timestamp};
use jobs_domain::ports::{
    CreateOutcome, JobStore, StaleAction, StaleClaim, StaleJob, StatusChange, StoreError,
    TransitionError,
};
use jobs_domain::{Document, IdempotencyKey, IdempotencyRecord, Job, JobError, JobId, JobStatus};
use rusqlite::{params, Connection, OptionalExtension, Row};

use super::db_error::DbError;
use super::sqlite::{Cached, Db};

#[derive(Clone)]
pub struct SqliteJobStore {
    db: Db,
}

impl SqliteJobStore {
    pub fn new(db: Db) -> Self {
        Self { db }
    }

    pub(super) fn db(&self) -> &Db {
        &self.db
    }

    /// Jobs still `Queued` that no execution was ever recorded for: the
    /// process stopped between storing the job and starting its execution.
    /// (The execution a job starts is named with the job's id.)
    pub async fn queued_without_execution(&self) -> Result<Vec<Job>, StoreError> {
        self.db
            .read(|c| {
                let mut st = c.prepare(
                    "SELECT id, status, parameters, results, error, created_at, updated_at
                     FROM jobs j WHERE status = 'Queued'
                     AND NOT EXISTS (SELECT 1 FROM executions e WHERE e.name = j.id)",
                )?;
                let rows = st.query_map([], raw_job)?;
                let mut jobs = Vec::new();
                for row in rows {
                    jobs.push(row?.into_job().map_err(DbError::Sql)?);
                }
                Ok(jobs)
            })
            .await
            .map_err(store_error)
    }

    /// Forgets idempotency keys whose time is up.
    pub async fn purge_expired_keys(
        &self,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<usize, StoreError> {
        let now = timestamp(&now);
        self.db
            .write(move |c| {
                Ok(c.exec("DELETE FROM idempotency_keys WHERE expires_at <= ?1", [now])?)
            })
            .await
            .map_err(store_error)
    }
}

pub(super) fn store_error(e: DbError) -> StoreError {
    match e {
        DbError::Closed | DbError::Busy(_) => StoreError::Unavailable(e.to_string()),
        DbError::Sql(m) if m.starts_with("corrupt:") => StoreError::Corrupt(m),
        DbError::Sql(m) => StoreError::Other(m),
    }
}

/// A row as stored; turned into a `Job` outside the statement so a bad row is
/// reported as corrupt rather than as a failed query.
pub(super) struct RawJob {
    id: String,
    status: String,
    parameters: String,
    results: Option<String>,
    error: Option<String>,
    created_at: String,
    updated_at: String,
}

pub(super) fn raw_job(row: &Row<'_>) -> rusqlite::Result<RawJob> {
    Ok(RawJob {
        id: row.get(0)?,
        status: row.get(1)?,
        parameters: row.get(2)?,
        results: row.get(3)?,
        error: row.get(4)?,
        created_at: row.get(5)?,
        updated_at: row.get(6)?,
    })
}

impl RawJob {
    pub(super) fn into_job(self) -> Result<Job, String> {
        let corrupt = |what: &str| format!("corrupt: job {} has an unreadable {what}", self.id);
        Ok(Job {
            id: self.id.parse::<JobId>().map_err(|_| corrupt("id"))?,
            status: self
                .status
                .parse::<JobStatus>()
                .map_err(|_| corrupt("status"))?,
            parameters: serde_json::from_str::<serde_json::Value>(&self.parameters)
                .ok()
                .and_then(|value| Document::from_value(value).ok())
                .ok_or_else(|| corrupt("parameters"))?,
            results: match &self.results {
                Some(r) => Some(serde_json::from_str(r).map_err(|_| corrupt("results"))?),
                None => None,
            },
            error: match &self.error {
                Some(e) => Some(serde_json::from_str::<JobError>(e).map_err(|_| corrupt("error"))?),
                None => None,
            },
            created_at: parse_timestamp(&self.created_at).ok_or_else(|| corrupt("createdAt"))?,
            updated_at: parse_timestamp(&self.updated_at).ok_or_else(|| corrupt("updatedAt"))?,
        })
    }
}

const SELECT_JOB: &str =
    "SELECT id, status, parameters, results, error, created_at, updated_at FROM jobs WHERE id = ?1";

fn load(c: &Connection, id: &str) -> Result<Option<Job>, DbError> {
    let raw = c.row(SELECT_JOB, [id], raw_job).optional()?;
    raw.map(|r| r.into_job().map_err(DbError::Sql)).transpose()
}

fn stale_job(row: &Row<'_>) -> rusqlite::Result<(RawJob, u32)> {
    Ok((raw_job(row)?, row.get(7)?))
}

fn into_stale((raw, redrives): (RawJob, u32)) -> Result<StaleJob, DbError> {
    Ok(StaleJob {
        job: raw.into_job().map_err(DbError::Sql)?,
        redrives,
    })
}

const SELECT_STALE: &str =
    "SELECT id, status, parameters, results, error, created_at, updated_at, redrives
     FROM jobs WHERE id = ?1";

enum Created {
    Yes,
    Exists,
    KeyTaken(IdempotencyRecord),
}

enum Transitioned {
    Done(Job),
    Rejected(Option<Job>),
}

#[async_trait]
impl JobStore for SqliteJobStore {
    async fn create(
        &self,
        job: &Job,
        idempotency: Option<&IdempotencyRecord>,
    ) -> Result<CreateOutcome, StoreError> {
        let id = job.id.to_string();
        let row = (
            job.status.as_str(),
            serde_json::to_string(&job.parameters).expect("parameters serialize"),
            timestamp(&job.created_at),
            timestamp(&job.updated_at),
        );
        let record = idempotency.cloned();
        let created = self
            .db
            .write(move |c| {
                if let Some(record) = &record {
                    let existing = c
                        .query_row(
                            "SELECT job_id, request_hash, expires_at FROM idempotency_keys WHERE key = ?1 AND expires_at > ?2",
                            params![record.key.as_str(), row.2],
                            |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?)),
                        )
                        .optional()?;
                    if let Some((job_id, request_hash, expires_at)) = existing {
                        let corrupt = || DbError::Sql(format!("corrupt: idempotency key {} is unreadable", record.key.as_str()));
                        return Ok(Created::KeyTaken(IdempotencyRecord {
                            key: record.key.clone(),
                            job_id: job_id.parse().map_err(|_| corrupt())?,
                            request_hash,
                            expires_at: parse_timestamp(&expires_at).ok_or_else(corrupt)?,
                        }));
                    }
                }
                let inserted = c.exec(
                    "INSERT INTO jobs (id, status, parameters, created_at, updated_at)
                     VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT(id) DO NOTHING",
                    params![id, row.0, row.1, row.2, row.3],
                )?;
                if inserted == 0 {
                    return Ok(Created::Exists);
                }
                if let Some(record) = &record {
                    c.exec(
                        "INSERT OR REPLACE INTO idempotency_keys (key, job_id, request_hash, expires_at)
                         VALUES (?1, ?2, ?3, ?4)",
                        params![
                            record.key.as_str(),
                            record.job_id.to_string(),
                            record.request_hash,
                            timestamp(&record.expires_at)
                        ],
                    )?;
                }
                Ok(Created::Yes)
            })
            .await
            .map_err(store_error)?;
        match created {
            Created::Yes => Ok(CreateOutcome::Created),
            Created::Exists => Err(StoreError::AlreadyExists(job.id)),
            Created::KeyTaken(record) => Ok(CreateOutcome::IdempotencyKeyTaken(record)),
        }
    }

    async fn get(&self, id: &JobId) -> Result<Option<Job>, StoreError> {
        let id = id.to_string();
        self.db
            .read(move |c| load(c, &id))
            .await
            .map_err(store_error)
    }

    async fn transition(&self, change: &StatusChange) -> Result<Job, TransitionError> {
        let id = change.id.to_string();
        let to = change.to.as_str();
        // The allowed statuses are the enum's own names, never user input, so
        // they can be spelled into the statement.
        let allowed = change
            .allowed_from
            .iter()
            .map(|s| format!("'{}'", s.as_str()))
            .collect::<Vec<_>>()
            .join(",");
        let at = timestamp(&change.at);
        let results = change
            .results
            .as_ref()
            .map(|r| serde_json::to_string(r).expect("results serialize"));
        let error = change
            .error
            .as_ref()
            .map(|e| serde_json::to_string(e).expect("an error serializes"));
        // A job moved to Running starts from a clean slate (see `StatusChange`):
        // its earlier results and error go unless the change carries new ones.
        let shed = change.to == JobStatus::Running;
        let outcome = self
            .db
            .write(move |c| {
                let updated = if allowed.is_empty() {
                    0
                } else {
                    c.exec(
                        &format!(
                            "UPDATE jobs SET status = ?1, updated_at = ?2,
                                results = CASE WHEN ?6 THEN ?3 ELSE COALESCE(?3, results) END,
                                error = CASE WHEN ?6 THEN ?4 ELSE COALESCE(?4, error) END
                             WHERE id = ?5 AND status IN ({allowed})"
                        ),
                        params![to, at, results, error, id, shed],
                    )?
                };
                let current = load(c, &id)?;
                Ok(if updated == 1 {
                    Transitioned::Done(current.expect("the updated job exists"))
                } else {
                    Transitioned::Rejected(current)
                })
            })
            .await
            .map_err(store_error)?;
        match outcome {
            Transitioned::Done(job) => Ok(job),
            Transitioned::Rejected(current) => Err(TransitionError::Rejected {
                current: current.map(Box::new),
            }),
        }
    }

    async fn release_idempotency_key(
        &self,
        key: &IdempotencyKey,
        job_id: &JobId,
    ) -> Result<(), StoreError> {
        let (key, job_id) = (key.as_str().to_owned(), job_id.to_string());
        self.db
            .write(move |c| {
                c.exec(
                    "DELETE FROM idempotency_keys WHERE key = ?1 AND job_id = ?2",
                    params![key, job_id],
                )?;
                Ok(())
            })
            .await
            .map_err(store_error)
    }

    async fn unfinished_since(
        &self,
        cutoff: chrono::DateTime<chrono::Utc>,
        limit: usize,
    ) -> Result<Vec<StaleJob>, StoreError> {
        self.stale(timestamp(&cutoff), i64::try_from(limit).unwrap_or(i64::MAX))
            .await
    }

    async fn claim_stale(&self, claim: &StaleClaim) -> Result<StaleJob, TransitionError> {
        self.claim(claim).await
    }
}

impl SqliteJobStore {
    async fn stale(&self, cutoff: String, limit: i64) -> Result<Vec<StaleJob>, StoreError> {
        self.db
            .read(move |c| {
                // Spelled as the partial index's condition, so it is used.
                let mut st = c.prepare_cached(
                    "SELECT id, status, parameters, results, error, created_at, updated_at, redrives
                     FROM jobs WHERE status IN ('Queued', 'Running') AND updated_at <= ?1
                     ORDER BY updated_at, id LIMIT ?2",
                )?;
                let rows = st.query_map(params![cutoff, limit], stale_job)?;
                let mut jobs = Vec::new();
                for row in rows {
                    jobs.push(into_stale(row?)?);
                }
                Ok(jobs)
            })
            .await
            .map_err(store_error)
    }

    async fn claim(&self, claim: &StaleClaim) -> Result<StaleJob, TransitionError> {
        let id = claim.id.to_string();
        let (cutoff, at) = (timestamp(&claim.cutoff), timestamp(&claim.at));
        let action = claim.action.clone();
        let outcome = self
            .db
            .write(move |c| {
                const STALE: &str = "id = ?1 AND status IN ('Queued', 'Running') AND updated_at <= ?2";
                let updated = match &action {
                    StaleAction::Redrive { below } => c.exec(
                        &format!("UPDATE jobs SET redrives = redrives + 1, updated_at = ?3 WHERE {STALE} AND redrives < ?4"),
                        params![id, cutoff, at, below],
                    )?,
                    StaleAction::GiveUp { error } => c.exec(
                        &format!("UPDATE jobs SET status = 'Failure', error = ?4, updated_at = ?3 WHERE {STALE}"),
                        params![id, cutoff, at, serde_json::to_string(error).expect("an error serializes")],
                    )?,
                };
                let current = c
                    .row(SELECT_STALE, [&id], stale_job)
                    .optional()?
                    .map(into_stale)
                    .transpose()?;
                Ok((updated == 1, current))
            })
            .await
            .map_err(store_error)?;
        match outcome {
            (true, Some(claimed)) => Ok(claimed),
            (_, current) => Err(TransitionError::Rejected {
                current: current.map(|s| Box::new(s.job)),
            }),
        }
    }
}

#[cfg(test)]
mod tests;
