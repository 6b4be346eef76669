//! The local failed-jobs event bus, with the two rules the AWS stack has:
//! the archive rule keeps every `JobFailed` event from the workflow that is
//! not a replay, and the replay rule starts the workflow again for replayed
//! events only. A replayed event is never archived, so replays never loop.

use std::sync::{Arc, OnceLock};

use chrono::{DateTime, Utc};
use jobs_domain::ports::{
    Clock, ReplayInfo, StartError, StoreError, WorkflowInput, WorkflowStarter,
};
use jobs_domain::JobId;
use serde_json::{json, Value};
use tracing::{info, warn};

use crate::store::{ArchiveStore, ArchivedEvent};

pub(crate) const BUS_NAME: &str = "failed-jobs";
pub(crate) const ARCHIVE_NAME: &str = "failed-jobs-archive";
pub(crate) const SOURCE: &str = "jobs.workflow";
pub(crate) const DETAIL_TYPE: &str = "JobFailed";

/// The largest PutEvents entry EventBridge takes (256 KiB).
pub const MAX_ENTRY_BYTES: usize = 256 * 1024;

/// An entry's size as EventBridge counts it: the UTF-8 bytes of its Source,
/// DetailType and Detail text, 14 for its Time, and each of its Resources.
pub fn entry_size(source: &str, detail_type: &str, detail: &str, resources: &[&str]) -> usize {
    14 + source.len()
        + detail_type.len()
        + detail.len()
        + resources.iter().map(|r| r.len()).sum::<usize>()
}

