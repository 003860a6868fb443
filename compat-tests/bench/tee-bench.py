#!/usr/bin/python3
"""tee benchmark over a UDP replay, pmacct's nfacctd 1.7.7 vs ours, in one run (issue 19).

usage: tee-bench.py [--datagrams N] [--rate DGRAMS_PER_S] [--ours PATH] [--pmacct PATH]
                    [--receivers K]

The export datagrams of a real softflowd NetFlow v9 capture (compat-tests/inputs/
softflowd-v9-s2.pcap) are replayed over UDP in a loop (N in all, default 200,000, at the
given rate, default 20,000/s; 0 = as fast as the sender goes) to one daemon at a time, whose
tee plugin replicates them to K local UDP sinks (default 2, one pool each). Printed per
daemon: datagrams sent, replicated (received by the sinks), lost, datagrams/s replicated
over the replay, the daemon's CPU seconds (user+sys, itself and the children it reaped)
per million datagrams, and where the kernel dropped datagrams (the daemon's listening socket,
the sinks' sockets: /proc/net/udp); then the CPU ratio ours/pmacct. Unlike pcap_savefile_replay, the
datagrams come over the network as in production.
"""
import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import multiprocessing
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)
from importlib import import_module  # noqa: E402

udp_payloads = import_module("replay-bench").udp_payloads


def oracle():
    for p in ("/usr/sbin/nfacctd", "/sbin/nfacctd"):
        if os.path.exists(p):
            return p
    return "nfacctd"


def ours_default():
    for d in (os.environ.get("CARGO_TARGET_DIR"), os.path.join(ROOT, "target")):
        if d and os.path.exists(os.path.join(d, "release", "nfacctd")):
            return os.path.join(d, "release", "nfacctd")
    return None


def sink_loop(sock, count, stop):
    while not stop.value:
        try:
            sock.recv(65536)
            count.value += 1
        except socket.timeout:
            pass


class Sink:
    """A UDP sink counting datagrams in a process of its own (the sender's pacing loop
    would starve a thread of the same interpreter)."""

    def __init__(self):
        self.s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 32 << 20)
        self.s.bind(("127.0.0.1", 0))
        self.s.settimeout(0.2)
        self.count = multiprocessing.Value("q", 0, lock=False)
        self.halt = multiprocessing.Value("b", 0, lock=False)
        self.p = multiprocessing.Process(target=sink_loop, args=(self.s, self.count, self.halt), daemon=True)

    def start(self):
        self.p.start()

    @property
    def n(self):
        return self.count.value

    def stop(self):
        self.halt.value = 1
        self.p.join()


def udp_drops(port):
    """Datagrams the kernel dropped on the UDP socket bound to 127.0.0.1:port (buffer full)."""
    want = "0100007F:%04X" % port
    total = 0
    for line in open("/proc/net/udp").read().splitlines()[1:]:
        f = line.split()
        if f[1] == want:
            total += int(f[-1])
    return total


def run(bin_path, payloads, n, rate, k):
    sinks = [Sink() for _ in range(k)]
    for s in sinks:
        s.start()
    d = tempfile.mkdtemp(prefix="tee-bench-")
    recv = os.path.join(d, "receivers.lst")
    with open(recv, "w") as f:
        for i, s in enumerate(sinks):
            f.write("id=%d ip=127.0.0.1:%d\n" % (i + 1, s.s.getsockname()[1]))
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    conf = os.path.join(d, "tee.conf")
    with open(conf, "w") as f:
        f.write("plugins: tee[t]\ntee_receivers[t]: %s\nnfacctd_ip: 127.0.0.1\nnfacctd_port: %d\n"
                "plugin_pipe_size[t]: 67108864\nnfacctd_pipe_size: 33554432\nlogfile: %s\n"
                % (recv, port, os.path.join(d, "daemon.log")))
    p = subprocess.Popen([bin_path, "-f", conf], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(2)
    tx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    tx.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 8 << 20)
    t0 = time.monotonic()
    for i in range(n):
        tx.sendto(payloads[i % len(payloads)], ("127.0.0.1", port))
        if rate:
            due = t0 + (i + 1) / rate
            while time.monotonic() < due:
                pass
    send_secs = time.monotonic() - t0
    # Until the sinks stop receiving.
    last, since = -1, time.monotonic()
    while time.monotonic() - since < 1.0:
        tot = sum(s.n for s in sinks)
        if tot != last:
            last, since = tot, time.monotonic()
        time.sleep(0.05)
    in_drops = udp_drops(port)
    sink_drops = sum(udp_drops(s.s.getsockname()[1]) for s in sinks)
    p.send_signal(signal.SIGINT)
    _, _, ru = os.wait4(p.pid, 0)
    got = sum(s.n for s in sinks)
    for s in sinks:
        s.stop()
    return got, send_secs, ru.ru_utime + ru.ru_stime, in_drops, sink_drops


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--datagrams", type=int, default=200000)
    ap.add_argument("--rate", type=int, default=20000)
    ap.add_argument("--receivers", type=int, default=2)
    ap.add_argument("--ours", default=os.environ.get("PMACCT_RS_NFACCTD") or ours_default())
    ap.add_argument("--pmacct", default=os.environ.get("PMACCT_NFACCTD") or oracle())
    a = ap.parse_args()
    payloads = udp_payloads(os.path.join(ROOT, "compat-tests/inputs/softflowd-v9-s2.pcap"))
    want = a.datagrams * a.receivers
    cpu = {}
    for name, b in (("pmacct-1.7.7", a.pmacct), ("ours", a.ours)):
        if not b:
            print("%s: no binary" % name)
            continue
        got, secs, c, in_drops, sink_drops = run(b, payloads, a.datagrams, a.rate, a.receivers)
        cpu[name] = c
        print("%-13s sent %d x %d receivers, replicated %d, lost %d (%.2f%%), %.0f datagrams/s replicated, "
              "cpu %.2f s (%.2f s per 1M datagrams); kernel drops: daemon socket %d, sinks %d"
              % (name, a.datagrams, a.receivers, got, want - got, 100.0 * (want - got) / want,
                 got / secs, c, c * 1e6 / a.datagrams, in_drops, sink_drops))
    if len(cpu) == 2 and cpu["pmacct-1.7.7"] > 0:
        print("cpu ratio ours/pmacct: %.2f" % (cpu["ours"] / cpu["pmacct-1.7.7"]))


if __name__ == "__main__":
    main()
