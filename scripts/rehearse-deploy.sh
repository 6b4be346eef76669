#!/usr/bin/env bash
# Rehearses the deploy with no AWS account: starts MiniStack (an AWS emulator, pinned,
# from PyPI) on a free 127.0.0.1 port, runs `cdk bootstrap` and `cdk deploy` of the
# JobsApi stack against it with the real Lambda binaries, then checks the DEPLOYED API
# end to end (scripts/rehearsal/e2e_check.py). docs/deploy.md, "Rehearsal", says what
# this proves and what it cannot.
#
#   scripts/rehearse-deploy.sh
#
# The binaries are the debug builds of the test command (cargo's test build of the
# workspace, where every Lambda crate's `lambda` feature is on): after scripts/test.sh's
# Rust tests the build below compiles nothing. They are this machine's architecture.
# The one change to the synthesized stack: what the emulator lacks (GAPS) is removed
# from a copy of the cloud assembly. Everything goes under .tools/rehearsal/; the
# emulator is stopped by its process group when the script exits.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$root/cdk/scripts/lib.sh"
cd "$root"

MINISTACK_VERSION="1.5.33"
# botocore is MiniStack's own dependency; pinned too, as the checks sign with it.
BOTOCORE_VERSION="1.43.106"
STACK="JobsApi"
ACCOUNT="000000000000" # MiniStack's default account
REGION="us-east-1"
# Resource types of the template the emulator does not have (emulator_gaps.py checks
# that this is exactly what it refuses).
GAPS=(AWS::Events::Archive)

work="$root/.tools/rehearsal"
venv="$root/.tools/rehearsal-venv"
started=$SECONDS
ministack_pid=""

say() { printf '\n==> [rehearsal] %s  [%ss]\n' "$*" "$((SECONDS - started))"; }

stop_emulator() {
  if [[ -n $ministack_pid ]]; then
    # Its Lambda bootstraps run as its children, in its process group.
    kill -TERM -- "-$ministack_pid" 2>/dev/null || true
    for _ in $(seq 1 50); do
      kill -0 "$ministack_pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL -- "-$ministack_pid" 2>/dev/null || true
    wait "$ministack_pid" 2>/dev/null || true
    ministack_pid=""
  fi
}
trap stop_emulator EXIT
# The emulator has a session of its own, out of reach of the terminal's Ctrl-C: an
# interrupted rehearsal goes through the EXIT trap, which stops it.
trap 'exit 130' INT
trap 'exit 143' TERM

case "$(uname -m)" in
  x86_64) architecture=x86_64 ;;
  aarch64 | arm64) architecture=arm64 ;;
  *) echo "rehearse-deploy.sh: Lambda runs x86_64 or arm64, not $(uname -m)" >&2; exit 1 ;;
esac

say "MiniStack $MINISTACK_VERSION in $venv"
ensure_venv "$venv" "ministack==$MINISTACK_VERSION" "botocore==$BOTOCORE_VERSION"

say "npm dependencies of the CDK app"
ensure_node_modules

say "the Lambda binaries ($architecture, debug, the test build's features)"
# The same command as the test build of scripts/test.sh (cargo nextest builds with it),
# with the features CDK builds with named: a no-op after the Rust tests ran.
export CARGO_INCREMENTAL=0
cargo test --no-run --workspace --locked --features "$(lambda_features)"
# The functions lambdas/functions.json declares, as CDK deploys them.
names="$(lambda_bins)"
read -ra BINARIES <<<"$names"
rm -rf "$work"
mkdir -p "$work/lambdas" "$work/emulator"
for name in "${BINARIES[@]}"; do
  test -x "target/debug/$name" || { echo "target/debug/$name was not built" >&2; exit 1; }
  mkdir "$work/lambdas/$name"
  # Symbols out: a third of the size to zip, upload and unpack; the code is the same.
  strip -o "$work/lambdas/$name/bootstrap" "target/debug/$name"
