#!/bin/bash
# README's two commands on a minimal Debian 12, as root (issue 15: set-up must not rely on
# what this machine's image happens to have).
#
#   bare-debian.sh [quickstart|tests|both]     default: both
#
# A throwaway bookworm root (debootstrap --variant=minbase, from chroot.sh) gets only a Rust
# toolchain (the host's rustup stable, copied: toolchains cannot be downloaded here) and a
# clone of this repository's HEAD; then, inside it, exactly README's commands:
#   bash examples/quickstart.sh      (installs every Debian package it needs, builds, runs)
#   bash .ci/test.sh                 (starts its services, runs every test)
# Prints each command's wall time. Debian's archive and crates.io are the only network.
# The root is deleted at the end (keep it with KEEP=1).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
what=${1:-both}
[ "$(id -u)" = 0 ] || { echo "bare-debian.sh: needs root" >&2; exit 1; }
dir=${BARE_ROOT:-/tmp/pmacct-rs-bare-debian.$$}

bash "$ROOT/compat-tests/packaging/chroot.sh" new "$dir" >/dev/null
cleanup() {
    for m in dev/pts dev/shm dev sys proc; do umount -l "$dir/$m" 2>/dev/null || true; done
    umount -l "$dir" 2>/dev/null || true
    [ -n "${KEEP:-}" ] || bash "$ROOT/compat-tests/packaging/chroot.sh" remove "$dir"
}
trap cleanup EXIT
# What a booted minimal system has: / a mount point (ip netns makes its mounts rslave),
# devices, sysfs, name resolution.
mount --bind "$dir" "$dir"
mount -t proc proc "$dir/proc"
mount --bind /dev "$dir/dev"
mount --bind /dev/pts "$dir/dev/pts"
mount -t tmpfs tmpfs "$dir/dev/shm"
mount -t sysfs sysfs "$dir/sys"
cp /etc/resolv.conf "$dir/etc/resolv.conf"
# This machine's network reaches the package registries through an egress proxy whose CA the
# machine trusts (/usr/local/share/ca-certificates): the root trusts it too, as any Debian
# installed on this network would, or cargo cannot reach crates.io.
if [ -d /usr/local/share/ca-certificates ]; then
    mkdir -p "$dir/usr/local/share/ca-certificates" "$dir/etc/ssl/certs"
    cp -a /usr/local/share/ca-certificates/. "$dir/usr/local/share/ca-certificates/"
    cp /etc/ssl/certs/ca-certificates.crt "$dir/etc/ssl/certs/ca-certificates.crt"
fi
# The minbase root has no git, no compiler, no curl: only the toolchain is brought in.
rustup_home=${RUSTUP_HOME:-$HOME/.rustup}
cargo_home=${CARGO_HOME:-$HOME/.cargo}
toolchain=$(rustup default | cut -d' ' -f1)
mkdir -p "$dir/root/.rustup/toolchains" "$dir/root/.cargo/bin"
cp -a "$rustup_home/toolchains/$toolchain" "$dir/root/.rustup/toolchains/"
cp -a "$rustup_home/settings.toml" "$dir/root/.rustup/" 2>/dev/null || true
for b in rustup cargo rustc rustdoc cargo-clippy cargo-fmt rustfmt clippy-driver; do
    [ -e "$cargo_home/bin/$b" ] && cp -a "$cargo_home/bin/$b" "$dir/root/.cargo/bin/"
done
# The repository as a fresh clone would have it (committed files only).
mkdir -p "$dir/src"
git -C "$ROOT" archive --format=tar HEAD | tar -C "$dir/src" -xf -
in_root() {
    chroot "$dir" /usr/bin/env -i HOME=/root TERM=dumb LANG=C.UTF-8 \
        PATH=/root/.cargo/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        bash -c "cd /src && $1"
}
echo "bare-debian: $(chroot "$dir" cat /etc/debian_version) minbase root in $dir, $(in_root 'cargo --version')"
status=0
if [ "$what" = quickstart ] || [ "$what" = both ]; then
    t0=$SECONDS
    if in_root 'bash examples/quickstart.sh' >"$dir/quickstart.log" 2>&1; then
        echo "bare-debian: bash examples/quickstart.sh: ok in $((SECONDS - t0)) s, $(grep -c '"event_type"' "$dir/quickstart.log") records printed"
    else
        status=1; echo "bare-debian: bash examples/quickstart.sh: FAILED after $((SECONDS - t0)) s"; tail -n 40 "$dir/quickstart.log"
    fi
fi
if [ "$what" = tests ] || [ "$what" = both ]; then
    t0=$SECONDS
    [ -x "$dir/usr/bin/python3" ] || in_root 'bash .ci/deps.sh' >"$dir/deps.log" 2>&1
    # The tests run in a network namespace of their own (loopback only), so that the private
    # Kafka/RabbitMQ/MariaDB/PostgreSQL instances test.sh starts cannot meet this host's on
    # 127.0.0.1. What they download first is fetched before: crates, the tansu broker (PyPI),
    # the packaging test's debootstrap root (Debian's archive).
    in_root 'cargo fetch --locked && bash .ci/kafka-broker.sh path && bash compat-tests/packaging/chroot.sh tarball' \
        >"$dir/fetch.log" 2>&1 || { tail -n 20 "$dir/fetch.log"; exit 1; }
    # BARE_TESTS_ONLY: run only those test binaries (run-tests.py --only), to look into a failure.
    only=${BARE_TESTS_ONLY:+--only $BARE_TESTS_ONLY}
    if unshare --net bash -c "ip link set lo up && $(declare -f in_root); dir=$dir; in_root 'bash .ci/test.sh $only'" \
        >"$dir/tests.log" 2>&1; then
        echo "bare-debian: bash .ci/test.sh: ok in $((SECONDS - t0)) s"
    else
        status=1; echo "bare-debian: bash .ci/test.sh: FAILED after $((SECONDS - t0)) s"
    fi
    grep -E "test binaries in|^FAILED" "$dir/tests.log" || tail -n 40 "$dir/tests.log"
    # The logs outlive the root.
    logs=${BARE_LOGS:-/tmp/pmacct-rs-bare-debian-logs.$$}
    mkdir -p "$logs"
    cp -a "$dir"/tmp/pmacct-rs-tests-* "$dir/tests.log" "$logs/" 2>/dev/null || true
    echo "bare-debian: logs in $logs"
fi
exit $status
