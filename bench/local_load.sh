#!/usr/bin/env bash
# The whole-stack load figures of docs/local-benchmarks.md, in one run.
#
#   bench/local_load.sh [SECONDS]      (default 15 per test)
#
# Builds the jobs binary and the stack's bench with the `local` profile (into target-local/),
# installs wrk from Debian if it is missing, and for each test starts a stack
# on 127.0.0.1 with a fresh data directory, then stops it by its pid:
#   - wrk POST /jobs at 4, 5 and 8 connections, and GET /jobs/{id} at 8;
#   - the bench's POST at a fixed 2,000 a second and GET at 5,000 a second;
#   - 10,000 jobs submitted at once, until all are Success: the job's example, or the
#     parameters in BURST_PARAMS (JSON), e.g. to compare with a version whose example differs.
set -euo pipefail

seconds="${1:-15}"
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
export CARGO_TARGET_DIR="$root/target-local"

if ! command -v wrk >/dev/null; then
    echo "installing wrk (Debian package)"
    sudo=""
    if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
    $sudo apt-get install -y wrk >/dev/null
fi

echo "building the jobs binary and the stack's bench (profile local; the first build takes a few minutes)"
cargo build --profile local -p jobs -p jobs-local --bin jobs --example bench
stack_bin="$CARGO_TARGET_DIR/local/jobs"
bench="$CARGO_TARGET_DIR/local/examples/bench"

port=3920
url="http://127.0.0.1:$port"
work="$(mktemp -d)"
pid=""
stop_stack() {
    if [ -n "$pid" ]; then
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
        pid=""
    fi
}
trap 'stop_stack; rm -rf "$work"' EXIT

start_stack() {
    rm -rf "$work/data"
    RUST_LOG=warn "$stack_bin" local start --addr "127.0.0.1:$port" --data-dir "$work/data" \
        >"$work/stack.log" 2>&1 &
    pid=$!
    for _ in $(seq 1 100); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return; fi
        sleep 0.1
    done
    cat "$work/stack.log" >&2
    echo "the stack did not come up" >&2
    exit 1
}

wrk_run() {
    local what="$1" connections="$2"
    start_stack
    "$bench" wrk-script "$what" --url "$url" >"$work/$what.lua"
    local path=/jobs
    if [ "$what" = get ]; then
        path="$(grep -o '/jobs/[0-9a-f-]*' "$work/$what.lua" | head -n 1)"
    fi
    echo "== wrk ${what^^} $path, $connections connections, ${seconds}s"
    wrk -t1 -c"$connections" -d"${seconds}s" --latency -s "$work/$what.lua" "$url$path" |
        grep -E 'Requests/sec|Latency  |  (50|90|99)%|Non-2xx|errors'
    stop_stack
}

wrk_run post 4
wrk_run post 5
wrk_run post 8
wrk_run get 8

start_stack
"$bench" post --url "$url" --duration "$seconds" --concurrency 16 --rate 2000
stop_stack
start_stack
"$bench" get --url "$url" --duration "$seconds" --concurrency 8 --rate 5000
stop_stack
start_stack
"$bench" burst --url "$url" --data-dir "$work/data" --jobs 10000 --concurrency 256 --pid "$pid" \
    ${BURST_PARAMS:+--params "$BURST_PARAMS"}
stop_stack