done
test -x target/debug/jobs
du -sh "$work/lambdas"/*/bootstrap

say "start MiniStack on 127.0.0.1"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
endpoint="http://127.0.0.1:$port"
# setsid: its own process group, so that stopping it stops the functions it runs.
# AWS_ENDPOINT_URL in its environment is what its functions get, so that their SDK
# calls come back to it.
(
  cd "$work/emulator"
  exec env GATEWAY_PORT="$port" BIND_HOST=127.0.0.1 MINISTACK_REGION="$REGION" \
    AWS_ENDPOINT_URL="$endpoint" TMPDIR="$work/emulator" \
    setsid "$venv/bin/python" -m ministack
) >"$work/ministack.log" 2>&1 &
ministack_pid=$!
answers() {
  python3 -c "import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)" \
    "$endpoint/_ministack/health" 2>/dev/null
}
for _ in $(seq 1 300); do
  answers && break
  if ! kill -0 "$ministack_pid" 2>/dev/null; then
    echo "MiniStack exited before answering; its log:" >&2
    tail -20 "$work/ministack.log" >&2
    exit 1
  fi
  sleep 0.2
done
answers || { echo "MiniStack did not answer at $endpoint within 60 s" >&2; exit 1; }
echo "MiniStack pid $ministack_pid at $endpoint (log: $work/ministack.log)"

# Every AWS client below talks to the emulator only: dummy keys, no profile or
# shared file of this machine, no per-service endpoint that could point elsewhere.
while read -r name; do unset "$name"; done < <(compgen -e | grep -E '^AWS_(ENDPOINT_URL_|PROFILE|DEFAULT_PROFILE|SESSION_TOKEN|ROLE_ARN|WEB_IDENTITY)' || true)
export AWS_ENDPOINT_URL="$endpoint" AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test
export AWS_REGION="$REGION" AWS_DEFAULT_REGION="$REGION"
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
export CDK_DISABLE_CLI_TELEMETRY=true CDK_DISABLE_VERSION_CHECK=true
cdk=("$CDK_DIR/node_modules/.bin/cdk" --no-notices)

cd "$CDK_DIR"
say "cdk bootstrap aws://$ACCOUNT/$REGION"
"${cdk[@]}" bootstrap "aws://$ACCOUNT/$REGION" --app true >"$work/bootstrap.log" 2>&1 ||
  { cat "$work/bootstrap.log" >&2; exit 1; }
tail -1 "$work/bootstrap.log"

say "cdk synth $STACK with the prebuilt binaries (-c prebuiltLambdas, -c lambdaArchitecture=$architecture)"
"${cdk[@]}" synth "$STACK" --quiet --output "$work/cdk.out" \
  -c "prebuiltLambdas=$work/lambdas" -c "lambdaArchitecture=$architecture"

say "what the emulator lacks, removed from a copy of the cloud assembly"
"$venv/bin/python" "$root/scripts/rehearsal/emulator_gaps.py" --endpoint "$endpoint" \
  --template "$work/cdk.out/$STACK.template.json" "${GAPS[@]}"
"$venv/bin/python" -m unittest discover -s "$root/scripts/rehearsal" -p 'test_*.py'
cp -r "$work/cdk.out" "$work/assembly"
"$venv/bin/python" "$root/scripts/rehearsal/remove_unsupported.py" "$work/assembly" "$STACK" "${GAPS[@]}"

say "cdk deploy $STACK (the copy: --app $work/assembly)"
"${cdk[@]}" deploy "$STACK" --app "$work/assembly" --require-approval never --progress events \
  --outputs-file "$work/outputs.json" >"$work/deploy.log" 2>&1 || { tail -40 "$work/deploy.log" >&2; exit 1; }
sed -n '/Outputs:/,$p' "$work/deploy.log"

say "end-to-end checks against the deployed API"
cd "$root"
"$venv/bin/python" scripts/rehearsal/e2e_check.py --endpoint "$endpoint" --stack "$STACK" \
  --template "$work/assembly/$STACK.template.json" --jobs "$root/target/debug/jobs"

stop_emulator
say "the rehearsal passed in $((SECONDS - started)) s"
