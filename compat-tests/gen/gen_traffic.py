#!/usr/bin/python3
"""Synthetic traffic pcap for the exporters (softflowd, pmacctd nfprobe).

usage: gen_traffic.py SEED FLOWS OUT.pcap

Writes Ethernet frames (some 802.1Q tagged) carrying IPv4 and IPv6 TCP, UDP, ICMP and ICMPv6
with varied ToS/traffic class, ports and TCP flags. Pure struct (no scapy): deterministic and
fast. Each "flow" is 1..6 packets so exporters aggregate several packets per record.
"""
import ipaddress
import random
import struct
import sys


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xFFFF)
    s += s >> 16
    return (~s) & 0xFFFF


TOS = [0x00, 0x10, 0x20, 0x28, 0x48, 0x88, 0xB8, 0xC0, 0x04, 0x01]
TCP_FLAG_SEQS = [
    [0x02, 0x12, 0x10, 0x18, 0x11],  # full handshake + data + fin
    [0x02],  # bare SYN (scan)
    [0x02, 0x04],  # SYN, RST
    [0x18, 0x18, 0x10],  # mid-stream
    [0x29],  # FIN|PSH|URG
    [0x10, 0x14],  # ACK, RST|ACK
]


def main():
    seed, nflows, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    rnd = random.Random(seed)
    f = open(out, "wb")
    f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
    t = 1700000000.0 + seed * 86400
    npk = 0
    for i in range(nflows):
        v6 = rnd.random() < 0.3
        kind = rnd.choice(["tcp", "tcp", "udp", "udp", "icmp"])
        tos = rnd.choice(TOS)
        vlan = rnd.choice([None, None, 10, 20, 4094])
        if v6:
            src = ipaddress.IPv6Address("2001:db8:%x::%x" % (rnd.randrange(4), rnd.randrange(1, 400))).packed
            dst = ipaddress.IPv6Address("2001:db8:ff::%x" % rnd.randrange(1, 60)).packed
        else:
            src = bytes([10, rnd.randrange(8), rnd.randrange(250), rnd.randrange(1, 250)])
            dst = bytes([rnd.choice([192, 198]), rnd.choice([0, 51]), rnd.choice([2, 100]), rnd.randrange(1, 250)])
        sport = rnd.choice([rnd.randrange(1024, 65535), 53, 123, 443])
        dport = rnd.choice([80, 443, 53, 123, 22, 8080, rnd.randrange(1, 65535)])
        seq = rnd.choice(TCP_FLAG_SEQS)
        npkts = len(seq) if kind == "tcp" else rnd.randrange(1, 7)
        icmp_type = rnd.choice([(8, 0), (0, 0), (3, 3), (11, 0)])
        for j in range(npkts):
            payload = bytes([0x61 + (j % 26)]) * rnd.randrange(0, 600)
            if kind == "tcp":
                proto = 6
                l4 = struct.pack("!HHIIBBHHH", sport, dport, 1000 + j, 0, 5 << 4, seq[j], 65535, 0, 0) + payload
            elif kind == "udp":
                proto = 17
                l4 = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
            else:
                proto = 58 if v6 else 1
                ty, code = icmp_type
                if v6:
                    ty = {8: 128, 0: 129, 3: 1, 11: 3}[ty]
                l4 = struct.pack("!BBHHH", ty, code, 0, i & 0xFFFF, j) + payload
            if v6:
                ip = struct.pack("!IHBB", (6 << 28) | (tos << 20) | (i & 0xFFFFF), len(l4), proto, 64) + src + dst
                et = 0x86DD
            else:
                h = struct.pack("!BBHHHBBH4s4s", 0x45, tos, 20 + len(l4), (i + j) & 0xFFFF, 0, 64, proto, 0, src, dst)
                ip = h[:10] + struct.pack("!H", csum(h)) + h[12:]
                et = 0x0800
            eth = b"\x02\x00\x00\x00\x00\x02" + b"\x02\x00\x00\x00\x00\x01"
            if vlan is not None:
                eth += struct.pack("!HH", 0x8100, vlan)
            fr = eth + struct.pack("!H", et) + ip + l4
            sec = int(t)
            us = int(round((t - sec) * 1e6))
            if us >= 1000000:
                sec, us = sec + 1, us - 1000000
            f.write(struct.pack("<IIII", sec, us, len(fr), len(fr)) + fr)
            npk += 1
            t += rnd.choice([0.0005, 0.002, 0.01, 0.2])
    f.close()
    print(npk)


if __name__ == "__main__":
    main()
