#!/usr/bin/env python3
"""Build every test binary of the workspace once, then run them in parallel lanes.

`cargo test --workspace` runs test binaries one after another; most of ours wait on daemons,
brokers and databases rather than on the CPU, so running a few binaries at once cuts CI's wall
time (issue 15, item 8). Each binary runs exactly as cargo would run it (its package directory
as the working directory, cargo's runtime variables set), its output kept in a log that is
printed when it fails.

Binaries that cannot overlap are kept apart:
  - EXCLUSIVE: load-sensitive live tests (they measure loss at a rate) run with no other binary;
  - GROUPS: binaries sharing a fixed resource (UDP port 2055, ...) never run at the same time.
The oracle cache (compat-tests/src/run.rs) is on disk and written by atomic rename, so lanes
share it within one run.

Usage: run-tests.py [--lanes N] [--list] [--only NAME[,NAME...]]
Exit status: 0 when every binary passed, 1 otherwise.
"""

import argparse
import re
import json
import os
import subprocess
import sys
import tempfile
import threading
import time

# Load-sensitive binaries (they replay at a rate and count losses in one short window): each
# runs with no other binary.
EXCLUSIVE = {
    "nfacctd_live",
    "sfacctd_live",
    "pmacctd_live",
    "uacctd_live",
    # a 320,000-datagram flood whose evictions it counts: loopback drops most of it when
    # other binaries load the machine
    "bounded_state",
    # bursts through a veth whose NAPI thread must keep up (a 256-datagram ring), counted
    # exactly
    "gro_live",
}

# Binaries sharing a fixed resource: at most one of a group runs at a time.
GROUPS = [
    # UDP port 2055 (examples/nfacct.conf and the packaged default config)
    {"nfacctd_kafka", "unprivileged"},
]

# Durations (s) of a 3-lane run on this 2-core machine (2026-12-05, under other load):
# longest first keeps the lanes even. Unknown binaries count as 30 s.
WEIGHT = {
    "compat_nfacctd": 411,
    "compat_sql": 261,
    "packaging": 197,
    "compat_netmaps": 153,
    "compat_pmacctd": 136,
    "compat_aggregate_filter": 115,
    "compat_maps": 96,
    "compat_sfacctd": 85,
    "compat_keys": 83,
    "robust": 80,
    "differential": 73,
    "sqlite3_compat": 73,
    "kafka_outage": 53,
    "compat_net_methods": 49,
    "compat_amqp": 47,
    "pmacct_memory": 40,
    "compat_automation": 90,
    "compat_probes": 70,
    "compat_bgp": 30,
    "compat_bmp": 75,
    "compat_pmbgpd": 60,
}


LIBTEST_LINE = re.compile(r"^(running \d+ tests?$|test .+ \.\.\. |test result: )")


def build(extra):
    """cargo test --no-run; returns [(package, name, kind, exe, package_dir)]."""
    cmd = ["cargo", "test", "--workspace", "--no-run", "--message-format=json-render-diagnostics"]
    cmd += extra
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, check=False)
    if proc.returncode != 0:
        sys.exit(proc.returncode)
    out = []
    for line in proc.stdout.splitlines():
        try:
            msg = json.loads(line)
        except ValueError:
            continue
        if msg.get("reason") != "compiler-artifact" or not msg.get("executable"):
            continue
        if not msg.get("profile", {}).get("test"):
            continue
        t = msg["target"]
        pkg = msg["package_id"]
        out.append(
            (
                pkg,
                t["name"],
                t["kind"][0],
                msg["executable"],
                os.path.dirname(msg["manifest_path"]),
            )
        )
    return out


def package_name(manifest_dir):
    with open(os.path.join(manifest_dir, "Cargo.toml")) as f:
        in_package = False
        for line in f:
            s = line.strip()
            if s.startswith("["):
                in_package = s == "[package]"
            elif in_package and s.startswith("name"):
                return s.split("=", 1)[1].strip().strip('"')
    return os.path.basename(manifest_dir)


