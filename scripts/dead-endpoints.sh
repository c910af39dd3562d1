#!/usr/bin/env bash
# Measures how long Terraform takes to fail against a Qualys endpoint that cannot answer, with
# the provider's default settings: connection refused, a DNS name that does not
# resolve, a host that drops connection attempts (SYN dropped), and a server that accepts and
# never answers. For each, a `terraform plan` refreshing five connectors and a `terraform
# apply` creating one. Prints one line per case with the seconds it took and the target.
# Loopback only: the endpoints are small Python servers on 127.0.0.1 (and a `.invalid` name,
# which never resolves). Takes about five minutes, most of it the silent server.
set -euo pipefail
cd "$(dirname "$0")/.."
export CHECKPOINT_DISABLE=1

tf=${TERRAFORM:-$(command -v terraform || echo /usr/local/bin/terraform)}
echo "==> building the provider and qualys-sim (cargo build --bins)"
cargo build --bins --quiet
root=$(pwd)
work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

cat >"$work/cli.tfrc" <<EOF
provider_installation {
  dev_overrides {
    "registry.terraform.io/qualys-tf/qualys" = "$root/target/debug"
  }
  direct {}
}
EOF
export TF_CLI_CONFIG_FILE="$work/cli.tfrc" TF_IN_AUTOMATION=1
export QUALYS_USERNAME=demo QUALYS_PASSWORD=demo

# The endpoints: each prints its base URL on its first line, then serves until killed.
cat >"$work/endpoint.py" <<'EOF'
import socket, sys, time
kind = sys.argv[1]
if kind == "refused":
    s = socket.socket(); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]; s.close()
    print(f"http://127.0.0.1:{port}", flush=True)
elif kind == "syn-dropped":
    # A full accept queue makes the kernel drop further SYNs, as a firewall would.
    s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(0); port = s.getsockname()[1]
    held = []
    for _ in range(4):
        c = socket.socket(); c.setblocking(False)
        try: c.connect(("127.0.0.1", port))
        except BlockingIOError: pass
        held.append(c)
    print(f"http://127.0.0.1:{port}", flush=True)
elif kind == "silent":
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", 0)); s.listen(64); port = s.getsockname()[1]
    print(f"http://127.0.0.1:{port}", flush=True)
    held = []
    while True:
        conn, _ = s.accept(); held.append(conn)
while True:
    time.sleep(3600)
EOF

# Not in a command substitution: the endpoint's pid must reach `pids` for the cleanup.
start_endpoint() {
  local file="$work/$1.url"
  python3 "$work/endpoint.py" "$1" >"$file" 2>/dev/null </dev/null &
  pids+=($!)
  for _ in $(seq 50); do [ -s "$file" ] && break; sleep 0.1; done
  url=$(head -n 1 "$file")
}

# Five connectors in the simulator and in a state, to refresh.
target/debug/qualys-sim --listen 127.0.0.1:0 >"$work/sim.out" 2>/dev/null </dev/null &
pids+=($!)
for _ in $(seq 50); do [ -s "$work/sim.out" ] && break; sleep 0.1; done
sim_url=$(head -n 1 "$work/sim.out")
mkdir -p "$work/five" "$work/one"
provider='terraform {
  required_providers {
    qualys = { source = "qualys-tf/qualys" }
  }
}

provider "qualys" {}
'
{
  echo "$provider"
  echo 'resource "qualys_aws_connector" "c" {
  count       = 5
  name        = "dead-${count.index}"
  arn         = "arn:aws:iam::123456789012:role/QualysConnector"
  external_id = "dead-endpoint-${count.index}"
}'
} >"$work/five/main.tf"
{
  echo "$provider"
  echo 'resource "qualys_aws_connector" "c" {
  name        = "dead-new"
  arn         = "arn:aws:iam::123456789012:role/QualysConnector"
  external_id = "dead-endpoint-new"
}'
} >"$work/one/main.tf"
(cd "$work/five" && QUALYS_API_URL=$sim_url "$tf" apply -auto-approve -input=false -no-color >/dev/null)

measure() { # measure DIR URL ARGS... -> seconds, exit code, last error line
  local dir=$1 url=$2
  shift 2
  local started ended code
  started=$(date +%s.%N)
  set +e
  (cd "$dir" && QUALYS_API_URL=$url "$tf" "$@" -input=false -no-color >"$work/out" 2>&1)
  code=$?
  set -e
  ended=$(date +%s.%N)
  printf '%6.1f s  exit %d  %s\n' "$(echo "$ended - $started" | bc)" "$code" \
    "$(tr -s ' \n' '  ' <"$work/out" | grep -o '[0-9]* attempt(s) over [0-9.]*s' | head -n 1 || true)"
}

echo "==> Terraform $("$tf" version | sed -n '1s/^Terraform v//p'), default provider settings"
echo "    targets: refused or DNS failure < 15 s; SYN dropped < 60 s; silent server < 180 s (plan of five)"
for kind in refused dns syn-dropped silent; do
  case $kind in
    dns) url="https://qualysapi.no-such-platform.invalid" ;;
    *) start_endpoint "$kind" ;;
  esac
  printf '%-12s plan of five   ' "$kind"
  measure "$work/five" "$url" plan -refresh=true
  printf '%-12s apply of one   ' "$kind"
  measure "$work/one" "$url" apply -auto-approve
done
