use std::sync::Arc;

use jobs_domain::ports::SystemClock;
use jobs_domain::workflow::Processor;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    jobs_aws::logging::init();
    let config = jobs_aws::load_config().await;
    let store = jobs_aws::job_store_from_env(&config)?;
    let processor = Processor::new(
        Arc::new(jobs_job::Job),
        Arc::new(store),
        Arc::new(SystemClock),
    );
    jobs_aws::lambda::serve_task(|payload| jobs_processor::handle(&processor, payload)).await
}
