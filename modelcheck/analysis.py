"""Questions asked right after a counterexample: fix ablation, violations grouped by cause, explain.

- `ablate`: check every subset of a spec's fixes (params declared `fix=True`) in every scenario.
  Work is shared between subsets: while computing a state's successors, the fix parameters the
  spec reads are recorded, and a later subset that agrees on those values reuses the successors.
  This is sound because guards and effects are pure functions of (state, parameters).
- `group_violations`: with every violating state collected, group them by the transition that first
  entered the violation along the BFS tree, using the spec's `cause(...)` signature if it has one.
- `explain`: replay a trace under another variant and say where it stops being possible.
"""
from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from . import interrupt
from .check import INCONCLUSIVE, VERIFIED, VIOLATED, ViolationClass, check, group_violations  # noqa: F401 (re-exported)
from .explorer import Limits, make_successors
from .spec import BoundSpec, Spec, SpecError, UsageError
from .trace import Trace, TraceError, decode_params, replay, step_candidates, step_effect
from .types import diff
from .spec import GRAPH_KINDS
from .z3bridge import compile_properties

__all__ = ["ablate", "Ablation", "group_violations", "ViolationClass", "explain", "Explanation", "subset_name"]


def subset_name(subset: tuple[str, ...]) -> str:
    return "+".join(subset) if subset else "none"


class _FixTracker:
    """One bound spec whose fix parameters can be switched, with reads of them recorded."""

    def __init__(self, cls: type[Spec], scenario: str | None, overrides: dict[str, Any]):
        self.cls = cls
        self.fixes = cls.fixes()
        base = cls.resolve(None, scenario, overrides)
        self.bound = BoundSpec(cls, base, None, scenario)
        self.values: dict[str, bool] = {f: False for f in self.fixes}
        self.reads: set[str] = set()
        reads, values = self.reads, self.values
        tracked = type(cls.__name__, (cls,), {f: property(lambda _s, f=f: (reads.add(f), values[f])[1])
                                              for f in self.fixes})
        inst = self.bound.inst
        for f in self.fixes:
            inst.__dict__.pop(f, None)
        inst.__class__ = tracked
        # reads while building the state space's shape make a fix structural: no sharing across it
        reads.clear()
        try:
            inst.variables()
            list(inst.init())
            for a in cls.action_defs():
                if a.applies is not None:
                    a.applies(inst)
                if a.over is not None and not a.over_uses_state:
                    list(a.over(inst))
        except Exception as e:  # binding the spec (above) already ran these; this is a second run
            raise SpecError(f"{cls.__name__}: rebinding for the ablation raised {type(e).__name__}: {e}") from e
        # a fix read here shapes the successor function itself (its actions or fixed arguments): such a
        # scenario is explored without sharing (see ablate)
        self.structural = set(reads)
        self.base_succ, self.labels = make_successors(self.bound)
        self.cache: dict[Any, list] = {}
        self.hits = self.misses = 0
        self.ever_read: set[str] = set(self.structural)

    def set_subset(self, subset: tuple[str, ...]) -> BoundSpec:
        for f in self.fixes:
            self.values[f] = f in subset
        b = self.bound
        b.params = {**b.params, **self.values}
        b.variant = subset_name(subset)
        return b

    def successors(self) -> tuple[Callable[[Any], list], list]:
        cache, reads, values, base = self.cache, self.reads, self.values, self.base_succ
        structural = tuple(sorted(self.structural))

        def succ(s):
            entries = cache.get(s)
            if entries is not None:
                for keys, vals, out in entries:
                    if all(values[k] == v for k, v in zip(keys, vals)):
                        self.hits += 1
                        return out
            reads.clear()
            out = base(s)
            keys = tuple(sorted(reads | set(structural)))
            self.ever_read.update(reads)
            self.misses += 1
            if entries is None:
                entries = cache[s] = []
            entries.append((keys, tuple(values[k] for k in keys), out))
            return out

        return succ, self.labels


