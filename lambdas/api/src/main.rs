//! The `api` Lambda: API Gateway (REST, IAM auth) -> this function -> the
//! jobs Router. Clients and configuration are built once, at init.

use std::sync::Arc;

use jobs_aws::{required_var, SfnWorkflowStarter};
use jobs_domain::ports::SystemClock;
use jobs_domain::service::JobService;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    jobs_aws::logging::init();
    // The routes have no stage in them; without this, every request would
    // arrive as `/prod/jobs` and miss them.
    required_var(jobs_api::IGNORE_STAGE_IN_PATH)?;
    let state_machine = required_var("STATE_MACHINE_ARN")?;
    let config = jobs_aws::load_config().await;
    let store = jobs_aws::job_store_from_env(&config)?;
    let starter = SfnWorkflowStarter::new(aws_sdk_sfn::Client::new(&config), state_machine);
    let service = JobService::new(
        Arc::new(jobs_job::Job),
        Arc::new(store),
        Arc::new(starter),
        Arc::new(SystemClock),
    );
    lambda_http::run(jobs_api::lambda_router(service)).await
}
