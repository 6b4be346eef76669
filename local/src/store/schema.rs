//! The tables, and the migration of a data directory written by an earlier
//! version.
//!
//! The layout is chosen for the writer: every commit writes each page it
//! touched to the WAL in full, so a key that lands on a random page costs a
//! page per row. Executions and history events are therefore keyed by an
//! increasing integer (the executions running at one time sit side by side,
//! and new events are appended at the end), and the only indexes on random
//! keys are the ones a lookup needs: a job's id and an execution's name.

use rusqlite::Connection;

use super::db_error::DbError;

/// `PRAGMA user_version` of the layout below. Version 0 is either a new file
/// or the first layout (history keyed by execution ARN), told apart by
/// whether `executions` exists.
pub(super) const VERSION: i64 = 6;

const TABLES: &str = r#"
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    parameters TEXT NOT NULL,
    results TEXT,
    error TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    -- How many times a sweep re-drove the job (a resume at start counts).
    redrives INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE IF NOT EXISTS idempotency_keys (
    key TEXT PRIMARY KEY,
    job_id TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    expires_at TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS executions (
    seq INTEGER PRIMARY KEY,
    arn TEXT NOT NULL,
    name TEXT NOT NULL UNIQUE,
    job_id TEXT NOT NULL,
    status TEXT NOT NULL,
    start_date TEXT NOT NULL,
    stop_date TEXT,
    input TEXT NOT NULL,
    output TEXT,
    error TEXT,
    cause TEXT,
    replay_name TEXT,
    attempts INTEGER NOT NULL DEFAULT 1
);
-- An execution started for a job (not by a replay) is named with the job's
-- id, so `name` finds it; only replays need an index on the job id.
CREATE INDEX IF NOT EXISTS executions_replayed ON executions(job_id)
    WHERE replay_name IS NOT NULL;
CREATE INDEX IF NOT EXISTS executions_running ON executions(seq)
    WHERE status = 'RUNNING';

CREATE TABLE IF NOT EXISTS history_events (
    seq INTEGER PRIMARY KEY,
    execution INTEGER NOT NULL,
    id INTEGER NOT NULL,
    event TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS history_by_execution ON history_events(execution, id);

CREATE TABLE IF NOT EXISTS archive (
    event_id TEXT PRIMARY KEY,
    time TEXT NOT NULL,
    source TEXT NOT NULL,
    detail_type TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS archive_by_time ON archive(time);

CREATE TABLE IF NOT EXISTS replays (
    name TEXT PRIMARY KEY,
    event_start TEXT NOT NULL,
    event_end TEXT NOT NULL,
    started_at TEXT NOT NULL,
    events_replayed INTEGER NOT NULL,
    -- RUNNING until every event in the window has been sent again.
    state TEXT NOT NULL DEFAULT 'COMPLETED'
);
"#;

/// From the first layout: the old tables are renamed aside, copied into the
/// new ones (an execution keeps its rowid as `seq`, and its events follow
/// it), then dropped.
const FROM_FIRST_LAYOUT: &str = r#"
DROP INDEX IF EXISTS jobs_by_status;
DROP INDEX IF EXISTS executions_by_job;
DROP INDEX IF EXISTS executions_by_status;
ALTER TABLE executions RENAME TO executions_v1;
ALTER TABLE history_events RENAME TO history_events_v1;
ALTER TABLE replays ADD COLUMN state TEXT NOT NULL DEFAULT 'COMPLETED';
"#;

const COPY_FIRST_LAYOUT: &str = r#"
INSERT INTO executions (seq, arn, name, job_id, status, start_date, stop_date, input,
                        output, error, cause, replay_name, attempts)
    SELECT rowid, arn, name, job_id, status, start_date, stop_date, input,
           output, error, cause, replay_name, attempts
    FROM executions_v1 ORDER BY rowid;
INSERT INTO history_events (execution, id, event)
    SELECT e.seq, h.id, h.event
    FROM history_events_v1 h JOIN executions e ON e.arn = h.execution_arn
    ORDER BY e.seq, h.id;
DROP TABLE history_events_v1;
DROP TABLE executions_v1;
"#;

/// Layout 3: jobs count their re-drives.
const TO_REDRIVES: &str = "ALTER TABLE jobs ADD COLUMN redrives INTEGER NOT NULL DEFAULT 0;";

/// Recovery and the sweep look for unfinished jobs by age; a partial index
/// holds only those, so finished jobs (nearly all of them) do not touch it.
const UNFINISHED_INDEX: &str = r#"
DROP INDEX IF EXISTS jobs_queued;
CREATE INDEX IF NOT EXISTS jobs_unfinished ON jobs(updated_at)
    WHERE status IN ('Queued', 'Running');
"#;

/// Layout 4: each execution names the definition it ran (by the SHA-256 of
/// its text, kept once in `definitions`), so the console draws it from its
/// own definition; and the console's job list reads newest first, optionally
/// by status, from two indexes. Both are keyed by the creation time, which
/// only grows, so the writer appends to them rather than touching a random
/// page; a status change moves an entry between the ends of two status
/// ranges.
const TO_DEFINITIONS: &str = "ALTER TABLE executions ADD COLUMN definition TEXT;";
const CONSOLE_TABLES: &str = r#"
CREATE TABLE IF NOT EXISTS definitions (
    hash TEXT PRIMARY KEY,
    definition TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS jobs_listed ON jobs(created_at, id);
CREATE INDEX IF NOT EXISTS jobs_listed_per_status ON jobs(status, created_at, id);
"#;

/// Layout 5: the tokens of callback tasks, so a restarted stack resumes each
/// waiting execution on the token its approver holds, and tells a token that
/// ended (`TaskTimedOut`) from one never issued (`InvalidToken`). Few rows,
/// written once when a task opens its token and once when it ends; the
/// partial index holds only the open ones, which recovery reads.
const TASK_TOKENS: &str = r#"
CREATE TABLE IF NOT EXISTS task_tokens (
    token TEXT PRIMARY KEY,
    execution_arn TEXT NOT NULL,
    state TEXT NOT NULL,
    opened_at TEXT NOT NULL,
    closed INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS task_tokens_open ON task_tokens(execution_arn)
    WHERE closed = 0;
"#;

/// Layout 6: a distributed Map's Map Runs, and its child executions, which are executions
/// of their own linked to their run (and numbered by their item, so a run lists its children
/// in item order). The partial index holds only children: a top-level execution does not
/// touch it.
const TO_MAP_RUN_COLUMNS: &str = r#"
ALTER TABLE executions ADD COLUMN map_run TEXT;
ALTER TABLE executions ADD COLUMN map_run_item INTEGER;
"#;
const MAP_RUNS: &str = r#"
CREATE TABLE IF NOT EXISTS map_runs (
    arn TEXT PRIMARY KEY,
    -- The last part of the ARN, by which the console and /local/map-runs find it.
    id TEXT NOT NULL UNIQUE,
    execution INTEGER NOT NULL,
    state_name TEXT NOT NULL,
    -- NULL until its items are read.
    total INTEGER,
    status TEXT NOT NULL,
    start_date TEXT NOT NULL,
    stop_date TEXT,
    error TEXT,
    cause TEXT,
    max_concurrency INTEGER NOT NULL,
    tolerated_failure_count REAL,
    tolerated_failure_percentage REAL
);
CREATE INDEX IF NOT EXISTS map_runs_by_execution ON map_runs(execution);
CREATE INDEX IF NOT EXISTS executions_by_map_run ON executions(map_run, map_run_item)
    WHERE map_run IS NOT NULL;
"#;

/// Brings the file to [`VERSION`] in one transaction: a failure leaves it as
/// it was.
pub(super) fn migrate(conn: &mut Connection) -> Result<(), DbError> {
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if version > VERSION {
        return Err(DbError::Sql(format!(
            "the data directory was written by a newer version (layout {version}, this one reads {VERSION}); \
             use that version, or start with another --data-dir"
        )));
    }
    if version == VERSION {
        return Ok(());
    }
    let tx = conn.transaction()?;
    if version < 2 {
        let first_layout =
            has_column(&tx, "executions", "arn")? && !has_column(&tx, "executions", "seq")?;
        if first_layout {
            tx.execute_batch(FROM_FIRST_LAYOUT)?;
        }
        tx.execute_batch(TABLES)?;
        if first_layout {
            tx.execute_batch(COPY_FIRST_LAYOUT)?;
        }
    }
    if !has_column(&tx, "jobs", "redrives")? {
        tx.execute_batch(TO_REDRIVES)?;
    }
    tx.execute_batch(UNFINISHED_INDEX)?;
    if !has_column(&tx, "executions", "definition")? {
        tx.execute_batch(TO_DEFINITIONS)?;
    }
    tx.execute_batch(CONSOLE_TABLES)?;
    tx.execute_batch(TASK_TOKENS)?;
    if !has_column(&tx, "executions", "map_run")? {
        tx.execute_batch(TO_MAP_RUN_COLUMNS)?;
    }
    tx.execute_batch(MAP_RUNS)?;
    tx.pragma_update(None, "user_version", VERSION)?;
    tx.commit()?;
    Ok(())
}

fn has_column(conn: &Connection, table: &str, column: &str) -> Result<bool, DbError> {
    let n: i64 = conn.query_row(
        "SELECT count(*) FROM pragma_table_info(?1) WHERE name = ?2",
        [table, column],
        |r| r.get(0),
    )?;
    Ok(n > 0)
}

#[cfg(test)]
mod tests;
