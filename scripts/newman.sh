#!/usr/bin/env bash
# Runs the Postman collections against a running jobs API and fails if any
# check fails: postman/jobs-api.postman_collection.json (the contract, for
# any job; its bodies come from `jobs generate`), then the job crate's own
# cases, job/postman/*.postman_collection.json, when there are any.
#
#   scripts/newman.sh [BASE_URL] [NEWMAN_OPTIONS...]
#
# BASE_URL defaults to $JOBS_API_URL, else the local stack at
# http://127.0.0.1:3000 (start it with `cargo run --profile local -p jobs -- local start`).
# The environment file defaults to postman/local.postman_environment.json;
# POSTMAN_ENVIRONMENT picks another one, e.g. for a deployed stack:
#
#   POSTMAN_ENVIRONMENT=postman/deployed.postman_environment.json \
#     scripts/newman.sh https://abc123.execute-api.us-east-1.amazonaws.com/prod \
#     --env-var "accessKey=$AWS_ACCESS_KEY_ID" --env-var "secretKey=$AWS_SECRET_ACCESS_KEY" \
#     --env-var "sessionToken=${AWS_SESSION_TOKEN:-}"
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
postman="$root/postman"

base_url="${JOBS_API_URL:-http://127.0.0.1:3000}"
if [[ $# -gt 0 && $1 != -* ]]; then
  base_url="$1"
  shift
fi
base_url="${base_url%/}"

environment="${POSTMAN_ENVIRONMENT:-$postman/local.postman_environment.json}"
[[ $environment = /* ]] || environment="$root/$environment"

# newman is pinned by postman/package-lock.json; reinstall only when the lock
# file changed since the last install.
stamp="$postman/node_modules/.jobs-lock.sha256"
lock_sum="$(sha256sum "$postman/package-lock.json" | cut -d' ' -f1)"
if [[ ! -x $postman/node_modules/.bin/newman || ! -f $stamp || "$(cat "$stamp")" != "$lock_sum" ]]; then
  echo "installing newman (npm ci in postman/)" >&2
  (cd "$postman" && npm ci --no-audit --no-fund --loglevel=error)
  echo "$lock_sum" >"$stamp"
fi

# A clear message beats a screenful of ECONNREFUSED failures.
if command -v curl >/dev/null 2>&1; then
  if ! curl --silent --output /dev/null --max-time 10 "$base_url/jobs"; then
    echo "no jobs API at $base_url; start the local stack with" \
      "\`cargo run --profile local -p jobs -- local start\` or pass its URL" >&2
    exit 2
  fi
fi

collections=("$postman/jobs-api.postman_collection.json")
shopt -s nullglob
collections+=("$root"/job/postman/*.postman_collection.json)
shopt -u nullglob

cd "$postman"
for collection in "${collections[@]}"; do
  echo "==> newman: ${collection#"$root"/}" >&2
  node_modules/.bin/newman run "$collection" \
    --environment "$environment" \
    --env-var "baseUrl=$base_url" \
    --color off \
    "$@"
done
