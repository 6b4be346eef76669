//! A distributed Map's Map Runs and the child executions they started.
//!
//! A child is an execution like any other (in `executions`, with its own history), linked to
//! its run and numbered by its item. A run and its children never stay RUNNING once the run
//! or its parent execution has ended: what was still running then is marked ABORTED, as the
//! process dropped it.

use chrono::{DateTime, Utc};
use jobs_asl::ExecutionStatus;
use jobs_domain::job::{parse_timestamp, timestamp};
use jobs_domain::ports::StoreError;
use rusqlite::{params, OptionalExtension, Row};

use super::executions::{collect, row_to_record, ExecutionRecord};
use super::jobs::store_error;
use super::sqlite::{Cached, Db};

/// One Map Run as stored.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct MapRunRecord {
    pub(crate) arn: String,
    /// The last part of the ARN.
    pub(crate) id: String,
    /// The `seq` of the execution whose Map started it.
    pub(crate) execution: i64,
    pub(crate) state_name: String,
    /// How many children it has; `None` until its items are read.
    pub(crate) total: Option<i64>,
    pub(crate) status: ExecutionStatus,
    pub(crate) start_date: DateTime<Utc>,
    pub(crate) stop_date: Option<DateTime<Utc>>,
    pub(crate) error: Option<String>,
    pub(crate) cause: Option<String>,
    /// 0: no limit.
    pub(crate) max_concurrency: i64,
    pub(crate) tolerated_failure_count: Option<f64>,
    pub(crate) tolerated_failure_percentage: Option<f64>,
}

/// How a run's children stand; a child not counted here never started.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ChildCounts {
    pub(crate) running: i64,
    pub(crate) succeeded: i64,
    pub(crate) failed: i64,
    pub(crate) timed_out: i64,
    pub(crate) aborted: i64,
}

impl ChildCounts {
    /// Every child recorded, whatever its status.
    pub(crate) fn started(&self) -> i64 {
        self.running + self.succeeded + self.failed + self.timed_out + self.aborted
    }
}

const RUN_COLUMNS: &str = "arn, id, execution, state_name, total, status, start_date, stop_date, \
     error, cause, max_concurrency, tolerated_failure_count, tolerated_failure_percentage";

fn row_to_run(row: &Row<'_>) -> rusqlite::Result<Result<MapRunRecord, String>> {
    let arn: String = row.get(0)?;
    let status: String = row.get(5)?;
    let start: String = row.get(6)?;
    let stop: Option<String> = row.get(7)?;
    let corrupt = |what: &str| format!("corrupt: map run {arn} has an unreadable {what}");
    let record = (|| {
        Ok(MapRunRecord {
            id: row.get(1).map_err(|_| corrupt("id"))?,
            execution: row.get(2).map_err(|_| corrupt("execution"))?,
            state_name: row.get(3).map_err(|_| corrupt("state name"))?,
            total: row.get(4).map_err(|_| corrupt("total"))?,
            status: ExecutionStatus::parse(&status).ok_or_else(|| corrupt("status"))?,
            start_date: parse_timestamp(&start).ok_or_else(|| corrupt("start date"))?,
            stop_date: match stop {
                Some(s) => Some(parse_timestamp(&s).ok_or_else(|| corrupt("stop date"))?),
                None => None,
            },
            error: row.get(8).map_err(|_| corrupt("error"))?,
            cause: row.get(9).map_err(|_| corrupt("cause"))?,
            max_concurrency: row.get(10).map_err(|_| corrupt("max concurrency"))?,
            tolerated_failure_count: row.get(11).map_err(|_| corrupt("tolerated count"))?,
            tolerated_failure_percentage: row
                .get(12)
                .map_err(|_| corrupt("tolerated percentage"))?,
            arn: arn.clone(),
        })
    })();
    Ok(record)
}

/// Marks the RUNNING children of the run `arn` ABORTED.
const ABORT_CHILDREN: &str = "UPDATE executions SET status = 'ABORTED', stop_date = ?2
     WHERE map_run = ?1 AND status = 'RUNNING'";

#[derive(Clone)]
pub(crate) struct MapRunStore {
    db: Db,
}

impl MapRunStore {
    pub(crate) fn new(db: Db) -> Self {
        Self { db }
    }

