//! The failed-jobs archive and the replays made from it.

use chrono::{DateTime, Utc};
use jobs_domain::job::{parse_timestamp, timestamp};
use jobs_domain::ports::StoreError;
use rusqlite::params;

use super::db_error::DbError;
use super::jobs::store_error;
use super::sqlite::{Cached, Db};

pub use jobs_wire::ArchivedEvent;

/// A replay as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplayRecord {
    pub name: String,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub started_at: DateTime<Utc>,
    pub events_replayed: u64,
    /// RUNNING until every event of its window has been sent, then COMPLETED.
    pub state: String,
}

#[derive(Clone)]
pub struct ArchiveStore {
    db: Db,
}

impl ArchiveStore {
    pub fn new(db: Db) -> Self {
        Self { db }
    }

    pub async fn insert(&self, event: &ArchivedEvent) -> Result<(), StoreError> {
        let e = event.clone();
        self.db
            .write(move |c| {
                c.exec(
                    "INSERT OR IGNORE INTO archive (event_id, time, source, detail_type, detail)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![
                        e.event_id,
                        timestamp(&e.time),
                        e.source,
                        e.detail_type,
                        e.detail.to_string()
                    ],
                )?;
                Ok(())
            })
            .await
            .map_err(store_error)
    }

    /// Events archived in `[from, to)`, oldest first.
    pub async fn between(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<ArchivedEvent>, StoreError> {
        let (from, to) = (timestamp(&from), timestamp(&to));
        self.db
            .read(move |c| {
                let mut st = c.prepare(
                    "SELECT event_id, time, source, detail_type, detail FROM archive
                     WHERE time >= ?1 AND time < ?2 ORDER BY time, event_id",
                )?;
                let rows = st.query_map(params![from, to], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, String>(3)?,
                        r.get::<_, String>(4)?,
                    ))
                })?;
                let mut out = Vec::new();
                for row in rows {
                    let (event_id, time, source, detail_type, detail) = row?;
                    let corrupt = || {
                        DbError::Sql(format!("corrupt: archived event {event_id} is unreadable"))
                    };
                    out.push(ArchivedEvent {
                        time: parse_timestamp(&time).ok_or_else(corrupt)?,
                        detail: serde_json::from_str(&detail).map_err(|_| corrupt())?,
                        event_id,
                        source,
                        detail_type,
                    });
                }
                Ok(out)
            })
            .await
            .map_err(store_error)
    }

    /// Records a replay by name as under way; `false` if the name was used
    /// before.
    pub async fn record_replay(
        &self,
        name: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        started_at: DateTime<Utc>,
        events_replayed: usize,
    ) -> Result<bool, StoreError> {
        let name = name.to_owned();
        self.db
            .write(move |c| {
                let n = c.exec(
                    "INSERT INTO replays (name, event_start, event_end, started_at, events_replayed, state)
                     VALUES (?1, ?2, ?3, ?4, ?5, 'RUNNING') ON CONFLICT DO NOTHING",
                    params![name, timestamp(&from), timestamp(&to), timestamp(&started_at), events_replayed as i64],
                )?;
                Ok(n == 1)
            })
            .await
            .map_err(store_error)
    }

    /// Notes that every event of a replay has been sent.
    pub async fn complete_replay(&self, name: &str) -> Result<(), StoreError> {
        let name = name.to_owned();
        self.db
            .write(move |c| {
                c.exec(
                    "UPDATE replays SET state = 'COMPLETED' WHERE name = ?1",
                    [name],
                )?;
                Ok(())
            })
            .await
            .map_err(store_error)
    }

    /// The latest replays, newest first.
    pub async fn replays(&self, limit: usize) -> Result<Vec<ReplayRecord>, StoreError> {
        self.db
            .read(move |c| {
                let mut st = c.prepare_cached(
                    "SELECT name, event_start, event_end, started_at, events_replayed, state
                     FROM replays ORDER BY started_at DESC, name LIMIT ?1",
                )?;
                let rows = st.query_map([limit as i64], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, String>(3)?,
                        r.get::<_, i64>(4)?,
                        r.get::<_, String>(5)?,
                    ))
                })?;
                let mut out = Vec::new();
                for row in rows {
                    let (name, from, to, started, n, state) = row?;
                    let corrupt =
                        || DbError::Sql(format!("corrupt: replay {name} has an unreadable time"));
                    out.push(ReplayRecord {
                        from: parse_timestamp(&from).ok_or_else(corrupt)?,
                        to: parse_timestamp(&to).ok_or_else(corrupt)?,
                        started_at: parse_timestamp(&started).ok_or_else(corrupt)?,
                        events_replayed: n.max(0) as u64,
                        state,
                        name,
                    });
                }
                Ok(out)
            })
            .await
            .map_err(store_error)
    }

    /// Replays a stop cut off before all their events were sent: name and
    /// window, oldest first.
    pub async fn unfinished_replays(
        &self,
    ) -> Result<Vec<(String, DateTime<Utc>, DateTime<Utc>)>, StoreError> {
        self.db
            .read(|c| {
                let mut st = c.prepare(
                    "SELECT name, event_start, event_end FROM replays
                     WHERE state = 'RUNNING' ORDER BY started_at, name",
                )?;
                let rows = st.query_map([], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                    ))
                })?;
                let mut out = Vec::new();
                for row in rows {
                    let (name, from, to) = row?;
                    let corrupt =
                        || DbError::Sql(format!("corrupt: replay {name} has an unreadable window"));
                    let from = parse_timestamp(&from).ok_or_else(corrupt)?;
                    let to = parse_timestamp(&to).ok_or_else(corrupt)?;
                    out.push((name, from, to));
                }
                Ok(out)
            })
            .await
            .map_err(store_error)
    }
}
