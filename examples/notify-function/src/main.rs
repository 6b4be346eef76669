#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    jobs_aws::logging::init();
    let config = jobs_aws::load_config().await;
    let store = jobs_aws::job_store_from_env(&config)?;
    jobs_aws::lambda::serve_task(|payload| jobs_notify_function::handle(&store, payload)).await
}
