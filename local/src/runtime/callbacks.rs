//! The stack's task tokens: the waits running now in memory, every token in the store. A
//! restarted stack resumes each waiting execution on the token its approver already holds,
//! and a token that ended before the restart still answers `TaskTimedOut`, not
//! `InvalidToken`.

use std::sync::Arc;

use jobs_asl::{CallbackError, Callbacks, MemoryCallbacks, Signal, TokenOwner, WaitingTask};
use jobs_domain::ports::Clock;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tracing::error;

use crate::store::TokenStore;

pub struct StackCallbacks {
    memory: MemoryCallbacks,
    store: TokenStore,
    clock: Arc<dyn Clock>,
    /// Set while the stack stops: a wait dropped then is not a task that ended, so its token
    /// stays open for the next start.
    stopping: CancellationToken,
}

impl StackCallbacks {
    pub(crate) fn new(
        store: TokenStore,
        clock: Arc<dyn Clock>,
        stopping: CancellationToken,
    ) -> Self {
        Self {
            memory: MemoryCallbacks::new(),
            store,
            clock,
            stopping,
        }
    }

    /// The callback tasks of this execution waiting now.
    pub fn waiting(&self, execution_arn: &str) -> Vec<WaitingTask> {
        self.memory.waiting(execution_arn)
    }

    /// SendTaskSuccess.
    pub async fn success(&self, token: &str, output: &str) -> Result<(), CallbackError> {
        let r = self.memory.success(token, output);
        self.or_ended_earlier(token, r).await
    }

    /// SendTaskFailure.
    pub async fn failure(
        &self,
        token: &str,
        error: &str,
        cause: &str,
    ) -> Result<(), CallbackError> {
        let r = self.memory.failure(token, error, cause);
        self.or_ended_earlier(token, r).await
    }

    /// SendTaskHeartbeat.
    pub async fn heartbeat(&self, token: &str) -> Result<(), CallbackError> {
        let r = self.memory.heartbeat(token);
        self.or_ended_earlier(token, r).await
    }

    /// A token memory does not know may have been issued before a restart, or forgotten since
    /// it ended: if the store has it, its task is over.
    async fn or_ended_earlier(
        &self,
        token: &str,
        r: Result<(), CallbackError>,
    ) -> Result<(), CallbackError> {
        if r != Err(CallbackError::InvalidToken) {
            return r;
        }
        match self.store.issued(token).await {
            Ok(true) => Err(CallbackError::TaskTimedOut),
            Ok(false) => r,
            Err(e) => {
                error!(error = %e, "the task token store could not be read");
                r
            }
        }
    }
}

impl Callbacks for StackCallbacks {
    fn open(&self, token: &str, owner: &TokenOwner) -> mpsc::UnboundedReceiver<Signal> {
        self.store.open(token, owner, self.clock.now());
        self.memory.open(token, owner)
    }

    fn close(&self, token: &str) {
        self.memory.close(token);
        if !self.stopping.is_cancelled() {
            self.store.close(token);
        }
    }
}
