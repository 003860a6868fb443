#!/usr/bin/python3
"""Hand-crafted sFlow datagrams (v2, v4, v5; expanded samples; counter samples; every
extended record pmacct reads; IPv6 agent; sampled IPv4/IPv6/Ethernet records; a non-IP
sample; unknown record and sample types), written as UDP/6343 packets to a pcap so that
sfacctd and tshark can read them. No exporter in Debian produces these.
usage: craft_sflow.py OUT.pcap
"""
import struct
import sys

from scapy.all import IP, TCP, UDP, ICMP, Dot1Q, Ether, IPv6, ARP, Raw, wrpcap


def u32(*v):
    return b"".join(struct.pack(">I", x & 0xffffffff) for x in v)


def pad(b):
    return b + b"\0" * (-len(b) % 4)


def opaque(b):
    return u32(len(b)) + pad(b)


def addr(a):
    if a is None:
        return u32(0)
    if ":" in a:
        import ipaddress
        return u32(2) + ipaddress.IPv6Address(a).packed
    import ipaddress
    return u32(1) + ipaddress.IPv4Address(a).packed


def v4(a):
    import ipaddress
    return ipaddress.IPv4Address(a).packed


def v6(a):
    import ipaddress
    return ipaddress.IPv6Address(a).packed


def rec(fmt, body):
    return u32(fmt, len(body)) + body


def header_rec(pkt, v5=True, proto=1, stripped=4):
    raw = bytes(pkt)
    hdr = raw[:128]
    body = u32(proto, len(raw) + stripped) + (u32(stripped) if v5 else b"") + opaque(hdr)
    return body


def flow_sample(seq, idx, rate, pool, drops, inp, out, records, expanded=False,
                src_class=0):
    if expanded:
        body = u32(seq, src_class, idx, rate, pool, drops, inp >> 30 if inp >> 30 else 0,
                   inp & 0x3fffffff if inp >> 30 else inp, 0, out, len(records))
    else:
        body = u32(seq, (src_class << 24) | idx, rate, pool, drops, inp, out, len(records))
    body += b"".join(records)
    return u32(3 if expanded else 1, len(body)) + body


def counters_sample(seq, idx, records, expanded=False):
    if expanded:
        body = u32(seq, 0, idx, len(records))
    else:
        body = u32(seq, idx, len(records))
    body += b"".join(records)
    return u32(4 if expanded else 2, len(body)) + body


def dgram5(agent, seq, samples, sub=9):
    return u32(5) + addr(agent) + u32(sub, seq, 123456, len(samples)) + b"".join(samples)


def generic_counters(ifindex):
    return rec(1, u32(ifindex, 6) + struct.pack(">Q", 10**9) + u32(1, 3)
               + struct.pack(">Q", 123456789012) + u32(1000, 20, 30, 4, 5, 6)
               + struct.pack(">Q", 987654321) + u32(2000, 40, 50, 7, 8, 0))


def eth_counters():
    return rec(2, u32(*range(1, 14)))


def vlan_counters():
    return rec(5, u32(42) + struct.pack(">Q", 5555) + u32(11, 12, 13, 14))


def processor_counters():
    return rec(1001, u32(1500, 2500, 3500) + struct.pack(">QQ", 8 << 30, 2 << 30))


E = dict(src="02:aa:00:00:00:01", dst="02:bb:00:00:00:02")