/// One event on the bus.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct BusEvent {
    pub event_id: String,
    pub time: DateTime<Utc>,
    pub source: String,
    pub detail_type: String,
    pub detail: Value,
    /// Set on events re-sent by a replay.
    pub replay_name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum BusError {
    #[error("invalid PutEvents entry: {0}")]
    InvalidEntry(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum ReplayError {
    #[error("Replay {0} already exists.")]
    NameTaken(String),
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ReplayOutcome {
    pub name: String,
    pub events_replayed: usize,
}

pub struct Bus {
    archive: ArchiveStore,
    clock: Arc<dyn Clock>,
    /// The replay rule's target; set once the workflow runtime exists (the
    /// runtime itself puts events on this bus).
    workflow: OnceLock<Arc<dyn WorkflowStarter>>,
}

impl Bus {
    pub fn new(archive: ArchiveStore, clock: Arc<dyn Clock>) -> Self {
        Self {
            archive,
            clock,
            workflow: OnceLock::new(),
        }
    }

    pub(crate) fn set_workflow(&self, workflow: Arc<dyn WorkflowStarter>) {
        let _ = self.workflow.set(workflow);
    }

    pub(crate) fn archive(&self) -> &ArchiveStore {
        &self.archive
    }

    /// `PutEvents`: takes the entries as Step Functions passes them and
    /// returns one event id per entry. Rules run before this returns, so an
    /// event the archive rule takes is stored once the call succeeds.
    pub(crate) async fn put_events(&self, entries: &[Value]) -> Result<Vec<String>, BusError> {
        let mut events = Vec::with_capacity(entries.len());
        for entry in entries {
            events.push(self.parse_entry(entry)?);
        }
        let mut ids = Vec::with_capacity(events.len());
        for event in events {
            ids.push(event.event_id.clone());
            self.route(event).await?;
        }
        Ok(ids)
    }

    fn parse_entry(&self, entry: &Value) -> Result<BusEvent, BusError> {
        let field = |name: &str| {
            entry
                .get(name)
                .and_then(Value::as_str)
                .map(str::to_owned)
                .ok_or_else(|| BusError::InvalidEntry(format!("{name} is required")))
        };
        if let Some(bus) = entry.get("EventBusName").and_then(Value::as_str) {
            if bus != BUS_NAME && !bus.ends_with(&format!(":event-bus/{BUS_NAME}")) {
                return Err(BusError::InvalidEntry(format!(
                    "event bus {bus} does not exist; the local stack has {BUS_NAME}"
                )));
            }
        }
        // The SDK sends Detail as JSON text; Step Functions may pass an object.
        let (detail, text) = match entry.get("Detail") {
            Some(Value::String(text)) => (
                serde_json::from_str(text)
                    .map_err(|e| BusError::InvalidEntry(format!("Detail is not JSON: {e}")))?,
                text.clone(),
            ),
            Some(v @ Value::Object(_)) => (v.clone(), v.to_string()),
            _ => {
                return Err(BusError::InvalidEntry(
                    "Detail must be a JSON object".into(),
                ))
            }
        };
        let (source, detail_type) = (field("Source")?, field("DetailType")?);
        let size = entry_size(&source, &detail_type, &text, &[]);
        if size > MAX_ENTRY_BYTES {
            return Err(BusError::InvalidEntry(format!(
                "the entry is {size} bytes; EventBridge takes at most {MAX_ENTRY_BYTES}"
            )));
        }
        Ok(BusEvent {
            event_id: uuid::Uuid::new_v4().to_string(),
            time: self.clock.now(),
            source,
            detail_type,
            detail,
            replay_name: None,
        })
    }

    async fn route(&self, event: BusEvent) -> Result<(), BusError> {
        let job_id = event.detail.get("id").and_then(Value::as_str).unwrap_or("");
        if event.source != SOURCE || event.detail_type != DETAIL_TYPE {
            info!(job_id, source = %event.source, detail_type = %event.detail_type, "event matched no rule");
            return Ok(());
        }
        match &event.replay_name {
            None => {
                self.archive
                    .insert(&ArchivedEvent {
                        event_id: event.event_id.clone(),
                        time: event.time,
                        source: event.source.clone(),
                        detail_type: event.detail_type.clone(),
                        detail: event.detail.clone(),
                    })
                    .await?;
                info!(job_id, event_id = %event.event_id, "failed job archived");
            }
            Some(replay) => self.start_replayed(&event, replay).await,
        }
        Ok(())
    }

    /// The replay rule's target: StartExecution with the job and the replay's
    /// name. As with an EventBridge target, a failure is logged, not returned.
    async fn start_replayed(&self, event: &BusEvent, replay: &str) {
        let raw_id = event.detail.get("id").and_then(Value::as_str).unwrap_or("");
        let Ok(id) = raw_id.parse::<JobId>() else {
            warn!(
                job_id = raw_id,
                replay, "replayed event has no valid job id; nothing started"
            );
            return;
        };
        let input = WorkflowInput {
            id,
            parameters: event
                .detail
                .get("parameters")
                .cloned()
                .unwrap_or(Value::Null),
            replay: Some(ReplayInfo {
                name: replay.to_owned(),
            }),
            redrive: None,
        };
        let Some(workflow) = self.workflow.get() else {
            warn!(job_id = %id, replay, "no workflow to start; replayed event dropped");
            return;
        };
        match workflow.start(&input).await {
            Ok(()) => info!(job_id = %id, replay, "replay started the workflow"),
            Err(StartError::AlreadyStarted) => {
                info!(job_id = %id, replay, "this replay already started the workflow for the job")
            }
            Err(e) => {
                warn!(job_id = %id, replay, error = %e, "replay could not start the workflow")
            }
        }
    }

    /// `StartReplay` over `[from, to)`: every archived event in the window is
    /// sent to the bus again, marked with the replay's name.
    pub(crate) async fn replay(
        &self,
        name: Option<String>,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<ReplayOutcome, ReplayError> {
        if from >= to {
            return Err(ReplayError::Invalid(
                "the replay's start time must be before its end time".into(),
            ));
        }
        let now = self.clock.now();
        let name = match name {
            Some(n) if valid_replay_name(&n) => n,
            Some(n) => {
                return Err(ReplayError::Invalid(format!(
                    "invalid replay name {n:?}: 1 to 64 letters, digits, '.', '-' or '_'"
                )))
            }
            None => format!(
                "replay-{}-{}",
                now.format("%Y%m%dT%H%M%S"),
                &uuid::Uuid::new_v4().simple().to_string()[..8]
            ),
        };
        let events = self.archive.between(from, to).await?;
        if !self
            .archive
            .record_replay(&name, from, to, now, events.len())
            .await?
        {
            return Err(ReplayError::NameTaken(name));
        }
        info!(replay = %name, events = events.len(), "replay started");
        self.send_again(&name, &events).await?;
        Ok(ReplayOutcome {
            name,
            events_replayed: events.len(),
        })
    }

    /// Finishes the replays a stop cut off. Sending an event again that was
    /// already sent starts nothing new: a replay's execution for a job has a
    /// name made from the replay and the job (see the runtime's `start`).
    pub(crate) async fn resume_replays(&self) -> Result<usize, ReplayError> {
        let unfinished = self.archive.unfinished_replays().await?;
        for (name, from, to) in &unfinished {
            let events = self.archive.between(*from, *to).await?;
            info!(replay = %name, events = events.len(), "resuming a replay cut off by a stop");
            self.send_again(name, &events).await?;
        }
        Ok(unfinished.len())
    }

    async fn send_again(&self, name: &str, events: &[ArchivedEvent]) -> Result<(), ReplayError> {
        for archived in events {
            let event = BusEvent {
                event_id: uuid::Uuid::new_v4().to_string(),
                time: archived.time,
                source: archived.source.clone(),
                detail_type: archived.detail_type.clone(),
                detail: archived.detail.clone(),
                replay_name: Some(name.to_owned()),
            };
            self.route(event).await.map_err(|e| match e {
                BusError::Store(s) => ReplayError::Store(s),
                other => ReplayError::Invalid(other.to_string()),
            })?;
        }
        self.archive.complete_replay(name).await?;
        Ok(())
    }
}

fn valid_replay_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
}

/// The `PutEvents` response for event ids.
pub(crate) fn put_events_output(ids: &[String]) -> Value {
    json!({
        "Entries": ids.iter().map(|id| json!({ "EventId": id })).collect::<Vec<_>>(),
        "FailedEntryCount": 0,
    })
}

#[cfg(test)]
mod tests;
