#!/usr/bin/python3
"""Live-path benchmark (issue 21): pmacct 1.7.7 and ours side by side, interleaved.

usage: live-bench.py [--ours PATH] [--before PATH] [--pmacct-dir /usr/sbin]
                     [--protos v9,ipfix,sflow] [--rates-nf 100000,300000,1000000]
                     [--rates-sf 50000,100000] [--seconds 4] [--reps 3] [--sources 1]
                     [--offline-replay 3000]

Each daemon runs the tutorial aggregate (src_host, dst_host, in_iface, out_iface,
timestamp_start, timestamp_end, src_port, dst_port, proto, tos, tcpflags) plus flows, print
JSON every 5 s, `*_pipe_size` 4 MiB asked (the same for all). The `replay` sender (Rust,
sendmmsg, compat-tests/src/bin/replay.rs) offers the softflowd v9 / IPFIX export or
sfprobe's sFlow export at each rate for --seconds, counting exactly what it sent. Per
(protocol, rate) the daemons run --reps times, in turns (pmacct, before, ours, pmacct...);
medians are printed: records offered, records out (sum of `flows`), loss (against what the
daemon makes of the same datagrams offline: pmacct 1.7.7 loses 0.6% of v9 records to its
header-count quirk even offline), kernel drops (/proc/net/udp drops of the daemon's port),
CPU-s per million records out (user+sys of the daemon and its reaped children, from wait4),
and the ratios. Then the offline CPU per record (pcap_savefile, replayed --offline-replay
times: 3000, as at 300 a run is about 80 ms of CPU, eight clock ticks, and one tick moved
the figure by a tenth) and the live/offline ratio; then where live parts from offline: the
live user-space CPU per record against the offline figure (user/off), and the kernel's CPU
per datagram sent (sys us/dg: the socket receive, about 1 us a datagram on these VMs).
--veth (root, ip and ethtool) sends from a network namespace through a veth pair whose
receiving end runs NAPI in a kernel thread with GRO on, as a NIC driver does, and adds that
thread's CPU per million records: the path on which the kernel coalesces a flow's datagrams
for a socket that takes them (UDP_GRO), which loopback never does. The machine's load
average is printed first and last: on a shared 2-core machine the figures are noisy.
"""
import argparse
import atexit
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

from sibling import release_dir

# Where the daemons listen and how the sender is started: loopback by default; --veth moves
# the sender into a network namespace behind a veth pair (veth_up).
TARGET_IP = "127.0.0.1"
SENDER = []
VETH = ("pmrsb0", "pmrsb1", "pmrs-bench", "10.213.0.1", "10.213.0.2")

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
AGG = ("src_host, dst_host, in_iface, out_iface, timestamp_start, timestamp_end, src_port, "
       "dst_port, proto, tos, tcpflags, flows")
CAPTURES = {
    "v9": ("nfacctd", "compat-tests/inputs/softflowd-v9-s2.pcap", "NetFlow v9"),
    "ipfix": ("nfacctd", "compat-tests/inputs/softflowd-v10-s2.pcap", "IPFIX"),
    "sflow": ("sfacctd", "compat-tests/inputs/sflow/sfprobe-s2.pcap", "sFlow v5"),
}


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def udp_rows(port):
    """(bound, drops) of the sockets bound to `port` (/proc/net/udp and udp6)."""
    needle = ":%04X" % port
    found, drops = False, 0
    for f in ("/proc/net/udp", "/proc/net/udp6"):
        try:
            lines = open(f).read().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            c = line.split()
            if c[1].endswith(needle):
                found = True
                drops += int(c[12])
    return found, drops


def loadavg():
    return open("/proc/loadavg").read().split()[:3]


def config(daemon, work, name, port=None, pcap=None, replay=1):
    out = os.path.join(work, name + ".json")
    if os.path.exists(out):
        os.unlink(out)
    lines = ["daemonize: false", "plugins: print", "aggregate: " + AGG, "print_output: json",
             "print_output_file: " + out, "print_refresh_time: 5",
             # every purge appended: records out are summed over all of them
             "print_output_file_append: true"]
    if pcap:
        # A plugin pipe that holds the whole replay: pmacct 1.7.7 reads a savefile as fast
        # as it can and drops what its default pipe cannot take (10,962 of 150,000 v9
        # records out with 100 replays); ours blocks offline anyway.
        lines += ["pcap_savefile: " + pcap, "pcap_savefile_replay: %d" % replay,
                  "plugin_pipe_size: 102400000", "plugin_buffer_size: 102400"]
    else:
        lines += ["%s_ip: %s" % (daemon, TARGET_IP), "%s_port: %d" % (daemon, port),
                  "%s_pipe_size: 4194304" % daemon]
    conf = os.path.join(work, name + ".conf")
    open(conf, "w").write("\n".join(lines) + "\n")
    return conf, out


