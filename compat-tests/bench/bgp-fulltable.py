#!/usr/bin/env python3
"""Full-table BGP bench (issue 17): Debian's nfacctd 1.7.7 and ours, side by side.

One BGP peer announces 1M IPv4 + 200k IPv6 prefixes (nested /16-/24 IPv4, /32-/48 IPv6,
200k distinct attribute sets of AS paths, communities, LOCAL_PREF, MED; about 4.5 prefixes
per UPDATE, as real tables pack them) to nfacctd with `bgp_daemon: true` (the collector keeps
the RIB for its flow lookups; 1.7.7's pmbgpd keeps none without dumps). Then a second peer
announces the same table with the same attributes: its extra RSS shows how much of a table
is per-peer routes and how much is interned attributes.

Printed per collector: time to load the table (first UPDATE sent until the collector
answered the KEEPALIVE sent after the last UPDATE: one session is read in order), CPU
seconds the collector spent, RSS after 1 peer and after 2 peers; ours / 1.7.7 ratios. Our
longest-prefix lookups per second per core come from the `fulltable` example of
pmacct-bgp (same table, straight over the RIB); 1.7.7 has no way to measure its lookups
alone (they run inside flow processing), so none is printed for it.

    python3 compat-tests/bench/bgp-fulltable.py [--ours target/release/nfacctd] [--v4 N] [--v6 N]

Needs: Debian's pmacct (nfacctd 1.7.7), our release nfacctd, and the example binary
(`cargo build --release -p pmacct-bin -p pmacct-bgp --example fulltable` or the script's
--build).
"""

import argparse
import os
import random
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time

HOLD = 65535  # no periodic KEEPALIVE during the run: the only one is the end marker's reply


def msg(kind, body):
    return b"\xff" * 16 + struct.pack("!HB", 19 + len(body), kind) + body


def open_msg(asn, router_id):
    caps = bytes([1, 4, 0, 1, 0, 1, 1, 4, 0, 2, 0, 1, 65, 4]) + struct.pack("!I", asn)
    params = bytes([2, len(caps)]) + caps
    body = struct.pack("!BHH4sB", 4, asn if asn < 65536 else 23456, HOLD,
                       socket.inet_aton(router_id), len(params)) + params
    return msg(1, body)


KEEPALIVE = msg(4, b"")


def attr(flags, code, value):
    if len(value) > 255:
        return struct.pack("!BBH", flags | 0x10, code, len(value)) + value
    return struct.pack("!BBB", flags, code, len(value)) + value


def attr_sets(n, rnd):
    """n distinct attribute sets (without NEXT_HOP / MP_REACH): ORIGIN, AS_PATH (4-byte ASNs),
    LOCAL_PREF, MED on some, COMMUNITIES on some."""
    out = []
    for k in range(n):
        plen = 2 + k % 5
        path = [64512 + (k % 300)] + [rnd.randrange(1, 400000) for _ in range(plen - 1)] + [k + 1]
        a = attr(0x40, 1, bytes([k % 3]))
        a += attr(0x40, 2, bytes([2, len(path)]) + b"".join(struct.pack("!I", x) for x in path))
        a += attr(0x40, 5, struct.pack("!I", 100 + k % 7))
        if k % 2:
            a += attr(0x80, 4, struct.pack("!I", k % 1000))
        if k % 3 == 0:
            comms = [(65000 << 16) | (k % 500), (65001 << 16) | (k % 17)]
            a += attr(0xC0, 8, b"".join(struct.pack("!I", c) for c in comms))
        out.append(a)
    return out


def v4_prefixes(n):
    """n IPv4 prefixes: /24s from 1.0.0.0 upward with a covering /16 every 256 and a /20
    every 16 (nested, as real tables)."""
    out = []
    i = 0
    while len(out) < n:
        base = 0x01000000 + (i << 8)
        if i % 256 == 0:
            out.append((base, 16))
        if i % 16 == 0 and len(out) < n:
            out.append((base, 20))
        if len(out) < n:
            out.append((base, 24))
        i += 1
    return out[:n]


def v6_prefixes(n):
    """n IPv6 prefixes: /48s under 2001::/16 upward with a covering /32 every 65536."""
    out = []
    i = 0
    while len(out) < n:
        hi = (0x2001 << 112) | ((i >> 16) << 96) | ((i & 0xFFFF) << 80)
        if i % 65536 == 0:
            out.append((hi, 32))
        if len(out) < n:
            out.append((hi, 48))
        i += 1
    return out[:n]


