//! The stack's CloudFormation outputs: where its API, archive, bus, replay
//! rule, state machine and log group are (cdk/lib/jobs-stack.ts declares them).

use std::collections::BTreeMap;

use super::errors::{self, AwsError, AwsErrorKind};

pub(crate) const API_ENDPOINT: &str = "ApiEndpoint";
pub(crate) const INVOKE_ROLE_ARN: &str = "JobsAPIInvokeRoleArn";
pub(crate) const STATE_MACHINE_ARN: &str = "StateMachineArn";
pub(crate) const LOG_GROUP: &str = "StateMachineLogGroupName";
pub(crate) const ARCHIVE_NAME: &str = "FailedJobsArchiveName";
pub(crate) const ARCHIVE_ARN: &str = "FailedJobsArchiveArn";
pub(crate) const BUS_ARN: &str = "FailedJobsBusArn";
pub(crate) const REPLAY_RULE_ARN: &str = "ReplayRuleArn";

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StackOutputs {
    pub(crate) stack_name: String,
    values: BTreeMap<String, String>,
}

impl StackOutputs {
    pub fn new(stack_name: &str, values: impl IntoIterator<Item = (String, String)>) -> Self {
        Self {
            stack_name: stack_name.to_owned(),
            values: values.into_iter().collect(),
        }
    }

    /// DescribeStacks of `name`; `region` only words the error.
    pub(crate) async fn read(
        client: &aws_sdk_cloudformation::Client,
        name: &str,
        region: Option<&str>,
    ) -> Result<Self, AwsError> {
        let described = client
            .describe_stacks()
            .stack_name(name)
            .send()
            .await
            .map_err(|e| {
                let missing = e
                    .as_service_error()
                    .and_then(aws_sdk_cloudformation::error::ProvideErrorMetadata::message)
                    .is_some_and(|m| m.contains("does not exist"));
                let mut error = errors::from_sdk("cloudformation:DescribeStacks", name, e);
                if missing {
                    error.kind = AwsErrorKind::NotFound;
                    error.hint = Some(format!(
                        "there is no stack {name} in {}: check --stack and the region \
                         (--region, AWS_REGION or the profile's); deploy it with \
                         scripts/deploy.sh",
                        region.unwrap_or("the configured region")
                    ));
                }
                error
            })?;
        let stack = described.stacks().first().ok_or_else(|| {
            AwsError::new(
                AwsErrorKind::NotFound,
                format!("cloudformation:DescribeStacks returned no stack {name}"),
                None,
            )
        })?;
        Ok(Self::new(
            name,
            stack
                .outputs()
                .iter()
                .filter_map(|o| Some((o.output_key()?.to_owned(), o.output_value()?.to_owned()))),
        ))
    }

    /// The output `key`, or an error that says the stack predates it.
    pub(crate) fn get(&self, key: &str) -> Result<&str, AwsError> {
        self.values
            .get(key)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
            .ok_or_else(|| {
                AwsError::new(
                    AwsErrorKind::MissingOutput,
                    format!("stack {} has no output {key}", self.stack_name),
                    Some(format!(
                        "the stack was deployed from an older version of cdk/, or is not a jobs \
                         stack: deploy it again with scripts/deploy.sh (outputs it has: {})",
                        self.values.keys().cloned().collect::<Vec<_>>().join(", ")
                    )),
                )
            })
    }
}
