use chrono::{Duration, TimeZone, Utc};
use jobs_domain::JobId;
use serde_json::json;

use super::*;
use crate::store::{Ending, ExecutionStore, MapRunLink};

fn at(second: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 6, 12, 0, 0).unwrap() + Duration::seconds(second)
}

fn execution(job: &JobId, name: &str, run: Option<(&str, i64)>) -> ExecutionRecord {
    ExecutionRecord {
        seq: 0,
        arn: format!("arn:aws:states:us-east-1:000000000000:execution:jobs-workflow:{name}"),
        name: name.to_owned(),
        job_id: *job,
        status: ExecutionStatus::Running,
        start_date: at(0),
        stop_date: None,
        input: json!({}),
        output: None,
        error: None,
        cause: None,
        replay_name: None,
        definition: None,
        map_run: run.map(|(arn, item)| MapRunLink {
            arn: arn.to_owned(),
            item,
        }),
    }
}

fn run(arn: &str, execution: i64) -> MapRunRecord {
    MapRunRecord {
        arn: arn.to_owned(),
        id: arn.rsplit(':').next().unwrap().to_owned(),
        execution,
        state_name: "Rows".into(),
        total: None,
        status: ExecutionStatus::Running,
        start_date: at(1),
        stop_date: None,
        error: None,
        cause: None,
        max_concurrency: 0,
        tolerated_failure_count: Some(0.0),
        tolerated_failure_percentage: None,
    }
}

fn ending(status: ExecutionStatus) -> Ending {
    Ending {
        status,
        at: at(5),
        output: None,
        error: None,
        cause: None,
    }
}

const RUN: &str = "arn:aws:states:us-east-1:000000000000:mapRun:jobs-workflow/x:run-1";

#[tokio::test]
async fn a_run_counts_and_pages_its_children_which_the_job_does_not_list() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(dir.path()).unwrap();
    let (runs, executions) = (MapRunStore::new(db.clone()), ExecutionStore::new(db));
    let job = JobId::random();
    let parent = executions
        .insert(&execution(&job, &job.to_string(), None))
        .await
        .unwrap()
        .unwrap();
    runs.started(&run(RUN, parent)).await.unwrap();
    runs.items(RUN, 4).await.unwrap();
    // Recorded out of item order: the listing follows the items.
    let mut seqs = Vec::new();
    for item in [2, 0, 1] {
        let child = execution(&job, &format!("child-{item}"), Some((RUN, item)));
        seqs.push(executions.insert(&child).await.unwrap().unwrap());
    }
    executions
        .finish(seqs[0], ending(ExecutionStatus::Succeeded))
        .await
        .unwrap();
    executions
        .finish(seqs[1], ending(ExecutionStatus::Failed))
        .await
        .unwrap();

    let found = runs.by_id("run-1").await.unwrap().unwrap();
    assert_eq!(found.total, Some(4));
    assert_eq!(found.execution, parent);
    assert_eq!(found.status, ExecutionStatus::Running);
    assert!(runs.by_id("run-2").await.unwrap().is_none());
    let counts = runs.counts(RUN).await.unwrap();
    assert_eq!((counts.succeeded, counts.failed, counts.running), (1, 1, 1));
    assert_eq!(counts.started(), 3);
    let names = |v: Vec<ExecutionRecord>| v.into_iter().map(|r| r.name).collect::<Vec<_>>();
    assert_eq!(
        names(runs.children(RUN, 0, 2).await.unwrap()),
        ["child-0", "child-1"]
    );
    assert_eq!(names(runs.children(RUN, 2, 2).await.unwrap()), ["child-2"]);

    // Only the parent is the job's execution, and only it is resumed on its own.
    let listed = executions.for_job(&job).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].0.seq, parent);
    let running = executions.running().await.unwrap();
    assert_eq!(running.iter().map(|r| r.seq).collect::<Vec<_>>(), [parent]);

    // The run's end aborts the child it left running.
    runs.ended(RUN, ExecutionStatus::Failed, at(6), Some("E".into()), None)
        .await
        .unwrap();
    let counts = runs.counts(RUN).await.unwrap();
    assert_eq!((counts.running, counts.aborted), (0, 1));
    let ended = runs.by_id("run-1").await.unwrap().unwrap();
    assert_eq!(ended.status, ExecutionStatus::Failed);
    assert_eq!(ended.stop_date, Some(at(6)));
    assert_eq!(ended.error.as_deref(), Some("E"));

    // Started again under its ARN (a resumed parent): RUNNING, its start date kept.
    runs.started(&MapRunRecord {
        start_date: at(9),
        ..run(RUN, parent)
    })
    .await
    .unwrap();
    let again = runs.by_id("run-1").await.unwrap().unwrap();
    assert_eq!(
        (again.status, again.start_date, again.stop_date, again.total),
        (ExecutionStatus::Running, at(1), None, Some(4))
    );
}

#[tokio::test]
async fn an_ended_parent_aborts_its_running_runs_but_the_one_kept() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(dir.path()).unwrap();
    let (runs, executions) = (MapRunStore::new(db.clone()), ExecutionStore::new(db));
    let job = JobId::random();
    let parent = executions
        .insert(&execution(&job, &job.to_string(), None))
        .await
        .unwrap()
        .unwrap();
    let other = format!("{RUN}-other");
    runs.started(&run(RUN, parent)).await.unwrap();
    runs.started(&run(&other, parent)).await.unwrap();
    for (i, arn) in [RUN, other.as_str()].into_iter().enumerate() {
        let child = execution(&job, &format!("child-{i}"), Some((arn, 0)));
        executions.insert(&child).await.unwrap().unwrap();
    }

    let n = runs
        .abort_of_execution(parent, at(3), Some(RUN.to_owned()))
        .await
        .unwrap();
    assert_eq!(n, 1);
    let kept = runs.by_id("run-1").await.unwrap().unwrap();
    assert_eq!(kept.status, ExecutionStatus::Running);
    assert_eq!(runs.counts(RUN).await.unwrap().running, 1);
    let aborted = runs.by_id("run-1-other").await.unwrap().unwrap();
    assert_eq!(aborted.status, ExecutionStatus::Aborted);
    assert_eq!(runs.counts(&other).await.unwrap().aborted, 1);

    assert_eq!(
        runs.abort_of_execution(parent, at(4), None).await.unwrap(),
        1
    );
    assert_eq!(runs.counts(RUN).await.unwrap().aborted, 1);
}
