#!/usr/bin/python3
"""Raw-traffic captures for the pmacctd differential tests (compat-tests/inputs/pcap/).

usage: gen_pmacctd_pcaps.py OUTDIR

Writes, deterministically (pure struct, no scapy):
- pm-eth-s11.pcap, pm-eth-s12.pcap: gen_traffic.py seeds 11 and 12 (Ethernet, IPv4/IPv6,
  TCP/UDP/ICMP/ICMPv6, ToS values, TCP flag sequences, 802.1Q VLANs);
- pm-sll-s13.pcap: seed 13 re-framed as Linux cooked capture (DLT_LINUX_SLL, 802.1Q kept);
- pm-raw-s14.pcap: seed 14 as raw IP (LINKTYPE_RAW);
- pm-null-s15.pcap: seed 15 as BSD loopback (DLT_NULL, Linux address families);
- pm-special.pcap: MPLS stacks of 1, 2 and 3 labels, IPv4 fragments (in order, last fragment
  first, orphans), IPv6 fragments, QinQ with 0x8100 and 0x88a8 outer tags, PPPoE, ARP,
  IPv6 with hop-by-hop and destination options, and frames cut by a 96-byte snaplen.
"""
import os
import struct
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from gen_traffic import csum  # noqa: E402


def read_pcap(path):
    data = open(path, "rb").read()
    magic, _, _, _, _, snap, lt = struct.unpack("<IHHiIII", data[:24])
    assert magic == 0xA1B2C3D4, path
    off, out = 24, []
    while off + 16 <= len(data):
        s, us, cl, wl = struct.unpack("<IIII", data[off:off + 16])
        out.append((s, us, data[off + 16:off + 16 + cl], wl))
        off += 16 + cl
    return lt, out


def write_pcap(path, linktype, recs, snaplen=65535):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, snaplen, linktype))
        for s, us, fr, wl in recs:
            f.write(struct.pack("<IIII", s, us, len(fr), wl) + fr)


def traffic(seed, flows):
    tmp = "/tmp/gen_pmacctd_%d_%d.pcap" % (os.getpid(), seed)
    subprocess.run([sys.executable, os.path.join(HERE, "gen_traffic.py"), str(seed), str(flows), tmp],
                   check=True, stdout=subprocess.DEVNULL)
    _, recs = read_pcap(tmp)
    os.unlink(tmp)
    return recs


def split_eth(fr):
    """(src_mac, tags, ethertype, l3 bytes) of an Ethernet frame."""
    off, tags = 12, []
    et = struct.unpack("!H", fr[12:14])[0]
    while et == 0x8100:
        tags.append(fr[off + 2:off + 4])
        et = struct.unpack("!H", fr[off + 4:off + 6])[0]
        off += 4
    return fr[6:12], tags, et, fr[off + 2:]


def to_sll(recs):
    out = []
    for s, us, fr, wl in recs:
        src, tags, et, l3 = split_eth(fr)
        body = b""
        proto = et
        if tags:
            proto = 0x8100
            body = tags[0] + struct.pack("!H", et)
        hdr = struct.pack("!HHH", 0, 1, 6) + src + b"\0\0" + struct.pack("!H", proto)
        nf = hdr + body + l3
        out.append((s, us, nf, len(nf)))
    return out


def to_raw(recs):
    return [(s, us, split_eth(fr)[3], len(split_eth(fr)[3])) for s, us, fr, wl in recs]


def to_null(recs):
    out = []
    for s, us, fr, wl in recs:
        _, _, et, l3 = split_eth(fr)
        nf = struct.pack("<I", 2 if et == 0x0800 else 10) + l3
        out.append((s, us, nf, len(nf)))
    return out


def ipv4(src, dst, proto, payload, ident=1, frag=0, tos=0, total=None):
    total = 20 + len(payload) if total is None else total
    h = struct.pack("!BBHHHBBH4s4s", 0x45, tos, total, ident, frag, 64, proto, 0, bytes(src), bytes(dst))
    return h[:10] + struct.pack("!H", csum(h)) + h[12:] + payload


def ipv6(src, dst, nxt, payload, tc=0):
    return struct.pack("!IHBB", (6 << 28) | (tc << 20), len(payload), nxt, 64) + bytes(src) + bytes(dst) + payload


def udp(sp, dp, n):
    return struct.pack("!HHHH", sp, dp, 8 + n, 0) + b"u" * n


def tcp(sp, dp, flags, n):
    return struct.pack("!HHIIBBHHH", sp, dp, 1, 0, 5 << 4, flags, 65535, 0, 0) + b"t" * n


def icmp(n):
    return struct.pack("!BBHHH", 8, 0, 0, 7, 1) + b"i" * n


MAC = b"\x02\x00\x00\x00\x00\x02" + b"\x02\x00\x00\x00\x00\x01"


def eth(et, l3, tags=()):
    f = MAC
    for tpid, tci in tags:
        f += struct.pack("!HH", tpid, tci)
    return f + struct.pack("!H", et) + l3


def mpls(labels, l3):
    out = b""
    for i, lab in enumerate(labels):
        out += struct.pack("!I", (lab << 12) | ((i == len(labels) - 1) << 8) | 64)
    return eth(0x8847, out + l3)


