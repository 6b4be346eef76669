#!/usr/bin/env bash
# Deploys the jobs API to AWS in one command, or destroys it:
#
#   scripts/deploy.sh [deploy] [CDK OPTIONS...]   cdk deploy JobsApi, outputs in outputs.json
#   scripts/deploy.sh destroy [CDK OPTIONS...]    cdk destroy JobsApi
#   scripts/deploy.sh diff|synth [CDK OPTIONS...] the same for cdk diff / cdk synth
#
# Options after the command go to cdk as they are, e.g.
#   scripts/deploy.sh deploy --profile dev --require-approval never
#   scripts/deploy.sh destroy --force
#
# It installs what the deploy needs into the repo's tool folders first, as
# scripts/test.sh does: cargo-lambda (with the zig linker it brings) from PyPI
# into .tools/cargo-lambda-venv, the aarch64-unknown-linux-gnu Rust target, and
# the CDK app's npm packages (npm ci in cdk/). The AWS credentials and region
# are the standard ones (AWS_PROFILE, AWS_REGION, ...); the account must be
# bootstrapped once (docs/deploy.md).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$root/cdk/scripts/lib.sh"
STACK="JobsApi"

usage() {
  sed -n '2,17p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

command="deploy"
if (( $# > 0 )); then
  case "$1" in
    deploy | destroy | diff | synth) command="$1"; shift ;;
    -h | --help | help) usage; exit 0 ;;
    -*) ;; # options only: deploy with them
    *)
      echo "deploy.sh: unknown command '$1' (deploy, destroy, diff or synth)" >&2
      usage >&2
      exit 2
      ;;
  esac
fi

if [[ $command != destroy ]]; then
  # Building the Lambdas (during synth) needs cargo-lambda and the arm64 target;
  # destroying the stack builds nothing.
  ensure_lambda_toolchain
fi

step "npm dependencies of the CDK app"
ensure_node_modules

# The app's own pinned cdk, before any other on PATH.
export PATH="$CDK_DIR/node_modules/.bin:$PATH"
cd "$CDK_DIR"
case "$command" in
  deploy)
    step "cdk deploy $STACK (outputs in $root/outputs.json)"
    cdk deploy "$STACK" --outputs-file "$root/outputs.json" "$@"
    echo
    echo "Deployed. Try it: jobs --stack $STACK submit --help-params lists the job's parameters; then jobs --stack $STACK submit KEY=VALUE... --wait (docs/deploy.md)"
    ;;
  *)
    step "cdk $command $STACK"
    cdk "$command" "$STACK" "$@"
    ;;
esac