def flows_out(path):
    n = 0
    for line in open(path) if os.path.exists(path) else []:
        try:
            n += json.loads(line).get("flows", 0)
        except ValueError:
            pass
    return n


def tree_cpu(pid):
    """CPU seconds (user+sys) of `pid` and its live descendants, from /proc (pmacct's plugins
    are child processes its core may not reap before exiting, so wait4 alone can miss them)."""
    return sum(tree_cpu_split(pid))


def tree_cpu_split(pid):
    """(user, sys) CPU seconds of `pid` and its live descendants. The kernel splits a task's
    precise run time between the two by the clock ticks that found it in each: over seconds
    of a busy run, a fair estimate of the kernel's share (the receive path)."""
    procs = {q: (int(f[1]), int(f[11]), int(f[12])) for q, _, f in proc_stats()}
    hz = os.sysconf("SC_CLK_TCK")
    user, sys_, todo = 0, 0, [pid]
    while todo:
        q = todo.pop()
        if q in procs:
            user += procs[q][1]
            sys_ += procs[q][2]
        todo += [c for c, (pp, _, _) in procs.items() if pp == q]
    return user / hz, sys_ / hz


def veth_up():
    """The sender in its own network namespace behind a veth pair whose receiving end batches
    its receive as a NIC driver does (NAPI in a kernel thread, GRO on): datagrams reach the
    daemons' sockets the way they do from a NIC, not through loopback's one-at-a-time path
    (on which the kernel never coalesces). Needs root, ip(8) and ethtool(8)."""
    global TARGET_IP, SENDER
    dev, peer, ns, ip, peer_ip = VETH
    veth_down()
    for cmd in (["ip", "netns", "add", ns],
                ["ip", "link", "add", dev, "type", "veth", "peer", "name", peer],
                ["ip", "link", "set", peer, "netns", ns],
                ["ip", "addr", "add", ip + "/30", "dev", dev],
                ["ip", "link", "set", dev, "up"],
                ["ip", "-n", ns, "addr", "add", peer_ip + "/30", "dev", peer],
                ["ip", "-n", ns, "link", "set", peer, "up"],
                ["ethtool", "-K", dev, "gro", "on"],
                # The sender's end without TSO: veth hands such datagrams to the peer's NAPI.
                ["ip", "netns", "exec", ns, "ethtool", "-K", peer, "tso", "off"]):
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode != 0:
            veth_down()
            sys.exit("--veth: %s failed: %s" % (" ".join(cmd), r.stderr.strip()))
    open("/sys/class/net/%s/threaded" % dev, "w").write("1")
    TARGET_IP, SENDER = ip, ["ip", "netns", "exec", ns]


def veth_down():
    dev, _, ns, _, _ = VETH
    subprocess.run(["ip", "link", "del", dev], capture_output=True)
    subprocess.run(["ip", "netns", "del", ns], capture_output=True)


def napi_cpu():
    """CPU seconds of the veth's NAPI kernel threads (0 without --veth)."""
    if not SENDER:
        return 0.0
    hz = os.sysconf("SC_CLK_TCK")
    return sum(int(f[11]) + int(f[12]) for _, comm, f in proc_stats()
               if comm.startswith("napi/%s-" % VETH[0])) / hz


def proc_stats():
    """(pid, command name, the fields after it) of every process, from /proc/PID/stat."""
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                st = open("/proc/%s/stat" % d).read()
            except OSError:
                continue
            yield int(d), st[st.index("(") + 1:st.rindex(")")], st[st.rindex(")") + 2:].split()


def wait_cpu(p, before=0.0):
    _, status, ru = os.wait4(p.pid, 0)
    p.returncode = status
    return max(before, ru.ru_utime + ru.ru_stime)


def thread_cpu(pid):
    """{thread name/tid: CPU seconds} of a process's threads."""
    hz = os.sysconf("SC_CLK_TCK")
    out = {}
    tdir = "/proc/%d/task" % pid
    for t in os.listdir(tdir):
        try:
            st = open("%s/%s/stat" % (tdir, t)).read()
        except OSError:
            continue
        f = st[st.rindex(")") + 2:].split()
        out["%s/%s" % (st[st.index("(") + 1:st.rindex(")")], t)] = (int(f[11]) + int(f[12])) / hz
    return out


