#!/usr/bin/env python3
"""Start-up benchmark of the three Lambda bootstraps, on this machine, with no AWS.

Each release binary is started as Lambda starts a custom runtime: environment of a function,
AWS_LAMBDA_RUNTIME_API pointing at a fake Runtime API served here on 127.0.0.1, and every AWS
call sent to a moto server on 127.0.0.1 (AWS_ENDPOINT_URL) holding the jobs table and a state
machine. Per run it measures:

  init         spawn -> the first GET /2018-06-01/runtime/invocation/next
  first invoke the first event handed out -> its /response (or /error)
  warm invoke  the same for the following events (median over every run)
  peak RSS     VmHWM of the process, read while it waits for its next event after the last one

The api function gets API Gateway REST proxy events (lambdas/api/tests/events/post-jobs.json):
each creates a job in moto and starts an execution. The processor and the error handler get
their workflow task input for those jobs: the processor marks one Running, sleeps 1 second
(the shortest job) and marks it Success; the error handler records a JobTooLong failure.

  python3 bench/lambda_startup.py [--runs 10] [--bin-dir target-bench/release]

Build first (fat LTO, as deployed but for x86_64):
  CARGO_TARGET_DIR=target-bench cargo build --release --bin api --bin processor --bin error-handler
It installs moto into .tools/bench-venv on first use.
"""

from __future__ import annotations

import argparse
import http.server
import io
import json
import os
import queue
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".tools" / "bench-venv"
REQUIREMENTS = ROOT / "bench" / "requirements.txt"
POST_EVENT = ROOT / "lambdas" / "api" / "tests" / "events" / "post-jobs.json"
TABLE = "jobs-bench"
REGION = "us-east-1"
# The job's example, as `jobs generate` derives it: what every job here asks for.
EXAMPLE = json.loads((ROOT / "lambdas" / "api" / "schema" / "create-job.bodies.json").read_text())["example"]
GOAL_INIT_MS = 15
GOAL_RSS_MB = 20
GOAL_ZIP_MB = 3


