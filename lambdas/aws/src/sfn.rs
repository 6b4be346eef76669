//! Starts the jobs workflow on Step Functions.

use async_trait::async_trait;
use aws_sdk_sfn::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_sfn::operation::start_execution::StartExecutionError;
use aws_sdk_sfn::Client;

use jobs_domain::ports::{StartError, WorkflowInput, WorkflowStarter};

#[derive(Clone, Debug)]
pub struct SfnWorkflowStarter {
    client: Client,
    state_machine_arn: String,
}

impl SfnWorkflowStarter {
    pub fn new(client: Client, state_machine_arn: impl Into<String>) -> Self {
        Self {
            client,
            state_machine_arn: state_machine_arn.into(),
        }
    }
}

#[async_trait]
impl WorkflowStarter for SfnWorkflowStarter {
    /// The execution is named with the job id (plus the re-drive's number for
    /// a re-drive), so a job is found in the console by its id.
    async fn start(&self, input: &WorkflowInput) -> Result<(), StartError> {
        let body = serde_json::to_string(input).map_err(|e| StartError::Refused(e.to_string()))?;
        self.client
            .start_execution()
            .state_machine_arn(&self.state_machine_arn)
            .name(input.execution_name())
            .input(body)
            .send()
            .await
            .map(|_| ())
            .map_err(start_error)
    }
}

pub fn start_error(
    err: SdkError<StartExecutionError, aws_sdk_sfn::config::http::HttpResponse>,
) -> StartError {
    match &err {
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => {
            StartError::Unavailable(err.to_string())
        }
        SdkError::ServiceError(service) => {
            let e = service.err();
            let text = format!(
                "{}: {}",
                e.code().unwrap_or("UnknownError"),
                e.message().unwrap_or("no message")
            );
            match e {
                StartExecutionError::ExecutionAlreadyExists(_) => StartError::AlreadyStarted,
                StartExecutionError::ExecutionLimitExceeded(_) => StartError::Unavailable(text),
                StartExecutionError::StateMachineDoesNotExist(_)
                | StartExecutionError::StateMachineDeleting(_)
                | StartExecutionError::InvalidArn(_) => {
                    StartError::Refused(format!("{text} (check STATE_MACHINE_ARN)"))
                }
                _ => match e.code() {
                    Some(
                        "ThrottlingException"
                        | "ServiceUnavailable"
                        | "InternalFailure"
                        | "InternalServerError",
                    ) => StartError::Unavailable(text),
                    _ => StartError::Refused(text),
                },
            }
        }
        _ => StartError::Refused(err.to_string()),
    }
}
