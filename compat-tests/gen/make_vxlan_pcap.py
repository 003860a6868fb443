#!/usr/bin/python3
"""Crafted NetFlow v9 and IPFIX exports for nfacctd's `vxlan` (layer2SegmentId, IE 351) and
pmacct 1.8's `flow_label` (flowLabelIPv6, IE 31) primitives, with ToS values that differ in
their ECN bits only (tos_encode_as_dscp), written to compat-tests/inputs/vxlan/vxlan-ipfix-v9.pcap.
The IPFIX helpers are make_srv6_pcap.py's.

Two datagrams from 192.0.2.10:4739 to UDP 2100:
  IPFIX (observation domain 7)
    270  IPv4, ToS, an 8-octet layer2SegmentId: VXLAN (type 1) with VNI 0x0a0b0c, 5000 and
         0xffffff (octets 1-4 not zero), NVGRE (type 2), reserved (type 0).
    271  IPv4, a 4-octet layer2SegmentId of type 1 (pmacct reads only 8 octets).
    272  IPv6, ToS, a 4-octet flowLabelIPv6, a VXLAN layer2SegmentId.
  NetFlow v9 (source id 7)
    280  IPv6 with a 3-octet FLOW_LABEL and a VXLAN layer2SegmentId.
    281  IPv4 with a VXLAN layer2SegmentId.
Each record has its own (src, dst, src port).

usage: make_vxlan_pcap.py OUT.pcap
"""
import struct
import sys

from make_srv6_pcap import COUNTERS, EXPORT, a4, a6, counters, frame, ipfix_set, template

UPTIME = 100_000  # v9 sysUptime (ms) at export


def l2seg(kind, vni, filler=0):
    """An 8-octet layer2SegmentId: type octet, 4 filler octets, 24-bit id."""
    return struct.pack("!BI", kind, filler) + vni.to_bytes(3, "big")


T270 = [(8, 4), (12, 4), (4, 1), (7, 2), (11, 2), (5, 1), (351, 8)] + COUNTERS
T271 = [(8, 4), (12, 4), (4, 1), (7, 2), (11, 2), (5, 1), (351, 4)] + COUNTERS
T272 = [(27, 16), (28, 16), (4, 1), (7, 2), (11, 2), (5, 1), (31, 4), (351, 8)] + COUNTERS


def v4(sport, tos):
    return a4("10.5.0.1") + a4("10.6.0.1") + struct.pack("!BHHB", 6, sport, 443, tos)


def v6(sport, tos, label):
    return a6("2001:db8:5::1") + a6("2001:db8:6::1") + struct.pack("!BHHBI", 17, sport, 53, tos, label)


def ipfix():
    tpl = b"".join(template(t, f) for t, f in [(270, T270), (271, T271), (272, T272)])
    sets = ipfix_set(2, tpl)
    sets += ipfix_set(
        270,
        v4(1001, 0xB8) + l2seg(1, 0x0A0B0C) + counters(1000, 10)
        + v4(1002, 0x28) + l2seg(1, 5000) + counters(2000, 20)
        + v4(1003, 0xB9) + l2seg(1, 0xFFFFFF, 0xAABBCCDD) + counters(3000, 30)
        + v4(1004, 0x2A) + l2seg(2, 0x1001) + counters(4000, 40)
        + v4(1005, 0x00) + l2seg(0, 7) + counters(5000, 50),
    )
    sets += ipfix_set(271, v4(1006, 0x04) + struct.pack("!BBBB", 1, 0, 0, 9) + counters(600, 6))
    sets += ipfix_set(
        272,
        v6(2001, 0x48, 0x000ABCDE) + l2seg(1, 42) + counters(700, 7)
        + v6(2002, 0x49, 0x000FFFFF) + l2seg(1, 0x123456) + counters(800, 8),
    )
    hdr = struct.pack("!HHIII", 10, 16 + len(sets), EXPORT, 1, 7)
    return hdr + sets


V9_TIMES = [(1, 4), (2, 4), (22, 4), (21, 4)]
T280 = [(27, 16), (28, 16), (4, 1), (7, 2), (11, 2), (5, 1), (31, 3), (351, 8)] + V9_TIMES
T281 = [(8, 4), (12, 4), (4, 1), (7, 2), (11, 2), (5, 1), (351, 8)] + V9_TIMES


def v9_counters(nbytes, npkts):
    return struct.pack("!IIII", nbytes, npkts, UPTIME - 60_000, UPTIME - 1_000)


def v9():
    tpl = b"".join(template(t, f) for t, f in [(280, T280), (281, T281)])
    sets = ipfix_set(0, tpl)
    r280 = (
        a6("2001:db8:7::1") + a6("2001:db8:6::1") + struct.pack("!BHHB", 17, 3001, 53, 0x8C)
        + bytes([0x0A, 0xBC, 0xDE]) + l2seg(1, 0x010203) + v9_counters(1100, 11)
    )
    r281 = v4(3002, 0x10) + l2seg(1, 10000) + v9_counters(1200, 12)
    for tid, rec in [(280, r280), (281, r281)]:
        pad = (-(4 + len(rec))) % 4
        sets += ipfix_set(tid, rec + b"\0" * pad)
    hdr = struct.pack("!HHIIII", 9, 4, UPTIME, EXPORT, 1, 7)
    return hdr + sets


def main():
    out = open(sys.argv[1], "wb")
    out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
    for i, d in enumerate([ipfix(), v9()]):
        f = frame(d)
        out.write(struct.pack("<IIII", EXPORT, i, len(f), len(f)) + f)


if __name__ == "__main__":
    main()