def ensure_venv() -> Path:
    python = VENV / "bin" / "python"
    stamp = VENV / ".requirements"
    wanted = REQUIREMENTS.read_text()
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    if not stamp.exists() or stamp.read_text() != wanted:
        subprocess.run([str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", "-r", str(REQUIREMENTS)], check=True)
        stamp.write_text(wanted)
    return python


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, proc: subprocess.Popen, what: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"{what} exited with {proc.returncode}")
        with socket.socket() as s:
            s.settimeout(0.2)
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise SystemExit(f"{what} did not listen on {port}")


class Invocation:
    def __init__(self, event: dict):
        self.request_id = str(uuid.uuid4())
        self.body = json.dumps(event).encode()
        self.sent_at = 0.0
        self.done_at = 0.0
        self.outcome = ""
        self.payload = b""
        self.done = threading.Event()


class RuntimeApi:
    """The Lambda Runtime API, as far as a custom runtime uses it.

    `next` blocks until the benchmark hands out an event (or None: stop); `response`/`error`
    complete the invocation. Timestamps are taken in the handler, on the wire side.
    """

    def __init__(self):
        self.events: queue.Queue[Invocation | None] = queue.Queue()
        self.waiting = queue.Queue()  # a timestamp each time the function asks for its next event
        self.current: dict[str, Invocation] = {}
        self.init_error: bytes | None = None
        api = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _reply(self, status: int, body: bytes = b"", headers: dict | None = None):
                self.send_response(status)
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                if self.path != "/2018-06-01/runtime/invocation/next":
                    return self._reply(404)
                api.waiting.put(time.perf_counter())
                inv = api.events.get()
                if inv is None:
                    # The function was killed while it waited; nobody reads this answer.
                    self.close_connection = True
                    return
                api.current[inv.request_id] = inv
                headers = {
                    "Lambda-Runtime-Aws-Request-Id": inv.request_id,
                    "Lambda-Runtime-Deadline-Ms": str(int(time.time() * 1000) + 300_000),
                    "Lambda-Runtime-Invoked-Function-Arn": f"arn:aws:lambda:{REGION}:123456789012:function:bench",
                    "Lambda-Runtime-Trace-Id": "Root=1-00000000-000000000000000000000000;Parent=0000000000000000;Sampled=0",
                }
                inv.sent_at = time.perf_counter()
                self._reply(200, inv.body, headers)

            def do_POST(self):
                now = time.perf_counter()
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                parts = self.path.split("/")
                if self.path == "/2018-06-01/runtime/init/error":
                    api.init_error = body
                    return self._reply(202, b"{}")
                # /2018-06-01/runtime/invocation/{id}/response|error
                if len(parts) == 6 and parts[3] == "invocation" and parts[5] in ("response", "error"):
                    inv = api.current.pop(parts[4], None)
                    if inv is None:
                        return self._reply(400)
                    inv.done_at, inv.outcome, inv.payload = now, parts[5], body
                    inv.done.set()
                    return self._reply(202, b"{}")
                self._reply(404)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def vm_hwm_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise RuntimeError("no VmHWM")


def run_once(binary: Path, env: dict, events: list[dict]) -> dict:
    api = RuntimeApi()
    env = {**env, "AWS_LAMBDA_RUNTIME_API": f"127.0.0.1:{api.port}"}
    invocations = [Invocation(e) for e in events]
    started = time.perf_counter()
    proc = subprocess.Popen([str(binary)], env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        try:
            first_next = api.waiting.get(timeout=30)
        except queue.Empty:
            raise SystemExit(f"{binary.name}: never asked for an event (init error: {api.init_error!r}, exit {proc.poll()})")
        for inv in invocations:
            api.events.put(inv)
            if not inv.done.wait(timeout=60):
                raise SystemExit(f"{binary.name}: no answer to an event")
            api.waiting.get(timeout=30)
        # Blocked in its next `next` now, after the last event: its peak is behind it.
        peak = vm_hwm_kib(proc.pid)
    finally:
        proc.kill()
        proc.wait()
        api.events.put(None)
        api.server.shutdown()
        api.server.server_close()
    return {
        "init_ms": (first_next - started) * 1000,
        "invoke_ms": [(i.done_at - i.sent_at) * 1000 for i in invocations],
        "outcomes": [(i.outcome, i.payload) for i in invocations],
        "peak_kib": peak,
    }


def post_event() -> dict:
    event = json.loads(POST_EVENT.read_text())
    event["body"] = json.dumps(EXAMPLE)
    return event


def deployed_zip(name: str) -> str:
    """The zip `cargo lambda build --output-format zip` left (arm64, scripts/build-lambdas.sh)."""
    for target in ("target", "target-bench", "target-cdk"):
        built = ROOT / target / "lambda" / name / "bootstrap.zip"
        if built.exists():
            return f"{built.stat().st_size / 1e6:.2f} MB"
    return "not built"


def zip_mb(name: str, binary: Path) -> float:
    """The deployed zip when it was built, else this binary's."""
    for target in ("target", "target-bench", "target-cdk"):
        built = ROOT / target / "lambda" / name / "bootstrap.zip"
        if built.exists():
            return built.stat().st_size / 1e6
    return float(deflated_size(binary).split()[0])


def deflated_size(binary: Path) -> str:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.write(binary, "bootstrap")
    return f"{len(buf.getvalue()) / 1e6:.2f} MB"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--warm", type=int, default=20, help="warm invocations per run (api, error-handler)")
    parser.add_argument("--processor-warm", type=int, default=3, help="warm invocations per run for the processor (each sleeps 1 s)")
    parser.add_argument("--bin-dir", type=Path, default=ROOT / "target-bench" / "release")
    args = parser.parse_args()

    binaries = {name: args.bin_dir / name for name in ("api", "processor", "error-handler")}
    missing = [str(b) for b in binaries.values() if not b.exists()]
    if missing:
        raise SystemExit(f"missing {', '.join(missing)}: build them first (see the top of this file)")

    python = ensure_venv()
    moto_port = free_port()
    home = ""
    moto = subprocess.Popen([str(python), "-m", "moto.server", "-H", "127.0.0.1", "-p", str(moto_port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(moto_port, moto, "moto_server")
        endpoint = f"http://127.0.0.1:{moto_port}"
        state_machine = subprocess.run(
            [str(python), str(ROOT / "bench" / "moto_setup.py"), endpoint, TABLE],
            check=True, capture_output=True, text=True,
        ).stdout.strip()

        home = tempfile.mkdtemp(prefix="lambda-bench-home-")
        base_env = {
            "PATH": "/usr/bin:/bin",
            "HOME": home,  # no ~/.aws: the SDK must find everything in the environment, as on Lambda
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128",
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/bench",
            "AWS_LAMBDA_LOG_STREAM_NAME": "2026/11/25/[$LATEST]bench",
            "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
            "AWS_EXECUTION_ENV": "AWS_Lambda_provided.al2023",
            "LAMBDA_TASK_ROOT": str(args.bin_dir),
            "_HANDLER": "bootstrap",
            "AWS_REGION": REGION,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_SESSION_TOKEN": "testing",
            "AWS_ENDPOINT_URL": endpoint,
            "JOBS_TABLE_NAME": TABLE,
            "STATE_MACHINE_ARN": state_machine,
            "TZ": ":UTC",
        }

        rows = []
        job_ids: list[str] = []
        # Each api invocation creates the Queued job one processor or error-handler invocation uses.
        plan = [
            ("api", args.warm + args.processor_warm + 1),
            ("processor", args.processor_warm),
            ("error-handler", args.warm),
        ]
        for name, warm in plan:
            env = {**base_env, "AWS_LAMBDA_FUNCTION_NAME": f"jobs-{name}"}
            runs = []
            for _ in range(args.runs):
                count = 1 + warm
                if name == "api":
                    events = [post_event() for _ in range(count)]
                else:
                    if len(job_ids) < count:
                        raise SystemExit("not enough Queued jobs left from the api runs; raise --warm")
                    ids, job_ids[:] = job_ids[:count], job_ids[count:]
                    if name == "processor":
                        events = [{"id": i, "parameters": EXAMPLE} for i in ids]
                    else:
                        events = [
                            {
                                "id": i,
                                "parameters": EXAMPLE,
                                "processorError": {
                                    "Error": "JobFailed",
                                    "Cause": json.dumps({"errorType": "JobFailed", "errorMessage": "the job failed"}),
                                },
                            }
                            for i in ids
                        ]
                result = run_once(binaries[name], env, events)
                for outcome, payload in result["outcomes"]:
                    if outcome != "response":
                        raise SystemExit(f"{name}: an invocation failed: {payload[:300]!r}")
                    if name == "api":
                        answer = json.loads(payload)
                        if answer.get("statusCode") != 202:
                            raise SystemExit(f"api: expected 202, got {payload[:300]!r}")
                        job_ids.append(json.loads(answer["body"])["id"])
                runs.append(result)
            rows.append((name, runs))

        print(f"{args.runs} runs per function; machine: {os.cpu_count()} cores; binaries in {args.bin_dir}\n")
        print("| function | init median (min-max) | first invoke median | warm invoke median | peak RSS max | bootstrap (x86_64) | zip (x86_64) | zip (arm64, deployed) |")
        print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        for name, runs in rows:
            inits = [r["init_ms"] for r in runs]
            firsts = [r["invoke_ms"][0] for r in runs]
            warms = [ms for r in runs for ms in r["invoke_ms"][1:]]
            peak = max(r["peak_kib"] for r in runs) * 1024 / 1e6
            size = binaries[name].stat().st_size / 1e6
            print(
                f"| `{name}` | {statistics.median(inits):.1f} ms ({min(inits):.1f}-{max(inits):.1f}) "
                f"| {statistics.median(firsts):.1f} ms | {statistics.median(warms):.1f} ms ({len(warms)} invokes) "
                f"| {peak:.1f} MB | {size:.2f} MB | {deflated_size(binaries[name])} | {deployed_zip(name)} |"
            )
        print(f"\nprocessor invokes include the job's own work on its example {json.dumps(EXAMPLE)}.")
        print("init per run, in order (ms):")
        for name, runs in rows:
            print(f"  {name}: " + " ".join(f"{r['init_ms']:.1f}" for r in runs))
        print(f"goals: init median < {GOAL_INIT_MS} ms, peak RSS < {GOAL_RSS_MB} MB, zip < {GOAL_ZIP_MB} MB")
        for name, runs in rows:
            init = statistics.median(r["init_ms"] for r in runs)
            peak = max(r["peak_kib"] for r in runs) * 1024 / 1e6
            missed = [what for what, ok in (("init", init < GOAL_INIT_MS), ("peak RSS", peak < GOAL_RSS_MB), ("zip", zip_mb(name, binaries[name]) < GOAL_ZIP_MB)) if not ok]
            print(f"  {name}: {'met' if not missed else 'missed: ' + ', '.join(missed)}")
    finally:
        moto.kill()
        moto.wait()
        if home:
            shutil.rmtree(home, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
