#!/usr/bin/python3
"""Side-by-side replay benchmark of pmacct's nfacctd 1.7.7 and ours (issue 4 item 7).

usage: replay-bench.py [--records N] [--rate DGRAMS_PER_S] [--ours PATH] [--pmacct PATH]
                       [--proto v9|ipfix|both]

For NetFlow v9 and IPFIX: a real softflowd export of generated traffic
(compat-tests/inputs/softflowd-v{9,10}-s2.pcap) is replayed in a loop over UDP, with fresh
header sequence numbers, until >= N flow records (default 1,000,000) have been sent, at the
given datagram rate, to one daemon at a time (print plugin, json to a file; SIGINT at the
end for the final purge). Printed per daemon: records sent, records out (sum of the `flows`
counter in the output), records lost, CPU seconds (user+sys of the daemon and every child it
reaped, from wait4) per million records, wall time; then the CPU ratio ours/pmacct.
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

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))


def udp_payloads(path):
    """UDP payloads of a classic pcap (Ethernet or Linux SLL), in order."""
    data = open(path, "rb").read()
    magic = struct.unpack("<I", data[:4])[0]
    end = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
    link = struct.unpack(end + "I", data[20:24])[0]
    off, out = 24, []
    while off + 16 <= len(data):
        caplen = struct.unpack(end + "I", data[off + 8 : off + 12])[0]
        f = data[off + 16 : off + 16 + caplen]
        off += 16 + caplen
        l3, et = (14, struct.unpack("!H", f[12:14])[0]) if link == 1 else (16, struct.unpack("!H", f[14:16])[0])
        while et == 0x8100:
            et = struct.unpack("!H", f[l3 + 2 : l3 + 4])[0]
            l3 += 4
        if et == 0x0800 and f[l3 + 9] == 17:
            udp = f[l3 + (f[l3] & 15) * 4 :]
        elif et == 0x86DD and f[l3 + 6] == 17:
            udp = f[l3 + 40 :]
        else:
            continue
        out.append(udp[8 : struct.unpack("!H", udp[4:6])[0]])
    return out


def data_records(payload, templates):
    """Number of flow records in a v9/IPFIX datagram (templates learnt on the way)."""
    ver = struct.unpack("!H", payload[:2])[0]
    off = 20 if ver == 9 else 16
    n = 0
    while off + 4 <= len(payload):
        sid, slen = struct.unpack("!HH", payload[off : off + 4])
        if slen < 4:
            break
        body = payload[off + 4 : off + slen]
        if sid in (0, 2):  # template set
            p = 0
            while p + 4 <= len(body):
                tid, cnt = struct.unpack("!HH", body[p : p + 4])
                p += 4
                rl = 0
                for _ in range(cnt):
                    ie, ln = struct.unpack("!HH", body[p : p + 4])
                    p += 8 if (ver == 10 and ie & 0x8000) else 4
                    rl += ln
                templates[tid] = rl
        elif sid >= 256 and templates.get(sid):
            n += len(body) // templates[sid]
        off += slen
    return n


def build(base, want):
    """Datagrams of `base` repeated until >= want records, sequence numbers rewritten."""
    dgrams = udp_payloads(base)
    templates = {}
    counts = [data_records(d, templates) for d in dgrams]
    per_loop = sum(counts)
    loops = -(-want // per_loop)
    out, seq_dg, seq_rec = [], 0, 0
    for _ in range(loops):
        for d, c in zip(dgrams, counts):
            b = bytearray(d)
            if b[1] == 9:
                struct.pack_into("!I", b, 12, seq_dg & 0xFFFFFFFF)
            else:
                struct.pack_into("!I", b, 8, seq_rec & 0xFFFFFFFF)
            seq_dg += 1
            seq_rec += c
            out.append(bytes(b))
    return out, per_loop * loops


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def bound(port):
    needle = ":%04X " % port
    for f in ("/proc/net/udp", "/proc/net/udp6"):
        for line in open(f).read().splitlines()[1:]:
            if (line.split()[1] + " ").endswith(needle):
                return True
    return False


def run(binary, dgrams, rate, work, name):
    port = free_port()
    out = os.path.join(work, name + ".json")
    conf = os.path.join(work, name + ".conf")
    open(conf, "w").write(
        "daemonize: false\nnfacctd_ip: 127.0.0.1\nnfacctd_port: %d\nplugins: print\n"
        "aggregate: src_host, dst_host, src_port, dst_port, proto, flows\n"
        "print_output: json\nprint_output_file: %s\nprint_refresh_time: 86400\n" % (port, out)
    )
    log = open(os.path.join(work, name + ".log"), "w")
    p = subprocess.Popen([binary, "-f", conf], stdout=log, stderr=log, env=dict(os.environ, TZ="UTC"))
    t0 = time.time()
    while not bound(port):
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
    _, status, ru = os.wait4(p.pid, 0)
    p.returncode = status
    cpu = ru.ru_utime + ru.ru_stime
    flows = 0
    for line in open(out) if os.path.exists(out) else []:
        try:
            flows += json.loads(line).get("flows", 0)
        except ValueError:
            pass
    return flows, cpu, send_s


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=1_000_000)
    ap.add_argument("--rate", type=float, default=20000, help="datagrams per second")
    ap.add_argument("--pmacct", default=os.environ.get("PMACCT_NFACCTD", "/usr/sbin/nfacctd"))
    ap.add_argument("--ours", default=os.environ.get("PMACCT_RS_NFACCTD"))
    ap.add_argument("--proto", default="both", choices=["v9", "ipfix", "both"])
    a = ap.parse_args()
    if a.ours is None:
        target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
        a.ours = os.path.join(target, "release", "nfacctd")
    daemons = [("pmacct", a.pmacct)]
    if os.path.exists(a.ours):
        daemons.append(("ours", a.ours))
    else:
        print("ours not found at %s (build it or set PMACCT_RS_NFACCTD): pmacct only" % a.ours)
    protos = {"v9": ["v9"], "ipfix": ["v10"], "both": ["v9", "v10"]}[a.proto]
    with tempfile.TemporaryDirectory() as work:
        for v in protos:
            base = os.path.join(ROOT, "compat-tests", "inputs", "softflowd-%s-s2.pcap" % v)
            dgrams, sent = build(base, a.records)
            label = "NetFlow v9" if v == "v9" else "IPFIX"
            print("%s: %d records in %d datagrams, %.0f datagrams/s (%.0f records/s)"
                  % (label, sent, len(dgrams), a.rate, a.rate * sent / len(dgrams)))
            cpu = {}
            for name, binary in daemons:
                flows, c, send_s = run(binary, dgrams, a.rate, work, "%s-%s" % (name, v))
                cpu[name] = c
                print("  %-6s records out %9d  lost %9d (%.3f%%)  CPU %.2f s = %.2f s per million  (sent in %.1f s)"
                      % (name, flows, sent - flows, 100.0 * (sent - flows) / sent, c, c * 1e6 / sent, send_s))
            if len(cpu) == 2 and cpu["pmacct"] > 0:
                print("  CPU ratio ours/pmacct: %.2f" % (cpu["ours"] / cpu["pmacct"]))


if __name__ == "__main__":
    main()
