//! Wire-level tests of the adapters against moto_server on 127.0.0.1: the
//! DynamoDB store runs the domain's `JobStore` contract, the same suite as the
//! memory and SQLite stores.
//!
//! `scripts/test.sh` installs moto, starts the server, sets `MOTO_ENDPOINT`
//! and runs these with the ignored tests included; to run them by hand:
//! `MOTO_ENDPOINT=http://127.0.0.1:5000 cargo test -p jobs-aws --test moto -- --ignored`.

use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, ScalarAttributeType,
};
use serde_json::json;

use jobs_aws::dynamodb::{SHARD_ATTRIBUTE, UNFINISHED_INDEX};
use jobs_aws::{DynamoJobStore, SfnWorkflowStarter};
use jobs_domain::ports::{JobStore, StartError, StoreError, WorkflowInput, WorkflowStarter};
use jobs_domain::JobId;

const NEEDS_MOTO: &str = "set MOTO_ENDPOINT to a running moto_server (scripts/test.sh does)";

fn endpoint() -> String {
    std::env::var("MOTO_ENDPOINT").expect(NEEDS_MOTO)
}

fn credentials() -> Credentials {
    Credentials::new("testing", "testing", None, None, "moto")
}

fn dynamodb() -> aws_sdk_dynamodb::Client {
    let config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .endpoint_url(endpoint())
        .region(Region::new("us-east-1"))
        .credentials_provider(credentials())
        .build();
    aws_sdk_dynamodb::Client::from_conf(config)
}

/// A table shaped as the CDK stack makes it: key `id`, and the sparse index
/// of unfinished jobs.
async fn fresh_table() -> DynamoJobStore {
    let client = dynamodb();
    let table = format!("jobs-{}", uuid::Uuid::new_v4());
    let attribute = |name: &str| {
        AttributeDefinition::builder()
            .attribute_name(name)
            .attribute_type(ScalarAttributeType::S)
            .build()
            .unwrap()
    };
    let key = |name: &str, kind| {
        KeySchemaElement::builder()
            .attribute_name(name)
            .key_type(kind)
            .build()
            .unwrap()
    };
    client
        .create_table()
        .table_name(&table)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(attribute("id"))
        .attribute_definitions(attribute(SHARD_ATTRIBUTE))
        .attribute_definitions(attribute("updatedAt"))
        .key_schema(key("id", KeyType::Hash))
        .global_secondary_indexes(
            GlobalSecondaryIndex::builder()
                .index_name(UNFINISHED_INDEX)
                .key_schema(key(SHARD_ATTRIBUTE, KeyType::Hash))
                .key_schema(key("updatedAt", KeyType::Range))
                .projection(
                    Projection::builder()
                        .projection_type(ProjectionType::All)
                        .build(),
                )
                .build()
                .unwrap(),
        )
        .send()
        .await
        .expect("create the table on moto");
    DynamoJobStore::new(client, table)
}

mod contract {
    use jobs_domain::testing::contract::Subject;

    async fn subject() -> Subject {
        Subject::new(super::fresh_table().await)
            .taking_turns()
            .with_job(jobs_job::Job)
    }

    jobs_domain::job_store_contract!(
        subject(),
        #[ignore = "needs moto_server; run scripts/test.sh"]
    );
}

#[tokio::test]
#[ignore = "needs moto_server; run scripts/test.sh"]
async fn a_missing_table_says_which_setting_to_check() {
    let store = DynamoJobStore::new(dynamodb(), "no-such-table");
    let err = store.get(&JobId::random()).await.unwrap_err();
    assert!(
        matches!(err, StoreError::Other(ref m) if m.contains("JOBS_TABLE_NAME")),
        "{err:?}"
    );
}

#[tokio::test]
#[ignore = "needs moto_server; run scripts/test.sh"]
async fn executions_are_named_with_the_job_id_and_started_once() {
    let config = aws_sdk_sfn::Config::builder()
        .behavior_version(aws_sdk_sfn::config::BehaviorVersion::latest())
        .endpoint_url(endpoint())
        .region(aws_sdk_sfn::config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_sfn::config::Credentials::new(
            "testing", "testing", None, None, "moto",
        ))
        .build();
    let client = aws_sdk_sfn::Client::from_conf(config);
    let machine = client
        .create_state_machine()
        .name(format!("jobs-{}", uuid::Uuid::new_v4()))
        .definition(r#"{"StartAt":"Done","States":{"Done":{"Type":"Succeed"}}}"#)
        .role_arn("arn:aws:iam::123456789012:role/jobs-workflow")
        .send()
        .await
        .expect("create a state machine on moto");
    let arn = machine.state_machine_arn().to_owned();
    let starter = SfnWorkflowStarter::new(client.clone(), &arn);
    let input = WorkflowInput {
        id: JobId::random(),
        parameters: json!({"n": 2}),
        replay: None,
        redrive: None,
    };
    starter.start(&input).await.unwrap();
    let listed = client
        .list_executions()
        .state_machine_arn(&arn)
        .send()
        .await
        .unwrap();
    let names: Vec<_> = listed
        .executions()
        .iter()
        .map(|e| e.name().to_owned())
        .collect();
    assert_eq!(names, vec![input.id.to_string()]);
    let described = client
        .describe_execution()
        .execution_arn(listed.executions()[0].execution_arn())
        .send()
        .await
        .unwrap();
    let sent: serde_json::Value = serde_json::from_str(described.input().unwrap()).unwrap();
    assert_eq!(sent, json!({"id": input.id, "parameters": {"n": 2}}));
    // Starting the same job again never makes a second execution: with the
    // same input, Step Functions answers as for the first call; with another,
    // it refuses the name.
    let _ = starter.start(&input).await;
    let mut other = input.clone();
    other.parameters = json!({"n": 3});
    assert_eq!(
        starter.start(&other).await.unwrap_err(),
        StartError::AlreadyStarted
    );
    let listed = client
        .list_executions()
        .state_machine_arn(&arn)
        .send()
        .await
        .unwrap();
    assert_eq!(listed.executions().len(), 1);

    let missing = SfnWorkflowStarter::new(client, arn.replace("jobs-", "gone-"));
    assert!(
        matches!(missing.start(&input).await.unwrap_err(), StartError::Refused(m) if m.contains("STATE_MACHINE_ARN"))
    );
}