class Runner:
    def __init__(self, binaries, lanes, logdir):
        self.todo = sorted(binaries, key=lambda b: -WEIGHT.get(b[1], 30))
        self.lanes = lanes
        self.logdir = logdir
        self.lock = threading.Condition()
        self.running = set()
        self.results = []

    def _blocked(self, name):
        if not self.running:
            return False
        if name in EXCLUSIVE or self.running & EXCLUSIVE:
            return True
        for g in GROUPS:
            if name in g and self.running & g:
                return True
        return False

    def _next(self):
        with self.lock:
            while True:
                if not self.todo:
                    return None
                for i, b in enumerate(self.todo):
                    if not self._blocked(b[1]):
                        self.running.add(b[1])
                        return self.todo.pop(i)
                self.lock.wait()

    def _done(self, name):
        with self.lock:
            self.running.discard(name)
            self.lock.notify_all()

    def lane(self):
        while True:
            b = self._next()
            if b is None:
                return
            _, name, kind, exe, pdir = b
            pkg = package_name(pdir)
            label = f"{pkg} {kind} {name}"
            log = os.path.join(self.logdir, f"{pkg}-{kind}-{name}.log")
            env = dict(os.environ)
            env["CARGO_MANIFEST_DIR"] = pdir
            env["CARGO_PKG_NAME"] = pkg
            env.setdefault("RUST_BACKTRACE", "1")
            t0 = time.monotonic()
            with open(log, "w") as f:
                rc = subprocess.call([exe], cwd=pdir, env=env, stdout=f, stderr=subprocess.STDOUT)
            dt = time.monotonic() - t0
            with open(log) as f:
                text = f.read()
            summary = [l for l in text.splitlines() if l.startswith("test result:")]
            # libtest's own lines, as `cargo test` prints them: one line per test case, so
            # the CI log shows which tests ran (a lane's child-process chatter is left out).
            libtest = [l for l in text.splitlines() if LIBTEST_LINE.match(l)]
            with self.lock:
                print(f"\n     Running {label} ({exe})", flush=True)
                print("\n".join(libtest), flush=True)
                self.results.append((label, rc, dt, log))
                status = "ok" if rc == 0 else f"FAILED (exit {rc})"
                print(
                    f"[{time.strftime('%H:%M:%S')}] {label}: {status} in {dt:.0f} s"
                    + (f" — {summary[-1]}" if summary else ""),
                    flush=True,
                )
                if rc != 0:
                    print(text[-20000:], flush=True)
            self._done(name)

    def run(self):
        threads = [threading.Thread(target=self.lane) for _ in range(self.lanes)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return self.results


def failure_blocks(log):
    """libtest's report of each failed test in `log`: the text between the first `failures:`
    line and the list of names that follows it, split at each `---- name stdout ----`."""
    try:
        with open(log) as f:
            lines = f.read().splitlines()
    except OSError:
        return []
    starts = [i for i, l in enumerate(lines) if l == "failures:"]
    if len(starts) < 2:
        return []
    blocks, cur = [], []
    for l in lines[starts[0] + 1 : starts[1]]:
        if l.startswith("---- ") and cur:
            blocks.append("\n".join(cur).strip())
            cur = []
        cur.append(l)
    if cur:
        blocks.append("\n".join(cur).strip())
    return [b for b in blocks if b]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lanes", type=int, default=int(os.environ.get("TEST_LANES", "3")))
    ap.add_argument("--list", action="store_true")
    ap.add_argument("--only", default="")
    args, extra = ap.parse_known_args()
    t0 = time.monotonic()
    binaries = build(extra)
    print(f"built {len(binaries)} test binaries in {time.monotonic() - t0:.0f} s", flush=True)
    if args.only:
        keep = set(args.only.split(","))
        binaries = [b for b in binaries if b[1] in keep]
    if args.list:
        for b in binaries:
            print(package_name(b[4]), b[2], b[1], b[3])
        return 0
    logdir = tempfile.mkdtemp(prefix="pmacct-rs-tests-")
    t1 = time.monotonic()
    results = Runner(binaries, max(1, args.lanes), logdir).run()
    # Documentation tests: cargo runs them after the binaries.
    t2 = time.monotonic()
    doc = subprocess.call(["cargo", "test", "--workspace", "--doc", "-q"] + extra)
    results.append(("doc-tests", doc, time.monotonic() - t2, "-"))
    failed = [r for r in results if r[1] != 0]
    print(
        f"\n{len(results)} test binaries in {time.monotonic() - t1:.0f} s with {args.lanes} lanes; "
        f"{len(failed)} failed; logs in {logdir}"
    )
    for label, rc, dt, log in sorted(results, key=lambda r: -r[2])[:12]:
        print(f"  {dt:6.0f} s  {label}")
    for label, rc, _, log in failed:
        print(f"FAILED: {label} (exit {rc}), log {log}")
        # Again at the very end, where a truncated CI log still shows it: libtest's
        # `---- name stdout ----` blocks (each failed test's panic message).
        for block in failure_blocks(log):
            print(block[:6000], flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
