#!/usr/bin/env python3
"""Crafted BMP v3 (RFC 7854) streams for the pmbmpd differential test (compat_bmp).

Writes one router's byte stream to stdout (or a file). Scenarios:
  all        every message type: Initiation, Peer Up (global IPv4 4-byte AS, global IPv6
             2-byte AS post-policy, RD instance peer, local instance, Loc-RIB), Route Monitoring
             (IPv4 NLRI with every attribute 1.7.7 logs, IPv6 MP_REACH with AS4_PATH on a 2-byte
             peer, VPNv4, withdrawals, MP_UNREACH), Statistics Report (counter types 0-17),
             Route Mirroring (BGP message and information TLVs), Peer Down with every reason
             code 0-5, Termination (string and reason).
  disconnect Initiation, two peers up with routes, then the stream just ends (the router
             goes away without Peer Down or Termination).
  malformed  Initiation, a peer up with routes, then messages with lying lengths: a per-peer
             header cut short, a TLV overrunning its message, a route monitoring message whose
             UPDATE length overruns; then a well-formed peer down and termination.
  flows      (compat_bmp_flow) router 1: routes of several peers and policies for flow
             lookups, kept open; flows2: router 2 with its own BGP id; flows_rd: unicast
             and VPNv4 routes of peers with and without a peer distinguisher.
Plain struct: no scapy needed.
"""
import struct
import sys
import ipaddress

TS = 1700000000  # per-peer header timestamp (seconds)


def bmp(msg_type, body):
    return struct.pack("!BIB", 3, 6 + len(body), msg_type) + body


def tlv(t, v):
    return struct.pack("!HH", t, len(v)) + v


def peer_hdr(ptype, flags, rd, addr, asn, bgp_id, usec=0):
    a = ipaddress.ip_address(addr)
    ab = a.packed if a.version == 6 else b"\x00" * 12 + a.packed
    return (struct.pack("!BB", ptype, flags) + rd + ab + struct.pack("!I", asn)
            + ipaddress.ip_address(bgp_id).packed + struct.pack("!II", TS, usec))


def bgp_msg(t, body):
    return b"\xff" * 16 + struct.pack("!HB", 19 + len(body), t) + body


def bgp_open(asn, hold, bgp_id, caps):
    params = b"".join(struct.pack("!BB", 2, len(c)) + c for c in caps)
    return bgp_msg(1, struct.pack("!BHH", 4, asn if asn < 65536 else 23456, hold)
                   + ipaddress.ip_address(bgp_id).packed + struct.pack("!B", len(params)) + params)


def cap_mp(afi, safi):
    return struct.pack("!BBHBB", 1, 4, afi, 0, safi)


def cap_as4(asn):
    return struct.pack("!BBI", 65, 4, asn)


def attr(flags, code, v):
    if len(v) > 255:
        return struct.pack("!BBH", flags | 0x10, code, len(v)) + v
    return struct.pack("!BBB", flags, code, len(v)) + v


def prefix(p):
    n = ipaddress.ip_network(p)
    nb = (n.prefixlen + 7) // 8
    return struct.pack("!B", n.prefixlen) + n.network_address.packed[:nb]


def update(withdrawn=b"", attrs=b"", nlri=b""):
    return bgp_msg(2, struct.pack("!H", len(withdrawn)) + withdrawn
                   + struct.pack("!H", len(attrs)) + attrs + nlri)


def as_path(segs, four=True):
    out = b""
    for kind, asns in segs:
        out += struct.pack("!BB", kind, len(asns))
        out += b"".join(struct.pack("!I" if four else "!H", a) for a in asns)
    return out


RD0 = b"\x00" * 8
RD_VPN = struct.pack("!HHI", 0, 65000, 100)
LOCAL = "192.0.2.1"


def peer_up(ph, local, lport, rport, sent, recv, info=b""):
    a = ipaddress.ip_address(local)
    ab = a.packed if a.version == 6 else b"\x00" * 12 + a.packed
    return bmp(3, ph + ab + struct.pack("!HH", lport, rport) + sent + recv + info)


def initiation():
    return bmp(4, tlv(1, b"Crafted router OS 1.0") + tlv(2, b"router1.example")
               + tlv(0, b"hello collector"))


