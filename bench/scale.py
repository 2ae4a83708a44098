#!/usr/bin/env python3
"""Issue 17's benchmark: whole `modelcheck verify` processes, side by side in one run.

    python bench/scale.py               # every row once (a few minutes on 2 busy cores)
    python bench/scale.py --repeat 2    # every row twice, interleaved (round 1 of each, then round 2)
    python bench/scale.py --quick       # two-phase commit with 7 managers instead of 8, no flagship cell

Rows, for two-phase commit (specs/two_phase_commit.py, RMs=8, --no-reduction: every state, as TLC):
- `old engine`: the engine as it was at commit 49fa88e (before issue 17), extracted with `git archive`
  into a temporary directory and run on its own copy of the spec;
- `workers 1`, `workers 2`: this engine with `--workers 1` and `--workers 2`;
- `SPIN 6.5.2`: bench/two_phase_commit.pml compiled by spin and gcc -O2 (the compiled ceiling), when
  `spin` and `gcc` are installed;
- `bare loop`: bench/bench.py's bare BFS over this engine's successor function (one process).

and for the flagship cell `verify specs/rollback.py --variant phase73 --scenario active_latency
-p N=4 -p K=3 -p R=2 -p E=2 -p maxLate=2`: the old engine (on its own copy of the spec) and this
engine with 1 and 2 workers, with the goals (at most 15 s and 300 MB; per-core throughput, states per
CPU second, at least 4x the old engine's). Then bench/memory.py: bytes per visited state from RSS
during a 1.7M-state search (goal: at most 64 beyond the frontier). Every goal line says met, or by how
much it is not.

Each row is a fresh process; wall time, CPU time (the process and the workers it waited for) and peak
memory (the proportional set size of the process and its children together, sampled every 50 ms) are measured
from outside. The rows of one round run back to back, so they see the same machine load; only the
ratios within one run mean anything on a shared machine.

TLC is not installable here. The issue measured, side by side on this machine: old engine 36.1 s,
TLC 2.20 with 1 worker 37.4 s, with 2 workers 24.7 s. Its goals, as ratios to the old engine:
faster than TLC with 2 workers = below 24.7/36.1 = 0.68x; at most 0.6x TLC with 1 worker = at most
0.6 * 37.4/36.1 = 0.62x. The script prints whether each measured ratio meets them.

Exit status: 0 if every row ran and every count agrees with TLC's (1,745,408 distinct states for
RMs=8) or with the other rows of its cell; 1 otherwise.
"""
from __future__ import annotations

import argparse
import datetime
import os
import platform
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OLD = "49fa88e"
TLC = {8: 1_745_408, 7: 296_448}                   # distinct states, TLC's published figures
ISSUE = {"old": 36.1, "tlc1": 37.4, "tlc2": 24.7}  # the issue's side-by-side run (seconds, RMs=8)
FLAGSHIP = ["specs/rollback.py", "--variant", "phase73", "--scenario", "active_latency", "-p", "N=4", "-p", "K=3",
            "-p", "R=2", "-p", "E=2", "-p", "maxLate=2"]


def _tree_rss_kb(pid: int) -> int:
    """Memory of `pid` and all its descendants, in kB: the sum of their proportional set sizes (PSS), so
    pages shared after a fork count once (Linux /proc)."""
    children: dict[int, list[int]] = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
                children.setdefault(ppid, []).append(int(d))
            except (OSError, ValueError, IndexError):
                pass
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/smaps_rollup") as f:
                total += next(int(ln.split()[1]) for ln in f if ln.startswith("Pss:"))
        except (OSError, ValueError, IndexError, StopIteration):
            pass
        todo += children.get(p, [])
    return total


