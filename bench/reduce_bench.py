#!/usr/bin/env python3
"""States and time with and without each reduction (symmetry, partial-order), side by side in one run.

    python bench/reduce_bench.py            # two-phase commit 3..7 RMs, the toy specs, the flagship matrix
                                            # as verify runs it, and its safety properties alone
    python bench/reduce_bench.py --full     # also two-phase commit with 8 RMs (about 30 s unreduced)
    python bench/reduce_bench.py --no-flagship
    python bench/reduce_bench.py --census   # also: why the flagship's states admit no stubborn proper subset
    python bench/reduce_bench.py --actions  # also: the flagship's action values {0, 1} declared symmetric

Every case is checked as `modelcheck verify` checks it (`check(..., reduce=False)` and `reduce=True`,
which turns on what is sound for the spec), back to back in this process, and the verdicts of the two
runs are compared. Exit status 1 if any verdict differs, else 0. Times are wall-clock seconds of the
search (`Result.seconds`); compare the two columns of one row, not rows of different runs.
"""
from __future__ import annotations

import argparse
import os
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from modelcheck.check import check  # noqa: E402
from modelcheck.loader import load_spec  # noqa: E402
from modelcheck.reduce import por, symmetry  # noqa: E402
from modelcheck.z3bridge import compile_properties  # noqa: E402

TWO_PHASE = "specs/two_phase_commit.py"
CASES = [(TWO_PHASE, None, {"RMs": n}) for n in (3, 4, 5, 6, 7)] + \
        [("tests/specs/symmetric.py", None, {"N": n}) for n in (3, 4, 5)] + \
        [("tests/specs/workers.py", v, {"M": m}) for v in (None, "racy") for m in (2, 3, 4)]


def _verdicts(rep) -> list[tuple[str, str]]:
    return [(v.property, v.verdict) for v in rep.verdicts]


def _one(path: str, variant: str | None, params: dict, reduce: bool):
    _, cls = load_spec(os.path.join(ROOT, path))
    bound = cls.bind(variant, None, params)
    t0 = time.perf_counter()
    rep = check(bound, path, out_dir=None, reduce=reduce)
    return rep, time.perf_counter() - t0


def why_not(path: str, variant: str | None = None, scenario: str | None = None) -> str:
    """Why a spec runs unreduced: no symmetry declared, and why partial-order reduction is off."""
    _, cls = load_spec(os.path.join(ROOT, path))
    bound = cls.bind(variant, scenario)
    props = compile_properties(bound)
    reasons = []
    if symmetry.compile_symmetry(bound) is None:
        reasons.append("declares no symmetry")
    if por.compile_footprints(bound) is None:
        reasons.append("declares no footprints")
    graph = [p.name for p in props if p.kind in ("always_possible", "always_step", "eventually", "leads_to")]
    if graph:
        reasons.append(f"checks {', '.join(graph)}, which need(s) the full state graph (partial-order reduction "
                       f"preserves safety only)")
    return "; ".join(reasons)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--full", action="store_true", help="also two-phase commit with 8 resource managers")
    ap.add_argument("--census", action="store_true",
                    help="also count, over the flagship's reachable states, why no stubborn proper subset applies")
    ap.add_argument("--no-flagship", action="store_true", help="skip the flagship matrix")
    ap.add_argument("--actions", action="store_true",
                    help="also the flagship with both peers choosing 0 or 1, its action values declared symmetric "
                         "(an experiment: what declaring that symmetry gives)")
    args = ap.parse_args(argv)
    cases = CASES + ([(TWO_PHASE, None, {"RMs": 8})] if args.full else [])
    ok = True
    head = f"{'spec':<28} {'params':<16} {'reduction':<16} {'states':>10} {'reduced':>9} {'ratio':>7} " \
           f"{'time':>8} {'reduced':>8} {'verdicts':>9}"
    print(head)
    print("-" * len(head))
    for k, (path, variant, params) in enumerate(cases):
        # alternate which run goes first, so that both see the same machine load on average
        runs = [False, True] if k % 2 == 0 else [True, False]
        got = {r: _one(path, variant, params, r) for r in runs}
        (full, tf), (red, tr) = got[False], got[True]
        same = _verdicts(full) == _verdicts(red)
        ok &= same
        label = os.path.basename(path) + (f" [{variant}]" if variant else "")
        ptxt = ",".join(f"{a}={b}" for a, b in params.items())
        ratio = red.result.distinct / full.result.distinct
        print(f"{label:<28} {ptxt:<16} {', '.join(red.reductions) or 'none':<16} {full.result.distinct:>10,} "
              f"{red.result.distinct:>9,} {ratio:>7.3f} {tf:>8.2f} {tr:>8.2f} {'same' if same else 'DIFFER':>9}")
        if not (full.result.complete and red.result.complete):
            print(f"  (a search stopped early once every verdict was known: full {full.result.stop_reason or 'complete'}, "
                  f"reduced {red.result.stop_reason or 'complete'}; the counts are what each explored)")
    if not args.no_flagship:
        ok &= flagship()
        ok &= flagship_safety()
        if args.census:
            flagship_census()
        if args.actions:
            ok &= flagship_action_symmetry()
    print("verdicts: " + ("every verdict with reduction equals the verdict without" if ok else "SOME VERDICTS DIFFER"))
    return 0 if ok else 1


