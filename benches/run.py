#!/usr/bin/env python3
"""Whole-process benchmarks of fairdraw, with one command on a fresh clone.

    benches/run.py                      # sizes 1e5 1e6 1e7, five runs each
    SIZES="1e5 1e6" RUNS=3 benches/run.py

For every size it generates a deterministic registry (`fairdraw gen`, 5,000
inspectors, 2,000 recusal pairs, seed 2026), then
  * runs `fairdraw draw --timings` RUNS times as a whole process under
    /usr/bin/time -v: median wall time, peak RSS and the per-phase split;
  * runs `fairdraw verify` on the result RUNS times: median wall, peak RSS;
  * runs the same selection with the PyPI package `consistent-sampler`
    1.0.10 (the reference implementation) on the same ids, seed and sample
    sizes, timed in this process, and compares the output with the draw
    document (every class, in ticket order); the ratio is the sampler's time
    over the median of fairdraw's `tickets+selection` phase. Above
    SAMPLER_MAX ids the sampler is run on class D only (the reference needs
    tens of seconds and several GB there), which is said in the table;
  * runs the independent verifiers `python3 audit/verify.py` and
    `node web/verify.js` (same command line as `fairdraw verify`) up to
    VERIFIERS_MAX enterprises, VERIFIER_RUNS times, and the page's verifier
    in headless Chromium (tests/browser/bench-verify.mjs) when Chromium and
    playwright-core are there; verify.py's time is also given over the
    sampler's (the target is at most 2×);
  * above RUNS_1_ABOVE enterprises (default 1e7) runs everything once: a
    1e8 draw (`SIZES="1e8"`) needs about 10 GB of disk for its registry.
It prints a table of medians and writes it, with every raw run, to
WORK/results.md and WORK/results.json.

Environment: SIZES (default "1e5 1e6 1e7"), RUNS (5), SAMPLER_MAX (1e7),
VERIFIERS_MAX (1e6), VERIFIER_RUNS (3), RUNS_1_ABOVE (1e7), WORK
(target/bench), SEED ("bench-2026"). `--update` also writes the table into
BENCHMARKS.md between its `bench:begin` and `bench:end` markers.
Needs cargo, python3 (3.8+), node, and GNU time (installed with apt-get when missing and possible); consistent-sampler is taken from
the repository's .venv (made by `.ci/run --setup`) when this Python lacks it,
else installed with pip into WORK/pydeps.
"""

import csv
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = Path(os.environ.get("WORK", ROOT / "target" / "bench")).resolve()
SIZES = os.environ.get("SIZES", "1e5 1e6 1e7").split()
RUNS = int(os.environ.get("RUNS", "5"))
SAMPLER_MAX = int(float(os.environ.get("SAMPLER_MAX", "1e7")))
VERIFIERS_MAX = int(float(os.environ.get("VERIFIERS_MAX", "1e6")))
VERIFIER_RUNS = int(os.environ.get("VERIFIER_RUNS", "3"))
RUNS_1_ABOVE = int(float(os.environ.get("RUNS_1_ABOVE", "1e7")))
SEED = os.environ.get("SEED", "bench-2026")
PLAN = ROOT / "data" / "plan-minimal.toml"
FAIRDRAW = ROOT / "target" / "release" / "fairdraw"
GNU_TIME = "/usr/bin/time"
PHASES = ["load+validate", "snapshot roots", "tickets+selection", "assignment", "output"]
# Stored status of every accepted spelling (spec §1.1); the plan's scope is
# the default one, status 存续.
STATUS = {
    "存续": "存续", "在业": "存续", "在营": "存续", "开业": "存续", "active": "存续",
    "歇业": "歇业", "dormant": "歇业", "suspended": "歇业",
    "吊销": "吊销", "revoked": "吊销",
    "注销": "注销", "cancelled": "注销", "canceled": "注销",
}


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def run(cmd, **kw):
    return subprocess.run([str(c) for c in cmd], check=True, **kw)