def nlri4(p, l):
    nb = (l + 7) // 8
    return bytes([l]) + struct.pack("!I", p)[:nb]


def nlri6(p, l):
    nb = (l + 7) // 8
    return bytes([l]) + p.to_bytes(16, "big")[:nb]


def updates(n4, n6, n_attrs, seed=7):
    """The whole table as one byte stream of UPDATEs."""
    rnd = random.Random(seed)
    sets = attr_sets(n_attrs, rnd)
    out = bytearray()
    k = 0
    v4 = v4_prefixes(n4)
    i = 0
    while i < len(v4):
        g = 1 + (k * 7919) % 8
        a = sets[k % n_attrs]
        nh = attr(0x40, 3, socket.inet_aton("10.0.%d.%d" % ((k >> 8) & 255, 1 + k % 250)))
        pa = a + nh
        nl = b"".join(nlri4(p, l) for p, l in v4[i:i + g])
        out += msg(2, struct.pack("!HH", 0, len(pa)) + pa + nl)
        i += g
        k += 1
    v6 = v6_prefixes(n6)
    i = 0
    nh6 = socket.inet_pton(socket.AF_INET6, "2001:db8::1")
    while i < len(v6):
        g = 1 + (k * 7919) % 8
        a = sets[k % n_attrs]
        nl = b"".join(nlri6(p, l) for p, l in v6[i:i + g])
        mp = struct.pack("!HBB", 2, 1, 16) + nh6 + b"\x00" + nl
        pa = a + attr(0x80, 14, mp)
        out += msg(2, struct.pack("!HH", 0, len(pa)) + pa)
        i += g
        k += 1
    return bytes(out), k


def read_msg(s):
    h = b""
    while len(h) < 19:
        c = s.recv(19 - len(h))
        if not c:
            raise ConnectionError("collector closed the session")
        h += c
    ln = struct.unpack("!H", h[16:18])[0]
    body = b""
    while len(body) < ln - 19:
        c = s.recv(ln - 19 - len(body))
        if not c:
            raise ConnectionError("collector closed the session")
        body += c
    return h[18], body


def load(port, src, table, router_id):
    """Open a session from `src`, send the table, return seconds until the end marker's
    KEEPALIVE came back (the socket stays open: the RIB stays)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind((src, 0))
    s.connect(("127.0.0.1", port))
    s.sendall(open_msg(65000, router_id))
    kind, _ = read_msg(s)
    assert kind == 1, "no OPEN from the collector (%d)" % kind
    s.sendall(KEEPALIVE)
    # The collector's KEEPALIVE(s) after its OPEN and for ours.
    s.settimeout(0.5)
    try:
        while True:
            read_msg(s)
    except socket.timeout:
        pass
    s.settimeout(600)
    t0 = time.monotonic()
    s.sendall(table)
    s.sendall(KEEPALIVE)
    while True:
        kind, _ = read_msg(s)
        if kind == 4:
            break
        if kind == 3:
            raise ConnectionError("NOTIFICATION from the collector")
    return time.monotonic() - t0, s


def proc_stat(pid):
    with open("/proc/%d/status" % pid) as f:
        rss = next(int(l.split()[1]) for l in f if l.startswith("VmRSS:"))
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    tck = os.sysconf("SC_CLK_TCK")
    cpu = (int(fields[11]) + int(fields[12])) / tck
    return rss, cpu


def run(name, binary, port, udp, table, workdir):
    conf = os.path.join(workdir, name + ".conf")
    with open(conf, "w") as f:
        f.write(f"""daemonize: false