def flagship() -> bool:
    """The default flagship matrix, as `modelcheck verify` runs it, with and without reduction."""
    path = "specs/rollback.py"
    if not os.path.isfile(os.path.join(ROOT, path)):
        print(f"flagship: skipped: {path} does not exist")
        return True
    _, cls = load_spec(os.path.join(ROOT, path))
    m = cls.matrix or {}
    variants = m.get("variants") or list(cls.variants) or [None]
    scenarios = m.get("scenarios") or list(cls.scenarios) or [None]
    tot = {False: [0, 0.0], True: [0, 0.0]}
    same = True
    reductions = set()
    for i, v in enumerate(variants):
        for j, sc in enumerate(scenarios):
            runs = [False, True] if (i + j) % 2 == 0 else [True, False]
            reps = {}
            for r in runs:
                bound = cls.bind(v, sc, {})
                t0 = time.perf_counter()
                reps[r] = check(bound, path, out_dir=None, reduce=r)
                tot[r][0] += reps[r].result.distinct
                tot[r][1] += time.perf_counter() - t0
            reductions.update(reps[True].reductions)
            same &= _verdicts(reps[False]) == _verdicts(reps[True])
    n = len(variants) * len(scenarios)
    ratio = tot[True][0] / tot[False][0]
    print(f"{'flagship matrix':<28} {f'{n} cells':<16} {', '.join(sorted(reductions)) or 'none':<16} "
          f"{tot[False][0]:>10,} {tot[True][0]:>9,} {ratio:>7.3f} {tot[False][1]:>8.2f} {tot[True][1]:>8.2f} "
          f"{'same' if same else 'DIFFER':>9}")
    print(f"  flagship: goal 'partial-order reduction explores at most a fifth of the states' "
          f"{'MET' if ratio <= 0.2 else 'NOT MET'} (ratio {ratio:.3f})"
          + ("" if reductions else f": no reduction applies: {specs_reason(path)}"))
    return same


def flagship_safety() -> bool:
    """The default flagship matrix's safety properties (always, sometimes, terminal, deadlock) with and without
    partial-order reduction from the spec's declared footprints, side by side in one run. `verify` checks
    them on the full graph whenever a cell also has an always_possible or liveness property (that needs the
    full graph anyway); this row is what partial-order reduction gives where it is on."""
    path = "specs/rollback.py"
    _, cls = load_spec(os.path.join(ROOT, path))
    safety_cls = type(cls.__name__, (cls,), {})
    safety_cls._properties = [p for p in cls._properties if p.kind in ("always", "sometimes", "terminal")]
    m = cls.matrix or {}
    tot = {False: [0, 0.0], True: [0, 0.0]}
    same, reduced_in = True, 0
    for i, v in enumerate(m.get("variants") or [None]):
        for j, sc in enumerate(m.get("scenarios") or [None]):
            runs = [False, True] if (i + j) % 2 == 0 else [True, False]
            reps = {}
            for r in runs:
                t0 = time.perf_counter()
                reps[r] = check(safety_cls.bind(v, sc, {}), path, out_dir=None, reduce=r)
                tot[r][0] += reps[r].result.distinct
                tot[r][1] += time.perf_counter() - t0
            reduced_in += reps[True].reductions == ["partial-order"]
            same &= _verdicts(reps[False]) == _verdicts(reps[True])
    n = len(m.get("variants") or [None]) * len(m.get("scenarios") or [None])
    ratio = tot[True][0] / tot[False][0]
    print(f"{'flagship, safety only':<28} {f'{n} cells':<16} {'partial-order':<16} {tot[False][0]:>10,} "
          f"{tot[True][0]:>9,} {ratio:>7.3f} {tot[False][1]:>8.2f} {tot[True][1]:>8.2f} {'same' if same else 'DIFFER':>9}")
    print(f"  (declared footprints, partial-order reduction on in {reduced_in} of {n} cells; goal 'at most a fifth "
          f"of the states' {'MET' if ratio <= 0.2 else 'NOT MET'} for the safety properties: ratio {ratio:.3f})")
    return same


