//! The client commands of the `jobs` CLI, for the local stack and for a
//! deployed one.
//!
//! Every API request is signed with SigV4 (service `execute-api`), so
//! `submit` and `get` are the same calls in both homes. The rest read what
//! the AWS consoles would show: locally from the stack's `/local` endpoints,
//! on AWS (cargo feature `aws`) with the AWS SDK, from the resources the
//! stack's CloudFormation outputs name (`--stack NAME`): EventBridge for the
//! archive and replays, CloudWatch Logs for the workflow's history.
//!
//! The `jobs` binary flattens [`ClientArgs`] (global options) and
//! [`ClientCommand`] (subcommands) into its own command line and hands them
//! to [`run_and_report`].
//!
//! Layout:
//! - [`commands`]: one file per command, its local and AWS versions side by
//!   side; `commands/mod.rs` routes a command to its file.
//! - `args`: the command line (global options and subcommands); `when`: the
//!   times it takes (`2h`, `now`, RFC 3339).
//! - `target`: which stack a command talks to; `aws` (feature `aws`): what
//!   the AWS side shares: stack outputs, the credential chain, SDK clients
//!   and their errors.
//! - `endpoint` (the API's base URL), `api` (region, credentials, signed
//!   calls), [`signing`] (SigV4), `errors` (what goes wrong) and `diagnosis`
//!   (what a refusal means and what to do).
//! - [`render`]: text for people, shared by the commands of both homes;
//!   `progress`: the spinner of `submit --wait`; `output`: where a command
//!   writes.
#![warn(unreachable_pub)]

mod api;
mod args;
#[cfg(feature = "aws")]
pub mod aws;
pub mod commands;
mod diagnosis;
mod endpoint;
mod errors;
mod output;
mod params;
mod progress;
pub mod render;
pub mod signing;
mod target;
mod when;

pub use api::{resolve_region, ApiClient};
pub use args::{
    ClientArgs, ClientCommand, JobRuns, ReplayArgs, SubmitArgs, Switch, TaskCommand,
    TaskFailureArgs, TaskSuccessArgs, CREDENTIALS_HELP,
};
pub use commands::console::print_url as print_console_url;
pub use commands::{run_and_report, run_with};
pub use endpoint::Endpoint;
pub use errors::ApiError;
pub use output::Output;
pub use signing::Credentials;
pub use target::{Home, Target};
