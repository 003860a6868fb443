#!/usr/bin/python3
"""BMP Route Monitoring into the message log on Kafka, Debian's pmbmpd 1.7.7 vs ours, side by
side (issue 18: "BMP route-monitoring messages/s into the RIB and to Kafka").

One router streams Initiation, a Peer Up, N Route Monitoring messages (one IPv4 /24 each:
ORIGIN, 3-ASN AS_PATH, NEXT_HOP, MED, LOCAL_PREF, 2 COMMUNITIES; the stream of
crates/bmp/examples/bench_rm.rs, built with compat-tests/gen/bmp_stream.py's helpers) and a
Termination over TCP into pmbmpd with `bmp_daemon_msglog_kafka_*` (one JSON message per
route, 1.7.7's format) and nothing else. Per run:

- produced msgs/s: N / (first byte sent -> the broker holds the last message). kafka-sink
  (compat-tests/src/bin/kafka-sink.rs --watch) polls the topic's high watermark every 20 ms
  and reports each change; the time of the last change is when the last message was stored;
- processed msgs/s: N / (first byte sent -> the collector closed the connection after the
  Termination): decoding and handing the messages to the producer (into the RIB, as
  bench_rm measures it, plus the msglog encoding);
- CPU-s per million messages: CPU of the daemon (utime + stime of every process and thread,
  librdkafka's included, from /proc) from the first byte to the last stored message;
- messages stored per run (N routes plus log_init, init, peer_up, term, log_close).

Broker: Debian's 1.7.7 links librdkafka 2.0.2, which cannot talk to the tansu test broker
(the ApiVersion handshake fails; docs/COMPATIBILITY.md "## Kafka"), so, as the tests
(compat-tests/tests/bmp_bus.rs, pmbgpd.rs) and kafka-bench.sh do, both sides produce into
librdkafka's mock cluster (one broker, in the kafka-sink process, over TCP; a fresh one and
a fresh topic per run). Both daemons run with librdkafka's defaults (no
`bmp_daemon_msglog_kafka_config_file`).

Runs are interleaved (pmacct, ours) per repetition; medians and ours / 1.7.7 ratios at the
end.

One run here (2 shared cores, load average 2-3; release pmbmpd, kafka-sink a debug build
with librdkafka optimised; `--messages 500000 --reps 3`):

  rep 1 pmacct: 500005 messages stored, produced 56,004 msgs/s, processed 56,111 msgs/s, 13.60 CPU-s per million
  rep 1 ours  : 500005 messages stored, produced 182,154 msgs/s, processed 183,486 msgs/s, 4.00 CPU-s per million
  rep 2 pmacct: 500005 messages stored, produced 60,104 msgs/s, processed 60,217 msgs/s, 13.16 CPU-s per million
  rep 2 ours  : 500005 messages stored, produced 162,673 msgs/s, processed 162,987 msgs/s, 4.38 CPU-s per million
  rep 3 pmacct: 500005 messages stored, produced 63,573 msgs/s, processed 63,731 msgs/s, 13.28 CPU-s per million
  rep 3 ours  : 500005 messages stored, produced 178,479 msgs/s, processed 179,164 msgs/s, 4.24 CPU-s per million

  side    produced/s  processed/s  CPU-s/M   stored   (medians of 3, 500000 RM messages)
  pmacct      60,104       60,217    13.28   500005
  ours       178,479      179,164     4.24   500005
  ratio ours/1.7.7: produced msgs/s x2.97, processed msgs/s x2.98, CPU per message x0.32

Both sides store the same 500,005 messages (the routes, log_init, init, peer_up, term,
log_close). On both, the last message is stored 6-20 ms (the watcher polls every 20 ms)
after the collector closed the connection: the producer keeps up, the rate is the
collector's decode + JSON + produce. Both run at ~0.8 of a core (1.7.7: 13.28 CPU-s/M x
60k/s; ours 4.24 x 178k/s); the rest of the 2 cores goes to the sender, the mock broker and
the watcher.

usage: bmp-kafka-bench.py --ours DIR [--messages N] [--reps R] [--pmacct-pmbmpd PATH]
  (DIR holds our pmbmpd and kafka-sink; bmp-kafka-bench.sh builds them)
"""
import argparse
import os
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time

