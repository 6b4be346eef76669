#!/usr/bin/env bash
# Tests scripts/deploy.sh offline: a copy of it (and of the cdk/scripts/lib.sh
# it sources) runs in a scratch repo with fake rustup, npm, cargo-lambda and
# cdk on PATH that record how they were called. No AWS, no network, and
# nothing of the real repo is touched.
#
#   scripts/deploy_test.sh
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
failures=0

fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

# A scratch repo with the script and what it sources; fakes in $scratch/bin.
setup() {
  rm -rf "$scratch/repo" "$scratch/bin"
  mkdir -p "$scratch/repo/scripts" "$scratch/repo/cdk/scripts" "$scratch/bin"
  cp "$root/scripts/deploy.sh" "$scratch/repo/scripts/"
  cp "$root/cdk/scripts/lib.sh" "$scratch/repo/cdk/scripts/"
  echo '{"lockfileVersion": 3}' >"$scratch/repo/cdk/package-lock.json"
  : >"$scratch/calls"
  fake rustup 'if [[ "$*" == "target list --installed" ]]; then printf "%s\n" $FAKE_TARGETS; fi'
  fake npm 'mkdir -p node_modules'
  fake cargo-lambda ''
  fake cdk 'echo "cdk-cwd $PWD" >>"$CALLS"; command -v cargo-lambda >/dev/null && echo "cdk-sees cargo-lambda" >>"$CALLS"; exit "${FAKE_CDK_EXIT:-0}"'
}

# fake NAME BODY: a tool that records its arguments, then runs BODY.
fake() {
  cat >"$scratch/bin/$1" <<EOF
#!/usr/bin/env bash
echo "$1 \$*" >>"\$CALLS"
$2
EOF
  chmod +x "$scratch/bin/$1"
}

# run ARGS...: the script, with only the fakes (and the system) on PATH.
run() {
  set +e
  CALLS="$scratch/calls" PATH="$scratch/bin:/usr/bin:/bin" \
    "$scratch/repo/scripts/deploy.sh" "$@" >"$scratch/out" 2>&1
  code=$?
  set -e
}

called() { grep -qxF -- "$1" "$scratch/calls"; }

echo "deploy with options passes them on after the stack and the outputs file"
setup
FAKE_TARGETS="x86_64-unknown-linux-gnu" run deploy --profile dev --require-approval never
(( code == 0 )) || fail "deploy exited $code: $(cat "$scratch/out")"
called "cdk deploy JobsApi --outputs-file $scratch/repo/outputs.json --profile dev --require-approval never" ||
  fail "cdk deploy not called as expected: $(cat "$scratch/calls")"
called "cdk-cwd $scratch/repo/cdk" || fail "cdk did not run in cdk/"
called "cdk-sees cargo-lambda" || fail "cargo-lambda not on the PATH cdk runs with"
called "rustup target add aarch64-unknown-linux-gnu" || fail "the missing arm64 target was not added"
called "npm ci --no-audit --no-fund" || fail "npm ci did not run"
[[ -s $scratch/repo/cdk/node_modules/.lock-hash ]] || fail "npm ci was not recorded"

echo "a second deploy skips what is installed; no command means deploy"
: >"$scratch/calls"
FAKE_TARGETS="aarch64-unknown-linux-gnu" run --require-approval never
(( code == 0 )) || fail "second deploy exited $code"
called "cdk deploy JobsApi --outputs-file $scratch/repo/outputs.json --require-approval never" ||
  fail "options alone did not deploy: $(cat "$scratch/calls")"
grep -q "^npm " "$scratch/calls" && fail "npm ci ran again with an unchanged lock file"
grep -q "^rustup target add" "$scratch/calls" && fail "the installed target was added again"

echo "destroy passes its options on and builds nothing"
setup
run destroy --force
(( code == 0 )) || fail "destroy exited $code"
called "cdk destroy JobsApi --force" || fail "cdk destroy not called: $(cat "$scratch/calls")"
grep -q "^rustup\|^cargo-lambda" "$scratch/calls" && fail "destroy prepared a build"

echo "a failing cdk fails the script"
setup
FAKE_TARGETS="aarch64-unknown-linux-gnu" FAKE_CDK_EXIT=3 run deploy
(( code == 3 )) || fail "cdk's exit code 3 became $code"

echo "an unknown command is refused before anything runs"
setup
run deploi --force
(( code == 2 )) || fail "unknown command exited $code"
grep -q "unknown command 'deploi'" "$scratch/out" || fail "no message: $(cat "$scratch/out")"
[[ -s $scratch/calls ]] && fail "tools ran for an unknown command: $(cat "$scratch/calls")"

echo "--help prints the usage and runs nothing"
setup
run --help
(( code == 0 )) || fail "--help exited $code"
grep -q "scripts/deploy.sh destroy" "$scratch/out" || fail "no usage: $(cat "$scratch/out")"
[[ -s $scratch/calls ]] && fail "tools ran for --help"

if (( failures > 0 )); then
  echo "deploy.sh: $failures check(s) failed" >&2
  exit 1
fi
echo "deploy.sh: all checks passed"