def special():
    a = [10, 9, 0, 1]
    b = [192, 0, 2, 9]
    a6 = bytes.fromhex("20010db8000900000000000000000001")
    b6 = bytes.fromhex("20010db800ff00000000000000000009")
    frames = []
    # MPLS: 1, 2 and 3 labels, UDP and TCP, a few sizes
    for i in range(3):
        frames.append(mpls([100], ipv4(a, b, 17, udp(1000, 2000, 20 + i))))
        frames.append(mpls([100, 200], ipv4([10, 9, 0, 3], b, 17, udp(1001, 2001, 30 + i))))
        frames.append(mpls([100, 200, 300], ipv4([10, 9, 0, 5], b, 6, tcp(1002, 2002, 0x02, 50 + i))))
        frames.append(mpls([0], ipv4([10, 9, 0, 7], b, 1, icmp(10 + i))))
    # IPv4 fragments of UDP 53 -> 5353: in order; last fragment first; orphan non-first
    seg = udp(53, 5353, 1200)
    parts = [seg[0:512], seg[512:1024], seg[1024:]]
    def frag4(ident, k, src):
        off = (512 * k) // 8
        mf = 0x2000 if k < 2 else 0
        return eth(0x0800, ipv4(src, b, 17, parts[k], ident=ident, frag=mf | off))
    for k in (0, 1, 2):
        frames.append(frag4(0x1111, k, [10, 9, 1, 1]))
    for k in (2, 0, 1):
        frames.append(frag4(0x2222, k, [10, 9, 1, 2]))
    frames.append(frag4(0x3333, 1, [10, 9, 1, 3]))
    # TCP fragments (first then rest): non-first fragments read "flags" from their payload
    tseg = tcp(4000, 80, 0x18, 900)
    tparts = [tseg[0:480], tseg[480:]]
    frames.append(eth(0x0800, ipv4([10, 9, 1, 4], b, 6, tparts[0], ident=0x4444, frag=0x2000)))
    frames.append(eth(0x0800, ipv4([10, 9, 1, 4], b, 6, tparts[1], ident=0x4444, frag=480 // 8)))
    # IPv6 fragments of UDP
    seg6 = udp(5000, 53, 1000)
    p6 = [seg6[0:600], seg6[600:]]
    for k in (1, 0):
        fh = struct.pack("!BBHI", 17, 0, (600 * k // 8) << 3 | (1 if k == 0 else 0), 0xABCDEF)
        frames.append(eth(0x86DD, ipv6(a6, b6, 44, fh + p6[k])))
    # QinQ: 0x8100/0x8100 (accounted, outer VLAN), 0x88a8 outer (not IP to pmacctd)
    frames.append(eth(0x0800, ipv4([10, 9, 2, 1], b, 17, udp(7, 7, 40)), tags=[(0x8100, 0x6000 | 100), (0x8100, 200)]))
    frames.append(MAC + struct.pack("!HHHH", 0x88A8, 300, 0x8100, 400) + struct.pack("!H", 0x0800) + ipv4([10, 9, 2, 2], b, 17, udp(8, 8, 40)))
    # PPPoE session, IPv4 inside
    pl = ipv4([10, 9, 3, 1], b, 17, udp(9, 9, 16))
    frames.append(eth(0x8864, struct.pack("!BBHH", 0x11, 0, 1, len(pl) + 2) + struct.pack("!H", 0x0021) + pl))
    # ARP
    frames.append(eth(0x0806, bytes(28)))
    # IPv6 with hop-by-hop then destination options, TCP; traffic class 0xb8
    ext = struct.pack("!BB6s", 60, 0, bytes(6)) + struct.pack("!BB6s", 6, 0, bytes(6))
    frames.append(eth(0x86DD, ipv6(a6, b6, 0, ext + tcp(443, 5555, 0x11, 100), tc=0xB8)))
    frames.append(eth(0x86DD, ipv6(a6, b6, 58, struct.pack("!BBHI", 128, 0, 0, 1) + b"p" * 32)))
    recs = []
    t = 1700900000
    for n, fr in enumerate(frames):
        recs.append((t + n // 4, (n % 4) * 250000, fr, len(fr)))
    # frames cut by a 96-byte snaplen: large TCP/UDP, v4 and v6 (caplen < wire length)
    for n in range(6):
        if n % 2:
            fr = eth(0x86DD, ipv6(a6, b6, 6, tcp(80, 40000 + n, 0x10, 1000)))
        else:
            fr = eth(0x0800, ipv4([10, 9, 4, n], b, 17, udp(123, 123, 800 + n)))
        recs.append((t + 100 + n, 0, fr[:96], len(fr)))
    return recs


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    write_pcap(os.path.join(out, "pm-eth-s11.pcap"), 1, traffic(11, 150))
    write_pcap(os.path.join(out, "pm-eth-s12.pcap"), 1, traffic(12, 400))
    write_pcap(os.path.join(out, "pm-sll-s13.pcap"), 113, to_sll(traffic(13, 150)))
    write_pcap(os.path.join(out, "pm-raw-s14.pcap"), 101, to_raw(traffic(14, 150)))
    write_pcap(os.path.join(out, "pm-null-s15.pcap"), 0, to_null(traffic(15, 150)))
    write_pcap(os.path.join(out, "pm-special.pcap"), 1, special())


if __name__ == "__main__":
    main()