def setup():
    log("== building (release)")
    run(["cargo", "build", "--release", "--quiet", "--bin", "fairdraw"], cwd=ROOT)
    if not Path(GNU_TIME).exists():
        log("== installing GNU time (/usr/bin/time)")
        sudo = [] if os.geteuid() == 0 else ["sudo"]
        subprocess.run(sudo + ["apt-get", "update", "-qq"], check=False)
        run(sudo + ["apt-get", "install", "-y", "-qq", "time"])
    pydeps = WORK / "pydeps"
    if str(pydeps) not in sys.path:
        sys.path.insert(0, str(pydeps))
    try:
        import consistent_sampler  # noqa: F401
        from importlib.metadata import version

        assert version("consistent-sampler") == "1.0.10"
    except Exception:
        venv = ROOT / ".venv"
        if (venv / "bin" / "python").exists() and Path(sys.prefix).resolve() != venv.resolve():
            # .ci/run --setup put it there: run this script with that Python.
            log("== re-running with " + str(venv / "bin" / "python"))
            os.execv(venv / "bin" / "python", [str(venv / "bin" / "python"), __file__, *sys.argv[1:]])
        log("== installing consistent-sampler 1.0.10 into " + str(pydeps))
        run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--upgrade", "--target", pydeps,
             "consistent-sampler==1.0.10"])
        import importlib

        importlib.invalidate_caches()


def size_of(label):
    return int(float(label))


def generate(n):
    d = WORK / "data" / f"{n}"
    stamp = d / "generated"
    params = f"gen --enterprises {n} --inspectors 5000 --conflicts 2000 --seed 2026\n"
    if stamp.exists() and stamp.read_text() == params:
        return d
    log(f"== generating {n:,} enterprises in {d}")
    d.mkdir(parents=True, exist_ok=True)
    run([FAIRDRAW, "gen", "--enterprises", n, "--inspectors", 5000, "--conflicts", 2000, "--seed", 2026,
         "--out-dir", d])
    stamp.write_text(params)
    return d


def inputs(d):
    return ["--enterprises", d / "enterprises.csv", "--inspectors", d / "inspectors.csv",
            "--conflicts", d / "conflicts.csv", "--plan", PLAN]


def timed(cmd, expect=0):
    """Runs cmd under GNU time; returns (wall s, peak RSS KiB, stdout, stderr)."""
    p = subprocess.run([GNU_TIME, "-v"] + [str(c) for c in cmd], capture_output=True, text=True)
    if p.returncode != expect:
        sys.exit(f"{' '.join(map(str, cmd))} exited {p.returncode}\n{p.stdout[-2000:]}\n{p.stderr[-2000:]}")
    m = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)", p.stderr)
    wall = int(m.group(1) or 0) * 3600 + int(m.group(2)) * 60 + float(m.group(3))
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr).group(1))
    return wall, rss, p.stdout, p.stderr


def runs_for(n):
    return RUNS if n <= RUNS_1_ABOVE else 1


def draws(d, out, n):
    results = []
    for i in range(runs_for(n)):
        wall, rss, _, err = timed([FAIRDRAW, "draw", *inputs(d), "--seed", SEED, "--out", out, "--quiet", "--timings"])
        phases = {m.group(1).strip(): float(m.group(2)) for m in re.finditer(r"phase (.+?)\s+([\d.]+) s", err)}
        results.append({"wall": wall, "rss_kib": rss, "phases": phases})
        log(f"   draw   run {i + 1}: {wall:.2f} s, {rss / 1024:.0f} MiB, " +
            ", ".join(f"{k} {v:.3f}" for k, v in phases.items()))
    return results