    /// Records a run as RUNNING: a new one, or one started again under its ARN when its
    /// execution was resumed (it keeps its start date and total).
    pub(crate) async fn started(&self, run: &MapRunRecord) -> Result<(), StoreError> {
        let r = run.clone();
        self.db
            .write(move |c| {
                c.exec(
                    "INSERT INTO map_runs (arn, id, execution, state_name, status, start_date,
                         max_concurrency, tolerated_failure_count, tolerated_failure_percentage)
                     VALUES (?1, ?2, ?3, ?4, 'RUNNING', ?5, ?6, ?7, ?8)
                     ON CONFLICT (arn) DO UPDATE SET status = 'RUNNING', stop_date = NULL,
                         error = NULL, cause = NULL",
                    params![
                        r.arn,
                        r.id,
                        r.execution,
                        r.state_name,
                        timestamp(&r.start_date),
                        r.max_concurrency,
                        r.tolerated_failure_count,
                        r.tolerated_failure_percentage
                    ],
                )?;
                Ok(())
            })
            .await
            .map_err(store_error)
    }

    /// Its items were read: it has `total` children.
    pub(crate) async fn items(&self, arn: &str, total: i64) -> Result<(), StoreError> {
        let arn = arn.to_owned();
        self.db
            .write(move |c| {
                c.exec(
                    "UPDATE map_runs SET total = ?2 WHERE arn = ?1",
                    params![arn, total],
                )?;
                Ok(())
            })
            .await
            .map_err(store_error)
    }

    /// The run ended; children it left RUNNING are ABORTED.
    pub(crate) async fn ended(
        &self,
        arn: &str,
        status: ExecutionStatus,
        at: DateTime<Utc>,
        error: Option<String>,
        cause: Option<String>,
    ) -> Result<(), StoreError> {
        let arn = arn.to_owned();
        self.db
            .write(move |c| {
                let at = timestamp(&at);
                c.exec(
                    "UPDATE map_runs SET status = ?2, stop_date = ?3, error = ?4, cause = ?5
                     WHERE arn = ?1",
                    params![arn, status.as_str(), at, error, cause],
                )?;
                c.exec(ABORT_CHILDREN, params![arn, at])?;
                Ok(())
            })
            .await
            .map_err(store_error)
    }

    /// The execution `seq` ended (or is resumed with only the run `keep` going on): its
    /// other runs still RUNNING are ABORTED, with their RUNNING children.
    pub(crate) async fn abort_of_execution(
        &self,
        seq: i64,
        at: DateTime<Utc>,
        keep: Option<String>,
    ) -> Result<usize, StoreError> {
        self.db
            .write(move |c| {
                let at = timestamp(&at);
                let mut st = c.prepare_cached(
                    "SELECT arn FROM map_runs WHERE execution = ?1 AND status = 'RUNNING'",
                )?;
                let arns = st
                    .query_map([seq], |r| r.get::<_, String>(0))?
                    .collect::<Result<Vec<_>, _>>()?;
                let mut n = 0;
                for arn in arns.iter().filter(|a| Some(*a) != keep.as_ref()) {
                    c.exec(
                        "UPDATE map_runs SET status = 'ABORTED', stop_date = ?2 WHERE arn = ?1",
                        params![arn, at],
                    )?;
                    c.exec(ABORT_CHILDREN, params![arn, at])?;
                    n += 1;
                }
                Ok(n)
            })
            .await
            .map_err(store_error)
    }

    /// The run whose ARN ends with `id`.
    pub(crate) async fn by_id(&self, id: &str) -> Result<Option<MapRunRecord>, StoreError> {
        let id = id.to_owned();
        self.db
            .read(move |c| {
                let found = c
                    .row(
                        &format!("SELECT {RUN_COLUMNS} FROM map_runs WHERE id = ?1"),
                        [id],
                        row_to_run,
                    )
                    .optional()?;
                found.transpose().map_err(super::DbError::Sql)
            })
            .await
            .map_err(store_error)
    }

    /// How the run's children stand.
    pub(crate) async fn counts(&self, arn: &str) -> Result<ChildCounts, StoreError> {
        let arn = arn.to_owned();
        self.db
            .read(move |c| {
                let mut st = c.prepare_cached(
                    "SELECT status, count(*) FROM executions WHERE map_run = ?1 GROUP BY status",
                )?;
                let mut counts = ChildCounts::default();
                let rows = st.query_map([arn], |r| Ok((r.get::<_, String>(0)?, r.get(1)?)))?;
                for row in rows {
                    let (status, n): (String, i64) = row?;
                    match ExecutionStatus::parse(&status) {
                        Some(ExecutionStatus::Running) => counts.running += n,
                        Some(ExecutionStatus::Succeeded) => counts.succeeded += n,
                        Some(ExecutionStatus::Failed) => counts.failed += n,
                        Some(ExecutionStatus::TimedOut) => counts.timed_out += n,
                        Some(ExecutionStatus::Aborted) => counts.aborted += n,
                        None => {
                            return Err(super::DbError::Sql(format!(
                                "corrupt: a child execution has the status {status}"
                            )))
                        }
                    }
                }
                Ok(counts)
            })
            .await
            .map_err(store_error)
    }

    /// `limit` of the run's children from the `offset`th, in item order.
    pub(crate) async fn children(
        &self,
        arn: &str,
        offset: i64,
        limit: i64,
    ) -> Result<Vec<ExecutionRecord>, StoreError> {
        let arn = arn.to_owned();
        self.db
            .read(move |c| {
                let mut st = c.prepare_cached(&format!(
                    "SELECT {} FROM executions WHERE map_run = ?1
                     ORDER BY map_run_item LIMIT ?2 OFFSET ?3",
                    super::executions::COLUMNS
                ))?;
                let children = collect(st.query_map(params![arn, limit, offset], row_to_record)?)?;
                Ok(children)
            })
            .await
            .map_err(store_error)
    }
}

#[cfg(test)]
mod tests;
