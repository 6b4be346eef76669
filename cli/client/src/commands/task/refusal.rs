//! Why a task's answer was refused, by the name Step Functions gives it (the
//! local stack gives the same names), and what to do about it.

use std::fmt;

/// The errors of SendTaskSuccess, SendTaskFailure and SendTaskHeartbeat that
/// are about the task itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The token is malformed, or was never issued here.
    InvalidToken,
    /// The task already ended: answered, timed out, or its execution stopped.
    TaskTimedOut,
    /// The output is not JSON.
    InvalidOutput,
    /// On AWS: the task is gone with its execution.
    TaskDoesNotExist,
}

impl Refusal {
    const ALL: [Refusal; 4] = [
        Refusal::InvalidToken,
        Refusal::TaskTimedOut,
        Refusal::InvalidOutput,
        Refusal::TaskDoesNotExist,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Refusal::InvalidToken => "InvalidToken",
            Refusal::TaskTimedOut => "TaskTimedOut",
            Refusal::InvalidOutput => "InvalidOutput",
            Refusal::TaskDoesNotExist => "TaskDoesNotExist",
        }
    }

    fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.name() == name)
    }

    fn hint(self) -> &'static str {
        match self {
            Refusal::InvalidToken => {
                "pass the whole `$$.Task.Token` the task handed on, quoted for the shell, to the \
                 stack that issued it (on AWS, a token is valid only in its execution's account \
                 and region: check --stack and --region); locally, `jobs history JOB_ID --json` \
                 shows it in the parameters of the task's TaskScheduled event"
            }
            Refusal::TaskTimedOut => {
                "the task already ended (it was answered before, its TimeoutSeconds or \
                 HeartbeatSeconds ran out, or its execution stopped), so there is nothing left \
                 to answer; `jobs history JOB_ID` shows how it ended"
            }
            Refusal::InvalidOutput => {
                "pass the output as JSON text: an object ('{\"approved\": true}') or any JSON \
                 value, a string quoted ('\"done\"')"
            }
            Refusal::TaskDoesNotExist => {
                "the task is gone with its execution, which has ended, so there is nothing \
                 left to answer; `jobs history JOB_ID` shows how it ended"
            }
        }
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A refused answer: the call, the error's name, what the stack said, and
/// what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskError {
    pub action: &'static str,
    pub refusal: Refusal,
    /// The stack's own words, without the error's name.
    pub said: String,
}

impl fmt::Display for TaskError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} refused: {}", self.action, self.refusal)?;
        if !self.said.is_empty() {
            write!(f, ": {}", self.said)?;
        }
        write!(f, "\nhint: {}", self.refusal.hint())
    }
}

impl std::error::Error for TaskError {}

/// The refusal of `action` with this error `code` and `message`, if the code
/// is one of the task's own errors.
pub(crate) fn named(action: &'static str, code: &str, message: &str) -> Option<TaskError> {
    let refusal = Refusal::from_name(code.trim())?;
    let message = message.trim();
    Some(TaskError {
        action,
        refusal,
        said: if message == refusal.name() {
            String::new()
        } else {
            message.to_owned()
        },
    })
}

/// The refusal in a local stack's message, which reads `Name: what happened`.
pub(super) fn named_in(action: &'static str, message: &str) -> Option<TaskError> {
    let (code, said) = message.split_once(':').unwrap_or((message, ""));
    named(action, code, said)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_local_message_gives_the_name_and_the_words_after_it() {
        let e = named_in(
            "SendTaskHeartbeat",
            "InvalidToken: the task token is malformed or was never issued",
        )
        .unwrap();
        assert_eq!(e.refusal, Refusal::InvalidToken);
        assert_eq!(e.said, "the task token is malformed or was never issued");
        let text = e.to_string();
        assert!(
            text.starts_with(
                "SendTaskHeartbeat refused: InvalidToken: the task token is malformed"
            ),
            "{text}"
        );
        assert!(
            text.contains("\nhint: pass the whole `$$.Task.Token`"),
            "{text}"
        );
    }

    #[test]
    fn other_messages_are_not_the_tasks_refusals() {
        assert_eq!(
            named_in("SendTaskSuccess", "the body must be JSON: eof"),
            None
        );
        assert_eq!(named_in("SendTaskSuccess", "Invalid token"), None);
        assert_eq!(named("SendTaskSuccess", "ValidationException", "x"), None);
    }

    #[test]
    fn each_name_reads_back_and_a_bare_name_says_nothing_twice() {
        for refusal in Refusal::ALL {
            assert_eq!(Refusal::from_name(refusal.name()), Some(refusal));
        }
        let e = named("SendTaskSuccess", "TaskDoesNotExist", "TaskDoesNotExist").unwrap();
        assert_eq!(e.said, "");
        let text = e.to_string();
        assert!(
            text.starts_with("SendTaskSuccess refused: TaskDoesNotExist\nhint: "),
            "{text}"
        );
        assert!(text.contains("`jobs history JOB_ID`"), "{text}");
    }
}
