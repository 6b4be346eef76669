"""The console with 100,000 jobs in the store: job list first paint and
execution page load, measured in headless Chromium (Navigation and Paint
Timing), each page opened 20 times in one tab.

    .tools/venv/bin/python bench/console_load.py --binary target/local/jobs [--jobs 100000]

It starts a stack on 127.0.0.1 with a temporary data directory, stops it,
writes the jobs into its SQLite file (their statuses spread as a busy stack
leaves them), starts it again, runs one real job to have an execution with
its history, then measures. A benchmark, not a test: it prints figures.
"""

import argparse
import json
import os
import random
import sqlite3
import statistics
import sys
import time
import uuid
from datetime import datetime, timedelta, timezone

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scripts"))
from console_browser_test import CHROMIUM_FLAGS, StackProcess, submit  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

RUNS = 20

# Bodies derived from the job's types by `jobs generate`: the job's example is
# what every request here submits, whatever the job.
with open(os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                       "lambdas/api/schema/create-job.bodies.json")) as _f:
    EXAMPLE = json.load(_f)["example"]


def seed(db_path, n):
    c = sqlite3.connect(db_path)
    t0 = datetime.now(timezone.utc) - timedelta(days=7)
    rows = []
    for i in range(n):
        created = t0 + timedelta(milliseconds=6 * i)
        status = random.choices(["Success", "Failure", "Running", "Queued"], [90, 6, 3, 1])[0]
        took = random.randint(1, 30)
        results = json.dumps({"message": f"done in {took} s"}) if status == "Success" else None
        error = json.dumps({"error": "JobFailed", "cause": "the job failed"}) if status == "Failure" else None
        at = lambda t: t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"
        rows.append((str(uuid.uuid4()), status, json.dumps(EXAMPLE), results, error,
                     at(created), at(created + timedelta(seconds=took))))
    c.executemany("INSERT INTO jobs (id, status, parameters, results, error, created_at, updated_at)"
                  " VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
    c.commit()
    c.close()


TIMING = """() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const paint = performance.getEntriesByName('first-contentful-paint')[0];
  return {ttfb: nav.responseStart, fcp: paint ? paint.startTime : null, load: nav.loadEventEnd};
}"""


def measure(context, url):
    """Opens `url` RUNS times in one tab (after one warm-up), as a user
    moving between pages does; a fresh tab would add the start of a
    renderer process, which is the browser's cost, not the page's."""
    page = context.new_page()
    page.goto(url, wait_until="load")
    figures = []
    for _ in range(RUNS):
        page.goto("about:blank")
        page.goto(url, wait_until="load")
        page.wait_for_function("performance.getEntriesByType('navigation')[0].loadEventEnd > 0")
        figures.append(page.evaluate(TIMING))
    page.close()
    return figures


def summary(name, figures, key):
    values = sorted(f[key] for f in figures if f[key] is not None)
    p95 = values[min(len(values) - 1, int(len(values) * 0.95))]
    print(f"{name:<34} median {statistics.median(values):6.1f} ms   p95 {p95:6.1f} ms   max {values[-1]:6.1f} ms")
    return statistics.median(values), values[-1]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", required=True)
    parser.add_argument("--jobs", type=int, default=100_000)
    args = parser.parse_args()

    first = StackProcess(args.binary)
    first.stop(keep_data=True)
    stack = first
    started = time.monotonic()
    seed(os.path.join(stack.dir, "jobs.sqlite3"), args.jobs)
    print(f"seeded {args.jobs} jobs in {time.monotonic() - started:.1f} s")
    stack = StackProcess(args.binary, data_dir=first.dir)
    stack.owns_dir = True
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_FLAGS)
            context = browser.new_context(viewport={"width": 1440, "height": 900})
            page = context.new_page()
            page.goto(stack.console_url)
            job = submit(page, stack.base)
            page.goto(f"{stack.base}/console/executions/{job}")
            page.wait_for_selector('svg.graph .node.s-succeeded[data-state="ProcessJob"]', timeout=20_000)
            page.close()
            lists = measure(context, f"{stack.base}/console/jobs")
            failures = measure(context, f"{stack.base}/console/jobs?status=Failure")
            execution = measure(context, f"{stack.base}/console/executions/{job}")
            print(f"{args.jobs + 1} jobs in the store; {RUNS} page opens each; {args.binary}; "
                  f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
            summary("job list: first contentful paint", lists, "fcp")
            summary("job list: load", lists, "load")
            summary("job list (Failure): first paint", failures, "fcp")
            summary("execution page: first paint", execution, "fcp")
            summary("execution page: load", execution, "load")
            browser.close()
    finally:
        stack.stop()


if __name__ == "__main__":
    main()
