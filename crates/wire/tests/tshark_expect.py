#!/usr/bin/env python3
"""Expected NetFlow/IPFIX records of a pcap, as tshark decodes them.

Usage: tshark_expect.py PCAP [PORT...]   (default: the corpus ports and 29995/29999/30000 of tests/data)

Prints one JSON object per line: {"frame": N, "version": V, "records": [{...}, ...]} for
every frame tshark decodes as cflow. Record keys are the normalized names the Rust test
(tests/tshark.rs) also computes from our FlowRecord; only fields tshark shows are listed.
Where pmacct reads a field differently from its plain meaning (address precedence, MPLS
stack, uptime-relative times in whole seconds), this script applies pmacct's rule to
tshark's raw values, so the comparison is against tshark's decoding plus pmacct's semantics.
"""
import json
import subprocess
import sys
from datetime import datetime, timezone

NTP = 2208988800


def pairs(p):
    return p


def get(rec, key):
    for k, v in rec:
        if k == key:
            return v
    return None


def flat(rec):
    """Record fields as a list of (key, value), subtrees expanded, order kept."""
    out = []
    for k, v in rec:
        if isinstance(v, list):
            if k.startswith("MPLS-Label"):
                out.append(("__mpls__", dict(v)))
            else:
                out.extend(flat(v))
        else:
            out.append((k, v))
    return out


def abs_time(s):
    # "Feb 28, 2023 09:46:01.088000000 UTC"
    s = " ".join(s.split())
    date, frac = s.replace(" UTC", "").rsplit(".", 1) if "." in s else (s.replace(" UTC", ""), "0")
    dt = datetime.strptime(date, "%b %d, %Y %H:%M:%S").replace(tzinfo=timezone.utc)
    usec = int((frac + "000000")[:6])
    return int(dt.timestamp()), usec


def rel_ms(s):
    sec, _, frac = s.partition(".")
    return int(sec) * 1000 + int((frac + "000")[:3])


def main():
    pcap = sys.argv[1]
    ports = sys.argv[2:] or ["9991", "9992", "9995", "2055", "4739", "29995", "29999", "30000"]
    cmd = ["tshark", "-n", "-r", pcap, "-T", "json"]
    for p in ports:
        cmd += ["-d", "udp.port==%s,cflow" % p]
    out = subprocess.run(cmd, check=True, capture_output=True).stdout
    sys_init = {}  # (exporter, domain) -> ms, from options data (IE 160)
    for pkt in json.loads(out, object_pairs_hook=pairs):
        layers = get(get(pkt, "_source"), "layers")
        frame = int(get(get(layers, "frame"), "frame.number"))
        cf = get(layers, "cflow")
        if cf is None:
            continue
        ipl = get(layers, "ip") or get(layers, "ipv6")
        exporter = get(ipl, "ip.src") or get(ipl, "ipv6.src")
        version = int(get(cf, "cflow.version"))
        domain = int(get(cf, "cflow.source_id") or get(cf, "cflow.od_id") or 0)
        uptime = cf_uptime = get(cf, "cflow.sysuptime")
        uptime_ms = rel_ms(uptime) if uptime else 0
        ts = get(cf, "cflow.timestamp_tree")
        export_secs = int(get(ts, "cflow.unix_secs") or get(ts, "cflow.exporttime") or 0) if ts else 0
        records = []
        for k, fs in cf:
            if not (isinstance(fs, list) and (k.startswith("FlowSet") or k.startswith("Set") or k.startswith("pdu"))):
                continue
            flows = [v for kk, v in fs if kk.startswith("Flow ")] if not k.startswith("pdu") else [fs]
            for rec in flows:
                records.append(normalize(flat(rec), version, exporter, domain, export_secs, uptime_ms, sys_init))
        count = int(get(cf, "cflow.count") or 0)
        print(json.dumps({"frame": frame, "version": version, "count": count, "exporter": exporter, "records": records}))


