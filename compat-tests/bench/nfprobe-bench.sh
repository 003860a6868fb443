#!/bin/bash
# pmacctd + nfprobe benchmark: packets/s per core reading a savefile, Debian's pmacctd 1.7.7 vs
# ours, in the same run.
#
#   compat-tests/bench/nfprobe-bench.sh [PACKETS] [VERSION]
#
# PACKETS (default 1000000) frames from gen/gen_traffic.py (cached in $TMPDIR) are read with
# pcap_savefile into one nfprobe plugin (nfprobe_version VERSION, default 10) exporting to a
# UDP sink of the script that counts the datagrams (a closed port would make 1.7.7 sleep 5 s
# and reconnect on every refused send). CPU is user+sys of the daemon and the processes it waited for (1.7.7's
# plugin is a child process; ours a thread), from /usr/bin/time; 1.7.7's 2 s start-up sleep is
# wall time, not CPU.
#
# Builds our release pmacctd unless PMACCT_RS_PMACCTD is set; PMACCT_PMACCTD picks the oracle.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
packets=${1:-1000000}
version=${2:-10}
oracle=${PMACCT_PMACCTD:-/usr/sbin/pmacctd}
ours=${PMACCT_RS_PMACCTD:-}
if [ -z "$ours" ]; then
  (cd "$root" && cargo build --release -q -p pmacct-bin --bin pmacctd)
  ours="${CARGO_TARGET_DIR:-$root/target}/release/pmacctd"
fi
tmp=${TMPDIR:-/tmp}
pcap="$tmp/pmacctd-bench-$packets.pcap"
if [ ! -s "$pcap" ]; then
  # gen_traffic.py writes 1..6 packets per flow: about 3.4 packets per flow.
  python3 "$root/compat-tests/gen/gen_traffic.py" 11 $((packets * 10 / 34)) "$pcap" >/dev/null
fi
n=$(python3 - "$pcap" <<'PY'
import struct,sys
b=open(sys.argv[1],'rb').read(); o=24; n=0
while o+16<=len(b):
    n+=1; o+=16+struct.unpack('<I',b[o+8:o+12])[0]
print(n)
PY
)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for who in pmacct ours; do
  bin=$oracle; [ $who = ours ] && bin=$ours
  cat > "$work/$who.conf" <<EOC
daemonize: false
pcap_savefile: $pcap
plugins: nfprobe
nfprobe_receiver: 127.0.0.1:39799
nfprobe_version: $version
EOC
  python3 - > "$work/$who.sink" <<'PY' &
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16 << 20)
s.bind(("127.0.0.1", 39799)); s.settimeout(8)
n = 0
try:
    while True:
        s.recv(65535); n += 1
except socket.timeout:
    pass
print(n)
PY
  sink=$!
  sleep 0.5
  /usr/bin/time -f "%U %S %e" -o "$work/$who.time" "$bin" -f "$work/$who.conf" >/dev/null 2>&1 || true
  wait "$sink"
  read -r u s e < "$work/$who.time"
  echo "$who: $(cat "$work/$who.sink") datagrams received"
  python3 -c "import sys; u,s,e,n=map(float,sys.argv[2:]); print(f'{sys.argv[1]:7s} packets {int(n)} cpu {u+s:.2f}s wall {e:.2f}s -> {n/(u+s):,.0f} packets/s per core')" "$who" "$u" "$s" "$e" "$n"
done
