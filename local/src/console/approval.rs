//! The forms that answer a callback task on its execution's page. A Task
//! state whose resource ends in `.waitForTaskToken` waits, after its call,
//! until its token is completed; while it does, the page offers Approve (an
//! output, JSON) and Reject (an error and a cause). They post to the page
//! itself, where [`answer`](super::answer) completes the token.

use jobs_asl::WaitingTask;
use maud::{html, Markup};
use serde::Deserialize;

use super::states::StateStatus;
use super::views::badge;

/// The output an Approve form starts with.
pub(crate) const DEFAULT_OUTPUT: &str = "{}";
/// The error a Reject form starts with.
pub(crate) const DEFAULT_ERROR: &str = "Rejected";

/// What an Approve or Reject form sends.
#[derive(Debug, Default, Clone, Deserialize)]
pub(crate) struct Answer {
    #[serde(default)]
    pub token: String,
    /// `approve` or `reject`.
    #[serde(default)]
    pub answer: String,
    #[serde(default)]
    pub output: String,
    #[serde(default)]
    pub error: String,
    #[serde(default)]
    pub cause: String,
}

/// An answer the registry refused, shown again with why.
pub(crate) struct Refused {
    pub answer: Answer,
    /// The state whose task it answered, when that task still waits.
    pub state: Option<String>,
    pub message: String,
}

/// `?approved=State` or `?rejected=State`: the answer just sent.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct Notice {
    #[serde(default)]
    pub approved: Option<String>,
    #[serde(default)]
    pub rejected: Option<String>,
}

impl Notice {
    pub(crate) fn text(&self) -> Option<String> {
        match (&self.approved, &self.rejected) {
            (Some(state), _) => Some(format!(
                "Approved {state}: its task succeeded with the output given, and the execution goes on."
            )),
            (None, Some(state)) => Some(format!(
                "Rejected {state}: its task failed with the error given, and the execution goes on from there (a Catch, or its end)."
            )),
            (None, None) => None,
        }
    }
}

/// The Approve and Reject forms of every task of the execution `name` that
/// waits for its token now; nothing when none does. `refused` fills the
/// forms of its task with what was sent.
pub(crate) fn card(name: &str, waiting: &[WaitingTask], refused: Option<&Refused>) -> Markup {
    if waiting.is_empty() {
        return html! {};
    }
    let action = format!("/console/executions/{name}");
    html! {
        section class="card waiting" {
            h2 { "Waiting for a task token" }
            p class="hint" { "These tasks made their call and wait until their token is completed, as SendTaskSuccess or SendTaskFailure (or " code { "jobs task success|failure" } ") would do it." }
            @for task in waiting {
                @let sent = refused.map(|r| &r.answer).filter(|a| a.token == task.token);
                @let output = sent.filter(|a| a.answer == "approve").map_or(DEFAULT_OUTPUT, |a| a.output.as_str());
                @let (error, cause) = sent.filter(|a| a.answer == "reject").map_or((DEFAULT_ERROR, ""), |a| (a.error.as_str(), a.cause.as_str()));
                div class="waiting-task" data-state=(task.state_name) {
                    h3 { (task.state_name) " " (badge(StateStatus::Waiting.class(), StateStatus::Waiting.label())) }
                    p class="token" { "Token " code { (task.token) } }
                    div class="answers" {
                        form method="post" action=(action) class="answer approve" data-key={ "approve-" (task.token) } {
                            input type="hidden" name="token" value=(task.token);
                            input type="hidden" name="answer" value="approve";
                            label { "Output (JSON)" textarea name="output" class="json" rows="3" spellcheck="false" { (output) } }
                            button type="submit" class="primary" { "Approve" }
                        }
                        form method="post" action=(action) class="answer reject" data-key={ "reject-" (task.token) } {
                            input type="hidden" name="token" value=(task.token);
                            input type="hidden" name="answer" value="reject";
                            label { "Error" input type="text" name="error" value=(error) maxlength="256"; }
                            label { span { "Cause " span class="optional" { "(optional)" } } input type="text" name="cause" value=(cause) maxlength="32768"; }
                            button type="submit" class="danger" { "Reject" }
                        }
                    }
                }
            }
        }
    }
}
