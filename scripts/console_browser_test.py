"""The console in a real browser: headless Chromium walks the README's "A first
session, locally" through the console, checks that the console is refused
without its token and that a cross-origin POST changes nothing, and approves
and rejects a task that waits for its token (a STANDARD workflow with an
approval step, local/tests/fixtures/approval.asl.json, whose publish the
fixture's mock file answers), and follows a distributed Map's Map Run from
its parent execution to its children (local/tests/fixtures/rows.asl.json over
a CSV). It holds for
whatever job the workspace builds: the submit form is rendered from the job's
request model and prefilled with its example, and a job is held in Running
by the local stack's fault switch, not by how long the job takes.

    .tools/venv/bin/python scripts/console_browser_test.py --binary target/debug/jobs \
        [--screenshots docs/console]

It starts its own stacks (127.0.0.1, random ports, temporary data directories)
and stops them by pid. With --screenshots it saves the main views as PNG.
"""

import argparse
import http.server
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

from playwright.sync_api import expect, sync_playwright

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.path.join(ROOT, "local/tests/fixtures")
FAN_OUT = os.path.join(FIXTURES, "fan-out.asl.json")
APPROVAL = ["--workflow", os.path.join(FIXTURES, "approval.asl.json"), "--workflow-type", "STANDARD",
            "--functions", os.path.join(FIXTURES, "functions.json"),
            "--mocks", os.path.join(FIXTURES, "approval.mocks.json")]
# The rows fixture: a distributed Map over a CSV (ROWS rows, 100 to a batch), whose batches
# run as the child executions of a Map Run; its --s3-dir is added where the CSV is written.
ROWS = 10_000
ROWS_STACK = ["--workflow", os.path.join(FIXTURES, "rows.asl.json"), "--workflow-type", "STANDARD",
              "--mocks", os.path.join(FIXTURES, "rows.mocks.json")]
with open(os.path.join(ROOT, "lambdas/api/schema/create-job.bodies.json")) as f:
    BODIES = json.load(f)
with open(os.path.join(ROOT, "lambdas/api/schema/create-job.json")) as f:
    MODEL = json.load(f)
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]

results = []


def check(name, fn):
    started = time.monotonic()
    try:
        fn()
    except Exception as e:  # report every check, then fail
        results.append((name, False))
        print(f"FAIL  {name}: {e}", flush=True)
        raise
    results.append((name, True))
    print(f"ok    {name} ({time.monotonic() - started:.1f} s)", flush=True)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class StackProcess:
    """One local stack, started from the binary, stopped by pid."""

    def __init__(self, binary, extra=(), data_dir=None):
        self.port = free_port()
        self.dir = data_dir or tempfile.mkdtemp(prefix="console-test-")
        self.owns_dir = data_dir is None
        env = dict(os.environ, JOBS_LOCAL_ADDR=f"127.0.0.1:{self.port}", JOBS_LOCAL_DATA_DIR=self.dir)
        self.log = open(os.path.join(self.dir, f"stack-{self.port}.log"), "w")
        self.proc = subprocess.Popen([binary, "local", "start", *extra], env=env,
                                     stdout=subprocess.PIPE, stderr=self.log, text=True)
        self.console_url = None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                raise RuntimeError(f"the stack exited: see {self.log.name}")
            m = re.match(r"\s+Console\s+(\S+)", line)
            if m:
                self.console_url = m.group(1)
                break
        if not self.console_url:
            raise RuntimeError("the banner printed no Console line")
        threading.Thread(target=self.proc.stdout.read, daemon=True).start()
        self.base = f"http://127.0.0.1:{self.port}"

    def stop(self, keep_data=False):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()
        if self.owns_dir and not keep_data:
            shutil.rmtree(self.dir, ignore_errors=True)


def node(page, state):
    return page.locator(f'svg.graph .node[data-state="{state}"]')


def expect_state(page, state, status, timeout=20_000):
    expect(node(page, state)).to_have_class(re.compile(rf"\bs-{status}\b"), timeout=timeout)


def submit(page, base):
    """Submits the form as the console prefills it: the job's example."""
    page.goto(f"{base}/console/jobs")
    page.click("#submit-form button[type=submit]")
    page.wait_for_url(re.compile(r"/console/jobs/[0-9a-f-]{36}$"))
    return page.url.rsplit("/", 1)[1]


