//! Failed jobs through EventBridge: the archive and a replay of it.

use super::*;

struct Bus {
    bus_arn: String,
    archive_name: String,
    archive_arn: String,
    rule_arn: String,
    sink: String,
}

async fn failed_jobs_bus() -> Bus {
    let events = client!(aws_sdk_eventbridge);
    let logs = client!(aws_sdk_cloudwatchlogs);
    let bus_name = unique("failed-jobs");
    let bus_arn = events
        .create_event_bus()
        .name(&bus_name)
        .send()
        .await
        .unwrap()
        .event_bus_arn()
        .unwrap()
        .to_owned();
    let archive_name = unique("failed-jobs-archive");
    let archive_arn = events
        .create_archive()
        .archive_name(&archive_name)
        .event_source_arn(&bus_arn)
        .retention_days(90)
        .send()
        .await
        .unwrap()
        .archive_arn()
        .unwrap()
        .to_owned();
    let sink = format!("/test/jobs-test/{}", unique("replayed"));
    logs.create_log_group()
        .log_group_name(&sink)
        .send()
        .await
        .unwrap();
    let rule = unique("replay-rule");
    let rule_arn = events
        .put_rule()
        .name(&rule)
        .event_bus_name(&bus_name)
        .event_pattern(
            json!({"source": ["jobs.workflow"], "detail-type": ["JobFailed"],
                   "replay-name": [{"exists": true}]})
            .to_string(),
        )
        .send()
        .await
        .unwrap()
        .rule_arn()
        .unwrap()
        .to_owned();
    events
        .put_targets()
        .rule(&rule)
        .event_bus_name(&bus_name)
        .targets(
            aws_sdk_eventbridge::types::Target::builder()
                .id("sink")
                .arn(format!("arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{sink}"))
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let put = events
        .put_events()
        .entries(
            aws_sdk_eventbridge::types::PutEventsRequestEntry::builder()
                .event_bus_name(&bus_name)
                .source("jobs.workflow")
                .detail_type("JobFailed")
                .detail(json!({"id": JOB, "parameters": {"n": 1}}).to_string())
                .build(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(put.failed_entry_count(), 0);
    Bus {
        bus_arn,
        archive_name,
        archive_arn,
        rule_arn,
        sink,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs moto_server; run scripts/test.sh"]
async fn archive_and_replay_go_through_eventbridge() {
    let bus = failed_jobs_bus().await;
    let name = stack_with_outputs(&[
        ("ApiEndpoint", "http://127.0.0.1:9/".to_owned()),
        ("FailedJobsArchiveName", bus.archive_name.clone()),
        ("FailedJobsArchiveArn", bus.archive_arn.clone()),
        ("FailedJobsBusArn", bus.bus_arn.clone()),
        ("ReplayRuleArn", bus.rule_arn.clone()),
    ])
    .await;
    let home = tempfile::tempdir().unwrap();

    let archive = jobs(home.path(), &aws_env(), &["--stack", &name, "archive"]).await;
    assert_eq!(archive.code, Some(0), "{}", archive.err);
    let lines: Vec<&str> = archive.out.lines().collect();
    assert_eq!(
        lines[0],
        format!("Archive {}  ENABLED", bus.archive_name),
        "{}",
        archive.out
    );
    assert_eq!(lines[1], "  events     1", "{}", archive.out);
    assert!(
        archive.out.contains("  retention  90 days\n"),
        "{}",
        archive.out
    );
    assert!(
        archive
            .out
            .contains("EventBridge does not list archived events"),
        "{}",
        archive.out
    );

    let replay_name = unique("replay");
    let replay = jobs(
        home.path(),
        &aws_env(),
        &[
            "--stack",
            &name,
            "replay",
            "--name",
            &replay_name,
            "--from",
            "1h",
        ],
    )
    .await;
    assert_eq!(replay.code, Some(0), "{}", replay.err);
    assert!(
        replay
            .out
            .starts_with(&format!("Replay {replay_name}  COMPLETED\n")),
        "{}",
        replay.out
    );
    assert!(
        replay.out.contains("does not report how many events"),
        "{}",
        replay.out
    );
    assert!(
        replay
            .err
            .contains(&format!("replay {replay_name} started")),
        "{}",
        replay.err
    );
    // The replayed event reached the bus, marked as a replay. (Read with a
    // plain request: moto writes the timestamps of events a rule delivers as
    // fractions, which the SDK refuses to parse.)
    let delivered: Value = reqwest::Client::new()
        .post(moto())
        .header("x-amz-target", "Logs_20140328.FilterLogEvents")
        // moto picks the service from the credential scope; it checks no signature.
        .header(
            "authorization",
            format!("AWS4-HMAC-SHA256 Credential=testing/20260101/{REGION}/logs/aws4_request, SignedHeaders=host, Signature=0"),
        )
        .header("content-type", "application/x-amz-json-1.1")
        .body(json!({"logGroupName": bus.sink}).to_string())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let replayed: Vec<Value> = delivered["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| serde_json::from_str(e["message"].as_str().unwrap()).unwrap())
        .collect();
    assert_eq!(replayed.len(), 1, "{replayed:?}");
    assert_eq!(replayed[0]["replay-name"], replay_name.as_str());
    assert_eq!(replayed[0]["detail"]["id"], JOB);

    // A name is used once; EventBridge says so, and jobs says what to do.
    let again = jobs(
        home.path(),
        &aws_env(),
        &["--stack", &name, "replay", "--name", &replay_name],
    )
    .await;
    assert_eq!(again.code, Some(2));
    assert!(
        again
            .err
            .contains(&format!("Replay {replay_name} already exists.")),
        "{}",
        again.err
    );
    assert!(again.err.contains("pick another --name"), "{}", again.err);
}
