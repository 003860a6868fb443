#!/bin/bash
# uacctd (NFLOG) benchmark: Debian's uacctd 1.7.7 vs ours on the same traffic, in one run.
#
#   compat-tests/bench/uacctd-bench.sh [SECONDS] [RATE] [ROUNDS]
#
# Needs root (a network namespace and NFLOG), nft and iproute2. The script makes a namespace
# with one nftables rule, `udp dport 47401 log group 31` on the output hook (each packet is
# logged once), and a UDP socket there that never reads (no ICMP errors). Then, ROUNDS times
# (default 3), each daemon in turn joins group 31 with one print plugin (json, 5-tuple
# aggregate, one purge at the end; every other key at its default: uacctd_threshold 1,
# uacctd_nl_size 128 KiB, snaplen 128) while compat-tests' replay sends small UDP datagrams
# (72 bytes: a one-record NetFlow v5 payload, which replay counts; uacctd only sees UDP
# packets) over lo for SECONDS (default 10) at RATE packets/s (default 0: as fast as the
# sender goes). Printed per daemon and round:
# - packets sent, packets accounted (the sum of the print plugin's `packets`), packets/s
#   accounted (accounted / sending time);
# - NFLOG drops: the `Drops` of the daemon's netlink socket in /proc/net/netlink (messages
#   the kernel could not queue: what ENOBUFS would report; both set NETLINK_NO_ENOBUFS),
#   and what is missing beyond them (lost between 1.7.7's core and its plugin);
# - CPU seconds of the daemon (user+sys of it and the processes it waited for: 1.7.7's plugins
#   are child processes, ours threads; from /usr/bin/time, start-up and the 2 s tail
#   included) per million packets accounted.
# Then the medians and ours/1.7.7 ratios. The kernel's NFLOG work (building the messages)
# runs in the sender's context and is charged to neither.
#
# Builds our release uacctd and replay unless PMACCT_RS_UACCTD / PMACCT_RS_REPLAY are set;
# PMACCT_UACCTD picks the oracle (default /usr/sbin/uacctd).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
seconds=${1:-10}
rate=${2:-0}
rounds=${3:-3}
oracle=${PMACCT_UACCTD:-/usr/sbin/uacctd}
ours=${PMACCT_RS_UACCTD:-}
replay=${PMACCT_RS_REPLAY:-}
target=${CARGO_TARGET_DIR:-$root/target}
if [ -z "$ours" ]; then
  (cd "$root" && cargo build --release -q -p pmacct-bin --bin uacctd)
  ours="$target/release/uacctd"
fi
if [ -z "$replay" ]; then
  (cd "$root" && cargo build --release -q -p compat-tests --bin replay)
  replay="$target/release/replay"
fi
[ "$(id -u)" -eq 0 ] || { echo "uacctd-bench: needs root (network namespace, NFLOG)" >&2; exit 1; }
port=47401
group=31
ns="pmrs-ubench-$$"
tmp=${TMPDIR:-/tmp}/uacctd-bench-$$
mkdir -p "$tmp"
sink_pid=""
cleanup() {
  [ -n "$sink_pid" ] && kill "$sink_pid" 2>/dev/null || true
  ip netns del "$ns" 2>/dev/null || true
}
trap cleanup EXIT
ip netns add "$ns"
ip -n "$ns" link set lo up
ip netns exec "$ns" nft -f - <<EOF
table inet bench {
  chain out {
    type filter hook output priority 0; policy accept;
    udp dport $port log group $group
  }
}
EOF
# The datagrams replay sends: one-record NetFlow v5 exports (replay paces and counts records).
pcap="$tmp/v5.pcap"
/usr/bin/python3 - "$pcap" <<'EOF'
import struct, sys
out = [struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1)]
for i in range(256):
    rec = struct.pack(">IIIHHIIIIHHBBBBHHBBH", 0x0a000001 + i, 0x0a000002, 0, 1, 2, 1, 100,
                      0, 0, 1000 + i, 53, 0, 0, 17, 0, 0, 0, 24, 24, 0)
    v5 = struct.pack(">HHIIIIBBH", 5, 1, 0, 1700000000, 0, i, 0, 0, 0) + rec
    udp = struct.pack(">HHHH", 40000, 2055, 8 + len(v5), 0) + v5
    ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0,
                     bytes([127, 0, 0, 1]), bytes([127, 0, 0, 1])) + udp
    fr = b"\0" * 12 + b"\x08\x00" + ip
    out.append(struct.pack("<IIII", 1700000000, i, len(fr), len(fr)) + fr)