def verifies(d, doc, n):
    results = []
    for i in range(runs_for(n)):
        wall, rss, out, _ = timed([FAIRDRAW, "verify", doc, *inputs(d)])
        assert "VERIFIED" in out, out
        results.append({"wall": wall, "rss_kib": rss})
        log(f"   verify run {i + 1}: {wall:.2f} s, {rss / 1024:.0f} MiB")
    return results


def sampler(d, doc, n):
    """consistent-sampler on the same eligible ids, per class; compared with the draw."""
    import consistent_sampler
    from importlib.metadata import version

    # Only the head of the document (seed, strata) is needed: the
    # assignments come after it and would take many GB as Python objects at 1e8.
    raw = Path(doc).read_bytes()
    head = raw[: raw.index(b'"assignments"')].rstrip().rstrip(b",")
    del raw
    published = json.loads(head.decode("utf-8") + "}")
    wanted = set("ABCD") if n <= SAMPLER_MAX else {"D"}
    ids = {c: [] for c in "ABCD"}
    with open(d / "enterprises.csv", encoding="utf-8-sig", newline="") as f:
        rows = csv.reader(f)
        header = next(rows)
        col = {h: i for i, h in enumerate(header)}
        u, c, s = col["统一社会信用代码"], col["信用风险分类"], col["登记状态"]
        for row in rows:
            status = row[s].strip()
            cls = row[c].strip().upper()
            if cls in wanted and STATUS.get(status, STATUS.get(status.lower())) == "存续":
                ids[cls].append(row[u].strip().upper())
    strata = published["strata"]
    if n > SAMPLER_MAX:
        strata = [st for st in strata if st["class"] == "D"]
    total, equal, per_class = 0.0, True, {}
    for st in strata:
        cls, k = st["class"], st["sample_size"]
        assert len(ids[cls]) == st["eligible"], f"class {cls}: {len(ids[cls])} ids, the draw has {st['eligible']}"
        t = time.perf_counter()
        picked = list(consistent_sampler.sampler(ids[cls], published["seed"], take=k, output="id")) if k else []
        spent = time.perf_counter() - t
        same = picked == st["selected"]
        total += spent
        equal &= same
        per_class[cls] = {"ids": len(ids[cls]), "k": k, "seconds": spent, "identical": same}
        log(f"   consistent-sampler {version('consistent-sampler')} class {cls}: {len(ids[cls]):,} ids, k={k:,}: "
            f"{spent:.2f} s, identical={same}")
    return {"seconds": total, "identical": equal, "classes": per_class, "all_classes": n <= SAMPLER_MAX}


def verifiers(d, doc):
    out = {}
    for name, cmd in [("verify.py", [sys.executable, ROOT / "audit" / "verify.py"]),
                      ("verify.js", ["node", ROOT / "web" / "verify.js"])]:
        if name == "verify.js" and not shutil.which("node"):
            log("   node not found: skipping web/verify.js")
            continue
        runs = []
        for _ in range(VERIFIER_RUNS):
            wall, rss, stdout, _ = timed([*cmd, doc, *inputs(d)])
            assert "VERIFIED" in stdout, stdout
            runs.append({"wall": wall, "rss_kib": rss})
            log(f"   {name}: {wall:.2f} s, {rss / 1024:.0f} MiB")
        out[name] = runs
    out.update(chromium(d, doc))
    return out


