#!/usr/bin/env python3
"""Throughput benchmark of the explorer against a bare BFS loop over the same successor function.

    python bench/bench.py              # every case, 8 RMs included (about 1 minute on 2 cores)
    python bench/bench.py --quick      # without two_phase_commit RMs=8
    python bench/bench.py --repeat 2   # every measurement twice (rows "run 1", "run 2")

Each measurement runs in a fresh interpreter (`bench.py --one CASE --mode engine|bare`), so peak
memory (ru_maxrss) belongs to that run alone and one run's heap does not speed up or slow down the
next. For every case the driver runs the engine and the bare loop back to back (the order alternates
between repetitions), so both see the same machine load. See bench/README.md for the columns.

Exit status: 0 if every count agrees (engine = bare loop, and engine = TLC's published figures for
two-phase commit with 3, 7 and 8 resource managers); 1 on any mismatch or failed run.
"""
from __future__ import annotations

import argparse
import datetime
import gc
import json
import os
import platform
import resource
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# TLC's published figures for TwoPhase (shared/two_phase_commit.md): distinct, generated, depth.
# TLC's depth counts states on the longest shortest path; ours counts steps, so TLC = ours + 1.
TLC = {3: (288, 1_146, 11), 7: (296_448, 2_744_706, 23), 8: (1_745_408, 18_507_778, 26)}

# name -> (spec file relative to the repo, size label, parameter overrides, variant, scenario, optional)
CASES: dict[str, tuple[str, str, dict, str | None, str | None, bool]] = {
    "2pc-3": ("specs/two_phase_commit.py", "RMs=3", {"RMs": 3}, None, None, False),
    "2pc-5": ("specs/two_phase_commit.py", "RMs=5", {"RMs": 5}, None, None, False),
    "2pc-7": ("specs/two_phase_commit.py", "RMs=7", {"RMs": 7}, None, None, False),
    "2pc-8": ("specs/two_phase_commit.py", "RMs=8", {"RMs": 8}, None, None, False),
    "mutex-3": ("specs/mutex.py", "N=3", {"N": 3}, None, None, False),
    "mutex-4": ("specs/mutex.py", "N=4", {"N": 4}, None, None, False),
    # The flagship spec is edited in parallel: if it is missing or does not load, the row says why.
    "rollback": ("specs/rollback.py", "defaults", {}, None, None, True),
}
SLOW = {"2pc-8"}


# ---------------------------------------------------------------------------------------------------
# Child: one measurement in a fresh interpreter, printed as one JSON line on stdout.

def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB on Linux


def _bind(case: str, engine_dir: str):
    sys.path.insert(0, engine_dir)
    from modelcheck.loader import load_spec

    rel, _size, overrides, variant, scenario, _opt = CASES[case]
    path = os.path.join(ROOT, rel)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{rel} does not exist")
    _path, cls = load_spec(path)
    return cls.bind(variant, scenario, dict(overrides))


def run_engine(case: str, engine_dir: str) -> dict:
    bound = _bind(case, engine_dir)
    from modelcheck.explorer import Limits, explore
    from modelcheck.z3bridge import compile_properties

    props = compile_properties(bound)
    gc.collect()
    base = _rss_mb()
    c0, t0 = time.process_time(), time.perf_counter()
    # stop_early=False: explore the whole graph even after every verdict is known, so the work is the
    # same as the bare loop's (it changes nothing for two_phase_commit and mutex, whose `always`
    # properties hold).
    res = explore(bound, props, Limits(), stop_early=False)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    return {"distinct": res.distinct, "generated": res.generated, "depth": res.depth,
            "complete": res.complete, "error": str(res.error) if res.error else None,
            "wall": wall, "cpu": cpu, "peak_mb": _rss_mb(), "base_mb": base,
            "params": bound.param_text()}


def run_bare(case: str, engine_dir: str) -> dict:
    """The ceiling: the generated successor function, a set of visited states and a list queue per
    BFS layer. No parent links, labels, counters, property checks or domain validation."""
    bound = _bind(case, engine_dir)
    from modelcheck.explorer import make_successors

    gc.collect()
    base = _rss_mb()
    c0, t0 = time.process_time(), time.perf_counter()
    successors, _labels = make_successors(bound)
    frontier = bound.initial_states()
    seen = set(frontier)
    generated = len(frontier)
    depth = 0
    while frontier:
        nxt: list = []
        add, push = seen.add, nxt.append
        for s in frontier:
            succ = successors(s)
            generated += len(succ)
            for _lid, t in succ:
                if t not in seen:
                    add(t)
                    push(t)
        if nxt:
            depth += 1
        frontier = nxt
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    return {"distinct": len(seen), "generated": generated, "depth": depth, "complete": True, "error": None,
            "wall": wall, "cpu": cpu, "peak_mb": _rss_mb(), "base_mb": base}


