#!/usr/bin/env bash
# Cross-builds the Lambda bootstraps lambdas/functions.json declares for arm64
# (provided.al2023) with cargo-lambda, zips them, and prints each size.
#
#   scripts/build-lambdas.sh
#
# Installs cargo-lambda (and the zig linker it brings) from PyPI into
# .tools/cargo-lambda-venv and the aarch64 Rust target with rustup, which needs
# the Rust distribution server: that is why this is not part of scripts/test.sh.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$root/cdk/scripts/lib.sh"
cd "$root"
ensure_lambda_toolchain

# The Lambda entrypoints sit behind each crate's `lambda` feature (the
# libraries build without it for the local stack); the list CDK builds with,
# so both builds share their artifacts.
features="$(lambda_features)"
names="$(lambda_bins)"
read -ra bins <<<"$names"
bin_flags=()
for name in "${bins[@]}"; do bin_flags+=(--bin "$name"); done
cargo lambda build --release --arm64 --output-format zip --features "$features" "${bin_flags[@]}"

python3 - "${bins[@]}" <<'PY'
import os, sys, zipfile
print(f"\n{'function':<15} {'bootstrap':>12} {'zip':>12}")
for name in sys.argv[1:]:
    path = f"target/lambda/{name}/bootstrap.zip"
    with zipfile.ZipFile(path) as z:
        boot = z.getinfo("bootstrap").file_size
    print(f"{name:<15} {boot / 2**20:>9.1f} MB {os.path.getsize(path) / 2**20:>9.1f} MB")
PY