def chromium(d, doc):
    """The page's verifier in headless Chromium (from the click to the
    verdict, and the peak RSS of the renderer that holds the page and its
    worker), via tests/browser/bench-verify.mjs: skipped, and said, when
    node, Chromium or playwright-core are missing."""
    script = ROOT / "tests" / "browser" / "bench-verify.mjs"
    ready = (shutil.which("node") and script.exists() and Path(os.environ.get("CHROMIUM", "/usr/bin/chromium")).exists()
             and (ROOT / "tests" / "browser" / "node_modules" / "playwright-core").exists())
    if not ready:
        log("   Chromium, playwright-core (npm ci --prefix tests/browser) or the bench script missing: "
            "skipping the in-browser verifier")
        return {}
    # It makes (once) a log with a drawn commitment of this registry, serves
    # it with `fairdraw serve`, presses verify on the draw page and prints one
    # JSON line per run, then the medians.
    p = subprocess.run(["node", str(script), "--registry", str(d), "--runs", str(VERIFIER_RUNS)],
                       capture_output=True, text=True, env={**os.environ, "FAIRDRAW": str(FAIRDRAW)})
    if p.returncode != 0:
        sys.exit(f"{script} exited {p.returncode}\n{p.stdout[-2000:]}\n{p.stderr[-2000:]}")
    lines = [json.loads(line) for line in p.stdout.splitlines() if line.startswith("{")]
    runs = [{"wall": r["seconds"], "rss_kib": r["peakRssMiB"] * 1024, "cpu": r.get("cpuSeconds"),
             "status": r["status"]} for r in lines if "run" in r]
    for r in runs:
        log(f"   verify.js in Chromium: {r['status']}, {r['wall']:.2f} s, {r['rss_kib'] / 1024:.0f} MiB")
    # "partial": the draw recomputed and matched, but the bench log has no
    # witnesses (and a ceremony beacon), so the page does not say "verified"
    assert runs and all(r["status"] in ("verified", "partial") for r in runs), p.stdout[-2000:]
    return {"chromium": runs}


def med(xs):
    return statistics.median(xs) if xs else None


