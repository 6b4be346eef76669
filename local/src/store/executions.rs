//! Executions and their history events, as `DescribeExecution` and
//! `GetExecutionHistory` would show them.

use chrono::{DateTime, Utc};
use jobs_asl::{ExecutionStatus, HistoryEvent};
use jobs_domain::job::{parse_timestamp, timestamp};
use jobs_domain::ports::StoreError;
use jobs_domain::JobId;
use rusqlite::{params, OptionalExtension, Row};
use serde_json::Value;

use super::db_error::DbError;
use super::jobs::store_error;
use super::sqlite::{Cached, Db};

#[derive(Debug, Clone, PartialEq)]
pub struct ExecutionRecord {
    /// Its key in the store, in the order executions were recorded; 0 until
    /// [`ExecutionStore::insert`] assigns it.
    pub seq: i64,
    pub arn: String,
    pub name: String,
    pub job_id: JobId,
    pub status: ExecutionStatus,
    pub start_date: DateTime<Utc>,
    pub stop_date: Option<DateTime<Utc>>,
    pub input: Value,
    pub output: Option<Value>,
    pub error: Option<String>,
    pub cause: Option<String>,
    pub replay_name: Option<String>,
    /// The SHA-256 of the definition it runs (see
    /// [`ExecutionStore::save_definition`]); `None` for executions recorded
    /// before definitions were kept.
    pub definition: Option<String>,
    /// The Map Run a child execution belongs to; `None` for a top-level execution.
    pub map_run: Option<MapRunLink>,
}

/// A child execution's place in its Map Run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MapRunLink {
    pub arn: String,
    /// Its item's (or batch's) index.
    pub item: i64,
}

/// How an execution ended.
#[derive(Debug, Clone, PartialEq)]
pub struct Ending {
    pub status: ExecutionStatus,
    pub at: DateTime<Utc>,
    pub output: Option<Value>,
    pub error: Option<String>,
    pub cause: Option<String>,
}

#[derive(Clone)]
pub struct ExecutionStore {
    db: Db,
}

pub(super) const COLUMNS: &str = "arn, name, job_id, status, start_date, stop_date, input, output, error, cause, replay_name, seq, definition, map_run, map_run_item";

pub(super) fn row_to_record(row: &Row<'_>) -> rusqlite::Result<Result<ExecutionRecord, String>> {
    let arn: String = row.get(0)?;
    let job_id: String = row.get(2)?;
    let status: String = row.get(3)?;
    let start: String = row.get(4)?;
    let stop: Option<String> = row.get(5)?;
    let input: String = row.get(6)?;
    let output: Option<String> = row.get(7)?;
    let corrupt = |what: &str| format!("corrupt: execution {arn} has an unreadable {what}");
    let record = (|| {
        Ok(ExecutionRecord {
            name: row.get(1).map_err(|_| corrupt("name"))?,
            job_id: job_id.parse().map_err(|_| corrupt("job id"))?,
            status: ExecutionStatus::parse(&status).ok_or_else(|| corrupt("status"))?,
            start_date: parse_timestamp(&start).ok_or_else(|| corrupt("start date"))?,
            stop_date: match stop {
                Some(s) => Some(parse_timestamp(&s).ok_or_else(|| corrupt("stop date"))?),
                None => None,
            },
            input: serde_json::from_str(&input).map_err(|_| corrupt("input"))?,
            output: match output {
                Some(o) => Some(serde_json::from_str(&o).map_err(|_| corrupt("output"))?),
                None => None,
            },
            error: row.get(8).map_err(|_| corrupt("error"))?,
            cause: row.get(9).map_err(|_| corrupt("cause"))?,
            replay_name: row.get(10).map_err(|_| corrupt("replay name"))?,
            seq: row.get(11).map_err(|_| corrupt("seq"))?,
            definition: row.get(12).map_err(|_| corrupt("definition"))?,
            map_run: match row.get::<_, Option<String>>(13) {
                Ok(Some(arn)) => Some(MapRunLink {
                    arn,
                    item: row.get(14).map_err(|_| corrupt("map run item"))?,
                }),
                Ok(None) => None,
                Err(_) => return Err(corrupt("map run")),
            },
            arn: arn.clone(),
        })
    })();
    Ok(record)
}

