#!/usr/bin/env bash
# The test command of README.md: starts the services the tests need (a Kafka-protocol broker
# on 127.0.0.1:9092, a RabbitMQ node on 127.0.0.1:5672, MariaDB on :3306, PostgreSQL on
# :5432), builds every test binary of the workspace once and runs them in parallel lanes
# (.ci/run-tests.py: TEST_LANES, default 3; load-sensitive and port-sharing binaries kept
# apart), then stops what it started. Exit status non-zero when any test failed.
# Extra arguments go to `cargo test --no-run` (e.g. `--release`).
# System packages come from .ci/deps.sh (run by examples/quickstart.sh and .ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."
bash .ci/kafka-broker.sh start
trap 'bash .ci/kafka-broker.sh stop; bash .ci/rabbitmq.sh stop; bash .ci/mariadb.sh stop; bash .ci/postgres.sh stop' EXIT
bash .ci/rabbitmq.sh start
bash .ci/mariadb.sh start
bash .ci/postgres.sh start
python3 .ci/run-tests.py "$@"
