//! Callback tasks (`.waitForTaskToken`): the port through which a task token is completed.
//!
//! The executor opens a token before it calls the task's resource, then waits for whoever
//! holds the token to report success, failure or a heartbeat. [`Callbacks`] is that port;
//! [`MemoryCallbacks`] keeps tokens in memory, and a store can back its own implementation.
//! Completion errors are the ones SendTaskSuccess/Failure/Heartbeat give.

use serde_json::Value;
use std::collections::HashMap;
use std::sync::Mutex;
use tokio::sync::mpsc;

/// What the holder of a task token reports.
#[derive(Debug, Clone, PartialEq)]
pub enum Signal {
    Heartbeat,
    Success(Value),
    Failure { error: String, cause: String },
}

/// Why a token cannot be completed, named as the Step Functions API names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallbackError {
    /// Malformed, or never issued.
    InvalidToken,
    /// Issued, but its task already ended (completed, timed out or aborted).
    TaskTimedOut,
    /// A success whose output is not JSON.
    InvalidOutput,
}

impl CallbackError {
    pub fn name(&self) -> &'static str {
        match self {
            CallbackError::InvalidToken => "InvalidToken",
            CallbackError::TaskTimedOut => "TaskTimedOut",
            CallbackError::InvalidOutput => "InvalidOutput",
        }
    }

    pub fn message(&self) -> &'static str {
        match self {
            CallbackError::InvalidToken => "the task token is malformed or was never issued",
            CallbackError::TaskTimedOut => {
                "the task of this token has already ended (completed, timed out or stopped)"
            }
            CallbackError::InvalidOutput => "the output is not JSON",
        }
    }
}

impl std::fmt::Display for CallbackError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.name(), self.message())
    }
}

impl std::error::Error for CallbackError {}

/// Where the executor registers the tokens of callback tasks.
pub trait Callbacks: Send + Sync {
    /// Opens `token`; its signals arrive on the receiver until [`close`](Self::close).
    fn open(&self, token: &str) -> mpsc::UnboundedReceiver<Signal>;
    /// The task ended: later signals for `token` fail with `TaskTimedOut`.
    fn close(&self, token: &str);
}

enum Entry {
    Open(mpsc::UnboundedSender<Signal>),
    Closed,
}

/// Tokens in memory, completed through [`success`](Self::success), [`failure`](Self::failure)
/// and [`heartbeat`](Self::heartbeat).
#[derive(Default)]
pub struct MemoryCallbacks {
    tokens: Mutex<HashMap<String, Entry>>,
}

impl MemoryCallbacks {
    pub fn new() -> Self {
        Self::default()
    }

    /// SendTaskSuccess: `output` is the task's result, as JSON text.
    pub fn success(&self, token: &str, output: &str) -> Result<(), CallbackError> {
        let out = serde_json::from_str(output).map_err(|_| CallbackError::InvalidOutput)?;
        self.send(token, Signal::Success(out), true)
    }

    /// SendTaskFailure.
    pub fn failure(&self, token: &str, error: &str, cause: &str) -> Result<(), CallbackError> {
        let signal = Signal::Failure {
            error: error.to_owned(),
            cause: cause.to_owned(),
        };
        self.send(token, signal, true)
    }

    /// SendTaskHeartbeat.
    pub fn heartbeat(&self, token: &str) -> Result<(), CallbackError> {
        self.send(token, Signal::Heartbeat, false)
    }

    fn send(&self, token: &str, signal: Signal, ends: bool) -> Result<(), CallbackError> {
        let mut tokens = self.tokens.lock().expect("callbacks lock");
        let entry = tokens.get_mut(token).ok_or(CallbackError::InvalidToken)?;
        let Entry::Open(tx) = entry else {
            return Err(CallbackError::TaskTimedOut);
        };
        // A receiver gone means the task ended without closing (its execution was dropped).
        tx.send(signal).map_err(|_| CallbackError::TaskTimedOut)?;
        if ends {
            *entry = Entry::Closed;
        }
        Ok(())
    }
}

impl Callbacks for MemoryCallbacks {
    fn open(&self, token: &str) -> mpsc::UnboundedReceiver<Signal> {
        let (tx, rx) = mpsc::unbounded_channel();
        let mut tokens = self.tokens.lock().expect("callbacks lock");
        tokens.insert(token.to_owned(), Entry::Open(tx));
        rx
    }

    fn close(&self, token: &str) {
        let mut tokens = self.tokens.lock().expect("callbacks lock");
        if let Some(e) = tokens.get_mut(token) {
            *e = Entry::Closed;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn completion_errors_as_the_api_names_them() {
        let cb = MemoryCallbacks::new();
        assert_eq!(cb.heartbeat("nope"), Err(CallbackError::InvalidToken));
        let mut rx = cb.open("t1");
        assert_eq!(
            cb.success("t1", "{not json"),
            Err(CallbackError::InvalidOutput)
        );
        cb.heartbeat("t1").unwrap();
        cb.success("t1", r#"{"ok":1}"#).unwrap();
        assert_eq!(rx.try_recv().unwrap(), Signal::Heartbeat);
        assert_eq!(rx.try_recv().unwrap(), Signal::Success(json!({"ok": 1})));
        assert_eq!(cb.failure("t1", "E", "C"), Err(CallbackError::TaskTimedOut));
        let _rx = cb.open("t2");
        cb.close("t2");
        assert_eq!(cb.heartbeat("t2"), Err(CallbackError::TaskTimedOut));
        assert_eq!(CallbackError::InvalidToken.name(), "InvalidToken");
    }
}
