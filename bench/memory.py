#!/usr/bin/env python3
"""Memory per visited state, measured as resident memory (RSS) during a search of 1M+ states.

    python bench/memory.py                 # two-phase commit, 8 managers, every state (1,745,408)
    python bench/memory.py --flagship      # also a flagship cell of about 1.3M states (minutes)

The search runs in this process with one worker (`explore(..., workers=1)`). Every ~0.05 s, when the
search checks its limits, the number of states found n, the number of states held in full q (the rest
of the BFS layer being expanded plus the next layer found so far: the frontier) and this process's RSS
are recorded. Least squares then fits RSS = a + b*n + c*q over the samples past 10% of the run: b is the
memory per visited state beyond the frontier (issue 17's goal: at most 64 bytes), c the memory per
frontier state (the full state). The structural figure is printed beside it: 12 bytes per fingerprint
table entry and 8 bytes of parent id and action id per state (`visited.FingerprintTable`, `bfs.Search`).
A measurement, not a test: RSS includes what the allocator keeps after the frontier shrinks.
"""
from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from modelcheck.explorer import Progress, explore  # noqa: E402
from modelcheck.loader import load_spec  # noqa: E402
from modelcheck.search.core import current_rss_mb  # noqa: E402
from modelcheck.z3bridge import compile_properties  # noqa: E402

CELLS = {
    "2pc": ("specs/two_phase_commit.py", None, None, {"RMs": 8}),
    "flagship": ("specs/rollback.py", "phase73", "active_latency",
                 {"N": 3, "K": 3, "R": 2, "E": 2, "maxLate": 3}),
}


class Sampler(Progress):
    """Records (states, frontier, RSS in bytes) at every limit check of the search."""

    def __init__(self) -> None:
        super().__init__(enabled=False)
        self.samples: list[tuple[int, int, float]] = []

    def update(self, states: int, depth: int, queue: int) -> None:
        self.samples.append((states, queue, current_rss_mb() * 2 ** 20))


def measure(name: str) -> dict:
    spec, variant, scenario, params = CELLS[name]
    _, cls = load_spec(os.path.join(ROOT, spec))
    bound = cls.bind(variant, scenario, params)
    props = compile_properties(bound)
    base = current_rss_mb()
    sampler = Sampler()
    t = time.monotonic()
    res = explore(bound, props, progress=sampler, stop_early=False, workers=1)
    seconds = time.monotonic() - t
    s = np.array(sampler.samples, dtype=float)
    s = s[s[:, 0] >= 0.1 * res.distinct]
    a = np.column_stack([np.ones(len(s)), s[:, 0], s[:, 1]])
    (c0, per_state, per_frontier), *_ = np.linalg.lstsq(a, s[:, 2], rcond=None)
    fit = a @ np.array([c0, per_state, per_frontier])
    return {"cell": name, "states": res.distinct, "complete": res.complete, "seconds": seconds,
            "samples": len(s), "per_state": per_state, "per_frontier": per_frontier,
            "max_frontier": int(s[:, 1].max()), "peak_mb": res.peak_memory_mb, "base_mb": base,
            "fit_error_mb": float(np.abs(fit - s[:, 2]).max()) / 2 ** 20}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--flagship", action="store_true", help="also measure a flagship cell of ~1.3M states")
    args = ap.parse_args()
    print(f"# python bench/memory.py{' --flagship' if args.flagship else ''}  ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
          f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f})")
    ok = True
    for name in ["2pc"] + (["flagship"] if args.flagship else []):
        r = measure(name)
        ok &= r["complete"] and r["states"] >= 1_000_000
        print(f"{r['cell']}: {r['states']:,} states ({'complete' if r['complete'] else 'INCOMPLETE'}, "
              f"{r['seconds']:.0f} s), {r['samples']} RSS samples, largest frontier {r['max_frontier']:,} states, "
              f"peak RSS {r['peak_mb']:,.0f} MB (before the search {r['base_mb']:,.0f} MB)")
        verdict = "met" if r["per_state"] <= 64 else "NOT met"
        print(f"  fit RSS = a + b*states + c*frontier (max error {r['fit_error_mb']:.0f} MB): "
              f"b = {r['per_state']:.1f} bytes per visited state beyond the frontier (goal <= 64: {verdict}); "
              f"c = {r['per_frontier']:,.0f} bytes per frontier state; structural: 20 bytes per visited state")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
