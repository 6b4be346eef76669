//! The SQLite job store runs the domain's `JobStore` contract, the same suite
//! as the memory and DynamoDB stores; below it, what only this store does.

use chrono::{TimeZone, Utc};
use jobs_domain::status::Cause;
use jobs_domain::testing::TestJob;

use super::*;

fn store() -> (tempfile::TempDir, SqliteJobStore) {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(dir.path()).unwrap();
    (dir, SqliteJobStore::new(db))
}

mod contract {
    use jobs_domain::testing::contract::Subject;

    async fn subject() -> Subject {
        let (dir, store) = super::store();
        Subject::keeping(store, dir).with_job(jobs_job::Job)
    }

    jobs_domain::job_store_contract!(subject());
}

fn at() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).unwrap()
}

fn job(n: u64) -> Job {
    Job::queued(JobId::random(), TestJob::params(n), at())
}

#[tokio::test]
async fn queued_jobs_without_executions_are_found() {
    let (_d, store) = store();
    let lonely = job(1);
    store.create(&lonely, None).await.unwrap();
    let running = job(1);
    store.create(&running, None).await.unwrap();
    store
        .transition(&StatusChange::new(
            running.id,
            JobStatus::Running,
            Cause::Execution,
            at(),
        ))
        .await
        .unwrap();
    let found: Vec<JobId> = store
        .queued_without_execution()
        .await
        .unwrap()
        .into_iter()
        .map(|j| j.id)
        .collect();
    assert_eq!(found, vec![lonely.id]);
}