def live_run(binary, daemon, pcap, rate, seconds, sources, replay_bin, work, name, env=None,
             cpus=None, exporters=1):
    """One live run: (records sent, records out, kernel drops, CPU-s, records/s sent,
    (busiest thread's share of a core during the replay, its name), datagrams sent, the
    kernel's share of the CPU-s, the NAPI threads' CPU-s with --veth)."""
    port = free_port()
    conf, out = config(daemon, work, name, port=port)
    log = open(os.path.join(work, name + ".log"), "w")
    cmd = [binary, "-f", conf]
    if cpus:
        cmd = ["taskset", "-c", cpus] + cmd
    p = subprocess.Popen(cmd, stdout=log, stderr=log, env=dict(os.environ, TZ="UTC", **(env or {})))
    t0 = time.time()
    while not udp_rows(port)[0]:
        if time.time() - t0 > 15 or p.poll() is not None:
            p.kill()
            sys.exit("%s did not start (see %s.log)" % (binary, name))
        time.sleep(0.05)
    time.sleep(2)  # pmacct starts its plugins after binding
    before = thread_cpu(p.pid)
    napi0 = napi_cpu()
    r = subprocess.run(SENDER + [replay_bin, "--target", "%s:%d" % (TARGET_IP, port),
                                 "--rate", str(rate), "--seconds", str(seconds),
                                 "--sources", str(sources), "--exporters", str(exporters),
                                 pcap],
                       capture_output=True, text=True)
    sent = dict(kv.split("=") for kv in r.stdout.split()[1:]) if r.returncode == 0 else {}
    if not sent:
        p.kill()
        sys.exit("replay failed: %s" % r.stderr)
    time.sleep(1.5)
    napi = napi_cpu() - napi0
    after = thread_cpu(p.pid)
    busiest = max(((after[t] - before.get(t, 0.0)) / seconds, t) for t in after)
    drops = udp_rows(port)[1]
    user, sys_ = tree_cpu_split(p.pid)
    p.send_signal(signal.SIGINT)
    cpu = wait_cpu(p, user + sys_)
    return (int(sent["records"]), flows_out(out), drops, cpu, float(sent["records_per_s"]),
            busiest, int(sent["datagrams"]), sys_ / max(1e-9, user + sys_), napi)


def offline_run(binary, daemon, pcap, replay, work, name):
    conf, out = config(daemon, work, name, pcap=pcap, replay=replay)
    log = open(os.path.join(work, name + ".log"), "w")
    p = subprocess.Popen([binary, "-f", conf], stdout=log, stderr=log,
                         env=dict(os.environ, TZ="UTC"))
    cpu = wait_cpu(p)
    return flows_out(out), cpu


def add_build_args(ap):
    """The builds compared and the captures: shared with offline-bench.py."""
    ap.add_argument("--ours", help="directory of our release nfacctd/sfacctd")
    ap.add_argument("--before", help="directory of an earlier build of ours, to compare")
    ap.add_argument("--pmacct-dir", default="/usr/sbin")
    ap.add_argument("--protos", default="v9,ipfix,sflow")


def builds_of(a, pmacct=True):
    """(name, directory) of each build to run, in turn: pmacct, before, ours."""
    builds = [("pmacct", a.pmacct_dir)] if pmacct else []
    if a.before:
        builds.append(("before", a.before))
    builds.append(("ours", a.ours or release_dir()))
    return builds


