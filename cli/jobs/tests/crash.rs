//! kill -9 of the real binary in the middle of work, then a restart on the
//! same data directory: no accepted job is lost and no execution stays stuck.

// The local stack's own test helpers: a signing client of its HTTP API.
#[path = "../../../local/tests/common/mod.rs"]
mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use common::Api;
use serde_json::Value;

/// The binary, started on a random loopback port; killed (SIGKILL, by pid)
/// when dropped.
struct Server {
    child: Child,
    url: String,
}

impl Server {
    /// `faults` as `--faults` takes them ("" for none).
    fn start(data_dir: &Path, faults: &str) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_jobs"))
            .args(["local", "start", "--addr", "127.0.0.1:0", "--data-dir"])
            .arg(data_dir)
            .args(["--faults", faults])
            .env("RUST_LOG", "warn")
            .env_remove("JOBS_LOCAL_FAULTS")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("the binary starts");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(url) = line.trim().strip_prefix("URL") {
                    let _ = tx.send(url.trim().to_owned());
                }
            }
        });
        let url = match rx.recv_timeout(Duration::from_secs(30)) {
            Ok(url) => url,
            Err(_) => {
                let _ = child.kill();
                panic!("the server printed no URL");
            }
        };
        Server { child, url }
    }

    fn kill9(mut self) {
        self.child.kill().expect("SIGKILL");
        self.child.wait().unwrap();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_kill_9_and_a_restart_every_accepted_job_finishes() {
    let dir = tempfile::tempdir().unwrap();
    // Runs are held: executions are under way, jobs Running, when the
    // process dies, whatever the job does and however fast.
    let first = Server::start(dir.path(), "hold-runs");
    let api = Api::new(&first.url);
    let mut ids = Vec::new();
    for _ in 0..6 {
        ids.push(api.submit_example().await);
    }
    api.wait_for(&ids[0], "Running", common::QUICK).await;
    first.kill9();

    // A job stored but never started: the process died between the two.
    let orphan = uuid::Uuid::new_v4().to_string();
    {
        let db = rusqlite::Connection::open(dir.path().join("jobs.sqlite3")).unwrap();
        db.execute(
            "INSERT INTO jobs (id, status, parameters, created_at, updated_at)
             VALUES (?1, 'Queued', ?2, ?3, ?3)",
            rusqlite::params![
                orphan,
                common::example().to_string(),
                jobs_domain::job::timestamp(&chrono::Utc::now())
            ],
        )
        .unwrap();
    }
    ids.push(orphan.clone());

    let second = Server::start(dir.path(), "");
    let api = Api::new(&second.url);
    let mut results = Vec::new();
    for id in &ids {
        let job = api.wait_for(id, "Success", Duration::from_secs(60)).await;
        assert_eq!(job["parameters"], common::example());
        results.push(job["results"].clone());
        let executions = api
            .wait_for_execution(id, common::QUICK, |e| e["status"] == "SUCCEEDED")
            .await;
        assert_eq!(executions["name"], id.as_str());
    }
    // The same parameters, the same results: none was cut short.
    assert!(
        results.iter().all(|r| r.is_object() && *r == results[0]),
        "{results:?}"
    );
    // No execution is left RUNNING once every job is done.
    for id in &ids {
        let all = api.executions(id).await.body["executions"].clone();
        let statuses: Vec<&Value> = all
            .as_array()
            .unwrap()
            .iter()
            .map(|e| &e["status"])
            .collect();
        assert!(
            statuses.iter().all(|s| *s != "RUNNING"),
            "job {id}: {statuses:?}"
        );
        assert_eq!(
            statuses.len(),
            1,
            "job {id} ran in one execution: {statuses:?}"
        );
    }
    second.kill9();
}