def machine():
    info = {"nproc": os.cpu_count(), "python": platform.python_version()}
    try:
        model = [line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")]
        info["cpu"] = model[0] if model else platform.processor()
        flags = next((line for line in open("/proc/cpuinfo") if line.startswith("flags")), "")
        info["sha_ni"] = " sha_ni" in flags
        info["avx2"] = " avx2" in flags
    except OSError:
        info["cpu"] = platform.processor()
    for key, cmd in [("memory", ["free", "-h"]), ("rustc", ["rustc", "--version"]),
                     ("commit", ["git", "-C", ROOT, "rev-parse", "--short", "HEAD"])]:
        try:
            info[key] = subprocess.run([str(c) for c in cmd], capture_output=True, text=True).stdout.strip()
        except OSError:
            pass
    return info


def table(results):
    """Two tables: the Rust draw and verify with the phase split, then the
    reference sampler and the independent verifiers."""
    def mib(runs):
        return f"{med([x['rss_kib'] for x in runs]) / 1024:,.0f}"

    def wall(runs):
        return med([x["wall"] for x in runs])

    lines = [
        "| enterprises | runs | draw wall (s) | draw peak RSS (MiB) | bytes/firm | load+validate | snapshot roots "
        "| tickets+selection | assignment | output | verify wall (s) | verify peak RSS (MiB) | verify/draw time "
        "| verify/draw RSS |",
        "|" + "---:|" * 14,
    ]
    for r in results:
        dr, vr = r["draw"], r["verify"]
        ph = {p: med([x["phases"].get(p, 0.0) for x in dr]) for p in PHASES}
        d_rss, v_rss = med([x["rss_kib"] for x in dr]), med([x["rss_kib"] for x in vr])
        lines.append(
            f"| {r['n']:,} | {len(dr)} | {wall(dr):.2f} | {mib(dr)} | {d_rss * 1024 / r['n']:.0f} "
            + "".join(f"| {ph[p]:.3f} " for p in PHASES)
            + f"| {wall(vr):.2f} | {mib(vr)} | {wall(vr) / wall(dr):.2f}× | {v_rss / d_rss:.2f}× |")
    lines += [
        "",
        "| enterprises | consistent-sampler (s) | its time / fairdraw's tickets+selection | identical "
        "| verify.py (s) | verify.py / sampler | verify.py RSS (MiB) | verify.js node (s) | verify.js RSS (MiB) "
        "| verify.js Chromium (s) | Chromium RSS (MiB) |",
        "|" + "---:|" * 11,
    ]
    for r in results:
        s = r["sampler"]
        sel = med([x["phases"].get("tickets+selection", 0.0) for x in r["draw"]])
        if s["all_classes"]:
            sampler_s, ratio = f"{s['seconds']:.2f}", f"{s['seconds'] / sel:.0f}×" if sel else "-"
        else:
            cls = s["classes"]["D"]
            sampler_s, ratio = f"{s['seconds']:.2f} (class D only, {cls['ids']:,} ids)", "-"
        v = r.get("verifiers", {})

        def cell(name, what):
            runs = v.get(name)
            if not runs:
                return "not run"
            return f"{wall(runs):.2f}" if what == "wall" else mib(runs)

        py = v.get("verify.py")
        py_ratio = f"{wall(py) / s['seconds']:.2f}×" if py and s["all_classes"] and s["seconds"] else "-"
        lines.append(
            f"| {r['n']:,} | {sampler_s} | {ratio} | {'yes' if s['identical'] else 'NO'} "
            f"| {cell('verify.py', 'wall')} | {py_ratio} | {cell('verify.py', 'rss')} "
            f"| {cell('verify.js', 'wall')} | {cell('verify.js', 'rss')} "
            f"| {cell('chromium', 'wall')} | {cell('chromium', 'rss')} |")
    return "\n".join(lines)


def update_benchmarks_md(text):
    """Puts the tables between the markers of BENCHMARKS.md."""
    path = ROOT / "BENCHMARKS.md"
    doc = path.read_text(encoding="utf-8")
    begin, end = "<!-- bench:begin -->", "<!-- bench:end -->"
    if begin not in doc or end not in doc:
        sys.exit(f"{path} has no {begin} … {end} markers")
    head, rest = doc.split(begin, 1)
    path.write_text(head + begin + "\n" + text + "\n" + end + rest.split(end, 1)[1], encoding="utf-8")
    log(f"== wrote the tables into {path}")


def main():
    WORK.mkdir(parents=True, exist_ok=True)
    import fcntl

    lock = open(WORK / "lock", "w")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        sys.exit(f"another benches/run.py is using {WORK}; wait for it or set WORK to another directory")
    setup()
    results = []
    for label in SIZES:
        n = size_of(label)
        d = generate(n)
        out_dir = WORK / "out" / f"{n}"
        out_dir.mkdir(parents=True, exist_ok=True)
        doc = out_dir / "draw.json"
        log(f"== {n:,} enterprises: {runs_for(n)} draws, {runs_for(n)} verifications")
        r = {"n": n, "draw": draws(d, doc, n)}
        r["verify"] = verifies(d, doc, n)
        r["sampler"] = sampler(d, doc, n)
        if n <= VERIFIERS_MAX:
            r["verifiers"] = verifiers(d, doc)
        results.append(r)
    info = machine()
    text = table(results)
    header = (f"fairdraw {info.get('commit', '?')} on {info.get('cpu')} ({info.get('nproc')} CPUs, "
              f"SHA-NI {'yes' if info.get('sha_ni') else 'no'}), {RUNS} runs per size up to {RUNS_1_ABOVE:,}, "
              f"one above, the verifiers {VERIFIER_RUNS} runs each, medians; plan "
              f"data/plan-minimal.toml, seed {SEED!r}, 5,000 inspectors, 2,000 recusal pairs.")
    print(header)
    print()
    print(text)
    (WORK / "results.md").write_text(header + "\n\n" + text + "\n\n```\n" + info.get("memory", "") + "\n```\n")
    (WORK / "results.json").write_text(json.dumps({"machine": info, "results": results}, indent=1))
    if "--update" in sys.argv[1:]:
        update_benchmarks_md(header + "\n\n" + text)
    if not all(r["sampler"]["identical"] for r in results):
        sys.exit("consistent-sampler's selection differs from the draw")


if __name__ == "__main__":
    main()
