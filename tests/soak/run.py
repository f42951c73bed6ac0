#!/usr/bin/env python3
"""Soak and fault harness for `fairdraw serve` (standard library only).

It builds a log with one revealed draw, starts the server on loopback and:
  1. measures idle read throughput and latency on every public endpoint;
  2. runs the same read load while a regulator writes results and
     amendments, checking after every 2xx that the very next read sees it;
  3. keeps writing while it kills the server with SIGKILL at random moments
     and restarts it, damaging files between runs: a torn tail in
     entries.jsonl, a deleted `checkpoint` (both repairable), and a deleted
     checkpoints.jsonl (the server must refuse writes with 503 and change
     nothing; the harness then puts the file back, as an operator would).
At the end every write answered 2xx must be in the log, `fairdraw audit
verify` and `audit/verify.py log` must both pass, and read-your-writes must
never have been violated. It prints req/s, p99, writes, kills and losses,
and exits 1 on any loss or violation.

    python3 tests/soak/run.py                 # short mode (CI, about a minute)
    python3 tests/soak/run.py --long          # 20 kills, 500+ writes, 10,000 results on one draw
    FAIRDRAW_BIN=target/release/fairdraw python3 tests/soak/run.py --long
"""

import argparse
import hashlib
import http.client
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TOKEN = "soak-test-token"
TODAY = "2026-11-30"
INSPECTED = "2024-10-21"  # after the bundled drand round, before TODAY


def fairdraw_bin():
    path = os.path.abspath(os.environ.get("FAIRDRAW_BIN") or os.path.join(ROOT, "target", "debug", "fairdraw"))
    if not os.path.exists(path):
        sys.exit(f"soak: no fairdraw binary at {path}: build it first (cargo build), or set FAIRDRAW_BIN")
    return path


def run(args, **kw):
    return subprocess.run(args, capture_output=True, text=True, **kw)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """One `fairdraw serve` process at a time on a fixed port."""

    def __init__(self, binary, log, port, stderr):
        self.binary, self.log, self.port, self.stderr = binary, log, port, stderr
        self.proc = None
        self.up = threading.Event()

    def start(self):
        token_hash = hashlib.sha256(TOKEN.encode()).hexdigest()
        self.proc = subprocess.Popen(
            [self.binary, "serve", "--log", self.log, "--addr", f"127.0.0.1:{self.port}",
             "--token-sha256", token_hash, "--today", TODAY],
            stdout=subprocess.DEVNULL, stderr=self.stderr)
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                self.up.set()
                return
            except OSError:
                if self.proc.poll() is not None:
                    raise SystemExit(f"soak: the server exited with {self.proc.returncode} at start")
                time.sleep(0.05)
        raise SystemExit("soak: the server did not start within 30 s")

    def kill(self):
        self.up.clear()
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        self.up.clear()
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


class Client:
    """A keep-alive connection that reconnects after the server went away."""

    def __init__(self, port):
        self.port, self.conn = port, None

    def call(self, method, path, body=None, token=None, timeout=30):
        headers = {}
        if body is not None:
            body = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if token:
            headers["Authorization"] = f"Bearer {token}"
        try:
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
            self.conn.request(method, path, body=body, headers=headers)
            r = self.conn.getresponse()
            data = r.read()
            return r.status, data
        except (OSError, http.client.HTTPException):
            if self.conn is not None:
                self.conn.close()
            self.conn = None
            return None, b""


def percentile(values, p):
    if not values:
        return float("nan")
    v = sorted(values)
    return v[min(len(v) - 1, int(len(v) * p))]


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.latencies = {}
        self.count = 0
        self.errors = 0

    def add(self, route, seconds, ok):
        with self.lock:
            self.latencies.setdefault(route, []).append(seconds)
            self.count += 1
            self.errors += 0 if ok else 1

    def all(self):
        return [x for v in self.latencies.values() for x in v]


def read_load(port, paths, stop, stats):
    c = Client(port)
    rng = random.Random(threading.get_ident())
    while not stop.is_set():
        route, path = rng.choice(paths)
        t = time.perf_counter()
        status, _ = c.call("GET", path)
        if status is None:
            time.sleep(0.05)  # the server is being restarted
            continue
        stats.add(route, time.perf_counter() - t, status == 200)


