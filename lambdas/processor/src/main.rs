use std::sync::Arc;

use jobs_domain::ports::SystemClock;
use jobs_domain::workflow::Processor;
use lambda_runtime::{service_fn, LambdaEvent};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    jobs_aws::logging::init();
    let config = jobs_aws::load_config().await;
    let store = jobs_aws::job_store_from_env(&config)?;
    let processor = Processor::new(Arc::new(store), Arc::new(SystemClock));
    let processor = &processor;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| async move {
        jobs_processor::handle(processor, event.payload).await
    }))
    .await
}