def main():
    ap = argparse.ArgumentParser()
    add_build_args(ap)
    ap.add_argument("--rates-nf", default="100000,300000,1000000,2000000,3000000")
    ap.add_argument("--rates-sf", default="50000,100000,200000,400000")
    ap.add_argument("--seconds", type=float, default=4)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--sources", type=int, default=1, help="sender source ports")
    ap.add_argument("--exporters", type=int, default=1,
                    help="exporter addresses (127.0.0.x), each sending the whole stream")
    ap.add_argument("--offline-replay", type=int, default=3000)
    ap.add_argument("--replay", help="the replay sender binary")
    ap.add_argument("--veth", action="store_true",
                    help="send through a veth pair with NAPI and GRO, as from a NIC (root)")
    a = ap.parse_args()
    if a.veth:
        if a.exporters != 1:
            sys.exit("--veth sends from one address: --exporters 1")
        veth_up()
        atexit.register(veth_down)
    a.replay = a.replay or os.path.join(release_dir(), "replay")
    builds = builds_of(a)
    print("load average at start: %s (2 shared cores: figures are noisy; medians of %d runs)"
          % (" ".join(loadavg()), a.reps))
    with tempfile.TemporaryDirectory() as work:
        for proto in a.protos.split(","):
            daemon, rel, label = CAPTURES[proto]
            pcap = os.path.join(ROOT, rel)
            # Offline first: CPU per record, and what each daemon makes of the capture.
            yield_ = {}
            off_us = {}
            for name, d in builds:
                # CPU per record from the difference between --offline-replay passes and
                # one pass: start-up and the final purge cancel out.
                outs, cpus = [], []
                for rep in range(a.reps):
                    o1, c1 = offline_run(os.path.join(d, daemon), daemon, pcap, 1, work,
                                         "%s-%s-off1-%d" % (name, proto, rep))
                    o, c = offline_run(os.path.join(d, daemon), daemon, pcap, a.offline_replay,
                                       work, "%s-%s-off%d" % (name, proto, rep))
                    outs.append(o)
                    cpus.append((c - c1) * 1e6 / max(1, o - o1))
                yield_[name] = statistics.median(outs)
                off_us[name] = statistics.median(cpus)
            per_pass = yield_  # records out for `offline_replay` passes
            print("\n== %s (%s, %s) ==" % (label, daemon, rel))
            print("offline (pcap_savefile x%d): %s" % (a.offline_replay, "  ".join(
                "%s %.3f us/record (%d records out)" % (n, off_us[n], per_pass[n])
                for n, _ in builds)))
            if off_us.get("pmacct"):
                print("offline CPU ratio pmacct/ours: %.2fx" % (off_us["pmacct"] / off_us["ours"]))
            rates = a.rates_sf if proto == "sflow" else a.rates_nf
            print("%10s %-7s %11s %11s %8s %9s %10s %9s %9s %10s%s" % (
                "offered/s", "daemon", "offered", "out", "loss%", "k.drops", "CPU-s/M",
                "live/off", "user/off", "sys us/dg", "  NAPI CPU-s/M" if a.veth else ""))
            for rate in [int(x) for x in rates.split(",")]:
                res = {n: [] for n, _ in builds}
                for rep in range(a.reps):
                    order = builds if rep % 2 == 0 else builds[::-1]
                    for name, d in order:
                        res[name].append(live_run(
                            os.path.join(d, daemon), daemon, pcap, rate, a.seconds, a.sources,
                            a.replay, work, "%s-%s-%d-%d" % (name, proto, rate, rep),
                            exporters=a.exporters))
                cpm = {}
                for name, _ in builds:
                    runs = res[name]
                    sent = statistics.median(x[0] for x in runs)
                    # Expected out: what this daemon makes offline of the same datagrams.
                    ratio = per_pass[name] / max(1, per_pass["ours"]) if name == "pmacct" else 1.0
                    loss = statistics.median(
                        max(0.0, 1 - x[1] / max(1.0, x[0] * ratio)) * 100 for x in runs)
                    out = statistics.median(x[1] for x in runs)
                    drops = statistics.median(x[2] for x in runs)
                    cpm[name] = statistics.median(x[3] * 1e6 / max(1, x[1]) for x in runs)
                    # The user-space share of the live figure against the whole offline one
                    # (offline's kernel time is the savefile's reads), and the kernel's
                    # time per datagram received: where live parts from offline.
                    user_pm = statistics.median(
                        x[3] * (1 - x[7]) * 1e6 / max(1, x[1]) for x in runs)
                    sys_dg = statistics.median(x[3] * x[7] * 1e6 / max(1, x[6]) for x in runs)
                    napi_pm = statistics.median(x[8] * 1e6 / max(1, x[1]) for x in runs)
                    print("%10d %-7s %11d %11d %8.3f %9d %10.3f %8.2fx %8.2fx %10.2f%s" % (
                        rate, name, sent, out, loss, drops, cpm[name],
                        cpm[name] / max(1e-9, off_us[name]),
                        user_pm / max(1e-9, off_us[name]), sys_dg,
                        "  %13.3f" % napi_pm if a.veth else ""))
                if cpm.get("ours"):
                    print("%10s CPU ratio pmacct/ours %.2fx%s" % (
                        "", cpm["pmacct"] / cpm["ours"],
                        ("  before/ours %.2fx" % (cpm["before"] / cpm["ours"]))
                        if "before" in cpm else ""))
    print("\nload average at end: %s" % " ".join(loadavg()))


if __name__ == "__main__":
    main()