@dataclass
class Cell:
    """One (fix subset, scenario) of an ablation: each property's verdict and counterexample length."""
    subset: tuple[str, ...]
    scenario: str | None
    verdicts: dict[str, tuple[str, int | None]]  # property -> (verdict, steps)
    states: int
    seconds: float

    @property
    def sufficient(self) -> bool:
        return all(v == VERIFIED for v, _ in self.verdicts.values())


@dataclass
class Ablation:
    """Every fix subset checked in every scenario, with the questions asked of the table."""
    spec_path: str
    fixes: list[str]
    scenarios: list[str | None]
    cells: list[Cell] = field(default_factory=list)
    seconds: float = 0.0
    hits: int = 0
    misses: int = 0
    never_read: list[str] = field(default_factory=list)
    params: str = ""
    # (subset, scenario) cells that a Ctrl-C or SIGTERM cut short or kept from starting; then `interrupted`
    # names the signal, and the questions below are not asked (their answers need every cell)
    not_run: list[tuple[tuple[str, ...], str | None]] = field(default_factory=list)
    interrupted: str | None = None
    base: list[str] = field(default_factory=list)  # fixes on in every cell and not ablated (--base)
    leave_one_out: bool = False  # only the full set and each set with one fix left out were checked

    def cell(self, subset, scenario) -> Cell | None:
        return next((c for c in self.cells if c.subset == subset and c.scenario == scenario), None)

    def decided(self, scenario) -> bool:
        """Whether every cell of a scenario ran to the end, so the questions about it can be answered."""
        cells = [c for c in self.cells if c.scenario == scenario]
        return (len(cells) == len(self.subsets())
                and all(v != INCONCLUSIVE for c in cells for v, _ in c.verdicts.values()))

    def subsets(self) -> list[tuple[str, ...]]:
        return _leave_one_out(self.fixes) if self.leave_one_out else _subsets(self.fixes)

    def minimal_sufficient(self, scenario) -> list[tuple[str, ...]]:
        suff = [c.subset for c in self.cells if c.scenario == scenario and c.sufficient]
        return [s for s in suff if not any(set(t) < set(s) for t in suff)]

    def necessary(self, scenario) -> list[str] | None:
        suff = [set(c.subset) for c in self.cells if c.scenario == scenario and c.sufficient]
        if not suff:
            return None
        return [f for f in self.fixes if all(f in s for s in suff)]

    def no_effect(self) -> list[str]:
        """Fixes whose addition never changes a verdict, a counterexample length or a state count."""
        if self.not_run or self.leave_one_out or not all(self.decided(sc) for sc in self.scenarios):
            return []
        out = []
        for f in self.fixes:
            same = True
            for c in self.cells:
                if f in c.subset:
                    continue
                d = self.cell(tuple(x for x in self.fixes if x in c.subset or x == f), c.scenario)
                if d is None or d.verdicts != c.verdicts or d.states != c.states:
                    same = False
                    break
            if same:
                out.append(f)
        return out


def _subsets(fixes: list[str]) -> list[tuple[str, ...]]:
    return [c for r in range(len(fixes) + 1) for c in itertools.combinations(fixes, r)]


def _leave_one_out(fixes: list[str]) -> list[tuple[str, ...]]:
    """The full set, then the set without each fix in turn."""
    return [tuple(fixes)] + [tuple(g for g in fixes if g != f) for f in fixes]