def flagship_census() -> None:
    """Why partial-order reduction saves little on the flagship, counted over every reachable state of every
    default-matrix cell (safety properties): in each state with two or more enabled actions, whether some
    enabled action is invisible (writes nothing a property reads), and if so whether the stubborn set from
    one of them stays clear of the visible and of the other enabled actions."""
    from modelcheck.explorer import explore, make_successors

    path = "specs/rollback.py"
    _, cls = load_spec(os.path.join(ROOT, path))
    m = cls.matrix or {}
    counts = {"states": 0, "one action": 0, "all visible": 0, "closure brings in a visible or every action": 0,
              "a proper invisible stubborn set": 0}
    brought: dict[str, int] = {}
    for v in m.get("variants") or [None]:
        for sc in m.get("scenarios") or [None]:
            bound = cls.bind(v, sc, {})
            props = [p for p in compile_properties(bound) if p.kind in ("always", "sometimes", "terminal")]
            red, _why = por.reducer_for(bound, props)
            succ, red.labels = make_successors(bound)
            for s in explore(bound, props, stop_early=False).states:
                counts["states"] += 1
                by = {red._action_of(lid) for lid, _t in succ(s)}
                if len(by) < 2:
                    counts["one action"] += 1
                    continue
                enabled = sum(1 << i for i in by)
                invisible = [i for i in by if not (red.visible_actions >> i) & 1]
                if not invisible:
                    counts["all visible"] += 1
                    continue
                nes = red._nes_in(s, enabled)
                amps = [red._closure(i, enabled, nes) & enabled for i in invisible]
                if any(a != enabled and not a & red.visible_actions for a in amps):
                    counts["a proper invisible stubborn set"] += 1
                    continue
                counts["closure brings in a visible or every action"] += 1
                for a in amps:
                    for i in by:
                        if (a >> i) & 1 and (red.visible_actions >> i) & 1:
                            brought[red.actions[i]] = brought.get(red.actions[i], 0) + 1
    n = counts["states"]
    print("flagship census (every reachable state of the 36 default cells, safety properties):")
    for k, c in counts.items():
        if k != "states":
            print(f"  {k:<46} {c:>8,}  {c / n:6.1%}")
    top = sorted(brought.items(), key=lambda x: -x[1])[:6]
    print("  visible enabled actions the closures bring in most: " + ", ".join(f"{a} ({c:,})" for a, c in top))


# The flagship's action values 0 and 1 are interchangeable when both peers may choose either and the
# prediction (P = 2) is neither (localChoices = partnerChoices = 2): every variable holding actions.
ROLLBACK_ACTIONS = ["truth", "inputBuffer", "used", "spec", "canon", "badCanon", "exportRows", "rbActions",
                    "finalActions", "lastConfirmed"]
ACTION_CELLS = [("pre73", "active"), ("phase73", "active"), ("pre73", "active_latency")]


def flagship_action_symmetry() -> bool:
    """An experiment: the flagship with localChoices = partnerChoices = 2, its action values {0, 1} declared
    symmetric on a subclass (specs/rollback.py declares nothing), with and without the reduction; on the
    first cell the declared symmetry is checked against the actions on every reachable state."""
    from modelcheck.explorer import explore
    from modelcheck.reduce import Symmetry, Values

    path = "specs/rollback.py"
    _, cls = load_spec(os.path.join(ROOT, path))

    def declare(self):
        if self.localChoices == 2 and self.partnerChoices == 2:
            return Symmetry("action", (0, 1), **{v: Values() for v in ROLLBACK_ACTIONS})
        return None
    sym_cls = type(cls.__name__, (cls,), {"symmetry": declare})
    same = True
    for k, (v, sc) in enumerate(ACTION_CELLS):
        params = {"localChoices": 2, "partnerChoices": 2}
        runs = [False, True] if k % 2 == 0 else [True, False]
        got = {}
        for r in runs:
            t0 = time.perf_counter()
            got[r] = (check(sym_cls.bind(v, sc, params), path, out_dir=None, reduce=r), time.perf_counter() - t0)
        (full, tf), (red, tr) = got[False], got[True]
        ok = [(x.property, x.verdict, x.steps) for x in full.verdicts] == [(x.property, x.verdict, x.steps) for x in red.verdicts]
        same &= ok
        print(f"{'rollback.py ' + v + '/' + sc:<28} {'choices=2':<16} {', '.join(red.reductions) or 'none':<16} "
              f"{full.result.distinct:>10,} {red.result.distinct:>9,} {red.result.distinct / full.result.distinct:>7.3f} "
              f"{tf:>8.2f} {tr:>8.2f} {'same' if ok else 'DIFFER':>9}")
        if k == 0:
            bound = sym_cls.bind(v, sc, params)
            states = explore(bound, compile_properties(bound), stop_early=False).states
            symmetry.check_transitions(symmetry.compile_symmetry(bound), states)
            print(f"  (action symmetry declared on a subclass; the actions commute with it on all {len(states):,} "
                  f"reachable states of {v}/{sc})")
    return same


def specs_reason(path: str) -> str:
    return f"{os.path.basename(path)} {why_not(path)}"


if __name__ == "__main__":
    sys.exit(main())
