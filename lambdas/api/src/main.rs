//! The `api` Lambda: API Gateway (REST, IAM auth) -> this function -> the
//! jobs Router. Clients and configuration are built once, at init.

use std::sync::Arc;

use jobs_aws::{required_var, DynamoJobStore, SfnWorkflowStarter};
use jobs_domain::ports::SystemClock;
use jobs_domain::service::JobService;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    jobs_aws::logging::init();
    let table = required_var("JOBS_TABLE_NAME")?;
    let state_machine = required_var("STATE_MACHINE_ARN")?;
    let config = jobs_aws::load_config().await;
    let store = DynamoJobStore::new(aws_sdk_dynamodb::Client::new(&config), table);
    let starter = SfnWorkflowStarter::new(aws_sdk_sfn::Client::new(&config), state_machine);
    let service = JobService::new(Arc::new(store), Arc::new(starter), Arc::new(SystemClock));
    lambda_http::run(jobs_api::lambda_router(service)).await
}
