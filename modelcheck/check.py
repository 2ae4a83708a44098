"""From a bound spec to verdicts: compile properties, check vacuity, explore, write traces.

Reporting is kept apart: this module returns a `Report`; the CLI renders it.
"""
from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass, field
from typing import Any

from . import interrupt
from .codes import EXIT_ERROR, EXIT_INCONCLUSIVE, EXIT_OK, EXIT_VIOLATED, INCONCLUSIVE, VERIFIED, VIOLATED
from .explorer import Limits, ModelError, Progress, Result, explore, make_successors
from .liveness import Lasso, fairness_text, lasso_path, liveness_violations
from .loader import load_spec
from .reduce import por, symmetry
from .search.ray_backend import RayPlan
from .spec import GRAPH_KINDS, BoundSpec, SpecError, UsageError
from .steps import StepViolation, initial_violations, step_path, step_violations
from .trace import Trace, dump, trace_from_path
from .types import DomainError
from .z3bridge import compile_properties, vacuity_issues

__all__ = ["Verdict", "Report", "check", "VERIFIED", "VIOLATED", "INCONCLUSIVE", "EXIT_OK", "EXIT_VIOLATED",
           "EXIT_ERROR", "EXIT_INCONCLUSIVE", "exit_code", "choose_reductions", "trace_filename", "report_json", "never_fired_warning", "group_violations", "ViolationClass",
           "nondeterminism"]

SYMMETRY_SAMPLE = 64  # explored representatives on which the declared symmetry is checked against the actions
READS_SAMPLE = 256    # explored states on which declared footprints' reads are checked (writes: every transition)
NOT_SHORTEST = "not necessarily shortest under partial-order reduction; --no-reduction gives the shortest"


@dataclass
class Verdict:
    """The answer for one property, with the bound it holds under and, where there is one, its trace."""
    property: str
    kind: str                 # always | sometimes | always_possible | deadlock
    verdict: str              # VERIFIED | VIOLATED | INCONCLUSIVE
    bound: str                # what the verdict holds under
    steps: int | None = None  # length of the counterexample or witness
    trace: Trace | None = None
    file: str | None = None   # where the trace was written
    file_error: str | None = None  # why the trace could not be written (then `file` is None)
    note: str = ""

    def line(self, spec_label: str) -> str:
        what = self.property if self.kind == "deadlock" else f"{self.kind} {self.property}"
        head = f"{spec_label}: {what}: {self.verdict}"
        steps = f"{self.steps} step{'s' if self.steps != 1 else ''}"
        if self.verdict == VIOLATED and self.steps is not None:
            where = f" -> {self.file}" if self.file else ""
            about = f"{self.note}; {self.bound}" if self.note else self.bound
            return f"{head} in {steps} ({about}){where}"
        if self.verdict == VERIFIED and self.steps is not None:
            return f"{head} (witness in {steps}{'; ' + self.file if self.file else ''}; {self.bound})"
        return f"{head} ({self.bound})"


@dataclass
class Report:
    """Everything one check of one bound spec found: verdicts, statistics, warnings, errors."""
    spec_path: str
    bound: BoundSpec
    result: Result | None
    verdicts: list[Verdict] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    error: str | None = None
    not_applicable: list[str] = field(default_factory=list)  # properties whose applies= is false here
    never_fired: list[str] = field(default_factory=list)     # actions that fired in no explored state
    write_errors: list[str] = field(default_factory=list)    # trace files that could not be written
    reductions: list[str] = field(default_factory=list)   # what the search reduced, e.g. "symmetry RM"
    # with all_violations: property -> its classes, each with its shortest trace and where it was written
    groups: dict[str, list[tuple["ViolationClass", Trace, str | None]]] = field(default_factory=dict)

    @property
    def label(self) -> str:
        extra = [x for x in (self.bound.variant, self.bound.scenario) if x]
        return self.spec_path + (f" [{'/'.join(extra)}]" if extra else "")

    @property
    def exit_code(self) -> int:
        return exit_code([self])


def exit_code(reports: list[Report]) -> int:
    """1 if anything is violated; else 2 on a spec or model error; else 3 if anything is inconclusive."""
    verdicts = [v.verdict for r in reports for v in r.verdicts]
    if VIOLATED in verdicts:
        return EXIT_VIOLATED
    if any(r.error or r.write_errors for r in reports):
        return EXIT_ERROR
    if INCONCLUSIVE in verdicts:
        return EXIT_INCONCLUSIVE
    return EXIT_OK


