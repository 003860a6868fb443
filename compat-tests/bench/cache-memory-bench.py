#!/usr/bin/python3
"""Aggregation-cache memory, Debian's nfacctd 1.7.7 vs ours, side by side (issue 21 item 6).

Each daemon receives N NetFlow v5 records over UDP, each its own aggregate of the tutorial
5-tuple (src_host, dst_host, src_port, dst_port, proto), sent by `replay` (compat-tests,
sendmmsg, paced at --rate records/s: pmacct 1.7.7 loses most of them when it reads them from a
savefile at full speed, "Missing data detected"), into a print plugin whose refresh time is
long (the entries stay live in the cache) and whose print_cache_entries holds them all. RSS (VmRSS of the daemon, plus its plugin processes for pmacct 1.7.7) is sampled:

- baselines, after 30 records: the same config ("same"), and the same config with
  print_cache_entries: 1000 ("small"; pmacct 1.7.7 allocates and touches its buckets,
  about 4 KB each, at start-up, so its cache costs memory before any entry is live);
- live: once every record is sent and RSS has stopped growing (the N entries are live);
- purge peak: the highest RSS while the final purge (SIGINT) writes them out.

The entries are counted in what the final purge printed. Bytes per entry = (live - baseline) /
entries printed, against the "small" baseline (what N live entries cost in that config) and
against the "same" one (marginal bytes per entry). RSS sums VmRSS over the processes, so
pages pmacct's core and plugin share (the plugin pipe) count twice; PSS (smaps_rollup) is
printed too. Runs are interleaved pairs (pmacct, ours) repeated --reps times; medians and
the ratio ours / 1.7.7 (lower is better) are printed.

usage: cache-memory-bench.py --ours DIR [--entries N] [--reps R] [--cache-entries C]
                             [--rate RECORDS_PER_S] [--pmacct-nfacctd PATH]
--ours names the directory with our release nfacctd and replay.
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


def pss_kib(root):
    total = 0
    for pid in mb.pids_of(root):
        try:
            with open(f"/proc/{pid}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1])
        except OSError:
            pass
    return total


PORT = 20655  # unique among the tests and benches


def run(name, nfacctd, pcap, tmp, cache_entries, replay, rate, limit=900):
    """One daemon on one savefile: (RSS live KiB, peak RSS during the final purge KiB,
    entries printed, seconds to read, PSS live KiB)."""
    d = os.path.join(tmp, name)
    os.makedirs(d, exist_ok=True)
    out, log, conf = (os.path.join(d, f) for f in ("out.json", "log", "nfacctd.conf"))
    for p in (out, log):
        if os.path.exists(p):
            os.unlink(p)
    with open(conf, "w") as f:
        f.write(f"""daemonize: false
