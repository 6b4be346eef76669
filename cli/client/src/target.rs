//! Which stack a command talks to: `--url` when given, else the stack named
//! by `--stack` (its CloudFormation outputs), else the local stack at its
//! default address.

use crate::api::{self, ApiClient};
use crate::args::{ClientArgs, DEFAULT_URL};
use crate::endpoint::Endpoint;
use crate::errors::ApiError;

/// The stack a command talks to, and how.
pub struct Target {
    pub api: ApiClient,
    pub home: Home,
}

pub enum Home {
    /// The local stack: its `/local` endpoints stand in for the AWS consoles.
    Local,
    /// A deployed API reached by its URL alone: only its own routes.
    DeployedApi,
    /// A deployed stack found with `--stack`: the API and the AWS resources
    /// its outputs name.
    #[cfg(feature = "aws")]
    Stack(Box<crate::aws::Deployed>),
}

impl Target {
    /// A target for `api` alone, local or deployed as its URL says.
    pub fn api(api: ApiClient) -> Self {
        let home = if api.endpoint().is_aws() {
            Home::DeployedApi
        } else {
            Home::Local
        };
        Self { api, home }
    }

    pub(crate) fn is_local(&self) -> bool {
        matches!(self.home, Home::Local)
    }

    /// Resolves `args`: credentials, region and, for a deployed stack, its
    /// outputs.
    pub(crate) async fn connect(args: &ClientArgs) -> anyhow::Result<Self> {
        let url = args.url.as_deref().map(str::trim).filter(|u| !u.is_empty());
        let aws_url = url
            .map(Endpoint::parse)
            .transpose()?
            .is_some_and(|e| e.is_aws());
        if args.wants_aws() || aws_url {
            #[cfg(feature = "aws")]
            return Ok(crate::aws::connect(args).await?.into());
            #[cfg(not(feature = "aws"))]
            if args.wants_aws() {
                return Err(ApiError::NeedsAwsBuild {
                    what: "--stack and --assume-role".to_owned(),
                }
                .into());
            }
        }
        let endpoint = Endpoint::parse(url.unwrap_or(DEFAULT_URL))?;
        let lookup = |name: &str| std::env::var(name).ok();
        let region = api::resolve_region(args.region.as_deref(), &endpoint, lookup);
        let credentials = api::credentials_for(&endpoint, lookup)?;
        Ok(Self::api(ApiClient::new(endpoint, region, credentials)?))
    }
}

/// A deployed stack's target: with its resources when `--stack` named it.
#[cfg(feature = "aws")]
impl From<crate::aws::Connected> for Target {
    fn from(connected: crate::aws::Connected) -> Self {
        let home = match connected.deployed {
            Some(deployed) => Home::Stack(Box::new(deployed)),
            None => Home::DeployedApi,
        };
        Self {
            api: connected.api,
            home,
        }
    }
}

/// What `command` needs that a deployed API reached by URL alone lacks.
pub(crate) fn needs_stack(command: &str) -> ApiError {
    if cfg!(feature = "aws") {
        ApiError::LocalOnly(format!(
            "`{command}` on a deployed stack reads its AWS resources: pass --stack NAME (the \
             CloudFormation stack, e.g. JobsApi) so that jobs finds them"
        ))
    } else {
        ApiError::NeedsAwsBuild {
            what: format!("`{command}` on a deployed stack"),
        }
    }
}
