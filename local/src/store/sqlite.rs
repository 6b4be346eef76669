//! The SQLite database: one file in WAL mode, one writer thread that commits
//! whatever writes are waiting in one transaction, and a pool of readers.
//!
//! With thousands of jobs in flight, a transaction (and its WAL append) per
//! status write would serialize everything on the disk. The writer instead
//! drains its queue and commits the lot at once: each write still runs in its
//! own savepoint, so one failing write does not take the others with it, and
//! each caller hears back only after the commit that holds its write.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use rusqlite::{Connection, OpenFlags};
use tokio::sync::oneshot;
use tracing::error;

use super::db_error::DbError;

/// Upper bound on the writes one transaction commits, so a long queue still
/// hands results back at a steady pace.
const MAX_BATCH: usize = 1024;

/// Under load (the last batch held more than one write) the writer waits this
/// long for more writes before committing: one commit then carries many
/// writes, and the pages they share are written to the WAL once.
const LINGER: Duration = Duration::from_micros(500);

/// One queued write: run inside the batch, then told how the batch ended.
trait Pending: Send {
    /// Returns whether the write succeeded (and its savepoint may be kept).
    fn run(&mut self, conn: &Connection) -> bool;
    /// Whether the write needs its own savepoint: one that may fail after a
    /// partial change. A single statement is atomic without one.
    fn needs_savepoint(&self) -> bool;
    fn finish(self: Box<Self>, committed: Result<(), DbError>);
}

struct Op<F, R> {
    f: Option<F>,
    savepoint: bool,
    result: Option<Result<R, DbError>>,
    reply: Box<dyn FnOnce(Result<R, DbError>) + Send>,
}

impl<F, R> Pending for Op<F, R>
where
    F: FnOnce(&Connection) -> Result<R, DbError> + Send,
    R: Send,
{
    fn run(&mut self, conn: &Connection) -> bool {
        let f = self.f.take().expect("a write runs once");
        let result = f(conn);
        let ok = result.is_ok();
        self.result = Some(result);
        ok
    }

    fn needs_savepoint(&self) -> bool {
        self.savepoint
    }

    fn finish(self: Box<Self>, committed: Result<(), DbError>) {
        let outcome = match self.result {
            // Never ran: the batch failed before reaching it.
            None => Err(committed.err().unwrap_or(DbError::Closed)),
            Some(Err(e)) => Err(e),
            Some(Ok(value)) => committed.map(|()| value),
        };
        (self.reply)(outcome);
    }
}

type WriteOp = Box<dyn Pending>;

/// Statements through the connection's cache: the same few statements run
/// thousands of times a second, and parsing them each time would dominate.
pub(super) trait Cached {
    fn exec<P: rusqlite::Params>(&self, sql: &str, params: P) -> rusqlite::Result<usize>;
    fn row<T, P, F>(&self, sql: &str, params: P, f: F) -> rusqlite::Result<T>
    where
        P: rusqlite::Params,
        F: FnOnce(&rusqlite::Row<'_>) -> rusqlite::Result<T>;
}

impl Cached for Connection {
    fn exec<P: rusqlite::Params>(&self, sql: &str, params: P) -> rusqlite::Result<usize> {
        self.prepare_cached(sql)?.execute(params)
    }

    fn row<T, P, F>(&self, sql: &str, params: P, f: F) -> rusqlite::Result<T>
    where
        P: rusqlite::Params,
        F: FnOnce(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
    {
        self.prepare_cached(sql)?.query_row(params, f)
    }
}

#[derive(Clone)]
pub struct Db {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    writes: Mutex<Option<mpsc::Sender<WriteOp>>>,
    readers: Mutex<Vec<Connection>>,
    writer: Mutex<Option<thread::JoinHandle<()>>>,
    checkpointer: Mutex<Option<thread::JoinHandle<()>>>,
    checkpoints: Arc<Checkpoints>,
}

/// What the writer and the checkpoint thread share.
///
/// Under constant writes a checkpoint running beside the writer never finds
/// the WAL fully copied (new frames arrive while it copies), and SQLite starts
/// the WAL over only after a checkpoint that copied everything. So once the
/// WAL is long, the checkpoint thread asks the writer to run one checkpoint
/// itself between two transactions: nothing is appended meanwhile, and only
/// the frames since the thread's last pass are left to copy. The lock keeps
/// the two from running at once: a checkpoint waiting for another would wait
/// in SQLite's busy handler, whose sleeps are milliseconds long.
struct Checkpoints {
    /// Past this many frames (4 KiB pages) the WAL is started over.
    restart_frames: u64,
    running: Mutex<()>,
    restart_wanted: AtomicBool,
    stop: AtomicBool,
}

impl Db {
    /// Opens (creating if needed) `jobs.sqlite3` in `dir`.
    pub fn open(dir: &Path) -> Result<Self, DbError> {
        Self::open_with_wal_limit(dir, WAL_RESTART_BYTES)
    }

