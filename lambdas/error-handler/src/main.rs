use std::sync::Arc;

use jobs_aws::{required_var, DynamoJobStore};
use jobs_domain::ports::SystemClock;
use jobs_domain::workflow::ErrorHandler;
use lambda_runtime::{service_fn, LambdaEvent};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    jobs_aws::logging::init();
    let table = required_var("JOBS_TABLE_NAME")?;
    let config = jobs_aws::load_config().await;
    let store = DynamoJobStore::new(aws_sdk_dynamodb::Client::new(&config), table);
    let handler = ErrorHandler::new(Arc::new(store), Arc::new(SystemClock));
    let handler = &handler;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| async move {
        jobs_error_handler::handle(handler, event.payload).await
    }))
    .await
}
