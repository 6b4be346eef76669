//! Callback tasks (`.waitForTaskToken`): the port through which a task token is completed.
//!
//! The executor opens a token before it calls the task's resource, then waits for whoever
//! holds the token to report success, failure or a heartbeat. [`Callbacks`] is that port;
//! [`MemoryCallbacks`] keeps tokens in memory, and a store can back its own implementation.
//! Completion errors are the ones SendTaskSuccess/Failure/Heartbeat give.

use serde_json::Value;
use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use tokio::sync::mpsc;

/// Which task a token belongs to: shown to whoever completes it, and kept by a store so a
/// restarted process finds the tokens its executions were waiting on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenOwner {
    pub execution_arn: String,
    pub state_name: String,
}

/// A callback task waiting for its token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaitingTask {
    pub token: String,
    pub state_name: String,
}

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
    /// Opens `token` for `owner`; its signals arrive on the receiver until
    /// [`close`](Self::close). Opening a token again (a resumed wait) replaces its receiver.
    fn open(&self, token: &str, owner: &TokenOwner) -> mpsc::UnboundedReceiver<Signal>;
    /// The task ended: later signals for `token` fail with `TaskTimedOut`.
    fn close(&self, token: &str);
}

/// How many ended tokens are remembered (to answer `TaskTimedOut` rather than
/// `InvalidToken`); older ones are forgotten, so a long-running process does not grow without
/// bound. A store that keeps every token can answer for the forgotten ones.
pub const ENDED_TOKENS_KEPT: usize = 10_000;

enum Entry {
    Open(mpsc::UnboundedSender<Signal>, TokenOwner),
    Closed,
}

#[derive(Default)]
struct Tokens {
    entries: HashMap<String, Entry>,
    /// Ended tokens, oldest first.
    ended: VecDeque<String>,
}

impl Tokens {
    fn end(&mut self, token: &str) {
        if let Some(e) = self.entries.get_mut(token) {
            if matches!(e, Entry::Open(..)) {
                *e = Entry::Closed;
                self.ended.push_back(token.to_owned());
            }
        }
        while self.ended.len() > ENDED_TOKENS_KEPT {
            if let Some(old) = self.ended.pop_front() {
                // A token reopened since it ended is open again: keep it.
                if matches!(self.entries.get(&old), Some(Entry::Closed)) {
                    self.entries.remove(&old);
                }
            }
        }
    }
}

/// Tokens in memory, completed through [`success`](Self::success), [`failure`](Self::failure)
/// and [`heartbeat`](Self::heartbeat).
#[derive(Default)]
pub struct MemoryCallbacks {
    tokens: Mutex<Tokens>,
}

impl MemoryCallbacks {
    pub fn new() -> Self {
        Self::default()
    }

    /// The callback tasks of `execution_arn` waiting now, with their tokens.
    pub fn waiting(&self, execution_arn: &str) -> Vec<WaitingTask> {
        let tokens = self.tokens.lock().expect("callbacks lock");
        let mut found: Vec<WaitingTask> = tokens
            .entries
            .iter()
            .filter_map(|(token, e)| match e {
                Entry::Open(_, owner) if owner.execution_arn == execution_arn => {
                    Some(WaitingTask {
                        token: token.clone(),
                        state_name: owner.state_name.clone(),
                    })
                }
                _ => None,
            })
            .collect();
        found.sort_by(|a, b| a.state_name.cmp(&b.state_name));
        found
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
        let entry = tokens
            .entries
            .get_mut(token)
            .ok_or(CallbackError::InvalidToken)?;
        let Entry::Open(tx, _) = entry else {
            return Err(CallbackError::TaskTimedOut);
        };
        // A receiver gone means the task ended without closing (its execution was dropped).
        tx.send(signal).map_err(|_| CallbackError::TaskTimedOut)?;
        if ends {
            tokens.end(token);
        }
        Ok(())
    }
}

impl Callbacks for MemoryCallbacks {
    fn open(&self, token: &str, owner: &TokenOwner) -> mpsc::UnboundedReceiver<Signal> {
        let (tx, rx) = mpsc::unbounded_channel();
        let mut tokens = self.tokens.lock().expect("callbacks lock");
        tokens
            .entries
            .insert(token.to_owned(), Entry::Open(tx, owner.clone()));
        rx
    }

    fn close(&self, token: &str) {
        self.tokens.lock().expect("callbacks lock").end(token);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn owner(state: &str) -> TokenOwner {
        TokenOwner {
            execution_arn: "arn:x".into(),
            state_name: state.into(),
        }
    }

    #[test]
    fn completion_errors_as_the_api_names_them() {
        let cb = MemoryCallbacks::new();
        assert_eq!(cb.heartbeat("nope"), Err(CallbackError::InvalidToken));
        let mut rx = cb.open("t1", &owner("Approve"));
        assert_eq!(
            cb.success("t1", "{not json"),
            Err(CallbackError::InvalidOutput)
        );
        cb.heartbeat("t1").unwrap();
        cb.success("t1", r#"{"ok":1}"#).unwrap();
        assert_eq!(rx.try_recv().unwrap(), Signal::Heartbeat);
        assert_eq!(rx.try_recv().unwrap(), Signal::Success(json!({"ok": 1})));
        assert_eq!(cb.failure("t1", "E", "C"), Err(CallbackError::TaskTimedOut));
        let _rx = cb.open("t2", &owner("Approve"));
        cb.close("t2");
        assert_eq!(cb.heartbeat("t2"), Err(CallbackError::TaskTimedOut));
        assert_eq!(CallbackError::InvalidToken.name(), "InvalidToken");
    }

    #[test]
    fn waiting_lists_the_open_tokens_of_one_execution() {
        let cb = MemoryCallbacks::new();
        let _a = cb.open("ta", &owner("B"));
        let _b = cb.open("tb", &owner("A"));
        let other = TokenOwner {
            execution_arn: "arn:y".into(),
            state_name: "A".into(),
        };
        let _c = cb.open("tc", &other);
        cb.success("ta", "1").unwrap();
        let w = cb.waiting("arn:x");
        assert_eq!(
            w,
            vec![WaitingTask {
                token: "tb".into(),
                state_name: "A".into()
            }]
        );
    }

    #[test]
    fn ended_tokens_are_forgotten_past_the_bound() {
        let cb = MemoryCallbacks::new();
        for i in 0..=ENDED_TOKENS_KEPT {
            let _rx = cb.open(&format!("t{i}"), &owner("S"));
            cb.close(&format!("t{i}"));
        }
        // The oldest fell out of memory; the newest is still known to have ended.
        assert_eq!(cb.heartbeat("t0"), Err(CallbackError::InvalidToken));
        let last = format!("t{ENDED_TOKENS_KEPT}");
        assert_eq!(cb.heartbeat(&last), Err(CallbackError::TaskTimedOut));
        assert_eq!(cb.tokens.lock().unwrap().entries.len(), ENDED_TOKENS_KEPT);
    }
}