# Peers: (type, flags, rd, addr, asn, bgp id)
PA = (0, 0x00, RD0, "10.0.0.2", 65001, "10.0.0.2")            # global, IPv4, 4-byte AS
PB = (0, 0xE0, RD0, "2001:db8::2", 65002, "10.0.0.3")         # IPv6, post-policy, 2-byte AS
PC = (1, 0x00, RD_VPN, "10.0.1.2", 4200000001, "10.0.1.2")    # RD instance peer
PD = (2, 0x00, RD0, "10.0.2.2", 65004, "10.0.2.2")            # local instance peer
PE = (3, 0x80, RD0, "0.0.0.0", 65000, "192.0.2.1")            # Loc-RIB (filtered)
PF = (0, 0x00, RD0, "10.0.3.2", 65006, "10.0.3.2")
PG = (0, 0x00, RD0, "10.0.4.2", 65007, "10.0.4.2")
PH = (0, 0x00, RD0, "10.0.5.2", 65008, "10.0.5.2")


def ph(p, usec=0):
    return peer_hdr(*p, usec=usec)


def up(p, two_byte=False):
    asn = p[4]
    local_as = 65000
    recv_caps = [cap_mp(1, 1), cap_mp(2, 1)] + ([] if two_byte else [cap_as4(asn)])
    sent_caps = [cap_mp(1, 1), cap_mp(2, 1)] + ([] if two_byte else [cap_as4(local_as)])
    return peer_up(ph(p), LOCAL if p[3].find(":") < 0 else "2001:db8::1", 179, 40000 + (asn % 1000),
                   bgp_open(local_as, 90, LOCAL, sent_caps),
                   bgp_open(asn, 90, p[5], recv_caps),
                   tlv(0, b"peer up info"))


def rm(p, upd, usec=0):
    return bmp(0, ph(p, usec) + upd)


def rich_v4_update(asn):
    attrs = (attr(0x40, 1, b"\x00")
             + attr(0x40, 2, as_path([(2, [asn, 64512, 4200000000]), (1, [65100, 65099])]))
             + attr(0x40, 3, ipaddress.ip_address("10.0.0.2").packed)
             + attr(0x80, 4, struct.pack("!I", 100))
             + attr(0x40, 5, struct.pack("!I", 200))
             + attr(0xC0, 8, struct.pack("!IIII", (65001 << 16) | 1, (65001 << 16) | 2,
                                         0xFFFFFF01, 0))
             + attr(0xC0, 16, bytes([0, 2, 0xFD, 0xE9, 0, 0, 0, 100])
                    + bytes([1, 3, 10, 0, 0, 1, 0, 7]))
             + attr(0xC0, 32, struct.pack("!III", 65001, 1, 2)))
    return update(attrs=attrs, nlri=prefix("198.51.100.0/24") + prefix("203.0.113.128/25")
                  + prefix("192.0.2.0/28"))


def v6_update_2byte():
    nh = ipaddress.ip_address("2001:db8::2").packed
    mp = (struct.pack("!HBB", 2, 1, 16) + nh + b"\x00" + prefix("2001:db8:100::/48")
          + prefix("2001:db8:200::/40"))
    attrs = (attr(0x40, 1, b"\x01")
             + attr(0x40, 2, as_path([(2, [65002, 23456])], four=False))
             + attr(0xC0, 17, as_path([(2, [65002, 4200000002])]))
             + attr(0x80, 14, mp))
    return update(attrs=attrs)


def vpn_update():
    nh = b"\x00" * 8 + ipaddress.ip_address("10.0.1.2").packed
    label = struct.pack("!I", (1000 << 4) | 1)[1:]
    n = label + RD_VPN + ipaddress.ip_address("172.16.5.0").packed[:3]
    mp = struct.pack("!HBB", 1, 128, 12) + nh + b"\x00" + struct.pack("!B", 24 + 64 + 24) + n
    attrs = (attr(0x40, 1, b"\x02") + attr(0x40, 2, as_path([(2, [4200000001])]))
             + attr(0xC0, 16, bytes([0, 2, 0xFD, 0xE8, 0, 0, 0, 100]))
             + attr(0x80, 14, mp))
    return update(attrs=attrs)


