#!/usr/bin/python3
"""Side-by-side CPU benchmark of pmacct's sfacctd 1.7.7 and ours (issue 6).

usage: sflow-bench.py [--samples N] [--rate DGRAMS_PER_S] [--mode offline|live|both]
                      [--ours PATH] [--pmacct PATH]

The sFlow export of pmacctd's sfprobe (compat-tests/inputs/sflow/sfprobe-s2.pcap: flow samples
with raw Ethernet/IPv4/IPv6/VLAN/MPLS/VXLAN headers, sampling rate 1) is repeated with fresh
datagram sequence numbers until >= N flow samples (default 1,000,000), then fed to one daemon
at a time (print plugin, json to a file, aggregate src_host, dst_host, src_port, dst_port,
proto):
  offline  the repeated datagrams as a pcap read with pcap_savefile (no receive path, no loss)
  live     the datagrams replayed over UDP at the given rate, then SIGINT
Printed per daemon: samples out (sum of `packets`), samples lost, CPU seconds (user+sys of the
daemon and the children it reaped, from wait4), CPU microseconds per sample; then the ratio.
"""
import argparse
import json
import os
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

from sibling import load

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
rb = load("replay-bench.py")


def flow_samples(d):
    """Flow samples (types 1 and 3) in an sFlow v5 datagram; the offset of its sequence."""
    if struct.unpack("!I", d[:4])[0] != 5:
        return 0, None
    at = struct.unpack("!I", d[4:8])[0]
    off = 8 + (4 if at == 1 else 16)
    seq_off = off + 4
    n = struct.unpack("!I", d[off + 12 : off + 16])[0]
    off += 16
    flows = 0
    for _ in range(n):
        if off + 8 > len(d):
            break
        t, ln = struct.unpack("!II", d[off : off + 8])
        flows += t in (1, 3)
        off += 8 + ln
    return flows, seq_off


def build(base, want):
    dgrams = rb.udp_payloads(base)
    counts = [flow_samples(d) for d in dgrams]
    per_loop = sum(c for c, _ in counts)
    loops = -(-want // per_loop)
    out, seq = [], 0
    for _ in range(loops):
        for d, (_, so) in zip(dgrams, counts):
            b = bytearray(d)
            if so is not None:
                struct.pack_into("!I", b, so, seq & 0xFFFFFFFF)
            seq += 1
            out.append(bytes(b))
    return out, per_loop * loops


def write_pcap(path, dgrams):
    """Ethernet/IPv4/UDP frames to 6343, one per datagram."""
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i, d in enumerate(dgrams):
            udp = struct.pack("!HHHH", 50000, 6343, 8 + len(d), 0) + d
            ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0,
                             bytes([192, 0, 2, 12]), bytes([127, 0, 0, 1])) + udp
            fr = b"\x02" * 6 + b"\x04" * 6 + b"\x08\x00" + ip
            f.write(struct.pack("<IIII", 1700000000 + i // 1000, (i % 1000) * 1000, len(fr), len(fr)))
            f.write(fr)


CONF = ("daemonize: false\n%s\nplugins: print\n"
        "aggregate: src_host, dst_host, src_port, dst_port, proto\n"
        "print_output: json\nprint_output_file: %s\nprint_refresh_time: 86400\n")


def samples_out(out):
    n = 0
    for line in open(out) if os.path.exists(out) else []:
        try:
            n += json.loads(line).get("packets", 0)
        except ValueError:
            pass
    return n


def run_offline(binary, pcap, work, name):
    out = os.path.join(work, name + ".json")
    conf = os.path.join(work, name + ".conf")
    open(conf, "w").write(CONF % ("pcap_savefile: " + pcap, out))
    log = open(os.path.join(work, name + ".log"), "w")
    t0 = time.perf_counter()
    p = subprocess.Popen([binary, "-f", conf], stdout=log, stderr=log, env=dict(os.environ, TZ="UTC"))
    _, _, ru = os.wait4(p.pid, 0)
    return samples_out(out), ru.ru_utime + ru.ru_stime, time.perf_counter() - t0


def run_live(binary, dgrams, rate, work, name):
    port = rb.free_port()
    out = os.path.join(work, name + ".json")
    conf = os.path.join(work, name + ".conf")
    open(conf, "w").write(CONF % ("sfacctd_ip: 127.0.0.1\nsfacctd_port: %d" % port, out))
    log = open(os.path.join(work, name + ".log"), "w")
    p = subprocess.Popen([binary, "-f", conf], stdout=log, stderr=log, env=dict(os.environ, TZ="UTC"))
    t0 = time.time()
    while not rb.bound(port):
        if time.time() - t0 > 15 or p.poll() is not None:
            p.kill()
            sys.exit("%s did not start (see %s.log)" % (binary, name))
        time.sleep(0.05)
    time.sleep(2)  # pmacct starts its plugins after binding
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    gap = 1.0 / rate
    start = time.perf_counter()
    for i, d in enumerate(dgrams):
        s.sendto(d, ("127.0.0.1", port))
        due = start + (i + 1) * gap
        while time.perf_counter() < due:
            pass
    send_s = time.perf_counter() - start
    time.sleep(2)
    p.send_signal(signal.SIGINT)
    _, _, ru = os.wait4(p.pid, 0)
    return samples_out(out), ru.ru_utime + ru.ru_stime, send_s


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--samples", type=int, default=1_000_000)
    ap.add_argument("--rate", type=float, default=5000, help="datagrams per second (live)")
    ap.add_argument("--mode", default="both", choices=["offline", "live", "both"])
    ap.add_argument("--pmacct", default=os.environ.get("PMACCT_SFACCTD", "/usr/sbin/sfacctd"))
    ap.add_argument("--ours", default=os.environ.get("PMACCT_RS_SFACCTD"))
    a = ap.parse_args()
    if a.ours is None:
        target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
        a.ours = os.path.join(target, "release", "sfacctd")
    daemons = [("pmacct", a.pmacct)]
    if os.path.exists(a.ours):
        daemons.append(("ours", a.ours))
    else:
        print("ours not found at %s (build it or set PMACCT_RS_SFACCTD): pmacct only" % a.ours)
    base = os.path.join(ROOT, "compat-tests", "inputs", "sflow", "sfprobe-s2.pcap")
    dgrams, sent = build(base, a.samples)
    print("sFlow v5 (sfprobe): %d flow samples in %d datagrams" % (sent, len(dgrams)))
    modes = ["offline", "live"] if a.mode == "both" else [a.mode]
    with tempfile.TemporaryDirectory() as work:
        pcap = os.path.join(work, "replay.pcap")
        write_pcap(pcap, dgrams)
        for m in modes:
            print("%s%s:" % (m, " at %.0f datagrams/s" % a.rate if m == "live" else " (pcap_savefile)"))
            cpu = {}
            for name, binary in daemons:
                if m == "offline":
                    n, c, wall = run_offline(binary, pcap, work, "%s-%s" % (name, m))
                else:
                    n, c, wall = run_live(binary, dgrams, a.rate, work, "%s-%s" % (name, m))
                cpu[name] = c
                print("  %-6s samples out %9d  lost %8d (%.3f%%)  CPU %.2f s = %.2f us per sample  (wall %.1f s)"
                      % (name, n, sent - n, 100.0 * (sent - n) / sent, c, c * 1e6 / sent, wall))
            if len(cpu) == 2 and cpu["pmacct"] > 0:
                print("  CPU ratio ours/pmacct: %.2f" % (cpu["ours"] / cpu["pmacct"]))


if __name__ == "__main__":
    main()