def ablate(cls: type[Spec], spec_path: str, scenarios: list[str | None] | None = None,
           overrides: dict[str, Any] | None = None, limits: Limits | None = None, share: bool = True,
           on_cell: Callable[[Cell], None] | None = None, base: str | None = None,
           leave_one_out: bool = False, only: list[str] | None = None) -> Ablation:
    """Check every subset of the spec's fixes (params with fix=True) in every scenario.

    With `share`, one bound spec serves all subsets of a scenario and successor lists are reused
    between subsets that agree on the fixes the computation read (see _FixTracker). The fixes are
    set by the ablation itself; giving one with `overrides` is a usage error. With `base` (a variant),
    the fixes it turns on stay on in every cell and only the others are ablated; with `only`, just these
    fixes are ablated (the others stay off unless `base` turns them on); with `leave_one_out`,
    only the full set and each set with one fix left out are checked (whether each fix is necessary),
    instead of every subset.
    """
    all_fixes = cls.fixes()
    unknown = [f for f in only or [] if f not in all_fixes]
    if unknown:
        raise UsageError(f"{unknown[0]!r} is not a fix of {cls.__name__}; its fixes: {', '.join(all_fixes)}")
    on = [f for f in all_fixes if base is not None and cls.variant_params(base).get(f)]
    fixes = [f for f in all_fixes if f not in on and (only is None or f in only)]
    if not fixes:
        raise UsageError(f"{spec_path}: spec {cls.__name__} declares no fixes (params with fix=True)"
                         + (f" beyond those of {base}" if on else ""))
    overrides = dict(overrides or {})
    bad = [f for f in fixes if f in overrides]
    if bad:
        raise UsageError(f"ablate sets the fixes itself; drop -p {bad[0]}=...")
    scenarios = scenarios or list(cls.scenarios) or [None]
    base_params = cls.bind(None, None, overrides).params
    ab = Ablation(spec_path, fixes, scenarios,
                  params=", ".join(f"{k}={v}" for k, v in base_params.items() if k not in all_fixes) or "defaults",
                  base=on, leave_one_out=leave_one_out)
    t0 = time.monotonic()
    read: set[str] = set()
    for sc in scenarios:
        if ab.interrupted:
            ab.not_run += [(subset, sc) for subset in ab.subsets()]
            continue
        tracker = _FixTracker(cls, sc, overrides) if share else None
        if tracker is not None and tracker.structural:
            tracker = None  # the successor function depends on a fix: one bind per subset
        for subset in ab.subsets():
            if ab.interrupted:  # one Ctrl-C (or SIGTERM) stops the whole ablation
                ab.not_run.append((subset, sc))
                continue
            t1 = time.monotonic()
            try:
                if tracker is not None:
                    bound = tracker.set_subset(tuple(on) + subset)
                    rep = check(bound, spec_path, limits, out_dir=None, successors=tracker.successors())
                else:
                    params = {**cls.resolve(None, sc, overrides), **{f: f in subset or f in on for f in all_fixes}}
                    rep = check(BoundSpec(cls, params, subset_name(tuple(on) + subset), sc), spec_path, limits,
                                out_dir=None)
            except KeyboardInterrupt:  # outside the search: compiling the properties
                ab.interrupted = interrupt.signal_name()
                ab.not_run.append((subset, sc))
                continue
            if rep.error:
                raise SpecError(f"{subset_name(subset)}/{sc}: {rep.error}")
            cell = Cell(subset, sc, {v.property: (v.verdict, v.steps if v.verdict == VIOLATED else None)
                                     for v in rep.verdicts}, rep.result.distinct, time.monotonic() - t1)
            ab.cells.append(cell)
            if rep.result.stop_reason.startswith("interrupted") or interrupt.requested():
                ab.interrupted = interrupt.signal_name()
            if on_cell:
                on_cell(cell)
        if tracker is not None:
            ab.hits += tracker.hits
            ab.misses += tracker.misses
            read |= tracker.ever_read
    ab.never_read = [f for f in fixes if f not in read] if share and not ab.interrupted else []
    ab.seconds = time.monotonic() - t0
    return ab


# -- explain ----------------------------------------------------------------------------------------

@dataclass
class Explanation:
    variant: str
    lines: list[str]
    blocked_at: int | None = None      # step whose guard is false in the other variant
    diverged_at: int | None = None     # first step whose effect differs
    still_violates: bool | None = False  # None: the last state alone cannot tell (always_possible)
    blockers: list[str] = field(default_factory=list)  # single fixes that alone stop the trace