def measure(port, paths, seconds, readers, writer=None):
    stop, stats = threading.Event(), Stats()
    threads = [threading.Thread(target=read_load, args=(port, paths, stop, stats)) for _ in range(readers)]
    for t in threads:
        t.start()
    start = time.time()
    if writer:
        writer(lambda: time.time() - start >= seconds)
    else:
        time.sleep(seconds)
    stop.set()
    for t in threads:
        t.join()
    return stats, time.time() - start


WRK_SCRIPT = """
paths = {%s}
i = 0
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i %% #paths) + 1])
end
"""


def wrk_measure(port, paths, seconds, readers, work, writer=None):
    """The same read load from wrk (a C load generator), when installed: the
    Python readers' own GIL would otherwise be in the figures."""
    script = os.path.join(work, "paths.lua")
    with open(script, "w") as f:
        f.write(WRK_SCRIPT % ", ".join(json.dumps(p) for _, p in paths))
    proc = subprocess.Popen(["wrk", "-t2", f"-c{readers}", f"-d{int(seconds)}s", "--latency", "-s", script,
                             f"http://127.0.0.1:{port}"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    start = time.time()
    if writer:
        writer(lambda: time.time() - start >= seconds)
    out = proc.communicate()[0]
    rps = float(next(l.split()[1] for l in out.splitlines() if l.startswith("Requests/sec")))
    p99 = next(l.split()[1] for l in out.splitlines() if l.strip().startswith("99%"))
    errors = sum(int(x) for l in out.splitlines() if "Non-2xx" in l for x in l.split()[-1:])
    return rps, p99, errors


def single_client(port, path, seconds, writer=None):
    """Latencies of one client asking for `path` again and again (the time a
    visitor waits), optionally while the writer runs."""
    c, lat = Client(port), []
    stop = threading.Event()
    w = None
    if writer:
        w = threading.Thread(target=writer, args=(stop.is_set,))
        w.start()
    end = time.time() + seconds
    while time.time() < end:
        t = time.perf_counter()
        status, _ = c.call("GET", path)
        if status == 200:
            lat.append(time.perf_counter() - t)
    stop.set()
    if w:
        w.join()
    return lat


def leaf_ids(log):
    ids = set()
    with open(os.path.join(log, "entries.jsonl"), "rb") as f:
        for line in f.read().split(b"\n")[:-1]:
            ids.add(hashlib.sha256(b"\x00" + line).hexdigest())
    return ids


class Writer:
    """The regulator: results for each target (recorded, then published),
    then amendments; checks read-your-writes after every logged 2xx."""

    def __init__(self, port, server, draw, targets):
        self.c, self.server, self.draw = Client(port), server, draw
        self.targets = list(targets)
        self.results = []
        self.unpublished = []
        self.acked = []
        self.unknown = 0
        self.violations = []
        self.refused = 0

    def read_until_up(self, path):
        for _ in range(600):
            status, data = self.c.call("GET", path)
            if status in (200, 404):
                return status, data
            time.sleep(0.05)
        return None, b""

    def publish_one(self):
        """The reviewer's step: a pending result (not logged) is published,
        which logs it; only then is it public."""
        pid = self.unpublished[-1]
        status, data = self.c.call("POST", f"/api/results/{pid}/amend",
                                   {"reason": "soak review", "state": "已公示"}, TOKEN)
        if status == 201:
            self.unpublished.pop()
            rid = json.loads(data)["id"]
            self.results.append(rid)
            self.acked.append(rid)
            st, got = self.read_until_up(f"/api/results/{rid}")
            if st != 200:
                self.violations.append(f"result {rid} answered 201, then GET gave {st}")
        elif status in (404, 409):
            self.unpublished.pop()  # published before a kill whose answer was lost
        elif status == 503:
            self.refused += 1
        else:
            self.unknown += 1
        return status

    def write_one(self):
        if self.unpublished:
            return self.publish_one()
        if self.targets:
            uscc = self.targets.pop()
            body = {"draw": self.draw, "uscc": uscc, "category": "未发现问题",
                    "inspection_date": INSPECTED, "findings": "soak"}
            status, data = self.c.call("POST", "/api/results", body, TOKEN)
            if status == 201:
                self.unpublished.append(json.loads(data)["id"])
            elif status == 409:
                # recorded (or published) before a kill whose answer was lost
                st, got = self.c.call("GET", "/api/results?state=" + urllib.parse.quote("待审核"), None, TOKEN)
                if st == 200:
                    self.unpublished += [r["id"] for r in json.loads(got)["results"] if r["uscc"] == uscc]
            elif status == 503:
                self.refused += 1
                self.targets.append(uscc)
            else:
                self.unknown += 1
                self.targets.append(uscc)
            return status
        if not self.results:
            return None
        rid = random.choice(self.results)
        status, data = self.c.call("POST", f"/api/results/{rid}/amend",
                                   {"reason": "soak", "findings": f"amended {time.time()}"}, TOKEN)
        if status == 201:
            aid = json.loads(data)["amendments"][-1]["id"]
            self.acked.append(aid)
            st, got = self.read_until_up(f"/api/results/{rid}")
            if st != 200 or aid not in [a["id"] for a in json.loads(got)["amendments"]]:
                self.violations.append(f"amendment {aid} answered 201, then was not in the next read")
        elif status == 503:
            self.refused += 1
        elif status is None or status >= 500:
            self.unknown += 1
        return status

    def loop(self, done):
        while not done():
            if self.write_one() is None:
                time.sleep(0.05)


def make_log(binary, work, big):
    if not big:
        r = run([binary, "demo", "--out-dir", work, "--publish", "full"], cwd=work)
        if r.returncode != 0:
            sys.exit(f"soak: the demo failed\n{r.stderr}")
        return os.path.join(work, "demo-log")
    gen = os.path.join(work, "gen")
    r = run([binary, "gen", "--enterprises", str(big), "--inspectors", str(max(300, big // 20)),
             "--conflicts", "100", "--out-dir", gen])
    if r.returncode != 0:
        sys.exit(f"soak: gen failed\n{r.stderr}")
    log = os.path.join(work, "big-log")
    t_commit, t_reveal = "2024-10-14T16:00:00Z", "2024-10-14T17:30:00Z"
    run([binary, "init", "--log", log, "--now", t_commit, "--publish", "full"])
    r = run([binary, "commit", "--plan", os.path.join(ROOT, "data", "plan-minimal.toml"),
             "--enterprises", os.path.join(gen, "enterprises.csv"),
             "--inspectors", os.path.join(gen, "inspectors.csv"),
             "--conflicts", os.path.join(gen, "conflicts.csv"),
             "--beacon", "drand:quicknet:12040883", "--log", log, "--now", t_commit])
    if r.returncode != 0:
        sys.exit(f"soak: commit failed\n{r.stderr}")
    commitment = r.stdout.strip().split()[-1]
    r = run([binary, "reveal", commitment, "--drand-json",
             os.path.join(ROOT, "data", "drand", "round-12040883.json"), "--log", log, "--now", t_reveal])
    if r.returncode != 0:
        sys.exit(f"soak: reveal failed\n{r.stderr}")
    return log


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--long", action="store_true", help="20 kills, 500+ writes, a 10,000-target draw")
    ap.add_argument("--readers", type=int, default=32, help="read connections (default 32)")
    ap.add_argument("--seconds", type=float, help="length of each read phase")
    ap.add_argument("--kills", type=int, help="SIGKILLs of the server")
    ap.add_argument("--writes", type=int, help="writes answered 2xx to reach in the kill phase")
    ap.add_argument("--big", type=int, help="registry size for a large draw (long mode: 150000)")
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    a = ap.parse_args()
    seconds = a.seconds or (20 if a.long else 4)
    kills = a.kills if a.kills is not None else (20 if a.long else 5)
    writes = a.writes or (500 if a.long else 60)
    big = a.big if a.big is not None else (150000 if a.long else 0)
    binary = fairdraw_bin()
    work = tempfile.mkdtemp(prefix="fairdraw-soak-")
    random.seed(2026)
    failures = []
    try:
        log = make_log(binary, work, big)
        port = free_port()
        server_err = open(os.path.join(work, "server.stderr"), "ab")
        server = Server(binary, log, port, server_err)
        server.start()
        c = Client(port)
        draws = json.loads(c.call("GET", "/api/draws")[1])["draws"]
        draw = draws[0]["id"]
        detail = json.loads(c.call("GET", f"/api/draws/{draw}")[1])
        targets = [a["uscc"] for a in detail["draw"]["assignments"]]
        root = detail["snapshots"]["enterprises"]["root"]
        paths = [("draws", "/api/draws"), ("draw", f"/api/draws/{draw}"), ("checkpoint", "/api/checkpoint"),
                 ("results", f"/api/results?draw={draw}"), ("log.pub", "/api/log.pub"),
                 ("entry", "/api/entries/0"), ("enterprise", f"/api/enterprises/{targets[0]}"),
                 ("receipt", f"/api/draws/{draw}/receipt"), ("page", "/")]
        if not big:
            paths.append(("snapshot", f"/api/snapshots/{root}"))
        print(f"soak: log {log}, draw {draw[:12]}… with {len(targets)} targets, {a.readers} readers, port {port}")

        writer = Writer(port, server, draw, targets)
        if big:
            # Fill the draw with results first, to measure the results list at size.
            t = time.time()
            while writer.targets:
                writer.write_one()
            print(f"soak: recorded {len(writer.results)} results in {time.time() - t:.1f} s")

        if shutil.which("wrk"):
            results_only = [p for p in paths if p[0] == "results"]
            w_idle = wrk_measure(port, paths, seconds, a.readers, work)
            w_res = wrk_measure(port, results_only, seconds, a.readers, work)
            before = len(writer.acked)
            w_loaded = wrk_measure(port, paths, seconds, a.readers, work, writer=writer.loop)
            wrk_writes = len(writer.acked) - before
        results_path = f"/api/results?draw={draw}"
        one_idle = single_client(port, results_path, seconds / 2)
        before = len(writer.acked)
        one_busy = single_client(port, results_path, seconds / 2, writer=writer.loop)
        one_writes = len(writer.acked) - before
        idle, idle_s = measure(port, paths, seconds, a.readers)
        before = len(writer.acked)
        loaded, loaded_s = measure(port, paths, seconds, a.readers, writer=writer.loop)
        loaded_writes = len(writer.acked) - before

        kill_log = []

        def chaos(done):
            plan = ["none", "torn", "no-checkpoint", "no-checkpoints-jsonl"] * (kills // 4 + 1)
            for k in range(kills):
                time.sleep(random.uniform(0.2, 1.5))
                server.kill()
                damage = plan[k]
                entries = os.path.join(log, "entries.jsonl")
                backup = None
                if damage == "torn" and not os.path.exists(os.path.join(log, "checkpoint")):
                    # A real crash mid-write always follows an open that
                    # rewrote `checkpoint`; a torn tail without it is (rightly)
                    # never guessed at, so settle the log first as above.
                    run([binary, "note", "--text", "soak: operator note", "--log", log])
                if damage == "torn":
                    with open(entries, "ab") as f:
                        f.write(b'{"body":{"text":"half a li')
                elif damage == "no-checkpoint":
                    # A kill mid-write may have left an unfinished tail, and a
                    # tail without `checkpoint` is (rightly) never guessed at:
                    # let a CLI write settle the log first, as an operator's
                    # next command would, then lose the file.
                    r = run([binary, "note", "--text", "soak: operator note", "--log", log])
                    if r.returncode != 0:
                        failures.append(f"a CLI write after a kill failed: {r.stderr}")
                    os.remove(os.path.join(log, "checkpoint"))
                elif damage == "no-checkpoints-jsonl":
                    backup = os.path.join(work, "checkpoints.backup")
                    shutil.move(os.path.join(log, "checkpoints.jsonl"), backup)
                    before = open(entries, "rb").read()
                server.start()
                if backup:
                    # A damaged log: writes are refused and nothing changes.
                    probe = Client(port)
                    st, _ = probe.call("POST", "/api/results/" + (writer.results or ["0" * 64])[0] + "/amend",
                                       {"reason": "soak", "findings": "x"}, TOKEN)
                    time.sleep(0.3)
                    if st != 503:
                        failures.append(f"a write to a log without checkpoints.jsonl answered {st}, not 503")
                    if open(entries, "rb").read() != before:
                        failures.append("a damaged log was written to")
                    server.kill()
                    shutil.move(backup, os.path.join(log, "checkpoints.jsonl"))
                    server.start()
                kill_log.append(damage)
            while not done():
                time.sleep(0.1)

        goal = len(writer.acked) + writes
        chaos_thread = threading.Thread(target=chaos, args=(lambda: len(writer.acked) >= goal,))
        chaos_thread.start()
        t = time.time()
        while chaos_thread.is_alive() or len(writer.acked) < goal:
            if writer.write_one() is None:
                time.sleep(0.05)
            if time.time() - t > (1800 if a.long else 240):
                failures.append("the kill phase did not finish in time")
                break
        chaos_thread.join()
        server.stop()

        present = leaf_ids(log)
        lost = [i for i in writer.acked if i not in present]
        verify = run([binary, "audit", "verify", "--log", log])
        verify_py = run([sys.executable, os.path.join(ROOT, "audit", "verify.py"), "log", log])
        recovered = os.listdir(os.path.join(log, "recovered")) if os.path.isdir(os.path.join(log, "recovered")) else []

        def line(name, stats, secs):
            rps = stats.count / secs
            p99 = percentile(stats.all(), 0.99) * 1000
            res = percentile(stats.latencies.get("results", []), 0.99) * 1000
            return rps, f"{name:<22} {rps:8.0f} req/s  p99 {p99:7.1f} ms  results?draw= p99 {res:7.1f} ms  errors {stats.errors}"

        idle_rps, idle_line = line("reads, idle", idle, idle_s)
        loaded_rps, loaded_line = line("reads, with writes", loaded, loaded_s)
        if shutil.which("wrk"):
            print(f"wrk -t2 -c{a.readers}, {seconds:.0f} s per phase, every public endpoint in turn:")
            print(f"  reads, idle           {w_idle[0]:8.0f} req/s  p99 {w_idle[1]:>8}  non-2xx {w_idle[2]}")
            print(f"  results?draw= only    {w_res[0]:8.0f} req/s  p99 {w_res[1]:>8}  ({len(writer.results)} results on the draw)")
            print(f"  reads, with writes    {w_loaded[0]:8.0f} req/s  p99 {w_loaded[1]:>8}  non-2xx {w_loaded[2]}"
                  f"  ({wrk_writes} writes, {w_loaded[0] / w_idle[0]:.2f} × idle throughput)")
            if w_idle[2] or w_loaded[2] or w_res[2]:
                failures.append("wrk saw non-2xx answers outside the kill phase")
        print(f"one client, results?draw= ({len(writer.results)} results): p50 {percentile(one_idle, 0.5) * 1000:.1f} ms, "
              f"p99 {percentile(one_idle, 0.99) * 1000:.1f} ms idle; p50 {percentile(one_busy, 0.5) * 1000:.1f} ms, "
              f"p99 {percentile(one_busy, 0.99) * 1000:.1f} ms with {one_writes} writes running")
        print(f"{a.readers} Python readers (their GIL included in the latencies):")
        print(idle_line)
        print(loaded_line)
        print(f"{'':<22} {loaded_rps / idle_rps:8.2f} × idle throughput under {loaded_writes} writes "
              f"({loaded_writes / loaded_s:.1f} writes/s)")
        print(f"writes answered 2xx: {len(writer.acked)} ({len(writer.results)} results), "
              f"unknown outcome (server killed): {writer.unknown}, refused 503: {writer.refused}")
        print(f"kills: {len(kill_log)} ({', '.join(sorted(set(kill_log)))}), recovered tails: {len(recovered) and len([r for r in recovered if not r.endswith('checkpoints.jsonl')])}")
        print(f"lost acknowledged writes: {len(lost)}, read-your-writes violations: {len(writer.violations)}")
        print(f"audit verify: exit {verify.returncode}; audit/verify.py log: exit {verify_py.returncode}")
        if lost:
            failures.append(f"{len(lost)} acknowledged writes are missing: {lost[:3]}")
        failures += writer.violations[:10]
        if idle.errors or loaded.errors:
            failures.append(f"reads failed outside the kill phase: {idle.errors + loaded.errors}")
        if verify.returncode != 0:
            failures.append(f"audit verify failed:\n{verify.stdout}{verify.stderr}")
        if verify_py.returncode != 0:
            failures.append(f"audit/verify.py log failed:\n{verify_py.stdout}{verify_py.stderr}")
        if len(kill_log) != kills:
            failures.append(f"only {len(kill_log)} of {kills} kills happened")
    finally:
        if a.keep or failures:
            print(f"soak: work directory kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    if failures:
        print("SOAK FAILED:\n- " + "\n- ".join(failures))
        return 1
    print("soak: passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
