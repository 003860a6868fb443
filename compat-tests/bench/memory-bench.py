#!/usr/bin/python3
"""Memory plugin benchmark, Debian's nfacctd + pmacct client 1.7.7 vs ours, side by side
(issue 23): a table of N distinct aggregates (default 1,000,000) and

1. fill rate: records/s accounted into the table reading a savefile of N NetFlow v5 records,
   alone and while a client runs `pmacct -s` over and over (entries added per second from the
   first poll that sees entries to the last that sees the table grow: start-up excluded);
2. memory: RSS of the daemon (pmacct 1.7.7: core + plugin processes summed) with one
   datagram (30 entries) accounted and with the N entries, the difference per million entries;
3. queries/s of `pmacct -s` (formatted, to /dev/null) on the full table, its own client
   against each daemon, median of several runs.

usage: memory-bench.py [--entries N] [--queries Q] [--ours DIR] [--pmacct-nfacctd PATH]
                       [--pmacct-client PATH]

--ours names the directory with our release nfacctd and pmacct (memory-bench.sh builds
them). Ratios: how many times ours does 1.7.7's (queries/s, records/s; higher is better) and
ours / 1.7.7 for memory (lower is better). pmacct 1.7.7 loses records reading a savefile this
fast (its log says "Missing data detected"): the entries each accounted are printed, and the
query time is compared per row too.
"""
import argparse
import os
import signal
import struct
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))

AGGREGATE = "src_host, dst_host, src_port, dst_port, proto"


