#!/bin/sh
# Live-path benchmark, pmacct 1.7.7 vs ours, interleaved (see live-bench.py for options):
#   compat-tests/bench/live-bench.sh [--before DIR] [--protos v9,ipfix,sflow] [--reps N] ...
# Builds our release nfacctd/sfacctd and the replay sender unless PMACCT_RS_NO_BUILD is set.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
if [ -z "${PMACCT_RS_NO_BUILD:-}" ]; then
  (cd "$here/../.." && cargo build --release -q -p pmacct-bin --bin nfacctd --bin sfacctd &&
    cargo build --release -q -p compat-tests --bin replay)
fi
exec /usr/bin/python3 "$here/live-bench.py" "$@"
