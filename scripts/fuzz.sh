#!/usr/bin/env bash
# Fuzzes the Qualys response decoders (fuzz/, libFuzzer through libfuzzer-sys) for a bounded
# time per target, starting from the committed corpus in fuzz/corpus/<target>/. New inputs
# go to a temporary directory, so the corpus changes only when someone adds a finding; a
# crashing input is left in fuzz/artifacts/<target>/.
#
# Needs only the stable toolchain and a C++ compiler: it passes the coverage flags cargo-fuzz
# would (without a sanitizer, which needs nightly), so `cargo fuzz` is not required. By hand,
# `cargo fuzz run --sanitizer none <target>` in fuzz/ works too where cargo-fuzz is installed.
#
# Usage: scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]   (default: 10 s, every target)
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
seconds=${1:-10}
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    targets=(qps cloudview accounts_and_errors)
fi
host=$(rustc -vV | sed -n 's/^host: //p')
# --target keeps these flags off build scripts and proc macros, as cargo-fuzz does.
export RUSTFLAGS="-Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares --cfg fuzzing"
cargo build --locked --release --target "$host" --bins
for target in "${targets[@]}"; do
    scratch=$(mktemp -d)
    mkdir -p "artifacts/$target"
    echo "==> fuzzing $target for ${seconds}s"
    # max_len and len_control: deeply nested bodies are long, allow them from the start;
    # rss_limit: a decoder must not balloon.
    log="$scratch.log"
    status=0
    "target/$host/release/$target" -max_total_time="$seconds" -max_len=65536 -len_control=0 \
        -rss_limit_mb=1024 -timeout=10 -artifact_prefix="artifacts/$target/" \
        "$scratch" "corpus/$target" >"$log" 2>&1 || status=$?
    grep -E '^#[0-9]+[[:space:]]+(INITED|DONE)' "$log" || true
    if [ "$status" -ne 0 ]; then
        tail -n 40 "$log" >&2
    fi
    rm -f "$log"
    rm -rf "$scratch"
    if [ "$status" -ne 0 ]; then
        echo "fuzz target $target failed (exit $status); the input is in fuzz/artifacts/$target/" >&2
        exit "$status"
    fi
done
