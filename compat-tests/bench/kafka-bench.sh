#!/bin/sh
# Kafka plugin at speed, Debian's nfacctd 1.7.7 vs ours, side by side: records/s delivered and
# CPU-s per million for one purge of N records, plain JSON, batching, kafka_multi_values,
# lz4/zstd via kafka_config_file; interleaved runs, medians and ratios (see kafka-bench.py).
#   compat-tests/bench/kafka-bench.sh [--records N] [--reps R] [--modes json,batch,multi,lz4,zstd]
#                                     [--tansu HOST:PORT|none] [--before DIR]
# Builds our release nfacctd, kafka-sink and replay unless PMACCT_RS_BIN (a directory holding them) is
# set; PMACCT_NFACCTD picks the oracle (default: Debian's, /usr/sbin/nfacctd). Starts the tansu
# broker (.ci/kafka-broker.sh start) unless --tansu none.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
ours=${PMACCT_RS_BIN:-}
if [ -z "$ours" ]; then
  (cd "$root" && cargo build --release -q -p pmacct-bin --bin nfacctd -p compat-tests --bin kafka-sink --bin replay)
  ours="${CARGO_TARGET_DIR:-$root/target}/release"
fi
case " $* " in
  *" --tansu none "*) ;;
  *) bash "$root/.ci/kafka-broker.sh" start >/dev/null ;;
esac
exec /usr/bin/python3 "$here/kafka-bench.py" --ours "$ours" \
  --pmacct-nfacctd "${PMACCT_NFACCTD:-/usr/sbin/nfacctd}" "$@"