def open_execution(page, base, name):
    page.goto(f"{base}/console/executions/{name}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", required=True)
    parser.add_argument("--screenshots")
    args = parser.parse_args()
    shots = args.screenshots
    if shots:
        os.makedirs(shots, exist_ok=True)

    def shot(page, name, full=True):
        if shots:
            page.screenshot(path=os.path.join(shots, f"{name}.png"), full_page=full)

    def results_of(base, job_id):
        """The job's results, read through the API with the CLI."""
        out = subprocess.run([args.binary, "--url", base, "get", job_id], check=True,
                             capture_output=True, text=True).stdout
        return json.loads(out)["results"]

    def execution_of(base, job_id):
        """The job's execution as `jobs history --json` prints it."""
        out = subprocess.run([args.binary, "--url", base, "history", job_id, "--json"], check=True,
                             capture_output=True, text=True).stdout
        return json.loads(out)["executions"][0]

    stack = StackProcess(args.binary)
    other = None
    approvals = None
    rows = None
    s3_dir = None
    foreign = None
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_FLAGS)
            context = browser.new_context(viewport={"width": 1440, "height": 900})
            page = context.new_page()
            base = stack.base

            def refused_without_token():
                r = page.goto(f"{base}/console/jobs")
                assert r.status == 401, r.status
                expect(page.locator("h1")).to_have_text("Open the console with its link")
                r = page.goto(f"{base}/console/jobs?token=" + "0" * 64)
                assert r.status == 403, r.status
                assert context.cookies() == [], context.cookies()
                r = page.goto(f"{base}/jobs/3f2c9a4e-8d1b-4c6a-9e2f-0b7d5a1c3e9f")
                assert r.status == 403, "the public API keeps requiring SigV4"
            check("the console is refused without its token", refused_without_token)

            def opens_with_the_printed_url():
                page.goto(stack.console_url)
                assert page.url == f"{base}/console/jobs", page.url
                cookie = next(c for c in context.cookies() if c["name"] == "jobs_console")
                assert cookie["httpOnly"] and cookie["sameSite"] == "Strict", cookie
                expect(page.locator("h1")).to_have_text("Jobs")
            check("the printed Console URL opens it and sets an HttpOnly, SameSite=Strict cookie", opens_with_the_printed_url)

            job = {}

            def form_follows_the_model():
                page.goto(f"{base}/console/jobs")
                for name in MODEL["properties"]:
                    field = page.locator(f'#submit-form [name="{name}"]')
                    expect(field).to_have_count(1)
                    if name in BODIES["example"] and not isinstance(BODIES["example"][name], (dict, list)):
                        want = BODIES["example"][name]
                        want = want if isinstance(want, str) else json.dumps(want)
                        expect(field).to_have_value(want)
                for name in MODEL.get("required", []):
                    expect(page.locator(f'#submit-form [name="{name}"]')).to_have_attribute("required", "")
            check("the submit form has a field per parameter of the request model, prefilled with the example",
                  form_follows_the_model)

            def set_switch(role, on):
                page.goto(f"{base}/console/faults")
                switch = page.locator(f'.switch[data-role="{role}"]')
                if ("on" in (switch.get_attribute("class") or "").split()) != on:
                    switch.locator("button").click()
                want = re.compile(r"\bon\b") if on else re.compile(r"^(?!.*\bon\b)")
                expect(page.locator(f'.switch[data-role="{role}"]')).to_have_class(want)

            def submit_and_watch():
                set_switch("runs", True)
                job["ok"] = submit(page, base)
                expect(page.locator("#job-summary .badge").first).to_have_text(re.compile("Queued|Running"))
                page.click(f'a[href="/console/executions/{job["ok"]}"]')
                expect_state(page, "ProcessJob", "in-progress", timeout=10_000)
                shot(page, "graph-running", full=False)
                # Runs go on from another tab; this page updates itself.
                other_tab = context.new_page()
                other_tab.goto(f"{base}/console/faults")
                other_tab.locator('.switch[data-role="runs"] button').click()
                other_tab.close()
                expect_state(page, "ProcessJob", "succeeded", timeout=60_000)
                expect_state(page, "RecordFailure", "not-reached")
                expect(page.locator("#execution-summary .badge").first).to_have_text("Succeeded")
                node(page, "ProcessJob").click()
                panel = page.locator('.state-panel[data-panel="ProcessJob"]')
                expect(panel).to_be_visible()
                results_key = next(iter(results_of(base, job["ok"])))
                expect(panel).to_contain_text(results_key)
                shot(page, "graph")
                page.click('[data-tab="table-tab"]')
                expect(page.locator("#table-view tr[data-state=ProcessJob]")).to_contain_text("Succeeded")
                shot(page, "table")
                page.click('[data-tab="event-tab"]')
                page.locator("#event-view details.event").nth(1).locator("summary").click()
                expect(page.locator("#event-view details.event").nth(1).locator("pre.json")).to_be_visible()
                expect(page.locator("#event-view")).to_contain_text("ExecutionSucceeded")
                shot(page, "events")
                page.click('[data-tab="io-tab"]')
                expect(page.locator("#io-view")).to_contain_text(results_key)
            check("submit, watch it run, ProcessJob turns green in the graph", submit_and_watch)

            def failure_path():
                set_switch("processor", True)
                job["failed"] = submit(page, base)
                open_execution(page, base, job["failed"])
                expect_state(page, "ProcessJob", "caught", timeout=30_000)
                expect_state(page, "RecordFailure", "succeeded")
                expect_state(page, "JobFailed", "failed")
                page.goto(f"{base}/console/jobs/{job['failed']}")
                expect(page.locator("#job-summary")).to_contain_text("JobStoreUnavailable")
                set_switch("processor", False)
            check("a job whose processor cannot write takes the failure path", failure_path)

            def archive_path():
                page.goto(f"{base}/console/faults")
                page.click('.switch[data-role="processor"] button')
                page.click('.switch[data-role="error-handler"] button')
                expect(page.locator('.switch.on')).to_have_count(2)
                job["archived"] = submit(page, base)
                open_execution(page, base, job["archived"])
                expect_state(page, "ProcessJob", "caught")
                expect_state(page, "RecordFailure", "caught")
                expect_state(page, "ArchiveFailedJob", "succeeded")
                expect_state(page, "JobArchived", "failed")
                node(page, "RecordFailure").click()
                expect(page.locator('.state-panel[data-panel="RecordFailure"]')).to_contain_text("error handler store writes fail")
                shot(page, "graph-archive-path")
            check("faults force the archive path: RecordFailure and ArchiveFailedJob in the graph", archive_path)

            def replay():
                page.goto(f"{base}/console/faults")
                page.click('.switch[data-role="processor"] button')
                page.click('.switch[data-role="error-handler"] button')
                expect(page.locator('.switch.on')).to_have_count(0)
                page.goto(f"{base}/console/archive")
                expect(page.locator("#archive-events")).to_contain_text(job["archived"])
                page.fill('#replay-form input[name=name]', "console-replay")
                page.click("#replay-form button[type=submit]")
                expect(page.locator(".notice")).to_contain_text("console-replay")
                expect(page.locator("#replays")).to_contain_text("console-replay")
                expect(page.locator("#replays .badge", has_text="Succeeded")).to_have_count(1, timeout=20_000)
                shot(page, "archive")
                page.goto(f"{base}/console/jobs/{job['archived']}")
                expect(page.locator("#job-summary .badge").first).to_have_text("Success", timeout=20_000)
                expect(page.locator("#job-executions")).to_contain_text("console-replay")
                shot(page, "job")
            check("replay from the archive page: the job reaches Success", replay)

            def cross_origin_post_refused():
                # A page on another origin (localhost is another site than
                # 127.0.0.1) posts a form to the console.
                attacker_port = free_port()
                form = (f'<form id="f" method="post" action="{base}/console/faults">'
                        '<input name="role" value="processor"><input name="writes" value="fail"></form>'
                        '<script>document.getElementById("f").submit()</script>').encode()

                class Evil(http.server.BaseHTTPRequestHandler):
                    def do_GET(self):
                        self.send_response(200)
                        self.send_header("content-type", "text/html")
                        self.end_headers()
                        self.wfile.write(form)

                    def log_message(self, *a):
                        pass

                nonlocal foreign
                foreign = http.server.HTTPServer(("127.0.0.1", attacker_port), Evil)
                threading.Thread(target=foreign.serve_forever, daemon=True).start()
                with page.expect_response(f"{base}/console/faults") as answer:
                    page.goto(f"http://localhost:{attacker_port}/")
                assert answer.value.status in (401, 403), answer.value.status
                # With the cookie but from a foreign origin: the Origin check.
                r = context.request.post(f"{base}/console/faults", form={"role": "processor", "writes": "fail"},
                                         headers={"Origin": f"http://localhost:{attacker_port}"})
                assert r.status == 403, r.status
                page.goto(f"{base}/console/faults")
                expect(page.locator(".switch.on")).to_have_count(0)
            check("a cross-origin POST is refused and changes nothing", cross_origin_post_refused)

            def job_list():
                page.goto(f"{base}/console/jobs")
                for j in job.values():
                    expect(page.locator(f'tr[data-job="{j}"]')).to_be_visible()
                rows = page.locator("tbody tr[data-job]")
                assert rows.first.get_attribute("data-job") == job["archived"], "newest first"
                page.click('a.tab:has-text("Failure")')
                expect(page.locator("tbody tr[data-job]")).to_have_count(1)
                page.goto(f"{base}/console/jobs")
                shot(page, "jobs")
            check("the job list shows every job newest first and filters by status", job_list)

            other = StackProcess(args.binary, ["--workflow", FAN_OUT])

            def fan_out():
                page.goto(other.console_url)
                name = submit(page, other.base)
                open_execution(page, other.base, name)
                expect_state(page, "Done", "succeeded", timeout=30_000)
                for state in ["CheckSize", "PlanChunks", "PrepareChunks", "PrepareChunk", "SettleChunk", "Work", "ProcessJob", "Audit"]:
                    expect_state(page, state, "succeeded")
                for state in ["TooLong", "RecordFailure", "JobFailed"]:
                    expect_state(page, state, "not-reached")
                node(page, "PrepareChunk").click()
                expect(page.locator('.state-panel[data-panel="PrepareChunk"]')).to_contain_text("Entry 3 of 3")
                shot(page, "graph-fan-out")
            check("a definition with Choice, Map and Parallel is drawn and coloured", fan_out)

            approvals = StackProcess(args.binary, APPROVAL)

            def waiting_task():
                """Submits a job and opens its execution once Approve waits for its token."""
                page.goto(approvals.console_url)
                name = submit(page, approvals.base)
                open_execution(page, approvals.base, name)
                expect_state(page, "Approve", "waiting", timeout=30_000)
                expect_state(page, "ProcessJob", "succeeded")
                task = page.locator('#waiting-tasks .waiting-task[data-state="Approve"]')
                expect(task).to_be_visible()
                expect(task.locator("textarea[name=output]")).to_have_value("{}")
                return name, task

            def approve():
                name, task = waiting_task()
                expect(page.locator("#table-view tr[data-state=Approve]")).to_contain_text("Waiting for token")
                expect(page.locator("#event-view")).to_contain_text("TaskSubmitted")
                shot(page, "graph-waiting")
                output = task.locator("textarea[name=output]")
                output.fill('{"approved": ')
                task.locator("form.approve button[type=submit]").click()
                expect(page.locator(".form-error")).to_contain_text("InvalidOutput")
                expect_state(page, "Approve", "waiting")
                # What was sent stays in the form through the page's live updates (the page
                # answering the refusal marks its body once one has replaced the regions).
                expect(page.locator("body")).to_have_attribute("data-updated", re.compile(r"^\d+$"))
                expect(task.locator("textarea[name=output]")).to_have_value('{"approved": ')
                shot(page, "approval-refused", full=False)
                assert execution_of(approvals.base, name)["status"] == "RUNNING"
                given = {"approved": True, "by": "the console test"}
                task.locator("textarea[name=output]").fill(json.dumps(given))
                task.locator("form.approve button[type=submit]").click()
                expect(page.locator(".notice")).to_contain_text("Approved Approve")
                expect(page.locator("#execution-summary .badge").first).to_have_text("Succeeded", timeout=20_000)
                expect_state(page, "Approve", "succeeded")
                expect(page.locator("#waiting-tasks form")).to_have_count(0)
                page.click('[data-tab="io-tab"]')
                expect(page.locator("#io-view")).to_contain_text("the console test")
                execution = execution_of(approvals.base, name)
                assert execution["status"] == "SUCCEEDED", execution["status"]
                assert execution["output"]["approval"] == given, execution["output"]
            check("Approve completes a task waiting for its token: bad JSON is refused, then the execution succeeds "
                  "with the output given", approve)

            def reject():
                name, task = waiting_task()
                task.locator("input[name=error]").fill("NotApproved")
                task.locator("input[name=cause]").fill("the totals do not add up")
                task.locator("form.reject button[type=submit]").click()
                expect(page.locator(".notice")).to_contain_text("Rejected Approve")
                expect(page.locator("#execution-summary .badge").first).to_have_text("Failed", timeout=20_000)
                expect_state(page, "Approve", "failed")
                expect(page.locator("#execution-summary")).to_contain_text("NotApproved")
                expect(page.locator("#waiting-tasks form")).to_have_count(0)
                execution = execution_of(approvals.base, name)
                assert execution["status"] == "FAILED", execution["status"]
                assert execution["error"] == "NotApproved", execution["error"]
                assert execution["cause"] == "the totals do not add up", execution["cause"]
            check("Reject fails a task waiting for its token with the error and cause given", reject)

            s3_dir = tempfile.mkdtemp(prefix="console-test-s3-")
            os.makedirs(os.path.join(s3_dir, "local-items"))
            with open(os.path.join(s3_dir, "local-items/rows.csv"), "w") as f:
                f.write("id,amount\n" + "".join(f"row-{i},{i}\n" for i in range(1, ROWS + 1)))
            rows = StackProcess(args.binary, [*ROWS_STACK, "--s3-dir", s3_dir])

            def map_run():
                page.goto(rows.console_url)
                name = submit(page, rows.base)
                open_execution(page, rows.base, name)
                expect(page.locator("#execution-summary .badge").first).to_have_text("Succeeded", timeout=120_000)
                expect_state(page, "Rows", "succeeded")
                link = page.locator("#execution-summary a.map-run-link")
                expect(link).to_have_count(1)
                expect(link).to_contain_text(":mapRun:")
                link.click()
                page.wait_for_url(re.compile(r"/console/map-runs/[0-9a-f-]{36}$"))
                summary = page.locator("#map-run-summary")
                expect(summary.locator(".badge").first).to_have_text("Succeeded")
                batches = ROWS // 100
                for key, n in [("total", batches), ("succeeded", batches), ("failed", 0), ("running", 0),
                               ("pending", 0), ("aborted", 0)]:
                    expect(summary.locator(f'[data-count="{key}"] .value')).to_have_text(str(n))
                expect(page.locator("a.parent-execution")).to_have_text(name)
                children = page.locator("#map-run-children a.child-execution")
                expect(children).to_have_count(min(batches, 100))
                shot(page, "map-run")
                child = children.first.inner_text()
                children.first.click()
                page.wait_for_url(re.compile(rf"/console/executions/{child}$"))
                expect(page.locator("h1")).to_contain_text(child)
                expect(page.locator("#execution-summary .badge").first).to_have_text("Succeeded")
                expect_state(page, "Tally", "succeeded")
                expect_state(page, "Store", "succeeded")
                expect(node(page, "ProcessJob")).to_have_count(0)
                expect(page.locator("a.map-run-link")).to_have_count(1)
                shot(page, "map-run-child")
            check("a distributed Map's run is reached from its parent, counts its children, and each child "
                  "opens its own execution", map_run)
            browser.close()
    finally:
        stack.stop()
        if other:
            other.stop()
        if approvals:
            approvals.stop()
        if rows:
            rows.stop()
        if s3_dir:
            shutil.rmtree(s3_dir, ignore_errors=True)
        if foreign:
            foreign.shutdown()
    passed = sum(1 for _, ok in results if ok)
    print(f"console browser test: {passed} passed, {len(results) - passed} failed")
    return 0 if passed == len(results) else 1


if __name__ == "__main__":
    sys.exit(main())
