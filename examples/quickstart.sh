#!/usr/bin/env bash
# One command on a fresh Debian machine: install the build and test dependencies, build
# pmacct-rs, and run nfacctd with the print plugin on a bundled IPFIX sample.
set -euo pipefail
cd "$(dirname "$0")/.."
bash .ci/deps.sh
cargo build --release --bin nfacctd
echo "--- nfacctd -f examples/print-sample.conf (records as JSON) ---"
TZ=UTC target/release/nfacctd -f examples/print-sample.conf