nfacctd_ip: 127.0.0.1
nfacctd_port: {udp}
bgp_daemon: true
bgp_daemon_ip: 127.0.0.1
bgp_daemon_port: {port}
bgp_daemon_max_peers: 4
nfacctd_as: bgp
nfacctd_net: bgp
plugins: print[p]
aggregate[p]: src_as, dst_as
print_output_file[p]: {workdir}/{name}.out
print_refresh_time[p]: 3600
logfile: {workdir}/{name}.log
""")
    p = subprocess.Popen([binary, "-f", conf], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        time.sleep(1.0)  # the probe connection above is gone on its side too
        rss0, cpu0 = proc_stat(p.pid)
        t1, s1 = load(port, "127.0.0.1", table, "10.255.0.1")
        time.sleep(1.0)
        rss1, cpu1 = proc_stat(p.pid)
        t2, s2 = load(port, "127.0.0.2", table, "10.255.0.2")
        time.sleep(1.0)
        rss2, cpu2 = proc_stat(p.pid)
        s1.close()
        s2.close()
        return {
            "load_s": t1, "cpu_s": cpu1 - cpu0, "rss0_mb": rss0 / 1024, "rss1_mb": rss1 / 1024,
            "rss2_mb": rss2 / 1024, "load2_s": t2, "cpu2_s": cpu2 - cpu1,
        }
    finally:
        p.terminate()
        try:
            p.wait(10)
        except subprocess.TimeoutExpired:
            p.kill()


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.abspath(os.path.join(here, "..", ".."))
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(root, "target"))
    ap = argparse.ArgumentParser()
    ap.add_argument("--theirs", default="/usr/sbin/nfacctd")
    ap.add_argument("--ours", default=os.path.join(target, "release", "nfacctd"))
    ap.add_argument("--example", default=os.path.join(target, "release", "examples", "fulltable"))
    ap.add_argument("--v4", type=int, default=1_000_000)
    ap.add_argument("--v6", type=int, default=200_000)
    ap.add_argument("--attrs", type=int, default=200_000)
    ap.add_argument("--build", action="store_true")
    a = ap.parse_args()
    if a.build:
        subprocess.check_call(["cargo", "build", "--release", "-p", "pmacct-bin", "--bin", "nfacctd"], cwd=root)
        subprocess.check_call(["cargo", "build", "--release", "-p", "pmacct-bgp", "--example", "fulltable"], cwd=root)
    t = time.monotonic()
    table, n_updates = updates(a.v4, a.v6, a.attrs)
    print(f"table: {a.v4} IPv4 + {a.v6} IPv6 prefixes, {n_updates} UPDATEs, {len(table)/1e6:.1f} MB, "
          f"{a.attrs} attribute sets (generated in {time.monotonic()-t:.1f} s)")
    workdir = tempfile.mkdtemp(prefix="bgp-fulltable-")
    with open(os.path.join(workdir, "table.bin"), "wb") as f:
        f.write(table)
    res = {}
    for name, binary, port, udp in (("1.7.7", a.theirs, 17951, 27951), ("ours", a.ours, 17952, 27952)):
        if not os.path.exists(binary):
            sys.exit(f"{binary} missing")
        res[name] = run(name, binary, port, udp, table, workdir)
    rows = [
        ("time to load 1 peer (s)", "load_s", "{:.2f}"),
        ("CPU to load 1 peer (s)", "cpu_s", "{:.2f}"),
        ("time to load 2nd peer (s)", "load2_s", "{:.2f}"),
        ("RSS idle (MB)", "rss0_mb", "{:.0f}"),
        ("RSS 1 peer (MB)", "rss1_mb", "{:.0f}"),
        ("RSS 2 peers (MB)", "rss2_mb", "{:.0f}"),
    ]
    print(f"{'':28} {'1.7.7':>10} {'ours':>10} {'ours/1.7.7':>11}")
    for label, k, fmt in rows:
        t, o = res["1.7.7"][k], res["ours"][k]
        print(f"{label:28} {fmt.format(t):>10} {fmt.format(o):>10} {o / t if t else float('nan'):>11.2f}")
    for name in ("1.7.7", "ours"):
        r = res[name]
        first = r["rss1_mb"] - r["rss0_mb"]
        second = r["rss2_mb"] - r["rss1_mb"]
        print(f"{name}: 1st peer +{first:.0f} MB, 2nd peer (same attributes) +{second:.0f} MB "
              f"({100 * second / first if first else 0:.0f}% of the first)")
    if os.path.exists(a.example):
        out = subprocess.run([a.example, os.path.join(workdir, "table.bin"), str(a.v4), str(a.v6)],
                             check=True, capture_output=True, text=True).stdout
        print(out.strip())
    else:
        print(f"({a.example} missing: no lookup figures)")
    shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
