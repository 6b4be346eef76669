//! The local `lambda:invoke` runs the Lambdas' own handlers: the same payload
//! sent to `handle` directly and through the local task resource gives the
//! same output, or the same error name and message in the shape Step
//! Functions reports a Lambda function error.

use std::sync::Arc;

use chrono::Utc;
use jobs_asl::{TaskContext, TaskError, TaskHandler};
use jobs_domain::function::{AwsTarget, FunctionEnv};
use jobs_domain::ports::JobStore;
use jobs_domain::testing::{FixedClock, MemoryStore, TestJob};
use jobs_domain::workflow::{ErrorHandler, Processor, TaskFailure};
use jobs_domain::{Job, JobId, JobStatus};
use jobs_local::bus::Bus;
use jobs_local::functions::{Functions, Manifest};
use jobs_local::runtime::tasks::LAMBDA_INVOKE;
use jobs_local::runtime::LocalTasks;
use jobs_local::store::{ArchiveStore, Db};
use serde_json::{json, Value};

const PROCESSOR_ARN: &str = "arn:aws:lambda:us-east-1:000000000000:function:jobs-processor";
const ERROR_HANDLER_ARN: &str = "arn:aws:lambda:us-east-1:000000000000:function:jobs-error-handler";

/// One home of the handlers: a store holding one job in `status`; the handlers called
/// directly, and the declared functions built over the same store, as the stack builds them.
struct Home {
    store: Arc<MemoryStore>,
    processor: Processor,
    error_handler: ErrorHandler,
    functions: Functions,
}

async fn home(id: JobId, n: u64, status: JobStatus) -> Home {
    let store = Arc::new(MemoryStore::default());
    let job = Job::queued(id, TestJob::params(n), Utc::now());
    store.create(&job, None).await.unwrap();
    store.force_status(&id, status);
    let clock = Arc::new(FixedClock::default());
    let functions = Functions::build(&Manifest::deployed(), "us-east-1", |d| FunctionEnv {
        key: d.key.clone(),
        jobs: store.clone(),
        clock: clock.clone(),
        work: Arc::new(TestJob::default()),
        aws: AwsTarget::default(),
    })
    .unwrap();
    Home {
        processor: Processor::new(Arc::new(TestJob::default()), store.clone(), clock.clone()),
        error_handler: ErrorHandler::new(store.clone(), clock),
        store,
        functions,
    }
}

fn context() -> TaskContext {
    TaskContext {
        execution_name: "e".into(),
        execution_arn: "arn:aws:states:us-east-1:000000000000:execution:jobs-workflow:e".into(),
        state_machine_arn: "arn:aws:states:us-east-1:000000000000:stateMachine:jobs-workflow"
            .into(),
        state_name: "ProcessJob".into(),
        retry_count: 0,
        timeout: None,
    }
}

/// What Step Functions reports for a failed Lambda function: the error named
/// by the function's error type, Lambda's error document as the cause.
fn as_step_functions_sees_it(failure: &TaskFailure) -> TaskError {
    TaskError::new(
        failure.error.clone(),
        json!({"errorType": failure.error, "errorMessage": failure.message}).to_string(),
    )
}

/// `faulty`: the store refuses every write, as in an outage.
async fn both_ways(
    function: &str,
    status: JobStatus,
    faulty: bool,
    payload: impl Fn(JobId) -> Value,
) {
    let id = JobId::random();
    let (direct, local) = (home(id, 2, status).await, home(id, 2, status).await);
    direct.store.fail_writes(faulty);
    local.store.fail_writes(faulty);
    let dir = tempfile::tempdir().unwrap();
    let bus = Arc::new(Bus::new(
        ArchiveStore::new(Db::open(dir.path()).unwrap()),
        Arc::new(FixedClock::default()),
    ));
    let tasks = LocalTasks::new(local.functions, bus);

    let expected = if function == PROCESSOR_ARN {
        jobs_processor::handle(&direct.processor, payload(id)).await
    } else {
        jobs_error_handler::handle(&direct.error_handler, payload(id)).await
    };
    let got = tasks
        .invoke(
            LAMBDA_INVOKE,
            json!({"FunctionName": function, "Payload": payload(id)}),
            &context(),
        )
        .await;
    match (&expected, &got) {
        (Ok(output), Ok(invoked)) => {
            assert_eq!(&invoked["Payload"], output, "{function} {status}");
            assert_eq!(invoked["StatusCode"], 200);
        }
        (Err(failure), Err(error)) => {
            assert_eq!(error, &as_step_functions_sees_it(failure), "{function}");
        }
        _ => panic!("{function} {status}: handle gave {expected:?}, the local task {got:?}"),
    }
    // Both homes were left in the same state.
    assert_eq!(
        direct
            .store
            .get(&id)
            .await
            .unwrap()
            .map(|j| (j.status, j.results, j.error)),
        local
            .store
            .get(&id)
            .await
            .unwrap()
            .map(|j| (j.status, j.results, j.error)),
    );
}

