use std::sync::Arc;

use aws_lambda_events::event::eventbridge::EventBridgeEvent;
use jobs_aws::{required_var, SfnWorkflowStarter};
use jobs_domain::ports::SystemClock;
use jobs_domain::sweep::Sweeper;
use lambda_runtime::{service_fn, Diagnostic, LambdaEvent};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    jobs_aws::logging::init();
    let policy = jobs_sweeper::policy_from_env(|name| std::env::var(name).ok())?;
    let state_machine = required_var("STATE_MACHINE_ARN")?;
    let config = jobs_aws::load_config().await;
    let store = jobs_aws::job_store_from_env(&config)?;
    let starter = SfnWorkflowStarter::new(aws_sdk_sfn::Client::new(&config), state_machine);
    let sweeper = Sweeper::new(
        Arc::new(store),
        Arc::new(starter),
        Arc::new(SystemClock),
        policy,
    );
    let sweeper = &sweeper;
    lambda_runtime::run(service_fn(
        move |event: LambdaEvent<EventBridgeEvent<Value>>| async move {
            let summary = jobs_sweeper::handle(sweeper, event.payload)
                .await
                .map_err(|e| Diagnostic {
                    error_type: "SweepFailed".into(),
                    error_message: e.to_string(),
                })?;
            let now = chrono::Utc::now().timestamp_millis();
            println!("{}", jobs_sweeper::metrics_line(&summary, now));
            Ok::<_, Diagnostic>(summary)
        },
    ))
    .await
}
