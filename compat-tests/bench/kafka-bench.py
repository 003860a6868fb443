#!/usr/bin/python3
"""Kafka plugin at speed, Debian's nfacctd 1.7.7 vs ours, side by side (issue 21 item 5).

Each daemon receives N NetFlow v5 records over UDP, each its own aggregate (the tutorial
5-tuple), sent by `replay` (compat-tests, sendmmsg, paced at --rate records/s: pmacct 1.7.7
loses most of them reading a savefile at full speed), into one kafka plugin whose cache holds
them all; once they are accounted, SIGINT makes the final purge write the N records to the
run's own topic. A consumer
(kafka-sink, compat-tests/src/bin/kafka-sink.rs) counts the records that arrive there.
Per run:

- records/s delivered: records on the topic after the run (the sink reads them back; with
  one record per message, the broker's message count when reading them all back is slow) /
  (exit - SIGINT): both
  daemons wait at exit until librdkafka has the broker's acknowledgement of every message
  (pmacct 1.7.7: p_kafka_check_outq_len; ours: kafka_flush_timeout), so this is the purge's
  encoding, producing and delivery together;
- CPU-s per million records: CPU of the daemon (pmacct 1.7.7: core, plugin and writer
  processes) from SIGINT to its exit, per million records delivered.

Brokers: pmacct 1.7.7 links Debian's librdkafka 2.0.2, which cannot talk to tansu (the
ApiVersion handshake fails), so the side-by-side pairs both use librdkafka's mock cluster
(one broker, in the kafka-sink process, over TCP), which reads the topic after the daemon
exited. Ours is also run into the real broker the
tests use (tansu, 127.0.0.1:9092, .ci/kafka-broker.sh) when it answers ("ours@tansu").

Modes (each with the same config for both daemons):
  json    one JSON object per message, librdkafka defaults
  batch   same, kafka_config_file: linger.ms 50, batch.num.messages 100000
  multi   kafka_multi_values: 100000 (about 540 records per message), sticky.partitioning.linger.ms 0
  lz4     batch + compression.codec lz4 (kafka_config_file)
  zstd    batch + compression.codec zstd

The mock cluster keeps about 5 MiB per partition (older messages are gone when the sink reads
the topic), so multi's topic on the mock has 256 partitions: with one, only ~50 of ~370
messages came back, for both daemons alike.

Runs are interleaved (pmacct, ours, ours@tansu) per mode and repetition; medians and the
ratios ours / 1.7.7 are printed at the end.

usage: kafka-bench.py --ours DIR [--records N] [--reps R] [--modes json,batch,multi,lz4,zstd]
                      [--rate RECORDS_PER_S]
                      [--tansu HOST:PORT|none] [--before DIR] [--pmacct-nfacctd PATH]
"""
import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time

from sibling import load

mb = load("memory-bench.py")

AGGREGATE = mb.AGGREGATE
BATCH = "global, linger.ms, 50\nglobal, batch.num.messages, 100000\n"
MODES = {
    "json": ("", None),
    "batch": (BATCH, None),
    # Each message on a random partition (both daemons alike): the mock keeps ~5 MiB each.
    "multi": ("global, sticky.partitioning.linger.ms, 0\n", 100_000),
    "lz4": (BATCH + "global, compression.codec, lz4\n", None),
    "zstd": (BATCH + "global, compression.codec, zstd\n", None),
}
TICK = os.sysconf("SC_CLK_TCK")
PORT = 20656  # unique among the tests and benches


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def cpu_s(root):
    """CPU seconds of root and its live descendants, including their reaped children."""
    total = 0
    for pid in mb.pids_of(root):
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += sum(int(x) for x in fields[11:15])  # utime stime cutime cstime
        except (OSError, IndexError, ValueError):
            pass
    return total / TICK