plugins: print[p]
aggregate[p]: {AGGREGATE}
print_output[p]: json
print_output_file[p]: {out}
print_refresh_time[p]: 86400
print_cache_entries[p]: {cache_entries}
plugin_pipe_size[p]: 209715200
plugin_buffer_size[p]: 102400
nfacctd_ip: 127.0.0.1
nfacctd_port: {PORT}
nfacctd_pipe_size: 67108864
logfile: {log}
""")
    t0 = time.monotonic()
    proc = subprocess.Popen([nfacctd, "-f", conf], env=dict(os.environ, TZ="UTC"),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    # Started: pmacct 1.7.7 allocates its cache after the plugins start; send once the
    # daemon's RSS is flat for 1 s.
    last, flat_since = -1, time.monotonic()
    while time.monotonic() - flat_since < 1.0:
        if proc.poll() is not None:
            sys.exit(f"{name}: daemon exited, see {log}")
        rss = mb.rss_kib(proc.pid)
        if rss != last:
            last, flat_since = rss, time.monotonic()
        time.sleep(0.1)
    t_send = time.monotonic()
    subprocess.run([replay, "--target", f"127.0.0.1:{PORT}", "--rate", str(rate), pcap],
                   check=True, stdout=subprocess.DEVNULL)
    read_s = time.monotonic() - t_send
    # Live: RSS flat for 2 s after the last record was sent (the backlog is accounted).
    last, flat_since = -1, None
    while True:
        if proc.poll() is not None:
            sys.exit(f"{name}: daemon exited, see {log}")
        if time.monotonic() - t0 > limit:
            sys.exit(f"{name}: not settled after {limit} s")
        rss = mb.rss_kib(proc.pid)
        if rss != last:
            last, flat_since = rss, time.monotonic()
        elif time.monotonic() - flat_since >= 2.0:
            break
        time.sleep(0.1)
    live = last
    pss = pss_kib(proc.pid)
    # Final purge: SIGINT, RSS sampled until the daemon exits.
    peak = live
    proc.send_signal(signal.SIGINT)
    while proc.poll() is None:
        peak = max(peak, mb.rss_kib(proc.pid))
        time.sleep(0.02)
        if time.monotonic() - t0 > limit:
            proc.kill()
            proc.wait()
            sys.exit(f"{name}: final purge did not end")
    n = 0
    if os.path.exists(out):
        with open(out, "rb") as f:
            n = sum(1 for line in f if line.startswith(b"{"))
    return live, peak, n, read_s, pss


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--entries", type=int, default=1_000_000)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--cache-entries", type=int, default=0,
                    help="print_cache_entries (default: entries + 3, every entry in its own bucket)")
    ap.add_argument("--rate", type=int, default=100_000, help="records/s sent")
    ap.add_argument("--ours", required=True)
    ap.add_argument("--pmacct-nfacctd", default="/usr/sbin/nfacctd")
    a = ap.parse_args()
    cache_entries = a.cache_entries or a.entries + 3
    tmp = os.environ.get("TMPDIR", tempfile.gettempdir())
    pcap = os.path.join(tmp, f"memory-bench-{a.entries}.pcap")
    if not os.path.exists(pcap):
        mb.write_savefile(pcap, a.entries)
    small = os.path.join(tmp, "memory-bench-30.pcap")
    if not os.path.exists(small):
        mb.write_savefile(small, 30)
    print(f"replayed over UDP at {a.rate} records/s: {pcap} ({a.entries} NetFlow v5 records, one "
          f"aggregate each); aggregate: {AGGREGATE}; print_cache_entries: {cache_entries}",
          flush=True)
    sides = [("pmacct", a.pmacct_nfacctd), ("ours", os.path.join(a.ours, "nfacctd"))]
    replay = os.path.join(a.ours, "replay")
    res = {s: [] for s, _ in sides}
    for rep in range(a.reps):
        for name, nfacctd in sides:
            small_base, *_, small_pss = run(name + "-small", nfacctd, small, tmp, 1000, replay, a.rate)
            base, *_, base_pss = run(name + "-same", nfacctd, small, tmp, cache_entries, replay, a.rate)
            live, peak, n, read_s, pss = run(name, nfacctd, pcap, tmp, cache_entries, replay, a.rate)
            per = (live - small_base) * 1024 / max(n, 1)
            marginal = (live - base) * 1024 / max(n, 1)
            per_pss = (pss - small_pss) * 1024 / max(n, 1)
            res[name].append((per, marginal, per_pss, live, pss, peak, small_base, base, n))
            print(f"rep {rep + 1} {name:6}: entries printed {n}, RSS baseline small {small_base / 1024:.1f} "
                  f"MiB same {base / 1024:.1f} MiB, live {live / 1024:.1f} MiB (PSS {pss / 1024:.1f}), "
                  f"final-purge peak {peak / 1024:.1f} MiB; bytes per entry {per:.0f} "
                  f"(PSS {per_pss:.0f}, marginal {marginal:.0f}) (sent in {read_s:.1f} s)", flush=True)
    med = {k: [statistics.median(r[i] for r in v) for i in range(9)] for k, v in res.items()}
    for k, (per, marginal, per_pss, live, pss, peak, small_base, base, n) in med.items():
        print(f"median {k:6}: {per:.0f} bytes per entry (PSS {per_pss:.0f}, marginal {marginal:.0f}), "
              f"RSS live {live / 1024:.1f} MiB (PSS {pss / 1024:.1f}), purge peak {peak / 1024:.1f} MiB, "
              f"baselines {small_base / 1024:.1f} / {base / 1024:.1f} MiB ({n:.0f} entries)")
    p, o = med["pmacct"], med["ours"]
    print(f"ratio ours/1.7.7: bytes per entry x{o[0] / p[0]:.2f} (PSS x{o[2] / p[2]:.2f}, "
          f"marginal x{o[1] / p[1]:.2f}), RSS live x{o[3] / p[3]:.2f} (PSS x{o[4] / p[4]:.2f}), "
          f"purge peak x{o[5] / p[5]:.2f}")


if __name__ == "__main__":
    main()