pub(super) fn collect(
    rows: impl Iterator<Item = rusqlite::Result<Result<ExecutionRecord, String>>>,
) -> Result<Vec<ExecutionRecord>, DbError> {
    rows.map(|r| r?.map_err(DbError::Sql)).collect()
}

impl ExecutionStore {
    pub fn new(db: Db) -> Self {
        Self { db }
    }

    /// The database, for the stores that live beside executions.
    pub fn db(&self) -> &Db {
        &self.db
    }

    /// Records a new RUNNING execution and returns its `seq`; `None` if one
    /// with its name exists.
    pub async fn insert(&self, record: &ExecutionRecord) -> Result<Option<i64>, StoreError> {
        let r = record.clone();
        self.db
            .write(move |c| {
                let n = c.exec(
                    "INSERT INTO executions (arn, name, job_id, status, start_date, input, replay_name,
                                             definition, map_run, map_run_item)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) ON CONFLICT DO NOTHING",
                    params![
                        r.arn,
                        r.name,
                        r.job_id.to_string(),
                        r.status.as_str(),
                        timestamp(&r.start_date),
                        r.input.to_string(),
                        r.replay_name,
                        r.definition,
                        r.map_run.as_ref().map(|m| m.arn.clone()),
                        r.map_run.as_ref().map(|m| m.item)
                    ],
                )?;
                Ok((n == 1).then(|| c.last_insert_rowid()))
            })
            .await
            .map_err(store_error)
    }

    pub async fn finish(&self, seq: i64, ending: Ending) -> Result<(), StoreError> {
        self.db
            .write(move |c| {
                c.exec(
                    "UPDATE executions SET status = ?2, stop_date = ?3, output = ?4, error = ?5, cause = ?6
                     WHERE seq = ?1",
                    params![
                        seq,
                        ending.status.as_str(),
                        timestamp(&ending.at),
                        ending.output.map(|o| o.to_string()),
                        ending.error,
                        ending.cause
                    ],
                )?;
                Ok(())
            })
            .await
            .map_err(store_error)
    }

    /// Notes that an execution cut off by a stop is being run again; returns
    /// the highest history event id it already has.
    pub async fn begin_redrive(&self, seq: i64) -> Result<u64, StoreError> {
        self.db
            .write(move |c| {
                c.exec(
                    "UPDATE executions SET attempts = attempts + 1 WHERE seq = ?1",
                    [seq],
                )?;
                let max: Option<i64> = c.row(
                    "SELECT max(id) FROM history_events WHERE execution = ?1",
                    [seq],
                    |r| r.get(0),
                )?;
                Ok(max.unwrap_or(0) as u64)
            })
            .await
            .map_err(store_error)
    }

    /// Queues one history event; events are written in the order queued.
    /// An event written again under its id (a re-driven execution's) replaces
    /// the earlier one.
    pub fn append_event(&self, execution: i64, event: &HistoryEvent) -> serde_json::Result<()> {
        let (id, text) = (event.id as i64, serde_json::to_string(event)?);
        self.db.write_detached("a history event", move |c| {
            c.exec(
                "INSERT OR REPLACE INTO history_events (execution, id, event) VALUES (?1, ?2, ?3)",
                params![execution, id, text],
            )?;
            Ok(())
        });
        Ok(())
    }

    /// The top-level executions still RUNNING: a Map Run's children are resumed by their
    /// parent, never on their own.
    pub async fn running(&self) -> Result<Vec<ExecutionRecord>, StoreError> {
        self.db
            .read(|c| {
                let mut st = c.prepare(&format!(
                    "SELECT {COLUMNS} FROM executions WHERE status = 'RUNNING' AND map_run IS NULL
                     ORDER BY seq"
                ))?;
                let rows = st.query_map([], row_to_record)?;
                collect(rows)
            })
            .await
            .map_err(store_error)
    }

    /// One execution's history events, in order.
    pub async fn events(&self, seq: i64) -> Result<Vec<HistoryEvent>, StoreError> {
        self.db
            .read(move |c| read_events(c, seq))
            .await
            .map_err(store_error)
    }

    /// Keeps a definition's text under its hash; keeping it again is a no-op.
    pub async fn save_definition(&self, hash: &str, text: &str) -> Result<(), StoreError> {
        let (hash, text) = (hash.to_owned(), text.to_owned());
        self.db
            .write(move |c| {
                c.exec(
                    "INSERT INTO definitions (hash, definition) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
                    params![hash, text],
                )?;
                Ok(())
            })
            .await
            .map_err(store_error)
    }

    /// The text of the definition with this hash.
    pub async fn definition(&self, hash: &str) -> Result<Option<String>, StoreError> {
        let hash = hash.to_owned();
        self.db
            .read(move |c| {
                Ok(c.row(
                    "SELECT definition FROM definitions WHERE hash = ?1",
                    [hash],
                    |r| r.get(0),
                )
                .optional()?)
            })
            .await
            .map_err(store_error)
    }

    /// One execution by its `seq`, without its events.
    pub async fn by_seq(&self, seq: i64) -> Result<Option<ExecutionRecord>, StoreError> {
        self.db
            .read(move |c| {
                let mut st =
                    c.prepare_cached(&format!("SELECT {COLUMNS} FROM executions WHERE seq = ?1"))?;
                let found = collect(st.query_map([seq], row_to_record)?)?.pop();
                Ok(found)
            })
            .await
            .map_err(store_error)
    }

    /// One execution by name, with its history events.
    pub async fn named(
        &self,
        name: &str,
    ) -> Result<Option<(ExecutionRecord, Vec<HistoryEvent>)>, StoreError> {
        let name = name.to_owned();
        self.db
            .read(move |c| {
                let mut st =
                    c.prepare_cached(&format!("SELECT {COLUMNS} FROM executions WHERE name = ?1"))?;
                let Some(record) = collect(st.query_map([name], row_to_record)?)?.pop() else {
                    return Ok(None);
                };
                let events = read_events(c, record.seq)?;
                Ok(Some((record, events)))
            })
            .await
            .map_err(store_error)
    }

    /// A job's executions, oldest first, each with its history events: the
    /// one named with the job's id, and those its replays started.
    pub async fn for_job(
        &self,
        job_id: &JobId,
    ) -> Result<Vec<(ExecutionRecord, Vec<HistoryEvent>)>, StoreError> {
        let job_id = job_id.to_string();
        self.db
            .read(move |c| {
                let mut st = c.prepare_cached(&for_job_sql())?;
                let records = collect(st.query_map([job_id], row_to_record)?)?;
                let mut out = Vec::with_capacity(records.len());
                for record in records {
                    let events = read_events(c, record.seq)?;
                    out.push((record, events));
                }
                Ok(out)
            })
            .await
            .map_err(store_error)
    }
}