    fn open_with_wal_limit(dir: &Path, wal_restart_bytes: u64) -> Result<Self, DbError> {
        std::fs::create_dir_all(dir)
            .map_err(|e| DbError::Sql(format!("{}: {e}", dir.display())))?;
        let path = dir.join("jobs.sqlite3");
        let mut conn = Connection::open(&path)?;
        configure(&conn)?;
        super::schema::migrate(&mut conn)?;
        // Checkpoints (the one place NORMAL syncs, and a copy of every page
        // written since the last one) run on their own thread, so the writer
        // never stalls on one; see `checkpoint_loop`.
        conn.pragma_update(None, "wal_autocheckpoint", 0)?;
        // A WAL started over keeps its length on disk; past this it is cut.
        conn.pragma_update(None, "journal_size_limit", 2 * wal_restart_bytes as i64)?;
        let checkpoints = Arc::new(Checkpoints {
            restart_frames: wal_restart_bytes / 4096,
            running: Mutex::new(()),
            restart_wanted: AtomicBool::new(false),
            stop: AtomicBool::new(false),
        });
        let checkpointer = {
            let (path, checkpoints) = (path.clone(), checkpoints.clone());
            thread::Builder::new()
                .name("sqlite-checkpoint".into())
                .spawn(move || checkpoint_loop(&path, &checkpoints))
                .map_err(|e| DbError::Sql(e.to_string()))?
        };
        // Only a durable commit counts as done for the writer; a crash of the
        // process (not of the machine) loses nothing with WAL and NORMAL.
        let (tx, rx) = mpsc::channel::<WriteOp>();
        let writer = thread::Builder::new()
            .name("sqlite-writer".into())
            .spawn({
                let checkpoints = checkpoints.clone();
                move || write_loop(&mut conn, rx, &checkpoints)
            })
            .map_err(|e| DbError::Sql(e.to_string()))?;
        Ok(Self {
            inner: Arc::new(Inner {
                path,
                writes: Mutex::new(Some(tx)),
                readers: Mutex::new(Vec::new()),
                writer: Mutex::new(Some(writer)),
                checkpointer: Mutex::new(Some(checkpointer)),
                checkpoints,
            }),
        })
    }

    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// Runs `f` in the writer's next transaction; resolves once it is committed.
    pub async fn write<R, F>(&self, f: F) -> Result<R, DbError>
    where
        R: Send + 'static,
        F: FnOnce(&Connection) -> Result<R, DbError> + Send + 'static,
    {
        let (tx, rx) = oneshot::channel();
        self.submit(Box::new(Op {
            f: Some(f),
            savepoint: true,
            result: None,
            reply: Box::new(move |outcome| {
                let _ = tx.send(outcome);
            }),
        }))?;
        rx.await.map_err(|_| DbError::Closed)?
    }

    /// Queues a single-statement write without waiting for it. Writes are
    /// applied in the order they are queued, so a later awaited write commits
    /// after this one.
    pub fn write_detached<F>(&self, what: &'static str, f: F)
    where
        F: FnOnce(&Connection) -> Result<(), DbError> + Send + 'static,
    {
        let queued = self.submit(Box::new(Op {
            f: Some(f),
            savepoint: false,
            result: None,
            reply: Box::new(move |outcome: Result<(), DbError>| {
                if let Err(e) = outcome {
                    error!(error = %e, "could not write {what}");
                }
            }),
        }));
        if let Err(e) = queued {
            error!(error = %e, "could not queue a write of {what}");
        }
    }

    fn submit(&self, op: WriteOp) -> Result<(), DbError> {
        let writes = self.inner.writes.lock().expect("writer sender lock");
        writes
            .as_ref()
            .ok_or(DbError::Closed)?
            .send(op)
            .map_err(|_| DbError::Closed)
    }

    /// Runs `f` on a reader connection, off the async runtime.
    pub async fn read<R, F>(&self, f: F) -> Result<R, DbError>
    where
        R: Send + 'static,
        F: FnOnce(&Connection) -> Result<R, DbError> + Send + 'static,
    {
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || {
            let pooled = inner.readers.lock().expect("reader pool lock").pop();
            let conn = match pooled {
                Some(conn) => conn,
                None => open_reader(&inner.path)?,
            };
            let result = f(&conn);
            inner.readers.lock().expect("reader pool lock").push(conn);
            result
        })
        .await
        .map_err(|e| DbError::Sql(format!("reader task failed: {e}")))?
    }

