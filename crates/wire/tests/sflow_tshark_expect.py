#!/usr/bin/python3
"""Print, per frame of an sFlow capture, what tshark decodes for every sample, as JSON lines
{"frame": N, "agent": ..., "samples": [{field: value}]}. Field names are the ones
tests/sflow_tshark.rs produces from our decoder; a field tshark did not decode is absent.
usage: sflow_tshark_expect.py CAPTURE.pcap
       sflow_tshark_expect.py --frames CAPTURE.pcap   (packet decoder: one line per frame)
"""
import json
import subprocess
import sys


def first(v):
    return v[0] if isinstance(v, list) else v


def nth(v, i):
    if isinstance(v, list):
        return v[i] if i < len(v) else None
    return v if i == 0 else None


def num(s):
    return str(int(s, 0))


def header_fields(tree, out, outer_eth=True):
    eth = nth(tree.get("eth"), 0) if outer_eth else None
    if eth:
        out["eth_src"] = eth["eth.src"]
        out["eth_dst"] = eth["eth.dst"]
    vlans = tree.get("vlan")
    if vlans is not None:
        vlans = vlans if isinstance(vlans, list) else [vlans]
        out["vlan"] = num(vlans[0]["vlan.id"])
        out["cos"] = num(vlans[0]["vlan.priority"])
        if len(vlans) > 1:
            out["inner_vlan"] = num(vlans[1]["vlan.id"])
    mpls = tree.get("mpls")
    if mpls is not None:
        entries = mpls if isinstance(mpls, list) else [mpls]
        labels = []
        for e in entries:
            lab = e.get("mpls.label")
            labels.extend(lab if isinstance(lab, list) else [lab])
        out["mpls"] = ",".join(num(x) for x in labels)
    ip4, ip6 = nth(tree.get("ip"), 0), nth(tree.get("ipv6"), 0)
    if ip4 and "ip.src" in ip4:
        out["ip_src"], out["ip_dst"] = ip4["ip.src"], ip4["ip.dst"]
        out["tos"] = num(ip4["ip.dsfield"])
        out["frag_offset"] = ip4["ip.frag_offset"]
        out["ip_len"] = ip4["ip.len"]
    elif ip6 and "ipv6.src" in ip6:
        out["ip_src"], out["ip_dst"] = ip6["ipv6.src"], ip6["ipv6.dst"]
        out["tos"] = num(ip6["ipv6.tclass"])
        out["ip_len"] = str(int(ip6["ipv6.plen"]) + 40)
        frag = ip6.get("ipv6.fraghdr")
        if frag:
            out["frag_offset"] = frag["ipv6.fraghdr.offset"]
    tcp, udp = nth(tree.get("tcp"), 0), nth(tree.get("udp"), 0)
    icmp, icmp6 = tree.get("icmp"), tree.get("icmpv6")
    if ip4 and ip4.get("ip.proto") == "17" and udp:
        tcp = None  # VXLAN: the only TCP is the inner one
    if tcp:
        out["proto"] = "6"
        out["sport"], out["dport"] = tcp["tcp.srcport"], tcp["tcp.dstport"]
        out["tcp_flags"] = str(int(tcp["tcp.flags"], 16) & 0xff)
    elif udp:
        out["proto"] = "17"
        out["sport"], out["dport"] = udp["udp.srcport"], udp["udp.dstport"]
    elif icmp:
        out["proto"] = "1"
        out["icmp"] = f'{icmp["icmp.type"]}/{icmp["icmp.code"]}'
    elif icmp6:
        out["proto"] = "58"
        out["icmp"] = f'{icmp6["icmpv6.type"]}/{icmp6["icmpv6.code"]}'
    vx = tree.get("vxlan")
    if vx:
        out["vni"] = vx["vxlan.vni"]
        ieth = nth(tree.get("eth"), 1 if outer_eth else 0)
        if ieth:
            out["inner_eth_src"] = ieth["eth.src"]
        iip = nth(tree.get("ip"), 1)
        if iip and "ip.src" in iip:
            out["inner_ip_src"], out["inner_ip_dst"] = iip["ip.src"], iip["ip.dst"]


def sample_fields(s):
    out = {}
    if "sflow.flow_sample.sequence_number" in s:
        out["kind"] = "flow"
        p = "sflow.flow_sample."
        out["seq"] = s[p + "sequence_number"]
        out["source_class"] = s[p + "source_id_class"]
        out["source_index"] = s[p + "index"]
        out["rate"] = s[p + "sampling_rate"]
        out["pool"] = s[p + "sample_pool"]
        out["drops"] = s[p + "dropped_packets"]
        out["in"] = num(s[p + "input_interface"])
        out["out"] = num(s[p + "output_interface"])
        for k, v in s.items():
            if k.startswith("Raw packet header"):
                out["frame_length"] = v["sflow_245.header.frame_length"]
                out["stripped"] = v["sflow_245.header.payload_stripped"]
                out["header_length"] = v["sflow_245.header.sampled_header_length"]
                header_fields(v.get("sflow_245.header_tree", {}), out)
            elif k.startswith("Extended switch"):
                out["sw_in_vlan"] = v["sflow_245.vlan.in"]
                out["sw_out_vlan"] = v["sflow_245.vlan.out"]
    elif "sflow.counters_sample.sequence_number" in s:
        out["kind"] = "counters"
        out["seq"] = s["sflow.counters_sample.sequence_number"]
    return out


def frames(path):
    raw = subprocess.run(["tshark", "-r", path, "-T", "json", "--no-duplicate-keys",
                          "-o", "ip.defragment:FALSE", "-o", "ipv6.defragment:FALSE"],
                         check=True, capture_output=True).stdout
    for f in json.loads(raw):
        layers = f["_source"]["layers"]
        out = {}
        header_fields(layers, out, layers["frame"]["frame.protocols"].startswith("eth:"))
        print(json.dumps({"frame": int(layers["frame"]["frame.number"]), "fields": out}))


def main():
    if sys.argv[1] == "--frames":
        return frames(sys.argv[2])
    raw = subprocess.run(
        ["tshark", "-r", sys.argv[1], "-d", "udp.port==6343,sflow", "-T", "json",
         "--no-duplicate-keys"], check=True, capture_output=True).stdout
    for f in json.loads(raw):
        layers = f["_source"]["layers"]
        sf = layers.get("sflow")
        if not sf:
            continue
        samples = []
        for k, v in sf.items():
            if k.startswith("Flow sample") or k.startswith("Counters sample") or \
                    k.startswith("Expanded"):
                for one in (v if isinstance(v, list) else [v]):
                    samples.append(sample_fields(one))
        print(json.dumps({"frame": int(layers["frame"]["frame.number"]),
                          "agent": sf["sflow_245.agent"],
                          "sequence": sf["sflow_245.sequence_number"],
                          "samples": samples}))


if __name__ == "__main__":
    main()
