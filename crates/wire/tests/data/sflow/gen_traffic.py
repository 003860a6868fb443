#!/usr/bin/python3
"""Generate the synthetic traffic pcaps that pmacctd's sfprobe plugin turns into the sFlow
captures of this directory (see make_captures.sh). Deterministic for a given seed.

usage: gen_traffic.py SEED COUNT OUT.pcap [main|quirks]

"main" traffic is what sfacctd 1.7.7 decodes correctly, so its output must equal ours.
"quirks" traffic is what it mis-decodes (QinQ, IPv6 extension headers and fragments, MPLS stacks deeper
than one label): tests check our decode against tshark there (docs/COMPATIBILITY.md).
"""
import random
import sys

from scapy.all import (ARP, ICMP, IP, TCP, UDP, Dot1Q, Ether, ICMPv6EchoRequest, IPv6,
                       IPv6ExtHdrDestOpt, IPv6ExtHdrFragment, IPv6ExtHdrHopByHop,
                       IPv6ExtHdrRouting, Raw, fragment, wrpcap)
from scapy.contrib.mpls import MPLS
from scapy.layers.vxlan import VXLAN


def main():
    seed, count, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    quirks = len(sys.argv) > 4 and sys.argv[4] == "quirks"
    rnd = random.Random(seed)
    v4 = [f"10.{seed % 256}.{i}.{j}" for i in range(3) for j in (1, 2, 3)]
    v6 = [f"2001:db8:{seed:x}::{i:x}" for i in range(1, 8)]
    macs = [f"02:00:00:00:{seed % 256:02x}:{i:02x}" for i in range(1, 5)]
    pkts = []
    t = 1700000000.0 + seed

    def l4(v6mode=False):
        k = rnd.randrange(4)
        if k == 0:
            flags = rnd.choice(["S", "SA", "A", "PA", "FA", "R", "FPU"])
            return TCP(sport=rnd.randrange(1024, 65535), dport=rnd.choice([80, 443, 22, 179]),
                       flags=flags)
        if k == 1:
            return UDP(sport=rnd.randrange(1024, 65535), dport=rnd.choice([53, 123, 514]))
        if v6mode:
            return ICMPv6EchoRequest(id=rnd.randrange(65536))
        return ICMP(type=rnd.choice([0, 8, 3, 11]), code=rnd.choice([0, 1]))

    def payload():
        return Raw(bytes(rnd.randrange(256) for _ in range(rnd.randrange(0, 300))))

    for _ in range(count):
        k = rnd.randrange(14)
        if quirks:
            k = rnd.choice([5, 6, 9, 11])
        elif k in (5, 9, 11):
            k = 0
        eth = Ether(src=rnd.choice(macs), dst=rnd.choice(macs))
        tos = rnd.choice([0, 0x10, 0x20, 0xb8, 0x03])
        ip4 = IP(src=rnd.choice(v4), dst=rnd.choice(v4), tos=tos, ttl=rnd.randrange(1, 255))
        ip6 = IPv6(src=rnd.choice(v6), dst=rnd.choice(v6), tc=tos, hlim=64,
                   fl=rnd.randrange(1 << 20))
        if k <= 3:
            p = [eth / ip4 / l4() / payload()]
        elif k == 4:
            p = [eth / Dot1Q(vlan=rnd.randrange(1, 4095), prio=rnd.randrange(8)) / ip4 / l4()
                 / payload()]
        elif k == 5:
            # QinQ with two 802.1Q tags.
            p = [eth / Dot1Q(vlan=rnd.randrange(1, 4095), prio=rnd.randrange(8))
                 / Dot1Q(vlan=rnd.randrange(1, 4095)) / ip4 / l4() / payload()]
        elif k == 6:
            depth = rnd.randrange(2, 4) if quirks else 1
            labels = [rnd.randrange(16, 1 << 20) for _ in range(depth)]
            m = None
            for i, lab in enumerate(labels):
                layer = MPLS(label=lab, s=1 if i == len(labels) - 1 else 0, ttl=64)
                m = layer if m is None else m / layer
            inner = ip4 if rnd.randrange(2) else ip6
            p = [Ether(src=eth.src, dst=eth.dst, type=0x8847) / m / inner / l4() / payload()]
        elif k <= 8:
            p = [eth / ip6 / l4(True) / payload()]
        elif k == 9:
            ext = rnd.choice([IPv6ExtHdrHopByHop(), IPv6ExtHdrDestOpt(),
                              IPv6ExtHdrRouting(addresses=[rnd.choice(v6)]),
                              IPv6ExtHdrHopByHop() / IPv6ExtHdrDestOpt()])
            p = [eth / ip6 / ext / l4(True) / payload()]
        elif k == 10:
            big = eth / ip4 / UDP(sport=rnd.randrange(1024, 65535), dport=5000) / Raw(
                bytes(1400))
            p = [Ether(src=eth.src, dst=eth.dst) / f for f in fragment(big[IP], fragsize=600)]
        elif k == 11:
            frag_id = rnd.randrange(1 << 32)
            first = eth / ip6 / IPv6ExtHdrFragment(id=frag_id, m=1, offset=0) / UDP(
                sport=4000, dport=5001) / Raw(bytes(64))
            second = eth / ip6 / IPv6ExtHdrFragment(id=frag_id, m=0, offset=9, nh=17) / Raw(
                bytes(64))
            p = [first, second]
        elif k == 12:
            inner = (Ether(src=rnd.choice(macs), dst=rnd.choice(macs))
                     / IP(src="192.168.1.1", dst="192.168.1.2", tos=0x20) / l4())
            p = [eth / ip4 / UDP(sport=rnd.randrange(1024, 65535), dport=4789)
                 / VXLAN(vni=rnd.randrange(1 << 24)) / inner]
        else:
            p = [eth / ARP(psrc=rnd.choice(v4), pdst=rnd.choice(v4))]
        for x in p:
            t += rnd.random() / 10
            x.time = t
            pkts.append(x)
    wrpcap(out, pkts)


if __name__ == "__main__":
    main()