    /// Stops taking writes, lets the writer commit what it holds, and waits.
    pub fn close(&self) {
        self.inner.writes.lock().expect("writer sender lock").take();
        if let Some(handle) = self.inner.writer.lock().expect("writer handle lock").take() {
            let _ = handle.join();
        }
        self.inner.checkpoints.stop.store(true, Ordering::SeqCst);
        if let Some(handle) = self
            .inner
            .checkpointer
            .lock()
            .expect("checkpointer lock")
            .take()
        {
            let _ = handle.join();
        }
    }
}

fn configure(conn: &Connection) -> Result<(), DbError> {
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.set_prepared_statement_cache_capacity(64);
    tune_reads(conn)?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    Ok(())
}

/// Copies the WAL back into the database file a few times a second. PASSIVE
/// never blocks the writer or the readers; see [`Checkpoints`] for how the
/// WAL is started over.
fn checkpoint_loop(path: &Path, checkpoints: &Checkpoints) {
    let conn = match Connection::open(path) {
        Ok(conn) => conn,
        Err(e) => {
            error!(error = %e, "no checkpoint connection; the WAL will grow until restart");
            return;
        }
    };
    let _ = conn.busy_timeout(Duration::from_secs(1));
    while !checkpoints.stop.load(Ordering::SeqCst) {
        thread::sleep(CHECKPOINT_EVERY);
        let _running = checkpoints.running.lock().expect("checkpoint lock");
        match passive_checkpoint(&conn) {
            Ok(frames) if frames > checkpoints.restart_frames => {
                checkpoints.restart_wanted.store(true, Ordering::SeqCst);
            }
            Ok(_) => {}
            Err(e) => error!(error = %e, "checkpoint failed"),
        }
    }
    let _ = passive_checkpoint(&conn);
}

const CHECKPOINT_EVERY: Duration = Duration::from_millis(100);

/// Runs a PASSIVE checkpoint; returns the frames the WAL holds.
fn passive_checkpoint(conn: &Connection) -> rusqlite::Result<u64> {
    conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| r.get::<_, i64>(1))
        .map(|frames| frames.max(0) as u64)
}

fn open_reader(path: &Path) -> Result<Connection, DbError> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    tune_reads(&conn)?;
    Ok(conn)
}

/// The default page cache (2 MiB) is far smaller than the working set of a
/// busy stack, and every miss is a read() copying a page from the kernel;
/// a larger cache and a memory-mapped file avoid both.
fn tune_reads(conn: &Connection) -> Result<(), DbError> {
    conn.pragma_update(None, "cache_size", -16_384)?;
    conn.pragma_update(None, "mmap_size", 1_i64 << 30)?;
    Ok(())
}

/// Past this length the WAL is started over: under a steady 2,000 jobs a
/// second that is about once a second, each time holding the writer for the
/// few milliseconds of two fsyncs.
const WAL_RESTART_BYTES: u64 = 64 * 1024 * 1024;

fn write_loop(conn: &mut Connection, rx: mpsc::Receiver<WriteOp>, checkpoints: &Checkpoints) {
    let mut busy = false;
    while let Ok(first) = rx.recv() {
        let mut batch = vec![first];
        let deadline = Instant::now() + if busy { LINGER } else { Duration::ZERO };
        while batch.len() < MAX_BATCH {
            let next = match deadline.checked_duration_since(Instant::now()) {
                Some(left) if !left.is_zero() => rx.recv_timeout(left).ok(),
                _ => rx.try_recv().ok(),
            };
            match next {
                Some(op) => batch.push(op),
                None => break,
            }
        }
        busy = batch.len() > 1;
        let committed = run_batch(conn, &mut batch);
        for op in batch {
            op.finish(committed.clone());
        }
        if checkpoints.restart_wanted.load(Ordering::SeqCst) {
            // Skipped while the thread's pass runs; asked again after it.
            if let Ok(_running) = checkpoints.running.try_lock() {
                checkpoints.restart_wanted.store(false, Ordering::SeqCst);
                if let Err(e) = passive_checkpoint(conn) {
                    error!(error = %e, "could not catch the WAL up");
                }
            }
        }
    }
}