def main():
    out = []
    t = 1700000000.0

    def emit(payload, agent_src="192.0.2.50"):
        nonlocal t
        t += 1
        p = Ether() / IP(src=agent_src, dst="192.0.2.99") / UDP(sport=40000, dport=6343) / Raw(
            payload)
        p.time = t
        out.append(p)

    tcp = Ether(**E) / Dot1Q(vlan=100, prio=5) / IP(src="10.1.1.1", dst="10.2.2.2", tos=0x28) \
        / TCP(sport=1234, dport=80, flags="PA") / Raw(b"x" * 200)
    udp6 = Ether(**E) / IPv6(src="2001:db8::1", dst="2001:db8::2", tc=0x48) \
        / UDP(sport=5353, dport=53) / Raw(b"y" * 50)
    icmp = Ether(**E) / IP(src="10.3.3.3", dst="10.4.4.4") / ICMP(type=8, code=0)
    arp = Ether(**E) / ARP(psrc="10.9.9.9", pdst="10.9.9.10")

    gw5 = (addr("192.0.2.254") + u32(65000, 65001, 65002)
           + u32(2) + u32(2, 2, 65010, 65011) + u32(1, 1, 65012)
           + u32(2, (65000 << 16) | 1, 0xFFFFFF01) + u32(200))
    ext = [
        rec(1001, u32(100, 5, 200, 6)),
        rec(1002, addr("192.0.2.1") + u32(24, 16)),
        rec(1003, gw5),
        rec(1004, u32(106) + opaque(b"alice") + u32(106) + opaque(b"bob")),
        rec(1005, u32(1) + opaque(b"http://example.org/a") + opaque(b"example.org")),
        rec(1006, addr("192.0.2.2") + u32(2, (1000 << 12), (2000 << 12) | 0x100)
            + u32(1, (3000 << 12) | 0x100)),
        rec(1007, addr("198.51.100.1") + addr("198.51.100.2")),
        rec(1029, u32(77)),
        rec((9999 << 12) | 7, b"unknown!"),
    ]
    # 1: v5 compact flow sample, all extended records, plus a format-2 input interface.
    emit(dgram5("192.0.2.10", 1, [
        flow_sample(1, 3, 512, 5120, 0, 3, 5, [rec(1, header_rec(tcp))] + ext),
        flow_sample(2, 3, 512, 5632, 1, 0x80000003, 0x40000000 | 7,
                    [rec(1, header_rec(icmp))]),
    ]))
    # 2: v5 expanded flow sample (IPv6 header) and expanded counters; IPv6 agent.
    emit(dgram5("2001:db8:ff::1", 2, [
        flow_sample(7, 1000000, 1024, 99999, 3, 2000000, 3000000,
                    [rec(1, header_rec(udp6)), rec(1001, u32(0, 0, 300, 2))], expanded=True),
        counters_sample(8, 1000000, [generic_counters(1000000), eth_counters()],
                        expanded=True),
    ], sub=3))
    # 3: v5 counters only (generic+ethernet, vlan, processor, unknown format).
    emit(dgram5("192.0.2.10", 3, [
        counters_sample(9, 4, [generic_counters(4), eth_counters()]),
        counters_sample(10, 5, [vlan_counters(), processor_counters(),
                                rec((4300 << 12) | 5, b"abcd")]),
    ]))
    # 4: v5 sampled IPv4 / IPv6 / Ethernet records (no header), and a non-IP (ARP) sample.
    ip4rec = rec(3, u32(1500, 6) + v4("10.5.5.5") + v4("10.6.6.6") + u32(2222, 443, 0, 0x60))
    ip6rec = rec(4, u32(900, 17) + v6("2001:db8::5") + v6("2001:db8::6") + u32(53, 5353, 0, 0x20))
    ethrec = rec(2, u32(1514) + pad(bytes.fromhex("02cc00000003"))
                 + pad(bytes.fromhex("02dd00000004")) + u32(0x0800))
    emit(dgram5("192.0.2.10", 4, [
        flow_sample(11, 3, 100, 1000, 0, 1, 2, [ethrec, ip4rec]),
        flow_sample(12, 3, 100, 1100, 0, 1, 2, [ip6rec]),
        flow_sample(13, 3, 100, 1200, 0, 1, 2, [rec(1, header_rec(arp))]),
    ]))
    # 5: v5 header protocols IPv4 (11) and IPv6 (12): raw IP headers, no Ethernet.
    emit(dgram5("192.0.2.10", 5, [
        flow_sample(14, 3, 10, 100, 0, 1, 2,
                    [rec(1, header_rec(tcp[IP], proto=11, stripped=0))]),
        flow_sample(15, 3, 10, 110, 0, 1, 2,
                    [rec(1, header_rec(udp6[IPv6], proto=12, stripped=0))]),
    ]))
    # 6: v4 datagram: header sample with switch, router, gateway (segments, communities,
    # local pref), user and URL in their v4 forms; then a v4 counters sample (ethernet).
    gw4 = u32(64512, 64513, 64514) + u32(1) + u32(2, 3, 64600, 64601, 64602) \
        + u32(1, (64512 << 16) | 99) + u32(150)
    v4flow = u32(1, 21, (0 << 24) | 6, 256, 2560, 0, 6, 9) + u32(1) \
        + u32(1, len(bytes(tcp)) + 4) + opaque(bytes(tcp)[:128]) \
        + u32(5) + u32(1) + u32(10, 1, 20, 2) + u32(2) + addr("192.0.2.3") + u32(8, 12) \
        + u32(3) + gw4 + u32(4) + opaque(b"carol") + opaque(b"dave") \
        + u32(5) + u32(2) + opaque(b"http://x/")
    v4cnt = u32(2, 22, 6, 30, 2) + generic_counters(6)[8:] + eth_counters()[8:]
    emit(u32(4) + addr("192.0.2.20") + u32(6, 654321, 2) + v4flow + v4cnt)
    # 7: v2 datagram: sampled-IPv4 packet type, v2 gateway (empty AS list: sfacctd 1.7.7
    # never reads a v2 path, see the unit tests), then counters version 7 (vlan).
    v2flow = u32(1, 31, 7, 128, 1280, 0, 7, 8) + u32(2) \
        + u32(400, 17) + v4("10.7.7.7") + v4("10.8.8.8") + u32(1000, 2000, 0, 0x10) \
        + u32(1) + u32(3) + u32(100, 101, 102) + u32(0)
    v2cnt = u32(2, 32, 7, 30, 7) + vlan_counters()[8:]
    emit(u32(2) + addr("192.0.2.30") + u32(7, 1000, 2) + v2flow + v2cnt)
    # 8: v5 with an unknown sample type as its last sample.
    emit(dgram5("192.0.2.10", 8, [
        flow_sample(16, 3, 10, 120, 0, 1, 2, [rec(1, header_rec(icmp))]),
        u32(77, 8) + u32(1, 2),
    ]))
    wrpcap(sys.argv[1], out)


if __name__ == "__main__":
    main()