from sibling import load

bs = load("../gen/bmp_stream.py")
# cpu_s: CPU seconds of a daemon and its descendants, from /proc (kafka-bench.py's).
kb = load("kafka-bench.py")
cpu_s = kb.cpu_s

PORT = 20657  # unique among the tests and benches (kafka-bench: 20656)


def stream(n):
    """Initiation, Peer Up of bmp_stream's peer A (10.0.0.2, AS 65001, 4-byte AS), n Route
    Monitoring messages of one distinct /24 each (10.0.0.0/24 upward), Termination."""
    peer = bs.PA
    out = bytearray(bs.initiation())
    out += bs.up(peer)
    ph = bs.ph(peer)
    nh = bs.attr(0x40, 3, bytes([10, 0, 0, 2]))
    lp = bs.attr(0x40, 5, struct.pack("!I", 100))
    for i in range(n):
        attrs = (bs.attr(0x40, 1, b"\x00")
                 + bs.attr(0x40, 2, bs.as_path([(2, [65001, 64512 + i % 100, 64700 + i % 7])]))
                 + nh
                 + bs.attr(0x80, 4, struct.pack("!I", i % 50))
                 + lp
                 + bs.attr(0xC0, 8, struct.pack("!II", (65001 << 16) | 1, (65001 << 16) | (i % 10))))
        p = 0x0A0000 + i
        nlri = bytes([24]) + struct.pack("!I", p)[1:]
        out += bs.bmp(0, ph + bs.update(attrs=attrs, nlri=nlri))
    out += bs.bmp(5, bs.tlv(0, b"bench done") + bs.tlv(1, struct.pack("!H", 0)))
    return bytes(out)


def wait_listening(proc, what, limit=20):
    t0 = time.monotonic()
    while True:
        if proc.poll() is not None:
            sys.exit(f"{what} exited at start")
        try:
            socket.create_connection(("127.0.0.1", PORT), timeout=0.2).close()
            return
        except OSError:
            if time.monotonic() - t0 > limit:
                sys.exit(f"{what} not listening on {PORT}")
            time.sleep(0.1)