def _walk(bound: BoundSpec, trace: Trace, original: list[Any]) -> tuple[int | None, int | None, Any, list[str]]:
    """Follow the trace's actions in `bound`; return (blocked step, diverged step, last state, notes)."""
    notes: list[str] = []
    inits = bound.initial_states()
    s = original[0]
    if s not in inits:
        notes.append("step 0: the initial state differs in this variant")
        return 0, None, None, notes
    diverged = None
    for i, st in enumerate(trace.steps[1:], start=1):
        cands = step_candidates(bound, s, i, st)
        if not cands:
            a = next((x for x in bound.actions if x.name == st.action), None)
            doc = f" ({a.doc.splitlines()[0]})" if a is not None and a.doc else ""
            notes.append(f"step {i}: {st.action}{_show_args(st.args)} is no longer possible: its guard is false{doc}")
            return i, diverged, s, notes
        a, args = cands[0]
        t = step_effect(bound, s, i, a, args)
        if diverged is None and t != original[i]:
            diverged = i
            changed = [f"{path}: {a} (trace) -> {b} (here)" if a is not None else f"{path}: {b}"
                       for n, x, y in zip(bound.names, original[i], t)
                       for path, a, b in diff(bound.variables[n], n, x, y)]
            notes.append(f"step {i}: {st.action}{_show_args(st.args)} now has a different effect: "
                         + "; ".join(changed))
        s = t
    return None, diverged, s, notes


def _show_args(args: list) -> str:
    return "(" + ", ".join(str(a) for a in args) + ")" if args else ""


def explain(cls: type[Spec], trace: Trace, variant: str) -> Explanation:
    """Replay `trace` under `variant` (same scenario and other parameters) and say where it stops."""
    fixes = cls.fixes()
    plain = {k: v for k, v in trace.params.items() if k not in fixes}
    orig_bound = cls.bind(trace.variant, trace.scenario, decode_params(cls, trace.params))
    original = replay(orig_bound, trace).states

    def attempt(var: str) -> tuple[BoundSpec, tuple]:
        b = cls.bind(var, trace.scenario, decode_params(cls, plain))
        compile_properties(b)
        return b, _walk(b, trace, original)

    bound, (blocked, diverged, last, notes) = attempt(variant)
    ex = Explanation(variant, list(notes), blocked, diverged)
    if blocked is None:
        verdict = _violates(bound, trace, last)
        ex.still_violates = verdict
        if verdict is None:
            ex.lines.append(f"all {trace.length} steps are still possible under {variant}; whether "
                            f"{trace.property} ({trace.kind}) still fails there needs a full run: "
                            f"modelcheck verify --variant {variant}")
        else:
            ex.lines.append(f"the trace {'still violates' if verdict else 'no longer violates'} "
                            f"{trace.property} under {variant} after its {trace.length} steps"
                            + (" (it followed the same actions from the step that differs)" if diverged else ""))
    else:
        ex.lines.append(f"so the counterexample is not possible under {variant}")
    on_before = {f for f in fixes if orig_bound.params.get(f)}
    on_after = {f for f in fixes if bound.params.get(f)}
    if blocked is not None or ex.still_violates is False:
        for f in sorted(on_after - on_before):
            var = "+".join(sorted(on_before | {f})) or f
            b, (blk, _div, lst, _n) = attempt(var)
            if blk is not None or _violates(b, trace, lst) is False:
                ex.blockers.append(f)
        if ex.blockers:
            ex.lines.append("fixes that stop it on their own (added to the trace's variant): " + ", ".join(ex.blockers))
        elif on_after - on_before:
            ex.lines.append("no single added fix stops it on its own; only the combination does")
    return ex


def _violates(bound: BoundSpec, trace: Trace, state: Any) -> bool | None:
    """Whether the trace's last state still shows the failure; None where one state cannot tell."""
    if trace.kind == "always_possible" or trace.kind in GRAPH_KINDS:  # one state cannot tell
        return None
    if trace.kind == "deadlock":
        return not bound.enabled(state)
    prop = next((p for p in compile_properties(bound) if p.name == trace.property), None)
    if prop is None:
        raise TraceError(f"the spec has no property {trace.property!r}")
    holds = prop.holds(state)
    return not holds if trace.kind in ("always", "initially") else holds
