#!/usr/bin/python3
"""Crafted IPFIX export of SRv6 flows (issue 22: pmacct 1.7.9+'s srv6_seg_ipv6_list and
nfacctd tunnel_* primitives), written to compat-tests/inputs/srv6-ipfix.pcap.

One datagram from 192.0.2.10:4739 to UDP 2100 with four templates and their records:
  256  SRv6, IPv6 in IPv6: IEs 27/28/4/7/11/6/5/31 twice (outer header first, inner last),
       the segment list (IE 497, variable length), bytes, packets, flow start/end (ms).
       Records: 3 segments, 1 segment, 13 segments (pmacct's one-octet length wraps).
  257  SRv6, IPv4 in IPv6: outer IE 27/28, IE 4 = 4, inner IE 8/12, IE 4 = 17, ports once.
  258  SRv6, Ethernet in IPv6: one IPv6 layer, IE 4 = 143, an NVGRE layer2SegmentId (351).
  259  plain IPv4 repeating ipClassOfService (IE 5): tunnel_tos is its first one.
Every ordinary primitive reads the last occurrence (as 1.7.7 does): the differential runs
of compat_nfacctd compare them with pmacct 1.7.7; compat_srv6 checks the 1.8 primitives.

usage: make_srv6_pcap.py OUT.pcap
"""
import ipaddress
import struct
import sys

EXPORT = 1_700_000_000
START, END = (EXPORT - 60) * 1000, (EXPORT - 1) * 1000


def a6(s):
    return ipaddress.IPv6Address(s).packed


def a4(s):
    return ipaddress.IPv4Address(s).packed


def template(tid, fields):
    b = struct.pack("!HH", tid, len(fields))
    for f, ln in fields:
        b += struct.pack("!HH", f, ln)
    return b


def ipfix_set(sid, content):
    return struct.pack("!HH", sid, 4 + len(content)) + content


def varlen(v):
    return (struct.pack("!B", len(v)) if len(v) < 255 else struct.pack("!BH", 255, len(v))) + v


def segs(n):
    return b"".join(a6("2001:db8:5::%x" % (i + 1)) for i in range(n))


COUNTERS = [(1, 8), (2, 8), (152, 8), (153, 8)]


def counters(nbytes, npkts):
    return struct.pack("!QQQQ", nbytes, npkts, START, END)


T256 = [(27, 16), (28, 16), (4, 1), (7, 2), (11, 2), (6, 1), (5, 1), (31, 4)] * 2 + [
    (497, 0xFFFF)
] + COUNTERS


def r256(i, outer_flags, inner_flags, nseg):
    outer = a6("2001:db8:a::1") + a6("2001:db8:b::%d" % i) + struct.pack(
        "!BHHBBI", 41, 1000 + i, 2000, outer_flags, 0x20, 0x12345 + i
    )
    inner = a6("2001:db8:1::%d" % i) + a6("2001:db8:2::1") + struct.pack(
        "!BHHBBI", 6, 40000 + i, 443, inner_flags, 0x48, 0xabc
    )
    return outer + inner + varlen(segs(nseg)) + counters(1000 * i, 10 * i)


T257 = [(27, 16), (28, 16), (4, 1), (8, 4), (12, 4), (4, 1), (7, 2), (11, 2)] + COUNTERS


def r257():
    return (
        a6("2001:db8:a::2")
        + a6("2001:db8:c::1")
        + struct.pack("!B", 4)
        + a4("10.1.0.1")
        + a4("10.2.0.1")
        + struct.pack("!BHH", 17, 5353, 53)
        + counters(700, 7)
    )


T258 = [(27, 16), (28, 16), (4, 1), (351, 8)] + COUNTERS


def r258():
    return (
        a6("2001:db8:a::3")
        + a6("2001:db8:d::1")
        + struct.pack("!B", 143)
        + bytes([2, 0, 0, 0, 0, 0x00, 0x10, 0x01])
        + counters(300, 3)
    )


T259 = [(8, 4), (12, 4), (4, 1), (5, 1), (5, 1), (7, 2), (11, 2)] + COUNTERS


def r259():
    return (
        a4("10.3.0.1")
        + a4("10.4.0.1")
        + struct.pack("!BBBHH", 6, 0xB8, 0x04, 1234, 80)
        + counters(500, 5)
    )


def datagram(seq):
    tpl = b"".join(template(t, f) for t, f in [(256, T256), (257, T257), (258, T258), (259, T259)])
    sets = ipfix_set(2, tpl)
    sets += ipfix_set(256, r256(1, 0x10, 0x02, 3) + r256(2, 0x18, 0x12, 1) + r256(3, 0x10, 0x11, 13))
    sets += ipfix_set(257, r257())
    sets += ipfix_set(258, r258())
    sets += ipfix_set(259, r259())
    hdr = struct.pack("!HHIII", 10, 16 + len(sets), EXPORT, seq, 7)
    return hdr + sets


def frame(payload):
    src, dst = a4("192.0.2.10"), a4("192.0.2.1")
    udp = struct.pack("!HHHH", 4739, 2100, 8 + len(payload), 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 1, 0, 64, 17, 0, src, dst)
    s = sum(struct.unpack("!10H", ip))
    s = (s & 0xFFFF) + (s >> 16)
    ip = ip[:10] + struct.pack("!H", ~s & 0xFFFF) + ip[12:]
    eth = b"\x02\x00\x00\x00\x00\x01" + b"\x02\x00\x00\x00\x00\x02" + b"\x08\x00"
    return eth + ip + udp


def main():
    out = open(sys.argv[1], "wb")
    out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
    f = frame(datagram(1))
    out.write(struct.pack("<IIII", EXPORT, 0, len(f), len(f)) + f)


if __name__ == "__main__":
    main()
