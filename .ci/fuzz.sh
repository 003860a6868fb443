#!/usr/bin/env bash
# Fuzz crates stay buildable: each crates/*/fuzz (own workspace, own Cargo.lock) is checked
# with its lockfile; where a nightly toolchain and cargo-fuzz are present, every target also
# runs for a short smoke time (FUZZ_SMOKE_SECS, default 5) from its seeds or an empty corpus.
# Long runs and their figures are in each crates/*/fuzz/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${FUZZ_SMOKE_SECS:-5}"
# One target dir for all: the fuzz crates are separate workspaces, but sharing the main
# target dir (stable checks) and one fuzz dir (nightly builds) builds each dependency once.
main_target="${CARGO_TARGET_DIR:-$PWD/target}"
fuzz_target="$main_target/fuzz"
nightly=""
if rustup run nightly rustc --version >/dev/null 2>&1; then
    nightly=1
    command -v cargo-fuzz >/dev/null 2>&1 || cargo install cargo-fuzz --locked --quiet
fi
for dir in crates/*/fuzz; do
    echo "--- $dir: cargo check --locked"
    (cd "$dir" && CARGO_TARGET_DIR="$main_target" cargo check --locked --quiet --bins)
    [ -n "$nightly" ] || { echo "no nightly toolchain: $dir targets built, not run"; continue; }
    for t in $(cd "$dir" && CARGO_TARGET_DIR="$fuzz_target" cargo +nightly fuzz list); do
        corpus=$(mktemp -d)
        log="$corpus.log"
        if (cd "$dir" && CARGO_TARGET_DIR="$fuzz_target" cargo +nightly fuzz run -O "$t" "$corpus" -- \
            -max_total_time="$secs" -rss_limit_mb=2048 >"$log" 2>&1); then
            echo "$dir $t: $(grep -E '^Done [0-9]+ runs' "$log" || tail -n 1 "$log")"
        else
            echo "$dir $t: FAILED"; tail -n 60 "$log"; exit 1
        fi
        rm -rf "$corpus" "$log"
    done
done
