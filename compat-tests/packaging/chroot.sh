#!/bin/bash
# A throwaway Debian 12 (bookworm) root for the .deb install test, as root.
#
#   chroot.sh tarball          print the cached root tarball, making it first if it is missing
#                              or older than PMACCT_RS_CHROOT_MAX_AGE days (7)
#   chroot.sh new DIR          unpack a fresh root into DIR (which must not exist), mount
#                              /proc in it; prints DIR
#   chroot.sh remove DIR       unmount and delete a root made by `new`
#
# The tarball is debootstrap --variant=minbase from Debian's package archive, plus apt's
# package lists and the .debs of Debian's pmacct and its dependencies (apt-get
# --download-only), so the install test itself runs offline: `apt-get install pmacct` in a
# fresh root installs from the cached archives. Debian's package archive is the only network
# used. Cache: $PMACCT_RS_CHROOT_CACHE, default ${CARGO_TARGET_DIR:-<repo>/target}/deb-chroot.
# Needs debootstrap (apt-get install debootstrap) and root.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CACHE=${PMACCT_RS_CHROOT_CACHE:-${CARGO_TARGET_DIR:-$ROOT/target}/deb-chroot}
SUITE=${PMACCT_RS_CHROOT_SUITE:-bookworm}
MIRROR=${PMACCT_RS_CHROOT_MIRROR:-http://deb.debian.org/debian}
MAX_AGE=${PMACCT_RS_CHROOT_MAX_AGE:-7}
TARBALL=$CACHE/$SUITE-minbase-pmacct.tar

log() { echo "chroot.sh: $*" >&2; }
die() { log "$*"; exit 1; }

# Delete a root: whatever is mounted inside (our /proc, or what a failed debootstrap left:
# proc, sys, dev binds) is unmounted first, deepest first, and --one-file-system keeps rm
# out of anything that could not be.
safe_rm() {
    local d m
    d=$(readlink -f "$1")
    for m in $(awk -v d="$d/" 'index($2, d) == 1 {print $2}' /proc/mounts | sort -r); do
        umount -l "$m" 2>/dev/null || true
    done
    rm -rf --one-file-system "$d"
}

make_tarball() {
    [ "$(id -u)" = 0 ] || die "making the root needs root"
    command -v debootstrap >/dev/null || die "debootstrap missing (apt-get install debootstrap)"
    mkdir -p "$CACHE"
    local build=$CACHE/build.$$ t0=$SECONDS
    safe_rm "$build"
    trap 'safe_rm "$build"' RETURN
    # One retry: a download cut short by the network should not fail a CI run.
    if ! debootstrap --variant=minbase "$SUITE" "$build" "$MIRROR" >"$CACHE/debootstrap.log" 2>&1; then
        log "debootstrap failed, retrying once ($(tail -n 1 "$CACHE/debootstrap.log"))"
        safe_rm "$build"
        debootstrap --variant=minbase "$SUITE" "$build" "$MIRROR" >"$CACHE/debootstrap.log" 2>&1 ||
            { tail -n 20 "$CACHE/debootstrap.log" >&2; die "debootstrap failed (log: $CACHE/debootstrap.log)"; }
    fi
    local t1=$SECONDS
    cp /etc/resolv.conf "$build/etc/resolv.conf"
    chroot "$build" apt-get update -qq >/dev/null
    chroot "$build" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
        --no-install-recommends --download-only pmacct >/dev/null
    : >"$build/etc/resolv.conf"
    tar -C "$build" -cf "$TARBALL.tmp" .
    mv "$TARBALL.tmp" "$TARBALL"
    log "made $TARBALL: debootstrap $((t1 - t0)) s, pmacct download $((SECONDS - t1)) s, $(du -h "$TARBALL" | cut -f1)"
}

case "${1:-}" in
tarball)
    if [ ! -f "$TARBALL" ] || [ -n "$(find "$TARBALL" -mtime +"$MAX_AGE")" ]; then
        make_tarball
    else
        log "cached $TARBALL ($(du -h "$TARBALL" | cut -f1))"
    fi
    echo "$TARBALL"
    ;;
new)
    dir=${2:?usage: chroot.sh new DIR}
    [ -e "$dir" ] && die "$dir exists"
    tarball=$(bash "$0" tarball)
    mkdir -p "$dir"
    tar -C "$dir" -xf "$tarball"
    mount -t proc proc "$dir/proc"
    echo "$dir"
    ;;
remove)
    dir=${2:?usage: chroot.sh remove DIR}
    [ -f "$dir/etc/debian_version" ] || die "$dir is not a root made by chroot.sh"
    # Daemons the test may have started inside would keep files busy: there must be none,
    # and the test fails before this if there are.
    safe_rm "$dir"
    ;;
*)
    echo "usage: $0 tarball | new DIR | remove DIR" >&2
    exit 2
    ;;
esac
