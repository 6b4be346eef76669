# Shared by test.sh, bundle-check.sh, scripts/deploy.sh and scripts/build-lambdas.sh
# (sourced, not run).
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

# What building the Lambdas needs: cargo-lambda (with the zig linker it brings,
# from PyPI, into one venv under .tools/) and the arm64 Rust target. A
# cargo-lambda already on PATH is used as it is.
CARGO_LAMBDA_VERSION="1.9.2"
LAMBDA_VENV="$REPO_ROOT/.tools/cargo-lambda-venv"
ensure_lambda_toolchain() {
  step "cargo-lambda $CARGO_LAMBDA_VERSION (with zig for cross-linking) in $LAMBDA_VENV"
  if command -v cargo-lambda >/dev/null 2>&1; then
    echo "on PATH: $(command -v cargo-lambda)"
  else
    ensure_venv "$LAMBDA_VENV" "cargo-lambda==$CARGO_LAMBDA_VERSION"
    # cargo finds `cargo-lambda` on PATH; cargo-lambda finds zig through this venv's python.
    export PATH="$LAMBDA_VENV/bin:$PATH"
  fi

  step "rust target aarch64-unknown-linux-gnu"
  if rustup target list --installed | grep -qx aarch64-unknown-linux-gnu; then
    echo "already installed"
  else
    rustup target add aarch64-unknown-linux-gnu
  fi
}

# The Lambda functions are declared once, in lambdas/functions.json (CDK and the
# local stack read it too). Prints one field of every function, one a line;
# `crate/feature` for "cargoFeature".
lambda_manifest_field() {
  python3 - "$REPO_ROOT/lambdas/functions.json" "$1" <<'PY'
import json, sys
path, field = sys.argv[1], sys.argv[2]
try:
    with open(path) as f:
        functions = json.load(f)["functions"]
    for fn in functions:
        print(f"{fn['crate']}/{fn['feature']}" if field == "cargoFeature" else fn[field])
except (OSError, ValueError, KeyError, TypeError) as e:
    sys.exit(f"{path}: cannot read the functions ({type(e).__name__}: {e}); "
             "lambdas/functions.schema.json says what each entry holds")
PY
}

# The Cargo features that turn on the Lambda entrypoints, comma-separated: the
# list CDK builds with (LAMBDA_FEATURES in cdk/lib/paths.ts, from the manifest).
lambda_features() {
  local features
  features="$(lambda_manifest_field cargoFeature)" || return 1
  paste -sd, - <<<"$features"
}

# The Lambda binaries, space-separated, in the manifest's order.
lambda_bins() {
  local bins
  bins="$(lambda_manifest_field bin)" || return 1
  paste -sd' ' - <<<"$bins"
}