def measure(cmd: list[str], cwd: str, env: dict[str, str] | None = None, timeout: float = 1800) -> dict:
    """Run `cmd`; wall and CPU seconds, peak MB of its process tree, exit code, stdout+stderr."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    peak = [0]
    done = threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], _tree_rss_kb(p.pid))
            done.wait(0.05)
    th = threading.Thread(target=sample, daemon=True)
    th.start()
    try:
        out, _ = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        out, _ = p.communicate()
        out += f"\n(timeout after {timeout:.0f} s)"
    wall = time.perf_counter() - t0
    done.set()
    th.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"wall": wall, "cpu": cpu, "peak_mb": peak[0] / 1024, "rc": p.returncode, "out": out}


def _distinct(out: str) -> int | None:
    m = re.search(r"statistics: ([\d,]+) distinct states", out) or re.search(r"([\d]+) states, stored", out) \
        or re.search(r'"distinct": (\d+)', out)
    return int(m.group(1).replace(",", "")) if m else None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=1, metavar="N", help="rounds (default 1)")
    ap.add_argument("--quick", action="store_true", help="RMs=7 and no flagship cell")
    ap.add_argument("--timeout", type=float, default=1800, help="seconds allowed per row")
    args = ap.parse_args(argv)
    rms = 7 if args.quick else 8
    py = sys.executable
    tmp = tempfile.mkdtemp(prefix="mc-scale-")
    problems: list[str] = []
    try:
        old = os.path.join(tmp, "old")
        os.makedirs(old)
        arch = subprocess.run(["git", "-C", ROOT, "archive", OLD, "modelcheck", "specs"], capture_output=True)
        if arch.returncode:
            print(f"cannot extract the old engine ({OLD}): {arch.stderr.decode().strip()}", file=sys.stderr)
            return 1
        subprocess.run(["tar", "-x", "-C", old], input=arch.stdout, check=True)
        env_old = {**os.environ, "PYTHONPATH": old}
        env_new = {**os.environ, "PYTHONPATH": ROOT}
        two_pc = ["specs/two_phase_commit.py", "-p", f"RMs={rms}"]
        rows: list[tuple[str, str, list[str], str, dict | None]] = [
            ("2pc", "old engine", [py, "-m", "modelcheck", "verify", *two_pc, "--out", tmp], old, env_old),
            ("2pc", "workers 1", [py, "-m", "modelcheck", "verify", *two_pc, "--no-reduction", "--workers", "1",
                                  "--out", tmp], ROOT, env_new),
            ("2pc", "workers 2", [py, "-m", "modelcheck", "verify", *two_pc, "--no-reduction", "--workers", "2",
                                  "--out", tmp], ROOT, env_new),
            ("2pc", "bare loop", [py, os.path.join(ROOT, "bench", "bench.py"), "--one", f"2pc-{rms}", "--mode", "bare"],
             ROOT, env_new),
        ]
        pan = _build_spin(tmp, rms)
        if pan:
            rows.append(("2pc", "SPIN 6.5.2", [pan, "-E", "-m100000"], tmp, None))
        else:
            problems.append("SPIN row skipped: spin or gcc not installed (apt-get install spin gcc)")
        if not args.quick:
            rows += [
                ("flagship", "old engine", [py, "-m", "modelcheck", "verify", *FLAGSHIP, "--out", tmp], old, env_old),
                ("flagship", "workers 1", [py, "-m", "modelcheck", "verify", *FLAGSHIP, "--workers", "1", "--out", tmp],
                 ROOT, env_new),
                ("flagship", "workers 2", [py, "-m", "modelcheck", "verify", *FLAGSHIP, "--workers", "2", "--out", tmp],
                 ROOT, env_new),
            ]
        print(f"# python bench/scale.py {' '.join(argv if argv is not None else sys.argv[1:])}".rstrip())
        print(f"date: {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M UTC}; machine: {platform.node()}, "
              f"{_cpu_model()}, {os.cpu_count()} cores, {_mem_gb():.0f} GB; python {platform.python_version()}; "
              f"load {' '.join(f'{x:.1f}' for x in os.getloadavg())} (1/5/15 min) at start")
        results: dict[tuple[str, str], list[dict]] = {}
        for r in range(args.repeat):
            for cell, label, cmd, cwd, env in rows:
                print(f"  round {r + 1}: {cell} {label} ...", end=" ", file=sys.stderr, flush=True)
                m = measure(cmd, cwd, env, args.timeout)
                m["distinct"] = _distinct(m["out"])
                print(f"{m['wall']:.1f} s", file=sys.stderr, flush=True)
                results.setdefault((cell, label), []).append(m)
        _report(results, rms, problems)
        if not args.quick:
            _memory(py, problems)
        print(f"load {' '.join(f'{x:.1f}' for x in os.getloadavg())} at the end")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    for p in problems:
        print(f"!!! {p}")
    return 1 if any(not p.startswith("SPIN row skipped") for p in problems) else 0


def _report(results: dict, rms: int, problems: list[str]) -> None:
    for cell in ("2pc", "flagship"):
        mine = {label: ms for (c, label), ms in results.items() if c == cell}
        if not mine:
            continue
        title = (f"two-phase commit, RMs={rms}, whole process (TLC: {TLC[rms]:,} distinct states)" if cell == "2pc"
                 else "flagship cell: verify " + " ".join(FLAGSHIP))
        print(f"\n{title}")
        old = mine.get("old engine", [])
        print(f"  {'row':<12} {'round':>5} {'distinct':>11} {'wall s':>8} {'cpu s':>8} {'peak MB':>8} "
              f"{'wall/old':>9} {'cpu/old':>8}")
        for label, ms in mine.items():
            for i, m in enumerate(ms):
                o = old[i] if i < len(old) else None
                rw = f"{m['wall'] / o['wall']:.2f}x" if o and o["wall"] else "-"
                rc = f"{m['cpu'] / o['cpu']:.2f}x" if o and o["cpu"] else "-"
                d = f"{m['distinct']:,}" if m["distinct"] is not None else "?"
                print(f"  {label:<12} {i + 1:>5} {d:>11} {m['wall']:>8.1f} {m['cpu']:>8.1f} {m['peak_mb']:>8.0f} "
                      f"{rw:>9} {rc:>8}")
                ok_rc = m["rc"] in (0, 1) if cell == "flagship" or label == "old engine" else m["rc"] == 0
                if not ok_rc:
                    problems.append(f"{cell} {label} round {i + 1}: exit {m['rc']}: {m['out'][-300:]}")
                want = TLC[rms] if cell == "2pc" else None
                if want is not None and m["distinct"] != want:
                    problems.append(f"{cell} {label} round {i + 1}: {m['distinct']} distinct states, TLC {want:,}")
        if cell == "flagship":
            counts = {m["distinct"] for ms in mine.values() for m in ms}
            if len(counts) != 1:
                problems.append(f"flagship rows disagree on the distinct count: {sorted(map(str, counts))}")
            _flagship_goals(mine, old)
            continue
        # the issue's goals, as ratios to the old engine measured in this run
        g2 = ISSUE["tlc2"] / ISSUE["old"]
        g1 = 0.6 * ISSUE["tlc1"] / ISSUE["old"]
        for label in ("workers 1", "workers 2"):
            pairs = [(m["wall"] / o["wall"]) for m, o in zip(mine.get(label, []), old) if o["wall"]]
            if pairs:
                best = min(pairs)
                print(f"  goal check, {label}: wall/old {best:.2f}x (best round); faster than TLC 2 workers needs "
                      f"< {g2:.2f}x: {_by(best, g2)}; at most 0.6x TLC 1 worker needs <= {g1:.2f}x: {_by(best, g1)}")
        spin = mine.get("SPIN 6.5.2")
        if spin:
            for label in ("workers 1", "workers 2"):
                pairs = [m["wall"] / s["wall"] for m, s in zip(mine.get(label, []), spin) if s["wall"]]
                if pairs:
                    print(f"  modelcheck {label} / SPIN (wall): {', '.join(f'{x:.1f}x' for x in pairs)}")
        bare = mine.get("bare loop")
        if bare:
            for label in ("workers 1",):
                pairs = [m["cpu"] / b["cpu"] for m, b in zip(mine.get(label, []), bare) if b["cpu"]]
                if pairs:
                    print(f"  whole process {label} / bare loop (cpu): {', '.join(f'{x:.2f}x' for x in pairs)} "
                          f"(the bare loop's process skips z3, property compilation and traces)")


def _by(measured: float, goal: float, below: bool = True) -> str:
    """'met' or 'NOT met (by F x)' for a figure that must stay at or below (or reach) the goal."""
    ok = measured <= goal if below else measured >= goal
    return "met" if ok else f"NOT met (by {measured / goal if below else goal / measured:.2f}x)"


def _flagship_goals(mine: dict, old: list[dict]) -> None:
    """Issue 17's flagship goals: the active_latency cell in at most 15 s and 300 MB (whole process, wall
    and PSS of the process tree); throughput per core (states per CPU second) at least 4x the old engine's."""
    for label in ("workers 1", "workers 2"):
        for i, m in enumerate(mine.get(label, [])):
            print(f"  goal check, {label} round {i + 1}: wall {m['wall']:.1f} s (goal <= 15 s: {_by(m['wall'], 15)}), "
                  f"peak {m['peak_mb']:.0f} MB (goal <= 300 MB: {_by(m['peak_mb'], 300)})")
    for label in ("workers 1", "workers 2"):
        for i, (m, o) in enumerate(zip(mine.get(label, []), old)):
            if m["distinct"] and m["cpu"] and o["cpu"]:
                new_rate, old_rate = m["distinct"] / m["cpu"], o["distinct"] / o["cpu"]
                print(f"  per-core throughput, {label} round {i + 1}: {new_rate:,.0f} states per CPU second, old engine "
                      f"{old_rate:,.0f}: {new_rate / old_rate:.2f}x (goal >= 4x: {_by(new_rate / old_rate, 4, False)})")