def stats(p):
    tl = b""
    n = 0
    for t in range(0, 18):
        if t in (7, 8, 14, 15):
            v = struct.pack("!Q", 1000 + t)
        elif t in (9, 10, 16, 17):
            v = struct.pack("!HBQ", 1, 1, 2000 + t)
        else:
            v = struct.pack("!I", 10 + t)
        tl += tlv(t, v)
        n += 1
    return bmp(1, ph(p) + struct.pack("!I", n) + tl)


def mirror(p):
    upd = update(withdrawn=prefix("198.51.100.0/24"))
    return bmp(6, ph(p) + tlv(0, upd) + tlv(1, struct.pack("!H", 1)))


def notification(code, sub, data=b""):
    return bgp_msg(3, struct.pack("!BB", code, sub) + data)


def peer_down(p, reason, data=b""):
    return bmp(2, ph(p) + struct.pack("!B", reason) + data)


def termination():
    return bmp(5, tlv(0, b"collector going away") + tlv(1, struct.pack("!H", 0)))


def scenario_all():
    out = initiation()
    out += up(PA) + up(PB, two_byte=True) + up(PC) + up(PD) + up(PE)
    out += up(PF) + up(PG) + up(PH)
    out += rm(PA, rich_v4_update(65001), 1)
    out += rm(PB, v6_update_2byte(), 2)
    out += rm(PC, vpn_update(), 3)
    out += rm(PD, rich_v4_update(65004))
    out += rm(PE, rich_v4_update(65000))
    out += rm(PF, rich_v4_update(65006))
    # withdrawals: IPv4 withdrawn routes and an MP_UNREACH for IPv6
    out += rm(PA, update(withdrawn=prefix("192.0.2.0/28")))
    unreach = struct.pack("!HB", 2, 1) + prefix("2001:db8:200::/40")
    out += rm(PB, update(attrs=attr(0x80, 15, unreach)))
    # End-of-RIB marker
    out += rm(PA, update())
    out += stats(PA) + stats(PB)
    out += mirror(PA)
    out += peer_down(PB, 1, notification(6, 2, b"\x05bye!"))
    out += peer_down(PC, 2, struct.pack("!H", 7))
    out += peer_down(PD, 3, notification(4, 0))
    out += peer_down(PF, 4)
    out += peer_down(PG, 5)
    out += peer_down(PH, 0)
    out += termination()
    return out


def scenario_disconnect():
    out = initiation() + up(PA) + up(PF)
    out += rm(PA, rich_v4_update(65001)) + rm(PF, rich_v4_update(65006))
    return out


def scenario_malformed():
    out = initiation() + up(PA)
    out += rm(PA, rich_v4_update(65001))
    # per-peer header cut short (message shorter than 42 + 6 bytes)
    out += bmp(0, ph(PA)[:20])
    # initiation TLV whose length overruns the message
    out += bmp(4, struct.pack("!HH", 1, 200) + b"short")
    # statistics report claiming 50 counters, holding one
    out += bmp(1, ph(PA) + struct.pack("!I", 50) + tlv(0, struct.pack("!I", 1)))
    # route monitoring whose BGP UPDATE length field overruns the BMP message
    bad = bytearray(update(nlri=prefix("10.9.0.0/16")))
    struct.pack_into("!H", bad, 16, 4000)
    out += rm(PA, bytes(bad))
    # still alive: a good update after the bad ones
    out += rm(PA, update(attrs=attr(0x40, 1, b"\x00") + attr(0x40, 2, b"")
                         + attr(0x40, 3, ipaddress.ip_address("10.0.0.2").packed),
                         nlri=prefix("10.10.0.0/16")))
    out += peer_down(PA, 4) + termination()
    return out


# ------------------------------------------------------------ flow enrichment (compat_bmp_flow)

def attrs_v4(path, nh, lp=None, med=None, comms=(), lrg=(), ext=b""):
    a = (attr(0x40, 1, b"\x00") + attr(0x40, 2, as_path([(2, path)]) if path else b"")
         + attr(0x40, 3, ipaddress.ip_address(nh).packed))
    if med is not None:
        a += attr(0x80, 4, struct.pack("!I", med))
    if lp is not None:
        a += attr(0x40, 5, struct.pack("!I", lp))
    if comms:
        a += attr(0xC0, 8, b"".join(struct.pack("!I", c) for c in comms))
    if ext:
        a += attr(0xC0, 16, ext)
    if lrg:
        a += attr(0xC0, 32, b"".join(struct.pack("!III", *t) for t in lrg))
    return a


