//! What the AWS side of the commands shares (cargo feature `aws`): the
//! stack's CloudFormation outputs, the credential chain and `--assume-role`,
//! the SDK clients and what their errors mean. Each command's own AWS calls
//! live with the command, in `commands/`.
//!
//! Every SDK client is built from one `aws_config` load, so the standard
//! settings apply to all of them: region, profile, `AWS_ENDPOINT_URL`.

mod credentials;
pub mod errors;
pub(crate) mod links;
pub(crate) mod outputs;

use aws_config::{BehaviorVersion, Region, SdkConfig};

use crate::api::ApiClient;
use crate::args::ClientArgs;
use crate::endpoint::Endpoint;
use crate::signing::Credentials;

pub use errors::AwsError;
pub use outputs::StackOutputs;

/// One client per AWS service the CLI calls.
#[derive(Clone, Debug)]
pub struct AwsClients {
    pub cloudformation: aws_sdk_cloudformation::Client,
    pub events: aws_sdk_eventbridge::Client,
    pub logs: aws_sdk_cloudwatchlogs::Client,
    pub sfn: aws_sdk_sfn::Client,
    pub sts: aws_sdk_sts::Client,
}

impl AwsClients {
    pub(crate) fn new(config: &SdkConfig) -> Self {
        Self {
            cloudformation: aws_sdk_cloudformation::Client::new(config),
            events: aws_sdk_eventbridge::Client::new(config),
            logs: aws_sdk_cloudwatchlogs::Client::new(config),
            sfn: aws_sdk_sfn::Client::new(config),
            sts: aws_sdk_sts::Client::new(config),
        }
    }
}

/// A deployed stack: the clients to reach its resources and its outputs.
#[derive(Debug)]
pub struct Deployed {
    pub clients: AwsClients,
    pub outputs: StackOutputs,
}

/// What the AWS settings resolved to, before the stack is read.
#[derive(Clone, Debug)]
pub struct Settings {
    /// The region of the SDK calls, if the settings name one.
    pub region: Option<String>,
    /// The caller's own credentials, for signing API calls.
    pub credentials: Credentials,
}

/// What [`connect`] found: the API to call, signed as it should be, and the
/// stack's resources when `--stack` named one.
#[derive(Debug)]
pub struct Connected {
    pub(crate) api: ApiClient,
    pub(crate) deployed: Option<Deployed>,
}

/// Loads the standard AWS settings (with `--region` over them), resolves the
/// credentials, then [`connect_with`].
pub(crate) async fn connect(args: &ClientArgs) -> anyhow::Result<Connected> {
    let mut loader = aws_config::defaults(BehaviorVersion::latest());
    if let Some(region) = args.region.as_deref().filter(|r| !r.is_empty()) {
        loader = loader.region(Region::new(region.to_owned()));
    }
    let config = loader.load().await;
    let credentials = credentials::resolve(&config).await?;
    let settings = Settings {
        region: config.region().map(|r| r.to_string()),
        credentials,
    };
    connect_with(args, AwsClients::new(&config), settings).await
}

/// The API for `args` with these clients and settings: the API URL from
/// `--url` or the stack's `ApiEndpoint`, signed with the caller's
/// credentials or the role of `--assume-role`.
pub async fn connect_with(
    args: &ClientArgs,
    clients: AwsClients,
    settings: Settings,
) -> anyhow::Result<Connected> {
    let outputs = match args.stack.as_deref().map(str::trim) {
        Some(name) if !name.is_empty() => Some(
            StackOutputs::read(&clients.cloudformation, name, settings.region.as_deref()).await?,
        ),
        Some(_) => anyhow::bail!("--stack needs the name of a CloudFormation stack, e.g. JobsApi"),
        None => None,
    };
    let url = match (args.url.as_deref().map(str::trim), &outputs) {
        (Some(url), _) if !url.is_empty() => url.to_owned(),
        (_, Some(outputs)) => outputs.get(outputs::API_ENDPOINT)?.to_owned(),
        _ => anyhow::bail!(
            "no stack to call: pass --stack NAME (the CloudFormation stack, e.g. JobsApi) or \
             --url with the API's base URL"
        ),
    };
    let endpoint = Endpoint::parse(&url)?;
    let signing = match args.role_to_assume() {
        None => settings.credentials,
        Some(arn) => {
            let arn = match (arn, &outputs) {
                (Some(arn), _) => arn.to_owned(),
                (None, Some(outputs)) => outputs.get(outputs::INVOKE_ROLE_ARN)?.to_owned(),
                (None, None) => anyhow::bail!(
                    "--assume-role without an ARN takes the stack's JobsAPIInvokeRoleArn output: \
                     pass --stack NAME, or give the role as --assume-role=ARN"
                ),
            };
            credentials::assume_role(&clients.sts, &arn).await?
        }
    };
    let region = args
        .region
        .clone()
        .filter(|r| !r.is_empty())
        .or_else(|| endpoint.region_in_host())
        .or(settings.region)
        .ok_or_else(|| {
            anyhow::anyhow!(
                "no AWS region: pass --region, set AWS_REGION, or set one in your AWS profile"
            )
        })?;
    Ok(Connected {
        api: ApiClient::new(endpoint, region, signing)?,
        deployed: outputs.map(|outputs| Deployed { clients, outputs }),
    })
}

/// An SDK time from a chrono one, to the millisecond.
pub(crate) fn sdk_time(
    at: chrono::DateTime<chrono::Utc>,
) -> aws_sdk_eventbridge::primitives::DateTime {
    aws_sdk_eventbridge::primitives::DateTime::from_millis(at.timestamp_millis())
}

/// A chrono time from an SDK one.
pub(crate) fn chrono_time(
    at: &aws_sdk_eventbridge::primitives::DateTime,
) -> Option<chrono::DateTime<chrono::Utc>> {
    at.to_millis()
        .ok()
        .and_then(chrono::DateTime::from_timestamp_millis)
}
