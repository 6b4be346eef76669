#!/usr/bin/env bash
# Builds the four Lambda bootstraps for real, the way a deploy does: `cdk synth` with
# bundling on, RustFunction calling cargo-lambda to cross-compile for arm64. Prints
# each asset's bootstrap size and zipped size. Not part of test.sh: a cold build of the
# workspace in release mode (LTO, opt-level z) takes minutes.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
OUT="$CDK_DIR/cdk.out.bundled"
# A target dir of its own, so this does not wait on (or invalidate) the main one.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$REPO_ROOT/target-cdk}"

started=$SECONDS
cd "$CDK_DIR"

ensure_lambda_toolchain
cargo lambda --version

step "npm dependencies"
ensure_node_modules

step "cdk synth with bundling (cargo lambda build --release --arm64, CARGO_TARGET_DIR=$CARGO_TARGET_DIR)"
rm -rf "$OUT"
# No AWS call is needed to synthesize: no instance-metadata credential lookup, no
# notices, telemetry or version check.
AWS_EC2_METADATA_DISABLED=true CDK_DISABLE_CLI_TELEMETRY=true CDK_DISABLE_VERSION_CHECK=true \
  npx cdk synth --quiet --no-notices --output "$OUT"

step "bootstraps"
python3 "$CDK_DIR/scripts/bootstrap-sizes.py" "$OUT"

step "bundle check passed in $((SECONDS - started)) s (assets in $OUT)"