def child_main(case: str, mode: str, engine_dir: str) -> int:
    try:
        out = (run_engine if mode == "engine" else run_bare)(case, engine_dir)
        out["ok"] = True
    except BaseException as e:  # reported by the driver, which decides whether it is fatal
        out = {"ok": False, "reason": f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"[:300]}
    print(json.dumps(out))
    return 0


# ---------------------------------------------------------------------------------------------------
# Driver.

def measure(case: str, mode: str, engine_dir: str, timeout: float) -> dict:
    cmd = [sys.executable, os.path.abspath(__file__), "--one", case, "--mode", mode, "--engine-dir", engine_dir]
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=ROOT)
    except subprocess.TimeoutExpired:
        return {"ok": False, "reason": f"timed out after {timeout:g} s"}
    lines = [ln for ln in p.stdout.splitlines() if ln.startswith("{")]
    if p.returncode != 0 or not lines:
        tail = (p.stderr.strip().splitlines() or ["no output"])[-1]
        return {"ok": False, "reason": f"child exited {p.returncode}: {tail}"[:300]}
    return json.loads(lines[-1])


def machine_header() -> list[str]:
    cpu = "?"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name")), "?")
    except OSError:
        pass
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return [f"date:    {datetime.datetime.now().astimezone().isoformat(timespec='seconds')}",
            f"machine: nproc {os.cpu_count()}, {cpu}, {platform.system()} {platform.release()}",
            f"python:  {platform.python_implementation()} {platform.python_version()} ({sys.executable})",
            f"load:    {load} (1/5/15 min) at start"]


