#!/usr/bin/python3
"""Copy of an IPFIX export capture with its templates rewritten, to show which template
fields make nfacctd 1.7.7's aggregate_filter select other records than ours
(expected-differences.txt, ipfix-multi-sources with aggregate_filter, (d) and (e)).

  --no70 PEERS  mplsTopLabelStackSection (IE 70) renamed to IE 32001 (an element neither
                decoder knows, same length) in the templates of the exporters PEERS
                (comma-separated source addresses of the export datagrams, or `all`)
  --split6      each 2-byte tcpControlBits (IE 6) split into paddingOctets (IE 210) of 1
                byte and a 1-byte IE 6, so that IE 6 reads the low byte (the flags);
                the data records are unchanged, the datagrams 4 bytes longer per split

usage: ipfix_template_rewrite.py [--no70 PEERS] [--split6] IN.pcap OUT.pcap
(Ethernet captures, IPv4 or IPv6 over UDP, optionally one 802.1Q tag.)

Measured on corpus/traffic-reproducer/ipfix-multi-sources.pcap with
--no70 203.0.113.21,203.0.113.22,203.0.113.23,203.0.113.24,203.0.113.28,203.0.113.81 --split6:
the configs/aggfilter filter lists select the same records in 1.7.7 and ours but one
(the VLAN tag rule (f)).
"""
import ipaddress
import struct
import sys


def checksum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ipfix_offsets(p):
    """(exporter address, IP header offset, UDP header offset) of an Ethernet frame."""
    off = 12
    et = struct.unpack("!H", p[off : off + 2])[0]
    if et == 0x8100:
        off += 4
        et = struct.unpack("!H", p[off : off + 2])[0]
    ip = off + 2
    if et == 0x0800 and p[ip + 9] == 17:
        return str(ipaddress.ip_address(bytes(p[ip + 12 : ip + 16]))), ip, ip + (p[ip] & 15) * 4
    if et == 0x86DD and p[ip + 6] == 17:
        return str(ipaddress.ip_address(bytes(p[ip + 8 : ip + 24]))), ip, ip + 40
    return None


def template_fields(p, s, end):
    """(template header offset, [(element id, length, enterprise?, field offset)]) of the
    templates of the template set at s."""
    q = s + 4
    while q + 4 <= end:
        tid, n = struct.unpack("!HH", p[q : q + 4])
        if tid < 256:
            return
        th, q, fields = q, q + 4, []
        for _ in range(n):
            ie, ln = struct.unpack("!HH", p[q : q + 4])
            fields.append((ie & 0x7FFF, ln, bool(ie & 0x8000), q))
            q += 8 if ie & 0x8000 else 4
        yield th, fields


def grow(p, ip, udp, msg, delta):
    """Lengths and checksums after `delta` bytes were inserted into the IPFIX message."""
    v4 = p[ip] >> 4 == 4
    for at in (msg + 2, udp + 4, ip + 2 if v4 else ip + 4):
        struct.pack_into("!H", p, at, struct.unpack("!H", p[at : at + 2])[0] + delta)
    ulen = struct.unpack("!H", p[udp + 4 : udp + 6])[0]
    if v4:
        hl = (p[ip] & 15) * 4
        struct.pack_into("!H", p, ip + 10, 0)
        struct.pack_into("!H", p, ip + 10, checksum(bytes(p[ip : ip + hl])))
        pseudo = bytes(p[ip + 12 : ip + 20]) + struct.pack("!BBH", 0, 17, ulen)
    else:
        pseudo = bytes(p[ip + 8 : ip + 40]) + struct.pack("!I3xB", ulen, 17)
    struct.pack_into("!H", p, udp + 6, 0)
    struct.pack_into("!H", p, udp + 6, checksum(pseudo + bytes(p[udp : udp + ulen])) or 0xFFFF)


def main():
    args = sys.argv[1:]
    peers, split6 = None, False
    while args and args[0].startswith("--"):
        a = args.pop(0)
        if a == "--no70":
            peers = set(args.pop(0).split(","))
        elif a == "--split6":
            split6 = True
        else:
            sys.exit(__doc__)
    if len(args) != 2:
        sys.exit(__doc__)
    data = open(args[0], "rb").read()
    out = [data[:24]]
    off, renamed, split = 24, 0, 0
    while off + 16 <= len(data):
        ts, us, caplen, wirelen = struct.unpack("<IIII", data[off : off + 16])
        p = bytearray(data[off + 16 : off + 16 + caplen])
        off += 16 + caplen
        where = ipfix_offsets(p)
        inserts = []
        if where:
            src, ip, udp = where
            msg = udp + 8
            if struct.unpack("!H", p[msg : msg + 2])[0] == 10:
                s, end = msg + 16, msg + struct.unpack("!H", p[msg + 2 : msg + 4])[0]
                while s + 4 <= min(end, len(p)):
                    sid, sl = struct.unpack("!HH", p[s : s + 4])
                    if sl < 4:
                        break
                    if sid == 2:
                        for th, fields in template_fields(p, s, s + sl):
                            for ie, ln, ent, fo in fields:
                                if ent:
                                    continue
                                if ie == 70 and peers and ("all" in peers or src in peers):
                                    struct.pack_into("!H", p, fo, 32001)
                                    renamed += 1
                                if ie == 6 and ln == 2 and split6:
                                    inserts.append((s, th, fo))
                    s += sl
                # from the last field back, so that earlier offsets stay valid
                for s, th, fo in sorted(inserts, key=lambda x: -x[2]):
                    p[fo : fo + 4] = struct.pack("!HHHH", 210, 1, 6, 1)
                    for at in (th + 2, s + 2):
                        n = struct.unpack("!H", p[at : at + 2])[0]
                        struct.pack_into("!H", p, at, n + (1 if at == th + 2 else 4))
                if inserts:
                    grow(p, ip, udp, msg, 4 * len(inserts))
                    split += len(inserts)
        d = 4 * len(inserts)
        out.append(struct.pack("<IIII", ts, us, len(p), wirelen + d) + bytes(p))
    open(args[1], "wb").write(b"".join(out))
    print(f"IE 70 renamed: {renamed}, IE 6 split: {split}", file=sys.stderr)


main()