def trace_filename(spec_path: str, bound: BoundSpec, prop: str, witness: bool = False) -> str:
    """`STEM[.VARIANT][.SCENARIO][.K=V ...].PROPERTY[.witness].json`, e.g. rollback.pre73.active.canonical_truthful.json.

    Every parameter that differs from what the variant and scenario set (a `-p K=V`) is in the name,
    so a run with other parameters never overwrites the stored counterexamples of the plain cell:
    `-p K=3` writes rollback.pre73.active.K=3.canonical_truthful.json."""
    stem = os.path.splitext(os.path.basename(spec_path))[0]
    parts = [stem] + [x for x in (bound.variant, bound.scenario) if x]
    parts += [f"{k}={_file_safe(bound.show_param(k, v))}" for k, v in _overridden(bound).items()]
    return ".".join(parts + [prop]) + (".witness" if witness else "") + ".json"


def _overridden(bound: BoundSpec) -> dict[str, Any]:
    """The parameters whose values differ from what the bound spec's variant and scenario give them."""
    try:
        cell = bound.cls.resolve(bound.variant, bound.scenario)
    except UsageError:  # a variant name the spec does not know (the ablation's subset names): all defaults
        cell = {k: p.default for k, p in bound.cls.parameters().items()}
    return {k: v for k, v in bound.params.items() if k not in cell or cell[k] != v}


def _file_safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_+,()\[\]-]", "_", text.replace(" ", ""))


def rebuild_cell(path: str, cls_name: str, params: dict[str, Any], variant: str | None, scenario: str | None,
                 symmetric: bool) -> tuple[BoundSpec, list, Any]:
    """What a search actor in another process needs (Ray): the bound spec, its compiled properties, and
    its symmetry's canonical map when the search reduces by it."""
    _, cls = load_spec(f"{path}::{cls_name}")
    bound = BoundSpec(cls, params, variant, scenario)
    canon = symmetry.compile_symmetry(bound) if symmetric else None
    return bound, compile_properties(bound), canon.canonical if canon is not None else None


def choose_reductions(bound: BoundSpec, props: list, *, reduce: bool = True, all_violations: bool = False,
                      graph: bool = False, max_depth: int | None = None) -> tuple[Any, Any, list[str], list[str]]:
    """What `check` reduces: (symmetry canonicaliser or None, partial-order reducer or None, the names of the
    reductions on, warnings saying why a declared one is off). Symmetry first; else partial-order reduction."""
    reductions: list[str] = []
    warnings: list[str] = []
    on_graph = [p.name for p in props if p.kind in GRAPH_KINDS] + [c.name for c in bound.constraints]
    canon = symmetry.compile_symmetry(bound) if reduce else None
    if canon is not None and on_graph:  # steps, lassos and constraints are read on the unreduced graph
        warnings.append(f"symmetry reduction off: {', '.join(on_graph)} need(s) the unreduced state graph "
                        f"(step and liveness properties, state constraints)")
        canon = None
    if canon is not None:
        unknown = symmetry.prove_invariant(canon, props)
        symmetry.initial_closed(canon)
        if unknown:
            warnings += [w + "; symmetry reduction off" for w in unknown]
            canon = None
        else:
            reductions.append(f"symmetry {canon.sym.name}")
    reducer = None
    if reduce and canon is None:
        reducer, why = por.reducer_for(bound, props, all_violations=all_violations, graph=graph,
                                       max_depth=max_depth, on_graph=on_graph)
        if reducer is None and (on_graph or any(p.kind == "always_possible" for p in props)) \
                and por.compile_footprints(bound) is not None:  # say what is not reduced, and why
            warnings.append(f"partial-order reduction off: {why}")
        if reducer is not None:
            reductions.append("partial-order")
    return canon, reducer, reductions, warnings


