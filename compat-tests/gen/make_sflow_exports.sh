#!/bin/sh
# Regenerate compat-tests/inputs/sflow/*.pcap, the sFlow inputs of the sfacctd harness
# (compat-tests/tests/sfacctd.rs):
#   sfprobe-*.pcap  sFlow v5 exported by a REAL exporter, Debian's pmacctd 1.7.7 with the sfprobe
#                   plugin, reading synthetic traffic (crates/wire/tests/data/sflow/gen_traffic.py:
#                   IPv4/IPv6, TCP/UDP/ICMP, 802.1Q VLAN, MPLS, VXLAN, IP fragments, ARP), captured
#                   by tcpdump on lo. Several seeds, sampling rates and agent ids.
#   sfprobe-quirks-*.pcap  the same exporter on traffic sfacctd 1.7.7 mis-decodes (QinQ, IPv6
#                   extension headers and fragments, MPLS stacks of 2-3 labels): the differences
#                   are listed in compat-tests/expected-differences.txt.
#   crafted.pcap    hand-made datagrams no Debian exporter sends: sFlow v2 and v4, expanded flow
#                   and counter samples, IPv6 agent, every extended record sfacctd reads
#                   (crates/wire/tests/data/sflow/craft_sflow.py).
# Needs root (tcpdump on lo), python3-scapy, pmacctd (or PMACCTD=path), tcpdump.
# pmacctd + sfprobe exits 1 at the end of a savefile and does not send its last partial
# datagram: those samples are simply not in the capture.
set -eu
command -v "${PMACCTD:-pmacctd}" >/dev/null || { echo "pmacctd not found (set PMACCTD)" >&2; exit 1; }
here=$(cd "$(dirname "$0")" && pwd)
gen="$here/../../crates/wire/tests/data/sflow"
out="$here/../inputs/sflow"
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

port=20650
# name seed packets mode sampling_rate agent_ip agent_subid
for spec in "s1 11 400 main 1 192.0.2.11 1" \
            "s2 12 1500 main 1 192.0.2.12 7" \
            "s3 13 800 main 10 192.0.2.13 0" \
            "s4 14 600 main 4 198.51.100.14 3" \
            "quirks-s5 15 300 quirks 1 192.0.2.15 5"; do
  set -- $spec
  name=$1 seed=$2 count=$3 mode=$4 rate=$5 agent=$6 subid=$7
  /usr/bin/python3 "$gen/gen_traffic.py" "$seed" "$count" traffic.pcap "$mode"
  cat > probe.conf <<EOC
daemonize: false
pcap_savefile: traffic.pcap
plugins: sfprobe
sfprobe_receiver: 127.0.0.1:$port
sfprobe_agentip: $agent
sfprobe_agentsubid: $subid
sampling_rate: $rate
EOC
  tcpdump -i lo -U -w cap.pcap "udp and dst port $port" 2>/dev/null &
  td=$!
  sleep 1.5
  "${PMACCTD:-pmacctd}" -f probe.conf >/dev/null 2>&1 || true
  sleep 1
  kill "$td"; wait "$td" || true
  n=$(tcpdump -r cap.pcap 2>/dev/null | wc -l)
  if [ "$n" -eq 0 ]; then echo "no datagram captured for $name" >&2; exit 1; fi
  cp cap.pcap "$out/sfprobe-$name.pcap"
  echo "sfprobe-$name: $n datagrams"
  port=$((port + 1))
done

/usr/bin/python3 "$gen/craft_sflow.py" "$out/crafted.pcap"
echo "crafted: $(tcpdump -r "$out/crafted.pcap" 2>/dev/null | wc -l) datagrams"
