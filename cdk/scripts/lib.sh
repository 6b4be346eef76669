# Shared by test.sh and bundle-check.sh (sourced, not run).
CDK_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REPO_ROOT="$(cd "$CDK_DIR/.." && pwd)"

step() { printf '\n==> [cdk] %s\n' "$*"; }

# npm ci only when package-lock.json changed since the last install: a full reinstall
# costs half a minute on every run otherwise.
ensure_node_modules() {
  local lock_hash
  lock_hash="$(sha256sum "$CDK_DIR/package-lock.json" | cut -d' ' -f1)"
  if [[ -f "$CDK_DIR/node_modules/.lock-hash" && "$(cat "$CDK_DIR/node_modules/.lock-hash")" == "$lock_hash" ]]; then
    echo "node_modules matches package-lock.json"
  else
    (cd "$CDK_DIR" && npm ci --no-audit --no-fund)
    echo "$lock_hash" > "$CDK_DIR/node_modules/.lock-hash"
  fi
}

# A Python venv under the repo's .tools/ holding exactly the given pinned packages.
ensure_venv() {
  local venv="$1"; shift
  [[ -x "$venv/bin/python" ]] || python3 -m venv "$venv"
  local frozen missing=0
  frozen="$("$venv/bin/pip" freeze --disable-pip-version-check 2>/dev/null || true)"
  for req in "$@"; do
    grep -qix "$req" <<<"$frozen" || missing=1
  done
  if (( missing )); then
    "$venv/bin/pip" install --quiet --disable-pip-version-check "$@"
  fi
  echo "$venv: $*"
}