/// Both halves must match an index's condition to use it, or each lookup
/// becomes a scan of every execution. A job's own executions are named with
/// its id, re-drives `<id>-redrive-<n>`: one range of the name index. The
/// children of its Map Runs carry its id too but are not its executions.
fn for_job_sql() -> String {
    format!(
        "SELECT {COLUMNS} FROM executions
         WHERE name >= ?1 AND name < ?1 || '-redrive.' AND replay_name IS NULL
               AND map_run IS NULL
         UNION ALL
         SELECT {COLUMNS} FROM executions WHERE job_id = ?1 AND replay_name IS NOT NULL
               AND map_run IS NULL
         ORDER BY start_date, seq"
    )
}

fn read_events(c: &rusqlite::Connection, execution: i64) -> Result<Vec<HistoryEvent>, DbError> {
    let mut st =
        c.prepare_cached("SELECT event FROM history_events WHERE execution = ?1 ORDER BY id")?;
    let events = st
        .query_map([execution], |r| r.get::<_, String>(0))?
        .map(|e| {
            serde_json::from_str(&e?)
                .map_err(|e| DbError::Sql(format!("corrupt: a history event is unreadable: {e}")))
        })
        .collect::<Result<Vec<HistoryEvent>, DbError>>()?;
    Ok(events)
}

#[cfg(test)]
mod tests;
