#!/bin/sh
# BMP Route Monitoring messages/s into the message log on Kafka, Debian's pmbmpd 1.7.7 vs ours,
# side by side: messages/s until the broker holds the last message, messages/s processed and
# CPU-s per million; interleaved runs, medians and ratios (see bmp-kafka-bench.py, whose
# header holds a measured run).
#   compat-tests/bench/bmp-kafka-bench.sh [--messages N] [--reps R]
# Builds our release pmbmpd and kafka-sink (the mock-cluster broker and watermark watcher)
# unless PMACCT_RS_BIN (a directory holding them) is set; PMACCT_PMBMPD picks the oracle
# (default: Debian's, /usr/sbin/pmbmpd). Both sides use librdkafka's mock cluster: Debian's
# librdkafka 2.0.2 cannot talk to the tansu test broker.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
ours=${PMACCT_RS_BIN:-}
if [ -z "$ours" ]; then
  (cd "$root" && cargo build --release -q -p pmacct-bin --bin pmbmpd -p compat-tests --bin kafka-sink)
  ours="${CARGO_TARGET_DIR:-$root/target}/release"
fi
exec /usr/bin/python3 "$here/bmp-kafka-bench.py" --ours "$ours" \
  --pmacct-pmbmpd "${PMACCT_PMBMPD:-/usr/sbin/pmbmpd}" "$@"
