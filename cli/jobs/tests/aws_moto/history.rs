//! `history` on an Express stack: the log group read back as a timeline.

use super::*;

const LOGS: &str = include_str!("../../../client/tests/fixtures/express_logs.json");

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs moto_server; run scripts/test.sh"]
async fn history_reads_express_log_events_back_as_a_timeline() {
    let logs = client!(aws_sdk_cloudwatchlogs);
    let group = format!("/aws/vendedlogs/states/{}", unique("jobs"));
    logs.create_log_group()
        .log_group_name(&group)
        .send()
        .await
        .unwrap();
    logs.put_retention_policy()
        .log_group_name(&group)
        .retention_in_days(7)
        .send()
        .await
        .unwrap();
    logs.create_log_stream()
        .log_group_name(&group)
        .log_stream_name("states/express")
        .send()
        .await
        .unwrap();
    // The fixture's executions, moved to the last hour (CloudWatch takes no
    // events older than the group keeps).
    let mut events: Vec<Value> = serde_json::from_str(LOGS).unwrap();
    let first: i64 = events[0]["event_timestamp"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let shift = chrono::Utc::now().timestamp_millis() - 3_600_000 - first;
    for event in &mut events {
        let at: i64 = event["event_timestamp"].as_str().unwrap().parse().unwrap();
        event["event_timestamp"] = Value::String((at + shift).to_string());
    }
    events.sort_by_key(|e| {
        e["event_timestamp"]
            .as_str()
            .unwrap()
            .parse::<i64>()
            .unwrap()
    });
    let mut put = logs
        .put_log_events()
        .log_group_name(&group)
        .log_stream_name("states/express");
    for event in &events {
        put = put.log_events(
            aws_sdk_cloudwatchlogs::types::InputLogEvent::builder()
                .timestamp(event["event_timestamp"].as_str().unwrap().parse().unwrap())
                .message(event.to_string())
                .build()
                .unwrap(),
        );
    }
    put.send().await.unwrap();
    // History asks Step Functions which type the machine is before it reads.
    let machine = client!(aws_sdk_sfn)
        .create_state_machine()
        .name(unique("jobs"))
        .definition(r#"{"StartAt":"Done","States":{"Done":{"Type":"Succeed"}}}"#)
        .role_arn("arn:aws:iam::123456789012:role/jobs-workflow")
        .r#type(aws_sdk_sfn::types::StateMachineType::Express)
        .send()
        .await
        .unwrap()
        .state_machine_arn()
        .to_owned();
    let name = stack_with_outputs(&[
        ("ApiEndpoint", "http://127.0.0.1:9/".to_owned()),
        ("StateMachineLogGroupName", group.clone()),
        ("StateMachineArn", machine),
    ])
    .await;
    let home = tempfile::tempdir().unwrap();

    let ran = jobs(home.path(), &aws_env(), &["--stack", &name, "history", JOB]).await;
    assert_eq!(ran.code, Some(0), "{}", ran.err);
    let out = &ran.out;
    let has = |line: &str| assert!(out.lines().any(|l| l == line), "no line {line:?} in\n{out}");
    has(&format!("Execution {JOB}  FAILED"));
    has("     +0.412s  TaskFailed        ProcessJob  JobStoreUnavailable: the job store is unavailable: Throughput exceeds the current capacity of your table");
    has("     +0.867s  FailStateEntered  JobArchived");
    has("Execution b8f04a52-77e1-4d0c-8d43-5c1e9a7f2b60  SUCCEEDED");
    has("  replay  jobs-replay-20261125T130000Z");
    // Found by the second read, by the replay's execution ARN.
    has("     +0.027s  TaskStarted         ProcessJob");
    assert_eq!(
        out.lines().filter(|l| l.contains("  +")).count(),
        18 + 7,
        "{out}"
    );
    assert!(!out.contains("9a8b7c6d"), "{out}");
    let mut notes = ran.err.lines();
    assert_eq!(
        notes.next(),
        Some(
            format!(
                "from the log group {group}, which keeps events 7 days: older executions are gone"
            )
            .as_str()
        )
    );
    // One console link per execution, each to its Express execution page in
    // the region of its ARN (the fixture's executions ran in eu-west-1).
    let links: Vec<&str> = notes.collect();
    assert_eq!(links.len(), 2, "{}", ran.err);
    let page = "console: https://eu-west-1.console.aws.amazon.com/states/home?region=eu-west-1\
                #/express-executions/details/arn:aws:states:eu-west-1:";
    for (link, execution) in links
        .iter()
        .zip([JOB, "b8f04a52-77e1-4d0c-8d43-5c1e9a7f2b60"])
    {
        assert!(
            link.starts_with(page) && link.contains(&format!(":{execution}:")),
            "{link}"
        );
    }

    let raw = jobs(
        home.path(),
        &aws_env(),
        &["--stack", &name, "history", JOB, "--json"],
    )
    .await;
    let raw: Value = serde_json::from_str(&raw.out).unwrap();
    assert_eq!(raw["retentionInDays"], 7);
    assert_eq!(raw["events"].as_array().unwrap().len(), 18 + 7);
}