def run(side, pmbmpd, sink, data, n, tmp, tag, limit=900):
    """One daemon, one router of n Route Monitoring messages: (produced msgs/s, processed
    msgs/s, CPU-s per million, messages stored)."""
    d = os.path.join(tmp, side)
    os.makedirs(d, exist_ok=True)
    topic = f"bmpbench_{side}_{tag}"
    log, conf = os.path.join(d, "log"), os.path.join(d, "pmbmpd.conf")
    if os.path.exists(log):
        os.unlink(log)
    s = subprocess.Popen([sink, "--mock", "--watch", "--topic", topic, "--partitions", "1",
                          "--expect", str(n + 2), "--idle-secs", "3", "--max-secs", str(limit)],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    line = s.stdout.readline().split()
    if line[:1] != ["bootstrap"]:
        sys.exit(f"kafka-sink did not start: {line}")
    host, port = line[1].split(",")[0].rsplit(":", 1)
    with open(conf, "w") as f:
        f.write(f"""daemonize: false
bmp_daemon_ip: 127.0.0.1
bmp_daemon_port: {PORT}
bmp_daemon_max_peers: 4
bmp_daemon_msglog_kafka_broker_host: {host}
bmp_daemon_msglog_kafka_broker_port: {port}
bmp_daemon_msglog_kafka_topic: {topic}
logfile: {log}
""")
    proc = subprocess.Popen([pmbmpd, "-f", conf], env=dict(os.environ, TZ="UTC"),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    # Watermark changes, each with the daemon's CPU when it was read.
    seen = []

    def reader():
        for ln in s.stdout:
            w = ln.split()
            if w[:1] == ["watch"]:
                seen.append((int(w[1]), float(w[2]), cpu_s(proc.pid)))
            elif w[:1] == ["watched"]:
                seen.append(("end", int(w[1]), float(w[2])))
                return
    th = threading.Thread(target=reader, daemon=True)
    th.start()
    try:
        wait_listening(proc, side)
        # The probe's log_init / log_close reach the broker: the producer is connected.
        t = time.monotonic()
        while not seen or seen[-1][0] == "end" or seen[-1][0] < 2:
            if time.monotonic() - t > 30:
                sys.exit(f"{side}: the probe connection's log_init / log_close never reached "
                         f"the broker; see {log}")
            time.sleep(0.05)
        time.sleep(0.5)
        base = seen[-1][0]
        cpu0 = cpu_s(proc.pid)
        c = socket.create_connection(("127.0.0.1", PORT))
        c.settimeout(limit)
        t0 = time.time()
        c.sendall(data)
        while c.recv(4096):
            pass
        t_close = time.time()
        c.close()
        th.join(limit)
        if not seen or seen[-1][0] != "end":
            sys.exit(f"{side}: the watch did not end; see {log}")
        _, stored, t_last = seen[-1]
        cpu_last = [x[2] for x in seen[:-1] if x[0] == stored][-1]
        got = stored - base
        if got < n:
            print(f"  {side}: only {got} of {n}+ messages stored", flush=True)
        produced = n / (t_last - t0)
        processed = n / (t_close - t0)
        per_m = (cpu_last - cpu0) / (n / 1e6)
        return produced, processed, per_m, got
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        s.kill()
        s.wait()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--messages", type=int, default=500_000)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--ours", required=True)
    ap.add_argument("--pmacct-pmbmpd", default="/usr/sbin/pmbmpd")
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="bmp-kafka-bench-")
    t = time.monotonic()
    data = stream(a.messages)
    print(f"one BMP router: Initiation, Peer Up, {a.messages} Route Monitoring messages (one /24 "
          f"each), Termination; {len(data)} bytes (generated in {time.monotonic() - t:.1f} s); "
          f"msglog to Kafka (librdkafka mock cluster, both sides)", flush=True)
    sink = os.path.join(a.ours, "kafka-sink")
    sides = [("pmacct", a.pmacct_pmbmpd), ("ours", os.path.join(a.ours, "pmbmpd"))]
    res = {s: [] for s, _ in sides}
    tag = f"{os.getpid()}"
    for rep in range(a.reps):
        for side, pmbmpd in sides:
            r = run(side, pmbmpd, sink, data, a.messages, tmp, f"{tag}_{rep}")
            res[side].append(r)
            print(f"rep {rep + 1} {side:6}: {r[3]} messages stored, produced {r[0]:,.0f} msgs/s, "
                  f"processed {r[1]:,.0f} msgs/s, {r[2]:.2f} CPU-s per million", flush=True)
    print()
    print(f"{'side':6} {'produced/s':>11} {'processed/s':>12} {'CPU-s/M':>8} {'stored':>8}"
          f"   (medians of {a.reps}, {a.messages} RM messages)")
    med = {}
    for side, _ in sides:
        med[side] = [statistics.median(x[i] for x in res[side]) for i in range(4)]
        p, q, c, g = med[side]
        print(f"{side:6} {p:11,.0f} {q:12,.0f} {c:8.2f} {g:8.0f}")
    p, o = med["pmacct"], med["ours"]
    print(f"ratio ours/1.7.7: produced msgs/s x{o[0] / p[0]:.2f}, processed msgs/s "
          f"x{o[1] / p[1]:.2f}, CPU per message x{o[2] / p[2]:.2f}")


if __name__ == "__main__":
    main()
