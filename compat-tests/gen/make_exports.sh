#!/bin/sh
# Regenerate compat-tests/inputs/*.pcap: synthetic traffic (gen_traffic.py, several seeds and
# sizes) exported by REAL exporters -- softflowd (-v 1/5/9/10) and pmacctd's nfprobe plugin
# (v5/v9/IPFIX) -- with the export datagrams captured by tcpdump on lo. nfacctd reads the
# result with `pcap_savefile` (it takes every UDP datagram of the file, whatever the port).
# Needs root (tcpdump on lo), python3, softflowd, pmacct (pmacctd; or set PMACCTD=path), tcpdump.
# Each exporter gets its own UDP port so concurrent runs on this host do not mix in.
set -eu
command -v "${PMACCTD:-pmacctd}" >/dev/null || { echo "pmacctd not found (set PMACCTD)" >&2; exit 1; }
here=$(cd "$(dirname "$0")" && pwd)
out="$here/../inputs"
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

port=20550
capture() { # capture NAME CMD...: run CMD while tcpdump records udp to $port into NAME
  cname=$1; shift
  tcpdump -i lo -U -w cap.pcap "udp and dst port $port" 2>/dev/null &
  td=$!
  sleep 1.5
  "$@" >/dev/null 2>&1 || true
  sleep 1
  kill "$td"; wait "$td" || true
  n=$(tcpdump -r cap.pcap 2>/dev/null | wc -l)
  if [ "$n" -eq 0 ]; then echo "no datagram captured for $cname" >&2; exit 1; fi
  cp cap.pcap "$out/$cname.pcap"
  echo "$cname: $n datagrams"
  port=$((port + 1))
}

# name seed flows
for spec in "s1 1 400" "s2 2 1500"; do
  set -- $spec
  tname=$1
  python3 "$here/gen_traffic.py" "$2" "$3" "traffic-$tname.pcap" >/dev/null
  for v in 5 9 10; do
    capture "softflowd-v$v-$tname" softflowd -r "traffic-$tname.pcap" -n "127.0.0.1:$port" -v "$v" -c none -a -d
  done
  for v in 5 9 10; do
    cat > probe.conf <<EOC
daemonize: false
pcap_savefile: traffic-$tname.pcap
plugins: nfprobe
nfprobe_receiver: 127.0.0.1:$port
nfprobe_version: $v
EOC
    capture "nfprobe-v$v-$tname" "${PMACCTD:-pmacctd}" -f probe.conf
  done
done
# NetFlow v1, which nfacctd 1.7.7 drops (quirk 1): an expected difference.
capture "softflowd-v1-s1" softflowd -r traffic-s1.pcap -n "127.0.0.1:$port" -v 1 -c none -a -d
