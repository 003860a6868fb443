#!/bin/sh
# Replay benchmark, pmacct's nfacctd 1.7.7 vs ours (see replay-bench.py --help).
#   compat-tests/bench/replay-bench.sh [--records N] [--rate DGRAMS_PER_S] [--proto v9|ipfix|both]
# Builds our release nfacctd unless PMACCT_RS_NFACCTD is set; PMACCT_NFACCTD picks the oracle.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
if [ -z "${PMACCT_RS_NFACCTD:-}" ]; then
  (cd "$here/../.." && cargo build --release -q -p pmacct-bin --bin nfacctd) ||
    echo "could not build our nfacctd: benchmarking pmacct only" >&2
fi
exec /usr/bin/python3 "$here/replay-bench.py" "$@"
