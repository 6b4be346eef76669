#!/usr/bin/env bash
# Runs every check of the project, from a fresh clone, installing what it
# needs by itself (crates, npm and pip packages into the repo's .tools/ and
# node_modules/ folders). Exits non-zero on the first failure.
#
#   scripts/test.sh
#
# Servers it starts (moto_server, the local stack, MiniStack for the deploy
# rehearsal) bind 127.0.0.1 and are stopped by pid when it exits.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
tools="$root/.tools"
venv="$tools/venv"
started=$SECONDS
pids=()

# One build from scratch: incremental state would only take disk and time.
export CARGO_INCREMENTAL=0

step() { printf '\n==> %s  [%ss]\n' "$*" "$((SECONDS - started))"; }

cleanup() {
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# Waits until a TCP port on 127.0.0.1 accepts connections, or fails.
wait_for_port() {
  local port=$1 what=$2 pid=$3
  for _ in $(seq 1 300); do
    if python3 -c "import socket,sys; s=socket.socket(); s.settimeout(0.2); sys.exit(s.connect_ex(('127.0.0.1', $port)))"; then
      return 0
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "$what exited before listening on 127.0.0.1:$port" >&2
      return 1
    fi
    sleep 0.2
  done
  echo "$what did not listen on 127.0.0.1:$port within 60 s" >&2
  return 1
}

step "toolchain"
cargo --version
cargo fmt --version >/dev/null 2>&1 || rustup component add rustfmt
cargo clippy --version >/dev/null 2>&1 || rustup component add clippy
node --version
python3 --version

step "python tools in $venv"
if [[ ! -x $venv/bin/python ]]; then
  python3 -m venv "$venv"
fi
stamp="$venv/.requirements.sha256"
want="$(sha256sum scripts/requirements-test.txt | cut -d' ' -f1)"
if [[ ! -f $stamp || "$(cat "$stamp")" != "$want" ]]; then
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r scripts/requirements-test.txt
  echo "$want" >"$stamp"
fi
"$venv/bin/moto_server" --help >/dev/null

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy -D warnings"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "the Lambda build's features (lambdas/functions.json) select every Lambda binary (cargo check)"
# cargo refuses a binary whose required feature the flags do not turn on; a
# deploy would fail on it, and nothing else here builds the binaries that way.
lambda_features="$(source "$root/cdk/scripts/lib.sh" && lambda_features)"
lambda_bins="$(source "$root/cdk/scripts/lib.sh" && lambda_bins)"
lambda_bin_flags=()
for name in $lambda_bins; do lambda_bin_flags+=(--bin "$name"); done
cargo check --locked --features "$lambda_features" "${lambda_bin_flags[@]}"

step "fuzz targets compile (cargo check; running them needs nightly, see fuzz/run.sh)"
# Their own workspace and lock file; the shared target dir reuses what
# clippy already checked.
CARGO_TARGET_DIR="$root/target" cargo check --manifest-path fuzz/Cargo.toml --bins --locked

step "workflow definition checks (asl-validator and the workflow contract)"
(cd statemachine && npm ci --no-audit --no-fund --loglevel=error && npm test)

step "start moto_server on 127.0.0.1"
moto_port="$(free_port)"
"$venv/bin/moto_server" -H 127.0.0.1 -p "$moto_port" >"$tools/moto.log" 2>&1 &
moto_pid=$!
pids+=("$moto_pid")
wait_for_port "$moto_port" moto_server "$moto_pid"
export MOTO_ENDPOINT="http://127.0.0.1:$moto_port"
echo "moto_server pid $moto_pid at $MOTO_ENDPOINT"

step "Rust tests (unit, handler, mocked AWS, moto wire-level, local stack, ASL conformance)"
if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --workspace --locked --run-ignored all --no-fail-fast
else
  cargo test --workspace --locked --no-fail-fast -- --include-ignored
fi

kill "$moto_pid" 2>/dev/null || true

step "botocore-signed calls, the Postman collection (newman) and schemathesis against the local stack"
# The test run above built the jobs binary (its integration tests start it):
# building it again here would compile its dependencies a second time, with
# the features of a build without tests.
test -x "$root/target/debug/jobs"
stack_port="$(free_port)"
stack_dir="$(mktemp -d)"
JOBS_LOCAL_ADDR="127.0.0.1:$stack_port" JOBS_LOCAL_DATA_DIR="$stack_dir" \
  "$root/target/debug/jobs" local start >"$tools/local-stack.log" 2>&1 &
stack_pid=$!
pids+=("$stack_pid")
wait_for_port "$stack_port" "the local stack" "$stack_pid"
echo "local stack pid $stack_pid at http://127.0.0.1:$stack_port (data in $stack_dir)"
"$venv/bin/python" scripts/botocore_check.py "http://127.0.0.1:$stack_port"
scripts/newman.sh "http://127.0.0.1:$stack_port"
scripts/schemathesis.sh "http://127.0.0.1:$stack_port"
kill "$stack_pid" 2>/dev/null || true

step "the console in headless Chromium (Playwright)"
if [[ ! -x /usr/bin/chromium ]]; then
  apt-get update && apt-get install -y chromium
fi
"$venv/bin/python" scripts/console_browser_test.py --binary "$root/target/debug/jobs" \
  --screenshots "$tools/console-screenshots"

step "deploy script (offline: fake rustup, npm, cargo-lambda and cdk)"
scripts/deploy_test.sh

step "CDK app (tsc, jest, synth, cdk-nag, cfn-lint, checkov)"
cdk/scripts/test.sh

step "deploy rehearsal: cdk deploy on MiniStack, the real Lambdas end to end"
# After the Rust tests, never beside them: it reuses their build of the Lambda
# binaries and the jobs CLI, and its emulator is a server of its own.
scripts/rehearse-deploy.sh

step "make it yours: README's steps on a copy of the tree, with the digest job in place of the sample"
# Last: it builds the copy into target/make-it-yours and starts servers of its own.
scripts/make-it-yours-test.sh

step "all checks passed in $((SECONDS - started)) s"
