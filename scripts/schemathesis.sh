#!/usr/bin/env bash
# Fuzzes a running jobs API with schemathesis against openapi/jobs-api.yaml, every request
# signed with SigV4 (service execute-api). Exits non-zero on any failure.
#
#   scripts/schemathesis.sh [BASE_URL]          # default http://127.0.0.1:3000
#
# Start the local stack first (cargo run --profile local -p jobs -- local start). Checks: no 5xx,
# status codes, response headers, content types and response bodies as documented, no 403 for
# a signed request on a known route, and each operation answered 2xx at least once.
#
# Environment:
#   JOBS_FUZZ_LONG=1             a long run (1000 examples per operation) instead of 30
#   JOBS_FUZZ_MAX_EXAMPLES=N     examples per operation, overriding both
#   JOBS_FUZZ_SEED=N             a fixed seed, to replay a run
#   JOBS_LOCAL_ACCESS_KEY_ID, JOBS_LOCAL_SECRET_ACCESS_KEY, JOBS_LOCAL_REGION, AWS_SESSION_TOKEN
#                                the credentials to sign with (default: the local stack's)
#
# Every job it creates runs, for as long as the job takes with the parameters it was given. Point
# it at a stack with a throwaway data dir, not one whose jobs matter.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
url="${1:-http://127.0.0.1:3000}"
venv="$root/.tools/schemathesis-venv"
requirements="$root/openapi/requirements.txt"

if [[ ! -x "$venv/bin/python" ]]; then
  python3 -m venv "$venv"
fi
# Reinstall only when the pins changed.
stamp="$venv/.requirements.sha256"
want="$(sha256sum "$requirements" | cut -d' ' -f1)"
if [[ "$(cat "$stamp" 2>/dev/null || true)" != "$want" ]]; then
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements"
  echo "$want" >"$stamp"
fi

echo "==> openapi/check.py"
"$venv/bin/python" openapi/check.py

echo "==> signed preflight against $url"
# A signed GET of an id nobody has must be a 404: proves the stack is up and the signer agrees
# with its verifier before any fuzzing (a wrong signer would make every answer a 403).
"$venv/bin/python" - "$url" <<'PY'
import sys, uuid, requests
sys.path.insert(0, "openapi")
from schemathesis_hooks import SIGNER
url = sys.argv[1].rstrip("/")
try:
    r = requests.get(f"{url}/jobs/{uuid.uuid4()}", auth=SIGNER, timeout=10)
except requests.ConnectionError as e:
    sys.exit(f"cannot reach {url}: is the stack running? ({e.__class__.__name__})")
if r.status_code != 404:
    sys.exit(f"signed GET of an unknown job answered {r.status_code} {r.text!r}, expected 404")
print(f"ok: {r.status_code} {r.json()['message']}")
PY

if [[ -n "${JOBS_FUZZ_MAX_EXAMPLES:-}" ]]; then
  examples="$JOBS_FUZZ_MAX_EXAMPLES"
elif [[ "${JOBS_FUZZ_LONG:-}" == 1 ]]; then
  examples=1000
else
  examples=30
fi
seed=()
if [[ -n "${JOBS_FUZZ_SEED:-}" ]]; then
  seed=(--seed "$JOBS_FUZZ_SEED")
fi

echo "==> schemathesis: $examples examples per operation"
export SCHEMATHESIS_HOOKS="$root/openapi/schemathesis_hooks.py"
# schemathesis keeps its replay cache (.schemathesis/) in the working directory: keep it in
# the gitignored .tools/ (run `st replay ID` from there).
work="$root/.tools/schemathesis-work"
mkdir -p "$work"
cd "$work"
exec "$venv/bin/schemathesis" run "$root/openapi/jobs-api.yaml" \
  --url "$url" \
  --mode all \
  --phases examples,coverage,fuzzing,stateful \
  --checks not_a_server_error,status_code_conformance,response_headers_conformance,content_type_conformance,response_schema_conformance,signed_requests_are_authorized,EveryOperationSucceededOnce \
  --max-examples "$examples" \
  --workers 2 \
  --request-timeout 10 \
  --generation-database none \
  --no-color \
  "${seed[@]}"