fn run_batch(conn: &mut Connection, batch: &mut [WriteOp]) -> Result<(), DbError> {
    let mut tx = conn.transaction()?;
    for op in batch.iter_mut() {
        if !op.needs_savepoint() {
            op.run(&tx);
            continue;
        }
        let mut savepoint = tx.savepoint()?;
        if op.run(&savepoint) {
            savepoint.commit()?;
        } else {
            savepoint.rollback()?;
        }
    }
    tx.commit()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn writes_commit_and_readers_see_them() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(dir.path()).unwrap();
        db.write(|c| {
            c.execute("CREATE TABLE t (v INTEGER)", [])?;
            Ok(())
        })
        .await
        .unwrap();
        let mut handles = Vec::new();
        for i in 0..200 {
            let db = db.clone();
            handles.push(tokio::spawn(async move {
                db.write(move |c| {
                    c.execute("INSERT INTO t VALUES (?1)", [i])?;
                    Ok(())
                })
                .await
            }));
        }
        for h in handles {
            h.await.unwrap().unwrap();
        }
        let n: i64 = db
            .read(|c| Ok(c.query_row("SELECT count(*) FROM t", [], |r| r.get(0))?))
            .await
            .unwrap();
        assert_eq!(n, 200);
    }

    #[tokio::test]
    async fn a_failing_write_leaves_the_rest_of_its_batch_alone() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(dir.path()).unwrap();
        db.write(|c| Ok(c.execute_batch("CREATE TABLE t (v INTEGER UNIQUE)")?))
            .await
            .unwrap();
        let good = db.write(|c| Ok(c.execute("INSERT INTO t VALUES (1)", [])?));
        let half = db.write(|c| {
            c.execute("INSERT INTO t VALUES (2)", [])?;
            // Fails: the insert above must be rolled back with it.
            c.execute("INSERT INTO t VALUES (1)", [])?;
            Ok(())
        });
        let also_good = db.write(|c| Ok(c.execute("INSERT INTO t VALUES (3)", [])?));
        let (a, b, c) = tokio::join!(good, half, also_good);
        assert!(a.is_ok() && b.is_err() && c.is_ok());
        let values: Vec<i64> = db
            .read(|c| {
                let mut st = c.prepare("SELECT v FROM t ORDER BY v")?;
                let rows = st.query_map([], |r| r.get(0))?;
                Ok(rows.collect::<Result<_, _>>()?)
            })
            .await
            .unwrap();
        assert_eq!(values, vec![1, 3]);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_wal_stays_bounded_under_constant_writes() {
        let dir = tempfile::tempdir().unwrap();
        let limit = 1024 * 1024;
        let db = Db::open_with_wal_limit(dir.path(), limit).unwrap();
        db.write(|c| Ok(c.execute_batch("CREATE TABLE t (v BLOB)")?))
            .await
            .unwrap();
        let wal = dir.path().join("jobs.sqlite3-wal");
        // Four writers never let the queue run dry, so no checkpoint running
        // beside them can ever find the WAL fully copied on its own.
        let writers: Vec<_> = (0..4)
            .map(|_| {
                let (db, wal) = (db.clone(), wal.clone());
                tokio::spawn(async move {
                    let mut largest = 0;
                    for _ in 0..1500 {
                        db.write(|c| Ok(c.execute("INSERT INTO t VALUES (zeroblob(3000))", [])?))
                            .await
                            .unwrap();
                        largest = largest.max(std::fs::metadata(&wal).map_or(0, |m| m.len()));
                    }
                    largest
                })
            })
            .collect();
        let mut largest = 0;
        for w in writers {
            largest = largest.max(w.await.unwrap());
        }
        let rows: i64 = db
            .read(|c| Ok(c.query_row("SELECT count(*) FROM t", [], |r| r.get(0))?))
            .await
            .unwrap();
        assert_eq!(rows, 6000);
        // 6000 rows of 3 KB wrote well over 18 MiB of frames.
        assert!(largest < 6 * limit, "the WAL reached {largest} bytes");
    }

    #[tokio::test]
    async fn data_survives_reopening() {
        let dir = tempfile::tempdir().unwrap();
        {
            let db = Db::open(dir.path()).unwrap();
            db.write(|c| {
                Ok(c.execute_batch("CREATE TABLE t (v TEXT); INSERT INTO t VALUES ('kept');")?)
            })
            .await
            .unwrap();
            db.close();
        }
        let db = Db::open(dir.path()).unwrap();
        let v: String = db
            .read(|c| Ok(c.query_row("SELECT v FROM t", [], |r| r.get(0))?))
            .await
            .unwrap();
        assert_eq!(v, "kept");
    }
}
