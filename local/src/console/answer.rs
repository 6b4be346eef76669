//! An execution page's POST: an Approve or Reject form completes a token its
//! execution waits on, in the stack's registry, as SendTaskSuccess and
//! SendTaskFailure would (the same errors). Only a token of that execution
//! is completed; a refused answer is shown on the page again with what was
//! sent, and changes nothing.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use http::StatusCode;
use jobs_asl::CallbackError;
use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};

use super::approval::{Answer, Refused};
use super::execution::{self, Said};
use super::shell;
use super::state::{not_found, unavailable, ConsoleState};

/// Why an answer was refused, with what to do, and the status it answers.
fn refusal(e: &CallbackError) -> (StatusCode, String) {
    match e {
        CallbackError::InvalidOutput => (
            StatusCode::BAD_REQUEST,
            format!("{e}. Nothing was sent: write the output as JSON (an object such as {{\"approved\": true}}, or any JSON value) and approve again."),
        ),
        CallbackError::TaskTimedOut => (
            StatusCode::CONFLICT,
            format!("{e}. Nothing was sent; the page shows where the execution stands."),
        ),
        CallbackError::InvalidToken => (
            StatusCode::BAD_REQUEST,
            format!("{e}. Nothing was sent; reload the page to answer the tasks that wait now."),
        ),
    }
}

pub(crate) async fn post(
    State(state): State<ConsoleState>,
    Path(name): Path<String>,
    Form(answer): Form<Answer>,
) -> Response {
    let record = match state.inner.executions.named(&name).await {
        Ok(Some((record, _))) => record,
        Ok(None) => {
            return not_found(
                "No such execution",
                &format!("No execution is named {name}."),
            )
        }
        Err(e) => return unavailable(e),
    };
    let callbacks = &state.inner.callbacks;
    // Only a token this execution waits on is completed from its page; one
    // that no longer waits is answered as the registry answers a token whose
    // task ended.
    let task = callbacks
        .waiting(&record.arn)
        .into_iter()
        .find(|t| t.token == answer.token);
    let sent = match (&task, answer.answer.as_str()) {
        (None, _) => Err(CallbackError::TaskTimedOut),
        (Some(t), "approve") => callbacks.success(&t.token, &answer.output).await,
        (Some(t), "reject") => {
            callbacks
                .failure(&t.token, &answer.error, &answer.cause)
                .await
        }
        (Some(_), other) => {
            return (
                StatusCode::BAD_REQUEST,
                shell::message_page(
                    "Unknown answer",
                    &format!("answer must be approve or reject, not {other:?}"),
                ),
            )
                .into_response()
        }
    };
    let state_name = task.map(|t| t.state_name);
    match sent {
        Ok(()) => {
            let which = if answer.answer == "approve" {
                "approved"
            } else {
                "rejected"
            };
            let state_name = state_name.unwrap_or_default();
            let state_name = utf8_percent_encode(&state_name, NON_ALPHANUMERIC);
            Redirect::to(&format!("/console/executions/{name}?{which}={state_name}"))
                .into_response()
        }
        Err(e) => {
            let (status, message) = refusal(&e);
            let refused = Refused {
                answer,
                state: state_name,
                message,
            };
            let said = Said {
                notice: None,
                refused: Some(&refused),
            };
            let mut page = execution::show(&state, &name, false, said).await;
            if page.status() == StatusCode::OK {
                *page.status_mut() = status;
            }
            page
        }
    }
}