def check(bound: BoundSpec, spec_path: str, limits: Limits | None = None, *, out_dir: str | None = "counterexamples",
          witness_dir: str | None = None, progress: Progress | None = None, record_edges: bool = False,
          all_violations: bool = False, successors: Any = None, reduce: bool = False,
          exact: bool = False, workers: int = 1, ray: str | None = None) -> Report:
    """Check every property of a bound spec. Raises SpecError for mistakes found before exploring.

    With `reduce`, the reductions that are sound for the spec are on: symmetry, if the spec declares one
    and Z3 proves every property symmetric (modelcheck.reduce.symmetry); otherwise partial-order
    reduction, if the spec declares footprints and checks no always_possible (modelcheck.reduce.por).
    With `ray` (a cluster address, or '' for a new local cluster), the search runs on Ray actors."""
    limits = limits or Limits()
    props = compile_properties(bound)
    report = Report(spec_path, bound, None)
    report.not_applicable = list(bound.not_applicable)
    fatal = []
    for issue in vacuity_issues(bound, props):
        (fatal if issue.fatal else report.warnings).append(issue.message)
    if fatal:
        raise SpecError("\n".join(fatal))
    canon, reducer, report.reductions, warnings = choose_reductions(
        bound, props, reduce=reduce, all_violations=all_violations, graph=record_edges, max_depth=limits.max_depth)
    report.warnings += warnings
    if reducer is not None:
        successors = successors or make_successors(bound)
        reducer.labels = successors[1]
    plan = None
    if ray is not None:
        plan = RayPlan(ray or None, functools.partial(rebuild_cell, os.path.abspath(spec_path), bound.cls.__name__,
                                                      dict(bound.params), bound.variant, bound.scenario,
                                                      canon is not None))
    res = explore(bound, props, limits, progress=progress, record_edges=record_edges, ray=plan,
                  all_violations=all_violations, successors=successors, exact=exact, workers=workers,
                  canonical=canon.canonical if canon is not None else None,
                  ample=reducer.select if reducer is not None else None)
    if canon is not None and res.error is None:  # a cheap sample of the spec's claim that actions commute
        symmetry.check_transitions(canon, res.states[:SYMMETRY_SAMPLE])
    if reducer is not None and res.error is None:
        por.check_reads(bound, reducer.fp, res.states[:READS_SAMPLE])
    report.result = res
    bad_steps: dict[str, StepViolation] = {}
    bad_inits: dict[str, int] = {}
    lassos: dict[str, Lasso] = {}
    if res.error is None:
        try:
            bad_steps = step_violations(res, props)
            bad_inits = initial_violations(res, props)
            lassos = liveness_violations(res, props)
        except ModelError as e:
            res.error = e
    if res.stop_reason.startswith("interrupted") and interrupt.requested():  # the search says SIGINT for both
        res.stop_reason = f"interrupted ({interrupt.signal_name()})"
    if res.error is not None:
        report.error = str(res.error)
    if res.error is None:
        try:  # with fingerprints, res.state() rebuilds a state by re-running its path
            report.error = nondeterminism(bound, [res.state(i) for i in _sample_ids(res.distinct)])
        except ModelError as e:
            report.error = str(e)
    complete = res.complete and report.error is None  # no verdict stands on a nondeterministic spec
    n = res.distinct
    params = bound.param_text()
    if bound.constraints:  # the verdicts hold inside the constraints only: say so in every bound
        params += "; within @constraint " + ", ".join(c.name for c in bound.constraints)
    counted = f"{n:,} reachable states" if canon is None else f"{n:,} reachable states up to symmetry {canon.sym.name}"
    if reducer is not None:
        counted = f"{n:,} states of a partial-order-reduced search"
    # a verdict over every state explored rests on 64-bit fingerprints: say how likely one hid a state
    fp = f"; fingerprint collision probability {res.collision_probability:.2g}" if not res.exact else ""
    if complete:
        full = f"all {counted}, depth {res.depth}; params {params}{fp}"
    else:
        why = res.stop_reason
        if res.error is not None:
            why = "stopped by a model error"
        elif report.error is not None:
            why = "the spec is not deterministic"
        full = f"bounded: {counted.replace('reachable ', '')} explored to depth {res.depth}, {why}; params {params}{fp}"

    def make_trace(prop: str, kind: str, sid: int, verdict: str) -> Trace:
        path = res.path(sid)
        if canon is not None:  # a path over orbit representatives -> a real path of the spec
            path = symmetry.real_path(canon, path)
        return trace_from_path(bound, spec_path, prop, kind, verdict, path)

    def violated(p: Any, tr: Trace, note: str = "") -> None:
        report.verdicts.append(Verdict(p.name, p.kind, VIOLATED, f"params {params}", tr.length, tr,
                                       *write(tr, out_dir, False), note))

    def write(tr: Trace, directory: str | None, witness: bool, name: str | None = None) -> tuple[str | None, str | None]:
        """Write a trace; (path, None) on success, (None, error) when it cannot be written."""
        if directory is None:
            return None, None
        path = os.path.join(directory, trace_filename(spec_path, bound, name or tr.property, witness))
        try:
            dump(tr, path)
        except OSError as e:  # the verdict stands; the file is not written (an old one is left intact)
            msg = f"cannot write {e.filename2 or e.filename or path}: {e.strerror or e}"
            report.write_errors.append(msg)
            return None, msg
        return path, None

    for p in props:
        if p.kind == "terminal":
            continue
        sid = res.found.get(p.name)
        if p.kind == "always":
            if sid is not None:
                tr = make_trace(p.name, p.kind, sid, VIOLATED)
                note = "violated by an initial state" if tr.length == 0 else (NOT_SHORTEST if reducer else "")
                report.verdicts.append(Verdict(p.name, p.kind, VIOLATED, f"params {params}", tr.length, tr,
                                               *write(tr, out_dir, False), note))
            elif complete:
                report.verdicts.append(Verdict(p.name, p.kind, VERIFIED, full))
            else:
                report.verdicts.append(Verdict(p.name, p.kind, INCONCLUSIVE, "no violation in " + full))
        elif p.kind == "initially":  # every initial state is explored, whatever limit stops the search later
            inits = [i for i in range(res.distinct) if res.parent[i] < 0]
            bad = next((i for i in inits if not p.predicate(res.states[i])), None)
            if bad is not None:
                violated(p, make_trace(p.name, p.kind, bad, VIOLATED), "violated by an initial state")
            else:
                which = "the initial state" if len(inits) == 1 else f"all {len(inits):,} initial states"
                report.verdicts.append(Verdict(p.name, p.kind, VERIFIED, f"{which}; params {params}"))
        elif p.kind == "sometimes":
            if sid is not None:
                tr = make_trace(p.name, p.kind, sid, "WITNESS")
                report.verdicts.append(Verdict(p.name, p.kind, VERIFIED, f"params {params}", tr.length, tr,
                                               *write(tr, witness_dir, True)))
            elif complete:
                report.verdicts.append(Verdict(p.name, p.kind, VIOLATED,
                                               f"no state satisfies it among {full}"))
            else:
                report.verdicts.append(Verdict(p.name, p.kind, INCONCLUSIVE, "not found in " + full))
        elif p.kind in ("always_step", "refines"):
            bad = bad_steps.get(p.name)
            ref = p.refinement
            of = f" of {ref.name}" if ref is not None else ""
            if p.name in bad_inits:
                violated(p, make_trace(p.name, p.kind, bad_inits[p.name], VIOLATED),
                         f"an initial state maps to no initial state{of}")
            elif bad is not None:
                tr = trace_from_path(bound, spec_path, p.name, p.kind, VIOLATED, step_path(res, bad))
                violated(p, tr, f"the last step is no step{of} and no stutter" if ref else "the last step breaks it")
            elif complete:
                steps = len(res.edges[0]) if res.edges is not None else 0
                what = (f"refines {ref.describe()}: every initial state and " if ref else "") + f"all {steps:,} transitions"
                report.verdicts.append(Verdict(p.name, p.kind, VERIFIED, f"{what} of {full}"))
            else:
                report.verdicts.append(Verdict(p.name, p.kind, INCONCLUSIVE, "no violating step in " + full))
        elif p.kind in ("eventually", "leads_to"):
            lasso = lassos.get(p.name)
            fairness = fairness_text(res)
            if lasso is not None:
                tr = trace_from_path(bound, spec_path, p.name, p.kind, VIOLATED, lasso_path(res, lasso), lasso.loop)
                stays = (f"stays in the state at step {lasso.loop} forever" if lasso.loop == tr.length
                         else f"repeats steps {lasso.loop + 1}-{tr.length} forever")
                report.verdicts.append(Verdict(p.name, p.kind, VIOLATED, f"params {params}; {fairness}", tr.length,
                                               tr, *write(tr, out_dir, False), f"a lasso: it {stays}"))
            elif complete:
                report.verdicts.append(Verdict(p.name, p.kind, VERIFIED, f"{full}; {fairness}"))
            else:
                report.verdicts.append(Verdict(p.name, p.kind, INCONCLUSIVE,
                                               f"needs the whole state graph; {full}; {fairness}"))
        elif p.kind == "always_possible":
            sid = res.stuck.get(p.name)
            if sid is not None:
                tr = make_trace(p.name, p.kind, sid, VIOLATED)
                report.verdicts.append(Verdict(p.name, p.kind, VIOLATED, f"params {params}", tr.length, tr,
                                               *write(tr, out_dir, False),
                                               "reaches a state from which it can no longer hold"))
            elif complete:
                report.verdicts.append(Verdict(p.name, p.kind, VERIFIED, full))
            else:
                report.verdicts.append(Verdict(p.name, p.kind, INCONCLUSIVE,
                                               "needs the whole state graph; " + full))
    if bound.cls.check_deadlock:
        if res.deadlock is not None:
            tr = make_trace("deadlock_free", "deadlock", res.deadlock, VIOLATED)
            report.verdicts.append(Verdict("deadlock_free", "deadlock", VIOLATED, f"params {params}", tr.length, tr,
                                           *write(tr, out_dir, False),
                                           "no action enabled, not @terminal" + (f"; {NOT_SHORTEST}" if reducer else "")))
        elif complete:
            report.verdicts.append(Verdict("deadlock_free", "deadlock", VERIFIED, full))
        else:
            report.verdicts.append(Verdict("deadlock_free", "deadlock", INCONCLUSIVE, "no deadlock in " + full))
    if all_violations:
        for prop, ids in res.violating.items():
            if ids:
                report.groups[prop] = []
                for k, c in enumerate(group_violations(report, prop), 1):
                    tr = make_trace(prop, "always", c.first, VIOLATED)
                    report.groups[prop].append((c, tr, write(tr, out_dir, False, f"{prop}.class{k}")[0]))
    report.never_fired = [name for name, (fired, _new) in res.coverage().items() if fired == 0]
    if res.complete:  # after a limit or a stop signal, an action may fire in the states not explored
        for name in report.never_fired:
            report.warnings.append(never_fired_warning(name, "any reachable state"))
    return report