def normalize(f, version, exporter, domain, export_secs, uptime_ms, sys_init):
    d = {}
    for k, v in f:
        d[k] = v  # a repeated element: the last occurrence, as pmacct 1.7.7 and we read it
    r = {}
    # Address family, pmacct 1.7.7's rule: ipVersion (IE 60) when 4 or 6; else with both
    # families present IPv4 if the IPv4 source's first octet is non-zero; else the one present.
    has4 = "cflow.srcaddr" in d or "cflow.dstaddr" in d
    has6 = "cflow.srcaddrv6" in d or "cflow.dstaddrv6" in d
    ipv = int(d.get("cflow.ip_version", "0"), 0)
    if ipv in (4, 6):
        v6 = ipv == 6
    elif has4 and has6:
        v4first = d.get("cflow.srcaddr", d.get("cflow.dstaddr", "0.0.0.0"))
        v6 = v4first.split(".")[0] == "0"
    else:
        v6 = has6 and not has4
    drop = ("cflow.srcaddr", "cflow.dstaddr", "cflow.srcmask", "cflow.dstmask") if v6 else (
        "cflow.srcaddrv6", "cflow.dstaddrv6", "cflow.srcmaskv6", "cflow.dstmaskv6")
    for k in drop:
        d.pop(k, None)
    # VLAN and VRF id by flowDirection, as pmacct 1.7.7's handlers.
    direction = int(d["cflow.direction"], 0) if "cflow.direction" in d else None
    vl = [d.get(k) for k in ("cflow.vlanid", "cflow.post_vlanid", "cflow.dot1q_vlan_id", "cflow.post_dot1q_vlan_id")]
    if any(v is not None for v in vl):
        order = {0: (0, 2), 1: (1, 3), None: (0, 1, 2, 3)}.get(direction, ())
        picked = next((vl[i] for i in order if vl[i] is not None), "0")
        for k in ("cflow.vlanid", "cflow.post_vlanid", "cflow.dot1q_vlan_id"):
            d.pop(k, None)
        d["cflow.vlanid"] = picked
    if "cflow.egress_vrfid" in d:
        ing = int(d.get("cflow.ingress_vrfid", "0"), 0)
        egr = int(d["cflow.egress_vrfid"], 0)
        vrf = 0
        if ing and (not direction or not egr):
            vrf = ing
        if egr and (direction or not ing):
            vrf = egr
        d["cflow.ingress_vrfid"] = str(vrf)

    def first(*keys):
        for k in keys:
            if k in d:
                return d[k]
        return None

    for ours, keys in [
        ("src", ("cflow.srcaddr", "cflow.srcaddrv6", "cflow.srcnet")),
        ("dst", ("cflow.dstaddr", "cflow.dstaddrv6", "cflow.dstnet")),
        ("next_hop", ("cflow.nexthop", "cflow.nexthopv6")),
        # pmacct's precedence (its peer_dst_ip handler checks IE 18, then 47, then 63, then
        # 140, whatever the flow's family): IE 47 (mplsTopLabelIPv4Address) beats IE 63.
        ("bgp_next_hop", ("cflow.bgpnexthop", "cflow.toplabeladdr", "cflow.bgpnexthopv6", "cflow.toplabeladdr_v6")),
        ("src_mac", ("cflow.srcmac",)),
        ("dst_mac", ("cflow.dstmac",)),
    ]:
        v = first(*keys)
        if v is not None:
            r[ours] = v
    for ours, keys in [
        ("src_port", ("cflow.srcport",)),
        ("dst_port", ("cflow.dstport",)),
        ("proto", ("cflow.protocol",)),
        ("in_iface", ("cflow.inputint",)),
        ("out_iface", ("cflow.outputint",)),
        ("src_as", ("cflow.srcas",)),
        ("dst_as", ("cflow.dstas",)),
        ("src_mask", ("cflow.srcmask", "cflow.srcmaskv6")),
        ("dst_mask", ("cflow.dstmask", "cflow.dstmaskv6")),
        ("bytes", ("cflow.octets", "cflow.octets64")),
        ("packets", ("cflow.packets", "cflow.packets64")),
        ("flows", ("cflow.flows",)),
        ("direction", ("cflow.direction",)),
        ("vlan", ("cflow.vlanid", "cflow.post_vlanid", "cflow.dot1q_vlan_id")),
        ("sampler_id", ("cflow.sampler_id", "cflow.selector_id")),
        ("vrf_id", ("cflow.ingress_vrfid",)),
        ("nat_event", ("cflow.nat_event",)),
        ("fw_event", ("cflow.fw_event",)),
    ]:
        v = first(*keys)
        if v is not None:
            r[ours] = str(int(v, 0))
    for ours, key in [("tos", "cflow.tos"), ("tcp_flags", "cflow.tcpflags")]:
        if key in d:
            r[ours] = str(int(d[key], 16))
    if "cflow.forwarding_status" in d:
        r["fwd_status"] = d["cflow.forwarding_status"]
    labels = [m for k, m in f if k == "__mpls__"]
    if labels:
        # pmacct: labels from the top while non-zero, stopping after bottom-of-stack.
        depth, top, bottom = 0, 0, 0
        for m in labels:
            lab, bos = int(m["cflow.mpls_label"]), int(m["cflow.mpls_bos"])
            exp = int(m["cflow.mpls_exp"])
            if lab == 0 and exp == 0 and bos == 0:
                break
            if depth == 0:
                top = lab
            bottom = lab
            depth += 1
            if bos:
                break
        r["mpls"] = "%d/%d/%d" % (top, bottom, depth)
    if "cflow.sys_init_time" in d:
        s, us = abs_time(d["cflow.sys_init_time"])
        sys_init[(exporter, domain)] = s * 1000 + us // 1000
    for ours, abs_key, rel_key in [("first", "cflow.abstimestart", "cflow.timestart"), ("last", "cflow.abstimeend", "cflow.timeend")]:
        if abs_key in d:
            s, us = abs_time(d[abs_key])
            if s == 0:
                # softflowd sends uptime 0 in its IPv6 records; tshark then shows epoch 0, while
                # pmacct 1.7.7 computes export - uptime / 1000 from it (checked with nfacctd on
                # the v9 export), as we do. pmacct wins: not compared.
                continue
            r[ours] = "%d.%06d" % (s, us)
        elif rel_key in d:
            rel = rel_ms(d[rel_key])
            if version == 10:
                base = sys_init.get((exporter, domain))
                if base is not None:
                    t = base + rel
                    r[ours] = "%d.%06d" % (t // 1000, (t % 1000) * 1000)
            else:
                # pmacct: export secs - whole seconds of (uptime - rel), 32-bit arithmetic.
                age = ((uptime_ms - rel) & 0xFFFFFFFF) // 1000
                r[ours] = "%d.000000" % ((export_secs - age) & 0xFFFFFFFF)
    return r


if __name__ == "__main__":
    main()
