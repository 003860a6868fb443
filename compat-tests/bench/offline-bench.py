#!/usr/bin/python3
"""Offline CPU per record (issue 21 item 3): pmacct 1.7.7 and ours side by side, interleaved.

usage: offline-bench.py [--ours DIR] [--before DIR] [--pmacct-dir /usr/sbin]
                        [--protos v9,ipfix,sflow] [--replay 3000] [--reps 5]

Each daemon reads the capture as pcap_savefile, replayed --replay times (3000: at 300 a run
of ours is about eight clock ticks of CPU, too few to time), with the tutorial
aggregate plus flows (live-bench.py's config, print JSON). CPU is user+sys of the whole process
tree (wait4); the CPU of one pass is subtracted (start-up and the final purge cancel out) and
divided by the difference in records out (sum of `flows`). Per rep the builds run in turns
(pmacct, before, ours, then reversed), under this script's nice; medians of --reps, the ratios
of the medians and the medians of each rep's own ratios, and the load average are printed.
"""
import argparse
import os
import statistics
import tempfile

from sibling import load

lb = load("live-bench.py")


def main():
    ap = argparse.ArgumentParser()
    lb.add_build_args(ap)
    ap.add_argument("--no-pmacct", action="store_true")
    ap.add_argument("--replay", type=int, default=3000)
    ap.add_argument("--reps", type=int, default=5)
    a = ap.parse_args()
    builds = lb.builds_of(a, pmacct=not a.no_pmacct)
    print("load average at start: %s (medians of %d interleaved runs)"
          % (" ".join(lb.loadavg()), a.reps))
    with tempfile.TemporaryDirectory() as work:
        for proto in a.protos.split(","):
            daemon, rel, label = lb.CAPTURES[proto]
            pcap = os.path.join(lb.ROOT, rel)
            res = {n: [] for n, _ in builds}
            outs = {n: [] for n, _ in builds}
            for rep in range(a.reps):
                order = builds if rep % 2 == 0 else builds[::-1]
                for name, d in order:
                    b = os.path.join(d, daemon)
                    o1, c1 = lb.offline_run(b, daemon, pcap, 1, work, "%s-1" % name)
                    o, c = lb.offline_run(b, daemon, pcap, a.replay, work, "%s-n" % name)
                    res[name].append((c - c1) * 1e6 / max(1, o - o1))
                    outs[name].append(o)
            med = {n: statistics.median(v) for n, v in res.items()}
            print("\n== %s (%s, %s, x%d) ==" % (label, daemon, rel, a.replay))
            for n, _ in builds:
                print("%-7s %.3f us/record  (runs: %s; records out %d)" % (
                    n, med[n], " ".join("%.3f" % x for x in res[n]),
                    statistics.median(outs[n])))
            for n, _ in builds:
                if n != "ours":
                    # Each rep runs the builds back to back: the median of the reps' own
                    # ratios cancels most of a noisy machine's slow and fast phases.
                    pairs = [x / y for x, y in zip(res[n], res["ours"])]
                    print("ratio %s/ours: %.2fx (median of the reps' ratios: %.2fx)"
                          % (n, med[n] / med["ours"], statistics.median(pairs)))
    print("\nload average at end: %s" % " ".join(lb.loadavg()))


if __name__ == "__main__":
    main()
