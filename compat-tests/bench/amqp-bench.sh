#!/bin/sh
# AMQP publish benchmark, pmacct's nfacctd 1.7.7 vs ours, in one run (issue 19): each caches
# AMQP_BENCH_RECORDS distinct records (default 150000) and publishes them to the private
# RabbitMQ node (.ci/rabbitmq.sh, started if needed) in its final purge; printed: messages/s
# from SIGINT until every message is in the queue.
#   compat-tests/bench/amqp-bench.sh
set -eu
cd "$(dirname "$0")/../.."
cargo test --release -q -p pmacct-bin --test compat_amqp -- --ignored --nocapture bench_publish_rate 2>&1 |
  grep -E '^BENCH|panicked|error'
