#!/bin/sh
# Differential test of config reading: Debian's nfacctd 1.7.7 vs pmacct-rs's config crate.
# For every cases/*.conf (placeholders: @OUT@ = an empty output directory; optional first line
# "#ARGS: ..." = extra command-line flags) it compares
#   1. the WARN/ERROR lines pmacct logs while reading the config (paths normalised) with the
#      lines our parser says pmacct would log (dump-config "P" lines), in order;
#   2. the files the print plugins write (nfacctd run on an IPFIX capture) with the effective
#      print_output_file of each print plugin (dump-config "F" lines);
#   3. a fatal error on our side with nfacctd exiting 1.
# Usage: compat-tests/config/diff.sh [case.conf...]   (exit 0 when all cases match)
# Also run by `cargo test -p pmacct-config --test differential`.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
pcap=${PCAP:-$root/compat-tests/corpus/traffic-reproducer/ipfix-traffic.pcap}
nfacctd=${NFACCTD:-/usr/sbin/nfacctd}
# DUMP: a built dump-config example (the cargo test sets it); else build it here.
dump=${DUMP:-}
if [ -z "$dump" ]; then
    export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$root/target}
    cargo build -q -p pmacct-config --example dump-config --manifest-path "$root/Cargo.toml" || exit 2
    dump="$CARGO_TARGET_DIR/debug/examples/dump-config"
fi
work=$(mktemp -d /tmp/pmacct-config-diff.XXXXXX)
trap 'rm -rf "$work"' EXIT
[ $# -gt 0 ] || set -- "$here"/cases/*.conf "$root/examples/nfacct.conf"
fail=0
for case in "$@"; do
    name=$(basename "$case" .conf)
    out="$work/$name/out"; mkdir -p "$out"
    conf="$work/$name/c.conf"
    sed "s|@OUT@|$out|g" "$case" > "$conf"
    args=$(sed -n '1s/^#ARGS: //p' "$conf")
    # nfacctd: config-phase lines are "WARN: [file..." / "ERROR: [file..."
    (cd "$out" && TZ=UTC timeout 20 "$nfacctd" -f "$conf" $args -I "$pcap" </dev/null \
        >"$work/$name/stdout" 2>"$work/$name/stderr"); rc=$?
    grep -a -E '^(WARN|ERROR): \[' "$work/$name/stderr" | sed "s|$conf|CONF|g; s|$out|@OUT@|g" > "$work/$name/p.pmacct"
    (cd "$out" && find . -type f ! -name '*.pipe' ! -name '*.log' | sed 's|^\./||' | sed "s|$out|@OUT@|g" | sort) > "$work/$name/f.pmacct"
    # ours (not run in $out so it creates nothing there)
    "$dump" -f "$conf" $args -I "$pcap" > "$work/$name/dump" 2>&1; ours_rc=$?
    sed -n 's/^P //p' "$work/$name/dump" | sed "s|$conf|CONF|g; s|$out|@OUT@|g" > "$work/$name/p.ours"
    sed -n 's/^F [^ ]* //p' "$work/$name/dump" | grep -v '^-$' | sed "s|^$out/||; s|$out|@OUT@|g" | sort -u > "$work/$name/f.ours"
    ok=1
    if ! cmp -s "$work/$name/p.pmacct" "$work/$name/p.ours"; then
        ok=0; echo "== $name: log lines differ (pmacct <, ours >)"; diff "$work/$name/p.pmacct" "$work/$name/p.ours"
    fi
    if grep -q "^X 0" "$work/$name/dump"; then
        if ! cmp -s "$work/$name/f.pmacct" "$work/$name/f.ours"; then
            ok=0; echo "== $name: print output files differ (pmacct <, ours >)"; diff "$work/$name/f.pmacct" "$work/$name/f.ours"
        fi
    fi
    if grep -q '^X 1' "$work/$name/dump" && ! grep -q '^E ' "$work/$name/dump" && [ "$rc" -ne 1 ]; then
        ok=0; echo "== $name: fatal for us, nfacctd exit code $rc"
    fi
    if [ $ok -eq 1 ]; then echo "ok   $name"; else echo "FAIL $name"; fail=1; fi
done
exit $fail