DETERMINISM_SAMPLE = 32  # states whose successors are computed a second time after the search


def nondeterminism(bound: BoundSpec, states: list[Any], sample: int = DETERMINISM_SAMPLE) -> str | None:
    """Compute the successors of a sample of explored states again, from an equal copy of each state (built
    anew from its JSON, so its sets and dicts may iterate in another order), and compare them with a first
    computation. Guards and effects must be pure functions of (state, parameters); a difference (random
    numbers, the clock, iteration over an unordered container) makes every verdict meaningless. Returns
    the difference found, naming the action and the state, or None.

    The sample is evenly spread over the discovery order (so it covers every depth) and always includes
    the initial states' first; the cost is 2 x `sample` successor computations."""
    n = len(states)
    if n == 0:
        return None
    picks = sorted({0, *range(0, n, max(1, n // sample))})[:sample]
    for i in picks:
        s = states[i]
        try:
            first = _successor_map(bound, s)
            second = _successor_map(bound, bound.from_json(bound.to_json(s)))
        except (SpecError, DomainError):  # a failing guard or effect is reported by the search itself
            continue
        if first == second:
            continue
        state = ", ".join(f"{k}={v}" for k, v in bound.show(s).items())
        for key in list(first) + [k for k in second if k not in first]:
            a, args = (first.get(key) or second[key])[0], key[1]
            if key not in first or key not in second:
                how = "is enabled in one computation and not in the other (its guard is not deterministic)"
            elif first[key][1] != second[key][1]:
                diff = [v for v, x, y in zip(bound.names, first[key][1], second[key][1]) if x != y]
                how = f"gave two different states (differing in {', '.join(diff)})"
            else:
                continue
            return (f"{a.where}: the spec is not deterministic: {bound.label(a, args)} {how} when the successors "
                    f"of one state were computed twice (random numbers, the clock, or iteration over a set or "
                    f"dict?); in state {state[:400]}")
        return f"the spec is not deterministic: the successors of one state differ when computed twice; in state {state[:400]}"
    return None


def _sample_ids(n: int, sample: int = DETERMINISM_SAMPLE) -> list[int]:
    """Up to `sample` state ids evenly spread over the discovery order (so over every depth), 0 included."""
    return sorted({0, *range(0, n, max(1, n // sample))})[:sample] if n else []


def _successor_map(bound: BoundSpec, s: Any) -> dict[tuple[str, tuple], tuple[Any, Any]]:
    """(action name, args) -> (action, next state) for every enabled step of s."""
    return {(a.name, args): (a, bound.apply(a, s, args)) for a, args in bound.enabled(s)}


def never_fired_warning(name: str, scope: str) -> str:
    return f"action {name!r} never fired: its guard was false in {scope} (often a modelling error)"


def report_json(report: Report) -> dict[str, Any]:
    """The machine-readable report of `verify --json` (sorted keys when dumped). Its JSON Schema is
    modelcheck/report/schemas/report.schema.json: a key added here is added there too."""
    res = report.result
    out: dict[str, Any] = {
        "spec": report.spec_path, "spec_class": report.bound.name, "variant": report.bound.variant,
        "scenario": report.bound.scenario,
        "params": report.bound.params_json(),
        "verdicts": [{"property": v.property, "kind": v.kind, "verdict": v.verdict, "bound": v.bound,
                      "steps": v.steps, "file": v.file, "file_error": v.file_error, "note": v.note,
                      **({"loop": v.trace.loop} if v.trace is not None and v.trace.loop is not None else {})}
                     for v in report.verdicts],
        "warnings": report.warnings, "error": report.error, "exit_code": report.exit_code,
        "write_errors": report.write_errors,
        "not_applicable": report.not_applicable, "reductions": report.reductions,
        "groups": {prop: [{"cause": c.signature, "states": c.states, "steps": tr.length, "file": f}
                          for c, tr, f in classes] for prop, classes in report.groups.items()},
    }
    if res is not None:
        out["statistics"] = {
            "distinct_states": res.distinct, "generated": res.generated, "transitions": res.transitions,
            "constrained": res.constrained,
            "depth": res.depth, "complete": res.complete, "stop_reason": res.stop_reason,
            "seconds": round(res.seconds, 3), "peak_memory_mb": round(res.peak_memory_mb, 1),
            "fingerprints": not res.exact, "collision_probability": res.collision_probability,
            "workers": res.workers,
            "coverage": {k: {"fired": f, "new_states": n} for k, (f, n) in res.coverage().items()},
        }
    return out


# -- every violation, grouped by cause (verify --all-violations) ----------------------------------------------------------------------

@dataclass
class ViolationClass:
    signature: str
    states: int            # violating states whose violation was entered this way
    first: int             # the violating state closest to an initial state (its path is shortest)


def group_violations(report: Report, prop: str) -> list[ViolationClass]:
    """Group every state violating `prop` by how the violation was entered along the BFS tree.

    For each violating state, walk back to the first violating state on its BFS path; the transition
    into that state is the entry. Its signature is the spec's `cause(prop, before, action, args, after)`
    if defined, else the action name.
    """
    res, bound = report.result, report.bound
    ids = res.violating.get(prop, [])
    bad = set(ids)
    cause = getattr(bound.inst, "cause", None)
    entry_sig: dict[int, str] = {}
    classes: dict[str, ViolationClass] = {}
    for v in ids:
        e = v
        while res.parent[e] >= 0 and res.parent[e] in bad:
            e = res.parent[e]
        sig = entry_sig.get(e)
        if sig is None:
            p = res.parent[e]
            if p < 0:
                sig = "violated by an initial state"
            else:
                a, args = res.labels[res.label[e]]
                sig = (cause(prop, res.states[p], a.name, args, res.states[e]) if callable(cause)
                       else f"entered by {bound.label(a, args).split('(')[0]}")
            entry_sig[e] = sig
        c = classes.get(sig)
        if c is None:
            classes[sig] = ViolationClass(sig, 1, e)
        else:
            c.states += 1
            c.first = min(c.first, e)
    return sorted(classes.values(), key=lambda c: c.first)