def settle(proc, what, secs, limit=600):
    """Wait until the daemon's CPU time is flat for secs (started, or done accounting)."""
    t0 = time.monotonic()
    last, flat_since = -1.0, time.monotonic()
    while time.monotonic() - flat_since < secs:
        if proc.poll() is not None:
            sys.exit(f"daemon exited while {what}")
        if time.monotonic() - t0 > limit:
            sys.exit(f"daemon still busy after {limit} s ({what})")
        c = cpu_s(proc.pid)
        if c != last:
            last, flat_since = c, time.monotonic()
        time.sleep(0.1)


def run(side, nfacctd, sink, replay, rate, broker, mode, pcap, n, tmp, tag, limit=900):
    """One daemon, one purge of n records into its own topic: (records delivered, records/s,
    CPU-s per million)."""
    d = os.path.join(tmp, side)
    os.makedirs(d, exist_ok=True)
    topic = f"bench_{mode}_{side.replace('@', '_')}_{tag}"
    log, conf, kconf = (os.path.join(d, f) for f in ("log", "nfacctd.conf", "kafka.conf"))
    if os.path.exists(log):
        os.unlink(log)
    where = ["--mock"] if broker == "mock" else ["--brokers", broker]
    extra, multi = MODES[mode]
    # The mock cluster keeps ~5 MiB per partition: multi's ~100 KB messages need many
    # partitions to be read back whole (librdkafka's partitioner spreads them).
    parts = 256 if multi and broker == "mock" else 1
    s = subprocess.Popen([sink, *where, "--topic", topic, "--partitions", str(parts), "--expect", str(n),
                          "--idle-secs", "5", "--max-secs", str(limit)],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    line = s.stdout.readline().split()
    if line[:1] != ["bootstrap"]:
        sys.exit(f"kafka-sink did not start: {line}")
    host, port = line[1].split(",")[0].rsplit(":", 1)
    with open(kconf, "w") as f:
        f.write(extra)
    with open(conf, "w") as f:
        f.write(f"""daemonize: false
plugins: kafka[k]
aggregate[k]: {AGGREGATE}
kafka_broker_host[k]: {host}
kafka_broker_port[k]: {port}
kafka_topic[k]: {topic}
kafka_refresh_time[k]: 86400
kafka_cache_entries[k]: {n // 4 + 3}
plugin_pipe_size[k]: 209715200
plugin_buffer_size[k]: 102400
nfacctd_ip: 127.0.0.1
nfacctd_port: {PORT}
nfacctd_pipe_size: 67108864
logfile: {log}
""")
        if extra:
            f.write(f"kafka_config_file[k]: {kconf}\n")
        if multi:
            f.write(f"kafka_multi_values[k]: {multi}\n")
        if not side.startswith("pmacct"):
            f.write("kafka_flush_timeout[k]: 300\n")
    proc = subprocess.Popen([nfacctd, "-f", conf], env=dict(os.environ, TZ="UTC"),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    settle(proc, f"{side} starting", 1.0)
    subprocess.run([replay, "--target", f"127.0.0.1:{PORT}", "--rate", str(rate), pcap],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    settle(proc, f"{side} accounting", 1.0)
    # pmacct 1.7.7's plugin may outlive its core: wait for every process of the daemon.
    pids = mb.pids_of(proc.pid)
    cpu0 = cpu_s(proc.pid)
    t_int = time.time()
    proc.send_signal(signal.SIGINT)
    # CPU after SIGINT: each process sampled until it exits (writer processes are reaped by
    # their parents, so cutime/cstime carry them).
    last_cpu = {}
    while True:
        alive = False
        for pid in pids:
            try:
                with open(f"/proc/{pid}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                if fields[0] != "Z":
                    alive = True
                last_cpu[pid] = sum(int(x) for x in fields[11:15]) / TICK
            except (OSError, IndexError, ValueError):
                pass
        proc.poll()
        if not alive:
            break
        time.sleep(0.02)
    t_exit = time.time()
    proc.wait()
    cpu1 = sum(last_cpu.values())
    # The sink reads the topic now that the producer is done.
    out, _ = s.communicate("go\n", timeout=limit)
    f = out.split()
    r = dict(zip(f[0::2], f[1::2]))
    got = int(r.get("records", 0))
    stored = int(r.get("stored", 0))
    if int(r.get("messages", 0)) < stored and not multi:
        # Not every message read back in time: one record per message, the broker's count.
        got = stored
    rate = got / (t_exit - t_int) if got else 0.0
    per_m = (cpu1 - cpu0) / (got / 1e6) if got else float("nan")
    return got, rate, per_m, int(r.get("messages", 0))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=1_000_000)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--modes", default="json,batch,multi,lz4,zstd")
    ap.add_argument("--tansu", default="127.0.0.1:9092", help="HOST:PORT, or none")
    ap.add_argument("--rate", type=int, default=100_000, help="records/s sent")
    ap.add_argument("--ours", required=True)
    ap.add_argument("--before", help="directory with an earlier build's nfacctd, run as a fourth side")
    ap.add_argument("--pmacct-nfacctd", default="/usr/sbin/nfacctd")
    a = ap.parse_args()
    tmp = os.environ.get("TMPDIR", tempfile.gettempdir())
    pcap = os.path.join(tmp, f"memory-bench-{a.records}.pcap")
    if not os.path.exists(pcap):
        mb.write_savefile(pcap, a.records)
    sink = os.path.join(a.ours, "kafka-sink")
    replay = os.path.join(a.ours, "replay")
    sides = [("pmacct", a.pmacct_nfacctd, "mock"), ("ours", os.path.join(a.ours, "nfacctd"), "mock")]
    if a.before:
        sides.insert(1, ("before", os.path.join(a.before, "nfacctd"), "mock"))
    if a.tansu != "none":
        sides.append(("ours@tansu", os.path.join(a.ours, "nfacctd"), a.tansu))
    modes = a.modes.split(",")
    print(f"load average at the start: {loadavg()}")
    print(f"replayed over UDP at {a.rate} records/s: {pcap} ({a.records} NetFlow v5 records, one aggregate each); "
          f"aggregate: {AGGREGATE}; one purge per run; brokers: mock cluster"
          f"{', tansu ' + a.tansu if a.tansu != 'none' else ''}", flush=True)
    res = {(m, s): [] for m in modes for s, _, _ in sides}
    tag = f"{os.getpid()}"
    for rep in range(a.reps):
        for m in modes:
            for side, nfacctd, broker in sides:
                got, rate, per_m, msgs = run(side, nfacctd, sink, replay, a.rate, broker, m, pcap,
                                             a.records, tmp, f"{tag}_{rep}")
                res[(m, side)].append((rate, per_m, got))
                print(f"rep {rep + 1} {m:5} {side:10}: {got} records in {msgs} messages, "
                      f"{rate:,.0f} records/s, {per_m:.2f} CPU-s per million "
                      f"(load average {loadavg()})", flush=True)
    print()
    print(f"load average at the end: {loadavg()}")
    print(f"{'mode':6} {'side':10} {'records/s':>12} {'CPU-s/M':>8} {'delivered':>10}   (medians of {a.reps})")
    med = {}
    for m in modes:
        for side, _, _ in sides:
            v = res[(m, side)]
            med[(m, side)] = [statistics.median(x[i] for x in v) for i in range(3)]
            rate, per_m, got = med[(m, side)]
            print(f"{m:6} {side:10} {rate:12,.0f} {per_m:8.2f} {got:10.0f}")
        p = med[(m, "pmacct")]
        for side, _, _ in sides[1:]:
            o = med[(m, side)]
            if p[0] > 0 and o[0] > 0:
                print(f"{m:6} ratio {side}/1.7.7: records/s x{o[0] / p[0]:.1f}, CPU per record "
                      f"x{o[1] / p[1]:.2f}")


if __name__ == "__main__":
    main()
