#!/bin/sh
# Memory plugin benchmark, Debian's nfacctd + pmacct client 1.7.7 vs ours, side by side: queries/s of
# `pmacct -s` on a 1M-entry table, records/s accounted into the table (alone and while a client queries),
# RSS per 1M entries; ratios at the end (see memory-bench.py --help).
#   compat-tests/bench/memory-bench.sh [--entries N] [--queries Q]
# Builds our release nfacctd and pmacct unless PMACCT_RS_BIN (a directory holding both) is set;
# PMACCT_NFACCTD and PMACCT_PMACCT pick the oracle (default: Debian's, /usr/sbin/nfacctd, /usr/bin/pmacct).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
ours=${PMACCT_RS_BIN:-}
if [ -z "$ours" ]; then
  (cd "$root" && cargo build --release -q -p pmacct-bin --bin nfacctd --bin pmacct)
  ours="${CARGO_TARGET_DIR:-$root/target}/release"
fi
exec /usr/bin/python3 "$here/memory-bench.py" --ours "$ours" \
  --pmacct-nfacctd "${PMACCT_NFACCTD:-/usr/sbin/nfacctd}" --pmacct-client "${PMACCT_PMACCT:-/usr/bin/pmacct}" "$@"