def nets(*ps):
    return b"".join(prefix(p) for p in ps)


def v6_attrs(path, nh, prefixes, lp=None, four=True):
    mp = (struct.pack("!HBB", 2, 1, 16) + ipaddress.ip_address(nh).packed + b"\x00"
          + nets(*prefixes))
    a = (attr(0x40, 1, b"\x00") + attr(0x40, 2, as_path([(2, path)], four))
         + attr(0x80, 14, mp))
    if lp is not None:
        a += attr(0x40, 5, struct.pack("!I", lp))
    return a


PA_POST = (0, 0x40, RD0, "10.0.0.2", 65001, "10.0.0.2")       # PA's post-policy routes
PX = (0, 0x00, RD0, "10.0.9.2", 65009, "10.0.9.2")            # router 2's peer


def scenario_flows():
    """Router 1 (local BGP id 192.0.2.1): prefixes held by several peers and both policies,
    withdrawn and announced again, a peer gone down; the stream stays open."""
    ext = bytes([0, 2, 0xFD, 0xE9, 0, 0, 0, 100])
    out = initiation() + up(PA) + up(PB, two_byte=True) + up(PF) + up(PG)
    out += rm(PA, update(attrs=attrs_v4([65001, 64512], "10.0.0.2", lp=100, med=200,
                                        comms=[(65001 << 16) | 1], ext=ext,
                                        lrg=[(65001, 1, 2)]),
                         nlri=nets("10.1.0.0/16", "10.2.0.0/16")))
    out += rm(PA, update(attrs=attrs_v4([65001, 64600, 64601], "10.0.0.2", lp=150,
                                        comms=[(65001 << 16) | 7, 0xFFFFFF01]),
                         nlri=nets("10.1.1.0/24", "10.1.1.128/25")))
    # post-policy copy of 10.1.0.0/16 with other attributes: the pre-policy one is older
    out += rm(PA_POST, update(attrs=attrs_v4([65001, 64999], "10.0.0.2", lp=300),
                              nlri=nets("10.1.0.0/16")))
    # another peer's 10.1.0.0/16 and a prefix of its own
    out += rm(PF, update(attrs=attrs_v4([65006, 65010, 65011], "10.0.3.2", med=5,
                                        lrg=[(65006, 9, 9)]),
                         nlri=nets("10.1.0.0/16", "10.3.0.0/16", "10.3.3.3/32")))
    # 10.2.0.0/16: PA withdraws it, PF announces it, PA announces it again (PF's is older)
    out += rm(PA, update(withdrawn=nets("10.2.0.0/16")))
    out += rm(PF, update(attrs=attrs_v4([65006, 65020], "10.0.3.2", lp=20),
                         nlri=nets("10.2.0.0/16")))
    out += rm(PA, update(attrs=attrs_v4([65001, 65030], "10.0.0.2", lp=30),
                         nlri=nets("10.2.0.0/16")))
    # IPv6 from a 2-byte AS peer
    out += rm(PB, update(attrs=v6_attrs([65002, 65040], "2001:db8::2",
                                        ["2001:db8:100::/48", "2001:db8:100:1::/64"], lp=70,
                                        four=False)))
    # PG's routes go with its Peer Down
    out += rm(PG, update(attrs=attrs_v4([65007], "10.0.4.2"), nlri=nets("10.4.0.0/16")))
    out += peer_down(PG, 4)
    return out


def scenario_flows2():
    """Router 2 (local BGP id 10.9.9.9): one peer; found by its BGP id or the peer's address
    (bmp_agent_map)."""
    out = initiation()
    out += peer_up(ph(PX), "192.0.2.9", 179, 40009,
                   bgp_open(65000, 90, "10.9.9.9", [cap_mp(1, 1), cap_as4(65000)]),
                   bgp_open(65009, 90, "10.0.9.2", [cap_mp(1, 1), cap_as4(65009)]))
    out += rm(PX, update(attrs=attrs_v4([65009, 65090], "10.0.9.2", lp=90, med=9,
                                        comms=[(65009 << 16) | 9]),
                         nlri=nets("10.1.0.0/16", "10.5.0.0/16")))
    return out


