#!/bin/sh
# Differential comparison of our nfacctd with Debian's nfacctd 1.7.7, for manual use.
#   compat-tests/run.sh [--sfacctd] [--live] [--input GLOB] [--config GLOB] [--quiet]
# Same cases as `cargo test --release -p pmacct-bin --test compat_nfacctd`; prints each
# case (ok / FAIL with the records only pmacct wrote and only ours wrote) and a summary.
# Env: PMACCT_NFACCTD (oracle, default /usr/sbin/nfacctd), PMACCT_RS_NFACCTD (ours; default:
# build target/release/nfacctd), PMACCT_RS_COMPAT_JOBS (parallel runs, default 3).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/.."
target=${CARGO_TARGET_DIR:-target}
case " $* " in *" --sfacctd "*)
  # sfacctd cases (compat-tests/tests/sfacctd.rs): PMACCT_SFACCTD / PMACCT_RS_SFACCTD.
  if [ -z "${PMACCT_RS_SFACCTD:-}" ]; then
    cargo build --release -q -p pmacct-bin --bin sfacctd
    PMACCT_RS_SFACCTD=$target/release/sfacctd
    export PMACCT_RS_SFACCTD
  fi
  PMACCT_RS_NFACCTD=${PMACCT_RS_NFACCTD:-unused};;
esac
if [ -z "${PMACCT_RS_NFACCTD:-}" ]; then
  cargo build --release -q -p pmacct-bin --bin nfacctd
  PMACCT_RS_NFACCTD=$target/release/nfacctd
  export PMACCT_RS_NFACCTD
fi
cargo build --release -q -p compat-tests --bin compat
exec "$target/release/compat" "$@"