def _memory(py: str, problems: list[str]) -> None:
    """bench/memory.py on two-phase commit RMs=8 (1,745,408 states): bytes per visited state from RSS."""
    m = measure([py, os.path.join(ROOT, "bench", "memory.py")], ROOT, {**os.environ, "PYTHONPATH": ROOT})
    lines = [ln for ln in m["out"].splitlines() if not ln.startswith("#")]
    print("\nmemory per visited state (python bench/memory.py: RSS during the search, least squares)")
    for ln in lines:
        print(f"  {ln.strip()}")
    if m["rc"]:
        problems.append(f"bench/memory.py exited {m['rc']}")


def _build_spin(tmp: str, rms: int) -> str | None:
    """Compile bench/two_phase_commit.pml for `rms` managers; the pan binary, or None without spin/gcc."""
    if not shutil.which("spin") or not shutil.which("gcc"):
        return None
    d = os.path.join(tmp, "spin")
    os.makedirs(d)
    shutil.copy(os.path.join(ROOT, "bench", "two_phase_commit.pml"), d)
    subprocess.run(["spin", f"-DN={rms}", "-a", "two_phase_commit.pml"], cwd=d, check=True, capture_output=True)
    subprocess.run(["gcc", "-O2", "-DSAFETY", "-DNOREDUCE", "-DNOCLAIM", "-o", "pan", "pan.c"], cwd=d, check=True,
                   capture_output=True)
    return os.path.join(d, "pan")


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for ln in f:
                if ln.startswith("model name"):
                    return ln.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.machine()


def _mem_gb() -> float:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2 ** 30
    except (ValueError, OSError):
        return 0.0


if __name__ == "__main__":
    sys.exit(main())
