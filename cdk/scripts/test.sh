#!/usr/bin/env bash
# Checks the CDK app from a fresh clone: installs its own tools, then runs the type
# check, the unit tests, an offline synth (no Rust build), cfn-lint and checkov.
# Exits non-zero on the first failure.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
VENV="$REPO_ROOT/.tools/cdk-venv"
TEMPLATE="$CDK_DIR/cdk.out/JobsApi.template.json"
# Pinned so a new rule release cannot turn a green tree red overnight.
CFN_LINT_VERSION="1.58.0"
CHECKOV_VERSION="3.3.30"

started=$SECONDS
cd "$CDK_DIR"

step "npm dependencies"
ensure_node_modules

step "python tools (cfn-lint $CFN_LINT_VERSION, checkov $CHECKOV_VERSION) in $VENV"
ensure_venv "$VENV" "cfn-lint==$CFN_LINT_VERSION" "checkov==$CHECKOV_VERSION"

step "tsc --noEmit"
npx tsc --noEmit
echo "ok"

step "jest"
npx jest --ci

step "synth:offline (no Rust build)"
npm run --silent synth:offline
test -s "$TEMPLATE"
echo "wrote $(ls cdk.out/*.template.json | tr '\n' ' ')"
# Deploying an assembly whose asset is the repository would zip the whole tree.
node -e '
  const path = require("path");
  const files = require("./cdk.out/JobsApi.assets.json").files;
  const root = path.resolve("..");
  for (const [hash, asset] of Object.entries(files)) {
    const rel = path.relative(path.resolve("cdk.out", asset.source.path), root);
    if (!rel.startsWith("..")) {
      console.error(`asset ${hash} packages ${asset.source.path}, which holds the repository`);
      process.exit(1);
    }
  }
  console.log(`${Object.keys(files).length} assets, none holds the repository`);
'

step "cfn-lint"
# Exit code bits: 1 fatal, 2 error, 4 warning, 8 informational. Only the first two fail.
set +e
"$VENV/bin/cfn-lint" "$TEMPLATE"
rc=$?
set -e
if (( rc & 3 )); then
  echo "cfn-lint found errors (exit $rc)" >&2
  exit 1
fi
echo "ok (no errors; exit $rc)"

step "checkov (skips and their reasons: checkov-skips.txt)"
skips=()
while read -r check reason; do
  [[ -z "$check" || "$check" == \#* ]] && continue
  if [[ -z "$reason" ]]; then
    echo "checkov-skips.txt: $check has no reason" >&2
    exit 1
  fi
  skips+=("$check")
done < checkov-skips.txt
skip_list="$(IFS=,; echo "${skips[*]}")"
echo "skipping: $skip_list"
"$VENV/bin/checkov" --file "$TEMPLATE" --framework cloudformation --skip-download \
  --skip-check "$skip_list" --compact --quiet
echo "ok"

step "all CDK checks passed in $((SECONDS - started)) s"