def loud(lines: list[str]) -> None:
    bar = "!" * 78
    print(f"\n{bar}")
    for ln in lines:
        print(f"!!! {ln}")
    print(bar, flush=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="skip two_phase_commit RMs=8 (the long case)")
    ap.add_argument("--full", action="store_true", help="include RMs=8 (the default; kept for clarity)")
    ap.add_argument("--repeat", type=int, default=1, metavar="N", help="measure every case N times (default 1)")
    ap.add_argument("--only", action="append", default=[], metavar="CASE",
                    help=f"run only these cases (repeatable): {', '.join(CASES)}")
    ap.add_argument("--engine", action="append", default=[], metavar="LABEL=DIR",
                    help="also time the engine found in DIR (a directory holding a modelcheck/ package), "
                         "e.g. a patched copy; its rows are labelled LABEL. The bare loop always uses "
                         "this repo's make_successors")
    ap.add_argument("--no-main", action="store_true", help="time only the --engine copies, not this repo's engine")
    ap.add_argument("--no-bare", action="store_true", help="skip the bare loop")
    ap.add_argument("--timeout", type=float, default=900, help="seconds allowed for one measurement")
    ap.add_argument("--json", metavar="FILE", help="also write every raw measurement to FILE")
    # child mode
    ap.add_argument("--one", metavar="CASE", help=argparse.SUPPRESS)
    ap.add_argument("--mode", choices=("engine", "bare"), default="engine", help=argparse.SUPPRESS)
    ap.add_argument("--engine-dir", default=ROOT, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.repeat < 1:
        ap.error("--repeat must be at least 1")

    if args.one:
        return child_main(args.one, args.mode, os.path.abspath(args.engine_dir))

    from tabulate import tabulate

    unknown = [c for c in args.only if c not in CASES]
    if unknown:
        ap.error(f"unknown case {unknown[0]!r}; known: {', '.join(CASES)}")
    cases = args.only or [c for c in CASES if not (args.quick and c in SLOW)]
    engines = [] if args.no_main else [("main", ROOT)]
    for spec in args.engine:
        label, _, d = spec.partition("=")
        if not d or not os.path.isdir(os.path.join(d, "modelcheck")):
            ap.error(f"--engine {spec!r}: expected LABEL=DIR with DIR/modelcheck/")
        engines.append((label, os.path.abspath(d)))
    if not engines:
        ap.error("--no-main needs at least one --engine LABEL=DIR")

    for ln in machine_header():
        print(ln)
    print("engines: " + ", ".join(f"{lab}={d}" for lab, d in engines))
    print(f"command: python {' '.join(sys.argv)}", flush=True)
    started = time.perf_counter()

    rows, raw, problems, skipped = [], [], [], []
    for case in cases:
        rel, size, _ov, _var, _scn, optional = CASES[case]
        spec = os.path.splitext(os.path.basename(rel))[0]
        for rep in range(args.repeat):
            # Alternate the order so neither side always runs first (warm page cache, load spikes).
            order = [("engine", lab, d) for lab, d in engines]
            if not args.no_bare:
                order = order + [("bare", "bare", ROOT)] if rep % 2 == 0 else [("bare", "bare", ROOT)] + order
            got: dict[str, dict] = {}
            for mode, lab, d in order:
                print(f"  {case} run {rep + 1}: {lab} ...", end=" ", flush=True, file=sys.stderr)
                m = measure(case, mode, d, args.timeout)
                print(f"{m['wall']:.2f} s" if m.get("ok") else "failed", file=sys.stderr, flush=True)
                got[lab] = m
                raw.append({"case": case, "run": rep + 1, "who": lab, **m})
            bare = got.get("bare")
            for lab, _d in engines:
                e = got[lab]
                name = spec if lab == "main" else f"{spec} [{lab}]"
                if not e.get("ok"):
                    msg = f"{spec} {size} [{lab}]: {e['reason']}"
                    if optional:
                        skipped.append(f"{spec} {size}: skipped: {e['reason']}")
                    else:
                        problems.append(f"FAILED: {msg}")
                    continue
                note = ""
                if e.get("error"):
                    note = "model error: " + e["error"][:60]
                elif not e["complete"]:
                    note = "incomplete"
                ratio = cpu_ratio = bare_s = bare_cpu = bare_mb = None
                if bare is not None and bare.get("ok"):
                    bare_s, bare_cpu, bare_mb = bare["wall"], bare["cpu"], bare["peak_mb"]
                    ratio = e["wall"] / bare["wall"] if bare["wall"] > 0 else None
                    cpu_ratio = e["cpu"] / bare["cpu"] if bare["cpu"] > 0 else None
                    ecount = (e["distinct"], e["generated"], e["depth"])
                    bcount = (bare["distinct"], bare["generated"], bare["depth"])
                    if ecount != bcount and not e.get("error"):
                        problems.append(f"MISMATCH engine vs bare loop, {spec} {size} [{lab}] run {rep + 1}: "
                                        f"engine distinct/generated/depth {ecount}, bare {bcount}")
                elif bare is not None:
                    (skipped if optional else problems).append(f"{spec} {size}: bare loop failed: {bare['reason']}")
                rows.append([name, size, rep + 1, e["distinct"], e["generated"], e["depth"],
                             e["wall"], e["cpu"], e["distinct"] / e["wall"] if e["wall"] > 0 else None,
                             e["peak_mb"], bare_s, bare_cpu, bare_mb, ratio, cpu_ratio, note])
                # TLC's published figures.
                if spec == "two_phase_commit":  # a model error or a partial search is a mismatch too
                    rms = int(size.split("=")[1])
                    if rms in TLC:
                        want = TLC[rms]
                        have = (e["distinct"], e["generated"], e["depth"] + 1)
                        if have != want:
                            problems.append(f"MISMATCH with TLC, two_phase_commit RMs={rms} [{lab}] run {rep + 1}: "
                                            f"TLC distinct/generated/depth {want}, engine {have} (depth as TLC's)")
                        else:
                            raw.append({"tlc_ok": rms, "who": lab, "run": rep + 1})

    headers = ["spec", "size", "run", "distinct", "generated", "depth", "engine s", "cpu s", "states/s",
               "peak MB", "bare s", "bare cpu s", "bare MB", "engine/bare", "cpu ratio", "note"]
    if args.repeat == 1:
        headers.pop(2)
        rows = [r[:2] + r[3:] for r in rows]
    print()
    print(tabulate([[_fmt(h, v) for h, v in zip(headers, r)] for r in rows], headers=headers, tablefmt="simple",
                   disable_numparse=True,
                   colalign=("left", "left") + ("right",) * (len(headers) - 3) + ("left",)))
    base = [m["base_mb"] for m in raw if m.get("ok")]
    if base:
        print(f"\n(peak MB includes the interpreter, z3 and the loaded spec: {min(base):.0f}-{max(base):.0f} MB "
              f"before the search started)")
    for s in dict.fromkeys(skipped):
        print(s)

    print("\nTLC's published figures (two_phase_commit; depth as TLC counts it = ours + 1):")
    for rms, want in TLC.items():
        case = f"2pc-{rms}"
        if case not in cases:
            print(f"  RMs={rms}: not run (--quick or --only)")
            continue
        oks = [m for m in raw if m.get("tlc_ok") == rms]
        n = args.repeat * len(engines)
        status = "OK" if len(oks) == n else "MISMATCH" if any(p.startswith("MISMATCH with TLC") and f"RMs={rms} " in p
                                                            for p in problems) else "NOT CHECKED (run failed)"
        print(f"  RMs={rms}: TLC {want[0]:,} distinct / {want[1]:,} generated / depth {want[2]}: {status}"
              f" ({len(oks)}/{n} runs)")
    print(f"\nload: {' '.join(f'{x:.2f}' for x in os.getloadavg())} (1/5/15 min) at end; "
          f"wall time of the whole benchmark {time.perf_counter() - started:.0f} s")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"header": machine_header(), "measurements": raw}, f, indent=1)
    if problems:
        loud(problems)
        return 1
    return 0


def _fmt(header: str, v) -> str:
    if v is None:
        return "-"
    if isinstance(v, str):
        return v
    if header in ("distinct", "generated", "states/s"):
        return f"{v:,.0f}"
    if header in ("peak MB", "bare MB"):
        return f"{v:,.0f}"
    if header in ("engine/bare", "cpu ratio"):
        return f"{v:.2f}x"
    if isinstance(v, float):
        return f"{v:.3f}" if v < 10 else f"{v:.2f}"
    return str(v)


if __name__ == "__main__":
    sys.exit(main())
