//! Load generator for a running local stack. Every request is signed, one
//! signature per request, as a real client does.
//!
//!   bench get   --url URL [--duration 10] [--concurrency 64] [--rate R]
//!   bench post  --url URL [--duration 10] [--concurrency 64] [--rate R]
//!   bench burst --url URL --data-dir DIR [--jobs 10000] [--concurrency 512] [--pid PID]
//!   bench wrk-script --url URL (get|post)
//!
//! `get` and `post` report throughput and latency percentiles over
//! `--duration` seconds: in a closed loop (each connection sends its next
//! request when the last is answered), or with `--rate` at R requests a
//! second spread over the connections, each latency counted from when its
//! request was due (so a stall that delays the requests behind it shows in
//! their latency too). Every job posted is the job's own example, or the
//! parameters given with `--params JSON` (any mode). `burst`
//! submits many jobs at once and reports how long until all of them are
//! `Success` (read from the stack's SQLite file) and, with `--pid`, the
//! server's peak resident memory. `wrk-script` prints a wrk Lua script that
//! sends one request signed now: SigV4 accepts a signature for 15 minutes, so
//! wrk can replay it (each POST still creates a new job).

use jobs_wire as wire;

static BODY: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// The body every POST sends: `--params` if given, else the job's own example.
fn example_body() -> &'static str {
    use jobs_domain::DynWork;
    BODY.get_or_init(|| jobs_job::Job.example().canonical())
}

/// `--params JSON` replaces the job's example, for instance to compare with a run of another
/// version whose example differs; the stack still validates it.
fn set_body(params: Option<String>) {
    if let Some(params) = params {
        let parsed: serde_json::Value = serde_json::from_str(&params)
            .unwrap_or_else(|e| panic!("--params is not JSON ({e}): {params}"));
        assert!(
            parsed.is_object(),
            "--params must be a JSON object: {params}"
        );
        BODY.set(parsed.to_string()).expect("the body is set once");
    }
}
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use http::Method;
use jobs_client::signing::{sign_request, Credentials};

#[derive(Clone)]
struct Client {
    base: String,
    host: String,
    credentials: Credentials,
    http: reqwest::Client,
}

impl Client {
    fn new(base: &str) -> Self {
        Self {
            base: base.trim_end_matches('/').to_owned(),
            host: base
                .trim_start_matches("http://")
                .trim_end_matches('/')
                .to_owned(),
            credentials: Credentials::new(
                jobs_local::config::DEFAULT_ACCESS_KEY_ID,
                jobs_local::config::DEFAULT_SECRET_ACCESS_KEY,
                None,
            ),
            http: reqwest::Client::builder()
                .no_proxy()
                .pool_max_idle_per_host(1024)
                .build()
                .unwrap(),
        }
    }

    fn signed(&self, method: Method, path: &str, body: Option<&str>) -> http::Request<Vec<u8>> {
        let mut builder = http::Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.base))
            .header("host", &self.host);
        if body.is_some() {
            builder = builder.header("content-type", "application/json");
        }
        let mut request = builder
            .body(body.unwrap_or_default().as_bytes().to_vec())
            .unwrap();
        sign_request(
            &mut request,
            &self.credentials,
            "us-east-1",
            SystemTime::now(),
        )
        .unwrap();
        request
    }

    async fn send(&self, method: Method, path: &str, body: Option<&str>) -> (u16, String) {
        let request = self.signed(method, path, body);
        let response = self
            .http
            .execute(reqwest::Request::try_from(request).unwrap())
            .await
            .expect("the stack answers");
        let status = response.status().as_u16();
        (status, response.text().await.unwrap_or_default())
    }

    async fn submit(&self) -> String {
        let (status, body) = self
            .send(Method::POST, wire::api::JOBS, Some(example_body()))
            .await;
        assert_eq!(status, 202, "{body}");
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        v["id"].as_str().unwrap().to_owned()
    }
}

fn arg<T: std::str::FromStr>(args: &[String], name: &str, default: Option<T>) -> T {
    match args.iter().position(|a| a == name) {
        Some(i) => args
            .get(i + 1)
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("{name} needs a value")),
        None => default.unwrap_or_else(|| panic!("{name} is required")),
    }
}

fn optional_arg<T: std::str::FromStr>(args: &[String], name: &str) -> Option<T> {
    args.iter()
        .position(|a| a == name)
        .map(|_| arg(args, name, None))
}

fn percentile(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i] as f64 / 1000.0
}

