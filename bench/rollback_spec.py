#!/usr/bin/env python3
"""The flagship spec's own speed: specs/rollback.py at a base revision against the working tree, side by side.

    python bench/rollback_spec.py                        # base 3d59fdd, phase73/focus_loss and pre73/active_loss, 3 rounds
    python bench/rollback_spec.py --base main --repeat 5 --cell phase73/focus_loss

Both versions are loaded in one interpreter and checked cell by cell with `modelcheck.check.check`
(the whole `modelcheck verify` work for one cell: search, properties, no files written). In each
round the two run back to back and their order alternates, so both see the same machine load; the
table gives each version's median time and states/s and the ratio base/current. Before timing, the
script checks that both versions reach exactly the same states (as plain tuples) in every cell: a
speed-up that changes the state space is a bug, not a speed-up.

Exit status: 0 when the reachable state sets agree in every cell, 1 otherwise.
"""
from __future__ import annotations

import argparse
import gc
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from modelcheck.check import check  # noqa: E402
from modelcheck.loader import load_spec  # noqa: E402

SPEC = os.path.join(ROOT, "specs", "rollback.py")


def load_base(rev: str, tmp: str) -> type:
    """The Rollback spec class as it was at git revision `rev`."""
    src = subprocess.run(["git", "-C", ROOT, "show", f"{rev}:specs/rollback.py"], check=True,
                         capture_output=True, text=True).stdout
    path = os.path.join(tmp, "rollback_base.py")
    with open(path, "w") as f:
        f.write(src)
    return load_spec(path)[1]


def run(cls: type, path: str, cell: str):
    """Check one cell; returns (seconds, report)."""
    variant, scenario = cell.split("/")
    bound = cls.bind(variant, scenario)
    gc.collect()
    t0 = time.perf_counter()
    report = check(bound, path, out_dir=None)
    return time.perf_counter() - t0, report


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base", default="3d59fdd", help="git revision of the base spec (default: 3d59fdd, "
                                                      "the last one with the whole-state thaw/freeze)")
    ap.add_argument("--cell", action="append", help="VARIANT/SCENARIO (repeatable)")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    cells = args.cell or ["phase73/focus_loss", "pre73/active_loss"]
    with tempfile.TemporaryDirectory() as tmp:
        base = load_base(args.base, tmp)
        base_path = os.path.join(tmp, "rollback_base.py")
        cur = load_spec(SPEC)[1]
        ok = True
        for cell in cells:
            _, rb = run(base, base_path, cell)
            _, rc = run(cur, SPEC, cell)
            same = {tuple(s) for s in rb.result.states} == {tuple(s) for s in rc.result.states}
            ok &= same
            print(f"{cell}: {len(rc.result.states):,} states; same reachable states as {args.base}: {same}")
        print(f"\n| cell | {args.base} s | {args.base} states/s | current s | current states/s | ratio |")
        print("|---|---|---|---|---|---|")
        for cell in cells:
            times = {"base": [], "cur": []}
            n = 0
            for r in range(args.repeat):
                order = [("base", base, base_path), ("cur", cur, SPEC)]
                for name, cls, path in (order if r % 2 == 0 else order[::-1]):
                    t, rep = run(cls, path, cell)
                    times[name].append(t)
                    n = len(rep.result.states)
            tb, tc = statistics.median(times["base"]), statistics.median(times["cur"])
            print(f"| {cell} | {tb:.2f} | {n / tb:,.0f} | {tc:.2f} | {n / tc:,.0f} | {tb / tc:.2f}x |")
    print(f"\nmedian of {args.repeat} rounds; python {sys.version.split()[0]}; "
          f"{time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime())}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
