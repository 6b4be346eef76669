use std::sync::Arc;

use jobs_domain::ports::SystemClock;
use jobs_domain::workflow::ErrorHandler;
use lambda_runtime::{service_fn, LambdaEvent};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    jobs_aws::logging::init();
    let config = jobs_aws::load_config().await;
    let store = jobs_aws::job_store_from_env(&config)?;
    let handler = ErrorHandler::new(Arc::new(store), Arc::new(SystemClock));
    let handler = &handler;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| async move {
        jobs_error_handler::handle(handler, event.payload).await
    }))
    .await
}