async fn load(client: Client, method: Method, seconds: u64, concurrency: usize, rate: Option<f64>) {
    let path = if method == Method::GET {
        wire::api::job(client.submit().await)
    } else {
        wire::api::JOBS.to_owned()
    };
    // Warm the connection pool so the first second is not all handshakes.
    let warmup = Duration::from_secs(1);
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for worker in 0..concurrency {
        let (client, path, stop, method) =
            (client.clone(), path.clone(), stop.clone(), method.clone());
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::with_capacity(4096);
            let mut errors = 0u64;
            // With a rate, this connection's requests are due every `period`,
            // offset so the connections do not all send at once.
            let period = rate.map(|r| Duration::from_secs_f64(concurrency as f64 / r));
            let mut due = started
                + period.map_or(Duration::ZERO, |p| {
                    p.mul_f64(worker as f64 / concurrency as f64)
                });
            while !stop.load(Ordering::Relaxed) {
                let body = (method == Method::POST).then_some(example_body());
                let t = match period {
                    Some(period) => {
                        tokio::time::sleep_until(due.into()).await;
                        let t = due;
                        due += period;
                        t
                    }
                    None => Instant::now(),
                };
                let (status, _) = client.send(method.clone(), &path, body).await;
                let took = t.elapsed();
                if started.elapsed() < warmup {
                    continue;
                }
                if (200..300).contains(&status) {
                    latencies.push(took.as_micros() as u32);
                } else {
                    errors += 1;
                }
            }
            (latencies, errors)
        }));
    }
    tokio::time::sleep(warmup + Duration::from_secs(seconds)).await;
    stop.store(true, Ordering::Relaxed);
    let mut all = Vec::new();
    let mut errors = 0;
    for t in tasks {
        let (l, e) = t.await.unwrap();
        all.extend(l);
        errors += e;
    }
    all.sort_unstable();
    println!(
        "{method} {path_kind}: {n} requests in {seconds}s = {rps:.0} req/s, errors {errors}, p50 {p50:.2} ms, p90 {p90:.2} ms, p99 {p99:.2} ms, max {max:.2} ms (concurrency {concurrency}, {pace})",
        pace = rate.map_or("closed loop".to_owned(), |r| format!("rate {r:.0}/s")),
        path_kind = if method == Method::GET { wire::api::JOB_ROUTE } else { wire::api::JOBS },
        n = all.len(),
        rps = all.len() as f64 / seconds as f64,
        p50 = percentile(&all, 0.50),
        p90 = percentile(&all, 0.90),
        p99 = percentile(&all, 0.99),
        max = percentile(&all, 1.0),
    );
}

/// A wrk script sending one request, signed now, with its body.
async fn wrk_script(client: Client, method: Method) {
    let (path, body) = if method == Method::GET {
        (wire::api::job(client.submit().await), None)
    } else {
        (wire::api::JOBS.to_owned(), Some(example_body()))
    };
    let request = client.signed(method.clone(), &path, body);
    let lua = |s: &str| format!("{s:?}");
    println!("-- {method} {path}, signed at the time this was written: valid for 15 minutes");
    println!("wrk.method = {}", lua(method.as_str()));
    println!("-- wrk takes the path from its URL: {path}");
    println!("wrk.body = {}", lua(body.unwrap_or_default()));
    for (name, value) in request.headers() {
        let value = value.to_str().expect("signed headers are text");
        // wrk adds a `Host` of its own unless the script sets that spelling.
        let name = if name == http::header::HOST {
            "Host"
        } else {
            name.as_str()
        };
        println!("wrk.headers[{}] = {}", lua(name), lua(value));
    }
}

fn count_success(db: &rusqlite::Connection, since: &str) -> i64 {
    db.query_row(
        "SELECT count(*) FROM jobs WHERE status = 'Success' AND created_at >= ?1",
        [since],
        |r| r.get(0),
    )
    .unwrap_or(0)
}

fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
}

async fn burst(
    client: Client,
    jobs: usize,
    concurrency: usize,
    data_dir: String,
    pid: Option<u32>,
) {
    let db = rusqlite::Connection::open_with_flags(
        format!("{data_dir}/jobs.sqlite3"),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .expect("the stack's database opens");
    let since = jobs_domain::job::timestamp(&chrono::Utc::now());
    let started = Instant::now();
    let semaphore = Arc::new(tokio::sync::Semaphore::new(concurrency));
    let mut tasks = Vec::with_capacity(jobs);
    for _ in 0..jobs {
        let permit = semaphore.clone().acquire_owned().await.unwrap();
        let client = client.clone();
        tasks.push(tokio::spawn(async move {
            let id = client.submit().await;
            drop(permit);
            id
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let submitted = started.elapsed();
    loop {
        let done = count_success(&db, &since);
        if done as usize >= jobs {
            break;
        }
        if started.elapsed() > Duration::from_secs(120) {
            println!("gave up: {done} of {jobs} jobs reached Success in 120 s");
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let all_done = started.elapsed();
    println!(
        "burst: {jobs} jobs: all accepted in {:.2} s, all Success after {:.2} s wall{}",
        submitted.as_secs_f64(),
        all_done.as_secs_f64(),
        match pid.and_then(peak_rss_kib) {
            Some(kib) => format!(", server peak RSS {:.0} MiB", kib as f64 / 1024.0),
            None => String::new(),
        }
    );
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let mode = args.get(1).cloned().unwrap_or_default();
    set_body(optional_arg(&args, "--params"));
    let client = Client::new(&arg::<String>(
        &args,
        "--url",
        Some("http://127.0.0.1:3000".into()),
    ));
    match mode.as_str() {
        "get" | "post" => {
            load(
                client,
                if mode == "get" {
                    Method::GET
                } else {
                    Method::POST
                },
                arg(&args, "--duration", Some(10)),
                arg(&args, "--concurrency", Some(64)),
                optional_arg(&args, "--rate"),
            )
            .await
        }
        "burst" => {
            burst(
                client,
                arg(&args, "--jobs", Some(10_000)),
                arg(&args, "--concurrency", Some(512)),
                arg::<String>(&args, "--data-dir", None),
                optional_arg(&args, "--pid"),
            )
            .await
        }
        "wrk-script" => match args.get(2).map(String::as_str) {
            Some("get") => wrk_script(client, Method::GET).await,
            Some("post") => wrk_script(client, Method::POST).await,
            _ => {
                eprintln!("usage: bench wrk-script get|post [--url URL]");
                std::process::exit(2);
            }
        },
        _ => {
            eprintln!("usage: bench get|post|burst|wrk-script --url URL [--duration SECONDS] [--concurrency N] [--rate R] [--jobs N --data-dir DIR --pid PID] [--params JSON]");
            std::process::exit(2);
        }
    }
}