PC2 = (1, 0x00, struct.pack("!HHI", 0, 65000, 300), "10.0.6.2", 65066, "10.0.6.2")


def vpn4(rd, p, path, nh):
    """A VPNv4 route (MP_REACH, SAFI 128) of RD `rd` (wire bytes)."""
    n = ipaddress.ip_network(p)
    label = struct.pack("!I", (2000 << 4) | 1)[1:]
    nlri = (struct.pack("!B", 24 + 64 + n.prefixlen) + label + rd
            + n.network_address.packed[:(n.prefixlen + 7) // 8])
    mp = (struct.pack("!HBB", 1, 128, 12) + b"\x00" * 8 + ipaddress.ip_address(nh).packed
          + b"\x00" + nlri)
    return update(attrs=attr(0x40, 1, b"\x00") + attr(0x40, 2, as_path([(2, path)]))
                  + attr(0x80, 14, mp))


def lu4(p, path, nh):
    """A labelled unicast IPv4 route (MP_REACH, SAFI 4)."""
    n = ipaddress.ip_network(p)
    label = struct.pack("!I", (3000 << 4) | 1)[1:]
    nlri = (struct.pack("!B", 24 + n.prefixlen) + label
            + n.network_address.packed[:(n.prefixlen + 7) // 8])
    mp = struct.pack("!HBB", 1, 4, 4) + ipaddress.ip_address(nh).packed + b"\x00" + nlri
    return update(attrs=attr(0x40, 1, b"\x00") + attr(0x40, 2, as_path([(2, path)]))
                  + attr(0x80, 14, mp))


def scenario_flows_rd():
    """(compat_bmp_flow, flow_to_rd_map) Router 1: a global peer with unicast and VPNv4
    routes (NLRI RD 0:65000:100), an L3VPN instance peer of peer distinguisher 0:65000:100
    with unicast and VPNv4 routes (NLRI RD 0:65000:200) nested both ways, another of peer
    distinguisher 0:65000:300 with a more specific unicast route; labelled unicast routes of
    all three; the stream stays open."""
    rd100 = struct.pack("!HHI", 0, 65000, 100)
    rd200 = struct.pack("!HHI", 0, 65000, 200)
    out = initiation() + up(PA) + up(PC) + up(PC2)
    out += rm(PA, update(attrs=attrs_v4([65001, 64512], "10.0.0.2", lp=100),
                         nlri=nets("10.1.0.0/16")))
    out += rm(PA, vpn4(rd100, "172.16.5.0/24", [65001, 65100], "10.0.0.2"))
    out += rm(PC, update(attrs=attrs_v4([4200000001, 65060], "10.0.1.2", lp=60),
                         nlri=nets("10.6.0.0/16", "10.7.0.0/16", "10.8.8.0/24")))
    out += rm(PC, vpn4(rd200, "172.16.6.0/24", [4200000001, 65061], "10.0.1.2"))
    out += rm(PC, vpn4(rd200, "10.7.7.0/24", [4200000001, 65077], "10.0.1.2"))
    out += rm(PC, vpn4(rd200, "10.8.0.0/16", [4200000001, 65088], "10.0.1.2"))
    out += rm(PC2, update(attrs=attrs_v4([65066, 65067], "10.0.6.2", lp=66),
                          nlri=nets("10.6.0.0/24")))
    out += rm(PA, lu4("10.9.0.0/16", [65001, 65090], "10.0.0.2"))
    out += rm(PC, lu4("10.10.0.0/16", [4200000001, 65100], "10.0.1.2"))
    out += rm(PC2, lu4("10.10.10.0/24", [65066, 65110], "10.0.6.2"))
    return out


def main():
    which = sys.argv[1] if len(sys.argv) > 1 else "all"
    data = {"all": scenario_all, "disconnect": scenario_disconnect,
            "malformed": scenario_malformed, "flows": scenario_flows,
            "flows2": scenario_flows2, "flows_rd": scenario_flows_rd}[which]()
    if len(sys.argv) > 2:
        with open(sys.argv[2], "wb") as f:
            f.write(data)
    else:
        sys.stdout.buffer.write(data)


if __name__ == "__main__":
    main()
