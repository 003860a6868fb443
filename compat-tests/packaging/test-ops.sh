#!/bin/bash
# Runs nfacctd the way nfacctd.service does (Type=forking: `nfacctd -f <config>`, the
# packaged example config with daemonize/pidfile) and checks the operations users rely on:
# the parent exits, the pidfile names the running daemon, SIGHUP after moving the log file
# makes it write a new one (logrotate), SIGUSR1 logs stats, SIGINT purges and exits,
# removing the pidfile.
#
#   compat-tests/packaging/test-ops.sh                      # Debian's /usr/sbin/nfacctd
#   NFACCTD=$CARGO_TARGET_DIR/release/nfacctd compat-tests/packaging/test-ops.sh
#
# Any user; uses a free UDP port on 127.0.0.1 and a temporary directory.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
NFACCTD=${NFACCTD:-/usr/sbin/nfacctd}
W=$(mktemp -d)
PID=
cleanup() {
    if [ -n "$PID" ] && kill -0 "$PID" 2>/dev/null; then kill -KILL "$PID" 2>/dev/null || true; fi
    rm -rf "$W"
}
trap cleanup EXIT
fail() {
    echo "FAIL: $*" >&2
    [ -f "$W/nfacctd.log" ] && sed 's/^/    log: /' "$W/nfacctd.log" >&2
    exit 1
}
ok() { echo "ok: $*"; }

PORT=$(python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# The packaged example, with paths moved into $W and a logfile instead of syslog.
sed -e "s#^pidfile: .*#pidfile: $W/nfacctd.pid#" \
    -e "s#^syslog: .*#logfile: $W/nfacctd.log#" \
    -e "s#^nfacctd_port: .*#nfacctd_port: $PORT\nnfacctd_ip: 127.0.0.1#" \
    -e "s#^print_output_file: .*#print_output_file: $W/flows.csv#" \
    "$ROOT/packaging/nfacctd/etc/pmacct/nfacctd.conf" >"$W/nfacctd.conf"
grep -qx 'daemonize: true' "$W/nfacctd.conf" || fail "example config does not daemonize"

# One NetFlow v5 datagram with one record 192.0.2.1 -> 198.51.100.2, 7 packets, 700 bytes.
send_v5() {
    python3 - "$PORT" "$1" <<'EOF'
import socket, struct, sys, time
port, seq = int(sys.argv[1]), int(sys.argv[2])
now = int(time.time())
hdr = struct.pack("!HHIIIIBBH", 5, 1, 100000, now, 0, seq, 0, 0, 0)
rec = struct.pack("!4s4s4sHHIIIIHHBBBBHHBBH",
    socket.inet_aton("192.0.2.1"), socket.inet_aton("198.51.100.2"), socket.inet_aton("0.0.0.0"),
    1, 2, 7, 700, 99000, 99900, 40000, 443, 0, 0x18, 6, 0, 0, 0, 24, 24, 0)
socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(hdr + rec, ("127.0.0.1", port))
EOF
    echo $(($(cat "$W/sent" 2>/dev/null || echo 0) + 1)) >"$W/sent"
}
# Wait up to 10 s for a condition (pmacct acts on some signals at the next datagram, so
# keep sending while waiting).
wait_for() {
    for _ in $(seq 50); do
        if eval "$1"; then return 0; fi
        send_v5 0
        sleep 0.2
    done
    return 1
}

# --- start as ExecStart does ------------------------------------------------------------
start=$(date +%s)
timeout 10 "$NFACCTD" -f "$W/nfacctd.conf" >"$W/stdout" 2>&1 || fail "nfacctd -f exited $? (the unit's start would fail): $(cat "$W/stdout")"
ok "nfacctd -f returned 0 in $(($(date +%s) - start)) s (Type=forking start completes)"
wait_for '[ -s "$W/nfacctd.pid" ]' || fail "no pidfile"
PID=$(head -n 1 "$W/nfacctd.pid")
[[ "$PID" =~ ^[0-9]+$ ]] || fail "pidfile content '$PID'"
kill -0 "$PID" 2>/dev/null || fail "pidfile names $PID, which is not running"
[ "$(ps -o sid= -p "$PID" | tr -d ' ')" = "$PID" ] || fail "daemon $PID is not a session leader (no setsid)"
[ "$(readlink "/proc/$PID/exe")" = "$(readlink -f "$NFACCTD")" ] || fail "pid $PID is not $NFACCTD"
ok "pidfile names the daemon ($PID, session leader, detached from the starting shell)"

# --- traffic, log rotation, stats -------------------------------------------------------
send_v5 1
wait_for 'grep -q . "$W/nfacctd.log"' || fail "nothing logged to logfile"
mv "$W/nfacctd.log" "$W/nfacctd.log.1"
kill -HUP "$PID"
kill -USR1 "$PID"
wait_for '[ -s "$W/nfacctd.log" ] && grep -q "stats" "$W/nfacctd.log"' ||
    fail "after mv + SIGHUP + SIGUSR1 no new log file with stats"
grep -q 'stats' "$W/nfacctd.log.1" && fail "stats went to the rotated file"
kill -0 "$PID" || fail "daemon died on SIGHUP/SIGUSR1"
ok "SIGHUP reopened the logfile (new file after mv), SIGUSR1 logged: $(grep -m1 stats "$W/nfacctd.log" | cut -c1-110)"

# --- graceful stop ----------------------------------------------------------------------
SENT=$(cat "$W/sent")
kill -INT "$PID"
wait_for '! kill -0 "$PID" 2>/dev/null' || fail "daemon still running 10 s after SIGINT"
[ ! -e "$W/nfacctd.pid" ] || fail "pidfile left behind after SIGINT"
grep -q 'OK, Exiting' "$W/nfacctd.log" || fail "no 'OK, Exiting' in the log"
grep -q '^192.0.2.1,198.51.100.2,' "$W/flows.csv" 2>/dev/null ||
    fail "final purge did not write the flow to print_output_file: $(cat "$W/flows.csv" 2>&1)"
# Every datagram sent before SIGINT is in the totals (later ones may be, as pmacct acts on
# SIGINT at the next datagram): 7 packets and 700 bytes each.
IFS=, read -r _ _ pkts bytes < <(grep -m1 '^192.0.2.1,198.51.100.2,' "$W/flows.csv")
[ $((pkts % 7)) = 0 ] && [ "$bytes" = $((pkts * 100)) ] && [ "$pkts" -ge $((SENT * 7)) ] ||
    fail "totals packets=$pkts bytes=$bytes for $SENT datagrams of 7 packets/700 bytes"
ok "SIGINT: exited, pidfile removed, final purge wrote $(grep -c '^192.0.2.1,' "$W/flows.csv") CSV row(s): $(grep -m1 '^192.0.2.1,' "$W/flows.csv")"
PID=
echo "PASS ($NFACCTD)"