open(sys.argv[1], "wb").write(b"".join(out))
EOF
# A socket on the port that never reads: the datagrams are dropped there, not answered.
ip netns exec "$ns" /usr/bin/python3 -c '
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.bind(("127.0.0.1", '"$port"'))
time.sleep(86400)' &
sink_pid=$!

# NFLOG drops of the socket bound to the group: its portid from nfnetlink_log, its Drops
# from /proc/net/netlink (both per namespace).
nflog_drops() {
  ip netns exec "$ns" awk -v g="$group" '
    FNR == NR { if ($1 == g) pid = $2; next }
    $2 == 12 && $3 == pid { print $9 }' /proc/net/netfilter/nfnetlink_log /proc/net/netlink
}

run() { # who binary round
  local dir="$tmp/$1-$3"
  mkdir -p "$dir"
  cat >"$dir/uacctd.conf" <<EOF
daemonize: false
uacctd_group: $group
plugins: print[p]
aggregate[p]: src_host, dst_host, src_port, dst_port, proto
print_output[p]: json
print_output_file[p]: $dir/out.json
print_refresh_time[p]: 86400
EOF
  TZ=UTC /usr/bin/time -f "%e %U %S" -o "$dir/time" \
    ip netns exec "$ns" "$2" -f "$dir/uacctd.conf" >"$dir/log" 2>&1 &
  local tpid=$!
  local i=0
  until grep -q "Successfully connected Netlink NFLOG socket" "$dir/log" 2>/dev/null; do
    i=$((i + 1)); [ $i -lt 200 ] || { cat "$dir/log"; exit 1; }
    sleep 0.1
  done
  # uacctd 1.7.7 forks its plugins after binding: let them attach.
  sleep 3
  ip netns exec "$ns" "$replay" --target "127.0.0.1:$port" --seconds "$seconds" --rate "$rate" \
    --sources 8 "$pcap" >"$dir/replay" 2>&1
  sleep 2
  local drops
  drops=$(nflog_drops)
  # /usr/bin/time's child is `ip netns exec`, which exec'd the daemon: same pid.
  local dpid
  dpid=$(pgrep -P "$tpid" | head -1)
  kill -INT "$dpid"
  wait "$tpid" || true
  local sent sendt wall user sys cpu acct
  sent=$(sed -n 's/.*replay datagrams=\([0-9]*\).*/\1/p' "$dir/replay")
  sendt=$(sed -n 's/.* seconds=\([0-9.]*\).*/\1/p' "$dir/replay")
  read -r wall user sys <"$dir/time"
  cpu=$(echo "$user + $sys" | bc -l)
  acct=$(/usr/bin/python3 -c '
import json, sys
print(sum(json.loads(l)["packets"] for l in open(sys.argv[1]) if l.strip()))' "$dir/out.json")
  local pps cpm missing
  pps=$(echo "$acct / $sendt" | bc -l)
  cpm=$(echo "if ($acct > 0) $cpu * 1000000 / $acct else 0" | bc -l)
  missing=$((sent - acct - drops))
  printf '%-7s round %s: sent=%-9s accounted=%-9s (%5.1f%%) packets/s=%8.0f nflog_drops=%-8s other_missing=%-7s cpu=%6.2fs cpu_s_per_Mpkt=%6.2f\n' \
    "$1" "$3" "$sent" "$acct" "$(echo "100 * $acct / $sent" | bc -l)" "$pps" "$drops" "$missing" "$cpu" "$cpm"
  echo "$pps $cpm $drops $sent $acct" >>"$tmp/$1.results"
}

echo "uacctd-bench: ${seconds}s per run, rate ${rate} packets/s (0: max), ${rounds} rounds; oracle $oracle, ours $ours"
for r in $(seq 1 "$rounds"); do
  run pmacct "$oracle" "$r"
  run ours "$ours" "$r"
done
median() { # file column
  sort -g -k"$2","$2" "$1" | awk -v c="$2" '{ v[NR] = $c } END { print v[int((NR + 1) / 2)] }'
}
for who in pmacct ours; do
  printf '%-7s median: packets/s=%.0f cpu_s_per_Mpkt=%.2f nflog_drops=%s (of %s sent)\n' "$who" \
    "$(median "$tmp/$who.results" 1)" "$(median "$tmp/$who.results" 2)" \
    "$(median "$tmp/$who.results" 3)" "$(median "$tmp/$who.results" 4)"
done
printf 'ratios ours/1.7.7: packets/s x%.2f, cpu_s_per_Mpkt x%.2f\n' \
  "$(echo "$(median "$tmp/ours.results" 1) / $(median "$tmp/pmacct.results" 1)" | bc -l)" \
  "$(echo "$(median "$tmp/ours.results" 2) / $(median "$tmp/pmacct.results" 2)" | bc -l)"
rm -rf "$tmp"