def write_savefile(path, n):
    """N NetFlow v5 records, each its own aggregate, 30 per datagram, in a pcap savefile."""
    rec = struct.Struct("!IIIHHIIIIHHBBBBHHBBH")
    with open(path + ".tmp", "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        seq = 0
        t = 1_700_000_000
        for base in range(0, n, 30):
            count = min(30, n - base)
            payload = bytearray(struct.pack("!HHIIIIBBH", 5, count, 1000, t, 0, seq, 0, 0, 0))
            for i in range(base, base + count):
                src = 0x0A000000 | (i & 0xFFFFFF)
                dst = 0xC0A80000 | ((i * 7) & 0xFFFF)
                payload += rec.pack(src, dst, 0, 1, 2, 1 + i % 5, 64 + i % 1400, 900, 1000,
                                    1024 + i % 50000, 80 + (i >> 16), 0, 0x18, 6 + (i & 1) * 11,
                                    0, 0, 0, 24, 24, 0)
            seq += count
            udp = struct.pack("!HHHH", 2055, 2100, 8 + len(payload), 0)
            ip = struct.pack("!BBHHHBBHII", 0x45, 0, 20 + len(udp) + len(payload), 0, 0, 64, 17,
                             0, 0x7F000002, 0x7F000001)
            frame = b"\x00" * 12 + b"\x08\x00" + ip + udp + payload
            f.write(struct.pack("<IIII", t, 0, len(frame), len(frame)))
            f.write(frame)
    os.replace(path + ".tmp", path)


def pids_of(root):
    """root and its descendants (pmacct 1.7.7's plugins are child processes)."""
    out = [root]
    try:
        children = subprocess.run(["ps", "-o", "pid=", "--ppid", str(root)],
                                  capture_output=True, text=True).stdout.split()
    except OSError:
        children = []
    for c in children:
        out += pids_of(int(c))
    return out


def rss_kib(root):
    total = 0
    for pid in pids_of(root):
        try:
            with open(f"/proc/{pid}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        except OSError:
            pass
    return total


class Daemon:
    def __init__(self, name, nfacctd, client, pcap, tmp):
        self.name, self.client = name, client
        self.dir = os.path.join(tmp, name)
        os.makedirs(self.dir, exist_ok=True)
        self.pipe = os.path.join(self.dir, "collect.pipe")
        self.log = os.path.join(self.dir, "log")
        for p in (self.pipe, self.log):
            if os.path.exists(p):
                os.unlink(p)
        conf = os.path.join(self.dir, "nfacctd.conf")
        with open(conf, "w") as f:
            f.write(f"""daemonize: false
plugins: memory[m]
aggregate[m]: {AGGREGATE}
imt_path[m]: {self.pipe}
imt_buckets[m]: 65537
imt_mem_pools_number[m]: 1024
imt_mem_pools_size[m]: 1048576
plugin_pipe_size[m]: 209715200
plugin_buffer_size[m]: 102400
pcap_savefile: {pcap}
pcap_savefile_wait: true
logfile: {self.log}
""")
        self.t0 = time.monotonic()
        self.proc = subprocess.Popen([nfacctd, "-f", conf], env=dict(os.environ, TZ="UTC"),
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def query(self, *args, out=subprocess.PIPE):
        r = subprocess.run([self.client, "-p", self.pipe, *args], stdout=out,
                           stderr=subprocess.DEVNULL, text=out is subprocess.PIPE)
        return r.stdout if out is subprocess.PIPE else r.returncode

    def entries(self):
        """Entries in the table (the 4th figure of -N with a wildcard)."""
        try:
            out = self.query("-c", "proto", "-N", "*", "-n", "all")
            return int(out.split()[3])
        except (IndexError, ValueError, OSError):
            return -1

    def wait_socket(self):
        while not os.path.exists(self.pipe):
            if self.proc.poll() is not None:
                sys.exit(f"{self.name}: daemon exited, see {self.log}")
            time.sleep(0.01)

    def wait_full(self, n, limit=900):
        """Accounting rate: entries per second from the last poll that found the table ready
        and empty (start-up excluded) to the first that found it at its final size; the
        entries then, and how many polls were not answered (pmacct 1.7.7 answers "ERROR:
        missing EOF from server" while it accounts)."""
        last, last_t, stable, t_zero, failed = -1, 0.0, 0, None, 0
        while time.monotonic() - self.t0 < limit:
            e = self.entries()
            now = time.monotonic() - self.t0
            if e == 0:
                t_zero = now
            elif e < 0:
                failed += 1
            elif e != last:
                last, last_t, stable = e, now, 0
            else:
                stable += 1
            if last == n or (stable >= 10 and self.finished()):
                start = t_zero if t_zero is not None else 0.0
                return last / (last_t - start), last, failed
            time.sleep(0.05)
        sys.exit(f"{self.name}: table not full after {limit} s ({last} entries)")

    def finished(self):
        try:
            with open(self.log, errors="replace") as f:
                return "finished reading PCAP capture file" in f.read()
        except OSError:
            return False

    def stop(self):
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--entries", type=int, default=1_000_000)
    ap.add_argument("--queries", type=int, default=5)
    ap.add_argument("--ours", required=True)
    ap.add_argument("--pmacct-nfacctd", default="/usr/sbin/nfacctd")
    ap.add_argument("--pmacct-client", default="/usr/bin/pmacct")
    a = ap.parse_args()
    tmp = os.environ.get("TMPDIR", tempfile.gettempdir())
    pcap = os.path.join(tmp, f"memory-bench-{a.entries}.pcap")
    if not os.path.exists(pcap):
        write_savefile(pcap, a.entries)
    small = os.path.join(tmp, "memory-bench-30.pcap")
    if not os.path.exists(small):
        write_savefile(small, 30)
    print(f"savefile: {pcap} ({a.entries} NetFlow v5 records, one aggregate each)")
    sides = [("pmacct", a.pmacct_nfacctd, a.pmacct_client),
             ("ours", os.path.join(a.ours, "nfacctd"), os.path.join(a.ours, "pmacct"))]
    res = {}
    for name, nfacctd, client in sides:
        r = res[name] = {}
        # 0. RSS with one datagram accounted (the baseline).
        d = Daemon(name, nfacctd, client, small, tmp)
        d.wait_socket()
        d.wait_full(30)
        time.sleep(0.5)
        r["rss_empty"] = rss_kib(d.proc.pid)
        d.stop()
        # 1. fill alone; 2. memory; 3. queries on the full table.
        d = Daemon(name, nfacctd, client, pcap, tmp)
        d.wait_socket()
        r["fill_alone"], n, _ = d.wait_full(a.entries)
        r["entries"] = n
        r["rss_full"] = rss_kib(d.proc.pid)
        times = []
        for _ in range(a.queries):
            t = time.monotonic()
            d.query("-s", out=subprocess.DEVNULL)
            times.append(time.monotonic() - t)
        times.sort()
        r["query_s"] = times[len(times) // 2]
        lines = len(d.query("-s", "-O", "csv").splitlines()) - 1
        r["query_rows"] = lines
        d.stop()
        # 4. fill while a client queries over and over.
        d = Daemon(name, nfacctd, client, pcap, tmp)
        d.wait_socket()
        stop = [False]
        import threading
        done = [0]

        answered = [0]
        out = os.path.join(d.dir, "query.out")

        def hammer():
            while not stop[0]:
                with open(out, "w") as f:
                    d.query("-s", out=f)
                with open(out, errors="replace") as f:
                    if f.read(6) == "SRC_IP":
                        answered[0] += 1
                done[0] += 1
        th = threading.Thread(target=hammer)
        th.start()
        r["fill_queried"], n, failed = d.wait_full(a.entries)
        stop[0] = True
        th.join()
        r["answered_during_fill"] = answered[0]
        r["polls_failed"] = failed
        r["entries_queried"] = n
        r["queries_during_fill"] = done[0]
        d.stop()
        print(f"{name:7} entries={r['entries']} (while queried: {r['entries_queried']}) "
              f"fill={r['fill_alone']:.0f} records/s, while queried={r['fill_queried']:.0f} "
              f"records/s ({r['queries_during_fill']} pmacct -s meanwhile, {r['answered_during_fill']} "
              f"answered; {r['polls_failed']} -N polls unanswered); "
              f"RSS empty={r['rss_empty'] / 1024:.1f} MiB full={r['rss_full'] / 1024:.1f} MiB "
              f"({(r['rss_full'] - r['rss_empty']) / 1024 / (r['entries'] / 1e6):.1f} MiB per 1M "
              f"entries); pmacct -s: {r['query_s']:.2f} s ({1 / r['query_s']:.2f} queries/s, "
              f"{r['query_rows']} rows)", flush=True)
    p, o = res["pmacct"], res["ours"]
    per_m = lambda r: (r["rss_full"] - r["rss_empty"]) / (r["entries"] / 1e6)
    # pmacct 1.7.7 loses records reading the savefile (its plugin pipe overflows: "Missing
    # data detected"), so its table can be smaller: -s is compared per row as well.
    per_row = lambda r: r["query_s"] / max(r["query_rows"], 1)
    print(f"ratios ours/1.7.7: queries/s x{p['query_s'] / o['query_s']:.2f} "
          f"(per row: x{per_row(p) / per_row(o):.2f}), "
          f"fill records/s x{o['fill_alone'] / p['fill_alone']:.2f} alone, "
          f"x{o['fill_queried'] / p['fill_queried']:.2f} while queried, "
          f"memory per 1M entries x{per_m(o) / per_m(p):.2f}")


if __name__ == "__main__":
    main()
