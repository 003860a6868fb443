#!/usr/bin/python3
"""Scaling of our nfacctd with threads (issue 21 item 2), one run, interleaved.

usage: scaling-bench.py [--ours DIR] [--rates 1000000,2000000,3000000] [--seconds 4]
                        [--reps 3] [--proto v9|ipfix] [--sources 1] [--exporters 2]

Same set-up as live-bench.py (tutorial aggregate + flows, print JSON every 5 s, the Rust
`replay` sender offering the softflowd export at each rate, counting what it sent). Per rate,
three variants of the same binary, in turns:
  1 thread   taskset to one core: one worker, one plugin thread
  2w 1shard  every core: a worker per core, the plugin on one thread (PMACCT_RS_PLUGIN_SHARDS=1)
  2w 2shard  every core: a worker per core, the plugin on one shard per core (the default is
             one shard per four cores: collector::plugin_shards)
Printed per variant, medians: records offered, out, loss, kernel drops, CPU-s per million and
the plugin's busiest thread's CPU share (from /proc/<pid>/task: which thread is the ceiling).
The sender shares the machine's cores: on 2 cores it takes part of one.
"""
import argparse
import os
import statistics
import tempfile

from sibling import load, release_dir

lb = load("live-bench.py")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ours")
    ap.add_argument("--rates", default="1000000,2000000,3000000")
    ap.add_argument("--seconds", type=float, default=4)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--proto", default="v9")
    ap.add_argument("--sources", type=int, default=1)
    ap.add_argument("--exporters", type=int, default=2,
                    help="exporter addresses: workers are picked by exporter address")
    a = ap.parse_args()
    ours = os.path.join(a.ours or release_dir(), "nfacctd")
    replay = os.path.join(release_dir(), "replay")
    pcap = os.path.join(lb.ROOT, lb.CAPTURES[a.proto][1])
    ncpu = os.cpu_count() or 1
    variants = [
        ("1 thread", {}, "0"),
        ("%dw 1shard" % ncpu, {"PMACCT_RS_PLUGIN_SHARDS": "1"}, None),
        ("%dw %dshard" % (ncpu, ncpu), {"PMACCT_RS_PLUGIN_SHARDS": str(ncpu)}, None),
    ]
    print("load average at start: %s (medians of %d; %d cores shared with the sender)"
          % (" ".join(lb.loadavg()), a.reps, ncpu))
    print("%10s %-10s %10s %10s %7s %8s %8s  %s" % (
        "offered/s", "variant", "offered", "out", "loss%", "k.drops", "CPU-s/M",
        "busiest thread (share of a core)"))
    with tempfile.TemporaryDirectory() as work:
        for rate in [int(x) for x in a.rates.split(",")]:
            res = {v[0]: [] for v in variants}
            for rep in range(a.reps):
                order = variants if rep % 2 == 0 else variants[::-1]
                for name, env, cpus in order:
                    res[name].append(lb.live_run(
                        ours, "nfacctd", pcap, rate, a.seconds, a.sources, replay, work,
                        "%s-%d-%d" % (name.replace(" ", "_"), rate, rep), env=env, cpus=cpus,
                        exporters=a.exporters))
            for name, _, _ in variants:
                runs = res[name]
                sent = statistics.median(x[0] for x in runs)
                out = statistics.median(x[1] for x in runs)
                loss = statistics.median(max(0.0, 1 - x[1] / max(1, x[0])) * 100 for x in runs)
                drops = statistics.median(x[2] for x in runs)
                cpm = statistics.median(x[3] * 1e6 / max(1, x[1]) for x in runs)
                share, thread = sorted((x[5] for x in runs))[len(runs) // 2]
                print("%10d %-10s %10d %10d %7.2f %8d %8.3f  %s %.0f%%" % (
                    rate, name, sent, out, loss, drops, cpm, thread, share * 100))
    print("load average at end: %s" % " ".join(lb.loadavg()))


if __name__ == "__main__":
    main()
