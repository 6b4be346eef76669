use tracing_subscriber::EnvFilter;

/// Structured JSON logs, one line per event, with the fields of the current
/// span (where the job id lives) and without a timestamp, which CloudWatch
/// adds on ingestion. `RUST_LOG` overrides the default level.
pub fn init() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .json()
        .flatten_event(true)
        .with_current_span(true)
        .with_span_list(false)
        .with_target(false)
        .without_time()
        .with_env_filter(filter)
        .try_init();
}
