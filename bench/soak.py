#!/usr/bin/env python3
"""Soak run of the local stack: sustained signed POST and GET load, memory sampled each second.

It starts `jobs local start` on a free 127.0.0.1 port with a temporary data directory, then
for --duration seconds (default 60) runs --workers threads that together send about --rate
requests a second: a POST /jobs of a 1-second job with probability --post-ratio, otherwise a
GET /jobs/{id} of a job already accepted. Every second it reads the server's
/proc/PID/status (VmRSS, RssAnon, RssFile).

It fails (exit 1) on any error while the stack is up: a connection error, a timeout, a 5xx, or
any answer other than 202 to a POST and 200 to a GET. And it fails if memory is not flat:
the mean RssAnon of the last --window seconds must be no more than --max-growth percent
above the mean of the first --window seconds after --warmup. RssAnon (heap) is the figure
asserted on, not VmRSS: the stack maps its SQLite file (mmap_size 1 GiB), so VmRSS also
grows with the database file, which is data, not a leak. See docs/robustness.md for the
threshold.

  python3 bench/soak.py [--duration 60] [--rate 200] [--post-ratio 0.2] [--workers 4]

Build first:
  CARGO_TARGET_DIR=target-robust cargo build --profile local -p jobs --bin jobs
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import shutil
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
EXAMPLE_BODY = json.dumps(EXAMPLE).encode()


from crash_under_load import DEFAULT_BINARY, Client, Stack, free_port


def memory(pid: int) -> dict[str, int]:
    """VmRSS, RssAnon, RssFile, RssShmem of pid, in KiB."""
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "RssAnon", "RssFile", "RssShmem", "VmHWM"):
                out[key] = int(value.split()[0])
    return out


def percentile(sorted_values: list[float], p: float) -> float:
    if not sorted_values:
        return float("nan")
    return sorted_values[min(len(sorted_values) - 1, int(p / 100 * len(sorted_values)))]


class Worker(threading.Thread):
    def __init__(self, port: int, rate: float, post_ratio: float, ids: list[str],
                 ids_lock: threading.Lock, stop: threading.Event, seed: int):
        super().__init__(daemon=True)
        self.client = Client(port, timeout=10.0)
        self.interval = 1.0 / rate
        self.post_ratio = post_ratio
        self.ids, self.ids_lock, self.stop_event = ids, ids_lock, stop
        self.rng = random.Random(seed)
        self.latency: dict[str, list[float]] = {"POST": [], "GET": []}
        self.statuses: dict[str, int] = {}
        self.errors: list[str] = []

    def run(self) -> None:
        # Open loop on a fixed schedule: a slow answer does not lower the offered rate,
        # the worker catches up (up to one second of backlog) instead.
        next_at = time.monotonic()
        while not self.stop_event.is_set():
            now = time.monotonic()
            if now < next_at:
                time.sleep(next_at - now)
            next_at = max(next_at + self.interval, time.monotonic() - 1.0)
            with self.ids_lock:
                known = len(self.ids)
                job_id = self.ids[self.rng.randrange(known)] if known else None
            if job_id is None or self.rng.random() < self.post_ratio:
                method, path, body, want = "POST", "/jobs", EXAMPLE_BODY, 202
            else:
                method, path, body, want = "GET", f"/jobs/{job_id}", b"", 200
            t0 = time.perf_counter()
            try:
                status, payload = self.client.request(method, path, body)
            except (OSError, http.client.HTTPException) as e:
                self.errors.append(f"{method} {path}: {e!r}")
                continue
            self.latency[method].append(time.perf_counter() - t0)
            key = f"{method} {status}"
            self.statuses[key] = self.statuses.get(key, 0) + 1
            if status != want:
                self.errors.append(f"{method} {path}: {status} {payload[:200]!r}")
            elif method == "POST":
                with self.ids_lock:
                    self.ids.append(json.loads(payload)["id"])


def preload(port: int, count: int, workers: int, ids: list[str]) -> list[str]:
    """Submits count jobs as fast as `workers` connections allow; returns the errors.

    The database then outgrows the writer's SQLite page cache (cache_size 16 MiB) before the
    timed load starts, so that cache has reached its bound and the heap stops growing with
    the data: growth left in the comparison is then not the cache filling up.
    """
    lock = threading.Lock()
    errors: list[str] = []
    remaining = [count]

    def run() -> None:
        client = Client(port, timeout=30.0)
        while True:
            with lock:
                if remaining[0] <= 0:
                    return
                remaining[0] -= 1
            try:
                status, payload = client.request("POST", "/jobs", EXAMPLE_BODY)
            except (OSError, http.client.HTTPException) as e:
                with lock:
                    errors.append(repr(e))
                continue
            with lock:
                if status == 202:
                    ids.append(json.loads(payload)["id"])
                else:
                    errors.append(f"{status} {payload[:200]!r}")

    threads = [threading.Thread(target=run, daemon=True) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--binary", type=Path,
                        default=Path(os.environ.get("JOBS_LOCAL_BIN", DEFAULT_BINARY)))
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load")
    parser.add_argument("--rate", type=float, default=200.0, help="requests a second, in all")
    parser.add_argument("--post-ratio", type=float, default=0.2)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--warmup", type=float, default=10.0,
                        help="seconds left out of the memory comparison")
    parser.add_argument("--window", type=float, default=20.0,
                        help="seconds of the first and the last memory windows compared")
    parser.add_argument("--max-growth", type=float, default=10.0,
                        help="percent RssAnon may grow from the first to the last window")
    parser.add_argument("--preload", type=int, default=5000,
                        help="jobs submitted as fast as possible before the timed load")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if not args.binary.exists():
        print(f"no binary at {args.binary}; build it first (see --help)", file=sys.stderr)
        return 2
    if args.duration < args.warmup + 2 * args.window:
        print("--duration must cover --warmup and two --window", file=sys.stderr)
        return 2

    work = Path(tempfile.mkdtemp(prefix="jobs-soak-"))
    log = work / "stack.log"
    stack = Stack(args.binary, free_port(), work / "data", log)
    stop = threading.Event()
    failures: list[str] = []
    samples: list[tuple[float, dict[str, int], int]] = []
    try:
        stack.start()
        print(f"stack pid {stack.pid} on 127.0.0.1:{stack.port}; "
              f"{args.rate:g} req/s for {args.duration:g} s, "
              f"{args.post_ratio:.0%} POST", flush=True)
        ids: list[str] = []
        ids_lock = threading.Lock()
        t0 = time.monotonic()
        preload_errors = preload(stack.port, args.preload, args.workers, ids)
        if preload_errors:
            failures.append(f"{len(preload_errors)} errors while preloading, "
                            f"e.g. {preload_errors[:5]}")
        print(f"preloaded {len(ids)} jobs in {time.monotonic() - t0:.1f} s", flush=True)
        workers = [Worker(stack.port, args.rate / args.workers, args.post_ratio, ids,
                          ids_lock, stop, args.seed + i) for i in range(args.workers)]
        started = time.monotonic()
        samples.append((0.0, memory(stack.pid), 0))
        for w in workers:
            w.start()
        while (elapsed := time.monotonic() - started) < args.duration:
            time.sleep(max(0.0, len(samples) - elapsed))
            if stack.proc.poll() is not None:
                failures.append(f"the stack exited with {stack.proc.returncode}")
                break
            done = sum(len(w.latency["POST"]) + len(w.latency["GET"]) for w in workers)
            samples.append((time.monotonic() - started, memory(stack.pid), done))
        stop.set()
        for w in workers:
            w.join(timeout=15)
        wall = time.monotonic() - started
        final_memory = memory(stack.pid)
        stack.stop()

        print()
        print(f"{'t s':>5} {'VmRSS MiB':>10} {'RssAnon MiB':>12} {'RssFile MiB':>12} "
              f"{'RssShmem MiB':>13} {'requests':>9}")
        for i, (t, m, done) in enumerate(samples):
            if i % 5 == 0 or i == len(samples) - 1:
                print(f"{t:5.0f} {m['VmRSS'] / 1024:10.1f} {m['RssAnon'] / 1024:12.1f} "
                      f"{m['RssFile'] / 1024:12.1f} {m['RssShmem'] / 1024:13.1f} {done:9d}")
        print(f"peak VmRSS (VmHWM) {final_memory['VmHWM'] / 1024:.1f} MiB")

        first = [m["RssAnon"] for t, m, _ in samples
                 if args.warmup <= t < args.warmup + args.window]
        last = [m["RssAnon"] for t, m, _ in samples if t >= samples[-1][0] - args.window]
        growth = float("nan")
        if first and last:
            mean_first, mean_last = sum(first) / len(first), sum(last) / len(last)
            growth = 100.0 * (mean_last - mean_first) / mean_first
            print(f"RssAnon mean {args.warmup:g}-{args.warmup + args.window:g} s: "
                  f"{mean_first / 1024:.1f} MiB; last {args.window:g} s: "
                  f"{mean_last / 1024:.1f} MiB; growth {growth:+.1f}% "
                  f"(limit {args.max_growth:g}%)")
            if growth > args.max_growth:
                failures.append(f"RssAnon grew {growth:.1f}% (limit {args.max_growth:g}%)")
        else:
            failures.append("not enough memory samples")

        print()
        print(f"{'request':>8} {'count':>7} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8} "
              f"{'max ms':>8}")
        for method in ("POST", "GET"):
            lat = sorted(x * 1000 for w in workers for x in w.latency[method])
            print(f"{method:>8} {len(lat):7d} {percentile(lat, 50):8.2f} "
                  f"{percentile(lat, 90):8.2f} {percentile(lat, 99):8.2f} "
                  f"{(lat[-1] if lat else float('nan')):8.2f}")
        total = sum(len(w.latency["POST"]) + len(w.latency["GET"]) for w in workers)
        statuses: dict[str, int] = {}
        for w in workers:
            for k, v in w.statuses.items():
                statuses[k] = statuses.get(k, 0) + v
        print(f"answers {statuses}; {total / wall:.0f} req/s achieved over {wall:.1f} s")
        errors = [e for w in workers for e in w.errors]
        if errors:
            failures.append(f"{len(errors)} errors, e.g. {errors[:5]}")
    except BaseException as e:
        failures.append(f"the run itself failed: {e!r}")
    finally:
        stop.set()
        stack.kill9()
    if failures:
        print("FAILED:")
        for f in failures:
            print(f"  - {f}")
        print(f"stack log: {log}")
        return 1
    print("OK: no errors, RssAnon flat")
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
