#!/bin/sh
# Frames for the packet-header decoder tests (tests/packet_tshark.rs), one capture per link
# type pmacctd reads: Ethernet (generated traffic incl. QinQ, MPLS stacks, IPv6 extension
# headers, fragments, VXLAN), raw IP and BSD loopback (scapy), Linux cooked SLL and SLL2
# (tcpdump -i any while real traffic crosses lo). Needs root, python3-scapy, tcpdump.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
/usr/bin/python3 "$here/gen_traffic.py" 5 150 a.pcap main
/usr/bin/python3 "$here/gen_traffic.py" 6 60 b.pcap quirks
mergecap -F pcap -a -w "$here/packet-eth.pcap" a.pcap b.pcap
/usr/bin/python3 - "$here" <<'EOP'
import sys
from scapy.all import IP, IPv6, TCP, UDP, ICMP, Loopback, Raw, rdpcap, wrpcap
here = sys.argv[1]
l3 = []
for p in rdpcap(f"{here}/packet-eth.pcap"):
    if IP in p and p.type == 0x0800:
        l3.append(p[IP])
    elif IPv6 in p and p.type == 0x86dd:
        l3.append(p[IPv6])
wrpcap(f"{here}/packet-raw.pcap", l3[:80], linktype=101)
wrpcap(f"{here}/packet-null.pcap",
       [Loopback(type=2 if IP in x else 24) / x for x in l3[:80]], linktype=0)
EOP
for dlt in LINUX_SLL LINUX_SLL2; do
  tcpdump -i any -y $dlt -U -w "$dlt.pcap" 'host 127.0.0.1 or host ::1' >/dev/null 2>&1 &
  td=$!
  sleep 1.5
  /usr/bin/python3 - <<'EOP'
import socket, threading
for fam, host in ((socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1")):
    u = socket.socket(fam, socket.SOCK_DGRAM)
    for i in range(5):
        u.sendto(b"x" * (10 + i), (host, 40000 + i))
    srv = socket.socket(fam, socket.SOCK_STREAM)
    srv.bind((host, 0)); srv.listen(1)
    c = socket.create_connection((host, srv.getsockname()[1]))
    s, _ = srv.accept(); c.sendall(b"hello"); s.recv(5); c.close(); s.close(); srv.close()
from scapy.all import IP, IPv6, ICMP, ICMPv6EchoRequest, send
send(IP(dst="127.0.0.1") / ICMP(), verbose=0)
send(IPv6(dst="::1") / ICMPv6EchoRequest(), verbose=0)
EOP
  sleep 1
  kill "$td"; wait "$td" || true
  lower=$(echo $dlt | tr A-Z a-z | sed 's/linux_//')
  cp "$dlt.pcap" "$here/packet-$lower.pcap"
done
