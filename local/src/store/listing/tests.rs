use chrono::{Duration, TimeZone, Utc};
use jobs_domain::ports::{JobStore, StatusChange};
use jobs_domain::status::Cause;
use jobs_domain::testing::TestJob;
use jobs_domain::{Job, JobId, JobStatus};

use super::*;
use crate::store::Db;

fn store() -> (tempfile::TempDir, SqliteJobStore) {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(dir.path()).unwrap();
    (dir, SqliteJobStore::new(db))
}

/// `n` jobs one second apart (job `i` created at second `i`); every third
/// one moved to Running. Returns them oldest first.
async fn seed(store: &SqliteJobStore, n: usize) -> Vec<Job> {
    let t0 = Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).unwrap();
    let mut jobs = Vec::new();
    for i in 0..n {
        let at = t0 + Duration::seconds(i as i64);
        let job = Job::queued(JobId::random(), TestJob::params(1), at);
        store.create(&job, None).await.unwrap();
        if i % 3 == 0 {
            let change = StatusChange::new(job.id, JobStatus::Running, Cause::Execution, at);
            store.transition(&change).await.unwrap();
        }
        jobs.push(job);
    }
    jobs
}

fn query(from: From, limit: usize) -> JobQuery {
    JobQuery {
        status: None,
        id_prefix: None,
        from,
        limit,
    }
}

fn ids(jobs: &[Job]) -> Vec<JobId> {
    jobs.iter().map(|j| j.id).collect()
}

#[tokio::test]
async fn pages_go_newest_first_and_back_again_without_gaps_or_repeats() {
    let (_d, store) = store();
    let jobs = seed(&store, 7).await;
    let newest_first: Vec<JobId> = jobs.iter().rev().map(|j| j.id).collect();

    let first = store.list(&query(From::Newest, 3)).await.unwrap();
    assert_eq!(ids(&first.jobs), newest_first[0..3]);
    assert_eq!(first.newer, None);
    let second = store
        .list(&query(From::Older(first.older.clone().unwrap()), 3))
        .await
        .unwrap();
    assert_eq!(ids(&second.jobs), newest_first[3..6]);
    let third = store
        .list(&query(From::Older(second.older.clone().unwrap()), 3))
        .await
        .unwrap();
    assert_eq!(ids(&third.jobs), newest_first[6..7]);
    assert_eq!(third.older, None, "the last page has nothing older");

    let back = store
        .list(&query(From::Newer(third.newer.clone().unwrap()), 3))
        .await
        .unwrap();
    assert_eq!(ids(&back.jobs), newest_first[3..6]);
    let front = store
        .list(&query(From::Newer(back.newer.clone().unwrap()), 3))
        .await
        .unwrap();
    assert_eq!(ids(&front.jobs), newest_first[0..3]);
    assert_eq!(front.newer, None, "back at the newest page");
}

#[tokio::test]
async fn jobs_created_in_the_same_millisecond_are_ordered_by_id_and_all_shown() {
    let (_d, store) = store();
    let at = Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).unwrap();
    let mut made = Vec::new();
    for _ in 0..5 {
        let job = Job::queued(JobId::random(), TestJob::params(1), at);
        store.create(&job, None).await.unwrap();
        made.push(job.id);
    }
    let mut seen = Vec::new();
    let mut from = From::Newest;
    loop {
        let page = store.list(&query(from, 2)).await.unwrap();
        seen.extend(ids(&page.jobs));
        match page.older {
            Some(c) => from = From::Older(c),
            None => break,
        }
    }
    let mut expect = made.clone();
    expect.sort_by_key(|id| std::cmp::Reverse(id.to_string()));
    assert_eq!(seen, expect);
}

#[tokio::test]
async fn a_status_filter_and_an_id_prefix_narrow_the_list() {
    let (_d, store) = store();
    let jobs = seed(&store, 9).await;
    let mut q = query(From::Newest, 50);
    q.status = Some(JobStatus::Running);
    let running = store.list(&q).await.unwrap();
    let expect: Vec<JobId> = jobs.iter().step_by(3).rev().map(|j| j.id).collect();
    assert_eq!(ids(&running.jobs), expect);
    assert!(running.jobs.iter().all(|j| j.status == JobStatus::Running));

    let target = jobs[4].id.to_string();
    let mut q = query(From::Newest, 50);
    q.id_prefix = Some(target[..13].to_owned());
    let found = store.list(&q).await.unwrap();
    assert_eq!(ids(&found.jobs), [jobs[4].id]);
    q.id_prefix = Some("zzzz".into());
    assert!(store.list(&q).await.unwrap().jobs.is_empty());

    let counts = store.counts().await.unwrap();
    assert_eq!(counts.running, 3);
    assert_eq!(counts.queued, 6);
    assert_eq!(counts.total(), 9);
}

#[test]
fn cursors_round_trip_and_refuse_what_is_not_one() {
    let job = Job::queued(
        JobId::random(),
        TestJob::params(1),
        Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).unwrap(),
    );
    let c = Cursor::of(&job);
    assert_eq!(Cursor::decode(&c.encode()), Some(c));
    for bad in [
        "",
        "x_y",
        "2026-11-25T12:00:00.000Z_nope",
        "nope_3f2c9a4e-8d1b-4c6a-9e2f-0b7d5a1c3e9f",
    ] {
        assert_eq!(Cursor::decode(bad), None, "{bad}");
    }
}

#[tokio::test]
async fn every_page_is_read_from_an_index_in_order_without_sorting() {
    let (_d, store) = store();
    let cursor = Cursor {
        created_at: "2026-11-25T12:00:00.000Z".into(),
        id: JobId::random().to_string(),
    };
    let mut queries = Vec::new();
    for status in [None, Some(JobStatus::Failure)] {
        for from in [
            From::Newest,
            From::Older(cursor.clone()),
            From::Newer(cursor.clone()),
        ] {
            let mut q = query(from, 50);
            q.status = status;
            queries.push(q);
        }
    }
    let plans = store
        .db()
        .read(move |c| {
            let mut plans = Vec::new();
            for q in &queries {
                let (sql, params) = list_sql(q);
                let mut st = c.prepare(&format!("EXPLAIN QUERY PLAN {sql}"))?;
                let rows = st.query_map(rusqlite::params_from_iter(params), |r| {
                    r.get::<_, String>(3)
                })?;
                plans.push(rows.collect::<Result<Vec<_>, _>>()?.join("; "));
            }
            Ok(plans)
        })
        .await
        .unwrap();
    for plan in plans {
        assert!(
            plan.contains("USING INDEX jobs_listed")
                || plan.contains("USING COVERING INDEX jobs_listed"),
            "{plan}"
        );
        assert!(!plan.contains("TEMP B-TREE"), "{plan}");
    }
}
