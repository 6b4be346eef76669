#!/usr/bin/env python3
"""Crash-under-load run of the local stack: kill -9 while jobs are being submitted.

It starts `jobs local start` on a free 127.0.0.1 port with a temporary data directory, and
keeps several submitters posting signed jobs (the job's example). Every few seconds the stack
is killed with SIGKILL (by pid) and started again on the same port and data directory. After
the last round the load stops, the run waits (bounded) until every job is final, stops the
stack and reads `jobs.sqlite3` read-only. It fails (exit 1) if:

  - an id that got a 202 is missing from the jobs table (a lost job);
  - an accepted job is not Success (nothing injects faults, so every job must succeed);
  - the table holds more jobs than the 202s plus the POSTs whose answer was lost to a kill
    (a duplicate: a job created twice for one request);
  - a job has more than one execution, or an execution is still RUNNING.

A POST that fails because the stack is down is expected and not counted as accepted. A POST
cut off mid-flight may or may not have created its job; such jobs must reach Success too.

  python3 bench/crash_under_load.py [--rounds 5] [--interval 5] [--submitters 4]

Build first:
  CARGO_TARGET_DIR=target-robust cargo build --profile local -p jobs --bin jobs
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import hmac
import http.client
import json
import os
import random
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

# Bodies derived from the job's types by `jobs generate`: the job's example is
# what every request here submits, whatever the job.
with open(os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                       "lambdas/api/schema/create-job.bodies.json")) as _f:
    EXAMPLE = json.load(_f)["example"]


REPO = Path(__file__).resolve().parent.parent
DEFAULT_BINARY = REPO / "target-robust" / "local" / "jobs"
ACCESS_KEY = "AKIDLOCALJOBS0000000"
SECRET_KEY = "local-jobs-secret-do-not-use-in-production"
REGION = "us-east-1"
SERVICE = "execute-api"


def sigv4_headers(method: str, host: str, path: str, body: bytes) -> dict[str, str]:
    """Headers of a request signed with AWS Signature V4 (no query string)."""
    now = datetime.datetime.now(datetime.timezone.utc)
    amz_date = now.strftime("%Y%m%dT%H%M%SZ")
    day = amz_date[:8]
    headers = {"host": host, "x-amz-date": amz_date}
    if body:
        headers["content-type"] = "application/json"
    signed = sorted(headers)
    canonical = "\n".join(
        [
            method,
            path,
            "",
            "".join(f"{k}:{headers[k]}\n" for k in signed),
            ";".join(signed),
            hashlib.sha256(body).hexdigest(),
        ]
    )
    scope = f"{day}/{REGION}/{SERVICE}/aws4_request"
    to_sign = "\n".join(
        ["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()]
    )
    key = f"AWS4{SECRET_KEY}".encode()
    for part in (day, REGION, SERVICE, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    headers["authorization"] = (
        f"AWS4-HMAC-SHA256 Credential={ACCESS_KEY}/{scope}, "
        f"SignedHeaders={';'.join(signed)}, Signature={signature}"
    )
    return headers


class Client:
    """One keep-alive connection, signing every request; reconnects after a failure."""

    def __init__(self, port: int, timeout: float = 10.0):
        self.port = port
        self.host = f"127.0.0.1:{port}"
        self.timeout = timeout
        self.conn: http.client.HTTPConnection | None = None

    def connect(self) -> None:
        """Opens the connection if there is none; raises OSError when the stack is down."""
        if self.conn is None:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
            conn.connect()
            self.conn = conn

    def request(self, method: str, path: str, body: bytes = b"") -> tuple[int, bytes]:
        """Status and body; raises OSError / http.client.HTTPException when the stack is gone."""
        self.connect()
        try:
            self.conn.request(method, path, body=body or None,
                              headers=sigv4_headers(method, self.host, path, body))
            response = self.conn.getresponse()
            return response.status, response.read()
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Stack:
    """`jobs local start` as a child process, stopped by its pid."""

    def __init__(self, binary: Path, port: int, data_dir: Path, log: Path):
        self.binary, self.port, self.data_dir, self.log = binary, port, data_dir, log
        self.proc: subprocess.Popen | None = None
        self.recovered = ""

    def start(self, timeout: float = 30.0) -> None:
        env = dict(os.environ, RUST_LOG=os.environ.get("RUST_LOG", "warn"))
        env.pop("JOBS_LOCAL_FAULTS", None)
        deadline = time.monotonic() + timeout
        while True:
            with open(self.log, "ab") as log:
                self.proc = subprocess.Popen(
                    [str(self.binary), "local", "start", "--addr", f"127.0.0.1:{self.port}",
                     "--data-dir", str(self.data_dir)],
                    stdout=subprocess.PIPE, stderr=log, env=env,
                )
            assert self.proc.stdout is not None
            up = False
            self.recovered = ""
            for line in self.proc.stdout:
                text = line.decode(errors="replace").strip()
                up = up or text.startswith("URL")
                if text.startswith("Recovered"):
                    self.recovered = text.removeprefix("Recovered").strip()
                # The banner ends with the curl example; "Recovered" comes before it.
                if up and text.startswith("Every request"):
                    # Keep draining stdout so the child never blocks on a full pipe.
                    threading.Thread(target=self.proc.stdout.read, daemon=True).start()
                    return
            # No URL: it exited (the port may still be held for a moment after a kill).
            self.proc.wait()
            if time.monotonic() > deadline:
                raise RuntimeError(f"the stack did not start; see {self.log}")
            time.sleep(0.2)

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def kill9(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

    def stop(self) -> None:
        """SIGTERM, then SIGKILL if it does not exit in 10 s."""
        if self.proc is None or self.proc.poll() is not None:
            return
        os.kill(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.kill9()


class Submitter(threading.Thread):
    def __init__(self, port: int, pause: float, stop: threading.Event, seed: int):
        super().__init__(daemon=True)
        self.client = Client(port, timeout=10.0)
        self.pause, self.stop_event = pause, stop
        self.rng = random.Random(seed)
        self.accepted: list[str] = []
        self.refused = 0  # connection refused: the stack was down, nothing can exist
        self.cut_off = 0  # sent, no answer: the job may exist
        self.unexpected: list[str] = []

    def run(self) -> None:
        while not self.stop_event.is_set():
            body = json.dumps(EXAMPLE).encode()
            try:
                self.client.connect()
            except OSError:
                self.refused += 1
                time.sleep(0.05)
                continue
            try:
                status, payload = self.client.request("POST", "/jobs", body)
            except (OSError, http.client.HTTPException):
                # Also counts a request written to a connection the kill had already closed,
                # which the stack never saw: the bound on extra jobs only gets looser.
                self.cut_off += 1
                time.sleep(0.05)
                continue
            if status == 202:
                self.accepted.append(json.loads(payload)["id"])
            else:
                self.unexpected.append(f"{status} {payload[:200]!r}")
            if self.pause:
                time.sleep(self.pause)


def db_counts(db: Path) -> dict[str, int]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as c:
        return dict(c.execute("SELECT status, count(*) FROM jobs GROUP BY status").fetchall())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--binary", type=Path,
                        default=Path(os.environ.get("JOBS_LOCAL_BIN", DEFAULT_BINARY)))
    parser.add_argument("--rounds", type=int, default=5, help="kill -9 / restart cycles")
    parser.add_argument("--interval", type=float, default=5.0,
                        help="mean seconds of load between two kills (jittered by +-50%%)")
    parser.add_argument("--submitters", type=int, default=4)
    parser.add_argument("--pause", type=float, default=0.02,
                        help="seconds each submitter waits between two POSTs")
    parser.add_argument("--drain-timeout", type=float, default=90.0,
                        help="seconds to wait for every job to be final after the load")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the data directory")
    args = parser.parse_args()
    if not args.binary.exists():
        print(f"no binary at {args.binary}; build it first (see --help)", file=sys.stderr)
        return 2

    started = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="jobs-crash-"))
    data_dir, log = work / "data", work / "stack.log"
    db = data_dir / "jobs.sqlite3"
    stack = Stack(args.binary, free_port(), data_dir, log)
    stop = threading.Event()
    submitters: list[Submitter] = []
    failures: list[str] = []
    restart_times: list[float] = []
    try:
        stack.start()
        print(f"stack pid {stack.pid} on 127.0.0.1:{stack.port}, data {data_dir}", flush=True)
        submitters = [Submitter(stack.port, args.pause, stop, args.seed + i)
                      for i in range(args.submitters)]
        for s in submitters:
            s.start()
        # Jittered kills land at different points of the jobs' lives and of the writer's
        # batches; the seed makes a failing schedule repeatable.
        schedule = random.Random(args.seed)
        for round_no in range(1, args.rounds + 1):
            time.sleep(args.interval * schedule.uniform(0.5, 1.5))
            accepted = sum(len(s.accepted) for s in submitters)
            print(f"round {round_no}: kill -9 pid {stack.pid} after {accepted} accepted",
                  flush=True)
            stack.kill9()
            t0 = time.monotonic()
            stack.start()
            restart_times.append(time.monotonic() - t0)
            print(f"round {round_no}: restarted as pid {stack.pid} in "
                  f"{restart_times[-1]:.2f} s; recovered: {stack.recovered or 'nothing'}",
                  flush=True)
        time.sleep(args.interval)
        stop.set()
        for s in submitters:
            s.join(timeout=30)
        load_end = time.monotonic()

        accepted_ids = [i for s in submitters for i in s.accepted]
        cut_off = sum(s.cut_off for s in submitters)
        refused = sum(s.refused for s in submitters)
        for s in submitters:
            failures += [f"unexpected answer to POST /jobs: {u}" for u in s.unexpected]

        # Bounded wait until nothing is Queued or Running.
        deadline = time.monotonic() + args.drain_timeout
        while True:
            counts = db_counts(db)
            pending = counts.get("Queued", 0) + counts.get("Running", 0)
            if pending == 0 or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        drain = time.monotonic() - load_end
        stack.stop()

        with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as c:
            rows = dict(c.execute("SELECT id, status FROM jobs").fetchall())
            executions = c.execute(
                "SELECT job_id, count(*), sum(status = 'RUNNING'), "
                "group_concat(status) FROM executions GROUP BY job_id").fetchall()
        distinct = set(accepted_ids)
        if len(distinct) != len(accepted_ids):
            failures.append(f"{len(accepted_ids) - len(distinct)} ids were answered twice")
        lost = [i for i in distinct if i not in rows]
        not_success = {i: rows[i] for i in distinct if i in rows and rows[i] != "Success"}
        extra = [i for i in rows if i not in distinct]
        extra_not_success = {i: rows[i] for i in extra if rows[i] != "Success"}
        running = [(j, st) for j, _n, r, st in executions if r]
        multi = [(j, n, st) for j, n, _r, st in executions if n != 1]
        without_execution = [i for i in rows if i not in {e[0] for e in executions}]
        if lost:
            failures.append(f"{len(lost)} accepted jobs lost, e.g. {lost[:5]}")
        if not_success:
            failures.append(f"{len(not_success)} accepted jobs not Success, e.g. "
                            f"{list(not_success.items())[:5]}")
        if len(extra) > cut_off:
            failures.append(f"{len(extra)} jobs nobody was answered for, more than the "
                            f"{cut_off} POSTs cut off by a kill: duplicates, e.g. {extra[:5]}")
        if extra_not_success:
            failures.append(f"{len(extra_not_success)} jobs created by cut-off POSTs are not "
                            f"Success, e.g. {list(extra_not_success.items())[:5]}")
        if running:
            failures.append(f"{len(running)} jobs with an execution still RUNNING, "
                            f"e.g. {running[:5]}")
        if multi:
            failures.append(f"{len(multi)} jobs with more than one execution, e.g. {multi[:5]}")
        if without_execution:
            failures.append(f"{len(without_execution)} jobs without an execution, "
                            f"e.g. {without_execution[:5]}")

        statuses: dict[str, int] = {}
        for st in rows.values():
            statuses[st] = statuses.get(st, 0) + 1
        print()
        print(f"rounds (kill -9 + restart)   {args.rounds}")
        print(f"restart to URL, s            "
              f"{', '.join(f'{t:.2f}' for t in restart_times)}")
        print(f"POST 202 (accepted)          {len(accepted_ids)}")
        print(f"POST refused (stack down)    {refused}")
        print(f"POST cut off by a kill       {cut_off}")
        print(f"jobs in the table            {len(rows)}  {statuses}")
        print(f"  accepted and final         "
              f"{sum(1 for i in distinct if rows.get(i) in ('Success', 'Failure'))}")
        print(f"  created by cut-off POSTs   {len(extra)}")
        print(f"executions                   {sum(e[1] for e in executions)}")
        print(f"drain after load, s          {drain:.1f}")
        print(f"wall time, s                 {time.monotonic() - started:.1f}")
        print()
    except BaseException as e:
        failures.append(f"the run itself failed: {e!r}")
    finally:
        stop.set()
        stack.kill9()
    if failures:
        print("FAILED:")
        for f in failures:
            print(f"  - {f}")
        print(f"stack log: {log}; data kept in {data_dir}")
        return 1
    print("OK: no accepted job lost, all Success, no duplicate, nothing left RUNNING")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    else:
        print(f"data kept in {data_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
