#!/bin/sh
# Aggregation-cache memory, Debian's nfacctd 1.7.7 vs ours, side by side: bytes per cache entry
# and RSS with 1M live entries (print plugin, tutorial 5-tuple), interleaved pairs, medians and
# the ratio (see cache-memory-bench.py --help).
#   compat-tests/bench/cache-memory-bench.sh [--entries N] [--reps R] [--cache-entries C] [--rate R]
# Builds our release nfacctd and replay (the paced UDP sender) unless PMACCT_RS_BIN (a
# directory holding both) is set;
# PMACCT_NFACCTD picks the oracle (default: Debian's, /usr/sbin/nfacctd).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
ours=${PMACCT_RS_BIN:-}
if [ -z "$ours" ]; then
  (cd "$root" && cargo build --release -q -p pmacct-bin --bin nfacctd -p compat-tests --bin replay)
  ours="${CARGO_TARGET_DIR:-$root/target}/release"
fi
exec /usr/bin/python3 "$here/cache-memory-bench.py" --ours "$ours" \
  --pmacct-nfacctd "${PMACCT_NFACCTD:-/usr/sbin/nfacctd}" "$@"
