#!/usr/bin/env python3
"""`modelcheck prove` beside BFS (`modelcheck verify`) on the same cells, measured in one run.

    python bench/prove_bench.py            # two-phase commit at 3, 5, 7 RMs (all engines); 12, 20 (no plain BFS)
    python bench/prove_bench.py --quick    # without RMs=7 (its BFS takes the longest)
    python bench/prove_bench.py --survey phase73 idle [--cap 60]   # the flagship: which actions translate

The survey translates each action of one flagship cell alone (`encode(bound, only={name})`), in its own
process with a cap of --cap seconds of wall time, and prints its paths and time, or that it ran out of time.

For every cell the engines run back to back in this process, so they see the same machine load.
BFS: the explicit search of every reachable state (`check`, no trace files); BFS+symmetry: the same with
the spec's symmetry reduction (one state per orbit of the RMs). prove: the symbolic
translation, mining at the spec's defaults (RMs=3), Houdini at the cell's parameters, then 1-induction
(`modelcheck prove two_phase_commit -p RMs=N --induction 1 --mine`). Times are wall-clock seconds; the
machine is shared, so compare the columns of one row, not rows of different runs.

Exit status: 0 if the engines agree on every `always` verdict of every cell (VERIFIED by BFS, PROVED by
induction), 1 otherwise.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from tabulate import tabulate  # noqa: E402

from modelcheck.check import VERIFIED, check  # noqa: E402
from modelcheck.loader import load_spec  # noqa: E402
from modelcheck.symbolic.encode import NotTranslatable, encode  # noqa: E402
from modelcheck.symbolic.houdini import houdini, instantiate, mine  # noqa: E402
from modelcheck.symbolic.prove import PROVED, induction  # noqa: E402
from modelcheck.z3bridge import compile_properties  # noqa: E402

SPEC = "specs/two_phase_commit.py"


def bfs(cls, n: int, reduce: bool = False) -> tuple[float, int, dict[str, str]]:
    bound = cls.bind(None, None, {"RMs": n})
    t = time.perf_counter()
    rep = check(bound, SPEC, out_dir=None, reduce=reduce)
    return time.perf_counter() - t, rep.result.distinct, {v.property: v.verdict for v in rep.verdicts
                                                         if v.kind == "always"}


def prove(cls, n: int) -> tuple[float, int, dict[str, str]]:
    t = time.perf_counter()
    bound = cls.bind(None, None, {"RMs": n})
    props = [p for p in compile_properties(bound) if p.kind == "always"]
    enc = encode(bound)
    cands = mine(cls.bind())
    inst = instantiate(cands, bound)
    _, kept, _ = houdini(enc, props, inst)
    out = induction(enc, props, 1, invariants=[f for _, _, f in kept])
    return time.perf_counter() - t, len(kept), {p.name: out[p.name].verdict for p in props}


def _one_action(variant: str, scenario: str, name: str) -> None:
    """Translate one action of the flagship cell alone; print its branches, errors and time."""
    _, cls = load_spec("specs/rollback.py")
    t = time.perf_counter()
    try:
        enc = encode(cls.bind(variant, scenario, {}), only={name})
        print(f"translates: {len(enc.branches)} branches, {len(enc.errors)} model-error conditions, "
              f"{time.perf_counter() - t:.1f} s")
    except NotTranslatable as e:
        print(f"not translatable ({time.perf_counter() - t:.1f} s): {str(e)[:200]}")


def survey(variant: str, scenario: str, cap: float) -> int:
    _, cls = load_spec("specs/rollback.py")
    rows = []
    for a in cls.bind(variant, scenario, {}).actions:
        try:
            got = subprocess.run([sys.executable, __file__, "--one", variant, scenario, a.name], capture_output=True,
                                 text=True, timeout=cap, cwd=ROOT)
            res = (got.stdout.strip() or got.stderr.strip().splitlines()[-1])[:200]
        except subprocess.TimeoutExpired:
            res = f"still running after {cap:g} s"
        rows.append({"action": a.name, "result": res})
        print(f"done {a.name}", file=sys.stderr, flush=True)
    print(tabulate(rows, headers="keys", tablefmt="github"))
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="skip the RMs=7 cell")
    ap.add_argument("--survey", nargs=2, metavar=("VARIANT", "SCENARIO"),
                    help="instead: which actions of this flagship cell translate, each alone")
    ap.add_argument("--cap", type=float, default=60, help="seconds per action in --survey (default 60)")
    ap.add_argument("--one", nargs=3, help=argparse.SUPPRESS)
    args = ap.parse_args()
    os.chdir(ROOT)
    if args.one:
        _one_action(*args.one)
        return 0
    if args.survey:
        return survey(*args.survey, args.cap)
    _, cls = load_spec(SPEC)
    both = [3, 5] if args.quick else [3, 5, 7]
    rows, ok = [], True
    for n in both + [12, 20]:
        row = {"cell": f"two_phase_commit RMs={n}"}
        if n in both:
            tb, states, vb = bfs(cls, n)
            row.update({"BFS states": f"{states:,}", "BFS s": f"{tb:.1f}"})
        else:
            vb = None
            row.update({"BFS states": "(not run)", "BFS s": "-"})
        ts, orbits, vs = bfs(cls, n, reduce=True)
        row.update({"BFS+symmetry orbits": f"{orbits:,}", "BFS+symmetry s": f"{ts:.1f}"})
        tp, helpers, vp = prove(cls, n)
        row.update({"prove s": f"{tp:.1f}", "helper instances": f"{helpers:,}",
                    "consistent": f"BFS {vb['consistent'] if vb else '-'} / prove {vp['consistent']}"})
        if vb is not None:
            agree = all((vb[k] == VERIFIED) == (vp[k] == PROVED) == (vs[k] == VERIFIED) for k in vb)
            ok &= agree
            row["agree"] = "yes" if agree else "NO"
        else:
            agree = all((vs[k] == VERIFIED) == (vp[k] == PROVED) for k in vs)
            ok &= agree
            row["agree"] = "yes (symmetry)" if agree else "NO"
        rows.append(row)
        print(f"done {row['cell']}", file=sys.stderr, flush=True)
    print(tabulate(rows, headers="keys", tablefmt="github"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