#[tokio::test]
async fn the_processor_answers_alike_in_both_homes() {
    let ok = |id: JobId| json!({"id": id, "parameters": {"n": 2}});
    let too_long = |id: JobId| json!({"id": id, "parameters": {"n": 1000}});
    let not_a_number = |id: JobId| json!({"id": id, "parameters": {"n": "2"}});
    let malformed = |_: JobId| json!({"parameters": {"n": 2}});
    let stranger = JobId::random();
    let unknown = |_: JobId| json!({"id": stranger, "parameters": {"n": 2}});
    let replayed = |id: JobId| json!({"id": id, "parameters": {"n": 2}, "replay": {"name": "r1"}});
    both_ways(PROCESSOR_ARN, JobStatus::Queued, false, ok).await;
    both_ways(PROCESSOR_ARN, JobStatus::Success, false, ok).await;
    both_ways(PROCESSOR_ARN, JobStatus::Failure, false, ok).await;
    both_ways(PROCESSOR_ARN, JobStatus::Failure, false, replayed).await;
    both_ways(PROCESSOR_ARN, JobStatus::Queued, false, too_long).await;
    both_ways(PROCESSOR_ARN, JobStatus::Queued, false, not_a_number).await;
    both_ways(PROCESSOR_ARN, JobStatus::Queued, false, malformed).await;
    both_ways(PROCESSOR_ARN, JobStatus::Queued, false, unknown).await;
    both_ways(PROCESSOR_ARN, JobStatus::Queued, true, ok).await;
}

#[tokio::test]
async fn the_error_handler_answers_alike_in_both_homes() {
    let caught = |id: JobId| {
        json!({"id": id, "parameters": {"n": 2}, "processorError": {
            "Error": "JobTooLong",
            "Cause": "{\"errorType\":\"JobTooLong\",\"errorMessage\":\"too long\"}"
        }})
    };
    let malformed = |_: JobId| json!({"processorError": {"Error": "X"}});
    both_ways(ERROR_HANDLER_ARN, JobStatus::Running, false, caught).await;
    both_ways(ERROR_HANDLER_ARN, JobStatus::Success, false, caught).await;
    both_ways(ERROR_HANDLER_ARN, JobStatus::Failure, false, caught).await;
    both_ways(ERROR_HANDLER_ARN, JobStatus::Queued, false, malformed).await;
    both_ways(ERROR_HANDLER_ARN, JobStatus::Running, true, caught).await;
}

#[tokio::test]
async fn a_function_the_stack_does_not_run_needs_a_mock_and_gets_its_answer() {
    let dir = tempfile::tempdir().unwrap();
    let bus = || {
        Arc::new(Bus::new(
            ArchiveStore::new(Db::open(dir.path()).unwrap()),
            Arc::new(FixedClock::default()),
        ))
    };
    let call = json!({"FunctionName": "jobs-something-else", "Payload": {}});
    let h = home(JobId::random(), 1, JobStatus::Queued).await;
    let tasks = LocalTasks::new(h.functions, bus());
    let err = tasks
        .invoke(LAMBDA_INVOKE, call.clone(), &context())
        .await
        .unwrap_err();
    assert_eq!(err.error, "States.Runtime");
    assert!(
        err.cause.contains("jobs-processor")
            && err.cause.contains("--mocks FILE")
            && err.cause.contains("\"ProcessJob\""),
        "{}",
        err.cause
    );

    // With a mock file, its test case answers the state.
    let mocks = jobs_asl::mock::MockConfig::from_json(
        &json!({
            "StateMachines": {"Jobs": {"TestCases": {"T": {"ProcessJob": "Done"}}}},
            "MockedResponses": {"Done": {"0": {"Return": {"StatusCode": 200, "Payload": {"ok": 1}}}}}
        })
        .to_string(),
    )
    .unwrap()
    .test_case(None, None)
    .unwrap();
    let h = home(JobId::random(), 1, JobStatus::Queued).await;
    let tasks =
        LocalTasks::new(h.functions, bus()).with_mocks(jobs_asl::mock::MockTasks::new(mocks));
    let out = tasks.invoke(LAMBDA_INVOKE, call, &context()).await.unwrap();
    assert_eq!(out["Payload"], json!({"ok": 1}));
}
