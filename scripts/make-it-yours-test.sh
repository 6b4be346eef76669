#!/usr/bin/env bash
# Follows README's "Make it yours" on a copy of the tree, with the digest job
# (examples/digest-job) in place of the sample, and checks that the system
# then does the digest job's work everywhere:
#   - `jobs generate` derives its files and `--check` finds nothing left;
#   - the suites written once over the job pass with it: the gateway's model
#     against its type, the stores' contract (its own documents included),
#     the Router, the processor, the local stack end to end, the CLI
#     (`key=value` typed by its model), the kill -9 run, the house rules;
#   - newman sends its example and its own cases to a local stack running it;
#   - the console in Chromium renders its form from its model and runs it;
#   - the CDK app synthesizes with its limits (jest, offline synth).
#
#   scripts/make-it-yours-test.sh
#
# Builds into target/make-it-yours (the copy's crates differ from the tree's:
# a shared target would trade the tree's `jobs` binary for the copy's).
# The local stack it starts binds 127.0.0.1 and is stopped by pid.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/.tools/venv"
work="$(mktemp -d)"
copy="$work/tree"
stack_pid=""
cleanup() {
  [[ -n $stack_pid ]] && { kill "$stack_pid" 2>/dev/null || true; wait "$stack_pid" 2>/dev/null || true; }
  rm -rf "$work"
}
trap cleanup EXIT
step() { printf '\n--> make it yours: %s\n' "$*"; }

step "a copy of the tree (what git holds) in $copy"
mkdir -p "$copy"
(cd "$root" && git ls-files -z --cached --others --exclude-standard |
  python3 -c 'import os, sys; sys.stdout.buffer.write(b"\0".join(p for p in sys.stdin.buffer.read().split(b"\0") if p and os.path.lexists(p)))' |
  tar --null -T - -cf -) | tar -xf - -C "$copy"
# The house rules read the tree through git, as the tree's own run does.
git -C "$copy" init -q
# npm packages come from the same lock files: the tree's installs serve.
for dir in cdk postman statemachine; do
  [[ -d $root/$dir/node_modules ]] && ln -s "$root/$dir/node_modules" "$copy/$dir/node_modules"
done
export CARGO_TARGET_DIR="$root/target/make-it-yours"
cd "$copy"

# README, "Make it yours", steps 1 to 3, as written there.
step "1. the digest job in job/"
rm -rf job && cp -r examples/digest-job job
sed -i 's/^name = "jobs-digest-job"/name = "jobs-job"/' job/Cargo.toml
step "2. cargo run -p jobs -- generate"
cargo run -q -p jobs -- generate
step "3. the fuzz workspace's lock file"
cargo update -q -w --manifest-path fuzz/Cargo.toml

step "the derived files match the job (generate --check) and name its fields"
cargo run -q -p jobs -- generate --check
python3 - <<'PY'
import json
model = json.load(open("lambdas/api/schema/create-job.json"))
assert sorted(model["properties"]) == ["algorithm", "rounds", "text"], model["properties"]
bodies = json.load(open("lambdas/api/schema/create-job.bodies.json"))
assert set(bodies["example"]) <= {"algorithm", "rounds", "text"}, bodies
print("ok: the request model and the test bodies are the digest job's")
PY

step "the suites written once over the job, with the digest job (moto_server on 127.0.0.1 for DynamoDB)"
moto_port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
"$venv/bin/moto_server" -H 127.0.0.1 -p "$moto_port" >"$work/moto.log" 2>&1 &
moto_pid=$!
export MOTO_ENDPOINT="http://127.0.0.1:$moto_port"
for _ in $(seq 1 150); do
  python3 -c "import socket,sys; s=socket.socket(); sys.exit(s.connect_ex(('127.0.0.1', $moto_port)))" && break
  sleep 0.2
done
# The crates that know the job; the others' suites use the domain's test job.
status=0
cargo nextest run --no-fail-fast -p jobs-job -p jobs-local -p jobs-client -p jobs || status=$?
cargo nextest run --no-fail-fast -p jobs-aws --run-ignored all || status=$?
kill "$moto_pid"; wait "$moto_pid" 2>/dev/null || true
(( status == 0 )) || exit "$status"

step "a local stack running the digest job"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
JOBS_LOCAL_ADDR="127.0.0.1:$port" JOBS_LOCAL_DATA_DIR="$work/data" \
  "$CARGO_TARGET_DIR/debug/jobs" local start >"$work/stack.log" 2>&1 &
stack_pid=$!
for _ in $(seq 1 300); do
  python3 -c "import socket,sys; s=socket.socket(); sys.exit(s.connect_ex(('127.0.0.1', $port)))" && break
  kill -0 "$stack_pid" || { cat "$work/stack.log"; exit 1; }
  sleep 0.2
done
url="http://127.0.0.1:$port"

step "the gateway refuses a value of the wrong type with a 400 naming the field"
"$venv/bin/python" - "$url" <<'PY'
import json, sys, urllib.request, urllib.error
sys.path.insert(0, "scripts")
from botocore_check import header_signed
bodies = json.load(open("lambdas/api/schema/create-job.bodies.json"))
status, body = header_signed("POST", f"{sys.argv[1]}/jobs", json.dumps(bodies["wrongType"]).encode())
assert status == 400, (status, body)
assert bodies["wrongTypeField"] in body.get("details", ""), body
print(f"ok: 400 {body}")
PY

step "jobs submit KEY=VALUE..., typed by the digest job's model"
mapfile -t pairs < <(python3 -c '
import json
for k, v in json.load(open("lambdas/api/schema/create-job.bodies.json"))["example"].items():
    print(f"{k}={v if isinstance(v, str) else json.dumps(v)}")')
"$CARGO_TARGET_DIR/debug/jobs" --url "$url" submit "${pairs[@]}" --wait >"$work/job.json"
python3 - "$work/job.json" <<'PY'
import json, sys
job = json.load(open(sys.argv[1]))
bodies = json.load(open("lambdas/api/schema/create-job.bodies.json"))
assert job["status"] == "Success" and job["parameters"] == bodies["example"], job
assert len(job["results"]["digest"]) == 64 and job["results"]["rounds"] == bodies["example"]["rounds"], job
print(f"ok: {job['id']} Success, digest {job['results']['digest'][:16]}...")
PY

step "newman: the collection with the digest job's example, and its own cases"
scripts/newman.sh "$url"
kill "$stack_pid"; wait "$stack_pid" 2>/dev/null || true; stack_pid=""

step "the console in Chromium: the digest job's form, run"
"$venv/bin/python" scripts/console_browser_test.py --binary "$CARGO_TARGET_DIR/debug/jobs"

step "the CDK app with the digest job's limits (jest, offline synth)"
(cd cdk && npx jest --ci && npm run --silent synth:offline)
python3 - <<'PY'
import json
template = json.load(open("cdk/cdk.out/JobsApi.template.json"))
asl = json.load(open("statemachine/jobs.asl.json"))
task = asl["States"]["ProcessJob"]["TimeoutSeconds"]
timeouts = [r["Properties"]["Timeout"] for n, r in template["Resources"].items()
            if r["Type"] == "AWS::Lambda::Function" and "Processor" in n]
assert timeouts == [task - 5], (timeouts, task)
print(f"ok: ProcessJob times out at {task} s, the processor function at {timeouts[0]} s")
PY
step "passed"
