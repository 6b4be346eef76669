#!/usr/bin/env bash
# Runs every fuzz target for a bounded time; exits non-zero if any crashes.
#
#   fuzz/run.sh [SECONDS_PER_TARGET]   (default 30)
#
# Needs the nightly toolchain and cargo-fuzz (installed here if missing).
# The growing corpus lives in fuzz/corpus/<target> (not committed); the
# committed seeds in fuzz/seeds/<target> are read as a second corpus
# directory. A crash input is written to fuzz/artifacts/<target>/; keep it in
# fuzz/regressions/<target>/, which the crates' fuzz_regressions tests replay
# (it is not fed back here, so a known, unfixed crash does not stop every run).
set -euo pipefail

seconds="${1:-30}"
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$here/../target-fuzz}"

if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
    cargo +nightly install cargo-fuzz --locked
fi

targets=(post_body sigv4_verify asl_load asl_paths asl_run)
cargo +nightly fuzz build -O

failed=()
for target in "${targets[@]}"; do
    mkdir -p "corpus/$target" "seeds/$target"
    echo "== $target: ${seconds}s"
    # -rss_limit_mb and -timeout turn a runaway allocation or a hang into a
    # reported crash instead of a stuck run; -max_len keeps inputs near the
    # sizes the real entry points accept.
    log="$(mktemp)"
    status=0
    cargo +nightly fuzz run -O "$target" \
        "corpus/$target" "seeds/$target" -- \
        -max_total_time="$seconds" -max_len=4096 -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 >"$log" 2>&1 || status=$?
    grep -E '^(stat::number_of_executed_units|stat::average_exec_per_sec|Done )|SUMMARY|panicked at' "$log" || true
    if ((status != 0)); then
        tail -n 40 "$log"
        failed+=("$target")
    fi
    rm -f "$log"
done

if ((${#failed[@]})); then
    echo "crashed: ${failed[*]} (inputs in fuzz/artifacts/)" >&2
    exit 1
fi
echo "no crash in ${#targets[@]} targets"
